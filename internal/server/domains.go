package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/userpoold/userpoold/internal/hostedui"
	"github.com/userpoold/userpoold/internal/storage"
)

// domainCacheTTL bounds how long a node trusts what it read of a domain
// (or of its absence): another node's CreateUserPoolDomain takes at most
// this long to be served here. This node's own writes take effect at once.
const domainCacheTTL = 10 * time.Second

// maxCachedDomains bounds the cache; Host headers are chosen by clients, so
// the absences it remembers are too.
const maxCachedDomains = 4096

// domainCache is the domain store as the request path reads it: every
// request whose Host is not an IP address asks whether it names a domain
// (host-form addressing), and TLS handshakes ask whether a name is a custom
// domain. It answers from memory for domainCacheTTL, absences included, and
// forgets everything when a domain is written through it (userpool's
// writes go through it: server.New gives it to userpool.Service as its
// DomainStore).
type domainCache struct {
	storage.DomainStore
	now func() time.Time

	mu      sync.Mutex
	entries map[string]domainEntry
}

type domainEntry struct {
	d       storage.Domain
	found   bool
	expires time.Time
}

func newDomainCache(store storage.DomainStore, now func() time.Time) *domainCache {
	return &domainCache{DomainStore: store, now: now, entries: map[string]domainEntry{}}
}

// lookup returns the domain called name.
func (c *domainCache) lookup(ctx context.Context, name string) (storage.Domain, bool, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[name]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.d, e.found, nil
	}
	d, err := c.DomainStore.GetDomain(ctx, name)
	found := err == nil
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.Domain{}, false, err
	}
	c.mu.Lock()
	if len(c.entries) >= maxCachedDomains {
		c.entries = map[string]domainEntry{}
	}
	c.entries[name] = domainEntry{d: d, found: found, expires: now.Add(domainCacheTTL)}
	c.mu.Unlock()
	return d, found, nil
}

func (c *domainCache) forget() {
	c.mu.Lock()
	c.entries = map[string]domainEntry{}
	c.mu.Unlock()
}

// LookupDomain implements hostedui.DomainSource.
func (c *domainCache) LookupDomain(ctx context.Context, name string) (hostedui.Domain, bool, error) {
	d, found, err := c.lookup(ctx, name)
	if err != nil || !found {
		return hostedui.Domain{}, false, err
	}
	return hostedui.Domain{Name: d.Name, PoolID: d.PoolID, ManagedLoginVersion: d.ManagedLoginVersion}, true, nil
}

// IsCustomDomain reports whether name is a registered custom domain
// (localca.CustomDomains: the TLS listener issues certificates for those
// only). A store failure counts as no.
func (c *domainCache) IsCustomDomain(name string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	d, found, err := c.lookup(ctx, name)
	return err == nil && found && d.Custom
}

// CreateDomain, UpdateDomain and DeleteDomain write through and forget
// what the cache knew.
func (c *domainCache) CreateDomain(ctx context.Context, d storage.Domain) error {
	defer c.forget()
	return c.DomainStore.CreateDomain(ctx, d)
}

func (c *domainCache) UpdateDomain(ctx context.Context, name string, fn func(*storage.Domain) error) (storage.Domain, error) {
	defer c.forget()
	return c.DomainStore.UpdateDomain(ctx, name, fn)
}

func (c *domainCache) DeleteDomain(ctx context.Context, name string) error {
	defer c.forget()
	return c.DomainStore.DeleteDomain(ctx, name)
}
