package importjob

import (
	"crypto/rand"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/password/imported"
)

// Status is UserImportJobStatusType.
type Status string

// The job states of §7.1.
const (
	Created    Status = "Created"
	Pending    Status = "Pending"
	InProgress Status = "InProgress"
	Stopping   Status = "Stopping"
	Stopped    Status = "Stopped"
	Succeeded  Status = "Succeeded"
	Failed     Status = "Failed"
	Expired    Status = "Expired"
)

// Final reports whether s is an end state.
func (s Status) Final() bool {
	switch s {
	case Stopped, Succeeded, Failed, Expired:
		return true
	}
	return false
}

// Active reports whether a job in s counts against the one-active-job limit
// and blocks UpdateUserPool, DeleteUserPool and AddCustomAttributes
// (UserImportInProgressException).
func (s Status) Active() bool {
	switch s {
	case Pending, InProgress, Stopping:
		return true
	}
	return false
}

// Event is what moves a job from one state to another.
type Event string

// The events.
const (
	EventStart   Event = "Start"   // StartUserImportJob
	EventBegin   Event = "Begin"   // a Runner picks the job up
	EventStop    Event = "Stop"    // StopUserImportJob
	EventHalt    Event = "Halt"    // a Runner honours a Stop
	EventSucceed Event = "Succeed" // a Runner finished the file
	EventFail    Event = "Fail"    // the job cannot go on
	EventExpire  Event = "Expire"  // unstarted for ExpireAfter
)

// transitions is every legal transition of §7.1: from, event, to.
//
// UNCONFIRMED: a Stop while InProgress answers Stopping and the Runner ends
// the job Stopped at its next batch boundary; the Developer Guide's sample
// Stop response already shows Stopped, which is what a Stop of a Pending job
// (no Runner yet) answers here.
var transitions = map[Status]map[Event]Status{
	Created:    {EventStart: Pending, EventExpire: Expired},
	Pending:    {EventBegin: InProgress, EventStop: Stopped, EventFail: Failed},
	InProgress: {EventStop: Stopping, EventSucceed: Succeeded, EventFail: Failed},
	Stopping:   {EventHalt: Stopped},
}

// Next returns the state event leads to from s, and false if the
// transition is not legal.
func Next(s Status, e Event) (Status, bool) {
	to, ok := transitions[s][e]
	return to, ok
}

// CompletionMessage values. The first four are AWS's (§7.1); the others
// name failures AWS documents without quoting its message.
const (
	MsgSucceeded = "Import Job Completed Successfully."
	MsgTooMany   = "Too many users have failed or been skipped during the import."
	MsgStopped   = "The Import Job was stopped by the developer."
	MsgExpired   = "The user import job has expired."
	// UNCONFIRMED wordings.
	MsgUnparsable     = "The CSV file could not be parsed."
	MsgNoFile         = "The CSV file was not uploaded."
	MsgNoPasswordHash = "The job has a password hashing algorithm but the CSV file has no password_hash column."
	MsgPoolDeleted    = "The user pool has been deleted."
)

// DefaultExpireAfter is how long a Created job may wait for Start before it
// expires (AWS: 24 to 48 hours).
const DefaultExpireAfter = 24 * time.Hour

// Limits of §7 and §11.
const (
	MaxJobsPerPool       = 1000
	MaxActiveJobs        = 1 // per account
	MaxFileBytes         = 100 << 20
	MaxRows              = 500000 // header excluded
	MaxRowChars          = 16000
	PreSignedURLLifetime = 15 * time.Minute // X-Amz-Expires=899, see upload
)

// Job is a user import job, UserImportJobType plus what the Runner keeps.
// It is the record phase 2 stores, keyed by (PoolID, JobID).
type Job struct {
	PoolID                   string
	JobID                    string
	JobName                  string
	Status                   Status
	CloudWatchLogsRoleARN    string
	PasswordHashingAlgorithm imported.Algorithm // "" when none was given
	PreSignedURL             string
	CreationDate             time.Time
	StartDate                time.Time // zero until Start
	CompletionDate           time.Time // zero until a final state
	CompletionMessage        string    // "" until a final state
	ImportedUsers            int64
	SkippedUsers             int64
	FailedUsers              int64

	// CheckpointLine is the last line of the file the Runner finished (and
	// counted); rows after it are still to do. The header is line 1.
	CheckpointLine int64
	// Worker names the Runner that holds the job while LeaseExpires is in
	// the future.
	Worker       string
	LeaseExpires time.Time
}

