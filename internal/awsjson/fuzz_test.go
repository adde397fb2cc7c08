package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzHandler sends arbitrary targets and bodies through the whole protocol
// layer. Whatever comes in, the answer is a well-formed AWS JSON response: a
// known status, the error envelope with the right __type for errors, and an
// endpoint that only ever sees one valid JSON object in valid UTF-8.
// Seeds: testdata/fuzz/FuzzHandler.
func FuzzHandler(f *testing.F) {

	h := testHandler()
	h.MaxBodyBytes = 4 << 10
	h.Logger = discardLogger()
	var seen []byte
	echo := func(ctx context.Context, body []byte) (any, error) {
		seen = body
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, SerializationError("endpoint: " + err.Error())
		}
		return m, nil
	}
	lookup := h.Lookup
	h.Lookup = func(op string) (Endpoint, bool) {
		if op == "Echo" {
			return echo, true
		}
		return lookup(op)
	}
	f.Fuzz(func(t *testing.T, target string, body []byte) {
		seen = nil
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", target)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		switch rec.Code {
		case 200, 400, 413, 500:
		default:
			t.Fatalf("status %d", rec.Code)
		}
		if seen != nil {
			if !json.Valid(seen) || !utf8.Valid(seen) || seen[0] != '{' {
				t.Fatalf("endpoint saw %q", seen)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(seen, &m); err != nil {
				t.Fatalf("endpoint saw a body that is not an object: %v", err)
			}
			var v any
			d := json.NewDecoder(bytes.NewReader(seen))
			d.UseNumber()
			if d.Decode(&v) == nil && containsNUL(v) {
				t.Fatalf("endpoint saw U+0000 in %q", seen)
			}
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("response %q is not a JSON object: %v", rec.Body.Bytes(), err)
		}
		if rec.Code != 200 {
			typ, _ := out["__type"].(string)
			if typ == "" || rec.Header().Get("x-amzn-ErrorType") != typ+":" {
				t.Fatalf("error response %s with x-amzn-ErrorType %q", rec.Body.Bytes(), rec.Header().Get("x-amzn-ErrorType"))
			}
			if len(rec.Header().Get("x-amzn-ErrorMessage")) > maxErrorHeader {
				t.Fatal("x-amzn-ErrorMessage over its bound")
			}
			if typ == "InternalErrorException" && !strings.HasSuffix(target, ".Oops") && !strings.HasSuffix(target, ".Panic") {
				t.Fatalf("internal error for target %q body %q", target, body)
			}
		}
		if len(rec.Header().Get("x-amzn-RequestId")) != 36 {
			t.Fatal("no request id")
		}
	})
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// containsNUL reports whether a decoded JSON value has U+0000 in a string or
// an object key.
func containsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, 0)
	case []any:
		for _, e := range v {
			if containsNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.ContainsRune(k, 0) || containsNUL(e) {
				return true
			}
		}
	}
	return false
}
