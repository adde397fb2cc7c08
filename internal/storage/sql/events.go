package sql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// ---------------------------------------------------------------------------
// Outbox

// messageData is a message's data column. Code, Subject and Body are
// written sealed (messageSecrets in the secrets column); they are read here
// only from rows written before migration 0006.
type messageData struct {
	Channel     string `json:"channel,omitempty"`
	Destination string `json:"destination,omitempty"`
	Purpose     string `json:"purpose,omitempty"`
	Code        string `json:"code,omitempty"`
	Subject     string `json:"subject,omitempty"`
	Body        string `json:"body,omitempty"`
	SentAt      *int64 `json:"sent_at,omitempty"`
}

// messageSecrets is the sealed part of a message.
type messageSecrets struct {
	Code    string `json:"code,omitempty"`
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body,omitempty"`
}

// messageAD binds a message's secrets to its pool and user.
func messageAD(pool, username string) string { return "message/" + pool + "/" + username }

// AppendMessage stores m under a new, increasing ID and returns it with the
// ID set. ErrNotFound if the pool does not exist.
func (db *DB) AppendMessage(ctx context.Context, m storage.Message) (storage.Message, error) {
	data, err := json.Marshal(messageData{
		Channel:     m.Channel,
		Destination: m.Destination,
		Purpose:     m.Purpose,
		SentAt:      jtime(m.SentAt),
	})
	if err != nil {
		return storage.Message{}, err
	}
	secrets, err := json.Marshal(messageSecrets{Code: m.Code, Subject: m.Subject, Body: m.Body})
	if err != nil {
		return storage.Message{}, err
	}
	sealed, err := db.seal(messageAD(m.PoolID, m.Username), secrets)
	if err != nil {
		return storage.Message{}, err
	}
	var expires *int64
	if !m.ExpiresAt.IsZero() {
		v := micros(m.ExpiresAt)
		expires = &v
	}
	var id int64
	err = db.be.write(ctx, false, func(q querier) error {
		return q.queryRow("INSERT INTO messages (pool_id, username, data, secrets, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			m.PoolID, m.Username, string(data), nullBytes(sealed), expires).Scan(&id)
	})
	if err != nil {
		return storage.Message{}, fmt.Errorf("append message: %w", err)
	}
	m.ID = id
	m.SentAt = fromMicros(micros(m.SentAt))
	if !m.ExpiresAt.IsZero() {
		m.ExpiresAt = fromMicros(micros(m.ExpiresAt))
	}
	return m, nil
}

// ListMessages returns the messages for a user (every message of the pool
// when username is ""), oldest first.
func (db *DB) ListMessages(ctx context.Context, poolID, username string) ([]storage.Message, error) {
	const cols = "SELECT id, pool_id, username, data, secrets, expires_at FROM messages"
	query := cols + " WHERE pool_id = ? ORDER BY id"
	args := []any{poolID}
	if username != "" {
		query = cols + " WHERE pool_id = ? AND username = ? ORDER BY id"
		args = append(args, username)
	}
	var out []storage.Message
	err := db.be.read(ctx, func(q querier) error {
		rs, err := q.query(query, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var m storage.Message
			var data string
			var sealed []byte
			var expires *int64
			if err := rs.Scan(&m.ID, &m.PoolID, &m.Username, &data, &sealed, &expires); err != nil {
				return err
			}
			var d messageData
			if err := json.Unmarshal([]byte(data), &d); err != nil {
				return fmt.Errorf("storage/sql: message %d: %w", m.ID, err)
			}
			m.Channel, m.Destination, m.Purpose = d.Channel, d.Destination, d.Purpose
			m.Code, m.Subject, m.Body = d.Code, d.Subject, d.Body
			m.SentAt = fromJTime(d.SentAt)
			if expires != nil {
				m.ExpiresAt = fromMicros(*expires)
			}
			secrets, err := db.unseal(messageAD(m.PoolID, m.Username), sealed)
			if err != nil {
				return err
			}
			if len(secrets) > 0 {
				var sec messageSecrets
				if err := json.Unmarshal(secrets, &sec); err != nil {
					return fmt.Errorf("storage/sql: message %d: %w", m.ID, err)
				}
				m.Code, m.Subject, m.Body = sec.Code, sec.Subject, sec.Body
			}
			out = append(out, m)
		}
		return rs.Err()
	})
	return out, err
}

// DeleteExpiredMessages removes the messages that expired before t, and
// those stored without an expiry (before migration 0006, with their codes
// in clear), in chunks of expiredChunk per transaction.
func (db *DB) DeleteExpiredMessages(ctx context.Context, t time.Time) (int64, error) {
	return db.deleteInChunks(ctx, "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE expires_at IS NULL OR expires_at < ? LIMIT ?)", t)
}

// ---------------------------------------------------------------------------
// Auth events

type authEventData struct {
	Type                   string             `json:"type,omitempty"`
	Response               string             `json:"response,omitempty"`
	RiskDecision           string             `json:"risk_decision,omitempty"`
	RiskLevel              string             `json:"risk_level,omitempty"`
	CompromisedCredentials bool               `json:"compromised_credentials,omitempty"`
	ChallengeResponses     []challengeJSON    `json:"challenge_responses,omitempty"`
	Context                eventContextJSON   `json:"context"`
	Feedback               *eventFeedbackJSON `json:"feedback,omitempty"`
	FeedbackTokenHash      string             `json:"feedback_token_hash,omitempty"`
}

type challengeJSON struct {
	Name     string `json:"name,omitempty"`
	Response string `json:"response,omitempty"`
}

type eventContextJSON struct {
	IPAddress         string `json:"ip_address,omitempty"`
	DeviceName        string `json:"device_name,omitempty"`
	Timezone          string `json:"timezone,omitempty"`
	City              string `json:"city,omitempty"`
	Country           string `json:"country,omitempty"`
	DeviceFingerprint string `json:"device_fingerprint,omitempty"`
	UserAgent         string `json:"user_agent,omitempty"`
}

type eventFeedbackJSON struct {
	Value    string `json:"value,omitempty"`
	Provider string `json:"provider,omitempty"`
	Date     *int64 `json:"date,omitempty"`
}

const authEventCols = "pool_id, username_key, id, created_at, data"

func encodeAuthEvent(e *storage.AuthEvent) (string, error) {
	d := authEventData{
		Type:                   e.Type,
		Response:               e.Response,
		RiskDecision:           e.RiskDecision,
		RiskLevel:              e.RiskLevel,
		CompromisedCredentials: e.CompromisedCredentials,
		Context:                eventContextJSON(e.Context),
		FeedbackTokenHash:      e.FeedbackTokenHash,
	}
	for _, c := range e.ChallengeResponses {
		d.ChallengeResponses = append(d.ChallengeResponses, challengeJSON(c))
	}
	if f := e.Feedback; f != nil {
		d.Feedback = &eventFeedbackJSON{Value: f.Value, Provider: f.Provider, Date: jtime(f.Date)}
	}
	b, err := json.Marshal(d)
	return string(b), err
}

func decodeAuthEvent(e *storage.AuthEvent, created int64, data string) error {
	var d authEventData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return fmt.Errorf("storage/sql: auth event %s: %w", e.ID, err)
	}
	e.CreatedAt = fromMicros(created)
	e.Type = d.Type
	e.Response = d.Response
	e.RiskDecision = d.RiskDecision
	e.RiskLevel = d.RiskLevel
	e.CompromisedCredentials = d.CompromisedCredentials
	e.ChallengeResponses = nil
	for _, c := range d.ChallengeResponses {
		e.ChallengeResponses = append(e.ChallengeResponses, storage.ChallengeResult(c))
	}
	e.Context = storage.EventContext(d.Context)
	e.Feedback = nil
	if f := d.Feedback; f != nil {
		e.Feedback = &storage.EventFeedback{Value: f.Value, Provider: f.Provider, Date: fromJTime(f.Date)}
	}
	e.FeedbackTokenHash = d.FeedbackTokenHash
	return nil
}

