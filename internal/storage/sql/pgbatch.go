package sql

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Group commit on PostgreSQL.
//
// A write that promises a single statement (backend.write with tx=false:
// UpdateUser's compare-and-swap UPDATE, inserts, upserts) runs without
// BEGIN/COMMIT, so each one is a transaction of its own with its own WAL
// flush and round trip. Under concurrency that makes the database spend more
// CPU on fdatasync, socket reads and writes and transaction start and end
// than on the statements. The pgBatcher sends the statements that callers on
// this node submit at the same time as one pipeline: all of them, then one
// Sync, in one round trip. PostgreSQL runs the statements of one Sync in one
// implicit transaction and answers only after its commit is flushed
// (synchronous_commit is left as configured), so every caller still returns
// only once its write is durable, and each statement sees the ones before it
// in the group as a serial order would.
//
// One group is in flight per node (pgGroupsInFlight); the statements that
// arrive meanwhile form the next group. A statement alone pays nothing
// extra: its group is just that statement, and a write that arrives during
// another's group waits about as long as it would have waited for that
// group's WAL flush inside PostgreSQL. (Two groups in flight measured 15 %
// more CPU per write: smaller groups.) If a statement of a group fails with a
// database error, PostgreSQL rolls the whole group back; the group's
// statements then run again one by one, each in its own transaction, so
// that every caller gets the answer its own statement gets (a statement
// that failed only because of an earlier one now succeeds). A group that
// fails without a database answer (a lost connection) may have committed or
// not, which its callers are told as an error, as for a single statement.
//
// A group holds the row locks of its statements until its commit. Groups of
// two nodes in flight at once that update the same rows in opposite orders
// can deadlock; PostgreSQL aborts one of them after
// deadlock_timeout (1 s by default) and its statements run again one by one,
// so the cost is that delay, never a wrong answer. Only concurrent writes of
// the same records can meet this way.
type pgBatcher struct {
	pool     *pgxpool.Pool
	max      int // statements per group
	inflight int // groups at once

	mu      sync.Mutex
	queue   []*pgCall
	running int // goroutines running groups (≤ inflight)
	closed  bool

	groups atomic.Int64 // groups run, one statement or more (tests, benchmarks)
}

// pgCall is one statement submitted to the batcher.
type pgCall struct {
	ctx  context.Context
	sql  string // rebound
	args []any
	// dest, for a statement that returns a row (queryRow), receives it;
	// nil for exec.
	dest []any

	state atomic.Int32 // callPending → callTaken (by a group) or callAbandoned
	n     int64        // rows affected (exec)
	err   error
	done  chan struct{}
}

// The states of a pgCall.
const (
	callPending int32 = iota
	callTaken
	callAbandoned
)

var errPGClosed = errors.New("storage/sql: database closed")

// do runs c (alone or in a group) and returns once its outcome is known.
func (w *pgBatcher) do(c *pgCall) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	c.done = make(chan struct{})
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return errPGClosed
	}
	w.queue = append(w.queue, c)
	if w.running < w.inflight {
		w.running++
		go w.loop()
	}
	w.mu.Unlock()
	select {
	case <-c.done:
		return c.err
	case <-c.ctx.Done():
		if c.state.CompareAndSwap(callPending, callAbandoned) {
			return c.ctx.Err()
		}
		if c.dest == nil {
			// Sent already: whether it commits is unknown, as when a
			// statement's context ends while the database runs it.
			return c.ctx.Err()
		}
		// A row is scanned into the caller's variables: wait for the
		// outcome (the group gives up when every caller in it has).
		<-c.done
		return c.err
	}
}

// loop sends groups until the queue is empty.
func (w *pgBatcher) loop() {
	var group []*pgCall
	for {
		w.mu.Lock()
		n := min(len(w.queue), w.max)
		if n == 0 {
			w.running--
			w.mu.Unlock()
			return
		}
		group = append(group[:0], w.queue[:n]...)
		rest := copy(w.queue, w.queue[n:])
		clear(w.queue[rest:])
		w.queue = w.queue[:rest]
		w.mu.Unlock()
		w.run(group)
		clear(group)
	}
}

