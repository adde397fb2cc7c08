package server_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/oauth2"

	"github.com/userpoold/userpoold/internal/federation/testidp"
	"github.com/userpoold/userpoold/internal/hostedui/hosteduitest"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// The federation tests sign in through the domain's pages with a scripted
// browser, against upstream identity providers on their own listeners:
// the built-in test IdP, an independent OIDC provider and a SAML IdP made
// with crewjam/saml.

// fedEnv is an oauthEnv whose pool has an OIDC provider (Corp) and a SAML
// provider (Okta) of the built-in test IdP, and a client accepting both.
type fedEnv struct {
	*oauthEnv
	idp *testidp.Server
	// idpNow is the upstream's clock (the real time unless set).
	mu     sync.Mutex
	idpNow time.Time
	client string
}

func (f *fedEnv) upstreamNow() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.idpNow.IsZero() {
		return time.Now()
	}
	return f.idpNow
}

func newFedEnv(t *testing.T) *fedEnv {
	t.Helper()
	return newFedEnvWith(t, nil)
}

// newFedEnvWith is newFedEnv with the pool's CreateUserPoolInput and the
// server's options.
func newFedEnvWith(t *testing.T, poolIn *cip.CreateUserPoolInput, opts ...servertest.Option) *fedEnv {
	t.Helper()
	f := &fedEnv{oauthEnv: newOAuthEnv(t, poolIn, opts...)}
	f.idp, _ = startTestIdP(t, testidp.Options{Now: f.upstreamNow, Users: []testidp.User{
		{Subject: "alice", Claims: map[string]any{"email": "alice@example.com", "email_verified": true, "name": "Alice"}},
	}})
	f.createProvider("Corp", types.IdentityProviderTypeTypeOidc, map[string]string{
		"client_id": "corp-client", "client_secret": "corp-secret", "authorize_scopes": "openid email profile",
		"attributes_request_method": "GET", "oidc_issuer": f.idp.Issuer("corp"),
	}, "corp.example")
	f.createProvider("Okta", types.IdentityProviderTypeTypeSaml, map[string]string{
		"MetadataURL": f.idp.Issuer("okta") + "/saml/metadata", "IDPInit": "true",
	}, "okta.example")
	f.client = aws.ToString(f.webClient(func(in *cip.CreateUserPoolClientInput) {
		in.SupportedIdentityProviders = []string{"COGNITO", "Corp", "Okta"}
	}).ClientId)
	f.conf.ClientID = f.client
	return f
}

func (f *fedEnv) createProvider(name string, typ types.IdentityProviderTypeType, details map[string]string, identifier string) {
	f.t.Helper()
	_, err := f.Client.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: aws.String(f.pool), ProviderName: aws.String(name), ProviderType: typ, ProviderDetails: details,
		AttributeMapping: map[string]string{"email": "email", "name": "name", "email_verified": "email_verified"},
		IdpIdentifiers:   []string{identifier},
	})
	if err != nil {
		f.t.Fatalf("CreateIdentityProvider %s: %v", name, err)
	}
}

// follow GETs u and follows every redirect (across origins, as a browser
// does) until a page or a redirect to the app's callback.
func follow(t *testing.T, b *hosteduitest.Browser, u string) hosteduitest.Page {
	t.Helper()
	for range 10 {
		p := b.Get(u)
		loc := p.Header.Get("Location")
		if p.Status != http.StatusFound || strings.HasPrefix(loc, callbackURL) {
			return p
		}
		if strings.HasPrefix(loc, "/") {
			base, _ := url.Parse(p.URL)
			loc = base.Scheme + "://" + base.Host + loc
		}
		u = loc
	}
	t.Fatal("redirect loop")
	return hosteduitest.Page{}
}

// then follows a page's redirect (if any) to its end.
func then(t *testing.T, b *hosteduitest.Browser, p hosteduitest.Page) hosteduitest.Page {
	t.Helper()
	loc := p.Header.Get("Location")
	if p.Status != http.StatusFound || strings.HasPrefix(loc, callbackURL) {
		return p
	}
	if strings.HasPrefix(loc, "/") {
		base, _ := url.Parse(p.URL)
		loc = base.Scheme + "://" + base.Host + loc
	}
	return follow(t, b, loc)
}

