package oauth

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

type testServer struct {
	h      *Handlers
	a      *Authorizer
	grants *fakeGrants
	codes  *MemoryCodeStore
	revoke *fakeRevoker
	now    time.Time
}

func newTestServer() *testServer {
	s := &testServer{grants: &fakeGrants{}, codes: &MemoryCodeStore{}, revoke: &fakeRevoker{}, now: testNow}
	now := func() time.Time { return s.now }
	s.h = &Handlers{
		Clients: fakeClients(testClients), Catalog: definedScopes, Codes: s.codes, Grants: s.grants, Revoker: s.revoke, Now: now,
		Profiles: fakeProfiles{
			"user-token": {Username: "jane", Scopes: []string{"openid", "email"}, Attributes: []Attribute{
				{"email", "jane@example.com"}, {"email_verified", "true"}, {"name", "Jane <b>Doe</b>"}, {"sub", "1c2d"}, {"custom:tier", "gold"}}},
			"openid-token": {Username: "jane", Scopes: []string{"openid"}, Attributes: []Attribute{
				{"sub", "1c2d"}, {"email", "jane@example.com"}, {"name", "Jane"}}},
			"api-token": {Username: "jane", Scopes: []string{"aws.cognito.signin.user.admin"}, Attributes: []Attribute{{"sub", "1c2d"}}},
		},
	}
	s.a = &Authorizer{Codes: s.codes, Grants: s.grants, Now: now}
	return s
}

func (s *testServer) mux() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("/oauth2/token", s.h.Token)
	m.HandleFunc("/oauth2/userInfo", s.h.UserInfo)
	m.HandleFunc("/oauth2/revoke", s.h.Revoke)
	return m
}

var jane = Subject{PoolID: testPool, Username: "jane", Sub: "1c2d", AuthTime: testNow.Add(-time.Minute)}

// authorize runs an authorize request (as a browser would after signing
// in) and returns the Location it ends on.
func (s *testServer) authorize(t *testing.T, rawURL string) *url.URL {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	req, aerr, err := ParseAuthorize(context.Background(), testPool, u.Query(), s.h.Clients, s.h.Catalog)
	if err != nil || aerr != nil {
		t.Fatalf("authorize: %v %v", err, aerr)
	}
	loc, err := s.a.Complete(context.Background(), req, jane)
	if err != nil {
		t.Fatal(err)
	}
	out, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRelyingPartyCodePKCE drives the token endpoint with golang.org/x/oauth2
// as the relying party: code + PKCE for a public client, then reuse.
func TestRelyingPartyCodePKCE(t *testing.T) {
	s := newTestServer()
	srv := httptest.NewServer(s.mux())
	defer srv.Close()
	conf := oauth2.Config{
		ClientID:    "publicclient",
		Endpoint:    oauth2.Endpoint{AuthURL: srv.URL + "/oauth2/authorize", TokenURL: srv.URL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: "https://app.example.com/cb",
		Scopes:      []string{"openid", "email"},
	}
	verifier := oauth2.GenerateVerifier()
	back := s.authorize(t, conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "n-1")))
	if back.Query().Get("state") != "st-1" || back.Host != "app.example.com" {
		t.Fatalf("redirect %s", back)
	}
	code := back.Query().Get("code")
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "access-for-jane" || tok.RefreshToken != "refresh-for-jane" || tok.Extra("id_token") != "id-for-jane" ||
		tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 {
		t.Fatalf("token %+v", tok)
	}
	g := s.grants.user[0]
	if g.Source != SourceAuthorizationCode || g.Nonce != "n-1" || !slices.Equal(g.Scopes, []string{"openid", "email"}) || g.Subject != jane || !g.Refresh {
		t.Fatalf("grant %+v", g)
	}
	// Single use.
	_, err = conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || re.Response.StatusCode != 400 {
		t.Fatalf("reuse: %v", err)
	}
}

