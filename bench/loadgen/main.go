// Command loadgen drives Cognito user pools endpoints (userpoold, AWS, the
// do-nothing floor in bench/floor, or another emulator such as
// cognito-local) with the requests of an app and its test suite, as
// aws-sdk-go-v2 sends them, and reports the throughput and latency it
// measured.
//
// Scenarios (-op, a comma-separated list, or "all"):
//
//	GetUser                  a signed-in user reads itself (access token)
//	AdminGetUser             an admin reads a user (SigV4-signed)
//	SetUserMFAPreference     a user flips SMSMfaSettings.PreferredMfa: every
//	                         request changes the stored user, a write the
//	                         server must make durable before answering
//	AdminCreateUser-SUPPRESS AdminCreateUser with MessageAction SUPPRESS and no
//	                         TemporaryPassword, a new user each time (the usual
//	                         test-suite pattern, before AdminSetUserPassword)
//	AdminCreateUser          AdminCreateUser sending an invitation email with a
//	                         generated temporary password, a new user each time
//	USER_PASSWORD_AUTH       InitiateAuth with a username and password
//
// Setup goes through the ordinary API: CreateUserPool,
// SetUserPoolMfaConfig (MFA OPTIONAL with SMS, where the server supports
// it), CreateUserPoolClient, then per worker AdminCreateUser,
// AdminSetUserPassword (permanent) and, for the token scenarios,
// InitiateAuth USER_PASSWORD_AUTH. So it works against any implementation.
//
// With -targets, loadgen compares servers in one run: for each scenario it
// measures every target -rounds times, interleaved (A B C, B C A, ...) so
// that a noisy, shared machine slows them alike, and prints a Markdown
// table of the median throughputs and each target's throughput as a
// fraction of the -floor target's, taken round by round. -pids names the
// server processes whose CPU time per request is reported (Linux).
//
//	go run ./bench/loadgen -endpoint http://127.0.0.1:9229 -op GetUser -c 8 -d 10s
//	go run ./bench/loadgen -targets userpoold=http://127.0.0.1:9229,floor=http://127.0.0.1:9330 -op all -rounds 3
//
// -client http sends the unsigned scenarios (GetUser, SetUserMFAPreference,
// USER_PASSWORD_AUTH) as prepared bodies over plain HTTP instead of through
// the SDK, so that the generator's own CPU use is as small as it can be.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/userpoold/userpoold/bench/internal/benchkit"
)

