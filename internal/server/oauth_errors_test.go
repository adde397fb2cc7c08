package server_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/oauth2"
)

// These tests go through every error path of the OAuth endpoints the spec
// describes (cognito-oauth2-hosted-ui.md §4.2, §6, §8, §9, §10), over
// HTTP against the real server.

// TestAuthorizeErrors: an unusable client or redirect URI is an error page
// and never a redirect (no open redirect); any other bad request goes back
// to the registered callback with error= and the state.
func TestAuthorizeErrors(t *testing.T) {
	e := newOAuthEnv(t, nil)
	codeOnly := aws.ToString(e.webClient(func(in *cip.CreateUserPoolClientInput) {
		in.AllowedOAuthFlows = []types.OAuthFlowType{types.OAuthFlowTypeCode}
		in.AllowedOAuthScopes = []string{"openid"}
	}).ClientId)
	noOAuth := aws.ToString(e.webClient(func(in *cip.CreateUserPoolClientInput) {
		in.AllowedOAuthFlowsUserPoolClient, in.AllowedOAuthFlows, in.AllowedOAuthScopes = false, nil, nil
	}).ClientId)
	otherPool := e.CreatePool(&cip.CreateUserPoolInput{PoolName: aws.String("other")})
	foreign, err := e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(otherPool), ClientName: aws.String("f"),
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthScopes: []string{"openid"}, CallbackURLs: []string{callbackURL}})
	if err != nil {
		t.Fatal(err)
	}
	base := func(client string) url.Values {
		return url.Values{"client_id": {client}, "response_type": {"code"}, "redirect_uri": {callbackURL}, "state": {"st"}}
	}
	b := e.browser()
	for name, tc := range map[string]struct {
		q         url.Values
		page      string // the error page's text, when it must not redirect
		redirects string // the error= code, when it redirects
	}{
		"no client_id":      {q: url.Values{"response_type": {"code"}, "redirect_uri": {callbackURL}}, page: "Required String parameter 'client_id' is not present"},
		"unknown client":    {q: base("nonexistentclient000000000"), page: "Client nonexistentclient000000000 does not exist."},
		"client of another": {q: base(aws.ToString(foreign.UserPoolClient.ClientId)), page: "does not exist."},
		"unregistered redirect": {q: func() url.Values {
			q := base(e.client)
			q.Set("redirect_uri", "https://evil.example.com/cb")
			return q
		}(), page: "redirect_mismatch"},
		"missing redirect": {q: url.Values{"client_id": {e.client}, "response_type": {"code"}}, page: "Required String parameter 'redirect_uri' is not present"},
		"no response_type": {q: url.Values{"client_id": {e.client}, "redirect_uri": {callbackURL}, "state": {"st"}}, redirects: "invalid_request"},
		"bad response_type": {q: func() url.Values {
			q := base(e.client)
			q.Set("response_type", "id_token")
			return q
		}(), redirects: "invalid_request"},
		"implicit not allowed": {q: func() url.Values {
			q := base(codeOnly)
			q.Set("response_type", "token")
			return q
		}(), redirects: "unauthorized_client"},
		"OAuth off for the client": {q: base(noOAuth), redirects: "unauthorized_client"},
		"plain PKCE": {q: func() url.Values {
			q := base(e.client)
			q.Set("code_challenge", strings.Repeat("a", 43))
			q.Set("code_challenge_method", "plain")
			return q
		}(), redirects: "invalid_request"},
		"PKCE method without challenge": {q: func() url.Values {
			q := base(e.client)
			q.Set("code_challenge_method", "S256")
			return q
		}(), redirects: "invalid_request"},
		"scope not allowed": {q: func() url.Values {
			q := base(codeOnly)
			q.Set("scope", "openid email")
			return q
		}(), redirects: "invalid_scope"},
		"unsupported identity provider": {q: func() url.Values {
			q := base(e.client)
			q.Set("identity_provider", "Google")
			return q
		}(), redirects: "invalid_request"},
		"state sent twice": {q: func() url.Values {
			q := base(e.client)
			q.Add("state", "again")
			return q
		}(), redirects: "invalid_request"},
	} {
		p := b.Get(e.domain + "/oauth2/authorize?" + tc.q.Encode())
		if tc.page != "" {
			if p.Status != http.StatusBadRequest || p.Header.Get("Location") != "" || !strings.Contains(html.UnescapeString(p.Body), tc.page) || p.Header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("%s: %d Location %q, want an error page with %q:\n%s", name, p.Status, p.Header.Get("Location"), tc.page, p.Body)
			}
			continue
		}
		cb := e.callback(p)
		if cb.Get("error") != tc.redirects || cb.Get("state") != "st" || cb.Get("code") != "" {
			t.Errorf("%s: redirected with %v, want error=%s", name, cb, tc.redirects)
		}
	}

	// prompt is honoured on managed login (version 2) domains only.
	q := base(e.client)
	q.Set("prompt", "none")
	if p := b.Get(e.domain + "/oauth2/authorize?" + q.Encode()); !strings.Contains(p.Header.Get("Location"), "/login?") {
		t.Errorf("prompt=none on a classic domain went to %q, want the login page", p.Header.Get("Location"))
	}
	if _, err := e.Client.UpdateUserPoolDomain(ctx, &cip.UpdateUserPoolDomainInput{UserPoolId: aws.String(e.pool), Domain: aws.String(domainPrefix), ManagedLoginVersion: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	if cb := e.callback(b.Get(e.domain + "/oauth2/authorize?" + q.Encode())); cb.Get("error") != "login_required" || cb.Get("state") != "st" {
		t.Errorf("prompt=none on a managed login domain = %v", cb)
	}
	// An unknown domain is a 404 page.
	if p := b.Get(e.URL + "/_domain/nobody/oauth2/authorize?" + base(e.client).Encode()); p.Status != http.StatusNotFound {
		t.Errorf("unknown domain = %d", p.Status)
	}
}

// tokenError checks a token-endpoint error answer: status, the spec's
// {"error":...} body without error_description, the JSON content type.
func tokenError(t *testing.T, what string, code int, h http.Header, body string, wantStatus int, want string) {
	t.Helper()
	var v map[string]string
	if code != wantStatus || json.Unmarshal([]byte(body), &v) != nil || v["error"] != want || len(v) != 1 || h.Get("Content-Type") != "application/json;charset=UTF-8" {
		t.Errorf("%s: %d %s %q, want %d {\"error\":%q}", what, code, h.Get("Content-Type"), body, wantStatus, want)
	}
}

// codeFor signs user in through the pages with a fresh browser and
// returns an authorization code for client (PKCE with verifier when it is
// not "").
func (e *oauthEnv) codeFor(client, user, verifier string) string {
	e.t.Helper()
	c := e.conf
	c.ClientID = client
	var opts []oauth2.AuthCodeOption
	if verifier != "" {
		opts = append(opts, oauth2.S256ChallengeOption(verifier))
	}
	b := e.browser()
	return e.callback(signIn(b, e.loginPage(b, c.AuthCodeURL("s", opts...)), user, userPassword)).Get("code")
}

func TestTokenEndpointErrors(t *testing.T) {
	e := newOAuthEnv(t, nil)
	e.addUser("tom", "email", "tom@example.com")
	token := e.domain + "/oauth2/token"
	secret := e.webClient(func(in *cip.CreateUserPoolClientInput) { in.GenerateSecret = true })
	secretID, secretValue := aws.ToString(secret.ClientId), aws.ToString(secret.ClientSecret)
	m2mOff := e.webClient(func(in *cip.CreateUserPoolClientInput) {
		in.GenerateSecret, in.AllowedOAuthFlowsUserPoolClient, in.AllowedOAuthFlows, in.AllowedOAuthScopes = true, false, nil, nil
	})

	// Method and content type: an empty 405.
	resp, err := http.Get(token)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /oauth2/token = %d", resp.StatusCode)
	}
	resp, err = http.Post(token, "application/json", strings.NewReader(`{"grant_type":"client_credentials"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("JSON body = %d", resp.StatusCode)
	}

	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	verifier := oauth2.GenerateVerifier()
	code := e.codeFor(e.client, "tom", verifier)
	exchange := form("grant_type", "authorization_code", "client_id", e.client, "code", code, "redirect_uri", callbackURL, "code_verifier", verifier)

	for _, tc := range []struct {
		name          string
		form          url.Values
		basic, secret string
		status        int
		error         string
	}{
		{"no grant_type", form("client_id", e.client), "", "", 400, "invalid_request"},
		{"unknown grant", form("grant_type", "password", "client_id", e.client), "", "", 400, "unsupported_grant_type"},
		{"no client", form("grant_type", "client_credentials"), "", "", 400, "invalid_request"},
		{"unknown client (post)", form("grant_type", "client_credentials", "client_id", "nobody", "client_secret", "x"), "", "", 400, "invalid_client"},
		{"unknown client (basic)", form("grant_type", "client_credentials"), "nobody", "x", 401, "invalid_client"},
		{"wrong secret (basic)", form("grant_type", "authorization_code", "code", "x", "redirect_uri", callbackURL), secretID, "wrong", 401, "invalid_client"},
		{"missing secret", form("grant_type", "authorization_code", "client_id", secretID, "code", "x", "redirect_uri", callbackURL), "", "", 400, "invalid_client"},
		{"secret for a public client", form("grant_type", "authorization_code", "client_id", e.client, "client_secret", "x", "code", "x", "redirect_uri", callbackURL), "", "", 400, "invalid_client"},
		{"parameter twice", form("grant_type", "authorization_code", "grant_type", "authorization_code", "client_id", e.client), "", "", 400, "invalid_request"},
		{"no code", form("grant_type", "authorization_code", "client_id", e.client, "redirect_uri", callbackURL), "", "", 400, "invalid_request"},
		{"unknown code", form("grant_type", "authorization_code", "client_id", e.client, "code", "3c6e5b5e-0000-4000-8000-000000000000", "redirect_uri", callbackURL), "", "", 400, "invalid_grant"},
		{"client_credentials for a public client", form("grant_type", "client_credentials", "client_id", e.client), "", "", 400, "unauthorized_client"},
		{"client_credentials for a code client", form("grant_type", "client_credentials"), secretID, secretValue, 400, "unauthorized_client"},
		{"client_credentials with OAuth off", form("grant_type", "client_credentials"), aws.ToString(m2mOff.ClientId), aws.ToString(m2mOff.ClientSecret), 400, "invalid_grant"},
		{"garbage refresh token", form("grant_type", "refresh_token", "client_id", e.client, "refresh_token", "garbage"), "", "", 400, "invalid_grant"},
		{"no refresh token", form("grant_type", "refresh_token", "client_id", e.client), "", "", 400, "invalid_request"},
	} {
		status, h, body := post(t, token, tc.form, tc.basic, tc.secret)
		tokenError(t, tc.name, status, h, body, tc.status, tc.error)
		if tc.status == 401 && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("%s: WWW-Authenticate = %q", tc.name, h.Get("WWW-Authenticate"))
		}
	}

	// A code is bound to its client and redirect URI, and to the PKCE
	// challenge; any failed exchange spends it (UNCONFIRMED, spec §20.12).
	bad := form("grant_type", "authorization_code", "client_id", e.client, "code", code, "redirect_uri", "http://localhost:8080/other", "code_verifier", verifier)
	status, h, body := post(t, token, bad, "", "")
	tokenError(t, "other redirect_uri", status, h, body, 400, "invalid_grant")
	status, h, body = post(t, token, exchange, "", "")
	tokenError(t, "a code spent by a failed exchange", status, h, body, 400, "invalid_grant")

	code = e.codeFor(e.client, "tom", verifier)
	wrongPKCE := form("grant_type", "authorization_code", "client_id", e.client, "code", code, "redirect_uri", callbackURL, "code_verifier", oauth2.GenerateVerifier())
	status, h, body = post(t, token, wrongPKCE, "", "")
	tokenError(t, "wrong code_verifier", status, h, body, 400, "invalid_request")
	exchange.Set("code", code)
	status, h, body = post(t, token, exchange, "", "")
	tokenError(t, "retry after a PKCE failure", status, h, body, 400, "invalid_grant")

	code = e.codeFor(e.client, "tom", verifier)
	noVerifier := form("grant_type", "authorization_code", "client_id", e.client, "code", code, "redirect_uri", callbackURL)
	status, h, body = post(t, token, noVerifier, "", "")
	tokenError(t, "missing code_verifier", status, h, body, 400, "invalid_request")

	code = e.codeFor(e.client, "tom", verifier)
	otherClient := form("grant_type", "authorization_code", "code", code, "redirect_uri", callbackURL, "code_verifier", verifier)
	status, h, body = post(t, token, otherClient, secretID, secretValue)
	tokenError(t, "a code of another client", status, h, body, 400, "invalid_grant")

	// Codes last five minutes.
	now := e.frozen()
	code = e.codeFor(e.client, "tom", verifier)
	e.Clock.Set(now.Add(5*time.Minute + time.Second))
	exchange.Set("code", code)
	status, h, body = post(t, token, exchange, "", "")
	tokenError(t, "expired code", status, h, body, 400, "invalid_grant")
	e.Clock.Set(now)

	// A good exchange, then the code is spent.
	code = e.codeFor(e.client, "tom", verifier)
	exchange.Set("code", code)
	status, h, body = post(t, token, exchange, "", "")
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		IDToken      string `json:"id_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int    `json:"expires_in"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &tok) != nil || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("exchange = %d %v %s", status, h, body)
	}
	status, h, body = post(t, token, exchange, "", "")
	tokenError(t, "code reuse", status, h, body, 400, "invalid_grant")

	// A disabled user's refresh token no longer works.
	if _, err := e.Client.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("tom")}); err != nil {
		t.Fatal(err)
	}
	status, h, body = post(t, token, form("grant_type", "refresh_token", "client_id", e.client, "refresh_token", tok.RefreshToken), "", "")
	tokenError(t, "refresh of a disabled user", status, h, body, 400, "invalid_grant")

	// Browsers may call it: preflight and CORS headers.
	req, _ := http.NewRequest(http.MethodOptions, token, nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight = %d %v", resp.StatusCode, resp.Header)
	}
}

