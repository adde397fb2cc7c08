package sql

import (
	"context"
	dbsql "database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// This file is the backup and restore of a SQLite store: a consistent copy
// of a database a server is using (SQLite's online backup API), the checks
// a file must pass before it replaces a store, and the replacement itself,
// refused while any process has the store open (see lock.go).

// ErrInUse is returned by RestoreSQLite while a process (a running server,
// an export) has the database open.
var ErrInUse = errors.New("storage/sql: the database is in use: stop the server (and anything else using it) before restoring")

// SQLitePath returns the file of a SQLite DSN as Open reads it, and false
// for a PostgreSQL DSN.
func SQLitePath(dsn string) (string, bool) {
	kind, target, err := parseDSN(dsn)
	if err != nil || kind != "sqlite" {
		return "", false
	}
	return target, true
}

// BackupInfo describes a backup file.
type BackupInfo struct {
	// Bytes is the file's size.
	Bytes int64
	// Version is the schema version (the highest migration applied).
	Version int64
}

// BackupSQLite writes a consistent copy of the SQLite database at src to
// dst, which must not exist, while other connections and processes (a
// running server) go on reading and writing src. It uses SQLite's online
// backup API in one step: the whole copy is read under one read
// transaction, so it holds exactly the transactions committed when it
// began, and in WAL mode writers are not blocked meanwhile. The copy is
// written under a temporary name, checked (integrity_check) and synced
// before it is renamed to dst, so dst is either absent or complete.
//
// The copy holds the store's secrets sealed under the master key: it opens
// only with that key, which it does not contain.
func BackupSQLite(ctx context.Context, src, dst string) (BackupInfo, error) {
	if _, err := os.Stat(src); err != nil {
		return BackupInfo{}, fmt.Errorf("storage/sql: backup source: %w", err)
	}
	if _, err := os.Lstat(dst); err == nil {
		return BackupInfo{}, fmt.Errorf("storage/sql: %s already exists", dst)
	}
	tmp, err := tempName(dst, "partial")
	if err != nil {
		return BackupInfo{}, err
	}
	defer removeDB(tmp)
	if strings.ContainsRune(src, '?') || strings.ContainsRune(dst, '?') {
		return BackupInfo{}, errors.New("storage/sql: database paths must not contain '?'")
	}
	db, err := dbsql.Open("sqlite", src+"?"+busyPragma(10*time.Second))
	if err != nil {
		return BackupInfo{}, fmt.Errorf("storage/sql: %w", err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("storage/sql: opening %s: %w", src, err)
	}
	defer conn.Close()
	// The copy is a userpoold database, not any file that happens to be
	// SQLite.
	if _, err := schemaVersion(ctx, conn); err != nil {
		return BackupInfo{}, fmt.Errorf("storage/sql: %s: %w", src, err)
	}
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(interface {
			NewBackup(string) (*sqlite.Backup, error)
		})
		if !ok {
			return errors.New("the SQLite driver offers no online backup")
		}
		bk, err := b.NewBackup(tmp)
		if err != nil {
			return err
		}
		for more := true; more; {
			if more, err = bk.Step(-1); err != nil {
				bk.Finish()
				return err
			}
		}
		return bk.Finish()
	})
	if err != nil {
		return BackupInfo{}, fmt.Errorf("storage/sql: backing up %s: %w", src, err)
	}
	info, err := CheckSQLite(ctx, tmp)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("storage/sql: the copy does not check out: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return BackupInfo{}, err
	}
	if err := os.Link(tmp, dst); err != nil { // fails if dst appeared meanwhile
		if err := renameNoReplace(tmp, dst); err != nil {
			return BackupInfo{}, err
		}
	}
	return info, syncDir(filepath.Dir(dst))
}

