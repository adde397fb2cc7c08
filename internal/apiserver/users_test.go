package apiserver_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/storage"
)

var autoEmail = &cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}}

func TestSignUpSendsConfirmationCode(t *testing.T) {
	tests := []struct {
		name     string
		auto     []types.VerifiedAttributeType
		attrs    []types.AttributeType
		medium   types.DeliveryMediumType
		attr     string
		dest     string
		noDetail bool
	}{
		{name: "email", auto: []types.VerifiedAttributeType{"email"}, attrs: umAttrs("email", "alice@example.com"),
			medium: "EMAIL", attr: "email", dest: "a***@e***.com"},
		{name: "phone", auto: []types.VerifiedAttributeType{"phone_number"}, attrs: umAttrs("phone_number", "+15555550123"),
			medium: "SMS", attr: "phone_number", dest: "+*******0123"},
		{name: "both auto-verified: SMS", auto: []types.VerifiedAttributeType{"email", "phone_number"},
			attrs: umAttrs("email", "alice@example.com", "phone_number", "+15555550123"), medium: "SMS", attr: "phone_number", dest: "+*******0123"},
		{name: "nothing auto-verified", attrs: umAttrs("email", "alice@example.com"), noDetail: true},
		{name: "auto-verified attribute absent", auto: []types.VerifiedAttributeType{"phone_number"}, attrs: umAttrs("email", "alice@example.com"), noDetail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newUMEnv(t, &cip.CreateUserPoolInput{AutoVerifiedAttributes: tt.auto}, nil)
			out := e.signUp("alice", tt.attrs...)
			if out.UserConfirmed || !umUUID.MatchString(aws.ToString(out.UserSub)) {
				t.Errorf("UserConfirmed %v, UserSub %q", out.UserConfirmed, aws.ToString(out.UserSub))
			}
			g := e.get("alice")
			if g.UserStatus != types.UserStatusTypeUnconfirmed || !g.Enabled || umMap(g.UserAttributes)["sub"] != aws.ToString(out.UserSub) {
				t.Errorf("AdminGetUser = %+v", g)
			}
			msgs := e.messages("alice")
			if tt.noDetail {
				if out.CodeDeliveryDetails != nil || len(msgs) != 0 {
					t.Fatalf("details %+v, messages %+v", out.CodeDeliveryDetails, msgs)
				}
				return
			}
			d := out.CodeDeliveryDetails
			if d == nil || d.DeliveryMedium != tt.medium || aws.ToString(d.AttributeName) != tt.attr || aws.ToString(d.Destination) != tt.dest {
				t.Fatalf("CodeDeliveryDetails = %+v", d)
			}
			if len(msgs) != 1 || msgs[0].Purpose != "SIGN_UP" || msgs[0].Channel != string(tt.medium) || len(msgs[0].Code) != 6 {
				t.Fatalf("outbox = %+v", msgs)
			}
		})
	}
}

