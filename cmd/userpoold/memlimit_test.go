package main

import (
	"log/slog"
	"math"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/password"
)

// TestSetMemoryLimit: without GOMEMLIMIT the server's soft limit is the
// base plus the hashing budget of its preset; a limit already set stays.
func TestSetMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	cfg := config.Default()
	for _, preset := range []string{"default", "strong-64m"} {
		debug.SetMemoryLimit(math.MaxInt64)
		cfg.PasswordHashing = preset
		want := int64(baseMemoryLimit) + password.BudgetKiB(password.Presets[preset])<<10
		if got := setMemoryLimit(cfg, slog.New(slog.DiscardHandler)); got != want || debug.SetMemoryLimit(-1) != want {
			t.Errorf("%s: limit %d (in force %d), want %d", preset, got, debug.SetMemoryLimit(-1), want)
		}
	}
	debug.SetMemoryLimit(1 << 30) // as GOMEMLIMIT=1GiB would
	if got := setMemoryLimit(cfg, slog.New(slog.DiscardHandler)); got != 1<<30 {
		t.Errorf("with a limit set: %d", got)
	}
}

// TestPresetNames: the configuration accepts every preset the password
// package has, and the memory limit of each is its own budget; a name the
// package does not have is refused.
func TestPresetNames(t *testing.T) {
	prev := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	for name, p := range password.Presets {
		cfg := config.Default()
		cfg.PasswordHashing = name
		for _, problem := range cfg.Validate() {
			if strings.HasPrefix(problem, "password-hashing") {
				t.Errorf("%s: %s", name, problem)
			}
		}
		debug.SetMemoryLimit(math.MaxInt64)
		if got, want := setMemoryLimit(cfg, slog.New(slog.DiscardHandler)), int64(baseMemoryLimit)+password.BudgetKiB(p)<<10; got != want {
			t.Errorf("%s: limit %d, want %d", name, got, want)
		}
	}
	cfg := config.Default()
	cfg.PasswordHashing = "owasp-5m"
	refused := false
	for _, problem := range cfg.Validate() {
		refused = refused || strings.HasPrefix(problem, "password-hashing")
	}
	if !refused {
		t.Error(`password-hashing "owasp-5m" accepted`)
	}
}

// TestSetGCPercent: GOGC from the environment stays; without it the server
// runs at gcPercent.
func TestSetGCPercent(t *testing.T) {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })
	if got := setGCPercent(func(string) string { return "" }); got != gcPercent || debug.SetGCPercent(gcPercent) != gcPercent {
		t.Errorf("without GOGC: %d", got)
	}
	debug.SetGCPercent(150) // as GOGC=150 would
	env := func(k string) string {
		if k == "GOGC" {
			return "150"
		}
		return ""
	}
	if got := setGCPercent(env); got != 150 || debug.SetGCPercent(150) != 150 {
		t.Errorf("with GOGC=150: %d", got)
	}
}
