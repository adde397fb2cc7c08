package main

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// keyless starts userpoold as bench/compare.sh does: no admin keys on
// loopback, so that any signature is accepted.
func keyless(t *testing.T) *servertest.Env {
	return servertest.New(t, func(c *config.Config) { c.AdminKeys = nil })
}

// TestCompareAgainstUserpoold runs every scenario against two servers in
// one run, as compare.sh does, and checks that each request succeeded, that
// the scenarios did what they claim on the server, and that the table has
// a row per scenario with the ratios.
func TestCompareAgainstUserpoold(t *testing.T) {
	if testing.Short() {
		t.Skip("drives two servers")
	}
	a, b := keyless(t), keyless(t)
	var stdout, stderr bytes.Buffer
	o := options{targets: "userpoold=" + a.URL + ",floor=" + b.URL + "/", floor: "floor", ops: "all", client: "sdk",
		conc: 2, rounds: 2, dur: 150 * time.Millisecond, warm: 20 * time.Millisecond}
	if err := run(context.Background(), o, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	lines := regexp.MustCompile(`(?m)^round=(\d) op=(\S+) target=(\S+) .*failures=(\d+) `).FindAllStringSubmatch(out, -1)
	if len(lines) != len(scenarios)*2*2 {
		t.Fatalf("%d run lines, want %d:\n%s\nstderr:\n%s", len(lines), len(scenarios)*4, out, stderr.String())
	}
	for _, l := range lines {
		if l[4] != "0" {
			t.Errorf("%s on %s, round %s: %s failures\n%s", l[2], l[3], l[1], l[4], out)
		}
	}
	// Rounds alternate which target goes first.
	if lines[0][3] != "userpoold" || lines[2][3] != "floor" {
		t.Errorf("rounds are not interleaved:\n%s", out)
	}
	for _, s := range scenarios {
		row := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(s.label) + ` \| [\d,.]+/s \| [\d,.]+/s \| [\d.e-]+ \|$`)
		if !row.MatchString(out) {
			t.Errorf("no table row for %s:\n%s", s.label, out)
		}
	}
	if !strings.Contains(out, "| scenario | userpoold | floor | userpoold / floor |") {
		t.Errorf("table header missing:\n%s", out)
	}

	// The create scenarios made users, the quiet ones without a message,
	// the invited ones with an invitation email.
	ctx := context.Background()
	pools, err := a.Client.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)})
	if err != nil || len(pools.UserPools) != 1 {
		t.Fatalf("pools: %+v %v", pools, err)
	}
	pool := aws.ToString(pools.UserPools[0].Id)
	created := func(prefix string) string {
		users, err := a.Client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool),
			Filter: aws.String(`username ^= "` + prefix + `"`), Limit: aws.Int32(1)})
		if err != nil || len(users.Users) != 1 {
			t.Fatalf("no user named %s*: %+v %v", prefix, users, err)
		}
		return aws.ToString(users.Users[0].Username)
	}
	quiet, invited := created("quiet-"), created("invited-")
	if m := a.Outbox(pool, quiet); len(m) != 0 {
		t.Errorf("SUPPRESS sent %d messages to %s", len(m), quiet)
	}
	if m := a.Outbox(pool, invited); len(m) != 1 || m[0].Channel != "EMAIL" || m[0].Code == "" {
		t.Errorf("invitation to %s: %+v", invited, m)
	}
	// SetUserMFAPreference wrote: the users have SMS MFA enabled.
	u, err := a.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String("user0000")})
	if err != nil || len(u.UserMFASettingList) != 1 || u.UserMFASettingList[0] != "SMS_MFA" {
		t.Errorf("user0000 after SetUserMFAPreference: %+v %v", u, err)
	}
}

func TestHTTPClientScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a server")
	}
	env := keyless(t)
	var stdout, stderr bytes.Buffer
	o := options{endpoint: env.URL, ops: "all", client: "http", conc: 2, rounds: 1, dur: 100 * time.Millisecond}
	if err := run(context.Background(), o, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	for _, op := range []string{"GetUser", "SetUserMFAPreference", "USER_PASSWORD_AUTH"} {
		if !regexp.MustCompile(`op=` + op + ` target=server .* failures=0 `).MatchString(out) {
			t.Errorf("%s missing or failing:\n%s", op, out)
		}
	}
	if strings.Contains(out, "AdminGetUser") || strings.Contains(out, "| scenario") {
		t.Errorf("-client http ran a signed scenario or printed a table for one target:\n%s", out)
	}
}

func TestPickScenarios(t *testing.T) {
	if _, err := pickScenarios("AdminGetUser", "http"); err == nil {
		t.Error("AdminGetUser with -client http: no error")
	}
	if _, err := pickScenarios("GetUser,Nope", "sdk"); err == nil {
		t.Error("unknown scenario: no error")
	}
	if _, err := pickScenarios("GetUser", "curl"); err == nil {
		t.Error("unknown client: no error")
	}
	got, err := pickScenarios(" GetUser,USER_PASSWORD_AUTH", "sdk")
	if err != nil || len(got) != 2 || got[0].name != "GetUser" || got[1].name != "USER_PASSWORD_AUTH" {
		t.Errorf("got %v %v", got, err)
	}
}

func TestSummarize(t *testing.T) {
	scns := []scenario{{name: "GetUser", label: "GetUser"}, {name: "AdminCreateUser", label: "AdminCreateUser, invitation"}}
	targets := []*target{{name: "up"}, {name: "floor"}, {name: "cl"}}
	run := func(target, scenario string, round int, requests, failures int64) result {
		return result{target: target, scenario: scenario, round: round, requests: requests, failures: failures, elapsed: time.Second}
	}
	results := []result{
		// Per-round ratios 0.5, 0.4 and 0.6: the median is 0.5, while the
		// ratio of the median throughputs would be 400/1000.
		run("up", "GetUser", 0, 500, 0), run("floor", "GetUser", 0, 1000, 0),
		run("up", "GetUser", 1, 200, 0), run("floor", "GetUser", 1, 500, 0),
		run("up", "GetUser", 2, 600, 0), run("floor", "GetUser", 2, 1000, 0),
		run("cl", "GetUser", 0, 250, 0), run("cl", "GetUser", 1, 100, 3), run("cl", "GetUser", 2, 300, 0),
		run("up", "AdminCreateUser", 0, 21, 0), run("floor", "AdminCreateUser", 0, 15000, 0),
		{target: "cl", scenario: "AdminCreateUser", setupErr: errors.New("CreateUserPool: boom")},
	}
	want := `| scenario | up | floor | cl | up / floor | cl / floor |
| --- | ---: | ---: | ---: | ---: | ---: |
| GetUser | 500/s | 1,000/s | 250/s (3 failed) | 0.50 | 0.25 |
| AdminCreateUser, invitation | 21/s | 15,000/s | — | 0.0014 | — |

- AdminCreateUser, cl: setup failed: CreateUserPool: boom
`
	if got := summarize(results, scns, targets, "floor"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := formatRate(4.25); got != "4.2/s" {
		t.Errorf("formatRate(4.25) = %s", got)
	}
	if got := formatRate(1234567); got != "1,234,567/s" {
		t.Errorf("formatRate(1234567) = %s", got)
	}
}
