package apiserver_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestUserPoolDomains drives the domain lifecycle through the SDK: what the
// golden fixtures (testdata/wire/*UserPoolDomain) do not pin down.
func TestUserPoolDomains(t *testing.T) {
	e := newUMEnv(t, nil, nil)
	created := time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC)
	e.Clock.Set(created)
	cert := "arn:aws:acm:us-east-1:123456789012:certificate/c0ffee"
	_, err := e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(e.pool), Domain: aws.String("My-App")})
	umWantErr(t, err, "InvalidParameterException", `The domain name contains an invalid character. Domain names can only contain lower-case letters, numbers, and hyphens. Please enter a different name that follows this format: ^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`)
	for _, bad := range []string{"aws-app", "amazon1", "-lead", "trail-"} {
		if _, err := e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(e.pool), Domain: aws.String(bad)}); err == nil {
			t.Errorf("prefix %q accepted", bad)
		}
	}
	_, err = e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(e.pool), Domain: aws.String("auth.example.com")})
	if err == nil {
		t.Error("an FQDN without CustomDomainConfig was accepted as a prefix")
	}
	_, err = e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(e.pool), Domain: aws.String("localhost"),
		CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String(cert)}})
	umWantErr(t, err, "InvalidParameterException", "localhost is not a valid custom domain name.")

	_, err = e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(e.pool), Domain: aws.String("my-app")})
	umOK(t, err)
	out, err := e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(e.pool), Domain: aws.String("auth.example.com"),
		CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String(cert)}})
	umOK(t, err)
	cloudfront := aws.ToString(out.CloudFrontDomain)

	pool, err := e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(e.pool)})
	umOK(t, err)
	if aws.ToString(pool.UserPool.Domain) != "my-app" || aws.ToString(pool.UserPool.CustomDomain) != "auth.example.com" {
		t.Errorf("DescribeUserPool Domain, CustomDomain = %q, %q", aws.ToString(pool.UserPool.Domain), aws.ToString(pool.UserPool.CustomDomain))
	}

	// Update: the version, the certificate, never the kind.
	e.Clock.Set(created.Add(2 * time.Hour))
	up, err := e.Client.UpdateUserPoolDomain(ctx, &cip.UpdateUserPoolDomainInput{UserPoolId: aws.String(e.pool), Domain: aws.String("auth.example.com"),
		ManagedLoginVersion: aws.Int32(2), CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String(cert + "-2")}})
	umOK(t, err)
	if aws.ToInt32(up.ManagedLoginVersion) != 2 || aws.ToString(up.CloudFrontDomain) != cloudfront {
		t.Errorf("UpdateUserPoolDomain = %+v", up)
	}
	d, err := e.Client.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("auth.example.com")})
	umOK(t, err)
	dd := d.DomainDescription
	if aws.ToString(dd.CustomDomainConfig.CertificateArn) != cert+"-2" || aws.ToInt32(dd.ManagedLoginVersion) != 2 ||
		aws.ToString(dd.Version) != "20260401113000" || aws.ToString(dd.CloudFrontDistribution) != cloudfront || dd.Status != types.DomainStatusTypeActive {
		t.Errorf("DescribeUserPoolDomain = %+v", dd)
	}
	_, err = e.Client.UpdateUserPoolDomain(ctx, &cip.UpdateUserPoolDomainInput{UserPoolId: aws.String(e.pool), Domain: aws.String("my-app"),
		CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String(cert)}})
	umWantErr(t, err, "InvalidParameterException", "CustomDomainConfig can only be given for a custom domain.")
	_, err = e.Client.UpdateUserPoolDomain(ctx, &cip.UpdateUserPoolDomainInput{UserPoolId: aws.String(e.pool), Domain: aws.String("my-app"), ManagedLoginVersion: aws.Int32(3)})
	umWantErr(t, err, "InvalidParameterException", "ManagedLoginVersion must be 1 or 2.")

	// Managed login needs a plan above Lite.
	lite := e.CreatePool(&cip.CreateUserPoolInput{PoolName: aws.String("lite"), UserPoolTier: types.UserPoolTierTypeLite})
	_, err = e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(lite), Domain: aws.String("lite-app"), ManagedLoginVersion: aws.Int32(2)})
	umWantErr(t, err, "FeatureUnavailableInTierException", "The following features need to be disabled for the LITE pricing tier configured: Managed login")

	// Deleting frees the name, which another pool can then take.
	_, err = e.Client.DeleteUserPoolDomain(ctx, &cip.DeleteUserPoolDomainInput{UserPoolId: aws.String(lite), Domain: aws.String("my-app")})
	umWantErr(t, err, "ResourceNotFoundException", "Domain my-app does not exist.")
	_, err = e.Client.DeleteUserPoolDomain(ctx, &cip.DeleteUserPoolDomainInput{UserPoolId: aws.String(e.pool), Domain: aws.String("my-app")})
	umOK(t, err)
	d, err = e.Client.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("my-app")})
	umOK(t, err)
	if d.DomainDescription == nil || d.DomainDescription.Domain != nil {
		t.Errorf("DescribeUserPoolDomain after delete = %+v", d.DomainDescription)
	}
	_, err = e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(lite), Domain: aws.String("my-app")})
	umOK(t, err)
	// Deleting the pool deletes its domains.
	_, err = e.Client.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(lite)})
	umOK(t, err)
	if d, _ := e.Client.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("my-app")}); d.DomainDescription.Domain != nil {
		t.Error("the domain of a deleted pool is still described")
	}
}

