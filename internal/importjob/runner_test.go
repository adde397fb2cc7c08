package importjob

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/password/imported"
)

// csvFile makes a file for testPool from rows of "username,email,verified"
// shorthand plus optional extra columns given as name=value.
func csvFile(hashColumn bool, rows ...string) string {
	h := Header(testPool)
	if hashColumn {
		h = append(h, ColumnPasswordHash)
	}
	var b strings.Builder
	b.WriteString(strings.Join(h, ",") + "\n")
	for _, r := range rows {
		parts := strings.Split(r, ";")
		short := strings.SplitN(parts[0], ",", 3)
		for len(short) < 3 {
			short = append(short, "")
		}
		vals := map[string]string{"given_name": "G", "cognito:username": short[0], "email": short[1], "email_verified": short[2]}
		for _, kv := range parts[1:] {
			k, v, _ := strings.Cut(kv, "=")
			vals[k] = v
		}
		fields := make([]string, len(h))
		for i, n := range h {
			fields[i] = strings.ReplaceAll(vals[n], ",", `\,`)
		}
		b.WriteString(strings.Join(fields, ",") + "\n")
	}
	return b.String()
}

type env struct {
	r     *Runner
	store *memStore
	users *memUsers
	files *memFiles
	log   *memLog
	clock *fixedClock
	job   Job
}