func scanAuthEvent(r row) (storage.AuthEvent, int64, error) {
	var e storage.AuthEvent
	var created int64
	var data string
	if err := r.Scan(&e.PoolID, &e.UsernameKey, &e.ID, &created, &data); err != nil {
		return e, 0, err
	}
	return e, created, decodeAuthEvent(&e, created, data)
}

// AddAuthEvent stores e; ErrExists if its ID is taken for the user,
// ErrNotFound if the user does not exist.
func (db *DB) AddAuthEvent(ctx context.Context, e storage.AuthEvent) error {
	data, err := encodeAuthEvent(&e)
	if err != nil {
		return err
	}
	err = db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO auth_events ("+authEventCols+") VALUES (?, ?, ?, ?, ?)",
			e.PoolID, e.UsernameKey, e.ID, micros(e.CreatedAt), data)
		return err
	})
	if err != nil {
		return fmt.Errorf("add auth event %s/%s/%s: %w", e.PoolID, e.UsernameKey, e.ID, err)
	}
	return nil
}

// GetAuthEvent returns one of a user's auth events.
func (db *DB) GetAuthEvent(ctx context.Context, poolID, usernameKey, id string) (storage.AuthEvent, error) {
	var e storage.AuthEvent
	err := db.be.read(ctx, func(q querier) error {
		var err error
		e, _, err = scanAuthEvent(q.queryRow("SELECT "+authEventCols+" FROM auth_events WHERE pool_id = ? AND username_key = ? AND id = ?",
			poolID, usernameKey, id))
		return err
	})
	if errors.Is(err, errNoRows) {
		return storage.AuthEvent{}, notFound("auth event", poolID, usernameKey, id)
	}
	return e, err
}

