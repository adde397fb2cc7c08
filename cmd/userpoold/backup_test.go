package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestBackupUnderWriteLoadRestores runs the server binary, writes users
// from several goroutines without pause, takes "userpoold backup" (another
// process) in the middle of it, then stops the server, runs "userpoold
// restore" and starts the server again on the restored store: every user
// whose creation was acknowledged before the backup started is there, and
// a user created after the backup finished is not (the store is the
// backup's, not the one it replaced). A restore while the server runs is
// refused and changes nothing.
func TestBackupUnderWriteLoadRestores(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()
	addr := freeAddr(t)
	server := start(t, bin, addr, "--data", data)
	ctx := context.Background()
	c := client(addr)
	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("backup")})
	if err != nil {
		t.Fatal(err)
	}
	poolID := pool.UserPool.Id
	create := func(name string) error {
		_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: poolID, Username: aws.String(name), MessageAction: types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(name + "@example.com")}}})
		return err
	}

	type ack struct {
		name string
		at   time.Time
	}
	var (
		mu    sync.Mutex
		acked []ack
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("w%d-%05d", w, i)
				if err := create(name); err != nil {
					t.Errorf("create %s: %v", name, err)
					return
				}
				at := time.Now()
				mu.Lock()
				acked = append(acked, ack{name, at})
				mu.Unlock()
			}
		}()
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	for deadline := time.Now().Add(30 * time.Second); count() < 200 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	backup := filepath.Join(t.TempDir(), "userpoold-backup.db")
	began := time.Now()
	out, err := exec.Command(bin, "backup", "--data", data, backup).CombinedOutput()
	if err != nil {
		t.Fatalf("userpoold backup: %v\n%s", err, out)
	}
	ended := time.Now()
	before := count()
	for deadline := time.Now().Add(30 * time.Second); count() < before+100 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if err := create("after-backup"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "backed up") || !strings.Contains(string(out), "master key") {
		t.Errorf("backup output:\n%s", out)
	}
	t.Logf("%d users acknowledged, the backup took %v", count(), ended.Sub(began))

	// Refused while the server runs; the store is unchanged.
	if out, err := exec.Command(bin, "restore", "--data", data, backup).CombinedOutput(); err == nil || !strings.Contains(string(out), "in use") {
		t.Fatalf("restore under a running server: %v\n%s", err, out)
	}
	if _, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: poolID, Username: aws.String("after-backup")}); err != nil {
		t.Fatalf("the store changed after a refused restore: %v", err)
	}

	server.Process.Signal(syscall.SIGTERM)
	server.Wait()
	out, err = exec.Command(bin, "restore", "--data", data, backup).CombinedOutput()
	if err != nil {
		t.Fatalf("userpoold restore: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "previous database is kept as") {
		t.Errorf("restore output:\n%s", out)
	}
	start(t, bin, addr, "--data", data)
	c = client(addr)
	var missing []string
	inBackup := 0
	for _, a := range acked {
		_, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: poolID, Username: aws.String(a.name)})
		if err == nil {
			inBackup++
		}
		if a.at.Before(began) && err != nil {
			missing = append(missing, a.name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d users acknowledged before the backup started are missing, e.g. %v", len(missing), missing[:min(5, len(missing))])
	}
	if _, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: poolID, Username: aws.String("after-backup")}); err == nil {
		t.Error("a user created after the backup is in the restored store")
	}
	if inBackup == len(acked) {
		t.Errorf("all %d users are in the restored store, yet writes went on after the backup", len(acked))
	}
	t.Logf("the restored store has %d of them", inBackup)
}

