package sql

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/storage/conformance"
)

// holdBatcher makes the single-statement writes of db queue up instead of
// being sent, and returns a function that waits until n are queued and
// then sends them.
func holdBatcher(t *testing.T, db *DB) (w *pgBatcher, release func(n int)) {
	t.Helper()
	w = db.be.(*pgBackend).batcher
	if w == nil {
		t.Fatal("no batcher")
	}
	// Wait for the loop of earlier writes to end.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		w.mu.Lock()
		if w.running == 0 {
			break
		}
		w.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("batcher busy")
		}
	}
	w.running = w.inflight // so that no submission starts a loop
	w.mu.Unlock()
	return w, func(n int) {
		waitQueued(t, w, n)
		w.mu.Lock()
		w.running = 1 // the loop below
		w.mu.Unlock()
		go w.loop()
	}
}

// waitQueued waits until n calls are queued.
func waitQueued(t *testing.T, w *pgBatcher, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		w.mu.Lock()
		got := len(w.queue)
		w.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls queued, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPGGroupCommit sends writes as one group: each sees the ones before it
// and gets its own answer, and a group with a failing statement is run again
// one statement at a time, so that only that statement fails.
func TestPGGroupCommit(t *testing.T) {
	db := openDSN(t, newPGDSN(t), Options{})
	ctx := context.Background()
	if err := db.CreatePool(ctx, storage.Pool{ID: "p1"}); err != nil {
		t.Fatal(err)
	}
	user := func(pool, key string) storage.User {
		return storage.User{PoolID: pool, Username: key, UsernameKey: key, Sub: pool + "/" + key}
	}
	if err := db.CreateUser(ctx, user("p1", "dup")); err != nil {
		t.Fatal(err)
	}

	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("failing=%v", fail), func(t *testing.T) {
			w, release := holdBatcher(t, db)
			pool := fmt.Sprintf("g%v", fail)
			var calls []func() error
			// A pool, then a user in it: the user's foreign key holds only
			// if the insert sees the pool's, inside the group.
			calls = append(calls,
				func() error { return db.CreatePool(ctx, storage.Pool{ID: pool}) },
				func() error { return db.CreateUser(ctx, user(pool, "a")) })
			if fail {
				calls = append(calls, func() error { return db.CreateUser(ctx, user("p1", "dup")) })
			}
			var msg storage.Message
			calls = append(calls,
				func() (err error) {
					msg, err = db.AppendMessage(ctx, storage.Message{PoolID: pool, Username: "a", SentAt: time.Unix(1, 0)})
					return err
				},
				func() error { return db.CreateUser(ctx, user(pool, "b")) })
			errs := make([]error, len(calls))
			var wg sync.WaitGroup
			for i, call := range calls {
				wg.Add(1)
				go func() { defer wg.Done(); errs[i] = call() }()
				waitQueued(t, w, i+1) // keep the order
			}
			before := w.groups.Load()
			release(len(calls))
			wg.Wait()
			if got := w.groups.Load() - before; got != 1 {
				t.Errorf("%d writes were sent in %d groups, want 1", len(calls), got)
			}
			for i, err := range errs {
				if fail && i == 2 {
					if !errors.Is(err, storage.ErrExists) {
						t.Errorf("duplicate user: %v, want ErrExists", err)
					}
					continue
				}
				if err != nil {
					t.Errorf("call %d: %v", i, err)
				}
			}
			for _, key := range []string{"a", "b"} {
				if _, err := db.GetUser(ctx, pool, key); err != nil {
					t.Errorf("user %s/%s: %v", pool, key, err)
				}
			}
			if msg.ID == 0 {
				t.Error("AppendMessage returned no id")
			}
			ms, err := db.ListMessages(ctx, pool, "a")
			if err != nil || len(ms) != 1 || ms[0].ID != msg.ID {
				t.Errorf("messages %v (%v), want the one with id %d", ms, err, msg.ID)
			}
		})
	}
}

// TestPGGroupCommitCAS runs two compare-and-swap updates of one user in one
// group: the second fails its comparison (the first changed the row), falls
// back to the locked update, and nothing is lost.
func TestPGGroupCommitCAS(t *testing.T) {
	db := openDSN(t, newPGDSN(t), Options{})
	ctx := context.Background()
	if err := db.CreatePool(ctx, storage.Pool{ID: "p1"}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, storage.User{PoolID: "p1", Username: "a", UsernameKey: "a", Sub: "a"}); err != nil {
		t.Fatal(err)
	}
	w, release := holdBatcher(t, db)
	var wg sync.WaitGroup
	for i, inc := range []int{100, 1} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := db.UpdateUser(ctx, "p1", "a", func(u *storage.User) error {
				u.Lockout.Failures += inc
				return nil
			}); err != nil {
				t.Error(err)
			}
		}()
		waitQueued(t, w, i+1)
	}
	before := w.groups.Load()
	release(2)
	wg.Wait()
	if got := w.groups.Load() - before; got != 1 {
		t.Errorf("the two updates were sent in %d groups, want 1", got)
	}
	u, err := db.GetUser(ctx, "p1", "a")
	if err != nil || u.Lockout.Failures != 101 {
		t.Fatalf("counter %d (%v), want 101", u.Lockout.Failures, err)
	}
}

