package apiserver_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/uuid"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/token"
)

// mfaStart is the fixed time MFA tests start at (mid TOTP step).
var mfaStart = time.Date(2026, 3, 2, 9, 0, 10, 0, time.UTC)

// mfaEnv is a server with one pool and one app client.
type mfaEnv struct {
	*servertest.Env
	t       *testing.T
	pool    string
	client  string
	dataDir string
}

// newMFAEnv starts a server whose pool has the given MFA configuration (nil:
// MFA OFF) and tier ("" for the default).
func newMFAEnv(t *testing.T, cfg *cip.SetUserPoolMfaConfigInput, tier types.UserPoolTierType) *mfaEnv {
	t.Helper()
	var dir string
	env := servertest.New(t, func(c *config.Config) { dir = c.DataDir })
	env.Clock.Set(mfaStart)
	pool := env.CreatePool(&cip.CreateUserPoolInput{UserPoolTier: tier})
	client := env.CreateClient(pool, nil)
	if cfg != nil {
		cfg.UserPoolId = aws.String(pool)
		if _, err := env.Client.SetUserPoolMfaConfig(ctx, cfg); err != nil {
			t.Fatalf("SetUserPoolMfaConfig: %v", err)
		}
	}
	return &mfaEnv{Env: env, t: t, pool: pool, client: aws.ToString(client.ClientId), dataDir: dir}
}

// Pool MFA configurations used below.
var (
	optionalAll = &cip.SetUserPoolMfaConfigInput{
		MfaConfiguration:              types.UserPoolMfaTypeOptional,
		SmsMfaConfiguration:           &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Your code is {####}")},
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
		EmailMfaConfiguration:         &types.EmailMfaConfigType{Message: aws.String("Code: {####}"), Subject: aws.String("Your code")},
	}
	optionalTOTP = &cip.SetUserPoolMfaConfigInput{
		MfaConfiguration:              types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	}
	optionalSMS = &cip.SetUserPoolMfaConfigInput{
		MfaConfiguration:    types.UserPoolMfaTypeOptional,
		SmsMfaConfiguration: &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Your code is {####}")},
	}
)

// user creates a confirmed user with a password directly in the store.
func (e *mfaEnv) user(name string, attrs ...string) storage.User {
	e.t.Helper()
	p, err := e.Server.Pools.LoadPool(ctx, e.pool)
	if err != nil {
		e.t.Fatal(err)
	}
	u := storage.User{
		PoolID: e.pool, Username: name, UsernameKey: p.Settings.UsernameKey(name), Sub: uuid.NewString(),
		Status: "CONFIRMED", Enabled: true, CreatedAt: mfaStart, UpdatedAt: mfaStart,
	}
	for i := 0; i+1 < len(attrs); i += 2 {
		u.Attributes = append(u.Attributes, storage.Attribute{Name: attrs[i], Value: attrs[i+1]})
	}
	if err := e.Server.Pools.SetPassword(p, &u, "Passw0rd!"); err != nil {
		e.t.Fatal(err)
	}
	if err := e.Store.CreateUser(ctx, u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// token mints an access token for u (as a sign-in would).
func (e *mfaEnv) token(u storage.User, edit ...func(*token.AccessClaims)) string {
	e.t.Helper()
	c := token.AccessClaims{
		PoolID: e.pool, Sub: u.Sub, ClientID: e.client, Username: u.Username,
		OriginJTI: uuid.Must(uuid.NewV7()).String(),
	}
	for _, f := range edit {
		f(&c)
	}
	tok, err := e.Server.Tokens.SignAccess(ctx, c)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *mfaEnv) stored(u storage.User) storage.User {
	e.t.Helper()
	got, err := e.Store.GetUser(ctx, e.pool, u.UsernameKey)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

func (e *mfaEnv) update(u storage.User, fn func(*storage.User)) {
	e.t.Helper()
	if _, err := e.Store.UpdateUser(ctx, e.pool, u.UsernameKey, func(x *storage.User) error { fn(x); return nil }); err != nil {
		e.t.Fatal(err)
	}
}

// setupTOTP associates and verifies a software token for the access token's
// user and returns the secret.
func (e *mfaEnv) setupTOTP(tok string) []byte {
	e.t.Helper()
	a, err := e.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String(tok)})
	if err != nil {
		e.t.Fatalf("AssociateSoftwareToken: %v", err)
	}
	secret, err := mfa.DecodeSecret(aws.ToString(a.SecretCode))
	if err != nil {
		e.t.Fatal(err)
	}
	v, err := e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{
		AccessToken: aws.String(tok), UserCode: aws.String(mfa.Code(secret, e.Clock.Now())),
	})
	if err != nil || v.Status != types.VerifySoftwareTokenResponseTypeSuccess {
		e.t.Fatalf("VerifySoftwareToken: %v, %v", v, err)
	}
	return secret
}

func expectErr(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	if got := servertest.ErrorCode(err); got != code {
		t.Errorf("%s: error %q (%v); want %s", what, got, err, code)
		return
	}
	if msg != "" && servertest.ErrorMessage(err) != msg {
		t.Errorf("%s: message %q; want %q", what, servertest.ErrorMessage(err), msg)
	}
}

func prefIn(tok string) *cip.SetUserMFAPreferenceInput {
	return &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(tok)}
}

func mfaSettings(en, pref bool) *types.SoftwareTokenMfaSettingsType {
	return &types.SoftwareTokenMfaSettingsType{Enabled: en, PreferredMfa: pref}
}

func smsSettings(en, pref bool) *types.SMSMfaSettingsType {
	return &types.SMSMfaSettingsType{Enabled: en, PreferredMfa: pref}
}

func emailSettings(en, pref bool) *types.EmailMfaSettingsType {
	return &types.EmailMfaSettingsType{Enabled: en, PreferredMfa: pref}
}

// getMFA returns GetUser's MFA members.
func (e *mfaEnv) getMFA(tok string) ([]string, string, []types.MFAOptionType) {
	e.t.Helper()
	out, err := e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(tok)})
	if err != nil {
		e.t.Fatalf("GetUser: %v", err)
	}
	return out.UserMFASettingList, aws.ToString(out.PreferredMfaSetting), out.MFAOptions
}

