package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/export"
	"github.com/userpoold/userpoold/internal/seal"
	"github.com/userpoold/userpoold/internal/storage"
	sqlstore "github.com/userpoold/userpoold/internal/storage/sql"
)

// TestUsersLeaveSecretsOut writes a user holding every kind of secret and
// finds none of them in the export, and every field it should carry.
func TestUsersLeaveSecretsOut(t *testing.T) {
	ctx := context.Background()
	box, err := seal.New(bytes.Repeat([]byte{3}, seal.KeySize), "storage", nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "x.db"), box, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, id := range []string{"us-east-1_Export1", "us-east-1_Export2"} {
		if err := db.CreatePool(ctx, storage.Pool{ID: id, Name: id, CreatedAt: at, UpdatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	db.CreateGroup(ctx, storage.Group{PoolID: "us-east-1_Export1", Name: "staff", CreatedAt: at, UpdatedAt: at})
	u := storage.User{
		PoolID: "us-east-1_Export1", Username: "Ann", UsernameKey: "ann", Sub: "7c0c8a3e-55b1-4c5e-9c1d-1f1f1f1f1f1f",
		Attributes: []storage.Attribute{{Name: "email", Value: "ann@example.com"}},
		Status:     "CONFIRMED", Enabled: true, CreatedAt: at, UpdatedAt: at.Add(time.Hour),
		MFA: storage.UserMFA{Enabled: []storage.MFAFactor{"SOFTWARE_TOKEN_MFA"}, Preferred: "SOFTWARE_TOKEN_MFA", TOTPFriendlyName: "phone"},
		Secrets: storage.UserSecrets{
			PasswordHash: "$argon2id$v=19$m=65536,t=2,p=1$SECRETSALT$SECRETHASH",
			SRPSalt:      []byte("SECRETSRPSALT000"), SRPVerifier: []byte("SECRETVERIFIER"),
			TOTPSecret: []byte("SECRETTOTP"), TOTPPending: []byte("SECRETPENDING"),
			Codes: []storage.Code{{Purpose: "SIGN_UP", Value: "987654", ExpiresAt: at}},
		},
	}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	db.AddUserToGroup(ctx, "us-east-1_Export1", "staff", "ann")
	db.CreateUser(ctx, storage.User{PoolID: "us-east-1_Export2", Username: "bo", UsernameKey: "bo", Sub: "8c0c8a3e-55b1-4c5e-9c1d-1f1f1f1f1f1f", Status: "UNCONFIRMED", CreatedAt: at, UpdatedAt: at})

	var out bytes.Buffer
	st, err := export.Users(ctx, db, &out, nil)
	if err != nil || st.Pools != 2 || st.Users != 2 {
		t.Fatalf("Users = %+v, %v", st, err)
	}
	text := out.String()
	for _, secret := range []string{"SECRET", "U0VDUkVU" /* base64 of SECRET */, "987654", "argon2"} {
		if strings.Contains(text, secret) {
			t.Errorf("the export holds %q:\n%s", secret, text)
		}
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	var ann export.Record
	if err := json.Unmarshal([]byte(lines[0]), &ann); err != nil {
		t.Fatal(err)
	}
	want := `{"UserPoolId":"us-east-1_Export1","Username":"Ann","UserStatus":"CONFIRMED","Enabled":true,"UserCreateDate":"2026-05-06T07:08:09Z","UserLastModifiedDate":"2026-05-06T08:08:09Z","Attributes":[{"Name":"sub","Value":"7c0c8a3e-55b1-4c5e-9c1d-1f1f1f1f1f1f"},{"Name":"email","Value":"ann@example.com"}],"UserMFASettingList":["SOFTWARE_TOKEN_MFA"],"PreferredMfaSetting":"SOFTWARE_TOKEN_MFA","Groups":["staff"]}`
	if lines[0] != want {
		t.Errorf("line 1 =\n%s\nwant\n%s", lines[0], want)
	}
	out.Reset()
	if st, err := export.Users(ctx, db, &out, []string{"us-east-1_Export2"}); err != nil || st.Users != 1 || !strings.Contains(out.String(), `"Username":"bo"`) {
		t.Errorf("one pool: %+v %v %s", st, err, out.String())
	}
	if _, err := export.Users(ctx, db, &out, []string{"us-east-1_Nope"}); err == nil {
		t.Error("an unknown pool was exported")
	}
}
