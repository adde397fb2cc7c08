package sql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// ---------------------------------------------------------------------------
// Sign-in sessions

type sessionData struct {
	Used     bool `json:"used,omitempty"`
	Attempts int  `json:"attempts,omitempty"`
}

const sessionCols = "id, pool_id, client_id, expires_at, data, secrets"

func decodeSession(s *storage.AuthSession, expires int64, data string, state []byte) error {
	var d sessionData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return fmt.Errorf("storage/sql: session %s: %w", s.ID, err)
	}
	s.ExpiresAt = fromMicros(expires)
	s.Used = d.Used
	s.Attempts = d.Attempts
	s.State = emptyNil(state)
	return nil
}

func (db *DB) scanSession(r row) (storage.AuthSession, error) {
	var s storage.AuthSession
	var expires int64
	var data string
	var sealed []byte
	if err := r.Scan(&s.ID, &s.PoolID, &s.ClientID, &expires, &data, &sealed); err != nil {
		return s, err
	}
	state, err := db.unseal(sessionAD(s.ID), sealed)
	if err != nil {
		return s, err
	}
	return s, decodeSession(&s, expires, data, state)
}

// CreateSession stores s; ErrExists if its ID is taken, ErrNotFound if its
// pool does not exist.
func (db *DB) CreateSession(ctx context.Context, s storage.AuthSession) error {
	data, err := json.Marshal(sessionData{Used: s.Used, Attempts: s.Attempts})
	if err != nil {
		return err
	}
	sealed, err := db.seal(sessionAD(s.ID), s.State)
	if err != nil {
		return err
	}
	err = db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO sessions ("+sessionCols+") VALUES (?, ?, ?, ?, ?, ?)",
			s.ID, s.PoolID, s.ClientID, micros(s.ExpiresAt), string(data), nullBytes(sealed))
		return err
	})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// GetSession returns a session, expired or not.
func (db *DB) GetSession(ctx context.Context, id string) (storage.AuthSession, error) {
	var s storage.AuthSession
	err := db.be.read(ctx, func(q querier) error {
		var err error
		s, err = db.scanSession(q.queryRow("SELECT "+sessionCols+" FROM sessions WHERE id = ?", id))
		return err
	})
	if errors.Is(err, errNoRows) {
		return storage.AuthSession{}, notFound("session", "")
	}
	return s, err
}

// UpdateSession changes a session atomically. ID and PoolID are immutable.
func (db *DB) UpdateSession(ctx context.Context, id string, fn func(*storage.AuthSession) error) (storage.AuthSession, error) {
	var out storage.AuthSession
	err := db.be.write(ctx, true, func(q querier) error {
		s, err := db.scanSession(q.queryRow("SELECT "+sessionCols+" FROM sessions WHERE id = ?"+db.d.forUpdate, id))
		if errors.Is(err, errNoRows) {
			return notFound("session", "")
		} else if err != nil {
			return err
		}
		pool, state := s.PoolID, bytes.Clone(s.State)
		if err := fn(&s); err != nil {
			return err
		}
		if s.ID != id {
			return immutable("UpdateSession", "ID")
		}
		if s.PoolID != pool {
			return immutable("UpdateSession", "PoolID")
		}
		data, err := json.Marshal(sessionData{Used: s.Used, Attempts: s.Attempts})
		if err != nil {
			return err
		}
		if bytes.Equal(s.State, state) {
			_, err = q.exec("UPDATE sessions SET client_id = ?, expires_at = ?, data = ? WHERE id = ?",
				s.ClientID, micros(s.ExpiresAt), string(data), id)
		} else {
			var sealed []byte
			if sealed, err = db.seal(sessionAD(id), s.State); err != nil {
				return err
			}
			_, err = q.exec("UPDATE sessions SET client_id = ?, expires_at = ?, data = ?, secrets = ? WHERE id = ?",
				s.ClientID, micros(s.ExpiresAt), string(data), nullBytes(sealed), id)
		}
		if err != nil {
			return err
		}
		out = storage.AuthSession{ID: id, PoolID: pool, ClientID: s.ClientID}
		return decodeSession(&out, micros(s.ExpiresAt), string(data), bytes.Clone(s.State))
	})
	if err != nil {
		return storage.AuthSession{}, err
	}
	return out, nil
}

