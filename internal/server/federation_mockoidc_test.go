package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"
)

// TestFederationMockOIDC signs in through mockoidc, an OpenID provider we
// did not write, and has it send what must be refused: an ID token with
// another nonce, an expired one, and one from another issuer. Each
// refusal goes back to the app with "Invalid id_token received from IdP"
// and creates no user.
func TestFederationMockOIDC(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	e := newOAuthEnv(t, nil)
	cfg := m.Config()
	mk := func(name string, details map[string]string) {
		base := map[string]string{"client_id": cfg.ClientID, "client_secret": cfg.ClientSecret, "authorize_scopes": "openid email profile",
			"attributes_request_method": "GET"}
		for k, v := range details {
			base[k] = v
		}
		if _, err := e.Client.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{UserPoolId: aws.String(e.pool), ProviderName: aws.String(name),
			ProviderType: types.IdentityProviderTypeTypeOidc, ProviderDetails: base, AttributeMapping: map[string]string{"email": "email"}}); err != nil {
			t.Fatalf("CreateIdentityProvider %s: %v", name, err)
		}
	}
	mk("Mock", map[string]string{"oidc_issuer": m.Issuer()})
	// Loopback with a port of its own: the issuer names another server, so
	// discovery fails and the explicit endpoints (mockoidc's) are used.
	mk("Elsewhere", map[string]string{"oidc_issuer": "http://127.0.0.1:1/oidc", "authorize_url": m.AuthorizationEndpoint(),
		"token_url": m.TokenEndpoint(), "attributes_url": m.UserinfoEndpoint(), "jwks_uri": m.JWKSEndpoint()})
	client := e.webClient(func(in *cip.CreateUserPoolClientInput) { in.SupportedIdentityProviders = []string{"Mock", "Elsewhere"} })
	e.conf.ClientID = aws.ToString(client.ClientId)
	const verifier = "v1-verifier-0123456789012345678901234567890123"
	start := func(provider string) string {
		return e.conf.AuthCodeURL("app-state", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("identity_provider", provider))
	}

	m.QueueUser(&mockoidc.MockUser{Subject: "m-1", Email: "m1@example.com", EmailVerified: true})
	b := e.browser()
	q := e.callback(follow(t, b, start("Mock")))
	tok, err := e.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if c := claims(t, tok.Extra("id_token").(string)); c["cognito:username"] != "Mock_m-1" || c["email"] != "m1@example.com" {
		t.Errorf("claims %v", c)
	}

	refused := func(t *testing.T, p string, subject string) {
		t.Helper()
		loc, _ := url.Parse(p)
		if loc.Query().Get("error") != "invalid_request" || !strings.HasPrefix(loc.Query().Get("error_description"), "Invalid id_token received from IdP: ") ||
			loc.Query().Get("state") != "app-state" {
			t.Errorf("refusal = %s", p)
		}
		_, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String(subject)})
		wantAPIError[*types.UserNotFoundException](t, "user after a refused sign-in", err)
	}
	t.Run("nonce", func(t *testing.T) {
		m.QueueUser(&mockoidc.MockUser{Subject: "m-nonce", Email: "n@example.com"})
		b := e.browser()
		idp := b.Get(start("Mock")).Header.Get("Location")
		u, _ := url.Parse(idp)
		qq := u.Query()
		qq.Set("nonce", "someone-elses-nonce")
		u.RawQuery = qq.Encode()
		p := follow(t, b, u.String())
		if p.Status != http.StatusFound {
			t.Fatalf("%d %s", p.Status, p.Body)
		}
		refused(t, p.Header.Get("Location"), "Mock_m-nonce")
	})
	t.Run("expired", func(t *testing.T) {
		m.QueueUser(&mockoidc.MockUser{Subject: "m-old", Email: "o@example.com"})
		m.FastForward(-2 * time.Hour)
		defer m.FastForward(2 * time.Hour)
		p := follow(t, e.browser(), start("Mock"))
		refused(t, p.Header.Get("Location"), "Mock_m-old")
	})
	t.Run("wrong issuer", func(t *testing.T) {
		m.QueueUser(&mockoidc.MockUser{Subject: "m-iss", Email: "i@example.com"})
		p := follow(t, e.browser(), start("Elsewhere"))
		refused(t, p.Header.Get("Location"), "Elsewhere_m-iss")
	})
}
