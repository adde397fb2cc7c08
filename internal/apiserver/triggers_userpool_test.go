package apiserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/trigger/esdk"
	"github.com/userpoold/userpoold/internal/trigger/kmstest"
	"github.com/userpoold/userpoold/internal/trigger/lambdatest"
)

// The userpool side of the Lambda triggers (PreSignUp, PostConfirmation,
// CustomMessage, the custom senders, UserMigration_ForgotPassword), driven
// through aws-sdk-go-v2 against a server whose --lambda-endpoint is an
// in-process Lambda Invoke endpoint running handlers written against
// aws-lambda-go's event types. Helpers start with "tw".

const twPassword = "Passw0rd!"

func twARN(name string) string { return "arn:aws:lambda:us-east-1:123456789012:function:" + name }

const twKMSKey = "arn:aws:kms:us-east-1:123456789012:key/4b1c2d3e-0000-4000-8000-000000000001"

// twEnv is a server with a Lambda endpoint, one pool configured with
// LambdaConfig, and one app client.
type twEnv struct {
	*servertest.Env
	t      *testing.T
	lambda *lambdatest.Server
	pool   string
	client string
}

func newTWEnv(t *testing.T, lc *types.LambdaConfigType, opts ...servertest.Option) *twEnv {
	t.Helper()
	return newTWEnvPool(t, &cip.CreateUserPoolInput{LambdaConfig: lc}, opts...)
}

// newTWEnvPool is newTWEnv with more of the pool: email is auto-verified
// and sent from a DEVELOPER account unless in says otherwise.
func newTWEnvPool(t *testing.T, in *cip.CreateUserPoolInput, opts ...servertest.Option) *twEnv {
	t.Helper()
	lt := lambdatest.NewServer(t)
	opts = append([]servertest.Option{func(c *config.Config) { c.Lambda.Endpoint = lt.URL }}, opts...)
	env := servertest.New(t, opts...)
	e := &twEnv{Env: env, t: t, lambda: lt}
	if in.AutoVerifiedAttributes == nil {
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}
	}
	if in.EmailConfiguration == nil {
		in.EmailConfiguration = &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper,
			SourceArn: aws.String("arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com")}
	}
	e.pool = env.CreatePool(in)
	e.client = aws.ToString(env.CreateClient(e.pool, nil).ClientId)
	return e
}

// calls returns the recorded invocations of function name.
func (e *twEnv) calls(name string) []lambdatest.Invocation {
	var out []lambdatest.Invocation
	for _, c := range e.lambda.Invocations() {
		if c.Function == name {
			out = append(out, c)
		}
	}
	return out
}

// event decodes the only invocation of function name into v.
func (e *twEnv) event(name string, v any) {
	e.t.Helper()
	calls := e.calls(name)
	if len(calls) != 1 {
		e.t.Fatalf("%s invoked %d times, want once", name, len(calls))
	}
	if err := json.Unmarshal(calls[0].Payload, v); err != nil {
		e.t.Fatalf("%s event does not decode into %T: %v\n%s", name, v, err, calls[0].Payload)
	}
}

func (e *twEnv) signUp(username, email string, metadata map[string]string) (*cip.SignUpOutput, error) {
	return e.Anonymous.SignUp(ctx, &cip.SignUpInput{
		ClientId: aws.String(e.client), Username: aws.String(username), Password: aws.String(twPassword),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}},
		ValidationData: []types.AttributeType{{Name: aws.String("invite"), Value: aws.String("x1")}},
		ClientMetadata: metadata,
	})
}

func (e *twEnv) user(username string) (*cip.AdminGetUserOutput, error) {
	return e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String(username)})
}

func (e *twEnv) wantNoUser(username string) {
	e.t.Helper()
	if _, err := e.user(username); servertest.ErrorCode(err) != "UserNotFoundException" {
		e.t.Errorf("user %s: err = %v, want UserNotFoundException (nothing written)", username, err)
	}
}

