package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/jackc/pgx/v5"
)

// These tests run the real binary, as a user would start it.

func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := filepath.Join(t.TempDir(), "userpoold")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs the server with args and waits until /health answers 200.
func start(t *testing.T, bin, addr string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--addr", addr, "--password-hashing", "fast"}, args...)...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server did not become healthy:\n%s", logs.String())
	return nil
}

func client(addr string) *cip.Client {
	return cip.New(cip.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
}

// TestKill9KeepsAcknowledgedWrites creates pools through the API, kills the
// server with SIGKILL, restarts it on the same data directory, and expects
// every pool whose creation was acknowledged — on SQLite, and on PostgreSQL
// when USERPOOLD_TEST_POSTGRES is set.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	bin := buildBinary(t)
	backends := map[string][]string{"sqlite": nil}
	if dsn := os.Getenv("USERPOOLD_TEST_POSTGRES"); dsn != "" {
		backends["postgres"] = []string{"--db", freshSchema(t, dsn), "--single-node"}
	} else {
		t.Log("PostgreSQL part skipped: set USERPOOLD_TEST_POSTGRES to a DSN")
	}
	for name, extra := range backends {
		t.Run(name, func(t *testing.T) {
			data := t.TempDir()
			addr := freeAddr(t)
			args := append([]string{"--data", data}, extra...)
			cmd := start(t, bin, addr, args...)
			ctx := context.Background()
			c := client(addr)
			var ids []string
			for i := range 20 {
				out, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(fmt.Sprintf("kill9-%d", i))})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, aws.ToString(out.UserPool.Id))
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()

			start(t, bin, addr, args...)
			// A new client (the old one's connections died with the server),
			// with the SDK's default retries: on a loaded machine a fresh
			// connection to the restarted server is occasionally dropped,
			// which says nothing about durability.
			c = cip.New(cip.Options{
				Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
				Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
			})
			for _, id := range ids {
				if _, err := c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(id)}); err != nil {
					t.Errorf("pool %s lost after kill -9: %v", id, err)
				}
			}
		})
	}
}

// freshSchema returns dsn pointed at a new schema, dropped after the test.
func freshSchema(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connecting to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("cmdtest_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(ctx, dsn); err == nil {
			c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestSIGTERMStopsCleanly checks that SIGTERM ends the process with status 0
// after logging the shutdown.
func TestSIGTERMStopsCleanly(t *testing.T) {
	bin := buildBinary(t)
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--addr", addr, "--data", t.TempDir())
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	for line := range lines {
		if strings.Contains(line, "userpoold listening") {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("server did not stop after SIGTERM")
	}
}

// TestBadConfigExits2 checks that a bad configuration is reported at once,
// every problem listed, with exit status 2.
func TestBadConfigExits2(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"--region", "mars", "--log-level", "loud"}, func(string) string { return "" }, &stdout, &stderr)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{"region", "log-level"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

// TestAdminSubcommands drives "userpoold outbox" and "userpoold rotate-keys"
// against a running server.
func TestAdminSubcommands(t *testing.T) {
	bin := buildBinary(t)
	addr := freeAddr(t)
	start(t, bin, addr, "--data", t.TempDir())
	ctx := context.Background()
	c := client(addr)
	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("cli")})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(pool.UserPool.Id)
	_, err = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(id), Username: aws.String("alice"), TemporaryPassword: aws.String("Temp-Passw0rd!"),
		UserAttributes:         []types.AttributeType{{Name: aws.String("email"), Value: aws.String("alice@example.com")}},
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
	})
	if err != nil {
		t.Fatal(err)
	}
	env := func(string) string { return "" }
	var out, errOut bytes.Buffer
	if code := run([]string{"outbox", "--endpoint", "http://" + addr, "--pool", id, "--user", "alice"}, env, &out, &errOut); code != 0 {
		t.Fatalf("outbox exit %d: %s", code, errOut.String())
	}
	if got := strings.TrimSpace(out.String()); got != "Temp-Passw0rd!" {
		t.Errorf("outbox printed %q, want the temporary password", got)
	}
	if code := run([]string{"outbox", "--endpoint", "http://" + addr, "--pool", id, "--user", "alice", "--channel", "SMS"}, env, &out, &errOut); code != 1 {
		t.Errorf("no SMS message: exit %d", code)
	}

	keys := func() int {
		resp, err := http.Get("http://" + addr + "/" + id + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var jwks struct{ Keys []json.RawMessage }
		json.NewDecoder(resp.Body).Decode(&jwks)
		return len(jwks.Keys)
	}
	if n := keys(); n != 2 {
		t.Fatalf("new pool publishes %d keys, want 2 (ID and access)", n)
	}
	out.Reset()
	if code := run([]string{"rotate-keys", "--endpoint", "http://" + addr, "--pool", id}, env, &out, &errOut); code != 0 {
		t.Fatalf("rotate-keys exit %d: %s", code, errOut.String())
	}
	if n := keys(); n != 4 {
		t.Errorf("after rotation %d keys are published, want 4 (old ones kept)", n)
	}
	if code := run([]string{"rotate-keys", "--endpoint", "http://" + addr, "--pool", "us-east-1_Nope12345"}, env, &out, &errOut); code != 1 {
		t.Errorf("rotating an unknown pool: exit %d", code)
	}
}
