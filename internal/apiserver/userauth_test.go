package apiserver_test

import (
	"crypto/rand"
	"encoding/json"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/passkey/passkeytest"
	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/srp/srptest"
	"github.com/userpoold/userpoold/internal/storage"
)

// These tests drive choice-based sign-in (USER_AUTH), passwordless codes
// and passkeys through aws-sdk-go-v2, with passkeytest's software
// authenticator (EC P-256, none attestation) as the browser.

const (
	uaPassword = "Passw0rd!userauth"
	uaEmail    = "ua@example.com"
	uaPhone    = "+12065550142"
	// uaOrigin is a dev server's origin: any http://localhost port is
	// allowed when the RP ID is localhost.
	uaOrigin = "http://localhost:5173"
)

var userAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}

// newUserAuthEnv starts a server whose pool allows the first factors
// given, has passkeys on RP ID localhost (webauthn non-nil: its
// FactorConfiguration), and one client with ALLOW_USER_AUTH.
func newUserAuthEnv(t *testing.T, factors []types.AuthFactorType, mfaIn *cip.SetUserPoolMfaConfigInput) *authEnv {
	t.Helper()
	e := newAuthEnv(t, &cip.CreateUserPoolInput{
		PoolName: aws.String("userauth"),
		Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: factors}},
	}, &cip.CreateUserPoolClientInput{ExplicitAuthFlows: userAuthFlows})
	if mfaIn == nil {
		mfaIn = &cip.SetUserPoolMfaConfigInput{MfaConfiguration: types.UserPoolMfaTypeOff}
	}
	if mfaIn.WebAuthnConfiguration == nil {
		mfaIn.WebAuthnConfiguration = &types.WebAuthnConfigurationType{RelyingPartyId: aws.String("localhost"), UserVerification: types.UserVerificationTypePreferred}
	}
	mfaIn.UserPoolId = aws.String(e.pool)
	if _, err := e.Client.SetUserPoolMfaConfig(ctx, mfaIn); err != nil {
		t.Fatal(err)
	}
	return e
}

var allFactors = []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeEmailOtp, types.AuthFactorTypeSmsOtp, types.AuthFactorTypeWebAuthn}

func (e *authEnv) userAuth(username string, params ...string) (*cip.InitiateAuthOutput, error) {
	p := map[string]string{"USERNAME": username}
	for i := 0; i+1 < len(params); i += 2 {
		p[params[i]] = params[i+1]
	}
	return e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserAuth, ClientId: aws.String(e.clientID()), AuthParameters: p})
}

func (e *authEnv) answer(name types.ChallengeNameType, session *string, username string, kv ...string) (*cip.RespondToAuthChallengeOutput, error) {
	r := map[string]string{"USERNAME": username}
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i]] = kv[i+1]
	}
	return e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(e.clientID()), ChallengeName: name, Session: session, ChallengeResponses: r,
	})
}

func challenges(cs []types.ChallengeNameType) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

func mustTokens(t testing.TB, what string, r *types.AuthenticationResultType, name types.ChallengeNameType, err error) *types.AuthenticationResultType {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if r == nil || aws.ToString(r.AccessToken) == "" {
		t.Fatalf("%s: challenge %q instead of tokens", what, name)
	}
	return r
}

var eightDigits = regexp.MustCompile(`^[0-9]{8}$`)

