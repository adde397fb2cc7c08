package layers

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/userpoold/userpoold/internal/"

// forbidden lists, per package, imports it must not have directly.
var forbidden = map[string][]string{
	// The API layer converts between the wire and the domain services: it
	// reaches storage only through them, and tokens only through authflow.
	"apiserver": {"net/http", module + "storage/sql", module + "token", module + "server", module + "delivery", module + "srp", module + "password"},
	// The wire layer is reached only through apiserver and server.
	"userpool": {"net/http", module + "cognitoidp", module + "apiserver", module + "awsjson", module + "server", module + "authflow"},
	"authflow": {"net/http", module + "cognitoidp", module + "apiserver", module + "awsjson", module + "server"},
	"mfa":      {"net/http", module + "cognitoidp", module + "apiserver", module + "awsjson", module + "server", module + "userpool", module + "authflow"},
	"risk":     {"net/http", module + "cognitoidp", module + "apiserver", module + "awsjson", module + "server", module + "userpool", module + "authflow"},
	"srp":      {"net/http", module + "cognitoidp", module + "storage"},
	"password": {"net/http", module + "cognitoidp", module + "storage"},
	"token":    {"net/http", module + "cognitoidp", module + "apiserver", module + "userpool", module + "authflow"},
	// delivery posts webhooks (an HTTP client), but serves nothing.
	"delivery": {module + "cognitoidp", module + "apiserver", module + "userpool", module + "authflow"},
	"storage":  {"net/http", module + "cognitoidp", module + "userpool", module + "authflow", module + "mfa"},
	// The test clock depends on nothing of userpoold.
	"fakeclock": {module + "storage", module + "userpool", module + "authflow", module + "server"},
	"fault":     {"net/http", module + "cognitoidp"},
	"seal":      {"net/http", module + "cognitoidp", module + "storage"},
	"sdkhttp":   {module + "cognitoidp", module + "storage", module + "server"},
	// The protocol runtime knows nothing of Cognito.
	"awsjson":    {module + "cognitoidp", module + "apiserver", module + "userpool"},
	"cognitoidp": {"net/http", module + "apiserver", module + "awsjson", module + "userpool"},
}

func TestImportRules(t *testing.T) {
	for pkg, bad := range forbidden {
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
