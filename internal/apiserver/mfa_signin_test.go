package apiserver_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/server"
	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/srp/srptest"
	"github.com/userpoold/userpoold/internal/storage"
)

const mfaPassword = "Passw0rd!"

var (
	onTOTP = &cip.SetUserPoolMfaConfigInput{
		MfaConfiguration:              types.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	}
	onSMSTOTP = &cip.SetUserPoolMfaConfigInput{
		MfaConfiguration:              types.UserPoolMfaTypeOn,
		SmsMfaConfiguration:           &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Your code is {####}")},
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	}
	onTOTPEmail = &cip.SetUserPoolMfaConfigInput{
		MfaConfiguration:              types.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
		EmailMfaConfiguration:         &types.EmailMfaConfigType{Message: aws.String("Code: {####}"), Subject: aws.String("Your code")},
	}
)

// login starts USER_PASSWORD_AUTH.
func (e *mfaEnv) login(username string) (*cip.InitiateAuthOutput, error) {
	return e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(e.client),
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": mfaPassword},
	})
}

// mustLogin starts USER_PASSWORD_AUTH and expects the challenge want.
func (e *mfaEnv) mustLogin(username string, want types.ChallengeNameType) *cip.InitiateAuthOutput {
	e.t.Helper()
	out, err := e.login(username)
	if err != nil {
		e.t.Fatalf("InitiateAuth %s: %v", username, err)
	}
	if out.ChallengeName != want {
		e.t.Fatalf("InitiateAuth %s: challenge %q, want %q", username, out.ChallengeName, want)
	}
	if want != "" && len(aws.ToString(out.Session)) < 20 {
		e.t.Fatalf("challenge %s without a session", want)
	}
	return out
}

// respond answers a challenge with USERNAME and the given responses.
func (e *mfaEnv) respond(name types.ChallengeNameType, session *string, username string, kv ...string) (*cip.RespondToAuthChallengeOutput, error) {
	r := map[string]string{"USERNAME": username}
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i]] = kv[i+1]
	}
	return e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(e.client), ChallengeName: name, Session: session, ChallengeResponses: r,
	})
}

// wantTokens checks a successful final answer and returns its access token.
func (e *mfaEnv) wantTokens(out *cip.RespondToAuthChallengeOutput, err error) string {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("RespondToAuthChallenge: %v", err)
	}
	if out.AuthenticationResult == nil || out.ChallengeName != "" || out.ChallengeParameters == nil || len(out.ChallengeParameters) != 0 {
		e.t.Fatalf("want tokens and ChallengeParameters {}, got %s %v", out.ChallengeName, out.ChallengeParameters)
	}
	tok := aws.ToString(out.AuthenticationResult.AccessToken)
	if _, err := e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(tok)}); err != nil {
		e.t.Fatalf("the access token from MFA does not work: %v", err)
	}
	return tok
}

// lastMessage returns the newest outbox message to a user.
func (e *mfaEnv) lastMessage(username string) servertest.Message {
	e.t.Helper()
	m := e.Outbox(e.pool, username)
	if len(m) == 0 {
		e.t.Fatalf("no message to %s", username)
	}
	return m[len(m)-1]
}

func attr(u storage.User, name string) string {
	for _, a := range u.Attributes {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

// enableTOTP gives the user a verified token, enabled and preferred, and
// returns the secret.
func (e *mfaEnv) enableTOTP(u storage.User) []byte {
	e.t.Helper()
	tok := e.token(u)
	secret := e.setupTOTP(tok)
	if _, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(tok),
		SoftwareTokenMfaSettings: mfaSettings(true, true)}); err != nil {
		e.t.Fatal(err)
	}
	e.Clock.Advance(30 * time.Second) // the verification code is spent
	return secret
}