// signedCall posts an AWS JSON 1.1 request signed with the test admin key.
func (e *mfaEnv) signedCall(op, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: servertest.AccessKeyID, SecretAccessKey: servertest.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), "cognito-idp", servertest.Region, time.Now()); err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// rawCall posts an unsigned AWS JSON 1.1 request and returns status and body.
func (e *mfaEnv) rawCall(op, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSoftwareTokenAndPreference(t *testing.T) {
	e := newMFAEnv(t, optionalTOTP, "")
	u := e.user("alice", "email", "alice@example.com")
	tok := e.token(u)

	// §3.4 first row: no verified software token yet.
	_, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: aws.String(tok), SoftwareTokenMfaSettings: mfaSettings(true, true)})
	expectErr(t, "TOTP before association", err, "InvalidParameterException", "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA")

	a1, err := e.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String(tok)})
	if err != nil {
		t.Fatal(err)
	}
	if a1.Session != nil {
		t.Errorf("AssociateSoftwareToken by access token returned a Session")
	}
	code1 := aws.ToString(a1.SecretCode)
	if len(code1) != 52 || strings.Trim(code1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Errorf("SecretCode %q: want 52 characters of unpadded base32", code1)
	}
	// Pending (not verified) is still not enough.
	_, err = e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: aws.String(tok), SoftwareTokenMfaSettings: mfaSettings(true, false)})
	expectErr(t, "TOTP pending", err, "InvalidParameterException", "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA")

	// Re-association replaces the unverified secret.
	a2, err := e.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String(tok)})
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := mfa.DecodeSecret(code1)
	s2, _ := mfa.DecodeSecret(aws.ToString(a2.SecretCode))
	if bytes.Equal(s1, s2) {
		t.Fatal("re-association returned the same secret")
	}
	_, err = e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{
		AccessToken: aws.String(tok), UserCode: aws.String(mfa.Code(s1, e.Clock.Now()))})
	expectErr(t, "code of the replaced secret", err, "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
	_, err = e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{
		AccessToken: aws.String(tok), UserCode: aws.String("000000")})
	expectErr(t, "wrong code", err, "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
	_, err = e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{
		AccessToken: aws.String(tok), UserCode: aws.String("12345")})
	expectErr(t, "5-digit code", err, "InvalidParameterException", "")

	code := mfa.Code(s2, e.Clock.Now())
	v, err := e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{
		AccessToken: aws.String(tok), UserCode: aws.String(code), FriendlyDeviceName: aws.String("Alice's phone")})
	if err != nil || v.Status != types.VerifySoftwareTokenResponseTypeSuccess || v.Session != nil {
		t.Fatalf("VerifySoftwareToken = %+v, %v", v, err)
	}
	st := e.stored(u)
	if !bytes.Equal(st.Secrets.TOTPSecret, s2) || st.Secrets.TOTPPending != nil || st.MFA.TOTPFriendlyName != "Alice's phone" {
		t.Errorf("stored: friendly %q, pending %x", st.MFA.TOTPFriendlyName, st.Secrets.TOTPPending)
	}
	// The code used for verification can never be used again (§13.4).
	_, err = e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{
		AccessToken: aws.String(tok), UserCode: aws.String(code)})
	expectErr(t, "verification code replayed", err, "ExpiredCodeException", "Your software token has already been used once.")

	// Verifying does not enable TOTP.
	if list, pref, _ := e.getMFA(tok); list != nil || pref != "" {
		t.Errorf("after verify: %v %q", list, pref)
	}
	// Exactly {} on the wire.
	status, body := e.rawCall("SetUserMFAPreference", `{"AccessToken":"`+tok+`","SoftwareTokenMfaSettings":{"Enabled":true,"PreferredMfa":true}}`)
	if status != 200 || body != "{}" {
		t.Errorf("SetUserMFAPreference = %d %q; want 200 {}", status, body)
	}
	if list, pref, opts := e.getMFA(tok); !slices.Equal(list, []string{"SOFTWARE_TOKEN_MFA"}) || pref != "SOFTWARE_TOKEN_MFA" || opts != nil {
		t.Errorf("GetUser after enabling: %v %q %v", list, pref, opts)
	}
	admin, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("alice")})
	if err != nil || !slices.Equal(admin.UserMFASettingList, []string{"SOFTWARE_TOKEN_MFA"}) || aws.ToString(admin.PreferredMfaSetting) != "SOFTWARE_TOKEN_MFA" {
		t.Errorf("AdminGetUser: %v %v", admin, err)
	}
	// SetUserMFAPreference does not reset the software token.
	if st := e.stored(u); !bytes.Equal(st.Secrets.TOTPSecret, s2) {
		t.Error("the secret changed")
	}

	// A signed request is accepted too (IAM is not evaluated).
	if _, err := e.Client.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: aws.String(tok), SoftwareTokenMfaSettings: mfaSettings(true, false)}); err != nil {
		t.Errorf("signed SetUserMFAPreference: %v", err)
	}
	if list, pref, _ := e.getMFA(tok); !slices.Equal(list, []string{"SOFTWARE_TOKEN_MFA"}) || pref != "" {
		t.Errorf("PreferredMfa omitted for the preferred factor must clear it: %v %q", list, pref)
	}

	// A new association replaces the verified secret only once verified.
	a3, err := e.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String(tok)})
	if err != nil {
		t.Fatal(err)
	}
	s3, _ := mfa.DecodeSecret(aws.ToString(a3.SecretCode))
	if st := e.stored(u); !bytes.Equal(st.Secrets.TOTPSecret, s2) || !bytes.Equal(st.Secrets.TOTPPending, s3) {
		t.Error("association disturbed the verified secret")
	}
	e.Clock.Advance(30 * time.Second)
	if _, err := e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{
		AccessToken: aws.String(tok), UserCode: aws.String(mfa.Code(s3, e.Clock.Now()))}); err != nil {
		t.Fatal(err)
	}
	if st := e.stored(u); !bytes.Equal(st.Secrets.TOTPSecret, s3) || st.MFA.TOTPFriendlyName != "Alice's phone" {
		t.Error("verified secret not replaced, or friendly name lost")
	}

	// Disabling everything removes the keys (not empty values).
	if _, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: aws.String(tok), SoftwareTokenMfaSettings: mfaSettings(false, false)}); err != nil {
		t.Fatal(err)
	}
	status, body = e.rawCall("GetUser", `{"AccessToken":"`+tok+`"}`)
	if status != 200 || strings.Contains(body, "UserMFASettingList") || strings.Contains(body, "PreferredMfaSetting") || strings.Contains(body, "MFAOptions") {
		t.Errorf("GetUser without MFA = %d %s", status, body)
	}

	// Secrets are sealed at rest: no file of the data directory holds a
	// secret in the clear.
	files, _ := filepath.Glob(filepath.Join(e.dataDir, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, s := range [][]byte{s1, s2, s3} {
			if bytes.Contains(b, s) || bytes.Contains(b, []byte(mfa.EncodeSecret(s))) {
				t.Errorf("%s holds a TOTP secret in the clear", filepath.Base(f))
			}
		}
	}
}

