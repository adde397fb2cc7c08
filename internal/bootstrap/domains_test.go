package bootstrap_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/bootstrap"
	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// oauthSeed declares a pool with both kinds of domain, a resource server
// and a client whose OAuth scopes name the resource server's.
const oauthSeed = `pools:
  - id: us-east-1_OAuthDev1
    name: oauth-dev
    domain: my-app-dev
    custom_domain: {domain: auth.example.com, certificate_arn: "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"}
    resource_servers:
      - identifier: https://api.example.com
        name: api
        scopes: [{name: read, description: Read}, {name: write, description: Write}]
    clients:
      - id: oauthdevweb0000000000000001
        name: web
        settings:
          AllowedOAuthFlowsUserPoolClient: true
          AllowedOAuthFlows: [code]
          AllowedOAuthScopes: [openid, https://api.example.com/read]
          CallbackURLs: [https://app.example.com/callback]
          SupportedIdentityProviders: [COGNITO]
`

// TestApplyDomainsAndResourceServers: declared domains and resource
// servers are created, described through the SDK as the API made them,
// left alone by a second apply, and brought back to the file after drift.
func TestApplyDomainsAndResourceServers(t *testing.T) {
	env := servertest.New(t)
	f := parse(t, oauthSeed)
	rep, err := env.Server.Seed.Apply(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	want := bootstrap.Report{Pools: bootstrap.Count{Created: 1}, Clients: bootstrap.Count{Created: 1},
		Domains: bootstrap.Count{Created: 2}, ResourceServers: bootstrap.Count{Created: 1}}
	if rep != want {
		t.Errorf("report = %+v, want %+v", rep, want)
	}
	pool := aws.String("us-east-1_OAuthDev1")
	p, err := env.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: pool})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(p.UserPool.Domain) != "my-app-dev" || aws.ToString(p.UserPool.CustomDomain) != "auth.example.com" {
		t.Errorf("pool domains = %q, %q", aws.ToString(p.UserPool.Domain), aws.ToString(p.UserPool.CustomDomain))
	}
	d, err := env.Client.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("auth.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if dd := d.DomainDescription; aws.ToString(dd.UserPoolId) != "us-east-1_OAuthDev1" || dd.CustomDomainConfig == nil ||
		!strings.HasSuffix(aws.ToString(dd.CustomDomainConfig.CertificateArn), "555555555555") {
		t.Errorf("custom domain = %+v", dd)
	}
	describeRS := func() (string, int) {
		rs, err := env.Client.DescribeResourceServer(ctx, &cip.DescribeResourceServerInput{UserPoolId: pool, Identifier: aws.String("https://api.example.com")})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(rs.ResourceServer.Name), len(rs.ResourceServer.Scopes)
	}
	if name, n := describeRS(); name != "api" || n != 2 {
		t.Errorf("resource server = %s with %d scopes", name, n)
	}

	rep, err = env.Server.Seed.Apply(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	want = bootstrap.Report{Pools: bootstrap.Count{Unchanged: 1}, Clients: bootstrap.Count{Unchanged: 1},
		Domains: bootstrap.Count{Unchanged: 2}, ResourceServers: bootstrap.Count{Unchanged: 1}}
	if rep != want {
		t.Errorf("second apply = %+v, want all unchanged", rep)
	}

	// Drift: a scope deleted and the server renamed; the custom domain's
	// certificate replaced.
	if _, err := env.Client.UpdateResourceServer(ctx, &cip.UpdateResourceServerInput{UserPoolId: pool, Identifier: aws.String("https://api.example.com"), Name: aws.String("renamed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.UpdateUserPoolDomain(ctx, &cip.UpdateUserPoolDomainInput{UserPoolId: pool, Domain: aws.String("auth.example.com"),
		CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String("arn:aws:acm:us-east-1:123456789012:certificate/99999999-9999-9999-9999-999999999999")}}); err != nil {
		t.Fatal(err)
	}
	rep, err = env.Server.Seed.Apply(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	want = bootstrap.Report{Pools: bootstrap.Count{Unchanged: 1}, Clients: bootstrap.Count{Unchanged: 1},
		Domains: bootstrap.Count{Updated: 1, Unchanged: 1}, ResourceServers: bootstrap.Count{Updated: 1}}
	if rep != want {
		t.Errorf("apply after drift = %+v, want %+v", rep, want)
	}
	if name, n := describeRS(); name != "api" || n != 2 {
		t.Errorf("resource server after apply = %s with %d scopes", name, n)
	}
	d, _ = env.Client.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("auth.example.com")})
	if !strings.HasSuffix(aws.ToString(d.DomainDescription.CustomDomainConfig.CertificateArn), "555555555555") {
		t.Errorf("certificate after apply = %s", aws.ToString(d.DomainDescription.CustomDomainConfig.CertificateArn))
	}
}

