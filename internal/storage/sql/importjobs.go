package sql

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/userpoold/userpoold/internal/storage"
)

// ---------------------------------------------------------------------------
// User import jobs

type importJobData struct {
	JobName                  string `json:"name,omitempty"`
	CloudWatchLogsRoleARN    string `json:"role,omitempty"`
	PasswordHashingAlgorithm string `json:"hash_alg,omitempty"`
	PreSignedURL             string `json:"url,omitempty"`
	StartedAt                *int64 `json:"started_at,omitempty"`
	CompletedAt              *int64 `json:"completed_at,omitempty"`
	CompletionMessage        string `json:"message,omitempty"`
	ImportedUsers            int64  `json:"imported,omitempty"`
	SkippedUsers             int64  `json:"skipped,omitempty"`
	FailedUsers              int64  `json:"failed,omitempty"`
	CheckpointLine           int64  `json:"checkpoint,omitempty"`
	Worker                   string `json:"worker,omitempty"`
	LeaseExpires             *int64 `json:"lease_expires,omitempty"`
}

const importJobCols = "pool_id, job_id, status, created_at, data"

func encodeImportJob(j *storage.ImportJob) (string, error) {
	b, err := json.Marshal(importJobData{
		JobName:                  j.JobName,
		CloudWatchLogsRoleARN:    j.CloudWatchLogsRoleARN,
		PasswordHashingAlgorithm: j.PasswordHashingAlgorithm,
		PreSignedURL:             j.PreSignedURL,
		StartedAt:                jtime(j.StartedAt),
		CompletedAt:              jtime(j.CompletedAt),
		CompletionMessage:        j.CompletionMessage,
		ImportedUsers:            j.ImportedUsers,
		SkippedUsers:             j.SkippedUsers,
		FailedUsers:              j.FailedUsers,
		CheckpointLine:           j.CheckpointLine,
		Worker:                   j.Worker,
		LeaseExpires:             jtime(j.LeaseExpires),
	})
	return string(b), err
}

func decodeImportJob(j *storage.ImportJob, data string) error {
	var v importJobData
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		return fmt.Errorf("storage/sql: import job %s/%s: %w", j.PoolID, j.JobID, err)
	}
	j.JobName = v.JobName
	j.CloudWatchLogsRoleARN = v.CloudWatchLogsRoleARN
	j.PasswordHashingAlgorithm = v.PasswordHashingAlgorithm
	j.PreSignedURL = v.PreSignedURL
	j.StartedAt = fromJTime(v.StartedAt)
	j.CompletedAt = fromJTime(v.CompletedAt)
	j.CompletionMessage = v.CompletionMessage
	j.ImportedUsers, j.SkippedUsers, j.FailedUsers = v.ImportedUsers, v.SkippedUsers, v.FailedUsers
	j.CheckpointLine = v.CheckpointLine
	j.Worker = v.Worker
	j.LeaseExpires = fromJTime(v.LeaseExpires)
	return nil
}

func scanImportJob(r row) (storage.ImportJob, error) {
	var j storage.ImportJob
	var created int64
	var data string
	if err := r.Scan(&j.PoolID, &j.JobID, &j.Status, &created, &data); err != nil {
		return j, err
	}
	j.CreatedAt = fromMicros(created)
	return j, decodeImportJob(&j, data)
}

// CreateImportJob stores j; ErrExists if the pool has a job of its ID,
// ErrNotFound if the pool does not exist.
func (db *DB) CreateImportJob(ctx context.Context, j storage.ImportJob) error {
	data, err := encodeImportJob(&j)
	if err != nil {
		return err
	}
	err = db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO import_jobs ("+importJobCols+") VALUES (?, ?, ?, ?, ?)",
			j.PoolID, j.JobID, j.Status, micros(j.CreatedAt), data)
		return err
	})
	if err != nil {
		return fmt.Errorf("create import job %s/%s: %w", j.PoolID, j.JobID, err)
	}
	return nil
}

// GetImportJob returns a job.
func (db *DB) GetImportJob(ctx context.Context, poolID, jobID string) (storage.ImportJob, error) {
	var j storage.ImportJob
	err := db.be.read(ctx, func(q querier) error {
		var err error
		j, err = scanImportJob(q.queryRow("SELECT "+importJobCols+" FROM import_jobs WHERE pool_id = ? AND job_id = ?", poolID, jobID))
		return err
	})
	if errors.Is(err, errNoRows) {
		return storage.ImportJob{}, notFound("import job", poolID, jobID)
	}
	return j, err
}

