package importjob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
)

// JobStore is the job storage the Runner uses: an atomic read-modify-write
// of one job, with the contract of the storage package's Update methods (fn
// gets the freshest copy and may run more than once; an error from fn
// writes nothing and is returned unchanged; a missing job is an error
// wrapping the store's not-found error).
type JobStore interface {
	UpdateImportJob(ctx context.Context, poolID, jobID string, fn func(Job) (Job, error)) (Job, error)
}

// UserCreator creates imported users. CreateImportedUser creates u in
// u.PoolID with u.Status, u.Attributes, u.MFAEnabled and u.PasswordHash,
// and remembers (u.JobID, u.Line) on the user. It returns an error wrapping
// ErrAlreadyImported when a user with the username exists and was created
// from the same job and line, ErrUserExists when any other user has the
// username, ErrPoolDeleted when the pool is gone, a *fault.Error for a
// value the pool's schema refuses (its message must not quote the value,
// as Cognito's schema messages do not), and any other error for an
// internal failure. It must not invoke triggers (§7.4: none is documented
// for import).
type UserCreator interface {
	CreateImportedUser(ctx context.Context, u ImportedUser) error
}

// Files opens and deletes uploaded CSV files. Open returns an error
// wrapping ErrNoFile when nothing was uploaded for the job.
type Files interface {
	Open(ctx context.Context, poolID, jobID string) (io.ReadCloser, error)
	Delete(ctx context.Context, poolID, jobID string) error
}

// ErrNoFile is what Files.Open wraps when the job has no upload.
var ErrNoFile = errors.New("importjob: no file was uploaded for the job")

// Outcome is the bracketed word of a log line.
type Outcome string

// The outcomes of a row (§7.4).
const (
	OutcomeSucceeded Outcome = "SUCCEEDED"
	OutcomeSkipped   Outcome = "SKIPPED"
	OutcomeFailed    Outcome = "FAILED"
)

// LogLine is one line of a job's log.
type LogLine struct {
	Line    int64
	Outcome Outcome
	Reason  Reason
}

// String returns the line as AWS writes it:
// "[SUCCEEDED] Line Number 5956 - The import succeeded."
func (l LogLine) String() string {
	return "[" + string(l.Outcome) + "] Line Number " + strconv.FormatInt(l.Line, 10) + " - " + string(l.Reason)
}

// LogSink receives a job's log lines, a batch at a time, for the log group
// LogGroup(pool) and stream LogStream(job). Lines may be written again
// after a crash (see the package documentation).
type LogSink interface {
	WriteImportLog(ctx context.Context, group, stream string, lines []LogLine) error
}

// Runner runs import jobs. Its fields are set once (Store, Users, Files,
// Log and Worker are required); a Runner runs any number of jobs at once,
// each in the goroutine that calls Run.
type Runner struct {
	Store JobStore
	Users UserCreator
	Files Files
	Log   LogSink
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Worker names this Runner in a job's lease (the node's identity on a
	// shared database). It must not be empty.
	Worker string
	// BatchSize is the number of rows between checkpoints; 0 means 1000.
	BatchSize int
	// Concurrency is how many rows of a batch are imported at once; 0 or 1
	// imports them one at a time. Rows of one username keep their order.
	// UNCONFIRMED: AWS's order among rows of different usernames that
	// claim the same alias (the first to be created wins here).
	Concurrency int
	// Lease is how long a checkpoint keeps the job this Runner's; another
	// Runner may resume it after that. 0 means 2 minutes.
	Lease time.Duration
	// FailRatio fails a finished job whose failed and skipped rows exceed
	// this share of its rows; 0 means 0.5. UNCONFIRMED: AWS's threshold
	// (§12 item 16); a real job with 14 imported and 32 failed rows ended
	// Failed ("Too many users have failed or been skipped during the
	// import.", aws-solutions/cognito-user-profiles-export-reference-architecture#9).
	FailRatio float64
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) batchSize() int {
	if r.BatchSize > 0 {
		return r.BatchSize
	}
	return 1000
}

func (r *Runner) lease() time.Duration {
	if r.Lease > 0 {
		return r.Lease
	}
	return 2 * time.Minute
}

