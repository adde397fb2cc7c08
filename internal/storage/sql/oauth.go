package sql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/userpoold/userpoold/internal/storage"
)

// ---------------------------------------------------------------------------
// Domains

type domainData struct {
	CertificateARN         string          `json:"certificate_arn,omitempty"`
	SecurityPolicy         string          `json:"security_policy,omitempty"`
	ManagedLoginVersion    int             `json:"managed_login_version,omitempty"`
	Routing                json.RawMessage `json:"routing,omitempty"`
	CloudFrontDistribution string          `json:"cloudfront,omitempty"`
	CreatedAt              *int64          `json:"created_at,omitempty"`
	UpdatedAt              *int64          `json:"updated_at,omitempty"`
}

const domainCols = "name, pool_id, custom, data"

func encodeDomain(d *storage.Domain) (string, error) {
	var routing json.RawMessage
	if len(d.Routing) > 0 {
		// Kept byte-equal inside the data document: as a JSON string.
		b, err := json.Marshal(string(d.Routing))
		if err != nil {
			return "", err
		}
		routing = b
	}
	b, err := json.Marshal(domainData{
		CertificateARN:         d.CertificateARN,
		SecurityPolicy:         d.SecurityPolicy,
		ManagedLoginVersion:    d.ManagedLoginVersion,
		Routing:                routing,
		CloudFrontDistribution: d.CloudFrontDistribution,
		CreatedAt:              jtime(d.CreatedAt),
		UpdatedAt:              jtime(d.UpdatedAt),
	})
	return string(b), err
}

func decodeDomain(d *storage.Domain, custom int64, data string) error {
	var v domainData
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		return fmt.Errorf("storage/sql: domain %s: %w", d.Name, err)
	}
	d.Custom = custom != 0
	d.CertificateARN = v.CertificateARN
	d.SecurityPolicy = v.SecurityPolicy
	d.ManagedLoginVersion = v.ManagedLoginVersion
	d.Routing = nil
	if len(v.Routing) > 0 {
		var s string
		if err := json.Unmarshal(v.Routing, &s); err != nil {
			return fmt.Errorf("storage/sql: domain %s: routing: %w", d.Name, err)
		}
		if s != "" {
			d.Routing = json.RawMessage(s)
		}
	}
	d.CloudFrontDistribution = v.CloudFrontDistribution
	d.CreatedAt = fromJTime(v.CreatedAt)
	d.UpdatedAt = fromJTime(v.UpdatedAt)
	return nil
}

func scanDomain(r row) (storage.Domain, error) {
	var d storage.Domain
	var custom int64
	var data string
	if err := r.Scan(&d.Name, &d.PoolID, &custom, &data); err != nil {
		return d, err
	}
	return d, decodeDomain(&d, custom, data)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// CreateDomain stores d; ErrExists if its name is taken or its pool has a
// domain of its kind, ErrNotFound if the pool does not exist.
func (db *DB) CreateDomain(ctx context.Context, d storage.Domain) error {
	data, err := encodeDomain(&d)
	if err != nil {
		return err
	}
	err = db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO domains ("+domainCols+") VALUES (?, ?, ?, ?)", d.Name, d.PoolID, boolInt(d.Custom), data)
		return err
	})
	if err != nil {
		return fmt.Errorf("create domain %s: %w", d.Name, err)
	}
	return nil
}

// GetDomain returns a domain by name.
func (db *DB) GetDomain(ctx context.Context, name string) (storage.Domain, error) {
	var d storage.Domain
	err := db.be.read(ctx, func(q querier) error {
		var err error
		d, err = scanDomain(q.queryRow("SELECT "+domainCols+" FROM domains WHERE name = ?", name))
		return err
	})
	if errors.Is(err, errNoRows) {
		return storage.Domain{}, notFound("domain", name)
	}
	return d, err
}

