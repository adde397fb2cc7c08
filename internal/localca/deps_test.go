package localca_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImports keeps the package's place in the layers: the CA needs nothing of the project.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	forbidden := []string{"oauth", "hostedui", "userpool", "authflow", "token", "storage", "cognitoidp", "apiserver", "awsjson", "server", "fault", "seal"}
	for _, dep := range strings.Fields(string(out)) {
		name, ok := strings.CutPrefix(dep, "github.com/userpoold/userpoold/internal/")
		if ok && slices.Contains(forbidden, name) {
			t.Errorf("internal/localca depends on %s", dep)
		}
	}
}
