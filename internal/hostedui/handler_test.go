package hostedui

import (
	"bytes"
	"context"
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
	browser *http.Client
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
	jar, _ := cookiejar.New(nil)
	s.browser = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return s
}

func (s *site) authorizeURL(extra ...string) string {
	q := url.Values{"client_id": {testClient}, "response_type": {"code"}, "redirect_uri": {callback}, "state": {"st"}, "scope": {"openid email"}}
	for i := 0; i < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return s.srv.URL + base + "/oauth2/authorize?" + q.Encode()
}

type page struct {
	status int
	header http.Header
	body   string
	doc    *html.Node
	url    string
}

func (s *site) do(req *http.Request) page {
	s.t.Helper()
	resp, err := s.browser.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, header: resp.Header, body: string(b), url: req.URL.String()}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		p.doc, _ = html.Parse(bytes.NewReader(b))
	}
	return p
}

func (s *site) get(u string) page {
	req, _ := http.NewRequest("GET", u, nil)
	return s.do(req)
}

// follow GETs u and follows redirects that stay on the server.
func (s *site) follow(u string) page {
	s.t.Helper()
	for i := 0; i < 5; i++ {
		p := s.get(u)
		loc := p.header.Get("Location")
		if p.status != http.StatusFound || !strings.HasPrefix(loc, "/") {
			return p
		}
		u = s.srv.URL + loc
	}
	s.t.Fatal("redirect loop")
	return page{}
}

// submit fills the page's only (or named) form with values over its hidden
// fields and posts it.
func (s *site) submit(p page, formName string, values map[string]string) page {
	s.t.Helper()
	if p.doc == nil {
		s.t.Fatalf("not a page: %d %s", p.status, p.body)
	}
	var form *html.Node
	for _, f := range elements(p.doc, "form") {
		n, _ := attr(f, "name")
		action, _ := attr(f, "action")
		if formName == "" || n == formName || (formName == "resend" && strings.Contains(action, "/resendcode?")) {
			form = f
			break
		}
	}
	if form == nil {
		s.t.Fatalf("no form %q in\n%s", formName, p.body)
	}
	data := url.Values{}
	for _, in := range elements(form, "input") {
		name, _ := attr(in, "name")
		typ, _ := attr(in, "type")
		if typ == "hidden" {
			v, _ := attr(in, "value")
			data.Set(name, v)
		}
	}
	for k, v := range values {
		data.Set(k, v)
	}
	action, _ := attr(form, "action")
	req, _ := http.NewRequest("POST", s.srv.URL+action, strings.NewReader(data.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.do(req)
}

func (p page) heading() string {
	if p.doc == nil {
		return ""
	}
	if h := elements(p.doc, "h1"); len(h) > 0 {
		return text(h[0])
	}
	return ""
}

func (p page) errorText() string {
	var out string
	walk(p.doc, func(n *html.Node) {
		if c, _ := attr(n, "class"); strings.Contains(c, "errorMessage-customizable") {
			out = text(n)
		}
	})
	return out
}

// landed reports the callback a response redirected to.
func (s *site) landed(p page) *url.URL {
	s.t.Helper()
	loc := p.header.Get("Location")
	if p.status != http.StatusFound || !strings.HasPrefix(loc, callback) {
		s.t.Fatalf("did not reach the callback: %d %q\n%s", p.status, loc, p.body)
	}
	u, _ := url.Parse(loc)
	return u
}

func (s *site) login(username string, extra ...string) page {
	s.t.Helper()
	p := s.follow(s.authorizeURL(extra...))
	if p.status != 200 || p.heading() != "Sign in" {
		s.t.Fatalf("login page: %d %q", p.status, p.heading())
	}
	return s.submit(p, "cognitoSignInForm", map[string]string{"username": username, "password": password, "signInSubmitButton": "Sign in"})
}

func TestCodeFlowThroughTheLoginPage(t *testing.T) {
	s := newSite(t)
	verifier := oauth2.GenerateVerifier()
	conf := oauth2.Config{ClientID: testClient, RedirectURL: callback, Scopes: []string{"openid", "email"},
		Endpoint: oauth2.Endpoint{AuthURL: s.srv.URL + base + "/oauth2/authorize", TokenURL: s.srv.URL + base + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}

	first := s.get(conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier)))
	if first.status != 302 || !strings.HasPrefix(first.header.Get("Location"), base+"/login?") || first.header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("authorize: %d %v", first.status, first.header)
	}
	var xsrf *http.Cookie
	for _, c := range (&http.Response{Header: first.header}).Cookies() {
		if c.Name == "XSRF-TOKEN" {
			xsrf = c
		}
	}
	if xsrf == nil || xsrf.Path != base || !xsrf.HttpOnly || xsrf.SameSite != http.SameSiteLaxMode {
		t.Fatalf("XSRF-TOKEN cookie %+v", xsrf)
	}
	loginPage := s.follow(s.srv.URL + first.header.Get("Location"))
	// The classic contract: _csrf equals the XSRF-TOKEN cookie.
	for _, in := range elements(loginPage.doc, "input") {
		if n, _ := attr(in, "name"); n == "_csrf" {
			if v, _ := attr(in, "value"); v != xsrf.Value {
				t.Fatalf("_csrf %q, cookie %q", v, xsrf.Value)
			}
		}
	}
	bad := s.submit(loginPage, "cognitoSignInForm", map[string]string{"username": "jane", "password": "wrong"})
	if bad.status != 400 || bad.errorText() != "Incorrect username or password." || !strings.Contains(bad.body, `value="jane"`) {
		t.Fatalf("bad password: %d %q", bad.status, bad.errorText())
	}
	done := s.submit(bad, "cognitoSignInForm", map[string]string{"username": "jane", "password": password})
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
	again := s.get(s.authorizeURL("state", "st-2"))
	if u := s.landed(again); u.Query().Get("state") != "st-2" || u.Query().Get("code") == "" {
		t.Fatalf("SSO redirect %s", u)
	}
	if got := len(s.auth.calls); got != 2 {
		t.Fatalf("SSO asked for a password: %v", s.auth.calls)
	}
	// A user who signed out globally since needs the password again.
	s.signOut["jane"] = true
	if p := s.get(s.authorizeURL()); !strings.HasPrefix(p.header.Get("Location"), base+"/login?") {
		t.Fatalf("signed-out session reused: %v", p.header.Get("Location"))
	}
	// After an hour the cookie is dead.
	delete(s.signOut, "jane")
	s.now = t0.Add(oauth.SessionTTL)
	if p := s.get(s.authorizeURL()); !strings.HasPrefix(p.header.Get("Location"), base+"/login?") {
		t.Fatalf("session outlived its hour: %v", p.header.Get("Location"))
	}
}

