package sql

import (
	"context"
	dbsql "database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
	"modernc.org/sqlite"
)

// SQLite extended result codes this package tells apart.
const (
	sqliteBusy                 = 5
	sqliteConstraint           = 19
	sqliteConstraintForeignKey = 787
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// sqliteBackend runs calls on one SQLite database file.
//
// Writes go through a single goroutine that owns the only write connection
// (so read-modify-write is atomic and never meets SQLITE_BUSY from inside the
// process) and commits them in groups: every call waiting when a transaction
// starts joins it, each inside its own SAVEPOINT. BEGIN IMMEDIATE takes the
// database write lock up front, waiting up to the busy timeout for other
// processes.
//
// Durability is pipelined: the write connection runs with synchronous=NORMAL,
// so its COMMIT appends the group's frames to the WAL without an fsync, and a
// second goroutine (the syncer) fsyncs the WAL file and only then
// acknowledges the group's calls. While one fsync is in flight the writer
// keeps the next group's transaction open, takes every call that arrives,
// and commits when the syncer is done (run); the next fsync covers it (the
// WAL is appended in commit order, so an fsync makes every earlier commit
// durable).
// No call returns before its commit is on disk; what the pipelining gives up
// is only that a concurrent reader may see a commit up to one fsync before it
// is durable. SQLite still syncs around checkpoints (the WAL before it is
// copied into the database, the database after), which synchronous=NORMAL
// keeps. If the WAL file cannot be opened the writer falls back to
// synchronous=FULL (an fsync inside every COMMIT); if an fsync fails, every
// call of the groups it covered and every later write fails (the store must
// be reopened: after a failed fsync the kernel may have dropped the pages).
//
// Reads use a separate pool of query_only connections; in WAL mode they see
// the last committed transaction and never block the writer.
type sqliteBackend struct {
	wdb    *dbsql.DB // MaxOpenConns(1); its connection belongs to w
	rdb    *dbsql.DB
	rstmts sync.Map // query → *dbsql.Stmt prepared on rdb
	w      *writer
	unlock func() // releases the shared lock on the database (lock.go)

	closeOnce sync.Once
	closeErr  error
}

// sqliteDSN returns the driver name of path with the pragmas every
// connection gets.
func sqliteDSN(path string, busy time.Duration, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	// FULL until the writer has the WAL file open and syncs it itself
	// (openWAL); read connections never commit.
	q.Add("_pragma", "synchronous(FULL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// The writer's savepoints (one per call of a group) journal the
		// pages they change in a sub-journal, which by default spills to
		// a temporary file past 64 KiB: a pwrite per page. In memory it
		// is a copy.
		q.Add("_pragma", "temp_store(MEMORY)")
	}
	return path + "?" + q.Encode()
}

func openSQLite(ctx context.Context, path string, opts Options, log *slog.Logger) (*sqliteBackend, error) {
	if path == "" {
		return nil, errors.New("storage/sql: empty SQLite path")
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("storage/sql: SQLite path %q contains '?'", path)
	}
	// Create the file ourselves so that it (and the -wal and -shm files,
	// which SQLite creates with the database's permissions) is private.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("storage/sql: %w", err)
	}
	f.Close()
	// A shared lock for as long as the store is open: RestoreSQLite takes
	// it exclusively (lock.go).
	unlock, err := lockFile(path+lockSuffix, false)
	if errors.Is(err, errLocked) {
		return nil, fmt.Errorf("storage/sql: %s is being restored; start again when the restore has finished", path)
	}
	if err != nil {
		return nil, fmt.Errorf("storage/sql: locking %s: %w", path, err)
	}
	ok := false
	defer func() {
		if !ok {
			unlock()
		}
	}()

	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = 10 * time.Second
	}
	wdb, err := dbsql.Open("sqlite", sqliteDSN(path, busy, false))
	if err != nil {
		return nil, fmt.Errorf("storage/sql: %w", err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	// Switching a new database to WAL needs an exclusive lock, and SQLite
	// answers SQLITE_BUSY at once, without its busy handler, to one of two
	// processes (or handles) doing it together: try again until the busy
	// timeout.
	var conn *dbsql.Conn
	for deadline := time.Now().Add(busy); ; {
		conn, err = wdb.Conn(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqliteBusy || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("storage/sql: opening %s: %w", path, err)
	}
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || !strings.EqualFold(mode, "wal") {
		conn.Close()
		wdb.Close()
		return nil, fmt.Errorf("storage/sql: %s: cannot use WAL journal mode (got %q, %v)", path, mode, err)
	}

	readers := opts.MaxReadConns
	if readers <= 0 {
		readers = 8
	}
	rdb, err := dbsql.Open("sqlite", sqliteDSN(path, busy, true))
	if err != nil {
		conn.Close()
		wdb.Close()
		return nil, fmt.Errorf("storage/sql: %w", err)
	}
	rdb.SetMaxOpenConns(readers)
	rdb.SetMaxIdleConns(readers)
	rdb.SetConnMaxLifetime(0)
	rdb.SetConnMaxIdleTime(0)

	maxBatch := opts.MaxBatch
	if maxBatch <= 0 {
		maxBatch = 256
	}
	b := &sqliteBackend{
		wdb: wdb,
		rdb: rdb,
		w: &writer{
			conn:     conn,
			stmts:    map[string]*dbsql.Stmt{},
			reqs:     make(chan *writeReq, maxBatch),
			quit:     make(chan struct{}),
			exited:   make(chan struct{}),
			maxBatch: maxBatch,
			log:      log,
		},
	}
	b.w.q = &sqliteWriteQuerier{w: b.w}
	if err := migrateSQLite(ctx, b.w, opts.now(), log); err != nil {
		b.rdb.Close()
		conn.Close()
		wdb.Close()
		return nil, err
	}
	b.w.openWAL(ctx, path+"-wal")
	b.unlock = unlock
	ok = true
	go b.w.loop()
	return b, nil
}

func (b *sqliteBackend) read(ctx context.Context, fn func(q querier) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(&sqliteReadQuerier{ctx: ctx, b: b})
}

func (b *sqliteBackend) write(ctx context.Context, _ bool, fn func(q querier) error) error {
	return b.w.submit(ctx, fn)
}

func (b *sqliteBackend) ping(ctx context.Context) error {
	if err := b.rdb.PingContext(ctx); err != nil {
		return err
	}
	select {
	case <-b.w.quit:
		return errClosed
	default:
		return nil
	}
}

func (b *sqliteBackend) close() error {
	b.closeOnce.Do(func() { b.closeErr = b.doClose() })
	return b.closeErr
}

func (b *sqliteBackend) doClose() error {
	b.w.stop() // no more writes; the write connection stays open
	b.rstmts.Range(func(_, v any) bool {
		v.(*dbsql.Stmt).Close()
		return true
	})
	err := b.rdb.Close()
	// The write connection closes last, so that SQLite checkpoints the WAL
	// into the database file and removes it.
	for _, s := range b.w.stmts {
		s.Close()
	}
	if err2 := b.w.conn.Close(); err == nil {
		err = err2
	}
	if err2 := b.wdb.Close(); err == nil {
		err = err2
	}
	b.unlock()
	return err
}

// sqliteError maps constraint violations onto the storage sentinels.
func sqliteError(err error) error {
	var se *sqlite.Error
	if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqliteConstraint {
		return err
	}
	switch se.Code() {
	case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
		return fmt.Errorf("%w (%v)", storage.ErrExists, err)
	case sqliteConstraintForeignKey:
		return fmt.Errorf("%w: parent record (%v)", storage.ErrNotFound, err)
	}
	return err
}

// ---------------------------------------------------------------------------
// Reads

type sqliteReadQuerier struct {
	ctx context.Context
	b   *sqliteBackend
}

func (q *sqliteReadQuerier) stmt(query string) (*dbsql.Stmt, error) {
	if s, ok := q.b.rstmts.Load(query); ok {
		return s.(*dbsql.Stmt), nil
	}
	s, err := q.b.rdb.PrepareContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := q.b.rstmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*dbsql.Stmt), nil
	}
	return s, nil
}

