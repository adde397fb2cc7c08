package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/password"
	"github.com/userpoold/userpoold/internal/server"
	"github.com/userpoold/userpoold/internal/storage"
)

// TestLoad: the loader makes the pool, the client and every user (in
// batches that do not divide the count), each signing in with Password
// through the server's own check, and writes million.json.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	key := strings.Repeat("5a", 32)
	if err := load([]string{"-data", dir, "-master-key", key, "-users", "23", "-batch", "5"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "million.json"))
	if err != nil {
		t.Fatal(err)
	}
	var in info
	if err := json.Unmarshal(b, &in); err != nil || in.Users != 23 || in.Pool == "" || in.Client == "" {
		t.Fatalf("million.json = %s (%v)", b, err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.MasterKey = dir, key
	st, err := server.OpenStore(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if n, err := st.CountUsers(ctx, in.Pool); err != nil || n != 23 {
		t.Fatalf("CountUsers = %d, %v", n, err)
	}
	if _, err := st.GetClient(ctx, in.Client); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 4, 5, 22} {
		u, err := st.GetUser(ctx, in.Pool, Name(i))
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := password.Verify(u.Secrets.PasswordHash, Password); !ok || err != nil || u.Status != "CONFIRMED" || !u.Enabled {
			t.Errorf("%s: password ok %v (%v), status %s, enabled %v", u.Username, ok, err, u.Status, u.Enabled)
		}
		var email string
		for _, a := range u.Attributes {
			if a.Name == "email" {
				email = a.Value
			}
		}
		if email != Name(i)+"@example.com" {
			t.Errorf("%s: email %q", u.Username, email)
		}
	}
	if _, err := st.GetUser(ctx, in.Pool, Name(23)); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("user 23 exists: %v", err)
	}
}