func TestUserInfoAndRevokeErrors(t *testing.T) {
	e := newOAuthEnv(t, nil)
	e.addUser("una", "email", "una@example.com")
	userInfo := e.domain + "/oauth2/userInfo"
	call := func(method, auth string) (int, http.Header, string) {
		req, _ := http.NewRequest(method, userInfo, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 2048)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		return resp.StatusCode, resp.Header, b.String()
	}
	expired := `error="invalid_token", error_description="Access token is expired, disabled, or deleted, or the user has globally signed out."`
	for name, tc := range map[string]struct {
		auth   string
		status int
		header string
	}{
		"no token":      {"", 400, `error="invalid_request", error_description="Bad OAuth2 request at UserInfo Endpoint"`},
		"not bearer":    {"Basic eDp5", 400, `error="invalid_request", error_description="Bad OAuth2 request at UserInfo Endpoint"`},
		"garbage token": {"Bearer abc.def.ghi", 401, expired},
	} {
		status, h, _ := call(http.MethodGet, tc.auth)
		if status != tc.status || h.Get("WWW-Authenticate") != tc.header {
			t.Errorf("userInfo %s = %d %q", name, status, h.Get("WWW-Authenticate"))
		}
	}
	// An API sign-in's token has no openid scope.
	api := e.webClient(func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	})
	out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: api.ClientId, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "una", "PASSWORD": userPassword}})
	if err != nil {
		t.Fatal(err)
	}
	status, h, _ := call(http.MethodGet, "Bearer "+aws.ToString(out.AuthenticationResult.AccessToken))
	if status != 401 || h.Get("WWW-Authenticate") != `error="invalid_token", error_description="Access token does not contain openid scope"` {
		t.Errorf("userInfo with an API token = %d %q", status, h.Get("WWW-Authenticate"))
	}
	// An OAuth token works with GET and POST, and not once expired.
	now := e.frozen()
	verifier := oauth2.GenerateVerifier()
	tok, err := e.conf.Exchange(ctx, e.codeFor(e.client, "una", verifier), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if status, h, body := call(m, "Bearer "+tok.AccessToken); status != 200 || !strings.Contains(body, `"email":"una@example.com"`) || h.Get("Cache-Control") != "no-cache, no-store, max-age=0, must-revalidate" {
			t.Errorf("userInfo %s = %d %s", m, status, body)
		}
	}
	e.Clock.Set(now.Add(time.Hour + time.Second))
	if status, h, _ := call(http.MethodGet, "Bearer "+tok.AccessToken); status != 401 || h.Get("WWW-Authenticate") != expired {
		t.Errorf("userInfo with an expired token = %d %q", status, h.Get("WWW-Authenticate"))
	}
	e.Clock.Set(now)

	revoke := e.domain + "/oauth2/revoke"
	status, h, body := post(t, revoke, url.Values{"token": {tok.AccessToken}, "client_id": {e.client}}, "", "")
	tokenError(t, "revoking an access token", status, h, body, 400, "unsupported_token_type")
	status, h, body = post(t, revoke, url.Values{"client_id": {e.client}}, "", "")
	tokenError(t, "revoking nothing", status, h, body, 400, "invalid_request")
	status, h, body = post(t, revoke, url.Values{"token": {tok.RefreshToken}}, "nobody", "x")
	tokenError(t, "revoking for an unknown client", status, h, body, 401, "invalid_client")
	noRevocation := e.webClient(func(in *cip.CreateUserPoolClientInput) { in.EnableTokenRevocation = aws.Bool(false) })
	status, h, body = post(t, revoke, url.Values{"token": {tok.RefreshToken}, "client_id": {aws.ToString(noRevocation.ClientId)}}, "", "")
	tokenError(t, "revocation disabled", status, h, body, 400, "invalid_request")
	status, h, body = post(t, revoke, url.Values{"token": {tok.RefreshToken}, "client_id": {aws.ToString(api.ClientId)}}, "", "")
	tokenError(t, "another client's token", status, h, body, 400, "invalid_request")
	for _, tc := range []string{tok.RefreshToken, tok.RefreshToken, "eyJnot.a.refresh.token.x"} {
		if status, _, body := post(t, revoke, url.Values{"token": {tc}, "client_id": {e.client}}, "", ""); status != 200 || body != "" {
			t.Errorf("revoke (twice, then garbage) = %d %q", status, body)
		}
	}
}