func TestAssociateSoftwareTokenErrors(t *testing.T) {
	e := newMFAEnv(t, optionalSMS, "")
	u := e.user("bob", "phone_number", "+12065550100")
	tok := e.token(u)
	_, err := e.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String(tok)})
	expectErr(t, "pool without TOTP", err, "SoftwareTokenMFANotFoundException", "Software Token MFA has not been enabled by the userPool")
	_, err = e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: aws.String(tok), UserCode: aws.String("123456")})
	expectErr(t, "verify in a pool without TOTP", err, "SoftwareTokenMFANotFoundException", "Software Token MFA has not been enabled by the userPool")

	off := newMFAEnv(t, nil, "")
	tok = off.token(off.user("carol"))
	_, err = off.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String(tok)})
	expectErr(t, "MFA OFF pool", err, "SoftwareTokenMFANotFoundException", "Software Token MFA has not been enabled by the userPool")

	e = newMFAEnv(t, optionalTOTP, "")
	tok = e.token(e.user("dave"))
	_, err = e.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String(tok), Session: aws.String(strings.Repeat("s", 40))})
	expectErr(t, "access token and session", err, "InvalidParameterException", "")
	_, err = e.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{})
	expectErr(t, "neither", err, "InvalidParameterException", "")
	_, err = e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: aws.String(tok), UserCode: aws.String("123456")})
	expectErr(t, "verify without association", err, "SoftwareTokenMFANotFoundException", "Software Token MFA does not exist for the user.")
	_, err = e.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String("not-a-token")})
	expectErr(t, "bad access token", err, "NotAuthorizedException", "Invalid Access Token")
}