func TestSignInSoftwareTokenMFA(t *testing.T) {
	e := newMFAEnv(t, optionalTOTP, "")
	u := e.user("tina")
	// OPTIONAL pool, no factor: tokens straight away.
	out := e.mustLogin("tina", "")
	if out.AuthenticationResult == nil {
		t.Fatal("no tokens")
	}
	tok := e.token(u)
	secret := e.setupTOTP(tok)
	verifyCode := mfa.Code(secret, e.Clock.Now())
	if _, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(tok),
		SoftwareTokenMfaSettings: mfaSettings(true, true)}); err != nil {
		t.Fatal(err)
	}

	out = e.mustLogin("tina", types.ChallengeNameTypeSoftwareTokenMfa)
	// As in AWS's examples: the internal username, and the device name
	// when the token was verified with one (this one was not).
	if p := out.ChallengeParameters; len(p) != 1 || p["USER_ID_FOR_SRP"] != "tina" {
		t.Errorf("SOFTWARE_TOKEN_MFA parameters = %v, want only USER_ID_FOR_SRP", p)
	}
	_, err := e.respond(types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "tina")
	expectErr(t, "no code", err, "InvalidParameterException", "Missing required parameter SOFTWARE_TOKEN_MFA_CODE")
	_, err = e.respond(types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "tina", "SOFTWARE_TOKEN_MFA_CODE", "000000")
	expectErr(t, "wrong code", err, "CodeMismatchException", "Invalid code received for user")
	// The code used to verify the token is spent (spec §13.4).
	_, err = e.respond(types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "tina", "SOFTWARE_TOKEN_MFA_CODE", verifyCode)
	expectErr(t, "verification code", err, "ExpiredCodeException", "Your software token has already been used once.")
	// Wrong answers did not spend the session.
	e.Clock.Advance(30 * time.Second)
	code := mfa.Code(secret, e.Clock.Now())
	final, err := e.respond(types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "tina",
		"SOFTWARE_TOKEN_MFA_CODE", code, "SMS_MFA_CODE", code) // amazon-cognito-identity-js sends both
	e.wantTokens(final, err)
	_, err = e.respond(types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "tina", "SOFTWARE_TOKEN_MFA_CODE", code)
	expectErr(t, "session reused", err, "NotAuthorizedException", "Invalid session for the user, session can only be used once.")
	// The same code in a new sign-in is a replay.
	out = e.mustLogin("tina", types.ChallengeNameTypeSoftwareTokenMfa)
	_, err = e.respond(types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "tina", "SOFTWARE_TOKEN_MFA_CODE", code)
	expectErr(t, "replay", err, "ExpiredCodeException", "Your software token has already been used once.")
	// The previous step's code is within the window but older than the
	// last used step: also a replay.
	_, err = e.respond(types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "tina", "SOFTWARE_TOKEN_MFA_CODE", mfa.Code(secret, e.Clock.Now().Add(-30*time.Second)))
	expectErr(t, "older step", err, "ExpiredCodeException", "Your software token has already been used once.")
	// The next step's code (clock skew +1) is accepted.
	e.wantTokens(e.respond(types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "tina", "SOFTWARE_TOKEN_MFA_CODE", mfa.Code(secret, e.Clock.Now().Add(30*time.Second))))
}

// TestSoftwareTokenCodeOnceConcurrently answers two sessions with the same
// code at once: exactly one sign-in succeeds.
func TestSoftwareTokenCodeOnceConcurrently(t *testing.T) {
	e := newMFAEnv(t, optionalTOTP, "")
	secret := e.enableTOTP(e.user("una"))
	const n = 6
	var sessions []*string
	for range n {
		sessions = append(sessions, e.mustLogin("una", types.ChallengeNameTypeSoftwareTokenMfa).Session)
	}
	code := mfa.Code(secret, e.Clock.Now())
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = e.respond(types.ChallengeNameTypeSoftwareTokenMfa, sessions[i], "una", "SOFTWARE_TOKEN_MFA_CODE", code)
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch servertest.ErrorCode(err) {
		case "":
			ok++
		case "ExpiredCodeException":
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d sign-ins accepted the same code; want 1", ok)
	}
}

