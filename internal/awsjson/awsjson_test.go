package awsjson

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type reasonErr struct {
	Message    string `json:"message"`
	ReasonCode string `json:"reasonCode,omitempty"`
}

func (e *reasonErr) Error() string        { return "InvalidParameterException: " + e.Message }
func (e *reasonErr) ErrorCode() string    { return "InvalidParameterException" }
func (e *reasonErr) ErrorMessage() string { return e.Message }
func (e *reasonErr) HTTPStatusCode() int  { return 400 }

func testHandler() *Handler {
	endpoints := map[string]Endpoint{
		"Echo": func(ctx context.Context, body []byte) (any, error) {
			var m map[string]any
			json.Unmarshal(body, &m)
			m["requestId"] = Info(ctx).ID
			return m, nil
		},
		"Empty": func(ctx context.Context, body []byte) (any, error) { return nil, nil },
		"Fail": func(ctx context.Context, body []byte) (any, error) {
			return nil, &reasonErr{Message: "bad thing", ReasonCode: "INVALID"}
		},
		"Oops": func(ctx context.Context, body []byte) (any, error) {
			return nil, errors.New("db password=hunter2 leaked")
		},
		"Panic": func(ctx context.Context, body []byte) (any, error) { panic("boom") },
		"Admin": func(ctx context.Context, body []byte) (any, error) { return map[string]string{}, nil },
	}
	return &Handler{
		TargetPrefix: "TestService",
		Lookup: func(op string) (Endpoint, bool) {
			e, ok := endpoints[op]
			return e, ok
		},
		Authorize: func(r *http.Request, op string, body []byte) error {
			if op == "Admin" && r.Header.Get("Authorization") == "" {
				return NewError("MissingAuthenticationTokenException", "Missing Authentication Token", 0)
			}
			return nil
		},
		Browser:       func(op string) bool { return op != "Admin" },
		InternalError: NewError("InternalErrorException", "Internal server error.", 500),
		MaxBodyBytes:  64,
		Logger:        nil,
		Now:           func() time.Time { return time.Unix(0, 0) },
	}
}

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(testHandler())
	defer srv.Close()

	tests := []struct {
		name       string
		method     string
		target     string
		body       string
		header     map[string]string
		wantStatus int
		wantType   string // "" for success
		wantBody   string // exact body when set
		noCORS     bool   // no Access-Control-* headers expected
	}{
		{name: "success", target: "TestService.Empty", body: `{}`, wantStatus: 200, wantBody: `{}`},
		{name: "empty body is {}", target: "TestService.Empty", body: ``, wantStatus: 200, wantBody: `{}`},
		{name: "long java target", target: "com.amazonaws.test.TestService.Empty", body: `{}`, wantStatus: 200, wantBody: `{}`},
		{name: "unknown op", target: "TestService.Nope", body: `{}`, wantStatus: 400, wantType: "UnknownOperationException", noCORS: true},
		{name: "no target", target: "", body: `{}`, wantStatus: 400, wantType: "UnknownOperationException", noCORS: true},
		{name: "wrong prefix", target: "Other.Empty", body: `{}`, wantStatus: 400, wantType: "UnknownOperationException", noCORS: true},
		{name: "not json", target: "TestService.Empty", body: `{"a":`, wantStatus: 400, wantType: "SerializationException"},
		{name: "json array", target: "TestService.Empty", body: `[1]`, wantStatus: 400, wantType: "SerializationException"},
		{name: "NUL", target: "TestService.Empty", body: `{"a":"x\u0000"}`, wantStatus: 400, wantType: "SerializationException",
			wantBody: `{"__type":"SerializationException","message":"The request body contains the character U+0000, which is not accepted."}`},
		{name: "NUL in a key", target: "TestService.Empty", body: `{"\u0000":1}`, wantStatus: 400, wantType: "SerializationException"},
		{name: "escaped backslash before u0000", target: "TestService.Empty", body: `{"a":"\\u0000","b":"\u0041\\"}`, wantStatus: 200, wantBody: `{}`},
		{name: "invalid UTF-8", target: "TestService.Empty", body: "{\"a\":\"\xff\"}", wantStatus: 400, wantType: "SerializationException",
			wantBody: `{"__type":"SerializationException","message":"The request body is not valid UTF-8."}`},
		{name: "too large", target: "TestService.Empty", body: `{"a":"` + strings.Repeat("x", 100) + `"}`, wantStatus: 413, wantType: "SerializationException"},
		{name: "api error with members", target: "TestService.Fail", body: `{}`, wantStatus: 400, wantType: "InvalidParameterException",
			wantBody: `{"__type":"InvalidParameterException","message":"bad thing","reasonCode":"INVALID"}`},
		{name: "internal error hides cause", target: "TestService.Oops", body: `{}`, wantStatus: 500, wantType: "InternalErrorException",
			wantBody: `{"__type":"InternalErrorException","message":"Internal server error."}`},
		{name: "panic", target: "TestService.Panic", body: `{}`, wantStatus: 500, wantType: "InternalErrorException"},
		{name: "authorize rejects", target: "TestService.Admin", body: `{}`, wantStatus: 400, wantType: "MissingAuthenticationTokenException",
			wantBody: `{"__type":"MissingAuthenticationTokenException","message":"Missing Authentication Token"}`, noCORS: true},
		{name: "admin operation succeeds without CORS", target: "TestService.Admin", body: `{}`, header: map[string]string{"Authorization": "x"}, wantStatus: 200, noCORS: true},
		{name: "GET", method: "GET", target: "TestService.Empty", wantStatus: 400, wantType: "UnknownOperationException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = "POST"
			}
			req, _ := http.NewRequest(method, srv.URL+"/", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", ContentType)
			if tc.target != "" {
				req.Header.Set("X-Amz-Target", tc.target)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, tc.wantStatus, body)
			}
			if got := resp.Header.Get("Content-Type"); got != ContentType {
				t.Errorf("Content-Type = %q", got)
			}
			if len(resp.Header.Get("x-amzn-RequestId")) != 36 {
				t.Errorf("x-amzn-RequestId = %q", resp.Header.Get("x-amzn-RequestId"))
			}
			if tc.noCORS {
				for k := range resp.Header {
					if strings.HasPrefix(k, "Access-Control-") {
						t.Errorf("CORS header %s: %s", k, resp.Header.Get(k))
					}
				}
			} else if resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
				resp.Header.Get("Access-Control-Expose-Headers") != "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date" {
				t.Errorf("CORS headers = %v", resp.Header)
			}
			if tc.wantType != "" {
				var e struct {
					Type    string `json:"__type"`
					Message string `json:"message"`
				}
				if err := json.Unmarshal(body, &e); err != nil {
					t.Fatalf("error body %q: %v", body, err)
				}
				if e.Type != tc.wantType || e.Message == "" {
					t.Errorf("error body = %s, want __type %s and a message", body, tc.wantType)
				}
				if got := resp.Header.Get("x-amzn-ErrorType"); got != tc.wantType+":" {
					t.Errorf("x-amzn-ErrorType = %q", got)
				}
				if strings.Contains(string(body), "hunter2") {
					t.Errorf("internal error leaked its cause: %s", body)
				}
			}
			if tc.wantBody != "" && string(body) != tc.wantBody {
				t.Errorf("body = %s, want %s", body, tc.wantBody)
			}
		})
	}
}

