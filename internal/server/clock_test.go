package server_test

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/srp/srptest"
)

// clockRequest calls /_userpoold/clock, signed with the test admin key
// when sign is set, and returns the status and the decoded body.
func clockRequest(t *testing.T, env *servertest.Env, method, body string, sign bool) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(method, env.URL+"/_userpoold/clock", strings.NewReader(body))
	if sign {
		servertest.Sign(req, []byte(body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]string
	json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// moveClock posts a change to the clock and returns the server's new time.
func moveClock(t *testing.T, env *servertest.Env, body string) time.Time {
	t.Helper()
	code, out := clockRequest(t, env, "POST", body, true)
	if code != 200 {
		t.Fatalf("POST /_userpoold/clock %s = %d %v", body, code, out)
	}
	now, err := time.Parse(time.RFC3339Nano, out["now"])
	if err != nil {
		t.Fatalf("clock answer %v: %v", out, err)
	}
	return now
}

func testClockServer(t *testing.T) *servertest.Env {
	return servertest.New(t, func(c *config.Config) { c.TestClock = true })
}

func TestClockOffByDefault(t *testing.T) {
	env := servertest.New(t)
	for _, m := range []string{"GET", "POST"} {
		code, out := clockRequest(t, env, m, `{"advance":"1h"}`, true)
		if code != 404 || !strings.Contains(out["message"], "--test-clock") {
			t.Errorf("%s without --test-clock = %d %v", m, code, out)
		}
	}
}

func TestClockEndpoint(t *testing.T) {
	env := testClockServer(t)
	code, out := clockRequest(t, env, "GET", "", true)
	real, err := time.Parse(time.RFC3339Nano, out["now"])
	if code != 200 || err != nil || time.Since(real).Abs() > time.Minute {
		t.Fatalf("GET = %d %v", code, out)
	}
	// Moving the clock needs a signature, whatever the mode.
	if code, _ := clockRequest(t, env, "POST", `{"advance":"1h"}`, false); code != 403 {
		t.Errorf("unsigned POST = %d, want 403", code)
	}
	if got := moveClock(t, env, `{"advance":"1h"}`); got.Sub(real) < 59*time.Minute || got.Sub(real) > 61*time.Minute {
		t.Errorf("advance 1h from %v gave %v", real, got)
	}
	want := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	if got := moveClock(t, env, `{"set":"2031-03-04T05:06:07Z"}`); !got.Equal(want) {
		t.Errorf("set gave %v", got)
	}
	if got := moveClock(t, env, `{"advance":"-90s"}`); !got.Equal(want.Add(-90 * time.Second)) {
		t.Errorf("advance -90s gave %v", got)
	}
	if got := moveClock(t, env, `{"reset":true}`); time.Since(got).Abs() > time.Minute {
		t.Errorf("reset gave %v", got)
	}
	for _, body := range []string{`{}`, `{"set":"tomorrow"}`, `{"advance":"1 hour"}`, `{"advance":"1h","reset":true}`, `{"speed":2}`, `not json`} {
		if code, out := clockRequest(t, env, "POST", body, true); code != 400 || out["message"] == "" {
			t.Errorf("POST %s = %d %v", body, code, out)
		}
	}
}

// TestClockRulesFollow moves the clock of a running server and checks that
// the time rules follow it: access and refresh token lifetimes, sign-in
// session expiry, confirmation code expiry and TOTP windows, while SRP
// sign-ins keep working with the TIMESTAMP clients stamp from the real
// time.
func TestClockRulesFollow(t *testing.T) {
	env := testClockServer(t)
	pool := env.CreatePool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}})
	client := aws.ToString(env.CreateClient(pool, &cip.CreateUserPoolClientInput{ExplicitAuthFlows: []types.ExplicitAuthFlowsType{
		types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
	}}).ClientId)
	if _, err := env.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(pool), MfaConfiguration: types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	const pw = "Passw0rd!"
	if _, err := env.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("tia"), MessageAction: types.MessageActionTypeSuppress}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(pool), Username: aws.String("tia"), Password: aws.String(pw), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	signIn := func() *types.AuthenticationResultType {
		t.Helper()
		out, err := env.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(client),
			AuthParameters: map[string]string{"USERNAME": "tia", "PASSWORD": pw}})
		if err != nil {
			t.Fatal(err)
		}
		return out.AuthenticationResult
	}
	getUser := func(access *string) error {
		_, err := env.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: access})
		return err
	}

	// Access tokens expire after an hour of the server's time; the refresh
	// token still works and its tokens are valid at the new time.
	first := signIn()
	if err := getUser(first.AccessToken); err != nil {
		t.Fatal(err)
	}
	moveClock(t, env, `{"advance":"1h1m"}`)
	if err := getUser(first.AccessToken); servertest.ErrorMessage(err) != "Access Token has expired" {
		t.Errorf("GetUser an hour later: %v", err)
	}
	refreshed, err := env.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: aws.String(client),
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(first.RefreshToken)}})
	if err != nil {
		t.Fatalf("refresh an hour later: %v", err)
	}
	if err := getUser(refreshed.AuthenticationResult.AccessToken); err != nil {
		t.Errorf("the refreshed token at the new time: %v", err)
	}
	// The refresh token's 30 days pass too.
	moveClock(t, env, `{"advance":"720h"}`)
	_, err = env.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: aws.String(client),
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(first.RefreshToken)}})
	if servertest.ErrorCode(err) != "NotAuthorizedException" {
		t.Errorf("refresh after 30 days: %v", err)
	}

	// SRP: the client stamps TIMESTAMP with the real time, days behind the
	// server's, and the sign-in still succeeds.
	c, err := srptest.NewClient(rand.Reader, srp.PoolName(pool))
	if err != nil {
		t.Fatal(err)
	}
	out, err := env.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: aws.String(client),
		AuthParameters: map[string]string{"USERNAME": "tia", "SRP_A": c.SRPA()}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.PasswordVerifierResponses(out.ChallengeParameters, pw, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(client),
		ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp}); err != nil {
		t.Errorf("SRP with a real-time TIMESTAMP on a moved clock: %v", err)
	}

	// TOTP: codes are judged at the server's time.
	tok := signIn().AccessToken
	assoc, err := env.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: tok})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := mfa.DecodeSecret(aws.ToString(assoc.SecretCode))
	if err != nil {
		t.Fatal(err)
	}
	now := moveClock(t, env, `{"advance":"0s"}`)
	if _, err := env.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: tok, UserCode: aws.String(mfa.Code(secret, time.Now()))}); servertest.ErrorCode(err) != "EnableSoftwareTokenMFAException" {
		t.Errorf("a code of the real time, a month behind the server: %v", err)
	}
	if _, err := env.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: tok, UserCode: aws.String(mfa.Code(secret, now))}); err != nil {
		t.Errorf("a code of the server's time: %v", err)
	}

	// Sign-up codes expire after 24 hours of the server's time.
	if _, err := env.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(client), Username: aws.String("una"), Password: aws.String(pw),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("una@example.com")}}}); err != nil {
		t.Fatal(err)
	}
	code := env.LastCode(pool, "una")
	moveClock(t, env, `{"advance":"24h1m"}`)
	_, err = env.Anonymous.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(client), Username: aws.String("una"), ConfirmationCode: aws.String(code)})
	if servertest.ErrorCode(err) != "ExpiredCodeException" {
		t.Errorf("a sign-up code a day later: %v", err)
	}

	// A sign-in session (3 minutes by default) expires with the clock.
	out, err = env.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: aws.String(client),
		AuthParameters: map[string]string{"USERNAME": "tia", "SRP_A": c.SRPA()}})
	if err != nil {
		t.Fatal(err)
	}
	moveClock(t, env, `{"advance":"4m"}`)
	resp, err = c.PasswordVerifierResponses(out.ChallengeParameters, pw, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(client),
		ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp}); servertest.ErrorCode(err) != "NotAuthorizedException" {
		t.Errorf("a PASSWORD_VERIFIER answer 4 minutes later: %v", err)
	}
}

// TestClockLockout: the lockout window after repeated failures is judged
// by the server's time.
func TestClockLockout(t *testing.T) {
	env := testClockServer(t)
	pool := env.CreatePool(nil)
	client := aws.ToString(env.CreateClient(pool, &cip.CreateUserPoolClientInput{ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth}}).ClientId)
	env.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("lou"), MessageAction: types.MessageActionTypeSuppress})
	env.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(pool), Username: aws.String("lou"), Password: aws.String("Passw0rd!"), Permanent: true})
	moveClock(t, env, `{"set":"2030-01-01T00:00:00Z"}`)
	login := func(pw string) error {
		_, err := env.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(client),
			AuthParameters: map[string]string{"USERNAME": "lou", "PASSWORD": pw}})
		return err
	}
	for range 8 {
		login("wrong-Passw0rd!")
	}
	// The clock stands still: the user stays locked however long the test
	// waits in real time.
	if msg := servertest.ErrorMessage(login("Passw0rd!")); msg != "Password attempts exceeded" {
		t.Fatalf("right password while locked: %q", msg)
	}
	moveClock(t, env, `{"advance":"16m"}`)
	if err := login("Passw0rd!"); err != nil {
		t.Errorf("right password after the lockout window: %v", err)
	}
}