func TestSignUpErrors(t *testing.T) {
	e := newUMEnv(t, &cip.CreateUserPoolInput{
		Schema: []types.SchemaAttributeType{
			{Name: aws.String("email"), Required: aws.Bool(true), Mutable: aws.Bool(true)},
			{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(false)},
			{Name: aws.String("secret"), AttributeDataType: types.AttributeDataTypeString, DeveloperOnlyAttribute: aws.Bool(true)},
		},
	}, nil)
	limited := e.CreateClient(e.pool, &cip.CreateUserPoolClientInput{WriteAttributes: []string{"email"}})
	withSecret := e.CreateClient(e.pool, &cip.CreateUserPoolClientInput{GenerateSecret: true})
	e.signUp("taken", umAttrs("email", "taken@example.com")...)
	secretID := aws.ToString(withSecret.ClientId)

	tests := []struct {
		name   string
		in     cip.SignUpInput
		code   string
		msg    string
		client string
	}{
		{name: "username exists", in: cip.SignUpInput{Username: aws.String("taken"), Password: aws.String(umPassword), UserAttributes: umAttrs("email", "b@example.com")},
			code: "UsernameExistsException", msg: "User already exists"},
		{name: "username exists, password refused: the password is checked first",
			in:   cip.SignUpInput{Username: aws.String("taken"), Password: aws.String("short"), UserAttributes: umAttrs("email", "b@example.com")},
			code: "InvalidPasswordException", msg: "Password did not conform with policy: Password not long enough"},
		{name: "required attribute missing", in: cip.SignUpInput{Username: aws.String("bob"), Password: aws.String(umPassword)},
			code: "InvalidParameterException", msg: "Attributes did not conform to the schema: email: The attribute is required\n"},
		{name: "unknown attribute", in: cip.SignUpInput{Username: aws.String("bob"), Password: aws.String(umPassword), UserAttributes: umAttrs("email", "b@example.com", "custom:nope", "x")},
			code: "InvalidParameterException", msg: "Attributes did not conform to the schema: custom:nope: Attribute does not exist in the schema.\n"},
		{name: "password too short", in: cip.SignUpInput{Username: aws.String("bob"), Password: aws.String("Aa1!"), UserAttributes: umAttrs("email", "b@example.com")},
			code: "InvalidPasswordException", msg: "Password did not conform with policy: Password not long enough"},
		{name: "password without symbol", in: cip.SignUpInput{Username: aws.String("bob"), Password: aws.String("Passw0rdd"), UserAttributes: umAttrs("email", "b@example.com")},
			code: "InvalidPasswordException", msg: "Password did not conform with policy: Password must have symbol characters"},
		{name: "no password", in: cip.SignUpInput{Username: aws.String("bob"), UserAttributes: umAttrs("email", "b@example.com")},
			code: "InvalidParameterException", msg: "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null"},
		{name: "verification flag", in: cip.SignUpInput{Username: aws.String("bob"), Password: aws.String(umPassword), UserAttributes: umAttrs("email", "b@example.com", "email_verified", "true")},
			code: "NotAuthorizedException", msg: "A client attempted to write unauthorized attribute"},
		{name: "developer-only attribute", in: cip.SignUpInput{Username: aws.String("bob"), Password: aws.String(umPassword), UserAttributes: umAttrs("email", "b@example.com", "dev:custom:secret", "x")},
			code: "NotAuthorizedException", msg: "A client attempted to write unauthorized attribute"},
		{name: "outside WriteAttributes", client: aws.ToString(limited.ClientId),
			in:   cip.SignUpInput{Username: aws.String("bob"), Password: aws.String(umPassword), UserAttributes: umAttrs("email", "b@example.com", "name", "Bob")},
			code: "NotAuthorizedException", msg: "A client attempted to write unauthorized attribute"},
		{name: "secret hash missing", client: secretID,
			in:   cip.SignUpInput{Username: aws.String("bob"), Password: aws.String(umPassword), UserAttributes: umAttrs("email", "b@example.com")},
			code: "NotAuthorizedException", msg: "Client " + secretID + " is configured with secret but SECRET_HASH was not received"},
		{name: "secret hash wrong", client: secretID,
			in:   cip.SignUpInput{Username: aws.String("bob"), Password: aws.String(umPassword), SecretHash: aws.String(umSecretHash("nope", "bob", secretID)), UserAttributes: umAttrs("email", "b@example.com")},
			code: "NotAuthorizedException", msg: "Unable to verify secret hash for client " + secretID},
		{name: "unknown client", client: "nosuchclient0000000000000a",
			in:   cip.SignUpInput{Username: aws.String("bob"), Password: aws.String(umPassword), UserAttributes: umAttrs("email", "b@example.com")},
			code: "ResourceNotFoundException", msg: "User pool client nosuchclient0000000000000a does not exist."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.ClientId = aws.String(e.client)
			if tt.client != "" {
				in.ClientId = aws.String(tt.client)
			}
			_, err := e.Anonymous.SignUp(ctx, &in)
			umWantErr(t, err, tt.code, tt.msg)
		})
	}
	// None of the failed requests created anything.
	if got := umNames(e.listAll("")); got != "taken" {
		t.Errorf("users after failed sign-ups: %s", got)
	}

	// The secret client works with the right hash; immutable attributes may
	// be set at sign-up.
	_, err := e.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(secretID), Username: aws.String("carol"), Password: aws.String(umPassword),
		SecretHash: aws.String(umSecretHash(aws.ToString(withSecret.ClientSecret), "carol", secretID)), UserAttributes: umAttrs("email", "c@example.com", "custom:tenant", "t1")})
	umOK(t, err)
	if umMap(e.get("carol").UserAttributes)["custom:tenant"] != "t1" {
		t.Errorf("custom:tenant not stored")
	}

	adminOnly := newUMEnv(t, &cip.CreateUserPoolInput{AdminCreateUserConfig: &types.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true}}, nil)
	_, err = adminOnly.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(adminOnly.client), Username: aws.String("x"), Password: aws.String(umPassword)})
	umWantErr(t, err, "NotAuthorizedException", "SignUp is not permitted for this user pool")
}

func TestConfirmSignUp(t *testing.T) {
	e := newUMEnv(t, autoEmail, nil)
	e.signUp("alice", umAttrs("email", "alice@example.com")...)
	code := e.lastCode("alice", "SIGN_UP")
	confirm := func(username, code string) error {
		_, err := e.Anonymous.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(e.client), Username: aws.String(username), ConfirmationCode: aws.String(code)})
		return err
	}
	umWantErr(t, confirm("alice", umWrongCode(code)), "CodeMismatchException", "Invalid verification code provided, please try again.")
	umWantErr(t, confirm("nobody", code), "UserNotFoundException", "Username/client id combination not found.")
	if s := e.get("alice").UserStatus; s != types.UserStatusTypeUnconfirmed {
		t.Fatalf("status after failures: %s", s)
	}
	umOK(t, confirm("alice", code))
	g := e.get("alice")
	if g.UserStatus != types.UserStatusTypeConfirmed || umMap(g.UserAttributes)["email_verified"] != "true" {
		t.Errorf("after confirmation: %s %v", g.UserStatus, umMap(g.UserAttributes))
	}
	umWantErr(t, confirm("alice", code), "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")

	// Expiry: the code lives 24 hours.
	e.signUp("bob", umAttrs("email", "bob@example.com")...)
	e.Clock.Advance(24*time.Hour + time.Second)
	umWantErr(t, confirm("bob", e.lastCode("bob", "SIGN_UP")), "ExpiredCodeException", "Invalid code provided, please request a code again.")

	// Attempt limit: after five wrong codes even the right one fails.
	e.signUp("carol", umAttrs("email", "carol@example.com")...)
	code = e.lastCode("carol", "SIGN_UP")
	for range 5 {
		umWantErr(t, confirm("carol", umWrongCode(code)), "CodeMismatchException", "Invalid verification code provided, please try again.")
	}
	umWantErr(t, confirm("carol", code), "LimitExceededException", "Attempt limit exceeded, please try after some time.")

	// PreventUserExistenceErrors hides unknown users: answered as an
	// unconfirmed user's wrong code, limits included.
	hidden := e.CreateClient(e.pool, &cip.CreateUserPoolClientInput{PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled})
	for range 5 {
		_, err := e.Anonymous.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: hidden.ClientId, Username: aws.String("nobody"), ConfirmationCode: aws.String("123456")})
		umWantErr(t, err, "CodeMismatchException", "Invalid verification code provided, please try again.")
	}
	_, err := e.Anonymous.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: hidden.ClientId, Username: aws.String("nobody"), ConfirmationCode: aws.String("123456")})
	umWantErr(t, err, "LimitExceededException", "Attempt limit exceeded, please try after some time.")
}

