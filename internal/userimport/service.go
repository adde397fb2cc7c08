package userimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/importjob"
	"github.com/userpoold/userpoold/internal/importjob/upload"
	"github.com/userpoold/userpoold/internal/password/imported"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// Pools is what the service uses of userpool.Service.
type Pools interface {
	LoadPool(ctx context.Context, id string) (*userpool.Pool, error)
	ImportUser(ctx context.Context, p *userpool.Pool, u importjob.ImportedUser) error
}

// Service runs the import job operations and the jobs. Build it as a
// struct literal, call Resume once the server is up, and Close when it
// stops.
type Service struct {
	Store storage.ImportJobStore
	Pools Pools
	// Signer mints the pre-signed upload URLs (its BaseURL is the server's
	// public URL, its clock the server's).
	Signer *upload.Signer
	// Account is the account ID in the upload URLs' paths.
	Account string
	// Log receives the jobs' log lines.
	Log importjob.LogSink
	// Worker names this node in the jobs' leases; it must differ between
	// the nodes (and processes) sharing a database.
	Worker string
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger
	// ExpireAfter is how long a job may wait in Created before it expires;
	// 0 means importjob.DefaultExpireAfter.
	ExpireAfter time.Duration
	// BatchSize is the number of rows between checkpoints (0: the Runner's
	// default, 1000).
	BatchSize int
	// Concurrency is how many rows of a batch are created at once; 0 means
	// 8.
	Concurrency int
	// ScanInterval is how often the service looks for jobs to run (another
	// node's job whose lease expired) and jobs to expire; 0 means 30
	// seconds of real time.
	ScanInterval time.Duration

	mu      sync.Mutex
	running map[string]bool // pool/job of the runs in this process
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closed  bool
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Errors of the operations.
var (
	// errJobNotFound: the job does not exist in the pool. UNCONFIRMED: the
	// wording.
	errJobNotFound = func(id string) error {
		return fault.Errorf(fault.ResourceNotFound, "Job %s does not exist.", id)
	}
)

// CSVHeader is GetCSVHeader: the columns a file for the pool must have.
func (s *Service) CSVHeader(ctx context.Context, poolID string) ([]string, error) {
	p, err := s.Pools.LoadPool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	return importjob.Header(importPool(p)), nil
}

// CreateInput is CreateUserImportJob's input.
type CreateInput struct {
	PoolID                   string
	JobName                  string
	CloudWatchLogsRoleARN    string
	PasswordHashingAlgorithm imported.Algorithm
}

// Create is CreateUserImportJob: a Created job with a pre-signed URL to
// upload its file to, within the pool's limit of jobs.
func (s *Service) Create(ctx context.Context, in CreateInput) (importjob.Job, error) {
	if _, err := s.Pools.LoadPool(ctx, in.PoolID); err != nil {
		return importjob.Job{}, err
	}
	jobs, err := s.Store.ListImportJobs(ctx, in.PoolID)
	if err != nil {
		return importjob.Job{}, err
	}
	if err := importjob.CheckCreate(len(jobs)); err != nil {
		return importjob.Job{}, err
	}
	j, err := importjob.NewJob(importjob.NewJobParams{
		PoolID: in.PoolID, JobName: in.JobName, CloudWatchLogsRoleARN: in.CloudWatchLogsRoleARN,
		PasswordHashingAlgorithm: in.PasswordHashingAlgorithm,
	}, s.now(), s.Rand)
	if err != nil {
		return importjob.Job{}, err
	}
	if j.PreSignedURL, err = s.Signer.URL(upload.Key{Account: s.Account, PoolID: j.PoolID, JobID: j.JobID}); err != nil {
		return importjob.Job{}, err
	}
	if err := s.Store.CreateImportJob(ctx, fromJob(j)); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return importjob.Job{}, userpool.PoolNotFound(in.PoolID)
		}
		return importjob.Job{}, err
	}
	return j, nil
}

