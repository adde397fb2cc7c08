package hostedui

import (
	"bytes"
	"context"
	"github.com/userpoold/userpoold/internal/hostedui/hosteduitest"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/oauth2"

	"github.com/userpoold/userpoold/internal/oauth"
)

var master = bytes.Repeat([]byte{9}, 32)

// site is a test deployment: one path-form domain, the pages and the token
// endpoint, and a browser with a cookie jar that stops at every redirect.
type site struct {
	t       *testing.T
	srv     *httptest.Server
	auth    *fakeAuth
	grants  *fakeGrants
	now     time.Time
	b       *hosteduitest.Browser
	version int
	signOut map[string]bool
}

const base = "/_domain/myprefix"

func newSite(t *testing.T) *site {
	s := &site{t: t, auth: &fakeAuth{}, grants: &fakeGrants{}, now: t0, version: 1, signOut: map[string]bool{}}
	now := func() time.Time { return s.now }
	cookies, err := oauth.NewCookies(master, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	codes := &oauth.MemoryCodeStore{}
	h := &Handler{
		Pages: pages, Auth: s.auth, Cookies: cookies, Clients: clients, Catalog: noScopes,
		Authorizer: &oauth.Authorizer{Codes: codes, Grants: s.grants, Now: now},
		Sessions:   fakeSessions{signedOut: s.signOut},
		Sites: fakeSites{site: Site{SelfSignUp: true, Password: PasswordRules{MinLength: 8}, Issuer: "Example",
			SignUpFields: []Field{AttributeField("email", "", true)}, Branding: Branding{Name: "Example"}}},
		Now: now,
	}
	if err := h.Init(master); err != nil {
		t.Fatal(err)
	}
	tokens := &oauth.Handlers{Clients: clients, Catalog: noScopes, Codes: codes, Grants: s.grants, Now: now}
	mux := http.NewServeMux()
	mux.Handle(base+"/", http.StripPrefix(base, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == oauth.PathToken {
			tokens.Token(w, r)
			return
		}
		h.ServeHTTP(w, r.WithContext(WithDomain(r.Context(), Domain{Name: "myprefix", PoolID: testPool, ManagedLoginVersion: s.version, BasePath: base})))
	})))
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	s.b = hosteduitest.New(t, s.srv.URL, nil)
	return s
}

func (s *site) authorizeURL(extra ...string) string {
	q := url.Values{"client_id": {testClient}, "response_type": {"code"}, "redirect_uri": {callback}, "state": {"st"}, "scope": {"openid email"}}
	for i := 0; i < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return s.srv.URL + base + "/oauth2/authorize?" + q.Encode()
}

type page = hosteduitest.Page

// landed reports the callback a response redirected to.
func (s *site) landed(p page) *url.URL {
	s.t.Helper()
	loc := p.Header.Get("Location")
	if p.Status != http.StatusFound || !strings.HasPrefix(loc, callback) {
		s.t.Fatalf("did not reach the callback: %d %q\n%s", p.Status, loc, p.Body)
	}
	u, _ := url.Parse(loc)
	return u
}

func (s *site) login(username string, extra ...string) page {
	s.t.Helper()
	p := s.b.Follow(s.authorizeURL(extra...))
	if p.Status != 200 || p.Heading() != "Sign in" {
		s.t.Fatalf("login page: %d %q", p.Status, p.Heading())
	}
	return s.b.Submit(p, "cognitoSignInForm", map[string]string{"username": username, "password": password, "signInSubmitButton": "Sign in"})
}

