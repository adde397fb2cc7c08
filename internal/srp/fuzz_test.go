package srp_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/srp/srptest"
)

var bigN, _ = new(big.Int).SetString(srp.NHex, 16)

// FuzzParseA parses arbitrary SRP_A values. ParseA accepts exactly the
// strings of hexadecimal digits (either case, any length) whose value is in
// [1, N-1], and returns that value as Size bytes; this is checked against
// math/big.
func FuzzParseA(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		got, err := srp.ParseA(s)
		want, ok := new(big.Int), s != ""
		for _, c := range s {
			ok = ok && strings.ContainsRune("0123456789abcdefABCDEF", c)
		}
		if ok {
			want.SetString(s, 16)
			ok = want.Sign() > 0 && want.Cmp(bigN) < 0
		}
		switch {
		case ok && err != nil:
			t.Fatalf("refused %q: %v", s, err)
		case !ok && err == nil:
			t.Fatalf("accepted %q", s)
		case ok && !bytes.Equal(got, want.FillBytes(make([]byte, srp.Size))):
			t.Fatalf("%q parsed as %x", s, got)
		}
	})
}

// The fixed user of FuzzVerifyClaim.
const (
	claimPool     = "us-east-1_AbC123xyZ"
	claimUser     = "7d2c6d4e-0000-4000-8000-00000000a11c"
	claimPassword = "correct horse battery staple"
)

// FuzzVerifyClaim runs the password handshake with a fixed verifier and
// server secret against a client with an arbitrary secret a and password,
// over an arbitrary SECRET_BLOCK and TIMESTAMP; the signature is the
// client's honest one, a forged one, or (zeroKey) the one an attacker can
// compute without the password when A ≡ 0 (mod N) makes the shared secret 0.
// rawA, when set, replaces the client's A on the wire. The claim must verify
// exactly when the client knew the password, sent its own A and signature,
// and the timestamp is well-formed.
// Seeds: testdata/fuzz/FuzzVerifyClaim.
func FuzzVerifyClaim(f *testing.F) {
	salt := bytes.Repeat([]byte{0x5a}, srp.SaltSize)
	poolName := srp.PoolName(claimPool)
	verifier := srp.Verifier(salt, poolName, claimUser, claimPassword)
	bSeed := bytes.Repeat([]byte{0x3c}, srp.SecretSize)
	s, err := srp.NewServer(bytes.NewReader(bSeed), verifier)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a, rawA []byte, password string, block []byte, timestamp, forged string, zeroKey bool) {
		if len(a) == 0 || len(a) > 256 || len(rawA) > 2*srp.Size {
			return // clients use 128 bytes; longer exponents only cost time
		}
		c, err := srptest.NewClientWithA(a, poolName)
		if err != nil {
			return
		}
		clientA, err := srp.ParseA(c.SRPA())
		if err != nil {
			t.Fatalf("client A %s refused: %v", c.SRPA(), err)
		}
		blockB64 := base64.StdEncoding.EncodeToString(block)
		honest, err := c.Signature(claimUser, password, s.SRPBHex(), hex.EncodeToString(salt), blockB64, timestamp)
		if err != nil {
			t.Fatal(err)
		}
		A := clientA
		if len(rawA) > 0 {
			A = rawA
		}
		sig := honest
		switch {
		case zeroKey:
			sig = zeroKeySignature(A, s.B(), poolName, block, timestamp)
		case forged != "":
			sig = forged
		}
		got := s.VerifyClaim(A, poolName, claimUser, block, timestamp, sig)

		_, tsErr := srp.ParseTimestamp(timestamp)
		sameA := new(big.Int).SetBytes(A).Cmp(new(big.Int).SetBytes(clientA)) == 0
		want := tsErr == nil && password == claimPassword && sameA && sig == honest
		if got != want {
			t.Fatalf("VerifyClaim = %v, want %v (password ok %v, same A %v, honest signature %v, timestamp %q)",
				got, want, password == claimPassword, sameA, sig == honest, timestamp)
		}
	})
}

// zeroKeySignature is the claim signature for a shared secret S = 0, which
// anyone can compute: the key a server that accepted A ≡ 0 (mod N) would
// derive. Its arithmetic is the clients' (AuthenticationHelper.js).
func zeroKeySignature(A, B []byte, poolName string, block []byte, timestamp string) string {
	padHex := func(b []byte) string { return srptest.PadHex(new(big.Int).SetBytes(b)) }
	u, _ := hex.DecodeString(srptest.HexHash(padHex(A) + padHex(B)))
	uPad, _ := hex.DecodeString(srptest.PadHex(new(big.Int).SetBytes(u)))
	m := hmac.New(sha256.New, uPad)
	m.Write([]byte{0}) // padHex(S) for S = 0
	prk := m.Sum(nil)
	m = hmac.New(sha256.New, prk)
	m.Write([]byte("Caldera Derived Key\x01"))
	key := m.Sum(nil)[:16]
	m = hmac.New(sha256.New, key)
	m.Write([]byte(poolName + claimUser))
	m.Write(block)
	m.Write([]byte(timestamp))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// FuzzParseDeviceVerifier parses arbitrary DeviceSecretVerifierConfig
// values (ConfirmDevice's Salt and PasswordVerifier). A verifier accepted is
// a group element in [1, N-1] of Size bytes that a handshake can start
// from, with a salt of 1 to 1024 bytes.
func FuzzParseDeviceVerifier(f *testing.F) {
	f.Fuzz(func(t *testing.T, saltB64, verifierB64 string) {
		salt, verifier, err := srp.ParseDeviceVerifier(saltB64, verifierB64)
		if err != nil {
			return
		}
		v := new(big.Int).SetBytes(verifier)
		if len(salt) == 0 || len(salt) > 1024 || len(verifier) != srp.Size || v.Sign() == 0 || v.Cmp(bigN) >= 0 {
			t.Fatalf("accepted salt %d bytes, verifier %x", len(salt), verifier)
		}
		if _, err := srp.NewServer(bytes.NewReader(bytes.Repeat([]byte{1}, srp.SecretSize)), verifier); err != nil {
			t.Fatalf("NewServer refused an accepted verifier: %v", err)
		}
	})
}

// FuzzResumeServer resumes handshakes from arbitrary states and verifiers
// (a state is authenticated by the caller, but its parser must still never
// panic). A resumed handshake has a B in [1, N-1] and refuses a garbage
// claim.
func FuzzResumeServer(f *testing.F) {
	f.Fuzz(func(t *testing.T, state, verifier []byte) {
		s, err := srp.ResumeServer(state, verifier)
		if err != nil {
			return
		}
		b := new(big.Int).SetBytes(s.B())
		if len(s.B()) != srp.Size || b.Sign() == 0 || b.Cmp(bigN) >= 0 {
			t.Fatalf("resumed B %x", s.B())
		}
		A := make([]byte, srp.Size)
		A[srp.Size-1] = 2
		if s.VerifyClaim(A, "p", "u", nil, "Tue Sep 3 08:07:05 UTC 2024", strings.Repeat("A", 43)+"=") {
			t.Fatal("a garbage claim verified")
		}
	})
}

// FuzzParseTimestamp parses arbitrary TIMESTAMP values. It is strict: what
// it accepts is exactly what FormatTimestamp writes for the instant.
func FuzzParseTimestamp(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := srp.ParseTimestamp(s)
		if err != nil {
			return
		}
		if back := srp.FormatTimestamp(ts); back != s {
			t.Fatalf("accepted %q, which formats as %q", s, back)
		}
	})
}