func (q *sqliteReadQuerier) exec(query string, args ...any) (int64, error) {
	return 0, errors.New("storage/sql: write on the SQLite read pool")
}

func (q *sqliteReadQuerier) query(query string, args ...any) (rows, error) {
	s, err := q.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(q.ctx, args...)
}

func (q *sqliteReadQuerier) queryRow(query string, args ...any) row {
	s, err := q.stmt(query)
	if err != nil {
		return errRow{err}
	}
	return sqlRow{s.QueryRowContext(q.ctx, args...)}
}

type sqlRow struct{ r *dbsql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, dbsql.ErrNoRows) {
		return errNoRows
	}
	return err
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// ---------------------------------------------------------------------------
// Writes: one goroutine, group commit

var errClosed = errors.New("storage/sql: database is closed")

// States of a writeReq, so that a caller giving up (ctx done) and the writer
// taking the request agree on who won: a request is either run or abandoned,
// never both, and a caller never returns an error for a write that commits.
const (
	reqPending int32 = iota
	reqTaken
	reqAbandoned
)

type writeReq struct {
	fn    func(q querier) error
	state atomic.Int32
	done  chan error // buffered, 1
}

// panicError carries a panic out of fn (run on the writer goroutine) back
// to the caller's goroutine, where it is raised again.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic in update function: %v", p.value) }

