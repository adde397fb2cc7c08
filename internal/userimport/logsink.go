package userimport

import (
	"bufio"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/importjob"
)

// LogSink writes import jobs' log lines where a local user reads them: to
// a file per job, <Dir>/<poolId>/<jobId>.log, each line as CloudWatch
// Logs shows it with its time ("2026-12-04T22:51:03.120Z [FAILED] Line
// Number 3 - ..."), and to the server log (FAILED and SKIPPED lines at
// INFO, SUCCEEDED ones at DEBUG) with the log group and stream AWS would
// use. Lines carry no user data (package importjob). An empty Dir writes
// the server log only.
type LogSink struct {
	Dir    string
	Logger *slog.Logger
	Now    func() time.Time
}

var _ importjob.LogSink = (*LogSink)(nil)

// safeID matches the pool and job IDs that may name files.
var safeID = regexp.MustCompile(`^[\w-]{1,128}$`)

// File returns the log file of a job ("" without a Dir).
func (l *LogSink) File(poolID, jobID string) string {
	if l.Dir == "" || !safeID.MatchString(poolID) || !safeID.MatchString(jobID) {
		return ""
	}
	return filepath.Join(l.Dir, poolID, jobID+".log")
}

// WriteImportLog writes one batch of lines of the job that stream names in
// the pool that group names (importjob.LogGroup, LogStream).
func (l *LogSink) WriteImportLog(ctx context.Context, group, stream string, lines []importjob.LogLine) error {
	if lg := l.Logger; lg != nil {
		for _, line := range lines {
			level := slog.LevelInfo
			if line.Outcome == importjob.OutcomeSucceeded {
				level = slog.LevelDebug
			}
			lg.Log(ctx, level, line.String(), "log_group", group, "log_stream", stream)
		}
	}
	// group is /aws/cognito/userpools/<poolId>/<poolName>, stream <jobId>/<jobName>.
	poolID, _, _ := strings.Cut(strings.TrimPrefix(group, "/aws/cognito/userpools/"), "/")
	jobID, _, _ := strings.Cut(stream, "/")
	path := l.File(poolID, jobID)
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	stamp := now().UTC().Format("2006-01-02T15:04:05.000Z")
	for _, line := range lines {
		w.WriteString(stamp + " " + line.String() + "\n")
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