func TestResendConfirmationCode(t *testing.T) {
	e := newUMEnv(t, autoEmail, nil)
	e.signUp("alice", umAttrs("email", "alice@example.com")...)
	first := e.lastCode("alice", "SIGN_UP")
	out, err := e.Anonymous.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(e.client), Username: aws.String("alice")})
	umOK(t, err)
	if d := out.CodeDeliveryDetails; d == nil || d.DeliveryMedium != types.DeliveryMediumTypeEmail || aws.ToString(d.Destination) != "a***@e***.com" {
		t.Fatalf("details = %+v", d)
	}
	second := e.lastCode("alice", "RESEND_CODE")
	if first != second {
		_, err = e.Anonymous.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(e.client), Username: aws.String("alice"), ConfirmationCode: aws.String(first)})
		umWantErr(t, err, "CodeMismatchException", "Invalid verification code provided, please try again.")
	}
	_, err = e.Anonymous.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(e.client), Username: aws.String("alice"), ConfirmationCode: aws.String(second)})
	umOK(t, err)
	_, err = e.Anonymous.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(e.client), Username: aws.String("alice")})
	umWantErr(t, err, "InvalidParameterException", "User is already confirmed.")
	_, err = e.Anonymous.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(e.client), Username: aws.String("nobody")})
	umWantErr(t, err, "UserNotFoundException", "Username/client id combination not found.")

	plain := newUMEnv(t, nil, nil)
	plain.signUp("bob", umAttrs("email", "bob@example.com")...)
	_, err = plain.Anonymous.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(plain.client), Username: aws.String("bob")})
	umWantErr(t, err, "NotAuthorizedException", "Cannot resend codes. Auto verification not turned on.")

	hidden := e.CreateClient(e.pool, &cip.CreateUserPoolClientInput{PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled})
	out, err = e.Anonymous.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: hidden.ClientId, Username: aws.String("ghost@example.net")})
	umOK(t, err)
	if d := out.CodeDeliveryDetails; d == nil || d.DeliveryMedium != types.DeliveryMediumTypeEmail || aws.ToString(d.Destination) != "g***@e***.net" {
		t.Fatalf("simulated details = %+v", d)
	}
}