func twAttr(as []types.AttributeType, name string) string {
	for _, a := range as {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

var errNope = errors.New("nope")

func TestTriggerPreSignUp(t *testing.T) {
	e := newTWEnv(t, &types.LambdaConfigType{PreSignUp: aws.String(twARN("pre"))})
	e.lambda.Register("pre", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsPreSignup) (events.CognitoEventUserPoolsPreSignup, error) {
		switch ev.Request.UserAttributes["email"] {
		case "refuse@example.com":
			return ev, errNope
		case "auto@example.com":
			ev.Response.AutoConfirmUser, ev.Response.AutoVerifyEmail = true, true
		}
		return ev, nil
	}))

	t.Run("event and auto-confirm", func(t *testing.T) {
		out, err := e.signUp("ann", "auto@example.com", map[string]string{"app": "web"})
		umOK(t, err)
		if !out.UserConfirmed || out.CodeDeliveryDetails != nil {
			t.Errorf("SignUp = confirmed %v, delivery %+v; want confirmed and no code", out.UserConfirmed, out.CodeDeliveryDetails)
		}
		var ev events.CognitoEventUserPoolsPreSignup
		e.event("pre", &ev)
		if ev.Version != "1" || ev.TriggerSource != "PreSignUp_SignUp" || ev.UserPoolID != e.pool || ev.Region != "us-east-1" ||
			ev.UserName != "ann" || ev.CallerContext.ClientID != e.client || !strings.HasPrefix(ev.CallerContext.AWSSDKVersion, "aws-sdk-go-v2-") {
			t.Errorf("envelope = %+v", ev.CognitoEventUserPoolsHeader)
		}
		if ev.Request.UserAttributes["email"] != "auto@example.com" || ev.Request.ValidationData["invite"] != "x1" || ev.Request.ClientMetadata["app"] != "web" {
			t.Errorf("request = %+v", ev.Request)
		}
		u, err := e.user("ann")
		umOK(t, err)
		if u.UserStatus != types.UserStatusTypeConfirmed || twAttr(u.UserAttributes, "email_verified") != "true" {
			t.Errorf("user = %s, email_verified %q; want CONFIRMED and verified", u.UserStatus, twAttr(u.UserAttributes, "email_verified"))
		}
		if m := e.Outbox(e.pool, "ann"); len(m) != 0 {
			t.Errorf("outbox = %+v, want no confirmation code", m)
		}
	})

	t.Run("default answer", func(t *testing.T) {
		e.lambda.Reset()
		out, err := e.signUp("bob", "bob@example.com", nil)
		umOK(t, err)
		if out.UserConfirmed || out.CodeDeliveryDetails == nil {
			t.Errorf("SignUp = %+v, want unconfirmed with a code", out)
		}
		var raw map[string]json.RawMessage
		e.event("pre", &raw)
		var req map[string]json.RawMessage
		json.Unmarshal(raw["request"], &req)
		if _, ok := req["clientMetadata"]; ok {
			t.Errorf("request carries clientMetadata without any: %s", raw["request"])
		}
	})

	t.Run("function error writes nothing", func(t *testing.T) {
		_, err := e.signUp("cat", "refuse@example.com", nil)
		umWantErr(t, err, "UserLambdaValidationException", "PreSignUp failed with error nope.")
		e.wantNoUser("cat")
	})

	t.Run("AdminCreateUser", func(t *testing.T) {
		e.lambda.Reset()
		out, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
			UserPoolId: aws.String(e.pool), Username: aws.String("dan"), MessageAction: types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("auto@example.com")}},
			ClientMetadata: map[string]string{"by": "admin"},
		})
		umOK(t, err)
		// The flags do not apply to AdminCreateUser.
		if out.User.UserStatus != types.UserStatusTypeForceChangePassword || twAttr(out.User.Attributes, "email_verified") == "true" {
			t.Errorf("user = %s %v", out.User.UserStatus, out.User.Attributes)
		}
		var ev events.CognitoEventUserPoolsPreSignup
		e.event("pre", &ev)
		if ev.TriggerSource != "PreSignUp_AdminCreateUser" || ev.CallerContext.ClientID != "CLIENT_ID_NOT_APPLICABLE" || ev.Request.ClientMetadata["by"] != "admin" {
			t.Errorf("event = %+v", ev)
		}
		_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
			UserPoolId: aws.String(e.pool), Username: aws.String("eve"), MessageAction: types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("refuse@example.com")}},
		})
		umWantErr(t, err, "UserLambdaValidationException", "PreSignUp failed with error nope.")
		e.wantNoUser("eve")
	})
}

// TestTriggerFailures covers the three failure kinds of spec §3.2 on a
// pre trigger: the sign-up is refused and nothing is written.
func TestTriggerFailures(t *testing.T) {
	for _, tc := range []struct {
		name          string
		handler       lambdatest.Handler
		code, message string
	}{
		{"not JSON", lambdatest.Raw("oops"), "InvalidLambdaResponseException", "Invalid lambda function output : Invalid JSON"},
		{"null", lambdatest.Raw("null"), "InvalidLambdaResponseException", "Invalid lambda function output : Invalid JSON"},
		{"wrong shape", lambdatest.Raw(`{"response":{"autoConfirmUser":"yes"}}`), "InvalidLambdaResponseException", "Unrecognizable lambda output"},
		{"timeout", lambdatest.Hang(nil), "UnexpectedLambdaException", "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function."},
		{"throttled", func(context.Context, []byte) ([]byte, error) {
			return nil, &lambdatest.StatusError{Status: 502, Type: "ServiceException"}
		}, "UnexpectedLambdaException", "PreSignUp invocation failed due to error ServiceException."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTWEnv(t, &types.LambdaConfigType{PreSignUp: aws.String(twARN("pre"))},
				func(c *config.Config) { c.Lambda.Timeout = 300 * time.Millisecond })
			e.lambda.Register("pre", tc.handler)
			_, err := e.signUp("fay", "fay@example.com", nil)
			umWantErr(t, err, tc.code, tc.message)
			e.wantNoUser("fay")
		})
	}

	t.Run("no endpoint", func(t *testing.T) {
		e := newTWEnv(t, &types.LambdaConfigType{PreSignUp: aws.String(twARN("pre"))}, func(c *config.Config) { c.Lambda.Endpoint = "" })
		_, err := e.signUp("gus", "gus@example.com", nil)
		umWantErr(t, err, "UnexpectedLambdaException", "PreSignUp invocation failed due to error AccessDeniedException.")
		e.wantNoUser("gus")
	})
}