// Apply moves j by event at now: its Status, and StartDate when it starts,
// CompletionDate and CompletionMessage (message, or the state's own when
// message is "") when it ends. An illegal transition changes nothing and
// returns a PreconditionNotMet error.
func (j *Job) Apply(e Event, now time.Time, message string) error {
	to, ok := Next(j.Status, e)
	if !ok {
		return preconditionError(j, e)
	}
	j.Status = to
	switch {
	case to == Pending:
		j.StartDate = now
	case to.Final():
		j.CompletionDate = now
		if message == "" {
			message = defaultMessage[to]
		}
		j.CompletionMessage = message
		j.Worker, j.LeaseExpires = "", time.Time{}
	}
	return nil
}

var defaultMessage = map[Status]string{
	Succeeded: MsgSucceeded,
	Failed:    MsgTooMany,
	Stopped:   MsgStopped,
	Expired:   MsgExpired,
}

// UNCONFIRMED: the exception (PreconditionNotMetException is the most
// plausible, §7.1) and the wording for Start and Stop in a wrong state.
func preconditionError(j *Job, e Event) error {
	switch e {
	case EventStart:
		return fault.Errorf(fault.PreconditionNotMet, "Job %s cannot be started because it is in status %s.", j.JobID, j.Status)
	case EventStop:
		return fault.Errorf(fault.PreconditionNotMet, "Job %s cannot be stopped because it is in status %s.", j.JobID, j.Status)
	}
	return fault.Errorf(fault.PreconditionNotMet, "Job %s is in status %s.", j.JobID, j.Status)
}

// ExpireIfDue expires j if it is Created and was created at least after
// ago (DefaultExpireAfter when after is 0), and reports whether it did.
// Describe, List and Start call it (through the store's update), so an
// expired job never starts.
func (j *Job) ExpireIfDue(now time.Time, after time.Duration) bool {
	if after <= 0 {
		after = DefaultExpireAfter
	}
	if j.Status != Created || now.Sub(j.CreationDate) < after {
		return false
	}
	return j.Apply(EventExpire, now, "") == nil
}

// NewJobParams are CreateUserImportJob's inputs.
type NewJobParams struct {
	PoolID                   string
	JobName                  string
	CloudWatchLogsRoleARN    string
	PasswordHashingAlgorithm imported.Algorithm
}

var (
	// UserImportJobNameType's pattern, 1 to 128 characters.
	jobNameRE = regexp.MustCompile(`^[\w\s+=,.@-]+$`)
	// An IAM role ARN (the model's ArnType is checked by the generated
	// Validate; the role itself is never assumed here, §10.6).
	roleARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
)

// NewJob returns a Created job for p at now with a fresh JobID read from
// rnd (nil means crypto/rand) and zero counters. It checks the job name and
// that CloudWatchLogsRoleArn names an IAM role (InvalidParameter); the
// PreSignedURL is the caller's to set (package upload).
//
// UNCONFIRMED: the messages; AWS would fail the job later, when it cannot
// assume a role that is not one.
func NewJob(p NewJobParams, now time.Time, rnd io.Reader) (Job, error) {
	if n := len([]rune(p.JobName)); n < 1 || n > 128 || !jobNameRE.MatchString(p.JobName) {
		return Job{}, fault.New(fault.InvalidParameter, "JobName must be 1 to 128 characters matching [\\w\\s+=,.@-]+.")
	}
	if !roleARNRE.MatchString(p.CloudWatchLogsRoleARN) {
		return Job{}, fault.New(fault.InvalidParameter, "CloudWatchLogsRoleArn must be the ARN of an IAM role.")
	}
	if p.PasswordHashingAlgorithm != "" && !p.PasswordHashingAlgorithm.Valid() {
		return Job{}, fault.New(fault.InvalidParameter, "PasswordHashingAlgorithm must be one of BCRYPT, SCRYPT, ARGON2ID, PBKDF2_SHA256.")
	}
	id, err := NewJobID(rnd)
	if err != nil {
		return Job{}, err
	}
	return Job{
		PoolID:                   p.PoolID,
		JobID:                    id,
		JobName:                  p.JobName,
		Status:                   Created,
		CloudWatchLogsRoleARN:    p.CloudWatchLogsRoleARN,
		PasswordHashingAlgorithm: p.PasswordHashingAlgorithm,
		CreationDate:             now.Truncate(time.Millisecond), // dates have millisecond precision on the wire
	}, nil
}

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// jobIDRE is UserImportJobIdType's pattern; JobIDs made here are "import-"
// and 10 alphanumerics, like AWS's "import-mAgUtd8PMm".
var jobIDRE = regexp.MustCompile(`^import-[0-9a-zA-Z-]+$`)