// TestPGGroupCommitAbandoned: a write whose context ends while it waits for
// its group returns the context's error and is never sent.
func TestPGGroupCommitAbandoned(t *testing.T) {
	db := openDSN(t, newPGDSN(t), Options{})
	w, release := holdBatcher(t, db)
	cctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- db.CreatePool(cctx, storage.Pool{ID: "gone"}) }()
	waitQueued(t, w, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("CreatePool: %v, want context.Canceled", err)
	}
	release(1)
	// The next write runs after the abandoned one would have.
	ctx := context.Background()
	if err := db.CreatePool(ctx, storage.Pool{ID: "next"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetPool(ctx, "gone"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the abandoned pool: %v, want ErrNotFound", err)
	}
}

// TestPGConcurrentWrites checks, with many writers at once, that every
// acknowledged write is there and that writes did share groups.
func TestPGConcurrentWrites(t *testing.T) {
	db := openDSN(t, newPGDSN(t), Options{})
	w := db.be.(*pgBackend).batcher
	ctx := context.Background()
	if err := db.CreatePool(ctx, storage.Pool{ID: "p1"}); err != nil {
		t.Fatal(err)
	}
	const n = 64
	before := w.groups.Load()
	createUsersAtOnce(t, db, "p1", n)
	if c, err := db.CountUsers(ctx, "p1"); err != nil || c != n {
		t.Errorf("%d users (%v), want %d", c, err, n)
	}
	t.Logf("%d writes in %d groups", n, w.groups.Load()-before)
}

// TestConformancePGNoGroupCommit runs the suite on PostgreSQL with each
// single-statement write sent alone (Options.MaxBatch 1).
func TestConformancePGNoGroupCommit(t *testing.T) {
	newPGDSN(t) // skips early when unconfigured
	conformance.Run(t, func(t *testing.T) storage.Store {
		db := openDSN(t, newPGDSN(t), Options{MaxBatch: 1})
		if db.be.(*pgBackend).batcher != nil {
			t.Fatal("MaxBatch 1 left group commit on")
		}
		return db
	})
}

// TestPGGroupCommitTwoNodes sends, from two handles on one database (two
// nodes), one group each that updates the same two users in opposite
// orders, which can deadlock: PostgreSQL then aborts one group, whose
// updates run again one by one. Every increment must be there.
func TestPGGroupCommitTwoNodes(t *testing.T) {
	dsn := newPGDSN(t)
	db1, db2 := openDSN(t, dsn, Options{}), openDSN(t, dsn, Options{})
	ctx := context.Background()
	if err := db1.CreatePool(ctx, storage.Pool{ID: "p1"}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"x", "y"} {
		if err := db1.CreateUser(ctx, storage.User{PoolID: "p1", Username: key, UsernameKey: key, Sub: key}); err != nil {
			t.Fatal(err)
		}
	}
	var deadlocks0 int64
	db1.be.read(ctx, func(q querier) error {
		return q.queryRow("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").Scan(&deadlocks0)
	})
	w1, release1 := holdBatcher(t, db1)
	w2, release2 := holdBatcher(t, db2)
	var wg sync.WaitGroup
	for _, node := range []struct {
		db   *DB
		w    *pgBatcher
		keys []string
		inc  int
	}{{db1, w1, []string{"x", "y"}, 1}, {db2, w2, []string{"y", "x"}, 10}} {
		for i, key := range node.keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := node.db.UpdateUser(ctx, "p1", key, func(u *storage.User) error {
					u.Lockout.Failures += node.inc
					return nil
				}); err != nil {
					t.Error(err)
				}
			}()
			waitQueued(t, node.w, i+1)
		}
	}
	go release1(2)
	release2(2)
	wg.Wait()
	for _, key := range []string{"x", "y"} {
		u, err := db1.GetUser(ctx, "p1", key)
		if err != nil || u.Lockout.Failures != 11 {
			t.Errorf("user %s: counter %d (%v), want 11", key, u.Lockout.Failures, err)
		}
	}
	var deadlocks int64
	db1.be.read(ctx, func(q querier) error {
		return q.queryRow("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").Scan(&deadlocks)
	})
	t.Logf("deadlocks reported by the database meanwhile: %d", deadlocks-deadlocks0)
}

// TestPGGroupCommitCancelSent: a write whose context ends after its group was
// sent returns at once, while the group (here blocked on a row lock) goes on
// and the other write of the group succeeds when it ends.
func TestPGGroupCommitCancelSent(t *testing.T) {
	dsn := newPGDSN(t)
	db := openDSN(t, dsn, Options{})
	ctx := context.Background()
	if err := db.CreatePool(ctx, storage.Pool{ID: "p1"}); err != nil {
		t.Fatal(err)
	}
	locker, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT 1 FROM pools WHERE id = 'p1' FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	w, release := holdBatcher(t, db)
	update := func(ctx context.Context) error {
		return db.be.write(ctx, false, func(q querier) error {
			_, err := q.exec("UPDATE pools SET data = ? WHERE id = ? -- TestPGGroupCommitCancelSent", "{}", "p1")
			return err
		})
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- update(cctx) }()
	waitQueued(t, w, 1)
	go func() { errs <- update(ctx) }()
	release(2)
	// Wait until the group waits for the lock.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var n int
		if err := locker.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%-- TestPGGroupCommitCancelSent'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the group never waited for the lock")
		}
	}
	cancel()
	select {
	case err := <-errs:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the cancelled write: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the cancelled write did not return while its group was blocked")
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-errs; err != nil {
		t.Errorf("the other write of the group: %v", err)
	}
}
