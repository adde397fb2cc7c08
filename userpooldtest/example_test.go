package userpooldtest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/userpoold/userpoold/userpooldtest"
)

// In a test, pass its *testing.T. An Example has none, so these use
// exampleT, a stand-in that runs the cleanups when the example ends.

// A sign-up confirmed with the code the server sent, then a sign-in.
func ExampleNewServer() {
	t := newExampleT()
	defer t.done()
	ctx := context.Background()

	srv := userpooldtest.NewServer(t)
	client := cip.NewFromConfig(srv.AWSConfig())

	pool, _ := client.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:               aws.String("test"),
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
	})
	poolID := aws.ToString(pool.UserPool.Id)
	app, _ := client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(poolID),
		ClientName: aws.String("app"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{
			types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
	})
	clientID := app.UserPoolClient.ClientId

	_, err := client.SignUp(ctx, &cip.SignUpInput{
		ClientId: clientID, Username: aws.String("alice"), Password: aws.String("Correct-horse-1"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("alice@example.com")}},
	})
	if err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	msg := srv.LastMessage(t, poolID, "alice")
	fmt.Println(msg.Purpose, msg.Channel, msg.Destination, len(msg.Code), "digits")

	if _, err := client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{
		ClientId: clientID, Username: aws.String("alice"), ConfirmationCode: aws.String(msg.Code),
	}); err != nil {
		t.Fatalf("ConfirmSignUp: %v", err)
	}
	out, err := client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": "Correct-horse-1"},
	})
	if err != nil {
		t.Fatalf("InitiateAuth: %v", err)
	}
	fmt.Println("signed in, tokens valid for", out.AuthenticationResult.ExpiresIn, "s")
	// Output:
	// SIGN_UP EMAIL alice@example.com 6 digits
	// signed in, tokens valid for 3600 s
}

// Pools, clients and users declared up front, with fixed IDs that the
// configuration under test can name.
func ExampleWithSeed() {
	t := newExampleT()
	defer t.done()

	srv := userpooldtest.NewServer(t, userpooldtest.WithSeed(`
pools:
  - id: us-east-1_Example1
    name: example
    clients:
      - id: exampleclient0000000000001
        name: web
        settings:
          ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
    groups:
      - {name: admins}
    users:
      - username: bob
        password: Correct-horse-2
        attributes: {email: bob@example.com, email_verified: "true"}
        groups: [admins]
`))
	client := cip.NewFromConfig(srv.AWSConfig())
	out, err := client.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		ClientId: aws.String("exampleclient0000000000001"), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "bob", "PASSWORD": "Correct-horse-2"},
	})
	if err != nil {
		t.Fatalf("InitiateAuth: %v", err)
	}
	fmt.Println("bob signed in:", out.AuthenticationResult.AccessToken != nil)
	groups, _ := client.AdminListGroupsForUser(context.Background(), &cip.AdminListGroupsForUserInput{
		UserPoolId: aws.String("us-east-1_Example1"), Username: aws.String("bob"),
	})
	fmt.Println("groups:", aws.ToString(groups.Groups[0].GroupName))
	// Output:
	// bob signed in: true
	// groups: admins
}

// The server's clock moved forward: an access token expires without the
// test waiting an hour.
func ExampleServer_Clock() {
	t := newExampleT()
	defer t.done()
	ctx := context.Background()

	srv := userpooldtest.NewServer(t, userpooldtest.WithSeed(`
pools:
  - id: us-east-1_Clock1
    name: clock
    clients:
      - {id: clockclient000000000000001, name: app, settings: {ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]}}
    users:
      - {username: carol, password: Correct-horse-3}
`))
	client := cip.NewFromConfig(srv.AWSConfig())
	srv.Clock().Set(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
	out, err := client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String("clockclient000000000000001"), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "carol", "PASSWORD": "Correct-horse-3"},
	})
	if err != nil {
		t.Fatalf("InitiateAuth: %v", err)
	}
	access := out.AuthenticationResult.AccessToken

	_, err = client.GetUser(ctx, &cip.GetUserInput{AccessToken: access})
	fmt.Println("at 09:00:", err == nil)

	srv.Clock().Advance(61 * time.Minute)
	_, err = client.GetUser(ctx, &cip.GetUserInput{AccessToken: access})
	var ae smithy.APIError
	if errors.As(err, &ae) {
		fmt.Println("at", srv.Clock().Now().Format("15:04")+":", ae.ErrorCode(), ae.ErrorMessage())
	}
	// Output:
	// at 09:00: true
	// at 10:01: NotAuthorizedException Access Token has expired
}

// The code of a forgotten password, read back by the test.
func ExampleServer_LastMessage() {
	t := newExampleT()
	defer t.done()
	ctx := context.Background()

	srv := userpooldtest.NewServer(t, userpooldtest.WithSeed(`
pools:
  - id: us-east-1_Reset1
    name: reset
    settings: {UsernameAttributes: [email], AutoVerifiedAttributes: [email]}
    clients:
      - {id: resetclient000000000000001, name: app, settings: {ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH]}}
    users:
      - {username: dave@example.com, password: Correct-horse-4, attributes: {email_verified: "true"}}
`))
	client := cip.NewFromConfig(srv.AWSConfig())
	clientID := aws.String("resetclient000000000000001")
	if _, err := client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: clientID, Username: aws.String("dave@example.com")}); err != nil {
		t.Fatalf("ForgotPassword: %v", err)
	}
	msg := srv.LastMessage(t, "us-east-1_Reset1", "dave@example.com")
	fmt.Println(msg.Purpose, msg.Channel, msg.Destination)

	_, err := client.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{
		ClientId: clientID, Username: aws.String("dave@example.com"),
		ConfirmationCode: aws.String(msg.Code), Password: aws.String("Correct-horse-5"),
	})
	fmt.Println("new password set:", err == nil)
	// Output:
	// FORGOT_PASSWORD EMAIL dave@example.com
	// new password set: true
}

// exampleT is the stand-in for a *testing.T in these examples: it gives a
// temporary directory, runs the cleanups when done is called, and stops the
// example on a fatal error.
type exampleT struct {
	testing.TB // nil: only the methods below are called
	dirs       []string
	cleanups   []func()
}

func newExampleT() *exampleT { return &exampleT{} }

func (t *exampleT) Helper()                           {}
func (t *exampleT) Log(args ...any)                   { fmt.Fprintln(os.Stderr, args...) }
func (t *exampleT) Logf(format string, args ...any)   { fmt.Fprintf(os.Stderr, format+"\n", args...) }
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (t *exampleT) TempDir() string {
	dir, err := os.MkdirTemp("", "userpooldtest-example-")
	if err != nil {
		panic(err)
	}
	t.dirs = append(t.dirs, dir)
	return dir
}

func (t *exampleT) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	for _, d := range t.dirs {
		os.RemoveAll(d)
	}
}