func TestSignInSRPThenSoftwareToken(t *testing.T) {
	e := newMFAEnv(t, optionalTOTP, "")
	secret := e.enableTOTP(e.user("sam"))
	c, err := srptest.NewClient(rand.Reader, srp.PoolName(e.pool))
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: aws.String(e.client),
		AuthParameters: map[string]string{"USERNAME": "sam", "SRP_A": c.SRPA()}})
	if err != nil || out.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		t.Fatalf("USER_SRP_AUTH: %v %v", out, err)
	}
	resp, err := c.PasswordVerifierResponses(out.ChallengeParameters, mfaPassword, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	pv, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(e.client),
		ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp})
	if err != nil || pv.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa || pv.Session == nil || pv.AuthenticationResult != nil {
		t.Fatalf("PASSWORD_VERIFIER answer: %+v %v", pv, err)
	}
	e.wantTokens(e.respond(types.ChallengeNameTypeSoftwareTokenMfa, pv.Session, "sam", "SOFTWARE_TOKEN_MFA_CODE", mfa.Code(secret, e.Clock.Now())))
}

func TestSignInSMSMFA(t *testing.T) {
	e := newMFAEnv(t, optionalSMS, "")
	u := e.user("sue", "phone_number", "+12065550100")
	if _, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(e.token(u)),
		SMSMfaSettings: smsSettings(true, true)}); err != nil {
		t.Fatal(err)
	}
	out := e.mustLogin("sue", types.ChallengeNameTypeSmsMfa)
	want := map[string]string{"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": "+*******0100", "USER_ID_FOR_SRP": "sue"}
	if !mapsEqual(out.ChallengeParameters, want) {
		t.Errorf("SMS_MFA parameters = %v, want %v", out.ChallengeParameters, want)
	}
	msg := e.lastMessage("sue")
	if msg.Channel != "SMS" || msg.Destination != "+12065550100" || msg.Purpose != "MFA" || len(msg.Code) != 6 || msg.Body != "Your code is "+msg.Code {
		t.Errorf("SMS message = %+v", msg)
	}
	_, err := e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue")
	expectErr(t, "no code", err, "InvalidParameterException", "Missing required parameter SMS_MFA_CODE")
	_, err = e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", wrong(msg.Code))
	expectErr(t, "wrong code", err, "CodeMismatchException", "Invalid code or auth state for the user.")
	// The typed alias is not the internal name: nobody of that name.
	_, err = e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "someone-else", "SMS_MFA_CODE", msg.Code)
	expectErr(t, "USERNAME of nobody", err, "UserNotFoundException", "User does not exist.")
	if v := attr(e.stored(u), "phone_number_verified"); v == "true" {
		t.Fatal("phone verified before MFA")
	}
	e.wantTokens(e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", msg.Code))
	if v := attr(e.stored(u), "phone_number_verified"); v != "true" {
		t.Errorf("phone_number_verified = %q after SMS MFA", v)
	}
	_, err = e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", msg.Code)
	expectErr(t, "code after success", err, "NotAuthorizedException", "Invalid session for the user, session can only be used once.")

	// Each sign-in sends a new code; the old one is dead.
	out = e.mustLogin("sue", types.ChallengeNameTypeSmsMfa)
	if e.lastMessage("sue").Code == msg.Code {
		t.Log("same code twice (1 in a million)")
	} else {
		_, err = e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", msg.Code)
		expectErr(t, "previous sign-in's code", err, "CodeMismatchException", "Invalid code or auth state for the user.")
	}
	// Codes expire with the session (AuthSessionValidity, 3 minutes).
	code := e.lastMessage("sue").Code
	e.Clock.Advance(3*time.Minute + time.Second)
	_, err = e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", code)
	expectErr(t, "expired", err, "NotAuthorizedException", "Invalid session for the user, session is expired.")

	// Wrong answers are bounded: after 5 the session is dead. (The wrong
	// code above is forgotten after 15 quiet minutes, like a wrong password.)
	e.Clock.Advance(15 * time.Minute)
	out = e.mustLogin("sue", types.ChallengeNameTypeSmsMfa)
	code = e.lastMessage("sue").Code
	for range 5 {
		_, err = e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", wrong(code))
		expectErr(t, "wrong code", err, "CodeMismatchException", "Invalid code or auth state for the user.")
	}
	_, err = e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", code)
	expectErr(t, "after 5 wrong codes", err, "NotAuthorizedException", "Invalid session for the user.")
	// Five wrong codes lock the user for a second, as five wrong passwords do.
	_, err = e.login("sue")
	expectErr(t, "sign-in after 5 wrong codes", err, "NotAuthorizedException", "Password attempts exceeded")
	e.Clock.Advance(time.Second)

	// The admin flow gets the same challenge.
	a, err := e.Client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(e.pool), ClientId: aws.String(e.client),
		AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "sue", "PASSWORD": mfaPassword}})
	if err != nil || a.ChallengeName != types.ChallengeNameTypeSmsMfa || a.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "+*******0100" {
		t.Fatalf("AdminInitiateAuth: %+v %v", a, err)
	}
	ar, err := e.Client.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{UserPoolId: aws.String(e.pool), ClientId: aws.String(e.client),
		ChallengeName: types.ChallengeNameTypeSmsMfa, Session: a.Session,
		ChallengeResponses: map[string]string{"USERNAME": "sue", "SMS_MFA_CODE": e.lastMessage("sue").Code}})
	if err != nil || ar.AuthenticationResult == nil || len(ar.ChallengeParameters) != 0 {
		t.Fatalf("AdminRespondToAuthChallenge: %+v %v", ar, err)
	}
}

