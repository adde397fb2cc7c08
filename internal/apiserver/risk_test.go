package apiserver_test

import (
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/storage"
)

// Where sign-ins come from in these tests.
const (
	homeIP  = "198.51.100.7"
	awayIP  = "203.0.113.5"
	laptop  = "laptop-1"
	phone   = "phone-2"
	riskPwd = "Passw0rd!"
)

// riskEnv is a server with a PLUS pool whose threat protection is in the
// given mode, MFA OPTIONAL with SMS and TOTP, and one app client.
type riskEnv struct {
	*authEnv
}

func newRiskEnv(t *testing.T, mode types.AdvancedSecurityModeType, dc *types.DeviceConfigurationType, opts ...servertest.Option) *riskEnv {
	t.Helper()
	return newRiskEnvPool(t, &cip.CreateUserPoolInput{DeviceConfiguration: dc}, mode, opts...)
}

// newRiskEnvPool is newRiskEnv with more of the pool (tier and add-ons are
// set here).
func newRiskEnvPool(t *testing.T, pool *cip.CreateUserPoolInput, mode types.AdvancedSecurityModeType, opts ...servertest.Option) *riskEnv {
	t.Helper()
	pool.UserPoolTier = types.UserPoolTierTypePlus
	pool.UserPoolAddOns = &types.UserPoolAddOnsType{AdvancedSecurityMode: mode}
	e := &riskEnv{newAuthEnv(t, pool, &cip.CreateUserPoolClientInput{
		// Only a client with a secret and context-data propagation may tell
		// Cognito the end user's IP address (UserContextData.IpAddress).
		GenerateSecret: true, EnablePropagateAdditionalUserContextData: aws.Bool(true),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{
			types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
	}, opts...)}
	e.autoSecretHash = true
	if _, err := e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: aws.String(e.pool), MfaConfiguration: types.UserPoolMfaTypeOptional,
		SmsMfaConfiguration:           &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Your code is {####}")},
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

// encodedData is UserContextData.EncodedData naming a device, in the layout
// of Cognito's context-data collection library.
func encodedData(deviceID string) string {
	payload := `{"contextData":{"DeviceId":"` + deviceID + `","ClientTimezone":"+01:00"},"username":"x","timestamp":"1"}`
	env := `{"payload":` + quote(payload) + `,"signature":"s","version":"JS20171115"}`
	return base64.StdEncoding.EncodeToString([]byte(env))
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// loginFrom signs in with USER_PASSWORD_AUTH from ip on a device.
func (e *riskEnv) loginFrom(username, pw, ip, dev string, extra ...string) (*cip.InitiateAuthOutput, error) {
	e.Clock.Advance(time.Second) // events are listed by time
	params := map[string]string{"USERNAME": username, "PASSWORD": pw}
	for i := 0; i+1 < len(extra); i += 2 {
		params[extra[i]] = extra[i+1]
	}
	return e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(e.clientID()), AuthParameters: e.withSecretHash(username, params),
		UserContextData: &types.UserContextDataType{IpAddress: aws.String(ip), EncodedData: aws.String(encodedData(dev))},
	})
}

func (e *riskEnv) setRisk(in *cip.SetRiskConfigurationInput) *types.RiskConfigurationType {
	e.t.Helper()
	in.UserPoolId = aws.String(e.pool)
	out, err := e.Client.SetRiskConfiguration(ctx, in)
	if err != nil {
		e.t.Fatalf("SetRiskConfiguration: %v", err)
	}
	return out.RiskConfiguration
}

func action(a types.AccountTakeoverEventActionType, notify bool) *types.AccountTakeoverActionType {
	return &types.AccountTakeoverActionType{EventAction: a, Notify: notify}
}

func takeover(low, medium, high types.AccountTakeoverEventActionType) *types.AccountTakeoverRiskConfigurationType {
	return &types.AccountTakeoverRiskConfigurationType{Actions: &types.AccountTakeoverActionsType{
		LowAction: action(low, false), MediumAction: action(medium, false), HighAction: action(high, false),
	}}
}

// events returns a user's auth events, newest first.
func (e *riskEnv) events(t *testing.T, username string) []types.AuthEventType {
	t.Helper()
	out, err := e.Client.AdminListUserAuthEvents(ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: aws.String(e.pool), Username: aws.String(username)})
	if err != nil {
		t.Fatalf("AdminListUserAuthEvents: %v", err)
	}
	return out.AuthEvents
}

// wantEvent checks the newest event of a user.
func (e *riskEnv) wantEvent(t *testing.T, username string, response types.EventResponseType, decision types.RiskDecisionType, level types.RiskLevelType, challenges ...string) types.AuthEventType {
	t.Helper()
	evs := e.events(t, username)
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	ev := evs[0]
	got := []string{}
	for _, c := range ev.ChallengeResponses {
		got = append(got, string(c.ChallengeName)+":"+string(c.ChallengeResponse))
	}
	if ev.EventType != types.EventTypeSignIn || ev.EventResponse != response || ev.EventRisk == nil ||
		ev.EventRisk.RiskDecision != decision || ev.EventRisk.RiskLevel != level || strings.Join(got, ",") != strings.Join(challenges, ",") {
		t.Fatalf("event = %s %s risk %+v challenges %v; want %s %s %s %v", ev.EventType, ev.EventResponse, ev.EventRisk, got, response, decision, level, challenges)
	}
	return ev
}

// establish gives a user one successful sign-in from home on the laptop.
func (e *riskEnv) establish(username string) {
	e.t.Helper()
	out, err := e.loginFrom(username, riskPwd, homeIP, laptop)
	if err != nil || out.AuthenticationResult == nil {
		e.t.Fatalf("first sign-in: %+v %v", out, err)
	}
	e.Clock.Advance(time.Minute)
}

func TestRiskConfiguration(t *testing.T) {
	env := servertest.New(t)
	// Threat protection needs the PLUS tier (spec §8).
	_, err := env.Client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"),
		UserPoolAddOns: &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeEnforced}})
	wantErr(t, err, "FeatureUnavailableInTierException", "The following features need to be disabled for the ESSENTIALS pricing tier configured: Threat Protection")
	essentials := env.CreatePool(nil)
	_, err = env.Client.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(essentials),
		UserPoolAddOns: &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeAudit}})
	wantErr(t, err, "FeatureUnavailableInTierException", "The following features need to be disabled for the ESSENTIALS pricing tier configured: Threat Protection")
	// Without threat protection the risk operations answer
	// UserPoolAddOnNotEnabledException.
	const notEnabled = "Advanced security features are not enabled for this user pool."
	_, err = env.Client.SetRiskConfiguration(ctx, &cip.SetRiskConfigurationInput{UserPoolId: aws.String(essentials)})
	wantErr(t, err, "UserPoolAddOnNotEnabledException", notEnabled)
	_, err = env.Client.DescribeRiskConfiguration(ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: aws.String(essentials)})
	wantErr(t, err, "UserPoolAddOnNotEnabledException", notEnabled)
	_, err = env.Client.AdminListUserAuthEvents(ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: aws.String(essentials), Username: aws.String("x")})
	wantErr(t, err, "UserPoolAddOnNotEnabledException", notEnabled)
	plusOff := env.CreatePool(&cip.CreateUserPoolInput{UserPoolTier: types.UserPoolTierTypePlus})
	_, err = env.Client.SetRiskConfiguration(ctx, &cip.SetRiskConfigurationInput{UserPoolId: aws.String(plusOff)})
	wantErr(t, err, "UserPoolAddOnNotEnabledException", notEnabled)

	e := newRiskEnv(t, types.AdvancedSecurityModeTypeAudit, nil)
	empty, err := e.Client.DescribeRiskConfiguration(ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: aws.String(e.pool)})
	if err != nil || aws.ToString(empty.RiskConfiguration.UserPoolId) != e.pool || empty.RiskConfiguration.AccountTakeoverRiskConfiguration != nil {
		t.Fatalf("no configuration: %+v %v", empty, err)
	}
	full := &cip.SetRiskConfigurationInput{
		CompromisedCredentialsRiskConfiguration: &types.CompromisedCredentialsRiskConfigurationType{
			EventFilter: []types.EventFilterType{types.EventFilterTypeSignIn, types.EventFilterTypeSignUp},
			Actions:     &types.CompromisedCredentialsActionsType{EventAction: types.CompromisedCredentialsEventActionTypeBlock},
		},
		AccountTakeoverRiskConfiguration: &types.AccountTakeoverRiskConfigurationType{
			Actions: &types.AccountTakeoverActionsType{
				LowAction:    action(types.AccountTakeoverEventActionTypeNoAction, false),
				MediumAction: action(types.AccountTakeoverEventActionTypeMfaIfConfigured, true),
				HighAction:   action(types.AccountTakeoverEventActionTypeBlock, true),
			},
			NotifyConfiguration: &types.NotifyConfigurationType{SourceArn: aws.String("arn:aws:ses:us-east-1:000000000000:identity/a@example.com"),
				From: aws.String("a@example.com"), BlockEmail: &types.NotifyEmailType{Subject: aws.String("Blocked"), TextBody: aws.String("We blocked {username}")}},
		},
		RiskExceptionConfiguration: &types.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"192.0.2.0/24"}, SkippedIPRangeList: []string{"10.0.0.1"}},
	}
	set := e.setRisk(full)
	if aws.ToString(set.UserPoolId) != e.pool || set.ClientId != nil || set.LastModifiedDate == nil ||
		set.AccountTakeoverRiskConfiguration.Actions.HighAction.EventAction != types.AccountTakeoverEventActionTypeBlock ||
		aws.ToString(set.AccountTakeoverRiskConfiguration.NotifyConfiguration.BlockEmail.TextBody) != "We blocked {username}" ||
		len(set.CompromisedCredentialsRiskConfiguration.EventFilter) != 2 || set.RiskExceptionConfiguration.SkippedIPRangeList[0] != "10.0.0.1" {
		t.Fatalf("SetRiskConfiguration echo: %+v", set)
	}
	got, err := e.Client.DescribeRiskConfiguration(ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: aws.String(e.pool)})
	if err != nil || !got.RiskConfiguration.LastModifiedDate.Equal(*set.LastModifiedDate) ||
		!got.RiskConfiguration.AccountTakeoverRiskConfiguration.Actions.MediumAction.Notify {
		t.Fatalf("DescribeRiskConfiguration: %+v %v", got, err)
	}

	// Per client: a client without its own configuration shows the pool's.
	c1 := aws.ToString(e.newClient(nil).ClientId)
	d, err := e.Client.DescribeRiskConfiguration(ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: aws.String(e.pool), ClientId: aws.String(c1)})
	if err != nil || aws.ToString(d.RiskConfiguration.ClientId) != c1 || d.RiskConfiguration.CompromisedCredentialsRiskConfiguration == nil {
		t.Fatalf("client without a configuration: %+v %v", d, err)
	}
	cs := e.setRisk(&cip.SetRiskConfigurationInput{ClientId: aws.String(c1), AccountTakeoverRiskConfiguration: takeover("NO_ACTION", "NO_ACTION", "MFA_REQUIRED")})
	if aws.ToString(cs.ClientId) != c1 || cs.CompromisedCredentialsRiskConfiguration != nil {
		t.Fatalf("client configuration: %+v", cs)
	}
	d, _ = e.Client.DescribeRiskConfiguration(ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: aws.String(e.pool), ClientId: aws.String(c1)})
	if d.RiskConfiguration.CompromisedCredentialsRiskConfiguration != nil || d.RiskConfiguration.AccountTakeoverRiskConfiguration.Actions.HighAction.EventAction != "MFA_REQUIRED" {
		t.Fatalf("client configuration replaces the pool's: %+v", d.RiskConfiguration)
	}
	pool, _ := e.Client.DescribeRiskConfiguration(ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: aws.String(e.pool)})
	if pool.RiskConfiguration.AccountTakeoverRiskConfiguration.Actions.HighAction.EventAction != "BLOCK" {
		t.Fatal("the client's configuration changed the pool's")
	}
	// Only the IDs: the client inherits again; the pool has none.
	e.setRisk(&cip.SetRiskConfigurationInput{ClientId: aws.String(c1)})
	d, _ = e.Client.DescribeRiskConfiguration(ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: aws.String(e.pool), ClientId: aws.String(c1)})
	if d.RiskConfiguration.CompromisedCredentialsRiskConfiguration == nil {
		t.Fatal("reset client does not inherit the pool's configuration")
	}
	if r := e.setRisk(&cip.SetRiskConfigurationInput{}); r.AccountTakeoverRiskConfiguration != nil || r.LastModifiedDate != nil {
		t.Fatalf("reset pool: %+v", r)
	}

	_, err = e.Client.SetRiskConfiguration(ctx, &cip.SetRiskConfigurationInput{UserPoolId: aws.String(e.pool), ClientId: aws.String("nosuchclient")})
	wantErr(t, err, "ResourceNotFoundException", "User pool client nosuchclient does not exist.")
	_, err = e.Client.SetRiskConfiguration(ctx, &cip.SetRiskConfigurationInput{UserPoolId: aws.String(e.pool),
		RiskExceptionConfiguration: &types.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"not-an-ip"}}})
	wantErr(t, err, "InvalidParameterException", "Invalid IP address range given: not-an-ip")
}

