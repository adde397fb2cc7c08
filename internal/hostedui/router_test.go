package hostedui

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/oauth"
)

type fakeDomains map[string]Domain

func (f fakeDomains) LookupDomain(_ context.Context, name string) (Domain, bool, error) {
	if name == "broken" {
		return Domain{}, false, errors.New("store down")
	}
	d, ok := f[name]
	return d, ok, nil
}

func TestRouter(t *testing.T) {
	s := newSite(t) // for a configured page handler
	cookies, _ := oauth.NewCookies(master, func() time.Time { return t0 }, nil)
	r, _ := NewRenderer()
	pages := &Handler{Pages: r, Auth: s.auth, Cookies: cookies, Clients: clients, Catalog: noScopes,
		Authorizer: &oauth.Authorizer{Codes: &oauth.MemoryCodeStore{}, Grants: s.grants}, Sessions: fakeSessions{}, Sites: fakeSites{}}
	if err := pages.Init(master); err != nil {
		t.Fatal(err)
	}
	rt := &Router{Region: "us-east-1", Pages: pages, API: &oauth.Handlers{Clients: clients, Catalog: noScopes, Codes: &oauth.MemoryCodeStore{}, Grants: s.grants},
		Domains: fakeDomains{
			"myprefix":         {Name: "myprefix", PoolID: testPool, ManagedLoginVersion: 1},
			"auth.example.com": {Name: "auth.example.com", PoolID: testPool, ManagedLoginVersion: 2},
			"otherpool":        {Name: "otherpool", PoolID: "us-east-1_Other", ManagedLoginVersion: 1},
		}}
	query := "?client_id=" + testClient + "&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb"
	tests := []struct {
		name, host, path string
		status           int
		location         string // prefix
	}{
		{"prefix host", "myprefix.auth.us-east-1.amazoncognito.com", "/oauth2/authorize" + query, 302, "/login?"},
		{"prefix host with port", "MyPrefix.auth.us-east-1.amazoncognito.com:9230", "/oauth2/authorize" + query, 302, "/login?"},
		{"custom domain", "auth.example.com", "/oauth2/authorize" + query, 302, "/login?"},
		{"path form", "127.0.0.1:9229", "/_domain/myprefix/oauth2/authorize" + query, 302, "/_domain/myprefix/login?"},
		{"path form, custom name", "127.0.0.1:9229", "/_domain/auth.example.com/oauth2/authorize" + query, 302, "/_domain/auth.example.com/login?"},
		{"unknown prefix", "nope.auth.us-east-1.amazoncognito.com", "/oauth2/authorize" + query, 404, ""},
		{"unknown path domain", "127.0.0.1:9229", "/_domain/nope/login", 404, ""},
		{"not a domain", "127.0.0.1:9229", "/health", 404, ""},
		{"client of another pool", "127.0.0.1:9229", "/_domain/otherpool/oauth2/authorize" + query, 400, ""},
		{"store failure", "127.0.0.1:9229", "/_domain/broken/login", 500, ""},
		{"token endpoint", "127.0.0.1:9229", "/_domain/myprefix/oauth2/token", 405, ""},
		{"userInfo endpoint", "myprefix.auth.us-east-1.amazoncognito.com", "/oauth2/userInfo", 400, ""},
	}
	for _, tc := range tests {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Host = tc.host
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, req)
		if rec.Code != tc.status || !strings.HasPrefix(rec.Header().Get("Location"), tc.location) {
			t.Errorf("%s: %d %q", tc.name, rec.Code, rec.Header().Get("Location"))
		}
		if tc.status == 302 {
			for _, c := range rec.Result().Cookies() {
				want := "/"
				if strings.HasPrefix(tc.path, "/_domain/") {
					want = strings.TrimSuffix(tc.location, "/login?")
				}
				if c.Name == oauth.XSRFCookie && c.Path != want {
					t.Errorf("%s: XSRF cookie path %q, want %q", tc.name, c.Path, want)
				}
			}
		}
	}
	// The token endpoint through a domain is pinned to its pool.
	req := httptest.NewRequest("POST", "/_domain/otherpool/oauth2/token", strings.NewReader("grant_type=authorization_code&client_id="+testClient+"&code=x&redirect_uri=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	rt.ServeHTTP(rec, req)
	if rec.Body.String() != `{"error":"invalid_client"}` {
		t.Errorf("cross-pool token request: %s", rec.Body)
	}
}
