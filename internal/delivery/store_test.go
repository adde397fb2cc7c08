package delivery

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// memStore is an in-memory storage.MessageStore for tests.
type memStore struct {
	mu     sync.Mutex
	msgs   []storage.Message
	nextID int64
	err    error // returned by every call when set
}

func (s *memStore) AppendMessage(ctx context.Context, m storage.Message) (storage.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return storage.Message{}, s.err
	}
	s.nextID++
	m.ID = s.nextID
	s.msgs = append(s.msgs, m)
	return m, nil
}

func (s *memStore) DeleteExpiredMessages(ctx context.Context, t time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.msgs)
	s.msgs = slices.DeleteFunc(s.msgs, func(m storage.Message) bool { return m.ExpiresAt.Before(t) })
	return int64(n - len(s.msgs)), nil
}

func (s *memStore) ListMessages(ctx context.Context, poolID, username string) ([]storage.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	var out []storage.Message
	for _, m := range s.msgs {
		if m.PoolID == poolID && (username == "" || m.Username == username) {
			out = append(out, m)
		}
	}
	return out, nil
}
