package servertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// isolatedPostgres returns a DSN for a fresh schema of the PostgreSQL
// database dsn names, dropped when the test ends, so that tests sharing one
// database never see each other's rows.
func isolatedPostgres(t testing.TB, dsn string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("servertest: connecting to %s: %v", redact(dsn), err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	rand.Read(b[:])
	schema := "servertest_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("servertest: creating schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("servertest: bad DSN: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return strings.SplitN(dsn, "@", 2)[0]
}

// IsolatedPostgres returns a DSN for a fresh schema of the PostgreSQL
// database dsn names, dropped when t ends: for tests that start several
// servers (nodes) on one database.
func IsolatedPostgres(t testing.TB, dsn string) string {
	t.Helper()
	return isolatedPostgres(t, dsn)
}