func TestUserAuthFirstFactors(t *testing.T) {
	e := newUserAuthEnv(t, allFactors, nil)
	e.createUser("ada", uaPassword, withAttrs("email", uaEmail, "phone_number", uaPhone))

	// No preference: SELECT_CHALLENGE with what the user has (no passkey yet).
	sel, err := e.userAuth("ada")
	if err != nil || sel.ChallengeName != types.ChallengeNameTypeSelectChallenge || aws.ToString(sel.Session) == "" {
		t.Fatalf("InitiateAuth: %+v %v", sel, err)
	}
	if got, want := challenges(sel.AvailableChallenges), []string{"PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"}; !slices.Equal(got, want) {
		t.Fatalf("AvailableChallenges %v, want %v", got, want)
	}

	t.Run("an answer that is not available", func(t *testing.T) {
		_, err := e.answer(types.ChallengeNameTypeSelectChallenge, sel.Session, "ada", "ANSWER", "WEB_AUTHN")
		wantErr(t, err, "InvalidParameterException", "The selected challenge is not available for the user.")
	})
	t.Run("SELECT_CHALLENGE → PASSWORD", func(t *testing.T) {
		_, err := e.answer(types.ChallengeNameTypeSelectChallenge, sel.Session, "ada", "ANSWER", "PASSWORD", "PASSWORD", "wrong")
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
		out, err := e.answer(types.ChallengeNameTypeSelectChallenge, sel.Session, "ada", "ANSWER", "PASSWORD", "PASSWORD", uaPassword)
		tok := mustTokens(t, "PASSWORD", out.AuthenticationResult, out.ChallengeName, err)
		if _, err := e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: tok.AccessToken}); err != nil {
			t.Fatal(err)
		}
		_, err = e.answer(types.ChallengeNameTypeSelectChallenge, sel.Session, "ada", "ANSWER", "PASSWORD", "PASSWORD", uaPassword)
		wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session can only be used once.")
	})
	t.Run("SELECT_CHALLENGE → PASSWORD_SRP → PASSWORD_VERIFIER", func(t *testing.T) {
		sel, err := e.userAuth("ada")
		if err != nil {
			t.Fatal(err)
		}
		c, err := srptest.NewClient(rand.Reader, srp.PoolName(e.pool))
		if err != nil {
			t.Fatal(err)
		}
		pv, err := e.answer(types.ChallengeNameTypeSelectChallenge, sel.Session, "ada", "ANSWER", "PASSWORD_SRP", "SRP_A", c.SRPA())
		if err != nil || pv.ChallengeName != types.ChallengeNameTypePasswordVerifier {
			t.Fatalf("PASSWORD_SRP: %+v %v", pv, err)
		}
		out, err := e.srpAnswer(e.clientID(), c, pv.ChallengeParameters, uaPassword)
		mustTokens(t, "PASSWORD_VERIFIER", out.AuthenticationResult, out.ChallengeName, err)
	})
	t.Run("SELECT_CHALLENGE → EMAIL_OTP: 8 digits, a wrong code keeps the session", func(t *testing.T) {
		sel, err := e.userAuth("ada")
		if err != nil {
			t.Fatal(err)
		}
		ch, err := e.answer(types.ChallengeNameTypeSelectChallenge, sel.Session, "ada", "ANSWER", "EMAIL_OTP")
		if err != nil || ch.ChallengeName != types.ChallengeNameTypeEmailOtp {
			t.Fatalf("EMAIL_OTP: %+v %v", ch, err)
		}
		if ch.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "EMAIL" || ch.ChallengeParameters["CODE_DELIVERY_DESTINATION"] == "" {
			t.Fatalf("parameters %v", ch.ChallengeParameters)
		}
		code := e.LastCode(e.pool, "ada")
		if !eightDigits.MatchString(code) {
			t.Fatalf("code %q is not 8 digits", code)
		}
		_, err = e.answer(types.ChallengeNameTypeEmailOtp, ch.Session, "ada", "EMAIL_OTP_CODE", "00000000")
		wantErr(t, err, "CodeMismatchException", "Invalid code or auth state for the user.")
		out, err := e.answer(types.ChallengeNameTypeEmailOtp, ch.Session, "ada", "EMAIL_OTP_CODE", code)
		mustTokens(t, "EMAIL_OTP", out.AuthenticationResult, out.ChallengeName, err)
	})
	t.Run("PREFERRED_CHALLENGE SMS_OTP", func(t *testing.T) {
		ch, err := e.userAuth("ada", "PREFERRED_CHALLENGE", "SMS_OTP")
		if err != nil || ch.ChallengeName != types.ChallengeNameTypeSmsOtp || ch.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "SMS" {
			t.Fatalf("SMS_OTP: %+v %v", ch, err)
		}
		if len(ch.AvailableChallenges) != 4 {
			t.Errorf("AvailableChallenges %v", ch.AvailableChallenges)
		}
		out, err := e.answer(types.ChallengeNameTypeSmsOtp, ch.Session, "ada", "SMS_OTP_CODE", e.LastCode(e.pool, "ada"))
		mustTokens(t, "SMS_OTP", out.AuthenticationResult, out.ChallengeName, err)
	})
	t.Run("PREFERRED_CHALLENGE PASSWORD with and without the password", func(t *testing.T) {
		out, err := e.userAuth("ada", "PREFERRED_CHALLENGE", "PASSWORD", "PASSWORD", uaPassword)
		mustTokens(t, "PASSWORD", out.AuthenticationResult, out.ChallengeName, err)
		_, err = e.userAuth("ada", "PREFERRED_CHALLENGE", "PASSWORD", "PASSWORD", "wrong")
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
		ch, err := e.userAuth("ada", "PREFERRED_CHALLENGE", "PASSWORD")
		if err != nil || ch.ChallengeName != types.ChallengeNameTypePassword {
			t.Fatalf("PASSWORD challenge: %+v %v", ch, err)
		}
		r, err := e.answer(types.ChallengeNameTypePassword, ch.Session, "ada", "PASSWORD", uaPassword)
		mustTokens(t, "PASSWORD answer", r.AuthenticationResult, r.ChallengeName, err)
	})
	t.Run("PREFERRED_CHALLENGE PASSWORD_SRP with SRP_A: PASSWORD_VERIFIER at once", func(t *testing.T) {
		c, err := srptest.NewClient(rand.Reader, srp.PoolName(e.pool))
		if err != nil {
			t.Fatal(err)
		}
		pv, err := e.userAuth("ada", "PREFERRED_CHALLENGE", "PASSWORD_SRP", "SRP_A", c.SRPA())
		if err != nil || pv.ChallengeName != types.ChallengeNameTypePasswordVerifier {
			t.Fatalf("%+v %v", pv, err)
		}
		out, err := e.srpAnswer(e.clientID(), c, pv.ChallengeParameters, uaPassword)
		mustTokens(t, "PASSWORD_VERIFIER", out.AuthenticationResult, out.ChallengeName, err)
	})
	t.Run("an unavailable preferred factor falls back to SELECT_CHALLENGE", func(t *testing.T) {
		out, err := e.userAuth("ada", "PREFERRED_CHALLENGE", "WEB_AUTHN")
		if err != nil || out.ChallengeName != types.ChallengeNameTypeSelectChallenge {
			t.Fatalf("%+v %v", out, err)
		}
	})
	t.Run("a client without ALLOW_USER_AUTH", func(t *testing.T) {
		other := e.newClient(&cip.CreateUserPoolClientInput{ExplicitAuthFlows: allFlows})
		_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserAuth, ClientId: other.ClientId,
			AuthParameters: map[string]string{"USERNAME": "ada"}})
		wantErr(t, err, "InvalidParameterException", "USER_AUTH flow not enabled for this client")
	})
	t.Run("AdminInitiateAuth", func(t *testing.T) {
		out, err := e.Client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(e.pool), ClientId: aws.String(e.clientID()),
			AuthFlow: types.AuthFlowTypeUserAuth, AuthParameters: map[string]string{"USERNAME": "ada"}})
		if err != nil || out.ChallengeName != types.ChallengeNameTypeSelectChallenge || len(out.AvailableChallenges) != 4 {
			t.Fatalf("%+v %v", out, err)
		}
		r, err := e.Client.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{UserPoolId: aws.String(e.pool), ClientId: aws.String(e.clientID()),
			ChallengeName: types.ChallengeNameTypeSelectChallenge, Session: out.Session,
			ChallengeResponses: map[string]string{"USERNAME": "ada", "ANSWER": "PASSWORD", "PASSWORD": uaPassword}})
		mustTokens(t, "admin PASSWORD", r.AuthenticationResult, r.ChallengeName, err)
	})
}