// TestRiskActions applies each action of the configuration at the level the
// engine assesses: Low (home, laptop), Medium (away, laptop) and High (away,
// a new phone).
func TestRiskActions(t *testing.T) {
	e := newRiskEnv(t, types.AdvancedSecurityModeTypeEnforced, nil)
	n := 0
	user := func(attrs ...string) string {
		n++
		name := "u" + string(rune('a'+n))
		e.createUser(name, riskPwd, withAttrs(attrs...))
		e.establish(name)
		return name
	}
	e.setRisk(&cip.SetRiskConfigurationInput{AccountTakeoverRiskConfiguration: takeover("NO_ACTION", "MFA_IF_CONFIGURED", "BLOCK")})

	t.Run("low: no action", func(t *testing.T) {
		u := user()
		out, err := e.loginFrom(u, riskPwd, homeIP, laptop)
		if err != nil || out.AuthenticationResult == nil {
			t.Fatalf("%+v %v", out, err)
		}
		ev := e.wantEvent(t, u, "Pass", "NoRisk", "Low", "Password:Success")
		claims, _ := e.verifyJWT(aws.ToString(out.AuthenticationResult.AccessToken))
		idc, _ := e.verifyJWT(aws.ToString(out.AuthenticationResult.IdToken))
		if claimString(claims, "event_id") != aws.ToString(ev.EventId) || claimString(idc, "event_id") != aws.ToString(ev.EventId) {
			t.Errorf("event_id %q / %q, event %s", claimString(claims, "event_id"), claimString(idc, "event_id"), aws.ToString(ev.EventId))
		}
		if c := ev.EventContextData; c == nil || aws.ToString(c.IpAddress) != homeIP || aws.ToString(c.Timezone) != "+01:00" {
			t.Errorf("EventContextData = %+v", c)
		}
	})
	t.Run("high: block", func(t *testing.T) {
		u := user()
		_, err := e.loginFrom(u, riskPwd, awayIP, phone)
		wantErr(t, err, "NotAuthorizedException", "Unable to login because of security reasons.")
		e.wantEvent(t, u, "Fail", "Block", "High", "Password:Success")
	})
	t.Run("medium: MFA_IF_CONFIGURED without a factor lets the user in", func(t *testing.T) {
		u := user()
		out, err := e.loginFrom(u, riskPwd, awayIP, laptop)
		if err != nil || out.AuthenticationResult == nil {
			t.Fatalf("%+v %v", out, err)
		}
		e.wantEvent(t, u, "Pass", "AccountTakeover", "Medium", "Password:Success")
	})
	t.Run("medium: MFA_IF_CONFIGURED with a phone number challenges", func(t *testing.T) {
		u := user("phone_number", "+12065550123")
		out, err := e.loginFrom(u, riskPwd, awayIP, laptop)
		if err != nil || out.ChallengeName != types.ChallengeNameTypeSmsMfa {
			t.Fatalf("%+v %v", out, err)
		}
		e.wantEvent(t, u, "InProgress", "AccountTakeover", "Medium", "Password:Success")
		_, err = e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(e.clientID()), ChallengeName: types.ChallengeNameTypeSmsMfa,
			Session: out.Session, ChallengeResponses: e.withSecretHash(u, map[string]string{"USERNAME": u, "SMS_MFA_CODE": "000000"})})
		wantErr(t, err, "CodeMismatchException", "Invalid code or auth state for the user.")
		r, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(e.clientID()), ChallengeName: types.ChallengeNameTypeSmsMfa,
			Session: out.Session, ChallengeResponses: e.withSecretHash(u, map[string]string{"USERNAME": u, "SMS_MFA_CODE": e.LastCode(e.pool, u)})})
		if err != nil || r.AuthenticationResult == nil {
			t.Fatalf("%+v %v", r, err)
		}
		e.wantEvent(t, u, "Pass", "AccountTakeover", "Medium", "Password:Success", "Mfa:Failure", "Mfa:Success")
	})

	e.setRisk(&cip.SetRiskConfigurationInput{AccountTakeoverRiskConfiguration: takeover("NO_ACTION", "MFA_REQUIRED", "MFA_REQUIRED")})
	t.Run("MFA_REQUIRED without a factor blocks", func(t *testing.T) {
		u := user()
		_, err := e.loginFrom(u, riskPwd, awayIP, laptop)
		wantErr(t, err, "NotAuthorizedException", "Unable to login because of security reasons.")
		e.wantEvent(t, u, "Fail", "Block", "Medium", "Password:Success")
	})
	t.Run("MFA_REQUIRED with a software token challenges", func(t *testing.T) {
		u := user()
		secret := make([]byte, 20)
		rand.Read(secret)
		e.updateUser(u, func(x *storage.User) {
			x.Secrets.TOTPSecret = secret
			x.MFA.TOTPVerifiedAt = e.Clock.Now() // verified, not enabled: the user's own MFA asks nothing
		})
		out, err := e.loginFrom(u, riskPwd, homeIP, laptop)
		if err != nil || out.AuthenticationResult == nil {
			t.Fatalf("low risk, no MFA of the user's own: %+v %v", out, err)
		}
		out, err = e.loginFrom(u, riskPwd, awayIP, phone)
		if err != nil || out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
			t.Fatalf("%+v %v", out, err)
		}
		e.wantEvent(t, u, "InProgress", "AccountTakeover", "High", "Password:Success")
	})
	t.Run("low: nothing", func(t *testing.T) {
		u := user()
		if out, err := e.loginFrom(u, riskPwd, homeIP, laptop); err != nil || out.AuthenticationResult == nil {
			t.Fatalf("%+v %v", out, err)
		}
	})

	e.setRisk(&cip.SetRiskConfigurationInput{
		AccountTakeoverRiskConfiguration: takeover("NO_ACTION", "NO_ACTION", "BLOCK"),
		RiskExceptionConfiguration:       &types.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"192.0.2.0/24"}, SkippedIPRangeList: []string{"203.0.113.0/24"}},
	})
	t.Run("blocked IP range", func(t *testing.T) {
		u := user()
		_, err := e.loginFrom(u, riskPwd, "192.0.2.33", laptop)
		wantErr(t, err, "NotAuthorizedException", "Request not allowed due to security reasons.")
		e.wantEvent(t, u, "Fail", "Block", "High", "Password:Success")
	})
	t.Run("skipped IP range", func(t *testing.T) {
		u := user()
		if out, err := e.loginFrom(u, riskPwd, awayIP, phone); err != nil || out.AuthenticationResult == nil {
			t.Fatalf("%+v %v", out, err)
		}
		e.wantEvent(t, u, "Pass", "NoRisk", "Low", "Password:Success")
	})
	t.Run("failed-attempt velocity", func(t *testing.T) {
		u := user()
		for range 5 {
			_, err := e.loginFrom(u, "Wr0ng-password", homeIP, laptop)
			wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
		}
		e.wantEvent(t, u, "Fail", "AccountTakeover", "Medium", "Password:Failure")
		e.Clock.Advance(2 * time.Second) // past the lockout
		_, err := e.loginFrom(u, riskPwd, homeIP, laptop)
		wantErr(t, err, "NotAuthorizedException", "Unable to login because of security reasons.")
		e.wantEvent(t, u, "Fail", "Block", "High", "Password:Success")
		// The failures leave the window: the familiar context is Low again.
		e.Clock.Advance(16 * time.Minute)
		if out, err := e.loginFrom(u, riskPwd, homeIP, laptop); err != nil || out.AuthenticationResult == nil {
			t.Fatalf("%+v %v", out, err)
		}
	})
}