// pickUser answers the test IdP's page as subject with claims.
func pickUser(t *testing.T, b *hosteduitest.Browser, p hosteduitest.Page, subject string, claims map[string]any) hosteduitest.Page {
	t.Helper()
	c, _ := json.Marshal(claims)
	// The page's last form enters a subject and claims (the others pick a
	// preset user).
	forms := hosteduitest.Elements(p.Doc, "form")
	if len(forms) == 0 {
		t.Fatalf("no form on the IdP's page: %d %s", p.Status, p.Body)
	}
	form := forms[len(forms)-1]
	data := url.Values{"subject": {subject}, "claims": {string(c)}}
	for _, in := range hosteduitest.Elements(form, "input") {
		if typ, _ := hosteduitest.Attr(in, "type"); typ == "hidden" {
			n, _ := hosteduitest.Attr(in, "name")
			v, _ := hosteduitest.Attr(in, "value")
			data.Set(n, v)
		}
	}
	action, _ := hosteduitest.Attr(form, "action")
	return b.Post(action, data)
}

// authorizeURL is the app's authorize request naming a provider.
func (f *fedEnv) authorizeURL(verifier string, extra ...string) string {
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for i := 0; i+1 < len(extra); i += 2 {
		opts = append(opts, oauth2.SetAuthURLParam(extra[i], extra[i+1]))
	}
	return f.conf.AuthCodeURL("app-state", opts...)
}

// tokens redeems the code of a callback redirect.
func (f *fedEnv) tokens(p hosteduitest.Page, verifier string) map[string]any {
	f.t.Helper()
	q := f.callback(p)
	if q.Get("state") != "app-state" {
		f.t.Errorf("state = %q", q.Get("state"))
	}
	if q.Get("code") == "" {
		f.t.Fatalf("no code: %v", q)
	}
	tok, err := f.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		f.t.Fatalf("code exchange: %v", err)
	}
	idt, _ := tok.Extra("id_token").(string)
	return claims(f.t.(*testing.T), idt)
}

func (f *fedEnv) user(name string) *cip.AdminGetUserOutput {
	f.t.Helper()
	u, err := f.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.pool), Username: aws.String(name)})
	if err != nil {
		f.t.Fatalf("AdminGetUser %s: %v", name, err)
	}
	return u
}