func TestTriggerPostConfirmation(t *testing.T) {
	e := newTWEnv(t, &types.LambdaConfigType{PostConfirmation: aws.String(twARN("post"))})
	fail := false
	e.lambda.Register("post", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsPostConfirmation) (events.CognitoEventUserPoolsPostConfirmation, error) {
		if fail {
			return ev, errNope
		}
		return ev, nil
	}))
	check := func(t *testing.T, source, user, clientID string, metadata map[string]string) {
		t.Helper()
		var ev events.CognitoEventUserPoolsPostConfirmation
		e.event("post", &ev)
		a := ev.Request.UserAttributes
		if ev.TriggerSource != source || ev.UserName != user || ev.CallerContext.ClientID != clientID ||
			a["cognito:user_status"] != "CONFIRMED" || a["sub"] == "" || a["email"] == "" {
			t.Errorf("event = %+v", ev)
		}
		for k, v := range metadata {
			if ev.Request.ClientMetadata[k] != v {
				t.Errorf("clientMetadata = %v, want %v", ev.Request.ClientMetadata, metadata)
			}
		}
	}

	t.Run("ConfirmSignUp", func(t *testing.T) {
		_, err := e.signUp("hal", "hal@example.com", nil)
		umOK(t, err)
		e.lambda.Reset()
		_, err = e.Anonymous.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(e.client), Username: aws.String("hal"),
			ConfirmationCode: aws.String(e.LastCode(e.pool, "hal")), ClientMetadata: map[string]string{"step": "confirm"}})
		umOK(t, err)
		check(t, "PostConfirmation_ConfirmSignUp", "hal", e.client, map[string]string{"step": "confirm"})
	})

	t.Run("a failing trigger does not undo the confirmation", func(t *testing.T) {
		_, err := e.signUp("ida", "ida@example.com", nil)
		umOK(t, err)
		fail = true
		defer func() { fail = false }()
		_, err = e.Anonymous.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(e.client), Username: aws.String("ida"),
			ConfirmationCode: aws.String(e.LastCode(e.pool, "ida"))})
		umWantErr(t, err, "UserLambdaValidationException", "PostConfirmation failed with error nope.")
		if u, err := e.user("ida"); err != nil || u.UserStatus != types.UserStatusTypeConfirmed {
			t.Errorf("user = %+v, %v; want CONFIRMED", u, err)
		}
	})

	t.Run("AdminConfirmSignUp", func(t *testing.T) {
		_, err := e.signUp("jon", "jon@example.com", nil)
		umOK(t, err)
		e.lambda.Reset()
		_, err = e.Client.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(e.pool), Username: aws.String("jon"),
			ClientMetadata: map[string]string{"by": "admin"}})
		umOK(t, err)
		check(t, "PostConfirmation_ConfirmSignUp", "jon", "CLIENT_ID_NOT_APPLICABLE", map[string]string{"by": "admin"})
	})

	t.Run("ConfirmForgotPassword", func(t *testing.T) {
		_, err := e.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("hal")})
		umOK(t, err)
		e.lambda.Reset()
		_, err = e.Anonymous.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("hal"),
			ConfirmationCode: aws.String(e.LastCode(e.pool, "hal")), Password: aws.String("N3w-Passw0rd!")})
		umOK(t, err)
		check(t, "PostConfirmation_ConfirmForgotPassword", "hal", e.client, nil)
	})
}