func TestRequestInfoAndPreflight(t *testing.T) {
	srv := httptest.NewServer(testHandler())
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(`{"x":1}`))
	req.Header.Set("X-Amz-Target", "TestService.Echo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if m["requestId"] != resp.Header.Get("x-amzn-RequestId") || m["x"] != 1.0 {
		t.Errorf("echo = %v, header id %q", m, resp.Header.Get("x-amzn-RequestId"))
	}

}

// TestPreflight checks the CORS preflight answers: granted as Cognito grants
// them for what a page may call, and without any Access-Control-Allow-*
// header for a signed (admin) call or another method.
func TestPreflight(t *testing.T) {
	srv := httptest.NewServer(testHandler())
	defer srv.Close()
	granted := map[string]string{
		"Access-Control-Allow-Origin":   "*",
		"Access-Control-Allow-Methods":  "POST",
		"Access-Control-Expose-Headers": "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date",
		"Access-Control-Max-Age":        "172800",
	}
	tests := []struct {
		name        string
		method      string // Access-Control-Request-Method
		headers     string // Access-Control-Request-Headers
		target      string // X-Amz-Target on the preflight itself
		grant       bool
		wantHeaders string // the echoed Access-Control-Allow-Headers
	}{
		{name: "amplify", method: "POST", headers: "cache-control,content-type,x-amz-target,x-amz-user-agent", grant: true,
			wantHeaders: "cache-control,content-type,x-amz-target,x-amz-user-agent"},
		{name: "sdk v3, unsigned", method: "POST", headers: "amz-sdk-invocation-id,amz-sdk-request,content-type,x-amz-target,x-amz-user-agent", grant: true,
			wantHeaders: "amz-sdk-invocation-id,amz-sdk-request,content-type,x-amz-target,x-amz-user-agent"},
		{name: "no headers requested", method: "POST", grant: true},
		{name: "signed call", method: "POST", headers: "authorization,content-type,x-amz-date,x-amz-target"},
		{name: "signed call, mixed case", method: "POST", headers: "Content-Type, Authorization"},
		{name: "GET", method: "GET", headers: "content-type"},
		{name: "not a preflight", method: ""},
		{name: "names a browser operation", method: "POST", headers: "content-type", target: "TestService.Echo", grant: true, wantHeaders: "content-type"},
		{name: "names an admin operation", method: "POST", headers: "content-type", target: "TestService.Admin"},
		{name: "names an unknown operation", method: "POST", headers: "content-type", target: "TestService.Nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("OPTIONS", srv.URL, nil)
			req.Header.Set("Origin", "http://localhost:3000")
			if tc.method != "" {
				req.Header.Set("Access-Control-Request-Method", tc.method)
			}
			if tc.headers != "" {
				req.Header.Set("Access-Control-Request-Headers", tc.headers)
			}
			if tc.target != "" {
				req.Header.Set("X-Amz-Target", tc.target)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(body) != 0 || len(resp.Header.Get("x-amzn-RequestId")) != 36 {
				t.Errorf("status %d, body %q, headers %v", resp.StatusCode, body, resp.Header)
			}
			for k := range resp.Header {
				if strings.HasPrefix(k, "Access-Control-") && !tc.grant {
					t.Errorf("refused preflight has %s: %s", k, resp.Header.Get(k))
				}
			}
			if !tc.grant {
				return
			}
			for k, v := range granted {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if got := resp.Header.Get("Access-Control-Allow-Headers"); got != tc.wantHeaders {
				t.Errorf("Access-Control-Allow-Headers = %q, want %q", got, tc.wantHeaders)
			}
		})
	}

	// Without a Browser predicate no page may call anything.
	h := testHandler()
	h.Browser = nil
	req := httptest.NewRequest("OPTIONS", "/", nil)
	req.Header.Set("Access-Control-Request-Method", "POST")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("nil Browser granted a preflight: %v", rec.Header())
	}
}