func TestCSRFIsChecked(t *testing.T) {
	s := newSite(t)
	p := s.follow(s.authorizeURL())
	forged := s.submit(p, "cognitoSignInForm", map[string]string{"_csrf": "6b1f2c1e-4a1d-4c3b-9d6e-0f1a2b3c4d5e", "username": "jane", "password": password})
	if forged.status != http.StatusForbidden || len(s.auth.calls) != 0 {
		t.Fatalf("forged _csrf: %d, calls %v", forged.status, s.auth.calls)
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
	if p.heading() != "Enter your authenticator code" {
		t.Fatalf("got %q", p.heading())
	}
	wrong := s.submit(p, "cognitoMfaForm", map[string]string{"code": "000000"})
	if wrong.status != 400 || wrong.errorText() != "Invalid code received for user" {
		t.Fatalf("wrong code: %d %q", wrong.status, wrong.errorText())
	}
	s.landed(s.submit(wrong, "cognitoMfaForm", map[string]string{"code": totpCode}))
	if s.auth.last["USERNAME"] != "totp" || s.auth.last["SOFTWARE_TOKEN_MFA_CODE"] != totpCode {
		t.Fatalf("responses %v", s.auth.last)
	}
}

func TestSelectMFAThenEmailCode(t *testing.T) {
	s := newSite(t)
	p := s.login("chooser")
	if p.heading() != "Choose a verification method" {
		t.Fatalf("got %q", p.heading())
	}
	bogus := s.submit(p, "cognitoSelectMfaForm", map[string]string{"mfa_type": "SMS_MFA"})
	if bogus.status != 400 {
		t.Fatalf("a factor not offered was accepted: %d", bogus.status)
	}
	code := s.submit(bogus, "cognitoSelectMfaForm", map[string]string{"mfa_type": "EMAIL_OTP"})
	if code.heading() != "Enter your verification code" || !strings.Contains(code.body, "c***@e***") {
		t.Fatalf("got %q", code.heading())
	}
	s.landed(s.submit(code, "cognitoMfaForm", map[string]string{"code": mailCode}))
}

func TestTOTPSetup(t *testing.T) {
	s := newSite(t)
	p := s.login("setup")
	if p.heading() != "Set up your authenticator app" {
		t.Fatalf("got %q\n%s", p.heading(), p.body)
	}
	imgs := elements(p.doc, "img")
	if len(imgs) != 1 {
		t.Fatalf("%d images", len(imgs))
	}
	if src, _ := attr(imgs[0], "src"); !strings.HasPrefix(src, "data:image/svg+xml;base64,") {
		t.Fatalf("QR src %q", src[:min(len(src), 40)])
	}
	if !strings.Contains(p.body, strings.Join(strings.SplitAfterN(totpSecret, "", 5)[:4], "")) {
		t.Fatal("secret key not shown")
	}
	wrong := s.submit(p, "cognitoTotpSetupForm", map[string]string{"code": "000000"})
	if wrong.status != 400 || wrong.errorText() != "Code mismatch" {
		t.Fatalf("wrong code: %d %q", wrong.status, wrong.errorText())
	}
	s.landed(s.submit(wrong, "cognitoTotpSetupForm", map[string]string{"code": totpCode, "deviceName": "My phone"}))
	if s.auth.deviceName != "My phone" {
		t.Fatalf("device name %q", s.auth.deviceName)
	}
}

func TestEmailMFASetup(t *testing.T) {
	s := newSite(t)
	p := s.login("setupmail")
	if p.heading() != "Set up multi-factor authentication" {
		t.Fatalf("got %q", p.heading())
	}
	// SMS is not offered: it cannot be set up inside a sign-in.
	if strings.Contains(p.body, `value="SMS_MFA"`) {
		t.Fatal("SMS offered for setup")
	}
	mail := s.submit(p, "cognitoMfaSetupForm", map[string]string{"mfa_type": "EMAIL_OTP"})
	if mail.heading() != "Add your email address" {
		t.Fatalf("got %q", mail.heading())
	}
	code := s.submit(mail, "cognitoMfaDestinationForm", map[string]string{"email": "setup@example.com"})
	if s.auth.last["EMAIL"] != "setup@example.com" || code.heading() != "Enter your verification code" {
		t.Fatalf("responses %v, page %q", s.auth.last, code.heading())
	}
	s.landed(s.submit(code, "cognitoMfaForm", map[string]string{"code": mailCode}))
}

func TestNewPasswordRequired(t *testing.T) {
	s := newSite(t)
	p := s.login("newbie")
	if p.heading() != "Change your password" {
		t.Fatalf("got %q", p.heading())
	}
	mismatch := s.submit(p, "cognitoNewPasswordForm", map[string]string{"password": "NewPassw0rd!", "confirmPassword": "other", "requiredAttributes[name]": "Newbie"})
	if mismatch.errorText() != "The passwords do not match." {
		t.Fatalf("mismatch: %q", mismatch.errorText())
	}
	weak := s.submit(mismatch, "cognitoNewPasswordForm", map[string]string{"password": "short", "confirmPassword": "short", "requiredAttributes[name]": "Newbie"})
	if weak.errorText() != "Password does not conform to policy: Password not long enough" || !strings.Contains(weak.body, `value="Newbie"`) {
		t.Fatalf("weak: %q", weak.errorText())
	}
	s.landed(s.submit(weak, "cognitoNewPasswordForm", map[string]string{"password": "NewPassw0rd!", "confirmPassword": "NewPassw0rd!", "requiredAttributes[name]": "Newbie"}))
	if s.auth.last["NEW_PASSWORD"] != "NewPassw0rd!" || s.auth.last["userAttributes.name"] != "Newbie" || s.auth.last["USERNAME"] != "newbie" {
		t.Fatalf("responses %v", s.auth.last)
	}
}

func TestFlowStateIsBoundAndExpires(t *testing.T) {
	s := newSite(t)
	p := s.login("totp")
	// Another browser (another XSRF-TOKEN) cannot use this page's state.
	jar, _ := cookiejar.New(nil)
	thief := &http.Client{Jar: jar, CheckRedirect: s.browser.CheckRedirect}
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
		return page{doc: doc, body: string(b)}
	}()
	var stolen string
	for _, in := range elements(p.doc, "input") {
		if n, _ := attr(in, "name"); n == "session" {
			stolen, _ = attr(in, "value")
		}
	}
	var theirCSRF string
	for _, in := range elements(loginPage.doc, "input") {
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
	late := s.submit(p, "cognitoMfaForm", map[string]string{"code": totpCode})
	if late.status != 400 || late.heading() != "Sign in" {
		t.Fatalf("expired flow state: %d %q", late.status, late.heading())
	}
}

func TestSignUpAndConfirm(t *testing.T) {
	s := newSite(t)
	login := s.follow(s.authorizeURL())
	var signUpURL string
	for _, a := range elements(login.doc, "a") {
		if text(a) == "Sign up" {
			signUpURL, _ = attr(a, "href")
		}
	}
	if !strings.HasPrefix(signUpURL, base+"/signup?") {
		t.Fatalf("sign-up link %q", signUpURL)
	}
	form := s.get(s.srv.URL + signUpURL)
	taken := s.submit(form, "cognitoSignUpForm", map[string]string{"username": "taken", "password": password, "requiredAttributes[email]": "t@example.com"})
	if taken.errorText() != "User already exists" || !strings.Contains(taken.body, `value="t@example.com"`) {
		t.Fatalf("taken: %q", taken.errorText())
	}
	confirm := s.submit(taken, "cognitoSignUpForm", map[string]string{"username": "newuser", "password": password, "requiredAttributes[email]": "n@example.com"})
	if confirm.heading() != "Confirm your account" || s.auth.signups[0].Attributes["email"] != "n@example.com" || s.auth.signups[0].Password != password {
		t.Fatalf("after sign-up: %q %+v", confirm.heading(), s.auth.signups)
	}
	wrong := s.submit(confirm, "cognitoConfirmForm", map[string]string{"confirmation_code": "1"})
	if wrong.errorText() != "Invalid verification code provided, please try again." {
		t.Fatalf("wrong code: %q", wrong.errorText())
	}
	resent := s.submit(wrong, "resend", nil)
	if resent.status != 200 || !strings.Contains(resent.body, "We sent you a new code.") || !strings.Contains(resent.body, "u***@e***") {
		t.Fatalf("resend: %d\n%s", resent.status, resent.body)
	}
	done := s.submit(wrong, "cognitoConfirmForm", map[string]string{"confirmation_code": mailCode})
	if done.heading() != "Sign in" || !strings.Contains(done.body, "Your account is confirmed.") || s.auth.confirmed[0] != "newuser" {
		t.Fatalf("after confirm: %q", done.heading())
	}
}

func TestForgotPassword(t *testing.T) {
	s := newSite(t)
	p := s.get(s.srv.URL + base + "/forgotPassword?" + url.Values{"client_id": {testClient}, "response_type": {"code"}, "redirect_uri": {callback}}.Encode())
	reset := s.submit(p, "cognitoForgotPasswordForm", map[string]string{"username": "jane"})
	if reset.heading() != "Reset your password" || !strings.Contains(reset.body, "j***@e***") {
		t.Fatalf("got %q", reset.heading())
	}
	done := s.submit(reset, "cognitoResetPasswordForm", map[string]string{"code": mailCode, "password": "N3w-password", "confirmPassword": "N3w-password"})
	if done.heading() != "Sign in" || s.auth.reset[0] != "jane:N3w-password" {
		t.Fatalf("got %q %v", done.heading(), s.auth.reset)
	}
}

func TestUnconfirmedUserIsAskedForTheCode(t *testing.T) {
	s := newSite(t)
	p := s.login("unconfirmed")
	if p.heading() != "Confirm your account" || !strings.Contains(p.body, "u***@e***") {
		t.Fatalf("got %q", p.heading())
	}
}

func TestLogout(t *testing.T) {
	s := newSite(t)
	s.landed(s.login("jane"))
	out := s.get(s.srv.URL + base + "/logout?client_id=" + testClient + "&logout_uri=" + url.QueryEscape("https://app.example.com/bye"))
	if out.status != 302 || out.header.Get("Location") != "https://app.example.com/bye" {
		t.Fatalf("logout: %d %v", out.status, out.header.Get("Location"))
	}
	// The session is gone: authorize shows the login page again.
	if p := s.get(s.authorizeURL()); !strings.HasPrefix(p.header.Get("Location"), base+"/login?") {
		t.Fatalf("session survived logout: %v", p.header.Get("Location"))
	}
	evil := s.get(s.srv.URL + base + "/logout?client_id=" + testClient + "&logout_uri=" + url.QueryEscape("https://evil.example.com/"))
	if evil.status != 400 || evil.header.Get("Location") != "" || !strings.Contains(evil.body, "Required String parameter &#39;redirect_uri&#39; is not present") {
		t.Fatalf("unregistered logout_uri: %d %q", evil.status, evil.header.Get("Location"))
	}
	shape2 := s.get(s.srv.URL + base + "/logout?client_id=" + testClient + "&response_type=code&redirect_uri=" + url.QueryEscape(callback))
	if !strings.HasPrefix(shape2.header.Get("Location"), base+"/login?") {
		t.Fatalf("shape 2: %v", shape2.header.Get("Location"))
	}
	if p := s.get(s.srv.URL + base + "/logout"); p.status != 200 || p.heading() != "You have signed out" {
		t.Fatalf("bare logout: %d %q", p.status, p.heading())
	}
}

func TestAuthorizeErrorsAreNotRedirected(t *testing.T) {
	s := newSite(t)
	for name, u := range map[string]string{
		"unregistered redirect": s.authorizeURL("redirect_uri", "https://evil.example.com/cb"),
		"unknown client":        s.authorizeURL("client_id", "nope"),
	} {
		p := s.get(u)
		if p.status != 400 || p.header.Get("Location") != "" || p.header.Get("X-Frame-Options") != "DENY" || p.heading() != "An error was encountered with the requested page." {
			t.Errorf("%s: %d %q %q", name, p.status, p.header.Get("Location"), p.heading())
		}
	}
	if p := s.get(s.authorizeURL("redirect_uri", "https://evil.example.com/cb")); !strings.Contains(p.body, "redirect_mismatch") {
		t.Error("redirect_mismatch not shown")
	}
	// Redirectable errors go back to the client.
	if p := s.get(s.authorizeURL("code_challenge_method", "plain", "code_challenge", strings.Repeat("a", 43))); p.header.Get("Location") != callback+"?error=invalid_request&state=st" {
		t.Errorf("PKCE plain: %q", p.header.Get("Location"))
	}
	// A client without COGNITO has no login page.
	if p := s.follow(s.srv.URL + base + "/login?client_id=idponly&response_type=code&redirect_uri=" + url.QueryEscape(callback)); p.status != 400 {
		t.Errorf("login page for an IdP-only client: %d", p.status)
	}
	// /error reflects only known codes.
	if p := s.get(s.srv.URL + base + "/error?error=%3Cscript%3E"); strings.Contains(p.body, "script&gt;") || strings.Contains(p.body, "<script>") {
		t.Error("/error reflected its query")
	}
}

func TestPromptOnManagedLogin(t *testing.T) {
	s := newSite(t)
	s.version = 2
	if p := s.get(s.authorizeURL("prompt", "none")); p.header.Get("Location") != callback+"?error=login_required&state=st" {
		t.Fatalf("prompt=none: %q", p.header.Get("Location"))
	}
	s.landed(s.login("jane"))
	if p := s.get(s.authorizeURL("prompt", "login")); !strings.HasPrefix(p.header.Get("Location"), base+"/login?") {
		t.Fatalf("prompt=login with a session: %q", p.header.Get("Location"))
	}
	s.version = 1
	if p := s.get(s.authorizeURL("prompt", "login")); !strings.HasPrefix(p.header.Get("Location"), callback) {
		t.Fatalf("prompt honoured on a classic domain: %q", p.header.Get("Location"))
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