func TestRiskAuditMode(t *testing.T) {
	e := newRiskEnv(t, types.AdvancedSecurityModeTypeAudit, nil)
	e.setRisk(&cip.SetRiskConfigurationInput{
		AccountTakeoverRiskConfiguration: &types.AccountTakeoverRiskConfigurationType{Actions: &types.AccountTakeoverActionsType{
			LowAction: action("BLOCK", true), MediumAction: action("BLOCK", true), HighAction: action("BLOCK", true),
		}},
		CompromisedCredentialsRiskConfiguration: &types.CompromisedCredentialsRiskConfigurationType{
			Actions: &types.CompromisedCredentialsActionsType{EventAction: types.CompromisedCredentialsEventActionTypeBlock}},
	})
	e.createUser("audrey", "Password1!", withAttrs("email", "audrey@example.com"))
	for _, from := range [][2]string{{homeIP, laptop}, {awayIP, laptop}, {"100.64.0.9", phone}} {
		out, err := e.loginFrom("audrey", "Password1!", from[0], from[1])
		if err != nil || out.AuthenticationResult == nil {
			t.Fatalf("AUDIT takes no action: %+v %v", out, err)
		}
		e.Clock.Advance(time.Minute)
	}
	ev := e.wantEvent(t, "audrey", "Pass", "AccountTakeover", "High", "Password:Success")
	if !aws.ToBool(ev.EventRisk.CompromisedCredentialsDetected) {
		t.Error("compromised credentials not recorded in AUDIT mode")
	}
	if m := e.Outbox(e.pool, "audrey"); len(m) != 0 {
		t.Errorf("AUDIT sent %d notifications", len(m))
	}
}