// UpdateDomain changes a domain atomically. Name, PoolID and Custom are
// immutable.
func (db *DB) UpdateDomain(ctx context.Context, name string, fn func(*storage.Domain) error) (storage.Domain, error) {
	var out storage.Domain
	err := db.be.write(ctx, true, func(q querier) error {
		d, err := scanDomain(q.queryRow("SELECT "+domainCols+" FROM domains WHERE name = ?"+db.d.forUpdate, name))
		if errors.Is(err, errNoRows) {
			return notFound("domain", name)
		} else if err != nil {
			return err
		}
		pool, custom := d.PoolID, d.Custom
		if err := fn(&d); err != nil {
			return err
		}
		switch {
		case d.Name != name:
			return immutable("UpdateDomain", "Name")
		case d.PoolID != pool:
			return immutable("UpdateDomain", "PoolID")
		case d.Custom != custom:
			return immutable("UpdateDomain", "Custom")
		}
		data, err := encodeDomain(&d)
		if err != nil {
			return err
		}
		if _, err := q.exec("UPDATE domains SET data = ? WHERE name = ?", data, name); err != nil {
			return err
		}
		out = storage.Domain{Name: name, PoolID: pool}
		return decodeDomain(&out, boolInt(custom), data)
	})
	if err != nil {
		return storage.Domain{}, err
	}
	return out, nil
}

// DeleteDomain deletes a domain.
func (db *DB) DeleteDomain(ctx context.Context, name string) error {
	return db.deleteOne(ctx, notFound("domain", name), "DELETE FROM domains WHERE name = ?", name)
}

// ListDomains returns the pool's domains ordered by name.
func (db *DB) ListDomains(ctx context.Context, poolID string) ([]storage.Domain, error) {
	var out []storage.Domain
	err := db.be.read(ctx, func(q querier) error {
		rs, err := q.query("SELECT "+domainCols+" FROM domains WHERE pool_id = ? ORDER BY name", poolID)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			d, err := scanDomain(rs)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rs.Err()
	})
	return out, err
}

// ---------------------------------------------------------------------------
// Resource servers

type resourceServerData struct {
	Name      string               `json:"name,omitempty"`
	Scopes    []resourceServerItem `json:"scopes,omitempty"`
	CreatedAt *int64               `json:"created_at,omitempty"`
	UpdatedAt *int64               `json:"updated_at,omitempty"`
}

type resourceServerItem struct {
	Name        string `json:"n"`
	Description string `json:"d,omitempty"`
}

const resourceServerCols = "pool_id, identifier, data"

func encodeResourceServer(r *storage.ResourceServer) (string, error) {
	v := resourceServerData{Name: r.Name, CreatedAt: jtime(r.CreatedAt), UpdatedAt: jtime(r.UpdatedAt)}
	for _, s := range r.Scopes {
		v.Scopes = append(v.Scopes, resourceServerItem{Name: s.Name, Description: s.Description})
	}
	b, err := json.Marshal(v)
	return string(b), err
}

func decodeResourceServer(r *storage.ResourceServer, data string) error {
	var v resourceServerData
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		return fmt.Errorf("storage/sql: resource server %s/%s: %w", r.PoolID, r.Identifier, err)
	}
	r.Name = v.Name
	r.Scopes = nil
	for _, s := range v.Scopes {
		r.Scopes = append(r.Scopes, storage.ResourceServerScope{Name: s.Name, Description: s.Description})
	}
	r.CreatedAt = fromJTime(v.CreatedAt)
	r.UpdatedAt = fromJTime(v.UpdatedAt)
	return nil
}

func scanResourceServer(r row) (storage.ResourceServer, error) {
	var rs storage.ResourceServer
	var data string
	if err := r.Scan(&rs.PoolID, &rs.Identifier, &data); err != nil {
		return rs, err
	}
	return rs, decodeResourceServer(&rs, data)
}

