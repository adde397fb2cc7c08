package sql

import (
	"bufio"
	"bytes"
	"context"
	dbsql "database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/userpoold/userpoold/internal/seal"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/storage/conformance"
)

const pgEnv = "USERPOOLD_TEST_POSTGRES"

func testSealer(t testing.TB) storage.Sealer {
	t.Helper()
	box, err := seal.New(bytes.Repeat([]byte{0x42}, seal.KeySize), "storage", nil)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// openDSN opens dsn and closes it when t ends.
func openDSN(t testing.TB, dsn string, opts Options) *DB {
	t.Helper()
	db, err := Open(context.Background(), dsn, testSealer(t), opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// sqliteDSN returns a DSN for a new SQLite file in t's temp dir.
func newSQLiteDSN(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "userpoold.db")
}

// newPGDSN creates a schema of its own on the test PostgreSQL and returns a
// DSN whose search_path names it; the schema is dropped when t ends. It
// skips t when no PostgreSQL is configured.
func newPGDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(pgEnv)
	if base == "" {
		t.Skip("PostgreSQL tests skipped: set " + pgEnv + " to a DSN, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	schema := fmt.Sprintf("userpoold_test_%d_%08x", os.Getpid(), rand.Uint32())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connecting to %s: %v", pgEnv, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// backends runs fn once per backend: SQLite always, PostgreSQL when
// configured (else that subtest is skipped).
func backends(t *testing.T, fn func(t *testing.T, newDSN func(testing.TB) string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newSQLiteDSN) })
	t.Run("postgres", func(t *testing.T) {
		newPGDSN(t) // skips early when unconfigured
		fn(t, newPGDSN)
	})
}

func TestConformance(t *testing.T) {
	backends(t, func(t *testing.T, newDSN func(testing.TB) string) {
		conformance.Run(t, func(t *testing.T) storage.Store {
			return openDSN(t, newDSN(t), Options{})
		})
	})
}

// TestConformanceVariants runs the suite with UpdateUser locking instead of
// compare-and-swap (the path it falls back to), and on SQLite with one write
// per transaction (the path a lone writer takes).
func TestConformanceVariants(t *testing.T) {
	backends(t, func(t *testing.T, newDSN func(testing.TB) string) {
		t.Run("locking-updates", func(t *testing.T) {
			conformance.Run(t, func(t *testing.T) storage.Store {
				return openDSN(t, newDSN(t), Options{LockingUpdates: true})
			})
		})
	})
	t.Run("sqlite-no-group-commit", func(t *testing.T) {
		conformance.Run(t, func(t *testing.T) storage.Store {
			return openDSN(t, newSQLiteDSN(t), Options{MaxBatch: 1})
		})
	})
}

func TestParseDSN(t *testing.T) {
	for _, tc := range []struct{ dsn, kind, target string }{
		{"", "sqlite", DefaultSQLitePath},
		{"sqlite:/var/lib/u.db", "sqlite", "/var/lib/u.db"},
		{"sqlite:///var/lib/u.db", "sqlite", "/var/lib/u.db"},
		{"sqlite://data/u.db", "sqlite", "data/u.db"},
		{"sqlite:u.db", "sqlite", "u.db"},
		{"./data/u.db", "sqlite", "./data/u.db"},
		{"/abs/u.db", "sqlite", "/abs/u.db"},
		{"postgres://u@h/db?sslmode=disable", "postgres", "postgres://u@h/db?sslmode=disable"},
		{"postgresql://u@h/db", "postgres", "postgresql://u@h/db"},
	} {
		kind, target, err := parseDSN(tc.dsn)
		if err != nil || kind != tc.kind || target != tc.target {
			t.Errorf("parseDSN(%q) = %q, %q, %v; want %q, %q", tc.dsn, kind, target, err, tc.kind, tc.target)
		}
	}
	for _, dsn := range []string{"mysql://x", "sqlite:", "sqlite://"} {
		if _, _, err := parseDSN(dsn); err == nil {
			t.Errorf("parseDSN(%q) succeeded", dsn)
		}
	}
}

func TestSuccessor(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"abc", "abd", true},
		{"a\U0010FFFF", "b", true},
		{"\U0010FFFF", "", false},
		{"", "", false},
		{"x\uD7FF", "x\uE000", true},
		{"é", "ê", true},
	} {
		got, ok := successor(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("successor(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCursor(t *testing.T) {
	c := encodeCursor("", "a\x01b")
	if c == "" {
		t.Fatal("empty cursor")
	}
	parts, err := decodeCursor(c, 2)
	if err != nil || parts[0] != "" || parts[1] != "a\x01b" {
		t.Fatalf("decodeCursor: %q, %v", parts, err)
	}
	for _, bad := range []string{"!!", encodeCursor("a"), base64.RawURLEncoding.EncodeToString([]byte("2\x00a\x00b"))} {
		if _, err := decodeCursor(bad, 2); !errors.Is(err, errBadCursor) {
			t.Errorf("decodeCursor(%q): %v", bad, err)
		}
	}
}

// ---------------------------------------------------------------------------
// Secrets at rest

// Markers put into every secret field; none may appear in the database in
// any encoding.
var secretMarkers = []string{
	"PASSWORD-HASH-MARKER", "SRP-SALT-MARKER", "SRP-VERIFIER-MARKER", "TOTP-SECRET-MARKER",
	"TOTP-PENDING-MARKER", "CODE-VALUE-MARKER", "DEVICE-SALT-MARKER", "DEVICE-VERIFIER-MARKER",
	"CLIENT-SECRET-MARKER", "ROTATED-SECRET-MARKER", "PRIVATE-KEY-MARKER", "SESSION-STATE-MARKER",
	"OUTBOX-CODE-MARKER", "OUTBOX-BODY-MARKER", "OUTBOX-SUBJECT-MARKER",
}

// publicMarker is stored in plain fields: finding it shows the dump works.
const publicMarker = "PUBLIC-EMAIL-MARKER"

func writeSecretRecords(t *testing.T, db *DB) {
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.CreatePool(ctx, storage.Pool{ID: "p1"}))
	must(db.CreateClient(ctx, storage.Client{PoolID: "p1", ID: "c1", Secret: "CLIENT-SECRET-MARKER"}))
	// Rotated secrets, written by an update.
	_, err := db.UpdateClient(ctx, "c1", func(c *storage.Client) error {
		c.Secrets = []storage.ClientSecret{{ID: "c1--1", Value: c.Secret}, {ID: "c1--2", Value: "ROTATED-SECRET-MARKER"}}
		return nil
	})
	must(err)
	must(db.CreateUser(ctx, storage.User{
		PoolID: "p1", Username: "alice", UsernameKey: "alice", Sub: "sub-alice",
		Attributes: []storage.Attribute{{Name: "email", Value: publicMarker}},
		Secrets: storage.UserSecrets{
			PasswordHash: "PASSWORD-HASH-MARKER",
			SRPSalt:      []byte("SRP-SALT-MARKER"),
			SRPVerifier:  []byte("SRP-VERIFIER-MARKER"),
			TOTPPending:  []byte("TOTP-PENDING-MARKER"),
			Codes:        []storage.Code{{Purpose: "SIGN_UP", Value: "CODE-VALUE-MARKER"}},
		},
	}))
	// Written by an update too.
	_, err = db.UpdateUser(ctx, "p1", "alice", func(u *storage.User) error {
		u.Secrets.TOTPSecret = []byte("TOTP-SECRET-MARKER")
		return nil
	})
	must(err)
	must(db.CreateUser(ctx, storage.User{PoolID: "p1", Username: "bob", UsernameKey: "bob", Sub: "sub-bob"}))
	must(db.CreateDevice(ctx, storage.Device{PoolID: "p1", UsernameKey: "alice", Key: "d1",
		Secrets: storage.DeviceSecrets{Salt: []byte("DEVICE-SALT-MARKER"), Verifier: []byte("DEVICE-VERIFIER-MARKER")}}))
	must(db.AddSigningKey(ctx, storage.SigningKey{PoolID: "p1", KID: "k1", PrivateKey: []byte("PRIVATE-KEY-MARKER")}))
	must(db.CreateSession(ctx, storage.AuthSession{ID: "s1", PoolID: "p1", State: []byte("SESSION-STATE-MARKER")}))
	_, err = db.AppendMessage(ctx, storage.Message{PoolID: "p1", Username: "alice", Channel: "EMAIL", Destination: publicMarker,
		Purpose: "SIGN_UP", Code: "OUTBOX-CODE-MARKER", Subject: "OUTBOX-SUBJECT-MARKER", Body: "OUTBOX-BODY-MARKER"})
	must(err)
}

func checkNoPlaintext(t *testing.T, dump []byte) {
	t.Helper()
	if !bytes.Contains(dump, []byte(publicMarker)) {
		t.Fatalf("the dump does not contain the public marker; the check proves nothing")
	}
	for _, m := range secretMarkers {
		for _, enc := range []string{
			m,
			base64.StdEncoding.EncodeToString([]byte(m)),
			base64.RawStdEncoding.EncodeToString([]byte(m)),
			hex.EncodeToString([]byte(m)),
		} {
			if bytes.Contains(dump, []byte(enc)) {
				t.Errorf("secret %s is in the database as %q", m, enc)
			}
		}
	}
}

var allTables = []string{"pools", "clients", "users", "user_groups", "memberships", "devices", "sessions",
	"signing_keys", "revocations", "messages", "auth_events", "schema_migrations"}

func TestSecretsSealedSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "u.db")
	db, err := Open(context.Background(), path, testSealer(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeSecretRecords(t, db)
	// Read back in plaintext.
	u, err := db.GetUser(context.Background(), "p1", "alice")
	if err != nil || u.Secrets.PasswordHash != "PASSWORD-HASH-MARKER" || string(u.Secrets.TOTPSecret) != "TOTP-SECRET-MARKER" {
		t.Fatalf("GetUser: %v, %+v", err, u.Secrets)
	}
	var dump []byte
	for _, f := range []string{path, path + "-wal"} {
		b, _ := os.ReadFile(f)
		dump = append(dump, b...)
	}
	checkNoPlaintext(t, dump)
	db.Close()
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		t.Errorf("Close left a %d-byte WAL behind: the last connection should checkpoint it", fi.Size())
	}
	dump = nil
	for _, f := range []string{path, path + "-wal"} {
		b, _ := os.ReadFile(f)
		dump = append(dump, b...)
	}
	checkNoPlaintext(t, dump)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("database file mode: %v, %v; want 0600", fi.Mode(), err)
	}
}