func TestCompromisedCredentials(t *testing.T) {
	e := newRiskEnv(t, types.AdvancedSecurityModeTypeEnforced, nil)
	e.setRisk(&cip.SetRiskConfigurationInput{CompromisedCredentialsRiskConfiguration: &types.CompromisedCredentialsRiskConfigurationType{
		EventFilter: []types.EventFilterType{types.EventFilterTypeSignIn},
		Actions:     &types.CompromisedCredentialsActionsType{EventAction: types.CompromisedCredentialsEventActionTypeBlock}}})
	e.createUser("cora", "Password1!") // on the built-in list
	_, err := e.loginFrom("cora", "Password1!", homeIP, laptop)
	wantErr(t, err, "NotAuthorizedException", "Unable to login because of security reasons.")
	ev := e.wantEvent(t, "cora", "Fail", "Block", "Low", "Password:Success")
	if !aws.ToBool(ev.EventRisk.CompromisedCredentialsDetected) {
		t.Error("CompromisedCredentialsDetected = false")
	}
	// SRP never shows the password: no detection.
	if out, err := e.srpSignIn("cora", "Password1!"); err != nil || out.AuthenticationResult == nil {
		t.Fatalf("SRP sign-in: %+v %v", out, err)
	}
	// NO_ACTION records the detection and lets the user in.
	e.setRisk(&cip.SetRiskConfigurationInput{CompromisedCredentialsRiskConfiguration: &types.CompromisedCredentialsRiskConfigurationType{
		Actions: &types.CompromisedCredentialsActionsType{EventAction: types.CompromisedCredentialsEventActionTypeNoAction}}})
	if out, err := e.loginFrom("cora", "Password1!", homeIP, laptop); err != nil || out.AuthenticationResult == nil {
		t.Fatalf("%+v %v", out, err)
	}
	if ev := e.events(t, "cora")[0]; ev.EventResponse != "Pass" || !aws.ToBool(ev.EventRisk.CompromisedCredentialsDetected) {
		t.Errorf("detection not recorded: %s %+v", ev.EventResponse, ev.EventRisk)
	}
}