func TestCodeFlowThroughTheLoginPage(t *testing.T) {
	s := newSite(t)
	verifier := oauth2.GenerateVerifier()
	conf := oauth2.Config{ClientID: testClient, RedirectURL: callback, Scopes: []string{"openid", "email"},
		Endpoint: oauth2.Endpoint{AuthURL: s.srv.URL + base + "/oauth2/authorize", TokenURL: s.srv.URL + base + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}

	first := s.b.Get(conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier)))
	if first.Status != 302 || !strings.HasPrefix(first.Header.Get("Location"), base+"/login?") || first.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("authorize: %d %v", first.Status, first.Header)
	}
	var xsrf *http.Cookie
	for _, c := range (&http.Response{Header: first.Header}).Cookies() {
		if c.Name == "XSRF-TOKEN" {
			xsrf = c
		}
	}
	if xsrf == nil || xsrf.Path != base || !xsrf.HttpOnly || xsrf.SameSite != http.SameSiteLaxMode {
		t.Fatalf("XSRF-TOKEN cookie %+v", xsrf)
	}
	loginPage := s.b.Follow(s.srv.URL + first.Header.Get("Location"))
	// The classic contract: _csrf equals the XSRF-TOKEN cookie.
	for _, in := range elements(loginPage.Doc, "input") {
		if n, _ := attr(in, "name"); n == "_csrf" {
			if v, _ := attr(in, "value"); v != xsrf.Value {
				t.Fatalf("_csrf %q, cookie %q", v, xsrf.Value)
			}
		}
	}
	bad := s.b.Submit(loginPage, "cognitoSignInForm", map[string]string{"username": "jane", "password": "wrong"})
	if bad.Status != 400 || bad.ErrorText() != "Incorrect username or password." || !strings.Contains(bad.Body, `value="jane"`) {
		t.Fatalf("bad password: %d %q", bad.Status, bad.ErrorText())
	}
	done := s.b.Submit(bad, "cognitoSignInForm", map[string]string{"username": "jane", "password": password})
	back := s.landed(done)
	if back.Query().Get("state") != "st-1" {
		t.Fatalf("state %q", back.Query().Get("state"))
	}
	tok, err := conf.Exchange(context.WithValue(context.Background(), oauth2.HTTPClient, s.srv.Client()), back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "access-jane" || tok.Extra("id_token") != "id-jane" {
		t.Fatalf("tokens %+v", tok)
	}
	// Single sign-on: the next authorize request (another state) gets a
	// code at once from the session cookie.
	again := s.b.Get(s.authorizeURL("state", "st-2"))
	if u := s.landed(again); u.Query().Get("state") != "st-2" || u.Query().Get("code") == "" {
		t.Fatalf("SSO redirect %s", u)
	}
	if got := len(s.auth.calls); got != 2 {
		t.Fatalf("SSO asked for a password: %v", s.auth.calls)
	}
	// A user who signed out globally since needs the password again.
	s.signOut["jane"] = true
	if p := s.b.Get(s.authorizeURL()); !strings.HasPrefix(p.Header.Get("Location"), base+"/login?") {
		t.Fatalf("signed-out session reused: %v", p.Header.Get("Location"))
	}
	// After an hour the cookie is dead.
	delete(s.signOut, "jane")
	s.now = t0.Add(oauth.SessionTTL)
	if p := s.b.Get(s.authorizeURL()); !strings.HasPrefix(p.Header.Get("Location"), base+"/login?") {
		t.Fatalf("session outlived its hour: %v", p.Header.Get("Location"))
	}
}

