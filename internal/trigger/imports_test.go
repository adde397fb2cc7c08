package trigger_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps doc.go's rule: the trigger packages take plain values
// and know nothing of the wire layer, the domain packages or storage.
func TestImports(t *testing.T) {
	const module = "github.com/userpoold/userpoold/internal/"
	forbidden := []string{"cognitoidp", "apiserver", "awsjson", "server", "userpool", "authflow", "storage", "hostedui"}
	for _, pkg := range []string{".", "./esdk"} {
		out, err := exec.Command("go", "list", "-json", pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		var info struct {
			ImportPath string
			Imports    []string
		}
		if err := json.Unmarshal(out, &info); err != nil {
			t.Fatal(err)
		}
		for _, imp := range info.Imports {
			for _, bad := range forbidden {
				if imp == module+bad || strings.HasPrefix(imp, module+bad+"/") {
					t.Errorf("%s imports %s", info.ImportPath, imp)
				}
			}
			if pkg == "./esdk" && strings.HasPrefix(imp, module) && imp != module+"trigger/awscreds" {
				t.Errorf("esdk imports %s", imp)
			}
		}
	}
}
