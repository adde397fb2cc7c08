package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// PKCE (RFC 7636). Cognito supports only S256 (spec §4.1): another method,
// plain included, or a method without a challenge, is invalid_request.
// (Whether plain is really refused is UNCONFIRMED, spec §20.5.)

// MethodS256 is the only code_challenge_method accepted.
const MethodS256 = "S256"

// isPKCEValue reports whether s is 43 to 128 characters of RFC 7636's
// unreserved set [A-Za-z0-9-._~], the grammar of both code_verifier and
// code_challenge.
func isPKCEValue(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// S256 returns the S256 code_challenge of verifier: unpadded base64url of
// its SHA-256.
func S256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// VerifyPKCE reports whether verifier answers challenge under S256. The
// comparison is constant-time; a malformed verifier never matches.
func VerifyPKCE(challenge, verifier string) bool {
	if !isPKCEValue(verifier) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(S256(verifier)), []byte(challenge)) == 1
}
