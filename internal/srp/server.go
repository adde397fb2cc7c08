package srp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"

	"filippo.io/bigmod"
)

// SecretSize is the length in bytes of the server secret exponent b
// (256 bits: RFC 5054 asks for at least 256, RFC 3526 estimates the 3072-bit
// group at about 128 bits of strength, which needs a 256-bit exponent).
const SecretSize = 32

// State layouts, told apart by their first byte.
const (
	// stateVersion is version byte 1 || b: B is recomputed on resume.
	stateVersion = 1
	// stateWithB is version byte 2 || b || B: resuming skips computing B
	// (one 3072-bit exponentiation). State writes this one.
	stateWithB = 2
)

var (
	// ErrInvalidA reports an SRP_A that is not hexadecimal or is not in
	// [1, N-1] (in particular A mod N == 0).
	ErrInvalidA = errors.New("srp: invalid SRP_A")
	// ErrInvalidState reports a State that ResumeServer cannot use.
	ErrInvalidState = errors.New("srp: invalid server state")
)

// Server is the server half of one SRP handshake: it holds the secret b,
// the verifier v and the public B = (k*v + g^b) mod N. A Server is not safe
// for concurrent use by multiple goroutines.
type Server struct {
	b    []byte      // secret exponent, SecretSize bytes, not zero
	v    *bigmod.Nat // verifier, in [1, N-1]
	pubB []byte      // B, Size bytes, in [1, N-1]
}

// NewServer starts a handshake for verifier (big-endian, leading zeros
// allowed, in [1, N-1]; as returned by Verifier, NewVerifier or
// ParseDeviceVerifier). It reads SecretSize bytes of b from rand and computes
// B = (k*v + g^b) mod N in constant time, picking b again in the (negligibly
// likely) case that b == 0 or B mod N == 0. It returns ErrInvalidVerifier for
// an out-of-range verifier and an error if rand fails.
func NewServer(rand io.Reader, verifier []byte) (*Server, error) {
	v, err := elementNat(verifier)
	if err != nil {
		return nil, ErrInvalidVerifier
	}
	for range 8 {
		b := make([]byte, SecretSize)
		if _, err := io.ReadFull(rand, b); err != nil {
			return nil, fmt.Errorf("srp: reading b: %w", err)
		}
		if s := newServer(b, v); s != nil {
			return s, nil
		}
	}
	return nil, errors.New("srp: random source keeps producing an unusable b")
}

// isZero reports whether b is all zeros, in constant time.
func isZero(b []byte) bool {
	var acc byte
	for _, c := range b {
		acc |= c
	}
	return acc == 0
}

// newServer computes B for b and v, or returns nil when b == 0 or B == 0.
func newServer(b []byte, v *bigmod.Nat) *Server {
	if isZero(b) {
		return nil
	}
	gb := bigmod.NewNat().Exp(gNat, b, nMod)
	kv := mustNat(kBytes)
	kv.Mul(v, nMod).Add(gb, nMod)
	if kv.IsZero() == 1 {
		return nil
	}
	return &Server{b: b, v: v, pubB: kv.Bytes(nMod)}
}

// B returns the server's public value B as Size bytes, big-endian.
func (s *Server) B() []byte {
	return append([]byte(nil), s.pubB...)
}

// SRPBHex returns B as the SRP_B challenge parameter: lowercase hex without
// leading zeros and without padHex's "00", as Cognito and the clients'
// BigInteger.toString(16) write it.
func (s *Server) SRPBHex() string {
	return new(big.Int).SetBytes(s.pubB).Text(16)
}

// State serialises the handshake so that a stateless server can resume it
// from the SECRET_BLOCK it issued. It contains the secret b: the caller must
// encrypt and authenticate it (and bind it to the user and verifier) before
// it leaves the process: ResumeServer trusts the B it carries. The layout is
// version byte 2 || b || B.
func (s *Server) State() []byte {
	out := make([]byte, 0, 1+SecretSize+Size)
	out = append(out, stateWithB)
	out = append(out, s.b...)
	return append(out, s.pubB...)
}

