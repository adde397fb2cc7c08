package apiserver_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/storage"
)

// checkPassword reports whether pw is the user's password, by using it as
// the previous password of a ChangePassword to the same value.
func (e *umEnv) checkPassword(username, pw string) bool {
	e.t.Helper()
	_, err := e.Anonymous.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: aws.String(e.token(username, e.client)),
		PreviousPassword: aws.String(pw), ProposedPassword: aws.String(pw)})
	return err == nil
}

func TestChangePassword(t *testing.T) {
	e := newUMEnv(t, nil, nil)
	e.createUser("alice")
	tok := e.token("alice", e.client)
	change := func(prev, next string) error {
		_, err := e.Anonymous.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: aws.String(tok), PreviousPassword: aws.String(prev), ProposedPassword: aws.String(next)})
		return err
	}
	umWantErr(t, change("Wrong-passw0rd", "N3w-passw0rd"), "NotAuthorizedException", "Incorrect username or password.")
	umWantErr(t, change(umPassword, "short"), "InvalidPasswordException", "Password did not conform with policy: Password not long enough")
	umWantErr(t, change(umPassword, "nouppercase1!"), "InvalidPasswordException", "Password did not conform with policy: Password must have uppercase characters")
	if !e.checkPassword("alice", umPassword) {
		t.Fatal("failed changes changed the password")
	}
	umOK(t, change(umPassword, "N3w-passw0rd"))
	if e.checkPassword("alice", umPassword) || !e.checkPassword("alice", "N3w-passw0rd") {
		t.Fatal("password not changed")
	}
	_, err := e.Anonymous.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: aws.String("x.y.z"), PreviousPassword: aws.String("a"), ProposedPassword: aws.String("N3w-passw0rd")})
	umWantErr(t, err, "NotAuthorizedException", "Invalid Access Token")
}