// Errors Run returns without changing the job's state.
var (
	// ErrNotRunnable: the job is Created or already ended.
	ErrNotRunnable = errors.New("importjob: the job is not Pending, InProgress or Stopping")
	// ErrLeased: another Runner holds the job.
	ErrLeased = errors.New("importjob: another worker holds the job")
	// ErrLeaseLost: another Runner took the job over during the run (this
	// one's lease had expired); this Runner stopped.
	ErrLeaseLost = errors.New("importjob: the job was taken over by another worker")
)

// Run runs job jobID of pool p: it takes a Pending job to InProgress (or
// resumes an InProgress one whose lease expired or is its own), streams the
// uploaded file through UserCreator in batches, checkpoints after each,
// honours a Stop at the next checkpoint, and ends the job Succeeded, Failed
// or Stopped, deleting the file. It returns the job as it left it.
//
// A cancelled ctx (server shutdown) stops Run between rows: the job stays
// InProgress at its last checkpoint, for a later Run to resume, and the
// context's error is returned. Errors of the JobStore or LogSink also stop
// Run that way.
func (r *Runner) Run(ctx context.Context, p Pool, jobID string) (Job, error) {
	if r.Worker == "" {
		return Job{}, errors.New("importjob: Runner.Worker is empty")
	}
	job, err := r.claim(ctx, p.ID, jobID)
	if err != nil {
		return job, err
	}
	if job.Status.Final() { // a Stopping job halted at once
		r.deleteFile(ctx, job)
		return job, nil
	}
	rd, closeFile, err := r.open(ctx, job, p)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			return r.finish(ctx, job, EventFail, fe.Message)
		}
		return job, err
	}
	defer closeFile()
	cols, err := NewColumns(rd.Header(), p, job.PasswordHashingAlgorithm)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			return r.finish(ctx, job, EventFail, fe.Message)
		}
		return job, err
	}

	group, stream := LogGroup(p.ID, p.Name), LogStream(job.JobID, job.JobName)
	var (
		lines   []LogLine
		delta   counts
		lastRow = job.CheckpointLine
	)
	flush := func() (Job, bool, error) {
		if len(lines) > 0 {
			if err := r.Log.WriteImportLog(ctx, group, stream, lines); err != nil {
				return job, false, fmt.Errorf("importjob: writing the log of %s: %w", job.JobID, err)
			}
		}
		j, stopped, err := r.checkpoint(ctx, job, lastRow, delta)
		lines, delta = nil, counts{} // the sink may keep the slice it was given
		return j, stopped, err
	}
	var batch []Record
	// runBatch imports the rows of batch and checkpoints them; stop
	// reports that Run must return (j, err).
	runBatch := func() (j Job, stop bool, err error) {
		results, rerr := r.rows(ctx, cols, job.JobID, batch)
		batch = batch[:0]
		for _, res := range results {
			lines = append(lines, res.line)
			delta.add(res.line.Outcome)
			lastRow = res.line.Line
		}
		if errors.Is(rerr, ErrPoolDeleted) {
			j, stopped, err := flush() // count the rows done before
			if err != nil || stopped {
				return j, true, err
			}
			j, err = r.finish(ctx, j, EventFail, MsgPoolDeleted)
			return j, true, err
		}
		if rerr != nil {
			return job, true, rerr // ctx ended during a row: the batch is not counted
		}
		j, stopped, err := flush()
		return j, err != nil || stopped, err
	}
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return job, fmt.Errorf("importjob: reading the file of %s: %w", job.JobID, err)
		}
		if rec.Line <= job.CheckpointLine {
			continue // done before a crash
		}
		if err := ctx.Err(); err != nil {
			return job, err
		}
		batch = append(batch, rec)
		if len(batch) >= r.batchSize() {
			j, stop, err := runBatch()
			if stop {
				return j, err
			}
			job = j
		}
	}
	j, stop, err := runBatch() // the rest, and the last checkpoint
	if stop {
		return j, err
	}
	job = j
	rows := job.ImportedUsers + job.SkippedUsers + job.FailedUsers
	if rows > 0 && float64(job.SkippedUsers+job.FailedUsers) > r.failRatio()*float64(rows) {
		return r.finish(ctx, job, EventFail, MsgTooMany)
	}
	return r.finish(ctx, job, EventSucceed, "")
}

