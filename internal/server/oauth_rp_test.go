package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/userpoold/userpoold/internal/hostedui/hosteduitest"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// TestRelyingPartyCodeFlow is a web app signing a user in with
// golang.org/x/oauth2 (code + PKCE) and verifying what it got with go-oidc:
// discovery, the login page, the code exchange, the ID token (issuer,
// audience, nonce, at_hash), userInfo, refresh at the token endpoint and
// through the API, single sign-on for a second client, and logout.
func TestRelyingPartyCodeFlow(t *testing.T) {
	e := newOAuthEnv(t, nil)
	e.addUser("jane", "email", "jane@example.com", "email_verified", "true", "name", "Jane Roe", "phone_number", "+15555550100")

	// Discovery: the issuer the RP asked for, endpoints under the domain.
	var raw map[string]any
	if err := e.provider.Claims(&raw); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"issuer":                 e.URL + "/" + e.pool,
		"authorization_endpoint": e.domain + "/oauth2/authorize",
		"token_endpoint":         e.domain + "/oauth2/token",
		"userinfo_endpoint":      e.domain + "/oauth2/userInfo",
		"revocation_endpoint":    e.domain + "/oauth2/revoke",
		"end_session_endpoint":   e.domain + "/logout",
		"jwks_uri":               e.URL + "/" + e.pool + "/.well-known/jwks.json",
	} {
		if raw[k] != want {
			t.Errorf("discovery %s = %v, want %s", k, raw[k], want)
		}
	}

	b := e.browser()
	verifier := oauth2.GenerateVerifier()
	authURL := e.conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier), oidc.Nonce("nonce-1"))
	first := b.Get(authURL)
	if first.Status != http.StatusFound || !strings.HasPrefix(first.Header.Get("Location"), "/_domain/"+domainPrefix+"/login?") {
		t.Fatalf("authorize = %d %q", first.Status, first.Header.Get("Location"))
	}
	login := e.loginPage(b, authURL)
	if xsrf := b.Cookie(e.domain+"/login", "XSRF-TOKEN"); xsrf == nil || login.Input("_csrf") != xsrf.Value {
		t.Fatalf("_csrf %q does not equal the XSRF-TOKEN cookie %+v", login.Input("_csrf"), xsrf)
	}
	cb := e.callback(signIn(b, login, "jane", userPassword))
	if cb.Get("state") != "state-1" || cb.Get("code") == "" {
		t.Fatalf("callback = %v", cb)
	}

	tok, err := e.conf.Exchange(ctx, cb.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.TokenType != "Bearer" || tok.RefreshToken == "" || time.Until(tok.Expiry) < 50*time.Minute {
		t.Errorf("token = %+v", tok)
	}
	rawID, _ := tok.Extra("id_token").(string)
	idToken, err := e.provider.Verifier(&oidc.Config{ClientID: e.client}).Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("go-oidc Verify: %v", err)
	}
	if idToken.Nonce != "nonce-1" {
		t.Errorf("nonce = %q", idToken.Nonce)
	}
	if err := idToken.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	var idc struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
		Name          string `json:"name"`
		Phone         string `json:"phone_number"`
		Username      string `json:"cognito:username"`
	}
	if err := idToken.Claims(&idc); err != nil {
		t.Fatal(err)
	}
	// openid email profile: email and profile attributes, not the phone.
	if idc.Email != "jane@example.com" || !idc.EmailVerified || idc.Name != "Jane Roe" || idc.Phone != "" || idc.Username != "jane" {
		t.Errorf("ID token claims = %+v", idc)
	}
	access := claims(t, tok.AccessToken)
	if access["scope"] != "openid email profile" || access["iss"] != e.URL+"/"+e.pool || access["aud"] != nil || access["version"] != float64(2) || access["username"] != "jane" {
		t.Errorf("access token = %v", access)
	}

	info, err := e.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userInfo: %v", err)
	}
	var ui map[string]any
	info.Claims(&ui)
	if info.Subject != idToken.Subject || ui["email"] != "jane@example.com" || ui["email_verified"] != "true" || ui["username"] != "jane" || ui["phone_number"] != nil {
		t.Errorf("userInfo = %v", ui)
	}

	// Refresh at the token endpoint (x/oauth2's TokenSource) keeps the
	// scopes and the family.
	expired := &oauth2.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)}
	refreshed, err := e.conf.TokenSource(ctx, expired).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	ra := claims(t, refreshed.AccessToken)
	if ra["scope"] != access["scope"] || ra["origin_jti"] != access["origin_jti"] || refreshed.RefreshToken != tok.RefreshToken {
		t.Errorf("refreshed access token = %v (refresh token %q)", ra, refreshed.RefreshToken)
	}
	// ... and through the API, as Amplify refreshes OAuth sessions.
	api, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": tok.RefreshToken}})
	if err != nil {
		t.Fatalf("REFRESH_TOKEN_AUTH with an OAuth refresh token: %v", err)
	}
	if claims(t, aws.ToString(api.AuthenticationResult.AccessToken))["scope"] != "openid email profile" {
		t.Errorf("REFRESH_TOKEN_AUTH lost the scopes")
	}
	gt, err := e.Anonymous.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(e.client), RefreshToken: aws.String(tok.RefreshToken)})
	if err != nil || claims(t, aws.ToString(gt.AuthenticationResult.AccessToken))["scope"] != "openid email profile" {
		t.Errorf("GetTokensFromRefreshToken: %v", err)
	}
	// Without aws.cognito.signin.user.admin the token cannot call the API.
	if _, err := e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(tok.AccessToken)}); servertest.ErrorCode(err) != "NotAuthorizedException" {
		t.Errorf("GetUser with an OAuth token without the admin scope: %v", err)
	}

	// Single sign-on: the same browser, another client of the pool, no
	// password asked.
	other := e.webClient(nil)
	conf2 := e.conf
	conf2.ClientID = aws.ToString(other.ClientId)
	conf2.Scopes = []string{"openid", "aws.cognito.signin.user.admin"}
	v2 := oauth2.GenerateVerifier()
	sso := b.Get(conf2.AuthCodeURL("state-2", oauth2.S256ChallengeOption(v2)))
	cb2 := e.callback(sso)
	tok2, err := conf2.Exchange(ctx, cb2.Get("code"), oauth2.VerifierOption(v2))
	if err != nil {
		t.Fatalf("SSO exchange: %v", err)
	}
	// This one has the admin scope: the API accepts it.
	if u, err := e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(tok2.AccessToken)}); err != nil || aws.ToString(u.Username) != "jane" {
		t.Errorf("GetUser with an OAuth token with the admin scope: %v", err)
	}

	// Logout: back to the registered logout URL, and the session is gone.
	out := b.Get(e.domain + "/logout?" + url.Values{"client_id": {e.client}, "logout_uri": {logoutURL}}.Encode())
	if out.Status != http.StatusFound || out.Header.Get("Location") != logoutURL {
		t.Fatalf("logout = %d %q", out.Status, out.Header.Get("Location"))
	}
	again := b.Get(conf2.AuthCodeURL("state-3", oauth2.S256ChallengeOption(v2)))
	if !strings.Contains(again.Header.Get("Location"), "/login?") {
		t.Errorf("after logout, authorize went to %q, want the login page", again.Header.Get("Location"))
	}

	// Revocation: the refresh token and its access tokens stop working.
	code, _, body := post(t, e.domain+"/oauth2/revoke", url.Values{"token": {tok.RefreshToken}, "client_id": {e.client}}, "", "")
	if code != 200 || body != "" {
		t.Fatalf("revoke = %d %q", code, body)
	}
	if _, err := e.conf.TokenSource(ctx, expired).Token(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("refresh after revocation: %v", err)
	}
	if _, err := e.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("userInfo accepted a revoked access token")
	}
}

