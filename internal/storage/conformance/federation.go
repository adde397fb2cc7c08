package conformance

import (
	"fmt"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// ---------------------------------------------------------------------------
// Federation fixtures

func fullIdentityProvider(poolID, name string) storage.IdentityProvider {
	return storage.IdentityProvider{
		PoolID: poolID,
		Name:   name,
		Type:   "OIDC",
		Details: map[string]string{
			"client_id": "cid-" + name, "client_secret": "secret-" + name, "authorize_scopes": "openid email",
			"oidc_issuer": "https://issuer.example/" + name, "ünïcode": "wért",
		},
		Private:          map[string]string{"private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"},
		Metadata:         "<EntityDescriptor entityID=\"urn:" + name + "\"/>",
		AttributeMapping: map[string]string{"email": "email", "username": "sub"},
		Identifiers:      []string{"example.com", "Example.org"},
		CreatedAt:        at(60),
		UpdatedAt:        at(61).In(elsewhere),
	}
}

func fullProviderLink(poolID, provider, value, usernameKey string) storage.ProviderLink {
	return storage.ProviderLink{
		PoolID: poolID, ProviderName: provider, AttributeName: "Cognito_Subject", AttributeValue: value,
		UsernameKey: usernameKey, CreatedAt: at(62),
	}
}

func fullSAMLKey(poolID string) storage.SAMLKey {
	return storage.SAMLKey{PoolID: poolID, Certificate: []byte{0x30, 0x82, 1, 0, 'c', 'e', 'r', 't'}, PrivateKey: []byte{0x30, 0x82, 2, 0, 'k', 'e', 'y'}, CreatedAt: at(63)}
}

// ---------------------------------------------------------------------------
// Identity providers

func testIdentityProviderRoundTrip(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	for _, p := range []storage.IdentityProvider{
		fullIdentityProvider("p1", "Okta"),
		{PoolID: "p1", Name: "min", Type: "SAML"},
		fullIdentityProvider("p2", "Okta"), // the same name in another pool
	} {
		must(t, s.CreateIdentityProvider(ctx, p))
		got, err := s.GetIdentityProvider(ctx, p.PoolID, p.Name)
		must(t, err)
		same(t, "GetIdentityProvider "+p.PoolID+"/"+p.Name, p, got)
	}
	// Names are exact: another case is another provider.
	_, err := s.GetIdentityProvider(ctx, "p1", "okta")
	wantIs(t, "GetIdentityProvider in another case", err, storage.ErrNotFound)
	// Copies: changing what was given or returned changes nothing stored.
	p := fullIdentityProvider("p2", "Copies")
	must(t, s.CreateIdentityProvider(ctx, p))
	p.Details["client_id"], p.Identifiers[0], p.AttributeMapping["email"] = "x", "x", "x"
	got, err := s.GetIdentityProvider(ctx, "p2", "Copies")
	must(t, err)
	got.Details["client_id"], got.Private["private_key"] = "y", "y"
	got, err = s.GetIdentityProvider(ctx, "p2", "Copies")
	must(t, err)
	same(t, "GetIdentityProvider after mutations", fullIdentityProvider("p2", "Copies"), got)
}

func testIdentityProviderErrors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	must(t, s.CreateIdentityProvider(ctx, fullIdentityProvider("p1", "A")))
	wantIs(t, "CreateIdentityProvider duplicate", s.CreateIdentityProvider(ctx, fullIdentityProvider("p1", "A")), storage.ErrExists)
	wantIs(t, "CreateIdentityProvider in a missing pool", s.CreateIdentityProvider(ctx, fullIdentityProvider("nope", "A")), storage.ErrNotFound)
	_, err := s.GetIdentityProvider(ctx, "p1", "B")
	wantIs(t, "GetIdentityProvider missing", err, storage.ErrNotFound)
	_, err = s.UpdateIdentityProvider(ctx, "p1", "B", func(*storage.IdentityProvider) error { return nil })
	wantIs(t, "UpdateIdentityProvider missing", err, storage.ErrNotFound)
	wantIs(t, "DeleteIdentityProvider missing", s.DeleteIdentityProvider(ctx, "p1", "B"), storage.ErrNotFound)
	_, err = s.UpdateIdentityProvider(ctx, "p1", "A", func(p *storage.IdentityProvider) error { p.Name = "B"; return nil })
	if err == nil {
		t.Error("UpdateIdentityProvider changing the name: no error")
	}
	must(t, s.DeleteIdentityProvider(ctx, "p1", "A"))
	_, err = s.GetIdentityProvider(ctx, "p1", "A")
	wantIs(t, "GetIdentityProvider after delete", err, storage.ErrNotFound)
	must(t, s.CreateIdentityProvider(ctx, fullIdentityProvider("p1", "A")))
}

func testIdentityProviderUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	must(t, s.CreateIdentityProvider(ctx, fullIdentityProvider("p1", "P")))
	want := fullIdentityProvider("p1", "P")
	for i, step := range []func(p *storage.IdentityProvider){
		func(p *storage.IdentityProvider) {
			p.Details = map[string]string{"client_id": "new"}
			p.AttributeMapping["name"] = "given"
			p.Identifiers = []string{"z"}
			p.UpdatedAt = at(70)
		},
		func(p *storage.IdentityProvider) {
			p.Details, p.Private, p.AttributeMapping, p.Identifiers, p.Metadata = nil, nil, nil, nil, ""
		},
		func(p *storage.IdentityProvider) { p.Private = map[string]string{"k": "v"}; p.Type = "SignInWithApple" },
	} {
		step(&want)
		got, err := s.UpdateIdentityProvider(ctx, "p1", "P", func(p *storage.IdentityProvider) error { step(p); return nil })
		must(t, err)
		same(t, fmt.Sprintf("UpdateIdentityProvider result %d", i), want, got)
		got, err = s.GetIdentityProvider(ctx, "p1", "P")
		must(t, err)
		same(t, fmt.Sprintf("GetIdentityProvider after update %d", i), want, got)
	}
	// A failing fn changes nothing.
	_, err := s.UpdateIdentityProvider(ctx, "p1", "P", func(p *storage.IdentityProvider) error {
		p.Metadata = "changed"
		return fmt.Errorf("refused")
	})
	if err == nil {
		t.Fatal("UpdateIdentityProvider: fn error not returned")
	}
	got, err := s.GetIdentityProvider(ctx, "p1", "P")
	must(t, err)
	same(t, "GetIdentityProvider after a failed update", want, got)
}

func testIdentityProviderList(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	names := []string{"b", "A", "a", "Z", "é"}
	for _, n := range names {
		must(t, s.CreateIdentityProvider(ctx, fullIdentityProvider("p1", n)))
	}
	must(t, s.CreateIdentityProvider(ctx, fullIdentityProvider("p2", "other")))
	got, err := s.ListIdentityProviders(ctx, "p1")
	must(t, err)
	var gotNames []string
	for _, p := range got {
		same(t, "ListIdentityProviders record", fullIdentityProvider("p1", p.Name), p)
		gotNames = append(gotNames, p.Name)
	}
	same(t, "ListIdentityProviders order", []string{"A", "Z", "a", "b", "é"}, gotNames)
	none, err := s.ListIdentityProviders(ctx, "p3")
	must(t, err)
	if len(none) != 0 {
		t.Errorf("ListIdentityProviders of a missing pool: %d records", len(none))
	}
}

// ---------------------------------------------------------------------------
// SAML keys

func testSAMLKey(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	_, err := s.GetSAMLKey(ctx, "p1")
	wantIs(t, "GetSAMLKey before any", err, storage.ErrNotFound)
	must(t, s.CreateSAMLKey(ctx, fullSAMLKey("p1")))
	got, err := s.GetSAMLKey(ctx, "p1")
	must(t, err)
	same(t, "GetSAMLKey", fullSAMLKey("p1"), got)
	second := fullSAMLKey("p1")
	second.Certificate = []byte("other")
	wantIs(t, "CreateSAMLKey a second time", s.CreateSAMLKey(ctx, second), storage.ErrExists)
	got, err = s.GetSAMLKey(ctx, "p1")
	must(t, err)
	same(t, "GetSAMLKey after a refused second key", fullSAMLKey("p1"), got)
	wantIs(t, "CreateSAMLKey in a missing pool", s.CreateSAMLKey(ctx, fullSAMLKey("nope")), storage.ErrNotFound)
}