// TestDomainProblemsChangeNothing: a domain another pool holds, a pool
// that has another domain, a name the rules refuse and a resource server
// the model refuses are each reported at their line, and nothing is
// written.
func TestDomainProblemsChangeNothing(t *testing.T) {
	env := servertest.New(t)
	if _, err := env.Server.Seed.Apply(ctx, parse(t, oauthSeed)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, src string
		line      int
		field     string
		message   string
	}{
		{"prefix held by another pool", `pools:
  - id: us-east-1_Other1
    name: other
    resource_servers: [{identifier: orders, name: orders}]
    domain: my-app-dev
`, 5, "pools[0].domain", "Domain already associated with another user pool. (my-app-dev belongs to pool us-east-1_OAuthDev1)"},
		{"custom domain held by another pool", `pools:
  - name: other
    custom_domain:
      domain: auth.example.com
      certificate_arn: "arn:aws:acm:us-east-1:123456789012:certificate/x"
`, 4, "pools[0].custom_domain", "Domain already associated with another user pool."},
		{"the pool has another prefix domain", `pools:
  - id: us-east-1_OAuthDev1
    name: oauth-dev
    domain: another-prefix
`, 4, "pools[0].domain", "already has the prefix domain my-app-dev"},
		{"prefix the rules refuse", `pools:
  - name: other
    domain: My-App
`, 3, "pools[0].domain", "InvalidParameterException"},
		{"custom domain without a certificate", `pools:
  - name: other
    custom_domain: {domain: login.example.com}
`, 3, "pools[0].custom_domain.certificate_arn", "is required"},
		{"unknown security policy", `pools:
  - name: other
    custom_domain:
      domain: login.example.com
      certificate_arn: "arn:aws:acm:us-east-1:123456789012:certificate/x"
      security_policy: TLS_V0
`, 6, "pools[0].custom_domain.security_policy", "failed to satisfy constraint: Member must satisfy enum value set"},
		{"scope without a description", `pools:
  - name: other
    resource_servers:
      - identifier: orders
        name: orders
        scopes:
          - {name: read}
`, 7, "pools[0].resource_servers[0].scopes[0].description", "is required"},
		{"scope name with a slash", `pools:
  - name: other
    resource_servers:
      - identifier: orders
        name: orders
        scopes:
          - {name: a/b, description: x}
`, 7, "pools[0].resource_servers[0].scopes[0]", "failed to satisfy constraint"},
		{"resource server declared twice", `pools:
  - name: other
    resource_servers:
      - {identifier: orders, name: orders}
      - {identifier: orders, name: again}
`, 5, "pools[0].resource_servers[1].identifier", "also declared by pools[0].resource_servers[0]"},
		{"client scope of an undeclared resource server", `pools:
  - id: us-east-1_OAuthDev1
    name: oauth-dev
    clients:
      - id: oauthdevweb0000000000000001
        name: web
        settings:
          AllowedOAuthFlowsUserPoolClient: true
          AllowedOAuthFlows: [code]
          AllowedOAuthScopes: [https://orders.example.com/read]
          CallbackURLs: [https://app.example.com/callback]
`, 8, "pools[0].clients[0].settings", "scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := poolCount(env)
			f, err := bootstrap.Parse("seed.yaml", []byte(tc.src))
			if err == nil {
				_, err = env.Server.Seed.Apply(ctx, f)
			}
			wantProblem(t, err, tc.line, tc.field, tc.message)
			if after := poolCount(env); after != before {
				t.Errorf("pools before %d, after %d", before, after)
			}
		})
	}
	// The first case's resource server (declared before its bad domain)
	// was not written, and the domains kept their pool.
	for _, name := range []string{"my-app-dev", "auth.example.com"} {
		d, err := env.Client.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String(name)})
		if err != nil || aws.ToString(d.DomainDescription.UserPoolId) != "us-east-1_OAuthDev1" {
			t.Errorf("%s: %+v %v", name, d, err)
		}
	}
	if d, err := env.Client.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("another-prefix")}); err != nil {
		t.Fatal(err)
	} else if d.DomainDescription != nil && d.DomainDescription.UserPoolId != nil {
		t.Errorf("another-prefix was created: %+v", d.DomainDescription)
	}
	if _, err := env.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("us-east-1_Other1")}); servertest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Errorf("the pool of the first case was created: %v", err)
	}
}

// TestSeedDomainAtStart: --seed declares a domain, and the running server
// answers DescribeUserPoolDomain for it.
func TestSeedDomainAtStart(t *testing.T) {
	path := t.TempDir() + "/seed.yaml"
	writeFile(t, path, oauthSeed)
	env := servertest.New(t, func(c *config.Config) { c.Seed = path })
	d, err := env.Client.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("my-app-dev")})
	if err != nil {
		t.Fatal(err)
	}
	if dd := d.DomainDescription; aws.ToString(dd.UserPoolId) != "us-east-1_OAuthDev1" || dd.Status != types.DomainStatusTypeActive {
		t.Errorf("seeded domain = %+v", dd)
	}
}