// TestSetUserMFAPreferenceErrors has one case per error row of spec §3.4.
func TestSetUserMFAPreferenceErrors(t *testing.T) {
	e := newMFAEnv(t, optionalAll, "")
	plain := e.user("plain")
	withAll := e.user("full", "phone_number", "+12065550100", "email", "full@example.com")
	plainTok := e.token(plain)
	fullTok := e.token(withAll)
	e.setupTOTP(fullTok)

	call := func(in *cip.SetUserMFAPreferenceInput) error {
		_, err := e.Anonymous.SetUserMFAPreference(ctx, in)
		return err
	}
	in := func(tok string, edit func(*cip.SetUserMFAPreferenceInput)) *cip.SetUserMFAPreferenceInput {
		x := prefIn(tok)
		edit(x)
		return x
	}
	// Business rules.
	expectErr(t, "TOTP without verified token", call(in(plainTok, func(x *cip.SetUserMFAPreferenceInput) { x.SoftwareTokenMfaSettings = mfaSettings(true, false) })),
		"InvalidParameterException", "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA")
	expectErr(t, "SMS without phone_number", call(in(plainTok, func(x *cip.SetUserMFAPreferenceInput) { x.SMSMfaSettings = smsSettings(true, true) })),
		"InvalidParameterException", "User does not have delivery config set to turn on SMS_MFA")
	expectErr(t, "email without email", call(in(plainTok, func(x *cip.SetUserMFAPreferenceInput) { x.EmailMfaSettings = emailSettings(true, false) })),
		"InvalidParameterException", "User does not have delivery config set to turn on EMAIL_OTP")
	expectErr(t, "preferred but disabled", call(in(fullTok, func(x *cip.SetUserMFAPreferenceInput) { x.SMSMfaSettings = smsSettings(false, true) })),
		"InvalidParameterException", mfa.ErrPreferredDisabled.Message)
	expectErr(t, "two preferred", call(in(fullTok, func(x *cip.SetUserMFAPreferenceInput) {
		x.SMSMfaSettings = smsSettings(true, true)
		x.SoftwareTokenMfaSettings = mfaSettings(true, true)
	})), "InvalidParameterException", mfa.ErrTwoPreferred.Message)
	if list, _, _ := e.getMFA(fullTok); list != nil {
		t.Errorf("a rejected request changed the user: %v", list)
	}

	// Email MFA needs the pool's email MFA configuration and a tier above LITE.
	noEmail := newMFAEnv(t, optionalSMS, "")
	tok := noEmail.token(noEmail.user("erin", "email", "erin@example.com"))
	_, err := noEmail.Anonymous.SetUserMFAPreference(ctx, in(tok, func(x *cip.SetUserMFAPreferenceInput) { x.EmailMfaSettings = emailSettings(true, true) }))
	expectErr(t, "email MFA, pool without email MFA", err, "InvalidParameterException", mfa.ErrEmailMFAUnavailable.Message)
	lite := newMFAEnv(t, optionalSMS, types.UserPoolTierTypeLite)
	tok = lite.token(lite.user("finn", "email", "finn@example.com"))
	_, err = lite.Anonymous.SetUserMFAPreference(ctx, in(tok, func(x *cip.SetUserMFAPreferenceInput) { x.EmailMfaSettings = emailSettings(true, false) }))
	expectErr(t, "email MFA on LITE", err, "InvalidParameterException", mfa.ErrEmailMFAUnavailable.Message)

	// The access token.
	const invalid = "Invalid Access Token"
	enable := func(tok string) error {
		return call(in(tok, func(x *cip.SetUserMFAPreferenceInput) { x.SMSMfaSettings = smsSettings(false, false) }))
	}
	expectErr(t, "malformed token", enable("abc.def.ghi"), "NotAuthorizedException", invalid)
	idTok, err := e.Server.Tokens.SignID(ctx, token.IDClaims{PoolID: e.pool, Sub: withAll.Sub, Username: "full", Audience: e.client, OriginJTI: uuid.Must(uuid.NewV7()).String()})
	if err != nil {
		t.Fatal(err)
	}
	expectErr(t, "ID token", enable(idTok), "NotAuthorizedException", invalid)
	other := newMFAEnv(t, optionalAll, "")
	otherTok := other.token(other.user("full"))
	expectErr(t, "token of another server's pool", enable(otherTok[:len(otherTok)-4]+"AAAA"), "NotAuthorizedException", invalid)
	expectErr(t, "expired token", enable(e.token(withAll, func(c *token.AccessClaims) {
		c.IssuedAt = mfaStart.Add(-2 * time.Hour)
		c.ExpiresAt = mfaStart.Add(-time.Hour)
	})), "NotAuthorizedException", "Access Token has expired")
	expectErr(t, "token without aws.cognito.signin.user.admin", enable(e.token(withAll, func(c *token.AccessClaims) { c.Scope = "openid email" })),
		"NotAuthorizedException", "Access Token does not have required scopes")
	revoked := e.token(withAll, func(c *token.AccessClaims) { c.OriginJTI = uuid.Must(uuid.NewV7()).String() })
	claims, _ := e.Server.Tokens.VerifyAccess(ctx, revoked)
	if err := e.Store.RevokeTokens(ctx, e.pool, claims.OriginJTI, mfaStart.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	expectErr(t, "revoked token", enable(revoked), "NotAuthorizedException", "Access Token has been revoked")

	// The user's state.
	disabled := e.user("disabled", "phone_number", "+12065550101")
	e.update(disabled, func(u *storage.User) { u.Enabled = false })
	expectErr(t, "disabled user", enable(e.token(disabled)), "NotAuthorizedException", "User is disabled.")
	reset := e.user("reset")
	e.update(reset, func(u *storage.User) { u.Status = "RESET_REQUIRED" })
	expectErr(t, "RESET_REQUIRED", enable(e.token(reset)), "PasswordResetRequiredException", "Password reset required for the user")
	unconfirmed := e.user("unconfirmed")
	e.update(unconfirmed, func(u *storage.User) { u.Status = "UNCONFIRMED" })
	expectErr(t, "UNCONFIRMED", enable(e.token(unconfirmed)), "UserNotConfirmedException", "User is not confirmed.")
	gone := e.user("gone")
	goneTok := e.token(gone)
	if err := e.Store.DeleteUser(ctx, e.pool, gone.UsernameKey); err != nil {
		t.Fatal(err)
	}
	expectErr(t, "deleted user", enable(goneTok), "UserNotFoundException", "User does not exist.")

	// The admin variant.
	admin := func(pool, user string) error {
		_, err := e.Client.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{
			UserPoolId: aws.String(pool), Username: aws.String(user), SMSMfaSettings: smsSettings(true, false)})
		return err
	}
	expectErr(t, "admin: no such user", admin(e.pool, "nobody"), "UserNotFoundException", "User does not exist.")
	expectErr(t, "admin: no such pool", admin("us-east-1_NoSuchPool", "full"), "ResourceNotFoundException", "User pool us-east-1_NoSuchPool does not exist.")
	expectErr(t, "admin: SMS without phone", admin(e.pool, "plain"), "InvalidParameterException", "User does not have delivery config set to turn on SMS_MFA")
	expectErr(t, "admin: RESET_REQUIRED", admin(e.pool, "reset"), "PasswordResetRequiredException", "Password reset required for the user")
	expectErr(t, "admin: UNCONFIRMED", admin(e.pool, "unconfirmed"), "UserNotConfirmedException", "User is not confirmed.")
	_, err = e.Anonymous.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{
		UserPoolId: aws.String(e.pool), Username: aws.String("full"), SMSMfaSettings: smsSettings(true, false)})
	if err == nil {
		t.Error("unsigned AdminSetUserMFAPreference succeeded")
	}
}