// TestUserAuthMFA: a password first factor is followed by the user's MFA;
// users who must do MFA are offered no passwordless factor.
func TestUserAuthMFA(t *testing.T) {
	e := newUserAuthEnv(t, allFactors, &cip.SetUserPoolMfaConfigInput{
		MfaConfiguration:              types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	})
	secret := []byte("12345678901234567890")
	e.createUser("tom", uaPassword, withAttrs("email", uaEmail, "phone_number", uaPhone), func(u *storage.User) {
		u.Secrets.TOTPSecret, u.MFA.TOTPVerifiedAt = secret, e.Clock.Now().Add(-mfa.Period*10)
		u.MFA.Enabled, u.MFA.Preferred = []storage.MFAFactor{"SOFTWARE_TOKEN_MFA"}, "SOFTWARE_TOKEN_MFA"
	})
	sel, err := e.userAuth("tom")
	if err != nil {
		t.Fatal(err)
	}
	if got := challenges(sel.AvailableChallenges); !slices.Equal(got, []string{"PASSWORD", "PASSWORD_SRP"}) {
		t.Fatalf("AvailableChallenges %v: an MFA user gets no passwordless factor", got)
	}
	_, err = e.userAuth("tom", "PREFERRED_CHALLENGE", "EMAIL_OTP")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.Outbox(e.pool, "tom")); n != 0 {
		t.Fatalf("%d messages sent to an MFA user asking for EMAIL_OTP", n)
	}
	r, err := e.answer(types.ChallengeNameTypeSelectChallenge, sel.Session, "tom", "ANSWER", "PASSWORD", "PASSWORD", uaPassword)
	if err != nil || r.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("after the password: %+v %v", r, err)
	}
	out, err := e.answer(types.ChallengeNameTypeSoftwareTokenMfa, r.Session, "tom", "SOFTWARE_TOKEN_MFA_CODE", mfa.Code(secret, e.Clock.Now()))
	mustTokens(t, "TOTP", out.AuthenticationResult, out.ChallengeName, err)
}

