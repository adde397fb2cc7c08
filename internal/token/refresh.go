package token

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// RefreshClaims are what a refresh token carries. Clients cannot read them:
// the token is encrypted under a key only the server holds.
type RefreshClaims struct {
	PoolID    string
	ClientID  string
	Username  string // internal username
	Sub       string
	OriginJTI string // the sign-in this token family descends from
	DeviceKey string // "" when the sign-in used no tracked device
	// Scope is the granted scopes of a token from the OAuth endpoints
	// (space-separated), which refreshing keeps; "" for a token of an API
	// sign-in (whose access tokens carry DefaultScope).
	Scope     string
	AuthTime  time.Time
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// refreshWire is the encrypted JSON, with short member names to keep the
// token compact.
type refreshWire struct {
	V   int    `json:"v"`
	Cli string `json:"cli"`
	Usr string `json:"usr"`
	Sub string `json:"sub"`
	OJ  string `json:"oj"`
	Dev string `json:"dev,omitempty"`
	Sc  string `json:"sc,omitempty"`
	At  int64  `json:"at"`
	Iat int64  `json:"iat"`
	Exp int64  `json:"exp"`
}

// refreshVersion is bumped if the format or key derivation changes.
const refreshVersion = 1

// SealRefresh returns an opaque refresh token for c: a compact JWE with
// "alg":"dir","enc":"A256GCM" and "kid" naming the pool, encrypted under the
// pool's key (see Issuer.RefreshSecret). It matches Cognito's pattern
// [A-Za-z0-9-_=.]+ and, like Cognito's, starts with "eyJ". Zero IssuedAt
// means now; ExpiresAt must be set. Times are truncated to whole seconds.
func (i *Issuer) SealRefresh(c RefreshClaims) (string, error) {
	if c.PoolID == "" || !poolIDPattern.MatchString(c.PoolID) || c.ClientID == "" || c.Username == "" {
		return "", errors.New("token: SealRefresh needs a valid PoolID, ClientID and Username")
	}
	if c.ExpiresAt.IsZero() {
		return "", errors.New("token: SealRefresh needs ExpiresAt")
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = i.now()
	}
	if c.AuthTime.IsZero() {
		c.AuthTime = c.IssuedAt
	}
	key, err := i.refreshKey(c.PoolID)
	if err != nil {
		return "", err
	}
	plaintext, err := json.Marshal(refreshWire{
		V:   refreshVersion,
		Cli: c.ClientID,
		Usr: c.Username,
		Sub: c.Sub,
		OJ:  c.OriginJTI,
		Dev: c.DeviceKey,
		Sc:  c.Scope,
		At:  c.AuthTime.Unix(),
		Iat: c.IssuedAt.Unix(),
		Exp: c.ExpiresAt.Unix(),
	})
	if err != nil {
		return "", err
	}
	enc, err := jose.NewEncrypter(jose.A256GCM,
		jose.Recipient{Algorithm: jose.DIRECT, Key: key, KeyID: c.PoolID}, nil)
	if err != nil {
		return "", fmt.Errorf("token: refresh encrypter: %w", err)
	}
	obj, err := enc.Encrypt(plaintext)
	if err != nil {
		return "", fmt.Errorf("token: sealing refresh token: %w", err)
	}
	return obj.CompactSerialize()
}

// OpenRefresh decrypts a refresh token made by SealRefresh. It returns
// ErrInvalid (→ NotAuthorizedException "Invalid Refresh Token") for
// anything tampered with, truncated, made for another key or not a refresh
// token at all, and ErrExpired (→ "Refresh Token has expired") once
// ExpiresAt has passed. Revocation (storage.RevocationStore, keyed by
// OriginJTI) is the caller's check.
func (i *Issuer) OpenRefresh(token string) (RefreshClaims, error) {
	if len(token) > maxTokenLen {
		return RefreshClaims{}, fmt.Errorf("%w: too long", ErrInvalid)
	}
	obj, err := jose.ParseEncryptedCompact(token,
		[]jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return RefreshClaims{}, fmt.Errorf("%w: not a refresh token", ErrInvalid)
	}
	poolID := obj.Header.KeyID
	if !poolIDPattern.MatchString(poolID) {
		return RefreshClaims{}, fmt.Errorf("%w: not a refresh token", ErrInvalid)
	}
	key, err := i.refreshKey(poolID)
	if err != nil {
		return RefreshClaims{}, err
	}
	// The protected header (and so the kid) is authenticated as GCM
	// associated data: a token moved to another pool's kid fails here.
	plaintext, err := obj.Decrypt(key)
	if err != nil {
		return RefreshClaims{}, fmt.Errorf("%w: decryption failed", ErrInvalid)
	}
	var w refreshWire
	if json.Unmarshal(plaintext, &w) != nil || w.V != refreshVersion {
		return RefreshClaims{}, fmt.Errorf("%w: contents", ErrInvalid)
	}
	c := RefreshClaims{
		PoolID:    poolID,
		ClientID:  w.Cli,
		Username:  w.Usr,
		Sub:       w.Sub,
		OriginJTI: w.OJ,
		DeviceKey: w.Dev,
		Scope:     w.Sc,
		AuthTime:  time.Unix(w.At, 0).UTC(),
		IssuedAt:  time.Unix(w.Iat, 0).UTC(),
		ExpiresAt: time.Unix(w.Exp, 0).UTC(),
	}
	if !i.now().Before(c.ExpiresAt) {
		return RefreshClaims{}, ErrExpired
	}
	return c, nil
}

// refreshKey derives the pool's refresh-token key from RefreshSecret.
func (i *Issuer) refreshKey(poolID string) ([]byte, error) {
	if len(i.RefreshSecret) != 32 {
		return nil, errors.New("token: RefreshSecret must be 32 bytes")
	}
	return hkdf.Key(sha256.New, i.RefreshSecret, nil, "userpoold/refresh/"+poolID, 32)
}