// UpdateAuthEvent changes an auth event atomically. PoolID, UsernameKey and
// ID are immutable.
func (db *DB) UpdateAuthEvent(ctx context.Context, poolID, usernameKey, id string, fn func(*storage.AuthEvent) error) (storage.AuthEvent, error) {
	var out storage.AuthEvent
	err := db.be.write(ctx, true, func(q querier) error {
		e, _, err := scanAuthEvent(q.queryRow("SELECT "+authEventCols+" FROM auth_events WHERE pool_id = ? AND username_key = ? AND id = ?"+db.d.forUpdate,
			poolID, usernameKey, id))
		if errors.Is(err, errNoRows) {
			return notFound("auth event", poolID, usernameKey, id)
		} else if err != nil {
			return err
		}
		if err := fn(&e); err != nil {
			return err
		}
		switch {
		case e.PoolID != poolID:
			return immutable("UpdateAuthEvent", "PoolID")
		case e.UsernameKey != usernameKey:
			return immutable("UpdateAuthEvent", "UsernameKey")
		case e.ID != id:
			return immutable("UpdateAuthEvent", "ID")
		}
		data, err := encodeAuthEvent(&e)
		if err != nil {
			return err
		}
		if _, err := q.exec("UPDATE auth_events SET created_at = ?, data = ? WHERE pool_id = ? AND username_key = ? AND id = ?",
			micros(e.CreatedAt), data, poolID, usernameKey, id); err != nil {
			return err
		}
		out = storage.AuthEvent{PoolID: poolID, UsernameKey: usernameKey, ID: id}
		return decodeAuthEvent(&out, micros(e.CreatedAt), data)
	})
	if err != nil {
		return storage.AuthEvent{}, err
	}
	return out, nil
}

// ListAuthEvents returns a user's events, newest (CreatedAt, then ID,
// descending) first.
func (db *DB) ListAuthEvents(ctx context.Context, poolID, usernameKey string, page storage.Page) ([]storage.AuthEvent, string, error) {
	const sel = "SELECT " + authEventCols + " FROM auth_events WHERE pool_id = ? AND username_key = ?"
	return list[storage.AuthEvent]{
		first: sel + " ORDER BY created_at DESC, id DESC LIMIT ?",
		after: sel + " AND (created_at < ? OR (created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT ?",
		args:  []any{poolID, usernameKey},
		nkeys: 2,
		cursorArgs: func(parts []string) ([]any, error) {
			created, err := strconv.ParseInt(parts[0], 10, 64)
			if err != nil {
				return nil, errBadCursor
			}
			return []any{created, created, parts[1]}, nil
		},
		scan: func(r rows) (storage.AuthEvent, []string, error) {
			e, created, err := scanAuthEvent(r)
			return e, []string{strconv.FormatInt(created, 10), e.ID}, err
		},
	}.run(ctx, db, page)
}