func main() {
	var o options
	flag.StringVar(&o.endpoint, "endpoint", "http://127.0.0.1:9229", "server URL (one target)")
	flag.StringVar(&o.targets, "targets", "", "servers to compare, name=URL,name=URL,... (instead of -endpoint)")
	flag.StringVar(&o.floor, "floor", "floor", "the -targets name the ratios divide by")
	flag.StringVar(&o.pids, "pids", "", "server processes, name=PID,...: report their CPU time per request (Linux)")
	flag.StringVar(&o.ops, "op", "all", "scenarios, comma-separated, or all: "+strings.Join(scenarioNames(), ", "))
	flag.StringVar(&o.client, "client", "sdk", "sdk (aws-sdk-go-v2) or http (prepared bodies; unsigned scenarios only)")
	flag.IntVar(&o.conc, "c", 8, "concurrent workers (one user each)")
	flag.DurationVar(&o.dur, "d", 10*time.Second, "measured duration of each run")
	flag.DurationVar(&o.warm, "warmup", 2*time.Second, "unmeasured warm-up before each run")
	flag.IntVar(&o.rounds, "rounds", 1, "runs per scenario and target, interleaved")
	flag.Parse()
	if err := run(context.Background(), o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	endpoint, targets, floor, pids, ops, client string
	conc, rounds                                int
	dur, warm                                   time.Duration
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	scenarios, err := pickScenarios(o.ops, o.client)
	if err != nil {
		return err
	}
	if o.conc < 1 || o.rounds < 1 || o.dur <= 0 {
		return errors.New("-c and -rounds must be at least 1 and -d positive")
	}
	spec := o.targets
	if spec == "" {
		spec = "server=" + o.endpoint
	}
	targets, err := parseTargets(spec, o.conc)
	if err != nil {
		return err
	}
	if err := parsePIDs(o.pids, targets); err != nil {
		return err
	}
	for _, t := range targets {
		t.stderr = stderr
	}
	var results []result
	for _, s := range scenarios {
		for round := range o.rounds {
			for k := range targets {
				t := targets[(round+k)%len(targets)]
				r := t.measure(ctx, s, round, o)
				fmt.Fprintln(stdout, r.line())
				results = append(results, r)
			}
		}
	}
	if len(targets) > 1 {
		fmt.Fprintln(stdout)
		fmt.Fprint(stdout, summarize(results, scenarios, targets, o.floor))
	}
	return nil
}

// A scenario is one kind of request. call makes request n of worker w in
// the given round with the SDK; raw, when not nil, renders the same
// request as an unsigned AWS JSON body for -client http.
type scenario struct {
	name  string
	label string // the table's row label
	// prepare creates, once per target, what call needs.
	prepare func(t *target, ctx context.Context) error
	call    func(ctx context.Context, t *target, w, n, round int) error
	raw     func(t *target, w, n int) (op string, body []byte)
}

const password = "Load-Test-Passw0rd!"

var scenarios = []scenario{
	{
		name: "GetUser", label: "GetUser",
		prepare: (*target).prepareSignedIn,
		call: func(ctx context.Context, t *target, w, _, _ int) error {
			_, err := t.c.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(t.tokens[w])})
			return err
		},
		raw: func(t *target, w, _ int) (string, []byte) {
			return "GetUser", fmt.Appendf(nil, `{"AccessToken":%q}`, t.tokens[w])
		},
	},
	{
		name: "AdminGetUser", label: "AdminGetUser",
		prepare: (*target).prepareSignedIn,
		call: func(ctx context.Context, t *target, w, _, _ int) error {
			_, err := t.c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(t.poolID), Username: aws.String(t.users[w])})
			return err
		},
	},
	{
		name: "SetUserMFAPreference", label: "SetUserMFAPreference (durable)",
		prepare: (*target).prepareSignedIn,
		call: func(ctx context.Context, t *target, w, n, _ int) error {
			_, err := t.c.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(t.tokens[w]),
				SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true, PreferredMfa: n%2 == 0}})
			return err
		},
		raw: func(t *target, w, n int) (string, []byte) {
			return "SetUserMFAPreference", fmt.Appendf(nil, `{"AccessToken":%q,"SMSMfaSettings":{"Enabled":true,"PreferredMfa":%t}}`, t.tokens[w], n%2 == 0)
		},
	},
	{
		name: "AdminCreateUser-SUPPRESS", label: "AdminCreateUser, SUPPRESS, no TemporaryPassword",
		prepare: (*target).preparePool,
		call: func(ctx context.Context, t *target, w, n, round int) error {
			return t.createUser(ctx, fmt.Sprintf("quiet-r%d-w%d-%d", round, w, n), types.MessageActionTypeSuppress)
		},
	},
	{
		name: "AdminCreateUser", label: "AdminCreateUser, invitation email",
		prepare: (*target).preparePool,
		call: func(ctx context.Context, t *target, w, n, round int) error {
			return t.createUser(ctx, fmt.Sprintf("invited-r%d-w%d-%d", round, w, n), "")
		},
	},
	{
		name: "USER_PASSWORD_AUTH", label: "USER_PASSWORD_AUTH",
		prepare: (*target).preparePasswordUsers,
		call: func(ctx context.Context, t *target, w, _, _ int) error {
			out, err := t.c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(t.clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
				AuthParameters: map[string]string{"USERNAME": t.signIn[w], "PASSWORD": password}})
			if err == nil && out.AuthenticationResult == nil {
				err = fmt.Errorf("sign-in ended in challenge %s", out.ChallengeName)
			}
			return err
		},
		raw: func(t *target, w, _ int) (string, []byte) {
			return "InitiateAuth", fmt.Appendf(nil, `{"ClientId":%q,"AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":%q,"PASSWORD":%q}}`,
				t.clientID, t.signIn[w], password)
		},
	},
}

func scenarioNames() []string {
	var names []string
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	return names
}

// pickScenarios resolves -op (and checks it against -client).
func pickScenarios(spec, client string) ([]scenario, error) {
	if client != "sdk" && client != "http" {
		return nil, fmt.Errorf("-client %q: want sdk or http", client)
	}
	all := spec == "all"
	if all {
		spec = strings.Join(scenarioNames(), ",")
	}
	var out []scenario
	for _, name := range strings.Split(spec, ",") {
		i := slices.IndexFunc(scenarios, func(s scenario) bool { return s.name == strings.TrimSpace(name) })
		if i < 0 {
			return nil, fmt.Errorf("unknown scenario %q (have %s)", name, strings.Join(scenarioNames(), ", "))
		}
		s := scenarios[i]
		if client == "http" && s.raw == nil {
			if all {
				continue // "all" with -client http: the unsigned ones
			}
			return nil, fmt.Errorf("scenario %s is a signed admin call: it needs -client sdk", s.name)
		}
		if client == "http" {
			s.call = nil
		}
		out = append(out, s)
	}
	return out, nil
}

