package lambdatest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// Handler runs one invocation: payload is the event, the result is the
// answer. An error is a function error unless it is a *StatusError.
type Handler func(ctx context.Context, payload []byte) ([]byte, error)

// StatusError makes the endpoint answer as the Lambda service does when it
// cannot run the function: HTTP Status with x-amzn-ErrorType Type.
type StatusError struct {
	Status int    // e.g. 429, 404, 502
	Type   string // e.g. "TooManyRequestsException"
}

func (e *StatusError) Error() string { return fmt.Sprintf("HTTP %d %s", e.Status, e.Type) }

// Invocation is one request the endpoint received.
type Invocation struct {
	// Function is the resolved function name.
	Function string
	// PathName is the FunctionName as the path carried it (name or ARN).
	PathName string
	// Qualifier is the ?Qualifier= or the ARN's qualifier.
	Qualifier string
	// Type is X-Amz-Invocation-Type ("RequestResponse" when absent) or
	// "Webhook".
	Type string
	// Authorization is the request's Authorization header.
	Authorization string
	Payload       []byte
}

// Server is the endpoint.
type Server struct {
	// URL is the endpoint's base URL (the --lambda-endpoint value).
	URL string

	srv   *httptest.Server
	mu    sync.Mutex
	funcs map[string]Handler
	calls []Invocation
}

// NewServer starts an endpoint that is closed when t ends.
func NewServer(t testing.TB) *Server {
	s := &Server{funcs: map[string]Handler{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", s.invoke)
	mux.HandleFunc("POST /webhook/{name}", s.webhook)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Register serves h as function name (a plain name; requests may name it
// by ARN).
func (s *Server) Register(name string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.funcs[name] = h
}

// WebhookURL is a URL that serves function name as a trigger webhook: the
// answer is the body of a 200; a function error is a 500 with
// {"errorMessage","errorType"}; a StatusError is its status.
func (s *Server) WebhookURL(name string) string { return s.URL + "/webhook/" + url.PathEscape(name) }

// Invocations returns the requests received so far.
func (s *Server) Invocations() []Invocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Invocation(nil), s.calls...)
}

// Reset forgets the recorded invocations.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// FunctionName resolves an Invoke path's FunctionName: "name",
// "name:qualifier", "123456789012:function:name[:qualifier]" or
// "arn:aws:lambda:region:123456789012:function:name[:qualifier]".
func FunctionName(pathName string) (name, qualifier string) {
	parts := strings.Split(pathName, ":")
	switch {
	case len(parts) >= 7 && parts[0] == "arn" && parts[5] == "function":
		name = parts[6]
		if len(parts) > 7 {
			qualifier = parts[7]
		}
	case len(parts) >= 3 && parts[1] == "function":
		name = parts[2]
		if len(parts) > 3 {
			qualifier = parts[3]
		}
	default:
		name = parts[0]
		if len(parts) > 1 {
			qualifier = parts[1]
		}
	}
	return name, qualifier
}

func (s *Server) record(r *http.Request, typ string) (Handler, Invocation, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, Invocation{}, err
	}
	pathName := r.PathValue("name")
	name, qualifier := FunctionName(pathName)
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		qualifier = q
	}
	inv := Invocation{Function: name, PathName: pathName, Qualifier: qualifier, Type: typ,
		Authorization: r.Header.Get("Authorization"), Payload: body}
	s.mu.Lock()
	s.calls = append(s.calls, inv)
	h := s.funcs[name]
	s.mu.Unlock()
	return h, inv, nil
}

func (s *Server) invoke(w http.ResponseWriter, r *http.Request) {
	typ := r.Header.Get("X-Amz-Invocation-Type")
	if typ == "" {
		typ = "RequestResponse"
	}
	h, inv, err := s.record(r, typ)
	if err != nil {
		serviceError(w, http.StatusBadRequest, "InvalidRequestContentException", err.Error())
		return
	}
	if h == nil {
		serviceError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+inv.PathName)
		return
	}
	out, err := h(r.Context(), inv.Payload)
	var se *StatusError
	switch {
	case errors.As(err, &se):
		serviceError(w, se.Status, se.Type, se.Error())
	case err != nil:
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(functionErrorBody(err))
	case typ == "Event":
		w.WriteHeader(http.StatusAccepted)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Write(out)
	}
}

func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	h, inv, err := s.record(r, "Webhook")
	if err != nil || h == nil {
		http.Error(w, "no such function", http.StatusNotFound)
		return
	}
	out, err := h(r.Context(), inv.Payload)
	var se *StatusError
	switch {
	case errors.As(err, &se):
		http.Error(w, se.Type, se.Status)
	case err != nil:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write(functionErrorBody(err))
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Write(out)
	}
}

// functionErrorBody is the error document the Go runtime writes.
func functionErrorBody(err error) []byte {
	t := reflect.TypeOf(err)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	b, _ := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": t.Name()})
	return b
}

func serviceError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"Type": "User", "message": msg})
	w.Write(b)
}

// Typed adapts a handler written against an aws-lambda-go event type, as
// the Go runtime runs it: the payload is decoded into E with
// encoding/json, the returned E is the answer.
func Typed[E any](f func(context.Context, E) (E, error)) Handler {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		var ev E
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("decode %T: %w", ev, err)
		}
		out, err := f(ctx, ev)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	}
}

// Raw answers body whatever the event (bad-output tests).
func Raw(body string) Handler {
	return func(context.Context, []byte) ([]byte, error) { return []byte(body), nil }
}

// Echo answers the event unchanged ("default behaviour").
func Echo() Handler {
	return func(_ context.Context, payload []byte) ([]byte, error) { return bytes.Clone(payload), nil }
}

// Hang blocks until the caller abandons the request (its deadline), then
// answers nothing. reached, when not nil, is closed when the call arrives.
func Hang(reached chan struct{}) Handler {
	var once sync.Once
	return func(ctx context.Context, _ []byte) ([]byte, error) {
		if reached != nil {
			once.Do(func() { close(reached) })
		}
		<-ctx.Done()
		return nil, &StatusError{Status: http.StatusGatewayTimeout, Type: "Abandoned"}
	}
}
