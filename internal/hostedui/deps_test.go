package hostedui_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImports keeps the package's place in the layers: the pages reach
// sign-in only through Authenticator. Direct imports are checked: mfa,
// which the package uses for otpauth:// URIs, itself sits on storage.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{join .Imports \"\\n\"}}", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	forbidden := []string{"userpool", "authflow", "token", "storage", "cognitoidp", "apiserver", "awsjson", "server"}
	for _, dep := range strings.Fields(string(out)) {
		name, ok := strings.CutPrefix(dep, "github.com/userpoold/userpoold/internal/")
		if ok && slices.Contains(forbidden, name) {
			t.Errorf("internal/hostedui depends on %s", dep)
		}
	}
}