func wrong(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSignInEmailMFA(t *testing.T) {
	e := newMFAEnv(t, optionalAll, "")
	u := e.user("eve", "email", "eve@example.com")
	if _, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(e.token(u)),
		EmailMfaSettings: emailSettings(true, false)}); err != nil {
		t.Fatal(err)
	}
	out := e.mustLogin("eve", types.ChallengeNameTypeEmailOtp)
	want := map[string]string{"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "e***@e***.com", "USER_ID_FOR_SRP": "eve"}
	if !mapsEqual(out.ChallengeParameters, want) {
		t.Errorf("EMAIL_OTP parameters = %v, want %v", out.ChallengeParameters, want)
	}
	msg := e.lastMessage("eve")
	if msg.Channel != "EMAIL" || msg.Destination != "eve@example.com" || msg.Body != "Code: "+msg.Code {
		t.Errorf("email = %+v", msg)
	}
	_, err := e.respond(types.ChallengeNameTypeEmailOtp, out.Session, "eve", "EMAIL_OTP_CODE", wrong(msg.Code))
	expectErr(t, "wrong code", err, "CodeMismatchException", "Invalid code or auth state for the user.")
	e.wantTokens(e.respond(types.ChallengeNameTypeEmailOtp, out.Session, "eve", "EMAIL_OTP_CODE", msg.Code))
	if v := attr(e.stored(u), "email_verified"); v != "true" {
		t.Errorf("email_verified = %q after email MFA", v)
	}
}

