package sql

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// DefaultSQLitePath is the database file used when Open is given an empty
// DSN.
const DefaultSQLitePath = "userpoold.db"

// Options tunes a DB. The zero value is ready to use.
type Options struct {
	// Logger receives migration notices and internal failures. nil
	// discards them.
	Logger *slog.Logger
	// Now stamps schema_migrations.applied_at; nil means time.Now. Records
	// carry the times their callers give them.
	Now func() time.Time

	// MaxConns caps the PostgreSQL connections of this node; 0 means
	// max(8, 4×GOMAXPROCS).
	MaxConns int
	// MaxReadConns caps the SQLite read connections; 0 means 8. (SQLite
	// always has exactly one write connection.)
	MaxReadConns int
	// MaxBatch caps how many writes are committed together: SQLite
	// writes (0 means 256) or PostgreSQL single-statement writes (0 means
	// 64). 1 turns group commit off.
	MaxBatch int
	// BusyTimeout is how long a SQLite write waits for another process
	// holding the database lock; 0 means 10s.
	BusyTimeout time.Duration

	// LockingUpdates makes UpdateUser read, run fn and write inside one
	// locked transaction, like the other Update methods, instead of
	// optimistically (see the package documentation). It costs throughput.
	LockingUpdates bool
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// DB is a storage.Store on SQLite or PostgreSQL. It is safe for concurrent
// use, and several processes may share one database.
type DB struct {
	be     backend
	d      *dialect
	sealer storage.Sealer
	log    *slog.Logger
	// lockingUpdates: Options.LockingUpdates.
	lockingUpdates bool
	snaps          userSnaps // see usersnap.go
}

var _ storage.Store = (*DB)(nil)

// Open opens (creating if need be) the database dsn names, applies pending
// migrations, and returns a Store whose secret fields are sealed with sealer.
//
// DSN forms:
//
//	""                          SQLite file DefaultSQLitePath in the working directory
//	sqlite:<path>               SQLite file at path (sqlite:///abs/x.db and
//	                            sqlite://rel/x.db work too)
//	<path>                      any other string without "://": a SQLite file
//	postgres://user@host/db?... PostgreSQL (also postgresql://); the query may
//	                            carry libpq parameters such as sslmode, and
//	                            search_path=<schema> to put the tables in a
//	                            schema other than the user's default
//
// A SQLite file is created with mode 0600 if it does not exist; its
// directory must exist.
func Open(ctx context.Context, dsn string, sealer storage.Sealer, opts Options) (*DB, error) {
	if sealer == nil {
		return nil, errors.New("storage/sql: Open needs a Sealer")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	kind, target, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	db := &DB{sealer: sealer, log: log, lockingUpdates: opts.LockingUpdates}
	db.snaps.seed = maphash.MakeSeed()
	switch kind {
	case "postgres":
		b, err := openPostgres(ctx, target, opts, log)
		if err != nil {
			return nil, err
		}
		db.be, db.d = b, postgresDialect
	default:
		b, err := openSQLite(ctx, target, opts, log)
		if err != nil {
			return nil, err
		}
		db.be, db.d = b, sqliteDialect
	}
	return db, nil
}

// parseDSN tells the backend a DSN names and what to hand it.
func parseDSN(dsn string) (kind, target string, err error) {
	switch {
	case dsn == "":
		return "sqlite", DefaultSQLitePath, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "postgres", dsn, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
		if p == "" {
			return "", "", fmt.Errorf("storage/sql: DSN %q names no file", dsn)
		}
		return "sqlite", p, nil
	case strings.Contains(dsn, "://"):
		scheme, _, _ := strings.Cut(dsn, "://")
		return "", "", fmt.Errorf("storage/sql: unsupported DSN scheme %q (want sqlite: or postgres://)", scheme)
	default:
		return "sqlite", dsn, nil
	}
}

// Ping reports whether the database is reachable.
func (db *DB) Ping(ctx context.Context) error { return db.be.ping(ctx) }

// Close waits for the SQLite write in progress, fails queued ones, and
// releases every connection.
func (db *DB) Close() error { return db.be.close() }

// ---------------------------------------------------------------------------
// Encoding helpers shared by the record files.

// Times are stored as unix microseconds (UTC): BIGINT columns hold
// t.UnixMicro() for every time including the zero time (whose value is
// -62135596800000000); inside JSON documents a zero time is left out and any
// other is its microseconds. Sub-microsecond digits, the location and the
// monotonic reading are dropped: a time comes back in UTC.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// jtime is a time inside a JSON document: nil for the zero time.
func jtime(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := t.UnixMicro()
	return &v
}

func fromJTime(p *int64) time.Time {
	if p == nil {
		return time.Time{}
	}
	return fromMicros(*p)
}

var timeType = reflect.TypeFor[time.Time]()

// canonical returns a deep copy of v in the form a read returns: times in
// UTC truncated to the microsecond, empty slices and maps nil.
func canonical[T any](v T) T {
	out := reflect.New(reflect.TypeFor[T]()).Elem()
	canonicalInto(out, reflect.ValueOf(v))
	return out.Interface().(T)
}

func canonicalInto(dst, src reflect.Value) {
	if src.Type() == timeType {
		dst.Set(reflect.ValueOf(fromMicros(micros(src.Interface().(time.Time)))))
		return
	}
	switch src.Kind() {
	case reflect.Struct:
		for i := range src.NumField() {
			canonicalInto(dst.Field(i), src.Field(i))
		}
	case reflect.Pointer:
		if !src.IsNil() {
			dst.Set(reflect.New(src.Type().Elem()))
			canonicalInto(dst.Elem(), src.Elem())
		}
	case reflect.Slice:
		if src.Len() == 0 {
			return
		}
		dst.Set(reflect.MakeSlice(src.Type(), src.Len(), src.Len()))
		if src.Type().Elem().Kind() == reflect.Uint8 {
			reflect.Copy(dst, src)
			return
		}
		for i := range src.Len() {
			canonicalInto(dst.Index(i), src.Index(i))
		}
	case reflect.Map:
		if src.Len() == 0 {
			return
		}
		dst.Set(reflect.MakeMapWithSize(src.Type(), src.Len()))
		iter := src.MapRange()
		for iter.Next() {
			v := reflect.New(src.Type().Elem()).Elem()
			canonicalInto(v, iter.Value())
			dst.SetMapIndex(iter.Key(), v)
		}
	default:
		dst.Set(src)
	}
}

// nullBytes stores an empty value as NULL.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// nullString stores a missing value as NULL.
func nullString(s string, ok bool) any {
	if !ok {
		return nil
	}
	return s
}

// emptyNil normalises what comes back: an empty slice is nil.
func emptyNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func (db *DB) seal(ad string, plaintext []byte) ([]byte, error) {
	if len(plaintext) == 0 {
		return nil, nil
	}
	ct, err := db.sealer.Seal(plaintext, []byte(ad))
	if err != nil {
		return nil, fmt.Errorf("storage/sql: sealing %s: %w", ad, err)
	}
	return ct, nil
}

func (db *DB) unseal(ad string, ciphertext []byte) ([]byte, error) {
	if len(ciphertext) == 0 {
		return nil, nil
	}
	pt, err := db.sealer.Open(ciphertext, []byte(ad))
	if err != nil {
		return nil, fmt.Errorf("storage/sql: opening the secrets of %s: %w", ad, err)
	}
	return pt, nil
}

// Associated data naming each sealed record. Pool IDs never contain '/'.
func userAD(pool, key string) string       { return "user/" + pool + "/" + key }
func deviceAD(pool, key string) string     { return "device/" + pool + "/" + key }
func clientAD(id string) string            { return "client/" + id }
func sessionAD(id string) string           { return "session/" + id }
func signingKeyAD(pool, kid string) string { return "signing-key/" + pool + "/" + kid }

// notFound wraps storage.ErrNotFound for a missing record.
func notFound(what string, key ...string) error {
	return fmt.Errorf("%w: %s %s", storage.ErrNotFound, what, strings.Join(key, "/"))
}

// immutable reports a fn that changed a key field.
func immutable(method, field string) error {
	return fmt.Errorf("storage/sql: %s: the update changed immutable field %s", method, field)
}

// ---------------------------------------------------------------------------
// Pagination

// A cursor is "1" (format version), then the key parts of the last record of
// the page, NUL-separated, in unpadded base64url. It is never "".
func encodeCursor(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("1\x00" + strings.Join(parts, "\x00")))
}

var errBadCursor = fmt.Errorf("storage/sql: %w", storage.ErrBadCursor)

func decodeCursor(c string, n int) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, errBadCursor
	}
	parts := strings.Split(string(b), "\x00")
	if len(parts) != n+1 || parts[0] != "1" {
		return nil, errBadCursor
	}
	return parts[1:], nil
}

