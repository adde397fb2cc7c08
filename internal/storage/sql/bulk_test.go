package sql

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// TestCreateUsers: the bulk path stores users exactly as CreateUser does
// (read back equal, found by the filter columns) and stores none of a
// batch with a taken username, on SQLite and (with USERPOOLD_TEST_POSTGRES)
// PostgreSQL.
func TestCreateUsers(t *testing.T) {
	for _, d := range []struct {
		name string
		dsn  func(t testing.TB) string
	}{{"sqlite", newSQLiteDSN}, {"postgres", newPGDSN}} {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDSN(t, d.dsn(t), Options{})
			if err := db.CreatePool(ctx, storage.Pool{ID: "p1"}); err != nil {
				t.Fatal(err)
			}
			at := time.Unix(1_700_000_000, 0).UTC()
			var batch []storage.User
			for i := range 3 {
				name := fmt.Sprintf("user%d", i)
				batch = append(batch, storage.User{PoolID: "p1", Username: name, UsernameKey: name, Sub: fmt.Sprintf("sub-%d", i),
					Status: "CONFIRMED", Enabled: true, CreatedAt: at, UpdatedAt: at, PasswordChangedAt: at,
					Attributes: []storage.Attribute{{Name: "email", Value: name + "@example.com"}},
					Secrets:    storage.UserSecrets{PasswordHash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"}})
			}
			if err := db.CreateUsers(ctx, batch); err != nil {
				t.Fatal(err)
			}
			for _, want := range batch {
				got, err := db.GetUser(ctx, "p1", want.UsernameKey)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("read back\n%+v\nwant\n%+v", got, want)
				}
			}
			found, err := db.FindUsersByAttribute(ctx, "p1", "email", "user1@example.com")
			if err != nil || len(found) != 1 || found[0].Username != "user1" {
				t.Errorf("by email: %v %+v", err, found)
			}
			dup := []storage.User{
				{PoolID: "p1", Username: "fresh", UsernameKey: "fresh", Sub: "sub-fresh", CreatedAt: at, UpdatedAt: at},
				{PoolID: "p1", Username: "user0", UsernameKey: "user0", Sub: "sub-other", CreatedAt: at, UpdatedAt: at},
			}
			if err := db.CreateUsers(ctx, dup); !errors.Is(err, storage.ErrExists) {
				t.Fatalf("a batch with a taken username: %v, want ErrExists", err)
			}
			if _, err := db.GetUser(ctx, "p1", "fresh"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("the failed batch stored a user: %v", err)
			}
		})
	}
}
