package trigger_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/trigger/lambdatest"
)

var (
	attrs = map[string]string{
		"sub": "0f6a6a8e-5b8e-4a0e-9d8e-0e0b1a2b3c4d", "email": "jane@example.com", "email_verified": "true",
		"cognito:user_status": "CONFIRMED", "custom:tier": "gold",
	}
	metadata = map[string]string{"app": "test"}
)

// fidelityCase fires one trigger source and names the aws-lambda-go type
// its event must decode into without loss.
type fidelityCase struct {
	source   trigger.Source
	function string
	fire     func(ctx context.Context, s *trigger.Service) error
	goType   func() any
	// missing are request members Cognito sends that the aws-lambda-go
	// type lacks; the test checks they are present, then removes them.
	missing []string
	version string
}

func msg(kind trigger.MessageKind) trigger.MessageInput {
	return trigger.MessageInput{Kind: kind, Username: "jane", Attributes: attrs, Code: "123456", MessageUsername: "jane",
		Template: delivery.DefaultTemplate(delivery.PurposeSignUp), EmailFromDeveloper: true}
}

func fidelityCases() []fidelityCase {
	call := func(op trigger.Operation) trigger.Call {
		return trigger.Call{Operation: op, ClientID: "client123", SDKVersion: "aws-sdk-js-3.1169.0", ClientMetadata: metadata}
	}
	var cases []fidelityCase
	for _, c := range []struct {
		src trigger.Source
		op  trigger.Operation
	}{
		{trigger.PreSignUpSignUp, trigger.OpSignUp},
		{trigger.PreSignUpAdminCreateUser, trigger.OpAdminCreateUser},
		{trigger.PreSignUpExternalProvider, trigger.OpHostedUI},
	} {
		cases = append(cases, fidelityCase{source: c.src, function: "PreSignUp", version: "1",
			fire: func(ctx context.Context, s *trigger.Service) error {
				_, err := s.PreSignUp(ctx, pool(trigger.V1_0), call(c.op), trigger.PreSignUpInput{Source: c.src, Username: "jane", Attributes: attrs, ValidationData: map[string]string{"captcha": "x"}})
				return err
			}, goType: func() any { return new(events.CognitoEventUserPoolsPreSignup) }})
	}
	for _, c := range []struct {
		src trigger.Source
		op  trigger.Operation
	}{{trigger.PostConfirmationConfirmSignUp, trigger.OpConfirmSignUp}, {trigger.PostConfirmationConfirmForgotPassword, trigger.OpConfirmForgotPassword}} {
		cases = append(cases, fidelityCase{source: c.src, function: "PostConfirmation", version: "1",
			fire: func(ctx context.Context, s *trigger.Service) error {
				return s.PostConfirmation(ctx, pool(trigger.V1_0), call(c.op), trigger.PostConfirmationInput{Source: c.src, Username: "jane", Attributes: attrs})
			}, goType: func() any { return new(events.CognitoEventUserPoolsPostConfirmation) }})
	}
	cases = append(cases,
		fidelityCase{source: trigger.PreAuthenticationAuthentication, function: "PreAuthentication", version: "1",
			fire: func(ctx context.Context, s *trigger.Service) error {
				return s.PreAuthentication(ctx, pool(trigger.V1_0), call(trigger.OpInitiateAuth), trigger.PreAuthenticationInput{Username: "jane", Attributes: attrs, PreventUserExistenceErrors: true})
			}, goType: func() any { return new(events.CognitoEventUserPoolsPreAuthentication) }},
		fidelityCase{source: trigger.PostAuthenticationAuthentication, function: "PostAuthentication", version: "1",
			fire: func(ctx context.Context, s *trigger.Service) error {
				return s.PostAuthentication(ctx, pool(trigger.V1_0), call(trigger.OpRespondToAuthChallenge), trigger.PostAuthenticationInput{Username: "jane", Attributes: attrs, NewDeviceUsed: true})
			}, goType: func() any { return new(events.CognitoEventUserPoolsPostAuthentication) }},
	)
	user := trigger.CustomAuthUser{Username: "jane", Attributes: attrs, PreventUserExistenceErrors: true}
	custom := trigger.CustomAuthState{Session: []trigger.ChallengeResult{{ChallengeName: trigger.ChallengeSRPA, ChallengeResult: true}}, Challenge: trigger.ChallengeCustom, Private: map[string]string{"answer": "42"}, Metadata: "round-1"}
	cases = append(cases,
		fidelityCase{source: trigger.DefineAuthChallengeAuthentication, function: "DefineAuthChallenge", version: "1",
			fire: func(ctx context.Context, s *trigger.Service) error {
				_, err := s.StartCustomAuth(ctx, pool(trigger.V1_0), call(trigger.OpInitiateAuth), user, true)
				return err
			}, goType: func() any { return new(events.CognitoEventUserPoolsDefineAuthChallenge) }},
		fidelityCase{source: trigger.CreateAuthChallengeAuthentication, function: "CreateAuthChallenge", version: "1",
			fire: func(ctx context.Context, s *trigger.Service) error {
				_, err := s.StartCustomAuth(ctx, pool(trigger.V1_0), call(trigger.OpInitiateAuth), user, false)
				return err
			}, goType: func() any { return new(events.CognitoEventUserPoolsCreateAuthChallenge) }},
		fidelityCase{source: trigger.VerifyAuthChallengeResponseAuthentication, function: "VerifyAuthChallengeResponse", version: "1",
			fire: func(ctx context.Context, s *trigger.Service) error {
				_, err := s.AnswerCustomChallenge(ctx, pool(trigger.V1_0), call(trigger.OpRespondToAuthChallenge), user, custom, "42")
				return err
			}, goType: func() any { return new(events.CognitoEventUserPoolsVerifyAuthChallenge) }},
	)
	tokenOps := map[trigger.Source]trigger.Operation{
		trigger.TokenGenerationHostedAuth: trigger.OpHostedUI, trigger.TokenGenerationAuthentication: trigger.OpRespondToAuthChallenge,
		trigger.TokenGenerationNewPasswordChallenge: trigger.OpRespondToAuthChallenge, trigger.TokenGenerationAuthenticateDevice: trigger.OpRespondToAuthChallenge,
		trigger.TokenGenerationRefreshTokens: trigger.OpGetTokensFromRefreshToken,
	}
	for src, op := range tokenOps {
		in := trigger.PreTokenInput{Source: src, Username: "jane", Attributes: attrs, Groups: []string{"admins"}, IAMRoles: []string{"arn:aws:iam::123456789012:role/admin"}, Scopes: []string{"openid", "aws.cognito.signin.user.admin"}}
		for _, v := range []struct {
			version trigger.Version
			event   string
			goType  func() any
		}{
			{trigger.V1_0, "1", func() any { return new(events.CognitoEventUserPoolsPreTokenGen) }},
			{trigger.V2_0, "2", func() any { return new(events.CognitoEventUserPoolsPreTokenGenV2_0) }},
			{trigger.V3_0, "3", func() any { return new(events.CognitoEventUserPoolsPreTokenGenV2_0) }},
		} {
			cases = append(cases, fidelityCase{source: src, function: "PreTokenGeneration", version: v.event,
				fire: func(ctx context.Context, s *trigger.Service) error {
					_, err := s.PreTokenGeneration(ctx, pool(v.version), call(op), in)
					return err
				}, goType: v.goType})
		}
	}
	cases = append(cases, fidelityCase{source: trigger.TokenGenerationClientCredentials, function: "PreTokenGeneration", version: "3",
		fire: func(ctx context.Context, s *trigger.Service) error {
			_, err := s.PreTokenGeneration(ctx, pool(trigger.V3_0), call(trigger.OpOAuthToken), trigger.PreTokenInput{Source: trigger.TokenGenerationClientCredentials, Username: "client123", Scopes: []string{"api/read"}})
			return err
		}, goType: func() any { return new(events.CognitoEventUserPoolsPreTokenGenV2_0) }})
	for src, op := range map[trigger.Source]trigger.Operation{trigger.UserMigrationAuthentication: trigger.OpInitiateAuth, trigger.UserMigrationForgotPassword: trigger.OpForgotPassword} {
		cases = append(cases, fidelityCase{source: src, function: "UserMigration", version: "1",
			fire: func(ctx context.Context, s *trigger.Service) error {
				_, _, err := s.UserMigration(ctx, pool(trigger.V1_0), call(op), trigger.MigrationInput{Source: src, Username: "jane@example.com", Password: "Passw0rd!"})
				return err
			}, goType: func() any { return new(events.CognitoEventUserPoolsMigrateUser) }})
	}
	kinds := map[trigger.MessageKind]trigger.Operation{
		trigger.MessageSignUp: trigger.OpSignUp, trigger.MessageAdminCreateUser: trigger.OpAdminCreateUser,
		trigger.MessageResendCode: trigger.OpResendConfirmationCode, trigger.MessageForgotPassword: trigger.OpForgotPassword,
		trigger.MessageUpdateUserAttribute: trigger.OpUpdateUserAttributes, trigger.MessageVerifyUserAttribute: trigger.OpGetUserAttributeVerificationCode,
		trigger.MessageAuthentication: trigger.OpRespondToAuthChallenge,
	}
	for kind, op := range kinds {
		cases = append(cases, fidelityCase{source: trigger.Source("CustomMessage_" + string(kind)), function: "CustomMessage", version: "1",
			fire: func(ctx context.Context, s *trigger.Service) error {
				_, err := s.CustomMessage(ctx, pool(trigger.V1_0), call(op), msg(kind))
				return err
			}, goType: func() any { return new(events.CognitoEventUserPoolsCustomMessage) },
			missing: []string{"linkParameter"}})
	}
	kinds[trigger.MessageAccountTakeOverNotification] = trigger.OpInitiateAuth
	for kind, op := range kinds {
		for _, ch := range []trigger.Channel{trigger.ChannelSMS, trigger.ChannelEmail} {
			name := "CustomSMSSender"
			if ch == trigger.ChannelEmail {
				name = "CustomEmailSender"
			} else if kind == trigger.MessageAccountTakeOverNotification {
				continue
			}
			cases = append(cases, fidelityCase{source: trigger.Source(name + "_" + string(kind)), function: name, version: "1",
				fire: func(ctx context.Context, s *trigger.Service) error {
					return s.SendCustom(ctx, pool(trigger.V1_0), call(op), trigger.SenderInput{Channel: ch, Kind: kind, Username: "jane", Attributes: attrs, Code: "123456"})
				}, goType: func() any { return new(lambdatest.CustomSenderEvent) }})
		}
	}
	return cases
}

