package userpool

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file holds the administration of auth events, the sign-in history
// threat protection records (authflow/risk.go writes them):
// AdminListUserAuthEvents, UpdateAuthEventFeedback and
// AdminUpdateAuthEventFeedback. Each needs threat protection on.

// Auth event faults. Types from the models' error lists; wording
// UNCONFIRMED.
var (
	// ErrEventNotFound answers feedback for an event the user does not
	// have.
	ErrEventNotFound = fault.New(fault.ResourceNotFound, "Auth event not found.")
	// ErrFeedbackToken answers UpdateAuthEventFeedback with a FeedbackToken
	// that is not the event's.
	ErrFeedbackToken = fault.New(fault.NotAuthorized, "Invalid feedback token.")
)

// HashFeedbackToken is what an auth event stores of the FeedbackToken of
// its notification (storage.AuthEvent.FeedbackTokenHash): a hex SHA-256.
func HashFeedbackToken(token string) string {
	sum := sha256.Sum256([]byte("userpoold/feedback\x00" + token))
	return hex.EncodeToString(sum[:])
}

// protectedUser loads a pool whose threat protection is on and the user
// name designates; a pool without threat protection is refused before the
// user is looked up.
func (s *Service) protectedUser(ctx context.Context, poolID, name string) (*Pool, storage.User, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return nil, storage.User{}, err
	}
	if !p.Settings.ThreatProtection() {
		return nil, storage.User{}, ErrAddOnNotEnabled
	}
	u, err := s.FindUser(ctx, p, name)
	if err != nil {
		return nil, storage.User{}, err
	}
	return p, u, nil
}

// AuthEvents returns one page of a user's auth events, newest first:
// AdminListUserAuthEvents (max 1–60; 0 means 60).
func (s *Service) AuthEvents(ctx context.Context, poolID, username string, max int32, next string) ([]storage.AuthEvent, string, error) {
	p, u, err := s.protectedUser(ctx, poolID, username)
	if err != nil {
		return nil, "", err
	}
	return s.Events.ListAuthEvents(ctx, p.ID, u.UsernameKey, storage.Page{After: next, Limit: pageLimit(max)})
}

// EventFeedback records feedback (Valid or Invalid) on one of a user's
// events: AdminUpdateAuthEventFeedback when admin is set (provider
// "admin"), UpdateAuthEventFeedback otherwise, where token must be the
// event's FeedbackToken (provider "cognito"). Feedback changes how the risk
// rules treat the event's device and address (package risk).
func (s *Service) EventFeedback(ctx context.Context, poolID, username, eventID, token, value string, admin bool) error {
	p, u, err := s.protectedUser(ctx, poolID, username)
	if err != nil {
		return err
	}
	provider := "cognito"
	if admin {
		provider = "admin"
	}
	now := s.now()
	_, err = s.Events.UpdateAuthEvent(ctx, p.ID, u.UsernameKey, eventID, func(e *storage.AuthEvent) error {
		if !admin {
			want := HashFeedbackToken(token)
			if e.FeedbackTokenHash == "" || subtle.ConstantTimeCompare([]byte(want), []byte(e.FeedbackTokenHash)) != 1 {
				return ErrFeedbackToken
			}
		}
		e.Feedback = &storage.EventFeedback{Value: value, Provider: provider, Date: now}
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return ErrEventNotFound
	}
	return err
}
