package userpool

import (
	"context"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// CodeSignIn is the purpose of the record that counts the passwordless
// sign-in codes (USER_AUTH EMAIL_OTP and SMS_OTP) sent to a user. The codes
// themselves live in the sign-in session (authflow); the record only counts
// them, within CodeWindow, so that whoever knows a username cannot flood
// the user's mailbox or phone: passwordless codes, unlike MFA codes, need
// nothing but the username.
const CodeSignIn = "SIGN_IN"

// MaxSignInCodes is how many passwordless sign-in codes a user is sent
// within a CodeWindow. UNCONFIRMED: Cognito publishes no such limit; this
// one is generous enough for a developer signing in over and over.
const MaxSignInCodes = 30

// CountSignInCode records that a passwordless sign-in code is about to be
// sent to u, atomically, and refuses once MaxSignInCodes were sent within
// the window: TooManyRequestsException "Too many requests" (InitiateAuth
// and RespondToAuthChallenge list no LimitExceededException).
func (s *Service) CountSignInCode(ctx context.Context, p *Pool, u storage.User) error {
	now := s.now()
	_, err := s.updateSameUser(ctx, p, u, func(cur *storage.User) error {
		return countSignInCode(cur, now)
	})
	return err
}

// countSignInCode counts one sign-in code on u at now (see CountSignInCode).
func countSignInCode(u *storage.User, now time.Time) error {
	prev, codes := splitCodes(u.Secrets.Codes, CodeSignIn, now)
	next := storage.Code{Purpose: CodeSignIn, ExpiresAt: now, Issued: 1, WindowStart: now}
	if prev != nil && now.Before(prev.WindowStart.Add(CodeWindow)) {
		if prev.Issued >= MaxSignInCodes {
			return ErrTooManyRequests
		}
		next.Issued, next.WindowStart = prev.Issued+1, prev.WindowStart
	}
	u.Secrets.Codes = append(codes, next)
	return nil
}
