package kmstest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// NodeInterop runs e2e/node/lib/esdk-interop.js, the
// @aws-crypto/client-node side of the Encryption SDK (used as a custom
// sender Lambda uses it), with req on stdin, and returns its JSON answer.
// mode is "decrypt" ({endpoint, keyArn, message} → {plaintext, context,
// ...}) or "encrypt". It skips t when node or the module is missing (run
// `npm ci` in e2e/node; e2e/node/run.sh does, and its trigger-esdk test
// fails when these checks skip).
func NodeInterop(t testing.TB, mode string, req any) map[string]any {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the @aws-crypto/client-node interoperability check needs Node.js >= 20")
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "e2e", "node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@aws-crypto", "client-node")); err != nil {
		t.Skipf("@aws-crypto/client-node is not installed: run `npm ci` in %s (e2e/node/run.sh does) to check the format against it", dir)
	}
	in, _ := json.Marshal(req)
	cmd := exec.Command(node, "lib/esdk-interop.js", mode)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node esdk-interop.js %s: %v\n%s", mode, err, stderr.String())
	}
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	return res
}