// TestConfidentialClientAndClientCredentials: a client with a secret uses
// client_secret_basic and client_secret_post, and a machine client gets
// client_credentials tokens with custom scopes (clientcredentials.Config).
func TestConfidentialClientAndClientCredentials(t *testing.T) {
	e := newOAuthEnv(t, nil)
	e.addUser("max", "email", "max@example.com", "email_verified", "true")
	api := "https://api.example.com"
	if _, err := e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String(e.pool), Identifier: aws.String(api), Name: aws.String("API"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("r")}, {ScopeName: aws.String("write"), ScopeDescription: aws.String("w")}}}); err != nil {
		t.Fatal(err)
	}
	conf := e.webClient(func(in *cip.CreateUserPoolClientInput) {
		in.GenerateSecret = true
		in.AllowedOAuthFlows = []types.OAuthFlowType{types.OAuthFlowTypeCode}
		in.AllowedOAuthScopes = []string{"openid", api + "/read"}
	})
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		c := oauth2.Config{ClientID: aws.ToString(conf.ClientId), ClientSecret: aws.ToString(conf.ClientSecret), RedirectURL: callbackURL,
			Scopes: []string{"openid", api + "/read"}, Endpoint: e.provider.Endpoint()}
		c.Endpoint.AuthStyle = style
		b := e.browser()
		cb := e.callback(signIn(b, e.loginPage(b, c.AuthCodeURL("s")), "max", userPassword))
		tok, err := c.Exchange(ctx, cb.Get("code"))
		if err != nil {
			t.Fatalf("exchange (auth style %d): %v", style, err)
		}
		if claims(t, tok.AccessToken)["scope"] != "openid "+api+"/read" {
			t.Errorf("scope = %v", claims(t, tok.AccessToken)["scope"])
		}
		// A wrong secret is invalid_client.
		c.ClientSecret = "wrong"
		if _, err := c.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil || !strings.Contains(err.Error(), "invalid_client") {
			t.Errorf("refresh with a wrong secret (auth style %d): %v", style, err)
		}
	}

	m2m := e.webClient(func(in *cip.CreateUserPoolClientInput) {
		in.GenerateSecret = true
		in.AllowedOAuthFlows = []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}
		in.AllowedOAuthScopes = []string{api + "/read", api + "/write"}
		in.CallbackURLs, in.LogoutURLs, in.SupportedIdentityProviders = nil, nil, nil
	})
	cc := clientcredentials.Config{ClientID: aws.ToString(m2m.ClientId), ClientSecret: aws.ToString(m2m.ClientSecret), TokenURL: e.provider.Endpoint().TokenURL}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client_credentials: %v", err)
	}
	c := claims(t, tok.AccessToken)
	if c["scope"] != api+"/read "+api+"/write" || c["sub"] != aws.ToString(m2m.ClientId) || c["username"] != nil || c["token_use"] != "access" {
		t.Errorf("client_credentials token = %v", c)
	}
	if tok.Extra("id_token") != nil || tok.RefreshToken != "" {
		t.Errorf("client_credentials gave an ID or refresh token: %+v", tok)
	}
	cc.Scopes = []string{api + "/write"}
	if tok, err = cc.Token(ctx); err != nil || claims(t, tok.AccessToken)["scope"] != api+"/write" {
		t.Errorf("client_credentials with one scope: %v", err)
	}
	cc.Scopes = []string{api + "/admin"}
	if _, err := cc.Token(ctx); err == nil || !strings.Contains(err.Error(), "invalid_scope") {
		t.Errorf("client_credentials with a scope the client lacks: %v", err)
	}
	// A scope deleted from its server is dropped from the grant.
	if _, err := e.Client.UpdateResourceServer(ctx, &cip.UpdateResourceServerInput{UserPoolId: aws.String(e.pool), Identifier: aws.String(api), Name: aws.String("API"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("r")}}}); err != nil {
		t.Fatal(err)
	}
	cc.Scopes = nil
	if tok, err = cc.Token(ctx); err != nil || claims(t, tok.AccessToken)["scope"] != api+"/read" {
		t.Errorf("client_credentials after the write scope was deleted: %v", err)
	}
}