func TestRelyingPartyConfidentialAndRefresh(t *testing.T) {
	s := newTestServer()
	srv := httptest.NewServer(s.mux())
	defer srv.Close()
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	// Both secrets of a client in rotation work, in the header and the body.
	for _, tc := range []struct {
		secret string
		style  oauth2.AuthStyle
	}{{"newsecret", oauth2.AuthStyleInHeader}, {"oldsecret", oauth2.AuthStyleInParams}} {
		conf := oauth2.Config{ClientID: "secretclient", ClientSecret: tc.secret, RedirectURL: "https://app.example.com/cb",
			Endpoint: oauth2.Endpoint{TokenURL: srv.URL + "/oauth2/token", AuthStyle: tc.style}}
		back := s.authorize(t, conf.AuthCodeURL("s"))
		tok, err := conf.Exchange(ctx, back.Query().Get("code"))
		if err != nil {
			t.Fatalf("%s: %v", tc.secret, err)
		}
		// Refresh through the same endpoint.
		tok.Expiry = testNow.Add(-time.Hour)
		fresh, err := conf.TokenSource(ctx, tok).Token()
		if err != nil {
			t.Fatal(err)
		}
		if fresh.AccessToken != "refreshed-access" || fresh.Extra("id_token") != "refreshed-id" {
			t.Fatalf("refresh %+v", fresh)
		}
	}
	if !slices.Equal(s.grants.refresh, []string{"refresh-for-jane", "refresh-for-jane"}) {
		t.Fatalf("refreshed %q", s.grants.refresh)
	}
	wrong := oauth2.Config{ClientID: "secretclient", ClientSecret: "wrong", RedirectURL: "https://app.example.com/cb",
		Endpoint: oauth2.Endpoint{TokenURL: srv.URL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInHeader}}
	_, err := wrong.Exchange(ctx, "whatever")
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_client" || re.Response.StatusCode != 401 {
		t.Fatalf("wrong secret: %v", err)
	}
}

func TestRelyingPartyClientCredentials(t *testing.T) {
	s := newTestServer()
	srv := httptest.NewServer(s.mux())
	defer srv.Close()
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	cc := clientcredentials.Config{ClientID: "machineclient", ClientSecret: "machinesecret", TokenURL: srv.URL + "/oauth2/token",
		Scopes: []string{"https://api.example.com/write"}}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "cc-https://api.example.com/write" || tok.RefreshToken != "" || tok.Extra("id_token") != nil {
		t.Fatalf("token %+v", tok)
	}
	cc.Scopes = nil
	if tok, err = cc.Token(ctx); err != nil || tok.AccessToken != "cc-https://api.example.com/read,https://api.example.com/write" {
		t.Fatalf("default scopes: %v %+v", err, tok)
	}
	cc.Scopes = []string{"openid"}
	_, err = cc.Token(ctx)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_scope" {
		t.Fatalf("reserved scope: %v", err)
	}
}

type call struct {
	method, ctype, auth, origin string
	body                        string
}

func (c call) do(h http.HandlerFunc) *httptest.ResponseRecorder {
	method := c.method
	if method == "" {
		method = "POST"
	}
	r := httptest.NewRequest(method, "/", strings.NewReader(c.body))
	switch c.ctype {
	case "":
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case "none":
	default:
		r.Header.Set("Content-Type", c.ctype)
	}
	if c.auth != "" {
		r.Header.Set("Authorization", c.auth)
	}
	if c.origin != "" {
		r.Header.Set("Origin", c.origin)
	}
	rec := httptest.NewRecorder()
	h(rec, r)
	return rec
}

func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

