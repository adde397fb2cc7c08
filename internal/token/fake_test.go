package token

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// memKeys is an in-memory storage.KeyStore and storage.RevocationStore.
type memKeys struct {
	mu      sync.Mutex
	keys    map[string][]storage.SigningKey
	revoked map[string]time.Time
	lists   atomic.Int64 // ListSigningKeys calls
}

func newMemKeys() *memKeys {
	return &memKeys{keys: map[string][]storage.SigningKey{}, revoked: map[string]time.Time{}}
}

func cloneKey(k storage.SigningKey) storage.SigningKey {
	k.PrivateKey = bytes.Clone(k.PrivateKey)
	return k
}

func (m *memKeys) AddSigningKey(_ context.Context, k storage.SigningKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.keys[k.PoolID] {
		if e.KID == k.KID {
			return storage.ErrExists
		}
	}
	m.keys[k.PoolID] = append(m.keys[k.PoolID], cloneKey(k))
	return nil
}

func (m *memKeys) ListSigningKeys(_ context.Context, poolID string) ([]storage.SigningKey, error) {
	m.lists.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []storage.SigningKey
	for _, k := range m.keys[poolID] {
		out = append(out, cloneKey(k))
	}
	return out, nil
}

func (m *memKeys) UpdateSigningKey(_ context.Context, poolID, kid string, fn func(*storage.SigningKey) error) (storage.SigningKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, k := range m.keys[poolID] {
		if k.KID != kid {
			continue
		}
		c := cloneKey(k)
		if err := fn(&c); err != nil {
			return storage.SigningKey{}, err
		}
		m.keys[poolID][i] = cloneKey(c)
		return c, nil
	}
	return storage.SigningKey{}, fmt.Errorf("key %s: %w", kid, storage.ErrNotFound)
}

func (m *memKeys) RevokeTokens(_ context.Context, poolID, originJTI string, expiresAt time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.revoked[poolID+"/"+originJTI] = expiresAt
	return nil
}

func (m *memKeys) TokensRevoked(_ context.Context, poolID, originJTI string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.revoked[poolID+"/"+originJTI]
	return ok, nil
}
