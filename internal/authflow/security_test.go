package authflow

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/storage"
)

// barrier holds callers until n of them wait (or a second passes), so that
// n concurrent requests all read before any of them writes: the
// interleaving that defeats a limit checked on a plain read.
type barrier struct {
	mu      sync.Mutex
	n, seen int
	open    chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, open: make(chan struct{})} }

func (b *barrier) wait() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.seen++
	if b.seen == b.n {
		close(b.open)
	}
	b.mu.Unlock()
	select {
	case <-b.open:
	case <-time.After(time.Second):
	}
}

// barrierStore makes the reads of sessions and users wait at a barrier.
type barrierStore struct {
	storage.Store
	sessions, users *barrier
}

func (s *barrierStore) GetSession(ctx context.Context, id string) (storage.AuthSession, error) {
	s.sessions.wait()
	return s.Store.GetSession(ctx, id)
}

func (s *barrierStore) GetUser(ctx context.Context, poolID, key string) (storage.User, error) {
	s.users.wait()
	return s.Store.GetUser(ctx, poolID, key)
}

// concurrently runs f(0..n-1) at once and returns the errors.
func concurrently(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f(i) })
	}
	wg.Wait()
	return errs
}

// totpFixture is a fixture whose pool requires TOTP, with user "tia" who
// has a verified software token; it returns the token's secret.
func totpFixture(t *testing.T) (*fixture, []byte) {
	f := newFixture(t, `{"MfaConfiguration":"ON","SoftwareTokenMfaConfiguration":{"Enabled":true}}`, "")
	f.addUser("tia", "CONFIRMED")
	secret := []byte("0123456789abcdefghij")
	if _, err := f.store.UpdateUser(ctx, poolID, "tia", func(u *storage.User) error {
		u.Secrets.TOTPSecret = secret
		u.MFA.TOTPVerifiedAt = epoch
		u.MFA.Enabled, u.MFA.Preferred = []mfa.Factor{mfa.TOTP}, mfa.TOTP
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return f, secret
}

// TestSessionAttemptLimitAtomic: answers that all read the session before
// any of them counts a wrong answer (before the fix, all of them were
// compared) still get no more than MaxSessionAttempts comparisons.
func TestSessionAttemptLimitAtomic(t *testing.T) {
	f, secret := totpFixture(t)
	r, err := f.password("tia", pw)
	if err != nil || r.Challenge != ChallengeSoftwareToken {
		t.Fatalf("%v %+v", err, r)
	}
	good := mfa.Code(secret, f.clock.Now())
	const n = 12
	f.svc.Sessions = &barrierStore{Store: f.store, sessions: newBarrier(n)}
	errs := concurrently(n, func(i int) error {
		code := fmt.Sprintf("%06d", 100000+i)
		if code == good {
			code = "999999"
		}
		_, err := f.svc.RespondToAuthChallenge(ctx, Respond{ClientID: clientID, Challenge: ChallengeSoftwareToken, Session: r.Session,
			Responses: map[string]string{"USERNAME": "tia", "SOFTWARE_TOKEN_MFA_CODE": code}})
		return err
	})
	compared := 0
	for _, err := range errs {
		if is(err, mfa.ErrTOTPMismatch) {
			compared++
		} else if !is(err, errSessionInvalid) && !is(err, errAttemptsExceeded) {
			t.Errorf("answer: %v", err)
		}
	}
	if compared > MaxSessionAttempts {
		t.Errorf("%d of %d concurrent answers compared, want at most %d", compared, n, MaxSessionAttempts)
	}
	// The right code now finds the session dead.
	if _, err := f.svc.RespondToAuthChallenge(ctx, Respond{ClientID: clientID, Challenge: ChallengeSoftwareToken, Session: r.Session,
		Responses: map[string]string{"USERNAME": "tia", "SOFTWARE_TOKEN_MFA_CODE": good}}); !is(err, errSessionInvalid) {
		t.Errorf("right code after %d wrong ones: %v", compared, err)
	}
}

// TestSessionAttemptReleased: an answer that compares nothing (a missing
// parameter) does not use up an attempt; a wrong one does.
func TestSessionAttemptReleased(t *testing.T) {
	f, secret := totpFixture(t)
	r, err := f.password("tia", pw)
	if err != nil {
		t.Fatal(err)
	}
	answer := func(code string) error {
		_, err := f.svc.RespondToAuthChallenge(ctx, Respond{ClientID: clientID, Challenge: ChallengeSoftwareToken, Session: r.Session,
			Responses: map[string]string{"USERNAME": "tia", "SOFTWARE_TOKEN_MFA_CODE": code}})
		return err
	}
	attempts := func() int {
		a, _ := f.store.GetSession(ctx, sessionID(r.Session))
		return a.Attempts
	}
	for range 2 * MaxSessionAttempts {
		if err := answer(""); err == nil {
			t.Fatal("no code accepted")
		}
	}
	if n := attempts(); n != 0 {
		t.Fatalf("attempts after answers without a code = %d", n)
	}
	if err := answer("000000"); !is(err, mfa.ErrTOTPMismatch) {
		t.Fatalf("wrong code: %v", err)
	}
	if n := attempts(); n != 1 {
		t.Fatalf("attempts after a wrong code = %d", n)
	}
	if err := answer(mfa.Code(secret, f.clock.Now())); err != nil {
		t.Fatalf("right code: %v", err)
	}
}

// TestLockoutReservedBeforeCheck: password attempts that all read the user
// before any failure is counted (before the fix, all of them were checked
// and the lock was never reached) are checked no more often than the
// lockout allows.
func TestLockoutReservedBeforeCheck(t *testing.T) {
	f := newFixture(t, "", "")
	f.addUser("ann", "CONFIRMED")
	const n = 12
	users := &barrierStore{Store: f.store, users: newBarrier(n)}
	// FindUser reads through the pool service's own store handle.
	f.svc.Users, f.svc.Pools.Users = users, users
	errs := concurrently(n, func(int) error { _, err := f.password("ann", "wrong"); return err })
	checked := 0
	for _, err := range errs {
		switch {
		case is(err, errIncorrect):
			checked++
		case !is(err, errAttemptsExceeded):
			t.Errorf("attempt: %v", err)
		}
	}
	if checked != LockoutThreshold {
		t.Errorf("%d of %d concurrent wrong passwords checked, want %d", checked, n, LockoutThreshold)
	}
	u, _ := f.store.GetUser(ctx, poolID, "ann")
	want := storage.Lockout{Failures: LockoutThreshold, LastFailure: epoch, LockedUntil: epoch.Add(time.Second)}
	if !lockoutEqual(u.Lockout, want) {
		t.Errorf("lockout %+v, want %+v", u.Lockout, want)
	}
}

// TestMFAFailuresCountTowardsLockout: wrong TOTP codes count against the
// lockout, and the right password does not reset them.
func TestMFAFailuresCountTowardsLockout(t *testing.T) {
	f, secret := totpFixture(t)
	for i := range LockoutThreshold {
		r, err := f.password("tia", pw)
		if err != nil {
			t.Fatalf("sign-in %d: %v", i, err)
		}
		if _, err := f.svc.RespondToAuthChallenge(ctx, Respond{ClientID: clientID, Challenge: ChallengeSoftwareToken, Session: r.Session,
			Responses: map[string]string{"USERNAME": "tia", "SOFTWARE_TOKEN_MFA_CODE": "000000"}}); !is(err, mfa.ErrTOTPMismatch) {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	if _, err := f.password("tia", pw); !is(err, errAttemptsExceeded) {
		t.Fatalf("sign-in after %d wrong codes: %v", LockoutThreshold, err)
	}
	f.clock.Advance(time.Second)
	r, err := f.password("tia", pw)
	if err != nil {
		t.Fatal(err)
	}
	done, err := f.svc.RespondToAuthChallenge(ctx, Respond{ClientID: clientID, Challenge: ChallengeSoftwareToken, Session: r.Session,
		Responses: map[string]string{"USERNAME": "tia", "SOFTWARE_TOKEN_MFA_CODE": mfa.Code(secret, f.clock.Now())}})
	if err != nil || done.Tokens == nil {
		t.Fatalf("right code: %v", err)
	}
	if u, _ := f.store.GetUser(ctx, poolID, "tia"); u.Lockout != (storage.Lockout{}) {
		t.Errorf("lockout after a completed sign-in: %+v", u.Lockout)
	}
}
