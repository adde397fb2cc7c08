package sql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// ---------------------------------------------------------------------------
// Identity providers

type providerData struct {
	Type             string            `json:"type"`
	Metadata         string            `json:"metadata,omitempty"`
	AttributeMapping map[string]string `json:"mapping,omitempty"`
	Identifiers      []string          `json:"identifiers,omitempty"`
	CreatedAt        *int64            `json:"created_at,omitempty"`
	UpdatedAt        *int64            `json:"updated_at,omitempty"`
}

// providerSecrets is what is sealed of a provider.
type providerSecrets struct {
	Details map[string]string `json:"details,omitempty"`
	Private map[string]string `json:"private,omitempty"`
}

const providerCols = "pool_id, name, data, secrets"

func providerAD(pool, name string) string { return "identity-provider/" + pool + "/" + name }

func (db *DB) encodeProvider(p *storage.IdentityProvider) (data string, sealed []byte, err error) {
	b, err := json.Marshal(providerData{
		Type: p.Type, Metadata: p.Metadata, AttributeMapping: p.AttributeMapping,
		Identifiers: p.Identifiers, CreatedAt: jtime(p.CreatedAt), UpdatedAt: jtime(p.UpdatedAt),
	})
	if err != nil {
		return "", nil, err
	}
	var plain []byte
	if len(p.Details) > 0 || len(p.Private) > 0 {
		if plain, err = json.Marshal(providerSecrets{Details: p.Details, Private: p.Private}); err != nil {
			return "", nil, err
		}
	}
	sealed, err = db.seal(providerAD(p.PoolID, p.Name), plain)
	return string(b), sealed, err
}

func (db *DB) decodeProvider(p *storage.IdentityProvider, data string, sealed []byte) error {
	var v providerData
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		return fmt.Errorf("storage/sql: identity provider %s/%s: %w", p.PoolID, p.Name, err)
	}
	p.Type, p.Metadata = v.Type, v.Metadata
	p.AttributeMapping = nilIfEmpty(v.AttributeMapping)
	p.Identifiers = emptyNil(v.Identifiers)
	p.CreatedAt, p.UpdatedAt = fromJTime(v.CreatedAt), fromJTime(v.UpdatedAt)
	plain, err := db.unseal(providerAD(p.PoolID, p.Name), sealed)
	if err != nil {
		return err
	}
	p.Details, p.Private = nil, nil
	if len(plain) > 0 {
		var s providerSecrets
		if err := json.Unmarshal(plain, &s); err != nil {
			return fmt.Errorf("storage/sql: identity provider %s/%s: secrets: %w", p.PoolID, p.Name, err)
		}
		p.Details, p.Private = nilIfEmpty(s.Details), nilIfEmpty(s.Private)
	}
	return nil
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

func (db *DB) scanProvider(r row) (storage.IdentityProvider, error) {
	var p storage.IdentityProvider
	var data string
	var sealed []byte
	if err := r.Scan(&p.PoolID, &p.Name, &data, &sealed); err != nil {
		return p, err
	}
	return p, db.decodeProvider(&p, data, sealed)
}

// CreateIdentityProvider stores p; ErrExists if its name is taken in the
// pool, ErrNotFound if the pool does not exist.
func (db *DB) CreateIdentityProvider(ctx context.Context, p storage.IdentityProvider) error {
	data, sealed, err := db.encodeProvider(&p)
	if err != nil {
		return err
	}
	err = db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO identity_providers ("+providerCols+") VALUES (?, ?, ?, ?)", p.PoolID, p.Name, data, nullBytes(sealed))
		return err
	})
	if err != nil {
		return fmt.Errorf("create identity provider %s/%s: %w", p.PoolID, p.Name, err)
	}
	return nil
}

