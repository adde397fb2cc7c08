package userpool

import (
	"context"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/password"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file holds the pool's password policy and the operations that
// change a password: ChangePassword and AdminSetUserPassword (recovery.go
// has the reset flows, hashing.go the hashing).

// PasswordPolicy returns the pool's password policy.
func (p *Pool) PasswordPolicy() password.Policy {
	pol := password.DefaultPolicy
	if p.Settings.Policies != nil && p.Settings.Policies.PasswordPolicy != nil {
		pp := p.Settings.Policies.PasswordPolicy
		pol = password.Policy{
			RequireUppercase: flag(pp.RequireUppercase),
			RequireLowercase: flag(pp.RequireLowercase),
			RequireNumbers:   flag(pp.RequireNumbers),
			RequireSymbols:   flag(pp.RequireSymbols),
			MinimumLength:    8,
		}
		if pp.MinimumLength != nil {
			pol.MinimumLength = int(*pp.MinimumLength)
		}
		if pp.TemporaryPasswordValidityDays != nil {
			pol.TemporaryPasswordValidityDays = int(*pp.TemporaryPasswordValidityDays)
		}
		if pp.PasswordHistorySize != nil {
			pol.PasswordHistorySize = int(*pp.PasswordHistorySize)
		}
	}
	return pol
}

// CheckPasswordPolicy returns an InvalidPassword fault worded for operation
// when pw does not satisfy the pool's policy.
func (p *Pool) CheckPasswordPolicy(operation, pw string) error {
	if err := p.PasswordPolicy().CheckFor(operation, pw); err != nil {
		return fault.New(fault.InvalidPassword, err.Error())
	}
	return nil
}

// ChangePassword changes the password of a signed-in user, who must prove
// the previous one. A wrong previous password counts towards the user's
// sign-in lockout (Lockout*), so that a stolen access token is no oracle for
// guessing the password; while the user is locked out the answer is
// ErrPasswordAttemptsExceeded. A correct one clears the count, as a
// successful sign-in does.
func (s *Service) ChangePassword(ctx context.Context, p *Pool, u storage.User, previous, proposed string) error {
	if err := p.CheckPasswordPolicy("ChangePassword", proposed); err != nil {
		return err
	}
	if Locked(u, s.now()) {
		return ErrPasswordAttemptsExceeded
	}
	// Hold the hashing budget for the check and the new hash, so that a
	// busy server refuses (TooManyRequestsException) before an attempt is
	// counted.
	release, err := s.acquireHash(ctx, max(s.verifyMemory(u), s.Hashing.MemoryKiB))
	if err != nil {
		return err
	}
	defer release()
	// Count the attempt as failed before checking it: concurrent guesses
	// are then all counted, and refused once the lockout starts, instead
	// of all being checked against one stale count.
	cur, err := s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(cur *storage.User) error {
		now := s.now()
		if Locked(*cur, now) {
			return ErrPasswordAttemptsExceeded
		}
		CountLockoutFailure(&cur.Lockout, now)
		return nil
	})
	if err != nil {
		return notFound(err)
	}
	if !s.verifyPassword(cur, previous) {
		return ErrIncorrectPassword
	}
	np, err := s.hashPassword(p, cur.Username, proposed)
	if err != nil {
		return err
	}
	release()
	_, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		if u.Secrets.PasswordHash != cur.Secrets.PasswordHash {
			// The password changed since it was checked.
			return ErrIncorrectPassword
		}
		u.UpdatedAt = s.now()
		u.Lockout = storage.Lockout{}
		np.Apply(u)
		return nil
	})
	return notFound(err)
}

// AdminSetUserPassword sets a user's password: permanent (CONFIRMED) or
// temporary (FORCE_CHANGE_PASSWORD).
func (s *Service) AdminSetUserPassword(ctx context.Context, p *Pool, username, pw string, permanent bool) error {
	u, err := s.FindUser(ctx, p, username)
	if err != nil {
		return err
	}
	if err := p.CheckPasswordPolicy("AdminSetUserPassword", pw); err != nil {
		return err
	}
	np, err := s.HashPassword(p, u.Username, pw)
	if err != nil {
		return err
	}
	_, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		np.Apply(u)
		if permanent {
			u.Status = StatusConfirmed
		} else {
			u.Status = StatusForceChangePassword
		}
		u.Lockout = storage.Lockout{}
		u.UpdatedAt = s.now()
		return nil
	})
	return notFound(err)
}