func TestAdminCreateUser(t *testing.T) {
	e := newUMEnv(t, &cip.CreateUserPoolInput{
		AdminCreateUserConfig: &types.AdminCreateUserConfigType{InviteMessageTemplate: &types.MessageTemplateType{
			EmailMessage: aws.String("Hi {username}, your password is {####}"), EmailSubject: aws.String("Welcome"),
			SMSMessage: aws.String("User {username} pw {####}"),
		}},
	}, nil)
	out, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(e.pool), Username: aws.String("alice"),
		UserAttributes:         umAttrs("email", "alice@example.com", "email_verified", "true", "name", "Alice"),
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
	})
	umOK(t, err)
	u := out.User
	attrs := umMap(u.Attributes)
	if aws.ToString(u.Username) != "alice" || u.UserStatus != types.UserStatusTypeForceChangePassword || !u.Enabled ||
		!umUUID.MatchString(attrs["sub"]) || attrs["email_verified"] != "true" || aws.ToString(u.Attributes[0].Name) != "sub" ||
		u.UserCreateDate == nil || u.UserLastModifiedDate == nil || u.MFAOptions != nil {
		t.Fatalf("User = %+v, attrs %v", u, attrs)
	}
	msgs := e.messages("alice")
	if len(msgs) != 1 || msgs[0].Purpose != "INVITATION" || msgs[0].Channel != "EMAIL" ||
		msgs[0].Body != "Hi alice, your password is "+msgs[0].Code {
		t.Fatalf("invitation = %+v", msgs)
	}
	// The generated temporary password satisfies the default policy and
	// works as the previous password.
	temp := msgs[0].Code
	if len(temp) < 8 {
		t.Fatalf("temporary password too short")
	}
	_, err = e.Anonymous.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: aws.String(e.token("alice", e.client)),
		PreviousPassword: aws.String(temp), ProposedPassword: aws.String("N3w-passw0rd")})
	umOK(t, err)

	// Default medium SMS: sent to the phone, and not to the email.
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("bob"),
		UserAttributes: umAttrs("email", "bob@example.com", "phone_number", "+15555550100"), TemporaryPassword: aws.String("Temp0rary!")})
	umOK(t, err)
	if msgs := e.messages("bob"); len(msgs) != 1 || msgs[0].Channel != "SMS" || msgs[0].Code != "Temp0rary!" || msgs[0].Body != "User bob pw Temp0rary!" {
		t.Fatalf("bob's invitation = %+v", msgs)
	}
	// Both mediums.
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("both"),
		UserAttributes:         umAttrs("email", "both@example.com", "phone_number", "+15555550101"),
		DesiredDeliveryMediums: []types.DeliveryMediumType{"EMAIL", "SMS"}})
	umOK(t, err)
	if msgs := e.messages("both"); len(msgs) != 2 {
		t.Fatalf("both: %+v", msgs)
	}
	// Default SMS and no phone: nothing is sent.
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("carol"),
		UserAttributes: umAttrs("email", "carol@example.com")})
	umOK(t, err)
	// SUPPRESS sends nothing.
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("dave"),
		UserAttributes: umAttrs("email", "dave@example.com"), MessageAction: types.MessageActionTypeSuppress,
		DesiredDeliveryMediums: []types.DeliveryMediumType{"EMAIL"}})
	umOK(t, err)
	if n := len(e.messages("carol")) + len(e.messages("dave")); n != 0 {
		t.Fatalf("%d messages for carol and dave", n)
	}
	// RESEND: a new temporary password.
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("dave"),
		MessageAction: types.MessageActionTypeResend, DesiredDeliveryMediums: []types.DeliveryMediumType{"EMAIL"}})
	umOK(t, err)
	if msgs := e.messages("dave"); len(msgs) != 1 || msgs[0].Purpose != "INVITATION" {
		t.Fatalf("resend: %+v", msgs)
	}

	e.createUser("zed")
	tests := []struct {
		name string
		in   cip.AdminCreateUserInput
		code string
		msg  string
	}{
		{name: "exists", in: cip.AdminCreateUserInput{Username: aws.String("alice")}, code: "UsernameExistsException", msg: "User account already exists"},
		{name: "bad temporary password", in: cip.AdminCreateUserInput{Username: aws.String("eve"), TemporaryPassword: aws.String("password")},
			code: "InvalidPasswordException", msg: "Password did not conform with password policy: Password must have uppercase characters"},
		{name: "bad phone", in: cip.AdminCreateUserInput{Username: aws.String("eve"), UserAttributes: umAttrs("phone_number", "555")},
			code: "InvalidParameterException", msg: "Attributes did not conform to the schema: phone_number: Invalid phone number format.\n"},
		{name: "resend unknown", in: cip.AdminCreateUserInput{Username: aws.String("eve"), MessageAction: types.MessageActionTypeResend},
			code: "UserNotFoundException", msg: "User does not exist."},
		{name: "resend confirmed", in: cip.AdminCreateUserInput{Username: aws.String("zed"), MessageAction: types.MessageActionTypeResend},
			code: "UnsupportedUserStateException", msg: "Resend not possible. User status is not FORCE_CHANGE_PASSWORD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.UserPoolId = aws.String(e.pool)
			_, err := e.Client.AdminCreateUser(ctx, &in)
			umWantErr(t, err, tt.code, tt.msg)
		})
	}
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String("us-east-1_Nope12345"), Username: aws.String("x")})
	umWantErr(t, err, "ResourceNotFoundException", "User pool us-east-1_Nope12345 does not exist.")
	if got := umNames(e.listAll("")); got != "alice,bob,both,carol,dave,zed" {
		t.Errorf("users = %s", got)
	}
}

func TestAdminConfirmSignUp(t *testing.T) {
	e := newUMEnv(t, autoEmail, nil)
	e.signUp("alice", umAttrs("email", "alice@example.com")...)
	confirm := func(u string) error {
		_, err := e.Client.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(e.pool), Username: aws.String(u)})
		return err
	}
	umOK(t, confirm("alice"))
	g := e.get("alice")
	if g.UserStatus != types.UserStatusTypeConfirmed || umMap(g.UserAttributes)["email_verified"] == "true" {
		t.Errorf("after admin confirmation: %s %v", g.UserStatus, umMap(g.UserAttributes))
	}
	umWantErr(t, confirm("alice"), "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")
	umWantErr(t, confirm("nobody"), "UserNotFoundException", "User does not exist.")
}

