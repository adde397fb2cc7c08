package token

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// keysFromJWKS decodes a JWKS document with the standard library only, the
// way a client that fetched /.well-known/jwks.json would.
func keysFromJWKS(t *testing.T, raw []byte) map[string]*rsa.PublicKey {
	t.Helper()
	var doc struct {
		Keys []struct {
			Alg, E, Kid, Kty, N, Use string
		} `json:"keys"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]*rsa.PublicKey{}
	for _, k := range doc.Keys {
		if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" {
			t.Fatalf("unexpected JWK %+v", k)
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil {
			t.Fatalf("JWK %s: bad base64url", k.Kid)
		}
		out[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return out
}

// TestGolangJWTVerifies checks our tokens with an independent JWT
// implementation (github.com/golang-jwt/jwt/v5) configured the way Cognito
// verifiers are: RS256 only, key by kid from the JWKS, iss checked, exp
// required, token_use checked by hand.
func TestGolangJWTVerifies(t *testing.T) {
	f := newFixture(t, poolA)
	ctx := context.Background()
	raw, err := f.iss.JWKS(ctx, poolA)
	if err != nil {
		t.Fatal(err)
	}
	keys := keysFromJWKS(t, raw)
	iss := "http://127.0.0.1:9229/" + poolA

	parse := func(tok string, at time.Time) (jwt.MapClaims, error) {
		claims := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(tok, claims, func(tk *jwt.Token) (any, error) {
			kid, _ := tk.Header["kid"].(string)
			if k := keys[kid]; k != nil {
				return k, nil
			}
			return nil, fmt.Errorf("unknown kid %q", kid)
		},
			jwt.WithValidMethods([]string{"RS256"}),
			jwt.WithIssuer(iss),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithTimeFunc(func() time.Time { return at }),
		)
		return claims, err
	}

	at, _ := f.iss.SignAccess(ctx, accessClaims(poolA))
	it, _ := f.iss.SignID(ctx, idClaims(poolA))

	claims, err := parse(at, t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("golang-jwt rejects our access token: %v", err)
	}
	if claims["token_use"] != "access" || claims["client_id"] != accessClaims(poolA).ClientID || claims["username"] != "alice" {
		t.Errorf("access claims = %v", claims)
	}
	if _, hasAud := claims["aud"]; hasAud {
		t.Error("access token has aud")
	}

	claims, err = parse(it, t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("golang-jwt rejects our ID token: %v", err)
	}
	if aud, _ := claims.GetAudience(); len(aud) != 1 || aud[0] != idClaims(poolA).Audience {
		t.Errorf("ID aud = %v", aud)
	}
	if claims["email_verified"] != true || claims["cognito:username"] != "alice" || claims["token_use"] != "id" {
		t.Errorf("ID claims = %v", claims)
	}

	if _, err := parse(at, t0.Add(2*time.Hour)); !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("golang-jwt on an expired token: %v", err)
	}

	// After rotation the refetched JWKS verifies old and new tokens alike.
	if err := f.iss.RotateKeys(ctx, poolA); err != nil {
		t.Fatal(err)
	}
	raw, _ = f.iss.JWKS(ctx, poolA)
	keys = keysFromJWKS(t, raw)
	at2, _ := f.iss.SignAccess(ctx, accessClaims(poolA))
	for name, tok := range map[string]string{"old": at, "new": at2} {
		if _, err := parse(tok, t0.Add(time.Minute)); err != nil {
			t.Errorf("golang-jwt rejects the %s token after rotation: %v", name, err)
		}
	}
}
