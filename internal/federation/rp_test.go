package federation_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/userpoold/userpoold/internal/federation"
)

// startMock runs mockoidc, an OpenID provider we did not write, with a
// user carrying email claims.
func startMock(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return m
}

func mockUser(sub string) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: sub, Email: sub + "@example.com", EmailVerified: true, PreferredUsername: sub, Groups: []string{"a", "b"}}
}

// mockProvider configures an OIDC provider for mockoidc through the
// Configurer (discovery included).
func mockProvider(t *testing.T, r *rig, m *mockoidc.MockOIDC, method string) federation.Provider {
	t.Helper()
	cfg := m.Config()
	p, err := r.conf.Create(ctx, testPool, federation.Input{Name: "Mock", Type: federation.TypeOIDC,
		Details: map[string]string{"client_id": cfg.ClientID, "client_secret": cfg.ClientSecret,
			"authorize_scopes": "openid email profile groups", "attributes_request_method": method, "oidc_issuer": m.Issuer()},
		AttributeMapping: map[string]string{"email": "email", "email_verified": "email_verified", "name": "preferred_username"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRPAgainstMockOIDC signs in through mockoidc: the authorize URL our RP
// builds is accepted by an upstream we did not write, the code exchange
// (client_secret_post, PKCE) and the ID token verification succeed, and
// userInfo is read with GET and POST.
func TestRPAgainstMockOIDC(t *testing.T) {
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			m := startMock(t)
			r := newRig(t, federation.Config{}, time.Now())
			p := mockProvider(t, r, m, method)
			if p.Details["authorize_url"] != m.AuthorizationEndpoint() || p.Details["jwks_uri"] != m.JWKSEndpoint() ||
				p.Details["attributes_url"] != m.UserinfoEndpoint() || p.Details["attributes_url_add_attributes"] != "false" {
				t.Fatalf("discovered details %v", p.Details)
			}
			m.QueueUser(mockUser("alice"))
			st, err := r.rp.Begin(ctx, p, begin())
			if err != nil {
				t.Fatal(err)
			}
			auth, _ := url.Parse(st.Location)
			q := auth.Query()
			if q.Get("redirect_uri") != "https://auth.example.com/oauth2/idpresponse" || q.Get("nonce") == "" ||
				q.Get("code_challenge_method") != "S256" || q.Get("scope") != "openid email profile groups" {
				t.Fatalf("authorize URL %s", st.Location)
			}
			cb := visit(t, noFollow(), st.Location)
			if cb.Host != "auth.example.com" || cb.Path != federation.PathOAuthCallback {
				t.Fatalf("callback %s", cb)
			}
			f, err := r.rp.Open(cb.Query().Get("state"))
			if err != nil {
				t.Fatal(err)
			}
			if f.Provider != "Mock" || f.Authorize.Get("state") != "s1" {
				t.Fatalf("flow %+v", f)
			}
			id, err := r.rp.Finish(ctx, p, f, cb.Query(), st.Cookie)
			if err != nil {
				t.Fatal(err)
			}
			if id.UserID != "alice" || id.ProviderName != "Mock" || id.ProviderType != federation.TypeOIDC {
				t.Fatalf("identity %+v", id)
			}
			if v, _ := id.Claim("email"); v != "alice@example.com" {
				t.Fatalf("claims %v", id.Claims)
			}
			if got := id.Claims["groups"]; len(got) != 2 {
				t.Fatalf("userInfo claims not merged: %v", id.Claims)
			}
			if id.TokenResponse["access_token"] == "" || id.IDToken["sub"] != "alice" || id.UserInfo["email"] != "alice@example.com" {
				t.Fatalf("raw inputs %v %v %v", id.TokenResponse, id.IDToken, id.UserInfo)
			}
			prof, err := federation.ProfileFor(id, federation.ProfileInput{Pool: testPool, Provider: p, CaseSensitive: true})
			if err != nil {
				t.Fatal(err)
			}
			if prof.Username != "Mock_alice" || prof.Attributes["email"] != "alice@example.com" || prof.Attributes["email_verified"] != "true" ||
				prof.Attributes["name"] != "alice" || prof.Group != testPool.ID+"_Mock" {
				t.Fatalf("profile %+v", prof)
			}

			// The same answer again: the flow is spent.
			_, err = r.rp.Finish(ctx, p, f, cb.Query(), st.Cookie)
			if e := wantError(t, err, "invalid_request", federation.MsgSomethingWrong); !e.Page {
				t.Fatal("a replayed answer must end on the error page")
			}
		})
	}
}

// TestRPMockOIDCRefusals: mockoidc issues the tokens, our RP refuses them.
func TestRPMockOIDCRefusals(t *testing.T) {
	t.Run("nonce", func(t *testing.T) {
		m := startMock(t)
		r := newRig(t, federation.Config{}, time.Now())
		p := mockProvider(t, r, m, "GET")
		st, _ := r.rp.Begin(ctx, p, begin())
		auth, _ := url.Parse(st.Location)
		q := auth.Query()
		q.Set("nonce", "someone-elses-nonce")
		auth.RawQuery = q.Encode()
		cb := visit(t, noFollow(), auth.String())
		f, _ := r.rp.Open(cb.Query().Get("state"))
		_, err := r.rp.Finish(ctx, p, f, cb.Query(), st.Cookie)
		wantError(t, err, "invalid_request", federation.MsgIDToken+"nonce mismatch")
	})
	t.Run("expired", func(t *testing.T) {
		m := startMock(t)
		r := newRig(t, federation.Config{}, time.Now())
		p := mockProvider(t, r, m, "GET")
		st, _ := r.rp.Begin(ctx, p, begin())
		cb := visit(t, noFollow(), st.Location)
		f, _ := r.rp.Open(cb.Query().Get("state"))
		m.FastForward(-2 * time.Hour) // the IdP's clock is two hours behind: its token is long expired
		_, err := r.rp.Finish(ctx, p, f, cb.Query(), st.Cookie)
		wantError(t, err, "invalid_request", federation.MsgIDToken+"token expired")
	})
	t.Run("wrong issuer", func(t *testing.T) {
		m := startMock(t)
		r := newRig(t, federation.Config{}, time.Now())
		cfg := m.Config()
		// The provider says the issuer is another one; mockoidc's tokens
		// name their own.
		p, err := r.conf.Create(ctx, testPool, federation.Input{Name: "Mock", Type: federation.TypeOIDC,
			Details: map[string]string{"client_id": cfg.ClientID, "client_secret": cfg.ClientSecret, "authorize_scopes": "openid",
				"attributes_request_method": "GET", "oidc_issuer": "https://issuer.example.com",
				"authorize_url": m.AuthorizationEndpoint(), "token_url": m.TokenEndpoint(), "attributes_url": m.UserinfoEndpoint(), "jwks_uri": m.JWKSEndpoint()},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := r.rp.Begin(ctx, p, begin())
		cb := visit(t, noFollow(), st.Location)
		f, _ := r.rp.Open(cb.Query().Get("state"))
		_, err = r.rp.Finish(ctx, p, f, cb.Query(), st.Cookie)
		wantError(t, err, "invalid_request", federation.MsgIDToken+"issuer mismatch")
	})
	t.Run("wrong secret", func(t *testing.T) {
		m := startMock(t)
		r := newRig(t, federation.Config{}, time.Now())
		p := mockProvider(t, r, m, "GET")
		p.Details["client_secret"] = "not-the-secret"
		st, _ := r.rp.Begin(ctx, p, begin())
		cb := visit(t, noFollow(), st.Location)
		f, _ := r.rp.Open(cb.Query().Get("state"))
		_, err := r.rp.Finish(ctx, p, f, cb.Query(), st.Cookie)
		wantError(t, err, "invalid_request", federation.MsgTokenEndpoint)
	})
	t.Run("other browser", func(t *testing.T) {
		m := startMock(t)
		r := newRig(t, federation.Config{}, time.Now())
		p := mockProvider(t, r, m, "GET")
		st, _ := r.rp.Begin(ctx, p, begin())
		other, _ := r.rp.Begin(ctx, p, begin())
		cb := visit(t, noFollow(), st.Location)
		f, _ := r.rp.Open(cb.Query().Get("state"))
		for _, cookie := range []string{"", other.Cookie} {
			_, err := r.rp.Finish(ctx, p, f, cb.Query(), cookie)
			if e := wantError(t, err, "invalid_request", federation.MsgSomethingWrong); !e.Page {
				t.Fatal("want the error page")
			}
		}
		// The rightful browser still can: nothing was spent.
		if _, err := r.rp.Finish(ctx, p, f, cb.Query(), st.Cookie); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("flow expired", func(t *testing.T) {
		m := startMock(t)
		r := newRig(t, federation.Config{}, time.Now())
		p := mockProvider(t, r, m, "GET")
		st, _ := r.rp.Begin(ctx, p, begin())
		cb := visit(t, noFollow(), st.Location)
		r.now = r.now.Add(federation.FlowTTL)
		_, err := r.rp.Open(cb.Query().Get("state"))
		wantError(t, err, "invalid_request", federation.MsgSomethingWrong)
	})
	t.Run("IdP refused", func(t *testing.T) {
		m := startMock(t)
		r := newRig(t, federation.Config{}, time.Now())
		p := mockProvider(t, r, m, "GET")
		st, _ := r.rp.Begin(ctx, p, begin())
		cb := visit(t, noFollow(), st.Location)
		f, _ := r.rp.Open(cb.Query().Get("state"))
		_, err := r.rp.Finish(ctx, p, f, url.Values{"error": {"access_denied"}, "state": {cb.Query().Get("state")}}, st.Cookie)
		wantError(t, err, "access_denied", "access_denied")
	})
}

// fakeIssuer is an OpenID provider whose token endpoint answers with
// whatever ID token the test makes, to refuse what mockoidc cannot send:
// another audience, a bad signature.
type fakeIssuer struct {
	srv     *httptest.Server
	key     *rsa.PrivateKey
	idToken func(nonce string) map[string]any
	signer  *rsa.PrivateKey // signs the ID token; key when nil
	nonces  map[string]string
}

func newFakeIssuer(t *testing.T) *fakeIssuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	fi := &fakeIssuer{key: key, nonces: map[string]string{}}
	mux := http.NewServeMux()
	fi.srv = httptest.NewServer(mux)
	t.Cleanup(fi.srv.Close)
	iss := fi.srv.URL
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": iss, "authorization_endpoint": iss + "/authorize",
			"token_endpoint": iss + "/token", "userinfo_endpoint": iss + "/userinfo", "jwks_uri": iss + "/jwks"})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		code := "code-" + r.URL.Query().Get("state")[:8]
		fi.nonces[code] = r.URL.Query().Get("nonce")
		http.Redirect(w, r, r.URL.Query().Get("redirect_uri")+"?code="+code+"&state="+url.QueryEscape(r.URL.Query().Get("state")), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		signKey := fi.key
		if fi.signer != nil {
			signKey = fi.signer
		}
		s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: signKey}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
		tok, _ := jwt.Signed(s).Claims(fi.idToken(fi.nonces[r.PostForm.Get("code")])).Serialize()
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "id_token": tok, "token_type": "Bearer", "expires_in": 3600})
	})
	mux.HandleFunc("/userinfo", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"sub": "bob"})
	})
	return fi
}

