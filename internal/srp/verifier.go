package srp

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"filippo.io/bigmod"
)

// SaltSize is the length in bytes of the salts NewVerifier generates
// (Cognito's SALT challenge parameter is 32 hex digits).
const SaltSize = 16

// maxSaltSize bounds the salts ParseDeviceVerifier accepts. Clients send
// padHex of 16 random bytes (15 to 17 bytes).
const maxSaltSize = 1024

var (
	// ErrInvalidVerifier reports a verifier that is not a group element in
	// [1, N-1], or a device verifier config that is not valid base64.
	ErrInvalidVerifier = errors.New("srp: invalid verifier")
	// ErrInvalidSalt reports a device salt that is empty, too long or not
	// valid base64.
	ErrInvalidSalt = errors.New("srp: invalid salt")
)

// NewVerifier computes what the server stores when a password is set: a
// fresh SaltSize-byte salt read from rand and the verifier v = g^x mod N,
// x = H(pad(salt) || H(poolName + userIDForSRP + ":" + password)), exactly as
// amazon-cognito-identity-js derives x in getPasswordAuthenticationKey.
// poolName is PoolName(userPoolID); userIDForSRP is the internal username
// (USER_ID_FOR_SRP), never an alias.
//
// The first byte of salt is never zero (NewVerifier reads again if it is), so
// SALT = hex.EncodeToString(salt) is read the same way by every client:
// amazon-cognito-identity-js pads the integer the SALT spells, pycognito pads
// the SALT string as received, and the two differ for a string that starts
// with a redundant "00" byte.
//
// verifier is Size bytes, big-endian. Store it encrypted.
func NewVerifier(rand io.Reader, poolName, userIDForSRP, password string) (salt, verifier []byte, err error) {
	salt = make([]byte, SaltSize)
	for range 8 {
		if _, err := io.ReadFull(rand, salt); err != nil {
			return nil, nil, fmt.Errorf("srp: reading salt: %w", err)
		}
		if salt[0] != 0 {
			return salt, Verifier(salt, poolName, userIDForSRP, password), nil
		}
	}
	return nil, nil, errors.New("srp: random source keeps producing salts that start with 0")
}

// Verifier computes v = g^x mod N for a given salt, as NewVerifier does. The
// salt is interpreted as a big-endian integer (clients parse SALT with
// BigInteger), so leading zero bytes do not change the result. The result is
// Size bytes, big-endian. The exponentiation runs in constant time.
func Verifier(salt []byte, poolName, userIDForSRP, password string) []byte {
	x := passwordX(salt, poolName, userIDForSRP, password)
	return bigmod.NewNat().Exp(gNat, x, nMod).Bytes(nMod)
}

// ParseDeviceVerifier decodes ConfirmDevice's DeviceSecretVerifierConfig as
// amazon-cognito-identity-js generateHashDevice and pycognito
// generate_hash_device produce it: Salt and PasswordVerifier are standard
// base64 of the bytes of padHex(salt) and padHex(g^x mod N), with
// x = H(pad(salt) || H(DeviceGroupKey + DeviceKey + ":" + devicePassword)).
//
// salt is returned exactly as decoded; send it back as SALT = hex(salt) in
// DEVICE_PASSWORD_VERIFIER. Clients produce the padHex form, whose hex both
// readings of SALT agree on (see NewVerifier); the verifier math reads the
// salt as an integer, as amazon-cognito-identity-js does. verifier is normalised to Size bytes and must be in
// [1, N-1]; pass it to NewServer.
func ParseDeviceVerifier(saltB64, verifierB64 string) (salt, verifier []byte, err error) {
	salt, err = base64.StdEncoding.DecodeString(saltB64)
	if err != nil || len(salt) == 0 || len(salt) > maxSaltSize {
		return nil, nil, ErrInvalidSalt
	}
	raw, err := base64.StdEncoding.DecodeString(verifierB64)
	if err != nil {
		return nil, nil, ErrInvalidVerifier
	}
	verifier, err = normalizeElement(raw)
	if err != nil {
		return nil, nil, ErrInvalidVerifier
	}
	return salt, verifier, nil
}

// normalizeElement checks that the big-endian integer b (leading zeros
// allowed) is in [1, N-1] and returns it as Size bytes. It runs in time that
// depends only on len(b), so it may be used on the verifier.
func normalizeElement(b []byte) ([]byte, error) {
	n, err := elementNat(b)
	if err != nil {
		return nil, err
	}
	return n.Bytes(nMod), nil
}

// elementNat is normalizeElement returning the Nat.
func elementNat(b []byte) (*bigmod.Nat, error) {
	if len(b) > Size {
		var acc byte
		for _, c := range b[:len(b)-Size] {
			acc |= c
		}
		if acc != 0 {
			return nil, errOutOfRange
		}
		b = b[len(b)-Size:]
	}
	n, err := bigmod.NewNat().SetBytes(b, nMod)
	if err != nil || n.IsZero() == 1 {
		return nil, errOutOfRange
	}
	return n, nil
}

var errOutOfRange = errors.New("srp: group element out of range")
