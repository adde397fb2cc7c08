package sql

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/userpoold/userpoold/internal/storage"
)

// PostgreSQL error codes this package tells apart.
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// defaultPGBatch caps the statements of one PostgreSQL group commit
// (pgbatch.go) when Options.MaxBatch is 0.
const defaultPGBatch = 64

// pgGroupsInFlight is how many groups (pgbatch.go) a node sends at once.
const pgGroupsInFlight = 1

// pgBackend runs calls on PostgreSQL through a pgxpool connection pool.
// Each connection caches the prepared statements it has run (pgx's default
// statement cache), so a hot query is parsed once per connection.
//
// Writes run in READ COMMITTED transactions; read-modify-write locks the row
// with SELECT ... FOR UPDATE, which serialises concurrent updates of one
// record across nodes. A transaction that fails with a serialization failure
// or a deadlock is retried from the start (fn included) a few times.
type pgBackend struct {
	pool    *pgxpool.Pool
	batcher *pgBatcher // nil: no group commit (Options.MaxBatch 1)
}

func openPostgres(ctx context.Context, dsn string, opts Options, log *slog.Logger) (*pgBackend, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("storage/sql: parsing PostgreSQL DSN: %w", err)
	}
	cfg.MaxConns = int32(opts.MaxConns)
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = int32(max(8, 4*runtime.GOMAXPROCS(0)))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("storage/sql: PostgreSQL connection pool: %w", err)
	}
	b := &pgBackend{pool: pool}
	if n := cmp.Or(opts.MaxBatch, defaultPGBatch); n > 1 {
		b.batcher = &pgBatcher{pool: pool, max: n, inflight: pgGroupsInFlight}
	}
	if err := b.withConn(ctx, func(c *pgx.Conn) error {
		return migratePostgres(ctx, c, opts.now(), log)
	}); err != nil {
		pool.Close()
		return nil, err
	}
	return b, nil
}

func (b *pgBackend) read(ctx context.Context, fn func(q querier) error) error {
	return b.withConn(ctx, func(c *pgx.Conn) error {
		return fn(&pgQuerier{ctx: ctx, x: c})
	})
}

func (b *pgBackend) write(ctx context.Context, tx bool, fn func(q querier) error) error {
	if !tx {
		if b.batcher != nil {
			return fn(&pgBatchQuerier{ctx: ctx, b: b})
		}
		return b.read(ctx, fn)
	}
	const attempts = 8
	for i := 1; ; i++ {
		err := b.withConn(ctx, func(c *pgx.Conn) error {
			t, err := c.Begin(ctx)
			if err != nil {
				return err
			}
			if err := fn(&pgQuerier{ctx: ctx, x: t}); err != nil {
				t.Rollback(context.WithoutCancel(ctx))
				return err
			}
			return t.Commit(ctx)
		})
		// Only database errors are retryable; fn's own errors never wrap a
		// *pgconn.PgError.
		if err == nil || !pgRetryable(err) || i == attempts {
			return err
		}
		// Back off a little, growing, so that the contenders spread out.
		select {
		case <-time.After(time.Duration(i*i) * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (b *pgBackend) ping(ctx context.Context) error {
	return b.withConn(ctx, func(c *pgx.Conn) error { return c.Ping(ctx) })
}

func (b *pgBackend) close() error {
	if b.batcher != nil {
		b.batcher.close()
	}
	b.pool.Close()
	return nil
}

// withConn runs fn on a pooled connection (pgxpool destroys, rather than
// reuses, one that is closed, busy or left inside a transaction). If fn
// fails on a connection that turns out to be dead before anything was
// sent, it runs once more on another.
func (b *pgBackend) withConn(ctx context.Context, fn func(c *pgx.Conn) error) error {
	for attempt := 0; ; attempt++ {
		pc, err := b.pool.Acquire(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("storage/sql: connecting to PostgreSQL: %w", err)
		}
		err = fn(pc.Conn())
		dead := pc.Conn().IsClosed()
		pc.Release()
		if err != nil && dead && attempt == 0 && ctx.Err() == nil && pgconn.SafeToRetry(err) {
			continue
		}
		return err
	}
}

func pgRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == pgSerializationFailure || pe.Code == pgDeadlockDetected)
}

// pgError maps constraint violations onto the storage sentinels.
func pgError(err error) error {
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case pgUniqueViolation:
		return fmt.Errorf("%w (%v)", storage.ErrExists, err)
	case pgForeignKeyViolation:
		return fmt.Errorf("%w: parent record (%v)", storage.ErrNotFound, err)
	}
	return err
}

// pgExecer is what *pgx.Conn and pgx.Tx have in common.
type pgExecer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type pgQuerier struct {
	ctx context.Context
	x   pgExecer
}

func (q *pgQuerier) exec(query string, args ...any) (int64, error) {
	tag, err := q.x.Exec(q.ctx, postgresDialect.rebind(query), args...)
	if err != nil {
		return 0, pgError(err)
	}
	return tag.RowsAffected(), nil
}

func (q *pgQuerier) query(query string, args ...any) (rows, error) {
	r, err := q.x.Query(q.ctx, postgresDialect.rebind(query), args...)
	if err != nil {
		return nil, pgError(err)
	}
	return pgRows{r}, nil
}

func (q *pgQuerier) queryRow(query string, args ...any) row {
	return pgRow{q.x.QueryRow(q.ctx, postgresDialect.rebind(query), args...)}
}

type pgRow struct{ r pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoRows
	}
	return pgError(err)
}

type pgRows struct{ r pgx.Rows }

func (r pgRows) Next() bool             { return r.r.Next() }
func (r pgRows) Scan(dest ...any) error { return r.r.Scan(dest...) }
func (r pgRows) Err() error             { return pgError(r.r.Err()) }
func (r pgRows) Close() error           { r.r.Close(); return pgError(r.r.Err()) }
