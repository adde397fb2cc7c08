package srp_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/srp/srptest"
)

var now = time.Date(2024, 9, 3, 8, 7, 5, 0, time.UTC)

// TestLibraryClaimsWithSignedBadTimestamps re-signs each library vector with
// the library's own a (through srptest) over timestamps Cognito rejects, so
// the rejection is about the timestamp and not a broken signature.
func TestLibraryClaimsWithSignedBadTimestamps(t *testing.T) {
	v := srp.LoadVectors(t, "testdata/vectors.json")
	for _, tv := range v.Password {
		t.Run(tv.ID, func(t *testing.T) {
			c, err := srptest.NewClientWithA(srp.HexBytes(t, tv.A), tv.PoolName)
			if err != nil {
				t.Fatal(err)
			}
			if c.SRPA() != tv.SRPA {
				t.Fatalf("srptest A = %s, library sent %s", c.SRPA(), tv.SRPA)
			}
			salt := srp.HexBytes(t, tv.Salt)
			s := srp.ServerWithB(t, srp.HexBytes(t, tv.B), srp.Verifier(salt, tv.PoolName, tv.UserIDForSRP, tv.Password))
			A, _ := srp.ParseA(tv.SRPA)
			block, _ := base64.StdEncoding.DecodeString(tv.SecretBlock)
			at, err := srp.ParseTimestamp(tv.Timestamp)
			if err != nil {
				t.Fatal(err)
			}
			f := strings.Split(tv.Timestamp, " ")
			wrongWeekday := strings.Join(append([]string{weekdayAfter(f[0])}, f[1:]...), " ")
			zeroPadded := strings.Join(append(f[:2:2], append([]string{"0" + f[2]}, f[3:]...)...), " ")
			for name, tc := range map[string]struct {
				ts   string
				want bool
			}{
				"library timestamp":       {tv.Timestamp, true},
				"another valid timestamp": {srp.FormatTimestamp(at.Add(-90 * time.Second)), true},
				"wrong weekday":           {wrongWeekday, false},
				"zero-padded day":         {zeroPadded, false},
				"ISO 8601":                {at.Format(time.RFC3339), false},
				"Java Date.toString":      {at.Format("Mon Jan 02 15:04:05 MST 2006"), at.Day() >= 10},
			} {
				sig, err := c.Signature(tv.UserIDForSRP, tv.Password, tv.SRPB, tv.Salt, tv.SecretBlock, tc.ts)
				if err != nil {
					t.Fatal(err)
				}
				if tc.ts == tv.Timestamp && sig != tv.Signature {
					t.Fatalf("srptest signature %s, library %s", sig, tv.Signature)
				}
				if got := s.VerifyClaim(A, tv.PoolName, tv.UserIDForSRP, block, tc.ts, sig); got != tc.want {
					t.Errorf("%s (%q): VerifyClaim = %v, want %v", name, tc.ts, got, tc.want)
				}
			}
		})
	}
}

func weekdayAfter(d string) string {
	days := []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	for i, x := range days {
		if x == d {
			return days[(i+1)%7]
		}
	}
	panic(d)
}

