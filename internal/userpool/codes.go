package userpool

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file holds the one-time codes stored on users (sign-up
// confirmation, password reset, attribute verification): issuing them
// within the per-purpose limits, and consuming them atomically.

// Code purposes stored on users.
const (
	CodeSignUp         = "SIGN_UP"
	CodeForgotPassword = "FORGOT_PASSWORD"
	codeVerifyPrefix   = "VERIFY:"
)

// CodeVerify is the purpose of an attribute verification code for attr. A
// code of this purpose is bound to the value it was sent to: it verifies
// that value only (see VerifyAttribute and DropStaleVerificationCodes).
func CodeVerify(attr string) string { return codeVerifyPrefix + attr }

// Code lifetimes and limits. The limits count per user and purpose within a
// CodeWindow that starts with the first code of the purpose: a code issued
// again inside the window replaces the earlier one but inherits its count
// of wrong answers, so that asking for a new code never buys new guesses;
// and at most MaxCodeIssues codes are sent (also against flooding a
// mailbox or phone). A successful use of a code ends its window. Cognito
// does not publish its limits (amazon-cognito-identity-js#548: more than
// five ForgotPassword requests answer LimitExceededException).
const (
	SignUpCodeTTL         = 24 * time.Hour
	ForgotPasswordCodeTTL = time.Hour
	VerifyCodeTTL         = 24 * time.Hour
	// MaxCodeAttempts is how many wrong answers the codes of one purpose
	// take within a window; then they are dead.
	MaxCodeAttempts = 5
	// MaxCodeIssues is how many codes of one purpose a window allows.
	MaxCodeIssues = 5
	// CodeWindow is how long the limits above count.
	CodeWindow = time.Hour
)

// ErrCodeIssueLimit is the answer of ForgotPassword, ResendConfirmationCode
// and GetUserAttributeVerificationCode once the user's codes of that
// purpose hit a limit of the window (MaxCodeIssues codes sent, or
// MaxCodeAttempts wrong answers): LimitExceededException "Attempt limit
// exceeded, please try after some time." (ForgotPassword:
// amazon-cognito-identity-js#548 for the exception, aws-amplify/amplify-js#8013
// and #13225 for the message; UNCONFIRMED for the other operations).
var ErrCodeIssueLimit = fault.New(fault.LimitExceeded, "Attempt limit exceeded, please try after some time.")

// NewCode returns a 6-digit numeric code.
func (s *Service) NewCode() (string, error) { return randomString(s.rand(), "0123456789", 6) }

// IssueCode creates a code for purpose on u (replacing any earlier one of
// the same purpose) and returns it. Within the purpose's window it fails
// with ErrCodeIssueLimit once MaxCodeIssues codes were issued or
// MaxCodeAttempts wrong answers given.
func (s *Service) IssueCode(u *storage.User, purpose string, ttl time.Duration) (string, error) {
	return s.issueCode(u, purpose, "", ttl, true)
}

// issueCode is IssueCode for a code bound to target (codeTarget of the
// value a verification code verifies, or ""). An administrator's code
// (limited false) is never refused and starts with no wrong answers, but
// counts towards the window's issues.
func (s *Service) issueCode(u *storage.User, purpose, target string, ttl time.Duration, limited bool) (string, error) {
	now := s.now()
	prev, codes := splitCodes(u.Secrets.Codes, purpose, now)
	next := storage.Code{Purpose: purpose, Target: target, ExpiresAt: now.Add(ttl), Issued: 1, WindowStart: now}
	if prev != nil && now.Before(prev.WindowStart.Add(CodeWindow)) {
		if limited && (prev.Issued >= MaxCodeIssues || prev.Attempts >= MaxCodeAttempts) {
			return "", ErrCodeIssueLimit
		}
		next.Issued, next.WindowStart = prev.Issued+1, prev.WindowStart
		if limited {
			next.Attempts = prev.Attempts
		}
	}
	code, err := s.NewCode()
	if err != nil {
		return "", err
	}
	next.Value = code
	u.Secrets.Codes = append(codes, next)
	return code, nil
}

// splitCodes returns the code of purpose among codes (nil if none) and a new
// slice of the others still worth keeping at now (codeKept).
func splitCodes(codes []storage.Code, purpose string, now time.Time) (*storage.Code, []storage.Code) {
	var prev *storage.Code
	kept := codes[:0:0]
	for _, c := range codes {
		switch {
		case c.Purpose == purpose:
			prev = &c
		case codeKept(c, now):
			kept = append(kept, c)
		}
	}
	return prev, kept
}

// codeKept reports whether c is still worth storing at now: usable, or
// counting towards the limits of its window.
func codeKept(c storage.Code, now time.Time) bool {
	return (c.Value != "" && now.Before(c.ExpiresAt)) || now.Before(c.WindowStart.Add(CodeWindow))
}

// codeTarget is what a verification code for value stores in Code.Target:
// the hex SHA-256 of the value.
func codeTarget(value string) string {
	h := sha256.Sum256([]byte(value))
	return hex.EncodeToString(h[:])
}

// ConsumeCode checks value against u's code for purpose. On success the code
// is removed. A wrong value counts an attempt; after MaxCodeAttempts the code
// is dead. The caller must persist u whatever the result (the attempt count
// changes), and must do so inside the same UpdateUser so that two requests
// cannot both use one code.
func (s *Service) ConsumeCode(u *storage.User, purpose, value string) error {
	return s.consumeCode(u, purpose, "", value)
}

// consumeCode is ConsumeCode for a code bound to target: a code sent for
// another target is dead (ErrCodeExpired), whatever value is given.
func (s *Service) consumeCode(u *storage.User, purpose, target, value string) error {
	u.Secrets.Codes = slices.Clone(u.Secrets.Codes) // never write through to a caller's copy
	for i := range u.Secrets.Codes {
		c := &u.Secrets.Codes[i]
		if c.Purpose != purpose {
			continue
		}
		if c.Attempts >= MaxCodeAttempts {
			return ErrCodeAttemptsPassed
		}
		if c.Value == "" || !s.now().Before(c.ExpiresAt) {
			return ErrCodeExpired
		}
		if c.Target != target {
			// Sent to a value the code no longer verifies.
			c.Value = ""
			return ErrCodeExpired
		}
		if subtle.ConstantTimeCompare([]byte(c.Value), []byte(value)) != 1 {
			c.Attempts++
			return ErrCodeMismatch
		}
		u.Secrets.Codes = append(u.Secrets.Codes[:i:i], u.Secrets.Codes[i+1:]...)
		return nil
	}
	return ErrCodeMismatch
}

// DropStaleVerificationCodes invalidates u's attribute verification codes
// that were sent to a value other than the one they would verify now (the
// attribute's pending value, else its value): call it inside every
// Store.UpdateUser that may change email or phone_number. The codes' counts
// stay, so changing the attribute back and forth buys no new guesses or
// messages. It is pure and cheap.
func DropStaleVerificationCodes(u *storage.User) {
	cloned := false
	for i, c := range u.Secrets.Codes {
		attr, ok := strings.CutPrefix(c.Purpose, codeVerifyPrefix)
		if !ok || c.Value == "" {
			continue
		}
		if v, _ := verificationTarget(*u, attr); v != "" && codeTarget(v) == c.Target {
			continue
		}
		if !cloned {
			u.Secrets.Codes = slices.Clone(u.Secrets.Codes)
			cloned = true
		}
		u.Secrets.Codes[i].Value = ""
	}
}

// updateWithCode consumes a one-time code of purpose (bound to target, see
// consumeCode) on the user inside one atomic update. check runs first and
// aborts without writing; a wrong, expired or exhausted code is returned
// after the attempt count is stored; apply runs only after the code was
// accepted, and its error aborts the whole update (the code stays usable).
func (s *Service) updateWithCode(ctx context.Context, p *Pool, key, purpose, target, code string,
	check, apply func(*storage.User) error) (storage.User, error) {
	var codeErr error
	u, err := s.Users.UpdateUser(ctx, p.ID, key, func(u *storage.User) error {
		codeErr = nil // fn may run more than once (serialization retries)
		if check != nil {
			if err := check(u); err != nil {
				return err
			}
		}
		if codeErr = s.consumeCode(u, purpose, target, code); codeErr != nil {
			return nil // keep the attempt count
		}
		if err := apply(u); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return u, ErrUserNotFound
	}
	if err != nil {
		return u, err
	}
	return u, codeErr
}