// CheckSQLite checks that path is an intact userpoold SQLite database
// (PRAGMA integrity_check) whose schema this binary knows, and describes
// it. It does not change the file.
func CheckSQLite(ctx context.Context, path string) (BackupInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, err
	}
	if !st.Mode().IsRegular() {
		return BackupInfo{}, fmt.Errorf("%s is not a file", path)
	}
	if strings.ContainsRune(path, '?') {
		return BackupInfo{}, fmt.Errorf("%s: a database path must not contain '?'", path)
	}
	db, err := dbsql.Open("sqlite", path+"?_pragma=query_only(1)&"+busyPragma(10*time.Second))
	if err != nil {
		return BackupInfo{}, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("%s: %w", path, err)
	}
	defer conn.Close()
	var problems []string
	rows, err := conn.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("%s is not a SQLite database: %w", path, err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return BackupInfo{}, err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Close(); err != nil {
		return BackupInfo{}, err
	}
	if len(problems) > 0 {
		return BackupInfo{}, fmt.Errorf("%s is damaged: %s", path, strings.Join(problems[:min(len(problems), 5)], "; "))
	}
	v, err := schemaVersion(ctx, conn)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("%s: %w", path, err)
	}
	return BackupInfo{Bytes: st.Size(), Version: v}, nil
}

// schemaVersion returns the highest migration applied to the database on
// conn, refusing a database that is not userpoold's or that a newer binary
// migrated.
func schemaVersion(ctx context.Context, conn *dbsql.Conn) (int64, error) {
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return 0, errors.New("not a userpoold database (no schema_migrations table)")
	}
	applied := map[int64]bool{}
	var top int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return 0, err
		}
		applied[v] = true
		top = max(top, v)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if len(applied) == 0 {
		return 0, errors.New("not a userpoold database (no migration applied)")
	}
	all, err := loadMigrations()
	if err != nil {
		return 0, err
	}
	if _, err := pending(all, applied); err != nil {
		return 0, err
	}
	return top, nil
}

// RestoreSQLite replaces the SQLite database at path with the backup
// file, refusing with ErrInUse while any process has path open (a running
// server holds its shared lock). The backup must pass CheckSQLite; check,
// when not nil, then examines a copy of it before anything is replaced
// (userpoold checks that its master key opens the copy's secrets). The
// database that was at path, if any, is kept beside it under the name
// returned (with its WAL); the backup file itself is left as it was.
func RestoreSQLite(ctx context.Context, backup, path string, check func(copyPath string) error) (previous string, err error) {
	if _, err := CheckSQLite(ctx, backup); err != nil {
		return "", err
	}
	unlock, err := lockFile(path+lockSuffix, true)
	if errors.Is(err, errLocked) {
		return "", ErrInUse
	}
	if err != nil {
		return "", err
	}
	defer unlock()
	tmp, err := tempName(path, "restoring")
	if err != nil {
		return "", err
	}
	defer removeDB(tmp)
	if err := copyFile(backup, tmp); err != nil {
		return "", err
	}
	if check != nil {
		if err := check(tmp); err != nil {
			return "", err
		}
		if _, err := CheckSQLite(ctx, tmp); err != nil {
			return "", err
		}
	}
	// The WAL and shared-memory files of the database being replaced must
	// never meet the restored file: they travel with it, or go.
	if _, err := os.Lstat(path); err == nil {
		previous = path + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(path, previous); err != nil {
			return "", err
		}
		if err := os.Rename(path+"-wal", previous+"-wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	if err := os.Remove(path + "-shm"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err := os.Remove(path + "-wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	return previous, syncDir(filepath.Dir(path))
}

func busyPragma(d time.Duration) string {
	return "_pragma=busy_timeout(" + strconv.FormatInt(d.Milliseconds(), 10) + ")"
}

// tempName returns an unused name beside path.
func tempName(path, what string) (string, error) {
	for i := 0; i < 100; i++ {
		name := fmt.Sprintf("%s.%s-%d-%d", path, what, os.Getpid(), time.Now().UnixNano()%1e9+int64(i))
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			return name, nil
		}
	}
	return "", fmt.Errorf("storage/sql: no free temporary name beside %s", path)
}

// removeDB removes a database file and what SQLite and this package keep
// beside it.
func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal", lockSuffix} {
		os.Remove(path + suffix)
	}
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable; where directories cannot be
// synced (Windows) it does nothing.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	d.Sync()
	return d.Close()
}

// renameNoReplace renames src to dst unless dst exists (a best effort
// where hard links are not available).
func renameNoReplace(src, dst string) error {
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("storage/sql: %s already exists", dst)
	}
	return os.Rename(src, dst)
}