func attr(u *cip.AdminGetUserOutput, name string) string {
	for _, a := range u.UserAttributes {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

// checkFederatedClaims checks an ID token of a federated user.
func (f *fedEnv) checkFederatedClaims(c map[string]any, provider, providerType, subject string) {
	f.t.Helper()
	if c["cognito:username"] != provider+"_"+subject {
		f.t.Errorf("cognito:username = %v", c["cognito:username"])
	}
	groups, _ := c["cognito:groups"].([]any)
	if !slices.Contains(groups, any(f.pool+"_"+provider)) {
		f.t.Errorf("cognito:groups = %v, want %s_%s", c["cognito:groups"], f.pool, provider)
	}
	ids, ok := c["identities"].([]any)
	if !ok || len(ids) != 1 {
		f.t.Fatalf("identities claim = %#v", c["identities"])
	}
	e, _ := ids[0].(map[string]any)
	if e["userId"] != subject || e["providerName"] != provider || e["providerType"] != providerType || e["primary"] != "true" {
		f.t.Errorf("identities entry = %v", e)
	}
	if _, ok := e["dateCreated"].(string); !ok {
		f.t.Errorf("identities dateCreated = %#v, want a string", e["dateCreated"])
	}
}

// TestFederationOIDC signs in through an OIDC provider (the built-in
// test IdP on its own listener): the login page's button, the IdP's page,
// /oauth2/idpresponse, the app's code, tokens carrying identities; the
// user is Corp_<sub>, EXTERNAL_PROVIDER, in the provider's group, and the
// mapping is applied again at the next sign-in.
func TestFederationOIDC(t *testing.T) {
	f := newFedEnv(t)
	b := f.browser()
	const verifier = "v1-verifier-0123456789012345678901234567890123"
	login := follow(t, b, f.authorizeURL(verifier))
	buttons := map[string]string{}
	for _, a := range hosteduitest.Elements(login.Doc, "a") {
		if cls, _ := hosteduitest.Attr(a, "class"); cls == "idpButton-customizable" {
			href, _ := hosteduitest.Attr(a, "href")
			buttons[hosteduitest.Text(a)] = href
		}
	}
	href, ok := buttons["Continue with Corp"]
	if !ok || len(buttons) != 2 {
		t.Fatalf("login page buttons = %v\n%s", buttons, login.Body)
	}
	page := follow(t, b, href)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Sign in to corp") {
		t.Fatalf("not the IdP's page: %d %s", page.Status, page.Body)
	}
	done := then(t, b, pickUser(t, b, page, "alice", map[string]any{"email": "alice@example.com", "email_verified": true, "name": "Alice"}))
	c := f.tokens(done, verifier)
	f.checkFederatedClaims(c, "Corp", "OIDC", "alice")
	if c["email"] != "alice@example.com" {
		t.Errorf("email claim = %v", c["email"])
	}
	u := f.user("Corp_alice")
	if u.UserStatus != types.UserStatusTypeExternalProvider {
		t.Errorf("UserStatus = %s", u.UserStatus)
	}
	if attr(u, "name") != "Alice" || attr(u, "email_verified") != "true" {
		t.Errorf("attributes = %v", u.UserAttributes)
	}

	// The next sign-in (idp_identifier, a new browser) maps again; a claim
	// the IdP no longer sends leaves its attribute alone.
	b2 := f.browser()
	page = follow(t, b2, f.authorizeURL(verifier, "idp_identifier", "corp.example"))
	done = then(t, b2, pickUser(t, b2, page, "alice", map[string]any{"email": "alice@new.example"}))
	c = f.tokens(done, verifier)
	if c["email"] != "alice@new.example" {
		t.Errorf("email after the second sign-in = %v", c["email"])
	}
	u = f.user("Corp_alice")
	if attr(u, "name") != "Alice" || attr(u, "email") != "alice@new.example" || attr(u, "email_verified") != "false" {
		t.Errorf("attributes after the second sign-in = %v", u.UserAttributes)
	}
	// The domain's session cookie now signs the browser in without the IdP.
	done = follow(t, b2, f.authorizeURL(verifier))
	if c := f.tokens(done, verifier); c["cognito:username"] != "Corp_alice" {
		t.Errorf("SSO sign-in as %v", c["cognito:username"])
	}
}

// TestFederationSAML signs in through a SAML IdP (the built-in one), SP-
// and IdP-initiated, and refuses a replayed answer.
func TestFederationSAML(t *testing.T) {
	f := newFedEnv(t)
	b := f.browser()
	const verifier = "v1-verifier-0123456789012345678901234567890123"
	page := follow(t, b, f.authorizeURL(verifier, "identity_provider", "Okta"))
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "(SAML)") {
		t.Fatalf("not the IdP's page: %d %s", page.Status, page.Body)
	}
	post := pickUser(t, b, page, "bob@example.com", map[string]any{"email": "bob@example.com", "name": "Bob"})
	answer := b.Submit(post, "", nil)
	c := f.tokens(then(t, b, answer), verifier)
	f.checkFederatedClaims(c, "Okta", "SAML", "bob@example.com")
	ids := c["identities"].([]any)
	if iss := ids[0].(map[string]any)["issuer"]; iss != f.idp.SAMLEntityID("okta") {
		t.Errorf("identities issuer = %v", iss)
	}
	if u := f.user("Okta_bob@example.com"); attr(u, "name") != "Bob" {
		t.Errorf("attributes = %v", u.UserAttributes)
	}

	// The same answer again: the flow is spent.
	replay := b.Submit(post, "", nil)
	if replay.Status != http.StatusBadRequest || !strings.Contains(replay.Body, "Something went wrong") {
		t.Errorf("replayed answer: %d %s", replay.Status, replay.Body)
	}

	// IdP-initiated: RelayState carries the app's authorize parameters.
	relay := url.Values{"response_type": {"code"}, "client_id": {f.client}, "redirect_uri": {callbackURL},
		"identity_provider": {"Okta"}, "scope": {"openid email"}, "state": {"app-state"}}
	b3 := f.browser()
	init := follow(t, b3, f.idp.Issuer("okta")+"/saml/init?"+url.Values{
		"acs": {f.domain + "/saml2/idpresponse"}, "audience": {"urn:amazon:cognito:sp:" + f.pool}, "RelayState": {relay.Encode()}}.Encode())
	post = pickUser(t, b3, init, "carol@example.com", map[string]any{"email": "carol@example.com"})
	answer = b3.Submit(post, "", nil)
	q := f.callback(then(t, b3, answer))
	tok, err := f.conf.Exchange(ctx, q.Get("code"))
	if err != nil {
		t.Fatalf("IdP-initiated code exchange: %v", err)
	}
	idt, _ := tok.Extra("id_token").(string)
	f.checkFederatedClaims(claims(t, idt), "Okta", "SAML", "carol@example.com")
	// The same IdP-initiated answer again: its assertion ID is spent.
	again := b3.Submit(post, "", nil)
	if loc := again.Header.Get("Location"); !strings.Contains(loc, "error=") {
		t.Errorf("replayed IdP-initiated answer: %d %s %s", again.Status, loc, again.Body)
	}
}

