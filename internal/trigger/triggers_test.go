package trigger_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/trigger/lambdatest"
)

func TestPreSignUp(t *testing.T) {
	e := newEnv(t)
	var response events.CognitoEventUserPoolsPreSignupResponse
	e.lt.Register("PreSignUp", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsPreSignup) (events.CognitoEventUserPoolsPreSignup, error) {
		if ev.Request.ValidationData["captcha"] != "ok" {
			return ev, errors.New("captcha required")
		}
		ev.Response = response
		return ev, nil
	}))
	ctx := context.Background()
	call := trigger.Call{Operation: trigger.OpSignUp, ClientID: "c1"}
	in := trigger.PreSignUpInput{Source: trigger.PreSignUpSignUp, Username: "jane", Attributes: map[string]string{"email": "jane@example.com"}, ValidationData: map[string]string{"captcha": "ok"}}

	response = events.CognitoEventUserPoolsPreSignupResponse{AutoConfirmUser: true, AutoVerifyEmail: true}
	got, err := e.svc.PreSignUp(ctx, pool(trigger.V1_0), call, in)
	if err != nil || got != (trigger.PreSignUpResult{AutoConfirmUser: true, AutoVerifyEmail: true}) {
		t.Fatalf("got %+v, %v", got, err)
	}
	// AdminCreateUser ignores the flags (spec §6.1).
	admin := in
	admin.Source = trigger.PreSignUpAdminCreateUser
	if got, err := e.svc.PreSignUp(ctx, pool(trigger.V1_0), trigger.Call{Operation: trigger.OpAdminCreateUser}, admin); err != nil || got != (trigger.PreSignUpResult{}) {
		t.Fatalf("AdminCreateUser: %+v, %v", got, err)
	}
	// autoVerifyPhone without a phone number.
	response = events.CognitoEventUserPoolsPreSignupResponse{AutoConfirmUser: true, AutoVerifyPhone: true}
	_, err = e.svc.PreSignUp(ctx, pool(trigger.V1_0), call, in)
	wantFault(t, err, fault.InvalidLambdaResponse, trigger.MsgUnrecognizable)
	// The function's refusal blocks the sign-up.
	in.ValidationData = nil
	_, err = e.svc.PreSignUp(ctx, pool(trigger.V1_0), call, in)
	wantFault(t, err, fault.UserLambdaValidation, "PreSignUp failed with error captcha required.")
	// Wrongly typed flags are unrecognizable.
	e.lt.Register("PreSignUp", lambdatest.Raw(`{"response":{"autoConfirmUser":"true"}}`))
	_, err = e.svc.PreSignUp(ctx, pool(trigger.V1_0), call, in)
	wantFault(t, err, fault.InvalidLambdaResponse, trigger.MsgUnrecognizable)
	// A function answering {} (no response) means default behaviour.
	e.lt.Register("PreSignUp", lambdatest.Raw(`{}`))
	if got, err := e.svc.PreSignUp(ctx, pool(trigger.V1_0), call, in); err != nil || got != (trigger.PreSignUpResult{}) {
		t.Fatalf("{}: %+v, %v", got, err)
	}
}

func TestPostConfirmationFailureIsReported(t *testing.T) {
	e := newEnv(t)
	e.lt.Register("PostConfirmation", lambdatest.Raw(`null`))
	err := e.svc.PostConfirmation(context.Background(), pool(trigger.V1_0), trigger.Call{Operation: trigger.OpConfirmSignUp},
		trigger.PostConfirmationInput{Source: trigger.PostConfirmationConfirmSignUp, Username: "jane", Attributes: attrs})
	wantFault(t, err, fault.InvalidLambdaResponse, trigger.MsgInvalidJSON)
	if err := e.svc.PostConfirmation(context.Background(), pool(trigger.V1_0), trigger.Call{}, trigger.PostConfirmationInput{Source: trigger.PreSignUpSignUp}); err == nil {
		t.Error("a PreSignUp source was accepted by PostConfirmation")
	}
}

