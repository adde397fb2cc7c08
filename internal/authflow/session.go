package authflow

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"slices"

	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// sessionVersion is sessionState.V; bump it when the meaning of a field
// changes. Sessions live minutes, so old versions are simply refused.
const sessionVersion = 1

// Steps recorded in sessionState.Done.
const (
	stepPassword    = "PASSWORD"     // password or SRP proof verified
	stepNewPassword = "NEW_PASSWORD" // NEW_PASSWORD_REQUIRED answered
)

// sessionState is the sealed state of a sign-in session: everything the
// next answer needs. It is JSON inside storage.AuthSession.State.
type sessionState struct {
	V int `json:"v"`
	// Challenge is the challenge the session is waiting for.
	Challenge ChallengeName `json:"c"`
	// Username is the internal username (case preserved) and Sub the user's
	// sub: a user deleted and re-created under the same name is another user.
	Username string `json:"u"`
	Sub      string `json:"s"`
	// Flow is the AuthFlow that started the sign-in.
	Flow Flow `json:"f"`
	// DeviceKey is the DEVICE_KEY the client presented, if any.
	DeviceKey string `json:"d,omitempty"`
	// Done lists the steps already passed (stepPassword, ...).
	Done []string `json:"done,omitempty"`
	// Ext holds per-step data of later steps (MFA codes, device SRP state),
	// keyed by step.
	Ext map[string]json.RawMessage `json:"x,omitempty"`
}

func (st *sessionState) done(step string) bool { return slices.Contains(st.Done, step) }

func (st *sessionState) pass(step string) {
	if !st.done(step) {
		st.Done = append(st.Done, step)
	}
}

// sessionLen is the number of random bytes in a session string; 48 bytes
// are 64 base64url characters, inside Cognito's 20–2048.
const sessionLen = 48

// sessionID is the storage key of a session string: a digest, so that the
// database never holds a usable session.
func sessionID(session string) string {
	sum := sha256.Sum256([]byte("userpoold/session\x00" + session))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// newSession stores the state for the challenge sc.state.Challenge and
// returns the session string to hand to the client.
func (s *Service) newSession(ctx context.Context, sc *signIn) (string, error) {
	raw := make([]byte, sessionLen)
	if _, err := io.ReadFull(s.rand(), raw); err != nil {
		return "", err
	}
	session := base64.RawURLEncoding.EncodeToString(raw)
	sc.state.V = sessionVersion
	state, err := json.Marshal(sc.state)
	if err != nil {
		return "", err
	}
	err = s.Sessions.CreateSession(ctx, storage.AuthSession{
		ID:        sessionID(session),
		PoolID:    sc.pool.ID,
		ClientID:  sc.client.ID,
		ExpiresAt: s.now().Add(sc.client.Settings.SessionValidity()),
		State:     state,
	})
	if err != nil {
		return "", err
	}
	return session, nil
}

// openSession loads a session answered with pool and client, checks that
// it can still be answered and reserves one of its MaxSessionAttempts
// attempts, all in one UpdateSession: of any number of answers, concurrent
// or not, at most MaxSessionAttempts get past it in the life of the
// session, so an answer is never compared more often than that. The attempt
// stays counted when the answer is wrong or was compared at all (see
// signIn.counted); release gives it back to an answer that compared
// nothing (a missing parameter, a challenge name that does not match); a
// right answer spends the session.
func (s *Service) openSession(ctx context.Context, pool *userpool.Pool, client *userpool.Client, session string) (*signIn, error) {
	if len(session) < 20 || len(session) > 2048 {
		return nil, errSessionInvalid
	}
	id := sessionID(session)
	now := s.now()
	a, err := s.Sessions.UpdateSession(ctx, id, func(a *storage.AuthSession) error {
		if a.PoolID != pool.ID || a.ClientID != client.ID {
			return errSessionInvalid
		}
		if a.Used {
			return errSessionUsed
		}
		if !now.Before(a.ExpiresAt) {
			return errSessionExpired
		}
		if a.Attempts >= MaxSessionAttempts {
			return errSessionInvalid
		}
		a.Attempts++
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errSessionInvalid
	}
	if err != nil {
		return nil, err
	}
	var st sessionState
	if err := json.Unmarshal(a.State, &st); err != nil || st.V != sessionVersion {
		return nil, errSessionInvalid
	}
	return &signIn{pool: pool, client: client, sessionID: id, reserved: true, state: st}, nil
}

// spend marks the session being answered as used; later calls for the same
// sign-in do nothing. Of two concurrent correct answers only one spends it;
// the other gets "session can only be used once".
func (s *Service) spend(ctx context.Context, sc *signIn) error {
	if sc.sessionID == "" {
		return nil
	}
	id := sc.sessionID
	sc.sessionID = ""
	_, err := s.Sessions.UpdateSession(ctx, id, func(a *storage.AuthSession) error {
		if a.Used {
			return errSessionUsed
		}
		if !s.now().Before(a.ExpiresAt) {
			return errSessionExpired
		}
		a.Used = true
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return errSessionInvalid
	}
	return err
}

// wrongAnswer leaves the attempt openSession reserved counted (the session
// stays usable until MaxSessionAttempts) and returns cause.
func (s *Service) wrongAnswer(ctx context.Context, sc *signIn, cause error) error {
	sc.counted = true
	return cause
}

// compared records that the answer being handled is about to be compared
// with a secret (a code, a proof): from then on its attempt counts whatever
// happens, so that nothing can compare more than MaxSessionAttempts times.
func (sc *signIn) compared() { sc.counted = true }

// release gives back the attempt openSession reserved for an answer that
// failed without being compared or found wrong. It does nothing once the
// session is spent.
func (s *Service) release(ctx context.Context, sc *signIn) {
	if sc == nil || sc.sessionID == "" || !sc.reserved || sc.counted {
		return
	}
	sc.reserved = false
	_, err := s.Sessions.UpdateSession(ctx, sc.sessionID, func(a *storage.AuthSession) error {
		if a.Used || a.Attempts == 0 {
			return errUnchanged
		}
		a.Attempts--
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) && !errors.Is(err, storage.ErrNotFound) {
		s.log().Warn("releasing a session attempt", "error", err.Error())
	}
}

// getExt returns the extension state a step stored under key with putExt,
// or the zero T when there is none (a zero state is always safe).
func getExt[T any](st *sessionState, key string) T {
	var v T
	if raw, ok := st.Ext[key]; ok {
		json.Unmarshal(raw, &v) // written by putExt
	}
	return v
}

// putExt stores a step's extension state under key.
func (st *sessionState) putExt(key string, v any) {
	raw, _ := json.Marshal(v)
	if st.Ext == nil {
		st.Ext = map[string]json.RawMessage{}
	}
	st.Ext[key] = raw
}
