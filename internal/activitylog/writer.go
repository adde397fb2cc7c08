package activitylog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Configs gives the stored log delivery configuration of a pool; a pool
// without one has the zero Configuration (and no error).
type Configs interface {
	LogDeliveryConfiguration(ctx context.Context, poolID string) (Configuration, error)
}

// Output delivers one record to a destination ARN.
type Output interface {
	Write(ctx context.Context, destination string, rec Record) error
}

// Writer exports records to the destinations pools configured. Delivery is
// best effort, as AWS's is: callers log a returned error and go on.
type Writer struct {
	Configs Configs
	Output  Output
	// Now is the clock that stamps records; nil means time.Now.
	Now func() time.Time
}

func (w *Writer) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Notification exports a message-delivery error of poolID if the pool
// exports userNotification logs, and reports whether it did.
func (w *Writer) Notification(ctx context.Context, poolID, details string) (bool, error) {
	return w.write(ctx, poolID, UserNotification, NotificationRecord(poolID, w.now(), details))
}

// AuthEvent exports a user-activity event of poolID if the pool exports
// userAuthEvents logs, and reports whether it did. The caller sends only
// events threat protection records (audit-only or full-function mode).
func (w *Writer) AuthEvent(ctx context.Context, poolID string, ev AuthEvent) (bool, error) {
	return w.write(ctx, poolID, UserAuthEvents, AuthEventRecord(poolID, w.now(), ev))
}

func (w *Writer) write(ctx context.Context, poolID string, source Source, rec Record) (bool, error) {
	cfg, err := w.Configs.LogDeliveryConfiguration(ctx, poolID)
	if err != nil {
		return false, fmt.Errorf("activitylog: reading the configuration of %s: %w", poolID, err)
	}
	lc, ok := cfg.For(source)
	if !ok {
		return false, nil
	}
	dest := lc.Destination.ARN()
	if dest == "" {
		return false, nil
	}
	if err := w.Output.Write(ctx, dest, rec); err != nil {
		return false, fmt.Errorf("activitylog: delivering a %s record of %s: %w", source, poolID, err)
	}
	return true, nil
}

// Dir writes each destination's records as JSON lines to a file of its
// own under a directory:
//
//	logs/<log group name>.jsonl        CloudWatch Logs log group
//	s3/<bucket>.jsonl                  S3 bucket
//	firehose/<stream>.jsonl            Firehose stream
//
// with the name path-escaped (a log group "/aws/vendedlogs/x" is the file
// logs/%2Faws%2Fvendedlogs%2Fx.jsonl). Files are created with mode 0600 and
// appended to, one line per record. A Dir is safe for concurrent use.
type Dir struct {
	Path string

	mu sync.Mutex
}

// File returns the file that records for destination go to.
func (d *Dir) File(destination string) (string, error) {
	sub, name := "", ""
	parts := strings.SplitN(destination, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" {
		switch service, resource := parts[2], parts[5]; {
		case service == "logs" && strings.HasPrefix(resource, "log-group:"):
			sub, name = "logs", strings.TrimSuffix(strings.TrimPrefix(resource, "log-group:"), ":*")
		case service == "s3":
			sub, name = "s3", resource
		case service == "firehose" && strings.HasPrefix(resource, "deliverystream/"):
			sub, name = "firehose", strings.TrimPrefix(resource, "deliverystream/")
		}
	}
	if name == "" {
		return "", fmt.Errorf("activitylog: %q is not a log group, bucket or stream ARN", destination)
	}
	file := url.PathEscape(name) + ".jsonl"
	if filepath.Base(file) != file {
		return "", errors.New("activitylog: destination name is not a file name")
	}
	return filepath.Join(d.Path, sub, file), nil
}

// Write appends rec to destination's file.
func (d *Dir) Write(_ context.Context, destination string, rec Record) error {
	path, err := d.File(destination)
	if err != nil {
		return err
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Slog writes records to a slog.Logger (the server's log): ERROR records
// at slog.LevelError, INFO records at slog.LevelInfo, with the destination
// and the record as attributes.
type Slog struct {
	Logger *slog.Logger
}

// Write logs rec.
func (s Slog) Write(ctx context.Context, destination string, rec Record) error {
	level := slog.LevelInfo
	if rec.LogLevel == LevelError {
		level = slog.LevelError
	}
	s.Logger.LogAttrs(ctx, level, "user pool log export",
		slog.String("destination", destination),
		slog.String("eventSource", rec.EventSource),
		slog.String("userPoolId", rec.LogSourceID.UserPoolID),
		slog.Any("record", rec))
	return nil
}
