package federation_test

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/federation"
)

// testPool is a pool whose schema requires nothing but sub.
var testPool = federation.Pool{ID: "us-east-1_TestPool1", Attributes: []federation.Attribute{
	{Name: "sub", Required: true},
	{Name: "email", Mutable: true},
	{Name: "email_verified", Mutable: true},
	{Name: "name", Mutable: true},
	{Name: "given_name", Mutable: true},
	{Name: "phone_number", Mutable: true},
	{Name: "custom:tier", Mutable: true},
	{Name: "custom:fixed", Mutable: false},
}}

// master is a fixed master key for sealed flows.
var master = []byte("0123456789abcdef0123456789abcdef")

// rig is an RP and an SP sharing states and a replay cache.
type rig struct {
	now    time.Time
	states *federation.States
	replay *federation.MemoryReplayCache
	rp     *federation.RP
	sp     *federation.SP
	conf   *federation.Configurer
}

func newRig(t *testing.T, cfg federation.Config, now time.Time) *rig {
	t.Helper()
	r := &rig{now: now}
	clock := func() time.Time { return r.now }
	st, err := federation.NewStates(master, clock, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r.states = st
	r.replay = &federation.MemoryReplayCache{Now: clock}
	r.rp = &federation.RP{Config: cfg, States: st, Replay: r.replay, Now: clock}
	r.sp = &federation.SP{States: st, Replay: r.replay, Now: clock}
	r.conf = &federation.Configurer{Config: cfg, Now: clock}
	return r
}

// noFollow is an HTTP client that returns redirects instead of following
// them, acting as the browser.
func noFollow() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// visit GETs u and returns the Location it redirects to.
func visit(t *testing.T, c *http.Client, u string) *url.URL {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", u, resp.Status, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// begin is a Begin from the domain https://auth.example.com for an app
// authorize request.
func begin() federation.Begin {
	return federation.Begin{PoolID: testPool.ID, DomainBase: "https://auth.example.com",
		Authorize: url.Values{"client_id": {"app"}, "redirect_uri": {"https://app.example.com/cb"}, "response_type": {"code"}, "state": {"s1"}}}
}

// wantError checks err is a federation *Error with the description
// starting with desc.
func wantError(t *testing.T, err error, code, desc string) *federation.Error {
	t.Helper()
	e := federation.AsError(err)
	if e == nil {
		t.Fatalf("error %v (%T), want a federation error %q", err, err, desc)
	}
	if e.Code != code || !strings.HasPrefix(e.Description, desc) {
		t.Fatalf("error %q %q, want %q %q (cause %v)", e.Code, e.Description, code, desc, e.Unwrap())
	}
	return e
}

var ctx = context.Background()
