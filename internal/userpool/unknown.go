package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// This file keeps, for names that match no user, the counters a real user
// keeps on its record: the sign-in lockout, and per code purpose the codes
// sent and the wrong codes given. A client with PreventUserExistenceErrors
// must answer an unknown name exactly as it answers a real one, and a real
// one starts answering "Password attempts exceeded" or "Attempt limit
// exceeded" after a few attempts; so must an unknown one.
//
// The records live in the session store (which the sweeper empties of
// expired entries), under IDs "nx:<pool>:<bucket>": a name goes to one of
// UnknownBuckets buckets per pool by a keyed hash (UnknownKey), and a bucket
// holds the records of at most UnknownPerBucket names (the one touched
// longest ago makes room). So however many names are tried, a pool never
// holds more than UnknownBuckets rows of them, each at most UnknownWindow
// old; and without the key nobody can choose names that share a bucket.

// Bounds of the unknown-name records.
const (
	// UnknownBuckets is the number of rows per pool.
	UnknownBuckets = 1 << 14
	// UnknownPerBucket is how many names one row remembers.
	UnknownPerBucket = 4
	// UnknownWindow is how long a name's record lives after it was last
	// touched: the longer of LockoutReset and CodeWindow.
	UnknownWindow = max(LockoutReset, CodeWindow)
)

// UnknownStore is the part of the session store the unknown-name records
// use.
type UnknownStore interface {
	CreateSession(ctx context.Context, s storage.AuthSession) error
	UpdateSession(ctx context.Context, id string, fn func(*storage.AuthSession) error) (storage.AuthSession, error)
}

// unknownRecord is one name's record inside a bucket row.
type unknownRecord struct {
	Tag     string          `json:"t"`
	Seen    time.Time       `json:"s"`
	Lockout storage.Lockout `json:"l"`
	// Codes are the name's code counters, as on a user; Value is always
	// empty (nothing was sent).
	Codes []storage.Code `json:"c,omitempty"`
}

// LookupKey is the form of name under which a lookup finds a user, as
// FindUser matches it: an email address (when email is a username or alias
// attribute) and a sub are matched case-insensitively, anything else as the
// pool's usernames are (UsernameKey). Unknown names are counted, and their
// decoys derived, under it, so that typing a name in another case changes
// nothing that a real user's answer would not change.
func (s *Settings) LookupKey(name string) string {
	if (IsEmailFormat(name) && s.IsAlias("email")) || uuidRE.MatchString(strings.ToLower(name)) {
		return strings.ToLower(name)
	}
	return s.UsernameKey(name)
}

// unknownSlot returns the row ID and the record tag of name in p.
func (s *Service) unknownSlot(p *Pool, name string) (id, tag string) {
	m := hmac.New(sha256.New, s.UnknownKey)
	m.Write([]byte("unknown-name\x00" + p.ID + "\x00" + p.Settings.LookupKey(name)))
	sum := m.Sum(nil)
	bucket := binary.BigEndian.Uint32(sum) % UnknownBuckets
	return fmt.Sprintf("nx:%s:%04x", p.ID, bucket), base64.RawURLEncoding.EncodeToString(sum[4:20])
}

// errUnknownUnchanged aborts an unknown-name update that writes nothing.
var errUnknownUnchanged = errors.New("userpool: unknown-name record unchanged")

// updateUnknown applies fn to the record of name in p (a fresh one when
// there is none), atomically, and stores it. fn must be pure; its error
// aborts the update (errUnknownUnchanged: nothing to write, not an error)
// and is returned. Without an Unknown store it does nothing.
func (s *Service) updateUnknown(ctx context.Context, p *Pool, name string, fn func(r *unknownRecord) error) error {
	if s.Unknown == nil {
		return nil
	}
	id, tag := s.unknownSlot(p, name)
	now := s.now()
	apply := func(a *storage.AuthSession) error {
		var recs []unknownRecord
		if len(a.State) > 0 {
			_ = json.Unmarshal(a.State, &recs) // an unreadable row starts over
		}
		recs = slices.DeleteFunc(recs, func(r unknownRecord) bool { return !now.Before(r.Seen.Add(UnknownWindow)) })
		i := slices.IndexFunc(recs, func(r unknownRecord) bool { return r.Tag == tag })
		if i < 0 {
			if len(recs) >= UnknownPerBucket {
				oldest := 0
				for j := range recs {
					if recs[j].Seen.Before(recs[oldest].Seen) {
						oldest = j
					}
				}
				recs = slices.Delete(recs, oldest, oldest+1)
			}
			recs = append(recs, unknownRecord{Tag: tag})
			i = len(recs) - 1
		}
		if err := fn(&recs[i]); err != nil {
			return err
		}
		recs[i].Seen = now
		state, err := json.Marshal(recs)
		if err != nil {
			return err
		}
		a.State = state
		a.ExpiresAt = now.Add(UnknownWindow)
		return nil
	}
	for range 3 {
		_, err := s.Unknown.UpdateSession(ctx, id, apply)
		if !errors.Is(err, storage.ErrNotFound) {
			return unchanged(err)
		}
		a := storage.AuthSession{ID: id, PoolID: p.ID, Used: true}
		if err := apply(&a); err != nil {
			return unchanged(err)
		}
		if err := s.Unknown.CreateSession(ctx, a); !errors.Is(err, storage.ErrExists) {
			return err
		}
		// Created meanwhile by another request: update it.
	}
	return fmt.Errorf("userpool: unknown-name record %s: too much contention", id)
}

