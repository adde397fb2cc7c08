package server

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/userpoold/userpoold/internal/activitylog"
	"github.com/userpoold/userpoold/internal/config"
)

// newActivityLog returns the writer of the pools' exported logs
// (SetLogDeliveryConfiguration): each record goes to a file of its
// destination under <DataDir>/activity-logs (logs/<log group>.jsonl,
// s3/<bucket>.jsonl, firehose/<stream>.jsonl, see activitylog.Dir) and to
// the server log.
func newActivityLog(cfg config.Config, configs activitylog.Configs, now func() time.Time, log *slog.Logger) *activitylog.Writer {
	return &activitylog.Writer{
		Configs: configs,
		Output:  tee{&activitylog.Dir{Path: filepath.Join(cfg.DataDir, "activity-logs")}, activitylog.Slog{Logger: log}},
		Now:     now,
	}
}

// tee writes a record to every output, and returns their errors joined.
type tee []activitylog.Output

func (t tee) Write(ctx context.Context, destination string, rec activitylog.Record) error {
	var errs []error
	for _, o := range t {
		errs = append(errs, o.Write(ctx, destination, rec))
	}
	return errors.Join(errs...)
}