// ResumeServer rebuilds the Server that produced state for the same
// verifier. A state written by State carries B, which is trusted as is (the
// caller authenticated the state); an older version-1 state has B
// recomputed. It returns ErrInvalidState for a state of another version or
// length, and ErrInvalidVerifier for an out-of-range verifier. If the
// verifier changed since State was taken, the shared secret no longer
// matches the client's and VerifyClaim fails.
func ResumeServer(state []byte, verifier []byte) (*Server, error) {
	v, err := elementNat(verifier)
	if err != nil {
		return nil, ErrInvalidVerifier
	}
	switch {
	case len(state) == 1+SecretSize+Size && state[0] == stateWithB:
		b := append([]byte(nil), state[1:1+SecretSize]...)
		pubB := append([]byte(nil), state[1+SecretSize:]...)
		if _, err := elementNat(pubB); err != nil || isZero(b) {
			return nil, ErrInvalidState
		}
		return &Server{b: b, v: v, pubB: pubB}, nil
	case len(state) == 1+SecretSize && state[0] == stateVersion:
	default:
		return nil, ErrInvalidState
	}
	s := newServer(append([]byte(nil), state[1:]...), v)
	if s == nil {
		return nil, ErrInvalidState
	}
	return s, nil
}

// ParseA parses the client's SRP_A: hexadecimal digits of either case,
// any length (odd lengths and leading zeros allowed, as JavaScript
// toString(16) and Python format(x, "x") write them), no sign or prefix.
// It returns A as Size bytes, big-endian, or ErrInvalidA when the string is
// not hexadecimal or A is not in [1, N-1]; this rejects A mod N == 0 (A = 0,
// A = N), and also any A >= N, which no client produces.
func ParseA(hexA string) ([]byte, error) {
	i := 0
	for i < len(hexA) && hexA[i] == '0' {
		i++
	}
	digits := hexA[i:]
	if len(digits) == 0 || len(digits) > 2*Size {
		return nil, ErrInvalidA
	}
	if len(digits)%2 == 1 {
		digits = "0" + digits
	}
	raw, err := hex.DecodeString(digits)
	if err != nil {
		return nil, ErrInvalidA
	}
	a := new(big.Int).SetBytes(raw)
	if a.Cmp(nBig) >= 0 { // a > 0: digits had a non-zero leading digit
		return nil, ErrInvalidA
	}
	return a.FillBytes(make([]byte, Size)), nil
}

// VerifyClaim reports whether signature is the PASSWORD_CLAIM_SIGNATURE the
// client holding the password computes for this handshake:
//
//	u = H(pad(A) || pad(B)), rejected if 0
//	S = (A * v^u)^b mod N
//	K = HKDF-SHA256(IKM = pad(S), salt = pad(u), info = "Caldera Derived Key" || 0x01)[:16]
//	signature = base64(HMAC-SHA256(K, poolName || userID || secretBlock || timestamp))
//
// A is the client's public value as returned by ParseA (any big-endian
// encoding in [1, N-1] is accepted). For the password flow poolName is
// PoolName(userPoolID) and userID is USER_ID_FOR_SRP; for the device flow
// they are the DeviceGroupKey and the DeviceKey. secretBlock is the
// base64-decoded PASSWORD_CLAIM_SECRET_BLOCK and timestamp the TIMESTAMP as
// sent. signature must be the canonical standard base64 (44 characters) of
// the MAC.
//
// VerifyClaim returns false, without telling why, for an invalid A, u == 0,
// a timestamp ParseTimestamp rejects, or a wrong signature. It does not check
// clock skew: the caller does that with ParseTimestamp. The arithmetic on b
// and v and the final comparison run in constant time.
func (s *Server) VerifyClaim(A []byte, poolName, userID string, secretBlock []byte, timestamp string, signature string) bool {
	a := new(big.Int).SetBytes(A)
	if a.Sign() == 0 || a.Cmp(nBig) >= 0 {
		return false
	}
	if _, err := ParseTimestamp(timestamp); err != nil {
		return false
	}
	got, err := base64.StdEncoding.Strict().DecodeString(signature)
	if err != nil || len(signature) != 44 || len(got) != sha256.Size {
		return false
	}
	aBytes := a.FillBytes(make([]byte, Size))
	u := hashConcat(pad(aBytes), pad(s.pubB))
	if new(big.Int).SetBytes(u).Sign() == 0 {
		return false
	}
	key := hkdf(pad(s.premaster(aBytes, u)), pad(u))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(poolName))
	m.Write([]byte(userID))
	m.Write(secretBlock)
	m.Write([]byte(timestamp))
	return hmac.Equal(m.Sum(nil), got)
}

// premaster computes S = (A * v^u)^b mod N as Size bytes, in constant time.
// aBytes is A as Size bytes in [1, N-1].
func (s *Server) premaster(aBytes, u []byte) []byte {
	an, err := bigmod.NewNat().SetBytes(aBytes, nMod)
	if err != nil {
		panic("srp: A out of range") // checked by the caller
	}
	t := bigmod.NewNat().Exp(s.v, u, nMod)
	t.Mul(an, nMod)
	return bigmod.NewNat().Exp(t, s.b, nMod).Bytes(nMod)
}