func unchanged(err error) error {
	if errors.Is(err, errUnknownUnchanged) {
		return nil
	}
	return err
}

// UnknownSignInFailure counts a failed sign-in as the name, which matches
// no user, against a lockout kept as a real user's is (CountLockoutFailure)
// and reports whether the name is locked out; then it counts nothing
// (attempts during a lockout are refused and not counted). Callers answer
// a locked name as a locked user and call it before the decoy's password
// check, as a real user's attempt is counted before the check.
func (s *Service) UnknownSignInFailure(ctx context.Context, p *Pool, name string) (locked bool, err error) {
	now := s.now()
	err = s.updateUnknown(ctx, p, name, func(r *unknownRecord) error {
		locked = now.Before(r.Lockout.LockedUntil)
		if locked {
			return errUnknownUnchanged
		}
		CountLockoutFailure(&r.Lockout, now)
		return nil
	})
	return locked, err
}

// unknownIssue counts a code of purpose "sent" to the name, which matches
// no user, within the limits of a real user's codes (issueCode): it
// returns ErrCodeIssueLimit when a real user would get it.
func (s *Service) unknownIssue(ctx context.Context, p *Pool, name, purpose string, ttl time.Duration) error {
	return s.updateUnknown(ctx, p, name, func(r *unknownRecord) error {
		u := storage.User{Secrets: storage.UserSecrets{Codes: r.Codes}}
		if purpose == CodeSignUp && !slices.ContainsFunc(r.Codes, func(c storage.Code) bool { return c.Purpose == purpose }) {
			// A real user asking for a confirmation code again was sent
			// one by SignUp, which counts in the window.
			now := s.now()
			u.Secrets.Codes = append(slices.Clone(r.Codes), storage.Code{Purpose: purpose, ExpiresAt: now.Add(ttl), Issued: 1, WindowStart: now})
		}
		if _, err := s.issueCode(&u, purpose, "", ttl, true); err != nil {
			return err
		}
		for i := range u.Secrets.Codes {
			u.Secrets.Codes[i].Value = ""
		}
		r.Codes = u.Secrets.Codes
		return nil
	})
}

// unknownConsume answers a code of purpose given for the name, which
// matches no user, as a real user's wrong code is answered (consumeCode):
// CodeMismatchException counted against the purpose's attempts, then
// LimitExceededException. A name that was never "sent" a code of purpose
// gets missing (counting nothing) when missing is not nil, else a code
// record is started, as SignUp starts one for a real user.
func (s *Service) unknownConsume(ctx context.Context, p *Pool, name, purpose string, missing error) error {
	var answer error
	err := s.updateUnknown(ctx, p, name, func(r *unknownRecord) error {
		i := slices.IndexFunc(r.Codes, func(c storage.Code) bool { return c.Purpose == purpose })
		if i < 0 {
			if missing != nil {
				answer = missing
				return errUnknownUnchanged
			}
			now := s.now()
			r.Codes = append(slices.Clone(r.Codes), storage.Code{Purpose: purpose, ExpiresAt: now.Add(SignUpCodeTTL), Issued: 1, WindowStart: now})
			i = len(r.Codes) - 1
		}
		r.Codes = slices.Clone(r.Codes)
		c := &r.Codes[i]
		if c.Attempts >= MaxCodeAttempts {
			answer = ErrCodeAttemptsPassed
			return errUnknownUnchanged
		}
		if !s.now().Before(c.ExpiresAt) {
			answer = ErrCodeExpired
			return errUnknownUnchanged
		}
		c.Attempts++
		answer = ErrCodeMismatch
		return nil
	})
	if err != nil {
		return err
	}
	return answer
}