// TestResourceServers drives resource servers and the custom scopes app
// clients may list.
func TestResourceServers(t *testing.T) {
	e := newUMEnv(t, nil, nil)
	scope := func(name string) types.ResourceServerScopeType {
		return types.ResourceServerScopeType{ScopeName: aws.String(name), ScopeDescription: aws.String("about " + name)}
	}
	api := "https://api.example.com"
	_, err := e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String(e.pool), Identifier: aws.String(api), Name: aws.String("API"),
		Scopes: []types.ResourceServerScopeType{scope("read"), scope("read")}})
	umWantErr(t, err, "InvalidParameterException", "Duplicate scope name: read")
	_, err = e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String(e.pool), Identifier: aws.String(api), Name: aws.String("API"),
		Scopes: []types.ResourceServerScopeType{scope("read"), scope("write")}})
	umOK(t, err)

	// A client may list a defined custom scope; an undefined one is refused.
	m2m := &cip.CreateUserPoolClientInput{UserPoolId: aws.String(e.pool), ClientName: aws.String("m2m"), GenerateSecret: true,
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials},
		AllowedOAuthScopes: []string{api + "/read", api + "/write"}}
	c, err := e.Client.CreateUserPoolClient(ctx, m2m)
	umOK(t, err)
	m2m.AllowedOAuthScopes = append(m2m.AllowedOAuthScopes, api+"/admin")
	_, err = e.Client.CreateUserPoolClient(ctx, m2m)
	umWantErr(t, err, "ScopeDoesNotExistException", "Invalid scope requested: "+api+"/admin")
	// client_credentials needs a secret.
	m2m.AllowedOAuthScopes, m2m.GenerateSecret = m2m.AllowedOAuthScopes[:1], false
	_, err = e.Client.CreateUserPoolClient(ctx, m2m)
	umWantErr(t, err, "InvalidOAuthFlowException", "client_credentials flow can not be selected for a client without a secret.")

	// Update replaces the name and scopes; the client keeps the scope
	// the server no longer defines (it is dropped at run time).
	up, err := e.Client.UpdateResourceServer(ctx, &cip.UpdateResourceServerInput{UserPoolId: aws.String(e.pool), Identifier: aws.String(api), Name: aws.String("API v2"),
		Scopes: []types.ResourceServerScopeType{scope("read"), scope("admin")}})
	umOK(t, err)
	if aws.ToString(up.ResourceServer.Name) != "API v2" || len(up.ResourceServer.Scopes) != 2 || aws.ToString(up.ResourceServer.Scopes[1].ScopeName) != "admin" {
		t.Errorf("UpdateResourceServer = %+v", up.ResourceServer)
	}
	dc, err := e.Client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(e.pool), ClientId: c.UserPoolClient.ClientId})
	umOK(t, err)
	if !slices.Equal(dc.UserPoolClient.AllowedOAuthScopes, []string{api + "/read", api + "/write"}) {
		t.Errorf("client scopes after the server changed = %v", dc.UserPoolClient.AllowedOAuthScopes)
	}
	_, err = e.Client.UpdateResourceServer(ctx, &cip.UpdateResourceServerInput{UserPoolId: aws.String(e.pool), Identifier: aws.String("nope"), Name: aws.String("x")})
	umWantErr(t, err, "ResourceNotFoundException", "Resource server nope does not exist.")

	// A server without scopes has no Scopes member.
	_, err = e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String(e.pool), Identifier: aws.String("bare"), Name: aws.String("bare")})
	umOK(t, err)
	if body := e.rawBody("DescribeResourceServer", fmt.Sprintf(`{"UserPoolId":%q,"Identifier":"bare"}`, e.pool)); body != fmt.Sprintf(`{"ResourceServer":{"UserPoolId":%q,"Identifier":"bare","Name":"bare"}}`, e.pool) {
		t.Errorf("DescribeResourceServer = %s", body)
	}

	// Listing pages through every server, in identifier order, up to the
	// pool's limit of 25.
	for i := 0; i < 23; i++ {
		_, err := e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String(e.pool), Identifier: aws.String(fmt.Sprintf("srv-%02d", i)), Name: aws.String("n")})
		umOK(t, err)
	}
	_, err = e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String(e.pool), Identifier: aws.String("one-too-many"), Name: aws.String("n")})
	umWantErr(t, err, "LimitExceededException", "The user pool has reached the limit of 25 resource servers.")
	var ids []string
	var next *string
	for {
		page, err := e.Client.ListResourceServers(ctx, &cip.ListResourceServersInput{UserPoolId: aws.String(e.pool), MaxResults: aws.Int32(10), NextToken: next})
		umOK(t, err)
		for _, r := range page.ResourceServers {
			ids = append(ids, aws.ToString(r.Identifier))
		}
		if next = page.NextToken; next == nil {
			break
		}
	}
	if len(ids) != 25 || ids[0] != "bare" || ids[1] != api || !slices.IsSorted(ids) {
		t.Errorf("ListResourceServers = %v", ids)
	}
	_, err = e.Client.ListResourceServers(ctx, &cip.ListResourceServersInput{UserPoolId: aws.String(e.pool), MaxResults: aws.Int32(10), NextToken: aws.String("garbage")})
	if err == nil {
		t.Error("a made-up NextToken was accepted")
	}

	_, err = e.Client.DeleteResourceServer(ctx, &cip.DeleteResourceServerInput{UserPoolId: aws.String(e.pool), Identifier: aws.String(api)})
	umOK(t, err)
	_, err = e.Client.DescribeResourceServer(ctx, &cip.DescribeResourceServerInput{UserPoolId: aws.String(e.pool), Identifier: aws.String(api)})
	umWantErr(t, err, "ResourceNotFoundException", "Resource server "+api+" does not exist.")
	_, err = e.Client.DeleteResourceServer(ctx, &cip.DeleteResourceServerInput{UserPoolId: aws.String(e.pool), Identifier: aws.String(api)})
	umWantErr(t, err, "ResourceNotFoundException", "Resource server "+api+" does not exist.")
}