// passkeyUser signs ada in with a password and registers a passkey of
// auth for her from origin, returning the access token.
func (e *authEnv) registerPasskey(t testing.TB, auth *passkeytest.Authenticator, username string) string {
	t.Helper()
	out, err := e.userAuth(username, "PREFERRED_CHALLENGE", "PASSWORD", "PASSWORD", uaPassword)
	tok := mustTokens(t, "password sign-in", out.AuthenticationResult, out.ChallengeName, err)
	start, err := e.Anonymous.StartWebAuthnRegistration(ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: tok.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	opts, err := start.CredentialCreationOptions.MarshalSmithyDocument()
	if err != nil {
		t.Fatal(err)
	}
	cred, _, err := auth.Create(opts, uaOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Anonymous.CompleteWebAuthnRegistration(ctx, &cip.CompleteWebAuthnRegistrationInput{AccessToken: tok.AccessToken, Credential: doc(t, cred)}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(tok.AccessToken)
}

func doc(t testing.TB, raw []byte) document.Interface {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return document.NewLazyDocument(m)
}

// passkeySignIn runs USER_AUTH with PREFERRED_CHALLENGE WEB_AUTHN and
// answers with auth; it returns the RespondToAuthChallenge outcome.
func (e *authEnv) passkeySignIn(t *testing.T, auth *passkeytest.Authenticator, username string, mods ...passkeytest.Mod) (*cip.RespondToAuthChallengeOutput, error) {
	t.Helper()
	ch, err := e.userAuth(username, "PREFERRED_CHALLENGE", "WEB_AUTHN")
	if err != nil || ch.ChallengeName != types.ChallengeNameTypeWebAuthn {
		t.Fatalf("WEB_AUTHN: %+v %v", ch, err)
	}
	cred, err := auth.Get([]byte(ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"]), uaOrigin, mods...)
	if err != nil {
		t.Fatal(err)
	}
	return e.answer(types.ChallengeNameTypeWebAuthn, ch.Session, username, "CREDENTIAL", string(cred))
}

func TestPasskeys(t *testing.T) {
	e := newUserAuthEnv(t, allFactors, nil)
	u := e.createUser("ada", uaPassword, withAttrs("email", uaEmail))
	auth := &passkeytest.Authenticator{Attachment: "cross-platform", Transports: []string{"usb", "nfc"}}
	access := e.registerPasskey(t, auth, "ada")

	// Every stored field, as the authenticator made it.
	stored, err := e.Store.GetUser(ctx, e.pool, "ada")
	if err != nil || len(stored.Passkeys) != 1 {
		t.Fatalf("stored: %+v %v", stored.Passkeys, err)
	}
	pk := stored.Passkeys[0]
	if pk.Algorithm != -7 || pk.RelyingPartyID != "localhost" || pk.FriendlyName != "Roaming passkey" || pk.Attachment != "cross-platform" ||
		!slices.Equal(pk.Transports, []string{"usb", "nfc"}) || pk.AttestationFormat != "none" || !pk.UserVerified || len(pk.PublicKey) == 0 ||
		!slices.Equal(pk.ID, auth.Credentials()[0].ID) || !pk.CreatedAt.Equal(e.Clock.Now()) {
		t.Fatalf("stored passkey %+v", pk)
	}
	if len(stored.Secrets.PasskeyChallenge) != 0 {
		t.Fatal("the registration challenge outlived its use")
	}

	t.Run("list", func(t *testing.T) {
		out, err := e.Anonymous.ListWebAuthnCredentials(ctx, &cip.ListWebAuthnCredentialsInput{AccessToken: &access})
		if err != nil || len(out.Credentials) != 1 || out.NextToken != nil {
			t.Fatalf("%+v %v", out, err)
		}
		c := out.Credentials[0]
		if aws.ToString(c.CredentialId) != passkeytest.EncodeID(pk.ID) || aws.ToString(c.FriendlyCredentialName) != "Roaming passkey" ||
			aws.ToString(c.RelyingPartyId) != "localhost" || aws.ToString(c.AuthenticatorAttachment) != "cross-platform" ||
			!slices.Equal(c.AuthenticatorTransports, []string{"usb", "nfc"}) || !c.CreatedAt.Equal(e.Clock.Now()) {
			t.Fatalf("listed %+v", c)
		}
	})
	t.Run("auth factors", func(t *testing.T) {
		out, err := e.Anonymous.GetUserAuthFactors(ctx, &cip.GetUserAuthFactorsInput{AccessToken: &access})
		if err != nil || !slices.Contains(out.ConfiguredUserAuthFactors, types.AuthFactorTypeWebAuthn) {
			t.Fatalf("%+v %v", out, err)
		}
		// aws-sdk-go-v2 has no AdminGetUserAuthFactors yet: a signed raw call.
		status, body := (&mfaEnv{Env: e.Env, t: t}).signedCall("AdminGetUserAuthFactors", `{"UserPoolId":"`+e.pool+`","Username":"ada"}`)
		var admin struct{ ConfiguredUserAuthFactors []types.AuthFactorType }
		if json.Unmarshal([]byte(body), &admin); status != 200 || !slices.Equal(admin.ConfiguredUserAuthFactors, out.ConfiguredUserAuthFactors) {
			t.Fatalf("AdminGetUserAuthFactors %d %s, GetUserAuthFactors %v", status, body, out.ConfiguredUserAuthFactors)
		}
		sel, err := e.userAuth("ada")
		if err != nil || !slices.Contains(sel.AvailableChallenges, types.ChallengeNameTypeWebAuthn) {
			t.Fatalf("%+v %v", sel, err)
		}
	})
	t.Run("sign in, counter stored, replays refused", func(t *testing.T) {
		ch, err := e.userAuth("ada", "PREFERRED_CHALLENGE", "WEB_AUTHN")
		if err != nil || ch.ChallengeName != types.ChallengeNameTypeWebAuthn {
			t.Fatalf("%+v %v", ch, err)
		}
		var opts map[string]any
		if err := json.Unmarshal([]byte(ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"]), &opts); err != nil ||
			opts["rpId"] != "localhost" || opts["timeout"] != 180000.0 || opts["userVerification"] != "preferred" {
			t.Fatalf("CREDENTIAL_REQUEST_OPTIONS %v %v", opts, err)
		}
		cred, err := auth.Get([]byte(ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"]), uaOrigin)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.answer(types.ChallengeNameTypeWebAuthn, ch.Session, "ada", "CREDENTIAL", "not json")
		wantErr(t, err, "InvalidParameterException", "CREDENTIAL is not a valid JSON document.")
		out, err := e.answer(types.ChallengeNameTypeWebAuthn, ch.Session, "ada", "CREDENTIAL", string(cred))
		mustTokens(t, "WEB_AUTHN", out.AuthenticationResult, out.ChallengeName, err)
		after, _ := e.Store.GetUser(ctx, e.pool, "ada")
		if after.Passkeys[0].SignCount != auth.Credentials()[0].SignCount || after.Passkeys[0].SignCount == 0 {
			t.Fatalf("sign count %d, authenticator at %d", after.Passkeys[0].SignCount, auth.Credentials()[0].SignCount)
		}
		// The same assertion again: in its spent session, then in a new one.
		_, err = e.answer(types.ChallengeNameTypeWebAuthn, ch.Session, "ada", "CREDENTIAL", string(cred))
		wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session can only be used once.")
		ch2, err := e.userAuth("ada", "PREFERRED_CHALLENGE", "WEB_AUTHN")
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.answer(types.ChallengeNameTypeWebAuthn, ch2.Session, "ada", "CREDENTIAL", string(cred))
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
		unchanged, _ := e.Store.GetUser(ctx, e.pool, "ada")
		if unchanged.Passkeys[0].SignCount != after.Passkeys[0].SignCount || !unchanged.Passkeys[0].LastUsedAt.Equal(after.Passkeys[0].LastUsedAt) {
			t.Fatal("a refused assertion changed the stored credential")
		}
	})
	t.Run("forged assertions are refused", func(t *testing.T) {
		for name, mod := range map[string]passkeytest.Mod{
			"another origin":   passkeytest.WithOrigin("https://evil.example"),
			"another RP ID":    passkeytest.WithRPID("evil.example"),
			"a rolled counter": passkeytest.WithCounter(1),
			"another user":     passkeytest.WithUserHandle([]byte("someone-else")),
			"no user presence": passkeytest.WithFlags(0),
		} {
			_, err := e.passkeySignIn(t, auth, "ada", mod)
			if servertest.ErrorCode(err) != "NotAuthorizedException" {
				t.Errorf("%s: %v", name, err)
			}
		}
		out, err := e.passkeySignIn(t, auth, "ada")
		mustTokens(t, "after the forgeries", out.AuthenticationResult, out.ChallengeName, err)
	})
	t.Run("registration errors", func(t *testing.T) {
		start := func() []byte {
			s, err := e.Anonymous.StartWebAuthnRegistration(ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: &access})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := s.CredentialCreationOptions.MarshalSmithyDocument()
			var o struct {
				ExcludeCredentials []struct{ ID string } `json:"excludeCredentials"`
				User               struct{ ID, Name string }
				RP                 struct{ ID, Name string }
			}
			json.Unmarshal(b, &o)
			if len(o.ExcludeCredentials) == 0 || o.RP.ID != "localhost" || o.User.Name != "ada" {
				t.Fatalf("options %s", b)
			}
			return b
		}
		complete := func(cred []byte) error {
			_, err := e.Anonymous.CompleteWebAuthnRegistration(ctx, &cip.CompleteWebAuthnRegistrationInput{AccessToken: &access, Credential: doc(t, cred)})
			return err
		}
		other := &passkeytest.Authenticator{}
		cred, _, err := other.Create(start(), "https://evil.example")
		if err != nil {
			t.Fatal(err)
		}
		if err := complete(cred); servertest.ErrorCode(err) != "WebAuthnOriginNotAllowedException" {
			t.Errorf("foreign origin: %v", err)
		}
		// The challenge was taken by that attempt.
		cred, _, _ = other.Create(start(), uaOrigin)
		if err := complete(cred); err != nil {
			t.Fatal(err)
		}
		if err := complete(cred); servertest.ErrorCode(err) != "WebAuthnChallengeNotFoundException" {
			t.Errorf("a second completion: %v", err)
		}
		cred, _, _ = (&passkeytest.Authenticator{}).Create(start(), uaOrigin, passkeytest.WithRPID("example.com"))
		if err := complete(cred); servertest.ErrorCode(err) != "WebAuthnRelyingPartyMismatchException" {
			t.Errorf("another RP: %v", err)
		}
		// A registration challenge expires (passkey.RegistrationLifetime).
		opts := start()
		e.Clock.Set(e.Clock.Now().Add(6 * time.Minute))
		cred, _, _ = (&passkeytest.Authenticator{}).Create(opts, uaOrigin)
		if err := complete(cred); servertest.ErrorCode(err) != "WebAuthnChallengeNotFoundException" {
			t.Errorf("an expired challenge: %v", err)
		}
		// A token of another client than the one that started.
		otherClient := e.newClient(&cip.CreateUserPoolClientInput{ExplicitAuthFlows: userAuthFlows})
		o2, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserAuth, ClientId: otherClient.ClientId,
			AuthParameters: map[string]string{"USERNAME": "ada", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": uaPassword}})
		if err != nil {
			t.Fatal(err)
		}
		cred, _, _ = (&passkeytest.Authenticator{}).Create(start(), uaOrigin)
		_, err = e.Anonymous.CompleteWebAuthnRegistration(ctx, &cip.CompleteWebAuthnRegistrationInput{AccessToken: o2.AuthenticationResult.AccessToken, Credential: doc(t, cred)})
		if servertest.ErrorCode(err) != "WebAuthnClientMismatchException" {
			t.Errorf("another client: %v", err)
		}
	})
	t.Run("pagination and delete", func(t *testing.T) {
		list := func(token *string) *cip.ListWebAuthnCredentialsOutput {
			out, err := e.Anonymous.ListWebAuthnCredentials(ctx, &cip.ListWebAuthnCredentialsInput{AccessToken: &access, MaxResults: aws.Int32(1), NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		var ids []string
		for out := list(nil); ; out = list(out.NextToken) {
			for _, c := range out.Credentials {
				ids = append(ids, aws.ToString(c.CredentialId))
			}
			if out.NextToken == nil {
				break
			}
		}
		if len(ids) != 2 {
			t.Fatalf("listed %v, want the two registered", ids)
		}
		for _, id := range ids {
			if _, err := e.Anonymous.DeleteWebAuthnCredential(ctx, &cip.DeleteWebAuthnCredentialInput{AccessToken: &access, CredentialId: aws.String(id)}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := e.Anonymous.DeleteWebAuthnCredential(ctx, &cip.DeleteWebAuthnCredentialInput{AccessToken: &access, CredentialId: aws.String(ids[0])})
		if servertest.ErrorCode(err) != "ResourceNotFoundException" {
			t.Errorf("deleting twice: %v", err)
		}
		sel, _ := e.userAuth("ada")
		if slices.Contains(sel.AvailableChallenges, types.ChallengeNameTypeWebAuthn) {
			t.Error("WEB_AUTHN still offered without passkeys")
		}
	})
	_ = u
}

// TestPasskeyMFA: with MULTI_FACTOR_WITH_USER_VERIFICATION and the user's
// WebAuthnMfaSettings, an MFA user may sign in with a passkey, which must
// verify the user.
func TestPasskeyMFA(t *testing.T) {
	e := newUserAuthEnv(t, allFactors, &cip.SetUserPoolMfaConfigInput{
		MfaConfiguration:              types.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
		WebAuthnConfiguration: &types.WebAuthnConfigurationType{RelyingPartyId: aws.String("localhost"),
			FactorConfiguration: types.WebAuthnFactorConfigurationTypeMultiFactorWithUserVerification},
	})
	secret := []byte("12345678901234567890")
	e.createUser("mia", uaPassword, withAttrs("email", uaEmail), func(u *storage.User) {
		u.Secrets.TOTPSecret, u.MFA.TOTPVerifiedAt = secret, e.Clock.Now().Add(-mfa.Period*10)
		u.MFA.Enabled, u.MFA.Preferred = []storage.MFAFactor{"SOFTWARE_TOKEN_MFA"}, "SOFTWARE_TOKEN_MFA"
	})
	// Register with a password + TOTP sign-in.
	sel, err := e.userAuth("mia", "PREFERRED_CHALLENGE", "PASSWORD", "PASSWORD", uaPassword)
	if err != nil || sel.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("%+v %v", sel, err)
	}
	r, err := e.answer(types.ChallengeNameTypeSoftwareTokenMfa, sel.Session, "mia", "SOFTWARE_TOKEN_MFA_CODE", mfa.Code(secret, e.Clock.Now()))
	tok := mustTokens(t, "TOTP", r.AuthenticationResult, r.ChallengeName, err)
	if _, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: tok.AccessToken,
		WebAuthnMfaSettings: &types.WebAuthnMfaSettingsType{Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	start, err := e.Anonymous.StartWebAuthnRegistration(ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: tok.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	opts, _ := start.CredentialCreationOptions.MarshalSmithyDocument()
	auth := &passkeytest.Authenticator{}
	cred, _, err := auth.Create(opts, uaOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Anonymous.CompleteWebAuthnRegistration(ctx, &cip.CompleteWebAuthnRegistrationInput{AccessToken: tok.AccessToken, Credential: doc(t, cred)}); err != nil {
		t.Fatal(err)
	}
	out, err := e.userAuth("mia")
	if err != nil || !slices.Equal(challenges(out.AvailableChallenges), []string{"PASSWORD", "PASSWORD_SRP", "WEB_AUTHN"}) {
		t.Fatalf("AvailableChallenges %v %v: passkey MFA keeps WEB_AUTHN, no codes", out.AvailableChallenges, err)
	}
	ch, err := e.userAuth("mia", "PREFERRED_CHALLENGE", "WEB_AUTHN")
	if err != nil || !regexp.MustCompile(`"userVerification":"required"`).MatchString(ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"]) {
		t.Fatalf("passkey MFA must require user verification: %v %v", ch.ChallengeParameters, err)
	}
	auth.NoUserVerification = true
	if _, err := e.passkeySignIn(t, auth, "mia"); servertest.ErrorCode(err) != "NotAuthorizedException" {
		t.Fatalf("an assertion without UV: %v", err)
	}
	auth.NoUserVerification = false
	done, err := e.passkeySignIn(t, auth, "mia")
	mustTokens(t, "passkey MFA", done.AuthenticationResult, done.ChallengeName, err)
}

// TestSignInConfigurationGates: the tier and first-factor rules are
// checked when configuration is written; passkey operations need a
// configured RP ID and passkeys enabled.
func TestSignInConfigurationGates(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	lite := types.UserPoolTierTypeLite
	_, err := e.Client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("lite"), UserPoolTier: lite,
		Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: []types.AuthFactorType{"PASSWORD", "EMAIL_OTP"}}}})
	if servertest.ErrorCode(err) != "FeatureUnavailableInTierException" {
		t.Errorf("LITE with EMAIL_OTP: %v", err)
	}
	litePool, err := e.Client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("lite"), UserPoolTier: lite})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: litePool.UserPool.Id, MfaConfiguration: types.UserPoolMfaTypeOff,
		WebAuthnConfiguration: &types.WebAuthnConfigurationType{RelyingPartyId: aws.String("localhost")}})
	if servertest.ErrorCode(err) != "FeatureUnavailableInTierException" {
		t.Errorf("LITE with WebAuthnConfiguration: %v", err)
	}
	_, err = e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: litePool.UserPool.Id, ClientName: aws.String("c"), ExplicitAuthFlows: userAuthFlows})
	if servertest.ErrorCode(err) != "FeatureUnavailableInTierException" {
		t.Errorf("LITE with ALLOW_USER_AUTH: %v", err)
	}
	for _, factors := range [][]types.AuthFactorType{{"WEB_AUTHN"}, {"PASSWORD", "SOFTWARE_TOKEN"}} {
		_, err = e.Client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"),
			Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: factors}}})
		if servertest.ErrorCode(err) != "InvalidParameterException" {
			t.Errorf("%v: %v", factors, err)
		}
	}

	// Passkeys neither as a first factor nor as MFA.
	plain := newUserAuthEnv(t, []types.AuthFactorType{types.AuthFactorTypePassword}, nil)
	plain.createUser("ada", uaPassword)
	out, err := plain.userAuth("ada", "PREFERRED_CHALLENGE", "PASSWORD", "PASSWORD", uaPassword)
	tok := mustTokens(t, "sign-in", out.AuthenticationResult, out.ChallengeName, err)
	_, err = plain.Anonymous.StartWebAuthnRegistration(ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: tok.AccessToken})
	if servertest.ErrorCode(err) != "WebAuthnNotEnabledException" {
		t.Errorf("passkeys not enabled: %v", err)
	}
	// Passkeys enabled, but no RP ID and no domain.
	norp := newAuthEnv(t, &cip.CreateUserPoolInput{PoolName: aws.String("norp"),
		Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: allFactors}}},
		&cip.CreateUserPoolClientInput{ExplicitAuthFlows: userAuthFlows})
	norp.createUser("ada", uaPassword)
	out, err = norp.userAuth("ada", "PREFERRED_CHALLENGE", "PASSWORD", "PASSWORD", uaPassword)
	tok = mustTokens(t, "sign-in", out.AuthenticationResult, out.ChallengeName, err)
	_, err = norp.Anonymous.StartWebAuthnRegistration(ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: tok.AccessToken})
	if servertest.ErrorCode(err) != "WebAuthnConfigurationMissingException" {
		t.Errorf("no RP ID: %v", err)
	}
	// Without a RelyingPartyId the RP ID is the pool's custom domain, else
	// its prefix domain's host (spec §12.2).
	rpID := func() string {
		t.Helper()
		start, err := norp.Anonymous.StartWebAuthnRegistration(ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: tok.AccessToken})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := start.CredentialCreationOptions.MarshalSmithyDocument()
		if err != nil {
			t.Fatal(err)
		}
		var opts struct {
			RP struct{ ID string } `json:"rp"`
		}
		if err := json.Unmarshal(raw, &opts); err != nil {
			t.Fatal(err)
		}
		return opts.RP.ID
	}
	if _, err := norp.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(norp.pool), Domain: aws.String("norp-app")}); err != nil {
		t.Fatal(err)
	}
	if got, want := rpID(), "norp-app.auth.us-east-1.amazoncognito.com"; got != want {
		t.Errorf("RP ID with a prefix domain: %q, want %q", got, want)
	}
	if _, err := norp.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(norp.pool), Domain: aws.String("auth.example.com"),
		CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String("arn:aws:acm:us-east-1:123456789012:certificate/0c9d9a6e-1234-4cde-8f00-000000000000")}}); err != nil {
		t.Fatal(err)
	}
	if got, want := rpID(), "auth.example.com"; got != want {
		t.Errorf("RP ID with a custom domain: %q, want %q", got, want)
	}
}