func TestUserMigration(t *testing.T) {
	e := newEnv(t)
	e.lt.Register("UserMigration", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsMigrateUser) (events.CognitoEventUserPoolsMigrateUser, error) {
		if ev.TriggerSource == string(trigger.UserMigrationAuthentication) && ev.CognitoEventUserPoolsMigrateUserRequest.Password != "old-secret" {
			return ev, errors.New("Bad password")
		}
		ev.CognitoEventUserPoolsMigrateUserResponse = events.CognitoEventUserPoolsMigrateUserResponse{
			UserAttributes:  map[string]string{"email": ev.UserName, "email_verified": "true"},
			FinalUserStatus: "CONFIRMED", MessageAction: "SUPPRESS", DesiredDeliveryMediums: []string{"EMAIL"}, ForceAliasCreation: true,
		}
		return ev, nil
	}))
	ctx := context.Background()
	res, ok, err := e.svc.UserMigration(ctx, pool(trigger.V1_0), trigger.Call{Operation: trigger.OpInitiateAuth, ClientMetadata: metadata},
		trigger.MigrationInput{Source: trigger.UserMigrationAuthentication, Username: "old@example.com", Password: "old-secret"})
	want := trigger.MigrationResult{Attributes: map[string]string{"email": "old@example.com", "email_verified": "true"}, Status: trigger.MigratedConfirmed,
		SuppressMessage: true, DeliveryMediums: []string{"EMAIL"}, ForceAliasCreation: true}
	if err != nil || !ok || !reflect.DeepEqual(res, want) {
		t.Fatalf("got %+v %v %v", res, ok, err)
	}
	var ev events.CognitoEventUserPoolsMigrateUser
	json.Unmarshal(e.lastPayload(t, "UserMigration"), &ev)
	if ev.ValidationData["app"] != "test" || ev.ClientMetadata != nil {
		t.Errorf("InitiateAuth metadata: validationData %v clientMetadata %v", ev.ValidationData, ev.ClientMetadata)
	}
	// ForgotPassword: no password, metadata as clientMetadata.
	if _, _, err := e.svc.UserMigration(ctx, pool(trigger.V1_0), trigger.Call{Operation: trigger.OpForgotPassword, ClientMetadata: metadata},
		trigger.MigrationInput{Source: trigger.UserMigrationForgotPassword, Username: "old@example.com", Password: "ignored"}); err != nil {
		t.Fatal(err)
	}
	payload := string(e.lastPayload(t, "UserMigration"))
	if strings.Contains(payload, "password") || !strings.Contains(payload, `"clientMetadata":{"app":"test"}`) {
		t.Errorf("ForgotPassword event %s", payload)
	}
	_, _, err = e.svc.UserMigration(ctx, pool(trigger.V1_0), trigger.Call{Operation: trigger.OpInitiateAuth},
		trigger.MigrationInput{Source: trigger.UserMigrationAuthentication, Username: "old@example.com", Password: "wrong"})
	wantFault(t, err, fault.UserLambdaValidation, "UserMigration failed with error Bad password.")

	for body, status := range map[string]trigger.MigratedStatus{
		`{"response":{"userAttributes":{"email":"a@b.c"}}}`:                                    trigger.MigratedResetRequired,
		`{"response":{"userAttributes":{"email":"a@b.c"},"finalUserStatus":"RESET_REQUIRED"}}`: trigger.MigratedResetRequired,
	} {
		e.lt.Register("UserMigration", lambdatest.Raw(body))
		res, _, err := e.svc.UserMigration(ctx, pool(trigger.V1_0), trigger.Call{Operation: trigger.OpForgotPassword}, trigger.MigrationInput{Source: trigger.UserMigrationForgotPassword, Username: "x"})
		if err != nil || res.Status != status || !reflect.DeepEqual(res.DeliveryMediums, []string{"SMS"}) || res.SuppressMessage {
			t.Errorf("%s: %+v %v", body, res, err)
		}
	}
	for _, body := range []string{`{"response":{}}`, `{"response":{"userAttributes":{"email":"a@b.c"},"messageAction":"LOUD"}}`,
		`{"response":{"userAttributes":{"email":"a@b.c"},"desiredDeliveryMediums":["FAX"]}}`, `{"response":{"userAttributes":{"email_verified":true}}}`} {
		e.lt.Register("UserMigration", lambdatest.Raw(body))
		_, _, err := e.svc.UserMigration(ctx, pool(trigger.V1_0), trigger.Call{Operation: trigger.OpForgotPassword}, trigger.MigrationInput{Source: trigger.UserMigrationForgotPassword, Username: "x"})
		wantFault(t, err, fault.InvalidLambdaResponse, trigger.MsgUnrecognizable)
	}
	if _, ok, err := e.svc.UserMigration(ctx, trigger.Pool{ID: poolID}, trigger.Call{}, trigger.MigrationInput{Source: trigger.UserMigrationForgotPassword}); ok || err != nil {
		t.Errorf("unconfigured: ok %v err %v", ok, err)
	}
}

