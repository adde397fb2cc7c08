package hostile

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/pquerna/otp/totp"
)

// MFA attacks: brute force of software-token codes (VerifySoftwareToken
// with a stolen access token, issue 15 gap 3; SOFTWARE_TOKEN_MFA answers
// across sign-ins) and replay of a used TOTP code.

// totpEnv is a userEnv whose pool allows software-token MFA (OPTIONAL),
// with the test clock held at a fixed time.
func totpEnv(t *testing.T) *userEnv {
	t.Helper()
	e := newUserEnv(t)
	e.Clock.Set(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC))
	if _, err := e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: aws.String(e.pool), MfaConfiguration: types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

// code is the TOTP code of secret at the server's time plus d (computed by
// an independent implementation, pquerna/otp).
func (e *userEnv) code(t *testing.T, secret string, d time.Duration) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, e.Clock.Now().Add(d))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode is a six-digit code other than right.
func wrongCode(right string) string {
	if right == "000000" {
		return "111111"
	}
	return "000000"
}

func TestMFAAttacks(t *testing.T) {
	t.Run("VerifySoftwareToken brute force with an access token", func(t *testing.T) {
		e := totpEnv(t)
		token := aws.ToString(e.signIn(t, e.client, e.username).AccessToken)
		assoc := anonCall(t, e.Env, "AssociateSoftwareToken", jsonBody(t, map[string]string{"AccessToken": token}))
		var a struct{ SecretCode string }
		if err := json.Unmarshal(assoc.Body, &a); err != nil || a.SecretCode == "" {
			t.Fatalf("AssociateSoftwareToken: %s", assoc.Body)
		}
		verify := func(code string) answer {
			return anonCall(t, e.Env, "VerifySoftwareToken", jsonBody(t, map[string]string{"AccessToken": token, "UserCode": code}))
		}
		right := e.code(t, a.SecretCode, 0)
		for range 5 {
			verify(wrongCode(right)).want(t, 400, "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
		}
		// The limit holds even for the right code, and changes nothing.
		verify(right).want(t, 400, "LimitExceededException", "Attempt limit exceeded, please try after some time.")
		// After the window the right code works once (with a new token:
		// the first one expired with the hour).
		e.Clock.Advance(time.Hour)
		token = aws.ToString(e.signIn(t, e.client, e.username).AccessToken)
		verify(e.code(t, a.SecretCode, 0)).want(t, 200, "", "")
		verify(e.code(t, a.SecretCode, 0)).want(t, 400, "ExpiredCodeException", "Your software token has already been used once.")
		// With a verified secret (no pending one) the oracle is limited too.
		e.Clock.Advance(time.Minute)
		right = e.code(t, a.SecretCode, 0)
		for range 5 {
			verify(wrongCode(right)).want(t, 400, "EnableSoftwareTokenMFAException", "")
		}
		verify(right).want(t, 400, "LimitExceededException", "")
	})

	t.Run("SOFTWARE_TOKEN_MFA brute force and replay", func(t *testing.T) {
		e := totpEnv(t)
		token := aws.ToString(e.signIn(t, e.client, e.username).AccessToken)
		out, err := e.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String(token)})
		if err != nil {
			t.Fatal(err)
		}
		secret := aws.ToString(out.SecretCode)
		if _, err := e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: aws.String(token), UserCode: aws.String(e.code(t, secret, 0))}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Anonymous.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(token),
			SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Minute)
		challenge := func() string {
			a := anonCall(t, e.Env, "InitiateAuth", jsonBody(t, map[string]any{
				"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": e.client,
				"AuthParameters": map[string]string{"USERNAME": e.username, "PASSWORD": e.password},
			}))
			var c struct{ ChallengeName, Session string }
			if err := json.Unmarshal(a.Body, &c); err != nil || c.ChallengeName != "SOFTWARE_TOKEN_MFA" {
				t.Fatalf("InitiateAuth: %s", a.Body)
			}
			return c.Session
		}
		answerTOTP := func(session, code string) answer {
			return anonCall(t, e.Env, "RespondToAuthChallenge", jsonBody(t, map[string]any{
				"ChallengeName": "SOFTWARE_TOKEN_MFA", "ClientId": e.client, "Session": session,
				"ChallengeResponses": map[string]string{"USERNAME": e.username, "SOFTWARE_TOKEN_MFA_CODE": code},
			}))
		}
		// A code signs in once; the same code in another sign-in is a replay.
		code := e.code(t, secret, 0)
		answerTOTP(challenge(), code).want(t, 200, "", "")
		answerTOTP(challenge(), code).want(t, 400, "ExpiredCodeException", "Your software token has already been used once.")

		// Wrong codes count in the user's lockout, across sessions (the
		// replay above was the first failure): after the 5th the password
		// itself is refused, so no sign-in gets another guess.
		e.Clock.Advance(time.Minute)
		right := e.code(t, secret, 0)
		for range 4 {
			answerTOTP(challenge(), wrongCode(right)).want(t, 400, "CodeMismatchException", "Invalid code received for user")
		}
		anonCall(t, e.Env, "InitiateAuth", jsonBody(t, map[string]any{
			"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": e.client,
			"AuthParameters": map[string]string{"USERNAME": e.username, "PASSWORD": e.password},
		})).want(t, 400, "NotAuthorizedException", "Password attempts exceeded")

	})
}
