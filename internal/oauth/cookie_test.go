package oauth

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var testMaster = bytes.Repeat([]byte{7}, 32)

func newTestCookies(t *testing.T, now *time.Time) *Cookies {
	t.Helper()
	c, err := NewCookies(testMaster, func() time.Time { return *now }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// replay builds a request carrying the cookies a response set.
func replay(rec *httptest.ResponseRecorder) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge >= 0 {
			r.AddCookie(c)
		}
	}
	return r
}

func TestSessionCookie(t *testing.T) {
	now := testNow
	c := newTestCookies(t, &now)
	sub := Subject{PoolID: testPool, Username: "jane", Sub: "b1c2", AuthTime: testNow.Add(-time.Minute)}
	rec := httptest.NewRecorder()
	scope := CookieScope{Path: "/_domain/myprefix", Secure: true}
	if err := c.SetSession(rec, scope, sub); err != nil {
		t.Fatal(err)
	}
	set := rec.Result().Cookies()[0]
	if set.Name != "cognito" || !set.HttpOnly || !set.Secure || set.SameSite != http.SameSiteLaxMode || set.Path != "/_domain/myprefix" || set.MaxAge != 3600 {
		t.Fatalf("cookie attributes %+v", set)
	}
	if strings.Contains(set.Value, "jane") {
		t.Fatal("session cookie is readable")
	}
	r := replay(rec)
	got, ok := c.Session(r, testPool)
	if !ok || got != (Subject{PoolID: testPool, Username: "jane", Sub: "b1c2", AuthTime: sub.AuthTime}) {
		t.Fatalf("Session = %+v, %v", got, ok)
	}
	if _, ok := c.Session(r, otherPool); ok {
		t.Error("session of one pool accepted by another")
	}
	now = testNow.Add(SessionTTL - time.Second)
	if _, ok := c.Session(r, testPool); !ok {
		t.Error("session refused before its hour is up")
	}
	now = testNow.Add(SessionTTL)
	if _, ok := c.Session(r, testPool); ok {
		t.Error("session accepted after an hour")
	}
	now = testNow
	// Tampering: flip a character.
	tampered := httptest.NewRequest("GET", "/", nil)
	v := []byte(set.Value)
	v[len(v)/2] ^= 1
	tampered.AddCookie(&http.Cookie{Name: "cognito", Value: string(v)})
	if _, ok := c.Session(tampered, testPool); ok {
		t.Error("tampered session accepted")
	}
	// Another master key cannot open it.
	other, _ := NewCookies(bytes.Repeat([]byte{8}, 32), fixedNow, nil)
	if _, ok := other.Session(r, testPool); ok {
		t.Error("session opened under another key")
	}
	rec = httptest.NewRecorder()
	c.ClearSession(rec, CookieScope{Path: "/"})
	if ck := rec.Result().Cookies()[0]; ck.Name != "cognito" || ck.MaxAge >= 0 || ck.Secure {
		t.Errorf("ClearSession set %+v", ck)
	}
}

func TestXSRF(t *testing.T) {
	now := testNow
	c := newTestCookies(t, &now)
	rec := httptest.NewRecorder()
	tok, err := c.NewXSRF(rec, CookieScope{Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := parseUUID(tok); !ok {
		t.Fatalf("token %q is not UUID-shaped", tok)
	}
	cookies := rec.Result().Cookies()
	names := map[string]*http.Cookie{}
	for _, ck := range cookies {
		names[ck.Name] = ck
	}
	if x := names["XSRF-TOKEN"]; x == nil || x.Value != tok || !x.HttpOnly || x.SameSite != http.SameSiteLaxMode || x.Secure {
		t.Fatalf("XSRF-TOKEN %+v", x)
	}
	for _, n := range []string{"csrf-state", "csrf-state-legacy"} {
		if ck := names[n]; ck == nil || ck.Value != "" || ck.MaxAge >= 0 {
			t.Errorf("%s not cleared: %+v", n, ck)
		}
	}
	r := replay(rec)
	if got, ok := c.XSRF(r); !ok || got != tok {
		t.Fatalf("XSRF = %q, %v", got, ok)
	}
	if !c.CheckCSRF(r, tok) {
		t.Error("matching _csrf refused")
	}
	for _, bad := range []string{"", tok[:35], strings.ToUpper(tok), "00000000-0000-0000-0000-000000000000"} {
		if c.CheckCSRF(r, bad) {
			t.Errorf("_csrf %q accepted", bad)
		}
	}
	// A cookie the server did not mint is refused even when the form
	// matches it (the double-submit pair alone is not enough).
	forged := httptest.NewRequest("POST", "/", nil)
	const f = "6b1f2c1e-4a1d-4c3b-9d6e-0f1a2b3c4d5e"
	forged.AddCookie(&http.Cookie{Name: "XSRF-TOKEN", Value: f})
	if c.CheckCSRF(forged, f) {
		t.Error("forged XSRF-TOKEN accepted")
	}
	if c.CheckCSRF(httptest.NewRequest("POST", "/", nil), tok) {
		t.Error("_csrf without a cookie accepted")
	}
}

func TestScopeForSecure(t *testing.T) {
	for _, c := range []struct {
		name    string
		tls     bool
		proto   string
		trusted bool
		want    bool
	}{
		{"plain http", false, "", true, false},
		{"TLS", true, "", false, true},
		{"proxy https, trusted", false, "https", true, true},
		{"proxy HTTPS list, trusted", false, "HTTPS, http", true, true},
		{"proxy http first, trusted", false, "http, https", true, false},
		{"proxy https, not trusted", false, "https", false, false},
	} {
		r := httptest.NewRequest("GET", "/_domain/x/login", nil)
		if c.tls {
			r = httptest.NewRequest("GET", "https://example.com/_domain/x/login", nil)
		}
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		if got := ScopeFor(r, "/_domain/x", c.trusted); got.Secure != c.want || got.Path != "/_domain/x" {
			t.Errorf("%s: ScopeFor = %+v, want Secure %v", c.name, got, c.want)
		}
	}
	if got := ScopeFor(httptest.NewRequest("GET", "/login", nil), "", false); got.Path != "/" {
		t.Errorf("host form path = %q", got.Path)
	}
}
