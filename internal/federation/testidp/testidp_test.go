package testidp_test

import (
	"context"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	"golang.org/x/oauth2"

	"github.com/userpoold/userpoold/internal/federation/testidp"
)

// serve mounts the providers on a test server whose URL is their base.
func serve(t *testing.T, opts testidp.Options) (*testidp.Server, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	opts.BaseURL = srv.URL
	idp, err := testidp.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(testidp.PathPrefix, idp)
	return idp, srv
}

var users = []testidp.User{
	{Subject: "alice", Claims: map[string]any{"email": "alice@example.com", "email_verified": true, "name": "Alice", "groups": []string{"x", "y"}}},
}

func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestOIDCWithXOAuth2AndGoOIDC: golang.org/x/oauth2 and coreos/go-oidc,
// relying-party libraries we did not write, sign in at the built-in
// OpenID provider: discovery, the page's POST, the token endpoint with
// each client authentication, PKCE, the ID token with nonce and at_hash,
// and userInfo.
func TestOIDCWithXOAuth2AndGoOIDC(t *testing.T) {
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInParams, oauth2.AuthStyleInHeader} {
		idp, srv := serve(t, testidp.Options{Users: users, Clients: map[string]testidp.Client{"rp": {Secret: "s3cret", RedirectURIs: []string{"https://rp.example.com/cb"}}}})
		ctx := context.Background()
		provider, err := oidc.NewProvider(ctx, idp.Issuer("corp"))
		if err != nil {
			t.Fatal(err)
		}
		conf := oauth2.Config{ClientID: "rp", ClientSecret: "s3cret", Endpoint: provider.Endpoint(), RedirectURL: "https://rp.example.com/cb",
			Scopes: []string{oidc.ScopeOpenID, "email"}}
		conf.Endpoint.AuthStyle = style
		verifier := oauth2.GenerateVerifier()
		authURL := conf.AuthCodeURL("st4te", oidc.Nonce("n0nce"), oauth2.S256ChallengeOption(verifier))

		// The page offers the preset user; posting it is the sign-in.
		c := browser()
		resp, err := c.Get(authURL)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Sign in as alice") {
			t.Fatalf("page: %s %s", resp.Status, page)
		}
		form := url.Values{"user": {"alice"}}
		u, _ := url.Parse(authURL)
		for k, v := range u.Query() {
			form[k] = v
		}
		resp, err = c.PostForm(srv.URL+"/_idp/corp/authorize", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cb, _ := url.Parse(resp.Header.Get("Location"))
		if cb.Host != "rp.example.com" || cb.Query().Get("state") != "st4te" {
			t.Fatalf("callback %s", cb)
		}
		tok, err := conf.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := provider.Verifier(&oidc.Config{ClientID: "rp"}).Verify(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		if idt.Subject != "alice" || idt.Nonce != "n0nce" {
			t.Fatalf("id token %+v", idt)
		}
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			t.Fatal("at_hash:", err)
		}
		var claims struct {
			Email string `json:"email"`
		}
		if err := idt.Claims(&claims); err != nil || claims.Email != "alice@example.com" {
			t.Fatal(claims, err)
		}
		info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil || info.Subject != "alice" || info.Email != "alice@example.com" {
			t.Fatal(info, err)
		}
		// The code is single-use; a wrong secret and a wrong verifier are
		// refused.
		if _, err := conf.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier)); err == nil {
			t.Fatal("a code was exchanged twice")
		}
	}
}

// TestOIDCRefusals: what the token endpoint refuses.
func TestOIDCRefusals(t *testing.T) {
	idp, _ := serve(t, testidp.Options{Users: users, Clients: map[string]testidp.Client{"rp": {Secret: "s3cret"}}})
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, idp.Issuer("corp"))
	if err != nil {
		t.Fatal(err)
	}
	code := func(verifier string) string {
		conf := oauth2.Config{ClientID: "rp", Endpoint: provider.Endpoint(), RedirectURL: "https://rp.example.com/cb", Scopes: []string{"openid"}}
		resp, err := browser().Get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)) + "&auto=alice")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cb, _ := url.Parse(resp.Header.Get("Location"))
		return cb.Query().Get("code")
	}
	v := oauth2.GenerateVerifier()
	for name, conf := range map[string]oauth2.Config{
		"secret":   {ClientID: "rp", ClientSecret: "wrong", Endpoint: provider.Endpoint(), RedirectURL: "https://rp.example.com/cb"},
		"redirect": {ClientID: "rp", ClientSecret: "s3cret", Endpoint: provider.Endpoint(), RedirectURL: "https://other.example.com/cb"},
	} {
		if _, err := conf.Exchange(ctx, code(v), oauth2.VerifierOption(v)); err == nil {
			t.Errorf("%s: exchange succeeded", name)
		}
	}
	conf := oauth2.Config{ClientID: "rp", ClientSecret: "s3cret", Endpoint: provider.Endpoint(), RedirectURL: "https://rp.example.com/cb"}
	if _, err := conf.Exchange(ctx, code(v), oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
		t.Error("verifier: exchange succeeded")
	}
}

var formField = regexp.MustCompile(`name="(SAMLResponse|RelayState)" value="([^"]*)"`)

