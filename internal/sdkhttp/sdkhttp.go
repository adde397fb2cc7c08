// Package sdkhttp holds the HTTP transport fix every aws-sdk-go-v2 client
// of this repository uses against a userpoold (tests, the public test
// server, the load generators).
//
// aws-sdk-go-v2 (smithy-go v1.28) closes a request's body as soon as the
// response headers arrive, and once closed the body's WriteTo answers
// io.EOF. net/http's write loop may at that moment still be making its last
// read of the body (the check for bytes beyond Content-Length); it takes
// the io.EOF for a write error and closes the connection under the
// response, so a response longer than the transport's 4 KiB read buffer
// (DescribeUserPool, InitiateAuth with tokens of Cognito's size) fails with
// "use of closed network connection", about once in a thousand calls,
// against any server, AWS included. ClosedBodyEOF hides WriteTo, which
// sends that last read through Read, which answers a clean io.EOF. The
// requests on the wire do not change.
//
// The package imports only the standard library.
package sdkhttp

import (
	"io"
	"net/http"
)

// ClosedBodyEOF is a RoundTripper that hides the request body's WriteTo
// and sends the request with Next (http.DefaultTransport when nil).
type ClosedBodyEOF struct{ Next http.RoundTripper }

// RoundTrip hides the body's WriteTo and sends the request with Next.
func (t ClosedBodyEOF) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = struct{ io.ReadCloser }{req.Body}
	}
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(req)
}

// Client returns an http.Client whose transport is ClosedBodyEOF over
// next's (http.DefaultTransport when next or its transport is nil),
// keeping next's timeout.
func Client(next *http.Client) *http.Client {
	c := &http.Client{Transport: ClosedBodyEOF{}}
	if next != nil {
		c.Transport = ClosedBodyEOF{Next: next.Transport}
		c.Timeout = next.Timeout
		c.Jar = next.Jar
		c.CheckRedirect = next.CheckRedirect
	}
	return c
}