// TestSetUserMFAPreferenceAccepted covers what must not be rejected (spec
// §3.4 "Things that do not produce an error") and the effects of §3.5.
func TestSetUserMFAPreferenceAccepted(t *testing.T) {
	e := newMFAEnv(t, optionalTOTP, "")
	u := e.user("gina", "phone_number", "+12065550100")
	tok := e.token(u)

	// Disabling factors never set up succeeds.
	if _, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(tok),
		SoftwareTokenMfaSettings: mfaSettings(false, false), SMSMfaSettings: smsSettings(false, false)}); err != nil {
		t.Fatalf("disabling unset factors: %v", err)
	}
	// Enabling SMS in a TOTP-only pool is stored.
	if _, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(tok),
		SMSMfaSettings: smsSettings(true, true)}); err != nil {
		t.Fatalf("SMS in a TOTP-only pool: %v", err)
	}
	if list, pref, opts := e.getMFA(tok); !slices.Equal(list, []string{"SMS_MFA"}) || pref != "SMS_MFA" || opts != nil {
		t.Errorf("after SMS: %v %q %v", list, pref, opts)
	}
	e.setupTOTP(tok)
	// Preferring TOTP keeps SMS enabled; an omitted block is unchanged.
	if _, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(tok),
		SoftwareTokenMfaSettings: mfaSettings(true, true)}); err != nil {
		t.Fatal(err)
	}
	if list, pref, _ := e.getMFA(tok); !slices.Equal(list, []string{"SMS_MFA", "SOFTWARE_TOKEN_MFA"}) || pref != "SOFTWARE_TOKEN_MFA" {
		t.Errorf("after TOTP preferred: %v %q", list, pref)
	}
	// Disabling the preferred factor clears the preference.
	if _, err := e.Client.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(e.pool), Username: aws.String("gina"),
		SoftwareTokenMfaSettings: mfaSettings(false, false)}); err != nil {
		t.Fatal(err)
	}
	if list, pref, _ := e.getMFA(tok); !slices.Equal(list, []string{"SMS_MFA"}) || pref != "" {
		t.Errorf("after disabling the preferred TOTP: %v %q", list, pref)
	}
	// Admin by sub works too.
	if _, err := e.Client.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(e.pool), Username: aws.String(u.Sub),
		SMSMfaSettings: smsSettings(false, false)}); err != nil {
		t.Fatalf("admin by sub: %v", err)
	}
	if list, pref, _ := e.getMFA(tok); list != nil || pref != "" {
		t.Errorf("after disabling all: %v %q", list, pref)
	}
	// A pool with MFA OFF accepts preferences (UNCONFIRMED; spec §3.4).
	off := newMFAEnv(t, nil, "")
	offTok := off.token(off.user("hank", "phone_number", "+12065550100"))
	if _, err := off.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(offTok),
		SMSMfaSettings: smsSettings(true, true)}); err != nil {
		t.Errorf("MFA OFF pool: %v", err)
	}
}

