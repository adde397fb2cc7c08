package token

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fakeclock"
)

// jwtFixture is what FuzzVerify forges tokens with: two pools' keys and the
// values its placeholders stand for.
type jwtFixture struct {
	*fixture
	accessA, idA, accessB *key
	replacer              *strings.Replacer
}

const revokedJTI = "0b1c2d3e-0000-4000-8000-00000000dead"

func newJWTFixture(f testing.TB) *jwtFixture {
	fx := &jwtFixture{fixture: newFixture(f, poolA, poolB)}
	ctx := context.Background()
	var err error
	if fx.accessA, err = fx.iss.signingKey(ctx, poolA, UseAccess); err != nil {
		f.Fatal(err)
	}
	if fx.idA, err = fx.iss.signingKey(ctx, poolA, UseID); err != nil {
		f.Fatal(err)
	}
	if fx.accessB, err = fx.iss.signingKey(ctx, poolB, UseAccess); err != nil {
		f.Fatal(err)
	}
	fx.iss.Revocations = fx.store
	fx.store.RevokeTokens(ctx, poolA, revokedJTI, t0.Add(time.Hour))
	fx.replacer = strings.NewReplacer(
		"{{kid}}", fx.accessA.kid, "{{idkid}}", fx.idA.kid, "{{bkid}}", fx.accessB.kid,
		"{{iss}}", fx.iss.issuer(poolA), "{{biss}}", fx.iss.issuer(poolB),
		"{{exp}}", strconv.FormatInt(t0.Add(time.Hour).Unix(), 10), "{{past}}", strconv.FormatInt(t0.Add(-time.Hour).Unix(), 10),
		"{{revoked}}", revokedJTI,
	)
	return fx
}

// Signing modes of FuzzVerify (mode % 6).
const (
	sigRaw     = iota // the fuzzer's bytes, base64url-encoded
	sigAccessA        // RS256 by pool A's access key
	sigIDA            // RS256 by pool A's ID key
	sigAccessB        // RS256 by pool B's access key
	sigHS256          // HMAC-SHA256 keyed with pool A's access public key (the alg confusion attack)
	sigWhole          // sig is the whole token
	sigModes
)

// FuzzVerify forges tokens from an arbitrary header and payload (with
// placeholders for the fixture's kids, issuers and times: {{kid}}, {{idkid}},
// {{bkid}}, {{iss}}, {{biss}}, {{exp}}, {{past}}, {{revoked}}) signed in one
// of six ways, and checks them with VerifyAccess and VerifyID. Whatever the
// input, errors are the package's sentinels, and a token accepted is exactly
// what the pool issues: signed RS256 by the pool's key for that use, with a
// header of kid and alg only, the pool's iss, the right token_use, an exp
// after now and an origin_jti that was not revoked.
// Seeds: testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	fx := newJWTFixture(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, header, payload string, mode uint8, sig []byte) {
		header, payload = fx.replacer.Replace(header), fx.replacer.Replace(payload)
		mode %= sigModes
		token := fx.forge(t, header, payload, mode, sig)

		if _, err := fx.iss.VerifyAccess(ctx, token); err == nil {
			fx.checkAccepted(t, token, mode, sigAccessA, fx.accessA.kid, UseAccess)
		} else if !isSentinel(err) {
			t.Fatalf("VerifyAccess: %v", err)
		}
		if _, err := fx.iss.VerifyID(ctx, token); err == nil {
			fx.checkAccepted(t, token, mode, sigIDA, fx.idA.kid, UseID)
		} else if !isSentinel(err) {
			t.Fatalf("VerifyID: %v", err)
		}
	})
}

func (fx *jwtFixture) forge(t *testing.T, header, payload string, mode uint8, sig []byte) string {
	if mode == sigWhole {
		return string(sig)
	}
	signingInput := b64url.EncodeToString([]byte(header)) + "." + b64url.EncodeToString([]byte(payload))
	digest := sha256.Sum256([]byte(signingInput))
	rs256 := func(k *key) []byte {
		s, err := rsa.SignPKCS1v15(nil, k.priv, crypto.SHA256, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	switch mode {
	case sigAccessA:
		sig = rs256(fx.accessA)
	case sigIDA:
		sig = rs256(fx.idA)
	case sigAccessB:
		sig = rs256(fx.accessB)
	case sigHS256:
		der, err := x509.MarshalPKIXPublicKey(&fx.accessA.priv.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		m := hmac.New(sha256.New, der)
		m.Write([]byte(signingInput))
		sig = m.Sum(nil)
	}
	return signingInput + "." + b64url.EncodeToString(sig)
}

// checkAccepted fails t unless token is one pool A would issue for use.
func (fx *jwtFixture) checkAccepted(t *testing.T, token string, mode, wantMode uint8, kid, use string) {
	t.Helper()
	if mode != wantMode {
		t.Fatalf("%s token accepted with signing mode %d: %q", use, mode, token)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("accepted %d parts", len(parts))
	}
	var h map[string]any
	if b, err := b64url.DecodeString(parts[0]); err != nil || json.Unmarshal(b, &h) != nil {
		t.Fatalf("accepted header %q", parts[0])
	}
	if len(h) != 2 || h["kid"] != kid || h["alg"] != "RS256" {
		t.Fatalf("accepted header %v", h)
	}
	var c map[string]any
	if b, err := b64url.DecodeString(parts[1]); err != nil || json.Unmarshal(b, &c) != nil {
		t.Fatalf("accepted payload %q", parts[1])
	}
	exp, _ := c["exp"].(float64)
	if c["token_use"] != use || c["iss"] != fx.iss.issuer(poolA) || exp <= float64(t0.Unix()) || c["origin_jti"] == revokedJTI {
		t.Fatalf("accepted claims %v", c)
	}
}

func isSentinel(err error) bool {
	for _, s := range []error{ErrInvalid, ErrWrongUse, ErrExpired, ErrRevoked} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// FuzzOpenRefresh opens arbitrary refresh tokens. Errors are ErrInvalid or
// ErrExpired; a token opened is one this Issuer sealed: a valid pool ID, a
// client and a username, and an expiry after now.
// Seeds (sealed with the test RefreshSecret): testdata/fuzz/FuzzOpenRefresh.
func FuzzOpenRefresh(f *testing.F) {
	fx := &fixture{store: newMemKeys(), clk: fakeclock.New(t0)}
	fx.iss = newIssuer(fx.store, fx.clk)
	f.Fuzz(func(t *testing.T, token string) {
		c, err := fx.iss.OpenRefresh(token)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrExpired) {
				t.Fatalf("OpenRefresh: %v", err)
			}
			return
		}
		if !poolIDPattern.MatchString(c.PoolID) || c.ClientID == "" || c.Username == "" || !c.ExpiresAt.After(t0) {
			t.Fatalf("opened %+v", c)
		}
	})
}
