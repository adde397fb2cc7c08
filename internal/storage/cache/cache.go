package cache

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// DefaultTTL is how long a record read from the database answers reads
// on this node: the bound on how late this node sees another node's change.
const DefaultTTL = time.Second

// maxEntries bounds each map; a full map starts over.
const maxEntries = 1 << 16

// Store is a storage.Store whose pools, clients and token revocations are
// cached for at most TTL. Every other method is the wrapped store's.
type Store struct {
	storage.Store
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	gen      uint64 // incremented by every write that invalidates entries
	pools    map[string]entry[storage.Pool]
	clients  map[string]entry[storage.Client]
	families map[family]entry[bool] // revoked or not
}

type entry[T any] struct {
	v       T
	expires time.Time // zero: never (a revoked family)
}

type family struct{ pool, originJTI string }

// New wraps s. ttl ≤ 0 means DefaultTTL; now nil means time.Now (the
// cache's age is real time, not the server's test clock, which may stand
// still).
func New(s storage.Store, ttl time.Duration, now func() time.Time) *Store {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Store{Store: s, ttl: ttl, now: now}
}

// lookup returns m[k] if it has not expired, and the generation a caller
// that reads the database must pass to install.
func lookup[K comparable, T any](c *Store, m map[K]entry[T], k K) (T, bool, uint64) {
	e, ok := m[k]
	if ok && (e.expires.IsZero() || c.now().Before(e.expires)) {
		return e.v, true, c.gen
	}
	var zero T
	return zero, false, c.gen
}

// install stores v under k unless a write invalidated entries since the
// read began (gen), so that a read racing with a write never caches what
// the write replaced.
func install[K comparable, T any](c *Store, m *map[K]entry[T], k K, v T, gen uint64, forever bool) {
	if c.gen != gen {
		return
	}
	if *m == nil || len(*m) >= maxEntries {
		*m = make(map[K]entry[T])
	}
	e := entry[T]{v: v}
	if !forever {
		e.expires = c.now().Add(c.ttl)
	}
	(*m)[k] = e
}

// GetPool answers from the cache, or reads the pool and caches it.
func (c *Store) GetPool(ctx context.Context, id string) (storage.Pool, error) {
	c.mu.Lock()
	p, ok, gen := lookup(c, c.pools, id)
	c.mu.Unlock()
	if ok {
		return clonePool(p), nil
	}
	p, err := c.Store.GetPool(ctx, id)
	if err != nil {
		return p, err
	}
	c.mu.Lock()
	install(c, &c.pools, id, clonePool(p), gen, false)
	c.mu.Unlock()
	return p, nil
}

// GetClient answers from the cache, or reads the client and caches it.
func (c *Store) GetClient(ctx context.Context, id string) (storage.Client, error) {
	c.mu.Lock()
	cl, ok, gen := lookup(c, c.clients, id)
	c.mu.Unlock()
	if ok {
		return cloneClient(cl), nil
	}
	cl, err := c.Store.GetClient(ctx, id)
	if err != nil {
		return cl, err
	}
	c.mu.Lock()
	install(c, &c.clients, id, cloneClient(cl), gen, false)
	c.mu.Unlock()
	return cl, nil
}

// TokensRevoked answers from the cache, or reads and caches the answer: a
// revoked family for good, a family not revoked for TTL.
func (c *Store) TokensRevoked(ctx context.Context, poolID, originJTI string) (bool, error) {
	k := family{poolID, originJTI}
	c.mu.Lock()
	revoked, ok, gen := lookup(c, c.families, k)
	c.mu.Unlock()
	if ok {
		return revoked, nil
	}
	revoked, err := c.Store.TokensRevoked(ctx, poolID, originJTI)
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	install(c, &c.families, k, revoked, gen, revoked)
	c.mu.Unlock()
	return revoked, nil
}

// RevokeTokens revokes the family and remembers it revoked on this node.
func (c *Store) RevokeTokens(ctx context.Context, poolID, originJTI string, expiresAt time.Time) error {
	err := c.Store.RevokeTokens(ctx, poolID, originJTI, expiresAt)
	c.mu.Lock()
	c.gen++
	if err == nil {
		install(c, &c.families, family{poolID, originJTI}, true, c.gen, true)
	} else {
		delete(c.families, family{poolID, originJTI})
	}
	c.mu.Unlock()
	return err
}

// invalidate forgets what a write may have changed. It runs after the
// write, whatever its outcome, and bumps the generation so that reads in
// flight do not install older values.
func (c *Store) invalidate(pool, client string, allClients bool) {
	c.mu.Lock()
	c.gen++
	if pool != "" {
		delete(c.pools, pool)
		for k := range c.families {
			if k.pool == pool {
				delete(c.families, k)
			}
		}
	}
	if client != "" {
		delete(c.clients, client)
	}
	if allClients {
		c.clients = nil
	}
	c.mu.Unlock()
}

// CreatePool writes through and forgets any entry of the ID.
func (c *Store) CreatePool(ctx context.Context, p storage.Pool, keys ...storage.SigningKey) error {
	defer c.invalidate(p.ID, "", false)
	return c.Store.CreatePool(ctx, p, keys...)
}

// UpdatePool writes through and forgets the pool.
func (c *Store) UpdatePool(ctx context.Context, id string, fn func(*storage.Pool) error) (storage.Pool, error) {
	defer c.invalidate(id, "", false)
	return c.Store.UpdatePool(ctx, id, fn)
}

// DeletePool writes through and forgets the pool, its token families and
// every client (its clients went with it).
func (c *Store) DeletePool(ctx context.Context, id string) error {
	defer c.invalidate(id, "", true)
	return c.Store.DeletePool(ctx, id)
}

// CreateClient writes through and forgets any entry of the ID.
func (c *Store) CreateClient(ctx context.Context, cl storage.Client) error {
	defer c.invalidate("", cl.ID, false)
	return c.Store.CreateClient(ctx, cl)
}

// UpdateClient writes through and forgets the client.
func (c *Store) UpdateClient(ctx context.Context, id string, fn func(*storage.Client) error) (storage.Client, error) {
	defer c.invalidate("", id, false)
	return c.Store.UpdateClient(ctx, id, fn)
}

// DeleteClient writes through and forgets the client.
func (c *Store) DeleteClient(ctx context.Context, id string) error {
	defer c.invalidate("", id, false)
	return c.Store.DeleteClient(ctx, id)
}

// Unwrap returns the wrapped store.
func (c *Store) Unwrap() storage.Store { return c.Store }

// clonePool copies what a caller could change in place, so that no
// caller's edit reaches the cache.
func clonePool(p storage.Pool) storage.Pool {
	p.Config = bytes.Clone(p.Config)
	p.RiskConfig = bytes.Clone(p.RiskConfig)
	p.Tags = maps.Clone(p.Tags)
	return p
}

func cloneClient(cl storage.Client) storage.Client {
	cl.Config = bytes.Clone(cl.Config)
	cl.RiskConfig = bytes.Clone(cl.RiskConfig)
	cl.Secrets = slices.Clone(cl.Secrets)
	return cl
}
