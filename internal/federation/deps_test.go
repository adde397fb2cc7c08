package federation_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImports keeps the packages in their layer: federation reaches the
// store and the sign-in machinery only through its own interfaces and
// values, and the built-in IdPs do not lean on the code they test.
func TestImports(t *testing.T) {
	cases := []struct {
		pkg       string
		forbidden []string
	}{
		{".", []string{"oauth", "hostedui", "userpool", "authflow", "token", "storage", "cognitoidp", "apiserver", "server", "awsjson", "config"}},
		{"./testidp", []string{"federation", "oauth", "hostedui", "userpool", "authflow", "token", "storage", "cognitoidp", "fault", "seal"}},
	}
	for _, tc := range cases {
		out, err := exec.Command("go", "list", "-deps", tc.pkg).Output()
		if err != nil {
			t.Skipf("go list: %v", err)
		}
		for _, dep := range strings.Fields(string(out)) {
			name, ok := strings.CutPrefix(dep, "github.com/userpoold/userpoold/internal/")
			if ok && slices.Contains(tc.forbidden, name) {
				t.Errorf("%s depends on %s", tc.pkg, dep)
			}
		}
	}
}
