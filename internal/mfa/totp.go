package mfa

import (
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters (spec §5.3): RFC 6238 with HMAC-SHA1, 6 digits and a
// 30-second step; codes one step before or after the current one are
// accepted.
const (
	Period     = 30 * time.Second
	Digits     = 6
	Skew       = 1
	SecretSize = 32 // bytes; 52 base32 characters, the length Cognito's SecretCode commonly has
)

// secretEncoding is unpadded standard base32 (A–Z, 2–7), the form
// authenticator apps and otpauth:// URIs take.
var secretEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

var hotpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewSecret returns SecretSize random bytes read from r.
func NewSecret(r io.Reader) ([]byte, error) {
	b := make([]byte, SecretSize)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("mfa: generating a TOTP secret: %w", err)
	}
	return b, nil
}

// EncodeSecret returns secret as AssociateSoftwareToken's SecretCode:
// unpadded base32 (pattern [A-Za-z0-9]+).
func EncodeSecret(secret []byte) string { return secretEncoding.EncodeToString(secret) }

// DecodeSecret reads a base32 secret case-insensitively, with or without
// padding and spaces.
func DecodeSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	s = strings.TrimRight(s, "=")
	return secretEncoding.DecodeString(s)
}

// Step returns the RFC 6238 time step of t.
func Step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// CodeAt returns the code of secret for time step step.
func CodeAt(secret []byte, step int64) string {
	code, err := hotp.GenerateCodeCustom(EncodeSecret(secret), uint64(step), hotpOpts)
	if err != nil {
		// Only an undecodable secret fails, and EncodeSecret always
		// produces a decodable one.
		panic("mfa: " + err.Error())
	}
	return code
}

// Code returns the code of secret at time t, as an authenticator app shows
// it.
func Code(secret []byte, t time.Time) string { return CodeAt(secret, Step(t)) }

// URI returns the otpauth:// URI an authenticator app (or a QR code) takes
// for secret, e.g. otpauth://totp/issuer:account?secret=...&issuer=...
func URI(issuer, account string, secret []byte) (string, error) {
	k, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Secret: secret,
		Period: uint(Period / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", err
	}
	return k.URL(), nil
}

// Errors of MatchTOTP. Callers turn them into the exception of their
// context (VerifySoftwareToken and the SOFTWARE_TOKEN_MFA challenge word a
// mismatch differently).
var (
	// ErrMismatch means the code is not the secret's code for any step in
	// the accepted window.
	ErrMismatch = errors.New("mfa: TOTP code mismatch")
	// ErrReplay means the code is right, but only for a step that was
	// already used.
	ErrReplay = errors.New("mfa: TOTP code already used")
)

// MatchTOTP checks code against secret at now, accepting the steps
// Step(now)-Skew … Step(now)+Skew that are later than lastStep. It returns
// the step the code was accepted for (the latest one if several match).
// The comparison is constant-time per step.
func MatchTOTP(secret []byte, code string, now time.Time, lastStep int64) (int64, error) {
	if len(code) != Digits || len(secret) == 0 {
		return 0, ErrMismatch
	}
	cur := Step(now)
	accepted, replayed := int64(-1), false
	for s := cur - Skew; s <= cur+Skew; s++ {
		if subtle.ConstantTimeCompare([]byte(CodeAt(secret, s)), []byte(code)) != 1 {
			continue
		}
		if s > lastStep {
			accepted = s
		} else {
			replayed = true
		}
	}
	switch {
	case accepted >= 0:
		return accepted, nil
	case replayed:
		return 0, ErrReplay
	default:
		return 0, ErrMismatch
	}
}