type writer struct {
	conn *dbsql.Conn
	// wal is the WAL file, which the syncer fsyncs before it acknowledges
	// a group; nil when COMMIT syncs it itself (synchronous=FULL).
	wal      *os.File
	acks     chan ackGroup // committed groups waiting for the syncer
	synced   chan struct{} // closed when the syncer has returned
	syncErr  atomic.Pointer[error]
	syncs    atomic.Int64           // fsyncs of the WAL by the syncer
	syncWAL  func() error           // fdatasync of wal; tests replace it
	unsynced atomic.Int64           // groups handed to the syncer, not yet answered
	idle     chan struct{}          // the syncer has answered every group (cap 1)
	stmts    map[string]*dbsql.Stmt // owned by the writer goroutine
	q        *sqliteWriteQuerier
	reqs     chan *writeReq
	quit     chan struct{} // closed by stop
	exited   chan struct{} // closed when loop has returned
	stopOnce sync.Once
	maxBatch int
	log      *slog.Logger

	groups  atomic.Int64 // transactions committed or rolled back
	joined  atomic.Int64 // calls run in a transaction
	maxSeen atomic.Int64 // largest group so far
}

// ackGroup is a committed group whose calls wait for the WAL fsync.
type ackGroup struct {
	reqs []*writeReq
	errs []error // each call's own error (rolled back to its savepoint)
}

// openWAL switches the write connection to synchronous=NORMAL with the
// syncer fsyncing the WAL file at path (see sqliteBackend). It runs before
// the writer loop starts and after the migrations, whose commit it makes
// durable. If the file cannot be opened the connection stays at FULL.
func (w *writer) openWAL(ctx context.Context, path string) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err == nil {
		_, err = w.conn.ExecContext(ctx, "PRAGMA synchronous=NORMAL")
		if err == nil {
			err = f.Sync()
		}
		if err != nil {
			f.Close()
			w.conn.ExecContext(ctx, "PRAGMA synchronous=FULL")
		}
	}
	if err != nil {
		w.log.Warn("storage/sql: WAL file not opened; every commit fsyncs in the writer", "err", err)
		return
	}
	w.wal, w.syncWAL = f, func() error { return datasync(f) }
	w.acks = make(chan ackGroup, w.maxBatch)
	w.idle = make(chan struct{}, 1)
	w.synced = make(chan struct{})
	go w.syncLoop()
}

