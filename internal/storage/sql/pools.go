package sql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/userpoold/userpoold/internal/storage"
)

// ---------------------------------------------------------------------------
// Pools

type poolData struct {
	Name      string            `json:"name,omitempty"`
	CreatedAt *int64            `json:"created_at,omitempty"`
	UpdatedAt *int64            `json:"updated_at,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
}

const poolCols = "id, config, risk_config, data"

func encodePool(p storage.Pool) (data string, err error) {
	b, err := json.Marshal(poolData{
		Name:      p.Name,
		CreatedAt: jtime(p.CreatedAt),
		UpdatedAt: jtime(p.UpdatedAt),
		Tags:      p.Tags,
	})
	return string(b), err
}

func scanPool(r row) (storage.Pool, error) {
	var p storage.Pool
	var config, risk []byte
	var data string
	if err := r.Scan(&p.ID, &config, &risk, &data); err != nil {
		return p, err
	}
	err := decodePool(&p, config, risk, data)
	return p, err
}

// decodePool fills p (whose ID is set) from its columns.
func decodePool(p *storage.Pool, config, risk []byte, data string) error {
	var d poolData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return fmt.Errorf("storage/sql: pool %s: %w", p.ID, err)
	}
	p.Name = d.Name
	p.CreatedAt = fromJTime(d.CreatedAt)
	p.UpdatedAt = fromJTime(d.UpdatedAt)
	if len(d.Tags) > 0 {
		p.Tags = d.Tags
	}
	p.Config = emptyNil(config)
	p.RiskConfig = emptyNil(risk)
	return nil
}

// CreatePool stores p and its first signing keys in one transaction;
// ErrExists if its ID (or a key's KID) is taken.
func (db *DB) CreatePool(ctx context.Context, p storage.Pool, keys ...storage.SigningKey) error {
	data, err := encodePool(p)
	if err != nil {
		return err
	}
	inserts := make([]func(q querier) error, len(keys))
	for i, k := range keys {
		if k.PoolID != p.ID {
			return fmt.Errorf("create pool %s: signing key %s belongs to pool %s", p.ID, k.KID, k.PoolID)
		}
		if inserts[i], err = db.insertSigningKey(k); err != nil {
			return err
		}
	}
	err = db.be.write(ctx, len(keys) > 0, func(q querier) error {
		if _, err := q.exec("INSERT INTO pools ("+poolCols+") VALUES (?, ?, ?, ?)",
			p.ID, nullBytes(p.Config), nullBytes(p.RiskConfig), data); err != nil {
			return err
		}
		for _, insert := range inserts {
			if err := insert(q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create pool %s: %w", p.ID, err)
	}
	return nil
}

// GetPool returns the pool with this ID.
func (db *DB) GetPool(ctx context.Context, id string) (storage.Pool, error) {
	var p storage.Pool
	err := db.be.read(ctx, func(q querier) error {
		var err error
		p, err = scanPool(q.queryRow("SELECT "+poolCols+" FROM pools WHERE id = ?", id))
		return err
	})
	if errors.Is(err, errNoRows) {
		return storage.Pool{}, notFound("pool", id)
	}
	return p, err
}

// UpdatePool changes a pool atomically. The ID is immutable.
func (db *DB) UpdatePool(ctx context.Context, id string, fn func(*storage.Pool) error) (storage.Pool, error) {
	var out storage.Pool
	err := db.be.write(ctx, true, func(q querier) error {
		p, err := scanPool(q.queryRow("SELECT "+poolCols+" FROM pools WHERE id = ?"+db.d.forUpdate, id))
		if errors.Is(err, errNoRows) {
			return notFound("pool", id)
		} else if err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		if p.ID != id {
			return immutable("UpdatePool", "ID")
		}
		data, err := encodePool(p)
		if err != nil {
			return err
		}
		if _, err := q.exec("UPDATE pools SET config = ?, risk_config = ?, data = ? WHERE id = ?",
			nullBytes(p.Config), nullBytes(p.RiskConfig), data, id); err != nil {
			return err
		}
		// Return what GetPool would.
		out = storage.Pool{ID: id}
		return decodePool(&out, bytes.Clone(p.Config), bytes.Clone(p.RiskConfig), data)
	})
	if err != nil {
		return storage.Pool{}, err
	}
	return out, nil
}

// DeletePool deletes the pool and everything in it.
func (db *DB) DeletePool(ctx context.Context, id string) error {
	return db.deleteOne(ctx, notFound("pool", id), "DELETE FROM pools WHERE id = ?", id)
}

// deleteOne runs a DELETE and reports notFound if it deleted nothing.
func (db *DB) deleteOne(ctx context.Context, notFound error, query string, args ...any) error {
	var n int64
	err := db.be.write(ctx, false, func(q querier) error {
		var err error
		n, err = q.exec(query, args...)
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// ListPools returns pools ordered by ID.
func (db *DB) ListPools(ctx context.Context, page storage.Page) ([]storage.Pool, string, error) {
	return list[storage.Pool]{
		first: "SELECT " + poolCols + " FROM pools ORDER BY id LIMIT ?",
		after: "SELECT " + poolCols + " FROM pools WHERE id > ? ORDER BY id LIMIT ?",
		nkeys: 1,
		scan: func(r rows) (storage.Pool, []string, error) {
			p, err := scanPool(r)
			return p, []string{p.ID}, err
		},
	}.run(ctx, db, page)
}

// ---------------------------------------------------------------------------
// App clients

type clientData struct {
	Name      string `json:"name,omitempty"`
	CreatedAt *int64 `json:"created_at,omitempty"`
	UpdatedAt *int64 `json:"updated_at,omitempty"`
}

const clientCols = "pool_id, id, config, risk_config, data, secrets"

func (db *DB) encodeClient(c storage.Client) (data string, secrets []byte, err error) {
	b, err := json.Marshal(clientData{
		Name:      c.Name,
		CreatedAt: jtime(c.CreatedAt),
		UpdatedAt: jtime(c.UpdatedAt),
	})
	if err != nil {
		return "", nil, err
	}
	secrets, err = db.sealClientSecrets(c)
	return string(b), secrets, err
}

// clientSecretsJSON is the sealed value of a client whose secrets were
// rotated. A client without rotated secrets seals its Secret alone, as
// before rotation existed; a secret never starts with "{" (the model's
// pattern is [\w+]+), so the two forms cannot be confused.
type clientSecretsJSON struct {
	Secret  string             `json:"secret"`
	Secrets []clientSecretJSON `json:"secrets"`
}

type clientSecretJSON struct {
	ID        string `json:"id"`
	Value     string `json:"value"`
	CreatedAt *int64 `json:"created_at,omitempty"`
}

// sealClientSecrets seals Secret and Secrets of c as one value.
func (db *DB) sealClientSecrets(c storage.Client) ([]byte, error) {
	if len(c.Secrets) == 0 {
		return db.seal(clientAD(c.ID), []byte(c.Secret))
	}
	v := clientSecretsJSON{Secret: c.Secret}
	for _, s := range c.Secrets {
		v.Secrets = append(v.Secrets, clientSecretJSON{ID: s.ID, Value: s.Value, CreatedAt: jtime(s.CreatedAt)})
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return db.seal(clientAD(c.ID), b)
}

// storedSecrets is what secrets read back as (times to the microsecond, in
// UTC; empty is nil).
func storedSecrets(in []storage.ClientSecret) []storage.ClientSecret {
	var out []storage.ClientSecret
	for _, s := range in {
		out = append(out, storage.ClientSecret{ID: s.ID, Value: s.Value, CreatedAt: fromJTime(jtime(s.CreatedAt))})
	}
	return out
}

// openClientSecrets is the inverse of sealClientSecrets.
func (db *DB) openClientSecrets(id string, sealed []byte) (string, []storage.ClientSecret, error) {
	b, err := db.unseal(clientAD(id), sealed)
	if err != nil || len(b) == 0 || b[0] != '{' {
		return string(b), nil, err
	}
	var v clientSecretsJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return "", nil, fmt.Errorf("storage/sql: client %s secrets: %w", id, err)
	}
	var out []storage.ClientSecret
	for _, s := range v.Secrets {
		out = append(out, storage.ClientSecret{ID: s.ID, Value: s.Value, CreatedAt: fromJTime(s.CreatedAt)})
	}
	return v.Secret, out, nil
}

func (db *DB) scanClient(r row) (storage.Client, error) {
	var c storage.Client
	var config, risk, secrets []byte
	var data string
	if err := r.Scan(&c.PoolID, &c.ID, &config, &risk, &data, &secrets); err != nil {
		return c, err
	}
	secret, rotated, err := db.openClientSecrets(c.ID, secrets)
	if err != nil {
		return c, err
	}
	err = decodeClient(&c, config, risk, data, secret, rotated)
	return c, err
}

// decodeClient fills c (whose keys are set) from its columns.
func decodeClient(c *storage.Client, config, risk []byte, data, secret string, rotated []storage.ClientSecret) error {
	var d clientData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return fmt.Errorf("storage/sql: client %s: %w", c.ID, err)
	}
	c.Name = d.Name
	c.Secret = secret
	c.Secrets = rotated
	c.CreatedAt = fromJTime(d.CreatedAt)
	c.UpdatedAt = fromJTime(d.UpdatedAt)
	c.Config = emptyNil(config)
	c.RiskConfig = emptyNil(risk)
	return nil
}

// CreateClient stores c; ErrExists if its ID is taken in any pool,
// ErrNotFound if its pool does not exist.
func (db *DB) CreateClient(ctx context.Context, c storage.Client) error {
	data, secrets, err := db.encodeClient(c)
	if err != nil {
		return err
	}
	err = db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO clients ("+clientCols+") VALUES (?, ?, ?, ?, ?, ?)",
			c.PoolID, c.ID, nullBytes(c.Config), nullBytes(c.RiskConfig), data, nullBytes(secrets))
		return err
	})
	if err != nil {
		return fmt.Errorf("create client %s: %w", c.ID, err)
	}
	return nil
}

// GetClient finds a client by its ID alone.
func (db *DB) GetClient(ctx context.Context, clientID string) (storage.Client, error) {
	var c storage.Client
	err := db.be.read(ctx, func(q querier) error {
		var err error
		c, err = db.scanClient(q.queryRow("SELECT "+clientCols+" FROM clients WHERE id = ?", clientID))
		return err
	})
	if errors.Is(err, errNoRows) {
		return storage.Client{}, notFound("client", clientID)
	}
	return c, err
}

// UpdateClient changes a client atomically. PoolID and ID are immutable.
func (db *DB) UpdateClient(ctx context.Context, clientID string, fn func(*storage.Client) error) (storage.Client, error) {
	var out storage.Client
	err := db.be.write(ctx, true, func(q querier) error {
		c, err := db.scanClient(q.queryRow("SELECT "+clientCols+" FROM clients WHERE id = ?"+db.d.forUpdate, clientID))
		if errors.Is(err, errNoRows) {
			return notFound("client", clientID)
		} else if err != nil {
			return err
		}
		pool, secret, rotated := c.PoolID, c.Secret, slices.Clone(c.Secrets)
		if err := fn(&c); err != nil {
			return err
		}
		if c.ID != clientID {
			return immutable("UpdateClient", "ID")
		}
		if c.PoolID != pool {
			return immutable("UpdateClient", "PoolID")
		}
		data, err := json.Marshal(clientData{Name: c.Name, CreatedAt: jtime(c.CreatedAt), UpdatedAt: jtime(c.UpdatedAt)})
		if err != nil {
			return err
		}
		if c.Secret == secret && slices.Equal(c.Secrets, rotated) {
			_, err = q.exec("UPDATE clients SET config = ?, risk_config = ?, data = ? WHERE id = ?",
				nullBytes(c.Config), nullBytes(c.RiskConfig), string(data), clientID)
		} else {
			var sealed []byte
			if sealed, err = db.sealClientSecrets(c); err != nil {
				return err
			}
			_, err = q.exec("UPDATE clients SET config = ?, risk_config = ?, data = ?, secrets = ? WHERE id = ?",
				nullBytes(c.Config), nullBytes(c.RiskConfig), string(data), nullBytes(sealed), clientID)
		}
		if err != nil {
			return err
		}
		// Return what GetClient would.
		out = storage.Client{PoolID: pool, ID: clientID}
		return decodeClient(&out, bytes.Clone(c.Config), bytes.Clone(c.RiskConfig), string(data), c.Secret, storedSecrets(c.Secrets))
	})
	if err != nil {
		return storage.Client{}, err
	}
	return out, nil
}

// DeleteClient deletes a client and, in the same transaction, its
// branding documents.
func (db *DB) DeleteClient(ctx context.Context, clientID string) error {
	var n int64
	err := db.be.write(ctx, false, func(q querier) error {
		var err error
		if n, err = q.exec("DELETE FROM clients WHERE id = ?", clientID); err != nil || n == 0 {
			return err
		}
		_, err = q.exec("DELETE FROM branding WHERE client_id = ?", clientID)
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("client", clientID)
	}
	return nil
}

// ListClients returns the pool's clients ordered by ID.
func (db *DB) ListClients(ctx context.Context, poolID string, page storage.Page) ([]storage.Client, string, error) {
	return list[storage.Client]{
		first: "SELECT " + clientCols + " FROM clients WHERE pool_id = ? ORDER BY id LIMIT ?",
		after: "SELECT " + clientCols + " FROM clients WHERE pool_id = ? AND id > ? ORDER BY id LIMIT ?",
		args:  []any{poolID},
		nkeys: 1,
		scan: func(r rows) (storage.Client, []string, error) {
			c, err := db.scanClient(r)
			return c, []string{c.ID}, err
		},
	}.run(ctx, db, page)
}
