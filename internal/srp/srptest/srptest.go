// Package srptest is the client half of Cognito's SRP, for tests only: it
// computes SRP_A, answers PASSWORD_VERIFIER and DEVICE_PASSWORD_VERIFIER
// challenges, and generates a device verifier the way ConfirmDevice callers
// do. It is a line-by-line port of amazon-cognito-identity-js
// (AuthenticationHelper.js, CognitoUser.js) on math/big and hex strings,
// deliberately not sharing arithmetic with package srp, so that the two
// halves check each other; both are checked against vectors from the real
// library in ../testdata/vectors.json.
//
// Nothing here is constant time. Never use it outside tests.
package srptest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/srp"
)

var (
	bigN, _ = new(big.Int).SetString(srp.NHex, 16)
	bigG    = big.NewInt(srp.G)
	bigK    = new(big.Int).SetBytes(hexHashBytes(PadHex(bigN) + PadHex(bigG)))
)

// PadHex is AuthenticationHelper.padHex for non-negative n: lowercase hex,
// left-padded to even length, with "00" prepended when the first digit is
// 8-f.
func PadHex(n *big.Int) string {
	if n.Sign() < 0 {
		panic("srptest: PadHex of a negative number")
	}
	s := n.Text(16)
	if len(s)%2 == 1 {
		s = "0" + s
	}
	if strings.IndexByte("89abcdef", s[0]) >= 0 {
		s = "00" + s
	}
	return s
}

// pyPadHex is pycognito's pad_hex applied to a string.
func pyPadHex(s string) string {
	if len(s)%2 == 1 {
		return "0" + s
	}
	if s != "" && strings.IndexByte("89ABCDEFabcdef", s[0]) >= 0 {
		return "00" + s
	}
	return s
}

// Hash is AuthenticationHelper.hash: SHA-256 of the UTF-8 string as 64 hex digits.
func Hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// HexHash is AuthenticationHelper.hexHash: SHA-256 of the bytes a hex string
// spells, as 64 hex digits.
func HexHash(hexStr string) string {
	return hex.EncodeToString(hexHashBytes(hexStr))
}

func hexHashBytes(hexStr string) []byte {
	b, err := hex.DecodeString(hexStr)
	if err != nil {
		panic("srptest: hexHash of odd or invalid hex " + hexStr)
	}
	h := sha256.Sum256(b)
	return h[:]
}

// Client is one client-side handshake for a pool (or, for device SRP, a
// device group): it holds the secret a and the public A = g^a mod N.
type Client struct {
	poolName string
	a, A     *big.Int

	// SaltAsString makes Key pad the SALT string as received, as pycognito
	// (pad_hex of the str) does, instead of the integer it spells, as
	// amazon-cognito-identity-js (padHex of a BigInteger) does. The two agree
	// unless SALT starts with a redundant "00" byte.
	SaltAsString bool
}

// NewClient picks a as 128 random bytes from rand, as
// AuthenticationHelper.generateRandomSmallA does. poolName is
// srp.PoolName(userPoolID) for the password flow and the DeviceGroupKey for
// the device flow (the library builds `new AuthenticationHelper(deviceGroupKey)`).
func NewClient(rand io.Reader, poolName string) (*Client, error) {
	a := make([]byte, 128)
	if _, err := io.ReadFull(rand, a); err != nil {
		return nil, err
	}
	return NewClientWithA(a, poolName)
}

// NewClientWithA is NewClient with a fixed a (big-endian), for known-answer tests.
func NewClientWithA(a []byte, poolName string) (*Client, error) {
	c := &Client{poolName: poolName, a: new(big.Int).SetBytes(a)}
	c.A = new(big.Int).Exp(bigG, c.a, bigN)
	if c.A.Sign() == 0 {
		return nil, errors.New("srptest: A mod N is 0")
	}
	return c, nil
}

// SRPA returns SRP_A as the library sends it: A.toString(16), unpadded.
func (c *Client) SRPA() string { return c.A.Text(16) }

// Key is getPasswordAuthenticationKey: the 16-byte HKDF key for userID and
// password given the server's SRP_B and SALT (hex). It also returns the
// intermediate values u, x and S for diagnostics.
func (c *Client) Key(userID, password, srpB, saltHex string) (key []byte, u, x, S *big.Int, err error) {
	B, ok := new(big.Int).SetString(srpB, 16)
	if !ok || strings.ContainsAny(srpB, "+-_") {
		return nil, nil, nil, nil, fmt.Errorf("srptest: bad SRP_B %q", srpB)
	}
	salt, ok := new(big.Int).SetString(saltHex, 16)
	if !ok || strings.ContainsAny(saltHex, "+-_") {
		return nil, nil, nil, nil, fmt.Errorf("srptest: bad SALT %q", saltHex)
	}
	if new(big.Int).Mod(B, bigN).Sign() == 0 {
		return nil, nil, nil, nil, errors.New("srptest: B cannot be zero")
	}
	u = new(big.Int).SetBytes(hexHashBytes(PadHex(c.A) + PadHex(B)))
	if u.Sign() == 0 {
		return nil, nil, nil, nil, errors.New("srptest: U cannot be zero")
	}
	usernamePasswordHash := Hash(c.poolName + userID + ":" + password)
	saltPad := PadHex(salt)
	if c.SaltAsString {
		saltPad = pyPadHex(saltHex)
	}
	x = new(big.Int).SetBytes(hexHashBytes(saltPad + usernamePasswordHash))
	// S = (B - k * g^x) ^ (a + u * x) mod N
	gx := new(big.Int).Exp(bigG, x, bigN)
	base := new(big.Int).Sub(B, new(big.Int).Mul(bigK, gx))
	base.Mod(base, bigN) // jsbn's modPow of a negative base equals this
	exp := new(big.Int).Add(c.a, new(big.Int).Mul(u, x))
	S = new(big.Int).Exp(base, exp, bigN)
	key = hkdf(mustHex(PadHex(S)), mustHex(PadHex(u)))
	return key, u, x, S, nil
}

