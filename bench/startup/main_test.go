package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestStats(t *testing.T) {
	got := stats([]time.Duration{30 * time.Millisecond, 10500 * time.Microsecond, 20 * time.Millisecond})
	if want := "median 20.0 ms (fastest 10.5 ms, slowest 30.0 ms, 3 runs)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestStartsUserpoold measures one first start and one restart of the real
// server and checks the report's lines (not the figures).
func TestStartsUserpoold(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := filepath.Join(t.TempDir(), "userpoold")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/userpoold").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var out strings.Builder
	if err := run(bin, 1, []string{"--password-hashing", "fast"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`(?m)^binary .*userpoold: \d+\.\d MiB$`,
		`(?m)^first start to a healthy /health \(new data directory\): median \d+\.\d ms .*1 runs\)$`,
		`(?m)^restart to a healthy /health \(existing data directory\): median \d+\.\d ms`,
	} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("output lacks %s:\n%s", re, out.String())
		}
	}
	if _, err := os.Stat("/proc/self/status"); err == nil && !strings.Contains(out.String(), "resident memory once healthy: ") {
		t.Errorf("no resident memory on Linux:\n%s", out.String())
	}
	// A binary that exits at once is reported, not waited for.
	if err := run(bin, 1, []string{"--region", "mars"}, &out); err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("bad flags: %v", err)
	}
}