// TestUserAuthHiddenUser: an unknown user in a client that hides user
// existence gets a SELECT_CHALLENGE like a user with only a password, and
// every answer fails as a wrong password does.
func TestUserAuthHiddenUser(t *testing.T) {
	e := newAuthEnv(t, &cip.CreateUserPoolInput{PoolName: aws.String("p"),
		Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: allFactors}}},
		&cip.CreateUserPoolClientInput{ExplicitAuthFlows: userAuthFlows, PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled})
	e.createUser("ada", uaPassword)
	real, err := e.userAuth("ada")
	if err != nil {
		t.Fatal(err)
	}
	ghost, err := e.userAuth("nobody")
	if err != nil || ghost.ChallengeName != real.ChallengeName || !slices.Equal(ghost.AvailableChallenges, real.AvailableChallenges) {
		t.Fatalf("unknown %+v %v, known %+v", ghost, err, real)
	}
	_, err = e.answer(types.ChallengeNameTypeSelectChallenge, ghost.Session, "nobody", "ANSWER", "PASSWORD", "PASSWORD", uaPassword)
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	c, _ := srptest.NewClient(rand.Reader, srp.PoolName(e.pool))
	pv, err := e.answer(types.ChallengeNameTypeSelectChallenge, ghost.Session, "nobody", "ANSWER", "PASSWORD_SRP", "SRP_A", c.SRPA())
	if err != nil || pv.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		t.Fatalf("decoy PASSWORD_SRP: %+v %v", pv, err)
	}
	_, err = e.srpAnswer(e.clientID(), c, pv.ChallengeParameters, uaPassword)
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	// Without hiding, an unknown user is UserNotFoundException.
	open := e.newClient(&cip.CreateUserPoolClientInput{ExplicitAuthFlows: userAuthFlows, PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesLegacy})
	_, err = e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserAuth, ClientId: open.ClientId, AuthParameters: map[string]string{"USERNAME": "nobody"}})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
}

