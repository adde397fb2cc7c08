package sql

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestMigrationTokens checks that every {{...}} token of every migration
// is replaced in both dialects, and that on SQLite a {{postgres}} line is a
// comment.
func TestMigrationTokens(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	pgOnly := 0
	for _, m := range ms {
		for _, d := range []*dialect{sqliteDialect, postgresDialect} {
			if out := d.types.Replace(m.sql); strings.Contains(out, "{{") {
				t.Errorf("%s on %s: a token is left: %q", m.name, d.name, out[strings.Index(out, "{{"):])
			}
		}
		for line := range strings.Lines(m.sql) {
			if strings.HasPrefix(line, "{{postgres}}") {
				pgOnly++
				if out := sqliteDialect.types.Replace(line); !strings.HasPrefix(out, "--") {
					t.Errorf("%s: on SQLite the PostgreSQL-only line %q becomes %q", m.name, line, out)
				}
			}
		}
	}
	if pgOnly == 0 {
		t.Error("no migration has a {{postgres}} line (0009 sets the users fillfactor)")
	}
}

// TestPGUsersFillfactor checks that the users table leaves room for HOT
// updates (migration 0009).
func TestPGUsersFillfactor(t *testing.T) {
	db := openDSN(t, newPGDSN(t), Options{})
	var opts []string
	err := db.be.read(context.Background(), func(q querier) error {
		return q.queryRow("SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = 'users'::regclass").Scan(&opts)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(opts, "fillfactor=85") {
		t.Errorf("users reloptions %q, want fillfactor=85", opts)
	}
}
