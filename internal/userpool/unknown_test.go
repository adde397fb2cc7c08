package userpool

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/storage"
)

// memSessions is an in-memory UnknownStore.
type memSessions struct {
	mu   sync.Mutex
	rows map[string]storage.AuthSession
}

func (m *memSessions) CreateSession(_ context.Context, s storage.AuthSession) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.rows[s.ID]; ok {
		return storage.ErrExists
	}
	m.rows[s.ID] = s
	return nil
}

func (m *memSessions) UpdateSession(_ context.Context, id string, fn func(*storage.AuthSession) error) (storage.AuthSession, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.rows[id]
	if !ok {
		return s, storage.ErrNotFound
	}
	if err := fn(&s); err != nil {
		return s, err
	}
	m.rows[id] = s
	return s, nil
}

func TestUnknownNames(t *testing.T) {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC))
	f := false
	p := &Pool{Pool: storage.Pool{ID: "us-east-1_Test"}, Settings: &Settings{
		UsernameConfiguration: &UsernameConfiguration{CaseSensitive: &f}, AliasAttributes: []string{"email"},
	}}
	store := &memSessions{rows: map[string]storage.AuthSession{}}
	s := &Service{Unknown: store, UnknownKey: []byte("test key"), Now: clock.Now}
	fail := func(name string) bool {
		t.Helper()
		locked, err := s.UnknownSignInFailure(ctx, p, name)
		if err != nil {
			t.Fatal(err)
		}
		return locked
	}

	// The lockout of a user, under every spelling the lookup takes.
	for i, name := range []string{"eve", "EVE", "Eve", "eVe", "eve"} {
		if fail(name) {
			t.Fatalf("attempt %d refused before the 5th failure", i+1)
		}
	}
	if !fail("EVE") {
		t.Fatal("the 6th attempt within a second of the 5th failure was not refused")
	}
	clock.Advance(time.Second)
	if fail("eve") {
		t.Fatal("still locked after the lock's second")
	}
	if !fail("eve") {
		t.Fatal("the 6th failure did not lock for 2 s")
	}
	// The count starts over after LockoutReset.
	clock.Advance(LockoutReset)
	for range 4 {
		if fail("eve") {
			t.Fatal("locked after the reset")
		}
	}

	// Code limits: ForgotPassword's MaxCodeIssues, then ConfirmForgotPassword's
	// MaxCodeAttempts.
	for i := range MaxCodeIssues {
		if err := s.unknownIssue(ctx, p, "Zed@Example.com", CodeForgotPassword, ForgotPasswordCodeTTL); err != nil {
			t.Fatalf("issue %d: %v", i+1, err)
		}
	}
	if err := s.unknownIssue(ctx, p, "zed@example.com", CodeForgotPassword, ForgotPasswordCodeTTL); err != ErrCodeIssueLimit {
		t.Fatalf("issue %d: %v, want %v", MaxCodeIssues+1, err, ErrCodeIssueLimit)
	}
	for range MaxCodeAttempts {
		if err := s.unknownConsume(ctx, p, "ZED@example.com", CodeForgotPassword, ErrCodeMismatch); err != ErrCodeMismatch {
			t.Fatalf("wrong code: %v", err)
		}
	}
	if err := s.unknownConsume(ctx, p, "zed@example.com", CodeForgotPassword, ErrCodeMismatch); err != ErrCodeAttemptsPassed {
		t.Fatalf("code after the limit: %v", err)
	}
	if err := s.unknownConsume(ctx, p, "nobody", CodeForgotPassword, ErrCodeExpired); err != ErrCodeExpired {
		t.Fatalf("no code sent: %v", err)
	}

	// Bounded: names that share a bucket evict the one touched longest ago,
	// and the rows never exceed UnknownBuckets.
	id0, _ := s.unknownSlot(p, "eve")
	var mates []string
	for i := 0; len(mates) < UnknownPerBucket; i++ {
		if id, _ := s.unknownSlot(p, fmt.Sprint("n", i)); id == id0 {
			mates = append(mates, fmt.Sprint("n", i))
		}
	}
	clock.Advance(time.Minute)
	for _, m := range mates {
		fail(m)
	}
	for range 4 {
		if fail("eve") {
			t.Fatal("eve's record should have been evicted by the names sharing its bucket")
		}
	}
	if n := len(store.rows); n > 3 {
		t.Fatalf("%d rows for 3 buckets' worth of names", n)
	}
	// Records expire: their rows carry the window as ExpiresAt.
	if a := store.rows[id0]; !a.ExpiresAt.Equal(clock.Now().Add(UnknownWindow)) {
		t.Fatalf("ExpiresAt %v, want %v", a.ExpiresAt, clock.Now().Add(UnknownWindow))
	}
}