func (r *Runner) failRatio() float64 {
	if r.FailRatio > 0 {
		return r.FailRatio
	}
	return 0.5
}

type counts struct{ imported, skipped, failed int64 }

func (c *counts) add(o Outcome) {
	switch o {
	case OutcomeSucceeded:
		c.imported++
	case OutcomeSkipped:
		c.skipped++
	default:
		c.failed++
	}
}

// rowResult is the outcome of one row of a batch.
type rowResult struct {
	line LogLine
	err  error
}

// rows imports the records of a batch, up to Concurrency at once, and
// returns their log lines in file order up to the first row that ended in
// an error (a cancelled context or ErrPoolDeleted), and that error.
// Records naming a username (compared case-insensitively) that an earlier
// record of the batch names wait for it, so that the first line of a
// username always wins, as when the rows run one at a time.
func (r *Runner) rows(ctx context.Context, cols *Columns, jobID string, batch []Record) ([]rowResult, error) {
	res := make([]rowResult, len(batch))
	n := r.Concurrency
	if n <= 1 {
		for i, rec := range batch {
			line, err := r.row(ctx, cols, jobID, rec)
			res[i] = rowResult{line, err}
			if err != nil {
				return res[:i], err
			}
		}
		return res, nil
	}
	// Rows whose username an earlier row of the batch has run after the
	// others, in order.
	first := make([]int, 0, len(batch))
	var later []int
	seen := make(map[string]bool, len(batch))
	for i, rec := range batch {
		key := ""
		if rec.Problem == "" {
			key = strings.ToLower(cols.value(rec, ColumnUsername))
		}
		if key != "" && seen[key] {
			later = append(later, i)
			continue
		}
		seen[key] = key != ""
		first = append(first, i)
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(n, len(first)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				line, err := r.row(ctx, cols, jobID, batch[i])
				res[i] = rowResult{line, err}
			}
		}()
	}
	for _, i := range first {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, i := range later {
		if ctx.Err() != nil {
			res[i] = rowResult{err: ctx.Err()}
			continue
		}
		line, err := r.row(ctx, cols, jobID, batch[i])
		res[i] = rowResult{line, err}
	}
	for i := range res {
		if res[i].err != nil {
			return res[:i], res[i].err
		}
	}
	return res, nil
}

// row imports one record. Its error is a cancelled context or
// ErrPoolDeleted; every other failure is the row's.
func (r *Runner) row(ctx context.Context, cols *Columns, jobID string, rec Record) (LogLine, error) {
	u, reason := cols.User(jobID, rec)
	if reason != "" {
		return LogLine{rec.Line, OutcomeFailed, reason}, nil
	}
	err := r.Users.CreateImportedUser(ctx, u)
	var fe *fault.Error
	switch {
	case err == nil, errors.Is(err, ErrAlreadyImported):
		return LogLine{rec.Line, OutcomeSucceeded, ReasonSucceeded}, nil
	case errors.Is(err, ErrUserExists):
		return LogLine{rec.Line, OutcomeSkipped, ReasonExists}, nil
	case errors.Is(err, ErrPoolDeleted):
		return LogLine{}, err
	case ctx.Err() != nil:
		return LogLine{}, ctx.Err()
	case errors.As(err, &fe):
		return LogLine{rec.Line, OutcomeFailed, ReasonSchema + " " + Reason(fe.Message)}, nil
	default:
		// "The user couldn't be imported due to an internal error": the row
		// fails and the job goes on.
		return LogLine{rec.Line, OutcomeFailed, ReasonInternal}, nil
	}
}