func TestSelectMFAType(t *testing.T) {
	e := newMFAEnv(t, optionalAll, "")
	u := e.user("sel", "phone_number", "+12065550199", "email", "sel@example.com")
	secret := e.enableTOTP(u)
	if _, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(e.token(u)),
		SMSMfaSettings: smsSettings(true, false), SoftwareTokenMfaSettings: mfaSettings(true, false)}); err != nil {
		t.Fatal(err)
	}
	out := e.mustLogin("sel", types.ChallengeNameTypeSelectMfaType)
	want := map[string]string{"MFAS_CAN_CHOOSE": `["SMS_MFA","SOFTWARE_TOKEN_MFA"]`, "USER_ID_FOR_SRP": "sel"}
	if !mapsEqual(out.ChallengeParameters, want) {
		t.Errorf("SELECT_MFA_TYPE parameters = %v, want %v", out.ChallengeParameters, want)
	}
	_, err := e.respond(types.ChallengeNameTypeSelectMfaType, out.Session, "sel", "ANSWER", "EMAIL_OTP")
	expectErr(t, "factor not offered", err, "MFAMethodNotFoundException", "")
	_, err = e.respond(types.ChallengeNameTypeSelectMfaType, out.Session, "sel")
	expectErr(t, "no answer", err, "InvalidParameterException", "Missing required parameter ANSWER")
	sms, err := e.respond(types.ChallengeNameTypeSelectMfaType, out.Session, "sel", "ANSWER", "SMS_MFA")
	if err != nil || sms.ChallengeName != types.ChallengeNameTypeSmsMfa || sms.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "+*******0199" {
		t.Fatalf("ANSWER SMS_MFA: %+v %v", sms, err)
	}
	if aws.ToString(sms.Session) == aws.ToString(out.Session) {
		t.Error("the chosen challenge reused the SELECT_MFA_TYPE session")
	}
	_, err = e.respond(types.ChallengeNameTypeSelectMfaType, out.Session, "sel", "ANSWER", "SOFTWARE_TOKEN_MFA")
	expectErr(t, "SELECT session reused", err, "NotAuthorizedException", "Invalid session for the user, session can only be used once.")
	e.wantTokens(e.respond(types.ChallengeNameTypeSmsMfa, sms.Session, "sel", "SMS_MFA_CODE", e.lastMessage("sel").Code))

	// Choosing TOTP: no code is sent.
	out = e.mustLogin("sel", types.ChallengeNameTypeSelectMfaType)
	before := len(e.Outbox(e.pool, "sel"))
	totp, err := e.respond(types.ChallengeNameTypeSelectMfaType, out.Session, "sel", "ANSWER", "SOFTWARE_TOKEN_MFA")
	if err != nil || totp.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa || len(e.Outbox(e.pool, "sel")) != before {
		t.Fatalf("ANSWER SOFTWARE_TOKEN_MFA: %+v %v", totp, err)
	}
	e.wantTokens(e.respond(types.ChallengeNameTypeSoftwareTokenMfa, totp.Session, "sel", "SOFTWARE_TOKEN_MFA_CODE", mfa.Code(secret, e.Clock.Now())))
}