// UpdateImportJob changes a job atomically.
func (db *DB) UpdateImportJob(ctx context.Context, poolID, jobID string, fn func(*storage.ImportJob) error) (storage.ImportJob, error) {
	var out storage.ImportJob
	err := db.be.write(ctx, true, func(q querier) error {
		j, err := scanImportJob(q.queryRow("SELECT "+importJobCols+" FROM import_jobs WHERE pool_id = ? AND job_id = ?"+db.d.forUpdate, poolID, jobID))
		if errors.Is(err, errNoRows) {
			return notFound("import job", poolID, jobID)
		} else if err != nil {
			return err
		}
		created := j.CreatedAt
		if err := fn(&j); err != nil {
			return err
		}
		switch {
		case j.PoolID != poolID:
			return immutable("UpdateImportJob", "PoolID")
		case j.JobID != jobID:
			return immutable("UpdateImportJob", "JobID")
		case micros(j.CreatedAt) != micros(created):
			return immutable("UpdateImportJob", "CreatedAt")
		}
		data, err := encodeImportJob(&j)
		if err != nil {
			return err
		}
		if _, err := q.exec("UPDATE import_jobs SET status = ?, data = ? WHERE pool_id = ? AND job_id = ?", j.Status, data, poolID, jobID); err != nil {
			return err
		}
		out = storage.ImportJob{PoolID: poolID, JobID: jobID, Status: j.Status, CreatedAt: created}
		return decodeImportJob(&out, data)
	})
	if err != nil {
		return storage.ImportJob{}, err
	}
	return out, nil
}

func (db *DB) queryImportJobs(ctx context.Context, query string, args ...any) ([]storage.ImportJob, error) {
	var out []storage.ImportJob
	err := db.be.read(ctx, func(q querier) error {
		out = nil // the read may be retried
		rs, err := q.query(query, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			j, err := scanImportJob(rs)
			if err != nil {
				return err
			}
			out = append(out, j)
		}
		return rs.Err()
	})
	return out, err
}

// ListImportJobs returns the pool's jobs, newest first.
func (db *DB) ListImportJobs(ctx context.Context, poolID string) ([]storage.ImportJob, error) {
	return db.queryImportJobs(ctx, "SELECT "+importJobCols+" FROM import_jobs WHERE pool_id = ? ORDER BY created_at DESC, job_id DESC", poolID)
}

// ListImportJobsByStatus returns the jobs of every pool in one of
// statuses, oldest first.
func (db *DB) ListImportJobsByStatus(ctx context.Context, statuses ...string) ([]storage.ImportJob, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(statuses)), ", ")
	args := make([]any, len(statuses))
	for i, s := range statuses {
		args[i] = s
	}
	return db.queryImportJobs(ctx, "SELECT "+importJobCols+" FROM import_jobs WHERE status IN ("+marks+") ORDER BY created_at, pool_id, job_id", args...)
}

// ---------------------------------------------------------------------------
// Uploaded files

// importPartSize is the size of one stored part of a file.
const importPartSize = 1 << 20

func importPartAD(poolID, jobID, upload string, part int64) string {
	return "import-file/" + poolID + "/" + jobID + "/" + upload + "/" + strconv.FormatInt(part, 10)
}

// PutImportFile stores r in parts, each in a short transaction of its own
// (an upload never holds the database while the client sends), then names
// the new upload on the job in one transaction that also runs accept and
// drops the parts of earlier uploads.
func (db *DB) PutImportFile(ctx context.Context, poolID, jobID string, r io.Reader, accept func(storage.ImportJob) error) (err error) {
	if _, err := db.GetImportJob(ctx, poolID, jobID); err != nil {
		return err
	}
	var idb [12]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return err
	}
	upload := hex.EncodeToString(idb[:])
	defer func() {
		if err != nil {
			// Drop what was written of this upload, whatever ctx is now.
			_ = db.be.write(context.WithoutCancel(ctx), false, func(q querier) error {
				_, err := q.exec("DELETE FROM import_files WHERE pool_id = ? AND job_id = ? AND upload = ?", poolID, jobID, upload)
				return err
			})
		}
	}()
	buf := make([]byte, importPartSize)
	for part := int64(0); ; part++ {
		n, rerr := fill(r, buf)
		if rerr != nil && rerr != io.EOF {
			return rerr
		}
		if n > 0 {
			sealed, err := db.seal(importPartAD(poolID, jobID, upload, part), buf[:n])
			if err != nil {
				return err
			}
			err = db.be.write(ctx, false, func(q querier) error {
				_, err := q.exec("INSERT INTO import_files (pool_id, job_id, upload, part, data) VALUES (?, ?, ?, ?, ?)", poolID, jobID, upload, part, sealed)
				return err
			})
			if err != nil {
				return fmt.Errorf("storing import file %s/%s: %w", poolID, jobID, err)
			}
		}
		if rerr == io.EOF {
			break
		}
	}
	return db.be.write(ctx, true, func(q querier) error {
		j, err := scanImportJob(q.queryRow("SELECT "+importJobCols+" FROM import_jobs WHERE pool_id = ? AND job_id = ?"+db.d.forUpdate, poolID, jobID))
		if errors.Is(err, errNoRows) {
			return notFound("import job", poolID, jobID)
		} else if err != nil {
			return err
		}
		if accept != nil {
			if err := accept(j); err != nil {
				return err
			}
		}
		if _, err := q.exec("UPDATE import_jobs SET upload = ? WHERE pool_id = ? AND job_id = ?", upload, poolID, jobID); err != nil {
			return err
		}
		_, err = q.exec("DELETE FROM import_files WHERE pool_id = ? AND job_id = ? AND upload <> ?", poolID, jobID, upload)
		return err
	})
}