// syncLoop fsyncs the WAL for every committed group and then answers the
// group's calls; groups committed while an fsync runs share the next one.
// When it has answered everything it was given it tells the writer (idle),
// which commits its open group then (see run).
func (w *writer) syncLoop() {
	defer close(w.synced)
	var pending []ackGroup
	for g := range w.acks {
		pending = append(pending[:0], g)
	drain:
		for {
			select {
			case g, ok := <-w.acks:
				if !ok {
					break drain
				}
				pending = append(pending, g)
			default:
				break drain
			}
		}
		var err error
		if p := w.syncErr.Load(); p != nil {
			err = *p
		} else if err = w.syncWAL(); err != nil {
			err = fmt.Errorf("storage/sql: fsync of the WAL failed; writes are refused until the store is reopened: %w", err)
			w.syncErr.Store(&err)
			w.log.Error("storage/sql: fsync of the WAL failed", "err", err)
		}
		w.syncs.Add(1)
		for _, g := range pending {
			answer(g.reqs, g.errs, err)
		}
		if w.unsynced.Add(-int64(len(pending))) == 0 {
			select {
			case w.idle <- struct{}{}:
			default:
			}
		}
		clear(pending)
	}
}

func (w *writer) submit(ctx context.Context, fn func(q querier) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &writeReq{fn: fn, done: make(chan error, 1)}
	select {
	case w.reqs <- r:
	case <-w.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	var err error
	select {
	case err = <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqPending, reqAbandoned) {
			return ctx.Err()
		}
		err = <-r.done // already running: its outcome is the answer
	case <-w.exited:
		if r.state.CompareAndSwap(reqPending, reqAbandoned) {
			return errClosed
		}
		err = <-r.done
	}
	if p, ok := err.(*panicError); ok {
		panic(p.value)
	}
	return err
}

// stop ends the writer loop after the group in progress; queued calls fail
// with errClosed.
func (w *writer) stop() {
	w.stopOnce.Do(func() {
		close(w.quit)
		<-w.exited
	})
}

func (w *writer) loop() {
	defer close(w.exited)
	defer func() {
		if w.acks != nil {
			close(w.acks) // the syncer answers what it holds, then returns
			<-w.synced
			w.wal.Close()
		}
	}()
	for {
		select {
		case r := <-w.reqs:
			w.run(r)
		case <-w.quit:
			for {
				select {
				case r := <-w.reqs:
					if r.state.CompareAndSwap(reqPending, reqTaken) {
						r.done <- errClosed
					}
				default:
					return
				}
			}
		}
	}
}

// run commits one group of writes, first and those that join it, each
// inside a SAVEPOINT so that its error rolls back only its own changes.
// Calls queued when it starts join at once. While the syncer is still
// fsyncing earlier groups, the transaction stays open and takes every call
// that arrives until the syncer is done (or the group is full): those calls
// could not be acknowledged sooner anyway, and one commit of many writes
// appends far fewer WAL frames (shared index and table pages) than many
// commits of one. Without the syncer (synchronous=FULL) the group commits
// as soon as the queue is empty.
func (w *writer) run(first *writeReq) {
	if !first.state.CompareAndSwap(reqPending, reqTaken) {
		return
	}
	if p := w.syncErr.Load(); p != nil {
		first.done <- *p
		return
	}
	live := []*writeReq{first}
	fail := func(err error) {
		for _, r := range live {
			r.done <- err
		}
	}
	if err := w.ctl("BEGIN IMMEDIATE"); err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && se.Code()&0xff == sqliteBusy {
			fail(fmt.Errorf("storage/sql: begin: %w", err))
			return
		}
		// A transaction left open by a failure that ROLLBACK could not
		// end would block every later write: end it and try once more.
		w.ctl("ROLLBACK")
		if err := w.ctl("BEGIN IMMEDIATE"); err != nil {
			fail(fmt.Errorf("storage/sql: begin: %w", err))
			return
		}
	}
	w.groups.Add(1)
	errs := make([]error, 0, 8)
	// add runs r in its own savepoint; a failed transaction-control
	// statement aborts the whole group.
	add := func(r *writeReq) error {
		w.joined.Add(1)
		if err := w.ctl("SAVEPOINT w"); err != nil {
			return err
		}
		err := w.call(r.fn)
		if err != nil {
			if err := w.ctl("ROLLBACK TO w"); err != nil {
				return err
			}
		}
		if err := w.ctl("RELEASE w"); err != nil {
			return err
		}
		errs = append(errs, err)
		return nil
	}
	if err := add(first); err != nil {
		w.abort(err, fail)
		return
	}
	for len(live) < w.maxBatch {
		var r *writeReq
		select {
		case r = <-w.reqs:
		default:
			if w.acks == nil || w.unsynced.Load() == 0 {
				break
			}
			select {
			case r = <-w.reqs:
			case <-w.idle:
				continue // and look again: more calls may have queued
			case <-w.quit:
			}
		}
		if r == nil {
			break
		}
		if !r.state.CompareAndSwap(reqPending, reqTaken) {
			continue
		}
		live = append(live, r)
		if err := add(r); err != nil {
			w.abort(err, fail)
			return
		}
	}
	if n := int64(len(live)); n > w.maxSeen.Load() {
		w.maxSeen.Store(n)
	}
	if err := w.ctl("COMMIT"); err != nil {
		w.ctl("ROLLBACK")
		answer(live, errs, fmt.Errorf("storage/sql: commit: %w", err))
		return
	}
	if w.acks != nil {
		w.unsynced.Add(1)
		w.acks <- ackGroup{reqs: live, errs: errs}
		return
	}
	answer(live, errs, nil)
}