// TestMFASetupTOTP is the MFA_SETUP path of spec §7.4 in an ON pool, with
// the admin flow as in the real capture.
func TestMFASetupTOTP(t *testing.T) {
	e := newMFAEnv(t, onTOTP, "")
	e.user("neo", "email", "neo@example.com")
	a, err := e.Client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(e.pool), ClientId: aws.String(e.client),
		AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "neo", "PASSWORD": mfaPassword}})
	if err != nil || a.ChallengeName != types.ChallengeNameTypeMfaSetup {
		t.Fatalf("AdminInitiateAuth: %+v %v", a, err)
	}
	want := map[string]string{"MFAS_CAN_SETUP": `["SOFTWARE_TOKEN_MFA"]`, "USER_ID_FOR_SRP": "neo"}
	if !mapsEqual(a.ChallengeParameters, want) {
		t.Errorf("MFA_SETUP parameters = %v, want %v", a.ChallengeParameters, want)
	}
	s1 := a.Session
	// VerifySoftwareToken needs the session AssociateSoftwareToken returned.
	_, err = e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: s1, UserCode: aws.String("123456")})
	expectErr(t, "verify with the MFA_SETUP session", err, "NotAuthorizedException", "Invalid session for the user.")
	// Answering MFA_SETUP before setting anything up.
	_, err = e.respond(types.ChallengeNameTypeMfaSetup, s1, "neo")
	expectErr(t, "MFA_SETUP before setup", err, "InvalidParameterException", "")

	as, err := e.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: s1})
	if err != nil || as.Session == nil || aws.ToString(as.Session) == aws.ToString(s1) || len(aws.ToString(as.SecretCode)) != 52 {
		t.Fatalf("AssociateSoftwareToken(Session): %+v %v", as, err)
	}
	_, err = e.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: s1})
	expectErr(t, "associate session reused", err, "NotAuthorizedException", "Invalid session for the user, session can only be used once.")
	secret, _ := mfa.DecodeSecret(aws.ToString(as.SecretCode))
	s2 := as.Session
	_, err = e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: s2, UserCode: aws.String("000000")})
	expectErr(t, "wrong code", err, "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
	// A fresh sign-in's session is not the association's.
	fresh := e.mustLogin("neo", types.ChallengeNameTypeMfaSetup)
	_, err = e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: fresh.Session, UserCode: aws.String(mfa.Code(secret, e.Clock.Now()))})
	expectErr(t, "verify with another sign-in's session", err, "NotAuthorizedException", "Invalid session for the user.")

	verifyCode := mfa.Code(secret, e.Clock.Now())
	v, err := e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: s2, UserCode: aws.String(verifyCode), FriendlyDeviceName: aws.String("neo's phone")})
	if err != nil || v.Status != types.VerifySoftwareTokenResponseTypeSuccess || v.Session == nil {
		t.Fatalf("VerifySoftwareToken(Session): %+v %v", v, err)
	}
	s3 := v.Session
	// MFA_SETUP with the Session from VerifySoftwareToken; extra keys are
	// ignored (the AWS-verified flow sends a code too).
	r, err := e.Client.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{UserPoolId: aws.String(e.pool), ClientId: aws.String(e.client),
		ChallengeName: types.ChallengeNameTypeMfaSetup, Session: s3,
		ChallengeResponses: map[string]string{"USERNAME": "neo", "SOFTWARE_TOKEN_MFA_CODE": verifyCode}})
	if err != nil || r.AuthenticationResult == nil || len(r.ChallengeParameters) != 0 {
		t.Fatalf("MFA_SETUP answer: %+v %v", r, err)
	}
	tok := aws.ToString(r.AuthenticationResult.AccessToken)
	if list, pref, _ := e.getMFA(tok); !slices.Equal(list, []string{"SOFTWARE_TOKEN_MFA"}) || pref != "SOFTWARE_TOKEN_MFA" {
		t.Errorf("after MFA_SETUP: %v %q", list, pref)
	}
	// The next sign-in asks for the new factor; the verification code is spent.
	out := e.mustLogin("neo", types.ChallengeNameTypeSoftwareTokenMfa)
	if out.ChallengeParameters["FRIENDLY_DEVICE_NAME"] != "neo's phone" {
		t.Errorf("SOFTWARE_TOKEN_MFA parameters = %v, want the FriendlyDeviceName given at verification", out.ChallengeParameters)
	}
	_, err = e.respond(types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "neo", "SOFTWARE_TOKEN_MFA_CODE", verifyCode)
	expectErr(t, "verification code at sign-in", err, "ExpiredCodeException", "Your software token has already been used once.")
	e.Clock.Advance(30 * time.Second)
	e.wantTokens(e.respond(types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "neo", "SOFTWARE_TOKEN_MFA_CODE", mfa.Code(secret, e.Clock.Now())))
}