func TestTriggerCustomMessage(t *testing.T) {
	e := newTWEnv(t, &types.LambdaConfigType{CustomMessage: aws.String(twARN("msg"))})
	fail := false
	e.lambda.Register("msg", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
		if fail {
			return ev, errNope
		}
		if ev.Request.ClientMetadata["template"] == "default" {
			return ev, nil // null fields: the pool's template
		}
		ev.Response.SMSMessage = ev.TriggerSource + " sms " + ev.Request.CodeParameter
		ev.Response.EmailMessage = ev.TriggerSource + " code " + ev.Request.CodeParameter
		ev.Response.EmailSubject = "Subject " + ev.TriggerSource
		if ev.TriggerSource == "CustomMessage_AdminCreateUser" {
			ev.Response.EmailMessage += " for " + ev.Request.UsernameParameter
		}
		return ev, nil
	}))
	// last returns the newest message to user and checks it is the
	// function's text for source, with the code in place.
	last := func(t *testing.T, user, source string) servertest.Message {
		t.Helper()
		ms := e.Outbox(e.pool, user)
		if len(ms) == 0 {
			t.Fatalf("no message to %s", user)
		}
		m := ms[len(ms)-1]
		want := source + " code " + m.Code
		if m.Channel == "SMS" {
			want = source + " sms " + m.Code
		}
		if !strings.HasPrefix(m.Body, want) || m.Code == "" {
			t.Errorf("message = %+v, want body %q", m, want)
		}
		var ev events.CognitoEventUserPoolsCustomMessage
		calls := e.calls("msg")
		if err := json.Unmarshal(calls[len(calls)-1].Payload, &ev); err != nil || ev.TriggerSource != source ||
			ev.Request.CodeParameter != "{####}" || ev.Request.UserAttributes["sub"] == nil {
			t.Errorf("event = %+v, %v", ev, err)
		}
		return m
	}

	_, err := e.signUp("kim", "kim@example.com", map[string]string{"k": "v"})
	umOK(t, err)
	last(t, "kim", "CustomMessage_SignUp")

	_, err = e.Anonymous.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(e.client), Username: aws.String("kim")})
	umOK(t, err)
	m := last(t, "kim", "CustomMessage_ResendCode")
	_, err = e.Anonymous.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(e.client), Username: aws.String("kim"), ConfirmationCode: aws.String(m.Code)})
	umOK(t, err)

	_, err = e.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("kim")})
	umOK(t, err)
	last(t, "kim", "CustomMessage_ForgotPassword")

	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("lee"),
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
		UserAttributes:         []types.AttributeType{{Name: aws.String("email"), Value: aws.String("lee@example.com")}}})
	umOK(t, err)
	if m := last(t, "lee", "CustomMessage_AdminCreateUser"); !strings.HasSuffix(m.Body, " for lee") {
		t.Errorf("invitation = %q, want {username} replaced", m.Body)
	}

	tok := signInTW(t, e, "kim")
	_, err = e.Anonymous.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: aws.String(tok),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("kim2@example.com")}}})
	umOK(t, err)
	last(t, "kim", "CustomMessage_UpdateUserAttribute")

	_, err = e.Anonymous.GetUserAttributeVerificationCode(ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: aws.String(tok), AttributeName: aws.String("email")})
	umOK(t, err)
	last(t, "kim", "CustomMessage_VerifyUserAttribute")

	t.Run("null answer keeps the template", func(t *testing.T) {
		_, err := e.signUp("max", "max@example.com", map[string]string{"template": "default"})
		umOK(t, err)
		ms := e.Outbox(e.pool, "max")
		if len(ms) != 1 || !strings.Contains(ms[0].Body, "Your verification code is "+ms[0].Code) {
			t.Errorf("message = %+v, want the default template", ms)
		}
	})

	t.Run("error", func(t *testing.T) {
		fail = true
		defer func() { fail = false }()
		_, err := e.Anonymous.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(e.client), Username: aws.String("max")})
		umWantErr(t, err, "UserLambdaValidationException", "CustomMessage failed with error nope.")
	})
}

// signInTW signs user in with USER_PASSWORD_AUTH and returns the access
// token.
func signInTW(t *testing.T, e *twEnv, user string) string {
	t.Helper()
	out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(e.client),
		AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": twPassword}})
	umOK(t, err)
	if out.AuthenticationResult == nil {
		t.Fatalf("sign-in of %s: challenge %s", user, out.ChallengeName)
	}
	return aws.ToString(out.AuthenticationResult.AccessToken)
}

func TestTriggerCustomMessageAuthentication(t *testing.T) {
	e := newTWEnv(t, &types.LambdaConfigType{CustomMessage: aws.String(twARN("msg"))})
	e.lambda.Register("msg", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
		ev.Response.SMSMessage = "Sign-in code " + ev.Request.CodeParameter
		return ev, nil
	}))
	_, err := e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(e.pool),
		MfaConfiguration: types.UserPoolMfaTypeOn, SmsMfaConfiguration: &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Your code is {####}")}})
	umOK(t, err)
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("ned"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String("+15555550100")}, {Name: aws.String("phone_number_verified"), Value: aws.String("true")}}})
	umOK(t, err)
	_, err = e.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(e.pool), Username: aws.String("ned"), Password: aws.String(twPassword), Permanent: true})
	umOK(t, err)
	e.lambda.Reset()
	out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(e.client),
		AuthParameters: map[string]string{"USERNAME": "ned", "PASSWORD": twPassword}, ClientMetadata: map[string]string{"not": "passed"}})
	umOK(t, err)
	if out.ChallengeName != types.ChallengeNameTypeSmsMfa {
		t.Fatalf("challenge = %s, want SMS_MFA", out.ChallengeName)
	}
	ms := e.Outbox(e.pool, "ned")
	if len(ms) != 1 || ms[0].Body != "Sign-in code "+ms[0].Code {
		t.Errorf("outbox = %+v", ms)
	}
	var ev events.CognitoEventUserPoolsCustomMessage
	e.event("msg", &ev)
	// InitiateAuth's ClientMetadata does not reach CustomMessage (spec §4.1).
	if ev.TriggerSource != "CustomMessage_Authentication" || ev.Request.ClientMetadata != nil {
		t.Errorf("event = %+v", ev)
	}
}

