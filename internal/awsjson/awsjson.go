package awsjson

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ContentType is the media type of every request and response body.
const ContentType = "application/x-amz-json-1.1"

// DefaultMaxBodyBytes bounds request bodies when Handler.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// APIError is an error with an AWS error code. Its JSON encoding (the error's
// own members, e.g. {"message":"..."}) becomes the response body, with
// "__type" added.
type APIError interface {
	error
	ErrorCode() string
	ErrorMessage() string
	HTTPStatusCode() int
}

// Error is a protocol-level APIError (unknown operation, serialization,
// authentication) that belongs to no service model.
type Error struct {
	Code    string `json:"-"`
	Message string `json:"message"`
	Status  int    `json:"-"`
}

// NewError returns an Error. status 0 means 400.
func NewError(code, message string, status int) *Error {
	if status == 0 {
		status = http.StatusBadRequest
	}
	return &Error{Code: code, Message: message, Status: status}
}

func (e *Error) Error() string        { return e.Code + ": " + e.Message }
func (e *Error) ErrorCode() string    { return e.Code }
func (e *Error) ErrorMessage() string { return e.Message }
func (e *Error) HTTPStatusCode() int  { return e.Status }

// Endpoint serves one operation. body is the request's JSON object, already
// checked to be syntactically valid. The returned value is encoded as the
// response body (nil encodes as {}). Errors that are not APIError are answered
// as the handler's internal error; their text is logged, never sent.
type Endpoint func(ctx context.Context, body []byte) (any, error)

// Handler serves an AWS JSON 1.1 service at "/".
type Handler struct {
	// TargetPrefix is the service's X-Amz-Target prefix, e.g.
	// "AWSCognitoIdentityProviderService".
	TargetPrefix string
	// Lookup returns the endpoint of an operation name.
	Lookup func(operation string) (Endpoint, bool)
	// Authorize, when non-nil, runs before the endpoint with the raw body; an
	// error (normally an APIError) answers the request.
	Authorize func(r *http.Request, operation string, body []byte) error
	// Browser reports whether web pages may call an operation (see
	// crossOrigin for the whole CORS policy). nil lets pages call none.
	Browser func(operation string) bool
	// InternalError is the error answered for panics and non-API errors.
	InternalError APIError
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Observe, when non-nil, is told about every request: the operation name
	// ("" if unknown), the error code ("" on success) and the duration.
	Observe func(operation, errorCode string, d time.Duration)
	Logger  *slog.Logger
	// Now defaults to time.Now; used for durations.
	Now func() time.Time
}

type ctxKey struct{}

// RequestInfo describes the HTTP request behind an operation call.
type RequestInfo struct {
	ID         string // the x-amzn-RequestId answered
	Operation  string
	RemoteAddr string // host:port of the peer
	Header     http.Header
	Host       string
}

// Info returns the RequestInfo of the call ctx belongs to, or the zero value.
func Info(ctx context.Context) RequestInfo {
	ri, _ := ctx.Value(ctxKey{}).(*RequestInfo)
	if ri == nil {
		return RequestInfo{}
	}
	return *ri
}

// WithInfo returns ctx carrying ri; for tests of code that reads Info.
func WithInfo(ctx context.Context, ri RequestInfo) context.Context {
	return context.WithValue(ctx, ctxKey{}, &ri)
}

// Errors answered by the protocol layer itself.
var (
	errUnknownOperation = func(target string) APIError {
		return NewError("UnknownOperationException", "Operation "+strconv.Quote(target)+" is not supported by this service.", 0)
	}
	errMethod = NewError("UnknownOperationException", "Only POST requests are supported at this path.", 0)
)