func TestNewPasswordThenMFASetup(t *testing.T) {
	e := newMFAEnv(t, onTOTP, "")
	u := e.user("tmp")
	e.update(u, func(u *storage.User) { u.Status = "FORCE_CHANGE_PASSWORD" })
	out := e.mustLogin("tmp", types.ChallengeNameTypeNewPasswordRequired)
	r, err := e.respond(types.ChallengeNameTypeNewPasswordRequired, out.Session, "tmp", "NEW_PASSWORD", "N3w-Passw0rd!")
	if err != nil || r.ChallengeName != types.ChallengeNameTypeMfaSetup || r.Session == nil ||
		r.ChallengeParameters["MFAS_CAN_SETUP"] != `["SOFTWARE_TOKEN_MFA"]` || r.ChallengeParameters["USER_ID_FOR_SRP"] != "tmp" {
		t.Fatalf("after NEW_PASSWORD_REQUIRED: %+v %v", r, err)
	}
}

func TestImplicitAndSetupDecisions(t *testing.T) {
	e := newMFAEnv(t, onSMSTOTP, "")
	// A user with a phone number gets SMS without having enabled it.
	phone := e.user("pam", "phone_number", "+12065550142")
	out := e.mustLogin("pam", types.ChallengeNameTypeSmsMfa)
	tok := e.wantTokens(e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "pam", "SMS_MFA_CODE", e.lastMessage("pam").Code))
	if list, pref, _ := e.getMFA(tok); list != nil || pref != "" {
		t.Errorf("implicit SMS shows in UserMFASettingList: %v %q", list, pref)
	}
	_ = phone
	// Without a phone number: MFA_SETUP listing SMS too.
	e.user("nop")
	out = e.mustLogin("nop", types.ChallengeNameTypeMfaSetup)
	if got := out.ChallengeParameters["MFAS_CAN_SETUP"]; got != `["SMS_MFA","SOFTWARE_TOKEN_MFA"]` {
		t.Errorf("MFAS_CAN_SETUP = %s", got)
	}

	// A preferred factor the pool does not offer falls back (spec §7.3).
	f := newMFAEnv(t, onTOTP, "")
	u := f.user("fay", "phone_number", "+12065550143")
	f.enableTOTP(u)
	if _, err := f.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(f.token(u)),
		SMSMfaSettings: smsSettings(true, true)}); err != nil {
		t.Fatal(err)
	}
	f.mustLogin("fay", types.ChallengeNameTypeSoftwareTokenMfa)

	// MFA OFF: no challenge whatever the user set.
	off := newMFAEnv(t, nil, "")
	o := off.user("oz", "phone_number", "+12065550144")
	if _, err := off.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(off.token(o)),
		SMSMfaSettings: smsSettings(true, true)}); err != nil {
		t.Fatal(err)
	}
	off.mustLogin("oz", "")
}

// TestMFASetupEmail follows MFA_SETUP's email path (UNCONFIRMED, spec
// §14.8): EMAIL in the answer, then an EMAIL_OTP challenge to it.
func TestMFASetupEmail(t *testing.T) {
	e := newMFAEnv(t, onTOTPEmail, "")
	u := e.user("mel")
	out := e.mustLogin("mel", types.ChallengeNameTypeMfaSetup)
	if got := out.ChallengeParameters["MFAS_CAN_SETUP"]; got != `["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]` {
		t.Errorf("MFAS_CAN_SETUP = %s", got)
	}
	r, err := e.respond(types.ChallengeNameTypeMfaSetup, out.Session, "mel", "EMAIL", "mel@example.com")
	if err != nil || r.ChallengeName != types.ChallengeNameTypeEmailOtp || r.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "m***@e***.com" {
		t.Fatalf("MFA_SETUP with EMAIL: %+v %v", r, err)
	}
	tok := e.wantTokens(e.respond(types.ChallengeNameTypeEmailOtp, r.Session, "mel", "EMAIL_OTP_CODE", e.lastMessage("mel").Code))
	st := e.stored(u)
	if attr(st, "email") != "mel@example.com" || attr(st, "email_verified") != "true" {
		t.Errorf("attributes after email setup: %v", st.Attributes)
	}
	if list, pref, _ := e.getMFA(tok); !slices.Equal(list, []string{"EMAIL_OTP"}) || pref != "EMAIL_OTP" {
		t.Errorf("after email setup: %v %q", list, pref)
	}
	e.mustLogin("mel", types.ChallengeNameTypeEmailOtp)
}

