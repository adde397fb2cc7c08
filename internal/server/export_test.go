package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// Sweep runs one round of the sweeper over store at now (tests only).
func Sweep(ctx context.Context, store storage.Store, now time.Time) {
	sweep(ctx, store.(sweptStore), func() time.Time { return now }, slog.New(slog.DiscardHandler))
}
