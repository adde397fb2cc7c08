package main

import (
	"log/slog"
	"math"
	"runtime/debug"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/password"
)

// baseMemoryLimit is the memory userpoold needs besides its password
// hashes: the heap of its requests, SQLite's page caches (modernc's SQLite
// allocates on the Go heap), goroutine stacks.
//
// It was 24 MiB until GOGC went to 400: then the collector ran only at the
// limit, and on a 1M-user pool, where the SQLite readers' page caches are
// full (about 18 MiB live), a burst of sign-ins held the heap at the limit
// and collected every couple of hashes: 29 ms of CPU per sign-in against 19
// on a 1,000-user pool. At 42 MiB the two cost 23 and 20 ms, and the RSS
// stays under 150 MB (bench/README.md, "A million users").
const baseMemoryLimit = 42 << 20

// setMemoryLimit gives the Go runtime a soft memory limit of
// baseMemoryLimit plus the password-hashing budget (max(2, GOMAXPROCS)
// hashes of the configured preset or of OWASP19M, whichever is larger: 38
// MiB on two cores), unless
// GOMEMLIMIT already set one. Every argon2id hash allocates its memory
// (9 MiB by default) anew and drops it, and at GOGC=400 (gcPercent) the
// heap may grow to five times what is live before a collection: without a limit a
// burst of sign-ins takes the RSS well past 150 MB. With it the collector
// runs earlier instead; the limit is soft, so a server that needs more
// still gets it. It returns the limit in force.
func setMemoryLimit(cfg config.Config, log *slog.Logger) int64 {
	if cur := debug.SetMemoryLimit(-1); cur != math.MaxInt64 {
		return cur // GOMEMLIMIT
	}
	p, ok := password.Presets[cfg.PasswordHashing]
	if !ok {
		p = password.DefaultParams
	}
	limit := int64(baseMemoryLimit) + password.BudgetKiB(p)<<10
	debug.SetMemoryLimit(limit)
	log.Debug("soft memory limit set", "bytes", limit)
	return limit
}

// gcPercent is the collector's GOGC unless the environment sets one. A
// request leaves garbage but little live heap, so at Go's default of 100 the
// collector ran every few megabytes of requests and took about a sixth of
// the server's CPU (bench/README.md); at 400 it runs a quarter as often. The
// soft memory limit still bounds the heap: near the limit the collector runs
// whatever GOGC says.
const gcPercent = 400

// setGCPercent sets GOGC to gcPercent unless the environment has GOGC, and
// returns the value in force.
func setGCPercent(getenv func(string) string) int {
	if getenv("GOGC") != "" {
		p := debug.SetGCPercent(100)
		debug.SetGCPercent(p)
		return p
	}
	debug.SetGCPercent(gcPercent)
	return gcPercent
}