func newEnv(t *testing.T, alg imported.Algorithm, file string) *env {
	t.Helper()
	clock := &fixedClock{t: t0}
	job, err := NewJob(NewJobParams{PoolID: testPool.ID, JobName: "job one", CloudWatchLogsRoleARN: "arn:aws:iam::123456789012:role/import", PasswordHashingAlgorithm: alg}, clock.now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := job.Apply(EventStart, clock.now(), ""); err != nil {
		t.Fatal(err)
	}
	e := &env{store: newMemStore(job), users: newMemUsers(), files: newMemFiles(), log: &memLog{}, clock: clock, job: job}
	if file != "" {
		e.files.put(testPool.ID, job.JobID, file)
	}
	e.r = e.runner("node-1")
	return e
}

func (e *env) runner(worker string) *Runner {
	return &Runner{Store: e.store, Users: e.users, Files: e.files, Log: e.log, Now: e.clock.now, Worker: worker, BatchSize: 2}
}

func (e *env) run(t *testing.T) Job {
	t.Helper()
	j, err := e.r.Run(context.Background(), testPool, e.job.JobID)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if stored := e.store.get(testPool.ID, e.job.JobID); stored != j {
		t.Fatalf("Run returned %+v, stored %+v", j, stored)
	}
	return j
}

func TestRunImports(t *testing.T) {
	e := newEnv(t, "", csvFile(false,
		"alice,alice@example.com,TRUE",
		"alice,alice2@example.com,TRUE", // same username again: skipped
		"bob,bob@example.com,FALSE",     // nothing verified: failed
		"carol,carol@example.com,TRUE",  // exists in the pool: skipped
		"dave,dave@example.com,true;custom:tenant=a,b",
		"erin,,;phone_number=+12065550100;phone_number_verified=TRUE",
	))
	e.users.users["carol"] = ImportedUser{Username: "carol"}
	j := e.run(t)
	if j.Status != Succeeded || j.CompletionMessage != "Import Job Completed Successfully." || !j.CompletionDate.Equal(t0) {
		t.Fatalf("job %+v", j)
	}
	if j.ImportedUsers != 3 || j.SkippedUsers != 2 || j.FailedUsers != 1 || j.CheckpointLine != 7 {
		t.Fatalf("counters %d/%d/%d line %d", j.ImportedUsers, j.SkippedUsers, j.FailedUsers, j.CheckpointLine)
	}
	want := []string{
		"[SUCCEEDED] Line Number 2 - The import succeeded.",
		"[SKIPPED] Line Number 3 - The user already exists.",
		"[FAILED] Line Number 4 - The User Record does not set any of the auto verified attributes to verified. (Example: email_verified to true).",
		"[SKIPPED] Line Number 5 - The user already exists.",
		"[SUCCEEDED] Line Number 6 - The import succeeded.",
		"[SUCCEEDED] Line Number 7 - The import succeeded.",
	}
	if !slices.Equal(e.log.lines, want) {
		t.Fatalf("log\n%s", strings.Join(e.log.lines, "\n"))
	}
	if e.log.group != "/aws/cognito/userpools/us-east-1_Pool/pool" || e.log.stream != e.job.JobID+"/job one" {
		t.Errorf("log group %q stream %q", e.log.group, e.log.stream)
	}
	dave := e.users.users["dave"]
	if dave.Status != StatusResetRequired || dave.Line != 6 || dave.JobID != e.job.JobID || !slices.Contains(dave.Attributes, Attribute{"custom:tenant", "a,b"}) {
		t.Errorf("dave %+v", dave)
	}
	if e.files.has(testPool.ID, e.job.JobID) {
		t.Error("the file was not deleted")
	}
	if _, err := e.r.Run(context.Background(), testPool, e.job.JobID); !errors.Is(err, ErrNotRunnable) {
		t.Errorf("running a finished job: %v", err)
	}
}

// The progress counter is visible while the job runs: every batch
// checkpoint raises the counters of the stored job.
func TestRunProgressVisible(t *testing.T) {
	var rows []string
	for i := range 7 {
		rows = append(rows, fmt.Sprintf("u%d,u%d@example.com,TRUE", i, i))
	}
	e := newEnv(t, "", csvFile(false, rows...))
	var seen []int64
	e.store.onUpdate = func(j Job) {
		if j.Status == InProgress {
			seen = append(seen, j.ImportedUsers)
		}
	}
	j := e.run(t)
	if !slices.Equal(seen, []int64{0, 2, 4, 6, 7}) || j.ImportedUsers != 7 {
		t.Fatalf("progress %v, final %d", seen, j.ImportedUsers)
	}
}

func TestRunTooManyFailures(t *testing.T) {
	e := newEnv(t, "", csvFile(false, "a,a@example.com,TRUE", "b,b@example.com,FALSE", "c,c@example.com,FALSE"))
	j := e.run(t)
	if j.Status != Failed || j.CompletionMessage != MsgTooMany || j.ImportedUsers != 1 || j.FailedUsers != 2 {
		t.Fatalf("job %+v", j)
	}
	if _, ok := e.users.users["a"]; !ok {
		t.Error("the good row was not imported")
	}
}

func TestRunStopBetweenBatches(t *testing.T) {
	e := newEnv(t, "", csvFile(false, "a,a@example.com,TRUE", "b,b@example.com,TRUE", "c,c@example.com,TRUE", "d,d@example.com,TRUE", "e,e@example.com,TRUE"))
	e.log.onWrite = func([]LogLine) error {
		// StopUserImportJob arrives while the first batch is being logged.
		_, err := e.store.UpdateImportJob(context.Background(), testPool.ID, e.job.JobID, func(j Job) (Job, error) {
			if j.Status == InProgress {
				return j, j.Apply(EventStop, e.clock.now(), "")
			}
			return j, nil
		})
		return err
	}
	j := e.run(t)
	if j.Status != Stopped || j.CompletionMessage != "The Import Job was stopped by the developer." || j.ImportedUsers != 2 {
		t.Fatalf("job %+v", j)
	}
	if len(e.users.users) != 2 || e.files.has(testPool.ID, e.job.JobID) {
		t.Fatalf("users %d, file kept %v", len(e.users.users), e.files.has(testPool.ID, e.job.JobID))
	}
}

// A crash in the middle of a batch: the job stays InProgress at its last
// checkpoint; another node resumes it after the lease and the counts come
// out as if nothing had happened.
func TestRunCrashResume(t *testing.T) {
	var rows []string
	for i := range 9 {
		rows = append(rows, fmt.Sprintf("u%d,u%d@example.com,TRUE", i, i))
	}
	rows = append(rows, "u1,x@example.com,TRUE") // a genuine duplicate of line 3: skipped
	file := csvFile(false, rows...)
	e := newEnv(t, "", file)
	e.r.BatchSize = 4
	ctx, crash := context.WithCancel(context.Background())
	e.users.fail = func(u ImportedUser) error {
		if u.Line == 8 { // rows of lines 6 and 7 are created, 8 is not: the batch of 6..9 is in flight
			crash()
			return context.Canceled
		}
		return nil
	}
	j, err := e.r.Run(ctx, testPool, e.job.JobID)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	stored := e.store.get(testPool.ID, e.job.JobID)
	if stored.Status != InProgress || stored.CheckpointLine != 5 || stored.ImportedUsers != 4 || j.CheckpointLine != 5 {
		t.Fatalf("after the crash: %+v", stored)
	}
	e.users.fail = nil

	// Another node cannot take it while the lease runs.
	if _, err := e.runner("node-2").Run(context.Background(), testPool, e.job.JobID); !errors.Is(err, ErrLeased) {
		t.Fatalf("second worker during the lease: %v", err)
	}
	e.clock.advance(3 * time.Minute)
	r2 := e.runner("node-2")
	r2.BatchSize = 4
	j, err = r2.Run(context.Background(), testPool, e.job.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != Succeeded || j.ImportedUsers != 9 || j.SkippedUsers != 1 || j.FailedUsers != 0 {
		t.Fatalf("resumed job %+v", j)
	}
	if len(e.users.users) != 9 {
		t.Fatalf("%d users", len(e.users.users))
	}
	// Lines 6 and 7 were logged once before and once after the crash (at
	// least once), every other line once.
	count := map[string]int{}
	for _, l := range e.log.lines {
		count[l]++
	}
	if count["[SUCCEEDED] Line Number 6 - The import succeeded."] != 1 || count["[SKIPPED] Line Number 11 - The user already exists."] != 1 {
		t.Errorf("log %v", e.log.lines)
	}
}

// The node that held the job restarts under the same name and resumes at
// once; the old run, if it were still alive, would find the lease gone.
func TestRunResumeSameWorkerAndLeaseLost(t *testing.T) {
	e := newEnv(t, "", csvFile(false, "a,a@example.com,TRUE", "b,b@example.com,TRUE", "c,c@example.com,TRUE"))
	ctx, crash := context.WithCancel(context.Background())
	e.users.fail = func(u ImportedUser) error {
		if u.Line == 4 {
			crash()
			return context.Canceled
		}
		return nil
	}
	if _, err := e.r.Run(ctx, testPool, e.job.JobID); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	e.users.fail = nil
	j := e.run(t)
	if j.Status != Succeeded || j.ImportedUsers != 3 {
		t.Fatalf("job %+v", j)
	}

	// Lease lost: a checkpoint by a Runner that no longer holds the job.
	e2 := newEnv(t, "", csvFile(false, "a,a@example.com,TRUE", "b,b@example.com,TRUE", "c,c@example.com,TRUE"))
	e2.log.onWrite = func([]LogLine) error {
		_, err := e2.store.UpdateImportJob(context.Background(), testPool.ID, e2.job.JobID, func(j Job) (Job, error) {
			j.Worker = "node-9"
			return j, nil
		})
		return err
	}
	if _, err := e2.r.Run(context.Background(), testPool, e2.job.JobID); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("Run after losing the lease = %v", err)
	}
}

func TestRunFailures(t *testing.T) {
	good := csvFile(false, "a,a@example.com,TRUE", "b,b@example.com,TRUE", "c,c@example.com,TRUE")
	for _, tc := range []struct {
		name  string
		file  string
		alg   imported.Algorithm
		setup func(*env)
		msg   string
		users int
	}{
		{"no file", "", "", nil, MsgNoFile, 0},
		{"byte order mark", "\xef\xbb\xbf" + good, "", nil, MsgUnparsable, 0},
		{"header of another pool", "cognito:username,email,email_verified\na,a@example.com,TRUE\n", "", nil, MsgUnparsable, 0},
		{"algorithm without hash column", good, imported.PBKDF2SHA256, nil, MsgNoPasswordHash, 0},
		{"too many rows", "cognito:username\n" + strings.Repeat("x\n", MaxRows+1), "", nil, MsgUnparsable, 0},
		{"pool deleted", good, "", func(e *env) {
			e.r.BatchSize = 10 // in the middle of a batch
			e.users.fail = func(u ImportedUser) error {
				if u.Line == 3 {
					e.users.deleted = true // after this user
				}
				return nil
			}
		}, MsgPoolDeleted, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.alg, tc.file)
			if tc.setup != nil {
				tc.setup(e)
			}
			j := e.run(t)
			if j.Status != Failed || j.CompletionMessage != tc.msg || len(e.users.users) != tc.users || j.ImportedUsers != int64(tc.users) {
				t.Fatalf("job %+v, %d users", j, len(e.users.users))
			}
			if e.files.has(testPool.ID, e.job.JobID) {
				t.Error("file kept")
			}
		})
	}
}

