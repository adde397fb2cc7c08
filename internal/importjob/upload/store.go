package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/userpoold/userpoold/internal/importjob"
)

// DirStore keeps uploads as files under a directory:
// <Dir>/<poolId>/<jobId>.csv, mode 0600. A Put writes a temporary file next
// to the final one and renames it into place, so a reader never sees half
// an upload and the last upload wins. It implements Store and
// importjob.Files. It suits one node; nodes sharing a database need a
// Store over that database (or a shared volume).
type DirStore struct {
	Dir string
	// Accept, when set, is asked before an upload is kept; an error wrapping
	// ErrNoSuchUpload refuses it (a job that does not exist or has
	// started).
	Accept func(ctx context.Context, k Key) error
}

var _ importjob.Files = (*DirStore)(nil)

func (d *DirStore) path(poolID, jobID string) (string, error) {
	k := Key{Account: "000000000000", PoolID: poolID, JobID: jobID}
	if !k.Valid() {
		return "", fmt.Errorf("upload: invalid pool or job ID: %w", ErrNoSuchUpload)
	}
	return filepath.Join(d.Dir, poolID, jobID+".csv"), nil
}

// Put stores r as k's file.
func (d *DirStore) Put(ctx context.Context, k Key, r io.Reader) error {
	if d.Accept != nil {
		if err := d.Accept(ctx, k); err != nil {
			return err
		}
	}
	final, err := d.path(k.PoolID, k.JobID)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(final), "."+k.JobID+".*.part")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), final)
}

// Open opens the upload of a job (importjob.Files).
func (d *DirStore) Open(_ context.Context, poolID, jobID string) (io.ReadCloser, error) {
	p, err := d.path(poolID, jobID)
	if err != nil {
		return nil, importjob.ErrNoFile
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s/%s", importjob.ErrNoFile, poolID, jobID)
	}
	return f, err
}

// Exists reports whether a job has an upload (for StartUserImportJob).
func (d *DirStore) Exists(poolID, jobID string) bool {
	p, err := d.path(poolID, jobID)
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// Delete removes a job's upload; a job without one is not an error.
func (d *DirStore) Delete(_ context.Context, poolID, jobID string) error {
	p, err := d.path(poolID, jobID)
	if err != nil {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
