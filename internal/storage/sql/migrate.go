package sql

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Migrations are the files migrations/NNNN_name.sql, numbered from 0001
// without gaps, applied in order, each exactly once and never undone. A
// migration is written once for both dialects using the tokens dialect.types
// replaces. Applied versions are recorded in schema_migrations.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int64
	name    string
	sql     string
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    BIGINT NOT NULL PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || len(num) != 4 {
			return nil, fmt.Errorf("storage/sql: migration %s: name must be NNNN_name.sql", base)
		}
		b, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != int64(i+1) {
			return nil, fmt.Errorf("storage/sql: migration %s: expected version %04d", m.name, i+1)
		}
	}
	return ms, nil
}

// pending returns the migrations not in applied, or an error if the
// database has versions this binary does not know (it was migrated by a
// newer userpoold).
func pending(all []migration, applied map[int64]bool) ([]migration, error) {
	for v := range applied {
		if v > int64(len(all)) {
			return nil, fmt.Errorf("storage/sql: database schema version %d is newer than this binary supports (%d); upgrade userpoold", v, len(all))
		}
	}
	var out []migration
	for _, m := range all {
		if !applied[m.version] {
			out = append(out, m)
		}
	}
	return out, nil
}

// migrateSQLite applies pending migrations in one IMMEDIATE transaction on
// the write connection, so two processes opening one file at once take turns.
func migrateSQLite(ctx context.Context, w *writer, now time.Time, log *slog.Logger) (err error) {
	all, err := loadMigrations()
	if err != nil {
		return err
	}
	c := w.conn
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("storage/sql: migrate: %w", err)
	}
	defer func() {
		if err != nil {
			c.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	if _, err := c.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("storage/sql: migrate: %w", err)
	}
	applied := map[int64]bool{}
	rs, err := c.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("storage/sql: migrate: %w", err)
	}
	for rs.Next() {
		var v int64
		if err := rs.Scan(&v); err != nil {
			rs.Close()
			return err
		}
		applied[v] = true
	}
	if err := rs.Close(); err != nil {
		return err
	}
	todo, err := pending(all, applied)
	if err != nil {
		return err
	}
	for _, m := range todo {
		if _, err := c.ExecContext(ctx, sqliteDialect.types.Replace(m.sql)); err != nil {
			return fmt.Errorf("storage/sql: migration %s: %w", m.name, err)
		}
		if _, err := c.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.version, m.name, now.UnixMicro()); err != nil {
			return fmt.Errorf("storage/sql: migration %s: %w", m.name, err)
		}
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("storage/sql: migrate: commit: %w", err)
	}
	for _, m := range todo {
		log.Info("storage/sql: applied migration", "migration", m.name)
	}
	return nil
}

// migratePostgres applies pending migrations, each in its own transaction,
// while holding a session advisory lock named after the target schema, so
// that nodes starting at once on one database migrate one at a time and the
// later ones find nothing left to do.
func migratePostgres(ctx context.Context, c *pgx.Conn, now time.Time, log *slog.Logger) error {
	all, err := loadMigrations()
	if err != nil {
		return err
	}
	var schema *string
	if err := c.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("storage/sql: migrate: %w", err)
	}
	if schema == nil {
		return fmt.Errorf("storage/sql: migrate: no schema of the search_path exists")
	}
	h := fnv.New64a()
	h.Write([]byte("userpoold/migrate/" + *schema))
	key := int64(h.Sum64())
	if _, err := c.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("storage/sql: migrate: taking the migration lock: %w", err)
	}
	// If the connection dies instead, the server releases the lock.
	defer c.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", key)

	if _, err := c.Exec(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("storage/sql: migrate: %w", err)
	}
	applied := map[int64]bool{}
	rs, err := c.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("storage/sql: migrate: %w", err)
	}
	for rs.Next() {
		var v int64
		if err := rs.Scan(&v); err != nil {
			rs.Close()
			return err
		}
		applied[v] = true
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return err
	}
	todo, err := pending(all, applied)
	if err != nil {
		return err
	}
	for _, m := range todo {
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, postgresDialect.types.Replace(m.sql)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.version, m.name, now.UnixMicro())
			return err
		})
		if err != nil {
			return fmt.Errorf("storage/sql: migration %s: %w", m.name, err)
		}
		log.Info("storage/sql: applied migration", "migration", m.name, "schema", *schema)
	}
	return nil
}