// TestEventsDecodeIntoLambdaGoTypes fires every trigger source of spec §4
// and decodes the event the function received into aws-lambda-go's type
// (lambdatest.CustomSenderEvent for the senders, which aws-lambda-go
// lacks) with unknown members disallowed; then re-encodes the decoded value
// and checks that nothing was lost (null and zero values are equivalent:
// Go cannot tell them apart).
func TestEventsDecodeIntoLambdaGoTypes(t *testing.T) {
	e := newEnv(t)
	for _, n := range trigger.Names {
		e.lt.Register(string(n), lambdatest.Echo())
	}
	e.lt.Register("DefineAuthChallenge", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsDefineAuthChallenge) (events.CognitoEventUserPoolsDefineAuthChallenge, error) {
		ev.Response.ChallengeName = "CUSTOM_CHALLENGE"
		return ev, nil
	}))
	seen := map[trigger.Source]bool{}
	for _, c := range fidelityCases() {
		t.Run(string(c.source)+"/v"+c.version, func(t *testing.T) {
			e.lt.Reset()
			_ = c.fire(context.Background(), e.svc) // an echoed event may be an unusable answer (Define); only the event matters here
			payload := e.lastPayload(t, c.function)
			var generic map[string]any
			if err := json.Unmarshal(payload, &generic); err != nil {
				t.Fatal(err)
			}
			if generic["triggerSource"] != string(c.source) || generic["version"] != c.version {
				t.Fatalf("triggerSource %v version %v, want %s %s", generic["triggerSource"], generic["version"], c.source, c.version)
			}
			req := generic["request"].(map[string]any)
			for _, m := range c.missing {
				if _, ok := req[m]; !ok {
					t.Errorf("request.%s missing", m)
				}
				delete(req, m)
			}
			stripped, _ := json.Marshal(generic)
			typed := c.goType()
			dec := json.NewDecoder(bytes.NewReader(stripped))
			dec.DisallowUnknownFields()
			if err := dec.Decode(typed); err != nil {
				t.Fatalf("decode into %T: %v\n%s", typed, err, payload)
			}
			back, _ := json.Marshal(typed)
			var roundTrip map[string]any
			json.Unmarshal(back, &roundTrip)
			if a, b := prune(generic), prune(roundTrip); !reflect.DeepEqual(a, b) {
				t.Errorf("lossy decode into %T:\nsent %v\nback %v", typed, a, b)
			}
			seen[c.source] = true
		})
	}
	for _, n := range trigger.Names {
		for _, s := range trigger.Sources(n) {
			if !seen[s] && s != trigger.PreSignUpExternalProvider {
				t.Errorf("source %s was never fired", s)
			}
		}
	}
}

