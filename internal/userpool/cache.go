package userpool

import (
	"bytes"
	"sync"

	"github.com/userpoold/userpoold/internal/storage"
)

// decodedCacheSize bounds each map of decodedCache; a full map starts over.
const decodedCacheSize = 4096

// decodedCache keeps the decoded Settings of recently loaded pools and
// clients, keyed by ID and valid only for the exact configuration bytes they
// were decoded from. Every load still reads the record from the store, so a
// change made by another node is seen at once; what the cache saves is
// decoding the same JSON document on every request. The zero value is ready
// to use and safe for concurrent use.
type decodedCache struct {
	mu      sync.RWMutex
	pools   map[string]decodedEntry[Settings]
	clients map[string]decodedEntry[ClientSettings]
}

type decodedEntry[T any] struct {
	config   []byte
	settings *T
}

func (c *decodedCache) pool(p storage.Pool) (*Settings, error) {
	c.mu.RLock()
	e, ok := c.pools[p.ID]
	c.mu.RUnlock()
	if ok && bytes.Equal(e.config, p.Config) {
		return e.settings, nil
	}
	st, err := DecodeSettings(p)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.pools == nil || len(c.pools) >= decodedCacheSize {
		c.pools = make(map[string]decodedEntry[Settings])
	}
	c.pools[p.ID] = decodedEntry[Settings]{config: bytes.Clone(p.Config), settings: st}
	c.mu.Unlock()
	return st, nil
}

func (c *decodedCache) client(cl storage.Client) (*ClientSettings, error) {
	c.mu.RLock()
	e, ok := c.clients[cl.ID]
	c.mu.RUnlock()
	if ok && bytes.Equal(e.config, cl.Config) {
		return e.settings, nil
	}
	cs, err := DecodeClientSettings(cl)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.clients == nil || len(c.clients) >= decodedCacheSize {
		c.clients = make(map[string]decodedEntry[ClientSettings])
	}
	c.clients[cl.ID] = decodedEntry[ClientSettings]{config: bytes.Clone(cl.Config), settings: cs}
	c.mu.Unlock()
	return cs, nil
}
