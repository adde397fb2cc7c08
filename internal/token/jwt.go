package token

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// SignAccess returns a signed access token with claims c for pool c.PoolID.
// Zero values get defaults: IssuedAt now, ExpiresAt IssuedAt+DefaultLifetime,
// AuthTime IssuedAt, JTI a new UUID, Version AccessTokenVersion, Scope
// DefaultScope. Times are truncated to whole seconds.
func (i *Issuer) SignAccess(ctx context.Context, c AccessClaims) (string, error) {
	if c.PoolID == "" || c.Sub == "" || c.ClientID == "" || (c.Username == "" && c.Sub != c.ClientID) {
		return "", errors.New("token: SignAccess needs PoolID, Sub, ClientID and Username (or Sub = ClientID for a client_credentials token)")
	}
	iat, exp, auth := i.times(c.IssuedAt, c.ExpiresAt, c.AuthTime)
	w := accessWire{
		Sub:       c.Sub,
		Groups:    c.Groups,
		Iss:       i.issuer(c.PoolID),
		Version:   c.Version,
		ClientID:  c.ClientID,
		OriginJTI: c.OriginJTI,
		EventID:   c.EventID,
		TokenUse:  UseAccess,
		Scope:     c.Scope,
		AuthTime:  auth,
		Exp:       exp,
		Iat:       iat,
		JTI:       c.JTI,
		Username:  c.Username,
		DeviceKey: c.DeviceKey,
	}
	if w.Version == 0 {
		w.Version = AccessTokenVersion
	}
	if w.Scope == "" {
		w.Scope = DefaultScope
	}
	if w.JTI == "" {
		w.JTI = NewJTI()
	}
	payload, err := marshalNoEscape(w)
	if err != nil {
		return "", err
	}
	if c.Edit != nil {
		if payload, err = applyEdit(payload, c.Edit); err != nil {
			return "", err
		}
	}
	return i.sign(ctx, c.PoolID, UseAccess, payload)
}

// SignID returns a signed ID token with claims c for pool c.PoolID, with the
// same defaults as SignAccess for IssuedAt, ExpiresAt, AuthTime and JTI.
func (i *Issuer) SignID(ctx context.Context, c IDClaims) (string, error) {
	if c.PoolID == "" || c.Sub == "" || c.Audience == "" || c.Username == "" {
		return "", errors.New("token: SignID needs PoolID, Sub, Audience and Username")
	}
	iat, exp, auth := i.times(c.IssuedAt, c.ExpiresAt, c.AuthTime)
	c.IssuedAt, c.ExpiresAt, c.AuthTime = time.Unix(iat, 0), time.Unix(exp, 0), time.Unix(auth, 0)
	if c.JTI == "" {
		c.JTI = NewJTI()
	}
	payload, err := marshalID(c, i.issuer(c.PoolID))
	if err != nil {
		return "", err
	}
	if c.Edit != nil {
		if payload, err = applyEdit(payload, c.Edit); err != nil {
			return "", err
		}
	}
	return i.sign(ctx, c.PoolID, UseID, payload)
}

// AtHash is the at_hash claim of an ID token issued with accessToken (OIDC
// Core §3.1.3.6, RS256): unpadded base64url of the left half of the SHA-256
// of the token's ASCII octets. Relying parties such as openid-client check
// it whenever it is present (spec cognito-oauth2-hosted-ui.md §7).
func AtHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return b64url.EncodeToString(sum[:len(sum)/2])
}

func (i *Issuer) times(iat, exp, auth time.Time) (int64, int64, int64) {
	if iat.IsZero() {
		iat = i.now()
	}
	if exp.IsZero() {
		exp = iat.Add(DefaultLifetime)
	}
	if auth.IsZero() {
		auth = iat
	}
	return iat.Unix(), exp.Unix(), auth.Unix()
}

// jwsHeader is the protected header, members in Cognito's order.
type jwsHeader struct {
	Kid string `json:"kid"`
	Alg string `json:"alg"`
}

var b64url = base64.RawURLEncoding

// sign builds the compact JWS by hand so that the header bytes are exactly
// Cognito's {"kid":...,"alg":"RS256"} (go-jose would sort the members).
func (i *Issuer) sign(ctx context.Context, poolID, use string, payload []byte) (string, error) {
	k, err := i.signingKey(ctx, poolID, use)
	if err != nil {
		return "", err
	}
	header, err := json.Marshal(jwsHeader{Kid: k.kid, Alg: "RS256"})
	if err != nil {
		return "", err
	}
	n := b64url.EncodedLen(len(header)) + 1 + b64url.EncodedLen(len(payload))
	out := make([]byte, 0, n+1+b64url.EncodedLen(k.priv.Size()))
	out = b64url.AppendEncode(out, header)
	out = append(out, '.')
	out = b64url.AppendEncode(out, payload)
	digest := sha256.Sum256(out)
	sig, err := rsa.SignPKCS1v15(nil, k.priv, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("token: signing: %w", err)
	}
	out = append(out, '.')
	out = b64url.AppendEncode(out, sig)
	return string(out), nil
}

// VerifyAccess checks an access token and returns its claims. It derives the
// pool from iss (which must be exactly the iss this Issuer gives that pool),
// accepts only RS256 signatures by a key the pool published (retired keys
// included), and requires token_use "access" and an exp after Now.
//
// Errors: ErrInvalid (→ NotAuthorizedException "Invalid Access Token"),
// ErrWrongUse (an ID token; also "Invalid Access Token"), ErrExpired
// (→ "Access Token has expired"), ErrRevoked (→ "Access Token has been
// revoked"). Any other error is a storage failure.
func (i *Issuer) VerifyAccess(ctx context.Context, token string) (AccessClaims, error) {
	v, err := i.verify(ctx, token, UseAccess)
	if err != nil {
		return AccessClaims{}, err
	}
	if v.access == nil {
		return AccessClaims{}, fmt.Errorf("%w: claims", ErrInvalid)
	}
	c := *v.access
	c.Groups = slices.Clone(c.Groups)
	return c, nil
}

