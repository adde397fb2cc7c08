package sql

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
)

// dialect is everything that differs between SQLite and PostgreSQL at the
// level of SQL text. Error classification and connection handling differ too;
// they live in the backend (sqlite.go, postgres.go).
type dialect struct {
	name string
	// numbered placeholders ($1, $2, ...) instead of ?.
	numbered bool
	// forUpdate is appended to the SELECT that starts a read-modify-write.
	// SQLite needs none: its writes are serialised (one writer, BEGIN
	// IMMEDIATE).
	forUpdate string
	// nullSafeEq is = with NULL = NULL true.
	nullSafeEq string
	// types replaces the {{...}} tokens of migration files. A line of a
	// migration that starts with {{postgres}} runs on PostgreSQL only: on
	// SQLite the token turns the line into a comment.
	types *strings.Replacer

	rebound sync.Map // query with ? → query for this dialect
}

var (
	sqliteDialect = &dialect{
		name:       "sqlite",
		nullSafeEq: "IS",
		types: strings.NewReplacer(
			"{{key}}", "TEXT",
			"{{bytes}}", "BLOB",
			"{{serial}}", "INTEGER PRIMARY KEY AUTOINCREMENT",
			"{{postgres}}", "-- (PostgreSQL only) ",
		),
	}
	postgresDialect = &dialect{
		name:       "postgres",
		numbered:   true,
		forUpdate:  " FOR UPDATE",
		nullSafeEq: "IS NOT DISTINCT FROM",
		types: strings.NewReplacer(
			"{{key}}", `TEXT COLLATE "C"`,
			"{{bytes}}", "BYTEA",
			"{{serial}}", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
			"{{postgres}}", "",
		),
	}
)

// rebind turns the ? placeholders of q into the dialect's form. The queries
// of this package never contain ? inside literals. Results are cached.
func (d *dialect) rebind(q string) string {
	if !d.numbered {
		return q
	}
	if v, ok := d.rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	out := b.String()
	d.rebound.Store(q, out)
	return out
}

// querier runs the statements of one call. It is bound to the call's context
// (or, inside a SQLite write batch, to none: see sqlite.go). Queries are
// written with ? placeholders. Errors that mean "duplicate key" wrap
// storage.ErrExists and errors that mean "missing parent row" wrap
// storage.ErrNotFound, whatever the dialect.
type querier interface {
	exec(query string, args ...any) (rowsAffected int64, err error)
	query(query string, args ...any) (rows, error)
	// queryRow returns a row whose Scan reports errNoRows when the query
	// returned nothing.
	queryRow(query string, args ...any) row
}

type row interface {
	Scan(dest ...any) error
}

type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// errNoRows is what row.Scan returns for an empty result, in both dialects.
var errNoRows = errors.New("no rows")

// backend runs calls on one database.
type backend interface {
	// read runs fn with a querier outside any explicit transaction. Each
	// statement sees committed data.
	read(ctx context.Context, fn func(q querier) error) error
	// write runs fn in one transaction and returns once it is durably
	// committed (nil) or rolled back (the error). fn's error is returned
	// unchanged. tx=false promises that fn issues a single statement, which
	// PostgreSQL then runs without BEGIN/COMMIT.
	write(ctx context.Context, tx bool, fn func(q querier) error) error
	ping(ctx context.Context) error
	close() error
}