// feedbackLink parses a notification link.
func feedbackLink(t *testing.T, body, value string) url.Values {
	t.Helper()
	for _, f := range strings.Fields(body) {
		if strings.HasPrefix(f, "userpoold-feedback:?") && strings.Contains(f, "feedback_value="+value) {
			q, err := url.ParseQuery(strings.TrimPrefix(f, "userpoold-feedback:?"))
			if err != nil {
				t.Fatal(err)
			}
			return q
		}
	}
	t.Fatalf("no %s link in %q", value, body)
	return nil
}

func TestAuthEventsAndFeedback(t *testing.T) {
	e := newRiskEnv(t, types.AdvancedSecurityModeTypeEnforced, nil)
	e.setRisk(&cip.SetRiskConfigurationInput{AccountTakeoverRiskConfiguration: &types.AccountTakeoverRiskConfigurationType{
		Actions: &types.AccountTakeoverActionsType{
			LowAction: action("NO_ACTION", false), MediumAction: action("NO_ACTION", true), HighAction: action("BLOCK", true),
		},
		NotifyConfiguration: &types.NotifyConfigurationType{SourceArn: aws.String("arn:aws:ses:us-east-1:000000000000:identity/sec@example.com"),
			From: aws.String("sec@example.com"), NoActionEmail: &types.NotifyEmailType{Subject: aws.String("New sign-in"),
				TextBody: aws.String("Hi {username}, a sign-in from {ip-address} on {device-name}. Not you? {one-click-link-invalid} You? {one-click-link-valid}")}},
	}})
	e.createUser("fred", riskPwd, withAttrs("email", "fred@example.com"))
	e.establish("fred")
	_, err := e.loginFrom("fred", "Wr0ng-password", homeIP, laptop)
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	e.Clock.Advance(time.Minute)

	// Medium (a new place): no action, a notification with feedback links.
	out, err := e.loginFrom("fred", riskPwd, awayIP, laptop)
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("%+v %v", out, err)
	}
	msgs := e.Outbox(e.pool, "fred")
	if len(msgs) != 1 || msgs[0].Purpose != "RISK_NOTIFICATION" || msgs[0].Channel != "EMAIL" || msgs[0].Destination != "fred@example.com" {
		t.Fatalf("notifications: %+v", msgs)
	}
	if !strings.HasPrefix(msgs[0].Body, "Hi fred, a sign-in from "+awayIP+" on ") {
		t.Errorf("body %q", msgs[0].Body)
	}
	valid := feedbackLink(t, msgs[0].Body, "Valid")
	if valid.Get("feedback_token") != msgs[0].Code || valid.Get("user_pool_id") != e.pool || valid.Get("username") != "fred" {
		t.Errorf("link %v, code %q", valid, msgs[0].Code)
	}

	// The history, newest first, paginated.
	evs := e.events(t, "fred")
	if len(evs) != 3 || evs[0].EventResponse != "Pass" || evs[1].EventResponse != "Fail" || evs[2].EventResponse != "Pass" ||
		aws.ToString(evs[0].EventId) != valid.Get("event_id") {
		t.Fatalf("events: %+v", evs)
	}
	p1, err := e.Client.AdminListUserAuthEvents(ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: aws.String(e.pool), Username: aws.String("fred"), MaxResults: aws.Int32(2)})
	if err != nil || len(p1.AuthEvents) != 2 || p1.NextToken == nil {
		t.Fatalf("page 1: %+v %v", p1, err)
	}
	p2, err := e.Client.AdminListUserAuthEvents(ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: aws.String(e.pool), Username: aws.String("fred"), MaxResults: aws.Int32(2), NextToken: p1.NextToken})
	if err != nil || len(p2.AuthEvents) != 1 || p2.NextToken != nil || aws.ToString(p2.AuthEvents[0].EventId) != aws.ToString(evs[2].EventId) {
		t.Fatalf("page 2: %+v %v", p2, err)
	}
	_, err = e.Client.AdminListUserAuthEvents(ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: aws.String(e.pool), Username: aws.String("nobody")})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")

	// UpdateAuthEventFeedback needs the event's token.
	eventID := aws.String(valid.Get("event_id"))
	_, err = e.Anonymous.UpdateAuthEventFeedback(ctx, &cip.UpdateAuthEventFeedbackInput{UserPoolId: aws.String(e.pool), Username: aws.String("fred"),
		EventId: eventID, FeedbackToken: aws.String("wrong"), FeedbackValue: types.FeedbackValueTypeValid})
	wantErr(t, err, "NotAuthorizedException", "Invalid feedback token.")
	_, err = e.Anonymous.UpdateAuthEventFeedback(ctx, &cip.UpdateAuthEventFeedbackInput{UserPoolId: aws.String(e.pool), Username: aws.String("fred"),
		EventId: aws.String("no-such-event"), FeedbackToken: aws.String(msgs[0].Code), FeedbackValue: types.FeedbackValueTypeValid})
	wantErr(t, err, "ResourceNotFoundException", "Auth event not found.")
	if _, err := e.Anonymous.UpdateAuthEventFeedback(ctx, &cip.UpdateAuthEventFeedbackInput{UserPoolId: aws.String(e.pool), Username: aws.String("fred"),
		EventId: eventID, FeedbackToken: aws.String(valid.Get("feedback_token")), FeedbackValue: types.FeedbackValueTypeValid}); err != nil {
		t.Fatal(err)
	}
	fb := e.events(t, "fred")[0].EventFeedback
	if fb == nil || fb.FeedbackValue != types.FeedbackValueTypeValid || aws.ToString(fb.Provider) != "cognito" || !fb.FeedbackDate.Equal(e.Clock.Now()) {
		t.Fatalf("EventFeedback = %+v", fb)
	}
	e.Clock.Advance(time.Minute)

	// Valid: that place is trusted now. A new phone there is only Medium
	// (High would be blocked).
	out, err = e.loginFrom("fred", riskPwd, awayIP, phone)
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("after Valid feedback: %+v %v", out, err)
	}
	e.wantEvent(t, "fred", "Pass", "AccountTakeover", "Medium", "Password:Success")
	e.Clock.Advance(time.Minute)

	// Invalid (by an administrator) on the phone's sign-in: every later
	// sign-in from that phone is High, and blocked.
	phoneEvent := e.events(t, "fred")[0].EventId
	if _, err := e.Client.AdminUpdateAuthEventFeedback(ctx, &cip.AdminUpdateAuthEventFeedbackInput{UserPoolId: aws.String(e.pool), Username: aws.String("fred"),
		EventId: phoneEvent, FeedbackValue: types.FeedbackValueTypeInvalid}); err != nil {
		t.Fatal(err)
	}
	if fb := e.events(t, "fred")[0].EventFeedback; fb == nil || fb.FeedbackValue != "Invalid" || aws.ToString(fb.Provider) != "admin" {
		t.Fatalf("admin feedback = %+v", fb)
	}
	_, err = e.loginFrom("fred", riskPwd, homeIP, phone)
	wantErr(t, err, "NotAuthorizedException", "Unable to login because of security reasons.")
	e.wantEvent(t, "fred", "Fail", "Block", "High", "Password:Success")
	if out, err := e.loginFrom("fred", riskPwd, homeIP, laptop); err != nil || out.AuthenticationResult == nil {
		t.Fatalf("the laptop at home is still fine: %+v %v", out, err)
	}
	_, err = e.Client.AdminUpdateAuthEventFeedback(ctx, &cip.AdminUpdateAuthEventFeedbackInput{UserPoolId: aws.String(e.pool), Username: aws.String("fred"),
		EventId: aws.String("nope"), FeedbackValue: types.FeedbackValueTypeValid})
	wantErr(t, err, "ResourceNotFoundException", "Auth event not found.")
}