func TestSetUserSettingsLegacy(t *testing.T) {
	e := newMFAEnv(t, optionalAll, "")
	u := e.user("ivy", "phone_number", "+12065550100", "email", "ivy@example.com")
	tok := e.token(u)
	e.setupTOTP(tok)
	if _, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(tok),
		SoftwareTokenMfaSettings: mfaSettings(true, true)}); err != nil {
		t.Fatal(err)
	}
	on := []types.MFAOptionType{{DeliveryMedium: types.DeliveryMediumTypeSms, AttributeName: aws.String("phone_number")}}
	if _, err := e.Anonymous.SetUserSettings(ctx, &cip.SetUserSettingsInput{AccessToken: aws.String(tok), MFAOptions: on}); err != nil {
		t.Fatal(err)
	}
	list, pref, opts := e.getMFA(tok)
	if !slices.Equal(list, []string{"SMS_MFA", "SOFTWARE_TOKEN_MFA"}) || pref != "SOFTWARE_TOKEN_MFA" ||
		len(opts) != 1 || opts[0].DeliveryMedium != types.DeliveryMediumTypeSms || aws.ToString(opts[0].AttributeName) != "phone_number" {
		t.Errorf("after SetUserSettings on: %v %q %+v", list, pref, opts)
	}
	if _, err := e.Client.AdminSetUserSettings(ctx, &cip.AdminSetUserSettingsInput{UserPoolId: aws.String(e.pool), Username: aws.String("ivy"), MFAOptions: []types.MFAOptionType{}}); err != nil {
		t.Fatal(err)
	}
	if list, pref, opts := e.getMFA(tok); !slices.Equal(list, []string{"SOFTWARE_TOKEN_MFA"}) || pref != "SOFTWARE_TOKEN_MFA" || opts != nil {
		t.Errorf("after AdminSetUserSettings off: %v %q %+v", list, pref, opts)
	}
	_, err := e.Anonymous.SetUserSettings(ctx, &cip.SetUserSettingsInput{AccessToken: aws.String(tok),
		MFAOptions: []types.MFAOptionType{{DeliveryMedium: types.DeliveryMediumTypeEmail, AttributeName: aws.String("email")}}})
	expectErr(t, "email MFAOptions", err, "InvalidParameterException", mfa.ErrLegacyOption.Message)
	bare := e.user("jack")
	_, err = e.Client.AdminSetUserSettings(ctx, &cip.AdminSetUserSettingsInput{UserPoolId: aws.String(e.pool), Username: aws.String("jack"), MFAOptions: on})
	expectErr(t, "legacy SMS without phone", err, "InvalidParameterException", "User does not have delivery config set to turn on SMS_MFA")
	e.update(bare, func(u *storage.User) { u.Status = "UNCONFIRMED" })
	_, err = e.Client.AdminSetUserSettings(ctx, &cip.AdminSetUserSettingsInput{UserPoolId: aws.String(e.pool), Username: aws.String("jack"), MFAOptions: []types.MFAOptionType{}})
	if err != nil {
		t.Errorf("AdminSetUserSettings on an unconfirmed user: %v", err)
	}
	_, err = e.Client.AdminSetUserSettings(ctx, &cip.AdminSetUserSettingsInput{UserPoolId: aws.String(e.pool), Username: aws.String("nobody"), MFAOptions: on})
	expectErr(t, "admin settings: no such user", err, "UserNotFoundException", "User does not exist.")
}