// run sends one group and hands each call its outcome.
func (w *pgBatcher) run(group []*pgCall) {
	live := group[:0]
	for _, c := range group {
		if c.state.CompareAndSwap(callPending, callTaken) {
			live = append(live, c)
		}
	}
	if len(live) == 0 {
		return
	}
	// The group's context ends when every caller in it has given up.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waiting atomic.Int64
	waiting.Store(int64(len(live)))
	for _, c := range live {
		stop := context.AfterFunc(c.ctx, func() {
			if waiting.Add(-1) == 0 {
				cancel()
			}
		})
		defer stop()
	}
	w.groups.Add(1)
	if len(live) == 1 {
		w.single(ctx, live[0])
		close(live[0].done)
		return
	}
	retry, err := w.send(ctx, live)
	for _, c := range live {
		switch {
		case retry:
			w.single(ctx, c)
		case err != nil:
			c.err = err
		}
		close(c.done)
	}
}

// send runs live as one pipeline on one connection. retry reports that the
// group was rolled back (or never sent) and its calls must run again;
// otherwise err, if not nil, is every call's outcome.
func (w *pgBatcher) send(ctx context.Context, live []*pgCall) (retry bool, err error) {
	pc, err := w.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer pc.Release()
	var batch pgx.Batch
	for _, c := range live {
		batch.Queue(c.sql, c.args...)
	}
	br := pc.Conn().SendBatch(ctx, &batch)
	var first error
	for _, c := range live {
		var err error
		if c.dest != nil {
			err = br.QueryRow().Scan(c.dest...)
		} else {
			var tag pgconn.CommandTag
			tag, err = br.Exec()
			c.n = tag.RowsAffected()
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) && first == nil {
			first = err
		}
		c.err = err
	}
	if err := br.Close(); err != nil && first == nil {
		first = err
	}
	if first == nil {
		return false, nil
	}
	// A database error rolled the implicit transaction back; so did a
	// failure before anything was sent.
	var pe *pgconn.PgError
	if errors.As(first, &pe) || pgconn.SafeToRetry(first) {
		return true, nil
	}
	return false, first
}

// single runs one call in a transaction of its own.
func (w *pgBatcher) single(ctx context.Context, c *pgCall) {
	c.n, c.err = 0, nil
	for attempt := 0; ; attempt++ {
		pc, err := w.pool.Acquire(ctx)
		if err != nil {
			c.err = err
			return
		}
		conn := pc.Conn()
		if c.dest != nil {
			err = conn.QueryRow(ctx, c.sql, c.args...).Scan(c.dest...)
		} else {
			var tag pgconn.CommandTag
			tag, err = conn.Exec(ctx, c.sql, c.args...)
			c.n = tag.RowsAffected()
		}
		dead := conn.IsClosed()
		pc.Release()
		if err != nil && dead && attempt == 0 && ctx.Err() == nil && pgconn.SafeToRetry(err) {
			continue
		}
		c.err = err
		return
	}
}

func (w *pgBatcher) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
}

// pgBatchQuerier is the querier of a single-statement write: exec and
// queryRow go through the batcher; query (which no such write uses) runs
// on a connection of its own.
type pgBatchQuerier struct {
	ctx context.Context
	b   *pgBackend
}

func (q *pgBatchQuerier) exec(query string, args ...any) (int64, error) {
	c := &pgCall{ctx: q.ctx, sql: postgresDialect.rebind(query), args: args}
	if err := q.b.batcher.do(c); err != nil {
		return 0, pgError(err)
	}
	return c.n, nil
}

func (q *pgBatchQuerier) queryRow(query string, args ...any) row {
	return pgBatchRow{q: q, sql: postgresDialect.rebind(query), args: args}
}

func (q *pgBatchQuerier) query(query string, args ...any) (rows, error) {
	pc, err := q.b.pool.Acquire(q.ctx)
	if err != nil {
		return nil, err
	}
	r, err := pc.Conn().Query(q.ctx, postgresDialect.rebind(query), args...)
	if err != nil {
		pc.Release()
		return nil, pgError(err)
	}
	return &pgOwnRows{pgRows: pgRows{r}, pc: pc}, nil
}

// pgBatchRow submits its statement when scanned.
type pgBatchRow struct {
	q    *pgBatchQuerier
	sql  string
	args []any
}

func (r pgBatchRow) Scan(dest ...any) error {
	if len(dest) == 0 {
		return errors.New("storage/sql: Scan with no destination")
	}
	c := &pgCall{ctx: r.q.ctx, sql: r.sql, args: r.args, dest: dest}
	err := r.q.b.batcher.do(c)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoRows
	}
	return pgError(err)
}

// pgOwnRows releases its connection when closed.
type pgOwnRows struct {
	pgRows
	pc       *pgxpool.Conn
	released bool
}

func (r *pgOwnRows) Close() error {
	err := r.pgRows.Close()
	if !r.released {
		r.released = true
		r.pc.Release()
	}
	return err
}
