package sql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/userpoold/userpoold/internal/storage"
)

// ---------------------------------------------------------------------------
// Branding documents

type brandingData struct {
	CreatedAt *int64 `json:"created_at,omitempty"`
	UpdatedAt *int64 `json:"updated_at,omitempty"`
}

const brandingCols = "pool_id, kind, id, client_id, name, doc, data"

func encodeBranding(b *storage.Branding) (string, error) {
	d, err := json.Marshal(brandingData{CreatedAt: jtime(b.CreatedAt), UpdatedAt: jtime(b.UpdatedAt)})
	return string(d), err
}

func scanBranding(r row) (storage.Branding, error) {
	var b storage.Branding
	var kind, data string
	var doc *string
	if err := r.Scan(&b.PoolID, &kind, &b.ID, &b.ClientID, &b.Name, &doc, &data); err != nil {
		return b, err
	}
	b.Kind = storage.BrandingKind(kind)
	return b, decodeBranding(&b, doc, data)
}

func decodeBranding(b *storage.Branding, doc *string, data string) error {
	var d brandingData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return fmt.Errorf("storage/sql: branding %s/%s/%s: %w", b.PoolID, b.Kind, b.ID, err)
	}
	b.Doc = nil
	if doc != nil && *doc != "" {
		b.Doc = json.RawMessage(*doc)
	}
	b.CreatedAt = fromJTime(d.CreatedAt)
	b.UpdatedAt = fromJTime(d.UpdatedAt)
	return nil
}

// nullDoc is a document as its column holds it (empty is NULL).
func nullDoc(doc json.RawMessage) any {
	if len(doc) == 0 {
		return nil
	}
	return string(doc)
}

// CreateBranding stores b; ErrExists if its ID or its (ClientID, Name) is
// taken in its pool and kind, ErrNotFound if the pool does not exist.
func (db *DB) CreateBranding(ctx context.Context, b storage.Branding) error {
	data, err := encodeBranding(&b)
	if err != nil {
		return err
	}
	err = db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO branding ("+brandingCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
			b.PoolID, string(b.Kind), b.ID, b.ClientID, b.Name, nullDoc(b.Doc), data)
		return err
	})
	if err != nil {
		return fmt.Errorf("create branding %s/%s/%s: %w", b.PoolID, b.Kind, b.ID, err)
	}
	return nil
}

// GetBranding returns a branding document.
func (db *DB) GetBranding(ctx context.Context, poolID string, kind storage.BrandingKind, id string) (storage.Branding, error) {
	var b storage.Branding
	err := db.be.read(ctx, func(q querier) error {
		var err error
		b, err = scanBranding(q.queryRow("SELECT "+brandingCols+" FROM branding WHERE pool_id = ? AND kind = ? AND id = ?", poolID, string(kind), id))
		return err
	})
	if errors.Is(err, errNoRows) {
		return storage.Branding{}, notFound("branding", poolID, string(kind), id)
	}
	return b, err
}

// UpdateBranding changes a branding document atomically. PoolID, Kind, ID
// and ClientID are immutable.
func (db *DB) UpdateBranding(ctx context.Context, poolID string, kind storage.BrandingKind, id string, fn func(*storage.Branding) error) (storage.Branding, error) {
	var out storage.Branding
	err := db.be.write(ctx, true, func(q querier) error {
		b, err := scanBranding(q.queryRow("SELECT "+brandingCols+" FROM branding WHERE pool_id = ? AND kind = ? AND id = ?"+db.d.forUpdate, poolID, string(kind), id))
		if errors.Is(err, errNoRows) {
			return notFound("branding", poolID, string(kind), id)
		} else if err != nil {
			return err
		}
		client := b.ClientID
		if err := fn(&b); err != nil {
			return err
		}
		switch {
		case b.PoolID != poolID:
			return immutable("UpdateBranding", "PoolID")
		case b.Kind != kind:
			return immutable("UpdateBranding", "Kind")
		case b.ID != id:
			return immutable("UpdateBranding", "ID")
		case b.ClientID != client:
			return immutable("UpdateBranding", "ClientID")
		}
		data, err := encodeBranding(&b)
		if err != nil {
			return err
		}
		if _, err := q.exec("UPDATE branding SET name = ?, doc = ?, data = ? WHERE pool_id = ? AND kind = ? AND id = ?",
			b.Name, nullDoc(b.Doc), data, poolID, string(kind), id); err != nil {
			return err
		}
		out = storage.Branding{PoolID: poolID, Kind: kind, ID: id, ClientID: client, Name: b.Name}
		var doc *string
		if len(b.Doc) > 0 {
			s := string(b.Doc)
			doc = &s
		}
		return decodeBranding(&out, doc, data)
	})
	if err != nil {
		return storage.Branding{}, err
	}
	return out, nil
}

// DeleteBranding deletes a branding document.
func (db *DB) DeleteBranding(ctx context.Context, poolID string, kind storage.BrandingKind, id string) error {
	return db.deleteOne(ctx, notFound("branding", poolID, string(kind), id),
		"DELETE FROM branding WHERE pool_id = ? AND kind = ? AND id = ?", poolID, string(kind), id)
}

// ListBranding returns the pool's documents of a kind ordered by ID.
func (db *DB) ListBranding(ctx context.Context, poolID string, kind storage.BrandingKind, page storage.Page) ([]storage.Branding, string, error) {
	return list[storage.Branding]{
		first: "SELECT " + brandingCols + " FROM branding WHERE pool_id = ? AND kind = ? ORDER BY id LIMIT ?",
		after: "SELECT " + brandingCols + " FROM branding WHERE pool_id = ? AND kind = ? AND id > ? ORDER BY id LIMIT ?",
		args:  []any{poolID, string(kind)},
		nkeys: 1,
		scan: func(r rows) (storage.Branding, []string, error) {
			b, err := scanBranding(r)
			return b, []string{b.ID}, err
		},
	}.run(ctx, db, page)
}

// ClientBranding returns a client's documents of a kind ordered by name,
// then ID.
func (db *DB) ClientBranding(ctx context.Context, poolID string, kind storage.BrandingKind, clientID string) ([]storage.Branding, error) {
	var out []storage.Branding
	err := db.be.read(ctx, func(q querier) error {
		rs, err := q.query("SELECT "+brandingCols+" FROM branding WHERE pool_id = ? AND kind = ? AND client_id = ? ORDER BY name, id", poolID, string(kind), clientID)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			b, err := scanBranding(rs)
			if err != nil {
				return err
			}
			out = append(out, b)
		}
		return rs.Err()
	})
	return out, err
}