// TestTriggerCustomSender checks that a custom email sender replaces the
// built-in delivery, receives the code as an Encryption SDK message under
// the pool's KMS key (or in plain text without --kms-endpoint), and that
// the code works.
func TestTriggerCustomSender(t *testing.T) {
	lc := &types.LambdaConfigType{
		CustomEmailSender: &types.CustomEmailLambdaVersionConfigType{LambdaArn: aws.String(twARN("sender")), LambdaVersion: types.CustomEmailSenderLambdaVersionTypeV10},
		KMSKeyID:          aws.String(twKMSKey),
	}
	sender := lambdatest.Typed(func(_ context.Context, ev lambdatest.CustomSenderEvent) (lambdatest.CustomSenderEvent, error) {
		return ev, nil
	})
	event := func(t *testing.T, e *twEnv) lambdatest.CustomSenderEvent {
		t.Helper()
		calls := e.calls("sender")
		if len(calls) != 1 || calls[0].Type != "Event" {
			t.Fatalf("sender calls = %+v, want one asynchronous invocation", calls)
		}
		var ev lambdatest.CustomSenderEvent
		umOK(t, json.Unmarshal(calls[0].Payload, &ev))
		if ev.TriggerSource != "CustomEmailSender_SignUp" || ev.Request.Type != "customEmailSenderRequestV1" || ev.Request.Code == nil ||
			ev.Request.UserAttributes["email"] != "ola@example.com" || ev.Request.ClientMetadata["m"] != "1" {
			t.Fatalf("event = %+v", ev)
		}
		return ev
	}
	confirm := func(t *testing.T, e *twEnv, code string) {
		t.Helper()
		if m := e.Outbox(e.pool, "ola"); len(m) != 0 {
			t.Errorf("built-in delivery ran: %+v", m)
		}
		_, err := e.Anonymous.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(e.client), Username: aws.String("ola"), ConfirmationCode: aws.String(code)})
		umOK(t, err)
	}

	t.Run("KMS", func(t *testing.T) {
		kms := kmstest.NewServer(t)
		kms.CreateKey(twKMSKey)
		e := newTWEnv(t, lc, func(c *config.Config) { c.Lambda.KMSEndpoint = kms.URL })
		e.lambda.Register("sender", sender)
		out, err := e.signUp("ola", "ola@example.com", map[string]string{"m": "1"})
		umOK(t, err)
		if out.CodeDeliveryDetails == nil || aws.ToString(out.CodeDeliveryDetails.AttributeName) != "email" {
			t.Errorf("CodeDeliveryDetails = %+v", out.CodeDeliveryDetails)
		}
		ev := event(t, e)
		client, err := esdk.NewKMSClient(ctx, esdk.KMSConfig{Endpoint: kms.URL})
		umOK(t, err)
		code, err := esdk.KMSEncrypter{Client: client}.DecryptCode(ctx, e.pool, *ev.Request.Code)
		if err != nil || len(code) != 6 {
			t.Fatalf("decrypted code = %q, %v", code, err)
		}
		// What a sender Lambda runs: @aws-crypto/client-node's KMS keyring
		// with REQUIRE_ENCRYPT_ALLOW_DECRYPT, as in AWS's sample.
		t.Run("client-node decrypts it", func(t *testing.T) {
			res := kmstest.NodeInterop(t, "decrypt", map[string]string{"endpoint": kms.URL, "keyArn": twKMSKey, "message": *ev.Request.Code})
			if res["plaintext"] != code {
				t.Errorf("client-node read %v, want %q", res["plaintext"], code)
			}
			if ctxm, _ := res["context"].(map[string]any); ctxm["userpool-id"] != e.pool {
				t.Errorf("encryption context = %v, want userpool-id %s", res["context"], e.pool)
			}
		})
		confirm(t, e, code)
	})

	t.Run("plain text", func(t *testing.T) {
		e := newTWEnv(t, lc)
		e.lambda.Register("sender", sender)
		_, err := e.signUp("ola", "ola@example.com", map[string]string{"m": "1"})
		umOK(t, err)
		confirm(t, e, *event(t, e).Request.Code)
	})
}

