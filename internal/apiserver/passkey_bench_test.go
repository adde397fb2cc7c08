package apiserver_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/passkey/passkeytest"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// BenchmarkSignInDefaultHashing compares, on one server with the
// production password hashing (argon2id at password.DefaultParams, as
// userpoold runs by default), a password sign-in (USER_PASSWORD_AUTH: one
// InitiateAuth) with a passkey sign-in (USER_AUTH with PREFERRED_CHALLENGE
// WEB_AUTHN, then RespondToAuthChallenge with CREDENTIAL: two round trips
// and one ECDSA verification). Both go through HTTP and aws-sdk-go-v2 in
// parallel and end in tokens; the passkey figure includes the software
// authenticator's signing in the same process. Each reports signins/s; the
// issue asks the passkey one to be at least 5× the password one:
//
//	go test ./internal/apiserver -run '^$' -bench SignInDefaultHashing -benchtime 5s
func BenchmarkSignInDefaultHashing(b *testing.B) {
	env := servertest.New(b, func(c *config.Config) { c.PasswordHashing = "default" })
	e := &authEnv{Env: env, t: b}
	e.pool = env.CreatePool(&cip.CreateUserPoolInput{PoolName: aws.String("bench"),
		Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: []types.AuthFactorType{"PASSWORD", "WEB_AUTHN"}}}})
	e.client = env.CreateClient(e.pool, &cip.CreateUserPoolClientInput{ExplicitAuthFlows: append(allFlows, types.ExplicitAuthFlowsTypeAllowUserAuth)})
	if _, err := e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(e.pool), MfaConfiguration: types.UserPoolMfaTypeOff,
		WebAuthnConfiguration: &types.WebAuthnConfigurationType{RelyingPartyId: aws.String("localhost")}}); err != nil {
		b.Fatal(err)
	}
	// Synced passkeys: the counter stays zero, so that concurrent sign-ins
	// of one user cannot trip the counter rule by arriving out of order.
	auth := &passkeytest.Authenticator{ZeroCounter: true}
	names := make([]string, benchUsers)
	for i := range names {
		names[i] = fmt.Sprintf("bench%02d", i)
		e.createUser(names[i], uaPassword)
		e.registerPasskey(b, auth, names[i])
	}
	var n atomic.Uint64

	b.Run("password", func(b *testing.B) {
		b.SetParallelism(2)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				name := names[n.Add(1)%benchUsers]
				out, err := e.passwordAuth(e.clientID(), name, uaPassword)
				if err != nil || out.AuthenticationResult == nil {
					b.Errorf("password sign-in: %v", err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
	})
	b.Run("passkey", func(b *testing.B) {
		b.SetParallelism(2)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				name := names[n.Add(1)%benchUsers]
				ch, err := e.userAuth(name, "PREFERRED_CHALLENGE", "WEB_AUTHN")
				if err != nil || ch.ChallengeName != types.ChallengeNameTypeWebAuthn {
					b.Errorf("WEB_AUTHN: %v", err)
					return
				}
				cred, err := auth.Get([]byte(ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"]), uaOrigin)
				if err != nil {
					b.Error(err)
					return
				}
				out, err := e.answer(types.ChallengeNameTypeWebAuthn, ch.Session, name, "CREDENTIAL", string(cred))
				if err != nil || out.AuthenticationResult == nil {
					b.Errorf("passkey sign-in: %v", err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
	})
}