func TestUsernameAttributes(t *testing.T) {
	t.Run("email", func(t *testing.T) {
		e := newUMEnv(t, &cip.CreateUserPoolInput{UsernameAttributes: []types.UsernameAttributeType{"email"}, AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"}}, nil)
		_, err := e.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.client), Username: aws.String("alice"), Password: aws.String(umPassword)})
		umWantErr(t, err, "InvalidParameterException", "Username should be an email.")
		_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("+15555550100")})
		umWantErr(t, err, "InvalidParameterException", "Username should be an email.")

		out := e.signUp("Alice@Example.com")
		sub := aws.ToString(out.UserSub)
		g := e.get("alice@example.com") // the email finds the user, in any case
		if aws.ToString(g.Username) != sub || umMap(g.UserAttributes)["email"] != "Alice@Example.com" {
			t.Fatalf("user = %s %v (sub %s)", aws.ToString(g.Username), umMap(g.UserAttributes), sub)
		}
		if d := out.CodeDeliveryDetails; d == nil || aws.ToString(d.Destination) != "A***@E***.com" {
			t.Fatalf("details = %+v", d)
		}
		_, err = e.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.client), Username: aws.String("alice@example.com"), Password: aws.String(umPassword)})
		umWantErr(t, err, "UsernameExistsException", "An account with the given email already exists.")
		_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("ALICE@example.com")})
		umWantErr(t, err, "UsernameExistsException", "An account with the given email already exists.")
		// Confirmation by the email; the code went to the internal username.
		_, err = e.Anonymous.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(e.client), Username: aws.String("Alice@Example.com"),
			ConfirmationCode: aws.String(e.lastCode(sub, "SIGN_UP"))})
		umOK(t, err)
		// Admin operations accept the internal username and the sub too.
		if g := e.get(sub); g.UserStatus != types.UserStatusTypeConfirmed {
			t.Errorf("status %s", g.UserStatus)
		}
		// Changing the email to one another user has is refused.
		e.createUser("bob@example.com")
		_, err = e.Client.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(e.pool),
			Username: aws.String("bob@example.com"), UserAttributes: umAttrs("email", "alice@example.com")})
		umWantErr(t, err, "AliasExistsException", "An account with the given email already exists.")
	})
	t.Run("phone", func(t *testing.T) {
		e := newUMEnv(t, &cip.CreateUserPoolInput{UsernameAttributes: []types.UsernameAttributeType{"phone_number"}}, nil)
		_, err := e.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.client), Username: aws.String("a@example.com"), Password: aws.String(umPassword)})
		umWantErr(t, err, "InvalidParameterException", "Username should be a phone number.")
		out := e.signUp("+15555550100")
		if out.CodeDeliveryDetails != nil {
			t.Errorf("details without auto-verification: %+v", out.CodeDeliveryDetails)
		}
		g := e.get("+15555550100")
		if aws.ToString(g.Username) != aws.ToString(out.UserSub) || umMap(g.UserAttributes)["phone_number"] != "+15555550100" {
			t.Fatalf("user = %+v", g)
		}
		_, err = e.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.client), Username: aws.String("+15555550100"), Password: aws.String(umPassword)})
		umWantErr(t, err, "UsernameExistsException", "An account with the given phone_number already exists.")
	})
	t.Run("either", func(t *testing.T) {
		e := newUMEnv(t, &cip.CreateUserPoolInput{UsernameAttributes: []types.UsernameAttributeType{"phone_number", "email"}}, nil)
		_, err := e.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.client), Username: aws.String("alice"), Password: aws.String(umPassword)})
		umWantErr(t, err, "InvalidParameterException", "Username should be either an email or a phone number.")
		e.signUp("a@example.com")
		e.signUp("+15555550100")
		if n := len(e.listAll("")); n != 2 {
			t.Errorf("%d users", n)
		}
	})
}

func TestAliasAttributes(t *testing.T) {
	e := newUMEnv(t, &cip.CreateUserPoolInput{AliasAttributes: []types.AliasAttributeType{"email", "phone_number", "preferred_username"},
		AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"}}, nil)
	_, err := e.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.client), Username: aws.String("a@example.com"), Password: aws.String(umPassword)})
	umWantErr(t, err, "InvalidParameterException", "Username cannot be of email format, since user pool is configured for email alias.")
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("+15555550100")})
	umWantErr(t, err, "InvalidParameterException", "Username cannot be of phone number format, since user pool is configured for phone number alias.")

	confirm := func(username string, force bool) error {
		_, err := e.Anonymous.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(e.client), Username: aws.String(username),
			ConfirmationCode: aws.String(e.lastCode(username, "SIGN_UP")), ForceAliasCreation: force})
		return err
	}
	e.signUp("first", umAttrs("email", "shared@example.com")...)
	e.signUp("second", umAttrs("email", "Shared@example.com")...)
	// An unconfirmed alias does not find the user.
	_, err = e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("shared@example.com")})
	umWantErr(t, err, "UserNotFoundException", "User does not exist.")
	umOK(t, confirm("first", false))
	if g := e.get("shared@example.com"); aws.ToString(g.Username) != "first" {
		t.Fatalf("alias finds %s", aws.ToString(g.Username))
	}
	umWantErr(t, confirm("second", false), "AliasExistsException", "An account with the given email already exists.")
	if s := e.get("second").UserStatus; s != types.UserStatusTypeUnconfirmed {
		t.Fatalf("second after refused confirmation: %s", s)
	}
	// The code is still good: ForceAliasCreation takes the alias over.
	umOK(t, confirm("second", true))
	if g := e.get("shared@example.com"); aws.ToString(g.Username) != "second" {
		t.Fatalf("alias finds %s after force", aws.ToString(g.Username))
	}
	if v := umMap(e.get("first").UserAttributes)["email_verified"]; v != "false" {
		t.Errorf("first's email_verified = %q", v)
	}

	// AdminCreateUser with a verified alias someone holds.
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("third"),
		UserAttributes: umAttrs("email", "shared@example.com", "email_verified", "true"), MessageAction: types.MessageActionTypeSuppress})
	umWantErr(t, err, "AliasExistsException", "An account with the given email already exists.")
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("third"),
		UserAttributes: umAttrs("email", "shared@example.com", "email_verified", "true"), MessageAction: types.MessageActionTypeSuppress,
		ForceAliasCreation: true})
	umOK(t, err)
	if g := e.get("shared@example.com"); aws.ToString(g.Username) != "third" {
		t.Fatalf("alias finds %s after forced creation", aws.ToString(g.Username))
	}

	// preferred_username is an alias as soon as it is set.
	e.createUser("pat", umAttrs("preferred_username", "patty")...)
	if g := e.get("patty"); aws.ToString(g.Username) != "pat" {
		t.Fatalf("preferred_username finds %s", aws.ToString(g.Username))
	}
	_, err = e.Client.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(e.pool), Username: aws.String("first"),
		UserAttributes: umAttrs("preferred_username", "patty")})
	umWantErr(t, err, "AliasExistsException", "An account with the given preferred_username already exists.")
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("pat2"),
		UserAttributes: umAttrs("preferred_username", "patty")})
	umWantErr(t, err, "AliasExistsException", "An account with the given preferred_username already exists.")
}