// noUser checks that a refused sign-in created nobody.
func (f *fedEnv) noUser(name string) {
	f.t.Helper()
	_, err := f.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.pool), Username: aws.String(name)})
	wantAPIError[*types.UserNotFoundException](f.t.(*testing.T), "user after a refused sign-in", err)
}

// samlAnswer starts an SP-initiated sign-in and returns the browser, the
// IdP's request (its ID, RelayState and ACS) for tests to answer with
// responses of their own.
func (f *fedEnv) samlStart(t *testing.T) (*hosteduitest.Browser, url.Values) {
	b := f.browser()
	page := follow(t, b, f.authorizeURL("v1-verifier-0123456789012345678901234567890123", "identity_provider", "Okta"))
	u, _ := url.Parse(page.URL)
	return b, u.Query()
}

// TestFederationSAMLRefused answers SP-initiated sign-ins with bad SAML
// responses: each is refused with Cognito's description, sent back to
// the app, and creates no user.
func TestFederationSAMLRefused(t *testing.T) {
	f := newFedEnv(t)
	acs := f.domain + "/saml2/idpresponse"
	audience := "urn:amazon:cognito:sp:" + f.pool
	cases := []struct {
		name     string
		subject  string
		make     func(requestID string) []byte
		wantDesc string
	}{
		{"wrong audience", "aud", func(id string) []byte {
			r, _ := f.idp.Response("okta", acs, "urn:amazon:cognito:sp:us-east-1_other", id, testidp.User{Subject: "aud"})
			return r
		}, "audience"},
		{"wrong signature", "sig", func(id string) []byte {
			r, _ := f.idp.Response("okta", acs, audience, id, testidp.User{Subject: "sig", Claims: map[string]any{"name": "Sig"}})
			return []byte(strings.Replace(string(r), ">Sig<", ">Mallory<", 1))
		}, "SAML Assertion signature is invalid."},
		{"expired", "old", func(id string) []byte {
			f.mu.Lock()
			f.idpNow = time.Now().Add(-2 * time.Hour)
			f.mu.Unlock()
			defer func() { f.mu.Lock(); f.idpNow = time.Time{}; f.mu.Unlock() }()
			r, _ := f.idp.Response("okta", acs, audience, id, testidp.User{Subject: "old"})
			return r
		}, "expired"},
		{"another IdP's key", "forged", func(id string) []byte {
			other, err := testidp.New(testidp.Options{BaseURL: strings.TrimSuffix(f.idp.Issuer(""), "/_idp/")})
			if err != nil {
				t.Fatal(err)
			}
			r, _ := other.Response("okta", acs, audience, id, testidp.User{Subject: "forged"})
			return r
		}, "signature"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, q := f.samlStart(t)
			id := samlRequestID(t, q.Get("SAMLRequest"))
			resp := tc.make(id)
			got := b.Post(acs, url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(resp)}, "RelayState": {q.Get("RelayState")}})
			loc := got.Header.Get("Location")
			if got.Status != http.StatusFound || !strings.HasPrefix(loc, callbackURL) {
				t.Fatalf("refusal not redirected to the app: %d %q %s", got.Status, loc, got.Body)
			}
			lq, _ := url.Parse(loc)
			if lq.Query().Get("error") != "server_error" || !strings.Contains(lq.Query().Get("error_description"), tc.wantDesc) ||
				!strings.HasPrefix(lq.Query().Get("error_description"), "Invalid SAML response received: ") || lq.Query().Get("state") != "app-state" {
				t.Errorf("refusal = %v, want server_error mentioning %q", lq.Query(), tc.wantDesc)
			}
			f.noUser("Okta_" + tc.subject)
		})
	}
}

// samlRequestID reads the ID of an HTTP-Redirect AuthnRequest.
func samlRequestID(t *testing.T, v string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		t.Fatal(err)
	}
	x, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		ID string `xml:"ID,attr"`
	}
	if err := xml.Unmarshal(x, &req); err != nil || req.ID == "" {
		t.Fatalf("AuthnRequest: %v %s", err, x)
	}
	return req.ID
}

// oidcSignIn signs in through Corp as subject with claims in a new
// browser and returns the ID token's claims.
func (f *fedEnv) oidcSignIn(t *testing.T, subject string, c map[string]any) map[string]any {
	t.Helper()
	const verifier = "v1-verifier-0123456789012345678901234567890123"
	b := f.browser()
	page := follow(t, b, f.authorizeURL(verifier, "identity_provider", "Corp"))
	return f.tokens(then(t, b, pickUser(t, b, page, subject, c)), verifier)
}

