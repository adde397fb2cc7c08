package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/userpoold/userpoold/userpooldtest"

	"example.com/gotest"
)

// The IDs testdata/seed.yaml fixes, as the service's configuration would
// name them.
const (
	poolID   = "us-east-1_GoTest1"
	clientID = "gotestclient00000000000001"
)

func newService(t *testing.T) (*account.Service, *userpooldtest.Server) {
	srv := userpooldtest.NewServer(t, userpooldtest.WithSeedFile("testdata/seed.yaml"))
	return &account.Service{Cognito: cip.NewFromConfig(srv.AWSConfig()), ClientID: clientID}, srv
}

// code computes an authenticator app's code at the given time.
func code(t *testing.T, secret string, at time.Time) string {
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestRegisterConfirmSignIn: sign-up, the emailed code read back from the
// server, confirmation, sign-in, and the profile the access token reads.
func TestRegisterConfirmSignIn(t *testing.T) {
	svc, srv := newService(t)
	ctx := context.Background()
	if err := svc.Register(ctx, "alice@example.com", "Long-password-1"); err != nil {
		t.Fatalf("Register: %v", err)
	}
	if _, err := svc.SignIn(ctx, "alice@example.com", "Long-password-1"); errorCode(err) != "UserNotConfirmedException" {
		t.Fatalf("SignIn before confirming: %v, want UserNotConfirmedException", err)
	}
	msg := srv.LastMessage(t, poolID, "alice@example.com")
	if msg.Channel != "EMAIL" || msg.Destination != "alice@example.com" {
		t.Fatalf("the code went to %s %s", msg.Channel, msg.Destination)
	}
	wrong := msg.Code[:len(msg.Code)-1] + string('0'+(msg.Code[len(msg.Code)-1]-'0'+1)%10)
	if err := svc.Confirm(ctx, "alice@example.com", wrong); errorCode(err) != "CodeMismatchException" {
		t.Fatalf("Confirm with a wrong code: %v, want CodeMismatchException", err)
	}
	if err := svc.Confirm(ctx, "alice@example.com", msg.Code); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	tok, err := svc.SignIn(ctx, "alice@example.com", "Long-password-1")
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	p, err := svc.Profile(ctx, tok.Access)
	if err != nil {
		t.Fatalf("Profile: %v", err)
	}
	if p["email"] != "alice@example.com" || p["email_verified"] != "true" {
		t.Fatalf("profile = %v", p)
	}
}

// TestPasswordPolicy: the pool's policy (ten characters) is the server's.
func TestPasswordPolicy(t *testing.T) {
	svc, _ := newService(t)
	err := svc.Register(context.Background(), "bob@example.com", "Short-1")
	if errorCode(err) != "InvalidPasswordException" {
		t.Fatalf("Register with a short password: %v, want InvalidPasswordException", err)
	}
}

// TestAuthenticatorWithTheClock: a user turns on an authenticator app and
// then must answer its code; the test moves the server's clock instead of
// waiting, so that an old code is refused and tokens expire.
func TestAuthenticatorWithTheClock(t *testing.T) {
	svc, srv := newService(t)
	ctx := context.Background()
	srv.Clock().Set(time.Date(2030, 3, 1, 8, 0, 0, 0, time.UTC))

	tok, err := svc.SignIn(ctx, "mallory@example.com", "Existing-user-1")
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	var secret string
	err = svc.EnableAuthenticator(ctx, tok.Access, func(s string) string {
		secret = s
		return code(t, s, srv.Clock().Now())
	})
	if err != nil {
		t.Fatalf("EnableAuthenticator: %v", err)
	}

	// Five minutes later the code of 08:00 is stale; the current one works.
	srv.Clock().Advance(5 * time.Minute)
	_, err = svc.SignIn(ctx, "mallory@example.com", "Existing-user-1")
	var mfa *account.MFARequired
	if !errors.As(err, &mfa) {
		t.Fatalf("SignIn after enabling the authenticator: %v, want MFARequired", err)
	}
	if _, err := svc.AnswerMFA(ctx, mfa, code(t, secret, srv.Clock().Now().Add(-5*time.Minute))); errorCode(err) != "CodeMismatchException" {
		t.Fatalf("a five-minute-old code: %v, want CodeMismatchException", err)
	}
	_, err = svc.SignIn(ctx, "mallory@example.com", "Existing-user-1")
	if !errors.As(err, &mfa) {
		t.Fatalf("SignIn: %v", err)
	}
	tok, err = svc.AnswerMFA(ctx, mfa, code(t, secret, srv.Clock().Now()))
	if err != nil {
		t.Fatalf("AnswerMFA with the current code: %v", err)
	}

	// An hour and a minute later the access token has expired.
	srv.Clock().Advance(61 * time.Minute)
	if _, err := svc.Profile(ctx, tok.Access); errorCode(err) != "NotAuthorizedException" {
		t.Fatalf("Profile with an expired token: %v, want NotAuthorizedException", err)
	}
}