// TestNoCodeInLogs runs SMS MFA with debug logging and checks that the code
// never reaches the log.
func TestNoCodeInLogs(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.PasswordHashing = "fast"
	cfg.AdminKeys = []config.AccessKey{{ID: servertest.AccessKeyID, Secret: servertest.SecretAccessKey}}
	clock := &fakeclock.Clock{}
	clock.Set(mfaStart)
	hs := httptest.NewUnstartedServer(nil)
	srv, err := server.New(context.Background(), cfg, server.Options{Now: clock.Now, Logger: log, BaseURL: "http://" + hs.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = srv.Handler
	hs.Start()
	defer srv.Close()
	defer hs.Close()
	env := &servertest.Env{URL: hs.URL, Server: srv, Store: srv.Store, Clock: clock}
	env.Client = env.NewClient(credentials.NewStaticCredentialsProvider(servertest.AccessKeyID, servertest.SecretAccessKey, ""))
	env.Anonymous = env.NewClient(aws.AnonymousCredentials{})
	pool, err := env.Client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("logs")})
	if err != nil {
		t.Fatal(err)
	}
	e := &mfaEnv{Env: env, t: t, pool: aws.ToString(pool.UserPool.Id)}
	cl, err := env.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pool.UserPool.Id, ClientName: aws.String("c"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})
	if err != nil {
		t.Fatal(err)
	}
	e.client = aws.ToString(cl.UserPoolClient.ClientId)
	cfgIn := *onSMSTOTP
	cfgIn.UserPoolId = pool.UserPool.Id
	if _, err := env.Client.SetUserPoolMfaConfig(ctx, &cfgIn); err != nil {
		t.Fatal(err)
	}
	e.user("lou", "phone_number", "+12065550111")
	out := e.mustLogin("lou", types.ChallengeNameTypeSmsMfa)
	msgs, err := srv.Outbox.List(ctx, e.pool, "lou")
	if err != nil || len(msgs) == 0 {
		t.Fatalf("outbox: %v %v", msgs, err)
	}
	code := msgs[len(msgs)-1].Code
	e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "lou", "SMS_MFA_CODE", wrong(code))
	e.wantTokens(e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "lou", "SMS_MFA_CODE", code))
	mu.Lock()
	logs := buf.String()
	mu.Unlock()
	if strings.Contains(logs, code) || strings.Contains(logs, wrong(code)) {
		t.Errorf("an MFA code is in the log:\n%s", logs)
	}
	if strings.Contains(logs, mfaPassword) {
		t.Errorf("the password is in the log")
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestMFACodeLivesAsLongAsTheSession: SMS codes are valid for the app
// client's AuthSessionValidity, not a fixed time (spec §7.6).
func TestMFACodeLivesAsLongAsTheSession(t *testing.T) {
	e := newMFAEnv(t, optionalSMS, "")
	c := e.CreateClient(e.pool, &cip.CreateUserPoolClientInput{AuthSessionValidity: aws.Int32(10),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})
	e.client = aws.ToString(c.ClientId)
	u := e.user("val", "phone_number", "+12065550177")
	if _, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(e.token(u)),
		SMSMfaSettings: smsSettings(true, true)}); err != nil {
		t.Fatal(err)
	}
	out := e.mustLogin("val", types.ChallengeNameTypeSmsMfa)
	e.Clock.Advance(9 * time.Minute)
	e.wantTokens(e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "val", "SMS_MFA_CODE", e.lastMessage("val").Code))
	out = e.mustLogin("val", types.ChallengeNameTypeSmsMfa)
	e.Clock.Advance(10 * time.Minute)
	_, err := e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "val", "SMS_MFA_CODE", e.lastMessage("val").Code)
	expectErr(t, "after 10 minutes", err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
}