// A target is one server under test, with the pool, app client and users
// the scenarios use there.
type target struct {
	name, endpoint string
	pid            int // the server's process, 0 when unknown
	conc           int
	stderr         io.Writer // setup warnings
	c              *cip.Client
	hc             *http.Client

	prepared map[string]error // prepare step → its outcome, so each runs once
	poolID   string
	clientID string
	users    []string // signed-in users, one per worker (GetUser, AdminGetUser, SetUserMFAPreference)
	tokens   []string // their access tokens
	signIn   []string // users without MFA, one per worker (USER_PASSWORD_AUTH)
}

// parseTargets reads name=URL,name=URL.
func parseTargets(spec string, conc int) ([]*target, error) {
	var out []*target
	for _, part := range strings.Split(spec, ",") {
		name, url, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || name == "" || !strings.HasPrefix(url, "http") {
			return nil, fmt.Errorf("-targets: %q is not name=URL", part)
		}
		if slices.ContainsFunc(out, func(t *target) bool { return t.name == name }) {
			return nil, fmt.Errorf("-targets: %q named twice", name)
		}
		hc := &http.Client{Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        conc * 2,
			MaxIdleConnsPerHost: conc * 2,
			IdleConnTimeout:     time.Minute,
		}, Timeout: 30 * time.Second}
		url = strings.TrimRight(url, "/")
		out = append(out, &target{name: name, endpoint: url, conc: conc, hc: hc, prepared: map[string]error{},
			// One client for all workers, as an app has; no retries, so
			// that every failure is counted rather than hidden.
			c: cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
				HTTPClient:  &http.Client{Transport: benchkit.ClosedBodyEOF{Next: hc.Transport}, Timeout: hc.Timeout},
				Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})})
	}
	return out, nil
}

// parsePIDs reads name=PID,... into the targets.
func parsePIDs(spec string, targets []*target) error {
	if spec == "" {
		return nil
	}
	for _, part := range strings.Split(spec, ",") {
		name, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		pid, err := strconv.Atoi(v)
		i := slices.IndexFunc(targets, func(t *target) bool { return t.name == name })
		if err != nil || i < 0 {
			return fmt.Errorf("-pids: %q is not name=PID of a target", part)
		}
		targets[i].pid = pid
	}
	return nil
}

// once runs a prepare step the first time it is asked for.
func (t *target) once(step string, f func() error) error {
	if err, done := t.prepared[step]; done {
		return err
	}
	err := f()
	t.prepared[step] = err
	return err
}

// preparePool creates the pool and the app client.
func (t *target) preparePool(ctx context.Context) error {
	return t.once("pool", func() error {
		pool, err := t.c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("loadgen-" + time.Now().Format("150405.000"))})
		if err != nil {
			return fmt.Errorf("CreateUserPool: %w", err)
		}
		t.poolID = aws.ToString(pool.UserPool.Id)
		// MFA OPTIONAL with SMS so that SMS_MFA may be enabled; servers
		// that do not implement this call are still measured.
		if _, err := t.c.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{
			UserPoolId: aws.String(t.poolID), MfaConfiguration: types.UserPoolMfaTypeOptional,
			SmsMfaConfiguration: &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Your code is {####}")},
		}); err != nil {
			fmt.Fprintf(t.stderr, "loadgen: %s: SetUserPoolMfaConfig: %v\n", t.name, err)
		}
		client, err := t.c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
			UserPoolId: aws.String(t.poolID), ClientName: aws.String("loadgen"),
			ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		})
		if err != nil {
			return fmt.Errorf("CreateUserPoolClient: %w", err)
		}
		t.clientID = aws.ToString(client.UserPoolClient.ClientId)
		return nil
	})
}

// preparePasswordUsers creates a confirmed user with a permanent password
// per worker.
func (t *target) preparePasswordUsers(ctx context.Context) error {
	if err := t.preparePool(ctx); err != nil {
		return err
	}
	return t.once("password users", func() error {
		t.signIn = make([]string, t.conc)
		for i := range t.conc {
			t.signIn[i] = fmt.Sprintf("signin%04d", i)
			if err := t.passwordUser(ctx, t.signIn[i], i); err != nil {
				return err
			}
		}
		return nil
	})
}

