package userpooldtest_test

import (
	"os"
	"os/exec"
	"testing"
)

// TestExampleModuleResolves checks that examples/gotest, the module that
// uses this package as outside projects do, still resolves every package
// it builds and tests with its own go.mod and go.sum. A new dependency of
// the server breaks it; then run
//
//	cd examples/gotest && go mod tidy
//
// and commit its go.mod and go.sum with the change.
func TestExampleModuleResolves(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command on another module")
	}
	cmd := exec.Command("go", "list", "-deps", "-test", "./...")
	cmd.Dir = "../examples/gotest"
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("examples/gotest no longer resolves (run `cd examples/gotest && go mod tidy` and commit go.mod and go.sum):\n%s", out)
	}
}
