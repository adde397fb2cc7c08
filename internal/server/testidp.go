package server

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/federation/testidp"
)

// This file wires the built-in test identity provider (package testidp):
// with --test-idp, userpoold serves OIDC and SAML providers under
// /_idp/<name>/ (any name: /_idp/corp/.well-known/openid-configuration,
// /_idp/okta/saml/metadata, /_idp/google for a social type sent there by
// --social-endpoints), so that federation can be tried and tested with no
// internet. It is for local trials and CI, never production: it signs in
// anyone as anyone.

// testIdPKeyFile keeps the test IdP's signing key in the data directory,
// so that pools configured with its SAML metadata keep trusting it across
// restarts.
const testIdPKeyFile = "testidp-key.pem"

// testIdPUsers are the preset users the test IdP's page offers; the first
// one is signed in without the page with --test-idp-auto-approve.
var testIdPUsers = []testidp.User{
	{Subject: "alice", Claims: map[string]any{"email": "alice@example.com", "email_verified": true, "name": "Alice Example", "given_name": "Alice", "family_name": "Example"}},
	{Subject: "bob", Claims: map[string]any{"email": "bob@example.com", "email_verified": false, "name": "Bob Example", "groups": []string{"staff", "admins"}}},
}

// loadTestIdPKey reads the test IdP's key from the data directory, or
// makes and stores one; without a data directory it makes one per start.
func loadTestIdPKey(dataDir string) (*rsa.PrivateKey, error) {
	if dataDir == "" {
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	path := filepath.Join(dataDir, testIdPKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		blk, _ := pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("test IdP key %s: not PEM", path)
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("test IdP key %s: %w", path, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("test IdP key %s: not RSA", path)
		}
		return rk, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	return k, nil
}

// newTestIdP builds the built-in test IdP at base, or nil when the
// configuration does not ask for it.
func newTestIdP(cfg config.Config, base string, now func() time.Time) (*testidp.Server, error) {
	if !cfg.Federation.TestIdP {
		return nil, nil
	}
	key, err := loadTestIdPKey(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	opts := testidp.Options{BaseURL: base, Key: key, Users: testIdPUsers, Now: now}
	if cfg.Federation.TestIdPAutoApprove {
		opts.AutoApprove = testIdPUsers[0].Subject
	}
	return testidp.New(opts)
}