// TestClientOAuthFields checks the callback URL rules and the OAuth members
// of app clients on create and update.
func TestClientOAuthFields(t *testing.T) {
	e := newUMEnv(t, nil, nil)
	web := func(urls ...string) *cip.CreateUserPoolClientInput {
		return &cip.CreateUserPoolClientInput{UserPoolId: aws.String(e.pool), ClientName: aws.String("web"),
			AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode},
			AllowedOAuthScopes: []string{"openid", "email"}, CallbackURLs: urls, SupportedIdentityProviders: []string{"COGNITO"}}
	}
	for _, ok := range []string{"https://app.example.com/cb", "http://localhost:3000/cb", "http://127.0.0.1/cb", "http://[::1]:8080/", "myapp://callback", "https://app.example.com/cb?x=1"} {
		if _, err := e.Client.CreateUserPoolClient(ctx, web(ok)); err != nil {
			t.Errorf("callback %s refused: %v", ok, err)
		}
	}
	for url, msg := range map[string]string{
		"http://app.example.com/cb":       "http://app.example.com/cb cannot use the HTTP protocol.",
		"http://localhost.example.com/cb": "http://localhost.example.com/cb cannot use the HTTP protocol.",
		"https://app.example.com/cb#x":    "https://app.example.com/cb#x must not contain a fragment.",
		"/relative":                       "/relative is not a valid absolute URL.",
	} {
		_, err := e.Client.CreateUserPoolClient(ctx, web(url))
		umWantErr(t, err, "InvalidParameterException", msg)
	}
	in := web("https://app.example.com/cb")
	in.DefaultRedirectURI = aws.String("https://app.example.com/other")
	_, err := e.Client.CreateUserPoolClient(ctx, in)
	umWantErr(t, err, "InvalidParameterException", "DefaultRedirectURI must be one of the CallbackURLs.")
	in = web("https://app.example.com/cb")
	in.AllowedOAuthFlows = nil
	_, err = e.Client.CreateUserPoolClient(ctx, in)
	umWantErr(t, err, "InvalidOAuthFlowException", "AllowedOAuthFlows can not be empty when AllowedOAuthFlowsUserPoolClient is true.")
	in = web("https://app.example.com/cb")
	in.AllowedOAuthScopes = nil
	_, err = e.Client.CreateUserPoolClient(ctx, in)
	umWantErr(t, err, "InvalidOAuthFlowException", "AllowedOAuthScopes can not be empty when AllowedOAuthFlowsUserPoolClient is true.")

	// Update applies the same rules.
	c, err := e.Client.CreateUserPoolClient(ctx, web("https://app.example.com/cb"))
	umOK(t, err)
	_, err = e.Client.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: aws.String(e.pool), ClientId: c.UserPoolClient.ClientId,
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeImplicit},
		AllowedOAuthScopes: []string{"openid"}, CallbackURLs: []string{"http://evil.example/cb"}})
	umWantErr(t, err, "InvalidParameterException", "http://evil.example/cb cannot use the HTTP protocol.")
	_, err = e.Client.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: aws.String(e.pool), ClientId: c.UserPoolClient.ClientId,
		SupportedIdentityProviders: []string{"Facebook"}})
	umWantErr(t, err, "InvalidParameterException", "The provider Facebook does not exist for User Pool "+e.pool)
	_, err = e.Client.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: aws.String(e.pool), ClientId: c.UserPoolClient.ClientId,
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}, AllowedOAuthScopes: []string{"openid"}})
	umWantErr(t, err, "InvalidOAuthFlowException", "client_credentials flow can not be selected for a client without a secret.")
}