func TestSecretsSealedPostgres(t *testing.T) {
	dsn := newPGDSN(t)
	db := openDSN(t, dsn, Options{})
	writeSecretRecords(t, db)
	var dump []byte
	err := db.be.read(context.Background(), func(q querier) error {
		for _, table := range allTables {
			var s *string
			if err := q.queryRow("SELECT string_agg(t::text, ' ') FROM " + table + " t").Scan(&s); err != nil {
				return err
			}
			if s != nil {
				dump = append(dump, *s...)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkNoPlaintext(t, dump)
}

// TestSealedSecretsBound moves a sealed value onto another row: it must not
// open there.
func TestSealedSecretsBound(t *testing.T) {
	backends(t, func(t *testing.T, newDSN func(testing.TB) string) {
		db := openDSN(t, newDSN(t), Options{})
		writeSecretRecords(t, db)
		ctx := context.Background()
		err := db.be.write(ctx, true, func(q querier) error {
			var sealed []byte
			if err := q.queryRow("SELECT secrets FROM users WHERE pool_id = ? AND username_key = ?", "p1", "alice").Scan(&sealed); err != nil {
				return err
			}
			_, err := q.exec("UPDATE users SET secrets = ? WHERE pool_id = ? AND username_key = ?", sealed, "p1", "bob")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetUser(ctx, "p1", "bob"); !errors.Is(err, seal.ErrOpen) {
			t.Errorf("GetUser with another user's sealed secrets: %v, want seal.ErrOpen", err)
		}
		if _, err := db.GetUser(ctx, "p1", "alice"); err != nil {
			t.Error(err)
		}
	})
}

// ---------------------------------------------------------------------------
// Opening, migrations, several handles

func TestConcurrentOpen(t *testing.T) {
	backends(t, func(t *testing.T, newDSN func(testing.TB) string) {
		dsn := newDSN(t)
		const n = 4
		var wg sync.WaitGroup
		errs := make([]error, n)
		dbs := make([]*DB, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dbs[i], errs[i] = Open(context.Background(), dsn, testSealer(t), Options{})
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Errorf("Open %d: %v", i, errs[i])
				continue
			}
			defer dbs[i].Close()
		}
		if t.Failed() {
			return
		}
		all, err := loadMigrations()
		if err != nil {
			t.Fatal(err)
		}
		var count int64
		err = dbs[0].be.read(context.Background(), func(q querier) error {
			return q.queryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&count)
		})
		if err != nil || count != int64(len(all)) {
			t.Errorf("schema_migrations has %d rows (%v), want %d", count, err, len(all))
		}
		// Every handle works.
		for i, db := range dbs {
			if err := db.CreatePool(context.Background(), storage.Pool{ID: fmt.Sprintf("p%d", i)}); err != nil {
				t.Errorf("handle %d: %v", i, err)
			}
		}
	})
}

func TestNewerSchemaRefused(t *testing.T) {
	backends(t, func(t *testing.T, newDSN func(testing.TB) string) {
		dsn := newDSN(t)
		db := openDSN(t, dsn, Options{})
		err := db.be.write(context.Background(), false, func(q querier) error {
			_, err := q.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", int64(9999), "9999_future.sql", int64(0))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		db2, err := Open(context.Background(), dsn, testSealer(t), Options{})
		if err == nil {
			db2.Close()
			t.Fatal("Open of a database migrated by a newer binary succeeded")
		}
		if !strings.Contains(err.Error(), "newer") {
			t.Errorf("error does not explain: %v", err)
		}
	})
}

// TestTwoHandles updates one record through two handles on one database, as
// two processes (or nodes) would.
func TestTwoHandles(t *testing.T) {
	backends(t, func(t *testing.T, newDSN func(testing.TB) string) {
		a, b := twoHandles(t, newDSN(t), storage.User{PoolID: "p1", Username: "c", UsernameKey: "c", Sub: "s"})
		ctx := context.Background()
		const n = 15
		var wg sync.WaitGroup
		for _, db := range []*DB{a, b} {
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := db.UpdateUser(ctx, "p1", "c", func(u *storage.User) error { u.Lockout.Failures++; return nil }); err != nil {
						t.Error(err)
					}
				}()
			}
		}
		wg.Wait()
		u, err := b.GetUser(ctx, "p1", "c")
		if err != nil || u.Lockout.Failures != 2*n {
			t.Errorf("counter = %d (%v), want %d", u.Lockout.Failures, err, 2*n)
		}
	})
}

// ---------------------------------------------------------------------------
// SQLite writer

func TestGroupCommit(t *testing.T) {
	db := openDSN(t, newSQLiteDSN(t), Options{})
	w := db.be.(*sqliteBackend).w
	ctx := context.Background()
	if err := db.CreatePool(ctx, storage.Pool{ID: "p1"}); err != nil {
		t.Fatal(err)
	}
	// Writes that arrive while an fsync runs wait in one open transaction
	// and share the next fsync; a slow disk (5 ms per fsync) makes them.
	sync0 := w.syncWAL
	w.syncWAL = func() error { time.Sleep(5 * time.Millisecond); return sync0() }
	syncs0 := w.syncs.Load()
	const n = 64
	createUsersAtOnce(t, db, "p1", n)
	syncs := w.syncs.Load() - syncs0
	if syncs > n/2 {
		t.Errorf("%d concurrent writes took %d fsyncs of the WAL", n, syncs)
	}
	t.Logf("%d writes in %d transactions (largest group %d) and %d fsyncs", n, w.groups.Load()-1, w.maxSeen.Load(), syncs)
}

// TestGroupCommitIsolation puts three writes into one group: the middle one
// writes and then fails, and only its own write is rolled back.
func TestGroupCommitIsolation(t *testing.T) {
	db := openDSN(t, newSQLiteDSN(t), Options{})
	w := db.be.(*sqliteBackend).w
	ctx := context.Background()
	insert := func(id string) func(q querier) error {
		return func(q querier) error {
			_, err := q.exec("INSERT INTO pools (id, data) VALUES (?, '{}')", id)
			return err
		}
	}
	// Hold the writer so that the next three calls queue up and join the
	// holder's transaction.
	groupsBefore := w.groups.Load()
	hold, held := make(chan struct{}), make(chan struct{})
	go db.be.write(ctx, true, func(q querier) error { close(held); <-hold; return nil })
	<-held
	errBoom := errors.New("boom")
	results := make([]error, 3)
	var wg sync.WaitGroup
	for i, fn := range []func(q querier) error{
		insert("a"),
		func(q querier) error {
			if err := insert("b")(q); err != nil {
				return err
			}
			return errBoom
		},
		insert("c"),
	} {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = db.be.write(ctx, true, fn) }()
		for len(w.reqs) < i+1 { // keep the order
			time.Sleep(time.Millisecond)
		}
	}
	close(hold)
	wg.Wait()
	if got := w.groups.Load() - groupsBefore; got != 1 {
		t.Fatalf("the holder and the three writes took %d transactions, want 1", got)
	}
	if results[0] != nil || results[1] != errBoom || results[2] != nil {
		t.Fatalf("results %v", results)
	}
	for id, want := range map[string]bool{"a": true, "b": false, "c": true} {
		_, err := db.GetPool(ctx, id)
		if (err == nil) != want {
			t.Errorf("pool %s: exists=%v, want %v", id, err == nil, want)
		}
	}
}

func TestSQLitePragmas(t *testing.T) {
	db := openDSN(t, newSQLiteDSN(t), Options{})
	b := db.be.(*sqliteBackend)
	ctx := context.Background()
	want := map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000"}
	if b.w.wal == nil {
		t.Fatal("the writer does not sync the WAL itself")
	}
	for name, v := range want {
		var got string
		err := db.be.write(ctx, true, func(q querier) error { return q.queryRow("PRAGMA " + name).Scan(&got) })
		wv := v
		if name == "synchronous" {
			wv = "1" // NORMAL: the syncer fsyncs the WAL before any write returns
		}
		if err != nil || got != wv {
			t.Errorf("writer: PRAGMA %s = %q (%v), want %q", name, got, err, wv)
		}
		if err := b.rdb.QueryRow("PRAGMA " + name).Scan(&got); err != nil || got != v {
			t.Errorf("reader: PRAGMA %s = %q (%v), want %q", name, got, err, v)
		}
	}
}

// TestWriteWaitsForWALSync: a write returns only after the fsync of the WAL
// that follows its commit; writes that arrive while an fsync runs wait in
// one open transaction and commit together when it is done, sharing the next
// fsync; a failed fsync fails the writes it covered and every later one.
func TestWriteWaitsForWALSync(t *testing.T) {
	db := openDSN(t, newSQLiteDSN(t), Options{})
	w := db.be.(*sqliteBackend).w
	ctx := context.Background()
	entered := make(chan struct{}, 16)
	release := make(chan error)
	w.syncWAL = func() error {
		entered <- struct{}{}
		return <-release
	}
	create := func(id string) chan error {
		ch := make(chan error, 1)
		go func() { ch <- db.CreatePool(ctx, storage.Pool{ID: id}) }()
		return ch
	}
	first := create("a")
	<-entered // a is committed; its fsync is running
	if n := db.countPools(t); n != 1 {
		t.Fatalf("%d pools visible during a's fsync, want 1", n)
	}
	groups, joined := w.groups.Load(), w.joined.Load()
	second, third := create("b"), create("c")
	for w.joined.Load() < joined+2 {
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-first:
		t.Fatalf("the write returned (%v) before its fsync", err)
	case err := <-second:
		t.Fatalf("b returned (%v) before its commit", err)
	case <-time.After(20 * time.Millisecond):
	}
	if n := db.countPools(t); n != 1 {
		t.Fatalf("%d pools visible before b and c commit, want 1", n)
	}
	syncs := w.syncs.Load()
	release <- nil
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	<-entered // b and c committed together; their fsync is running
	if got := w.groups.Load() - groups; got != 1 {
		t.Fatalf("b and c took %d transactions, want 1", got)
	}
	if n := db.countPools(t); n != 3 {
		t.Fatalf("%d pools visible after b and c commit, want 3", n)
	}
	select {
	case err := <-second:
		t.Fatalf("b returned (%v) before its fsync", err)
	case <-time.After(20 * time.Millisecond):
	}
	release <- errors.New("EIO")
	for _, ch := range []chan error{second, third} {
		if err := <-ch; err == nil || !strings.Contains(err.Error(), "fsync of the WAL failed") {
			t.Fatalf("write covered by a failed fsync: %v", err)
		}
	}
	if got := w.syncs.Load() - syncs; got != 2 {
		t.Fatalf("%d fsyncs after the first, want 2", got)
	}
	if err := db.CreatePool(ctx, storage.Pool{ID: "d"}); err == nil || !strings.Contains(err.Error(), "fsync of the WAL failed") {
		t.Fatalf("write after a failed fsync: %v", err)
	}
}

func (db *DB) countPools(t *testing.T) int {
	t.Helper()
	var n int
	err := db.be.read(context.Background(), func(q querier) error {
		return q.queryRow("SELECT count(*) FROM pools").Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOptimisticConflict makes an UpdateUser's compare-and-swap fail: its fn
// runs again on the fresh record and nothing is lost.
func TestOptimisticConflict(t *testing.T) {
	db := openDSN(t, newSQLiteDSN(t), Options{})
	w := db.be.(*sqliteBackend).w
	ctx := context.Background()
	if err := db.CreatePool(ctx, storage.Pool{ID: "p1"}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, storage.User{PoolID: "p1", Username: "a", UsernameKey: "a", Sub: "a"}); err != nil {
		t.Fatal(err)
	}
	hold, held := make(chan struct{}), make(chan struct{})
	go db.be.write(ctx, true, func(q querier) error { close(held); <-hold; return nil })
	<-held
	var wg sync.WaitGroup
	var calls atomic.Int32
	var results [2]storage.User
	for i, inc := range []int{100, 1} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			results[i], err = db.UpdateUser(ctx, "p1", "a", func(u *storage.User) error {
				if inc == 1 {
					calls.Add(1)
				}
				u.Lockout.Failures += inc
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
		for len(w.reqs) < i+1 { // both read the record before either writes
			time.Sleep(time.Millisecond)
		}
	}
	close(hold)
	wg.Wait()
	u, err := db.GetUser(ctx, "p1", "a")
	if err != nil || u.Lockout.Failures != 101 {
		t.Fatalf("counter %d (%v), want 101", u.Lockout.Failures, err)
	}
	if calls.Load() != 2 {
		t.Errorf("the conflicting fn ran %d times, want 2", calls.Load())
	}
	if results[0].Lockout.Failures != 100 || results[1].Lockout.Failures != 101 {
		t.Errorf("results %d, %d; want 100, 101", results[0].Lockout.Failures, results[1].Lockout.Failures)
	}
}

// TestCanonical checks that UpdateUser's shortcut (canonical) returns what
// decoding the stored form does.
func TestCanonical(t *testing.T) {
	zone := time.FixedZone("X", 3600)
	u := benchUser("k")
	u.CreatedAt = time.Date(2025, 1, 2, 3, 4, 5, 123456789, zone)
	u.Lockout.LockedUntil = time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC)
	u.PendingAttributes = []storage.Attribute{}
	u.MFA.Enabled = []storage.MFAFactor{}
	u.Secrets.TOTPPending = []byte{}
	u.Secrets.Codes = []storage.Code{{Purpose: "p", ExpiresAt: time.Date(2030, 1, 1, 0, 0, 0, 1, zone)}}
	data, err := marshalUserData(&u)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := marshalUserSecrets(&u.Secrets)
	if err != nil {
		t.Fatal(err)
	}
	want := storage.User{PoolID: u.PoolID, UsernameKey: u.UsernameKey, Username: u.Username, Sub: u.Sub}
	if err := decodeUser(&want, data, plain); err != nil {
		t.Fatal(err)
	}
	got := canonical(u)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("canonical:\n%+v\ndecoded:\n%+v", got, want)
	}
	got.Attributes[0].Value = "changed"
	got.Secrets.SRPSalt[0] = 99
	if u.Attributes[0].Value == "changed" || u.Secrets.SRPSalt[0] == 99 {
		t.Error("canonical shares memory with its argument")
	}
}

func TestWriterPanic(t *testing.T) {
	db := openDSN(t, newSQLiteDSN(t), Options{})
	ctx := context.Background()
	if err := db.CreatePool(ctx, storage.Pool{ID: "p1"}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, storage.User{PoolID: "p1", Username: "a", UsernameKey: "a", Sub: "a"}); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Errorf("recovered %v, want the fn's panic value", v)
			}
		}()
		db.UpdateUser(ctx, "p1", "a", func(u *storage.User) error { u.Status = "X"; panic("boom") })
	}()
	u, err := db.UpdateUser(ctx, "p1", "a", func(u *storage.User) error { u.Lockout.Failures++; return nil })
	if err != nil || u.Status != "" || u.Lockout.Failures != 1 {
		t.Errorf("after a panic: %+v, %v", u, err)
	}
}

func TestClosed(t *testing.T) {
	backends(t, func(t *testing.T, newDSN func(testing.TB) string) {
		db, err := Open(context.Background(), newDSN(t), testSealer(t), Options{})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		if err := db.CreatePool(context.Background(), storage.Pool{ID: "p"}); err == nil {
			t.Error("CreatePool after Close succeeded")
		}
		if _, err := db.GetPool(context.Background(), "p"); err == nil {
			t.Error("GetPool after Close succeeded")
		}
	})
}

// ---------------------------------------------------------------------------
// Durability: kill -9 a writer and check every acknowledged write.

const durabilityEnv = "USERPOOLD_DURABILITY_DSN"

// TestDurabilityChild is the writer TestDurability starts and kills. It
// prints "ACK <key>" after each CreateUser returned nil and "INC <n>" after
// each counter increment returned n.
func TestDurabilityChild(t *testing.T) {
	dsn := os.Getenv(durabilityEnv)
	if dsn == "" {
		t.Skip("helper process for TestDurability")
	}
	db, err := Open(context.Background(), dsn, testSealer(t), Options{})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	ctx := context.Background()
	if err := db.CreatePool(ctx, storage.Pool{ID: "dur"}); err != nil && !errors.Is(err, storage.ErrExists) {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	if err := db.CreateUser(ctx, storage.User{PoolID: "dur", Username: "counter", UsernameKey: "counter", Sub: "counter"}); err != nil && !errors.Is(err, storage.ErrExists) {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		fmt.Fprintf(os.Stdout, format+"\n", args...)
		mu.Unlock()
	}
	for g := range 8 {
		go func() {
			for i := 0; ; i++ {
				key := fmt.Sprintf("%sg%d-%07d", os.Getenv(durabilityEnv+"_PREFIX"), g, i)
				err := db.CreateUser(ctx, storage.User{PoolID: "dur", Username: key, UsernameKey: key, Sub: "sub-" + key,
					Attributes: []storage.Attribute{{Name: "email", Value: key + "@example.com"}},
					Secrets:    storage.UserSecrets{PasswordHash: "hash-" + key}})
				if err != nil {
					say("ERR %v", err)
					continue
				}
				say("ACK %s", key)
				if i%4 == 0 {
					u, err := db.UpdateUser(ctx, "dur", "counter", func(u *storage.User) error { u.Lockout.Failures++; return nil })
					if err != nil {
						say("ERR %v", err)
						continue
					}
					say("INC %d", u.Lockout.Failures)
				}
			}
		}()
	}
	select {}
}

func TestDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a writer process")
	}
	backends(t, func(t *testing.T, newDSN func(testing.TB) string) {
		dsn := newDSN(t)
		for round := range 2 { // the second round writes into a recovered database
			acked, maxInc := runKilledWriter(t, dsn, fmt.Sprintf("r%d-", round), 400+round*300)
			db, err := Open(context.Background(), dsn, testSealer(t), Options{})
			if err != nil {
				t.Fatalf("reopening after kill -9: %v", err)
			}
			ctx := context.Background()
			for _, key := range acked {
				u, err := db.GetUser(ctx, "dur", key)
				if err != nil {
					t.Errorf("acknowledged user %s: %v", key, err)
				} else if u.Secrets.PasswordHash != "hash-"+key {
					t.Errorf("acknowledged user %s came back as %+v", key, u)
				}
			}
			c, err := db.GetUser(ctx, "dur", "counter")
			if err != nil || c.Lockout.Failures < maxInc {
				t.Errorf("counter %d (%v) below the acknowledged %d", c.Lockout.Failures, err, maxInc)
			}
			n, _ := db.CountUsers(ctx, "dur")
			t.Logf("round %d: %d acknowledged writes survived kill -9 (%d users stored, counter %d ≥ %d)", round, len(acked), n, c.Lockout.Failures, maxInc)
			db.Close()
			if strings.HasPrefix(dsn, "sqlite:") {
				checkIntegrity(t, strings.TrimPrefix(dsn, "sqlite:"))
			}
		}
	})
}

// runKilledWriter starts TestDurabilityChild on dsn, SIGKILLs it after it
// acknowledged want writes, and returns every acknowledged key (including
// those acknowledged between the decision and the kill) and the largest
// acknowledged counter.
func runKilledWriter(t *testing.T, dsn, prefix string, want int) (acked []string, maxInc int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDurabilityChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), durabilityEnv+"="+dsn, durabilityEnv+"_PREFIX="+prefix)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := atomic.Bool{}
	kill := func() {
		if killed.CompareAndSwap(false, true) {
			cmd.Process.Kill() // SIGKILL
		}
	}
	timer := time.AfterFunc(2*time.Minute, kill)
	defer timer.Stop()
	var errs int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "ACK "):
			acked = append(acked, strings.TrimPrefix(line, "ACK "))
			if len(acked) == want {
				kill()
			}
		case strings.HasPrefix(line, "INC "):
			var n int
			fmt.Sscan(strings.TrimPrefix(line, "INC "), &n)
			maxInc = max(maxInc, n)
		case strings.HasPrefix(line, "ERR "):
			errs++
			if errs < 5 {
				t.Errorf("writer: %s", line)
			}
		}
	}
	cmd.Wait()
	if len(acked) < want {
		t.Fatalf("the writer stopped after %d acknowledgements; stderr:\n%s", len(acked), stderr.String())
	}
	return acked, maxInc
}

