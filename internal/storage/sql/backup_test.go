package sql

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// TestBackupAndRestoreSQLite: a backup of an open store holds its records;
// a restore is refused while the store is open, and replaces it once
// closed, keeping the previous database; a store cannot be opened while a
// restore holds the lock.
func TestBackupAndRestoreSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "userpoold.db")
	db, err := Open(ctx, "sqlite:"+path, nopSealer{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0).UTC()
	if err := db.CreatePool(ctx, storage.Pool{ID: "us-east-1_Backup1", Name: "before", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	info, err := BackupSQLite(ctx, path, backup)
	if err != nil {
		t.Fatal(err)
	}
	if info.Version < 1 || info.Bytes == 0 {
		t.Errorf("info = %+v", info)
	}
	if _, err := BackupSQLite(ctx, path, backup); err == nil {
		t.Error("a backup replaced an existing file")
	}
	if err := db.CreatePool(ctx, storage.Pool{ID: "us-east-1_Backup2", Name: "after", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := RestoreSQLite(ctx, backup, path, nil); !errors.Is(err, ErrInUse) {
		t.Fatalf("restore under an open store: %v", err)
	}
	db.Close()

	checked := ""
	prev, err := RestoreSQLite(ctx, backup, path, func(copy string) error { checked = copy; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if checked == "" || checked == path || checked == backup {
		t.Errorf("check ran on %q", checked)
	}
	if _, err := os.Stat(prev); err != nil {
		t.Errorf("previous database %q: %v", prev, err)
	}
	db, err = Open(ctx, "sqlite:"+path, nopSealer{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.GetPool(ctx, "us-east-1_Backup1"); err != nil {
		t.Errorf("restored store lacks the pool of the backup: %v", err)
	}
	if _, err := db.GetPool(ctx, "us-east-1_Backup2"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("restored store has a pool created after the backup: %v", err)
	}

	// A check that fails leaves everything as it was.
	db.Close()
	if _, err := RestoreSQLite(ctx, backup, path, func(string) error { return errors.New("no") }); err == nil {
		t.Error("a failed check did not stop the restore")
	}
	// While a restore holds the lock, the store does not open.
	unlock, err := lockFile(path+lockSuffix, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, "sqlite:"+path, nopSealer{}, Options{}); err == nil {
		t.Error("opened a store while a restore holds it")
	}
	unlock()
}

type nopSealer struct{}

func (nopSealer) Seal(p, _ []byte) ([]byte, error) { return p, nil }
func (nopSealer) Open(c, _ []byte) ([]byte, error) { return c, nil }
