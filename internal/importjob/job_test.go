package importjob

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/password/imported"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.UTC)

var allStatuses = []Status{Created, Pending, InProgress, Stopping, Stopped, Succeeded, Failed, Expired}
var allEvents = []Event{EventStart, EventBegin, EventStop, EventHalt, EventSucceed, EventFail, EventExpire}

// Every (state, event) pair: exactly the transitions of §7.1 are legal.
func TestTransitionTable(t *testing.T) {
	legal := map[[2]string]Status{
		{"Created", "Start"}: Pending, {"Created", "Expire"}: Expired,
		{"Pending", "Begin"}: InProgress, {"Pending", "Stop"}: Stopped, {"Pending", "Fail"}: Failed,
		{"InProgress", "Stop"}: Stopping, {"InProgress", "Succeed"}: Succeeded, {"InProgress", "Fail"}: Failed,
		{"Stopping", "Halt"}: Stopped,
	}
	for _, s := range allStatuses {
		for _, e := range allEvents {
			want, wantOK := legal[[2]string{string(s), string(e)}]
			got, ok := Next(s, e)
			if ok != wantOK || got != want {
				t.Errorf("Next(%s, %s) = %s, %v; want %s, %v", s, e, got, ok, want, wantOK)
			}
			j := Job{JobID: "import-x", Status: s}
			err := j.Apply(e, t0, "")
			if wantOK != (err == nil) {
				t.Errorf("Apply(%s, %s) = %v", s, e, err)
			}
			if !wantOK && (fault.KindOf(err) != fault.PreconditionNotMet || j.Status != s) {
				t.Errorf("illegal Apply(%s, %s) = %v and moved to %s", s, e, err, j.Status)
			}
		}
	}
	for _, s := range allStatuses {
		final := s == Stopped || s == Succeeded || s == Failed || s == Expired
		active := s == Pending || s == InProgress || s == Stopping
		if s.Final() != final || s.Active() != active {
			t.Errorf("%s: Final %v Active %v", s, s.Final(), s.Active())
		}
		if final && len(transitions[s]) != 0 {
			t.Errorf("final state %s has transitions", s)
		}
	}
}

