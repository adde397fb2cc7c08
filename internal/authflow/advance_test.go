package authflow

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/srp/srptest"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/userpool"
)

// codes records the code of every message sent, by destination.
type codes struct {
	mu   sync.Mutex
	last map[string]string
}

func (c *codes) Send(_ context.Context, m delivery.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last = map[string]string{}
	}
	c.last[m.Destination] = m.Code
	return nil
}

func (c *codes) code(dest string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last[dest]
}

// The users' addresses.
const (
	advPhone = "+12065550100"
	advEmail = "adv@example.com"
)

// advanceCase is one row of TestAdvance: a pool, a user, a device and a
// threat-protection action, and the challenges a password sign-in meets
// before its tokens (or the error that ends it).
type advanceCase struct {
	name string
	// mode is the pool's MFA mode: OFF, OPTIONAL or ON (the latter two
	// offering SMS, TOTP and email MFA).
	mode string
	// device is the pool's device tracking: "" (none), "tracked",
	// "suppress" (ChallengeRequiredOnNewDevice: a remembered device stands
	// in for MFA) or "suppress-on-prompt" (the same, with
	// DeviceOnlyRememberedOnUserPrompt).
	device string
	// risk is the action threat protection (ENFORCED) takes for every
	// sign-in ("" for threat protection off).
	risk string
	// The user.
	status    storage.UserStatus
	enabled   []mfa.Factor
	preferred mfa.Factor
	totp      bool // a verified software token
	// bare leaves out the phone number the users have otherwise (they all
	// have an email address).
	bare bool
	// known is set when the sign-in presents a confirmed, remembered device.
	known bool
	// first makes the sign-in USER_AUTH (the pool allowing PASSWORD,
	// EMAIL_OTP and SMS_OTP first) with this PREFERRED_CHALLENGE; "SELECT"
	// sends none. SELECT_CHALLENGE is answered PASSWORD with the password.
	first string
	// custom makes the sign-in CUSTOM_AUTH (without SRP) whose Define
	// trigger (fakeCustomAuth) asks this many custom challenges before
	// tokens.
	custom int
	// want is the challenge sequence, ending in "tokens" or the error's
	// message.
	want []string
}

