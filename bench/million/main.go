// Command million makes a user pool of many users (a million in minutes)
// and measures how userpoold's per-request cost grows with the pool: the
// "flat to 1M users" table of bench/README.md. bench/million.sh runs it for
// 1,000 and 1,000,000 users and prints the table.
//
//	million load    -data DIR [-db DSN] -master-key HEX -users N
//	million measure -endpoint URL[,URL2] -pid PID[,PID2] -data DIR[,DIR2] [-n 3000] [-c 8]
//
// load builds the pool and an app client through userpool (server.New, the
// same code as CreateUserPool and CreateUserPoolClient), then writes the
// users through the storage layer's bulk path (storage/sql CreateUsers,
// batches of -batch users in one transaction each): user%07d, CONFIRMED,
// enabled, with email, phone_number, name, given_name, family_name and
// preferred_username, all sharing one argon2id hash of "Passw0rd!" made
// at the server's default cost (computed once; a real pool has one hash
// per user, which costs the same to check). It writes DIR/million.json
// (pool, client, users) and prints the time taken and the bytes on disk
// per user (SQLite: the database file after a checkpoint; PostgreSQL:
// pg_total_relation_size of the users table with its indexes).
//
// measure drives running userpoold servers (each started on a loaded
// database) with aws-sdk-go-v2 from -c workers, each scenario -n requests
// over users spread across the whole pool, and prints one Markdown row per
// scenario: each server's CPU time per request (from /proc/PID/stat) and
// median latency, and with two servers the ratio of the second's CPU to
// the first's. The servers are measured interleaved, -rounds times per
// scenario in alternating order, so that a shared machine's moving load
// slows both alike; the table gives medians. Then the paginated walks, and
// each server's peak and current RSS (VmHWM, VmRSS).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/userpoold/userpoold/bench/internal/benchkit"
	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/password"
	"github.com/userpoold/userpoold/internal/server"
	"github.com/userpoold/userpoold/internal/storage"
	sqlstore "github.com/userpoold/userpoold/internal/storage/sql"
	"github.com/userpoold/userpoold/internal/userpool"
)

// Password is every loaded user's password.
const Password = "Passw0rd!"