func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	raw, err := dbsql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var res string
	if err := raw.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check: %q, %v", res, err)
	}
	if err := raw.QueryRow("PRAGMA foreign_key_check").Scan(new(any), new(any), new(any), new(any)); !errors.Is(err, dbsql.ErrNoRows) {
		t.Errorf("foreign_key_check found violations (%v)", err)
	}
}

// TestDeleteExpiredSessionsChunks sweeps more sessions than one chunk.
func TestDeleteExpiredSessionsChunks(t *testing.T) {
	backends(t, func(t *testing.T, newDSN func(testing.TB) string) {
		db := openDSN(t, newDSN(t), Options{})
		ctx := context.Background()
		if err := db.CreatePool(ctx, storage.Pool{ID: "p1"}); err != nil {
			t.Fatal(err)
		}
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		const expired, live = 2*expiredChunk + 7, 3
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := g; i < expired+live; i += 8 {
					exp := base.Add(-time.Duration(i+1) * time.Second)
					if i >= expired {
						exp = base.Add(time.Hour)
					}
					if err := db.CreateSession(ctx, storage.AuthSession{ID: fmt.Sprint("s", i), PoolID: "p1", ExpiresAt: exp}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		n, err := db.DeleteExpiredSessions(ctx, base)
		if err != nil || n != expired {
			t.Fatalf("DeleteExpiredSessions = %d, %v; want %d", n, err, expired)
		}
		for i := expired; i < expired+live; i++ {
			if _, err := db.GetSession(ctx, fmt.Sprint("s", i)); err != nil {
				t.Errorf("live session %d: %v", i, err)
			}
		}
	})
}

// createUsersAtOnce creates users u0 … u(n-1) in pool from n goroutines at
// once.
func createUsersAtOnce(t *testing.T, db *DB, pool string, n int) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("u%d", i)
			if err := db.CreateUser(ctx, storage.User{PoolID: pool, Username: key, UsernameKey: key, Sub: key}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// twoHandles opens two handles on the database dsn names, as two processes
// (or nodes) would, and creates u and its pool through the first.
func twoHandles(t *testing.T, dsn string, u storage.User) (a, b *DB) {
	t.Helper()
	a, b = openDSN(t, dsn, Options{}), openDSN(t, dsn, Options{})
	ctx := context.Background()
	if err := a.CreatePool(ctx, storage.Pool{ID: u.PoolID}); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return a, b
}