func TestTokenEndpointErrors(t *testing.T) {
	verifier := strings.Repeat("v", 43)
	put := func(s *testServer, code string, c AuthCode) {
		c.PoolID, c.Username, c.Sub = testPool, "jane", "1c2d"
		if c.ClientID == "" {
			c.ClientID = "publicclient"
		}
		if c.RedirectURI == "" {
			c.RedirectURI = "https://app.example.com/cb"
		}
		if c.ExpiresAt.IsZero() {
			c.ExpiresAt = testNow.Add(CodeTTL)
		}
		s.codes.PutCode(context.Background(), CodeKey(code), c)
	}
	exchange := "grant_type=authorization_code&client_id=publicclient&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&code="
	tests := []struct {
		name   string
		setup  func(*testServer)
		call   call
		status int
		body   string // exact body; "" for an empty one
		header [2]string
	}{
		{"GET", nil, call{method: "GET"}, 405, "", [2]string{}},
		{"JSON body", nil, call{ctype: "application/json", body: `{}`}, 405, "", [2]string{}},
		{"no content type", nil, call{ctype: "none", body: "grant_type=client_credentials"}, 405, "", [2]string{}},
		{"missing grant_type", nil, call{body: "client_id=publicclient"}, 400, `{"error":"invalid_request"}`, [2]string{"Content-Type", "application/json;charset=UTF-8"}},
		{"password grant", nil, call{body: "grant_type=password&client_id=publicclient"}, 400, `{"error":"unsupported_grant_type"}`, [2]string{}},
		{"duplicated parameter", nil, call{body: "grant_type=authorization_code&grant_type=authorization_code&client_id=publicclient"}, 400, `{"error":"invalid_request"}`, [2]string{}},
		{"no client", nil, call{body: "grant_type=authorization_code&code=x"}, 400, `{"error":"invalid_request"}`, [2]string{}},
		{"unknown client", nil, call{body: "grant_type=authorization_code&client_id=nope&code=x"}, 400, `{"error":"invalid_client"}`, [2]string{}},
		{"unknown client, basic", nil, call{auth: basicAuth("nope", "x"), body: "grant_type=authorization_code&code=x"}, 401, `{"error":"invalid_client"}`, [2]string{"WWW-Authenticate", `Basic realm="oauth2"`}},
		{"malformed basic", nil, call{auth: "Basic !!!", body: "grant_type=authorization_code&code=x"}, 401, `{"error":"invalid_client"}`, [2]string{}},
		{"bearer instead of basic", nil, call{auth: "Bearer abc", body: "grant_type=authorization_code&code=x"}, 401, `{"error":"invalid_client"}`, [2]string{}},
		{"basic and another body client_id", nil, call{auth: basicAuth("secretclient", "newsecret"), body: "grant_type=authorization_code&client_id=publicclient&code=x"}, 401, `{"error":"invalid_client"}`, [2]string{}},
		{"basic and body secret", nil, call{auth: basicAuth("secretclient", "newsecret"), body: "grant_type=authorization_code&client_secret=newsecret&code=x"}, 401, `{"error":"invalid_client"}`, [2]string{}},
		{"missing secret", nil, call{body: "grant_type=authorization_code&client_id=secretclient&code=x"}, 400, `{"error":"invalid_client"}`, [2]string{}},
		{"wrong secret", nil, call{body: "grant_type=authorization_code&client_id=secretclient&client_secret=nope&code=x"}, 400, `{"error":"invalid_client"}`, [2]string{}},
		{"public client with a secret", nil, call{body: "grant_type=authorization_code&client_id=publicclient&client_secret=x&code=x"}, 400, `{"error":"invalid_client"}`, [2]string{}},
		{"code grant for a machine client", nil, call{auth: basicAuth("machineclient", "machinesecret"), body: "grant_type=authorization_code&code=x&redirect_uri=x"}, 400, `{"error":"unauthorized_client"}`, [2]string{}},
		{"missing code", nil, call{body: "grant_type=authorization_code&client_id=publicclient&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb"}, 400, `{"error":"invalid_request"}`, [2]string{}},
		{"missing redirect_uri", nil, call{body: "grant_type=authorization_code&client_id=publicclient&code=c1"}, 400, `{"error":"invalid_request"}`, [2]string{}},
		{"unknown code", nil, call{body: exchange + "c1"}, 400, `{"error":"invalid_grant"}`, [2]string{}},
		{"expired code", func(s *testServer) { put(s, "c1", AuthCode{ExpiresAt: testNow}) }, call{body: exchange + "c1"}, 400, `{"error":"invalid_grant"}`, [2]string{}},
		{"code of another client", func(s *testServer) { put(s, "c1", AuthCode{ClientID: "secretclient"}) }, call{body: exchange + "c1"}, 400, `{"error":"invalid_grant"}`, [2]string{}},
		{"other redirect_uri", func(s *testServer) { put(s, "c1", AuthCode{RedirectURI: "http://localhost:3000/cb?x=1"}) }, call{body: exchange + "c1"}, 400, `{"error":"invalid_grant"}`, [2]string{}},
		{"PKCE verifier missing", func(s *testServer) { put(s, "c1", AuthCode{CodeChallenge: S256(verifier)}) }, call{body: exchange + "c1"}, 400, `{"error":"invalid_request"}`, [2]string{}},
		{"PKCE mismatch", func(s *testServer) { put(s, "c1", AuthCode{CodeChallenge: S256(verifier)}) }, call{body: exchange + "c1&code_verifier=" + strings.Repeat("w", 43)}, 400, `{"error":"invalid_request"}`, [2]string{}},
		{"verifier without challenge", func(s *testServer) { put(s, "c1", AuthCode{}) }, call{body: exchange + "c1&code_verifier=" + verifier}, 400, `{"error":"invalid_request"}`, [2]string{}},
		{"PKCE match", func(s *testServer) { put(s, "c1", AuthCode{CodeChallenge: S256(verifier), Scopes: []string{"email"}}) }, call{body: exchange + "c1&code_verifier=" + verifier}, 200,
			`{"access_token":"access-for-jane","refresh_token":"refresh-for-jane","expires_in":3600,"token_type":"Bearer"}`, [2]string{"Cache-Control", "no-store"}},
		{"user disabled since", func(s *testServer) { put(s, "c1", AuthCode{}); s.grants.fail = errUserDisabledForTest }, call{body: exchange + "c1"}, 400, `{"error":"invalid_grant"}`, [2]string{}},
		{"grant store failure", func(s *testServer) { put(s, "c1", AuthCode{}); s.grants.fail = errors.New("db down") }, call{body: exchange + "c1"}, 500, `{"error":"server_error"}`, [2]string{}},
		{"refresh without token", nil, call{body: "grant_type=refresh_token&client_id=publicclient"}, 400, `{"error":"invalid_request"}`, [2]string{}},
		{"refresh revoked", nil, call{body: "grant_type=refresh_token&client_id=publicclient&refresh_token=revoked"}, 400, `{"error":"invalid_grant"}`, [2]string{}},
		{"refresh for a client without OAuth", nil, call{body: "grant_type=refresh_token&client_id=nooauthclient&client_secret=s3cret&refresh_token=x"}, 400, `{"error":"unauthorized_client"}`, [2]string{}},
		{"client_credentials without OAuth", nil, call{body: "grant_type=client_credentials&client_id=nooauthclient&client_secret=s3cret"}, 400, `{"error":"invalid_grant"}`, [2]string{}},
		{"client_credentials for a code client", nil, call{auth: basicAuth("secretclient", "oldsecret"), body: "grant_type=client_credentials"}, 400, `{"error":"unauthorized_client"}`, [2]string{}},
		{"client_credentials scope not allowed", nil, call{auth: basicAuth("machineclient", "machinesecret"), body: "grant_type=client_credentials&scope=https%3A%2F%2Fapi.example.com%2Fadmin"}, 400, `{"error":"invalid_scope"}`, [2]string{}},
		{"client_credentials", nil, call{auth: basicAuth("machineclient", "machinesecret"), origin: "https://app.example.com", body: "grant_type=client_credentials&scope=https%3A%2F%2Fapi.example.com%2Fread"}, 200,
			`{"access_token":"cc-https://api.example.com/read","expires_in":3600,"token_type":"Bearer"}`, [2]string{"Access-Control-Allow-Origin", "*"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer()
			if tc.setup != nil {
				tc.setup(s)
			}
			rec := tc.call.do(s.h.Token)
			if rec.Code != tc.status || rec.Body.String() != tc.body {
				t.Fatalf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tc.status, tc.body)
			}
			if tc.header[0] != "" && rec.Header().Get(tc.header[0]) != tc.header[1] {
				t.Fatalf("%s: %q, want %q", tc.header[0], rec.Header().Get(tc.header[0]), tc.header[1])
			}
		})
	}
}

