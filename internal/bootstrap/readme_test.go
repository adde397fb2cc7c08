package bootstrap_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// TestREADMESeed applies the seed file the README shows, as a reader would
// copy it, and signs in as its user.
func TestREADMESeed(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "## Bootstrap: pools, clients and users from a file")
	_, block, ok2 := strings.Cut(section, "```yaml\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("the README has no seed file under its Bootstrap section")
	}
	env := servertest.New(t)
	if _, err := env.Server.Seed.Apply(ctx, parse(t, block)); err != nil {
		t.Fatalf("the README's seed: %v", err)
	}
	if _, err := env.Client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)}); err != nil {
		t.Fatalf("the README's client: %v", err)
	}
	if d, err := env.Client.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("local-dev-auth")}); err != nil || aws.ToString(d.DomainDescription.UserPoolId) != poolID {
		t.Errorf("the README's domain: %+v %v", d, err)
	}
	if _, err := env.Client.DescribeResourceServer(ctx, &cip.DescribeResourceServerInput{UserPoolId: aws.String(poolID), Identifier: aws.String("https://api.example.com")}); err != nil {
		t.Errorf("the README's resource server: %v", err)
	}
	_, u, err := env.Server.Pools.PoolUser(ctx, poolID, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	// The declared TOTP secret is the user's software token.
	want, _ := mfa.DecodeSecret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	if !mfa.HasTOTP(&u) || string(u.Secrets.TOTPSecret) != string(want) || u.MFA.Preferred != mfa.TOTP {
		t.Errorf("the README's user's MFA = %+v", u.MFA)
	}
	if _, err := mfa.MatchTOTP(u.Secrets.TOTPSecret, mfa.Code(want, time.Now()), time.Now(), 0); err != nil {
		t.Error(err)
	}
	if ok, err := env.Server.Pools.CheckPassword(ctx, u, "alice-password-1"); err != nil || !ok {
		t.Errorf("the README's password: %v %v", ok, err)
	}
}
