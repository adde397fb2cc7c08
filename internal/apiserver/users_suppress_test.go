package apiserver_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/password"
)

// TestAdminCreateUserSuppressUnusablePassword: AdminCreateUser with
// MessageAction SUPPRESS and no TemporaryPassword stores no hash of a
// password nobody received, only a value no password matches: the user is
// FORCE_CHANGE_PASSWORD, no password signs in, and AdminSetUserPassword or
// a RESEND give the user a usable one, as on AWS.
func TestAdminCreateUserSuppressUnusablePassword(t *testing.T) {
	e := newUMEnv(t, nil, &cip.CreateUserPoolClientInput{
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	create := func(name string) {
		t.Helper()
		out, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String(name),
			UserAttributes: umAttrs("email", name+"@example.com", "email_verified", "true"), MessageAction: types.MessageActionTypeSuppress})
		umOK(t, err)
		if out.User.UserStatus != types.UserStatusTypeForceChangePassword {
			t.Fatalf("%s: status %s", name, out.User.UserStatus)
		}
	}
	signIn := func(name, pw string) (*cip.InitiateAuthOutput, error) {
		return e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": pw}})
	}

	create("quiet")
	u := e.stored("quiet")
	if !password.IsUnusable(u.Secrets.PasswordHash) || len(u.Secrets.SRPVerifier) != 0 || len(u.Secrets.SRPSalt) != 0 {
		t.Fatalf("stored password = %q, SRP salt %x verifier %x; want an unusable value and no verifier", u.Secrets.PasswordHash, u.Secrets.SRPSalt, u.Secrets.SRPVerifier)
	}
	if u.PasswordChangedAt.IsZero() {
		t.Error("the temporary password has no start of validity")
	}
	if n := len(e.messages("quiet")); n != 0 {
		t.Fatalf("%d messages sent", n)
	}
	for _, pw := range []string{umPassword, u.Secrets.PasswordHash, "", "x"} {
		if pw == "" {
			continue // InitiateAuth refuses an empty PASSWORD before any check
		}
		_, err := signIn("quiet", pw)
		umWantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	}
	create("quiet2")
	if a, b := e.stored("quiet").Secrets.PasswordHash, e.stored("quiet2").Secrets.PasswordHash; a == b {
		t.Error("two users share one unusable value")
	}

	// A temporary password set by the administrator: NEW_PASSWORD_REQUIRED.
	_, err := e.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(e.pool), Username: aws.String("quiet"),
		Password: aws.String("Temp-passw0rd1"), Permanent: false})
	umOK(t, err)
	out, err := signIn("quiet", "Temp-passw0rd1")
	umOK(t, err)
	if out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("challenge %s, want NEW_PASSWORD_REQUIRED", out.ChallengeName)
	}
	// A permanent one: tokens.
	_, err = e.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(e.pool), Username: aws.String("quiet"),
		Password: aws.String(umPassword), Permanent: true})
	umOK(t, err)
	if out, err = signIn("quiet", umPassword); err != nil || out.AuthenticationResult == nil {
		t.Fatalf("sign-in after AdminSetUserPassword: %v %+v", err, out)
	}
	if got := e.get("quiet").UserStatus; got != types.UserStatusTypeConfirmed {
		t.Errorf("status %s, want CONFIRMED", got)
	}

	// RESEND sends a real temporary password, which then works.
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("quiet2"),
		MessageAction: types.MessageActionTypeResend, DesiredDeliveryMediums: []types.DeliveryMediumType{"EMAIL"}})
	umOK(t, err)
	temp := e.lastCode("quiet2", "INVITATION")
	if password.IsUnusable(e.stored("quiet2").Secrets.PasswordHash) {
		t.Fatal("RESEND kept the unusable password")
	}
	out, err = signIn("quiet2", temp)
	umOK(t, err)
	if out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("challenge %s, want NEW_PASSWORD_REQUIRED", out.ChallengeName)
	}
	var nf *types.NotAuthorizedException
	if _, err := signIn("quiet2", umPassword); !errors.As(err, &nf) {
		t.Fatalf("a wrong password after RESEND: %v", err)
	}
}
