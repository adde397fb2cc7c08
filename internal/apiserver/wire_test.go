package apiserver_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/server/servertest"
)

var update = flag.Bool("update", false, "rewrite the golden wire fixtures under testdata/wire")

// wireCase is one golden fixture: testdata/wire/<Operation>/<case>.json.
//
// "{{pool}}" in a request body is replaced by the ID of a pool the test
// creates once, and every value a setup step captured ("{{name}}") by that
// value; in the response both are replaced back by their placeholders, so
// fixtures stay stable. The server's clock is fixed at wireEpoch, so dates
// are too.
type wireCase struct {
	// Setup lists requests made before the one under test, in order. Each
	// must succeed; Capture names members of its response (dotted paths)
	// whose values later bodies use as "{{name}}".
	Setup   []wireStep `json:"setup,omitempty"`
	Request struct {
		Target string          `json:"target"`
		Signed bool            `json:"signed"`
		Body   json.RawMessage `json:"body"`
		Raw    *string         `json:"raw,omitempty"` // a body that is not JSON
	} `json:"request"`
	Response struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"response"`
	// Redact names response members (dotted paths) whose values differ on
	// every run (tokens, sessions, random salts) with the shape each must
	// have (see shapes); the golden body holds "{{<shape>}}" there, and for a
	// JWT "{{jwt <claim names in order>}}".
	Redact map[string]string `json:"redact,omitempty"`
}

// wireStep is one setup request of a fixture.
type wireStep struct {
	Target  string            `json:"target"`
	Signed  bool              `json:"signed"`
	Body    json.RawMessage   `json:"body"`
	Capture map[string]string `json:"capture,omitempty"`
}

// shapes are the forms a redacted value may take.
var shapes = map[string]*regexp.Regexp{
	"jwt":          regexp.MustCompile(`^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`),
	"jwe":          regexp.MustCompile(`^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`),
	"session":      regexp.MustCompile(`^[A-Za-z0-9_-]{64}$`),
	"hex":          regexp.MustCompile(`^[0-9a-f]+$`),
	"base64":       regexp.MustCompile(`^[A-Za-z0-9+/]+=*$`),
	"clientsecret": regexp.MustCompile(`^[a-z0-9]{51}$`),
	"uuid":         regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`),
	"cloudfront":   regexp.MustCompile(`^d[a-z0-9]{13}\.cloudfront\.net$`),
}

// wireHeaders are the response headers fixtures pin down.
var wireHeaders = []string{"Content-Type", "X-Amzn-Errortype", "X-Amzn-Errormessage", "Access-Control-Allow-Origin"}

// wireEpoch is the server's (frozen) clock while fixtures run.
var wireEpoch = time.Date(2030, 9, 3, 8, 7, 5, 0, time.UTC)

func TestWireFixtures(t *testing.T) {
	env := servertest.New(t)
	env.Clock.Set(wireEpoch)
	pool := env.CreatePool(nil)
	files, err := filepath.Glob("testdata/wire/*/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "testdata/wire/"), ".json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var c wireCase
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			vars := map[string]string{"pool": pool}
			for i, step := range c.Setup {
				status, _, got := wireCall(t, env, step.Target, step.Signed, fill(step.Body, vars))
				if status != http.StatusOK {
					t.Fatalf("setup step %d (%s): status %d: %s", i, step.Target, status, got)
				}
				for name, path := range step.Capture {
					v, err := member(got, path)
					if err != nil {
						t.Fatalf("setup step %d: capture %s: %v", i, name, err)
					}
					vars[name] = v
				}
			}
			body := fill(c.Request.Body, vars)
			if c.Request.Raw != nil {
				body = []byte(*c.Request.Raw)
			}
			status, hdr, got := wireCall(t, env, c.Request.Target, c.Request.Signed, body)
			for _, path := range slices.Sorted(mapsKeys(c.Redact)) {
				got = redact(t, got, path, c.Redact[path])
			}
			got = placeholders(got, vars)
			headers := map[string]string{}
			for _, h := range wireHeaders {
				if v := hdr.Get(h); v != "" {
					headers[h] = string(placeholders([]byte(v), vars))
				}
			}
			if *update {
				c.Response.Status = status
				c.Response.Headers = headers
				c.Response.Body = json.RawMessage(got)
				out, _ := json.MarshalIndent(c, "", "  ")
				os.WriteFile(file, append(out, '\n'), 0o644)
				return
			}
			if status != c.Response.Status {
				t.Errorf("status = %d, want %d", status, c.Response.Status)
			}
			for k, v := range c.Response.Headers {
				if headers[k] != v {
					t.Errorf("header %s = %q, want %q", k, headers[k], v)
				}
			}
			for k := range headers {
				if _, ok := c.Response.Headers[k]; !ok {
					t.Errorf("unexpected header %s: %q", k, headers[k])
				}
			}
			var want bytes.Buffer
			json.Compact(&want, c.Response.Body)
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("body =\n%s\nwant\n%s", got, want.Bytes())
			}
		})
	}
}

