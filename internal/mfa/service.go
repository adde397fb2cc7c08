package mfa

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// Service carries out the MFA operations that change a user, each inside one
// storage.UserStore.UpdateUser so that it is atomic across nodes.
type Service struct {
	Users storage.UserStore
	Now   func() time.Time
	Rand  io.Reader
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

// Associate gives the user a new pending software-token secret and returns
// it as AssociateSoftwareToken's SecretCode. A pending secret that was never
// verified is replaced; the verified secret, if any, stays in use until the
// new one is verified (spec §5.1). The caller checks that the pool offers
// TOTP.
func (s *Service) Associate(ctx context.Context, poolID, usernameKey string) (string, error) {
	secret, err := NewSecret(s.rand())
	if err != nil {
		return "", err
	}
	_, err = s.Users.UpdateUser(ctx, poolID, usernameKey, func(u *storage.User) error {
		u.Secrets.TOTPPending = secret
		u.UpdatedAt = s.now()
		return nil
	})
	if err != nil {
		return "", err
	}
	return EncodeSecret(secret), nil
}

// VerifySetup checks code against the user's pending software-token secret
// (VerifySoftwareToken). On success the pending secret becomes the user's
// verified secret, replacing any older one, friendlyName is kept (when not
// empty), and the code's time step is recorded so that the same code cannot
// be used again, not even to sign in (spec §5.3). Verifying does not enable
// or prefer TOTP (spec §5.2: enabling is SetUserMFAPreference's job; the
// MFA_SETUP path enables it separately).
//
// Without a pending secret, the code is checked against the verified secret
// (a repeated VerifySoftwareToken succeeds with a fresh code). A wrong code
// is ErrEnableTOTPMismatch, a used one ErrTOTPReplay, and a user with no
// secret at all ErrNoTOTP. Wrong codes are counted like every other code
// (userpool's codes): after MaxSetupAttempts wrong codes within SetupWindow
// every answer is ErrSetupAttempts until the window ends, so that a stolen
// access token is no oracle for the current code of the verified secret. A
// right code ends the window.
func (s *Service) VerifySetup(ctx context.Context, poolID, usernameKey, code, friendlyName string) (storage.User, error) {
	now := s.now()
	var wrong error
	u, err := s.Users.UpdateUser(ctx, poolID, usernameKey, func(u *storage.User) error {
		wrong = nil // fn may run more than once
		secret, last := u.Secrets.TOTPPending, int64(0)
		if len(secret) == 0 {
			if !HasTOTP(u) {
				return ErrNoTOTP
			}
			secret, last = u.Secrets.TOTPSecret, u.MFA.TOTPLastStep
		}
		codes, attempts := setupAttempts(u.Secrets.Codes, now)
		if attempts.Attempts >= MaxSetupAttempts {
			return ErrSetupAttempts
		}
		step, err := MatchTOTP(secret, code, now, last)
		switch {
		case errors.Is(err, ErrReplay):
			return ErrTOTPReplay
		case err != nil:
			attempts.Attempts++
			u.Secrets.Codes = append(codes, attempts)
			wrong = ErrEnableTOTPMismatch
			return nil // store the count
		}
		u.Secrets.Codes = codes
		if len(u.Secrets.TOTPPending) > 0 {
			u.Secrets.TOTPSecret = u.Secrets.TOTPPending
			u.Secrets.TOTPPending = nil
			u.MFA.TOTPVerifiedAt = now
		}
		u.MFA.TOTPLastStep = step
		if friendlyName != "" {
			u.MFA.TOTPFriendlyName = friendlyName
		}
		u.UpdatedAt = now
		return nil
	})
	if err != nil {
		return u, err
	}
	return u, wrong
}

// The limit of VerifySoftwareToken's wrong codes: userpool's limits of
// every code (MaxCodeAttempts wrong answers per CodeWindow), counted in a
// storage.Code of purpose SetupPurpose without a value.
const (
	SetupPurpose     = "TOTP_SETUP"
	MaxSetupAttempts = 5
	SetupWindow      = time.Hour
)

// setupAttempts returns codes without the SetupPurpose counter, and that
// counter (a fresh one when there is none or its window ended at now).
func setupAttempts(codes []storage.Code, now time.Time) ([]storage.Code, storage.Code) {
	rest := make([]storage.Code, 0, len(codes))
	c := storage.Code{Purpose: SetupPurpose, WindowStart: now, ExpiresAt: now.Add(SetupWindow)}
	for _, x := range codes {
		if x.Purpose != SetupPurpose {
			rest = append(rest, x)
		} else if now.Before(x.WindowStart.Add(SetupWindow)) {
			c = x
		}
	}
	return rest, c
}

// SetSecret makes secret the user's verified software-token secret, as if
// it had been associated and verified with friendlyName (bootstrap files
// declare the secret of a seeded user, so that a test's authenticator
// already knows it): a pending secret is dropped and the replay guard
// starts over. The secret must be at least MinSecretBytes long. It does
// not enable or prefer TOTP (SetPreference does).
func (s *Service) SetSecret(ctx context.Context, poolID, usernameKey string, secret []byte, friendlyName string) (storage.User, error) {
	if len(secret) < MinSecretBytes {
		return storage.User{}, ErrShortSecret
	}
	now := s.now()
	return s.Users.UpdateUser(ctx, poolID, usernameKey, func(u *storage.User) error {
		u.Secrets.TOTPSecret = bytes.Clone(secret)
		u.Secrets.TOTPPending = nil
		u.MFA.TOTPVerifiedAt = now
		u.MFA.TOTPLastStep = 0
		u.MFA.TOTPFriendlyName = friendlyName
		u.UpdatedAt = now
		return nil
	})
}

// MinSecretBytes is the shortest TOTP secret SetSecret accepts: 128 bits,
// RFC 4226's minimum for the shared secret (Cognito's own are 32 bytes).
const MinSecretBytes = 16

// ErrShortSecret is SetSecret's answer for a secret under MinSecretBytes.
var ErrShortSecret = errors.New("mfa: a TOTP secret must be at least 16 bytes (26 base32 characters)")

// CheckTOTP checks a SOFTWARE_TOKEN_MFA answer against the user's verified
// secret and records its time step, in one UpdateUser: of two requests with
// the same code, on any nodes, exactly one succeeds. A wrong code is
// ErrTOTPMismatch, a used one ErrTOTPReplay, and a user without a software
// token ErrNoTOTP. The caller bounds wrong answers (per session).
func (s *Service) CheckTOTP(ctx context.Context, poolID, usernameKey, code string) (storage.User, error) {
	now := s.now()
	return s.Users.UpdateUser(ctx, poolID, usernameKey, func(u *storage.User) error {
		if !HasTOTP(u) {
			return ErrNoTOTP
		}
		step, err := MatchTOTP(u.Secrets.TOTPSecret, code, now, u.MFA.TOTPLastStep)
		switch {
		case errors.Is(err, ErrReplay):
			return ErrTOTPReplay
		case err != nil:
			return ErrTOTPMismatch
		}
		u.MFA.TOTPLastStep = step
		return nil
	})
}

// SetPreference applies an (Admin)SetUserMFAPreference request to the user
// atomically (see ApplyPreference).
func (s *Service) SetPreference(ctx context.Context, poolID, usernameKey string, p Preference, pool Pool) (storage.User, error) {
	return s.Users.UpdateUser(ctx, poolID, usernameKey, func(u *storage.User) error {
		m, err := ApplyPreference(u, p, pool)
		if err != nil {
			return err
		}
		u.MFA = m
		u.UpdatedAt = s.now()
		return nil
	})
}

// SetLegacySMS applies an (Admin)SetUserSettings request to the user
// atomically (see ApplyLegacySMS).
func (s *Service) SetLegacySMS(ctx context.Context, poolID, usernameKey string, options [][2]string) (storage.User, error) {
	return s.Users.UpdateUser(ctx, poolID, usernameKey, func(u *storage.User) error {
		m, err := ApplyLegacySMS(u, options)
		if err != nil {
			return err
		}
		u.MFA = m
		u.UpdatedAt = s.now()
		return nil
	})
}
