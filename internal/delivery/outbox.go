package delivery

import (
	"context"
	"encoding/json"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// Outbox records messages in a storage.MessageStore so that they can be read
// back, by GET /_userpoold/outbox and by the CLI. It is safe for concurrent
// use when the store is.
type Outbox struct {
	store storage.MessageStore
}

// NewOutbox returns an outbox over store.
func NewOutbox(store storage.MessageStore) *Outbox {
	return &Outbox{store: store}
}

// record appends m, sent at sentAt, and returns the stored message. It
// expires (the server's sweeper deletes it) after m.Lifetime, or
// DefaultLifetime of its purpose; the store seals its code, subject and
// body.
func (o *Outbox) record(ctx context.Context, m Message, sentAt time.Time) (storage.Message, error) {
	life := m.Lifetime
	if life <= 0 {
		life = DefaultLifetime(m.Purpose)
	}
	return o.store.AppendMessage(ctx, storage.Message{
		ExpiresAt:   sentAt.Add(life),
		PoolID:      m.PoolID,
		Username:    m.Username,
		Channel:     m.Channel,
		Destination: m.Destination,
		Purpose:     m.Purpose,
		Code:        m.Code,
		Subject:     m.Subject,
		Body:        m.Body,
		SentAt:      sentAt,
	})
}

// List returns the messages recorded for username in the pool, oldest first
// (newest last). An empty username lists every message of the pool. The
// username is matched exactly as the message recorded it: the internal
// username the API layer passed to Send.
func (o *Outbox) List(ctx context.Context, poolID, username string) ([]storage.Message, error) {
	return o.store.ListMessages(ctx, poolID, username)
}

// OutboxView is the JSON body of GET /_userpoold/outbox:
//
//	{"Messages":[{"SentAt":"2026-01-02T03:04:05Z","UserPoolId":"...",...}]}
//
// Messages is never null; an empty outbox marshals as {"Messages":[]}.
type OutboxView struct {
	Messages []OutboxMessage `json:"Messages"`
}

// OutboxMessage is one message of an OutboxView.
type OutboxMessage struct {
	SentAt      string `json:"SentAt"` // RFC 3339, UTC
	UserPoolID  string `json:"UserPoolId"`
	Username    string `json:"Username"`
	Channel     string `json:"Channel"` // SMS or EMAIL
	Destination string `json:"Destination"`
	Purpose     string `json:"Purpose"`
	Code        string `json:"Code"`
	Body        string `json:"Body"`
}

// NewOutboxView converts stored messages, in their order, to the response
// shape.
func NewOutboxView(msgs []storage.Message) OutboxView {
	v := OutboxView{Messages: make([]OutboxMessage, 0, len(msgs))}
	for _, m := range msgs {
		v.Messages = append(v.Messages, OutboxMessage{
			SentAt:      m.SentAt.UTC().Format(time.RFC3339),
			UserPoolID:  m.PoolID,
			Username:    m.Username,
			Channel:     m.Channel,
			Destination: m.Destination,
			Purpose:     m.Purpose,
			Code:        m.Code,
			Body:        m.Body,
		})
	}
	return v
}

// MarshalJSON encodes v, writing a nil Messages as [].
func (v OutboxView) MarshalJSON() ([]byte, error) {
	type view OutboxView // no MarshalJSON method
	if v.Messages == nil {
		v.Messages = []OutboxMessage{}
	}
	return json.Marshal(view(v))
}

// MarshalOutbox returns the JSON body of GET /_userpoold/outbox for msgs.
func MarshalOutbox(msgs []storage.Message) ([]byte, error) {
	return json.Marshal(NewOutboxView(msgs))
}