// expiredChunk is how many sessions one DeleteExpiredSessions transaction
// removes, so that a large sweep never holds the writer (or row locks) long.
const expiredChunk = 500

// DeleteExpiredSessions removes sessions that expired before t, in chunks of
// expiredChunk per transaction. If it fails midway it returns how many it
// removed so far with the error.
func (db *DB) DeleteExpiredSessions(ctx context.Context, t time.Time) (int64, error) {
	return db.deleteInChunks(ctx, "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < ? LIMIT ?)", t)
}

// deleteInChunks runs query, a DELETE of at most its second argument's rows
// expiring before its first, until it deletes fewer than expiredChunk, one
// transaction a chunk, and returns how many rows it removed (so far, with
// the error, when it fails midway).
func (db *DB) deleteInChunks(ctx context.Context, query string, t time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := db.be.write(ctx, false, func(q querier) error {
			var err error
			n, err = q.exec(query, micros(t), int64(expiredChunk))
			return err
		})
		total += n
		if err != nil || n < expiredChunk {
			return total, err
		}
	}
}

// ---------------------------------------------------------------------------
// Signing keys

type signingKeyData struct {
	Use       string `json:"use,omitempty"`
	RetiredAt *int64 `json:"retired_at,omitempty"`
}

const signingKeyCols = "pool_id, kid, created_at, data, secrets"

func decodeSigningKey(k *storage.SigningKey, created int64, data string, private []byte) error {
	var d signingKeyData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return fmt.Errorf("storage/sql: signing key %s/%s: %w", k.PoolID, k.KID, err)
	}
	k.CreatedAt = fromMicros(created)
	k.Use = d.Use
	k.RetiredAt = fromJTime(d.RetiredAt)
	k.PrivateKey = emptyNil(private)
	return nil
}

func (db *DB) scanSigningKey(r row) (storage.SigningKey, error) {
	var k storage.SigningKey
	var created int64
	var data string
	var sealed []byte
	if err := r.Scan(&k.PoolID, &k.KID, &created, &data, &sealed); err != nil {
		return k, err
	}
	private, err := db.unseal(signingKeyAD(k.PoolID, k.KID), sealed)
	if err != nil {
		return k, err
	}
	return k, decodeSigningKey(&k, created, data, private)
}

// AddSigningKey stores k; ErrExists if its KID is taken in the pool,
// ErrNotFound if the pool does not exist.
func (db *DB) AddSigningKey(ctx context.Context, k storage.SigningKey) error {
	insert, err := db.insertSigningKey(k)
	if err != nil {
		return err
	}
	if err := db.be.write(ctx, false, insert); err != nil {
		return fmt.Errorf("add signing key %s/%s: %w", k.PoolID, k.KID, err)
	}
	return nil
}

// insertSigningKey encodes and seals k and returns the write that inserts
// it.
func (db *DB) insertSigningKey(k storage.SigningKey) (func(q querier) error, error) {
	data, err := json.Marshal(signingKeyData{Use: k.Use, RetiredAt: jtime(k.RetiredAt)})
	if err != nil {
		return nil, err
	}
	sealed, err := db.seal(signingKeyAD(k.PoolID, k.KID), k.PrivateKey)
	if err != nil {
		return nil, err
	}
	return func(q querier) error {
		_, err := q.exec("INSERT INTO signing_keys ("+signingKeyCols+") VALUES (?, ?, ?, ?, ?)",
			k.PoolID, k.KID, micros(k.CreatedAt), string(data), nullBytes(sealed))
		return err
	}, nil
}