// SerializationError is the error for a body that cannot be read as the
// operation's input.
func SerializationError(detail string) APIError {
	return NewError("SerializationException", detail, 0)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.now()
	ri := &RequestInfo{ID: newRequestID(), RemoteAddr: r.RemoteAddr, Header: r.Header, Host: r.Host}
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", ri.ID)

	target := r.Header.Get("X-Amz-Target")
	name, endpoint := h.operation(target)
	if r.Method == http.MethodOptions {
		Preflight(w, r, h.crossOrigin(r, name), http.MethodPost)
		return
	}
	if h.crossOrigin(r, name) {
		AllowBrowsers(hdr)
	}

	var (
		errCode string
		op      string
	)
	defer func() {
		if p := recover(); p != nil {
			h.logger().Error("panic serving request", "requestId", ri.ID, "operation", op, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			errCode = h.InternalError.ErrorCode()
			h.writeError(w, h.InternalError)
		}
		if h.Observe != nil {
			h.Observe(op, errCode, h.now().Sub(start))
		}
	}()

	fail := func(err APIError) {
		errCode = err.ErrorCode()
		h.writeError(w, err)
	}

	if r.Method != http.MethodPost {
		fail(errMethod)
		return
	}
	if endpoint == nil {
		fail(errUnknownOperation(target))
		return
	}
	op = name
	ri.Operation = name

	body, apiErr := h.readBody(w, r)
	if apiErr != nil {
		fail(apiErr)
		return
	}
	if h.Authorize != nil {
		if err := h.Authorize(r, name, body); err != nil {
			fail(h.asAPIError(ri, err))
			return
		}
	}

	ctx := context.WithValue(r.Context(), ctxKey{}, ri)
	out, err := endpoint(ctx, body)
	if err != nil {
		fail(h.asAPIError(ri, err))
		return
	}
	resp, err := marshalOutput(out)
	if err != nil {
		fail(h.asAPIError(ri, fmt.Errorf("encoding %s output: %w", name, err)))
		return
	}
	hdr.Set("Content-Type", ContentType)
	hdr.Set("Content-Length", strconv.Itoa(len(resp)))
	w.WriteHeader(http.StatusOK)
	w.Write(resp)
}

// operation resolves an X-Amz-Target value to the operation's name and
// endpoint; both are zero when the target names no operation of the
// service.
func (h *Handler) operation(target string) (string, Endpoint) {
	name, ok := strings.CutPrefix(target, h.TargetPrefix+".")
	if !ok {
		// Some clients send the long Java-style prefix.
		if i := strings.LastIndexByte(target, '.'); i >= 0 && strings.HasSuffix(target[:i], "."+h.TargetPrefix) {
			name, ok = target[i+1:], true
		}
	}
	if !ok {
		return "", nil
	}
	e, ok := h.Lookup(name)
	if !ok || e == nil {
		return "", nil
	}
	return name, e
}

// readBody reads at most MaxBodyBytes and checks that the body is one JSON
// object. An empty body is read as {}.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, APIError) {
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	tooLarge := NewError("SerializationException", fmt.Sprintf("Request body exceeds the limit of %d bytes.", limit), http.StatusRequestEntityTooLarge)
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge
		}
		return nil, SerializationError("Could not read the request body.")
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return []byte("{}"), nil
	}
	if trimmed[0] != '{' || !json.Valid(trimmed) {
		return nil, SerializationError("The request body is not a valid JSON object.")
	}
	// encoding/json would read invalid UTF-8 as U+FFFD, so that two
	// different byte strings would name the same user.
	if !utf8.Valid(trimmed) {
		return nil, SerializationError("The request body is not valid UTF-8.")
	}
	// PostgreSQL text cannot hold U+0000: a string carrying one would fail
	// in storage (an internal error on PostgreSQL, a stored NUL on SQLite).
	// No Cognito value needs it. UNCONFIRMED: AWS probably accepts it.
	if hasNUL(trimmed) {
		return nil, SerializationError("The request body contains the character U+0000, which is not accepted.")
	}
	return trimmed, nil
}

// hasNUL reports whether the valid JSON text b has a string containing
// U+0000. Valid JSON cannot carry a raw NUL byte, so this looks for the
// escape \u0000, skipping every other escaped character (so that \\u0000,
// a backslash followed by "u0000", is not one).
func hasNUL(b []byte) bool {
	for i := 0; i < len(b)-1; i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) && string(b[i+2:i+6]) == "0000" {
			return true
		}
		i++ // the escaped character
	}
	return false
}

func (h *Handler) asAPIError(ri *RequestInfo, err error) APIError {
	var ae APIError
	if errors.As(err, &ae) {
		return ae
	}
	h.logger().Error("internal error", "requestId", ri.ID, "operation", ri.Operation, "error", err.Error())
	return h.InternalError
}

func (h *Handler) writeError(w http.ResponseWriter, err APIError) {
	body := EncodeError(err)
	hdr := w.Header()
	hdr.Set("Content-Type", ContentType)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	hdr.Set("x-amzn-ErrorType", err.ErrorCode()+":")
	if msg := headerSafe(err.ErrorMessage(), maxErrorHeader); msg != "" {
		hdr.Set("x-amzn-ErrorMessage", msg)
	}
	status := err.HTTPStatusCode()
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.WriteHeader(status)
	w.Write(body)
}

// EncodeError returns the JSON error body for err: its own members with
// "__type" first.
func EncodeError(err APIError) []byte {
	members, mErr := json.Marshal(err)
	typ, _ := json.Marshal(err.ErrorCode())
	var b bytes.Buffer
	b.WriteString(`{"__type":`)
	b.Write(typ)
	if mErr == nil && len(members) > 2 && members[0] == '{' {
		b.WriteByte(',')
		b.Write(members[1:])
	} else {
		msg, _ := json.Marshal(err.ErrorMessage())
		b.WriteString(`,"message":`)
		b.Write(msg)
		b.WriteByte('}')
	}
	return b.Bytes()
}

func marshalOutput(out any) ([]byte, error) {
	if out == nil {
		return []byte("{}"), nil
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return []byte("{}"), nil
	}
	return b, nil
}

// maxErrorHeader bounds the x-amzn-ErrorMessage header (in bytes). A
// validation message quotes the offending value, which may be as large as
// the body; the body carries the whole message, while clients' header
// limits (16 KiB in Node.js) would otherwise turn it into a parse failure.
const maxErrorHeader = 1024

// headerSafe makes s usable as a header value: printable ASCII only, at most
// max bytes (cut short with "...").
func headerSafe(s string, max int) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 0x20 && c < 0x7f {
			b.WriteRune(c)
		} else {
			b.WriteByte('?')
		}
	}
	if b.Len() > max {
		return b.String()[:max-3] + "..."
	}
	return b.String()
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&0xf])
	}
	return string(out)
}
