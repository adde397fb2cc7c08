package mfa_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/seal"
	"github.com/userpoold/userpoold/internal/storage"
	sqlstore "github.com/userpoold/userpoold/internal/storage/sql"
)

const poolID = "us-east-1_MfaTest01"

// openNodes opens n stores on one SQLite file: n nodes sharing a database.
func openNodes(t *testing.T, n int) []storage.Store {
	return openNodesAt(t, n, "sqlite:"+filepath.Join(t.TempDir(), "mfa.db"))
}

// openNodesAt opens n stores on the database dsn names.
func openNodesAt(t *testing.T, n int, dsn string) []storage.Store {
	t.Helper()
	box, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize), "storage", nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []storage.Store
	for range n {
		db, err := sqlstore.Open(context.Background(), dsn, box, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		out = append(out, db)
	}
	ctx := context.Background()
	if err := out[0].CreatePool(ctx, storage.Pool{ID: poolID, Name: "mfa", CreatedAt: fixed, UpdatedAt: fixed}); err != nil {
		t.Fatal(err)
	}
	if err := out[0].CreateUser(ctx, storage.User{
		PoolID: poolID, Username: "alice", UsernameKey: "alice", Sub: "0d2b1f5e-8a67-4bb5-9a3e-64f4c6a1b001",
		Status: "CONFIRMED", Enabled: true, CreatedAt: fixed, UpdatedAt: fixed,
		Attributes: []storage.Attribute{{Name: "phone_number", Value: "+12065550100"}},
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestServiceTOTPLifecycle(t *testing.T) {
	ctx := context.Background()
	store := openNodes(t, 1)[0]
	clk := fakeclock.New(fixed)
	svc := &mfa.Service{Users: store, Now: clk.Now}

	if _, err := svc.VerifySetup(ctx, poolID, "alice", "123456", ""); !errors.Is(err, mfa.ErrNoTOTP) {
		t.Fatalf("verify before associate: %v", err)
	}
	code1, err := svc.Associate(ctx, poolID, "alice")
	if err != nil {
		t.Fatal(err)
	}
	code2, err := svc.Associate(ctx, poolID, "alice")
	if err != nil || code2 == code1 || len(code2) != 52 {
		t.Fatalf("second associate = %q, %v", code2, err)
	}
	old, _ := mfa.DecodeSecret(code1)
	secret, _ := mfa.DecodeSecret(code2)

	// The replaced pending secret is dead; a wrong code is the
	// VerifySoftwareToken mismatch.
	if _, err := svc.VerifySetup(ctx, poolID, "alice", mfa.Code(old, clk.Now()), "phone"); !errors.Is(err, mfa.ErrEnableTOTPMismatch) {
		t.Fatalf("code of the replaced secret: %v", err)
	}
	u, _ := store.GetUser(ctx, poolID, "alice")
	if !bytes.Equal(u.Secrets.TOTPPending, secret) || mfa.HasTOTP(&u) {
		t.Fatalf("pending secret not stored sealed-and-back, or verified too early")
	}

	code := mfa.Code(secret, clk.Now())
	u, err = svc.VerifySetup(ctx, poolID, "alice", code, "Alice's phone")
	if err != nil {
		t.Fatal(err)
	}
	if !mfa.HasTOTP(&u) || !bytes.Equal(u.Secrets.TOTPSecret, secret) || u.Secrets.TOTPPending != nil ||
		u.MFA.TOTPFriendlyName != "Alice's phone" || !u.MFA.TOTPVerifiedAt.Equal(fixed) || u.MFA.TOTPLastStep != mfa.Step(fixed) {
		t.Fatalf("after verify: %+v", u.MFA)
	}
	if len(u.MFA.Enabled) != 0 {
		t.Errorf("verifying enabled TOTP: %v", u.MFA.Enabled)
	}
	// The code used to verify cannot sign in.
	if _, err := svc.CheckTOTP(ctx, poolID, "alice", code); !errors.Is(err, mfa.ErrTOTPReplay) {
		t.Fatalf("verify code reused at sign-in: %v", err)
	}
	if _, err := svc.CheckTOTP(ctx, poolID, "alice", "000000"); !errors.Is(err, mfa.ErrTOTPMismatch) {
		t.Fatalf("wrong code: %v", err)
	}
	clk.Advance(mfa.Period)
	next := mfa.Code(secret, clk.Now())
	if _, err := svc.CheckTOTP(ctx, poolID, "alice", next); err != nil {
		t.Fatalf("next step: %v", err)
	}
	if _, err := svc.CheckTOTP(ctx, poolID, "alice", next); !errors.Is(err, mfa.ErrTOTPReplay) {
		t.Fatalf("replay: %v", err)
	}

	// A new association does not disturb the verified secret until it is
	// verified, then replaces it.
	code3, _ := svc.Associate(ctx, poolID, "alice")
	newSecret, _ := mfa.DecodeSecret(code3)
	clk.Advance(mfa.Period)
	if _, err := svc.CheckTOTP(ctx, poolID, "alice", mfa.Code(secret, clk.Now())); err != nil {
		t.Fatalf("old secret while a new one is pending: %v", err)
	}
	clk.Advance(mfa.Period)
	if _, err := svc.VerifySetup(ctx, poolID, "alice", mfa.Code(newSecret, clk.Now()), ""); err != nil {
		t.Fatal(err)
	}
	u, _ = store.GetUser(ctx, poolID, "alice")
	if !bytes.Equal(u.Secrets.TOTPSecret, newSecret) || u.MFA.TOTPFriendlyName != "Alice's phone" {
		t.Errorf("new secret not in place, or friendly name lost")
	}
	clk.Advance(mfa.Period)
	if _, err := svc.CheckTOTP(ctx, poolID, "alice", mfa.Code(secret, clk.Now())); !errors.Is(err, mfa.ErrTOTPMismatch) {
		t.Errorf("old secret after replacement: %v", err)
	}
	// Verifying again without a pending secret checks the verified one.
	if _, err := svc.VerifySetup(ctx, poolID, "alice", mfa.Code(newSecret, clk.Now()), ""); err != nil {
		t.Errorf("re-verify with a fresh code: %v", err)
	}
	if _, err := svc.VerifySetup(ctx, poolID, "alice", mfa.Code(newSecret, clk.Now()), ""); !errors.Is(err, mfa.ErrTOTPReplay) {
		t.Errorf("re-verify with a used code: %v", err)
	}
}

// TestCheckTOTPOnceAcrossNodes races the same code on two stores sharing one
// database: exactly one request may accept it.
func TestCheckTOTPOnceAcrossNodes(t *testing.T) { checkTOTPOnce(t, openNodes(t, 2)) }

// TestCheckTOTPOnceAcrossNodesPostgres is the same race on PostgreSQL
// (USERPOOLD_TEST_POSTGRES), where the two stores are two connection pools.
func TestCheckTOTPOnceAcrossNodesPostgres(t *testing.T) {
	dsn := os.Getenv("USERPOOLD_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("USERPOOLD_TEST_POSTGRES is not set")
	}
	checkTOTPOnce(t, openNodesAt(t, 2, isolatedSchema(t, dsn)))
}

// isolatedSchema returns dsn with a fresh schema as its search_path, dropped
// when the test ends.
func isolatedSchema(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connecting to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	rand.Read(b[:])
	schema := "mfatest_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), dsn); err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
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

func checkTOTPOnce(t *testing.T, nodes []storage.Store) {
	ctx := context.Background()
	clk := fakeclock.New(fixed)
	secret := []byte("12345678901234567890")
	if _, err := nodes[0].UpdateUser(ctx, poolID, "alice", func(u *storage.User) error {
		u.Secrets.TOTPSecret = secret
		u.MFA.TOTPVerifiedAt = fixed
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		clk.Advance(mfa.Period)
		code := mfa.Code(secret, clk.Now())
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			svc := &mfa.Service{Users: nodes[i%2], Now: clk.Now}
			wg.Go(func() {
				_, err := svc.CheckTOTP(ctx, poolID, "alice", code)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		ok, replays := 0, 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, mfa.ErrTOTPReplay):
				replays++
			default:
				t.Errorf("round %d: %v", round, err)
			}
		}
		if ok != 1 || replays != 7 {
			t.Errorf("round %d: %d accepted, %d replays; want 1 and 7", round, ok, replays)
		}
	}
}

func TestServicePreference(t *testing.T) {
	ctx := context.Background()
	store := openNodes(t, 1)[0]
	svc := &mfa.Service{Users: store, Now: func() time.Time { return fixed.Add(time.Hour) }}
	if _, err := svc.SetPreference(ctx, poolID, "alice", mfa.Preference{TOTP: on(true)}, essentials); !errors.Is(err, mfa.ErrTOTPNotVerified) {
		t.Fatalf("TOTP without token: %v", err)
	}
	u, err := svc.SetPreference(ctx, poolID, "alice", mfa.Preference{SMS: on(true)}, essentials)
	if err != nil || u.MFA.Preferred != mfa.SMS || !u.UpdatedAt.Equal(fixed.Add(time.Hour)) {
		t.Fatalf("SMS preferred: %+v, %v", u.MFA, err)
	}
	u, err = svc.SetLegacySMS(ctx, poolID, "alice", nil)
	if err != nil || len(u.MFA.Enabled) != 0 || u.MFA.Preferred != "" {
		t.Fatalf("legacy off: %+v, %v", u.MFA, err)
	}
	if _, err := svc.SetPreference(ctx, poolID, "nobody", mfa.Preference{}, essentials); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
}

// TestSetSecret: a declared secret becomes the verified one at once, drops
// a pending secret and restarts the replay guard; its codes sign in.
func TestSetSecret(t *testing.T) {
	ctx := context.Background()
	store := openNodes(t, 1)[0]
	clk := fakeclock.New(fixed)
	svc := &mfa.Service{Users: store, Now: clk.Now}
	if _, err := svc.Associate(ctx, poolID, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetSecret(ctx, poolID, "alice", bytes.Repeat([]byte{1}, 10), "seed"); !errors.Is(err, mfa.ErrShortSecret) {
		t.Fatalf("80-bit secret: %v", err)
	}
	secret, err := mfa.DecodeSecret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.SetSecret(ctx, poolID, "alice", secret, "seed")
	if err != nil {
		t.Fatal(err)
	}
	if !mfa.HasTOTP(&u) || !bytes.Equal(u.Secrets.TOTPSecret, secret) || u.Secrets.TOTPPending != nil ||
		u.MFA.TOTPFriendlyName != "seed" || !u.MFA.TOTPVerifiedAt.Equal(fixed) || u.MFA.TOTPLastStep != 0 {
		t.Fatalf("after SetSecret: %+v", u.MFA)
	}
	if _, err := svc.CheckTOTP(ctx, poolID, "alice", mfa.Code(secret, clk.Now())); err != nil {
		t.Errorf("a code of the declared secret: %v", err)
	}
	if _, err := svc.CheckTOTP(ctx, poolID, "alice", mfa.Code(secret, clk.Now())); !errors.Is(err, mfa.ErrTOTPReplay) {
		t.Errorf("the same code again: %v", err)
	}
}
