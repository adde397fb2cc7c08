package oauth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/userpoold/userpoold/internal/oauth"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/token"
)

// This test is the phase 2 token issuance in miniature: the claims inputs
// of oauth.ClaimsFor minted by the real token.Issuer, discovered and
// verified by github.com/coreos/go-oidc/v3 (issuer, signature, audience,
// expiry, nonce and at_hash), with golang.org/x/oauth2 redeeming the code.

type memKeys struct {
	mu   sync.Mutex
	keys []storage.SigningKey
}

func (m *memKeys) AddSigningKey(_ context.Context, k storage.SigningKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = append(m.keys, k)
	return nil
}

func (m *memKeys) ListSigningKeys(_ context.Context, poolID string) ([]storage.SigningKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []storage.SigningKey
	for _, k := range m.keys {
		if k.PoolID == poolID {
			out = append(out, k)
		}
	}
	return out, nil
}

func (m *memKeys) UpdateSigningKey(_ context.Context, poolID, kid string, fn func(*storage.SigningKey) error) (storage.SigningKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.keys {
		if m.keys[i].PoolID == poolID && m.keys[i].KID == kid {
			err := fn(&m.keys[i])
			return m.keys[i], err
		}
	}
	return storage.SigningKey{}, storage.ErrNotFound
}

// issuing is a Grants that mints real tokens the way phase 2's authflow
// will: ClaimsFor's scope, nonce, at_hash and attribute filter.
type issuing struct {
	tokens *token.Issuer
	attrs  map[string]string
}

func (g *issuing) UserTokens(ctx context.Context, ug oauth.UserGrant) (oauth.Tokens, error) {
	c := oauth.ClaimsFor(ug)
	access, err := g.tokens.SignAccess(ctx, token.AccessClaims{PoolID: ug.Client.PoolID, Sub: ug.Subject.Sub, ClientID: ug.Client.ID,
		Username: ug.Subject.Username, Scope: c.Scope, AuthTime: ug.Subject.AuthTime})
	if err != nil {
		return oauth.Tokens{}, err
	}
	t := oauth.Tokens{AccessToken: access, ExpiresIn: 3600}
	if c.IDToken {
		attrs := map[string]string{}
		for k, v := range g.attrs {
			if c.Attribute(k) {
				attrs[k] = v
			}
		}
		t.IDToken, err = g.tokens.SignID(ctx, token.IDClaims{PoolID: ug.Client.PoolID, Sub: ug.Subject.Sub, Audience: ug.Client.ID,
			Username: ug.Subject.Username, AuthTime: ug.Subject.AuthTime, Nonce: c.Nonce, AtHash: oauth.AtHash(access), Attributes: attrs})
	}
	return t, err
}

func (g *issuing) RefreshTokens(context.Context, oauth.Client, string) (oauth.Tokens, error) {
	return oauth.Tokens{}, &oauth.Error{Code: oauth.CodeInvalidGrant}
}

func (g *issuing) ClientTokens(context.Context, oauth.Client, []string) (oauth.Tokens, error) {
	return oauth.Tokens{}, &oauth.Error{Code: oauth.CodeUnauthorizedClient}
}

type oneClient oauth.Client

func (c oneClient) OAuthClient(_ context.Context, id string) (oauth.Client, bool, error) {
	return oauth.Client(c), id == c.ID, nil
}