func TestErrorHeaderBounded(t *testing.T) {
	long := strings.Repeat("x", 5000)
	h := testHandler()
	h.Lookup = func(string) (Endpoint, bool) {
		return func(context.Context, []byte) (any, error) {
			return nil, NewError("InvalidParameterException", long+"\u00e9", 0)
		}, true
	}
	req := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "TestService.Any")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if got := rec.Header().Get("x-amzn-ErrorMessage"); len(got) != 1024 || !strings.HasSuffix(got, "...") {
		t.Errorf("x-amzn-ErrorMessage is %d bytes: %.20q...", len(got), got)
	}
	if !strings.Contains(rec.Body.String(), long) {
		t.Error("the body lost the message")
	}
	if got := headerSafe("short\u00e9", 1024); got != "short?" {
		t.Errorf("headerSafe = %q", got)
	}
}

func TestObserve(t *testing.T) {
	h := testHandler()
	var ops, codes []string
	h.Observe = func(op, code string, d time.Duration) { ops = append(ops, op); codes = append(codes, code) }
	for _, target := range []string{"TestService.Empty", "TestService.Fail", "TestService.Nope"} {
		req := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", target)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	want := []string{"Empty", "Fail", ""}
	wantCodes := []string{"", "InvalidParameterException", "UnknownOperationException"}
	for i := range want {
		if ops[i] != want[i] || codes[i] != wantCodes[i] {
			t.Errorf("observe %d = %q %q, want %q %q", i, ops[i], codes[i], want[i], wantCodes[i])
		}
	}
}