func TestForgotPassword(t *testing.T) {
	e := newUMEnv(t, &cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"}}, nil)
	e.createUser("alice", umAttrs("email", "alice@example.com", "email_verified", "true")...)
	forgot := func(client, username string) (*cip.ForgotPasswordOutput, error) {
		return e.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(client), Username: aws.String(username)})
	}
	confirm := func(client, username, code, pw string) error {
		_, err := e.Anonymous.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(client), Username: aws.String(username),
			ConfirmationCode: aws.String(code), Password: aws.String(pw)})
		return err
	}
	// No code requested yet.
	umWantErr(t, confirm(e.client, "alice", "123456", "N3w-passw0rd"), "ExpiredCodeException", "Invalid code provided, please request a code again.")

	out, err := forgot(e.client, "alice")
	umOK(t, err)
	if d := out.CodeDeliveryDetails; d == nil || d.DeliveryMedium != types.DeliveryMediumTypeEmail || aws.ToString(d.Destination) != "a***@e***.com" || aws.ToString(d.AttributeName) != "email" {
		t.Fatalf("details = %+v", d)
	}
	code := e.lastCode("alice", "FORGOT_PASSWORD")
	// Lock the user out, to see the reset clear it.
	u := e.stored("alice")
	_, err = e.Store.UpdateUser(ctx, e.pool, u.UsernameKey, func(u *storage.User) error {
		u.Lockout = storage.Lockout{Failures: 7, LastFailure: time.Now(), LockedUntil: time.Now().Add(time.Hour)}
		return nil
	})
	umOK(t, err)
	umWantErr(t, confirm(e.client, "alice", code, "weak"), "InvalidPasswordException", "Password does not conform to policy: Password not long enough")
	umWantErr(t, confirm(e.client, "alice", umWrongCode(code), "N3w-passw0rd"), "CodeMismatchException", "Invalid verification code provided, please try again.")
	umOK(t, confirm(e.client, "alice", code, "N3w-passw0rd"))
	if s := e.stored("alice"); s.Status != "CONFIRMED" || s.Lockout.Failures != 0 || !s.Lockout.LockedUntil.IsZero() {
		t.Fatalf("after reset: %s %+v", s.Status, s.Lockout)
	}
	if !e.checkPassword("alice", "N3w-passw0rd") {
		t.Fatal("new password not set")
	}
	umWantErr(t, confirm(e.client, "alice", code, "An0ther-passw0rd"), "ExpiredCodeException", "Invalid code provided, please request a code again.")

	// Errors with PreventUserExistenceErrors LEGACY.
	e.createUser("nochannel", umAttrs("email", "n@example.com")...)
	_, err = forgot(e.client, "nochannel")
	umWantErr(t, err, "InvalidParameterException", "Cannot reset password for the user as there is no registered/verified email or phone_number")
	_, err = forgot(e.client, "nobody")
	umWantErr(t, err, "UserNotFoundException", "Username/client id combination not found.")
	umWantErr(t, confirm(e.client, "nobody", "123456", "N3w-passw0rd"), "UserNotFoundException", "Username/client id combination not found.")
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("invited"),
		UserAttributes: umAttrs("email", "i@example.com", "email_verified", "true"), MessageAction: types.MessageActionTypeSuppress})
	umOK(t, err)
	_, err = forgot(e.client, "invited")
	umWantErr(t, err, "NotAuthorizedException", "User password cannot be reset in the current state.")
	e.createUser("off", umAttrs("email", "off@example.com", "email_verified", "true")...)
	_, err = e.Client.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("off")})
	umOK(t, err)
	_, err = forgot(e.client, "off")
	umWantErr(t, err, "NotAuthorizedException", "User is disabled.")

	// PreventUserExistenceErrors ENABLED: simulated deliveries, and no
	// message sent.
	hidden := aws.ToString(e.CreateClient(e.pool, &cip.CreateUserPoolClientInput{PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled}).ClientId)
	for _, name := range []string{"nobody", "off", "nochannel"} {
		out, err := forgot(hidden, name)
		umOK(t, err)
		d := out.CodeDeliveryDetails
		if d == nil || d.DeliveryMedium != types.DeliveryMediumTypeEmail || aws.ToString(d.AttributeName) != "email" || len(aws.ToString(d.Destination)) != len("x***@y***.com") {
			t.Fatalf("%s: simulated details = %+v", name, d)
		}
		again, _ := forgot(hidden, name)
		if aws.ToString(again.CodeDeliveryDetails.Destination) != aws.ToString(d.Destination) {
			t.Errorf("%s: simulated destination changes between calls", name)
		}
	}
	if n := len(e.messages("off")) + len(e.messages("nochannel")); n != 0 {
		t.Errorf("%d messages sent for simulated deliveries", n)
	}
	out, err = forgot(hidden, "ghost@example.org")
	umOK(t, err)
	if aws.ToString(out.CodeDeliveryDetails.Destination) != "g***@e***.org" {
		t.Errorf("email-shaped unknown: %+v", out.CodeDeliveryDetails)
	}
	out, err = forgot(hidden, "alice")
	umOK(t, err)
	if aws.ToString(out.CodeDeliveryDetails.Destination) != "a***@e***.com" || e.lastCode("alice", "FORGOT_PASSWORD") == code {
		t.Errorf("real user with hidden errors: %+v", out.CodeDeliveryDetails)
	}
	umWantErr(t, confirm(hidden, "nobody", "123456", "N3w-passw0rd"), "CodeMismatchException", "Invalid verification code provided, please try again.")
	umWantErr(t, confirm(hidden, "off", "123456", "N3w-passw0rd"), "CodeMismatchException", "Invalid verification code provided, please try again.")
}