func TestFailedExchangeBurnsTheCode(t *testing.T) {
	s := newTestServer()
	back := s.authorize(t, "/?client_id=publicclient&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb")
	code := back.Query().Get("code")
	bad := call{body: "grant_type=authorization_code&client_id=publicclient&redirect_uri=https%3A%2F%2Fevil.example.com%2F&code=" + code}
	if rec := bad.do(s.h.Token); rec.Body.String() != `{"error":"invalid_grant"}` {
		t.Fatalf("first: %s", rec.Body)
	}
	good := call{body: "grant_type=authorization_code&client_id=publicclient&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&code=" + code}
	if rec := good.do(s.h.Token); rec.Body.String() != `{"error":"invalid_grant"}` {
		t.Fatalf("retry after a failure: %s", rec.Body)
	}
	// The code is stored by digest only.
	for key := range s.codes.codes {
		if strings.Contains(key, code) {
			t.Fatal("code stored in the clear")
		}
	}
}

func TestImplicitComplete(t *testing.T) {
	s := newTestServer()
	back := s.authorize(t, "/?client_id=publicclient&response_type=token&scope=openid&state=s1&nonce=n1&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb")
	frag, _ := url.ParseQuery(back.Fragment)
	if back.RawQuery != "" || frag.Get("access_token") != "access-for-jane" || frag.Get("id_token") != "id-for-jane" ||
		frag.Get("state") != "s1" || frag.Get("token_type") != "bearer" || frag.Get("expires_in") != "3600" || frag.Has("refresh_token") {
		t.Fatalf("implicit redirect %s", back)
	}
	if g := s.grants.user[0]; g.Source != SourceImplicit || g.Refresh || g.Nonce != "n1" {
		t.Fatalf("grant %+v", g)
	}
	if len(s.codes.codes) != 0 {
		t.Fatal("implicit flow stored a code")
	}
	s.grants.fail = errUserDisabledForTest
	back = s.authorize(t, "/?client_id=publicclient&response_type=token&state=s2&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb")
	if back.String() != "https://app.example.com/cb?error=invalid_grant&state=s2" {
		t.Fatalf("failed implicit grant redirected to %s", back)
	}
}

