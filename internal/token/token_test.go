package token

import (
	"bytes"
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/storage"
)

const (
	poolA = "us-east-1_AAAAAAAAA"
	poolB = "us-east-1_BBBBBBBBB"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	store *memKeys
	clk   *fakeclock.Clock
	iss   *Issuer
}

func newIssuer(store *memKeys, clk *fakeclock.Clock) *Issuer {
	return &Issuer{
		Keys:          store,
		RefreshSecret: bytes.Repeat([]byte{0x42}, 32),
		Now:           clk.Now,
		IssuerURL:     func(pool string) string { return "http://127.0.0.1:9229/" + pool },
	}
}

func newFixture(t testing.TB, pools ...string) *fixture {
	t.Helper()
	f := &fixture{store: newMemKeys(), clk: fakeclock.New(t0)}
	f.iss = newIssuer(f.store, f.clk)
	for _, p := range pools {
		if err := f.iss.CreateKeys(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func accessClaims(pool string) AccessClaims {
	return AccessClaims{
		PoolID:    pool,
		Sub:       "7f5e1b2c-0000-4000-8000-000000000001",
		Groups:    []string{"admins", "<b>&"},
		ClientID:  "1example23456789abcdefghij",
		OriginJTI: "0b1c2d3e-0000-4000-8000-000000000002",
		EventID:   "ev-1",
		AuthTime:  t0.Add(-time.Minute),
		IssuedAt:  t0,
		ExpiresAt: t0.Add(time.Hour),
		JTI:       "0b1c2d3e-0000-4000-8000-000000000003",
		Username:  "alice",
		DeviceKey: "us-east-1_0b1c2d3e-0000-4000-8000-000000000004",
	}
}

func idClaims(pool string) IDClaims {
	return IDClaims{
		PoolID:    pool,
		Sub:       "7f5e1b2c-0000-4000-8000-000000000001",
		Groups:    []string{"admins"},
		Username:  "alice",
		OriginJTI: "0b1c2d3e-0000-4000-8000-000000000002",
		Audience:  "1example23456789abcdefghij",
		EventID:   "ev-1",
		AuthTime:  t0.Add(-time.Minute),
		IssuedAt:  t0,
		ExpiresAt: t0.Add(time.Hour),
		JTI:       "0b1c2d3e-0000-4000-8000-000000000005",
		Attributes: map[string]string{
			"email":                 "alice@example.com",
			"email_verified":        "true",
			"phone_number":          "+15555550100",
			"phone_number_verified": "false",
			"name":                  "Alice <Admin>",
			"address":               `{"formatted":"1 Main St"}`,
			"custom:tier":           "42",
			"custom:flag":           "true",
			"identities":            `[{"providerName":"Google","userId":"1"}]`,
		},
	}
}

func segments(t *testing.T, tok string) (header, payload []byte) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	h, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	p, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

// keyOrder returns the top-level member names of a JSON object in order.
func keyOrder(t *testing.T, obj []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestAccessRoundTrip(t *testing.T) {
	f := newFixture(t, poolA)
	ctx := context.Background()
	in := accessClaims(poolA)
	tok, err := f.iss.SignAccess(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`).MatchString(tok) {
		t.Fatalf("token is not compact JWS: %s", tok)
	}
	h, p := segments(t, tok)
	k, _ := f.iss.signingKey(ctx, poolA, UseAccess)
	if want := `{"kid":"` + k.kid + `","alg":"RS256"}`; string(h) != want {
		t.Errorf("header = %s, want %s", h, want)
	}
	wantOrder := []string{"sub", "cognito:groups", "iss", "version", "client_id", "origin_jti", "event_id",
		"token_use", "scope", "auth_time", "exp", "iat", "jti", "username", "device_key"}
	if got := keyOrder(t, p); !slices.Equal(got, wantOrder) {
		t.Errorf("claim order = %v, want %v", got, wantOrder)
	}
	if !bytes.Contains(p, []byte(`"<b>&"`)) {
		t.Errorf("payload HTML-escaped: %s", p)
	}
	if !bytes.Contains(p, []byte(`"version":2,`)) || !bytes.Contains(p, []byte(`"scope":"aws.cognito.signin.user.admin"`)) ||
		!bytes.Contains(p, []byte(`"iss":"http://127.0.0.1:9229/`+poolA+`"`)) || bytes.Contains(p, []byte(`"aud"`)) {
		t.Errorf("payload = %s", p)
	}

	out, err := f.iss.VerifyAccess(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.Version, want.Scope = 2, DefaultScope
	if !equalAccess(out, want) {
		t.Errorf("VerifyAccess = %+v\nwant %+v", out, want)
	}

	// Omitted optional claims and defaults.
	min := AccessClaims{PoolID: poolA, Sub: "s", ClientID: "c", Username: "u"}
	tok, err = f.iss.SignAccess(ctx, min)
	if err != nil {
		t.Fatal(err)
	}
	_, p = segments(t, tok)
	if got := keyOrder(t, p); !slices.Equal(got, []string{"sub", "iss", "version", "client_id", "token_use", "scope", "auth_time", "exp", "iat", "jti", "username"}) {
		t.Errorf("minimal claim order = %v", got)
	}
	out, err = f.iss.VerifyAccess(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if !out.IssuedAt.Equal(t0) || !out.AuthTime.Equal(t0) || !out.ExpiresAt.Equal(t0.Add(DefaultLifetime)) ||
		len(out.JTI) != 36 || out.PoolID != poolA {
		t.Errorf("defaults: %+v", out)
	}
	if _, err := f.iss.SignAccess(ctx, AccessClaims{PoolID: poolA}); err == nil {
		t.Error("SignAccess accepted claims without sub")
	}
	if _, err := f.iss.SignAccess(ctx, AccessClaims{PoolID: poolA, Sub: "s", ClientID: "c"}); err == nil {
		t.Error("SignAccess accepted a user token without a username")
	}

	// A client_credentials token: no user, sub is the client, only the
	// custom scopes.
	tok, err = f.iss.SignAccess(ctx, AccessClaims{PoolID: poolA, Sub: "c", ClientID: "c", Scope: "https://api.example.com/read"})
	if err != nil {
		t.Fatal(err)
	}
	_, p = segments(t, tok)
	if got := keyOrder(t, p); !slices.Equal(got, []string{"sub", "iss", "version", "client_id", "token_use", "scope", "auth_time", "exp", "iat", "jti"}) {
		t.Errorf("client_credentials claim order = %v", got)
	}
	out, err = f.iss.VerifyAccess(ctx, tok)
	if err != nil || out.Username != "" || out.Sub != "c" || out.Scope != "https://api.example.com/read" {
		t.Errorf("VerifyAccess of a client_credentials token = %+v, %v", out, err)
	}
}

func TestAtHash(t *testing.T) {
	// OIDC Core A.3's example: the access token below has at_hash
	// "77QmUPtjPfzWtF2AnpK9RQ".
	if got := AtHash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"); got != "77QmUPtjPfzWtF2AnpK9RQ" {
		t.Fatalf("AtHash = %q", got)
	}
}

func equalAccess(a, b AccessClaims) bool {
	return a.PoolID == b.PoolID && a.Sub == b.Sub && slices.Equal(a.Groups, b.Groups) &&
		a.Version == b.Version && a.ClientID == b.ClientID && a.OriginJTI == b.OriginJTI &&
		a.EventID == b.EventID && a.Scope == b.Scope && a.AuthTime.Equal(b.AuthTime) &&
		a.ExpiresAt.Equal(b.ExpiresAt) && a.IssuedAt.Equal(b.IssuedAt) && a.JTI == b.JTI &&
		a.Username == b.Username && a.DeviceKey == b.DeviceKey
}

func TestIDRoundTrip(t *testing.T) {
	f := newFixture(t, poolA)
	ctx := context.Background()
	in := idClaims(poolA)
	tok, err := f.iss.SignID(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	_, p := segments(t, tok)
	wantOrder := []string{"sub", "cognito:groups", "email_verified", "iss", "phone_number_verified",
		"cognito:username", "origin_jti", "aud", "event_id", "token_use", "auth_time",
		"address", "identities", "name", "exp", "iat", "jti", "email", "phone_number",
		"custom:flag", "custom:tier"}
	if got := keyOrder(t, p); !slices.Equal(got, wantOrder) {
		t.Errorf("claim order = %v\nwant %v", got, wantOrder)
	}
	var raw map[string]any
	if err := json.Unmarshal(p, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["email_verified"] != true || raw["phone_number_verified"] != false {
		t.Errorf("verified flags are not JSON booleans: %s", p)
	}
	if raw["custom:tier"] != "42" || raw["custom:flag"] != "true" || raw["address"] != `{"formatted":"1 Main St"}` {
		t.Errorf("attributes not strings: %s", p)
	}
	if _, ok := raw["identities"].([]any); !ok {
		t.Errorf("identities is not an array: %s", p)
	}
	if raw["aud"] != in.Audience || raw["token_use"] != "id" || raw["cognito:username"] != "alice" {
		t.Errorf("payload = %s", p)
	}

	out, err := f.iss.VerifyID(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if out.PoolID != poolA || out.Sub != in.Sub || !slices.Equal(out.Groups, in.Groups) || out.Username != in.Username ||
		out.OriginJTI != in.OriginJTI || out.Audience != in.Audience || out.EventID != in.EventID ||
		!out.AuthTime.Equal(in.AuthTime) || !out.ExpiresAt.Equal(in.ExpiresAt) || !out.IssuedAt.Equal(in.IssuedAt) ||
		out.JTI != in.JTI {
		t.Errorf("VerifyID = %+v\nwant %+v", out, in)
	}
	if len(out.Attributes) != len(in.Attributes) {
		t.Errorf("attributes = %v, want %v", out.Attributes, in.Attributes)
	}
	for k, v := range in.Attributes {
		if out.Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, out.Attributes[k], v)
		}
	}

	// Attributes cannot override claims.
	evil := idClaims(poolA)
	evil.Attributes = map[string]string{"token_use": "access", "iss": "x", "exp": "9999999999", "sub": "other"}
	tok, err = f.iss.SignID(ctx, evil)
	if err != nil {
		t.Fatal(err)
	}
	out, err = f.iss.VerifyID(ctx, tok)
	if err != nil || out.Sub != evil.Sub || len(out.Attributes) != 0 {
		t.Errorf("reserved attribute leaked: %+v, %v", out, err)
	}

	// Optional hosted-UI claims round-trip.
	h := idClaims(poolA)
	h.AtHash, h.Nonce, h.PreferredRole, h.Roles = "abc", "n-0S6", "arn:aws:iam::1:role/a", []string{"arn:aws:iam::1:role/a"}
	tok, _ = f.iss.SignID(ctx, h)
	out, err = f.iss.VerifyID(ctx, tok)
	if err != nil || out.AtHash != "abc" || out.Nonce != "n-0S6" || out.PreferredRole != h.PreferredRole || !slices.Equal(out.Roles, h.Roles) {
		t.Errorf("hosted UI claims: %+v, %v", out, err)
	}
}

func TestIDAndAccessUseDifferentKeys(t *testing.T) {
	f := newFixture(t, poolA)
	ctx := context.Background()
	at, _ := f.iss.SignAccess(ctx, accessClaims(poolA))
	it, _ := f.iss.SignID(ctx, idClaims(poolA))
	ah, _ := segments(t, at)
	ih, _ := segments(t, it)
	if bytes.Equal(ah, ih) {
		t.Fatal("ID and access tokens share a kid")
	}
	keys, _ := f.store.ListSigningKeys(ctx, poolA)
	if len(keys) != 2 || keys[0].Use == keys[1].Use {
		t.Fatalf("stored keys: %+v", keys)
	}
	// CreateKeys is idempotent.
	if err := f.iss.CreateKeys(ctx, poolA); err != nil {
		t.Fatal(err)
	}
	if keys, _ := f.store.ListSigningKeys(ctx, poolA); len(keys) != 2 {
		t.Fatalf("CreateKeys added keys again: %d", len(keys))
	}
}

func TestWrongUseAndExpiry(t *testing.T) {
	f := newFixture(t, poolA)
	ctx := context.Background()
	at, _ := f.iss.SignAccess(ctx, accessClaims(poolA))
	it, _ := f.iss.SignID(ctx, idClaims(poolA))

	if _, err := f.iss.VerifyAccess(ctx, it); !errors.Is(err, ErrWrongUse) {
		t.Errorf("VerifyAccess(id token) = %v, want ErrWrongUse", err)
	}
	if _, err := f.iss.VerifyID(ctx, at); !errors.Is(err, ErrWrongUse) {
		t.Errorf("VerifyID(access token) = %v, want ErrWrongUse", err)
	}

	for _, tc := range []struct {
		at   time.Duration
		want error
	}{
		{-time.Hour, nil}, // issued in the future relative to the clock: still accepted
		{59*time.Minute + 59*time.Second, nil},
		{time.Hour, ErrExpired},
		{48 * time.Hour, ErrExpired},
	} {
		f.clk.Set(t0.Add(tc.at))
		_, err := f.iss.VerifyAccess(ctx, at)
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("at +%v: VerifyAccess = %v, want %v", tc.at, err, tc.want)
		}
		_, err = f.iss.VerifyID(ctx, it)
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("at +%v: VerifyID = %v, want %v", tc.at, err, tc.want)
		}
	}
}

func TestTamperedAndGarbage(t *testing.T) {
	f := newFixture(t, poolA)
	ctx := context.Background()
	tok, _ := f.iss.SignAccess(ctx, accessClaims(poolA))
	parts := strings.Split(tok, ".")
	enc := base64.RawURLEncoding.EncodeToString
	_, p := segments(t, tok)
	h, _ := segments(t, tok)

	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	elevated := bytes.Replace(p, []byte(`"username":"alice"`), []byte(`"username":"admin"`), 1)
	longer := bytes.Replace(p, []byte(`"exp":`), []byte(`"exp":9`), 1)
	otherKID := bytes.Replace(h, []byte(`"kid":"`), []byte(`"kid":"x`), 1)
	typ := []byte(`{"kid":"` + strings.Split(string(h), `"`)[3] + `","alg":"RS256","typ":"JWT"}`)
	jwkHdr := []byte(`{"kid":"` + strings.Split(string(h), `"`)[3] + `","alg":"RS256","jwk":{"kty":"oct","k":"AAAA"}}`)

	for name, bad := range map[string]string{
		"empty":              "",
		"garbage":            "not a token",
		"two parts":          parts[0] + "." + parts[1],
		"four parts":         tok + ".x",
		"payload modified":   parts[0] + "." + enc(elevated) + "." + parts[2],
		"exp extended":       parts[0] + "." + enc(longer) + "." + parts[2],
		"signature flipped":  parts[0] + "." + parts[1] + "." + flip(parts[2], 10),
		"signature empty":    parts[0] + "." + parts[1] + ".",
		"signature cut":      parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-4],
		"kid changed":        enc(otherKID) + "." + parts[1] + "." + parts[2],
		"typ header added":   enc(typ) + "." + parts[1] + "." + parts[2],
		"jwk header added":   enc(jwkHdr) + "." + parts[1] + "." + parts[2],
		"padded base64":      tok + "=",
		"json serialization": `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`,
		"huge":               strings.Repeat("A", maxTokenLen+1),
	} {
		if _, err := f.iss.VerifyAccess(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: VerifyAccess = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := f.iss.VerifyAccess(ctx, tok); err != nil {
		t.Fatalf("original no longer verifies: %v", err)
	}
}

// forge signs an arbitrary header and payload with priv (RS256).
func forge(t *testing.T, header, payload []byte, priv *rsa.PrivateKey) string {
	t.Helper()
	in := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	d := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestOtherPoolRejected(t *testing.T) {
	f := newFixture(t, poolA, poolB)
	ctx := context.Background()
	tb, err := f.iss.SignAccess(ctx, accessClaims(poolB))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := f.iss.VerifyAccess(ctx, tb); err != nil || c.PoolID != poolB {
		t.Fatalf("pool B token: %+v, %v", c, err)
	}
	// A token claiming pool A (iss) signed with pool B's key (kid).
	h, p := segments(t, tb)
	p = bytes.Replace(p, []byte(poolB), []byte(poolA), 1)
	kb, _ := f.iss.signingKey(ctx, poolB, UseAccess)
	cross := forge(t, h, p, kb.priv)
	if _, err := f.iss.VerifyAccess(ctx, cross); !errors.Is(err, ErrInvalid) {
		t.Errorf("iss A + kid B: %v, want ErrInvalid", err)
	}
	// Correctly signed by pool B, but claiming an iss on another host.
	foreign := bytes.Replace(p, []byte("http://127.0.0.1:9229/"+poolA), []byte("https://cognito-idp.us-east-1.amazonaws.com/"+poolB), 1)
	if _, err := f.iss.VerifyAccess(ctx, forge(t, h, foreign, kb.priv)); !errors.Is(err, ErrInvalid) {
		t.Errorf("foreign iss: %v, want ErrInvalid", err)
	}
	// Unknown pool.
	unknown := bytes.Replace(p, []byte(poolA), []byte("us-east-1_ZZZZZZZZZ"), 1)
	if _, err := f.iss.VerifyAccess(ctx, forge(t, h, unknown, kb.priv)); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown pool: %v, want ErrInvalid", err)
	}
	// A token with token_use "access" signed by the pool's ID key.
	ka, _ := f.iss.signingKey(ctx, poolB, UseID)
	hid := []byte(`{"kid":"` + ka.kid + `","alg":"RS256"}`)
	_, pb := segments(t, tb)
	if _, err := f.iss.VerifyAccess(ctx, forge(t, hid, pb, ka.priv)); !errors.Is(err, ErrInvalid) {
		t.Errorf("access claims under the ID key: %v, want ErrInvalid", err)
	}
}

func TestAlgorithmConfusion(t *testing.T) {
	f := newFixture(t, poolA)
	ctx := context.Background()
	tok, _ := f.iss.SignAccess(ctx, accessClaims(poolA))
	_, p := segments(t, tok)
	k, _ := f.iss.signingKey(ctx, poolA, UseAccess)
	enc := base64.RawURLEncoding.EncodeToString

	der, _ := x509.MarshalPKIXPublicKey(&k.priv.PublicKey)
	jwks, _ := f.iss.JWKS(ctx, poolA)
	secrets := map[string][]byte{"der": der, "jwks": jwks, "n": k.priv.PublicKey.N.Bytes()}
	for _, alg := range []string{"HS256", "HS384", "HS512"} {
		for name, secret := range secrets {
			h := []byte(`{"kid":"` + k.kid + `","alg":"` + alg + `"}`)
			in := enc(h) + "." + enc(p)
			mac := hmac.New(sha256.New, secret)
			mac.Write([]byte(in))
			bad := in + "." + enc(mac.Sum(nil))
			if _, err := f.iss.VerifyAccess(ctx, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s with %s as secret: %v, want ErrInvalid", alg, name, err)
			}
		}
	}
	for _, alg := range []string{"none", "None", "NONE", ""} {
		h := []byte(`{"kid":"` + k.kid + `","alg":"` + alg + `"}`)
		for _, sig := range []string{"", parts2(tok)} {
			if _, err := f.iss.VerifyAccess(ctx, enc(h)+"."+enc(p)+"."+sig); !errors.Is(err, ErrInvalid) {
				t.Errorf("alg %q: %v, want ErrInvalid", alg, err)
			}
		}
	}
	// RS256 under other names must not slip through either.
	for _, alg := range []string{"PS256", "RS512", "rs256"} {
		h := []byte(`{"kid":"` + k.kid + `","alg":"` + alg + `"}`)
		if _, err := f.iss.VerifyAccess(ctx, forge(t, h, p, k.priv)); !errors.Is(err, ErrInvalid) {
			t.Errorf("alg %q: %v, want ErrInvalid", alg, err)
		}
	}
}

func parts2(tok string) string { return strings.Split(tok, ".")[2] }

func TestRotation(t *testing.T) {
	f := newFixture(t, poolA)
	ctx := context.Background()
	other := newIssuer(f.store, f.clk) // a second node sharing the database

	oldAccess, _ := f.iss.SignAccess(ctx, accessClaims(poolA))
	oldID, _ := f.iss.SignID(ctx, idClaims(poolA))
	third := newIssuer(f.store, f.clk)
	for _, n := range []*Issuer{other, third} { // warm the other nodes' caches
		if _, err := n.VerifyAccess(ctx, oldAccess); err != nil {
			t.Fatal(err)
		}
	}

	f.clk.Advance(time.Minute)
	if err := f.iss.RotateKeys(ctx, poolA); err != nil {
		t.Fatal(err)
	}
	newAccess, _ := f.iss.SignAccess(ctx, accessClaims(poolA))
	newID, _ := f.iss.SignID(ctx, idClaims(poolA))
	oh, _ := segments(t, oldAccess)
	nh, _ := segments(t, newAccess)
	oih, _ := segments(t, oldID)
	nih, _ := segments(t, newID)
	if bytes.Equal(oh, nh) || bytes.Equal(oih, nih) {
		t.Fatal("rotation did not change the signing kids")
	}

	for _, iss := range []*Issuer{f.iss, other} {
		for name, tok := range map[string]string{"old": oldAccess, "new": newAccess} {
			if _, err := iss.VerifyAccess(ctx, tok); err != nil {
				t.Errorf("%s access token: %v", name, err)
			}
		}
		for name, tok := range map[string]string{"old": oldID, "new": newID} {
			if _, err := iss.VerifyID(ctx, tok); err != nil {
				t.Errorf("%s ID token: %v", name, err)
			}
		}
	}

	keys, _ := f.store.ListSigningKeys(ctx, poolA)
	var active, retired int
	for _, k := range keys {
		if k.RetiredAt.IsZero() {
			active++
		} else {
			retired++
			if !k.RetiredAt.Equal(t0.Add(time.Minute)) {
				t.Errorf("RetiredAt = %v", k.RetiredAt)
			}
		}
	}
	if active != 2 || retired != 2 {
		t.Errorf("after rotation: %d active, %d retired keys", active, retired)
	}
	set := parseJWKS(t, f.iss, poolA)
	if len(set.Keys) != 4 {
		t.Errorf("JWKS has %d keys, want 4", len(set.Keys))
	}

	// A node that has seen no new kid keeps signing with its cached
	// (retired) key until its cache expires, then switches.
	stale, _ := third.SignAccess(ctx, accessClaims(poolA))
	if sh, _ := segments(t, stale); !bytes.Equal(sh, oh) {
		t.Errorf("third node switched keys before its cache expired")
	}
	if _, err := f.iss.VerifyAccess(ctx, stale); err != nil {
		t.Errorf("token signed with a retired key: %v", err)
	}
	f.clk.Advance(6 * time.Minute)
	fresh, _ := third.SignAccess(ctx, accessClaims(poolA))
	if fh, _ := segments(t, fresh); !bytes.Equal(fh, nh) {
		t.Errorf("third node still signs with the retired key after CacheTTL")
	}
}

func TestUnknownKidReloadIsLimited(t *testing.T) {
	f := newFixture(t, poolA)
	ctx := context.Background()
	tok, _ := f.iss.SignAccess(ctx, accessClaims(poolA))
	if _, err := f.iss.VerifyAccess(ctx, tok); err != nil {
		t.Fatal(err)
	}
	h, p := segments(t, tok)
	k, _ := f.iss.signingKey(ctx, poolA, UseAccess)
	bogus := forge(t, bytes.Replace(h, []byte(`"kid":"`), []byte(`"kid":"zz`), 1), p, k.priv)
	before := f.store.lists.Load()
	for range 100 {
		if _, err := f.iss.VerifyAccess(ctx, bogus); !errors.Is(err, ErrInvalid) {
			t.Fatal(err)
		}
	}
	if n := f.store.lists.Load() - before; n != 1 {
		t.Errorf("100 unknown-kid tokens caused %d reloads, want 1", n)
	}
	f.clk.Advance(2 * time.Second)
	f.iss.VerifyAccess(ctx, bogus)
	if n := f.store.lists.Load() - before; n != 2 {
		t.Errorf("after the interval: %d reloads, want 2", n)
	}
	// A valid token never reloads.
	before = f.store.lists.Load()
	for range 10 {
		f.iss.VerifyAccess(ctx, tok)
	}
	if n := f.store.lists.Load() - before; n != 0 {
		t.Errorf("valid tokens caused %d reloads", n)
	}
}

type jwksDoc struct {
	Keys []map[string]string `json:"keys"`
}

func parseJWKS(t *testing.T, iss *Issuer, pool string) jose.JSONWebKeySet {
	t.Helper()
	raw, err := iss.JWKS(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatalf("go-jose cannot parse JWKS: %v\n%s", err, raw)
	}
	return set
}

func TestJWKS(t *testing.T) {
	f := newFixture(t, poolA)
	ctx := context.Background()
	raw, err := f.iss.JWKS(ctx, poolA)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte(`{"keys":[{"alg":"RS256","e":"AQAB","kid":"`)) {
		t.Errorf("JWKS = %s", raw)
	}
	var doc jwksDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range doc.Keys {
		if len(k) != 6 || k["alg"] != "RS256" || k["kty"] != "RSA" || k["use"] != "sig" || k["e"] != "AQAB" {
			t.Errorf("JWKS key = %v", k)
		}
		if got := keyOrder(t, mustJSON(t, k)); len(got) != 6 {
			t.Errorf("key members: %v", got)
		}
	}
	set := parseJWKS(t, f.iss, poolA)
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS has %d keys", len(set.Keys))
	}
	at, _ := f.iss.SignAccess(ctx, accessClaims(poolA))
	it, _ := f.iss.SignID(ctx, idClaims(poolA))
	for _, tok := range []string{at, it} {
		jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatal(err)
		}
		kid := jws.Signatures[0].Header.KeyID
		matches := set.Key(kid)
		if len(matches) != 1 {
			t.Fatalf("kid %s found %d times in JWKS", kid, len(matches))
		}
		if !matches[0].Valid() || !matches[0].IsPublic() {
			t.Error("JWKS key is not a valid public key")
		}
		if _, err := jws.Verify(matches[0]); err != nil {
			t.Errorf("JWKS key does not verify its token: %v", err)
		}
		// And the other key does not.
		for _, k := range set.Keys {
			if k.KeyID != kid {
				if _, err := jws.Verify(k); err == nil {
					t.Error("token verifies under the other key")
				}
			}
		}
	}
	// The JWKS of a pool without keys is empty, not an error.
	if raw, err := f.iss.JWKS(ctx, poolB); err != nil || string(raw) != `{"keys":[]}` {
		t.Errorf("JWKS(no keys) = %s, %v", raw, err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKeyIDFormat(t *testing.T) {
	f := newFixture(t, poolA)
	keys, _ := f.store.ListSigningKeys(context.Background(), poolA)
	for _, sk := range keys {
		if len(sk.KID) != 44 || !strings.HasSuffix(sk.KID, "=") {
			t.Errorf("kid %q is not 44 chars of padded base64", sk.KID)
		}
		sum, err := base64.StdEncoding.DecodeString(sk.KID)
		if err != nil || len(sum) != 32 {
			t.Errorf("kid %q does not decode to 32 bytes", sk.KID)
		}
		priv, err := x509.ParsePKCS8PrivateKey(sk.PrivateKey)
		if err != nil {
			t.Fatalf("stored key is not PKCS#8: %v", err)
		}
		rk := priv.(*rsa.PrivateKey)
		if rk.N.BitLen() != DefaultKeyBits {
			t.Errorf("key has %d bits", rk.N.BitLen())
		}
		der, _ := x509.MarshalPKIXPublicKey(&rk.PublicKey)
		want := sha256.Sum256(der)
		if !bytes.Equal(sum, want[:]) {
			t.Errorf("kid is not SHA-256 of the public key")
		}
		if !sk.CreatedAt.Equal(t0) || !sk.RetiredAt.IsZero() || sk.PoolID != poolA {
			t.Errorf("stored key metadata: %+v", sk)
		}
	}
}

func TestRevocation(t *testing.T) {
	f := newFixture(t, poolA)
	f.iss.Revocations = f.store
	ctx := context.Background()
	at, _ := f.iss.SignAccess(ctx, accessClaims(poolA))
	it, _ := f.iss.SignID(ctx, idClaims(poolA))
	if _, err := f.iss.VerifyAccess(ctx, at); err != nil {
		t.Fatal(err)
	}
	f.store.RevokeTokens(ctx, poolA, accessClaims(poolA).OriginJTI, t0.Add(time.Hour))
	if _, err := f.iss.VerifyAccess(ctx, at); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoked access token: %v", err)
	}
	if _, err := f.iss.VerifyID(ctx, it); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoked ID token: %v", err)
	}
}

func TestNoSigningKey(t *testing.T) {
	f := newFixture(t)
	_, err := f.iss.SignAccess(context.Background(), accessClaims(poolA))
	if !errors.Is(err, ErrNoSigningKey) {
		t.Errorf("SignAccess without keys: %v", err)
	}
}

var refreshPattern = regexp.MustCompile(`^[A-Za-z0-9-_=.]+$`)

func TestRefresh(t *testing.T) {
	f := newFixture(t)
	in := RefreshClaims{
		PoolID:    poolA,
		ClientID:  "1example23456789abcdefghij",
		Username:  "alice",
		Sub:       "7f5e1b2c-0000-4000-8000-000000000001",
		OriginJTI: "0b1c2d3e-0000-4000-8000-000000000002",
		DeviceKey: "us-east-1_dev",
		Scope:     "openid email https://api.example.com/read",
		AuthTime:  t0.Add(-time.Minute),
		IssuedAt:  t0,
		ExpiresAt: t0.Add(30 * 24 * time.Hour),
	}
	tok, err := f.iss.SealRefresh(in)
	if err != nil {
		t.Fatal(err)
	}
	if !refreshPattern.MatchString(tok) || !strings.HasPrefix(tok, "eyJ") || strings.Count(tok, ".") != 4 {
		t.Errorf("refresh token shape: %s", tok)
	}
	for _, secret := range []string{"alice", in.Sub, in.OriginJTI, in.ClientID} {
		if strings.Contains(tok, secret) {
			t.Errorf("refresh token leaks %q", secret)
		}
		if strings.Contains(tok, base64.RawURLEncoding.EncodeToString([]byte(secret))) {
			t.Errorf("refresh token leaks encoded %q", secret)
		}
	}
	out, err := f.iss.OpenRefresh(tok)
	if err != nil {
		t.Fatal(err)
	}
	if out.PoolID != in.PoolID || out.ClientID != in.ClientID || out.Username != in.Username || out.Sub != in.Sub ||
		out.OriginJTI != in.OriginJTI || out.DeviceKey != in.DeviceKey || out.Scope != in.Scope || !out.AuthTime.Equal(in.AuthTime) ||
		!out.IssuedAt.Equal(in.IssuedAt) || !out.ExpiresAt.Equal(in.ExpiresAt) {
		t.Errorf("OpenRefresh = %+v\nwant %+v", out, in)
	}
	tok2, _ := f.iss.SealRefresh(in)
	if tok2 == tok {
		t.Error("two refresh tokens for the same claims are equal")
	}

	parts := strings.Split(tok, ".")
	enc := base64.RawURLEncoding.EncodeToString
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	movedHdr := bytes.Replace(hdr, []byte(poolA), []byte(poolB), 1)
	flip := func(s string) string {
		b, _ := base64.RawURLEncoding.DecodeString(s)
		b[0] ^= 1
		return enc(b)
	}
	otherSecret := newIssuer(f.store, f.clk)
	otherSecret.RefreshSecret = bytes.Repeat([]byte{0x43}, 32)
	access, _ := newFixture(t, poolA).iss.SignAccess(context.Background(), accessClaims(poolA))

	for name, bad := range map[string]string{
		"empty":            "",
		"garbage":          "eyJhbGciOiJkaXIifQ..x.y.z",
		"access token":     access,
		"header to pool B": enc(movedHdr) + "." + strings.Join(parts[1:], "."),
		"iv flipped":       strings.Join([]string{parts[0], parts[1], flip(parts[2]), parts[3], parts[4]}, "."),
		"body flipped":     strings.Join([]string{parts[0], parts[1], parts[2], flip(parts[3]), parts[4]}, "."),
		"tag flipped":      strings.Join([]string{parts[0], parts[1], parts[2], parts[3], flip(parts[4])}, "."),
		"tag cut":          strings.Join([]string{parts[0], parts[1], parts[2], parts[3], parts[4][:8]}, "."),
		"body swapped":     strings.Join([]string{parts[0], parts[1], parts[2], strings.Split(tok2, ".")[3], parts[4]}, "."),
		"huge":             strings.Repeat("A", maxTokenLen+1),
	} {
		if _, err := f.iss.OpenRefresh(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: OpenRefresh = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := otherSecret.OpenRefresh(tok); !errors.Is(err, ErrInvalid) {
		t.Errorf("other secret: %v, want ErrInvalid", err)
	}

	f.clk.Set(in.ExpiresAt.Add(-time.Second))
	if _, err := f.iss.OpenRefresh(tok); err != nil {
		t.Errorf("just before expiry: %v", err)
	}
	f.clk.Set(in.ExpiresAt)
	if _, err := f.iss.OpenRefresh(tok); !errors.Is(err, ErrExpired) {
		t.Errorf("at expiry: %v, want ErrExpired", err)
	}

	if _, err := f.iss.SealRefresh(RefreshClaims{PoolID: poolA, ClientID: "c", Username: "u"}); err == nil {
		t.Error("SealRefresh accepted claims without ExpiresAt")
	}
	bad := newIssuer(f.store, f.clk)
	bad.RefreshSecret = []byte("short")
	if _, err := bad.SealRefresh(in); err == nil {
		t.Error("SealRefresh accepted a short secret")
	}
}

func TestCognitoIssuer(t *testing.T) {
	if got := CognitoIssuer("eu-west-2_Abc123"); got != "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Abc123" {
		t.Errorf("CognitoIssuer = %s", got)
	}
	i := &Issuer{}
	for iss, want := range map[string]bool{
		"https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Abc123":  true,
		"https://cognito-idp.us-east-1.amazonaws.com/eu-west-2_Abc123":  false,
		"https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Abc123/": false,
		"https://evil.example/eu-west-2_Abc123":                         false,
		"eu-west-2_Abc123":                                              false,
		"":                                                              false,
	} {
		if _, ok := i.poolFromIssuer(iss); ok != want {
			t.Errorf("poolFromIssuer(%q) = %v, want %v", iss, ok, want)
		}
	}
}

func TestNewJTI(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := NewJTI(), NewJTI()
	if !re.MatchString(a) || a == b {
		t.Errorf("NewJTI = %s, %s", a, b)
	}
}

// Ensure the fake satisfies the interfaces the Issuer uses.
var (
	_ storage.KeyStore        = (*memKeys)(nil)
	_ storage.RevocationStore = (*memKeys)(nil)
)

func BenchmarkSignAccess(b *testing.B) {
	f := newFixture(b, poolA)
	ctx := context.Background()
	c := accessClaims(poolA)
	for b.Loop() {
		if _, err := f.iss.SignAccess(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyAccess(b *testing.B) {
	f := newFixture(b, poolA)
	ctx := context.Background()
	tok, err := f.iss.SignAccess(ctx, accessClaims(poolA))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := f.iss.VerifyAccess(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, poolA)
	ctx := context.Background()
	done := make(chan error, 8)
	for g := range 8 {
		go func() {
			for n := range 20 {
				if g == 0 && n == 10 {
					if err := f.iss.RotateKeys(ctx, poolA); err != nil {
						done <- err
						return
					}
				}
				tok, err := f.iss.SignAccess(ctx, accessClaims(poolA))
				if err != nil {
					done <- err
					return
				}
				if _, err := f.iss.VerifyAccess(ctx, tok); err != nil {
					done <- err
					return
				}
				if _, err := f.iss.JWKS(ctx, poolA); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// TestVerifiedCache checks that remembering verified tokens skips only the
// signature: expiry still applies, and any change to a cached token's text
// is verified afresh.
func TestVerifiedCache(t *testing.T) {
	f := newFixture(t, poolA)
	ctx := context.Background()
	at, _ := f.iss.SignAccess(ctx, accessClaims(poolA))
	for range 3 {
		if _, err := f.iss.VerifyAccess(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := f.iss.cache.get(at); !ok {
		t.Fatal("verified token not cached")
	}
	parts := strings.Split(at, ".")
	sig := []byte(parts[2])
	sig[10] ^= 1
	if _, err := f.iss.VerifyAccess(ctx, parts[0]+"."+parts[1]+"."+string(sig)); !errors.Is(err, ErrInvalid) {
		t.Errorf("tampered copy of a cached token: %v", err)
	}
	f.clk.Set(t0.Add(2 * time.Hour))
	if _, err := f.iss.VerifyAccess(ctx, at); !errors.Is(err, ErrExpired) {
		t.Errorf("cached token after expiry: %v", err)
	}
}

func TestNewKeysStoresNothing(t *testing.T) {
	f := newFixture(t)
	keys, err := f.iss.NewKeys(poolA)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].Use != UseID || keys[1].Use != UseAccess || keys[0].KID == keys[1].KID {
		t.Fatalf("NewKeys = %+v", keys)
	}
	if stored, _ := f.store.ListSigningKeys(context.Background(), poolA); len(stored) != 0 {
		t.Fatalf("NewKeys stored %d keys", len(stored))
	}
	for _, k := range keys {
		if k.PoolID != poolA || len(k.PrivateKey) == 0 || !k.RetiredAt.IsZero() {
			t.Errorf("key %+v", k)
		}
		if err := f.store.AddSigningKey(context.Background(), k); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.iss.SignAccess(context.Background(), accessClaims(poolA)); err != nil {
		t.Errorf("signing with the stored keys: %v", err)
	}
}