func TestCaseInsensitivePool(t *testing.T) {
	e := newUMEnv(t, &cip.CreateUserPoolInput{UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)},
		AliasAttributes: []types.AliasAttributeType{"preferred_username"}}, nil)
	e.signUp("Alice", umAttrs("preferred_username", "Wonder")...)
	if g := e.get("ALICE"); aws.ToString(g.Username) != "Alice" {
		t.Fatalf("Username = %s", aws.ToString(g.Username))
	}
	if g := e.get("wonder"); aws.ToString(g.Username) != "Alice" {
		t.Fatalf("preferred_username alias = %s", aws.ToString(g.Username))
	}
	_, err := e.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.client), Username: aws.String("alice"), Password: aws.String(umPassword)})
	umWantErr(t, err, "UsernameExistsException", "User already exists")
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("aLiCe")})
	umWantErr(t, err, "UsernameExistsException", "User account already exists")
	if got := umNames(e.listAll(`username = "alice"`)); got != "Alice" {
		t.Errorf("filter username: %q", got)
	}

	sensitive := newUMEnv(t, nil, nil)
	sensitive.signUp("Alice")
	sensitive.signUp("alice")
	_, err = sensitive.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(sensitive.pool), Username: aws.String("ALICE")})
	umWantErr(t, err, "UserNotFoundException", "User does not exist.")
	if got := umNames(sensitive.listAll(`username = "alice"`)); got != "alice" {
		t.Errorf("case-sensitive filter: %q", got)
	}
}

func TestGetUser(t *testing.T) {
	e := newUMEnv(t, nil, nil)
	e.createUser("alice", umAttrs("email", "alice@example.com", "email_verified", "true", "name", "Alice")...)
	tok := e.token("alice", e.client)
	out, err := e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(tok)})
	umOK(t, err)
	if aws.ToString(out.Username) != "alice" || aws.ToString(out.UserAttributes[0].Name) != "sub" || len(out.UserAttributes) != 4 {
		t.Fatalf("GetUser = %+v", out)
	}
	if out.UserMFASettingList != nil || out.PreferredMfaSetting != nil || out.MFAOptions != nil {
		t.Fatalf("MFA members present for a user without MFA: %+v", out)
	}
	// The raw body has no MFA keys at all (omitted, not empty).
	body := e.rawBody("GetUser", fmt.Sprintf(`{"AccessToken":%q}`, tok))
	for _, k := range []string{"UserMFASettingList", "PreferredMfaSetting", "MFAOptions", "UserStatus"} {
		if strings.Contains(body, k) {
			t.Errorf("GetUser body has %s", k)
		}
	}

	// MFA settings appear once set.
	u := e.stored("alice")
	_, err = e.Store.UpdateUser(ctx, e.pool, u.UsernameKey, func(u *storage.User) error {
		u.MFA.Enabled = []mfa.Factor{mfa.TOTP, mfa.SMS}
		u.MFA.Preferred = "SOFTWARE_TOKEN_MFA"
		u.MFA.LegacySMS = true
		return nil
	})
	umOK(t, err)
	out, err = e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(tok)})
	umOK(t, err)
	if !slices.Equal(out.UserMFASettingList, []string{"SMS_MFA", "SOFTWARE_TOKEN_MFA"}) || aws.ToString(out.PreferredMfaSetting) != "SOFTWARE_TOKEN_MFA" ||
		len(out.MFAOptions) != 1 || out.MFAOptions[0].DeliveryMedium != types.DeliveryMediumTypeSms || aws.ToString(out.MFAOptions[0].AttributeName) != "phone_number" {
		t.Fatalf("MFA = %+v %v %+v", out.UserMFASettingList, out.PreferredMfaSetting, out.MFAOptions)
	}
	a, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("alice")})
	umOK(t, err)
	if !slices.Equal(a.UserMFASettingList, out.UserMFASettingList) || aws.ToString(a.PreferredMfaSetting) != "SOFTWARE_TOKEN_MFA" || len(a.MFAOptions) != 1 {
		t.Fatalf("AdminGetUser MFA = %+v", a)
	}
	// ListUsers shows MFAOptions but never PreferredMfaSetting (UserType has
	// no such member).
	if us := e.listAll(""); len(us) != 1 || len(us[0].MFAOptions) != 1 {
		t.Fatalf("ListUsers = %+v", us)
	}

	// A client with ReadAttributes sees only those (and sub).
	limited := e.CreateClient(e.pool, &cip.CreateUserPoolClientInput{ReadAttributes: []string{"email"}})
	out, err = e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(e.token("alice", aws.ToString(limited.ClientId)))})
	umOK(t, err)
	if m := umMap(out.UserAttributes); len(m) != 2 || m["email"] != "alice@example.com" || m["sub"] == "" {
		t.Fatalf("limited GetUser = %v", m)
	}

	_, err = e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String("not.a.token")})
	umWantErr(t, err, "NotAuthorizedException", "Invalid Access Token")
}

