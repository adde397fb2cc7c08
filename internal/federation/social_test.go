package federation_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/federation"
	"github.com/userpoold/userpoold/internal/federation/testidp"
)

// builtin serves the built-in IdPs on a test server.
func builtin(t *testing.T) (*testidp.Server, string) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	idp, err := testidp.New(testidp.Options{BaseURL: srv.URL, Users: []testidp.User{
		{Subject: "u-123", Claims: map[string]any{"email": "Dana@Example.com", "email_verified": "true", "name": "Dana"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(testidp.PathPrefix, idp)
	return idp, srv.URL
}

func appleKey(t *testing.T) string {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

var formPost = regexp.MustCompile(`name="(code|state)" value="([^"]*)"`)

// TestSocialOverrides: each social type, sent to the built-in IdP by its
// configuration override, signs in the way that type does: Google and
// Apple as OpenID providers (Apple with its signed client secret and
// form_post), Facebook with a GET token request and /me?fields=,
// Login with Amazon with /user/profile. Describe still shows AWS's
// fixed endpoints.
func TestSocialOverrides(t *testing.T) {
	idp, base := builtin(t)
	cases := []struct {
		t       federation.Type
		details map[string]string
		mapping map[string]string
		fixed   string // the authorize_url Describe shows
	}{
		{federation.TypeGoogle, map[string]string{"client_id": "g", "client_secret": "gs", "authorize_scopes": "openid email profile"},
			map[string]string{"email": "email", "email_verified": "email_verified"}, "https://accounts.google.com/o/oauth2/v2/auth"},
		{federation.TypeFacebook, map[string]string{"client_id": "f", "client_secret": "fs", "authorize_scopes": "public_profile, email", "api_version": "v19.0"},
			map[string]string{"email": "email", "name": "name"}, "https://www.facebook.com/v19.0/dialog/oauth"},
		{federation.TypeAmazon, map[string]string{"client_id": "a", "client_secret": "as", "authorize_scopes": "profile"},
			map[string]string{"email": "email"}, "https://www.amazon.com/ap/oa"},
		{federation.TypeApple, map[string]string{"client_id": "com.example.app", "team_id": "TEAM", "key_id": "KEY1", "private_key": appleKey(t), "authorize_scopes": "email name"},
			map[string]string{"email": "email"}, "https://appleid.apple.com/auth/authorize"},
	}
	for _, tc := range cases {
		t.Run(string(tc.t), func(t *testing.T) {
			name := strings.ToLower(string(tc.t))
			cfg := federation.Config{Social: map[federation.Type]string{tc.t: idp.Issuer(name)}}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			r := newRig(t, cfg, time.Now())
			p, err := r.conf.Create(ctx, testPool, federation.Input{Name: string(tc.t), Type: tc.t, Details: tc.details, AttributeMapping: tc.mapping}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p.Details["authorize_url"] != tc.fixed {
				t.Fatalf("Describe shows %v", p.Details)
			}
			if _, leaked := p.Details["private_key"]; leaked {
				t.Fatal("private_key is described")
			}
			st, err := r.rp.Begin(ctx, p, begin())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(st.Location, base) {
				t.Fatalf("not sent to the override: %s", st.Location)
			}
			c := noFollow()
			resp, err := c.Get(st.Location + "&auto=u-123")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var params url.Values
			if tc.t == federation.TypeApple {
				// Apple answers with form_post: the browser posts code and
				// state to /oauth2/idpresponse.
				params = url.Values{}
				for _, m := range formPost.FindAllSubmatch(body, -1) {
					params.Set(string(m[1]), html.UnescapeString(string(m[2])))
				}
				if !strings.Contains(string(body), `action="https://auth.example.com/oauth2/idpresponse"`) {
					t.Fatalf("form_post: %s", body)
				}
			} else {
				loc, _ := url.Parse(resp.Header.Get("Location"))
				params = loc.Query()
			}
			f, err := r.rp.Open(params.Get("state"))
			if err != nil {
				t.Fatal(err)
			}
			id, err := r.rp.Finish(ctx, p, f, params, st.Cookie)
			if err != nil {
				t.Fatalf("%v (%v)", err, errorsUnwrap(err))
			}
			if id.UserID != "u-123" || id.ProviderType != tc.t {
				t.Fatalf("identity %+v", id)
			}
			prof, err := federation.ProfileFor(id, federation.ProfileInput{Pool: testPool, Provider: p, CaseSensitive: false})
			if err != nil {
				t.Fatal(err)
			}
			if prof.Username != name+"_u-123" || prof.Attributes["email"] != "Dana@Example.com" {
				t.Fatalf("profile %+v", prof)
			}
		})
	}
}

// TestGoogleOverrideAgainstMockOIDC: the Google type sent to mockoidc, an
// OpenID provider we did not write.
func TestGoogleOverrideAgainstMockOIDC(t *testing.T) {
	m := startMock(t)
	m.QueueUser(mockUser("108"))
	cfg := federation.Config{Social: map[federation.Type]string{federation.TypeGoogle: m.Issuer()}}
	r := newRig(t, cfg, time.Now())
	mc := m.Config()
	p, err := r.conf.Create(ctx, testPool, federation.Input{Name: "Google", Type: federation.TypeGoogle,
		Details:          map[string]string{"client_id": mc.ClientID, "client_secret": mc.ClientSecret, "authorize_scopes": "openid email"},
		AttributeMapping: map[string]string{"email": "email", "email_verified": "email_verified"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.rp.Begin(ctx, p, begin())
	if err != nil {
		t.Fatal(err)
	}
	cb := visit(t, noFollow(), st.Location)
	f, _ := r.rp.Open(cb.Query().Get("state"))
	id, err := r.rp.Finish(ctx, p, f, cb.Query(), st.Cookie)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := federation.ProfileFor(id, federation.ProfileInput{Pool: testPool, Provider: p, CaseSensitive: true})
	if err != nil {
		t.Fatal(err)
	}
	if prof.Username != "Google_108" || prof.Attributes["email_verified"] != "true" || prof.Group != testPool.ID+"_Google" {
		t.Fatalf("%+v", prof)
	}
}

// TestOwnIdPs: our RP and SP against the built-in IdPs, the pair phase 2
// serves on one server.
func TestOwnIdPs(t *testing.T) {
	idp, _ := builtin(t)
	r := newRig(t, federation.Config{}, time.Now())
	p, err := r.conf.Create(ctx, testPool, federation.Input{Name: "Corp", Type: federation.TypeOIDC,
		Details: map[string]string{"client_id": "c", "client_secret": "s", "authorize_scopes": "openid email",
			"attributes_request_method": "GET", "oidc_issuer": idp.Issuer("corp")},
		AttributeMapping: map[string]string{"email": "email"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := r.rp.Begin(ctx, p, begin())
	cb := visit(t, noFollow(), st.Location+"&auto=u-123")
	f, _ := r.rp.Open(cb.Query().Get("state"))
	if id, err := r.rp.Finish(ctx, p, f, cb.Query(), st.Cookie); err != nil || id.UserID != "u-123" {
		t.Fatal(id, err)
	}

	key, _ := federation.NewPoolKey(testPool.ID, time.Now(), rand.Reader)
	sp, err := r.conf.Create(ctx, testPool, federation.Input{Name: "CorpSAML", Type: federation.TypeSAML,
		Details:          map[string]string{"MetadataURL": idp.Issuer("corp") + "/saml/metadata", "IDPInit": "true", "RequestSigningAlgorithm": "rsa-sha256"},
		AttributeMapping: map[string]string{"email": "email"}}, []federation.Provider{p})
	if err != nil {
		t.Fatal(err)
	}
	sst, err := r.sp.Begin(ctx, sp, key, begin())
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := url.Parse(sst.Location); u.Query().Get("Signature") == "" || u.Query().Get("SigAlg") != "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" {
		t.Fatalf("AuthnRequest not signed: %s", sst.Location)
	}
	resp, err := noFollow().Get(sst.Location + "&auto=u-123")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := postedForm(t, body)
	rs, err := r.sp.ParseRelayState(form.Get("RelayState"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := r.sp.Finish(ctx, sp, key, *rs.Flow, form, "")
	if err != nil || id.UserID != "u-123" || id.Issuer != idp.SAMLEntityID("corp") {
		t.Fatal(id, err, errorsUnwrap(err))
	}
}
