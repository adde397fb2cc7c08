package authflow

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/password"
	"github.com/userpoold/userpoold/internal/seal"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/srp/srptest"
	"github.com/userpoold/userpoold/internal/storage"
	sqlstore "github.com/userpoold/userpoold/internal/storage/sql"
	"github.com/userpoold/userpoold/internal/token"
	"github.com/userpoold/userpoold/internal/userpool"
)

var ctx = context.Background()

// epoch is the fixed clock the tests start at (a Tuesday, the 3rd).
var epoch = time.Date(2030, 9, 3, 8, 7, 5, 0, time.UTC)

type fixture struct {
	t      *testing.T
	svc    *Service
	store  storage.Store
	clock  *fakeclock.Clock
	pool   *userpool.Pool
	client *userpool.Client
}

const (
	poolID   = "us-east-1_Fixture01"
	clientID = "fixtureclient0000000000000"
	pw       = "Passw0rd!one"
)

// newFixture opens a SQLite store with one pool and one client whose
// configuration document is clientConfig (JSON; "" for every flow).
func newFixture(t *testing.T, poolConfig, clientConfig string) *fixture {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	box, err := seal.New(key, "storage", nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "test.db"), box, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := fakeclock.New(epoch)
	if poolConfig == "" {
		poolConfig = "{}"
	}
	if clientConfig == "" {
		clientConfig = `{"ExplicitAuthFlows":["ALLOW_USER_PASSWORD_AUTH","ALLOW_USER_SRP_AUTH","ALLOW_REFRESH_TOKEN_AUTH","ALLOW_ADMIN_USER_PASSWORD_AUTH"]}`
	}
	if err := db.CreatePool(ctx, storage.Pool{ID: poolID, Name: "p", CreatedAt: epoch, UpdatedAt: epoch, Config: json.RawMessage(poolConfig)}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateClient(ctx, storage.Client{PoolID: poolID, ID: clientID, Name: "c", CreatedAt: epoch, UpdatedAt: epoch, Config: json.RawMessage(clientConfig)}); err != nil {
		t.Fatal(err)
	}
	issuer := &token.Issuer{Keys: db, Revocations: db, RefreshSecret: key, Now: c.Now}
	if err := issuer.CreateKeys(ctx, poolID); err != nil {
		t.Fatal(err)
	}
	pools := &userpool.Service{Pools: db, Clients: db, Users: db, Groups: db, Devices: db, Events: db,
		Hashing: password.FastParams, Region: "us-east-1", Now: c.Now}
	svc := &Service{
		Users: db, Sessions: db, Events: db, Revocations: db,
		Pools: pools, MFA: &mfa.Service{Users: db, Now: c.Now}, Tokens: issuer,
		Secret: key, Now: c.Now,
	}
	f := &fixture{t: t, svc: svc, store: db, clock: c}
	if f.pool, err = pools.LoadPool(ctx, poolID); err != nil {
		t.Fatal(err)
	}
	if f.client, err = pools.LoadClient(ctx, poolID, clientID); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) addUser(name string, status storage.UserStatus) storage.User {
	f.t.Helper()
	u := storage.User{PoolID: poolID, Username: name, UsernameKey: name, Sub: uuid.NewString(), Status: status, Enabled: true, CreatedAt: epoch, UpdatedAt: epoch}
	if err := f.svc.Pools.SetPassword(f.pool, &u, pw); err != nil {
		f.t.Fatal(err)
	}
	if err := f.store.CreateUser(ctx, u); err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) password(name, password string) (*Result, error) {
	return f.svc.InitiateAuth(ctx, Initiate{ClientID: clientID, Flow: FlowUserPassword, Params: map[string]string{"USERNAME": name, "PASSWORD": password}})
}

func is(err, target error) bool { return errors.Is(err, target) }

func TestLockDuration(t *testing.T) {
	for n, want := range map[int]time.Duration{
		1: 0, 4: 0, 5: time.Second, 6: 2 * time.Second, 7: 4 * time.Second, 14: 512 * time.Second,
		15: 15 * time.Minute, 16: 15 * time.Minute, 100: 15 * time.Minute,
	} {
		if got := lockDuration(n); got != want {
			t.Errorf("lockDuration(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestLockoutFixedClock(t *testing.T) {
	f := newFixture(t, "", "")
	f.addUser("ann", "CONFIRMED")
	for i := 1; i <= 5; i++ {
		if _, err := f.password("ann", "wrong"); !is(err, errIncorrect) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	u, _ := f.store.GetUser(ctx, poolID, "ann")
	want := storage.Lockout{Failures: 5, LastFailure: epoch, LockedUntil: epoch.Add(time.Second)}
	if !lockoutEqual(u.Lockout, want) {
		t.Fatalf("lockout %+v, want %+v", u.Lockout, want)
	}
	if _, err := f.password("ann", pw); !is(err, errAttemptsExceeded) {
		t.Fatalf("during lockout: %v", err)
	}
	f.clock.Advance(time.Second)
	if r, err := f.password("ann", pw); err != nil || r.Tokens == nil {
		t.Fatalf("after lockout: %v", err)
	}
	u, _ = f.store.GetUser(ctx, poolID, "ann")
	if u.Lockout != (storage.Lockout{}) {
		t.Fatalf("lockout after success %+v", u.Lockout)
	}
}

func lockoutEqual(a, b storage.Lockout) bool {
	return a.Failures == b.Failures && a.LastFailure.Equal(b.LastFailure) && a.LockedUntil.Equal(b.LockedUntil)
}

func TestConcurrentFailuresAllCount(t *testing.T) {
	f := newFixture(t, "", "")
	f.addUser("bea", "CONFIRMED")
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); f.password("bea", "wrong") }()
	}
	wg.Wait()
	u, _ := f.store.GetUser(ctx, poolID, "bea")
	if u.Lockout.Failures != 4 {
		t.Fatalf("failures = %d, want 4", u.Lockout.Failures)
	}
}

func TestSecretBlockEncoding(t *testing.T) {
	a := bytes.Repeat([]byte{7}, srp.Size)
	b := secretBlock{expires: epoch.Add(3 * time.Minute), decoy: true, username: "ünï", deviceKey: "us-east-1_dev", a: a, state: []byte{1, 2, 3}}
	got, err := unmarshalBlock(b.marshal())
	if err != nil {
		t.Fatal(err)
	}
	if !got.expires.Equal(b.expires) || got.decoy != b.decoy || got.username != b.username || got.deviceKey != b.deviceKey ||
		!bytes.Equal(got.a, a) || !bytes.Equal(got.state, b.state) {
		t.Fatalf("round trip: %+v", got)
	}
	raw := b.marshal()
	for _, bad := range [][]byte{nil, raw[:9], raw[:len(raw)-1], append(bytes.Clone(raw), 0), append([]byte{9}, raw[1:]...)} {
		if _, err := unmarshalBlock(bad); err == nil {
			t.Errorf("accepted %d bytes", len(bad))
		}
	}

	f := newFixture(t, "", "")
	sealed, err := f.svc.sealBlock(poolID, clientID, b)
	if err != nil {
		t.Fatal(err)
	}
	rawSealed, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		t.Fatalf("SECRET_BLOCK is not standard base64: %v", err)
	}
	if _, err := f.svc.openBlock(poolID, clientID, rawSealed); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.openBlock(poolID, "otherclient", rawSealed); err == nil {
		t.Error("a block opened for another client")
	}
	if bytes.Contains(rawSealed, []byte("ünï")) {
		t.Error("the username is visible in SECRET_BLOCK")
	}
}

func TestSRPFixedClock(t *testing.T) {
	f := newFixture(t, "", "")
	f.addUser("cy", "CONFIRMED")
	c, err := srptest.NewClient(rand.Reader, srp.PoolName(poolID))
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.InitiateAuth(ctx, Initiate{ClientID: clientID, Flow: FlowUserSRP, Params: map[string]string{"USERNAME": "cy", "SRP_A": c.SRPA()}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Challenge != ChallengePasswordVerifier || r.Session != "" {
		t.Fatalf("result %+v", r)
	}
	resp, err := c.PasswordVerifierResponses(r.Parameters, pw, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if resp["TIMESTAMP"] != "Tue Sep 3 08:07:05 UTC 2030" {
		t.Fatalf("TIMESTAMP %q", resp["TIMESTAMP"])
	}
	done, err := f.svc.RespondToAuthChallenge(ctx, Respond{ClientID: clientID, Challenge: ChallengePasswordVerifier, Responses: resp})
	if err != nil || done.Tokens == nil || done.Parameters == nil {
		t.Fatalf("answer: %v %+v", err, done)
	}
	// The same answer after the client's AuthSessionValidity is refused.
	f.clock.Advance(3 * time.Minute)
	resp, _ = c.PasswordVerifierResponses(r.Parameters, pw, f.clock.Now())
	if _, err := f.svc.RespondToAuthChallenge(ctx, Respond{ClientID: clientID, Challenge: ChallengePasswordVerifier, Responses: resp}); !is(err, errIncorrect) {
		t.Fatalf("expired block: %v", err)
	}
}

func TestNewPasswordSessionState(t *testing.T) {
	f := newFixture(t, "", "")
	u := f.addUser("dee", "FORCE_CHANGE_PASSWORD")
	r, err := f.password("dee", pw)
	if err != nil || r.Challenge != ChallengeNewPassword || r.Tokens != nil {
		t.Fatalf("%v %+v", err, r)
	}
	if len(r.Session) != 64 {
		t.Fatalf("session %q", r.Session)
	}
	if _, err := f.store.GetSession(ctx, r.Session); !errors.Is(err, storage.ErrNotFound) {
		t.Fatal("the session string itself is a storage key")
	}
	a, err := f.store.GetSession(ctx, sessionID(r.Session))
	if err != nil {
		t.Fatal(err)
	}
	var st sessionState
	if err := json.Unmarshal(a.State, &st); err != nil {
		t.Fatal(err)
	}
	if a.PoolID != poolID || a.ClientID != clientID || !a.ExpiresAt.Equal(epoch.Add(3*time.Minute)) ||
		st.Challenge != ChallengeNewPassword || st.Username != "dee" || st.Sub != u.Sub || st.Flow != FlowUserPassword || !st.done(stepPassword) {
		t.Fatalf("session %+v, state %+v", a, st)
	}
	answer := func(newPW string) (*Result, error) {
		return f.svc.RespondToAuthChallenge(ctx, Respond{ClientID: clientID, Challenge: ChallengeNewPassword, Session: r.Session,
			Responses: map[string]string{"USERNAME": "dee", "NEW_PASSWORD": newPW}})
	}
	if _, err := answer("short"); fault.KindOf(err) != fault.InvalidPassword {
		t.Fatalf("weak password: %v", err)
	}
	if a, _ := f.store.GetSession(ctx, sessionID(r.Session)); a.Used || a.Attempts != 1 {
		t.Fatalf("after a wrong answer: used %v, attempts %d", a.Used, a.Attempts)
	}
	done, err := answer("N3w-Passw0rd")
	if err != nil || done.Tokens == nil {
		t.Fatalf("%v %+v", err, done)
	}
	if a, _ := f.store.GetSession(ctx, sessionID(r.Session)); !a.Used {
		t.Fatal("a successful answer did not spend the session")
	}
	if _, err := answer("N3w-Passw0rd2"); !is(err, errSessionUsed) {
		t.Fatalf("reuse: %v", err)
	}
	nu, _ := f.store.GetUser(ctx, poolID, "dee")
	if nu.Status != "CONFIRMED" || !nu.PasswordChangedAt.Equal(epoch) || !checkPassword(t, f.svc.Pools, nu, "N3w-Passw0rd") {
		t.Fatalf("user after the answer: %s %v", nu.Status, nu.PasswordChangedAt)
	}
}

func TestNewPasswordParameters(t *testing.T) {
	f := newFixture(t, `{"SchemaAttributes":[{"Name":"email","Required":true},{"Name":"name","Required":true},{"Name":"sub","Required":true}]}`, "")
	u := storage.User{Username: "eve", Attributes: []storage.Attribute{{Name: "name", Value: "Eve \"E\""}, {Name: "custom:x", Value: "1"}}}
	p := newPasswordParameters(f.pool, u)
	if p["USER_ID_FOR_SRP"] != "eve" || p["requiredAttributes"] != `["userAttributes.email"]` || p["userAttributes"] != `{"name":"Eve \"E\"","custom:x":"1"}` {
		t.Fatalf("%v", p)
	}
	var obj map[string]string
	if err := json.Unmarshal([]byte(p["userAttributes"]), &obj); err != nil || obj["name"] != `Eve "E"` {
		t.Fatalf("userAttributes does not parse: %v", err)
	}
}

func TestDecoySaltStable(t *testing.T) {
	f := newFixture(t, "", "")
	salt := func(name string) []byte {
		s, err := f.svc.decoySalt(poolID, name)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := salt("ghost"), salt("ghost")
	if !bytes.Equal(a, b) || len(a) != srp.SaltSize || a[0] == 0 {
		t.Fatalf("decoy salts %x, %x", a, b)
	}
	if bytes.Equal(a, salt("ghost2")) {
		t.Fatal("decoy salts do not depend on the name")
	}
}

func TestRefreshFamily(t *testing.T) {
	f := newFixture(t, "", "")
	f.addUser("fin", "CONFIRMED")
	r, err := f.password("fin", pw)
	if err != nil {
		t.Fatal(err)
	}
	a0, err := f.svc.Tokens.VerifyAccess(ctx, r.Tokens.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	rr, err := f.svc.GetTokensFromRefreshToken(ctx, Refresh{ClientID: clientID, RefreshToken: r.Tokens.RefreshToken})
	if err != nil || rr.Tokens.RefreshToken != "" {
		t.Fatalf("%v %+v", err, rr)
	}
	a1, err := f.svc.Tokens.VerifyAccess(ctx, rr.Tokens.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if a1.OriginJTI != a0.OriginJTI || !a1.AuthTime.Equal(epoch) || !a1.IssuedAt.Equal(epoch.Add(time.Hour)) || a1.JTI == a0.JTI {
		t.Fatalf("refreshed claims %+v", a1)
	}
	if err := f.svc.RevokeToken(ctx, clientID, "", r.Tokens.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Tokens.VerifyAccess(ctx, rr.Tokens.AccessToken); !errors.Is(err, token.ErrRevoked) {
		t.Fatalf("access token after RevokeToken: %v", err)
	}
	if _, err := f.svc.GetTokensFromRefreshToken(ctx, Refresh{ClientID: clientID, RefreshToken: r.Tokens.RefreshToken}); !is(err, errRefreshRevoked) {
		t.Fatalf("refresh after RevokeToken: %v", err)
	}
}

func TestAdvanceWithoutMFAIssuesTokens(t *testing.T) {
	f := newFixture(t, `{"MfaConfiguration":"OPTIONAL","SoftwareTokenMfaConfiguration":{"Enabled":true}}`, "")
	f.addUser("gil", "CONFIRMED")
	r, err := f.password("gil", pw)
	if err != nil || r.Tokens == nil || r.Challenge != "" {
		t.Fatalf("%v %+v", err, r)
	}
	if !strings.HasPrefix(r.Tokens.AccessToken, "eyJ") || r.Tokens.ExpiresIn != 3600 {
		t.Fatalf("tokens %+v", r.Tokens)
	}
}

func TestDecoyUsername(t *testing.T) {
	f := newFixture(t, `{"UsernameAttributes":["email"]}`, `{"ExplicitAuthFlows":["ALLOW_USER_SRP_AUTH"],"PreventUserExistenceErrors":"ENABLED"}`)
	c, _ := srptest.NewClient(rand.Reader, srp.PoolName(poolID))
	start := func() *Result {
		r, err := f.svc.InitiateAuth(ctx, Initiate{ClientID: clientID, Flow: FlowUserSRP, Params: map[string]string{"USERNAME": "ghost@example.com", "SRP_A": c.SRPA()}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := start(), start()
	id := a.Parameters["USER_ID_FOR_SRP"]
	if _, err := uuid.Parse(id); err != nil || id != b.Parameters["USER_ID_FOR_SRP"] || a.Parameters["USERNAME"] != id {
		t.Fatalf("decoy USER_ID_FOR_SRP %q, then %q", id, b.Parameters["USER_ID_FOR_SRP"])
	}
	resp, _ := c.PasswordVerifierResponses(a.Parameters, pw, f.clock.Now())
	if _, err := f.svc.RespondToAuthChallenge(ctx, Respond{ClientID: clientID, Challenge: ChallengePasswordVerifier, Responses: resp}); !is(err, errIncorrect) {
		t.Fatalf("decoy answer: %v", err)
	}
}

func checkPassword(t *testing.T, pools *userpool.Service, u storage.User, pw string) bool {
	t.Helper()
	ok, err := pools.CheckPassword(context.Background(), u, pw)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}