// ListSigningKeys returns the pool's keys, oldest (CreatedAt, then KID)
// first.
func (db *DB) ListSigningKeys(ctx context.Context, poolID string) ([]storage.SigningKey, error) {
	var out []storage.SigningKey
	err := db.be.read(ctx, func(q querier) error {
		rs, err := q.query("SELECT "+signingKeyCols+" FROM signing_keys WHERE pool_id = ? ORDER BY created_at, kid", poolID)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			k, err := db.scanSigningKey(rs)
			if err != nil {
				return err
			}
			out = append(out, k)
		}
		return rs.Err()
	})
	return out, err
}

// UpdateSigningKey changes a key atomically. PoolID and KID are immutable.
func (db *DB) UpdateSigningKey(ctx context.Context, poolID, kid string, fn func(*storage.SigningKey) error) (storage.SigningKey, error) {
	var out storage.SigningKey
	err := db.be.write(ctx, true, func(q querier) error {
		k, err := db.scanSigningKey(q.queryRow("SELECT "+signingKeyCols+" FROM signing_keys WHERE pool_id = ? AND kid = ?"+db.d.forUpdate,
			poolID, kid))
		if errors.Is(err, errNoRows) {
			return notFound("signing key", poolID, kid)
		} else if err != nil {
			return err
		}
		private := bytes.Clone(k.PrivateKey)
		if err := fn(&k); err != nil {
			return err
		}
		if k.PoolID != poolID {
			return immutable("UpdateSigningKey", "PoolID")
		}
		if k.KID != kid {
			return immutable("UpdateSigningKey", "KID")
		}
		data, err := json.Marshal(signingKeyData{Use: k.Use, RetiredAt: jtime(k.RetiredAt)})
		if err != nil {
			return err
		}
		if bytes.Equal(private, k.PrivateKey) {
			_, err = q.exec("UPDATE signing_keys SET created_at = ?, data = ? WHERE pool_id = ? AND kid = ?",
				micros(k.CreatedAt), string(data), poolID, kid)
		} else {
			var sealed []byte
			if sealed, err = db.seal(signingKeyAD(poolID, kid), k.PrivateKey); err != nil {
				return err
			}
			_, err = q.exec("UPDATE signing_keys SET created_at = ?, data = ?, secrets = ? WHERE pool_id = ? AND kid = ?",
				micros(k.CreatedAt), string(data), nullBytes(sealed), poolID, kid)
		}
		if err != nil {
			return err
		}
		out = storage.SigningKey{PoolID: poolID, KID: kid}
		return decodeSigningKey(&out, micros(k.CreatedAt), string(data), bytes.Clone(k.PrivateKey))
	})
	if err != nil {
		return storage.SigningKey{}, err
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Revocations

// RevokeTokens records the revocation of a token family; revoking it again
// keeps the later expiry.
func (db *DB) RevokeTokens(ctx context.Context, poolID, originJTI string, expiresAt time.Time) error {
	return db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO revocations (pool_id, origin_jti, expires_at) VALUES (?, ?, ?)"+
			" ON CONFLICT (pool_id, origin_jti) DO UPDATE SET expires_at ="+
			" CASE WHEN excluded.expires_at > revocations.expires_at THEN excluded.expires_at ELSE revocations.expires_at END",
			poolID, originJTI, micros(expiresAt))
		return err
	})
}

// TokensRevoked reports whether the token family was revoked. Revocations
// are kept (and reported) after their expiry.
func (db *DB) TokensRevoked(ctx context.Context, poolID, originJTI string) (bool, error) {
	var revoked bool
	err := db.be.read(ctx, func(q querier) error {
		var one int64
		err := q.queryRow("SELECT 1 FROM revocations WHERE pool_id = ? AND origin_jti = ?", poolID, originJTI).Scan(&one)
		if errors.Is(err, errNoRows) {
			return nil
		}
		revoked = err == nil
		return err
	})
	return revoked, err
}
