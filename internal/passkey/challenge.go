package passkey

import (
	"crypto/subtle"
	"time"
)

// Ceremony says which WebAuthn ceremony a Challenge belongs to, so that a
// registration challenge can never answer a sign-in and the reverse.
type Ceremony string

// The two ceremonies, named as clientData.type names them.
const (
	Create Ceremony = "webauthn.create"
	Get    Ceremony = "webauthn.get"
)

// Challenge is the state of one ceremony between its options and its
// answer. It holds nothing secret beyond the challenge itself, but the
// caller stores it sealed (the user's pending registration; the sign-in
// session's state) so that it can be neither read nor altered at rest. The
// JSON form uses short member names for that storage.
type Challenge struct {
	Ceremony Ceremony `json:"k"`
	// Value is the random challenge (ChallengeLen bytes); empty once taken.
	Value []byte `json:"c,omitempty"`
	// UserHandle is the user's WebAuthn user handle: the sub's bytes.
	UserHandle []byte `json:"u"`
	// RPID is the relying party the options named.
	RPID string `json:"r"`
	// UserVerification is what the options asked for; "required" is
	// enforced when the answer is verified.
	UserVerification UserVerification `json:"v"`
	// ClientID is the app client that started a registration (checked by
	// FinishRegistration: WebAuthnClientMismatchException).
	ClientID string `json:"a,omitempty"`
	// Expires is when the challenge stops being accepted.
	Expires time.Time `json:"e"`
}

// Take makes the challenge single-use. Called inside the atomic update
// that stores the Challenge back (or deletes it), it returns a copy for
// verification and empties the receiver, so that any later Take fails. It
// fails on a challenge that was already taken, was never issued (the zero
// value) or has expired at now: ErrChallengeNotFound for a registration,
// ErrChallengeSpent for a sign-in.
func (c *Challenge) Take(now time.Time) (Challenge, error) {
	taken := *c
	c.Value = nil
	if len(taken.Value) == 0 || !now.Before(taken.Expires) {
		return Challenge{}, c.missing()
	}
	return taken, nil
}

// live reports whether c is an unexpired challenge of ceremony k for user.
func (c *Challenge) live(k Ceremony, user User, now time.Time) bool {
	return c.Ceremony == k && len(c.Value) >= ChallengeLen && now.Before(c.Expires) &&
		subtle.ConstantTimeCompare(c.UserHandle, user.Handle()) == 1
}

// missing is the error for a challenge that cannot be used.
func (c *Challenge) missing() error {
	if c.Ceremony == Create {
		return ErrChallengeNotFound
	}
	return ErrChallengeSpent
}