func TestTriggerUserMigrationForgotPassword(t *testing.T) {
	e := newTWEnv(t, &types.LambdaConfigType{UserMigration: aws.String(twARN("migrate"))})
	e.lambda.Register("migrate", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsMigrateUser) (events.CognitoEventUserPoolsMigrateUser, error) {
		if ev.UserName != "old-user" {
			return ev, errors.New("User not found")
		}
		ev.CognitoEventUserPoolsMigrateUserResponse.UserAttributes = map[string]string{"email": "old@example.com", "email_verified": "true"}
		ev.CognitoEventUserPoolsMigrateUserResponse.MessageAction = "SUPPRESS"
		return ev, nil
	}))
	out, err := e.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("old-user"),
		ClientMetadata: map[string]string{"src": "legacy"}})
	umOK(t, err)
	if out.CodeDeliveryDetails == nil || aws.ToString(out.CodeDeliveryDetails.AttributeName) != "email" {
		t.Fatalf("CodeDeliveryDetails = %+v", out.CodeDeliveryDetails)
	}
	var ev events.CognitoEventUserPoolsMigrateUser
	e.event("migrate", &ev)
	if req := ev.CognitoEventUserPoolsMigrateUserRequest; ev.TriggerSource != "UserMigration_ForgotPassword" || req.Password != "" || req.ClientMetadata["src"] != "legacy" {
		t.Errorf("event = %+v", ev)
	}
	u, err := e.user("old-user")
	umOK(t, err)
	if u.UserStatus != types.UserStatusTypeResetRequired || twAttr(u.UserAttributes, "email") != "old@example.com" {
		t.Errorf("migrated user = %s %v", u.UserStatus, u.UserAttributes)
	}
	_, err = e.Anonymous.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("old-user"),
		ConfirmationCode: aws.String(e.LastCode(e.pool, "old-user")), Password: aws.String(twPassword)})
	umOK(t, err)
	signInTW(t, e, "old-user")

	// The function's error is the caller's answer, and nothing is created.
	_, err = e.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("stranger")})
	umWantErr(t, err, "UserLambdaValidationException", "UserMigration failed with error User not found.")
	e.wantNoUser("stranger")
}

// TestTriggerPreSignUpAutoVerify: autoVerifyPhone marks the phone verified,
// and an auto-verified email alias moves from the user who held it.
func TestTriggerPreSignUpAutoVerify(t *testing.T) {
	e := newTWEnvPool(t, &cip.CreateUserPoolInput{
		LambdaConfig:     &types.LambdaConfigType{PreSignUp: aws.String(twARN("pre"))},
		AliasAttributes:  []types.AliasAttributeType{types.AliasAttributeTypeEmail},
		SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sns"), ExternalId: aws.String("x")},
	})
	e.lambda.Register("pre", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsPreSignup) (events.CognitoEventUserPoolsPreSignup, error) {
		ev.Response.AutoConfirmUser, ev.Response.AutoVerifyEmail = true, true
		ev.Response.AutoVerifyPhone = ev.Request.UserAttributes["phone_number"] != ""
		return ev, nil
	}))
	_, err := e.signUp("first", "shared@example.com", nil)
	umOK(t, err)
	out, err := e.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.client), Username: aws.String("second"), Password: aws.String(twPassword),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("shared@example.com")},
			{Name: aws.String("phone_number"), Value: aws.String("+15555550101")}}})
	umOK(t, err)
	if !out.UserConfirmed {
		t.Error("second user not confirmed")
	}
	second, err := e.user("second")
	umOK(t, err)
	if twAttr(second.UserAttributes, "email_verified") != "true" || twAttr(second.UserAttributes, "phone_number_verified") != "true" {
		t.Errorf("second = %v, want email and phone verified", second.UserAttributes)
	}
	first, err := e.user("first")
	umOK(t, err)
	if twAttr(first.UserAttributes, "email_verified") != "false" {
		t.Errorf("first = %v, want the alias released (email_verified false)", first.UserAttributes)
	}
	// The alias now signs the second user in.
	tok := signInTW(t, e, "shared@example.com")
	me, err := e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(tok)})
	umOK(t, err)
	if aws.ToString(me.Username) != "second" {
		t.Errorf("the alias signs in %s, want second", aws.ToString(me.Username))
	}
}