func TestAdminGetUser(t *testing.T) {
	e := newUMEnv(t, nil, nil)
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	e.Clock.Set(now)
	e.createUser("alice", umAttrs("email", "alice@example.com")...)
	g := e.get("alice")
	if aws.ToString(g.Username) != "alice" || g.UserStatus != types.UserStatusTypeConfirmed || !g.Enabled ||
		!g.UserCreateDate.Equal(now) || !g.UserLastModifiedDate.Equal(now) || aws.ToString(g.UserAttributes[0].Name) != "sub" {
		t.Fatalf("AdminGetUser = %+v", g)
	}
	// By sub.
	if g2 := e.get(umMap(g.UserAttributes)["sub"]); aws.ToString(g2.Username) != "alice" {
		t.Fatalf("by sub: %s", aws.ToString(g2.Username))
	}
	_, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("nobody")})
	umWantErr(t, err, "UserNotFoundException", "User does not exist.")
	_, err = e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("us-east-1_Nope12345"), Username: aws.String("alice")})
	umWantErr(t, err, "ResourceNotFoundException", "User pool us-east-1_Nope12345 does not exist.")
}

func TestDeleteUser(t *testing.T) {
	e := newUMEnv(t, nil, nil)
	e.createUser("alice")
	e.createUser("bob")
	tok := e.token("alice", e.client)
	_, err := e.Anonymous.DeleteUser(ctx, &cip.DeleteUserInput{AccessToken: aws.String(tok)})
	umOK(t, err)
	_, err = e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("alice")})
	umWantErr(t, err, "UserNotFoundException", "User does not exist.")
	_, err = e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(tok)})
	umWantErr(t, err, "UserNotFoundException", "User does not exist.")

	_, err = e.Client.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("bob")})
	umOK(t, err)
	_, err = e.Client.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("bob")})
	umWantErr(t, err, "UserNotFoundException", "User does not exist.")
	if n := len(e.listAll("")); n != 0 {
		t.Errorf("%d users left", n)
	}
}

func TestAdminDisableEnableUser(t *testing.T) {
	e := newUMEnv(t, &cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"}}, nil)
	e.createUser("alice", umAttrs("email", "alice@example.com", "email_verified", "true")...)
	tok := e.token("alice", e.client)
	e.Clock.Advance(time.Second)
	_, err := e.Client.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("alice")})
	umOK(t, err)
	if g := e.get("alice"); g.Enabled {
		t.Fatal("still enabled")
	}
	if u := e.stored("alice"); u.TokensRevokedAt.Sub(e.Clock.Now()).Abs() > time.Millisecond {
		t.Errorf("TokensRevokedAt = %v, want %v", u.TokensRevokedAt, e.Clock.Now())
	}
	_, err = e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(tok)})
	umWantErr(t, err, "NotAuthorizedException", "Access Token has been revoked")
	_, err = e.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("alice")})
	umWantErr(t, err, "NotAuthorizedException", "User is disabled.")
	if us := e.listAll(`status = "Disabled"`); umNames(us) != "alice" {
		t.Errorf("status filter: %s", umNames(us))
	}

	_, err = e.Client.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("alice")})
	umOK(t, err)
	if g := e.get("alice"); !g.Enabled {
		t.Fatal("not enabled")
	}
	// Tokens from before the disablement stay revoked; new ones work.
	_, err = e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(tok)})
	umWantErr(t, err, "NotAuthorizedException", "Access Token has been revoked")
	_, err = e.Client.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("nobody")})
	umWantErr(t, err, "UserNotFoundException", "User does not exist.")
	_, err = e.Client.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: aws.String("us-east-1_Nope12345"), Username: aws.String("alice")})
	umWantErr(t, err, "ResourceNotFoundException", "User pool us-east-1_Nope12345 does not exist.")
}