func ref(provider, name, value string) *types.ProviderUserIdentifierType {
	return &types.ProviderUserIdentifierType{ProviderName: aws.String(provider), ProviderAttributeName: aws.String(name), ProviderAttributeValue: aws.String(value)}
}

// TestFederationLinking links an IdP identity to a native user with
// AdminLinkProviderForUser (the sign-in then reaches that user, whose
// identities lists it), refuses the links Cognito refuses, and removes a
// link with AdminDisableProviderForUser.
func TestFederationLinking(t *testing.T) {
	f := newFedEnv(t)
	f.addUser("native", "email", "native@example.com")
	f.addUser("other", "email", "other@example.com")
	link := func(dst, src *types.ProviderUserIdentifierType) error {
		_, err := f.Client.AdminLinkProviderForUser(ctx, &cip.AdminLinkProviderForUserInput{UserPoolId: aws.String(f.pool), DestinationUser: dst, SourceUser: src})
		return err
	}
	disable := func(u *types.ProviderUserIdentifierType) error {
		_, err := f.Client.AdminDisableProviderForUser(ctx, &cip.AdminDisableProviderForUserInput{UserPoolId: aws.String(f.pool), User: u})
		return err
	}
	if err := link(ref("Cognito", "Cognito_Subject", "native"), ref("Corp", "Cognito_Subject", "dave")); err != nil {
		t.Fatalf("AdminLinkProviderForUser: %v", err)
	}
	if err := link(ref("Cognito", "Cognito_Subject", "native"), ref("Corp", "Cognito_Subject", "dave")); err != nil {
		t.Errorf("linking the same pair again: %v", err)
	}
	ids := attr(f.user("native"), "identities")
	if !strings.Contains(ids, `"providerName":"Corp"`) || !strings.Contains(ids, `"primary":"false"`) {
		t.Errorf("identities after the link = %s", ids)
	}

	wantAPIError[*types.AliasExistsException](t, "linking a linked source to another user",
		link(ref("Cognito", "Cognito_Subject", "other"), ref("Corp", "Cognito_Subject", "dave")))
	wantAPIError[*types.InvalidParameterException](t, "a native source",
		link(ref("Cognito", "Cognito_Subject", "other"), ref("Cognito", "Cognito_Subject", "native")))
	wantAPIError[*types.UserNotFoundException](t, "a missing destination",
		link(ref("Cognito", "Cognito_Subject", "nobody"), ref("Corp", "Cognito_Subject", "zed")))
	wantAPIError[*types.InvalidParameterException](t, "an unknown provider",
		link(ref("Cognito", "Cognito_Subject", "other"), ref("Nope", "Cognito_Subject", "zed")))

	// The linked identity signs in as the native user.
	c := f.oidcSignIn(t, "dave", map[string]any{"email": "native@example.com", "name": "Dave"})
	if c["cognito:username"] != "native" {
		t.Errorf("linked sign-in as %v, want native", c["cognito:username"])
	}
	f.noUser("Corp_dave")

	// An identity that signed up already cannot be linked.
	f.oidcSignIn(t, "erin", map[string]any{"email": "erin@example.com"})
	wantAPIError[*types.InvalidParameterException](t, "a source that signed up",
		link(ref("Cognito", "Cognito_Subject", "other"), ref("Corp", "Cognito_Subject", "erin")))

	// Disabling the link: the identity signs in as its own user again.
	if err := disable(ref("Corp", "Cognito_Subject", "dave")); err != nil {
		t.Fatalf("AdminDisableProviderForUser: %v", err)
	}
	if ids := attr(f.user("native"), "identities"); ids != "" {
		t.Errorf("identities after the link was removed = %s", ids)
	}
	if c := f.oidcSignIn(t, "dave", map[string]any{"email": "dave@example.com"}); c["cognito:username"] != "Corp_dave" {
		t.Errorf("sign-in after the link was removed as %v", c["cognito:username"])
	}
	wantAPIError[*types.UserNotFoundException](t, "disabling an unknown identity", disable(ref("Corp", "Cognito_Subject", "nobody")))
	wantAPIError[*types.InvalidParameterException](t, "disabling through an unknown provider", disable(ref("Nope", "Cognito_Subject", "dave")))
	if err := disable(ref("Cognito", "Cognito_Subject", "other")); err != nil {
		t.Fatalf("disabling a native user: %v", err)
	}
	if u := f.user("other"); u.Enabled {
		t.Error("native user still enabled")
	}
}
