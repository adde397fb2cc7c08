package token

import (
	"crypto/sha256"
	"sync"
)

// verified is what a successful signature check established about a token:
// facts that cannot change while the token lives. Expiry and revocation are
// still checked on every use.
type verified struct {
	payload   []byte
	poolID    string
	use       string
	exp       int64
	originJTI string
	access    *AccessClaims // an access token's claims, decoded once; never modified
}

// verifiedCacheSize bounds the cache; when it is full it starts over.
const verifiedCacheSize = 1 << 16

// verifiedCache remembers tokens whose signature verified, keyed by the
// SHA-256 of the token string, so that a token used many times costs one RSA
// verification. It holds no secrets a client did not already have. The zero
// value is ready to use and safe for concurrent use.
type verifiedCache struct {
	mu sync.RWMutex
	m  map[[sha256.Size]byte]verified
}

func (c *verifiedCache) get(token string) (verified, bool) {
	k := sha256.Sum256([]byte(token))
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

func (c *verifiedCache) put(token string, v verified) {
	k := sha256.Sum256([]byte(token))
	c.mu.Lock()
	if c.m == nil || len(c.m) >= verifiedCacheSize {
		c.m = make(map[[sha256.Size]byte]verified)
	}
	c.m[k] = v
	c.mu.Unlock()
}
