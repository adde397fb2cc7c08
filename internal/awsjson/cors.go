package awsjson

import (
	"net/http"
	"strings"
)

// Cross-origin resource sharing (CORS).
//
// One endpoint serves two kinds of callers: apps in web pages, which call
// the operations a service lets anyone call (Cognito's InitiateAuth, SignUp,
// GetUser, ... authorized by a client ID, a session or an access token), and
// back ends, which sign the admin operations with access keys. Browsers need
// CORS for the first kind; a web page must never reach the second. The whole
// policy of the AWS JSON endpoint is crossOrigin below; the headers it grants
// are written by AllowBrowsers and Preflight.

// Header values of a granted CORS answer, as Cognito sends them: a preflight
// from a browser (Origin: https://foo.example, Access-Control-Request-Method:
// POST) to cognito-idp.us-east-1.amazonaws.com is answered 200 with
//
//	access-control-allow-origin: *
//	access-control-allow-headers: <Access-Control-Request-Headers, echoed>
//	access-control-allow-methods: POST
//	access-control-expose-headers: x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date
//	access-control-max-age: 172800
//
// and a response to the call itself carries the allow-origin and
// expose-headers lines (captures from 2020 and 2021 of AWS's endpoints in
// github.com/AllanZhengYP/cors-test, output.md).
const (
	corsExposeHeaders = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
	corsMaxAge        = "172800"
)

// AllowBrowsers adds to h the headers that let any web page read the
// response: Access-Control-Allow-Origin: * (never with credentials: pages
// cannot send cookies through it) and the headers AWS exposes. Other
// browser-facing endpoints of the server (the per-pool JWKS and discovery
// documents) may use it to grant the same thing; internal/oauth, which may
// not import this package, owns the CORS of /oauth2/*.
func AllowBrowsers(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
}

// Preflight answers a CORS preflight request (OPTIONS) with 200 and no body.
// When grant is true it allows method and echoes the requested headers, as
// Cognito does; otherwise it carries no Access-Control-Allow-* header at
// all, so the browser does not send the request.
func Preflight(w http.ResponseWriter, r *http.Request, grant bool, method string) {
	hdr := w.Header()
	if grant {
		AllowBrowsers(hdr)
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			hdr.Set("Access-Control-Allow-Headers", req)
		}
		hdr.Set("Access-Control-Allow-Methods", method)
		hdr.Set("Access-Control-Max-Age", corsMaxAge)
	}
	hdr.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// crossOrigin is the CORS policy of the Handler: it reports whether a web
// page may make r, a preflight (OPTIONS) or the call itself. operation is
// the operation r names by X-Amz-Target, "" when it names none the Handler
// knows.
//
//   - A call is readable by pages only when its operation is one Browser
//     allows; admin operations, unknown operations and requests without
//     X-Amz-Target get no CORS headers.
//   - A preflight does not carry X-Amz-Target's value, only the names of the
//     headers the page will send. It is granted for a POST that will not
//     carry Authorization: a page that means to sign its request is calling
//     an admin operation (the operations Browser allows are never signed by
//     the SDKs). A preflight that does name an operation in X-Amz-Target
//     (browsers never send one) is judged by that operation.
//
// Real Cognito answers every preflight alike and serves admin operations to
// pages that hold AWS credentials; refusing them is this policy's choice:
// the admin plane is for back ends.
func (h *Handler) crossOrigin(r *http.Request, operation string) bool {
	if h.Browser == nil {
		return false
	}
	if r.Method == http.MethodOptions {
		if r.Header.Get("Access-Control-Request-Method") != http.MethodPost || requestsHeader(r, "Authorization") {
			return false
		}
		if r.Header.Get("X-Amz-Target") == "" {
			return true
		}
	}
	return operation != "" && h.Browser(operation)
}

// requestsHeader reports whether the preflight r announces that the request
// will carry header name.
func requestsHeader(r *http.Request, name string) bool {
	for _, line := range r.Header.Values("Access-Control-Request-Headers") {
		for _, h := range strings.Split(line, ",") {
			if strings.EqualFold(strings.TrimSpace(h), name) {
				return true
			}
		}
	}
	return false
}