// update runs fn on the freshest copy of the job, expiring it first when
// it waited too long in Created. A missing job is ResourceNotFound.
func (s *Service) update(ctx context.Context, poolID, jobID string, fn func(*importjob.Job) error) (importjob.Job, error) {
	now := s.now()
	out, err := s.Store.UpdateImportJob(ctx, poolID, jobID, func(sj *storage.ImportJob) error {
		j := toJob(*sj)
		j.ExpireIfDue(now, s.ExpireAfter)
		if fn != nil {
			if err := fn(&j); err != nil {
				return err
			}
		}
		*sj = fromJob(j)
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return importjob.Job{}, errJobNotFound(jobID)
	}
	if err != nil {
		return importjob.Job{}, err
	}
	j := toJob(out)
	if j.Status == importjob.Expired {
		s.deleteFile(ctx, j)
	}
	return j, nil
}

// get returns a job, expiring it if it is due.
func (s *Service) get(ctx context.Context, poolID, jobID string) (importjob.Job, error) {
	sj, err := s.Store.GetImportJob(ctx, poolID, jobID)
	if errors.Is(err, storage.ErrNotFound) {
		return importjob.Job{}, errJobNotFound(jobID)
	}
	if err != nil {
		return importjob.Job{}, err
	}
	j := toJob(sj)
	if j.Status == importjob.Created && (&j).ExpireIfDue(s.now(), s.ExpireAfter) {
		return s.update(ctx, poolID, jobID, nil)
	}
	return j, nil
}

// Describe is DescribeUserImportJob.
func (s *Service) Describe(ctx context.Context, poolID, jobID string) (importjob.Job, error) {
	if _, err := s.Pools.LoadPool(ctx, poolID); err != nil {
		return importjob.Job{}, err
	}
	return s.get(ctx, poolID, jobID)
}

// List is ListUserImportJobs: up to max jobs (at most 50), newest first,
// after the job token names ("" for the first page), and the token of the
// next page ("" when there is none).
func (s *Service) List(ctx context.Context, poolID string, max int, token string) ([]importjob.Job, string, error) {
	if _, err := s.Pools.LoadPool(ctx, poolID); err != nil {
		return nil, "", err
	}
	max = min(max, 50)
	var after importjob.Job
	if token != "" {
		id, created, err := importjob.ParsePageToken(poolID, token)
		if err != nil {
			return nil, "", err
		}
		after = importjob.Job{JobID: id, CreationDate: created}
	}
	stored, err := s.Store.ListImportJobs(ctx, poolID)
	if err != nil {
		return nil, "", err
	}
	var out []importjob.Job
	for _, sj := range stored {
		j := toJob(sj)
		if token != "" && !importjob.Before(after, truncMillis(j)) {
			continue
		}
		if len(out) == max {
			return out, importjob.PageToken(out[len(out)-1]), nil
		}
		if j.Status == importjob.Created && (&j).ExpireIfDue(s.now(), s.ExpireAfter) {
			if j, err = s.update(ctx, poolID, j.JobID, nil); err != nil {
				return nil, "", err
			}
		}
		out = append(out, j)
	}
	return out, "", nil
}

// truncMillis is j with its creation time as a page token carries it.
func truncMillis(j importjob.Job) importjob.Job {
	j.CreationDate = j.CreationDate.Truncate(time.Millisecond)
	return j
}

// Start is StartUserImportJob: the job must be Created, its file uploaded,
// its pool auto-verify email or phone_number, and no other job of the
// account be active. The job becomes Pending and a run starts.
func (s *Service) Start(ctx context.Context, poolID, jobID string) (importjob.Job, error) {
	p, err := s.Pools.LoadPool(ctx, poolID)
	if err != nil {
		return importjob.Job{}, err
	}
	j, err := s.get(ctx, poolID, jobID)
	if err != nil {
		return importjob.Job{}, err
	}
	if j.Status != importjob.Created {
		return importjob.Job{}, j.Apply(importjob.EventStart, s.now(), "") // the state's error
	}
	uploaded, err := s.Store.HasImportFile(ctx, poolID, jobID)
	if err != nil {
		return importjob.Job{}, err
	}
	active, err := s.Store.ListImportJobsByStatus(ctx, activeStatuses...)
	if err != nil {
		return importjob.Job{}, err
	}
	if err := importjob.CheckStart(importPool(p), uploaded, len(active)); err != nil {
		return importjob.Job{}, err
	}
	now := s.now()
	j, err = s.update(ctx, poolID, jobID, func(j *importjob.Job) error { return j.Apply(importjob.EventStart, now, "") })
	if err != nil {
		return importjob.Job{}, err
	}
	s.launch(poolID, jobID)
	return j, nil
}

// activeStatuses are the statuses of jobs that count as active.
var activeStatuses = []string{string(importjob.Pending), string(importjob.InProgress), string(importjob.Stopping)}

// Stop is StopUserImportJob: a Pending job is Stopped at once, an
// InProgress one Stopping until its run halts at the next checkpoint.
func (s *Service) Stop(ctx context.Context, poolID, jobID string) (importjob.Job, error) {
	if _, err := s.Pools.LoadPool(ctx, poolID); err != nil {
		return importjob.Job{}, err
	}
	now := s.now()
	j, err := s.update(ctx, poolID, jobID, func(j *importjob.Job) error { return j.Apply(importjob.EventStop, now, "") })
	if err != nil {
		return importjob.Job{}, err
	}
	if j.Status.Final() {
		s.deleteFile(ctx, j)
	}
	return j, nil
}

// deleteFile removes an ended job's file; a failure is logged (the scan
// retries for expired jobs, and a job's file goes with its pool).
func (s *Service) deleteFile(ctx context.Context, j importjob.Job) {
	if err := s.Store.DeleteImportFile(context.WithoutCancel(ctx), j.PoolID, j.JobID); err != nil {
		s.logger().Warn("deleting an import job's file", "pool", j.PoolID, "job", j.JobID, "error", err.Error())
	}
}

// UploadStore is the upload.Store of the pre-signed URLs: a file is kept
// only for a job of this account that is still Created (the last upload
// wins); anything else is upload.ErrNoSuchUpload (403 AccessDenied).
func (s *Service) UploadStore() upload.Store { return uploadStore{s} }

type uploadStore struct{ s *Service }

func (u uploadStore) Put(ctx context.Context, k upload.Key, r io.Reader) error {
	if k.Account != u.s.Account {
		return upload.ErrNoSuchUpload
	}
	now := u.s.now()
	err := u.s.Store.PutImportFile(ctx, k.PoolID, k.JobID, r, func(sj storage.ImportJob) error {
		j := toJob(sj)
		if j.Status != importjob.Created || (&j).ExpireIfDue(now, u.s.ExpireAfter) {
			return fmt.Errorf("%w: the job is %s", upload.ErrNoSuchUpload, sj.Status)
		}
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("%w: %v", upload.ErrNoSuchUpload, err)
	}
	return err
}