// TestRiskWithRememberedDevices: risk-driven MFA against device
// suppression (authflow/devices.go rule 2).
func TestRiskWithRememberedDevices(t *testing.T) {
	for _, tc := range []struct {
		name string
		dc   *types.DeviceConfigurationType
		// want is the first challenge of a sign-in from a new place with the
		// remembered device.
		want types.ChallengeNameType
	}{
		{"opt-in: risk MFA first, then the device", optInSuppress, types.ChallengeNameTypeSmsMfa},
		{"always: risk MFA ignored", alwaysSuppress, types.ChallengeNameTypeDeviceSrpAuth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newRiskEnv(t, types.AdvancedSecurityModeTypeEnforced, tc.dc)
			de := &devEnv{e.authEnv}
			e.setRisk(&cip.SetRiskConfigurationInput{AccountTakeoverRiskConfiguration: takeover("NO_ACTION", "MFA_REQUIRED", "MFA_REQUIRED")})
			e.createUser("rem", riskPwd, withAttrs("phone_number", "+12065550199"))
			out, err := e.loginFrom("rem", riskPwd, homeIP, laptop)
			if err != nil || out.AuthenticationResult == nil {
				t.Fatalf("%+v %v", out, err)
			}
			d, _ := de.confirm(out.AuthenticationResult, "")
			if _, err := e.Client.AdminUpdateDeviceStatus(ctx, &cip.AdminUpdateDeviceStatusInput{UserPoolId: aws.String(e.pool), Username: aws.String("rem"),
				DeviceKey: aws.String(d.key), DeviceRememberedStatus: types.DeviceRememberedStatusTypeRemembered}); err != nil {
				t.Fatal(err)
			}
			e.Clock.Advance(time.Minute)
			// From home with the device: Low, device SRP only.
			out, err = e.loginFrom("rem", riskPwd, homeIP, laptop, "DEVICE_KEY", d.key)
			if err != nil || out.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
				t.Fatalf("%+v %v", out, err)
			}
			de.tokens(de.deviceAuth(out.Session, "rem", d, d.secret.Password))
			e.Clock.Advance(time.Minute)
			// From a new place with the device: Medium (the device is known).
			out, err = e.loginFrom("rem", riskPwd, awayIP, laptop, "DEVICE_KEY", d.key)
			if err != nil || out.ChallengeName != tc.want {
				t.Fatalf("challenge %s (%v), want %s", out.ChallengeName, err, tc.want)
			}
			e.wantEvent(t, "rem", "InProgress", "AccountTakeover", "Medium", "Password:Success")
			session := out.Session
			if tc.want == types.ChallengeNameTypeSmsMfa {
				r, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(e.clientID()), ChallengeName: types.ChallengeNameTypeSmsMfa,
					Session: out.Session, ChallengeResponses: e.withSecretHash("rem", map[string]string{"USERNAME": "rem", "SMS_MFA_CODE": e.LastCode(e.pool, "rem")})})
				if err != nil || r.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
					t.Fatalf("after SMS: %+v %v", r, err)
				}
				session = r.Session
			}
			res := de.tokens(de.deviceAuth(session, "rem", d, d.secret.Password))
			if de.deviceKeyClaim(res) != d.key {
				t.Error("no device_key")
			}
			want := []string{"Password:Success"}
			if tc.want == types.ChallengeNameTypeSmsMfa {
				want = append(want, "Mfa:Success")
			}
			e.wantEvent(t, "rem", "Pass", "AccountTakeover", "Medium", want...)
			got, err := e.Client.AdminGetDevice(ctx, &cip.AdminGetDeviceInput{UserPoolId: aws.String(e.pool), Username: aws.String("rem"), DeviceKey: aws.String(d.key)})
			if err != nil || attrMap(got.Device.DeviceAttributes)["last_ip_used"] != awayIP {
				t.Errorf("last_ip_used after a sign-in from %s: %v %v", awayIP, attrMap(got.Device.DeviceAttributes), err)
			}
		})
	}
}

