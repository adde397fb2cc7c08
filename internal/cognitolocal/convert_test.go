package cognitolocal_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/bootstrap"
	"github.com/userpoold/userpoold/internal/cognitolocal"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// TestConvertedDataSignsIn converts testdata/.cognito, applies the document
// to a real server and signs in as the cognito-local user, with the
// cognito-local client ID and password.
func TestConvertedDataSignsIn(t *testing.T) {
	doc, notes, err := cognitolocal.Convert("testdata/.cognito", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	yml, err := doc.Marshal("testdata/.cognito")
	if err != nil {
		t.Fatal(err)
	}
	wantNotes := []string{
		"TriggerFunctions (PostConfirmation) are not carried over",
		"pool local_Ab12Cd34 is us-east-1_Ab12Cd34 in userpoold",
		"client 3c8f1ws1n2a7uqdkh4gb0xk5xq (web): no ExplicitAuthFlows",
		"user 9a7b6c5d-0000-4000-8000-000000000002 is UNCONFIRMED and is not carried over",
		"pool us-east-1_Ab12Cd34: users get new subs",
	}
	all := strings.Join(notes, "\n")
	for _, w := range wantNotes {
		if !strings.Contains(all, w) {
			t.Errorf("no note says %q; notes:\n%s", w, all)
		}
	}
	if strings.Contains(all, "us-east-1_Other001: users get new subs") {
		t.Errorf("a note about the users of a pool without users:\n%s", all)
	}

	f, err := bootstrap.Parse("converted.yaml", yml)
	if err != nil {
		t.Fatalf("the converted document does not parse: %v\n%s", err, yml)
	}
	env := servertest.New(t)
	rep, err := env.Server.Seed.Apply(context.Background(), f)
	if err != nil {
		t.Fatalf("applying the converted document: %v\n%s", err, yml)
	}
	if rep.Pools.Created != 2 || rep.Clients.Created != 3 || rep.Users.Created != 2 || rep.Groups.Created != 1 {
		t.Fatalf("report = %+v\n%s", rep, yml)
	}

	ctx := context.Background()
	out, err := env.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String("3c8f1ws1n2a7uqdkh4gb0xk5xq"), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "alice@example.com", "PASSWORD": "Alice-pass-1"},
	})
	if err != nil {
		t.Fatalf("signing in with cognito-local's client ID and password: %v", err)
	}
	u, err := env.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: out.AuthenticationResult.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	attrs := map[string]string{}
	for _, a := range u.UserAttributes {
		attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	if attrs["email"] != "alice@example.com" || attrs["custom:team"] != "blue" || attrs["email_verified"] != "true" || attrs["sub"] == "1e0c6d2a-5f0b-4b86-9d0c-6a3f3f5b2a11" {
		t.Errorf("alice's attributes = %v", attrs)
	}
	groups, err := env.Client.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: aws.String("us-east-1_Ab12Cd34"), Username: aws.String("alice@example.com")})
	if err != nil || len(groups.Groups) != 1 || aws.ToString(groups.Groups[0].GroupName) != "admins" || aws.ToInt32(groups.Groups[0].Precedence) != 1 {
		t.Errorf("alice's groups = %+v, %v", groups, err)
	}

	carol, err := env.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("us-east-1_Ab12Cd34"), Username: aws.String("carol@example.com")})
	if err != nil || carol.UserStatus != types.UserStatusTypeForceChangePassword || carol.Enabled {
		t.Errorf("carol = %+v, %v", carol, err)
	}
	if _, err := env.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("us-east-1_Ab12Cd34"), Username: aws.String("bob@example.com")}); servertest.ErrorCode(err) != "UserNotFoundException" {
		t.Errorf("the unconfirmed user: %v, want UserNotFoundException", err)
	}

	backend, err := env.Client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String("us-east-1_Ab12Cd34"), ClientId: aws.String("7hb0e2jv0qkxlc9b1x1kk1m2ax")})
	if err != nil || aws.ToString(backend.UserPoolClient.ClientSecret) != "1q2w3e4r5t6y7u8i9o0p1q2w3e4r5t6y7u8i9o0p1q2w3e4r5t6" {
		t.Errorf("backend client = %+v, %v", backend, err)
	}
	pool, err := env.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("us-east-1_Ab12Cd34")})
	if err != nil || aws.ToString(pool.UserPool.Name) != "my-app" || aws.ToInt32(pool.UserPool.Policies.PasswordPolicy.MinimumLength) != 8 {
		t.Errorf("pool = %+v, %v", pool, err)
	}
}

func TestConvertErrors(t *testing.T) {
	if _, _, err := cognitolocal.Convert(t.TempDir(), "us-east-1"); err == nil || !strings.Contains(err.Error(), "no cognito-local pool files") {
		t.Errorf("an empty directory: %v", err)
	}
}
