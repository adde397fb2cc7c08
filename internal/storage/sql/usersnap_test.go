package sql

import (
	"context"
	"errors"
	"hash/maphash"
	"reflect"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// TestUserSnapshotsNeverServeStaleData: handle a holds snapshots of a user
// that handle b (another node, or process) then changes. Whatever a's
// snapshot says, a's reads and updates act on the row as stored.
func TestUserSnapshotsNeverServeStaleData(t *testing.T) {
	backends(t, func(t *testing.T, newDSN func(testing.TB) string) {
		a, b := twoHandles(t, newDSN(t), storage.User{PoolID: "p1", Username: "c", UsernameKey: "c", Sub: "s", Enabled: true,
			Attributes: []storage.Attribute{{Name: "email", Value: "c@example.com"}}})
		ctx := context.Background()
		setPref := func(db *DB, pref storage.MFAFactor) {
			t.Helper()
			if _, err := db.UpdateUser(ctx, "p1", "c", func(u *storage.User) error { u.MFA.Preferred = pref; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		get := func(db *DB) storage.User {
			t.Helper()
			u, err := db.GetUser(ctx, "p1", "c")
			if err != nil {
				t.Fatal(err)
			}
			return u
		}

		// A read hands out a copy: changing it changes neither the
		// snapshot nor the next read.
		u := get(a)
		u.Attributes[0].Value = "changed"
		u.MFA.Preferred = "TOTP"
		if got := get(a); got.Attributes[0].Value != "c@example.com" || got.MFA.Preferred != "" {
			t.Fatalf("second read returned the first read's changes: %+v", got)
		}

		// b changes the user behind a's snapshot: a reads b's change.
		setPref(b, "TOTP")
		if got := get(a).MFA.Preferred; got != "TOTP" {
			t.Fatalf("a reads preference %q after b set TOTP", got)
		}

		// An update that changes nothing against a stale snapshot still
		// writes: a's snapshot says SMS, b has set TOTP since.
		setPref(a, "SMS")
		setPref(b, "TOTP")
		setPref(a, "SMS")
		if got := get(b).MFA.Preferred; got != "SMS" {
			t.Fatalf("preference %q after a set SMS over b's TOTP", got)
		}

		// An update from a stale snapshot is redone on the row: b's change
		// survives a's.
		get(a)
		if _, err := b.UpdateUser(ctx, "p1", "c", func(u *storage.User) error { u.Lockout.Failures = 7; return nil }); err != nil {
			t.Fatal(err)
		}
		setPref(a, "EMAIL")
		if got := get(b); got.Lockout.Failures != 7 || got.MFA.Preferred != "EMAIL" {
			t.Fatalf("after b's and a's updates: failures %d, preference %q; want 7, EMAIL", got.Lockout.Failures, got.MFA.Preferred)
		}

		// An fn error decided on a stale snapshot is decided again on the
		// row: a's snapshot has the user disabled, b has enabled it.
		if _, err := a.UpdateUser(ctx, "p1", "c", func(u *storage.User) error { u.Enabled = false; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := b.UpdateUser(ctx, "p1", "c", func(u *storage.User) error { u.Enabled = true; return nil }); err != nil {
			t.Fatal(err)
		}
		errDisabled := errors.New("disabled")
		got, err := a.UpdateUser(ctx, "p1", "c", func(u *storage.User) error {
			if !u.Enabled {
				return errDisabled
			}
			u.Lockout.Failures++
			return nil
		})
		if err != nil || got.Lockout.Failures != 8 {
			t.Fatalf("update of the enabled user: %v, failures %d; want nil, 8", err, got.Lockout.Failures)
		}

		// A deleted user is gone for a whatever its snapshot held.
		if err := b.DeleteUser(ctx, "p1", "c"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.GetUser(ctx, "p1", "c"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("read of a deleted user: %v", err)
		}
		if _, err := a.UpdateUser(ctx, "p1", "c", func(u *storage.User) error { u.MFA.Preferred = "SMS"; return nil }); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("update of a deleted user: %v", err)
		}
	})
}

// TestUserSnapshotsBounded: the snapshots stay within their bound however
// many users are read.
func TestUserSnapshotsBounded(t *testing.T) {
	c := userSnaps{seed: maphash.MakeSeed()}
	for i := range 10 * snapShards * snapPerShard {
		c.put("p", string(rune('a'+i%26))+string(rune(i)), &userSnap{})
	}
	n := 0
	for i := range c.shards {
		if l := len(c.shards[i].m); l > snapPerShard {
			t.Fatalf("shard %d holds %d", i, l)
		} else {
			n += l
		}
	}
	if n == 0 {
		t.Fatal("nothing kept")
	}
}

// TestCloneUserIsDeep: a clone of a user with every field set is equal to
// it and shares no memory with it, so a caller changing what a snapshot
// handed out cannot change the snapshot. Fields are filled by reflection:
// a field added to storage.User is covered without changing the test.
func TestCloneUserIsDeep(t *testing.T) {
	var u storage.User
	fillAll(reflect.ValueOf(&u).Elem())
	c := cloneUser(u)
	if !reflect.DeepEqual(c, u) {
		t.Fatalf("clone differs:\n%+v\n%+v", c, u)
	}
	if p := shared(reflect.ValueOf(u), reflect.ValueOf(c), "User"); p != "" {
		t.Errorf("clone shares %s with the original", p)
	}
}

// fillAll sets every field of v to a non-zero value; slices get two elements.
func fillAll(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.UnixMicro(1700000000123456).UTC()))
			return
		}
		for i := range v.NumField() {
			fillAll(v.Field(i))
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fillAll(v.Index(i))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillAll(k)
		fillAll(e)
		v.SetMapIndex(k, e)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(v.Elem())
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	}
}

// shared returns the path of the first slice, map or pointer that a and b
// share, or "".
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
				return p
			}
		}
	case reflect.Slice:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
		for i := range a.Len() {
			if p := shared(a.Index(i), b.Index(i), path+"[i]"); p != "" {
				return p
			}
		}
	case reflect.Map, reflect.Pointer:
		if !a.IsNil() && a.Pointer() == b.Pointer() {
			return path
		}
	}
	return ""
}
