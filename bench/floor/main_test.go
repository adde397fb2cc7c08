package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestSDKDecodesCannedResponses drives the floor with aws-sdk-go-v2 through
// the calls the load generator makes and checks that every answer decodes
// into the members the generator reads.
func TestSDKDecodesCannedResponses(t *testing.T) {
	srv := httptest.NewServer(newHandler())
	defer srv.Close()
	ctx := context.Background()
	c := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})

	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p")})
	if err != nil || aws.ToString(pool.UserPool.Id) != poolID || pool.UserPool.CreationDate == nil {
		t.Fatalf("CreateUserPool: %+v %v", pool, err)
	}
	client, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(poolID), ClientName: aws.String("c")})
	if err != nil || aws.ToString(client.UserPoolClient.ClientId) != clientID {
		t.Fatalf("CreateUserPoolClient: %+v %v", client, err)
	}
	created, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("u"),
		MessageAction: types.MessageActionTypeSuppress})
	if err != nil || aws.ToString(created.User.Username) != username || created.User.UserStatus != types.UserStatusTypeForceChangePassword ||
		len(created.User.Attributes) == 0 || created.User.UserCreateDate.Unix() != 1764108000 {
		t.Fatalf("AdminCreateUser: %+v %v", created.User, err)
	}
	if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(poolID), Username: aws.String("u"),
		Password: aws.String("Passw0rd!"), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	auth, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "u", "PASSWORD": "Passw0rd!"}})
	if err != nil || auth.AuthenticationResult == nil || auth.AuthenticationResult.ExpiresIn != 3600 {
		t.Fatalf("InitiateAuth: %+v %v", auth, err)
	}
	for _, tok := range []string{aws.ToString(auth.AuthenticationResult.AccessToken), aws.ToString(auth.AuthenticationResult.IdToken)} {
		// An RS256 token of Cognito's size: three parts, about 1 kB.
		if strings.Count(tok, ".") != 2 || len(tok) < 900 {
			t.Errorf("token %q is not shaped like an RS256 JWT", tok)
		}
	}
	access := auth.AuthenticationResult.AccessToken
	got, err := c.GetUser(ctx, &cip.GetUserInput{AccessToken: access})
	if err != nil || aws.ToString(got.Username) != username || len(got.UserAttributes) != 3 || aws.ToString(got.PreferredMfaSetting) != "SMS_MFA" {
		t.Fatalf("GetUser: %+v %v", got, err)
	}
	admin, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String("u")})
	if err != nil || aws.ToString(admin.Username) != username || !admin.Enabled || admin.UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("AdminGetUser: %+v %v", admin, err)
	}
	if _, err := c.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
		SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true, PreferredMfa: true}}); err != nil {
		t.Fatal(err)
	}
	// Any other operation of the model answers {}.
	if list, err := c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(poolID)}); err != nil || len(list.Users) != 0 {
		t.Fatalf("ListUsers: %+v %v", list, err)
	}
}

func TestUnknownOperation(t *testing.T) {
	srv := httptest.NewServer(newHandler())
	defer srv.Close()
	for _, target := range []string{"AWSCognitoIdentityProviderService.Nope", "DynamoDB_20120810.GetItem", ""} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", target)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException:" {
			t.Errorf("%q: %d %q", target, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	}
	resp, err := http.Get(srv.URL + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/health: %v %v", resp, err)
	}
	resp.Body.Close()
}
