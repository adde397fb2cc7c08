package userimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/userpoold/userpoold/internal/importjob"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file runs started jobs in the background: one goroutine per job
// this process runs, started by Start, by Resume (the jobs a stopped
// process left, at start-up) and by the periodic scan (jobs whose holder's
// lease expired, on any node). Close cancels the runs, which stop between
// rows, and releases their leases so that the next process resumes them at
// once.

// Resume starts the background work: the runs of every active job not
// held by another live node, and the periodic scan. Call it once.
func (s *Service) Resume() {
	s.mu.Lock()
	if s.ctx == nil {
		s.ctx, s.cancel = context.WithCancel(context.Background())
		s.running = map[string]bool{}
	}
	s.mu.Unlock()
	s.scan()
	interval := s.ScanInterval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.ctx.Done():
				return
			case <-t.C:
				s.scan()
			}
		}
	}()
}

// Close stops the runs and the scan, waits for them, and releases the
// leases of the jobs this process held.
func (s *Service) Close() {
	s.mu.Lock()
	if s.closed || s.cancel == nil {
		s.closed = true
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
}

// scan launches the active jobs and expires the Created jobs that waited
// too long (deleting their files).
func (s *Service) scan() {
	ctx := s.ctx
	jobs, err := s.Store.ListImportJobsByStatus(ctx, append([]string{string(importjob.Created)}, activeStatuses...)...)
	if err != nil {
		if ctx.Err() == nil {
			s.logger().Warn("listing import jobs", "error", err.Error())
		}
		return
	}
	now := s.now()
	for _, sj := range jobs {
		j := toJob(sj)
		switch {
		case j.Status == importjob.Created:
			if (&j).ExpireIfDue(now, s.ExpireAfter) {
				if _, err := s.update(ctx, j.PoolID, j.JobID, nil); err != nil && ctx.Err() == nil {
					s.logger().Warn("expiring an import job", "pool", j.PoolID, "job", j.JobID, "error", err.Error())
				}
			}
		case j.Status == importjob.InProgress && j.Worker != s.Worker && j.LeaseExpires.After(now):
			// Another node runs it.
		default:
			s.launch(j.PoolID, j.JobID)
		}
	}
}

// launch runs a job in a goroutine of its own, unless this process runs
// it already or is closing.
func (s *Service) launch(poolID, jobID string) {
	key := poolID + "/" + jobID
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil || s.closed || s.running[key] {
		return
	}
	s.running[key] = true
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.running, key)
			s.mu.Unlock()
		}()
		s.run(s.ctx, poolID, jobID)
	}()
}

// run runs one job to its end, or until ctx ends (then releases it).
func (s *Service) run(ctx context.Context, poolID, jobID string) {
	log := s.logger().With("pool", poolID, "job", jobID)
	p, err := s.Pools.LoadPool(ctx, poolID)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("import job: loading the pool", "error", err.Error())
		}
		return
	}
	r := &importjob.Runner{
		Store:     jobStore{s},
		Users:     creator{pools: s.Pools, pool: p},
		Files:     files{s.Store},
		Log:       s.Log,
		Now:       s.Now,
		Worker:    s.Worker,
		BatchSize: s.BatchSize,
		// Rows of a batch are created several at a time, so that their
		// durable writes share commits (SQLite's group commit, PostgreSQL's
		// connections).
		Concurrency: s.concurrency(),
	}
	j, err := r.Run(ctx, importPool(p), jobID)
	switch {
	case errors.Is(err, importjob.ErrLeased), errors.Is(err, importjob.ErrNotRunnable):
		return
	case ctx.Err() != nil:
		s.release(poolID, jobID)
		log.Info("import job paused: the server is stopping; it resumes at the next start", "line", j.CheckpointLine)
	case err != nil:
		log.Error("import job stopped", "error", err.Error())
	default:
		log.Info("import job ended", "status", string(j.Status), "imported", j.ImportedUsers, "skipped", j.SkippedUsers, "failed", j.FailedUsers)
	}
}

func (s *Service) concurrency() int {
	if s.Concurrency > 0 {
		return s.Concurrency
	}
	return 8
}

// release gives up this process's lease on a job it stopped running, so
// that a restarted node (or another one) resumes it without waiting for
// the lease to expire.
func (s *Service) release(poolID, jobID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := s.Store.UpdateImportJob(ctx, poolID, jobID, func(j *storage.ImportJob) error {
		if j.Worker == s.Worker {
			j.LeaseExpires = time.Time{}
		}
		return nil
	})
	if err != nil {
		s.logger().Warn("releasing an import job", "pool", poolID, "job", jobID, "error", err.Error())
	}
}

// jobStore is the Runner's importjob.JobStore.
type jobStore struct{ s *Service }

func (js jobStore) UpdateImportJob(ctx context.Context, poolID, jobID string, fn func(importjob.Job) (importjob.Job, error)) (importjob.Job, error) {
	out, err := js.s.Store.UpdateImportJob(ctx, poolID, jobID, func(sj *storage.ImportJob) error {
		j, err := fn(toJob(*sj))
		if err != nil {
			return err
		}
		*sj = fromJob(j)
		return nil
	})
	return toJob(out), err
}

// files is the Runner's importjob.Files.
type files struct{ store storage.ImportJobStore }

func (f files) Open(ctx context.Context, poolID, jobID string) (io.ReadCloser, error) {
	rc, err := f.store.OpenImportFile(ctx, poolID, jobID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("%w: %v", importjob.ErrNoFile, err)
	}
	return rc, err
}

func (f files) Delete(ctx context.Context, poolID, jobID string) error {
	return f.store.DeleteImportFile(ctx, poolID, jobID)
}

// creator is the Runner's importjob.UserCreator for one pool, loaded once
// per run.
type creator struct {
	pools Pools
	pool  *userpool.Pool
}

func (c creator) CreateImportedUser(ctx context.Context, u importjob.ImportedUser) error {
	return c.pools.ImportUser(ctx, c.pool, u)
}
