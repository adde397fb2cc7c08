package cache_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/seal"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/storage/cache"
	"github.com/userpoold/userpoold/internal/storage/conformance"
	sqlstore "github.com/userpoold/userpoold/internal/storage/sql"
)

var ctx = context.Background()

// openSQLite opens a fresh SQLite store, closed when t ends.
func openSQLite(t *testing.T, path string) storage.Store {
	t.Helper()
	box, err := seal.New(bytes.Repeat([]byte{0x42}, seal.KeySize), "storage", nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(ctx, "sqlite:"+path, box, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestConformance: the wrapped store keeps the storage contract.
func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) storage.Store {
		return cache.New(openSQLite(t, filepath.Join(t.TempDir(), "c.db")), 0, nil)
	})
}

func pool(id, config string) storage.Pool {
	return storage.Pool{ID: id, Name: id, Config: json.RawMessage(config), Tags: map[string]string{"k": "v"},
		CreatedAt: time.Unix(1, 0).UTC(), UpdatedAt: time.Unix(1, 0).UTC()}
}

// TestBound: two handles on one database stand for two nodes. A change
// through one node is seen by the other within the TTL, and at once by
// the node that made it.
func TestBound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	clock := fakeclock.New(time.Unix(1_000_000, 0))
	a := cache.New(openSQLite(t, path), 0, nil)
	b := cache.New(openSQLite(t, path), time.Second, clock.Now)
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	check("CreatePool", a.CreatePool(ctx, pool("p1", `{"v":1}`)))
	check("CreateClient", a.CreateClient(ctx, storage.Client{PoolID: "p1", ID: "c1", Name: "one", Config: json.RawMessage(`{"n":1}`)}))
	get := func(s storage.Store) (string, string, bool) {
		t.Helper()
		p, err := s.GetPool(ctx, "p1")
		check("GetPool", err)
		c, err := s.GetClient(ctx, "c1")
		check("GetClient", err)
		r, err := s.TokensRevoked(ctx, "p1", "family")
		check("TokensRevoked", err)
		return string(p.Config), string(c.Config), r
	}
	if p, c, r := get(b); p != `{"v":1}` || c != `{"n":1}` || r {
		t.Fatalf("b reads %s %s %v", p, c, r)
	}

	// Another node's changes.
	_, err := a.UpdatePool(ctx, "p1", func(p *storage.Pool) error { p.Config = json.RawMessage(`{"v":2}`); return nil })
	check("UpdatePool", err)
	_, err = a.UpdateClient(ctx, "c1", func(c *storage.Client) error { c.Config = json.RawMessage(`{"n":2}`); return nil })
	check("UpdateClient", err)
	check("RevokeTokens", a.RevokeTokens(ctx, "p1", "family", time.Now().Add(time.Hour)))
	if p, c, r := get(a); p != `{"v":2}` || c != `{"n":2}` || !r {
		t.Fatalf("the writing node reads %s %s %v", p, c, r)
	}
	clock.Advance(999 * time.Millisecond)
	if p, c, r := get(b); p != `{"v":1}` || c != `{"n":1}` || r {
		t.Fatalf("within the TTL b reads %s %s %v; the cache is not in use", p, c, r)
	}
	clock.Advance(time.Millisecond)
	if p, c, r := get(b); p != `{"v":2}` || c != `{"n":2}` || !r {
		t.Fatalf("after the TTL b reads %s %s %v, want the other node's changes", p, c, r)
	}

	// A node's own writes: seen at once.
	_, err = b.UpdatePool(ctx, "p1", func(p *storage.Pool) error { p.Config = json.RawMessage(`{"v":3}`); return nil })
	check("UpdatePool", err)
	check("DeleteClient", b.DeleteClient(ctx, "c1"))
	if p, _ := b.GetPool(ctx, "p1"); string(p.Config) != `{"v":3}` {
		t.Errorf("b's own update not seen: %s", p.Config)
	}
	if _, err := b.GetClient(ctx, "c1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("b's deleted client: %v", err)
	}
	check("DeletePool", b.DeletePool(ctx, "p1"))
	if _, err := b.GetPool(ctx, "p1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("b's deleted pool: %v", err)
	}

	// A revoked family stays revoked whatever the clock.
	check("CreatePool", a.CreatePool(ctx, pool("p2", `{}`)))
	check("RevokeTokens", b.RevokeTokens(ctx, "p2", "f2", time.Now().Add(time.Hour)))
	clock.Advance(time.Hour)
	if r, _ := b.TokensRevoked(ctx, "p2", "f2"); !r {
		t.Error("a revoked family is no longer revoked")
	}
}

// TestCallersCannotEditTheCache: what GetPool and GetClient return is the
// caller's own copy.
func TestCallersCannotEditTheCache(t *testing.T) {
	s := cache.New(openSQLite(t, filepath.Join(t.TempDir(), "c.db")), 0, nil)
	if err := s.CreatePool(ctx, pool("p1", `{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		p, err := s.GetPool(ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
		if string(p.Config) != `{"v":1}` || p.Tags["k"] != "v" {
			t.Fatalf("read %s %v", p.Config, p.Tags)
		}
		p.Config[2] = 'X'
		p.Tags["k"] = "edited"
	}
}

// racing is a store whose GetPool lets a write happen between the
// database read and the caller's return.
type racing struct {
	storage.Store
	during func()
}

func (r *racing) GetPool(ctx context.Context, id string) (storage.Pool, error) {
	p, err := r.Store.GetPool(ctx, id)
	if r.during != nil {
		f := r.during
		r.during = nil
		f()
	}
	return p, err
}

// TestReadRacingAWrite: a read that began before a write on this node
// does not cache what the write replaced.
func TestReadRacingAWrite(t *testing.T) {
	r := &racing{Store: openSQLite(t, filepath.Join(t.TempDir(), "c.db"))}
	s := cache.New(r, time.Hour, nil)
	if err := s.CreatePool(ctx, pool("p1", `{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	r.during = func() {
		if _, err := s.UpdatePool(ctx, "p1", func(p *storage.Pool) error { p.Config = json.RawMessage(`{"v":2}`); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if p, _ := s.GetPool(ctx, "p1"); string(p.Config) != `{"v":1}` {
		t.Fatalf("the racing read returned %s", p.Config)
	}
	if p, _ := s.GetPool(ctx, "p1"); string(p.Config) != `{"v":2}` {
		t.Fatalf("after the write the cache answers %s", p.Config)
	}
}