func posted(t *testing.T, body []byte) url.Values {
	t.Helper()
	f := url.Values{}
	for _, m := range formField.FindAllSubmatch(body, -1) {
		f.Set(string(m[1]), html.UnescapeString(string(m[2])))
	}
	if f.Get("SAMLResponse") == "" {
		t.Fatalf("no SAMLResponse in %s", body)
	}
	return f
}

// crewSP is crewjam/saml's service provider, trusting the built-in IdP
// through its metadata.
func crewSP(t *testing.T, idp *testidp.Server, idpInit bool) *saml.ServiceProvider {
	t.Helper()
	md, err := samlsp.FetchMetadata(context.Background(), http.DefaultClient, *mustURL(idp.Issuer("corp") + "/saml/metadata"))
	if err != nil {
		t.Fatal(err)
	}
	return &saml.ServiceProvider{EntityID: "urn:example:sp", AcsURL: *mustURL("https://sp.example.com/acs"), IDPMetadata: md, AllowIDPInitiated: idpInit}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestSAMLWithCrewjamSP: crewjam/saml's SP, which we did not write, takes
// the built-in IdP's metadata, sends it an AuthnRequest, and accepts its
// signed assertion, SP-initiated and IdP-initiated.
func TestSAMLWithCrewjamSP(t *testing.T) {
	idp, _ := serve(t, testidp.Options{Users: users})
	sp := crewSP(t, idp, true)
	req, err := sp.MakeAuthenticationRequest(sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		t.Fatal(err)
	}
	u, err := req.Redirect("relay-1", sp)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := browser().Get(u.String() + "&auto=alice")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	f := posted(t, body)
	if f.Get("RelayState") != "relay-1" || !strings.Contains(string(body), `action="https://sp.example.com/acs"`) {
		t.Fatalf("form %s", body)
	}
	raw, _ := base64.StdEncoding.DecodeString(f.Get("SAMLResponse"))
	a, err := sp.ParseXMLResponse(raw, []string{req.ID}, sp.AcsURL)
	if err != nil {
		t.Fatalf("%v: %v", err, err.(*saml.InvalidResponseError).PrivateErr)
	}
	if a.Subject.NameID.Value != "alice" {
		t.Fatalf("NameID %+v", a.Subject.NameID)
	}
	attrs := map[string][]string{}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			for _, v := range at.Values {
				attrs[at.Name] = append(attrs[at.Name], v.Value)
			}
		}
	}
	if attrs["email"][0] != "alice@example.com" || len(attrs["groups"]) != 2 {
		t.Fatalf("attributes %v", attrs)
	}
	// The same response to another request ID is refused.
	if _, err := sp.ParseXMLResponse(raw, []string{"id-other"}, sp.AcsURL); err == nil {
		t.Fatal("accepted for another request")
	}

	// IdP-initiated.
	init := idp.Issuer("corp") + "/saml/init?" + url.Values{"acs": {"https://sp.example.com/acs"}, "audience": {"urn:example:sp"}, "RelayState": {"client_id=app"}, "auto": {"alice"}}.Encode()
	resp, err = browser().Get(init)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	f = posted(t, body)
	raw, _ = base64.StdEncoding.DecodeString(f.Get("SAMLResponse"))
	if _, err := sp.ParseXMLResponse(raw, nil, sp.AcsURL); err != nil {
		t.Fatalf("IdP-initiated: %v: %v", err, err.(*saml.InvalidResponseError).PrivateErr)
	}
	// To an SP that does not allow IdP-initiated sign-in, refused.
	if _, err := crewSP(t, idp, false).ParseXMLResponse(raw, nil, sp.AcsURL); err == nil {
		t.Fatal("unsolicited response accepted without AllowIDPInitiated")
	}
	// An SP with another entity ID refuses the audience.
	other := crewSP(t, idp, true)
	other.EntityID = "urn:example:other"
	if _, err := other.ParseXMLResponse(raw, nil, sp.AcsURL); err == nil {
		t.Fatal("accepted by another audience")
	}
}

// TestSAMLPage: without auto-approval the SSO endpoint shows the page,
// whose POST answers.
func TestSAMLPage(t *testing.T) {
	idp, _ := serve(t, testidp.Options{Users: users, Now: func() time.Time { return time.Now() }})
	sp := crewSP(t, idp, false)
	req, _ := sp.MakeAuthenticationRequest(sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	u, _ := req.Redirect("r", sp)
	c := browser()
	resp, err := c.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Sign in as alice") {
		t.Fatalf("%s", page)
	}
	form := url.Values{"subject": {"zed"}, "claims": {`{"email":"zed@example.com"}`}, "SAMLRequest": {u.Query().Get("SAMLRequest")}, "RelayState": {"r"}}
	resp, err = c.PostForm(idp.Issuer("corp")+"/saml/sso", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	raw, _ := base64.StdEncoding.DecodeString(posted(t, body).Get("SAMLResponse"))
	a, err := sp.ParseXMLResponse(raw, []string{req.ID}, sp.AcsURL)
	if err != nil || a.Subject.NameID.Value != "zed" {
		t.Fatal(err)
	}
}