// fill reads r until buf is full (nil) or r ends (io.EOF, with what was
// read); any other error of r is returned as it is, so that a body cut
// short is never taken for the end of a file.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// currentUpload returns the upload ID the job names, or "" for none.
func (db *DB) currentUpload(ctx context.Context, poolID, jobID string) (string, error) {
	var upload *string
	err := db.be.read(ctx, func(q querier) error {
		return q.queryRow("SELECT upload FROM import_jobs WHERE pool_id = ? AND job_id = ?", poolID, jobID).Scan(&upload)
	})
	if errors.Is(err, errNoRows) {
		return "", notFound("import job", poolID, jobID)
	}
	if err != nil || upload == nil {
		return "", err
	}
	return *upload, nil
}

// HasImportFile reports whether the job has a complete upload.
func (db *DB) HasImportFile(ctx context.Context, poolID, jobID string) (bool, error) {
	u, err := db.currentUpload(ctx, poolID, jobID)
	return u != "", err
}

// OpenImportFile returns a reader of the job's file that reads one part at
// a time.
func (db *DB) OpenImportFile(ctx context.Context, poolID, jobID string) (io.ReadCloser, error) {
	upload, err := db.currentUpload(ctx, poolID, jobID)
	if err != nil {
		return nil, err
	}
	if upload == "" {
		return nil, notFound("import file", poolID, jobID)
	}
	return &importFileReader{db: db, ctx: ctx, poolID: poolID, jobID: jobID, upload: upload}, nil
}

// DeleteImportFile removes every part of the job's uploads.
func (db *DB) DeleteImportFile(ctx context.Context, poolID, jobID string) error {
	return db.be.write(ctx, true, func(q querier) error {
		if _, err := q.exec("UPDATE import_jobs SET upload = NULL WHERE pool_id = ? AND job_id = ?", poolID, jobID); err != nil {
			return err
		}
		_, err := q.exec("DELETE FROM import_files WHERE pool_id = ? AND job_id = ?", poolID, jobID)
		return err
	})
}

type importFileReader struct {
	db                    *DB
	ctx                   context.Context
	poolID, jobID, upload string
	part                  int64
	buf                   []byte
	done                  bool
}

func (r *importFileReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.done {
			return 0, io.EOF
		}
		var sealed []byte
		err := r.db.be.read(r.ctx, func(q querier) error {
			return q.queryRow("SELECT data FROM import_files WHERE pool_id = ? AND job_id = ? AND upload = ? AND part = ?",
				r.poolID, r.jobID, r.upload, r.part).Scan(&sealed)
		})
		if errors.Is(err, errNoRows) {
			// The end of the file — or the file was replaced or deleted
			// under the reader, which the part count cannot tell apart
			// from a file of whole parts: check that the upload is still
			// the job's.
			cur, cerr := r.db.currentUpload(r.ctx, r.poolID, r.jobID)
			if cerr != nil {
				return 0, cerr
			}
			if cur != r.upload {
				return 0, fmt.Errorf("storage/sql: the file of import job %s/%s was replaced while it was read", r.poolID, r.jobID)
			}
			r.done = true
			continue
		}
		if err != nil {
			return 0, err
		}
		plain, err := r.db.unseal(importPartAD(r.poolID, r.jobID, r.upload, r.part), sealed)
		if err != nil {
			return 0, err
		}
		r.buf = plain
		r.part++
		if len(plain) < importPartSize {
			r.done = true // a short part is the last
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *importFileReader) Close() error { r.buf, r.done = nil, true; return nil }
