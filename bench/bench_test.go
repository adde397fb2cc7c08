package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/userpoold/userpoold/bench/internal/benchkit"
	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/password"
	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/token"
)

var ctx = context.Background()

// parallelism multiplies GOMAXPROCS into the number of concurrent clients,
// so that the server sees enough requests in flight to batch commits.
const parallelism = 8

// fixture is a running server (SQLite, synchronous=FULL: every write is
// durable before the answer) with one pool in MFA OPTIONAL with SMS, and a
// signed-in user with a phone number per client goroutine.
type fixture struct {
	env    *servertest.Env
	hc     *http.Client
	client string   // the app client (password, SRP and refresh sign-in)
	pgApp  string   // on PostgreSQL: the application_name of the server's connections
	schema string   // on PostgreSQL: the server's schema (its search_path)
	names  []string // the users' names, one per token
	tokens []string
	next   atomic.Int64
}

// newFixture starts the server (opts adjust its configuration; the
// password hashing is servertest's fast one unless an option says
// otherwise) and makes its users.
func newFixture(b testing.TB, opts ...servertest.Option) *fixture {
	b.Helper()
	// On PostgreSQL (USERPOOLD_TEST_DB), name the server's connections so
	// that cpuPerOp finds their backends.
	pgApp := fmt.Sprintf("userpoold_bench_%d", time.Now().UnixNano())
	var schema string
	opts = append(opts, func(c *config.Config) {
		if strings.HasPrefix(c.DB, "postgres") {
			if u, err := url.Parse(c.DB); err == nil {
				schema = u.Query().Get("search_path")
			}
			sep := "?"
			if strings.Contains(c.DB, "?") {
				sep = "&"
			}
			c.DB += sep + "application_name=" + pgApp
		}
	})
	env := servertest.New(b, opts...)
	pool := env.CreatePool(nil)
	if _, err := env.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: aws.String(pool), MfaConfiguration: types.UserPoolMfaTypeOptional,
		SmsMfaConfiguration: &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Your code is {####}")},
	}); err != nil {
		b.Fatal(err)
	}
	appClient := aws.ToString(env.CreateClient(pool, nil).ClientId)
	f := &fixture{env: env, client: appClient}
	if strings.HasPrefix(os.Getenv("USERPOOLD_TEST_DB"), "postgres") {
		f.pgApp, f.schema = pgApp, schema
	}
	// Enough idle connections for every client goroutine.
	f.hc = &http.Client{Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024}}
	p, err := env.Server.Pools.LoadPool(ctx, pool)
	if err != nil {
		b.Fatal(err)
	}
	for range parallelism * runtime.GOMAXPROCS(0) {
		u := storage.User{PoolID: pool, Username: uuid.NewString(), Sub: uuid.NewString(), Status: "CONFIRMED", Enabled: true,
			Attributes: []storage.Attribute{{Name: "phone_number", Value: "+12065550100"}}}
		u.UsernameKey = u.Username
		if err := env.Server.Pools.SetPassword(p, &u, "Passw0rd!"); err != nil {
			b.Fatal(err)
		}
		if err := env.Store.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
		tok, err := env.Server.Tokens.SignAccess(ctx, token.AccessClaims{PoolID: pool, Sub: u.Sub, ClientID: appClient,
			Username: u.Username, OriginJTI: uuid.Must(uuid.NewV7()).String()})
		if err != nil {
			b.Fatal(err)
		}
		f.tokens = append(f.tokens, tok)
		f.names = append(f.names, u.Username)
	}
	return f
}

// token hands each client goroutine its own user.
func (f *fixture) token() string { return f.tokens[int(f.next.Add(1)-1)%len(f.tokens)] }