// TestRPRefusesIDTokens: an ID token with another audience, a bad
// signature or another issuer is refused, and nothing is returned.
func TestRPRefusesIDTokens(t *testing.T) {
	now := time.Now()
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	cases := []struct {
		name   string
		claims func(iss, nonce string) map[string]any
		signer *rsa.PrivateKey
		want   string
	}{
		{"good", func(iss, nonce string) map[string]any {
			return map[string]any{"iss": iss, "aud": "cid", "sub": "bob", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nonce": nonce}
		}, nil, ""},
		{"audience", func(iss, nonce string) map[string]any {
			return map[string]any{"iss": iss, "aud": "another-client", "sub": "bob", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nonce": nonce}
		}, nil, "audience mismatch"},
		{"issuer", func(iss, nonce string) map[string]any {
			return map[string]any{"iss": "https://evil.example.com", "aud": "cid", "sub": "bob", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nonce": nonce}
		}, nil, "issuer mismatch"},
		{"expired", func(iss, nonce string) map[string]any {
			return map[string]any{"iss": iss, "aud": "cid", "sub": "bob", "exp": now.Add(-time.Minute).Unix(), "iat": now.Add(-time.Hour).Unix(), "nonce": nonce}
		}, nil, "token expired"},
		{"no nonce", func(iss, nonce string) map[string]any {
			return map[string]any{"iss": iss, "aud": "cid", "sub": "bob", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
		}, nil, "nonce mismatch"},
		{"signature", func(iss, nonce string) map[string]any {
			return map[string]any{"iss": iss, "aud": "cid", "sub": "bob", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nonce": nonce}
		}, otherKey, "signature invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fi := newFakeIssuer(t)
			fi.signer = tc.signer
			fi.idToken = func(nonce string) map[string]any { return tc.claims(fi.srv.URL, nonce) }
			r := newRig(t, federation.Config{}, now)
			p, err := r.conf.Create(ctx, testPool, federation.Input{Name: "Fake", Type: federation.TypeOIDC,
				Details: map[string]string{"client_id": "cid", "client_secret": "cs", "authorize_scopes": "openid",
					"attributes_request_method": "GET", "oidc_issuer": fi.srv.URL}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := r.rp.Begin(ctx, p, begin())
			cb := visit(t, noFollow(), st.Location)
			f, _ := r.rp.Open(cb.Query().Get("state"))
			id, err := r.rp.Finish(ctx, p, f, cb.Query(), st.Cookie)
			if tc.want == "" {
				if err != nil || id.UserID != "bob" {
					t.Fatalf("%v %+v", err, id)
				}
				return
			}
			wantError(t, err, "invalid_request", federation.MsgIDToken+tc.want)
			if id.UserID != "" {
				t.Fatal("an identity came with the error")
			}
		})
	}
}

// TestErrorLocation: federation failures go back to the app as
// error_description then error, in the query or the fragment.
func TestErrorLocation(t *testing.T) {
	e := &federation.Error{Code: "server_error", Description: federation.MsgSAMLSignature}
	got := e.Location("https://callback.url/", "", false, false)
	want := "https://callback.url/?error_description=Invalid+SAML+response+received%3A+SAML+Assertion+signature+is+invalid.&error=server_error"
	if got != want {
		t.Fatalf("%s\nwant %s", got, want)
	}
	if got := e.Location("myapp://cb?x=1", "st", true, true); !strings.HasPrefix(got, "myapp://cb?x=1#error_description=") || !strings.Contains(got, "&state=st&error=server_error") {
		t.Fatal(got)
	}
	if (&federation.Error{Page: true}).Location("https://a", "", false, false) != "" {
		t.Fatal("a page error has no location")
	}
}
