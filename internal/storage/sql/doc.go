// Package sql implements storage.Store on SQL: SQLite (the embedded default,
// through the pure-Go modernc.org/sqlite driver) and PostgreSQL (through
// github.com/jackc/pgx/v5 and its pgxpool). One implementation serves both;
// what differs between the dialects at the level of SQL text (placeholders,
// FOR UPDATE, column types in migrations) lives in the dialect type, and
// connection handling lives in one backend per database.
//
// # Opening
//
// Open takes a DSN:
//
//	""                       SQLite file "userpoold.db" in the working directory
//	sqlite:<path>            SQLite file (also sqlite:///abs/path, sqlite://rel/path)
//	<path>                   anything else without "://" is a SQLite file path
//	postgres://...           PostgreSQL (also postgresql://), libpq URL form;
//	                         search_path=<schema> in the query selects a schema
//
// and a storage.Sealer for the secret fields. It applies pending migrations
// before it returns.
//
// # Durability and concurrency
//
// SQLite runs in WAL mode, foreign keys on and a busy timeout. All writes of
// a process go through one goroutine that owns the single write connection:
// read-modify-write is atomic and never meets SQLITE_BUSY from inside the
// process, and BEGIN IMMEDIATE makes other processes wait their turn.
// Concurrent writes are group-committed: those queued when a transaction
// starts share it, each in its own SAVEPOINT (an error rolls back only that
// call). Each call returns only after its COMMIT is durable: the write
// connection commits with synchronous=NORMAL and a syncer goroutine fsyncs
// the WAL file before it acknowledges the calls, while the writer goes on
// committing the next groups, which share the next fsync (a concurrent reader
// may therefore see a commit up to one fsync before it is durable; no writer
// is told it succeeded before it is). An Update fn therefore
// runs on the writer goroutine: it must be quick and must not write through
// the store (a panic in it is re-raised in the caller). Reads use a pool of
// query_only connections.
//
// UpdateUser, the hot write, is optimistic in both dialects: the caller's
// goroutine reads the user, runs fn and encodes the result, and one UPDATE
// applies it only if the row still holds what was read (compare-and-swap).
// If the row changed in between, the update is redone under a lock (inside
// the SQLite writer, or in a PostgreSQL transaction with FOR UPDATE), running
// fn once more. An fn may therefore run more than once (PostgreSQL also
// retries deadlocks); only the last run is written, so fn must be a function
// of the record it is given and must set what it reports to its caller on
// every run. The other Update methods always lock, and so does UpdateUser
// with Options.LockingUpdates.
//
// PostgreSQL writes run in READ COMMITTED transactions; Update methods lock
// the row with SELECT ... FOR UPDATE (or compare-and-swap it, above), so
// concurrent updates of one record serialise across nodes. Serialization
// failures and deadlocks are retried (fn included). Connections come from a
// pgxpool pool (Options.MaxConns, by default max(8, 4×GOMAXPROCS) per node)
// and cache their prepared statements. Writes that are one statement (the
// compare-and-swap UPDATE, inserts, upserts) are group-committed too
// (pgbatch.go): those submitted while a group is in flight are sent as the
// next one, in one round trip and one implicit transaction, and each call
// returns once that transaction's commit is flushed; if one statement fails,
// the group is rolled back and its statements run again one by one, so each
// call gets its own statement's answer.
//
// # Schema
//
// Migrations are embedded SQL files migrations/NNNN_name.sql, written once for
// both dialects, applied in order at Open and recorded in schema_migrations;
// they are forward-only. On PostgreSQL they run under pg_advisory_lock (keyed
// by schema), so nodes starting together migrate one at a time; on SQLite they
// run in one IMMEDIATE transaction. Open refuses a database that a newer
// binary has migrated further.
//
// Each entity has a table with its key columns (lookups, uniqueness, listing
// order), a JSON "data" column with the remaining fields and, where the type
// has secret fields, a "secrets" column with their sealed form. Users also
// carry denormalised copies of the ListUsers filter attributes and their
// lower-cased folds (indexed), so filters run in SQL. Pool and client Config
// and RiskConfig are stored verbatim in binary columns and come back
// byte-equal. Child rows reference their pool (and user, for devices,
// memberships and auth events) with ON DELETE CASCADE, which implements the
// cascades of the storage contract; deleting a user also deletes its auth
// events.
//
// Key text is compared byte-wise in both dialects (COLLATE "C" on
// PostgreSQL), so listing order and cursors agree.
//
// Timestamps are BIGINT unix microseconds in columns and microsecond integers
// (absent for the zero time) inside JSON: they round-trip exactly to the
// microsecond and come back in UTC; nanoseconds and the location are dropped.
//
// Secret fields (User.Secrets, Device.Secrets, Client.Secret and .Secrets,
// SigningKey.PrivateKey, AuthSession.State) are sealed with associated data
// naming the record ("user/<pool>/<usernameKey>", "device/<pool>/<key>",
// "client/<id>", "signing-key/<pool>/<kid>", "session/<id>"), so a sealed value
// copied to another row does not open.
//
// Empty is nil: an empty slice, map, []byte or json.RawMessage is stored as
// absent and comes back nil.
//
// Pagination cursors are opaque: base64url of the last record's key. Next is
// "" on the last page.
//
// # Backup and restore (SQLite)
//
// BackupSQLite copies a SQLite store consistently while servers use it
// (SQLite's online backup API, in one step under one read transaction);
// CheckSQLite checks a file is an intact userpoold database of a schema this
// binary knows; RestoreSQLite puts a backup in place of a store, keeping the
// previous database beside it. Open holds a shared advisory lock on
// <database>.lock while the store is open and RestoreSQLite takes it
// exclusively, so a store is never replaced under a process using it
// (flock on Unix, LockFileEx on Windows). PostgreSQL is backed up with
// pg_dump.
//
// The package imports storage, the two drivers, golang.org/x/sys/windows
// (the lock, on Windows) and the standard library.
package sql