// TestRandomHandshakes runs client (srptest, math/big) against server
// (bigmod) with random everything, through State/ResumeServer as a
// stateless server would, for the password and the device flow.
func TestRandomHandshakes(t *testing.T) {
	runs := 40
	if testing.Short() {
		runs = 5
	}
	r := mrand.NewChaCha8([32]byte{1, 2, 3})
	for i := range runs {
		pool := srp.PoolName("us-east-1_" + randWord(r, 9))
		user := randWord(r, 1+i%40)
		password := randWord(r, 8+i%20) + "ü✓"
		salt, verifier, err := srp.NewVerifier(r, pool, user, password)
		if err != nil {
			t.Fatal(err)
		}
		c, err := srptest.NewClient(r, pool)
		if err != nil {
			t.Fatal(err)
		}
		c.SaltAsString = i%2 == 1 // every other run reads SALT as pycognito does
		s, err := srp.NewServer(r, verifier)
		if err != nil {
			t.Fatal(err)
		}
		block := make([]byte, 1+r.Uint64()%300)
		r.Read(block)
		params := map[string]string{
			"SALT": hex.EncodeToString(salt), "SRP_B": s.SRPBHex(), "SECRET_BLOCK": base64.StdEncoding.EncodeToString(block),
			"USERNAME": user, "USER_ID_FOR_SRP": user,
		}
		when := now.Add(time.Duration(r.Uint64() % uint64(400*24*time.Hour)))
		resp, err := c.PasswordVerifierResponses(params, password, when)
		if err != nil {
			t.Fatal(err)
		}
		resumed, err := srp.ResumeServer(s.State(), verifier)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(resumed.B(), s.B()) {
			t.Fatal("resumed server has another B")
		}
		A, err := srp.ParseA(c.SRPA())
		if err != nil {
			t.Fatal(err)
		}
		got, _ := base64.StdEncoding.DecodeString(resp["PASSWORD_CLAIM_SECRET_BLOCK"])
		if !resumed.VerifyClaim(A, pool, resp["USERNAME"], got, resp["TIMESTAMP"], resp["PASSWORD_CLAIM_SIGNATURE"]) {
			t.Fatalf("run %d: valid claim rejected", i)
		}
		// The wrong password fails.
		bad, _ := c.PasswordVerifierResponses(params, password+"!", when)
		if resumed.VerifyClaim(A, pool, user, block, bad["TIMESTAMP"], bad["PASSWORD_CLAIM_SIGNATURE"]) {
			t.Fatalf("run %d: wrong password accepted", i)
		}

		// Device flow: the client generates the device secret, the server
		// stores what ConfirmDevice carries.
		groupKey, deviceKey := "-"+randWord(r, 8), "us-east-1_"+randUUID(r)
		ds, err := srptest.GenerateHashDevice(r, groupKey, deviceKey)
		if err != nil {
			t.Fatal(err)
		}
		dsalt, dverifier, err := srp.ParseDeviceVerifier(ds.Salt, ds.Verifier)
		if err != nil {
			t.Fatal(err)
		}
		dc, _ := srptest.NewClient(r, groupKey)
		dsrv, _ := srp.NewServer(r, dverifier)
		dparams := map[string]string{"SALT": hex.EncodeToString(dsalt), "SRP_B": dsrv.SRPBHex(), "SECRET_BLOCK": params["SECRET_BLOCK"], "USERNAME": user}
		dresp, err := dc.DeviceVerifierResponses(dparams, user, deviceKey, ds.Password, when)
		if err != nil {
			t.Fatal(err)
		}
		dA, _ := srp.ParseA(dc.SRPA())
		dsrv, _ = srp.ResumeServer(dsrv.State(), dverifier)
		if !dsrv.VerifyClaim(dA, groupKey, dresp["DEVICE_KEY"], block, dresp["TIMESTAMP"], dresp["PASSWORD_CLAIM_SIGNATURE"]) {
			t.Fatalf("run %d: valid device claim rejected", i)
		}
		if dsrv.VerifyClaim(dA, pool, user, block, dresp["TIMESTAMP"], dresp["PASSWORD_CLAIM_SIGNATURE"]) {
			t.Fatalf("run %d: device claim accepted as a password claim", i)
		}
	}
}