// TestRestoreRefusals: a file that is not a userpoold database, and a
// backup whose secrets the configured master key does not open, change
// nothing.
func TestRestoreRefusals(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()
	addr := freeAddr(t)
	srv := start(t, bin, addr, "--data", data)
	if _, err := client(addr).CreateUserPool(context.Background(), &cip.CreateUserPoolInput{PoolName: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	if out, err := exec.Command(bin, "backup", "--data", data, backup).CombinedOutput(); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "backup", "--data", data, backup).CombinedOutput(); err == nil || !strings.Contains(string(out), "already exists") {
		t.Errorf("backup over an existing file: %v\n%s", err, out)
	}
	srv.Process.Signal(syscall.SIGTERM)
	srv.Wait()

	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("not a database at all, just text that is long enough to look like a header"), 0o600)
	other := t.TempDir() // another data directory: another (generated) master key
	os.WriteFile(filepath.Join(other, "master.key"), []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"junk", []string{"restore", "--data", data, junk}, "not a SQLite database"},
		{"missing", []string{"restore", "--data", data, junk + ".nope"}, "no such file"},
		{"wrong key", []string{"restore", "--data", other, backup}, "master key"},
		{"no key", []string{"restore", "--data", t.TempDir(), backup}, "master key"},
		{"postgres", []string{"restore", "--db", "postgres://u@db.invalid/x", "--single-node", backup}, "pg_dump"},
	} {
		out, err := exec.Command(bin, tc.args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("%s: %v\n%s", tc.name, err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(other, "userpoold.db")); err == nil {
		t.Error("a refused restore left a database behind")
	}
	// The original store is intact and still the one served.
	start(t, bin, addr, "--data", data)
	pools, err := client(addr).ListUserPools(context.Background(), &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)})
	if err != nil || len(pools.UserPools) != 1 {
		t.Errorf("after refused restores: %+v %v", pools, err)
	}
}

// TestExportWritesUsersWithoutSecrets runs "userpoold export" against the
// store of a running server.
func TestExportWritesUsersWithoutSecrets(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()
	addr := freeAddr(t)
	start(t, bin, addr, "--data", data)
	ctx := context.Background()
	c := client(addr)
	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("export")})
	if err != nil {
		t.Fatal(err)
	}
	id := pool.UserPool.Id
	c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: id, GroupName: aws.String("staff")})
	for _, name := range []string{"bea", "al"} {
		if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: id, Username: aws.String(name), TemporaryPassword: aws.String("Temp-Passw0rd!"),
			MessageAction: types.MessageActionTypeSuppress, UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(name + "@example.com")}}}); err != nil {
			t.Fatal(err)
		}
	}
	c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: id, Username: aws.String("al"), Password: aws.String("Secret-Passw0rd!"), Permanent: true})
	c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: id, Username: aws.String("al"), GroupName: aws.String("staff")})

	cmd := exec.Command(bin, "export", "--data", data, "--pool", aws.ToString(id))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("export: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stdout.String(), "Passw0rd") || strings.Contains(stdout.String(), "argon2") {
		t.Errorf("the export holds a secret:\n%s", stdout.String())
	}
	var recs []map[string]any
	s := bufio.NewScanner(&stdout)
	for s.Scan() {
		var r map[string]any
		if err := json.Unmarshal(s.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", s.Text(), err)
		}
		recs = append(recs, r)
	}
	if len(recs) != 2 || recs[0]["Username"] != "al" || recs[1]["Username"] != "bea" {
		t.Fatalf("export = %v", recs)
	}
	al := recs[0]
	if al["UserStatus"] != "CONFIRMED" || al["Enabled"] != true || al["UserPoolId"] != aws.ToString(id) || fmt.Sprint(al["Groups"]) != "[staff]" {
		t.Errorf("al = %v", al)
	}
	if recs[1]["UserStatus"] != "FORCE_CHANGE_PASSWORD" || fmt.Sprint(recs[1]["Groups"]) != "[]" {
		t.Errorf("bea = %v", recs[1])
	}
	attrs := fmt.Sprint(al["Attributes"])
	if !strings.Contains(attrs, "Name:sub") || !strings.Contains(attrs, "al@example.com") {
		t.Errorf("al's attributes = %s", attrs)
	}
	if !strings.Contains(stderr.String(), "exported 2 users of 1 pools") {
		t.Errorf("stderr = %s", stderr.String())
	}
	if out, err := exec.Command(bin, "export", "--data", data, "--pool", "us-east-1_Nope12345").CombinedOutput(); err == nil {
		t.Errorf("export of an unknown pool succeeded:\n%s", out)
	}
}