func TestRunRowErrorsFromCreator(t *testing.T) {
	e := newEnv(t, "", csvFile(false, "a,a@example.com,TRUE", "b,b@example.com,TRUE", "c,c@example.com,TRUE", "d,d@example.com,TRUE", "e,e@example.com,TRUE"))
	e.users.fail = func(u ImportedUser) error {
		switch u.Username {
		case "b":
			return fault.New(fault.InvalidParameter, "custom:tenant: The attribute is required")
		case "c":
			return errors.New("database is locked")
		}
		return nil
	}
	j := e.run(t)
	if j.Status != Succeeded || j.ImportedUsers != 3 || j.FailedUsers != 2 {
		t.Fatalf("job %+v", j)
	}
	if e.log.lines[1] != "[FAILED] Line Number 3 - The User Record does not match the schema of the user pool. custom:tenant: The attribute is required" ||
		e.log.lines[2] != "[FAILED] Line Number 4 - The user could not be imported because of an internal error." {
		t.Fatalf("log %q", e.log.lines)
	}
}

func TestRunPasswordHashes(t *testing.T) {
	const scryptHash = "1024$1$1$0011223344556677889900aabbccddee$e3a71e8f3e38a8b37e139550c5abd3993dc1d0f119e5b270f6685ab20cf4e1b4b540502b76f27833afc05b8c1cff079f70063452255e52b31cc750e8b27c1c3a"
	e := newEnv(t, imported.SCRYPT, csvFile(true,
		"h1,h1@example.com,TRUE;password_hash="+scryptHash,
		"h2,h2@example.com,TRUE",
		"h3,h3@example.com,TRUE;password_hash=131072$8$1$00$00",
	))
	j := e.run(t)
	if j.ImportedUsers != 2 || j.FailedUsers != 1 {
		t.Fatalf("job %+v", j)
	}
	h1, h2 := e.users.users["h1"], e.users.users["h2"]
	if h1.Status != StatusConfirmed || !h1.PasswordHash.Verify("pässwörd") || h1.PasswordHash.Verify("x") {
		t.Errorf("h1 %+v", h1)
	}
	if h2.Status != StatusResetRequired || h2.PasswordHash.NeedsRehash() {
		t.Errorf("h2 %+v", h2)
	}
	if !strings.HasSuffix(e.log.lines[2], string(ReasonPasswordHash)) {
		t.Errorf("log %q", e.log.lines)
	}
}

