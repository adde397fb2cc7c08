package mfa_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps the package a domain package: no HTTP, no wire types,
// nothing above it (design.md "Layout").
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "net/http",
			strings.HasSuffix(dep, "/internal/cognitoidp"),
			strings.HasSuffix(dep, "/internal/awsjson"),
			strings.HasSuffix(dep, "/internal/userpool"),
			strings.HasSuffix(dep, "/internal/authflow"),
			strings.HasSuffix(dep, "/internal/apiserver"):
			t.Errorf("internal/mfa depends on %s", dep)
		}
	}
}
