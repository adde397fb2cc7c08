package sql

import "errors"

// A SQLite store is guarded by an advisory lock on a file beside it
// (<database>.lock, which is never removed): Open holds a shared lock for as
// long as the store is open, so that several processes may share the
// database (a server, an export), and RestoreSQLite takes it exclusively,
// so that a database is never replaced under a process using it. The lock
// is released when its holder exits, however it exits.

const lockSuffix = ".lock"

// errLocked is lockFile's answer when another process holds a conflicting
// lock.
var errLocked = errors.New("storage/sql: locked by another process")

// lockFile takes a shared or exclusive advisory lock on path (created if
// need be) without waiting, returning errLocked when another process
// holds a conflicting one; unlock releases it. (lock_unix.go,
// lock_windows.go; elsewhere there is no lock and restores are not
// guarded.)
func lockFile(path string, exclusive bool) (unlock func(), err error) {
	return platformLock(path, exclusive)
}
