package server_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server"
	"github.com/userpoold/userpoold/internal/userpool"
)

// TestWrongMasterKeyRefusedAtStart: a server started on a database written
// under another master key (a second node with its own key, a backup
// restored next to a new key) refuses to start instead of failing every
// sign-in; with the right key it starts.
func TestWrongMasterKeyRefusedAtStart(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.PasswordHashing = "fast"
	cfg.MasterKey = strings.Repeat("11", 32)
	// An empty database has nothing to check.
	srv, err := server.New(ctx, cfg, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Pools.CreatePool(ctx, userpool.PoolInput{Name: "keyed"}); err != nil {
		t.Fatal(err)
	}
	srv.Close()

	other := cfg
	other.MasterKey = strings.Repeat("22", 32)
	if _, err := server.New(ctx, other, server.Options{}); !errors.Is(err, server.ErrWrongMasterKey) {
		t.Fatalf("start with another master key: %v", err)
	}
	if _, err := server.OpenStore(ctx, other, nil); !errors.Is(err, server.ErrWrongMasterKey) {
		t.Errorf("OpenStore with another master key: %v", err)
	}
	srv, err = server.New(ctx, cfg, server.Options{})
	if err != nil {
		t.Fatalf("start with the right key: %v", err)
	}
	srv.Close()
}