// NewJobID returns "import-" and 10 characters of [0-9A-Za-z] read from rnd
// (nil means crypto/rand), uniformly.
func NewJobID(rnd io.Reader) (string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	out := make([]byte, 0, 17)
	out = append(out, "import-"...)
	var b [1]byte
	for len(out) < cap(out) {
		if _, err := io.ReadFull(rnd, b[:]); err != nil {
			return "", fmt.Errorf("importjob: reading randomness: %w", err)
		}
		if b[0] >= 248 { // 248 = 4·62: reject to stay uniform
			continue
		}
		out = append(out, idAlphabet[b[0]%62])
	}
	return string(out), nil
}

// ValidJobID reports whether id has UserImportJobIdType's form.
func ValidJobID(id string) bool { return len(id) <= 55 && jobIDRE.MatchString(id) }

// CheckCreate is CreateUserImportJob's limit: at most MaxJobsPerPool jobs
// in a pool. UNCONFIRMED: the message.
func CheckCreate(jobsInPool int) error {
	if jobsInPool >= MaxJobsPerPool {
		return fault.New(fault.LimitExceeded, "The user pool has reached the limit of 1000 user import jobs.")
	}
	return nil
}

// CheckStart is StartUserImportJob's preconditions besides the job's own
// state: the pool must auto-verify email or phone_number ("If the user pool
// has no auto-verified attributes, the import job will not start"), the
// file must be uploaded, and no other job of the account may be active (one
// active job per account). UNCONFIRMED: the exceptions (LimitExceeded for
// the active job, PreconditionNotMet otherwise, §12 item 15) and messages.
func CheckStart(p Pool, uploaded bool, activeJobs int) error {
	if len(p.AutoVerified) == 0 {
		return fault.New(fault.PreconditionNotMet, "The user pool has no auto-verified attributes, so users cannot be imported.")
	}
	if !uploaded {
		return fault.New(fault.PreconditionNotMet, "The CSV file has not been uploaded to the pre-signed URL.")
	}
	if activeJobs >= MaxActiveJobs {
		return fault.New(fault.LimitExceeded, "Only one user import job can be active at a time.")
	}
	return nil
}

// LogGroup is the CloudWatch Logs log group of a pool's import jobs (§7.4).
func LogGroup(poolID, poolName string) string {
	return "/aws/cognito/userpools/" + poolID + "/" + poolName
}

// LogStream is the log stream of one job within LogGroup.
func LogStream(jobID, jobName string) string { return jobID + "/" + jobName }

// PageToken is ListUserImportJobs' PaginationToken for continuing after j:
// "<poolId>#<jobId>#<creation ms>", as AWS's "us-west-2_EXAMPLE#import-example3#1667948397084".
func PageToken(j Job) string {
	return j.PoolID + "#" + j.JobID + "#" + strconv.FormatInt(j.CreationDate.UnixMilli(), 10)
}

// ParsePageToken reads a PageToken of poolID: the job to continue after and
// its creation time. Jobs are listed newest first, ties broken by JobID
// descending, so the next page holds the jobs before (created, jobID).
// UNCONFIRMED: the message for a bad token.
func ParsePageToken(poolID, token string) (jobID string, created time.Time, err error) {
	parts := strings.Split(token, "#")
	if len(parts) != 3 || parts[0] != poolID || !ValidJobID(parts[1]) {
		return "", time.Time{}, fault.New(fault.InvalidParameter, "The pagination token is invalid.")
	}
	ms, perr := strconv.ParseInt(parts[2], 10, 64)
	if perr != nil || ms < 0 {
		return "", time.Time{}, fault.New(fault.InvalidParameter, "The pagination token is invalid.")
	}
	return parts[1], time.UnixMilli(ms).UTC(), nil
}

// Before reports whether a is listed before b: newest first, then JobID
// descending.
func Before(a, b Job) bool {
	if !a.CreationDate.Equal(b.CreationDate) {
		return a.CreationDate.After(b.CreationDate)
	}
	return a.JobID > b.JobID
}
