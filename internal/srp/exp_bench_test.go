package srp

import (
	"bytes"
	"math/big"
	"testing"

	"filippo.io/bigmod"
)

// The Exp benchmarks compare the constant-time bigmod exponentiation this
// package uses for b and v with math/big's variable-time one, on the sizes
// of one handshake (3072-bit modulus, SecretSize-byte exponent).
func BenchmarkExpBigmod(b *testing.B) {
	base := mustNat(Verifier([]byte{1}, "p", "u", "pw"))
	e := bytes.Repeat([]byte{0xa7}, SecretSize)
	for b.Loop() {
		bigmod.NewNat().Exp(base, e, nMod)
	}
}

func BenchmarkExpMathBig(b *testing.B) {
	base := new(big.Int).SetBytes(Verifier([]byte{1}, "p", "u", "pw"))
	e := new(big.Int).SetBytes(bytes.Repeat([]byte{0xa7}, SecretSize))
	for b.Loop() {
		new(big.Int).Exp(base, e, nBig)
	}
}

// BenchmarkHandshakeMathBig is BenchmarkServerHandshake's arithmetic
// (g^b, k*v + g^b, v^u, (A*v^u)^b) done with math/big instead, for
// comparison only: math/big is not constant time and is not used for b or v.
func BenchmarkHandshakeMathBig(b *testing.B) {
	v := new(big.Int).SetBytes(Verifier([]byte{1}, "p", "u", "pw"))
	k := mustBig(KHex)
	g := big.NewInt(G)
	bb := new(big.Int).SetBytes(bytes.Repeat([]byte{0xa7}, SecretSize))
	A := new(big.Int).Exp(g, new(big.Int).SetBytes(bytes.Repeat([]byte{0x3c}, 128)), nBig)
	for b.Loop() {
		B := new(big.Int).Exp(g, bb, nBig)
		B.Add(B, new(big.Int).Mul(k, v)).Mod(B, nBig)
		u := new(big.Int).SetBytes(hashConcat(pad(A.Bytes()), pad(B.Bytes())))
		S := new(big.Int).Exp(v, u, nBig)
		S.Mul(S, A).Mod(S, nBig).Exp(S, bb, nBig)
		hkdf(pad(S.Bytes()), pad(u.Bytes()))
	}
}
