package sigv4

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// fuzzNow is the clock of the fuzz targets; the seeds are signed at it.
var fuzzNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// FuzzParseAuthorization parses arbitrary Authorization headers. It must not
// panic; a header it accepts has every part, and one it refuses is answered
// with AWS's list of what is missing, ending in the header itself.
// Seeds: testdata/fuzz/FuzzParseAuthorization.
func FuzzParseAuthorization(f *testing.F) {
	f.Fuzz(func(t *testing.T, h string, hasDate bool) {
		a, err := parseAuthorization(h, hasDate)
		if err != nil {
			if err.Code != CodeIncomplete || !strings.HasPrefix(err.Message, "Authorization header requires ") || !strings.HasSuffix(err.Message, "Authorization="+h) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if !hasDate || a.credential == "" || a.signature == "" || a.algorithm == "" {
			t.Fatalf("accepted %q as %+v", h, a)
		}
	})
}

// FuzzVerify verifies arbitrary requests: method, X-Amz-Target,
// Authorization, X-Amz-Date, X-Amz-Content-Sha256 and body. Every answer is
// nil or an *Error with one of the four codes and status 400, and a request
// accepted has everything Verify promises to require: host, x-amz-date and
// (with a target) x-amz-target signed, the server's region and service in
// the scope, a date within MaxSkew, and a content hash (when sent) equal to
// the body's. Seeds, several signed with the fuzz key at fuzzNow:
// testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	v := &Verifier{Service: "cognito-idp", Region: "us-east-1", Secrets: map[string]string{"AKIDFUZZ": "fuzz-secret"}, Now: func() time.Time { return fuzzNow }}
	codes := []string{CodeMissing, CodeIncomplete, CodeInvalid, CodeUnrecognized}
	f.Fuzz(func(t *testing.T, method, target, authz, amzDate, contentSha string, body []byte) {
		if !validMethod(method) {
			return // net/http never delivers such a request
		}
		r := httptest.NewRequest(http.MethodPost, "http://localhost:9229/", bytes.NewReader(body))
		r.Method = method
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		for k, val := range map[string]string{"X-Amz-Target": target, "Authorization": authz, "X-Amz-Date": amzDate, "X-Amz-Content-Sha256": contentSha} {
			if val != "" {
				r.Header.Set(k, val)
			}
		}
		_, err := v.Verify(r, body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !slices.Contains(codes, e.Code) || e.HTTPStatusCode() != 400 || e.Message == "" {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		a, perr := parseAuthorization(authz, true)
		if perr != nil {
			t.Fatalf("accepted an Authorization the parser refuses: %v", perr)
		}
		for _, h := range []string{"host", "x-amz-date"} {
			if !slices.Contains(a.signedHeaders, h) {
				t.Fatalf("accepted without %s signed: %q", h, authz)
			}
		}
		if target != "" && !slices.Contains(a.signedHeaders, "x-amz-target") {
			t.Fatalf("accepted an unsigned target: %q", authz)
		}
		if !strings.HasPrefix(a.credential, "AKIDFUZZ/") || !strings.Contains(a.credential, "/us-east-1/cognito-idp/aws4_request") {
			t.Fatalf("accepted scope %q", a.credential)
		}
		signed, derr := time.Parse(timeFormat, amzDate)
		if derr != nil || signed.Sub(fuzzNow) > MaxSkew || fuzzNow.Sub(signed) > MaxSkew {
			t.Fatalf("accepted date %q", amzDate)
		}
		if contentSha != "" && !strings.EqualFold(contentSha, sha(body)) {
			t.Fatalf("accepted content hash %q for body %q", contentSha, body)
		}
	})
}

// validMethod reports whether m is an HTTP token, as net/http requires of
// the methods it serves.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range []byte(m) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}