// decodeAccess decodes the claims of a verified access token's payload.
func decodeAccess(payload []byte, poolID string) (*AccessClaims, error) {
	var w accessWire
	if err := json.Unmarshal(payload, &w); err != nil {
		return nil, err
	}
	return &AccessClaims{
		PoolID:    poolID,
		Sub:       w.Sub,
		Groups:    w.Groups,
		Version:   w.Version,
		ClientID:  w.ClientID,
		OriginJTI: w.OriginJTI,
		EventID:   w.EventID,
		Scope:     w.Scope,
		AuthTime:  time.Unix(w.AuthTime, 0).UTC(),
		ExpiresAt: time.Unix(w.Exp, 0).UTC(),
		IssuedAt:  time.Unix(w.Iat, 0).UTC(),
		JTI:       w.JTI,
		Username:  w.Username,
		DeviceKey: w.DeviceKey,
	}, nil
}

// VerifyID checks an ID token like VerifyAccess checks an access token, but
// requires token_use "id". It does not check aud; callers that expect a
// particular client compare Audience themselves.
func (i *Issuer) VerifyID(ctx context.Context, token string) (IDClaims, error) {
	v, err := i.verify(ctx, token, UseID)
	if err != nil {
		return IDClaims{}, err
	}
	c, err := unmarshalID(v.payload)
	if err != nil {
		return IDClaims{}, fmt.Errorf("%w: claims", ErrInvalid)
	}
	c.PoolID = v.poolID
	return c, nil
}

// common are the claims every check needs.
type common struct {
	Iss       string `json:"iss"`
	TokenUse  string `json:"token_use"`
	Exp       *int64 `json:"exp"`
	OriginJTI string `json:"origin_jti"`
}

// verify checks the token's signature, pool, use and expiry and returns
// what the signature check established (the payload, the pool and, for
// access tokens, the decoded claims).
func (i *Issuer) verify(ctx context.Context, token, want string) (verified, error) {
	if len(token) > maxTokenLen {
		return verified{}, fmt.Errorf("%w: too long", ErrInvalid)
	}
	v, ok := i.cache.get(token)
	if !ok {
		var err error
		if v, err = i.verifySignature(ctx, token); err != nil {
			return verified{}, err
		}
		i.cache.put(token, v)
	}
	if v.use != want {
		return verified{}, ErrWrongUse
	}
	if !i.now().Before(time.Unix(v.exp, 0)) {
		return verified{}, ErrExpired
	}
	if i.Revocations != nil && v.originJTI != "" {
		revoked, err := i.Revocations.TokensRevoked(ctx, v.poolID, v.originJTI)
		if err != nil {
			return verified{}, fmt.Errorf("token: revocation check: %w", err)
		}
		if revoked {
			return verified{}, ErrRevoked
		}
	}
	return v, nil
}

// verifySignature parses a compact JWS and checks everything about it that
// cannot change over time: format, header, issuer, key, signature, and that
// its token_use matches the key that signed it.
func (i *Issuer) verifySignature(ctx context.Context, token string) (verified, error) {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(jws.Signatures) != 1 {
		return verified{}, fmt.Errorf("%w: not an RS256 JWS", ErrInvalid)
	}
	sig := jws.Signatures[0]
	kid := sig.Protected.KeyID
	// Our tokens carry exactly kid and alg; anything else (typ, crit, an
	// embedded jwk, a nonce) is not ours.
	h := sig.Protected
	if kid == "" || h.Algorithm != string(jose.RS256) || len(h.ExtraHeaders) > 0 || h.JSONWebKey != nil || h.Nonce != "" {
		return verified{}, fmt.Errorf("%w: header", ErrInvalid)
	}
	// Only the pool is read before the signature is checked; it selects the
	// key set, and a forged iss can only select a key set that then fails.
	var unverified common
	if json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &unverified) != nil {
		return verified{}, fmt.Errorf("%w: claims", ErrInvalid)
	}
	poolID, ok := i.poolFromIssuer(unverified.Iss)
	if !ok {
		return verified{}, fmt.Errorf("%w: issuer", ErrInvalid)
	}
	k, err := i.verifyingKey(ctx, poolID, kid)
	if err != nil {
		return verified{}, err
	}
	payload, err := jws.Verify(&k.priv.PublicKey)
	if err != nil {
		return verified{}, fmt.Errorf("%w: signature", ErrInvalid)
	}
	var c common
	if json.Unmarshal(payload, &c) != nil || c.Exp == nil || c.Iss != unverified.Iss {
		return verified{}, fmt.Errorf("%w: claims", ErrInvalid)
	}
	if c.TokenUse != k.use {
		// We never sign a token whose token_use differs from its key's use.
		return verified{}, fmt.Errorf("%w: token_use does not match key", ErrInvalid)
	}
	v := verified{payload: payload, poolID: poolID, use: c.TokenUse, exp: *c.Exp, originJTI: c.OriginJTI}
	if c.TokenUse == UseAccess {
		// Decoded once, with the signature: every later use of the token
		// reads the cached claims.
		if v.access, err = decodeAccess(payload, poolID); err != nil {
			return verified{}, fmt.Errorf("%w: claims", ErrInvalid)
		}
	}
	return v, nil
}
