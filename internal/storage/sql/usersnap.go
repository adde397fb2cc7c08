package sql

import (
	"bytes"
	"hash/maphash"
	"slices"
	"sync"

	"github.com/userpoold/userpoold/internal/storage"
)

// userSnaps remembers, for the users read or written most recently through
// GetUser, GetUserBySub and UpdateUser, the row as stored (its data
// document, sealed and plaintext secrets) and the user it decodes to. It
// never answers a read: every read still reads the row. It saves work in two
// places:
//
//   - a read that finds exactly the bytes of the snapshot returns a copy of
//     the decoded user instead of unsealing and decoding them again;
//   - UpdateUser starts its compare-and-swap from the snapshot instead of
//     reading the row first (the token check of the same request has just
//     read it). A stale snapshot cannot be written over a newer row: the
//     UPDATE applies only if the row still holds the snapshot's bytes, and
//     otherwise the update is redone from a fresh read. An fn that fails or
//     changes nothing against a snapshot is run again on a fresh read, so
//     neither its error nor a skipped write can come from stale data.
//
// It is bounded (snapShards × snapPerShard users); an entry is replaced at
// random when its shard is full. Entries hold plaintext secrets, as the
// users handed to callers do, for no longer than the process keeps them.
type userSnaps struct {
	seed   maphash.Seed
	shards [snapShards]snapShard
}

const (
	snapShards   = 16
	snapPerShard = 64
)

type snapShard struct {
	mu sync.Mutex
	m  map[userKey]*userSnap
}

type userKey struct{ pool, key string }

// userSnap is immutable once stored; user is never handed out, only copies
// of it.
type userSnap struct {
	stored storedUser
	user   storage.User
}

func (c *userSnaps) shard(k userKey) *snapShard {
	return &c.shards[maphash.Comparable(c.seed, k)%snapShards]
}

func (c *userSnaps) get(pool, key string) *userSnap {
	k := userKey{pool, key}
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k]
}

func (c *userSnaps) put(pool, key string, v *userSnap) {
	k := userKey{pool, key}
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[userKey]*userSnap, snapPerShard)
	}
	if _, ok := s.m[k]; !ok && len(s.m) >= snapPerShard {
		for old := range s.m { // map order is random enough
			delete(s.m, old)
			break
		}
	}
	s.m[k] = v
}

// matches reports whether the row read is the snapshot's.
func (v *userSnap) matches(username string, s storedUser) bool {
	return v != nil && v.user.Username == username && v.stored.data == s.data && bytes.Equal(v.stored.sealed, s.sealed)
}

func (c *userSnaps) drop(pool, key string) {
	k := userKey{pool, key}
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, k)
}

// cloneUser returns a deep copy of u, which must already be in the form a
// read returns (canonical): what a snapshot hands out. It does by hand what
// canonical does by reflection, several times faster on the hot path;
// TestCloneUserIsDeep fails if a field with shared memory is added to
// storage.User and not copied here.
func cloneUser(u storage.User) storage.User {
	c := u
	c.Attributes = slices.Clone(u.Attributes)
	c.PendingAttributes = slices.Clone(u.PendingAttributes)
	c.MFA.Enabled = slices.Clone(u.MFA.Enabled)
	if u.Passkeys != nil {
		c.Passkeys = make([]storage.Passkey, len(u.Passkeys))
		for i, p := range u.Passkeys {
			p.ID = bytes.Clone(p.ID)
			p.PublicKey = bytes.Clone(p.PublicKey)
			p.AAGUID = bytes.Clone(p.AAGUID)
			p.Transports = slices.Clone(p.Transports)
			c.Passkeys[i] = p
		}
	}
	s := &c.Secrets
	s.SRPSalt = bytes.Clone(u.Secrets.SRPSalt)
	s.SRPVerifier = bytes.Clone(u.Secrets.SRPVerifier)
	s.TOTPSecret = bytes.Clone(u.Secrets.TOTPSecret)
	s.TOTPPending = bytes.Clone(u.Secrets.TOTPPending)
	s.Codes = slices.Clone(u.Secrets.Codes)
	s.PasskeyChallenge = bytes.Clone(u.Secrets.PasskeyChallenge)
	return c
}
