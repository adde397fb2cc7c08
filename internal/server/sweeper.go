package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// Sweeper timing: expired sign-in sessions (and refresh-token rotation
// markers) are deleted sessionRetention after they expired, so that a late
// answer still hears "session is expired" rather than "invalid session".
const (
	sweepInterval    = time.Minute
	sessionRetention = time.Hour
)

// sweptStore is what the sweeper deletes from: expired sessions, and the
// spent federation states and SAML assertion IDs (storage.FederationStore).
type sweptStore interface {
	storage.SessionStore
	DeleteExpiredMessages(ctx context.Context, t time.Time) (int64, error)
	DeleteExpiredSpent(ctx context.Context, t time.Time) (int64, error)
}

// startSweeper runs sweep (expired sessions, spent values, outbox messages) every sweepInterval and returns
// the function that stops it and waits for it. Every node may run it; the
// deletes are idempotent.
func startSweeper(sessions sweptStore, now func() time.Time, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(sweepInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				sweep(ctx, sessions, now, log)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// sweep runs one round of the sweeper: expired sessions (sessionRetention
// after their expiry), spent single-use values and expired outbox messages.
func sweep(ctx context.Context, sessions sweptStore, now func() time.Time, log *slog.Logger) {
	n, err := sessions.DeleteExpiredSessions(ctx, now().Add(-sessionRetention))
	if err != nil && ctx.Err() == nil {
		log.Warn("deleting expired sessions", "error", err.Error())
	} else if n > 0 {
		log.Debug("deleted expired sessions", "count", n)
	}
	if _, err := sessions.DeleteExpiredSpent(ctx, now()); err != nil && ctx.Err() == nil {
		log.Warn("deleting expired spent values", "error", err.Error())
	}
	// Outbox messages outlive what they carry by nothing.
	if n, err := sessions.DeleteExpiredMessages(ctx, now()); err != nil && ctx.Err() == nil {
		log.Warn("deleting expired outbox messages", "error", err.Error())
	} else if n > 0 {
		log.Debug("deleted expired outbox messages", "count", n)
	}
}