func TestForgotPasswordRecoverySetting(t *testing.T) {
	e := newUMEnv(t, &cip.CreateUserPoolInput{AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
		{Name: types.RecoveryOptionNameTypeVerifiedEmail, Priority: aws.Int32(2)},
		{Name: types.RecoveryOptionNameTypeVerifiedPhoneNumber, Priority: aws.Int32(1)},
	}}}, nil)
	e.createUser("both", umAttrs("email", "b@example.com", "email_verified", "true", "phone_number", "+15555550142", "phone_number_verified", "true")...)
	e.createUser("mail", umAttrs("email", "m@example.com", "email_verified", "true", "phone_number", "+15555550143")...)
	for name, want := range map[string]string{"both": "+*******0142", "mail": "m***@e***.com"} {
		out, err := e.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String(name)})
		umOK(t, err)
		if got := aws.ToString(out.CodeDeliveryDetails.Destination); got != want {
			t.Errorf("%s: code went to %s, want %s", name, got, want)
		}
	}
	admin := newUMEnv(t, &cip.CreateUserPoolInput{AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
		{Name: types.RecoveryOptionNameTypeAdminOnly, Priority: aws.Int32(1)},
	}}}, nil)
	admin.createUser("alice", umAttrs("email", "a@example.com", "email_verified", "true")...)
	_, err := admin.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(admin.client), Username: aws.String("alice")})
	umWantErr(t, err, "NotAuthorizedException", "User password cannot be reset in the current state.")
}

func TestForgotPasswordWithSecret(t *testing.T) {
	e := newUMEnv(t, nil, &cip.CreateUserPoolClientInput{GenerateSecret: true})
	e.createUser("alice", umAttrs("email", "a@example.com", "email_verified", "true")...)
	_, err := e.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("alice")})
	umWantErr(t, err, "NotAuthorizedException", "Client "+e.client+" is configured with secret but SECRET_HASH was not received")
	_, err = e.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("alice"),
		SecretHash: aws.String(umSecretHash(e.secret, "alice", e.client))})
	umOK(t, err)
}

func TestAdminSetUserPassword(t *testing.T) {
	e := newUMEnv(t, nil, nil)
	e.signUp("alice")
	set := func(username, pw string, permanent bool) error {
		_, err := e.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(e.pool), Username: aws.String(username),
			Password: aws.String(pw), Permanent: permanent})
		return err
	}
	umWantErr(t, set("alice", "weakpassword", true), "InvalidPasswordException", "Password did not conform with password policy: Password must have uppercase characters")
	if s := e.get("alice").UserStatus; s != types.UserStatusTypeUnconfirmed {
		t.Fatalf("failed set changed the status: %s", s)
	}
	umOK(t, set("alice", "Temp-passw0rd", false))
	if s := e.get("alice").UserStatus; s != types.UserStatusTypeForceChangePassword {
		t.Fatalf("temporary: %s", s)
	}
	umOK(t, set("alice", "Perm-passw0rd", true))
	if s := e.get("alice").UserStatus; s != types.UserStatusTypeConfirmed {
		t.Fatalf("permanent: %s", s)
	}
	if !e.checkPassword("alice", "Perm-passw0rd") {
		t.Fatal("password not set")
	}
	umWantErr(t, set("nobody", "Perm-passw0rd", true), "UserNotFoundException", "User does not exist.")
}

func TestAdminResetUserPassword(t *testing.T) {
	e := newUMEnv(t, nil, nil)
	e.createUser("alice", umAttrs("phone_number", "+15555550177", "phone_number_verified", "true")...)
	reset := func(username string) error {
		_, err := e.Client.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: aws.String(e.pool), Username: aws.String(username)})
		return err
	}
	umOK(t, reset("alice"))
	if s := e.get("alice").UserStatus; s != types.UserStatusTypeResetRequired {
		t.Fatalf("status %s", s)
	}
	msgs := e.messages("alice")
	if len(msgs) != 1 || msgs[0].Purpose != "FORGOT_PASSWORD" || msgs[0].Channel != "SMS" {
		t.Fatalf("outbox = %+v", msgs)
	}
	_, err := e.Anonymous.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("alice"),
		ConfirmationCode: aws.String(msgs[0].Code), Password: aws.String("N3w-passw0rd")})
	umOK(t, err)
	if s := e.get("alice").UserStatus; s != types.UserStatusTypeConfirmed {
		t.Fatalf("status after reset: %s", s)
	}

	e.createUser("plain")
	umWantErr(t, reset("plain"), "InvalidParameterException", "Cannot reset password for the user as there is no registered/verified email or phone_number")
	if s := e.get("plain").UserStatus; s != types.UserStatusTypeConfirmed {
		t.Fatalf("failed reset changed the status: %s", s)
	}
	umWantErr(t, reset("nobody"), "UserNotFoundException", "User does not exist.")
}