func TestGoOIDCVerifiesOAuthTokens(t *testing.T) {
	const pool = "us-east-1_Interop1"
	ctx := context.Background()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base := srv.URL
	issuer := &token.Issuer{Keys: &memKeys{}, RefreshSecret: bytes.Repeat([]byte{1}, 32), KeyBits: 2048,
		IssuerURL: func(p string) string { return oauth.IssuerURL(base, p) }}
	if err := issuer.CreateKeys(ctx, pool); err != nil {
		t.Fatal(err)
	}
	client := oneClient{PoolID: pool, ID: "interopclient", OAuthEnabled: true, Flows: []oauth.Flow{oauth.FlowCode},
		Scopes: []string{"openid", "email", "profile"}, CallbackURLs: []string{"https://app.example.com/cb"}, AccessTTL: time.Hour}
	grants := &issuing{tokens: issuer, attrs: map[string]string{"email": "jane@example.com", "email_verified": "true", "name": "Jane"}}
	codes := &oauth.MemoryCodeStore{}
	catalog := oauth.ScopeCatalogFunc(func(context.Context, string) ([]string, error) { return nil, nil })
	h := &oauth.Handlers{Clients: client, Catalog: catalog, Codes: codes, Grants: grants}
	domain := oauth.EndpointsAt(oauth.DomainBaseURL(base, "interop"))
	mux.HandleFunc("/_domain/interop/oauth2/token", h.Token)
	mux.HandleFunc("GET /{pool}/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(oauth.Discovery(base, r.PathValue("pool"), "", &domain))
	})
	mux.HandleFunc("GET /{pool}/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		jwks, err := issuer.JWKS(r.Context(), r.PathValue("pool"))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write(jwks)
	})

	provider, err := oidc.NewProvider(ctx, oauth.IssuerURL(base, pool)) // fails unless discovery's issuer is byte-identical
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{ClientID: client.ID, RedirectURL: "https://app.example.com/cb", Endpoint: provider.Endpoint(), Scopes: []string{"openid", "email"}}
	conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	verifier := oauth2.GenerateVerifier()
	authURL, _ := url.Parse(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n-0S6_WzA2Mj")))
	req, aerr, err := oauth.ParseAuthorize(ctx, pool, authURL.Query(), client, catalog)
	if err != nil || aerr != nil {
		t.Fatal(err, aerr)
	}
	a := &oauth.Authorizer{Codes: codes, Grants: grants}
	loc, err := a.Complete(ctx, req, oauth.Subject{PoolID: pool, Username: "jane", Sub: "5c9b1a2e-0000-4000-8000-000000000001", AuthTime: time.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	back, _ := url.Parse(loc)
	tok, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: client.ID}).Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if idt.Nonce != "n-0S6_WzA2Mj" || idt.AccessTokenHash == "" {
		t.Fatalf("nonce %q at_hash %q", idt.Nonce, idt.AccessTokenHash)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Fatalf("at_hash: %v", err)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims["email"] != "jane@example.com" || claims["email_verified"] != true || claims["name"] != nil {
		t.Fatalf("claims filtered by scope: %v", claims)
	}
	// The access token: scope as granted, version 2, no aud.
	at, err := issuer.VerifyAccess(ctx, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if at.Scope != "openid email" || at.Version != 2 || !slices.Equal(req.Scopes, []string{"openid", "email"}) {
		t.Fatalf("access claims %+v", at)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(tok.AccessToken, ".")[1])
	if err != nil || bytes.Contains(payload, []byte(`"aud"`)) || !bytes.Contains(payload, []byte(`"scope":"openid email"`)) {
		t.Fatalf("access token payload %s", payload)
	}
}

// BenchmarkAuthorizationCodeGrant measures an authorization_code exchange
// through the token endpoint with real RS256 minting (two signatures),
// the in-memory code store and PKCE: the protocol's share of the grant's
// cost. Phase 2 compares the wired endpoint with REFRESH_TOKEN_AUTH.
func BenchmarkAuthorizationCodeGrant(b *testing.B) {
	const pool = "us-east-1_Bench1"
	ctx := context.Background()
	issuer := &token.Issuer{Keys: &memKeys{}, RefreshSecret: bytes.Repeat([]byte{1}, 32),
		IssuerURL: func(p string) string { return oauth.IssuerURL("http://127.0.0.1:9229", p) }}
	if err := issuer.CreateKeys(ctx, pool); err != nil {
		b.Fatal(err)
	}
	client := oneClient{PoolID: pool, ID: "benchclient", OAuthEnabled: true, Flows: []oauth.Flow{oauth.FlowCode},
		Scopes: []string{"openid", "email"}, CallbackURLs: []string{"https://app.example.com/cb"}, AccessTTL: time.Hour}
	grants := &issuing{tokens: issuer, attrs: map[string]string{"email": "jane@example.com"}}
	codes := &oauth.MemoryCodeStore{}
	catalog := oauth.ScopeCatalogFunc(func(context.Context, string) ([]string, error) { return nil, nil })
	h := &oauth.Handlers{Clients: client, Catalog: catalog, Codes: codes, Grants: grants}
	a := &oauth.Authorizer{Codes: codes, Grants: grants}
	verifier := oauth2.GenerateVerifier()
	q := url.Values{"client_id": {client.ID}, "response_type": {"code"}, "redirect_uri": {"https://app.example.com/cb"},
		"scope": {"openid email"}, "code_challenge": {oauth.S256(verifier)}, "code_challenge_method": {"S256"}}
	req, aerr, err := oauth.ParseAuthorize(ctx, pool, q, client, catalog)
	if err != nil || aerr != nil {
		b.Fatal(err, aerr)
	}
	sub := oauth.Subject{PoolID: pool, Username: "jane", Sub: "5c9b1a2e-0000-4000-8000-000000000001", AuthTime: time.Now()}
	b.ReportAllocs()
	for b.Loop() {
		loc, err := a.Complete(ctx, req, sub)
		if err != nil {
			b.Fatal(err)
		}
		back, _ := url.Parse(loc)
		form := url.Values{"grant_type": {"authorization_code"}, "client_id": {client.ID}, "code": {back.Query().Get("code")},
			"redirect_uri": {"https://app.example.com/cb"}, "code_verifier": {verifier}}
		r := httptest.NewRequest("POST", "/oauth2/token", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.Token(rec, r)
		if rec.Code != 200 {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