// prune drops null and zero values (false, "", 0, empty objects and arrays).
func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			if p := prune(val); p != nil {
				out[k] = p
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(x) == 0 {
			return nil
		}
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = prune(val)
		}
		return out
	case string:
		if x == "" {
			return nil
		}
	case bool:
		if !x {
			return nil
		}
	case float64:
		if x == 0 {
			return nil
		}
	}
	return v
}

// TestEnvelope checks the common envelope (spec §3.1): string version,
// region from the pool ID, CLIENT_ID_NOT_APPLICABLE without a client,
// aws-sdk-unknown-unknown without an SDK, and the pre-filled response.
func TestEnvelope(t *testing.T) {
	e := newEnv(t)
	e.lt.Register("PreSignUp", lambdatest.Echo())
	e.lt.Register("CustomMessage", lambdatest.Echo())
	e.lt.Register("PreTokenGeneration", lambdatest.Echo())
	ctx := context.Background()
	if _, err := e.svc.PreSignUp(ctx, pool(trigger.V1_0), trigger.Call{Operation: trigger.OpAdminCreateUser},
		trigger.PreSignUpInput{Source: trigger.PreSignUpAdminCreateUser, Username: "jane", Attributes: map[string]string{"email": "jane@example.com"}}); err != nil {
		t.Fatal(err)
	}
	want := `{"version":"1","triggerSource":"PreSignUp_AdminCreateUser","region":"us-east-1","userPoolId":"us-east-1_AbCdEf123","userName":"jane",` +
		`"callerContext":{"awsSdkVersion":"aws-sdk-unknown-unknown","clientId":"CLIENT_ID_NOT_APPLICABLE"},` +
		`"request":{"userAttributes":{"email":"jane@example.com"},"validationData":null},` +
		`"response":{"autoConfirmUser":false,"autoVerifyEmail":false,"autoVerifyPhone":false}}`
	if got := string(e.lastPayload(t, "PreSignUp")); got != want {
		t.Errorf("PreSignUp event\n got %s\nwant %s", got, want)
	}

	if _, err := e.svc.CustomMessage(ctx, pool(trigger.V1_0), trigger.Call{Operation: trigger.OpSignUp, ClientID: "c1"}, msg(trigger.MessageSignUp)); err != nil {
		t.Fatal(err)
	}
	got := string(e.lastPayload(t, "CustomMessage"))
	for _, part := range []string{`"codeParameter":"{####}"`, `"linkParameter":"{##Click Here##}"`, `"usernameParameter":null`,
		`"response":{"smsMessage":null,"emailMessage":null,"emailSubject":null}`, `"clientId":"c1"`} {
		if !strings.Contains(got, part) {
			t.Errorf("CustomMessage event lacks %s: %s", part, got)
		}
	}
	if _, err := e.svc.CustomMessage(ctx, pool(trigger.V1_0), trigger.Call{Operation: trigger.OpAdminCreateUser}, msg(trigger.MessageAdminCreateUser)); err != nil {
		t.Fatal(err)
	}
	if got := string(e.lastPayload(t, "CustomMessage")); !strings.Contains(got, `"usernameParameter":"{username}"`) {
		t.Errorf("AdminCreateUser message event: %s", got)
	}

	for v, resp := range map[trigger.Version]string{trigger.V1_0: `"response":{"claimsOverrideDetails":null}`, trigger.V2_0: `"response":{"claimsAndScopeOverrideDetails":null}`} {
		if _, err := e.svc.PreTokenGeneration(ctx, pool(v), trigger.Call{Operation: trigger.OpInitiateAuth, ClientID: "c1"},
			trigger.PreTokenInput{Source: trigger.TokenGenerationAuthentication, Username: "jane", Attributes: attrs}); err != nil {
			t.Fatal(err)
		}
		got := string(e.lastPayload(t, "PreTokenGeneration"))
		if !strings.Contains(got, resp) || !strings.Contains(got, `"groupConfiguration":{"groupsToOverride":[],"iamRolesToOverride":[],"preferredRole":null}`) {
			t.Errorf("%s pre-token event: %s", v, got)
		}
		if strings.Contains(got, "clientMetadata") {
			t.Errorf("%s pre-token event of InitiateAuth carries clientMetadata: %s", v, got)
		}
	}
}

func TestSDKVersion(t *testing.T) {
	for ua, want := range map[string]string{
		"aws-sdk-js/3.1169.0 ua/2.1 os/linux#6.1 lang/js md/nodejs#20.20.2 api/cognito-identity-provider#3.1169.0": "aws-sdk-js-3.1169.0",
		"aws-sdk-java/2.20.43 Linux/5.10 OpenJDK_64-Bit_Server_VM/17":                                              "aws-sdk-java-2.20.43",
		"aws-amplify/6.22.1 auth/4 framework/0":                                                                    trigger.UnknownSDKVersion,
		"":                                                                                                         trigger.UnknownSDKVersion,
	} {
		if got := trigger.SDKVersion(ua); got != want {
			t.Errorf("SDKVersion(%q) = %q, want %q", ua, got, want)
		}
	}
}
