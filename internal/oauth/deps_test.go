package oauth_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImports keeps the package's place in the layers: the protocol core reaches stores and sign-in only through its own interfaces.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	forbidden := []string{"userpool", "authflow", "token", "storage", "cognitoidp", "apiserver", "awsjson", "server", "hostedui", "mfa"}
	for _, dep := range strings.Fields(string(out)) {
		name, ok := strings.CutPrefix(dep, "github.com/userpoold/userpoold/internal/")
		if ok && slices.Contains(forbidden, name) {
			t.Errorf("internal/oauth depends on %s", dep)
		}
	}
}