func TestListUsers(t *testing.T) {
	e := newUMEnv(t, nil, nil)
	e.createUser("amy", umAttrs("email", "amy@example.com", "family_name", `O"Neil`, "given_name", "Amy")...)
	e.createUser("andy", umAttrs("email", "andy@example.org", "family_name", "Smith", "phone_number", "+15555550100")...)
	e.createUser("bea", umAttrs("email", "bea@example.com", "family_name", "Smithers", "name", "Bea")...)
	e.signUp("carl", umAttrs("email", "carl@example.com")...)
	_, err := e.Client.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("bea")})
	umOK(t, err)
	beaSub := umMap(e.get("bea").UserAttributes)["sub"]

	tests := []struct {
		filter string
		want   string
	}{
		{``, "amy,andy,bea,carl"},
		{`username = "amy"`, "amy"},
		{`username ^= "a"`, "amy,andy"},
		{`username = "Amy"`, ""},
		{`email = "andy@example.org"`, "andy"},
		{`email ^= "b"`, "bea"},
		{`family_name = "O\"Neil"`, "amy"},
		{`family_name ^= "Smith"`, "andy,bea"},
		{`phone_number = "+15555550100"`, "andy"},
		{`name = "Bea"`, "bea"},
		{`given_name ^= "A"`, "amy"},
		{`cognito:user_status = "UNCONFIRMED"`, "carl"},
		{`cognito:user_status = "confirmed"`, "amy,andy,bea"},
		{`status = "Enabled"`, "amy,andy,carl"},
		{`status = "Disabled"`, "bea"},
		{`sub = "` + beaSub + `"`, "bea"},
		{`preferred_username = "x"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			if got := umNames(e.listAll(tt.filter)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}

	errs := []struct {
		filter, msg string
	}{
		{`email`, "Error while parsing filter."},
		{`email = amy`, "Error while parsing filter."},
		{`email = "amy`, "Error while parsing filter."},
		{`email contains "amy"`, "Error while parsing filter."},
		{`custom:plan = "x"`, "Invalid search attribute: custom:plan"},
		{`locale = "en"`, "Invalid search attribute: locale"},
	}
	for _, tt := range errs {
		_, err := e.Client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(e.pool), Filter: aws.String(tt.filter)})
		umWantErr(t, err, "InvalidParameterException", tt.msg)
	}

	// AttributesToGet.
	out, err := e.Client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(e.pool), AttributesToGet: []string{"email", "sub"}, Filter: aws.String(`username = "amy"`)})
	umOK(t, err)
	if len(out.Users) != 1 || len(out.Users[0].Attributes) != 2 || umMap(out.Users[0].Attributes)["email"] != "amy@example.com" ||
		out.Users[0].UserStatus != types.UserStatusTypeConfirmed || !out.Users[0].Enabled || out.Users[0].UserCreateDate == nil {
		t.Fatalf("AttributesToGet: %+v", out.Users)
	}
	out, err = e.Client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(e.pool), AttributesToGet: []string{"email"}})
	umOK(t, err)
	for _, u := range out.Users {
		if len(u.Attributes) != 1 || aws.ToString(u.Attributes[0].Name) != "email" {
			t.Errorf("%s: %v", aws.ToString(u.Username), umMap(u.Attributes))
		}
	}
	_, err = e.Client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(e.pool), AttributesToGet: []string{"custom:nope"}})
	umWantErr(t, err, "InvalidParameterException", "Input fails to satisfy the constraints.")
	// A non-searchable attribute that some listed user lacks.
	_, err = e.Client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(e.pool), AttributesToGet: []string{"locale"}})
	umWantErr(t, err, "InvalidParameterException", "Input fails to satisfy the constraints.")

	// Pagination with Limit.
	var got []string
	var token *string
	pages := 0
	for {
		out, err := e.Client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(e.pool), Limit: aws.Int32(3), PaginationToken: token})
		umOK(t, err)
		pages++
		for _, u := range out.Users {
			got = append(got, aws.ToString(u.Username))
		}
		if token = out.PaginationToken; token == nil {
			break
		}
	}
	if pages != 2 || fmt.Sprint(got) != "[amy andy bea carl]" {
		t.Errorf("pages %d: %v", pages, got)
	}
	// Limit 0 is the default (60); 61 fails validation.
	out, err = e.Client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(e.pool), Limit: aws.Int32(0)})
	umOK(t, err)
	if len(out.Users) != 4 || out.PaginationToken != nil {
		t.Errorf("limit 0: %d users", len(out.Users))
	}
	_, err = e.Client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(e.pool), Limit: aws.Int32(61)})
	umWantErr(t, err, "InvalidParameterException", "1 validation error detected: Value '61' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60")

	// Many users: 60 per page by default.
	many := newUMEnv(t, nil, nil)
	for i := range 65 {
		_, err := many.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(many.pool), Username: aws.String(fmt.Sprintf("u%03d", i)),
			MessageAction: types.MessageActionTypeSuppress})
		umOK(t, err)
	}
	first, err := many.Client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(many.pool)})
	umOK(t, err)
	second, err := many.Client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(many.pool), PaginationToken: first.PaginationToken})
	umOK(t, err)
	if len(first.Users) != 60 || len(second.Users) != 5 || second.PaginationToken != nil || aws.ToString(second.Users[0].Username) != "u060" {
		t.Errorf("pages of %d and %d", len(first.Users), len(second.Users))
	}

	// An empty pool lists [] (not null).
	empty := newUMEnv(t, nil, nil)
	if body := empty.rawBody("ListUsers", fmt.Sprintf(`{"UserPoolId":%q}`, empty.pool)); body != `{"Users":[]}` {
		t.Errorf("empty ListUsers body: %s", body)
	}
	_, err = e.Client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String("us-east-1_Nope12345")})
	umWantErr(t, err, "ResourceNotFoundException", "User pool us-east-1_Nope12345 does not exist.")
}