func randWord(r io.Reader, n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	r.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func randUUID(r io.Reader) string {
	b := make([]byte, 16)
	r.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func TestNewVerifier(t *testing.T) {
	seed := bytes.Repeat([]byte{0xa5}, srp.SaltSize)
	salt, v, err := srp.NewVerifier(bytes.NewReader(seed), "AbC123", "alice", "pw")
	if err != nil || !bytes.Equal(salt, seed) || !bytes.Equal(v, srp.Verifier(seed, "AbC123", "alice", "pw")) || len(v) != srp.Size {
		t.Fatalf("NewVerifier = %x, %x…, %v", salt, v[:4], err)
	}
	if _, _, err := srp.NewVerifier(bytes.NewReader(seed[:3]), "AbC123", "alice", "pw"); err == nil {
		t.Fatal("NewVerifier ignored a short read")
	}
	if _, _, err := srp.NewVerifier(zeroReader{}, "AbC123", "alice", "pw"); err == nil {
		t.Fatal("NewVerifier accepted an all-zero random source")
	}
	// A salt starting with 0x00 is skipped (see TestSaltLeadingZeroByte).
	zeroFirst := append(append([]byte{0}, seed[1:]...), seed...)
	if salt, _, err := srp.NewVerifier(bytes.NewReader(zeroFirst), "AbC123", "alice", "pw"); err != nil || !bytes.Equal(salt, seed) {
		t.Fatalf("NewVerifier kept a salt starting with 0: %x, %v", salt, err)
	}
	// Leading zero bytes of a salt do not change x: clients parse SALT as an integer.
	if !bytes.Equal(srp.Verifier([]byte{0, 0, 1, 2}, "p", "u", "pw"), srp.Verifier([]byte{1, 2}, "p", "u", "pw")) {
		t.Fatal("leading zeros of the salt changed the verifier")
	}
	if bytes.Equal(srp.Verifier([]byte{1, 2}, "p", "u", "pw"), srp.Verifier([]byte{1, 2}, "p", "u", "pW")) {
		t.Fatal("password does not matter")
	}
}

// TestSaltLeadingZeroByte shows why NewVerifier never starts a salt with
// 0x00: amazon-cognito-identity-js pads the integer SALT spells, pycognito the
// string, so for SALT "0012..." they derive different x and one of them fails.
// For "00c0..." (padHex form) and for salts without a leading zero byte they agree.
func TestSaltLeadingZeroByte(t *testing.T) {
	for _, tc := range []struct {
		salt  string
		agree bool
	}{
		{"0012a1b2c3d4e5f60718293a4b5c6d7e", false},
		{"00c0a1b2c3d4e5f60718293a4b5c6d7e", true},
		{"0f12a1b2c3d4e5f60718293a4b5c6d7e", true},
		{"8ce8291892390f6b53a245933faf6164", true},
		{"f12a1b2c3d4e5f60718293a4b5c6d7e", true}, // odd length
	} {
		salt, _ := hex.DecodeString(strings.Repeat("0", len(tc.salt)%2) + tc.salt)
		s, _ := srp.NewServer(rand.Reader, srp.Verifier(salt, "AbC123", "alice", "pw"))
		verified := make(map[bool]bool)
		for _, asString := range []bool{false, true} {
			c, _ := srptest.NewClient(rand.Reader, "AbC123")
			c.SaltAsString = asString
			sig, err := c.Signature("alice", "pw", s.SRPBHex(), tc.salt, "AAAA", srp.FormatTimestamp(now))
			if err != nil {
				t.Fatal(err)
			}
			a, _ := srp.ParseA(c.SRPA())
			verified[asString] = s.VerifyClaim(a, "AbC123", "alice", []byte{0, 0, 0}, srp.FormatTimestamp(now), sig)
		}
		if !verified[false] {
			t.Errorf("SALT %s: the amazon-cognito-identity-js reading failed", tc.salt)
		}
		if verified[true] != tc.agree {
			t.Errorf("SALT %s: pycognito reading verified = %v, want %v", tc.salt, verified[true], tc.agree)
		}
	}
}

func TestNewServerErrors(t *testing.T) {
	N, _ := new(big.Int).SetString(srp.NHex, 16)
	for name, v := range map[string][]byte{
		"empty": nil, "zero": make([]byte, srp.Size), "N": N.Bytes(), "N+1": new(big.Int).Add(N, big.NewInt(1)).Bytes(),
		"too long": append([]byte{1}, make([]byte, srp.Size)...),
	} {
		if _, err := srp.NewServer(rand.Reader, v); !errors.Is(err, srp.ErrInvalidVerifier) {
			t.Errorf("NewServer(%s verifier): %v", name, err)
		}
		if _, err := srp.ResumeServer(append([]byte{1}, make([]byte, srp.SecretSize-1)...), v); err == nil {
			t.Errorf("ResumeServer(%s verifier) succeeded", name)
		}
	}
	good := srp.Verifier([]byte{1}, "p", "u", "pw")
	if _, err := srp.NewServer(bytes.NewReader([]byte{1, 2, 3}), good); err == nil {
		t.Fatal("NewServer ignored a failing random source")
	}
	// A random source that keeps returning zeros never gives a usable b.
	if _, err := srp.NewServer(zeroReader{}, good); err == nil {
		t.Fatal("NewServer accepted b = 0")
	}
	// A verifier with leading zero bytes (e.g. padHex form) is the same verifier.
	s1, _ := srp.NewServer(bytes.NewReader(bytes.Repeat([]byte{7}, srp.SecretSize)), good)
	s2, _ := srp.NewServer(bytes.NewReader(bytes.Repeat([]byte{7}, srp.SecretSize)), append([]byte{0, 0}, good...))
	if !bytes.Equal(s1.B(), s2.B()) {
		t.Fatal("leading zeros of the verifier changed B")
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestNewServerRegeneratesWhenBIsZero builds the one verifier for which a
// given b gives B = k*v + g^b = 0 mod N, and checks that NewServer skips
// that b and that ResumeServer refuses it.
func TestNewServerRegeneratesWhenBIsZero(t *testing.T) {
	N, _ := new(big.Int).SetString(srp.NHex, 16)
	k, _ := new(big.Int).SetString(srp.KHex, 16)
	b0 := bytes.Repeat([]byte{0x11}, srp.SecretSize)
	b1 := bytes.Repeat([]byte{0x22}, srp.SecretSize)
	gb := new(big.Int).Exp(big.NewInt(srp.G), new(big.Int).SetBytes(b0), N)
	v := new(big.Int).Neg(gb)
	v.Mul(v, new(big.Int).ModInverse(k, N)).Mod(v, N) // v = -g^b0 / k
	vb := v.FillBytes(make([]byte, srp.Size))

	s, err := srp.NewServer(bytes.NewReader(append(append([]byte(nil), b0...), b1...)), vb)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.State()[1:1+srp.SecretSize], b1) {
		t.Fatal("NewServer kept the b that makes B = 0")
	}
	want := new(big.Int).Mul(k, v)
	want.Add(want, new(big.Int).Exp(big.NewInt(srp.G), new(big.Int).SetBytes(b1), N)).Mod(want, N)
	if s.SRPBHex() != want.Text(16) {
		t.Fatal("B for the second b is wrong")
	}
	if _, err := srp.ResumeServer(append([]byte{1}, b0...), vb); !errors.Is(err, srp.ErrInvalidState) {
		t.Fatalf("ResumeServer with B = 0: %v", err)
	}
}

func TestState(t *testing.T) {
	v := srp.Verifier([]byte{1}, "p", "u", "pw")
	s, err := srp.NewServer(rand.Reader, v)
	if err != nil {
		t.Fatal(err)
	}
	st := s.State()
	if len(st) != 1+srp.SecretSize+srp.Size || st[0] != 2 || !bytes.Equal(st[1+srp.SecretSize:], s.B()) {
		t.Fatalf("State = %x", st)
	}
	st[1] ^= 1 // State returns a copy
	if bytes.Equal(s.State(), st) {
		t.Fatal("State aliases the server")
	}
	st[1] ^= 1
	zeroB := append([]byte{2}, make([]byte, srp.SecretSize)...)
	zeroB = append(zeroB, s.B()...)
	bigB := append(append([]byte{2}, st[1:1+srp.SecretSize]...), bytes.Repeat([]byte{0xff}, srp.Size)...)
	for name, bad := range map[string][]byte{
		"empty": nil, "version 3": append([]byte{3}, st[1:]...), "short": st[:len(st)-1], "long": append(st, 0),
		"version 1, b = 0": append([]byte{1}, make([]byte, srp.SecretSize)...), "b = 0": zeroB, "B >= N": bigB,
		"version 1 with B": append([]byte{1}, st[1:]...),
	} {
		if _, err := srp.ResumeServer(bad, v); !errors.Is(err, srp.ErrInvalidState) {
			t.Errorf("ResumeServer(%s): %v", name, err)
		}
	}
	r, err := srp.ResumeServer(st, v)
	if err != nil || r.SRPBHex() != s.SRPBHex() {
		t.Fatal("resume changed B")
	}
	// A version 1 state (b only) recomputes the same B.
	r1, err := srp.ResumeServer(append([]byte{1}, st[1:1+srp.SecretSize]...), v)
	if err != nil || r1.SRPBHex() != s.SRPBHex() {
		t.Fatal("version 1 resume computed another B")
	}
	// A claim made against the original verifier verifies after resuming
	// with it, and not after resuming with a changed verifier.
	c, _ := srptest.NewClient(rand.Reader, "p")
	A, _ := srp.ParseA(c.SRPA())
	ts := srp.FormatTimestamp(now)
	sig, err := c.Signature("u", "pw", s.SRPBHex(), "01", base64.StdEncoding.EncodeToString([]byte("block")), ts)
	if err != nil {
		t.Fatal(err)
	}
	if !r.VerifyClaim(A, "p", "u", []byte("block"), ts, sig) {
		t.Fatal("resumed server rejected a valid claim")
	}
	r2, _ := srp.ResumeServer(st, srp.Verifier([]byte{1}, "p", "u", "pw2"))
	if r2.VerifyClaim(A, "p", "u", []byte("block"), ts, sig) {
		t.Fatal("a claim for the old verifier verified after the verifier changed")
	}
	if b := s.B(); len(b) != srp.Size || strings.TrimLeft(hex.EncodeToString(b), "0") != s.SRPBHex() {
		t.Fatal("B and SRPBHex disagree")
	}
}

// benchClaim prepares a verifier, a fixed b and a valid claim for it.
func benchClaim(b *testing.B) (verifier, bSeed, A, block []byte, ts, sig string) {
	salt, verifier, _ := srp.NewVerifier(rand.Reader, "AbC123", "alice", "pw")
	bSeed = bytes.Repeat([]byte{0x5a}, srp.SecretSize)
	s, _ := srp.NewServer(bytes.NewReader(bSeed), verifier)
	c, _ := srptest.NewClient(rand.Reader, "AbC123")
	A, _ = srp.ParseA(c.SRPA())
	block = make([]byte, 512)
	ts = srp.FormatTimestamp(now)
	sig, err := c.Signature("alice", "pw", s.SRPBHex(), hex.EncodeToString(salt), base64.StdEncoding.EncodeToString(block), ts)
	if err != nil {
		b.Fatal(err)
	}
	return verifier, bSeed, A, block, ts, sig
}

// BenchmarkServerHandshake is the server's work for one sign-in with a live
// Server: NewServer (g^b, k*v) and VerifyClaim (v^u, (A*v^u)^b, HKDF, HMAC).
func BenchmarkServerHandshake(b *testing.B) {
	verifier, bSeed, A, block, ts, sig := benchClaim(b)
	for b.Loop() {
		s, err := srp.NewServer(bytes.NewReader(bSeed), verifier)
		if err != nil || !s.VerifyClaim(A, "AbC123", "alice", block, ts, sig) {
			b.Fatal("handshake failed")
		}
	}
}

// BenchmarkStatelessHandshake is the server's work for one sign-in as a
// stateless server does it: NewServer + State at the challenge, then
// ResumeServer (which recomputes B) + VerifyClaim at the response.
func BenchmarkStatelessHandshake(b *testing.B) {
	verifier, bSeed, A, block, ts, sig := benchClaim(b)
	for b.Loop() {
		s, _ := srp.NewServer(bytes.NewReader(bSeed), verifier)
		r, err := srp.ResumeServer(s.State(), verifier)
		if err != nil || !r.VerifyClaim(A, "AbC123", "alice", block, ts, sig) {
			b.Fatal("handshake failed")
		}
	}
}

func BenchmarkNewVerifier(b *testing.B) {
	for b.Loop() {
		srp.NewVerifier(rand.Reader, "AbC123", "alice", "pw")
	}
}

// TestConcurrentHandshakes shares the package's constants between
// goroutines; run with -race.
func TestConcurrentHandshakes(t *testing.T) {
	salt, verifier, _ := srp.NewVerifier(rand.Reader, "AbC123", "alice", "pw")
	done := make(chan error)
	for range 4 {
		go func() {
			c, _ := srptest.NewClient(rand.Reader, "AbC123")
			s, err := srp.NewServer(rand.Reader, verifier)
			if err != nil {
				done <- err
				return
			}
			ts := srp.FormatTimestamp(now)
			sig, _ := c.Signature("alice", "pw", s.SRPBHex(), hex.EncodeToString(salt), "AAAA", ts)
			A, _ := srp.ParseA(c.SRPA())
			if !s.VerifyClaim(A, "AbC123", "alice", []byte{0, 0, 0}, ts, sig) {
				done <- errors.New("claim rejected")
				return
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
