package server_test

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/federation/testidp"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// startTestIdP serves the built-in test IdP on its own listener, as an
// upstream on another origin would be.
func startTestIdP(t *testing.T, opts testidp.Options) (*testidp.Server, string) {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	opts.BaseURL = "http://" + hs.Listener.Addr().String()
	idp, err := testidp.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = idp
	hs.Start()
	t.Cleanup(hs.Close)
	return idp, hs.URL
}

func wantAPIError[T error](t *testing.T, what string, err error) {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Errorf("%s: got %v, want %T", what, err, target)
	}
}

// TestIdentityProviderOperations drives the identity provider operations
// through the SDK: per-type details as Describe shows them, the errors of
// names and identifiers, listing, updating, deleting, the pool's SAML
// certificate, and clients naming providers.
func TestIdentityProviderOperations(t *testing.T) {
	env := servertest.New(t)
	idp, _ := startTestIdP(t, testidp.Options{})
	pool := env.CreatePool(nil)
	c := env.Client

	oidcOut, err := c.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: aws.String(pool), ProviderName: aws.String("Corp"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails: map[string]string{"client_id": "cid", "client_secret": "csecret", "authorize_scopes": "openid email",
			"attributes_request_method": "GET", "oidc_issuer": idp.Issuer("corp")},
		AttributeMapping: map[string]string{"email": "email"},
		IdpIdentifiers:   []string{"corp.example"},
	})
	if err != nil {
		t.Fatalf("CreateIdentityProvider OIDC: %v", err)
	}
	d := oidcOut.IdentityProvider.ProviderDetails
	for k, want := range map[string]string{
		"client_secret": "csecret", "attributes_url_add_attributes": "false",
		"authorize_url": idp.Issuer("corp") + "/authorize", "token_url": idp.Issuer("corp") + "/token",
		"jwks_uri": idp.Issuer("corp") + "/jwks",
	} {
		if d[k] != want {
			t.Errorf("OIDC ProviderDetails[%s] = %q, want %q", k, d[k], want)
		}
	}
	if got := oidcOut.IdentityProvider.AttributeMapping["username"]; got != "sub" {
		t.Errorf("AttributeMapping username = %q, want sub", got)
	}

	g, err := c.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: aws.String(pool), ProviderName: aws.String("Google"), ProviderType: types.IdentityProviderTypeTypeGoogle,
		ProviderDetails: map[string]string{"client_id": "gid", "client_secret": "gsecret", "authorize_scopes": "openid email profile"},
	})
	if err != nil {
		t.Fatalf("CreateIdentityProvider Google: %v", err)
	}
	if got := g.IdentityProvider.ProviderDetails["authorize_url"]; got != "https://accounts.google.com/o/oauth2/v2/auth" {
		t.Errorf("Google authorize_url = %q", got)
	}

	saml, err := c.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: aws.String(pool), ProviderName: aws.String("Okta"), ProviderType: types.IdentityProviderTypeTypeSaml,
		ProviderDetails:  map[string]string{"MetadataURL": idp.Issuer("okta") + "/saml/metadata", "EncryptedResponses": "true"},
		AttributeMapping: map[string]string{"email": "email"},
	})
	if err != nil {
		t.Fatalf("CreateIdentityProvider SAML: %v", err)
	}
	cert, err := c.GetSigningCertificate(ctx, &cip.GetSigningCertificateInput{UserPoolId: aws.String(pool)})
	if err != nil {
		t.Fatal(err)
	}
	der, err := base64.StdEncoding.DecodeString(aws.ToString(cert.Certificate))
	if err != nil {
		t.Fatalf("certificate is not base64: %v", err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Subject.CommonName != "urn:amazon:cognito:sp:"+pool {
		t.Errorf("certificate subject %q", parsed.Subject.CommonName)
	}
	if got := saml.IdentityProvider.ProviderDetails["ActiveEncryptionCertificate"]; got != aws.ToString(cert.Certificate) {
		t.Errorf("ActiveEncryptionCertificate differs from GetSigningCertificate")
	}
	if saml.IdentityProvider.ProviderDetails["SSORedirectBindingURI"] != idp.Issuer("okta")+"/saml/sso" {
		t.Errorf("SSORedirectBindingURI = %q", saml.IdentityProvider.ProviderDetails["SSORedirectBindingURI"])
	}
	again, err := c.GetSigningCertificate(ctx, &cip.GetSigningCertificateInput{UserPoolId: aws.String(pool)})
	if err != nil || aws.ToString(again.Certificate) != aws.ToString(cert.Certificate) {
		t.Errorf("GetSigningCertificate is not stable: %v", err)
	}

	// Errors: nothing is stored.
	_, err = c.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: aws.String(pool), ProviderName: aws.String("Corp"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails: map[string]string{"client_id": "x", "client_secret": "y", "authorize_scopes": "openid", "attributes_request_method": "GET", "oidc_issuer": idp.Issuer("x")},
	})
	wantAPIError[*types.DuplicateProviderException](t, "duplicate name", err)
	_, err = c.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: aws.String(pool), ProviderName: aws.String("Other"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails: map[string]string{"client_id": "x", "client_secret": "y", "authorize_scopes": "openid", "attributes_request_method": "GET", "oidc_issuer": idp.Issuer("x")},
		IdpIdentifiers:  []string{"corp.example"},
	})
	wantAPIError[*types.DuplicateProviderException](t, "duplicate identifier", err)
	_, err = c.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: aws.String(pool), ProviderName: aws.String("Goog"), ProviderType: types.IdentityProviderTypeTypeGoogle,
		ProviderDetails: map[string]string{"client_id": "gid", "client_secret": "s", "authorize_scopes": "openid"},
	})
	wantAPIError[*types.InvalidParameterException](t, "social type under another name", err)
	_, err = c.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: aws.String(pool), ProviderName: aws.String("Bad"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails:  map[string]string{"client_id": "x", "client_secret": "y", "authorize_scopes": "openid", "attributes_request_method": "GET", "oidc_issuer": idp.Issuer("x")},
		AttributeMapping: map[string]string{"sub": "sub"},
	})
	wantAPIError[*types.InvalidParameterException](t, "mapping sub", err)
	_, err = c.DescribeIdentityProvider(ctx, &cip.DescribeIdentityProviderInput{UserPoolId: aws.String(pool), ProviderName: aws.String("Bad")})
	wantAPIError[*types.ResourceNotFoundException](t, "Describe a refused provider", err)

	byID, err := c.GetIdentityProviderByIdentifier(ctx, &cip.GetIdentityProviderByIdentifierInput{UserPoolId: aws.String(pool), IdpIdentifier: aws.String("corp.example")})
	if err != nil || aws.ToString(byID.IdentityProvider.ProviderName) != "Corp" {
		t.Errorf("GetIdentityProviderByIdentifier: %v", err)
	}
	_, err = c.GetIdentityProviderByIdentifier(ctx, &cip.GetIdentityProviderByIdentifierInput{UserPoolId: aws.String(pool), IdpIdentifier: aws.String("nope")})
	wantAPIError[*types.ResourceNotFoundException](t, "unknown identifier", err)

	var names []string
	var next *string
	for {
		page, err := c.ListIdentityProviders(ctx, &cip.ListIdentityProvidersInput{UserPoolId: aws.String(pool), MaxResults: aws.Int32(2), NextToken: next})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Providers {
			names = append(names, aws.ToString(p.ProviderName))
		}
		if next = page.NextToken; next == nil {
			break
		}
	}
	if want := []string{"Corp", "Google", "Okta"}; !equalStrings(names, want) {
		t.Errorf("ListIdentityProviders = %v, want %v", names, want)
	}

	up, err := c.UpdateIdentityProvider(ctx, &cip.UpdateIdentityProviderInput{UserPoolId: aws.String(pool), ProviderName: aws.String("Corp"),
		AttributeMapping: map[string]string{"email": "email", "name": "name"}})
	if err != nil {
		t.Fatal(err)
	}
	if up.IdentityProvider.AttributeMapping["name"] != "name" || up.IdentityProvider.ProviderDetails["client_secret"] != "csecret" {
		t.Errorf("UpdateIdentityProvider: %+v", up.IdentityProvider)
	}
	_, err = c.UpdateIdentityProvider(ctx, &cip.UpdateIdentityProviderInput{UserPoolId: aws.String(pool), ProviderName: aws.String("Nope"), AttributeMapping: map[string]string{}})
	wantAPIError[*types.ResourceNotFoundException](t, "Update an unknown provider", err)

	// Clients may name the pool's providers, and only them.
	env.CreateClient(pool, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(pool), ClientName: aws.String("fed"),
		SupportedIdentityProviders: []string{"COGNITO", "Corp", "Google", "Okta"}})
	_, err = c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(pool), ClientName: aws.String("bad"),
		SupportedIdentityProviders: []string{"corp"}})
	wantAPIError[*types.InvalidParameterException](t, "client naming an unknown provider", err)

	if _, err := c.DeleteIdentityProvider(ctx, &cip.DeleteIdentityProviderInput{UserPoolId: aws.String(pool), ProviderName: aws.String("Google")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeIdentityProvider(ctx, &cip.DescribeIdentityProviderInput{UserPoolId: aws.String(pool), ProviderName: aws.String("Google")})
	wantAPIError[*types.ResourceNotFoundException](t, "Describe after Delete", err)
	_, err = c.DeleteIdentityProvider(ctx, &cip.DeleteIdentityProviderInput{UserPoolId: aws.String(pool), ProviderName: aws.String("Google")})
	wantAPIError[*types.ResourceNotFoundException](t, "Delete twice", err)
	_, err = c.ListIdentityProviders(ctx, &cip.ListIdentityProvidersInput{UserPoolId: aws.String("us-east-1_nope")})
	wantAPIError[*types.ResourceNotFoundException](t, "List in an unknown pool", err)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