// ---------------------------------------------------------------------------
// Provider links

func testProviderLinks(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkUser(t, s, "p1", "alice")
	mkUser(t, s, "p1", "bob")
	a1 := fullProviderLink("p1", "Google", "111", "alice")
	a2 := fullProviderLink("p1", "Okta", "222", "alice")
	a2.AttributeName = "email"
	b1 := fullProviderLink("p1", "Google", "333", "bob")
	for _, l := range []storage.ProviderLink{a2, a1, b1} {
		must(t, s.CreateProviderLink(ctx, l))
	}
	dup := fullProviderLink("p1", "Google", "111", "bob")
	wantIs(t, "CreateProviderLink of a linked source", s.CreateProviderLink(ctx, dup), storage.ErrExists)
	wantIs(t, "CreateProviderLink to a missing user", s.CreateProviderLink(ctx, fullProviderLink("p1", "Google", "444", "nobody")), storage.ErrNotFound)
	got, err := s.ListUserProviderLinks(ctx, "p1", "alice")
	must(t, err)
	same(t, "ListUserProviderLinks", []storage.ProviderLink{a1, a2}, got)
	got, err = s.ListProviderLinks(ctx, "p1", "Google")
	must(t, err)
	same(t, "ListProviderLinks", []storage.ProviderLink{a1, b1}, got)
	wantIs(t, "DeleteProviderLink missing", s.DeleteProviderLink(ctx, "p1", "Google", "Cognito_Subject", "999"), storage.ErrNotFound)
	must(t, s.DeleteProviderLink(ctx, "p1", "Google", "Cognito_Subject", "111"))
	got, err = s.ListProviderLinks(ctx, "p1", "Google")
	must(t, err)
	same(t, "ListProviderLinks after delete", []storage.ProviderLink{b1}, got)
	// Links go with their user.
	must(t, s.DeleteUser(ctx, "p1", "bob"))
	got, err = s.ListProviderLinks(ctx, "p1", "Google")
	must(t, err)
	if len(got) != 0 {
		t.Errorf("ListProviderLinks after DeleteUser: %d links", len(got))
	}
}

// ---------------------------------------------------------------------------
// Spent values

func testSpendOnce(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.SpendOnce(ctx, "flow:a", at(0), at(10)))
	wantIs(t, "SpendOnce again before expiry", s.SpendOnce(ctx, "flow:a", at(5), at(20)), storage.ErrExists)
	must(t, s.SpendOnce(ctx, "flow:b", at(0), at(10)))
	// Once expired the key may be recorded again.
	must(t, s.SpendOnce(ctx, "flow:a", at(10), at(30)))
	wantIs(t, "SpendOnce after re-recording", s.SpendOnce(ctx, "flow:a", at(11), at(40)), storage.ErrExists)
	n, err := s.DeleteExpiredSpent(ctx, at(15))
	must(t, err)
	if n != 1 {
		t.Errorf("DeleteExpiredSpent removed %d, want 1 (flow:b)", n)
	}
	must(t, s.SpendOnce(ctx, "flow:b", at(16), at(20)))
	wantIs(t, "SpendOnce flow:a still recorded", s.SpendOnce(ctx, "flow:a", at(16), at(40)), storage.ErrExists)
	// Concurrent spenders: exactly one wins.
	errs := make(chan error, 8)
	for range 8 {
		go func() { errs <- s.SpendOnce(ctx, "flow:race", at(0), at(0).Add(time.Hour)) }()
	}
	wins := 0
	for range 8 {
		if err := <-errs; err == nil {
			wins++
		} else {
			wantIs(t, "SpendOnce race loser", err, storage.ErrExists)
		}
	}
	if wins != 1 {
		t.Errorf("SpendOnce race: %d winners, want 1", wins)
	}
}