func TestCORSPreflight(t *testing.T) {
	s := newTestServer()
	for path, methods := range map[string]string{"/oauth2/token": "POST, OPTIONS", "/oauth2/userInfo": "GET, POST, OPTIONS", "/oauth2/revoke": "POST, OPTIONS"} {
		r := httptest.NewRequest("OPTIONS", path, nil)
		r.Header.Set("Origin", "http://localhost:3000")
		r.Header.Set("Access-Control-Request-Method", "POST")
		r.Header.Set("Access-Control-Request-Headers", "authorization, content-type, x-amz-user-agent")
		rec := httptest.NewRecorder()
		s.mux().ServeHTTP(rec, r)
		h := rec.Header()
		if rec.Code != 204 || h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Access-Control-Allow-Methods") != methods ||
			h.Get("Access-Control-Allow-Headers") != "authorization, content-type, x-amz-user-agent" {
			t.Errorf("%s preflight: %d %v", path, rec.Code, h)
		}
	}
	r := httptest.NewRequest("OPTIONS", "/oauth2/token", nil)
	r.Header.Set("Origin", "http://localhost:3000")
	r.Header.Set("Access-Control-Request-Headers", "x\r\nSet-Cookie: a=b")
	rec := httptest.NewRecorder()
	s.mux().ServeHTTP(rec, r)
	if got := rec.Header().Get("Access-Control-Allow-Headers"); got != "Authorization, Content-Type" {
		t.Errorf("odd request headers echoed: %q", got)
	}
}