func TestCustomMessage(t *testing.T) {
	tmpl := delivery.Template{SMSMessage: "Code {####}", EmailMessage: "Your code is {####}", EmailSubject: "Code"}
	admin := delivery.Template{SMSMessage: "User {username} pw {####}", EmailMessage: "User {username} pw {####}", EmailSubject: "Welcome"}
	long := strings.Repeat("x", trigger.MaxSMSMessage) + "{####}"
	cases := []struct {
		name      string
		kind      trigger.MessageKind
		tmpl      delivery.Template
		developer bool
		resp      events.CognitoEventUserPoolsCustomMessageResponse
		raw       string
		want      trigger.Message
		err       string
	}{
		{name: "null means the template", kind: trigger.MessageSignUp, tmpl: tmpl, developer: true,
			want: trigger.Message{SMS: "Code 123456", Email: "Your code is 123456", EmailSubject: "Code"}},
		{name: "trigger message", kind: trigger.MessageForgotPassword, tmpl: tmpl, developer: true,
			resp: events.CognitoEventUserPoolsCustomMessageResponse{SMSMessage: "Reset: {####}", EmailMessage: "<b>{####}</b> for {username}", EmailSubject: "Reset"},
			want: trigger.Message{SMS: "Reset: 123456", Email: "<b>123456</b> for {username}", EmailSubject: "Reset"}},
		{name: "no code placeholder falls back", kind: trigger.MessageSignUp, tmpl: tmpl, developer: true,
			resp: events.CognitoEventUserPoolsCustomMessageResponse{SMSMessage: "Welcome!", EmailMessage: "Welcome!"},
			want: trigger.Message{SMS: "Code 123456", Email: "Your code is 123456", EmailSubject: "Code"}},
		{name: "overlong SMS falls back", kind: trigger.MessageAuthentication, tmpl: tmpl, developer: true,
			resp: events.CognitoEventUserPoolsCustomMessageResponse{SMSMessage: long},
			want: trigger.Message{SMS: "Code 123456", Email: "Your code is 123456", EmailSubject: "Code"}},
		{name: "admin needs both placeholders", kind: trigger.MessageAdminCreateUser, tmpl: admin, developer: true,
			resp: events.CognitoEventUserPoolsCustomMessageResponse{SMSMessage: "pw {####}", EmailMessage: "Hi {username}, pw {####}"},
			want: trigger.Message{SMS: "User jane pw 123456", Email: "Hi jane, pw 123456", EmailSubject: "Welcome"}},
		{name: "email needs DEVELOPER", kind: trigger.MessageSignUp, tmpl: tmpl,
			resp: events.CognitoEventUserPoolsCustomMessageResponse{EmailMessage: "x {####}"}, err: trigger.MsgUnrecognizable},
		{name: "SMS only without DEVELOPER", kind: trigger.MessageSignUp, tmpl: tmpl,
			raw:  `{"response":{"smsMessage":"S {####}","emailMessage":null,"emailSubject":null}}`,
			want: trigger.Message{SMS: "S 123456", Email: "Your code is 123456", EmailSubject: "Code"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			switch {
			case c.raw != "":
				e.lt.Register("CustomMessage", lambdatest.Raw(c.raw))
			case c.resp == (events.CognitoEventUserPoolsCustomMessageResponse{}):
				e.lt.Register("CustomMessage", lambdatest.Echo()) // the pre-filled nulls, unchanged
			default:
				e.lt.Register("CustomMessage", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
					ev.Response = c.resp
					return ev, nil
				}))
			}
			got, err := e.svc.CustomMessage(context.Background(), pool(trigger.V1_0), trigger.Call{Operation: trigger.OpSignUp},
				trigger.MessageInput{Kind: c.kind, Username: "jane", Attributes: attrs, Code: "123456", MessageUsername: "jane", Template: c.tmpl, EmailFromDeveloper: c.developer})
			if c.err != "" {
				wantFault(t, err, fault.InvalidLambdaResponse, c.err)
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
	// Without a trigger the template is rendered.
	svc, _ := trigger.New(trigger.Options{Invoker: trigger.Router{}})
	got, err := svc.CustomMessage(context.Background(), trigger.Pool{ID: poolID}, trigger.Call{}, trigger.MessageInput{Kind: trigger.MessageAdminCreateUser, Code: "p&w", MessageUsername: "jane", Template: admin})
	if err != nil || got.SMS != "User jane pw p&w" {
		t.Fatalf("no trigger: %+v %v", got, err)
	}
}

func TestCustomSenderPlainText(t *testing.T) {
	e := newEnv(t)
	e.lt.Register("CustomEmailSender", lambdatest.Echo())
	e.lt.Register("CustomSMSSender", lambdatest.Echo())
	ctx := context.Background()
	if !pool(trigger.V1_0).HasSender(trigger.ChannelEmail) || (trigger.Pool{}).HasSender(trigger.ChannelSMS) {
		t.Fatal("HasSender")
	}
	err := e.svc.SendCustom(ctx, pool(trigger.V1_0), trigger.Call{Operation: trigger.OpAdminCreateUser, ClientMetadata: metadata},
		trigger.SenderInput{Channel: trigger.ChannelEmail, Kind: trigger.MessageAdminCreateUser, Username: "jane", Attributes: attrs, Code: "a<b>&c"})
	if err != nil {
		t.Fatal(err)
	}
	inv := e.lt.Invocations()[0]
	var ev lambdatest.CustomSenderEvent
	json.Unmarshal(inv.Payload, &ev)
	if inv.Type != "Event" || ev.Request.Type != trigger.EmailSenderRequestType || ev.Request.Code == nil || *ev.Request.Code != "a&lt;b&gt;&amp;c" ||
		ev.Request.ClientMetadata != nil || ev.TriggerSource != "CustomEmailSender_AdminCreateUser" {
		t.Errorf("invocation %s %s", inv.Type, inv.Payload)
	}
	// SMS AdminCreateUser gets the metadata; no code is null.
	if err := e.svc.SendCustom(ctx, pool(trigger.V1_0), trigger.Call{Operation: trigger.OpAdminCreateUser, ClientMetadata: metadata},
		trigger.SenderInput{Channel: trigger.ChannelSMS, Kind: trigger.MessageAdminCreateUser, Username: "jane"}); err != nil {
		t.Fatal(err)
	}
	payload := string(e.lastPayload(t, "CustomSMSSender"))
	if !strings.Contains(payload, `"type":"customSMSSenderRequestV1","code":null`) || !strings.Contains(payload, `"clientMetadata":{"app":"test"}`) {
		t.Errorf("SMS event %s", payload)
	}
	if err := e.svc.SendCustom(ctx, pool(trigger.V1_0), trigger.Call{}, trigger.SenderInput{Channel: trigger.ChannelSMS, Kind: trigger.MessageAccountTakeOverNotification}); err == nil {
		t.Error("an SMS take-over notice was accepted")
	}
}

// TestClientMetadataRouting checks spec §4.1 on the events themselves.
func TestClientMetadataRouting(t *testing.T) {
	e := newEnv(t)
	for _, n := range trigger.Names {
		e.lt.Register(string(n), lambdatest.Echo())
	}
	ctx := context.Background()
	p := pool(trigger.V2_0)
	request := func(name string) map[string]any {
		var ev struct{ Request map[string]any }
		json.Unmarshal(e.lastPayload(t, name), &ev)
		return ev.Request
	}
	initiate := trigger.Call{Operation: trigger.OpInitiateAuth, ClientID: "c1", ClientMetadata: metadata}
	e.svc.PreAuthentication(ctx, p, initiate, trigger.PreAuthenticationInput{Username: "jane"})
	e.svc.PostAuthentication(ctx, p, initiate, trigger.PostAuthenticationInput{Username: "jane"})
	e.svc.PreTokenGeneration(ctx, p, initiate, trigger.PreTokenInput{Source: trigger.TokenGenerationAuthentication, Username: "jane"})
	if r := request("PreAuthentication"); r["validationData"] == nil || r["clientMetadata"] != nil {
		t.Errorf("InitiateAuth → PreAuthentication: %v", r)
	}
	for _, name := range []string{"PostAuthentication", "PreTokenGeneration"} {
		if r := request(name); r["clientMetadata"] != nil {
			t.Errorf("InitiateAuth → %s carries clientMetadata: %v", name, r)
		}
	}
	respond := trigger.Call{Operation: trigger.OpRespondToAuthChallenge, ClientID: "c1", ClientMetadata: metadata}
	e.svc.PostAuthentication(ctx, p, respond, trigger.PostAuthenticationInput{Username: "jane"})
	e.svc.PreTokenGeneration(ctx, p, respond, trigger.PreTokenInput{Source: trigger.TokenGenerationAuthentication, Username: "jane"})
	for _, name := range []string{"PostAuthentication", "PreTokenGeneration"} {
		if r := request(name); r["clientMetadata"] == nil {
			t.Errorf("RespondToAuthChallenge → %s lacks clientMetadata: %v", name, r)
		}
	}
	update := trigger.Call{Operation: trigger.OpUpdateUserAttributes, ClientMetadata: metadata}
	e.svc.SendCustom(ctx, p, update, trigger.SenderInput{Channel: trigger.ChannelEmail, Kind: trigger.MessageUpdateUserAttribute, Code: "1"})
	e.svc.SendCustom(ctx, p, update, trigger.SenderInput{Channel: trigger.ChannelSMS, Kind: trigger.MessageUpdateUserAttribute, Code: "1"})
	if r := request("CustomEmailSender"); r["clientMetadata"] != nil {
		t.Errorf("CustomEmailSender_UpdateUserAttribute carries clientMetadata: %v", r)
	}
	if r := request("CustomSMSSender"); r["clientMetadata"] == nil {
		t.Errorf("CustomSMSSender_UpdateUserAttribute lacks clientMetadata: %v", r)
	}
}
