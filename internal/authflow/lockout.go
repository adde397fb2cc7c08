package authflow

import (
	"context"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// The lockout schedule is userpool's (userpool.LockDuration,
// userpool.CountLockoutFailure), shared with ChangePassword, whose wrong
// passwords count in the same storage.User.Lockout.

// lockDuration is how long the n-th consecutive failure locks the user.
func lockDuration(n int) time.Duration { return userpool.LockDuration(n) }

// locked reports whether u is locked out at now.
func locked(u storage.User, now time.Time) bool { return userpool.Locked(u, now) }

// countFailure counts one failed attempt in l at now (pure, for use inside
// Store.UpdateUser; callers check locked first).
func countFailure(l *storage.Lockout, now time.Time) { userpool.CountLockoutFailure(l, now) }

func sameLockout(a, b storage.Lockout) bool {
	return a.Failures == b.Failures && a.LastFailure.Equal(b.LastFailure) && a.LockedUntil.Equal(b.LockedUntil)
}

// reservation is a password or SRP-proof attempt counted against a user
// before the (slow) check: the user's Lockout before and after it.
type reservation struct {
	before, after storage.Lockout
}

// reserve counts an attempt to sign in as the user stored under key
// against the lockout before its password or SRP proof is checked, in one
// atomic UpdateUser: check (the status checks; it must be pure and cheap)
// runs first on the stored user and an error from it aborts; during a
// lockout it fails with errAttemptsExceeded (and counts nothing: attempts
// during a lockout do not extend it); otherwise the attempt counts as a
// failure until refund gives it back. So no burst of concurrent attempts,
// on one node or many, gets more checks than the lockout allows. It returns
// the user as stored, whose password hash and SRP verifier are the ones to
// check, or an error wrapping storage.ErrNotFound.
func (s *Service) reserve(ctx context.Context, poolID, key string, check func(storage.User) error) (storage.User, reservation, error) {
	now := s.now()
	var r reservation
	nu, err := s.Users.UpdateUser(ctx, poolID, key, func(cur *storage.User) error {
		if err := check(*cur); err != nil {
			return err
		}
		if locked(*cur, now) {
			return errAttemptsExceeded
		}
		r.before = cur.Lockout
		countFailure(&cur.Lockout, now)
		return nil
	})
	if err != nil {
		return storage.User{}, r, err
	}
	r.after = nu.Lockout
	return nu, r, nil
}

// refund gives back the attempt r reserved, after a correct password or
// proof, and updates *u. When nobody else touched the lockout meanwhile it
// is restored exactly (so a sign-in without earlier failures leaves it
// zero); otherwise one failure is taken off, and the lock r started, if it
// is still the current one, is lifted. Earlier failures stay until the
// sign-in completes (clearLockout): a correct password alone does not reset
// the count, so that wrong MFA codes (which count too) cannot be retried
// forever by whoever knows the password.
func (s *Service) refund(ctx context.Context, poolID string, u *storage.User, r reservation) error {
	nu, err := s.Users.UpdateUser(ctx, poolID, u.UsernameKey, func(cur *storage.User) error {
		if cur.Sub != u.Sub {
			return storage.ErrNotFound
		}
		l := &cur.Lockout
		if sameLockout(*l, r.after) {
			*l = r.before
			return nil
		}
		if l.Failures > 0 {
			l.Failures--
		}
		if l.LockedUntil.Equal(r.after.LockedUntil) && !r.after.LockedUntil.Equal(r.before.LockedUntil) {
			l.LockedUntil = r.before.LockedUntil
		}
		return nil
	})
	if err != nil {
		return userGone(err)
	}
	*u = nu
	return nil
}

// clearLockout resets u's failure count once a sign-in completes (tokens
// are issued): Cognito starts the count over after a successful sign-in. It
// writes only when there is something to clear, so the common sign-in does
// not write the user for it.
func (s *Service) clearLockout(ctx context.Context, poolID string, u *storage.User) error {
	if sameLockout(u.Lockout, storage.Lockout{}) {
		return nil
	}
	nu, err := s.Users.UpdateUser(ctx, poolID, u.UsernameKey, func(cur *storage.User) error {
		if cur.Sub != u.Sub {
			return storage.ErrNotFound
		}
		cur.Lockout = storage.Lockout{}
		return nil
	})
	if err != nil {
		return userGone(err)
	}
	*u = nu
	return nil
}

// checkMFACode checks an MFA code of the user sc signs in as, counting a
// wrong one against the same lockout as wrong passwords, in one atomic
// UpdateUser: during a lockout it fails with errAttemptsExceeded before
// looking at the code; otherwise match runs on the freshest record and
// either accepts the code (it may change the record, e.g. to record a TOTP
// time step) or returns the error to answer, in which case one failure is
// counted and written instead. So wrong codes across any number of
// sign-ins and concurrent answers lock the user as wrong passwords do, and
// a correct password does not reset them (see refund). match must be pure
// and cheap (it may run more than once); an error it returns that is not a
// *fault.Error of kind CodeMismatch or ExpiredCode aborts without counting.
func (s *Service) checkMFACode(ctx context.Context, sc *signIn, match func(u *storage.User) error) error {
	now := s.now()
	var wrong error
	u, err := s.Users.UpdateUser(ctx, sc.pool.ID, sc.user.UsernameKey, func(cur *storage.User) error {
		wrong = nil
		if cur.Sub != sc.user.Sub {
			return userpool.ErrUserNotFound
		}
		if locked(*cur, now) {
			return errAttemptsExceeded
		}
		err := match(cur)
		switch fault.KindOf(err) {
		case "":
			if err != nil {
				return err
			}
			return nil
		case fault.CodeMismatch, fault.ExpiredCode:
			wrong = err
			countFailure(&cur.Lockout, now)
			return nil
		default:
			return err
		}
	})
	if err != nil {
		return userGone(err)
	}
	sc.user = u
	return wrong
}