// TestTriggerCustomSenders: both senders on AdminCreateUser, AdminResetUserPassword
// and AdminUpdateUserAttributes; the temporary password is HTML-escaped, and
// ClientMetadata reaches CustomSMSSender_AdminCreateUser but not
// CustomEmailSender_AdminCreateUser (spec §4.1).
func TestTriggerCustomSenders(t *testing.T) {
	e := newTWEnvPool(t, &cip.CreateUserPoolInput{
		LambdaConfig: &types.LambdaConfigType{
			CustomEmailSender: &types.CustomEmailLambdaVersionConfigType{LambdaArn: aws.String(twARN("email")), LambdaVersion: types.CustomEmailSenderLambdaVersionTypeV10},
			CustomSMSSender:   &types.CustomSMSLambdaVersionConfigType{LambdaArn: aws.String(twARN("sms")), LambdaVersion: types.CustomSMSSenderLambdaVersionTypeV10},
			KMSKeyID:          aws.String(twKMSKey),
		},
		SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sns"), ExternalId: aws.String("x")},
	})
	echo := lambdatest.Typed(func(_ context.Context, ev lambdatest.CustomSenderEvent) (lambdatest.CustomSenderEvent, error) {
		return ev, nil
	})
	e.lambda.Register("email", echo)
	e.lambda.Register("sms", echo)
	only := func(t *testing.T, name string) lambdatest.CustomSenderEvent {
		t.Helper()
		var ev lambdatest.CustomSenderEvent
		e.event(name, &ev)
		if ev.Request.Code == nil {
			t.Fatalf("%s event without a code: %+v", name, ev)
		}
		return ev
	}

	_, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("pia"),
		TemporaryPassword:      aws.String("Tmp<Pass1&"),
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeSms, types.DeliveryMediumTypeEmail},
		ClientMetadata:         map[string]string{"m": "1"},
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("pia@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")},
			{Name: aws.String("phone_number"), Value: aws.String("+15555550102")}}})
	umOK(t, err)
	sms, email := only(t, "sms"), only(t, "email")
	if sms.TriggerSource != "CustomSMSSender_AdminCreateUser" || sms.Request.Type != "customSMSSenderRequestV1" || *sms.Request.Code != "Tmp&lt;Pass1&amp;" ||
		sms.CallerContext.ClientID != "CLIENT_ID_NOT_APPLICABLE" || sms.Request.ClientMetadata["m"] != "1" {
		t.Errorf("SMS event = %+v", sms)
	}
	if email.TriggerSource != "CustomEmailSender_AdminCreateUser" || *email.Request.Code != "Tmp&lt;Pass1&amp;" || email.Request.ClientMetadata != nil {
		t.Errorf("email event = %+v", email)
	}
	if m := e.Outbox(e.pool, "pia"); len(m) != 0 {
		t.Errorf("built-in delivery ran: %+v", m)
	}

	_, err = e.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(e.pool), Username: aws.String("pia"), Password: aws.String(twPassword), Permanent: true})
	umOK(t, err)
	e.lambda.Reset()
	_, err = e.Client.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: aws.String(e.pool), Username: aws.String("pia"),
		ClientMetadata: map[string]string{"m": "2"}})
	umOK(t, err)
	if ev := only(t, "email"); ev.TriggerSource != "CustomEmailSender_ForgotPassword" || ev.Request.ClientMetadata["m"] != "2" {
		t.Errorf("reset event = %+v", ev)
	}

	e.lambda.Reset()
	_, err = e.Client.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(e.pool), Username: aws.String("pia"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("pia2@example.com")}}})
	umOK(t, err)
	if ev := only(t, "email"); ev.TriggerSource != "CustomEmailSender_UpdateUserAttribute" || len(*ev.Request.Code) != 6 {
		t.Errorf("update event = %+v", ev)
	}
}

// TestTriggerNotOnBootstrap: a seed file creates users without invoking
// the pool's triggers (here a PreSignUp that refuses everyone).
func TestTriggerNotOnBootstrap(t *testing.T) {
	lt := lambdatest.NewServer(t)
	lt.Register("pre", func(context.Context, []byte) ([]byte, error) { return nil, errNope })
	seed := filepath.Join(t.TempDir(), "seed.yaml")
	umOK(t, os.WriteFile(seed, []byte(`pools:
  - id: us-east-1_Seeded01
    name: seeded
    settings:
      LambdaConfig: {PreSignUp: "`+twARN("pre")+`"}
    users:
      - username: sam
        password: `+twPassword+`
`), 0o600))
	env := servertest.New(t, func(c *config.Config) { c.Lambda.Endpoint = lt.URL; c.Seed = seed })
	if _, err := env.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("us-east-1_Seeded01"), Username: aws.String("sam")}); err != nil {
		t.Fatalf("seeded user: %v", err)
	}
	if calls := lt.Invocations(); len(calls) != 0 {
		t.Errorf("the seed invoked %d functions", len(calls))
	}
	// The same pool's API sign-up does fire it.
	c := env.CreateClient("us-east-1_Seeded01", nil)
	_, err := env.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: c.ClientId, Username: aws.String("tom"), Password: aws.String(twPassword)})
	umWantErr(t, err, "UserLambdaValidationException", "PreSignUp failed with error nope.")
}

// TestTriggerUserMigrationEnableSMSMFA: enableSMSMFA (a member
// aws-lambda-go's struct lacks, so the handler answers raw JSON) turns SMS
// MFA on for the migrated user, and needs a phone number.
func TestTriggerUserMigrationEnableSMSMFA(t *testing.T) {
	e := newTWEnvPool(t, &cip.CreateUserPoolInput{
		LambdaConfig:     &types.LambdaConfigType{UserMigration: aws.String(twARN("migrate"))},
		SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sns"), ExternalId: aws.String("x")},
	})
	_, err := e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(e.pool),
		MfaConfiguration: types.UserPoolMfaTypeOptional, SmsMfaConfiguration: &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Code {####}")}})
	umOK(t, err)
	e.lambda.Register("migrate", func(_ context.Context, payload []byte) ([]byte, error) {
		var ev map[string]any
		json.Unmarshal(payload, &ev)
		attrs := map[string]string{"email": "m@example.com", "email_verified": "true", "phone_number": "+15555550103", "phone_number_verified": "true"}
		if ev["userName"] == "no-phone" {
			delete(attrs, "phone_number")
			delete(attrs, "phone_number_verified")
		}
		ev["response"] = map[string]any{"userAttributes": attrs, "enableSMSMFA": true}
		return json.Marshal(ev)
	})
	_, err = e.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("mfa-user")})
	umOK(t, err)
	u, err := e.user("mfa-user")
	umOK(t, err)
	if len(u.UserMFASettingList) != 1 || u.UserMFASettingList[0] != "SMS_MFA" {
		t.Errorf("UserMFASettingList = %v, want [SMS_MFA]", u.UserMFASettingList)
	}
	_, err = e.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("no-phone")})
	umWantErr(t, err, "InvalidLambdaResponseException", "Unrecognizable lambda output")
	e.wantNoUser("no-phone")
}