// prepareSignedIn creates a user with a phone number per worker and signs
// each in for an access token.
func (t *target) prepareSignedIn(ctx context.Context) error {
	if err := t.preparePool(ctx); err != nil {
		return err
	}
	return t.once("signed-in users", func() error {
		t.users, t.tokens = make([]string, t.conc), make([]string, t.conc)
		for i := range t.conc {
			name := fmt.Sprintf("user%04d", i)
			if err := t.passwordUser(ctx, name, i); err != nil {
				return err
			}
			out, err := t.c.InitiateAuth(ctx, &cip.InitiateAuthInput{
				ClientId: aws.String(t.clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
				AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": password},
			})
			if err != nil {
				return fmt.Errorf("InitiateAuth: %w", err)
			}
			if out.AuthenticationResult == nil {
				b, _ := json.Marshal(out.ChallengeName)
				return errors.New("sign-in ended in a challenge: " + string(b))
			}
			t.users[i], t.tokens[i] = name, aws.ToString(out.AuthenticationResult.AccessToken)
		}
		return nil
	})
}

func (t *target) passwordUser(ctx context.Context, name string, i int) error {
	if _, err := t.c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(t.poolID), Username: aws.String(name), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String(fmt.Sprintf("+1206555%04d", i))}},
	}); err != nil {
		return fmt.Errorf("AdminCreateUser: %w", err)
	}
	if _, err := t.c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(t.poolID), Username: aws.String(name), Password: aws.String(password), Permanent: true,
	}); err != nil {
		return fmt.Errorf("AdminSetUserPassword: %w", err)
	}
	return nil
}

// createUser makes a user with a verified email address; action "" sends
// the invitation email (and so makes a temporary password).
func (t *target) createUser(ctx context.Context, name string, action types.MessageActionType) error {
	in := &cip.AdminCreateUserInput{UserPoolId: aws.String(t.poolID), Username: aws.String(name), MessageAction: action,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(name + "@example.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")}}}
	if action == "" {
		in.DesiredDeliveryMediums = []types.DeliveryMediumType{types.DeliveryMediumTypeEmail}
	}
	_, err := t.c.AdminCreateUser(ctx, in)
	return err
}

// result is one measured run.
type result struct {
	target, scenario string
	round            int
	requests         int64
	failures         int64
	firstErr         string
	setupErr         error
	elapsed          time.Duration
	latencies        []time.Duration // sorted
	serverCPU        time.Duration   // -1 when unknown
}

func (r result) throughput() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

func (r result) pct(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(float64(len(r.latencies))*p))]
}

func (r result) line() string {
	head := fmt.Sprintf("round=%d op=%s target=%s", r.round+1, r.scenario, r.target)
	if r.setupErr != nil {
		return head + " setup failed: " + r.setupErr.Error()
	}
	s := fmt.Sprintf("%s duration=%s requests=%d failures=%d throughput=%.0f req/s p50=%s p90=%s p99=%s max=%s",
		head, r.elapsed.Round(time.Millisecond), r.requests, r.failures, r.throughput(),
		r.pct(.5), r.pct(.9), r.pct(.99), r.pct(1))
	if r.serverCPU >= 0 && r.requests > 0 {
		s += fmt.Sprintf(" server-cpu=%.0fµs/req", float64(r.serverCPU.Microseconds())/float64(r.requests))
	}
	if r.firstErr != "" {
		s += "\n  first failure: " + r.firstErr
	}
	return s
}

// measure prepares the target for s if needed, then runs o.conc workers
// for o.warm unmeasured and o.dur measured.
func (t *target) measure(ctx context.Context, s scenario, round int, o options) result {
	r := result{target: t.name, scenario: s.name, round: round, serverCPU: -1}
	if err := s.prepare(t, ctx); err != nil {
		r.setupErr = err
		return r
	}
	var (
		measuring, stop atomic.Bool
		count, failures atomic.Int64
		firstErr        atomic.Value
		mu              sync.Mutex
		wg              sync.WaitGroup
	)
	for w := range o.conc {
		wg.Go(func() {
			var lat []time.Duration
			for n := 0; !stop.Load(); n++ {
				t0 := time.Now()
				var err error
				if s.call != nil {
					err = s.call(ctx, t, w, n, round)
				} else {
					op, body := s.raw(t, w, n)
					err = post(t.hc, t.endpoint, op, body)
				}
				d := time.Since(t0)
				if !measuring.Load() {
					continue
				}
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				count.Add(1)
				lat = append(lat, d)
			}
			mu.Lock()
			r.latencies = append(r.latencies, lat...)
			mu.Unlock()
		})
	}
	time.Sleep(o.warm)
	cpu0, cpuErr := benchkit.ProcessCPU(t.pid)
	measuring.Store(true)
	start := time.Now()
	time.Sleep(o.dur)
	measuring.Store(false)
	r.elapsed = time.Since(start)
	if cpu1, err := benchkit.ProcessCPU(t.pid); err == nil && cpuErr == nil {
		r.serverCPU = cpu1 - cpu0
	} else if t.pid != 0 {
		fmt.Fprintf(t.stderr, "loadgen: %s: CPU time of pid %d: %v\n", t.name, t.pid, errors.Join(cpuErr, err))
	}
	stop.Store(true)
	wg.Wait()
	r.requests, r.failures = count.Load(), failures.Load()
	if e := firstErr.Load(); e != nil {
		r.firstErr = e.(string)
	}
	slices.Sort(r.latencies)
	return r
}

