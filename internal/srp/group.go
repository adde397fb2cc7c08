package srp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"strings"

	"filippo.io/bigmod"
)

// NHex is the group prime N in hexadecimal: the 3072-bit MODP prime of
// RFC 3526 section 4 (the 3072-bit group of RFC 5054 appendix A), spelled as
// initN in amazon-cognito-identity-js AuthenticationHelper.js.
const NHex = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" +
	"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
	"670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9" +
	"DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
	"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64" +
	"ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B" +
	"F12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
	"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31" +
	"43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

// G is the group generator g.
const G = 2

// KHex is the SRP-6a multiplier k = H(pad(N) || pad(g)) = SHA-256(0x00 || N || 0x02),
// as lowercase hex.
const KHex = "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"

// Size is the length in bytes of N, and so of every fixed-length group
// element this package returns (B, a parsed A, a verifier).
const Size = 384

var (
	nBig    = mustBig(NHex)
	nMod    = mustModulus(nBig.Bytes())
	gNat    = mustNat([]byte{G})
	kBytes  = mustBig(KHex).Bytes()
	infoKey = []byte("Caldera Derived Key\x01")
)

func mustBig(h string) *big.Int {
	n, ok := new(big.Int).SetString(h, 16)
	if !ok {
		panic("srp: bad constant " + h)
	}
	return n
}

func mustModulus(b []byte) *bigmod.Modulus {
	m, err := bigmod.NewModulus(b)
	if err != nil {
		panic(err)
	}
	return m
}

// mustNat returns b, reduced below N, as a Nat sized for N.
func mustNat(b []byte) *bigmod.Nat {
	n, err := bigmod.NewNat().SetBytes(b, nMod)
	if err != nil {
		panic(err)
	}
	return n
}

// pad returns padHex(n) of amazon-cognito-identity-js as bytes: the
// big-endian magnitude of the non-negative integer n without leading zero
// bytes, with one 0x00 prepended when the top bit is set (Java
// BigInteger.toByteArray). pad of zero is {0x00}. b may carry leading zeros.
//
// pad runs in time that depends on the number of leading zero bytes of b.
// For S that leaks roughly one bit of information with probability 1/256,
// the same leak every Cognito client has.
func pad(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] == 0 {
		i++
	}
	b = b[i:]
	if len(b) == 0 || b[0]&0x80 != 0 {
		out := make([]byte, len(b)+1)
		copy(out[1:], b)
		return out
	}
	return append([]byte(nil), b...)
}

// hashHex is H(s) of AuthenticationHelper.hash: SHA-256 of the UTF-8 string,
// as 64 lowercase hex digits.
func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// hashConcat is hexHash(padHex(p1) + padHex(p2) + ...): SHA-256 over the
// concatenated bytes.
func hashConcat(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// passwordX computes x = hexHash(padHex(salt) + hash(poolName + userID + ":" + password)).
// The concatenation is of hex strings; since padHex is always of even length
// and the inner digest is 64 hex digits, it equals pad(salt) || SHA-256(...).
func passwordX(salt []byte, poolName, userID, password string) []byte {
	inner := sha256.Sum256([]byte(poolName + userID + ":" + password))
	return hashConcat(pad(salt), inner[:])
}

// hkdf is computehkdf of AuthenticationHelper.js: a single HKDF-SHA256 block,
// PRK = HMAC(salt, ikm), OKM = HMAC(PRK, "Caldera Derived Key" || 0x01),
// truncated to 16 bytes.
func hkdf(ikm, salt []byte) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write(ikm)
	prk := m.Sum(nil)
	m = hmac.New(sha256.New, prk)
	m.Write(infoKey)
	return m.Sum(nil)[:16]
}

// PoolName returns the part of a user pool ID that Cognito's SRP mixes into
// x and the claim message: the second "_"-separated field, exactly as
// amazon-cognito-identity-js (getUserPoolName: split('_')[1]) and pycognito
// (split("_")[1]) take it. "us-east-1_AbC123" gives "AbC123". An ID without
// "_" gives "".
func PoolName(userPoolID string) string {
	parts := strings.Split(userPoolID, "_")
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}