// info is DIR/million.json.
type info struct {
	Pool   string `json:"pool"`
	Client string `json:"client"`
	Users  int    `json:"users"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: million load|measure [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "load":
		err = load(os.Args[2:])
	case "measure":
		err = measure(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "million:", err)
		os.Exit(1)
	}
}

// Name is the username of user i.
func Name(i int) string { return fmt.Sprintf("user%07d", i) }

func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	data := fs.String("data", "", "data directory (SQLite database, million.json)")
	dsn := fs.String("db", "", "database DSN (default SQLite in -data)")
	key := fs.String("master-key", "", "master key, hex (the server must use the same)")
	n := fs.Int("users", 1_000_000, "users to create")
	batch := fs.Int("batch", 2000, "users per transaction")
	fs.Parse(args)
	if *data == "" || *key == "" {
		return errors.New("load needs -data and -master-key")
	}
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = *data
	cfg.DB = *dsn
	cfg.MasterKey = *key
	cfg.SingleNode = true
	srv, err := server.New(ctx, cfg, server.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer srv.Close()
	var st storage.Store = srv.Store
	if u, ok := st.(interface{ Unwrap() storage.Store }); ok {
		st = u.Unwrap()
	}
	db, ok := st.(*sqlstore.DB)
	if !ok {
		return fmt.Errorf("store %T has no bulk path", st)
	}
	pool, err := srv.Pools.CreatePool(ctx, userpool.PoolInput{Name: "million"})
	if err != nil {
		return err
	}
	client, err := srv.Pools.CreateClient(ctx, pool.ID, userpool.ClientInput{Name: "app", Settings: userpool.ClientSettings{
		ExplicitAuthFlows: []userpool.ExplicitAuthFlow{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}})
	if err != nil {
		return err
	}
	hash, err := password.Hash(nil, Password, password.DefaultParams)
	if err != nil {
		return err
	}
	start := time.Now()
	at := start.UTC().Truncate(time.Millisecond)
	users := make([]storage.User, 0, *batch)
	for i := 0; i < *n; i++ {
		name := Name(i)
		users = append(users, storage.User{
			PoolID: pool.ID, Username: name, UsernameKey: pool.Settings.UsernameKey(name), Sub: uuid.NewString(),
			Status: userpool.StatusConfirmed, Enabled: true, CreatedAt: at, UpdatedAt: at, PasswordChangedAt: at,
			Attributes: []storage.Attribute{
				{Name: "email", Value: name + "@example.com"}, {Name: "email_verified", Value: "true"},
				{Name: "phone_number", Value: fmt.Sprintf("+1206%07d", i)},
				{Name: "name", Value: fmt.Sprintf("Name %07d", i)},
				{Name: "given_name", Value: fmt.Sprintf("Given%07d", i)},
				{Name: "family_name", Value: fmt.Sprintf("Family%07d", i)},
				{Name: "preferred_username", Value: fmt.Sprintf("pref%07d", i)},
			},
			Secrets: storage.UserSecrets{PasswordHash: hash},
		})
		if len(users) == *batch || i == *n-1 {
			if err := db.CreateUsers(ctx, users); err != nil {
				return err
			}
			users = users[:0]
			if (i+1)%100_000 == 0 {
				fmt.Fprintf(os.Stderr, "%d users, %s\n", i+1, time.Since(start).Round(time.Second))
			}
		}
	}
	took := time.Since(start)
	b, _ := json.Marshal(info{Pool: pool.ID, Client: client.ID, Users: *n})
	if err := os.WriteFile(filepath.Join(*data, "million.json"), b, 0o644); err != nil {
		return err
	}
	if err := srv.Close(); err != nil {
		return err
	}
	size, how, err := diskBytes(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Printf("loaded %d users in %s (%.0f users/s); %s: %d bytes, %.0f bytes/user\n",
		*n, took.Round(time.Second), float64(*n)/took.Seconds(), how, size, float64(size)/float64(*n))
	return nil
}

// diskBytes measures the store's size after the load.
func diskBytes(ctx context.Context, cfg config.Config) (int64, string, error) {
	dsn := server.StoreDSN(cfg)
	if path, ok := sqlstore.SQLitePath(dsn); ok {
		var total int64
		for _, f := range []string{path, path + "-wal"} {
			if st, err := os.Stat(f); err == nil {
				total += st.Size()
			}
		}
		return total, "SQLite file (with WAL)", nil
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, "SELECT pg_total_relation_size('users')").Scan(&n)
	return n, "PostgreSQL users table with indexes and TOAST", err
}

// scenario is one measured operation; do makes request i.
type scenario struct {
	name string
	n    int
	do   func(ctx context.Context, i int) error
}

// target is one server measured: its scenarios and its walk.
type target struct {
	name      string
	pid       int
	in        info
	scenarios []scenario
	cl        *cip.Client
}

func measure(args []string) error {
	fs := flag.NewFlagSet("measure", flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "userpoold URL; several, comma-separated, are measured interleaved")
	pidList := fs.String("pid", "", "userpoold process IDs (for CPU time and RSS), one per endpoint")
	dataList := fs.String("data", "", "data directories with million.json, one per endpoint")
	n := fs.Int("n", 3000, "requests per read scenario (ListUsers: a third)")
	signins := fs.Int("signins", 60, "requests of the sign-in scenario")
	walkPages := fs.Int("walk", 0, "pages of the paginated walk (0: the whole pool)")
	rounds := fs.Int("rounds", 2, "runs per scenario and server; the table gives the median")
	c := fs.Int("c", 8, "concurrent workers")
	only := fs.String("only", "", "comma-separated scenario name prefixes to run (default all)")
	fs.Parse(args)
	eps, pids, datas := strings.Split(*endpoint, ","), strings.Split(*pidList, ","), strings.Split(*dataList, ",")
	if len(pids) != len(eps) || len(datas) != len(eps) {
		return errors.New("-endpoint, -pid and -data need one entry per server")
	}
	ctx := context.Background()
	var targets []*target
	for i := range eps {
		var pid int
		fmt.Sscan(pids[i], &pid)
		t, err := setup(ctx, eps[i], pid, datas[i], *n, *signins)
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}
	head, sep := "| scenario |", "| --- |"
	for _, t := range targets {
		head += " " + t.name + " CPU µs/req | p50 |"
		sep += " ---: | ---: |"
	}
	if len(targets) == 2 {
		head += " " + targets[1].name + " / " + targets[0].name + " |"
		sep += " ---: |"
	}
	fmt.Println(head)
	fmt.Println(sep)
	for k := range targets[0].scenarios {
		name := targets[0].scenarios[k].name
		if !selected(*only, name) {
			continue
		}
		cpus := make([][]float64, len(targets))
		p50s := make([][]time.Duration, len(targets))
		for r := range *rounds {
			for j := range targets {
				t := targets[(j+r)%len(targets)]
				ti := (j + r) % len(targets)
				cpu, p50, err := run(ctx, t.pid, *c, t.scenarios[k])
				if err != nil {
					return fmt.Errorf("%s on %s: %w", name, t.name, err)
				}
				cpus[ti] = append(cpus[ti], cpu)
				p50s[ti] = append(p50s[ti], p50)
			}
		}
		row := "| " + name + " |"
		var med []float64
		for j := range targets {
			m := median(cpus[j])
			med = append(med, m)
			slices.Sort(p50s[j])
			row += fmt.Sprintf(" %.0f | %s |", m, p50s[j][len(p50s[j])/2].Round(10*time.Microsecond))
		}
		if len(targets) == 2 {
			row += fmt.Sprintf(" %.2f |", med[1]/med[0])
		}
		fmt.Println(row)
	}
	if selected(*only, "walk") {
		fmt.Println()
		for _, t := range targets {
			if err := walk(ctx, t.cl, t.pid, t.in, *walkPages, t.name); err != nil {
				return err
			}
		}
	}
	fmt.Println()
	for _, t := range targets {
		hwm, rss := memory(t.pid)
		fmt.Printf("%s server memory: peak RSS (VmHWM) %s, RSS now (VmRSS) %s\n", t.name, hwm, rss)
	}
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// setup signs in the token users of one server and builds its scenarios.
func setup(ctx context.Context, endpoint string, pid int, data string, n, signins int) (*target, error) {
	b, err := os.ReadFile(filepath.Join(data, "million.json"))
	if err != nil {
		return nil, err
	}
	var in info
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, err
	}
	hc := &http.Client{Transport: benchkit.ClosedBodyEOF{Next: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}}
	cl := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1, HTTPClient: hc,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDMILLION", "million-secret", "")})
	rnd := rand.New(rand.NewPCG(uint64(in.Users), 14))
	var mu sync.Mutex
	pickLocked := func() int { mu.Lock(); defer mu.Unlock(); return rnd.IntN(in.Users) }

	// Tokens of 64 users spread over the pool.
	var tokens []*string
	for k := range 64 {
		out, err := cl.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(in.Client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": Name(k * in.Users / 64), "PASSWORD": Password}})
		if err != nil {
			return nil, fmt.Errorf("sign-in for tokens: %w", err)
		}
		tokens = append(tokens, out.AuthenticationResult.AccessToken)
	}
	list := func(filter string, want func(int) bool) func(context.Context, int) error {
		return func(ctx context.Context, i int) error {
			out, err := cl.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(in.Pool), Filter: aws.String(filter), Limit: aws.Int32(60)})
			if err != nil {
				return err
			}
			if !want(len(out.Users)) {
				return fmt.Errorf("filter %s: %d users", filter, len(out.Users))
			}
			return nil
		}
	}
	// Each filter names a user picked at random (= finds one user, ^=
	// the ten users sharing all but the last digit), so the answer's
	// size is the same at every pool size.
	filtered := func(attr string, value func(i int) string, prefix bool) scenario {
		op := "="
		if prefix {
			op = "^="
		}
		return scenario{name: "ListUsers " + attr + " " + op, n: n / 3, do: func(ctx context.Context, _ int) error {
			i := pickLocked()
			v := value(i)
			want := func(k int) bool { return k == 1 }
			if prefix {
				v = v[:len(v)-1]
				want = func(k int) bool { return k >= 1 && k <= 10 }
			}
			return list(fmt.Sprintf("%s %s %q", attr, op, v), want)(ctx, i)
		}}
	}
	scenarios := []scenario{
		{name: "GetUser", n: n, do: func(ctx context.Context, i int) error {
			_, err := cl.GetUser(ctx, &cip.GetUserInput{AccessToken: tokens[i%len(tokens)]})
			return err
		}},
		{name: "AdminGetUser", n: n, do: func(ctx context.Context, i int) error {
			_, err := cl.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(in.Pool), Username: aws.String(Name(pickLocked()))})
			return err
		}},
		{name: "USER_PASSWORD_AUTH", n: signins, do: func(ctx context.Context, i int) error {
			_, err := cl.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(in.Client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
				AuthParameters: map[string]string{"USERNAME": Name(pickLocked()), "PASSWORD": Password}})
			return err
		}},
	}
	attrs := []struct {
		attr  string
		value func(i int) string
	}{
		{"username", Name},
		{"email", func(i int) string { return Name(i) + "@example.com" }},
		{"phone_number", func(i int) string { return fmt.Sprintf("+1206%07d", i) }},
		{"name", func(i int) string { return fmt.Sprintf("Name %07d", i) }},
		{"given_name", func(i int) string { return fmt.Sprintf("Given%07d", i) }},
		{"family_name", func(i int) string { return fmt.Sprintf("Family%07d", i) }},
		{"preferred_username", func(i int) string { return fmt.Sprintf("pref%07d", i) }},
	}
	for _, a := range attrs {
		scenarios = append(scenarios, filtered(a.attr, a.value, false), filtered(a.attr, a.value, true))
	}
	// sub: random UUIDs, so a prefix of all but the last character
	// matches one user too.
	subs := map[int]string{}
	for k := range 64 {
		out, err := cl.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(in.Pool), Username: aws.String(Name(k * in.Users / 64))})
		if err != nil {
			return nil, err
		}
		for _, at := range out.UserAttributes {
			if aws.ToString(at.Name) == "sub" {
				subs[k] = aws.ToString(at.Value)
			}
		}
	}
	page := min(60, in.Users)
	scenarios = append(scenarios,
		scenario{name: "ListUsers sub =", n: n / 3, do: func(ctx context.Context, i int) error {
			return list(fmt.Sprintf("sub = %q", subs[i%64]), func(k int) bool { return k == 1 })(ctx, i)
		}},
		scenario{name: "ListUsers sub ^=", n: n / 3, do: func(ctx context.Context, i int) error {
			s := subs[i%64]
			return list(fmt.Sprintf("sub ^= %q", s[:len(s)-1]), func(k int) bool { return k >= 1 })(ctx, i)
		}},
		// Every user is CONFIRMED and enabled: the first page of 60.
		scenario{name: "ListUsers cognito:user_status = (all match, first page)", n: n / 3, do: list(`cognito:user_status = "CONFIRMED"`, func(k int) bool { return k == page })},
		scenario{name: "ListUsers status = (all match, first page)", n: n / 3, do: list(`status = "Enabled"`, func(k int) bool { return k == page })},
		scenario{name: "ListUsers cognito:user_status ^= (all match, first page)", n: n / 3, do: list(`cognito:user_status ^= "CONF"`, func(k int) bool { return k == page })},
		scenario{name: "ListUsers status ^= (all match, first page)", n: n / 3, do: list(`status ^= "Ena"`, func(k int) bool { return k == page })},
		scenario{name: "ListUsers email ^= (all match, first page)", n: n / 3, do: list(`email ^= "user"`, func(k int) bool { return k == page })},
		scenario{name: "ListUsers no filter, first page", n: n / 3, do: list("", func(k int) bool { return k == page })},
	)
	return &target{name: fmt.Sprintf("%d users", in.Users), pid: pid, in: in, scenarios: scenarios, cl: cl}, nil
}

func selected(only, name string) bool {
	if only == "" {
		return true
	}
	for _, p := range strings.Split(only, ",") {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// run makes s.n requests from c workers after a short warm-up and returns
// the server's CPU time per request in µs and the median latency.
func run(ctx context.Context, pid, c int, s scenario) (float64, time.Duration, error) {
	for i := range min(s.n/10, 50) {
		if err := s.do(ctx, i); err != nil {
			return 0, 0, err
		}
	}
	var next atomic.Int64
	lat := make([]time.Duration, s.n)
	errs := make(chan error, c)
	cpu0 := procCPU(pid)
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= s.n {
					return
				}
				t := time.Now()
				if err := s.do(ctx, i); err != nil {
					errs <- err
					return
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	cpu := procCPU(pid) - cpu0
	select {
	case err := <-errs:
		return 0, 0, err
	default:
	}
	slices.Sort(lat)
	return float64(cpu.Microseconds()) / float64(s.n), lat[len(lat)/2], nil
}

// walk pages through the whole pool (or pages pages), 60 users a page,
// and prints the server's CPU time per page and per user.
func walk(ctx context.Context, cl *cip.Client, pid int, in info, pages int, name string) error {
	cpu0 := procCPU(pid)
	start := time.Now()
	var token *string
	users, n := 0, 0
	for {
		out, err := cl.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(in.Pool), Limit: aws.Int32(60), PaginationToken: token})
		if err != nil {
			return fmt.Errorf("walk page %d: %w", n, err)
		}
		users += len(out.Users)
		n++
		token = out.PaginationToken
		if token == nil || (pages > 0 && n >= pages) {
			break
		}
	}
	if pages == 0 && users != in.Users {
		return fmt.Errorf("walk found %d users of %d", users, in.Users)
	}
	cpu := procCPU(pid) - cpu0
	fmt.Printf("%s: paginated walk of %d pages (%d users) in %s: server CPU %.0f µs per page, %.1f µs per user\n",
		name, n, users, time.Since(start).Round(time.Second), float64(cpu.Microseconds())/float64(n), float64(cpu.Microseconds())/float64(users))
	return nil
}

// procCPU is the process's CPU time (0 when it cannot be read).
func procCPU(pid int) time.Duration {
	d, _ := benchkit.ProcessCPU(pid)
	return d
}

// memory returns VmHWM and VmRSS of the process.
func memory(pid int) (hwm, rss string) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?", "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		switch k {
		case "VmHWM":
			hwm = strings.TrimSpace(v)
		case "VmRSS":
			rss = strings.TrimSpace(v)
		}
	}
	return hwm, rss
}
