package federation

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// decodeBase64Loose decodes standard base64 with or without padding and
// with any whitespace.
func decodeBase64Loose(s string) ([]byte, error) {
	s = strings.Join(strings.Fields(s), "")
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// parseAppleKey reads Sign in with Apple's private_key: the .p8 file Apple
// issues (a PEM PKCS #8 P-256 key), with or without its PEM lines.
func parseAppleKey(s string) (*ecdsa.PrivateKey, error) {
	var der []byte
	if b, _ := pem.Decode([]byte(s)); b != nil {
		der = b.Bytes
	} else {
		var err error
		if der, err = decodeBase64Loose(s); err != nil {
			return nil, err
		}
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("not a P-256 key")
	}
	return ec, nil
}

// appleClientSecret is the client_secret Apple's token endpoint takes: an
// ES256 JWT with kid = key_id, iss = team_id, sub = client_id and aud =
// Apple's issuer (the override base URL when the type is sent to one),
// valid five minutes.
func appleClientSecret(p Provider, audience string, now time.Time) (string, error) {
	key, err := parseAppleKey(p.Private[KeyPrivateKey])
	if err != nil {
		return "", err
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", p.Details[KeyKeyID])
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	if err != nil {
		return "", err
	}
	claims := jwt.Claims{
		Issuer:   p.Details[KeyTeamID],
		Subject:  p.Details[KeyClientID],
		Audience: jwt.Audience{audience},
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(5 * time.Minute)),
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}