// maxLimit caps one page; Cognito's own maximum is 60.
const maxLimit = 1000

// list describes a keyset-paginated listing.
type list[T any] struct {
	// first is the query for the first page, after the query with the
	// cursor condition. Both end in "LIMIT ?" and take args, then (after
	// only) the cursor arguments, then the limit.
	first, after string
	args         []any
	// nkeys is the number of key parts in a cursor.
	nkeys int
	// cursorArgs turns cursor parts into query arguments; nil passes them
	// as strings.
	cursorArgs func(parts []string) ([]any, error)
	// scan reads one row: the record and its cursor parts.
	scan func(r rows) (T, []string, error)
}

// run fetches one page: Limit+1 rows, so that it knows whether another page
// follows (Next is "" on the last page).
func (l list[T]) run(ctx context.Context, db *DB, page storage.Page) ([]T, string, error) {
	if page.Limit < 1 {
		return nil, "", fmt.Errorf("storage/sql: page limit %d is less than 1", page.Limit)
	}
	limit := min(page.Limit, maxLimit)
	q := l.first
	a := append([]any(nil), l.args...)
	if page.After != "" {
		parts, err := decodeCursor(page.After, l.nkeys)
		if err != nil {
			return nil, "", err
		}
		q = l.after
		if l.cursorArgs != nil {
			ca, err := l.cursorArgs(parts)
			if err != nil {
				return nil, "", err
			}
			a = append(a, ca...)
		} else {
			for _, p := range parts {
				a = append(a, p)
			}
		}
	}
	a = append(a, int64(limit+1))
	var out []T
	var last, prev []string
	err := db.be.read(ctx, func(qr querier) error {
		rs, err := qr.query(q, a...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			v, keys, err := l.scan(rs)
			if err != nil {
				return err
			}
			out = append(out, v)
			prev, last = last, keys
		}
		return rs.Err()
	})
	if err != nil {
		return nil, "", err
	}
	if len(out) > limit {
		return out[:limit], encodeCursor(prev...), nil
	}
	return out, "", nil
}