// TestClaimedIPNeedsTrustedClient checks that UserContextData.IpAddress is
// believed only from an app client with a secret and
// EnablePropagateAdditionalUserContextData: from anyone else it is an
// unauthenticated claim that could dodge a blocked range.
func TestClaimedIPNeedsTrustedClient(t *testing.T) {
	e := newRiskEnv(t, types.AdvancedSecurityModeTypeEnforced, nil)
	e.setRisk(&cip.SetRiskConfigurationInput{
		RiskExceptionConfiguration: &types.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"127.0.0.0/8"}},
	})
	e.createUser("carl", riskPwd)
	plain := e.newClient(nil)
	_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: plain.ClientId,
		AuthParameters:  map[string]string{"USERNAME": "carl", "PASSWORD": riskPwd},
		UserContextData: &types.UserContextDataType{IpAddress: aws.String("198.51.100.7")},
	})
	if servertest.ErrorCode(err) != "NotAuthorizedException" {
		t.Errorf("a claimed IP from an untrusted client hid the blocked source address: %v", err)
	}
	// The trusted client's claim is believed.
	if _, err := e.loginFrom("carl", riskPwd, "198.51.100.7", "laptop"); err != nil {
		t.Errorf("trusted client with an unblocked claimed IP: %v", err)
	}
	// Propagation can only be switched on for a client with a secret.
	_, err = e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(e.pool), ClientName: aws.String("nosecret"), EnablePropagateAdditionalUserContextData: aws.Bool(true),
	})
	if servertest.ErrorCode(err) != "InvalidParameterException" {
		t.Errorf("propagation without a secret: %v", err)
	}
}
