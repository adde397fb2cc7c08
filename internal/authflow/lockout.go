package authflow

import (
	"context"
	"errors"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// lockDuration is how long the n-th consecutive failure locks the user:
// 2^(n-LockoutThreshold) seconds, at most LockoutMax.
func lockDuration(n int) time.Duration {
	if n < LockoutThreshold {
		return 0
	}
	shift := n - LockoutThreshold
	if shift >= 10 { // 1024 s > LockoutMax
		return LockoutMax
	}
	return min(time.Duration(1<<shift)*time.Second, LockoutMax)
}

// locked reports whether u is locked out at now.
func locked(u storage.User, now time.Time) bool {
	return now.Before(u.Lockout.LockedUntil)
}

// checkStatus applies the checks Cognito makes before it looks at a
// password: a disabled user, an unconfirmed one (UserNotConfirmedException
// even for a wrong password, spec §7.2) and one who must reset the password.
func checkStatus(u storage.User) error {
	if !u.Enabled {
		return userpool.ErrUserDisabled
	}
	switch u.Status {
	case "UNCONFIRMED":
		return userpool.ErrUserNotConfirmed
	case "RESET_REQUIRED":
		return userpool.ErrResetRequired
	}
	return nil
}

// recordFailure counts a failed password or SRP proof for u, atomically:
// the counter is recomputed from the stored value inside UpdateUser, so
// failures on several nodes add up. A failure that races with a lockout
// started meanwhile is not counted (attempts during a lockout do not extend
// it). It returns the error to answer, errIncorrect.
func (s *Service) recordFailure(ctx context.Context, poolID string, u storage.User) error {
	_, err := s.Store.UpdateUser(ctx, poolID, u.UsernameKey, func(u *storage.User) error {
		now := s.now()
		l := &u.Lockout
		if now.Before(l.LockedUntil) {
			return nil
		}
		if !l.LastFailure.IsZero() && now.Sub(l.LastFailure) >= LockoutReset {
			*l = storage.Lockout{}
		}
		l.Failures++
		l.LastFailure = now
		if d := lockDuration(l.Failures); d > 0 {
			l.LockedUntil = now.Add(d)
		}
		return nil
	})
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return errIncorrect
}

// recordSuccess clears u's failure count after a correct password. It
// writes only when there is something to clear, so the common sign-in does
// not write the user at all.
func (s *Service) recordSuccess(ctx context.Context, poolID string, u *storage.User) error {
	if u.Lockout == (storage.Lockout{}) {
		return nil
	}
	nu, err := s.Store.UpdateUser(ctx, poolID, u.UsernameKey, func(u *storage.User) error {
		u.Lockout = storage.Lockout{}
		return nil
	})
	if err != nil {
		return err
	}
	*u = nu
	return nil
}

// checkLock answers errAttemptsExceeded during a lockout. A lockout whose
// failures are older than LockoutReset no longer counts.
func (s *Service) checkLock(u storage.User) error {
	if locked(u, s.now()) {
		return errAttemptsExceeded
	}
	return nil
}
