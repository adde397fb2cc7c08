package server_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/server"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// TestSweepPrunesOutbox: the sweeper deletes outbox messages once what they
// carry expired (a reset code after an hour, a sign-up code after a day),
// and keeps the others.
func TestSweepPrunesOutbox(t *testing.T) {
	env := servertest.New(t)
	start := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	env.Clock.Set(start)
	pool := env.CreatePool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}})
	client := env.CreateClient(pool, nil).ClientId
	ctx := t.Context()
	if _, err := env.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: client, Username: aws.String("alice"), Password: aws.String("Correct-Horse-9"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("alice@example.com")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(pool), Username: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(pool), Username: aws.String("alice"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email_verified"), Value: aws.String("true")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: client, Username: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	purposes := func() (out []string) {
		for _, m := range env.Outbox(pool, "alice") {
			out = append(out, m.Purpose)
		}
		return out
	}
	if got := purposes(); len(got) != 2 {
		t.Fatalf("outbox before sweeping: %v", got)
	}
	server.Sweep(ctx, env.Store, start.Add(59*time.Minute))
	if got := purposes(); len(got) != 2 {
		t.Fatalf("a sweep before any expiry removed messages: %v", got)
	}
	server.Sweep(ctx, env.Store, start.Add(61*time.Minute))
	if got := purposes(); len(got) != 1 || got[0] != "SIGN_UP" {
		t.Fatalf("after the reset code's hour: %v, want [SIGN_UP]", got)
	}
	server.Sweep(ctx, env.Store, start.Add(24*time.Hour+time.Minute))
	if got := purposes(); len(got) != 0 {
		t.Fatalf("after the sign-up code's day: %v, want none", got)
	}
}