func hkdf(ikm, salt []byte) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write(ikm)
	prk := m.Sum(nil)
	m = hmac.New(sha256.New, prk)
	m.Write([]byte("Caldera Derived Key"))
	m.Write([]byte{1})
	return m.Sum(nil)[:16]
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// Signature computes PASSWORD_CLAIM_SIGNATURE for the given challenge values
// and TIMESTAMP string, as CognitoUser.authenticateUserDefaultAuth (password)
// and getDeviceResponse (device: userID = DeviceKey, password = device
// password) do.
func (c *Client) Signature(userID, password, srpB, saltHex, secretBlockB64, timestamp string) (string, error) {
	key, _, _, _, err := c.Key(userID, password, srpB, saltHex)
	if err != nil {
		return "", err
	}
	block, err := base64.StdEncoding.DecodeString(secretBlockB64)
	if err != nil {
		return "", fmt.Errorf("srptest: SECRET_BLOCK: %w", err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(c.poolName))
	m.Write([]byte(userID))
	m.Write(block)
	m.Write([]byte(timestamp))
	return base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// PasswordVerifierResponses answers a PASSWORD_VERIFIER challenge the way
// amazon-cognito-identity-js does: it signs for USER_ID_FOR_SRP and returns
// the ChallengeResponses USERNAME (= USER_ID_FOR_SRP),
// PASSWORD_CLAIM_SECRET_BLOCK, TIMESTAMP (FormatTimestamp(now)) and
// PASSWORD_CLAIM_SIGNATURE. Add DEVICE_KEY and SECRET_HASH yourself.
func (c *Client) PasswordVerifierResponses(params map[string]string, password string, now time.Time) (map[string]string, error) {
	userID := params["USER_ID_FOR_SRP"]
	ts := srp.FormatTimestamp(now)
	sig, err := c.Signature(userID, password, params["SRP_B"], params["SALT"], params["SECRET_BLOCK"], ts)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"USERNAME":                    userID,
		"PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
		"TIMESTAMP":                   ts,
		"PASSWORD_CLAIM_SIGNATURE":    sig,
	}, nil
}

// DeviceVerifierResponses answers DEVICE_PASSWORD_VERIFIER the way
// getDeviceResponse does. c must have been made with the DeviceGroupKey as
// pool name. username is the internal username (the library sends its
// USER_ID_FOR_SRP; pycognito sends the challenge's USERNAME).
func (c *Client) DeviceVerifierResponses(params map[string]string, username, deviceKey, devicePassword string, now time.Time) (map[string]string, error) {
	ts := srp.FormatTimestamp(now)
	sig, err := c.Signature(deviceKey, devicePassword, params["SRP_B"], params["SALT"], params["SECRET_BLOCK"], ts)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"USERNAME":                    username,
		"PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
		"TIMESTAMP":                   ts,
		"PASSWORD_CLAIM_SIGNATURE":    sig,
		"DEVICE_KEY":                  deviceKey,
	}, nil
}

// DeviceSecret is what a client generates when it confirms a device.
type DeviceSecret struct {
	Password    string // the device's random password: base64 of 40 random bytes; the client keeps it
	Salt        string // DeviceSecretVerifierConfig.Salt: base64 of padHex(salt)
	Verifier    string // DeviceSecretVerifierConfig.PasswordVerifier: base64 of padHex(g^x mod N)
	SaltHex     string // padHex(salt), for diagnostics
	VerifierHex string // padHex(v), for diagnostics
}

// GenerateHashDevice is AuthenticationHelper.generateHashDevice: it reads a
// 40-byte password and then a 16-byte salt from rand (in that order, as the
// library does) and computes the verifier for deviceGroupKey and deviceKey.
func GenerateHashDevice(rand io.Reader, deviceGroupKey, deviceKey string) (DeviceSecret, error) {
	pw := make([]byte, 40)
	salt := make([]byte, 16)
	if _, err := io.ReadFull(rand, pw); err != nil {
		return DeviceSecret{}, err
	}
	if _, err := io.ReadFull(rand, salt); err != nil {
		return DeviceSecret{}, err
	}
	return HashDevice(base64.StdEncoding.EncodeToString(pw), salt, deviceGroupKey, deviceKey), nil
}

// HashDevice is GenerateHashDevice with a fixed password and salt.
func HashDevice(password string, salt []byte, deviceGroupKey, deviceKey string) DeviceSecret {
	saltHex := PadHex(new(big.Int).SetBytes(salt))
	hashed := Hash(deviceGroupKey + deviceKey + ":" + password)
	x := new(big.Int).SetBytes(hexHashBytes(saltHex + hashed))
	vHex := PadHex(new(big.Int).Exp(bigG, x, bigN))
	return DeviceSecret{
		Password:    password,
		Salt:        base64.StdEncoding.EncodeToString(mustHex(saltHex)),
		Verifier:    base64.StdEncoding.EncodeToString(mustHex(vHex)),
		SaltHex:     saltHex,
		VerifierHex: vHex,
	}
}