// wireCall sends one AWS JSON request and returns the status, headers and
// body of the answer.
func wireCall(t *testing.T, env *servertest.Env, target string, signed bool, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	if signed {
		servertest.Sign(req, body)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if len(resp.Header.Get("X-Amzn-Requestid")) != 36 {
		t.Errorf("x-amzn-RequestId = %q", resp.Header.Get("X-Amzn-Requestid"))
	}
	return resp.StatusCode, resp.Header, got
}

// fill replaces every "{{name}}" of vars in a request body by its value.
func fill(body []byte, vars map[string]string) []byte {
	s := string(body)
	for name, v := range vars {
		s = strings.ReplaceAll(s, "{{"+name+"}}", v)
	}
	return []byte(s)
}

// placeholders replaces every value of vars in a response by "{{name}}",
// longest values first.
func placeholders(b []byte, vars map[string]string) []byte {
	names := slices.SortedFunc(mapsKeys(vars), func(a, b string) int { return len(vars[b]) - len(vars[a]) })
	for _, name := range names {
		b = bytes.ReplaceAll(b, []byte(vars[name]), []byte("{{"+name+"}}"))
	}
	return b
}

// member returns the string at a dotted path of a JSON object.
func member(body []byte, path string) (string, error) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "", err
	}
	for _, part := range strings.Split(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return "", fmt.Errorf("%s: not an object at %s", path, part)
		}
		if v, ok = obj[part]; !ok {
			return "", fmt.Errorf("%s: no member %s", path, part)
		}
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s: not a string", path)
	}
	return s, nil
}

// redact checks that the member at path has the given shape and replaces
// its value by "{{shape}}".
func redact(t *testing.T, body []byte, path, shape string) []byte {
	t.Helper()
	re, ok := shapes[shape]
	if !ok {
		t.Fatalf("redact %s: unknown shape %q", path, shape)
	}
	v, err := member(body, path)
	if err != nil {
		t.Errorf("redact: %v", err)
		return body
	}
	if !re.MatchString(v) {
		t.Errorf("%s = %q, not a %s", path, v, shape)
		return body
	}
	placeholder := shape
	if shape == "jwt" {
		// The claims a token carries, in order, are part of the wire.
		placeholder += " " + strings.Join(claimNames(t, v), ",")
	}
	quoted, _ := json.Marshal(v)
	return bytes.ReplaceAll(body, quoted, []byte(`"{{`+placeholder+`}}"`))
}

// claimNames returns the names of a JWT's claims in the order the payload
// lists them.
func claimNames(t *testing.T, jwt string) []string {
	t.Helper()
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[1])
	if err != nil {
		t.Fatalf("token payload: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	var names []string
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("token payload is not an object: %v", err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("token payload: %v", err)
		}
		names = append(names, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("token payload: %v", err)
		}
	}
	return names
}

// mapsKeys is maps.Keys (the name maps is taken by a helper of this package).
func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