func TestCSRFIsChecked(t *testing.T) {
	s := newSite(t)
	p := s.b.Follow(s.authorizeURL())
	forged := s.b.Submit(p, "cognitoSignInForm", map[string]string{"_csrf": "6b1f2c1e-4a1d-4c3b-9d6e-0f1a2b3c4d5e", "username": "jane", "password": password})
	if forged.Status != http.StatusForbidden || len(s.auth.calls) != 0 {
		t.Fatalf("forged _csrf: %d, calls %v", forged.Status, s.auth.calls)
	}
	// A post from a browser without the cookie.
	data := url.Values{"_csrf": {"x"}, "username": {"jane"}, "password": {password}}
	resp, err := http.Post(s.srv.URL+base+"/login?"+url.Values{"client_id": {testClient}, "response_type": {"code"}, "redirect_uri": {callback}}.Encode(),
		"application/x-www-form-urlencoded", strings.NewReader(data.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(s.auth.calls) != 0 {
		t.Fatalf("cookieless post: %d", resp.StatusCode)
	}
}

func TestTOTPChallenge(t *testing.T) {
	s := newSite(t)
	p := s.login("totp")
	if p.Heading() != "Enter your authenticator code" {
		t.Fatalf("got %q", p.Heading())
	}
	wrong := s.b.Submit(p, "cognitoMfaForm", map[string]string{"code": "000000"})
	if wrong.Status != 400 || wrong.ErrorText() != "Invalid code received for user" {
		t.Fatalf("wrong code: %d %q", wrong.Status, wrong.ErrorText())
	}
	s.landed(s.b.Submit(wrong, "cognitoMfaForm", map[string]string{"code": totpCode}))
	if s.auth.last["USERNAME"] != "totp" || s.auth.last["SOFTWARE_TOKEN_MFA_CODE"] != totpCode {
		t.Fatalf("responses %v", s.auth.last)
	}
}

func TestSelectMFAThenEmailCode(t *testing.T) {
	s := newSite(t)
	p := s.login("chooser")
	if p.Heading() != "Choose a verification method" {
		t.Fatalf("got %q", p.Heading())
	}
	bogus := s.b.Submit(p, "cognitoSelectMfaForm", map[string]string{"mfa_type": "SMS_MFA"})
	if bogus.Status != 400 {
		t.Fatalf("a factor not offered was accepted: %d", bogus.Status)
	}
	code := s.b.Submit(bogus, "cognitoSelectMfaForm", map[string]string{"mfa_type": "EMAIL_OTP"})
	if code.Heading() != "Enter your verification code" || !strings.Contains(code.Body, "c***@e***") {
		t.Fatalf("got %q", code.Heading())
	}
	s.landed(s.b.Submit(code, "cognitoMfaForm", map[string]string{"code": mailCode}))
}

func TestTOTPSetup(t *testing.T) {
	s := newSite(t)
	p := s.login("setup")
	if p.Heading() != "Set up your authenticator app" {
		t.Fatalf("got %q\n%s", p.Heading(), p.Body)
	}
	imgs := elements(p.Doc, "img")
	if len(imgs) != 1 {
		t.Fatalf("%d images", len(imgs))
	}
	if src, _ := attr(imgs[0], "src"); !strings.HasPrefix(src, "data:image/svg+xml;base64,") {
		t.Fatalf("QR src %q", src[:min(len(src), 40)])
	}
	if !strings.Contains(p.Body, strings.Join(strings.SplitAfterN(totpSecret, "", 5)[:4], "")) {
		t.Fatal("secret key not shown")
	}
	wrong := s.b.Submit(p, "cognitoTotpSetupForm", map[string]string{"code": "000000"})
	if wrong.Status != 400 || wrong.ErrorText() != "Code mismatch" {
		t.Fatalf("wrong code: %d %q", wrong.Status, wrong.ErrorText())
	}
	s.landed(s.b.Submit(wrong, "cognitoTotpSetupForm", map[string]string{"code": totpCode, "deviceName": "My phone"}))
	if s.auth.deviceName != "My phone" {
		t.Fatalf("device name %q", s.auth.deviceName)
	}
}

func TestEmailMFASetup(t *testing.T) {
	s := newSite(t)
	p := s.login("setupmail")
	if p.Heading() != "Set up multi-factor authentication" {
		t.Fatalf("got %q", p.Heading())
	}
	// SMS is not offered: it cannot be set up inside a sign-in.
	if strings.Contains(p.Body, `value="SMS_MFA"`) {
		t.Fatal("SMS offered for setup")
	}
	mail := s.b.Submit(p, "cognitoMfaSetupForm", map[string]string{"mfa_type": "EMAIL_OTP"})
	if mail.Heading() != "Add your email address" {
		t.Fatalf("got %q", mail.Heading())
	}
	code := s.b.Submit(mail, "cognitoMfaDestinationForm", map[string]string{"email": "setup@example.com"})
	if s.auth.last["EMAIL"] != "setup@example.com" || code.Heading() != "Enter your verification code" {
		t.Fatalf("responses %v, page %q", s.auth.last, code.Heading())
	}
	s.landed(s.b.Submit(code, "cognitoMfaForm", map[string]string{"code": mailCode}))
}

func TestNewPasswordRequired(t *testing.T) {
	s := newSite(t)
	p := s.login("newbie")
	if p.Heading() != "Change your password" {
		t.Fatalf("got %q", p.Heading())
	}
	mismatch := s.b.Submit(p, "cognitoNewPasswordForm", map[string]string{"password": "NewPassw0rd!", "confirmPassword": "other", "requiredAttributes[name]": "Newbie"})
	if mismatch.ErrorText() != "The passwords do not match." {
		t.Fatalf("mismatch: %q", mismatch.ErrorText())
	}
	weak := s.b.Submit(mismatch, "cognitoNewPasswordForm", map[string]string{"password": "short", "confirmPassword": "short", "requiredAttributes[name]": "Newbie"})
	if weak.ErrorText() != "Password does not conform to policy: Password not long enough" || !strings.Contains(weak.Body, `value="Newbie"`) {
		t.Fatalf("weak: %q", weak.ErrorText())
	}
	s.landed(s.b.Submit(weak, "cognitoNewPasswordForm", map[string]string{"password": "NewPassw0rd!", "confirmPassword": "NewPassw0rd!", "requiredAttributes[name]": "Newbie"}))
	if s.auth.last["NEW_PASSWORD"] != "NewPassw0rd!" || s.auth.last["userAttributes.name"] != "Newbie" || s.auth.last["USERNAME"] != "newbie" {
		t.Fatalf("responses %v", s.auth.last)
	}
}

func TestFlowStateIsBoundAndExpires(t *testing.T) {
	s := newSite(t)
	p := s.login("totp")
	// Another browser (another XSRF-TOKEN) cannot use this page's state.
	jar, _ := cookiejar.New(nil)
	thief := &http.Client{Jar: jar, CheckRedirect: s.b.Client.CheckRedirect}
	loginPage := func() page {
		resp, err := thief.Get(s.authorizeURL())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		resp, err = thief.Get(s.srv.URL + resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		doc, _ := html.Parse(bytes.NewReader(b))
		return page{Doc: doc, Body: string(b)}
	}()
	var stolen string
	for _, in := range elements(p.Doc, "input") {
		if n, _ := attr(in, "name"); n == "session" {
			stolen, _ = attr(in, "value")
		}
	}
	var theirCSRF string
	for _, in := range elements(loginPage.Doc, "input") {
		if n, _ := attr(in, "name"); n == "_csrf" {
			theirCSRF, _ = attr(in, "value")
		}
	}
	data := url.Values{"_csrf": {theirCSRF}, "session": {stolen}, "code": {totpCode}}
	req, _ := http.NewRequest("POST", s.srv.URL+base+"/mfa?"+url.Values{"client_id": {testClient}, "response_type": {"code"}, "redirect_uri": {callback}}.Encode(), strings.NewReader(data.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := thief.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || len(s.auth.calls) != 1 {
		t.Fatalf("stolen flow state: %d, calls %v", resp.StatusCode, s.auth.calls)
	}
	// The owner's state expires.
	s.now = t0.Add(flowTTL)
	late := s.b.Submit(p, "cognitoMfaForm", map[string]string{"code": totpCode})
	if late.Status != 400 || late.Heading() != "Sign in" {
		t.Fatalf("expired flow state: %d %q", late.Status, late.Heading())
	}
}

func TestSignUpAndConfirm(t *testing.T) {
	s := newSite(t)
	login := s.b.Follow(s.authorizeURL())
	var signUpURL string
	for _, a := range elements(login.Doc, "a") {
		if text(a) == "Sign up" {
			signUpURL, _ = attr(a, "href")
		}
	}
	if !strings.HasPrefix(signUpURL, base+"/signup?") {
		t.Fatalf("sign-up link %q", signUpURL)
	}
	form := s.b.Get(s.srv.URL + signUpURL)
	taken := s.b.Submit(form, "cognitoSignUpForm", map[string]string{"username": "taken", "password": password, "requiredAttributes[email]": "t@example.com"})
	if taken.ErrorText() != "User already exists" || !strings.Contains(taken.Body, `value="t@example.com"`) {
		t.Fatalf("taken: %q", taken.ErrorText())
	}
	confirm := s.b.Submit(taken, "cognitoSignUpForm", map[string]string{"username": "newuser", "password": password, "requiredAttributes[email]": "n@example.com"})
	if confirm.Heading() != "Confirm your account" || s.auth.signups[0].Attributes["email"] != "n@example.com" || s.auth.signups[0].Password != password {
		t.Fatalf("after sign-up: %q %+v", confirm.Heading(), s.auth.signups)
	}
	wrong := s.b.Submit(confirm, "cognitoConfirmForm", map[string]string{"confirmation_code": "1"})
	if wrong.ErrorText() != "Invalid verification code provided, please try again." {
		t.Fatalf("wrong code: %q", wrong.ErrorText())
	}
	resent := s.b.Submit(wrong, "resendCodeForm", nil)
	if resent.Status != 200 || !strings.Contains(resent.Body, "We sent you a new code.") || !strings.Contains(resent.Body, "u***@e***") {
		t.Fatalf("resend: %d\n%s", resent.Status, resent.Body)
	}
	done := s.b.Submit(wrong, "cognitoConfirmForm", map[string]string{"confirmation_code": mailCode})
	if done.Heading() != "Sign in" || !strings.Contains(done.Body, "Your account is confirmed.") || s.auth.confirmed[0] != "newuser" {
		t.Fatalf("after confirm: %q", done.Heading())
	}
}

func TestForgotPassword(t *testing.T) {
	s := newSite(t)
	p := s.b.Get(s.srv.URL + base + "/forgotPassword?" + url.Values{"client_id": {testClient}, "response_type": {"code"}, "redirect_uri": {callback}}.Encode())
	reset := s.b.Submit(p, "cognitoForgotPasswordForm", map[string]string{"username": "jane"})
	if reset.Heading() != "Reset your password" || !strings.Contains(reset.Body, "j***@e***") {
		t.Fatalf("got %q", reset.Heading())
	}
	done := s.b.Submit(reset, "cognitoResetPasswordForm", map[string]string{"code": mailCode, "password": "N3w-password", "confirmPassword": "N3w-password"})
	if done.Heading() != "Sign in" || s.auth.reset[0] != "jane:N3w-password" {
		t.Fatalf("got %q %v", done.Heading(), s.auth.reset)
	}
}

func TestUnconfirmedUserIsAskedForTheCode(t *testing.T) {
	s := newSite(t)
	p := s.login("unconfirmed")
	if p.Heading() != "Confirm your account" || !strings.Contains(p.Body, "u***@e***") {
		t.Fatalf("got %q", p.Heading())
	}
}

func TestLogout(t *testing.T) {
	s := newSite(t)
	s.landed(s.login("jane"))
	out := s.b.Get(s.srv.URL + base + "/logout?client_id=" + testClient + "&logout_uri=" + url.QueryEscape("https://app.example.com/bye"))
	if out.Status != 302 || out.Header.Get("Location") != "https://app.example.com/bye" {
		t.Fatalf("logout: %d %v", out.Status, out.Header.Get("Location"))
	}
	// The session is gone: authorize shows the login page again.
	if p := s.b.Get(s.authorizeURL()); !strings.HasPrefix(p.Header.Get("Location"), base+"/login?") {
		t.Fatalf("session survived logout: %v", p.Header.Get("Location"))
	}
	evil := s.b.Get(s.srv.URL + base + "/logout?client_id=" + testClient + "&logout_uri=" + url.QueryEscape("https://evil.example.com/"))
	if evil.Status != 400 || evil.Header.Get("Location") != "" || !strings.Contains(evil.Body, "Required String parameter &#39;redirect_uri&#39; is not present") {
		t.Fatalf("unregistered logout_uri: %d %q", evil.Status, evil.Header.Get("Location"))
	}
	shape2 := s.b.Get(s.srv.URL + base + "/logout?client_id=" + testClient + "&response_type=code&redirect_uri=" + url.QueryEscape(callback))
	if !strings.HasPrefix(shape2.Header.Get("Location"), base+"/login?") {
		t.Fatalf("shape 2: %v", shape2.Header.Get("Location"))
	}
	if p := s.b.Get(s.srv.URL + base + "/logout"); p.Status != 200 || p.Heading() != "You have signed out" {
		t.Fatalf("bare logout: %d %q", p.Status, p.Heading())
	}
}

func TestAuthorizeErrorsAreNotRedirected(t *testing.T) {
	s := newSite(t)
	for name, u := range map[string]string{
		"unregistered redirect": s.authorizeURL("redirect_uri", "https://evil.example.com/cb"),
		"unknown client":        s.authorizeURL("client_id", "nope"),
	} {
		p := s.b.Get(u)
		if p.Status != 400 || p.Header.Get("Location") != "" || p.Header.Get("X-Frame-Options") != "DENY" || p.Heading() != "An error was encountered with the requested page." {
			t.Errorf("%s: %d %q %q", name, p.Status, p.Header.Get("Location"), p.Heading())
		}
	}
	if p := s.b.Get(s.authorizeURL("redirect_uri", "https://evil.example.com/cb")); !strings.Contains(p.Body, "redirect_mismatch") {
		t.Error("redirect_mismatch not shown")
	}
	// Redirectable errors go back to the client.
	if p := s.b.Get(s.authorizeURL("code_challenge_method", "plain", "code_challenge", strings.Repeat("a", 43))); p.Header.Get("Location") != callback+"?error=invalid_request&state=st" {
		t.Errorf("PKCE plain: %q", p.Header.Get("Location"))
	}
	// A client without COGNITO has no login page.
	if p := s.b.Follow(s.srv.URL + base + "/login?client_id=idponly&response_type=code&redirect_uri=" + url.QueryEscape(callback)); p.Status != 400 {
		t.Errorf("login page for an IdP-only client: %d", p.Status)
	}
	// /error reflects only known codes.
	if p := s.b.Get(s.srv.URL + base + "/error?error=%3Cscript%3E"); strings.Contains(p.Body, "script&gt;") || strings.Contains(p.Body, "<script>") {
		t.Error("/error reflected its query")
	}
}

func TestPromptOnManagedLogin(t *testing.T) {
	s := newSite(t)
	s.version = 2
	if p := s.b.Get(s.authorizeURL("prompt", "none")); p.Header.Get("Location") != callback+"?error=login_required&state=st" {
		t.Fatalf("prompt=none: %q", p.Header.Get("Location"))
	}
	s.landed(s.login("jane"))
	if p := s.b.Get(s.authorizeURL("prompt", "login")); !strings.HasPrefix(p.Header.Get("Location"), base+"/login?") {
		t.Fatalf("prompt=login with a session: %q", p.Header.Get("Location"))
	}
	s.version = 1
	if p := s.b.Get(s.authorizeURL("prompt", "login")); !strings.HasPrefix(p.Header.Get("Location"), callback) {
		t.Fatalf("prompt honoured on a classic domain: %q", p.Header.Get("Location"))
	}
}

func TestImplicitThroughTheLoginPage(t *testing.T) {
	s := newSite(t)
	back := s.landed(s.login("jane", "response_type", "token", "nonce", "n-1"))
	frag, _ := url.ParseQuery(back.Fragment)
	if frag.Get("access_token") != "access-jane" || frag.Get("state") != "st" {
		t.Fatalf("implicit %s", back)
	}
	if g := s.grants.grants[0]; g.Source != oauth.SourceImplicit || g.Nonce != "n-1" {
		t.Fatalf("grant %+v", g)
	}
}