// GetIdentityProvider returns a provider by its exact name.
func (db *DB) GetIdentityProvider(ctx context.Context, poolID, name string) (storage.IdentityProvider, error) {
	var p storage.IdentityProvider
	err := db.be.read(ctx, func(q querier) error {
		var err error
		p, err = db.scanProvider(q.queryRow("SELECT "+providerCols+" FROM identity_providers WHERE pool_id = ? AND name = ?", poolID, name))
		return err
	})
	if errors.Is(err, errNoRows) {
		return storage.IdentityProvider{}, notFound("identity provider", poolID, name)
	}
	return p, err
}

// UpdateIdentityProvider changes a provider atomically. PoolID and Name
// are immutable.
func (db *DB) UpdateIdentityProvider(ctx context.Context, poolID, name string, fn func(*storage.IdentityProvider) error) (storage.IdentityProvider, error) {
	var out storage.IdentityProvider
	err := db.be.write(ctx, true, func(q querier) error {
		p, err := db.scanProvider(q.queryRow("SELECT "+providerCols+" FROM identity_providers WHERE pool_id = ? AND name = ?"+db.d.forUpdate, poolID, name))
		if errors.Is(err, errNoRows) {
			return notFound("identity provider", poolID, name)
		} else if err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		if p.PoolID != poolID {
			return immutable("UpdateIdentityProvider", "PoolID")
		}
		if p.Name != name {
			return immutable("UpdateIdentityProvider", "Name")
		}
		data, sealed, err := db.encodeProvider(&p)
		if err != nil {
			return err
		}
		if _, err := q.exec("UPDATE identity_providers SET data = ?, secrets = ? WHERE pool_id = ? AND name = ?", data, nullBytes(sealed), poolID, name); err != nil {
			return err
		}
		out = storage.IdentityProvider{PoolID: poolID, Name: name}
		return db.decodeProvider(&out, data, sealed)
	})
	if err != nil {
		return storage.IdentityProvider{}, err
	}
	return out, nil
}

// DeleteIdentityProvider deletes a provider.
func (db *DB) DeleteIdentityProvider(ctx context.Context, poolID, name string) error {
	return db.deleteOne(ctx, notFound("identity provider", poolID, name),
		"DELETE FROM identity_providers WHERE pool_id = ? AND name = ?", poolID, name)
}

// ListIdentityProviders returns the pool's providers ordered by name.
func (db *DB) ListIdentityProviders(ctx context.Context, poolID string) ([]storage.IdentityProvider, error) {
	var out []storage.IdentityProvider
	err := db.be.read(ctx, func(q querier) error {
		rs, err := q.query("SELECT "+providerCols+" FROM identity_providers WHERE pool_id = ? ORDER BY name", poolID)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			p, err := db.scanProvider(rs)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rs.Err()
	})
	return out, err
}

// ---------------------------------------------------------------------------
// SAML keys

func samlKeyAD(pool string) string { return "saml-key/" + pool }

// CreateSAMLKey stores a pool's SAML key pair; ErrExists if it has one,
// ErrNotFound if the pool does not exist.
func (db *DB) CreateSAMLKey(ctx context.Context, k storage.SAMLKey) error {
	sealed, err := db.seal(samlKeyAD(k.PoolID), k.PrivateKey)
	if err != nil {
		return err
	}
	err = db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO saml_keys (pool_id, certificate, created_at, secrets) VALUES (?, ?, ?, ?)",
			k.PoolID, k.Certificate, micros(k.CreatedAt), nullBytes(sealed))
		return err
	})
	if err != nil {
		return fmt.Errorf("create SAML key %s: %w", k.PoolID, err)
	}
	return nil
}

// GetSAMLKey returns a pool's SAML key pair.
func (db *DB) GetSAMLKey(ctx context.Context, poolID string) (storage.SAMLKey, error) {
	k := storage.SAMLKey{PoolID: poolID}
	var created int64
	var sealed []byte
	err := db.be.read(ctx, func(q querier) error {
		return q.queryRow("SELECT certificate, created_at, secrets FROM saml_keys WHERE pool_id = ?", poolID).Scan(&k.Certificate, &created, &sealed)
	})
	if errors.Is(err, errNoRows) {
		return storage.SAMLKey{}, notFound("SAML key", poolID)
	} else if err != nil {
		return storage.SAMLKey{}, err
	}
	k.CreatedAt = fromMicros(created)
	if k.PrivateKey, err = db.unseal(samlKeyAD(poolID), sealed); err != nil {
		return storage.SAMLKey{}, err
	}
	return k, nil
}