// TestImplicitAndHostForm runs the implicit flow (tokens in the fragment)
// on the host-form address of the domain: a request whose Host is
// myapp.auth.us-east-1.amazoncognito.com.
func TestImplicitAndHostForm(t *testing.T) {
	e := newOAuthEnv(t, nil)
	e.addUser("ivy", "email", "ivy@example.com")
	host := domainPrefix + ".auth.us-east-1.amazoncognito.com"
	b := e.browser()
	// Send every request to the test server with the domain's Host.
	b.Client.Transport = hostRewriter{host: host, to: strings.TrimPrefix(e.URL, "http://")}
	b.Base = "http://" + host
	q := url.Values{"client_id": {e.client}, "response_type": {"token"}, "redirect_uri": {callbackURL}, "scope": {"openid email"}, "state": {"imp"}, "nonce": {"n-imp"}}
	login := e.loginPage(b, "http://"+host+"/oauth2/authorize?"+q.Encode())
	if action, _ := hosteduitest.Attr(login.Form("cognitoSignInForm"), "action"); !strings.HasPrefix(action, "/login?") {
		t.Errorf("host-form form action %q, want /login?...", action)
	}
	frag := e.callback(signIn(b, login, "ivy", userPassword))
	if frag.Get("token_type") != "bearer" || frag.Get("state") != "imp" || frag.Get("expires_in") != "3600" || frag.Get("refresh_token") != "" {
		t.Fatalf("implicit fragment = %v", frag)
	}
	id := claims(t, frag.Get("id_token"))
	if id["nonce"] != "n-imp" || id["aud"] != e.client || id["email"] != "ivy@example.com" {
		t.Errorf("implicit ID token = %v", id)
	}
	if got := claims(t, frag.Get("access_token"))["scope"]; got != "openid email" {
		t.Errorf("implicit access scope = %v", got)
	}
	if !slices.Contains([]string{"DENY"}, login.Header.Get("X-Frame-Options")) {
		t.Errorf("X-Frame-Options = %q", login.Header.Get("X-Frame-Options"))
	}
}

// hostRewriter sends requests for host to the test server, keeping the
// Host header: what a hosts-file entry pointing the name at 127.0.0.1 does.
type hostRewriter struct{ host, to string }

func (h hostRewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.URL.Host == h.host {
		r.URL.Host = h.to
		r.Host = h.host
	}
	return http.DefaultTransport.RoundTrip(r)
}
