package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/oauth2"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/federation/testidp"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// TestFederationBuiltInIdPAndSocial runs the server with --test-idp and a
// social type sent elsewhere (--social-endpoints Google=<a test IdP on its
// own listener>): an OIDC provider whose issuer is the server's own
// /_idp/corp, auto-approved, and Google through the override.
func TestFederationBuiltInIdPAndSocial(t *testing.T) {
	_, googleBase := startTestIdP(t, testidp.Options{AutoApprove: "g-123", Users: []testidp.User{
		{Subject: "g-123", Claims: map[string]any{"email": "gina@example.com", "email_verified": true, "name": "Gina"}},
	}})
	env := servertest.New(t, func(c *config.Config) {
		c.Federation.TestIdP = true
		c.Federation.TestIdPAutoApprove = true
		c.Federation.SocialEndpoints = map[string]string{"Google": googleBase + "/_idp/google"}
	})
	e := &oauthEnv{Env: env, t: t}
	e.pool = env.CreatePool(nil)
	if _, err := env.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(e.pool), Domain: aws.String(domainPrefix)}); err != nil {
		t.Fatal(err)
	}
	e.domain = env.URL + "/_domain/" + domainPrefix
	for _, p := range []struct {
		name    string
		typ     types.IdentityProviderTypeType
		details map[string]string
	}{
		{"Corp", types.IdentityProviderTypeTypeOidc, map[string]string{"client_id": "c", "client_secret": "s", "authorize_scopes": "openid email",
			"attributes_request_method": "GET", "oidc_issuer": env.URL + "/_idp/corp"}},
		{"Google", types.IdentityProviderTypeTypeGoogle, map[string]string{"client_id": "g", "client_secret": "s", "authorize_scopes": "openid email profile"}},
	} {
		if _, err := env.Client.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{UserPoolId: aws.String(e.pool), ProviderName: aws.String(p.name),
			ProviderType: p.typ, ProviderDetails: p.details, AttributeMapping: map[string]string{"email": "email", "name": "name"}}); err != nil {
			t.Fatalf("CreateIdentityProvider %s: %v", p.name, err)
		}
	}
	client := e.webClient(func(in *cip.CreateUserPoolClientInput) { in.SupportedIdentityProviders = []string{"Corp", "Google"} })
	conf := oauth2.Config{ClientID: aws.ToString(client.ClientId), RedirectURL: callbackURL, Scopes: []string{"openid", "email"},
		Endpoint: oauth2.Endpoint{AuthURL: e.domain + "/oauth2/authorize", TokenURL: e.domain + "/oauth2/token"}}
	const verifier = "v1-verifier-0123456789012345678901234567890123"

	// A client of providers only: the login page is their buttons.
	b := e.browser()
	login := follow(t, b, conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
	if login.Status != http.StatusOK || !strings.Contains(login.Body, "Continue with Corp") || !strings.Contains(login.Body, "Continue with Google") ||
		login.Form("cognitoSignInForm") != nil {
		t.Fatalf("login page of a providers-only client: %d\n%s", login.Status, login.Body)
	}

	for _, tc := range []struct{ provider, typ, username, email string }{
		{"Corp", "OIDC", "Corp_alice", "alice@example.com"},
		{"Google", "Google", "Google_g-123", "gina@example.com"},
	} {
		b := e.browser()
		done := follow(t, b, conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("identity_provider", tc.provider)))
		q := e.callback(done)
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("%s: code exchange: %v", tc.provider, err)
		}
		c := claims(t, tok.Extra("id_token").(string))
		if c["cognito:username"] != tc.username || c["email"] != tc.email {
			t.Errorf("%s: claims %v", tc.provider, c)
		}
		ids, _ := c["identities"].([]any)
		if len(ids) != 1 || ids[0].(map[string]any)["providerType"] != tc.typ {
			t.Errorf("%s: identities %v", tc.provider, c["identities"])
		}
	}
}

// TestFederationPoolToPool federates one pool to another pool of the same
// server through real HTTP: pool B's domain is pool A's OIDC provider
// (discovery, authorize with B's login page, code exchange with
// client_secret_post, ID token verification against B's JWKS, B's
// userInfo).
func TestFederationPoolToPool(t *testing.T) {
	a := newOAuthEnv(t, nil)
	upstream := a.CreatePool(&cip.CreateUserPoolInput{PoolName: aws.String("upstream")})
	if _, err := a.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(upstream), Domain: aws.String("upstream")}); err != nil {
		t.Fatal(err)
	}
	bClient, err := a.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(upstream), ClientName: aws.String("federation"), GenerateSecret: true,
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthScopes: []string{"openid", "email", "profile"}, SupportedIdentityProviders: []string{"COGNITO"},
		CallbackURLs: []string{a.domain + "/oauth2/idpresponse"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(upstream), Username: aws.String("upuser"),
		MessageAction: types.MessageActionTypeSuppress, UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("up@example.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(upstream), Username: aws.String("upuser"),
		Password: aws.String(userPassword), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Client.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: aws.String(a.pool), ProviderName: aws.String("Upstream"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails: map[string]string{"client_id": aws.ToString(bClient.UserPoolClient.ClientId), "client_secret": aws.ToString(bClient.UserPoolClient.ClientSecret),
			"authorize_scopes": "openid email", "attributes_request_method": "GET", "oidc_issuer": a.URL + "/" + upstream},
		AttributeMapping: map[string]string{"email": "email", "email_verified": "email_verified"},
	}); err != nil {
		t.Fatalf("CreateIdentityProvider of another pool: %v", err)
	}
	client := a.webClient(func(in *cip.CreateUserPoolClientInput) {
		in.SupportedIdentityProviders = []string{"COGNITO", "Upstream"}
	})
	a.conf.ClientID = aws.ToString(client.ClientId)
	const verifier = "v1-verifier-0123456789012345678901234567890123"
	b := a.browser()
	login := follow(t, b, a.conf.AuthCodeURL("app-state", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("identity_provider", "Upstream")))
	if !strings.Contains(login.URL, "/_domain/upstream/login") {
		t.Fatalf("not the upstream pool's login page: %s %d", login.URL, login.Status)
	}
	done := then(t, b, signIn(b, login, "upuser", userPassword))
	q := a.callback(done)
	tok, err := a.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	c := claims(t, tok.Extra("id_token").(string))
	upSub := ""
	if u, err := a.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(upstream), Username: aws.String("upuser")}); err == nil {
		upSub = attr(u, "sub")
	}
	if c["cognito:username"] != "Upstream_"+upSub || c["email"] != "up@example.com" || c["email_verified"] != true {
		t.Errorf("claims of the federated user: %v (upstream sub %s)", c, upSub)
	}
}
