package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestSeedAndApply runs the binary as the README shows: a config file
// whose bootstrap: section declares a pool with fixed IDs, applied at
// start (and again, unchanged, at a restart); "userpoold apply" adds a
// user to the running server, "--check" writes nothing, and a bad file is
// refused with its line and field.
func TestSeedAndApply(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "userpoold.yaml")
	write := func(path, s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(cfgFile, `data: `+filepath.Join(dir, "data")+`
bootstrap:
  pools:
    - id: us-east-1_LocalDev1
      name: local-dev
      clients:
        - id: localdevweb0000000000000001
          name: web
          settings: {ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]}
      users:
        - {username: alice, password: Passw0rd!}
`)
	addr := freeAddr(t)
	srv := start(t, bin, addr, "--config", cfgFile)
	ctx := context.Background()
	signIn := func(user, pw string) error {
		_, err := client(addr).InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String("localdevweb0000000000000001"),
			AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": pw}})
		return err
	}
	if err := signIn("alice", "Passw0rd!"); err != nil {
		t.Fatalf("seeded alice: %v", err)
	}

	more := filepath.Join(dir, "more.yaml")
	write(more, `pools:
  - id: us-east-1_LocalDev1
    name: local-dev
    users:
      - {username: bob, password: Passw0rd!}
`)
	env := func(string) string { return "" }
	var out, errOut bytes.Buffer
	if code := run([]string{"apply", "--check", "--endpoint", "http://" + addr, more}, env, &out, &errOut); code != 0 {
		t.Fatalf("apply --check: exit %d %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "nothing written") || !strings.Contains(out.String(), "users:   1 created") {
		t.Errorf("apply --check printed:\n%s", out.String())
	}
	if err := signIn("bob", "Passw0rd!"); err == nil {
		t.Fatal("--check created bob")
	}
	out.Reset()
	if code := run([]string{"apply", "--endpoint", "http://" + addr, more}, env, &out, &errOut); code != 0 {
		t.Fatalf("apply: exit %d %s", code, errOut.String())
	}
	if err := signIn("bob", "Passw0rd!"); err != nil {
		t.Errorf("bob after apply: %v\n%s", err, out.String())
	}

	bad := filepath.Join(dir, "bad.yaml")
	write(bad, "pools:\n  - id: us-east-1_LocalDev1\n    name: local-dev\n    users:\n      - {username: carol, password: short}\n")
	errOut.Reset()
	if code := run([]string{"apply", "--endpoint", "http://" + addr, bad}, env, &out, &errOut); code != 1 {
		t.Fatalf("bad file: exit %d", code)
	}
	if want := bad + ":5:37: pools[0].users[0].password: InvalidPasswordException"; !strings.Contains(errOut.String(), want) || !strings.Contains(errOut.String(), "nothing was changed") {
		t.Errorf("bad file printed:\n%s\nwant %s", errOut.String(), want)
	}

	// A restart applies the section again: nothing changes, alice's
	// password still works.
	srv.Process.Kill()
	srv.Wait()
	start(t, bin, addr, "--config", cfgFile)
	if err := signIn("alice", "Passw0rd!"); err != nil {
		t.Errorf("alice after a restart: %v", err)
	}
	if err := signIn("bob", "Passw0rd!"); err != nil {
		t.Errorf("bob (applied, not in the section) after a restart: %v", err)
	}

	// A bad section stops the start, with status 2 and the line.
	write(cfgFile, "data: "+filepath.Join(dir, "data")+"\nbootstrap:\n  pools:\n    - name: x\n      colour: blue\n")
	res, err := exec.Command(bin, "--config", cfgFile, "--addr", freeAddr(t)).CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(res), "bootstrap:5:7: pools[0].colour: is not a known key") {
		t.Errorf("bad bootstrap section: exit %d\n%s", code, res)
	}
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