// CreateResourceServer stores r; ErrExists if its identifier is taken in
// the pool, ErrNotFound if the pool does not exist.
func (db *DB) CreateResourceServer(ctx context.Context, r storage.ResourceServer) error {
	data, err := encodeResourceServer(&r)
	if err != nil {
		return err
	}
	err = db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO resource_servers ("+resourceServerCols+") VALUES (?, ?, ?)", r.PoolID, r.Identifier, data)
		return err
	})
	if err != nil {
		return fmt.Errorf("create resource server %s/%s: %w", r.PoolID, r.Identifier, err)
	}
	return nil
}

// GetResourceServer returns a resource server.
func (db *DB) GetResourceServer(ctx context.Context, poolID, identifier string) (storage.ResourceServer, error) {
	var r storage.ResourceServer
	err := db.be.read(ctx, func(q querier) error {
		var err error
		r, err = scanResourceServer(q.queryRow("SELECT "+resourceServerCols+" FROM resource_servers WHERE pool_id = ? AND identifier = ?", poolID, identifier))
		return err
	})
	if errors.Is(err, errNoRows) {
		return storage.ResourceServer{}, notFound("resource server", poolID, identifier)
	}
	return r, err
}

// UpdateResourceServer changes a resource server atomically. PoolID and
// Identifier are immutable.
func (db *DB) UpdateResourceServer(ctx context.Context, poolID, identifier string, fn func(*storage.ResourceServer) error) (storage.ResourceServer, error) {
	var out storage.ResourceServer
	err := db.be.write(ctx, true, func(q querier) error {
		r, err := scanResourceServer(q.queryRow("SELECT "+resourceServerCols+" FROM resource_servers WHERE pool_id = ? AND identifier = ?"+db.d.forUpdate, poolID, identifier))
		if errors.Is(err, errNoRows) {
			return notFound("resource server", poolID, identifier)
		} else if err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
		if r.PoolID != poolID {
			return immutable("UpdateResourceServer", "PoolID")
		}
		if r.Identifier != identifier {
			return immutable("UpdateResourceServer", "Identifier")
		}
		data, err := encodeResourceServer(&r)
		if err != nil {
			return err
		}
		if _, err := q.exec("UPDATE resource_servers SET data = ? WHERE pool_id = ? AND identifier = ?", data, poolID, identifier); err != nil {
			return err
		}
		out = storage.ResourceServer{PoolID: poolID, Identifier: identifier}
		return decodeResourceServer(&out, data)
	})
	if err != nil {
		return storage.ResourceServer{}, err
	}
	return out, nil
}

// DeleteResourceServer deletes a resource server.
func (db *DB) DeleteResourceServer(ctx context.Context, poolID, identifier string) error {
	return db.deleteOne(ctx, notFound("resource server", poolID, identifier),
		"DELETE FROM resource_servers WHERE pool_id = ? AND identifier = ?", poolID, identifier)
}

// ListResourceServers returns the pool's resource servers ordered by
// identifier.
func (db *DB) ListResourceServers(ctx context.Context, poolID string, page storage.Page) ([]storage.ResourceServer, string, error) {
	return list[storage.ResourceServer]{
		first: "SELECT " + resourceServerCols + " FROM resource_servers WHERE pool_id = ? ORDER BY identifier LIMIT ?",
		after: "SELECT " + resourceServerCols + " FROM resource_servers WHERE pool_id = ? AND identifier > ? ORDER BY identifier LIMIT ?",
		args:  []any{poolID},
		nkeys: 1,
		scan: func(r rows) (storage.ResourceServer, []string, error) {
			rs, err := scanResourceServer(r)
			return rs, []string{rs.Identifier}, err
		},
	}.run(ctx, db, page)
}

// CountResourceServers returns how many resource servers the pool has.
func (db *DB) CountResourceServers(ctx context.Context, poolID string) (int, error) {
	var n int64
	err := db.be.read(ctx, func(q querier) error {
		return q.queryRow("SELECT COUNT(*) FROM resource_servers WHERE pool_id = ?", poolID).Scan(&n)
	})
	return int(n), err
}