func TestUserInfo(t *testing.T) {
	const badRequest = `error="invalid_request", error_description="Bad OAuth2 request at UserInfo Endpoint"`
	const badToken = `error="invalid_token", error_description="Access token is expired, disabled, or deleted, or the user has globally signed out."`
	tests := []struct {
		name, method, auth string
		status             int
		www                string
		body               string
	}{
		{"no token", "GET", "", 400, badRequest, ""},
		{"basic", "GET", "Basic abc", 400, badRequest, ""},
		{"empty bearer", "GET", "Bearer ", 400, badRequest, ""},
		{"expired", "GET", "Bearer expired", 401, badToken, ""},
		{"garbage", "GET", "Bearer garbage", 401, badToken, ""},
		{"store failure", "GET", "Bearer boom", 500, "", ""},
		{"API token", "GET", "Bearer api-token", 401, `error="invalid_token", error_description="Access token does not contain openid scope"`, ""},
		{"openid email", "GET", "Bearer user-token", 200, "", `{"sub":"1c2d","email":"jane@example.com","email_verified":"true","username":"jane"}`},
		{"openid alone", "POST", "bearer openid-token", 200, "", `{"sub":"1c2d","email":"jane@example.com","name":"Jane","username":"jane"}`},
		{"PUT", "PUT", "Bearer user-token", 405, "", ""},
	}
	s := newTestServer()
	for _, tc := range tests {
		r := httptest.NewRequest(tc.method, "/oauth2/userInfo", nil)
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		s.h.UserInfo(rec, r)
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, rec.Code, tc.status)
		}
		if tc.www != "" && rec.Header().Get("WWW-Authenticate") != tc.www {
			t.Errorf("%s: WWW-Authenticate %q", tc.name, rec.Header().Get("WWW-Authenticate"))
		}
		if tc.body != "" {
			if rec.Body.String() != tc.body || rec.Header().Get("Cache-Control") != "no-cache, no-store, max-age=0, must-revalidate" {
				t.Errorf("%s: body %s", tc.name, rec.Body)
			}
		}
	}
}

func TestRevoke(t *testing.T) {
	jws := base64.RawURLEncoding.EncodeToString([]byte(`{"kid":"k","alg":"RS256"}`)) + ".e30.sig"
	tests := []struct {
		name   string
		call   call
		status int
		body   string
	}{
		{"success", call{body: "token=eyJrefresh.a.b.c.d&client_id=publicclient"}, 200, ""},
		{"basic auth", call{auth: basicAuth("secretclient", "oldsecret"), body: "token=eyJrefresh.a.b.c.d"}, 200, ""},
		{"not a token", call{body: "token=not-a-token&client_id=publicclient"}, 200, ""},
		{"missing token", call{body: "client_id=publicclient"}, 400, `{"error":"invalid_request"}`},
		{"revocation disabled", call{body: "token=x&client_id=norevoke"}, 400, `{"error":"invalid_request"}`},
		{"access token", call{body: "token=" + jws + "&client_id=publicclient"}, 400, `{"error":"unsupported_token_type"}`},
		{"another client's token", call{body: "token=other-client-token&client_id=publicclient"}, 400, `{"error":"invalid_request"}`},
		{"wrong secret", call{body: "token=x&client_id=secretclient&client_secret=nope"}, 401, `{"error":"invalid_client"}`},
		{"unknown client", call{body: "token=x&client_id=nope"}, 401, `{"error":"invalid_client"}`},
		{"GET", call{method: "GET"}, 405, ""},
	}
	for _, tc := range tests {
		s := newTestServer()
		rec := tc.call.do(s.h.Revoke)
		if rec.Code != tc.status || rec.Body.String() != tc.body {
			t.Errorf("%s: %d %q, want %d %q", tc.name, rec.Code, rec.Body.String(), tc.status, tc.body)
		}
		if tc.name == "success" && !slices.Equal(s.revoke.revoked, []string{"eyJrefresh.a.b.c.d"}) {
			t.Errorf("revoked %q", s.revoke.revoked)
		}
	}
}

func TestPoolPinning(t *testing.T) {
	s := newTestServer()
	r := httptest.NewRequest("POST", "/", strings.NewReader("grant_type=refresh_token&client_id=publicclient&refresh_token=x"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r = r.WithContext(WithPool(r.Context(), otherPool))
	rec := httptest.NewRecorder()
	s.h.Token(rec, r)
	if body, _ := io.ReadAll(rec.Body); string(body) != `{"error":"invalid_client"}` {
		t.Fatalf("client of another pool through a domain: %s", body)
	}
}