// answer gives each call of a group its own error (its savepoint rolled
// back), or else common: the group's outcome.
func answer(reqs []*writeReq, errs []error, common error) {
	for i, r := range reqs {
		if errs[i] != nil {
			r.done <- errs[i]
		} else {
			r.done <- common
		}
	}
}

// abort rolls the whole group back after a transaction-control statement
// failed; nothing of the group is written and every caller gets the error.
func (w *writer) abort(err error, fail func(error)) {
	w.ctl("ROLLBACK")
	fail(fmt.Errorf("storage/sql: write group aborted: %w", err))
}

// call runs fn, turning a panic into a *panicError.
func (w *writer) call(fn func(q querier) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			stack := debug.Stack()
			w.log.Error("storage/sql: panic in write function; re-raised in the caller", "panic", v, "stack", string(stack))
			err = &panicError{value: v, stack: stack}
		}
	}()
	return fn(w.q)
}

func (w *writer) ctl(stmt string) error {
	s, err := w.stmt(stmt)
	if err != nil {
		return err
	}
	_, err = s.ExecContext(context.Background())
	return err
}

func (w *writer) stmt(query string) (*dbsql.Stmt, error) {
	if s, ok := w.stmts[query]; ok {
		return s, nil
	}
	// The writer's statements run without a cancellable context: SQLite
	// answers an interrupt inside an explicit transaction by rolling the
	// whole transaction back, which would take the other calls of the
	// group with it. A call's context is checked before it joins a group.
	s, err := w.conn.PrepareContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	w.stmts[query] = s
	return s, nil
}

type sqliteWriteQuerier struct{ w *writer }

func (q *sqliteWriteQuerier) exec(query string, args ...any) (int64, error) {
	s, err := q.w.stmt(query)
	if err != nil {
		return 0, err
	}
	res, err := s.ExecContext(context.Background(), args...)
	if err != nil {
		return 0, sqliteError(err)
	}
	return res.RowsAffected()
}

func (q *sqliteWriteQuerier) query(query string, args ...any) (rows, error) {
	s, err := q.w.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(context.Background(), args...)
}

func (q *sqliteWriteQuerier) queryRow(query string, args ...any) row {
	s, err := q.w.stmt(query)
	if err != nil {
		return errRow{err}
	}
	return sqliteWriteRow{sqlRow{s.QueryRowContext(context.Background(), args...)}}
}

// sqliteWriteRow maps constraint errors of INSERT ... RETURNING.
type sqliteWriteRow struct{ r sqlRow }

func (r sqliteWriteRow) Scan(dest ...any) error { return sqliteError(r.r.Scan(dest...)) }