// post makes one unsigned AWS JSON 1.1 request, as an SDK would send it,
// and fails unless the answer is HTTP 200. A plain HTTP client keeps the
// benchmark's own CPU use low: the numbers are the server's.
func (f *fixture) post(b testing.TB, op string, body []byte) bool {
	req, _ := http.NewRequest(http.MethodPost, f.env.URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	resp, err := f.hc.Do(req)
	if err != nil {
		b.Error(err)
		return false
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("%s: HTTP %d %s", op, resp.StatusCode, out)
		return false
	}
	return true
}

// BenchmarkSetUserMFAPreference measures SetUserMFAPreference through HTTP:
// access-token verification (RS256), user load, the preference rules and a
// durable write. Each request flips SMS PreferredMfa, so every one changes
// the stored user.
func BenchmarkSetUserMFAPreference(b *testing.B) {
	f := newFixture(b)
	b.SetParallelism(parallelism)
	defer f.cpuPerOp(b)()
	b.RunParallel(func(pb *testing.PB) {
		tok := f.token()
		pref := false
		for pb.Next() {
			pref = !pref
			body := fmt.Appendf(nil, `{"AccessToken":%q,"SMSMfaSettings":{"Enabled":true,"PreferredMfa":%t}}`, tok, pref)
			if !f.post(b, "SetUserMFAPreference", body) {
				return
			}
		}
	})
}

// BenchmarkGetUser measures GetUser through HTTP.
func BenchmarkGetUser(b *testing.B) {
	f := newFixture(b)
	b.SetParallelism(parallelism)
	defer f.cpuPerOp(b)()
	b.RunParallel(func(pb *testing.PB) {
		body := fmt.Appendf(nil, `{"AccessToken":%q}`, f.token())
		for pb.Next() {
			if !f.post(b, "GetUser", body) {
				return
			}
		}
	})
}

// BenchmarkPasswordSignIn measures USER_PASSWORD_AUTH sign-ins through
// HTTP with each argon2id preset a production server may use. The issue
// asks sign-ins/s ≥ 0.9 × cores ÷ one hash's time. Wall-clock rates move
// with whatever else the machine runs, so the benchmark states the goal in
// CPU time too: a sign-in whose whole CPU cost (server and client) is c
// lets the cores sign in cores ÷ c per second, so
// cpu-of-ideal = (one hash's CPU time) ÷ c ≥ 0.9 is the goal met on an
// otherwise idle machine. It reports signins/s, hash-ms (one hash alone,
// the fastest of nine, wall clock), hash-cpu-ms (its CPU time, the median),
// par-hash-cpu-ms (the CPU time of one hash while GOMAXPROCS hashes run at
// once, as they do under the benchmark's load: what the hashes' working
// sets cost each other in the shared cache), cpu-µs/op, of-ideal
// (signins/s ÷ (GOMAXPROCS ÷ hash-ms)) and cpu-of-ideal.
//
// The "fast" preset (test suites only, a hash of well under a
// millisecond) measures the rest of a sign-in: its cpu-µs/op is what a
// sign-in costs besides argon2id (HTTP and JSON, the store's reads and
// writes, two RS256 signatures).
func BenchmarkPasswordSignIn(b *testing.B) {
	for _, preset := range []string{"default", "owasp-46m", "owasp-19m", "owasp-12m", "owasp-9m", "owasp-7m", "strong-64m", "fast"} {
		b.Run(preset, func(b *testing.B) {
			f := newFixture(b, func(c *config.Config) { c.PasswordHashing = preset })
			params := password.Presets[preset]
			// One hash alone, nine times: the fastest wall clock and the
			// median CPU time (the process's: the collection of the hash's
			// memory is part of its cost), which a burst of other work
			// on the machine moves less than a mean.
			one := time.Duration(1 << 62)
			var cpus []time.Duration
			for range 9 {
				start, cpu0 := time.Now(), cpuTime()
				if _, err := password.Hash(nil, "Passw0rd!", params); err != nil {
					b.Fatal(err)
				}
				one = min(one, time.Since(start))
				cpus = append(cpus, cpuTime()-cpu0)
			}
			hashCPU := median(cpus)
			// GOMAXPROCS hashes at once, five times after once to grow
			// the heap to what they use together: the median CPU time
			// of a round, per hash.
			var wg sync.WaitGroup
			cpus = cpus[:0]
			for round := range 6 {
				cpu0 := cpuTime()
				for range runtime.GOMAXPROCS(0) {
					wg.Go(func() { password.Hash(nil, "Passw0rd!", params) })
				}
				wg.Wait()
				if round > 0 {
					cpus = append(cpus, (cpuTime()-cpu0)/time.Duration(runtime.GOMAXPROCS(0)))
				}
			}
			parHashCPU := median(cpus)
			var next atomic.Int64
			b.SetParallelism(2)
			cpu0 := cpuTime()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					name := f.names[int(next.Add(1))%len(f.names)]
					body := fmt.Appendf(nil, `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":%q,"AuthParameters":{"USERNAME":%q,"PASSWORD":"Passw0rd!"}}`, f.client, name)
					if !f.post(b, "InitiateAuth", body) {
						return
					}
				}
			})
			b.StopTimer()
			perOp := (cpuTime() - cpu0) / time.Duration(b.N)
			rate := float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "signins/s")
			b.ReportMetric(float64(perOp.Microseconds()), "cpu-µs/op")
			if preset == "fast" {
				return // the hash is noise: no goal to compare with
			}
			ideal := float64(runtime.GOMAXPROCS(0)) / one.Seconds()
			b.ReportMetric(float64(one.Microseconds())/1000, "hash-ms")
			b.ReportMetric(float64(hashCPU.Microseconds())/1000, "hash-cpu-ms")
			b.ReportMetric(float64(parHashCPU.Microseconds())/1000, "par-hash-cpu-ms")
			b.ReportMetric(rate/ideal, "of-ideal")
			b.ReportMetric(hashCPU.Seconds()/perOp.Seconds(), "cpu-of-ideal")
		})
	}
}

