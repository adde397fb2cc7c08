package userpool

import (
	"context"
	"errors"
	"time"

	"github.com/userpoold/userpoold/internal/password"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file hashes and checks passwords (argon2id, and the SRP verifier)
// within the server's memory budget for argon2id, in the same time whether
// or not the user has a password.

// DefaultHashWait is how long a password hash waits for memory by default
// (Service.HashWait).
const DefaultHashWait = 3 * time.Second

// NewPassword is a password ready to store for one user: the argon2id hash
// and the SRP salt and verifier. Computing it is slow, so callers compute it
// before Store.UpdateUser and Apply it inside the update function (which may
// run more than once).
type NewPassword struct {
	hash           string
	salt, verifier []byte
	at             time.Time
}

// HashPassword prepares pw as the password of the user whose internal
// username is username (Cognito's SRP uses USER_ID_FOR_SRP). It waits for
// its share of the hashing budget at most HashWait, then fails with
// ErrTooManyRequests.
func (s *Service) HashPassword(p *Pool, username, pw string) (NewPassword, error) {
	release, err := s.acquireHash(context.Background(), s.Hashing.MemoryKiB)
	if err != nil {
		return NewPassword{}, err
	}
	defer release()
	return s.hashPassword(p, username, pw)
}

// hashPassword is HashPassword for a caller that holds the hashing budget.
func (s *Service) hashPassword(p *Pool, username, pw string) (NewPassword, error) {
	h, err := password.Hash(s.rand(), pw, s.Hashing)
	if err != nil {
		return NewPassword{}, err
	}
	salt, verifier, err := srp.NewVerifier(s.rand(), srp.PoolName(p.ID), username, pw)
	if err != nil {
		return NewPassword{}, err
	}
	return NewPassword{hash: h, salt: salt, verifier: verifier, at: s.now()}, nil
}

// unusablePassword is the password of a user whose temporary password
// nobody received (AdminCreateUser, MessageAction SUPPRESS, no
// TemporaryPassword): a value no password matches (password.Unusable) and
// no SRP verifier, so that neither USER_PASSWORD_AUTH nor USER_SRP_AUTH can
// succeed with it, at no hashing cost. The user still has a password, as
// on AWS (USER_AUTH offers PASSWORD; AdminSetUserPassword or a RESEND
// replaces it).
func (s *Service) unusablePassword() (NewPassword, error) {
	h, err := password.Unusable(s.rand())
	if err != nil {
		return NewPassword{}, err
	}
	return NewPassword{hash: h, at: s.now()}, nil
}

// Apply stores the password on u.
func (np NewPassword) Apply(u *storage.User) {
	u.Secrets.PasswordHash = np.hash
	u.Secrets.SRPSalt = np.salt
	u.Secrets.SRPVerifier = np.verifier
	u.PasswordChangedAt = np.at
}

// SetPassword hashes pw and stores it on u (HashPassword, then Apply). Use it
// for users not yet stored; inside Store.UpdateUser apply a NewPassword
// computed beforehand instead.
func (s *Service) SetPassword(p *Pool, u *storage.User, pw string) error {
	np, err := s.HashPassword(p, u.Username, pw)
	if err != nil {
		return err
	}
	np.Apply(u)
	return nil
}

// hashLimit returns the limiter of argon2id computations.
func (s *Service) hashLimit() *password.Limiter {
	s.hashLimitOnce.Do(func() {
		if s.HashLimit == nil {
			budget := password.DefaultBudgetKiB()
			if s.Hashing.MemoryKiB > 0 {
				budget = password.BudgetKiB(s.Hashing)
			}
			s.HashLimit = password.NewSlotLimiter(budget, password.DefaultSlots())
		}
	})
	return s.HashLimit
}

// errHashWait is the cause of a context that waited HashWait for memory.
var errHashWait = errors.New("userpool: hashing budget spent")

// acquireHash takes memKiB of the hashing budget for one argon2id
// computation, waiting at most HashWait (ErrTooManyRequests) or until ctx
// ends. Call release when the computation is done.
func (s *Service) acquireHash(ctx context.Context, memKiB uint32) (release func(), err error) {
	wait := s.HashWait
	if wait <= 0 {
		wait = DefaultHashWait
	}
	ctx, cancel := context.WithTimeoutCause(ctx, wait, errHashWait)
	defer cancel()
	release, err = s.hashLimit().Acquire(ctx, memKiB)
	if errors.Is(err, errHashWait) {
		return nil, ErrTooManyRequests
	}
	return release, err
}

// verifyMemory is the memory checking pw against u costs: that of u's
// stored hash, or of the dummy hash when u has none.
func (s *Service) verifyMemory(u storage.User) uint32 {
	if h, ok := importedHash(u.Secrets.PasswordHash); ok {
		// The check, then the rehash to the pool's parameters.
		return max(h.MemoryKiB(), s.Hashing.MemoryKiB)
	}
	if m := password.MemoryKiB(u.Secrets.PasswordHash); m > 0 {
		return m
	}
	return s.Hashing.MemoryKiB
}

// CheckPassword reports whether pw is u's password. It costs the same
// whether or not u has a password. It waits for its share of the hashing
// budget at most HashWait, then fails with ErrTooManyRequests; the caller
// must then not count a failed attempt. A password that matches an
// imported hash (imported.go) replaces it with the pool's own hash and an
// SRP verifier.
func (s *Service) CheckPassword(ctx context.Context, u storage.User, pw string) (bool, error) {
	release, err := s.acquireHash(ctx, s.verifyMemory(u))
	if err != nil {
		return false, err
	}
	defer release()
	ok := s.verifyPassword(u, pw)
	if _, isImported := importedHash(u.Secrets.PasswordHash); ok && isImported {
		s.rehashImported(ctx, u, pw)
	}
	return ok, nil
}

// verifyPassword is CheckPassword for a caller that holds the budget.
func (s *Service) verifyPassword(u storage.User, pw string) bool {
	if u.Secrets.PasswordHash == "" || password.IsUnusable(u.Secrets.PasswordHash) {
		s.dummyHash(pw)
		return false
	}
	if h, ok := importedHash(u.Secrets.PasswordHash); ok {
		return h.Verify(pw)
	}
	ok, err := password.Verify(u.Secrets.PasswordHash, pw)
	return err == nil && ok
}

// dummyHash spends the time a password check costs, so that a missing user
// or password cannot be told apart by timing.
func (s *Service) dummyHash(pw string) {
	password.Hash(s.rand(), pw, s.Hashing)
}

// CheckDummyPassword is CheckPassword for a user that does not exist: it
// costs the same and fails with ErrTooManyRequests the same way.
func (s *Service) CheckDummyPassword(ctx context.Context, pw string) error {
	_, err := s.CheckPassword(ctx, storage.User{}, pw)
	return err
}