func TestRunClaims(t *testing.T) {
	// Stopping when picked up: Stopped at once, nothing imported.
	e := newEnv(t, "", csvFile(false, "a,a@example.com,TRUE"))
	e.store.jobs[testPool.ID+"/"+e.job.JobID] = func() Job { j := e.job; j.Status = Stopping; return j }()
	j := e.run(t)
	if j.Status != Stopped || len(e.users.users) != 0 || e.files.has(testPool.ID, e.job.JobID) {
		t.Fatalf("job %+v", j)
	}
	// Created and ended jobs do not run.
	for _, s := range []Status{Created, Succeeded, Failed, Stopped, Expired} {
		e := newEnv(t, "", "x")
		e.store.jobs[testPool.ID+"/"+e.job.JobID] = func() Job { j := e.job; j.Status = s; return j }()
		if _, err := e.r.Run(context.Background(), testPool, e.job.JobID); !errors.Is(err, ErrNotRunnable) {
			t.Errorf("%s: %v", s, err)
		}
	}
	if _, err := (&Runner{}).Run(context.Background(), testPool, "import-x"); err == nil {
		t.Error("a Runner without Worker ran")
	}
	if _, err := e.r.Run(context.Background(), testPool, "import-missing"); !errors.Is(err, errNotFound) {
		t.Errorf("missing job: %v", err)
	}
}

// Rows imported several at a time end exactly as rows imported one at a
// time: the same log lines in file order, the same counters, and the
// first line of a username (repeated within a batch) winning.
func TestRunConcurrentLikeSequential(t *testing.T) {
	var rows []string
	for i := range 40 {
		switch {
		case i%7 == 3:
			rows = append(rows, fmt.Sprintf("u%d,u%d@example.com,TRUE", i-2, i)) // a username two lines up
		case i%11 == 5:
			rows = append(rows, fmt.Sprintf("bad%d,,FALSE", i)) // nothing verified
		default:
			rows = append(rows, fmt.Sprintf("u%d,u%d@example.com,TRUE", i, i))
		}
	}
	file := csvFile(false, rows...)
	run := func(concurrency int) (*env, Job) {
		e := newEnv(t, "", file)
		e.r.Concurrency = concurrency
		e.r.BatchSize = 10
		return e, e.run(t)
	}
	seq, js := run(0)
	con, jc := run(8)
	if js.ImportedUsers != jc.ImportedUsers || js.SkippedUsers != jc.SkippedUsers || js.FailedUsers != jc.FailedUsers || jc.Status != Succeeded {
		t.Fatalf("sequential %d/%d/%d, concurrent %d/%d/%d (%s)", js.ImportedUsers, js.SkippedUsers, js.FailedUsers, jc.ImportedUsers, jc.SkippedUsers, jc.FailedUsers, jc.Status)
	}
	if js.SkippedUsers == 0 || js.FailedUsers == 0 {
		t.Fatalf("the file has no skipped or failed rows: %+v", js)
	}
	if !slices.Equal(seq.log.lines, con.log.lines) {
		t.Fatalf("log lines differ:\nsequential %v\nconcurrent %v", seq.log.lines, con.log.lines)
	}
	for name, u := range seq.users.users {
		if c := con.users.users[name]; c.Line != u.Line {
			t.Errorf("user %s from line %d sequentially, %d concurrently", name, u.Line, c.Line)
		}
	}
}