func TestGetUserAuthFactors(t *testing.T) {
	e := newMFAEnv(t, optionalAll, "")
	u := e.user("kim", "email", "kim@example.com")
	tok := e.token(u)
	out, err := e.Anonymous.GetUserAuthFactors(ctx, &cip.GetUserAuthFactorsInput{AccessToken: aws.String(tok)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Username) != "kim" || out.UserMFASettingList != nil || out.PreferredMfaSetting != nil ||
		!slices.Equal(out.ConfiguredUserAuthFactors, []types.AuthFactorType{types.AuthFactorTypePassword}) {
		t.Errorf("fresh user: %+v", out)
	}
	e.setupTOTP(tok)
	if _, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(tok),
		SoftwareTokenMfaSettings: mfaSettings(true, false), EmailMfaSettings: emailSettings(true, true)}); err != nil {
		t.Fatal(err)
	}
	// aws-sdk-go-v2 has no AdminGetUserAuthFactors yet: a signed raw call.
	status, body := e.signedCall("AdminGetUserAuthFactors", `{"UserPoolId":"`+e.pool+`","Username":"kim"}`)
	want := `{"Username":"kim","PreferredMfaSetting":"EMAIL_OTP","UserMFASettingList":["SOFTWARE_TOKEN_MFA","EMAIL_OTP"],"ConfiguredUserAuthFactors":["PASSWORD","EMAIL_OTP","SOFTWARE_TOKEN"]}`
	if status != 200 || body != want {
		t.Errorf("AdminGetUserAuthFactors = %d %s\nwant %s", status, body, want)
	}
	status, body = e.signedCall("AdminGetUserAuthFactors", `{"UserPoolId":"`+e.pool+`","Username":"nobody"}`)
	if status != 400 || body != `{"__type":"UserNotFoundException","message":"User does not exist."}` {
		t.Errorf("admin: no such user = %d %s", status, body)
	}
	_, err = e.Anonymous.GetUserAuthFactors(ctx, &cip.GetUserAuthFactorsInput{AccessToken: aws.String("x.y.z")})
	expectErr(t, "bad token", err, "NotAuthorizedException", "Invalid Access Token")
}