// TestSignInAfterSignUp: ConfirmSignUp answers a Session for clients that
// allow USER_AUTH, and InitiateAuth USER_AUTH with it signs the user in
// without a factor (Amplify's autoSignIn, spec §4.1); the session is
// single-use, bound to its user, pool and client, and expires.
func TestSignInAfterSignUp(t *testing.T) {
	e := newAuthEnv(t, &cip.CreateUserPoolInput{PoolName: aws.String("p"),
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Policies:               &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: allFactors}}},
		&cip.CreateUserPoolClientInput{ExplicitAuthFlows: userAuthFlows})
	signUp := func(clientID, username string) *cip.ConfirmSignUpOutput {
		t.Helper()
		_, err := e.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(clientID), Username: aws.String(username), Password: aws.String(uaPassword),
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(username + "@example.com")}}})
		if err != nil {
			t.Fatal(err)
		}
		msgs := e.Outbox(e.pool, username)
		if len(msgs) == 0 {
			t.Fatalf("no code for %s", username)
		}
		out, err := e.Anonymous.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(clientID), Username: aws.String(username), ConfirmationCode: aws.String(msgs[len(msgs)-1].Code)})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	withSession := func(username string, session *string) (*cip.InitiateAuthOutput, error) {
		return e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserAuth, ClientId: aws.String(e.clientID()),
			AuthParameters: map[string]string{"USERNAME": username}, Session: session})
	}

	conf := signUp(e.clientID(), "ada")
	if aws.ToString(conf.Session) == "" {
		t.Fatal("ConfirmSignUp answered no Session")
	}
	// Another user's name with ada's session is refused (the attempt
	// counts; the session stays usable by ada).
	signUp(e.clientID(), "bob")
	_, err := withSession("bob", conf.Session)
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user.")
	out, err := withSession("ada", conf.Session)
	tok := mustTokens(t, "sign-in with the ConfirmSignUp session", out.AuthenticationResult, out.ChallengeName, err)
	if _, err := e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: tok.AccessToken}); err != nil {
		t.Errorf("the access token does not work: %v", err)
	}
	// Single use.
	_, err = withSession("ada", conf.Session)
	if servertest.ErrorCode(err) != "NotAuthorizedException" {
		t.Errorf("second use of the session: %v", err)
	}
	// A session string that was never issued, and an expired one.
	_, err = withSession("ada", aws.String("AYABeNotARealSession0123456789"))
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user.")
	carl := signUp(e.clientID(), "carl")
	e.Clock.Advance(time.Hour)
	_, err = withSession("carl", carl.Session)
	if servertest.ErrorCode(err) != "NotAuthorizedException" {
		t.Errorf("expired session: %v", err)
	}

	// A client without ALLOW_USER_AUTH gets no session.
	other := e.newClient(&cip.CreateUserPoolClientInput{ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth}})
	if s := signUp(aws.ToString(other.ClientId), "dora").Session; s != nil {
		t.Errorf("session for a client without USER_AUTH: %q", aws.ToString(s))
	}

	// A pool where MFA is required: the session is a first factor, MFA
	// (here its setup) still follows.
	m := newAuthEnv(t, &cip.CreateUserPoolInput{PoolName: aws.String("mfa"),
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Policies:               &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: allFactors}}},
		&cip.CreateUserPoolClientInput{ExplicitAuthFlows: userAuthFlows})
	if _, err := m.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(m.pool), MfaConfiguration: types.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	e = m
	conf = signUp(m.clientID(), "eve")
	out, err = withSession("eve", conf.Session)
	if err != nil || out.ChallengeName != types.ChallengeNameTypeMfaSetup {
		t.Errorf("MFA-required pool: %v %+v", err, out)
	}
}
