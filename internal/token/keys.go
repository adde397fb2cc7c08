package token

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// key is a parsed signing key.
type key struct {
	kid     string
	use     string
	priv    *rsa.PrivateKey
	created time.Time
	retired bool
}

// poolKeys is one pool's cached key set.
type poolKeys struct {
	loaded  time.Time
	keys    []*key // oldest first, as listed by the store
	byKID   map[string]*key
	signing map[string]*key // use → newest active key
	jwks    []byte
}

// minForcedReload limits reloads triggered by unknown kids, so that a
// stream of forged tokens cannot turn every request into a database read.
const minForcedReload = time.Second

// KeyID returns the kid of an RSA public key: the standard base64 (with
// padding, 44 characters) of the SHA-256 of its DER SubjectPublicKeyInfo,
// the same shape as Cognito's kids.
func KeyID(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// CreateKeys gives a pool that has none its signing keys, one for ID tokens
// and one for access tokens (pools get theirs when they are created, with
// NewKeys). It is idempotent: a use that already has an active key gets no
// new one.
func (i *Issuer) CreateKeys(ctx context.Context, poolID string) error {
	existing, err := i.Keys.ListSigningKeys(ctx, poolID)
	if err != nil {
		return fmt.Errorf("token: listing keys: %w", err)
	}
	have := map[string]bool{}
	for _, k := range existing {
		if k.RetiredAt.IsZero() {
			have[k.Use] = true
		}
	}
	for _, use := range []string{UseID, UseAccess} {
		if have[use] {
			continue
		}
		if err := i.addKey(ctx, poolID, use); err != nil {
			return err
		}
	}
	i.invalidate(poolID)
	return nil
}

// RotateKeys gives a pool a new ID key and a new access key, which sign
// every token from now on. The previous keys are marked retired but stay
// published in the JWKS, so the tokens they signed keep verifying until
// they expire. The new keys are stored before the old ones are retired, so
// a concurrent signer always finds an active key.
func (i *Issuer) RotateKeys(ctx context.Context, poolID string) error {
	old, err := i.Keys.ListSigningKeys(ctx, poolID)
	if err != nil {
		return fmt.Errorf("token: listing keys: %w", err)
	}
	for _, use := range []string{UseID, UseAccess} {
		if err := i.addKey(ctx, poolID, use); err != nil {
			return err
		}
	}
	now := i.now().UTC()
	for _, k := range old {
		if !k.RetiredAt.IsZero() {
			continue
		}
		_, err := i.Keys.UpdateSigningKey(ctx, poolID, k.KID, func(sk *storage.SigningKey) error {
			if sk.RetiredAt.IsZero() {
				sk.RetiredAt = now
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("token: retiring key: %w", err)
		}
	}
	i.invalidate(poolID)
	return nil
}

func (i *Issuer) addKey(ctx context.Context, poolID, use string) error {
	k, err := i.newKey(poolID, use)
	if err != nil {
		return err
	}
	if err := i.Keys.AddSigningKey(ctx, k); err != nil {
		return fmt.Errorf("token: storing key: %w", err)
	}
	return nil
}

// NewKeys returns the first signing keys of a pool about to be created,
// one for ID tokens and one for access tokens, without storing them: the
// caller stores them with the pool (storage.PoolStore.CreatePool), so that
// a pool never exists without its keys.
func (i *Issuer) NewKeys(poolID string) ([]storage.SigningKey, error) {
	var keys []storage.SigningKey
	for _, use := range []string{UseID, UseAccess} {
		k, err := i.newKey(poolID, use)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// newKey generates an RSA signing key for use in pool poolID.
func (i *Issuer) newKey(poolID, use string) (storage.SigningKey, error) {
	bits := i.KeyBits
	if bits == 0 {
		bits = DefaultKeyBits
	}
	priv, err := rsa.GenerateKey(i.rand(), bits)
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("token: generating key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("token: encoding key: %w", err)
	}
	kid, err := KeyID(&priv.PublicKey)
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("token: key id: %w", err)
	}
	return storage.SigningKey{PoolID: poolID, KID: kid, Use: use, PrivateKey: der, CreatedAt: i.now().UTC()}, nil
}

// JWKS returns the pool's JSON Web Key Set, the document Cognito serves at
// /<poolID>/.well-known/jwks.json: {"keys":[{"alg","e","kid","kty","n","use"}...]}
// with every key the pool has, active and retired, oldest first.
func (i *Issuer) JWKS(ctx context.Context, poolID string) ([]byte, error) {
	pk, err := i.poolKeysWithin(ctx, poolID, jwksMaxAge)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(pk.jwks), nil
}

// jwksMaxAge bounds the age of the key set JWKS publishes. It is short,
// unlike CacheTTL: a node that rotated a pool's keys signs with the new
// ones at once, and a relying party may fetch the JWKS from any other node
// (behind a load balancer), which must publish them by then. It costs at
// most one read of the pool's keys per second.
const jwksMaxAge = time.Second

// jwk is one JWKS entry, with its members in the order Cognito sends them.
type jwk struct {
	Alg string `json:"alg"`
	E   string `json:"e"`
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	N   string `json:"n"`
	Use string `json:"use"`
}

func buildJWKS(keys []*key) ([]byte, error) {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: make([]jwk, 0, len(keys))}
	for _, k := range keys {
		pub := &k.priv.PublicKey
		set.Keys = append(set.Keys, jwk{
			Alg: "RS256",
			E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			Kid: k.kid,
			Kty: "RSA",
			N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			Use: "sig",
		})
	}
	return json.Marshal(set)
}

// poolKeys returns the pool's cached keys, loading them when absent or
// older than CacheTTL.
func (i *Issuer) poolKeys(ctx context.Context, poolID string) (*poolKeys, error) {
	ttl := i.CacheTTL
	if ttl == 0 {
		ttl = 5 * time.Minute
	}
	return i.poolKeysWithin(ctx, poolID, ttl)
}

// poolKeysWithin returns the pool's cached keys, loading them when absent
// or older than ttl.
func (i *Issuer) poolKeysWithin(ctx context.Context, poolID string, ttl time.Duration) (*poolKeys, error) {
	i.mu.Lock()
	pk := i.pools[poolID]
	i.mu.Unlock()
	if pk != nil && i.now().Sub(pk.loaded) < ttl {
		return pk, nil
	}
	return i.load(ctx, poolID)
}

// reloadForUnknown reloads the pool's keys because a token named a kid the
// cache lacks. It returns nil when a reload happened too recently.
func (i *Issuer) reloadForUnknown(ctx context.Context, poolID string) (*poolKeys, error) {
	now := i.now()
	i.mu.Lock()
	last, ok := i.forced[poolID]
	if ok && now.Sub(last) < minForcedReload && now.Sub(last) >= 0 {
		i.mu.Unlock()
		return nil, nil
	}
	if i.forced == nil {
		i.forced = map[string]time.Time{}
	}
	i.forced[poolID] = now
	i.mu.Unlock()
	return i.load(ctx, poolID)
}

func (i *Issuer) load(ctx context.Context, poolID string) (*poolKeys, error) {
	stored, err := i.Keys.ListSigningKeys(ctx, poolID)
	if err != nil {
		return nil, fmt.Errorf("token: listing keys: %w", err)
	}
	// Reuse already parsed keys: parsing PKCS#8 RSA keys is not free.
	i.mu.Lock()
	prev := i.pools[poolID]
	i.mu.Unlock()

	pk := &poolKeys{
		loaded:  i.now(),
		byKID:   make(map[string]*key, len(stored)),
		signing: map[string]*key{},
	}
	for _, sk := range stored {
		if sk.Use != UseID && sk.Use != UseAccess {
			continue
		}
		var k *key
		if prev != nil {
			if p := prev.byKID[sk.KID]; p != nil && p.use == sk.Use {
				c := *p
				k = &c
			}
		}
		if k == nil {
			parsed, err := x509.ParsePKCS8PrivateKey(sk.PrivateKey)
			if err != nil {
				return nil, fmt.Errorf("token: pool key is not PKCS#8: %w", err)
			}
			priv, ok := parsed.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("token: pool key is %T, not RSA", parsed)
			}
			k = &key{kid: sk.KID, use: sk.Use, priv: priv}
		}
		k.created = sk.CreatedAt
		k.retired = !sk.RetiredAt.IsZero()
		pk.keys = append(pk.keys, k)
		pk.byKID[k.kid] = k
		if !k.retired {
			if cur := pk.signing[k.use]; cur == nil || !k.created.Before(cur.created) {
				pk.signing[k.use] = k
			}
		}
	}
	pk.jwks, err = buildJWKS(pk.keys)
	if err != nil {
		return nil, fmt.Errorf("token: encoding JWKS: %w", err)
	}
	// A pool without keys is not cached: forged tokens naming made-up pools
	// must not grow the cache.
	if len(pk.keys) > 0 {
		i.mu.Lock()
		if i.pools == nil {
			i.pools = map[string]*poolKeys{}
		}
		i.pools[poolID] = pk
		i.mu.Unlock()
	}
	return pk, nil
}

func (i *Issuer) invalidate(poolID string) {
	i.mu.Lock()
	if pk := i.pools[poolID]; pk != nil {
		// Keep the parsed keys for reuse, but force a reload.
		stale := *pk
		stale.loaded = time.Time{}
		i.pools[poolID] = &stale
	}
	i.mu.Unlock()
}

// signingKey returns the key that signs the pool's tokens of use.
func (i *Issuer) signingKey(ctx context.Context, poolID, use string) (*key, error) {
	pk, err := i.poolKeys(ctx, poolID)
	if err != nil {
		return nil, err
	}
	k := pk.signing[use]
	if k == nil {
		return nil, fmt.Errorf("%w (pool %s, use %s)", ErrNoSigningKey, poolID, use)
	}
	return k, nil
}

// verifyingKey finds the key kid among the pool's keys, reloading them once
// if kid is unknown.
func (i *Issuer) verifyingKey(ctx context.Context, poolID, kid string) (*key, error) {
	pk, err := i.poolKeys(ctx, poolID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("%w: unknown pool", ErrInvalid)
	}
	if err != nil {
		return nil, err
	}
	if len(pk.keys) == 0 {
		return nil, fmt.Errorf("%w: unknown pool", ErrInvalid)
	}
	if k := pk.byKID[kid]; k != nil {
		return k, nil
	}
	pk, err = i.reloadForUnknown(ctx, poolID)
	if err != nil {
		return nil, err
	}
	if pk != nil {
		if k := pk.byKID[kid]; k != nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: unknown key id", ErrInvalid)
}