// ---------------------------------------------------------------------------
// Provider links

const linkCols = "pool_id, provider_name, attribute_name, attribute_value, username_key, created_at"

func scanLink(r row) (storage.ProviderLink, error) {
	var l storage.ProviderLink
	var created int64
	err := r.Scan(&l.PoolID, &l.ProviderName, &l.AttributeName, &l.AttributeValue, &l.UsernameKey, &created)
	l.CreatedAt = fromMicros(created)
	return l, err
}

// CreateProviderLink stores l; ErrExists if its source is linked,
// ErrNotFound if its user does not exist.
func (db *DB) CreateProviderLink(ctx context.Context, l storage.ProviderLink) error {
	err := db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO provider_links ("+linkCols+") VALUES (?, ?, ?, ?, ?, ?)",
			l.PoolID, l.ProviderName, l.AttributeName, l.AttributeValue, l.UsernameKey, micros(l.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("create provider link %s/%s: %w", l.PoolID, l.ProviderName, err)
	}
	return nil
}

func (db *DB) listLinks(ctx context.Context, query string, args ...any) ([]storage.ProviderLink, error) {
	var out []storage.ProviderLink
	err := db.be.read(ctx, func(q querier) error {
		rs, err := q.query(query, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			l, err := scanLink(rs)
			if err != nil {
				return err
			}
			out = append(out, l)
		}
		return rs.Err()
	})
	return out, err
}

// ListProviderLinks returns the links of a provider's identities.
func (db *DB) ListProviderLinks(ctx context.Context, poolID, providerName string) ([]storage.ProviderLink, error) {
	return db.listLinks(ctx, "SELECT "+linkCols+" FROM provider_links WHERE pool_id = ? AND provider_name = ? ORDER BY attribute_name, attribute_value", poolID, providerName)
}

// ListUserProviderLinks returns the links to a user.
func (db *DB) ListUserProviderLinks(ctx context.Context, poolID, usernameKey string) ([]storage.ProviderLink, error) {
	return db.listLinks(ctx, "SELECT "+linkCols+" FROM provider_links WHERE pool_id = ? AND username_key = ? ORDER BY provider_name, attribute_name, attribute_value", poolID, usernameKey)
}

// DeleteProviderLink deletes a link by its source.
func (db *DB) DeleteProviderLink(ctx context.Context, poolID, providerName, attributeName, attributeValue string) error {
	return db.deleteOne(ctx, notFound("provider link", poolID, providerName, attributeName, attributeValue),
		"DELETE FROM provider_links WHERE pool_id = ? AND provider_name = ? AND attribute_name = ? AND attribute_value = ?",
		poolID, providerName, attributeName, attributeValue)
}

// ---------------------------------------------------------------------------
// Spent single-use values

// SpendOnce records key as spent until expiresAt; ErrExists if it is
// recorded and not expired at now.
func (db *DB) SpendOnce(ctx context.Context, key string, now, expiresAt time.Time) error {
	return db.be.write(ctx, true, func(q querier) error {
		if _, err := q.exec("DELETE FROM spent_values WHERE spent_key = ? AND expires_at <= ?", key, micros(now)); err != nil {
			return err
		}
		_, err := q.exec("INSERT INTO spent_values (spent_key, expires_at) VALUES (?, ?)", key, micros(expiresAt))
		if err != nil {
			return fmt.Errorf("spend %q: %w", key, err)
		}
		return nil
	})
}

// DeleteExpiredSpent forgets the keys that expired before t.
func (db *DB) DeleteExpiredSpent(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := db.be.write(ctx, false, func(q querier) error {
		var err error
		n, err = q.exec("DELETE FROM spent_values WHERE expires_at < ?", micros(t))
		return err
	})
	return n, err
}