// TestTriggerAccountTakeOverNotification: with a CustomEmailSender, a
// threat-protection notification goes to it
// (CustomEmailSender_AccountTakeOverNotification, the fixed fields instead
// of the user's attributes, no code) and not to the built-in delivery.
func TestTriggerAccountTakeOverNotification(t *testing.T) {
	lt := lambdatest.NewServer(t)
	lt.Register("email", lambdatest.Typed(func(_ context.Context, ev lambdatest.CustomSenderEvent) (lambdatest.CustomSenderEvent, error) {
		return ev, nil
	}))
	e := newRiskEnvPool(t, &cip.CreateUserPoolInput{LambdaConfig: &types.LambdaConfigType{
		CustomEmailSender: &types.CustomEmailLambdaVersionConfigType{LambdaArn: aws.String(twARN("email")), LambdaVersion: types.CustomEmailSenderLambdaVersionTypeV10},
		KMSKeyID:          aws.String(twKMSKey),
	}}, types.AdvancedSecurityModeTypeEnforced, func(c *config.Config) { c.Lambda.Endpoint = lt.URL })
	e.setRisk(&cip.SetRiskConfigurationInput{AccountTakeoverRiskConfiguration: &types.AccountTakeoverRiskConfigurationType{
		Actions: &types.AccountTakeoverActionsType{
			LowAction: action("NO_ACTION", false), MediumAction: action("NO_ACTION", true), HighAction: action("BLOCK", true),
		},
		NotifyConfiguration: &types.NotifyConfigurationType{SourceArn: aws.String("arn:aws:ses:us-east-1:000000000000:identity/sec@example.com"),
			From: aws.String("sec@example.com")},
	}})
	e.createUser("gil", riskPwd, withAttrs("email", "gil@example.com"))
	e.establish("gil")
	lt.Reset()
	// A new place: medium risk, no action, a notification.
	if out, err := e.loginFrom("gil", riskPwd, awayIP, laptop); err != nil || out.AuthenticationResult == nil {
		t.Fatalf("%+v %v", out, err)
	}
	calls := lt.Invocations()
	if len(calls) != 1 || calls[0].Type != "Event" {
		t.Fatalf("sender calls = %+v, want one asynchronous invocation", calls)
	}
	var ev lambdatest.CustomSenderEvent
	umOK(t, json.Unmarshal(calls[0].Payload, &ev))
	a := ev.Request.UserAttributes
	if ev.TriggerSource != "CustomEmailSender_AccountTakeOverNotification" || ev.Request.Type != "customEmailSenderRequestV1" || ev.Request.Code != nil ||
		a["USER_NAME"] != "gil" || a["IP_ADDRESS"] != awayIP || a["ACCOUNT_TAKE_OVER_ACTION"] != "NO_ACTION" || a["EVENT_ID"] == "" ||
		a["FEEDBACK_TOKEN"] == "" || !strings.Contains(a["ONE_CLICK_LINK_VALID"], "feedback_value=Valid") || a["LOGIN_TIME"] == "" || a["email"] != "" {
		t.Errorf("event = %+v", ev)
	}
	if m := e.Outbox(e.pool, "gil"); len(m) != 0 {
		t.Errorf("built-in delivery ran: %+v", m)
	}
}

// TestTriggerCustomMessageEmailNeedsDeveloper: a CustomMessage answer that
// sets the email's text in a pool that sends email from Cognito's own
// account is InvalidLambdaResponseException (spec §3.2; UNCONFIRMED
// message), and its SMS text alone is fine.
func TestTriggerCustomMessageEmailNeedsDeveloper(t *testing.T) {
	e := newTWEnvPool(t, &cip.CreateUserPoolInput{
		LambdaConfig:       &types.LambdaConfigType{CustomMessage: aws.String(twARN("msg"))},
		EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeCognitoDefault},
	})
	e.lambda.Register("msg", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
		if ev.Request.ClientMetadata["email"] == "yes" {
			ev.Response.EmailMessage = "Code " + ev.Request.CodeParameter
		}
		ev.Response.SMSMessage = "SMS " + ev.Request.CodeParameter
		return ev, nil
	}))
	_, err := e.signUp("ron", "ron@example.com", map[string]string{"email": "yes"})
	umWantErr(t, err, "InvalidLambdaResponseException", "Unrecognizable lambda output")
	_, err = e.signUp("roy", "roy@example.com", nil)
	umOK(t, err)
	if ms := e.Outbox(e.pool, "roy"); len(ms) != 1 || !strings.Contains(ms[0].Body, "Your verification code is "+ms[0].Code) {
		t.Errorf("outbox = %+v, want the template's email", ms)
	}
}