func TestApplyDatesAndMessages(t *testing.T) {
	j := Job{JobID: "import-a", Status: Created}
	if err := j.Apply(EventStart, t0, ""); err != nil || !j.StartDate.Equal(t0) || !j.CompletionDate.IsZero() {
		t.Fatalf("Start: %v %+v", err, j)
	}
	j.Worker, j.LeaseExpires = "w", t0.Add(time.Minute)
	_ = j.Apply(EventBegin, t0, "")
	if err := j.Apply(EventSucceed, t0.Add(time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	if j.CompletionMessage != "Import Job Completed Successfully." || !j.CompletionDate.Equal(t0.Add(time.Hour)) || j.Worker != "" || !j.LeaseExpires.IsZero() {
		t.Fatalf("Succeed: %+v", j)
	}
	for _, tc := range []struct {
		from Status
		e    Event
		msg  string
		want string
	}{
		{InProgress, EventFail, "", "Too many users have failed or been skipped during the import."},
		{InProgress, EventFail, MsgUnparsable, MsgUnparsable},
		{Pending, EventStop, "", "The Import Job was stopped by the developer."},
		{Stopping, EventHalt, "", "The Import Job was stopped by the developer."},
		{Created, EventExpire, "", "The user import job has expired."},
	} {
		j := Job{Status: tc.from}
		if err := j.Apply(tc.e, t0, tc.msg); err != nil || j.CompletionMessage != tc.want {
			t.Errorf("%s %s: %v %q", tc.from, tc.e, err, j.CompletionMessage)
		}
	}
}

func TestExpireIfDue(t *testing.T) {
	j := Job{Status: Created, CreationDate: t0}
	if j.ExpireIfDue(t0.Add(DefaultExpireAfter-time.Second), 0) || j.Status != Created {
		t.Fatal("expired early")
	}
	if !j.ExpireIfDue(t0.Add(DefaultExpireAfter), 0) || j.Status != Expired || j.CompletionMessage != MsgExpired {
		t.Fatalf("not expired: %+v", j)
	}
	p := Job{Status: Pending, CreationDate: t0}
	if p.ExpireIfDue(t0.Add(100*time.Hour), 0) {
		t.Fatal("a started job expired")
	}
	c := Job{Status: Created, CreationDate: t0}
	if !c.ExpireIfDue(t0.Add(2*time.Hour), time.Hour) {
		t.Fatal("configured expiry not honoured")
	}
	if err := c.Apply(EventStart, t0, ""); fault.KindOf(err) != fault.PreconditionNotMet {
		t.Fatalf("an expired job started: %v", err)
	}
}

func TestNewJob(t *testing.T) {
	p := NewJobParams{PoolID: "us-west-2_EXAMPLE", JobName: "Import Job 1", CloudWatchLogsRoleARN: "arn:aws:iam::123456789012:role/CognitoImportRole"}
	j, err := NewJob(p, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != Created || j.ImportedUsers != 0 || j.PoolID != p.PoolID || j.JobName != p.JobName || !ValidJobID(j.JobID) || len(j.JobID) != 17 {
		t.Fatalf("job %+v", j)
	}
	if !j.CreationDate.Equal(t0.Truncate(time.Millisecond)) {
		t.Errorf("CreationDate %v not at millisecond precision", j.CreationDate)
	}
	p.PasswordHashingAlgorithm = imported.ARGON2ID
	if j, err := NewJob(p, t0, nil); err != nil || j.PasswordHashingAlgorithm != imported.ARGON2ID {
		t.Fatalf("with algorithm: %v %+v", err, j)
	}
	for name, bad := range map[string]NewJobParams{
		"empty name":    {JobName: "", CloudWatchLogsRoleARN: p.CloudWatchLogsRoleARN},
		"name too long": {JobName: strings.Repeat("a", 129), CloudWatchLogsRoleARN: p.CloudWatchLogsRoleARN},
		"name chars":    {JobName: "job/1", CloudWatchLogsRoleARN: p.CloudWatchLogsRoleARN},
		"not a role":    {JobName: "j", CloudWatchLogsRoleARN: "arn:aws:iam::123456789012:user/someone"},
		"lambda ARN":    {JobName: "j", CloudWatchLogsRoleARN: "arn:aws:lambda:us-east-1:123456789012:function:f"},
		"short account": {JobName: "j", CloudWatchLogsRoleARN: "arn:aws:iam::1234:role/r"},
		"algorithm":     {JobName: "j", CloudWatchLogsRoleARN: p.CloudWatchLogsRoleARN, PasswordHashingAlgorithm: "MD5"},
	} {
		if _, err := NewJob(bad, t0, nil); fault.KindOf(err) != fault.InvalidParameter {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := NewJob(NewJobParams{JobName: "j", CloudWatchLogsRoleARN: "arn:aws-us-gov:iam::123456789012:role/service-role/x"}, t0, nil); err != nil {
		t.Errorf("GovCloud role with a path: %v", err)
	}
}

func TestNewJobID(t *testing.T) {
	// 248..255 are rejected; 0, 61 and 62 map to '0', 'z', '0'.
	id, err := NewJobID(bytes.NewReader([]byte{255, 248, 0, 61, 62, 10, 36, 1, 2, 3, 4, 5}))
	if err != nil || id != "import-0z0Aa12345" {
		t.Fatalf("NewJobID = %q, %v", id, err)
	}
	if _, err := NewJobID(bytes.NewReader([]byte{1, 2})); err == nil {
		t.Fatal("short randomness accepted")
	}
	seen := map[string]bool{}
	for range 100 {
		id, _ := NewJobID(nil)
		if seen[id] || !ValidJobID(id) {
			t.Fatalf("NewJobID made %q twice or invalid", id)
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "import-", "Import-abc", "import-a_b", "import-" + strings.Repeat("a", 49)} {
		if ValidJobID(bad) {
			t.Errorf("ValidJobID(%q)", bad)
		}
	}
}

func TestLimitsAndStart(t *testing.T) {
	if CheckCreate(999) != nil || fault.KindOf(CheckCreate(1000)) != fault.LimitExceeded {
		t.Error("CheckCreate")
	}
	p := Pool{AutoVerified: []string{"email"}}
	if err := CheckStart(p, true, 0); err != nil {
		t.Error(err)
	}
	if fault.KindOf(CheckStart(Pool{}, true, 0)) != fault.PreconditionNotMet {
		t.Error("a pool without auto-verified attributes started a job")
	}
	if fault.KindOf(CheckStart(p, false, 0)) != fault.PreconditionNotMet {
		t.Error("a job without a file started")
	}
	if fault.KindOf(CheckStart(p, true, 1)) != fault.LimitExceeded {
		t.Error("a second active job started")
	}
}

func TestLogNames(t *testing.T) {
	if g := LogGroup("us-west-2_EXAMPLE", "MyPool"); g != "/aws/cognito/userpools/us-west-2_EXAMPLE/MyPool" {
		t.Error(g)
	}
	if s := LogStream("import-mAgUtd8PMm", "Job 1"); s != "import-mAgUtd8PMm/Job 1" {
		t.Error(s)
	}
	l := LogLine{5956, OutcomeFailed, ReasonNotVerified}
	if l.String() != "[FAILED] Line Number 5956 - The User Record does not set any of the auto verified attributes to verified. (Example: email_verified to true)." {
		t.Error(l.String())
	}
	if s := (LogLine{2, OutcomeSucceeded, ReasonSucceeded}).String(); s != "[SUCCEEDED] Line Number 2 - The import succeeded." {
		t.Error(s)
	}
	if s := (LogLine{3, OutcomeSkipped, ReasonExists}).String(); s != "[SKIPPED] Line Number 3 - The user already exists." {
		t.Error(s)
	}
}

func TestPageToken(t *testing.T) {
	j := Job{PoolID: "us-west-2_EXAMPLE", JobID: "import-example3", CreationDate: time.UnixMilli(1667948397084)}
	tok := PageToken(j)
	if tok != "us-west-2_EXAMPLE#import-example3#1667948397084" {
		t.Fatal(tok)
	}
	id, created, err := ParsePageToken("us-west-2_EXAMPLE", tok)
	if err != nil || id != "import-example3" || created.UnixMilli() != 1667948397084 {
		t.Fatalf("ParsePageToken = %s %v %v", id, created, err)
	}
	for _, bad := range []string{"", "x#y#z", "us-east-1_OTHER#import-example3#1", "us-west-2_EXAMPLE#import-example3#-1", "us-west-2_EXAMPLE#bad#1", "us-west-2_EXAMPLE#import-a#1#2"} {
		if _, _, err := ParsePageToken("us-west-2_EXAMPLE", bad); fault.KindOf(err) != fault.InvalidParameter {
			t.Errorf("ParsePageToken(%q) = %v", bad, err)
		}
	}
	older := Job{JobID: "import-b", CreationDate: t0}
	newer := Job{JobID: "import-a", CreationDate: t0.Add(time.Millisecond)}
	tie := Job{JobID: "import-c", CreationDate: t0}
	if !Before(newer, older) || Before(older, newer) || !Before(tie, older) || Before(older, tie) {
		t.Error("Before is not newest first, JobID descending")
	}
}