func TestLogoutErrors(t *testing.T) {
	e := newOAuthEnv(t, nil)
	b := e.browser()
	logout := func(q url.Values) (int, string, string) {
		p := b.Get(e.domain + "/logout?" + q.Encode())
		return p.Status, p.Header.Get("Location"), p.Body
	}
	if status, _, body := logout(url.Values{"client_id": {e.client}, "logout_uri": {"https://evil.example.com/"}}); status != 400 || !strings.Contains(body, "Required String parameter &#39;redirect_uri&#39; is not present") {
		t.Errorf("unregistered logout_uri = %d %s", status, body)
	}
	if status, _, body := logout(url.Values{"logout_uri": {logoutURL}}); status != 400 || !strings.Contains(body, "client_id") {
		t.Errorf("no client_id = %d %s", status, body)
	}
	if status, _, body := logout(url.Values{"client_id": {"nobody"}, "logout_uri": {logoutURL}}); status != 400 || !strings.Contains(body, "does not exist") {
		t.Errorf("unknown client = %d %s", status, body)
	}
	// Shape 2: redirect_uri and response_type lead to the login page.
	status, loc, _ := logout(url.Values{"client_id": {e.client}, "redirect_uri": {callbackURL}, "response_type": {"code"}, "state": {"x"}})
	if status != 302 || !strings.HasPrefix(loc, "/_domain/"+domainPrefix+"/login?") {
		t.Errorf("logout shape 2 = %d %q", status, loc)
	}
	// OIDC's parameters are not Cognito's: post_logout_redirect_uri is
	// ignored, so nothing redirects there.
	if status, loc, _ := logout(url.Values{"client_id": {e.client}, "post_logout_redirect_uri": {logoutURL}}); status != 400 || loc != "" {
		t.Errorf("post_logout_redirect_uri = %d %q", status, loc)
	}
}
