package apiserver_test

import (
	"crypto/rand"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/srp/srptest"
)

// benchUsers is how many users the sign-in benchmarks rotate through.
const benchUsers = 16

// benchParallelism is the number of concurrent clients per CPU: sign-in
// spends part of its time waiting (HTTP, SQLite), so one client per CPU
// would not load the server.
const benchParallelism = 8

// newBenchEnv starts a server on the real clock (SRP TIMESTAMPs are checked
// against it) with benchUsers users, and returns their names.
func newBenchEnv(b *testing.B) (*authEnv, []string) {
	b.Helper()
	env := servertest.New(b)
	e := &authEnv{Env: env, t: b}
	e.pool = env.CreatePool(nil)
	e.client = env.CreateClient(e.pool, &cip.CreateUserPoolClientInput{ExplicitAuthFlows: allFlows})
	names := make([]string, benchUsers)
	for i := range names {
		names[i] = fmt.Sprintf("bench%02d", i)
		e.createUser(names[i], pw1)
	}
	return e, names
}

// BenchmarkPasswordSignIn measures USER_PASSWORD_AUTH sign-ins (one
// InitiateAuth each, tokens issued) through HTTP and the SDK, in parallel.
// The test server hashes passwords with password.FastParams, so the figure
// is the server's own cost, not argon2id's.
func BenchmarkPasswordSignIn(b *testing.B) {
	e, names := newBenchEnv(b)
	var n atomic.Uint64
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			name := names[n.Add(1)%benchUsers]
			out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
				AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: e.client.ClientId,
				AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": pw1},
			})
			if err != nil || out.AuthenticationResult == nil {
				b.Fatalf("sign-in: %v", err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
}

// BenchmarkSRPSignIn measures USER_SRP_AUTH sign-ins (InitiateAuth and the
// PASSWORD_VERIFIER answer) through HTTP and the SDK, in parallel. The
// client half (srptest, math/big) runs in the same process and is part of
// the figure.
func BenchmarkSRPSignIn(b *testing.B) {
	e, names := newBenchEnv(b)
	var n atomic.Uint64
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			name := names[n.Add(1)%benchUsers]
			c, err := srptest.NewClient(rand.Reader, srp.PoolName(e.pool))
			if err != nil {
				b.Fatal(err)
			}
			start, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
				AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: e.client.ClientId,
				AuthParameters: map[string]string{"USERNAME": name, "SRP_A": c.SRPA()},
			})
			if err != nil {
				b.Fatal(err)
			}
			resp, err := c.PasswordVerifierResponses(start.ChallengeParameters, pw1, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			out, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
				ClientId: e.client.ClientId, ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp,
			})
			if err != nil || out.AuthenticationResult == nil {
				b.Fatalf("answer: %v", err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
}