// claim takes the job for this Runner. A Stopping job goes straight to
// Stopped; a final job is returned as it is.
func (r *Runner) claim(ctx context.Context, poolID, jobID string) (Job, error) {
	now := r.now()
	var notRunnable, leased bool
	job, err := r.Store.UpdateImportJob(ctx, poolID, jobID, func(j Job) (Job, error) {
		notRunnable, leased = false, false
		switch {
		case j.Status == Pending:
			if err := j.Apply(EventBegin, now, ""); err != nil {
				return j, err
			}
		case j.Status == Stopping:
			return j, j.Apply(EventHalt, now, "")
		case j.Status == InProgress:
			if j.Worker != r.Worker && j.LeaseExpires.After(now) {
				leased = true
				return j, ErrLeased
			}
		default:
			notRunnable = true
			return j, ErrNotRunnable
		}
		j.Worker, j.LeaseExpires = r.Worker, now.Add(r.lease())
		return j, nil
	})
	if notRunnable && err != nil {
		return job, ErrNotRunnable
	}
	if leased {
		return job, ErrLeased
	}
	return job, err
}

// open opens the job's file, checks it as a whole (header, byte order
// mark, number of rows) in a first pass, and opens it again for the import.
func (r *Runner) open(ctx context.Context, job Job, p Pool) (*Reader, func(), error) {
	f, err := r.Files.Open(ctx, p.ID, job.JobID)
	if errors.Is(err, ErrNoFile) {
		return nil, nil, &FileError{Message: MsgNoFile, Detail: "no file was uploaded"}
	}
	if err != nil {
		return nil, nil, err
	}
	rows, err := countRows(f)
	f.Close()
	if err != nil {
		return nil, nil, err
	}
	if rows > MaxRows {
		// UNCONFIRMED: AWS's answer to a file over the limit.
		return nil, nil, fileError("the file has more than 500,000 rows")
	}
	f, err = r.Files.Open(ctx, p.ID, job.JobID)
	if err != nil {
		return nil, nil, err
	}
	rd, err := NewReader(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return rd, func() { f.Close() }, nil
}

// countRows reads a whole file, checks its header and counts its rows
// (lines that are not blank), stopping past MaxRows.
func countRows(f io.Reader) (int, error) {
	rd, err := NewReader(f)
	if err != nil {
		return 0, err
	}
	n := 0
	for n <= MaxRows {
		raw, _, err := rd.readLine()
		if err != nil && err != io.EOF {
			return 0, err
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			n++
		}
		if err == io.EOF {
			break
		}
	}
	return n, nil
}

// checkpoint adds a batch's counts and last line to the job, renews the
// lease, and halts the job when a Stop arrived; it reports whether it did.
func (r *Runner) checkpoint(ctx context.Context, job Job, lastLine int64, d counts) (Job, bool, error) {
	now := r.now()
	halted := false
	j, err := r.Store.UpdateImportJob(ctx, job.PoolID, job.JobID, func(j Job) (Job, error) {
		halted = false
		if j.Worker != r.Worker || !j.Status.Active() {
			return j, ErrLeaseLost
		}
		j.ImportedUsers += d.imported
		j.SkippedUsers += d.skipped
		j.FailedUsers += d.failed
		j.CheckpointLine = max(j.CheckpointLine, lastLine)
		j.LeaseExpires = now.Add(r.lease())
		if j.Status == Stopping {
			halted = true
			return j, j.Apply(EventHalt, now, "")
		}
		return j, nil
	})
	if err != nil {
		return job, false, err
	}
	if halted {
		r.deleteFile(ctx, j)
	}
	return j, halted, nil
}

// finish ends the job by e (Succeed or Fail); a job Stopping by then ends
// Stopped instead. The file is deleted.
func (r *Runner) finish(ctx context.Context, job Job, e Event, message string) (Job, error) {
	now := r.now()
	j, err := r.Store.UpdateImportJob(ctx, job.PoolID, job.JobID, func(j Job) (Job, error) {
		if j.Worker != r.Worker || !j.Status.Active() {
			return j, ErrLeaseLost
		}
		if j.Status == Stopping {
			return j, j.Apply(EventHalt, now, "")
		}
		return j, j.Apply(e, now, message)
	})
	if err != nil {
		return job, err
	}
	r.deleteFile(ctx, j)
	return j, nil
}

// deleteFile removes an ended job's upload ("the CSV is then deleted").
// Failing to is not the job's failure: the caller's expiry sweep retries.
func (r *Runner) deleteFile(ctx context.Context, j Job) {
	_ = r.Files.Delete(context.WithoutCancel(ctx), j.PoolID, j.JobID)
}
