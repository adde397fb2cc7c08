package layers

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// phase1Forbidden lists the imports the packages of issue 13's first phase
// must not have: they are domain packages, called by apiserver and server,
// and know nothing of the wire layer or storage. Only importjob/upload
// serves HTTP (the pre-signed URL), and it knows nothing of Cognito's API.
var phase1Forbidden = map[string][]string{
	"importjob":         {"net/http", module + "cognitoidp", module + "apiserver", module + "awsjson", module + "server", module + "storage", module + "userpool", module + "authflow"},
	"importjob/upload":  {module + "cognitoidp", module + "apiserver", module + "awsjson", module + "server", module + "storage", module + "userpool", module + "authflow"},
	"password/imported": {"net/http", module + "cognitoidp", module + "storage", module + "password"},
	"quota":             {"net/http", module + "cognitoidp", module + "apiserver", module + "awsjson", module + "server", module + "storage", module + "userpool"},
	"activitylog":       {"net/http", module + "cognitoidp", module + "apiserver", module + "awsjson", module + "server", module + "storage", module + "userpool"},
}

func TestPhase1ImportRules(t *testing.T) {
	for pkg, bad := range phase1Forbidden {
		out, err := exec.Command("go", "list", "-json", "./../"+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		var info struct{ Imports []string }
		if err := json.Unmarshal(out, &info); err != nil {
			t.Fatal(err)
		}
		for _, imp := range info.Imports {
			for _, b := range bad {
				if imp == b {
					t.Errorf("%s imports %s", pkg, strings.TrimPrefix(imp, module))
				}
			}
		}
	}
}
