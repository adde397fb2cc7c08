package hostile

import (
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/config"
)

// BenchmarkWrongPassword measures the answer to a wrong password for a real
// user and for an unknown name, with PreventUserExistenceErrors: the two
// must cost about the same (both count an attempt and check a password
// hash, the unknown one against a decoy), so that timing does not tell
// them apart. The test clock moves past the lockout's reset between
// attempts, so no attempt is answered early by a lockout. Compare the
// ns/op of the two sub-benchmarks:
//
//	go test ./e2e/hostile -run '^$' -bench WrongPassword -benchtime 50x
func BenchmarkWrongPassword(b *testing.B) {
	// The production hashing preset: the check a wrong password costs is
	// what dominates the answer.
	e := newHiddenEnv(b, func(c *config.Config) { c.PasswordHashing = "default" })
	e.Clock.Set(time.Now())
	for _, name := range []string{e.username, unknownName} {
		b.Run(map[bool]string{true: "real", false: "unknown"}[name == e.username], func(b *testing.B) {
			body := jsonBody(b, map[string]any{
				"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": e.client,
				"AuthParameters": map[string]string{"USERNAME": name, "PASSWORD": wrongPass},
			})
			for b.Loop() {
				e.Clock.Advance(16 * time.Minute)
				if a := anonCall(b, e.Env, "InitiateAuth", body); outcome(a) != incorrect {
					b.Fatalf("answer %s", outcome(a))
				}
			}
		})
	}
}
