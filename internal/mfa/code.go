package mfa

import (
	"crypto/subtle"
	"fmt"
	"io"
)

// CodeDigits is the length of SMS_MFA and EMAIL_OTP codes.
const CodeDigits = 6

// NewCode returns a uniformly random CodeDigits-digit code read from r, for
// an SMS_MFA or EMAIL_OTP challenge. The code lives in the sign-in
// session's sealed state and expires with it (the app client's
// AuthSessionValidity, spec §7.6).
func NewCode(r io.Reader) (string, error) { return newDigits(r, CodeDigits) }

// SignInCodeDigits is the length of the EMAIL_OTP and SMS_OTP codes of a
// passwordless first factor (USER_AUTH): 8, and fixed (spec
// cognito-user-auth.md §5: "Cognito does not support modifying the length
// of the OTP", amplify-js#14428; the API Reference's "12345678").
const SignInCodeDigits = 8

// NewSignInCode returns a uniformly random SignInCodeDigits-digit code read
// from r, for a passwordless EMAIL_OTP or SMS_OTP first factor. Like an MFA
// code it lives in the session's sealed state and dies with the session.
func NewSignInCode(r io.Reader) (string, error) { return newDigits(r, SignInCodeDigits) }

func newDigits(r io.Reader, n int) (string, error) {
	var buf [1]byte
	code := make([]byte, n)
	for i := 0; i < n; {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return "", fmt.Errorf("mfa: generating a code: %w", err)
		}
		if buf[0] >= 250 { // reject to keep the digits uniform
			continue
		}
		code[i] = '0' + buf[0]%10
		i++
	}
	return string(code), nil
}

// CheckCode reports whether got is the code want, in constant time. An
// empty want never matches.
func CheckCode(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
