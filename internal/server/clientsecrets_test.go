package server_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/userpoold/userpoold/internal/server/servertest"
)

// TestClientSecretRotation rotates a confidential client's secrets through
// the SDK and checks that every listed secret, and only those, works at
// the token endpoint (golang.org/x/oauth2's client credentials) and as
// SECRET_HASH in InitiateAuth.
func TestClientSecretRotation(t *testing.T) {
	e := newOAuthEnv(t, nil)
	e.addUser("max", "email", "max@example.com", "email_verified", "true")
	m2m := e.m2mClient(func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	})
	id, original := aws.ToString(m2m.ClientId), aws.ToString(m2m.ClientSecret)
	pool := aws.String(e.pool)

	list := func() []types.ClientSecretDescriptorType {
		t.Helper()
		out, err := e.Client.ListUserPoolClientSecrets(ctx, &cip.ListUserPoolClientSecretsInput{UserPoolId: pool, ClientId: aws.String(id)})
		if err != nil {
			t.Fatalf("ListUserPoolClientSecrets: %v", err)
		}
		for _, d := range out.ClientSecrets {
			if d.ClientSecretValue != nil {
				t.Errorf("ListUserPoolClientSecrets shows a secret's value")
			}
		}
		return out.ClientSecrets
	}
	token := func(secret string) error {
		_, err := (&clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: e.provider.Endpoint().TokenURL}).Token(ctx)
		return err
	}
	signIn := func(secret string) error {
		_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(id), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "max", "PASSWORD": userPassword, "SECRET_HASH": servertest.SecretHash(secret, "max", id)}})
		return err
	}
	works := func(what string, secret string, want bool) {
		t.Helper()
		if err := token(secret); (err == nil) != want {
			t.Errorf("%s at the token endpoint: err = %v, want success %v", what, err, want)
		} else if err != nil && !strings.Contains(err.Error(), "invalid_client") {
			t.Errorf("%s at the token endpoint: %v, want invalid_client", what, err)
		}
		if err := signIn(secret); (err == nil) != want {
			t.Errorf("%s as SECRET_HASH: err = %v, want success %v", what, err, want)
		} else if err != nil && servertest.ErrorCode(err) != "NotAuthorizedException" {
			t.Errorf("%s as SECRET_HASH: %v, want NotAuthorizedException", what, err)
		}
	}

	// The client's own secret is the first in the list.
	first := list()
	if len(first) != 1 || !strings.HasPrefix(aws.ToString(first[0].ClientSecretId), id+"--") || first[0].ClientSecretCreateDate == nil {
		t.Fatalf("secrets of a new client = %+v", first)
	}
	works("the original secret", original, true)

	// A generated secret is shown once, and both work.
	added, err := e.Client.AddUserPoolClientSecret(ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: pool, ClientId: aws.String(id)})
	if err != nil {
		t.Fatalf("AddUserPoolClientSecret: %v", err)
	}
	second := aws.ToString(added.ClientSecretDescriptor.ClientSecretValue)
	if len(second) < 24 || second == original || aws.ToString(added.ClientSecretDescriptor.ClientSecretId) == aws.ToString(first[0].ClientSecretId) {
		t.Fatalf("added secret = %+v", added.ClientSecretDescriptor)
	}
	if l := list(); len(l) != 2 || aws.ToString(l[1].ClientSecretId) != aws.ToString(added.ClientSecretDescriptor.ClientSecretId) {
		t.Fatalf("secrets after adding one = %+v", l)
	}
	works("the original secret beside a new one", original, true)
	works("the new secret", second, true)
	works("a wrong secret", "wrong-secret-wrong-secret", false)

	// The API's own ClientSecret members take either secret too.
	auth, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(id), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "max", "PASSWORD": userPassword, "SECRET_HASH": servertest.SecretHash(second, "max", id)}})
	if err != nil {
		t.Fatal(err)
	}
	refresh := auth.AuthenticationResult.RefreshToken
	for _, c := range []struct {
		name, secret string
		ok           bool
	}{{"original", original, true}, {"new", second, true}, {"wrong", "wrong-secret-wrong-secret", false}} {
		_, err := e.Anonymous.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(id), ClientSecret: aws.String(c.secret), RefreshToken: refresh})
		if (err == nil) != c.ok {
			t.Errorf("GetTokensFromRefreshToken with the %s secret: %v", c.name, err)
		}
	}
	if _, err := e.Anonymous.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(id), ClientSecret: aws.String("wrong-secret-wrong-secret"), Token: refresh}); err == nil {
		t.Error("RevokeToken with a wrong secret succeeded")
	}
	if _, err := e.Anonymous.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(id), ClientSecret: aws.String(original), Token: refresh}); err != nil {
		t.Errorf("RevokeToken with the original secret beside a new one: %v", err)
	}

	// Two at most; the errors change nothing.
	_, err = e.Client.AddUserPoolClientSecret(ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: pool, ClientId: aws.String(id)})
	if servertest.ErrorCode(err) != "LimitExceededException" {
		t.Errorf("a third secret: %v", err)
	}
	for _, c := range []struct {
		name string
		in   *cip.DeleteUserPoolClientSecretInput
		code string
	}{
		{"unknown secret", &cip.DeleteUserPoolClientSecretInput{UserPoolId: pool, ClientId: aws.String(id), ClientSecretId: aws.String(id + "--1")}, "ResourceNotFoundException"},
		{"unknown client", &cip.DeleteUserPoolClientSecretInput{UserPoolId: pool, ClientId: aws.String("nope"), ClientSecretId: first[0].ClientSecretId}, "ResourceNotFoundException"},
		{"unknown pool", &cip.DeleteUserPoolClientSecretInput{UserPoolId: aws.String("us-east-1_nope"), ClientId: aws.String(id), ClientSecretId: first[0].ClientSecretId}, "ResourceNotFoundException"},
	} {
		if _, err := e.Client.DeleteUserPoolClientSecret(ctx, c.in); servertest.ErrorCode(err) != c.code {
			t.Errorf("DeleteUserPoolClientSecret, %s: %v, want %s", c.name, err, c.code)
		}
	}
	if len(list()) != 2 {
		t.Fatal("a refused request changed the secrets")
	}

	// Deleting the original makes the new one the client's secret.
	if _, err := e.Client.DeleteUserPoolClientSecret(ctx, &cip.DeleteUserPoolClientSecretInput{UserPoolId: pool, ClientId: aws.String(id), ClientSecretId: first[0].ClientSecretId}); err != nil {
		t.Fatalf("DeleteUserPoolClientSecret: %v", err)
	}
	works("the deleted original", original, false)
	works("the remaining secret", second, true)
	d, err := e.Client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: pool, ClientId: aws.String(id)})
	if err != nil || aws.ToString(d.UserPoolClient.ClientSecret) != second {
		t.Errorf("DescribeUserPoolClient after the original was deleted: %v, secret changed %v", err, aws.ToString(d.UserPoolClient.ClientSecret) != second)
	}
	last := list()
	if len(last) != 1 {
		t.Fatalf("secrets after a delete = %+v", last)
	}
	_, err = e.Client.DeleteUserPoolClientSecret(ctx, &cip.DeleteUserPoolClientSecretInput{UserPoolId: pool, ClientId: aws.String(id), ClientSecretId: last[0].ClientSecretId})
	if servertest.ErrorCode(err) != "InvalidParameterException" {
		t.Errorf("deleting the last secret: %v", err)
	}

	// A secret of one's own is not echoed, and works.
	custom := "custom_secret_0123456789abcdef"
	added, err = e.Client.AddUserPoolClientSecret(ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: pool, ClientId: aws.String(id), ClientSecret: aws.String(custom)})
	if err != nil || added.ClientSecretDescriptor.ClientSecretValue != nil || added.ClientSecretDescriptor.ClientSecretId == nil {
		t.Fatalf("AddUserPoolClientSecret with a value: %v", err)
	}
	works("a secret given by the caller", custom, true)

	// Refused requests.
	public := e.webClient(nil)
	for _, c := range []struct {
		name string
		in   *cip.AddUserPoolClientSecretInput
		code string
	}{
		{"public client", &cip.AddUserPoolClientSecretInput{UserPoolId: pool, ClientId: public.ClientId}, "InvalidParameterException"},
		{"secret too short", &cip.AddUserPoolClientSecretInput{UserPoolId: pool, ClientId: aws.String(id), ClientSecret: aws.String("short")}, "InvalidParameterException"},
		{"unknown client", &cip.AddUserPoolClientSecretInput{UserPoolId: pool, ClientId: aws.String("nope")}, "ResourceNotFoundException"},
	} {
		if _, err := e.Client.AddUserPoolClientSecret(ctx, c.in); servertest.ErrorCode(err) != c.code {
			t.Errorf("AddUserPoolClientSecret, %s: %v, want %s", c.name, err, c.code)
		}
	}
	out, err := e.Client.ListUserPoolClientSecrets(ctx, &cip.ListUserPoolClientSecretsInput{UserPoolId: pool, ClientId: public.ClientId})
	if err != nil || len(out.ClientSecrets) != 0 {
		t.Errorf("secrets of a public client: %v %+v", err, out)
	}
}
