package upload

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"
	"time"
)

// Error is an S3 error answer: an HTTP status and the XML body
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<Error><Code>AccessDenied</Code><Message>Request has expired</Message>...<RequestId>..</RequestId><HostId>..</HostId></Error>
//
// Codes, statuses and messages are S3's for the same conditions.
// UNCONFIRMED (§12 item 18): S3's answer to an upload without the
// x-amz-server-side-encryption header it signed; SignatureDoesNotMatch, as
// for any signed header that differs, is the most plausible.
type Error struct {
	Status  int
	Code    string
	Message string
	// Extra are S3's additional elements for the error, in order.
	Extra []Element
}

// Element is one extra element of an error body.
type Element struct {
	Name, Value string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// body renders the XML body with the request and host IDs.
func (e *Error) body(requestID, hostID string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header[:len(xml.Header)-1]) // without the newline, as S3 writes it
	b.WriteString("\n<Error>")
	el := func(name, value string) {
		b.WriteString("<" + name + ">")
		_ = xml.EscapeText(&b, []byte(value))
		b.WriteString("</" + name + ">")
	}
	el("Code", e.Code)
	el("Message", e.Message)
	for _, x := range e.Extra {
		el(x.Name, x.Value)
	}
	el("RequestId", requestID)
	el("HostId", hostID)
	b.WriteString("</Error>")
	return b.Bytes()
}

const isoSeconds = "2006-01-02T15:04:05Z"

var (
	errMissingAuth = &Error{http.StatusForbidden, "AccessDenied",
		"Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.", nil}
	errNotYetValid    = &Error{http.StatusForbidden, "AccessDenied", "Request is not valid yet", nil}
	errAccessDenied   = &Error{http.StatusForbidden, "AccessDenied", "Access Denied", nil}
	errMissingLength  = &Error{http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.", nil}
	errIncompleteBody = &Error{http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header", nil}
	errInternal       = &Error{http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.", nil}
)

func queryError(msg string) *Error {
	return &Error{http.StatusBadRequest, "AuthorizationQueryParametersError", msg, nil}
}

func errUnknownKey(id string) *Error {
	return &Error{http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.",
		[]Element{{"AWSAccessKeyId", id}}}
}

func errExpired(expires int64, end, now time.Time) *Error {
	return &Error{http.StatusForbidden, "AccessDenied", "Request has expired", []Element{
		{"X-Amz-Expires", strconv.FormatInt(expires, 10)},
		{"Expires", end.UTC().Format(isoSeconds)},
		{"ServerTime", now.UTC().Format(isoSeconds)},
	}}
}

func errSignature(accessKey, provided string) *Error {
	return &Error{http.StatusForbidden, "SignatureDoesNotMatch",
		"The request signature we calculated does not match the signature you provided. Check your key and signing method.",
		[]Element{{"AWSAccessKeyId", accessKey}, {"SignatureProvided", provided}}}
}

func errTooLarge(proposed, max int64) *Error {
	return &Error{http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", []Element{
		{"ProposedSize", strconv.FormatInt(proposed, 10)},
		{"MaxSizeAllowed", strconv.FormatInt(max, 10)},
	}}
}