// post makes one unsigned AWS JSON 1.1 request and checks for HTTP 200.
func post(hc *http.Client, endpoint, op string, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	return nil
}

// summarize renders the comparison table: per scenario, the median
// throughput of each target over its rounds, and each other target's
// throughput as a fraction of the floor's, the median of the per-round
// ratios (runs of one round are adjacent in time, so the machine's load
// cancels out of their ratio).
func summarize(results []result, scns []scenario, targets []*target, floor string) string {
	var b strings.Builder
	hasFloor := slices.ContainsFunc(targets, func(t *target) bool { return t.name == floor })
	b.WriteString("| scenario |")
	sep := "| --- |"
	for _, t := range targets {
		fmt.Fprintf(&b, " %s |", t.name)
		sep += " ---: |"
	}
	if hasFloor {
		for _, t := range targets {
			if t.name != floor {
				fmt.Fprintf(&b, " %s / %s |", t.name, floor)
				sep += " ---: |"
			}
		}
	}
	b.WriteString("\n" + sep + "\n")
	var notes []string
	for _, s := range scns {
		fmt.Fprintf(&b, "| %s |", s.label)
		for _, t := range targets {
			rs := pick(results, s.name, t.name)
			cell, note := throughputCell(rs)
			if note != "" {
				notes = append(notes, fmt.Sprintf("%s, %s: %s", s.name, t.name, note))
			}
			fmt.Fprintf(&b, " %s |", cell)
		}
		if hasFloor {
			for _, t := range targets {
				if t.name != floor {
					fmt.Fprintf(&b, " %s |", ratioCell(pick(results, s.name, t.name), pick(results, s.name, floor)))
				}
			}
		}
		b.WriteString("\n")
	}
	for _, n := range notes {
		b.WriteString("\n- " + n)
	}
	if len(notes) > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

// pick returns the results of one scenario on one target, by round.
func pick(results []result, scenario, target string) map[int]result {
	out := map[int]result{}
	for _, r := range results {
		if r.scenario == scenario && r.target == target {
			out[r.round] = r
		}
	}
	return out
}

// ok reports whether a run measured something. Failed requests do not
// count towards its throughput; the table shows how many there were.
func (r result) ok() bool { return r.setupErr == nil && r.requests > 0 }

func throughputCell(rs map[int]result) (cell, note string) {
	var tps []float64
	var failed int64
	for _, r := range rs {
		if r.setupErr != nil {
			return "—", "setup failed: " + r.setupErr.Error()
		}
		tps = append(tps, r.throughput())
		failed += r.failures
		if r.firstErr != "" && note == "" {
			note = "first failure: " + r.firstErr
		}
	}
	if len(tps) == 0 {
		return "—", ""
	}
	cell = formatRate(median(tps))
	if failed > 0 {
		cell += fmt.Sprintf(" (%d failed)", failed)
	}
	return cell, note
}

func ratioCell(target, floor map[int]result) string {
	var ratios []float64
	for round, f := range floor {
		t, ok := target[round]
		if ok && t.ok() && f.ok() {
			ratios = append(ratios, t.throughput()/f.throughput())
		}
	}
	if len(ratios) == 0 {
		return "—"
	}
	m := median(ratios)
	if m < 0.1 {
		// Two significant digits for the hash-bound scenarios.
		return strconv.FormatFloat(m, 'g', 2, 64)
	}
	return fmt.Sprintf("%.2f", m)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// formatRate renders requests per second: whole numbers with thousands
// separators, and one decimal below 10.
func formatRate(v float64) string {
	if v < 10 {
		return fmt.Sprintf("%.1f/s", v)
	}
	s := strconv.FormatFloat(v, 'f', 0, 64)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s + "/s"
}