func median(d []time.Duration) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	return d[len(d)/2]
}

// cpuPerOp resets the timer and returns a function that reports the CPU
// time (user+system) the process spent per operation, server and client
// together. Unlike ns/op it hardly moves when other processes share the
// machine. On PostgreSQL it also reports db-cpu-µs/op, the CPU time of the
// database backends serving the server's connections (from /proc, 10 ms
// ticks), and total-cpu-µs/op, the sum: what to compare with SQLite, which
// runs inside the process. When the benchmark updated users it also
// reports hot-%, the share of those updates PostgreSQL made HOT (heap-only:
// no index touched), from pg_stat_user_tables, which each backend updates
// at most once a second: an approximate share, not an exact count.
func (f *fixture) cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	dbStart := f.dbCPU(b)
	upd0, hot0 := f.userUpdates(b)
	b.ResetTimer()
	return func() {
		b.StopTimer()
		proc := cpuTime() - start
		b.ReportMetric(float64(proc.Microseconds())/float64(b.N), "cpu-µs/op")
		if f.pgApp != "" {
			db := f.dbCPU(b) - dbStart
			b.ReportMetric(float64(db.Microseconds())/float64(b.N), "db-cpu-µs/op")
			b.ReportMetric(float64((proc+db).Microseconds())/float64(b.N), "total-cpu-µs/op")
			if upd, hot := f.userUpdates(b); upd > upd0 {
				b.ReportMetric(100*float64(hot-hot0)/float64(upd-upd0), "hot-%")
			}
		}
	}
}

// userUpdates returns how many rows of the server's users table
// PostgreSQL has updated, and how many of those updates were HOT (0, 0 on
// SQLite).
func (f *fixture) userUpdates(b *testing.B) (upd, hot int64) {
	if f.schema == "" {
		return 0, 0
	}
	conn, err := pgx.Connect(ctx, os.Getenv("USERPOOLD_TEST_DB"))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	err = conn.QueryRow(ctx, "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'users'",
		f.schema).Scan(&upd, &hot)
	if err != nil {
		b.Fatal(err)
	}
	return upd, hot
}

// dbCPU sums the CPU time of the PostgreSQL backends whose
// application_name is the server's (0 on SQLite).
func (f *fixture) dbCPU(b *testing.B) time.Duration {
	if f.pgApp == "" {
		return 0
	}
	conn, err := pgx.Connect(ctx, os.Getenv("USERPOOLD_TEST_DB"))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE application_name = $1", f.pgApp)
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for _, pid := range pids {
		d, err := benchkit.ProcessCPU(int(pid))
		if err != nil {
			continue // another machine's database: not measurable
		}
		total += d
	}
	return total
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestBenchmarkRequests checks what the benchmarks send: each
// SetUserMFAPreference flips the stored preference (a real write), and
// GetUser answers.
func TestBenchmarkRequests(t *testing.T) {
	f := newFixture(t)
	tok := f.token()
	claims, err := f.env.Server.Tokens.VerifyAccess(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, pref := range []bool{true, false, true} {
		body := fmt.Appendf(nil, `{"AccessToken":%q,"SMSMfaSettings":{"Enabled":true,"PreferredMfa":%t}}`, tok, pref)
		if !f.post(t, "SetUserMFAPreference", body) {
			return
		}
		u, err := f.env.Store.GetUser(ctx, claims.PoolID, claims.Username)
		if err != nil {
			t.Fatal(err)
		}
		if got := u.MFA.Preferred == "SMS_MFA"; got != pref {
			t.Errorf("after PreferredMfa=%t the stored preference is %q", pref, u.MFA.Preferred)
		}
	}
	f.post(t, "GetUser", fmt.Appendf(nil, `{"AccessToken":%q}`, tok))
}
