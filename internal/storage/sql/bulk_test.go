package sql

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
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

// TestBroadPrefix: a prefix filter that matches more than broadPrefixRows
// users (read through the primary key) and one that matches a few (through
// the column's index) page through the same users in username order.
func TestBroadPrefix(t *testing.T) {
	ctx := context.Background()
	db := openDSN(t, newSQLiteDSN(t), Options{})
	if err := db.CreatePool(ctx, storage.Pool{ID: "p1"}); err != nil {
		t.Fatal(err)
	}
	var users []storage.User
	for i := range broadPrefixRows + 130 {
		name := fmt.Sprintf("u%05d", i)
		if i%500 == 7 {
			name = fmt.Sprintf("a%05d", i) // a few outside the broad prefix, among the rest
		}
		users = append(users, storage.User{PoolID: "p1", Username: name, UsernameKey: name, Sub: "s" + name, Enabled: true,
			Attributes: []storage.Attribute{{Name: "email", Value: name + "@example.com"}}})
	}
	if err := db.CreateUsers(ctx, users); err != nil {
		t.Fatal(err)
	}
	walk := func(prefix string) []string {
		t.Helper()
		var names []string
		page := storage.Page{Limit: 60}
		for {
			got, next, err := db.ListUsers(ctx, storage.UserQuery{PoolID: "p1", Attribute: "email", Value: prefix, Prefix: true, Fold: true, Page: page})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range got {
				names = append(names, u.Username)
			}
			if next == "" {
				return names
			}
			page.After = next
		}
	}
	for _, tc := range []struct {
		prefix string
		broad  bool
	}{{"u", true}, {"a", false}, {"u0001", false}} {
		broad, err := db.broadPrefix(ctx, "p1", "fold_email", tc.prefix)
		if err != nil || broad != tc.broad {
			t.Fatalf("broadPrefix(%q) = %v, %v; want %v", tc.prefix, broad, err, tc.broad)
		}
		var want []string
		for _, u := range users {
			if strings.HasPrefix(u.Username, tc.prefix) {
				want = append(want, u.Username)
			}
		}
		slices.Sort(want)
		if got := walk(tc.prefix); !slices.Equal(got, want) {
			t.Errorf("email ^= %q: %d users, want %d (first %v)", tc.prefix, len(got), len(want), got[:min(3, len(got))])
		}
	}
}