// TestAdvance walks advance's ordered list of steps (next.go) over user
// status × pool MFA mode × the user's MFA settings × device × threat
// protection, answering each challenge as a client would.
func TestAdvance(t *testing.T) {
	const confirmed, temporary = storage.UserStatus("CONFIRMED"), storage.UserStatus("FORCE_CHANGE_PASSWORD")
	both := []mfa.Factor{mfa.SMS, mfa.TOTP}
	totp := []mfa.Factor{mfa.TOTP}
	devicePV := []string{"DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"}
	seq := func(parts ...any) []string {
		var out []string
		for _, p := range parts {
			switch p := p.(type) {
			case string:
				out = append(out, p)
			case []string:
				out = append(out, p...)
			}
		}
		return out
	}
	for _, tc := range []advanceCase{
		// MFA off, status.
		{name: "confirmed, MFA off", mode: "OFF", status: confirmed, want: seq("tokens")},
		{name: "temporary password first", mode: "OFF", status: temporary, want: seq("NEW_PASSWORD_REQUIRED", "tokens")},
		{name: "MFA settings are ignored while the pool's MFA is off", mode: "OFF", status: confirmed, enabled: totp, preferred: mfa.TOTP, totp: true, want: seq("tokens")},

		// The MFA decision (package mfa, spec §7.3).
		{name: "optional, no factor", mode: "OPTIONAL", status: confirmed, want: seq("tokens")},
		{name: "optional, TOTP preferred", mode: "OPTIONAL", status: confirmed, enabled: totp, preferred: mfa.TOTP, totp: true, want: seq("SOFTWARE_TOKEN_MFA", "tokens")},
		{name: "on, a phone number means implicit SMS", mode: "ON", status: confirmed, want: seq("SMS_MFA", "tokens")},
		{name: "on, two factors and no preference", mode: "ON", status: confirmed, enabled: both, totp: true, want: seq("SELECT_MFA_TYPE", "SMS_MFA", "tokens")},
		{name: "on, preferred TOTP", mode: "ON", status: confirmed, enabled: both, preferred: mfa.TOTP, totp: true, want: seq("SOFTWARE_TOKEN_MFA", "tokens")},
		{name: "on, email preferred", mode: "ON", status: confirmed, enabled: []mfa.Factor{mfa.Email, mfa.TOTP}, preferred: mfa.Email, totp: true, want: seq("EMAIL_OTP", "tokens")},
		{name: "new password before MFA", mode: "ON", status: temporary, enabled: totp, preferred: mfa.TOTP, totp: true, want: seq("NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "tokens")},

		// Devices (devices.go's ordering rules).
		{name: "a known device authenticates", mode: "OFF", device: "tracked", status: confirmed, known: true, want: seq(devicePV, "tokens")},
		{name: "a known device after MFA", mode: "OPTIONAL", device: "tracked", status: confirmed, enabled: totp, preferred: mfa.TOTP, totp: true, known: true,
			want: seq("SOFTWARE_TOKEN_MFA", devicePV, "tokens")},
		{name: "a remembered device instead of MFA", mode: "OPTIONAL", device: "suppress", status: confirmed, enabled: totp, preferred: mfa.TOTP, totp: true, known: true,
			want: seq(devicePV, "tokens")},
		{name: "new password before the device", mode: "OPTIONAL", device: "suppress", status: temporary, enabled: totp, preferred: mfa.TOTP, totp: true, known: true,
			want: seq("NEW_PASSWORD_REQUIRED", devicePV, "tokens")},

		// Threat protection (risk.go).
		{name: "risk: no action", mode: "OFF", risk: "NO_ACTION", status: confirmed, want: seq("tokens")},
		{name: "risk: MFA required, the user has a token", mode: "OFF", risk: "MFA_REQUIRED", status: confirmed, enabled: totp, totp: true, want: seq("SOFTWARE_TOKEN_MFA", "tokens")},
		{name: "risk: MFA required, SMS in an optional pool", mode: "OPTIONAL", risk: "MFA_REQUIRED", status: confirmed, want: seq("SMS_MFA", "tokens")},
		{name: "risk: MFA required, a phone but no SMS MFA in the pool", mode: "OFF", risk: "MFA_REQUIRED", status: confirmed, want: seq(errRiskBlocked.Message)},
		{name: "risk: MFA if configured, the user cannot", mode: "OPTIONAL", risk: "MFA_IF_CONFIGURED", status: confirmed, bare: true, want: seq("tokens")},
		{name: "risk: MFA required, the user cannot", mode: "OPTIONAL", risk: "MFA_REQUIRED", status: confirmed, bare: true, want: seq(errRiskBlocked.Message)},
		{name: "risk: block", mode: "OFF", risk: "BLOCK", status: confirmed, want: seq(errRiskBlocked.Message)},
		{name: "risk MFA after the user's own MFA is not asked twice", mode: "OPTIONAL", risk: "MFA_REQUIRED", status: confirmed, enabled: totp, preferred: mfa.TOTP, totp: true,
			want: seq("SOFTWARE_TOKEN_MFA", "tokens")},
		{name: "risk: new password, then the MFA it asks for", mode: "OFF", risk: "MFA_REQUIRED", status: temporary, enabled: totp, totp: true,
			want: seq("NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "tokens")},
		{name: "risk MFA keeps a device that remembers on prompt from standing in", mode: "OPTIONAL", device: "suppress-on-prompt", risk: "MFA_IF_CONFIGURED",
			status: confirmed, enabled: totp, totp: true, known: true, want: seq("SOFTWARE_TOKEN_MFA", devicePV, "tokens")},
		{name: "a device that is always remembered stands in despite risk", mode: "OPTIONAL", device: "suppress", risk: "MFA_IF_CONFIGURED",
			status: confirmed, enabled: totp, totp: true, known: true, want: seq(devicePV, "tokens")},

		// USER_AUTH: the choice of a first factor is advance's first step
		// (userauth.go); a password is followed by MFA, a passwordless
		// factor is not, devices and threat protection apply to both.
		{name: "USER_AUTH EMAIL_OTP: no MFA after a passwordless factor", mode: "OPTIONAL", status: confirmed, first: "EMAIL_OTP", want: seq("EMAIL_OTP", "tokens")},
		{name: "USER_AUTH SMS_OTP, then a known device", mode: "OFF", device: "tracked", status: confirmed, first: "SMS_OTP", known: true,
			want: seq("SMS_OTP", devicePV, "tokens")},
		{name: "USER_AUTH SELECT_CHALLENGE → PASSWORD, then MFA", mode: "OPTIONAL", status: confirmed, enabled: totp, preferred: mfa.TOTP, totp: true, first: "SELECT",
			want: seq("SELECT_CHALLENGE", "SOFTWARE_TOKEN_MFA", "tokens")},
		{name: "USER_AUTH: an MFA user asking for EMAIL_OTP must choose a password", mode: "ON", status: confirmed, enabled: totp, preferred: mfa.TOTP, totp: true, first: "EMAIL_OTP",
			want: seq("SELECT_CHALLENGE", "SOFTWARE_TOKEN_MFA", "tokens")},
		{name: "USER_AUTH PASSWORD with the password, then MFA", mode: "ON", status: confirmed, first: "PASSWORD", want: seq("SMS_MFA", "tokens")},
		{name: "USER_AUTH: a temporary password is replaced after the password", mode: "OFF", status: temporary, first: "EMAIL_OTP",
			want: seq("SELECT_CHALLENGE", "NEW_PASSWORD_REQUIRED", "tokens")},
		{name: "USER_AUTH EMAIL_OTP: threat protection still blocks", mode: "OFF", risk: "BLOCK", status: confirmed, first: "EMAIL_OTP",
			want: seq("EMAIL_OTP", errRiskBlocked.Message)},

		// CUSTOM_AUTH: Define's rounds are advance's first step
		// (customauth.go); without a password no MFA follows, devices and
		// threat protection apply as usual.
		{name: "CUSTOM_AUTH: two rounds, no MFA without a password", mode: "ON", status: confirmed, enabled: totp, preferred: mfa.TOTP, totp: true, custom: 2,
			want: seq("CUSTOM_CHALLENGE", "CUSTOM_CHALLENGE", "tokens")},
		{name: "CUSTOM_AUTH, then a known device", mode: "OFF", device: "tracked", status: confirmed, known: true, custom: 1,
			want: seq("CUSTOM_CHALLENGE", devicePV, "tokens")},
		{name: "CUSTOM_AUTH: threat protection still blocks", mode: "OFF", risk: "BLOCK", status: confirmed, custom: 1,
			want: seq("CUSTOM_CHALLENGE", errRiskBlocked.Message)},

		// MFA_SETUP ends the walk: setting a factor up is tested in mfa_test.
		{name: "on, nothing to answer with: set a factor up", mode: "ON", status: confirmed, bare: true, want: seq("MFA_SETUP")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := walkAdvance(t, tc)
			if !slices.Equal(got, tc.want) {
				t.Errorf("challenges %v, want %v", got, tc.want)
			}
		})
	}
}

// advancePool is the pool document of a case.
func advancePool(tc advanceCase) string {
	doc := map[string]any{"MfaConfiguration": tc.mode, "SchemaAttributes": userpool.StandardSchema()}
	if tc.mode != "OFF" {
		doc["SmsMfaConfiguration"] = map[string]any{}
		doc["SoftwareTokenMfaConfiguration"] = map[string]any{"Enabled": true}
		doc["EmailMfaConfiguration"] = map[string]any{}
	}
	switch tc.device {
	case "tracked":
		doc["DeviceConfiguration"] = map[string]any{}
	case "suppress":
		doc["DeviceConfiguration"] = map[string]any{"ChallengeRequiredOnNewDevice": true}
	case "suppress-on-prompt":
		doc["DeviceConfiguration"] = map[string]any{"ChallengeRequiredOnNewDevice": true, "DeviceOnlyRememberedOnUserPrompt": true}
	}
	if tc.risk != "" {
		doc["UserPoolAddOns"] = map[string]any{"AdvancedSecurityMode": "ENFORCED"}
	}
	if tc.custom > 0 {
		doc["LambdaConfig"] = map[string]any{"DefineAuthChallenge": "arn:aws:lambda:us-east-1:123456789012:function:define"}
	}
	if tc.first != "" {
		doc["Policies"] = map[string]any{"SignInPolicy": map[string]any{"AllowedFirstAuthFactors": []string{"PASSWORD", "EMAIL_OTP", "SMS_OTP"}}}
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// walkAdvance signs in as the case's user with USER_PASSWORD_AUTH and
// answers every challenge until tokens, an error or MFA_SETUP, returning
// the challenge names met.
func walkAdvance(t *testing.T, tc advanceCase) []string {
	t.Helper()
	client := ""
	if tc.first != "" {
		client = `{"ExplicitAuthFlows":["ALLOW_USER_AUTH","ALLOW_REFRESH_TOKEN_AUTH"]}`
	}
	if tc.custom > 0 {
		client = `{"ExplicitAuthFlows":["ALLOW_CUSTOM_AUTH","ALLOW_REFRESH_TOKEN_AUTH"]}`
	}
	f := newFixture(t, advancePool(tc), client)
	if tc.custom > 0 {
		f.svc.Triggers = fakeCustomAuth{rounds: tc.custom}
	}
	sent := &codes{}
	f.svc.Pools.Sender = sent
	if tc.risk != "" {
		action := map[string]any{"EventAction": tc.risk, "Notify": false}
		doc, _ := json.Marshal(map[string]any{"AccountTakeoverRiskConfiguration": map[string]any{
			"Actions": map[string]any{"LowAction": action, "MediumAction": action, "HighAction": action}}})
		if _, err := f.store.UpdatePool(ctx, poolID, func(p *storage.Pool) error { p.RiskConfig = doc; return nil }); err != nil {
			t.Fatal(err)
		}
		var err error
		if f.pool, err = f.svc.Pools.LoadPool(ctx, poolID); err != nil {
			t.Fatal(err)
		}
	}
	u := f.addUser("ada", tc.status)
	secret := []byte("12345678901234567890")
	if _, err := f.store.UpdateUser(ctx, poolID, u.UsernameKey, func(u *storage.User) error {
		u.Attributes = []storage.Attribute{{Name: "email", Value: advEmail}}
		if !tc.bare {
			u.Attributes = append(u.Attributes, storage.Attribute{Name: "phone_number", Value: advPhone})
		}
		u.MFA.Enabled, u.MFA.Preferred = tc.enabled, tc.preferred
		if tc.totp {
			u.Secrets.TOTPSecret, u.MFA.TOTPVerifiedAt = secret, epoch.Add(-mfa.Period*10)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"USERNAME": "ada", "PASSWORD": pw}
	var device srptest.DeviceSecret
	const deviceKey, groupKey = "us-east-1_6a0c2f1e-7b4d-4c1e-9f55-0123456789ab", "-grp12345"
	if tc.known {
		device = srptest.HashDevice("device-password", []byte("0123456789abcdef"), groupKey, deviceKey)
		salt, verifier, err := srp.ParseDeviceVerifier(device.Salt, device.Verifier)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.store.CreateDevice(ctx, storage.Device{PoolID: poolID, UsernameKey: u.UsernameKey, Key: deviceKey, GroupKey: groupKey,
			Confirmed: true, Remembered: "remembered", CreatedAt: epoch, UpdatedAt: epoch,
			Secrets: storage.DeviceSecrets{Salt: salt, Verifier: verifier}}); err != nil {
			t.Fatal(err)
		}
		params["DEVICE_KEY"] = deviceKey
	}

	var seq []string
	flow := FlowUserPassword
	if tc.custom > 0 {
		flow = FlowCustom
		delete(params, "PASSWORD")
	}
	switch tc.first {
	case "":
	case "PASSWORD":
		flow, params["PREFERRED_CHALLENGE"] = FlowUser, tc.first
	default:
		flow = FlowUser
		delete(params, "PASSWORD")
		if tc.first != "SELECT" {
			params["PREFERRED_CHALLENGE"] = tc.first
		}
	}
	r, err := f.svc.InitiateAuth(ctx, Initiate{ClientID: clientID, Flow: flow, Params: params})
	for step := 0; step < 10; step++ {
		if err != nil {
			var fe *fault.Error
			if !errors.As(err, &fe) {
				t.Fatalf("after %v: %v", seq, err)
			}
			return append(seq, fe.Message)
		}
		if r.Tokens != nil {
			return append(seq, "tokens")
		}
		seq = append(seq, string(r.Challenge))
		answers := map[string]string{"USERNAME": "ada"}
		switch r.Challenge {
		case ChallengeNewPassword:
			answers["NEW_PASSWORD"] = "N3w!passw0rd"
		case ChallengeSoftwareToken:
			answers["SOFTWARE_TOKEN_MFA_CODE"] = mfa.Code(secret, f.clock.Now())
		case ChallengeSMSMFA:
			answers["SMS_MFA_CODE"] = sent.code(advPhone)
		case ChallengeEmailOTP:
			answers["EMAIL_OTP_CODE"] = sent.code(advEmail)
		case ChallengeSMSOTP:
			answers["SMS_OTP_CODE"] = sent.code(advPhone)
		case ChallengeSelectChallenge:
			answers["ANSWER"], answers["PASSWORD"] = "PASSWORD", pw
		case ChallengeCustom:
			answers["ANSWER"] = "42"
		case ChallengeSelectMFAType:
			var options []string
			json.Unmarshal([]byte(r.Parameters["MFAS_CAN_CHOOSE"]), &options)
			answers["ANSWER"] = options[0]
		case ChallengeDeviceSRPAuth:
			c, cerr := srptest.NewClient(rand.Reader, groupKey)
			if cerr != nil {
				t.Fatal(cerr)
			}
			answers["DEVICE_KEY"], answers["SRP_A"] = deviceKey, c.SRPA()
			r, err = f.svc.RespondToAuthChallenge(ctx, Respond{ClientID: clientID, Challenge: r.Challenge, Session: r.Session, Responses: answers})
			if err != nil || r.Challenge != ChallengeDevicePasswordVerifier {
				t.Fatalf("DEVICE_SRP_AUTH: %v %v", r, err)
			}
			seq = append(seq, string(r.Challenge))
			if answers, err = c.DeviceVerifierResponses(r.Parameters, "ada", deviceKey, device.Password, f.clock.Now()); err != nil {
				t.Fatal(err)
			}
			r, err = f.svc.RespondToAuthChallenge(ctx, Respond{ClientID: clientID, Challenge: ChallengeDevicePasswordVerifier, Session: r.Session, Responses: answers})
			continue
		case ChallengeMFASetup:
			return seq
		default:
			t.Fatalf("unexpected challenge %s", r.Challenge)
		}
		r, err = f.svc.RespondToAuthChallenge(ctx, Respond{ClientID: clientID, Challenge: r.Challenge, Session: r.Session, Responses: answers})
	}
	t.Fatalf("no end after %v", seq)
	return nil
}

// fakeCustomAuth is a Triggers whose DefineAuthChallenge asks rounds
// CUSTOM_CHALLENGEs ("6*7?", answered 42) and then issues tokens; the other
// triggers do nothing.
type fakeCustomAuth struct{ rounds int }

func (fakeCustomAuth) PreAuthentication(context.Context, trigger.Pool, trigger.Call, trigger.PreAuthenticationInput) error {
	return nil
}

func (fakeCustomAuth) PostAuthentication(context.Context, trigger.Pool, trigger.Call, trigger.PostAuthenticationInput) error {
	return nil
}

func (fakeCustomAuth) PreTokenGeneration(context.Context, trigger.Pool, trigger.Call, trigger.PreTokenInput) (trigger.TokenEdits, error) {
	return trigger.TokenEdits{}, nil
}

func (f fakeCustomAuth) StartCustomAuth(_ context.Context, _ trigger.Pool, _ trigger.Call, u trigger.CustomAuthUser, srpA bool) (trigger.Step, error) {
	if srpA {
		return trigger.Step{}, errors.New("fakeCustomAuth: no SRP_A")
	}
	return f.define(u, trigger.CustomAuthState{}), nil
}

func (f fakeCustomAuth) AnswerCustomChallenge(_ context.Context, _ trigger.Pool, _ trigger.Call, u trigger.CustomAuthUser, st trigger.CustomAuthState, answer string) (trigger.Step, error) {
	st.Session = append(st.Session, trigger.ChallengeResult{ChallengeName: trigger.ChallengeCustom, ChallengeResult: answer == "42"})
	return f.define(u, st), nil
}

func (f fakeCustomAuth) ContinueCustomAuth(_ context.Context, _ trigger.Pool, _ trigger.Call, u trigger.CustomAuthUser, st trigger.CustomAuthState, passed bool) (trigger.Step, error) {
	st.Session = append(st.Session, trigger.ChallengeResult{ChallengeName: st.Challenge, ChallengeResult: passed})
	return f.define(u, st), nil
}

func (f fakeCustomAuth) define(u trigger.CustomAuthUser, st trigger.CustomAuthState) trigger.Step {
	right := 0
	for _, r := range st.Session {
		if r.ChallengeResult {
			right++
		}
	}
	if right >= f.rounds {
		return trigger.Step{Kind: trigger.StepTokens, State: st}
	}
	st.Challenge = trigger.ChallengeCustom
	return trigger.Step{Kind: trigger.StepChallenge, Challenge: trigger.ChallengeCustom,
		Parameters: map[string]string{"USERNAME": u.Username, "question": "6*7?"}, State: st}
}
