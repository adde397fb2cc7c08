package srp

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"
)

// Vectors is testdata/vectors.json, produced by amazon-cognito-identity-js
// through e2e/node/srpvectors/gen.js. It is exported (in test builds only) so
// that the external tests of package srp_test can read it too.
type Vectors struct {
	Library    string           `json:"library"`
	N          string           `json:"N"`
	G          string           `json:"g"`
	K          string           `json:"k"`
	Password   []PasswordVector `json:"password"`
	Device     []DeviceVector   `json:"device"`
	Timestamps []struct {
		UnixMs int64  `json:"unixMs"`
		S      string `json:"s"`
	} `json:"timestamps"`
}

// PasswordVector is one PASSWORD_VERIFIER handshake; integers are unpadded hex.
type PasswordVector struct {
	ID                 string            `json:"id"`
	PoolID             string            `json:"poolId"`
	PoolName           string            `json:"poolName"`
	UserIDForSRP       string            `json:"userIdForSrp"`
	Password           string            `json:"password"`
	Salt               string            `json:"salt"`
	X                  string            `json:"x"`
	Verifier           string            `json:"verifier"`
	B                  string            `json:"b"`
	SRPB               string            `json:"srpB"`
	A                  string            `json:"a"`
	SRPA               string            `json:"srpA"`
	U                  string            `json:"u"`
	S                  string            `json:"S"`
	HKDFIkm            string            `json:"hkdfIkm"`
	HKDFSalt           string            `json:"hkdfSalt"`
	Key                string            `json:"key"`
	SecretBlock        string            `json:"secretBlock"`
	Timestamp          string            `json:"timestamp"`
	Signature          string            `json:"signature"`
	ChallengeResponses map[string]string `json:"challengeResponses"`
	Features           []string          `json:"features"`
}

// DeviceVector is one ConfirmDevice + DEVICE_PASSWORD_VERIFIER handshake.
type DeviceVector struct {
	ID             string `json:"id"`
	PoolID         string `json:"poolId"`
	UserIDForSRP   string `json:"userIdForSrp"`
	DeviceKey      string `json:"deviceKey"`
	DeviceGroupKey string `json:"deviceGroupKey"`
	DevicePassword string `json:"devicePassword"`
	ConfirmDevice  struct {
		DeviceKey                  string
		DeviceSecretVerifierConfig struct{ Salt, PasswordVerifier string }
	} `json:"confirmDevice"`
	X                  string            `json:"x"`
	Salt               string            `json:"salt"`
	B                  string            `json:"b"`
	SRPB               string            `json:"srpB"`
	A                  string            `json:"a"`
	SRPA               string            `json:"srpA"`
	U                  string            `json:"u"`
	S                  string            `json:"S"`
	Key                string            `json:"key"`
	SecretBlock        string            `json:"secretBlock"`
	Timestamp          string            `json:"timestamp"`
	Signature          string            `json:"signature"`
	ChallengeResponses map[string]string `json:"challengeResponses"`
	Features           []string          `json:"features"`
}

// LoadVectors reads the vectors file at path and checks it is complete.
func LoadVectors(t testing.TB, path string) *Vectors {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v Vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Password) < 5 || len(v.Device) < 1 || len(v.Timestamps) < 366 {
		t.Fatalf("vectors file looks truncated: %d password, %d device, %d timestamps", len(v.Password), len(v.Device), len(v.Timestamps))
	}
	return &v
}

// HexBytes decodes unpadded hex of any length (odd allowed).
func HexBytes(t testing.TB, h string) []byte {
	t.Helper()
	if len(h)%2 == 1 {
		h = "0" + h
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatalf("bad hex %q: %v", h, err)
	}
	return b
}

// fixed returns the integer spelled by hex h as Size bytes.
func fixed(t testing.TB, h string) []byte {
	t.Helper()
	return new(big.Int).SetBytes(HexBytes(t, h)).FillBytes(make([]byte, Size))
}

// ServerWithB is ResumeServer for a fixed b, for known-answer tests.
func ServerWithB(t testing.TB, b, verifier []byte) *Server {
	t.Helper()
	s, err := ResumeServer(append([]byte{stateVersion}, b...), verifier)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConstants(t *testing.T) {
	v := LoadVectors(t, "testdata/vectors.json")
	if !strings.EqualFold(v.N, NHex) || v.G != "2" || v.K != KHex {
		t.Fatalf("constants differ from %s: N=%v g=%s k=%s", v.Library, strings.EqualFold(v.N, NHex), v.G, v.K)
	}
	h := sha256.Sum256(append(append([]byte{0}, nBig.Bytes()...), G))
	if hex.EncodeToString(h[:]) != KHex {
		t.Fatal("KHex is not H(pad(N) || pad(g))")
	}
	if nBig.BitLen() != 3072 || !nBig.ProbablyPrime(20) || nMod.Size() != Size {
		t.Fatal("N is not the 3072-bit prime")
	}
}

func TestPad(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "00"}, {"00", "00"}, {"0000", "00"}, {"01", "01"}, {"7f", "7f"}, {"80", "0080"},
		{"00ec", "00ec"}, {"000014", "14"}, {"0abc", "0abc"}, {"ff00", "00ff00"},
	} {
		in, _ := hex.DecodeString(tc.in)
		if got := hex.EncodeToString(pad(in)); got != tc.want {
			t.Errorf("pad(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestPoolName(t *testing.T) {
	for in, want := range map[string]string{
		"us-east-1_AbC123": "AbC123", "eu-west-1_Zz9Yy8Xx7": "Zz9Yy8Xx7", "nounderscore": "", "": "", "a_b_c": "b",
	} {
		if got := PoolName(in); got != want {
			t.Errorf("PoolName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPasswordVectors(t *testing.T) {
	v := LoadVectors(t, "testdata/vectors.json")
	for _, tv := range v.Password {
		t.Run(tv.ID, func(t *testing.T) {
			if got := PoolName(tv.PoolID); got != tv.PoolName {
				t.Fatalf("PoolName = %q, want %q", got, tv.PoolName)
			}
			salt := HexBytes(t, tv.Salt)
			if got := passwordX(salt, tv.PoolName, tv.UserIDForSRP, tv.Password); !bytes.Equal(got, fixedLen(t, tv.X, 32)) {
				t.Fatalf("x = %x, want %s", got, tv.X)
			}
			verifier := Verifier(salt, tv.PoolName, tv.UserIDForSRP, tv.Password)
			if !bytes.Equal(verifier, fixed(t, tv.Verifier)) {
				t.Fatal("verifier differs from the library's")
			}
			s := ServerWithB(t, HexBytes(t, tv.B), verifier)
			if s.SRPBHex() != tv.SRPB {
				t.Fatalf("SRP_B = %s, want %s", s.SRPBHex(), tv.SRPB)
			}
			if !bytes.Equal(s.B(), fixed(t, tv.SRPB)) {
				t.Fatal("B() differs from SRP_B")
			}
			A, err := ParseA(tv.SRPA)
			if err != nil {
				t.Fatal(err)
			}
			checkIntermediates(t, s, A, tv.U, tv.S, tv.Key)
			if hex.EncodeToString(pad(s.premaster(A, hashConcat(pad(A), pad(s.B()))))) != tv.HKDFIkm {
				t.Fatal("pad(S) differs from the library's HKDF input")
			}
			if hex.EncodeToString(pad(fixedLen(t, tv.U, 32))) != tv.HKDFSalt {
				t.Fatal("pad(u) differs from the library's HKDF salt")
			}
			block, err := base64.StdEncoding.DecodeString(tv.SecretBlock)
			if err != nil {
				t.Fatal(err)
			}
			if tv.ChallengeResponses["USERNAME"] != tv.UserIDForSRP || tv.ChallengeResponses["PASSWORD_CLAIM_SECRET_BLOCK"] != tv.SecretBlock {
				t.Fatalf("library sent unexpected ChallengeResponses %v", tv.ChallengeResponses)
			}
			if !s.VerifyClaim(A, tv.PoolName, tv.UserIDForSRP, block, tv.Timestamp, tv.Signature) {
				t.Fatal("VerifyClaim rejected the library's signature")
			}
			rejectVariants(t, s, A, tv.PoolName, tv.UserIDForSRP, block, tv.Timestamp, tv.Signature)

			wrong := ServerWithB(t, HexBytes(t, tv.B), Verifier(salt, tv.PoolName, tv.UserIDForSRP, tv.Password+"x"))
			if wrong.VerifyClaim(A, tv.PoolName, tv.UserIDForSRP, block, tv.Timestamp, tv.Signature) {
				t.Fatal("VerifyClaim accepted the signature against a wrong password's verifier")
			}
			otherSalt := append([]byte{1}, salt...)
			wrong = ServerWithB(t, HexBytes(t, tv.B), Verifier(otherSalt, tv.PoolName, tv.UserIDForSRP, tv.Password))
			if wrong.VerifyClaim(A, tv.PoolName, tv.UserIDForSRP, block, tv.Timestamp, tv.Signature) {
				t.Fatal("VerifyClaim accepted the signature against another salt's verifier")
			}
		})
	}
}

func TestDeviceVectors(t *testing.T) {
	v := LoadVectors(t, "testdata/vectors.json")
	for _, tv := range v.Device {
		t.Run(tv.ID, func(t *testing.T) {
			cfg := tv.ConfirmDevice.DeviceSecretVerifierConfig
			salt, verifier, err := ParseDeviceVerifier(cfg.Salt, cfg.PasswordVerifier)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(salt) != tv.Salt {
				t.Fatalf("salt = %x, want %s", salt, tv.Salt)
			}
			// The device verifier is the password verifier with DeviceGroupKey,
			// DeviceKey and the device password.
			if !bytes.Equal(Verifier(salt, tv.DeviceGroupKey, tv.DeviceKey, tv.DevicePassword), verifier) {
				t.Fatal("Verifier(device) differs from generateHashDevice's verifier")
			}
			if got := passwordX(salt, tv.DeviceGroupKey, tv.DeviceKey, tv.DevicePassword); !bytes.Equal(got, fixedLen(t, tv.X, 32)) {
				t.Fatalf("x = %x, want %s", got, tv.X)
			}
			s := ServerWithB(t, HexBytes(t, tv.B), verifier)
			if s.SRPBHex() != tv.SRPB {
				t.Fatalf("SRP_B = %s, want %s", s.SRPBHex(), tv.SRPB)
			}
			A, err := ParseA(tv.SRPA)
			if err != nil {
				t.Fatal(err)
			}
			checkIntermediates(t, s, A, tv.U, tv.S, tv.Key)
			block, _ := base64.StdEncoding.DecodeString(tv.SecretBlock)
			if tv.ChallengeResponses["DEVICE_KEY"] != tv.DeviceKey || tv.ChallengeResponses["USERNAME"] != tv.UserIDForSRP {
				t.Fatalf("library sent unexpected ChallengeResponses %v", tv.ChallengeResponses)
			}
			if !s.VerifyClaim(A, tv.DeviceGroupKey, tv.DeviceKey, block, tv.Timestamp, tv.Signature) {
				t.Fatal("VerifyClaim rejected the library's device signature")
			}
			rejectVariants(t, s, A, tv.DeviceGroupKey, tv.DeviceKey, block, tv.Timestamp, tv.Signature)
			if s.VerifyClaim(A, PoolName(tv.PoolID), tv.UserIDForSRP, block, tv.Timestamp, tv.Signature) {
				t.Fatal("device signature verified as a password signature")
			}
		})
	}
}

func checkIntermediates(t *testing.T, s *Server, A []byte, wantU, wantS, wantKey string) {
	t.Helper()
	u := hashConcat(pad(A), pad(s.B()))
	if !bytes.Equal(u, fixedLen(t, wantU, 32)) {
		t.Fatalf("u = %x, want %s", u, wantU)
	}
	S := s.premaster(A, u)
	if !bytes.Equal(S, fixed(t, wantS)) {
		t.Fatalf("S differs from the library's")
	}
	if got := hex.EncodeToString(hkdf(pad(S), pad(u))); got != wantKey {
		t.Fatalf("key = %s, want %s", got, wantKey)
	}
}

// rejectVariants checks that changing any input of a valid claim fails it.
func rejectVariants(t *testing.T, s *Server, A []byte, pool, user string, block []byte, ts, sig string) {
	t.Helper()
	raw, _ := base64.StdEncoding.DecodeString(sig)
	for bit := 0; bit < len(raw)*8; bit += 37 {
		flipped := append([]byte(nil), raw...)
		flipped[bit/8] ^= 1 << (bit % 8)
		if s.VerifyClaim(A, pool, user, block, ts, base64.StdEncoding.EncodeToString(flipped)) {
			t.Fatalf("accepted a signature with bit %d flipped", bit)
		}
	}
	badBlock := append([]byte(nil), block...)
	badBlock[len(badBlock)/2] ^= 0x40
	otherA := new(big.Int).Add(new(big.Int).SetBytes(A), big.NewInt(1)).FillBytes(make([]byte, Size))
	for name, ok := range map[string]bool{
		"secret block":         s.VerifyClaim(A, pool, user, badBlock, ts, sig),
		"truncated block":      s.VerifyClaim(A, pool, user, block[:len(block)-1], ts, sig),
		"user":                 s.VerifyClaim(A, pool, user+"x", block, ts, sig),
		"pool":                 s.VerifyClaim(A, pool+"x", user, block, ts, sig),
		"A":                    s.VerifyClaim(otherA, pool, user, block, ts, sig),
		"A = 0":                s.VerifyClaim(make([]byte, Size), pool, user, block, ts, sig),
		"A = N":                s.VerifyClaim(nBig.Bytes(), pool, user, block, ts, sig),
		"timestamp +1s":        s.VerifyClaim(A, pool, user, block, plusSecond(t, ts), sig),
		"empty signature":      s.VerifyClaim(A, pool, user, block, ts, ""),
		"unpadded signature":   s.VerifyClaim(A, pool, user, block, ts, strings.TrimRight(sig, "=")),
		"signature + newline":  s.VerifyClaim(A, pool, user, block, ts, sig+"\n"),
		"url-safe signature":   sig != strings.NewReplacer("+", "-", "/", "_").Replace(sig) && s.VerifyClaim(A, pool, user, block, ts, strings.NewReplacer("+", "-", "/", "_").Replace(sig)),
		"hex signature":        s.VerifyClaim(A, pool, user, block, ts, hex.EncodeToString(raw)),
		"zero-padded day":      zeroPadDay(ts) != ts && s.VerifyClaim(A, pool, user, block, zeroPadDay(ts), sig),
		"lowercase timestamps": s.VerifyClaim(A, pool, user, block, strings.ToLower(ts), sig),
	} {
		if ok {
			t.Errorf("VerifyClaim accepted a claim with a wrong %s", name)
		}
	}
}

// zeroPadDay turns "Tue Sep 3 ..." into "Tue Sep 03 ...".
func zeroPadDay(ts string) string {
	f := strings.Split(ts, " ")
	if len(f[2]) == 1 {
		f[2] = "0" + f[2]
	}
	return strings.Join(f, " ")
}

func plusSecond(t *testing.T, ts string) string {
	at, err := ParseTimestamp(ts)
	if err != nil {
		t.Fatal(err)
	}
	return FormatTimestamp(at.Add(time.Second))
}

func fixedLen(t testing.TB, h string, n int) []byte {
	t.Helper()
	return new(big.Int).SetBytes(HexBytes(t, h)).FillBytes(make([]byte, n))
}

func TestTimestampVectors(t *testing.T) {
	v := LoadVectors(t, "testdata/vectors.json")
	days, weekdays := map[int]bool{}, map[time.Weekday]bool{}
	for _, tv := range v.Timestamps {
		at := time.UnixMilli(tv.UnixMs)
		if got := FormatTimestamp(at); got != tv.S {
			t.Errorf("FormatTimestamp(%s) = %q, DateHelper says %q", at.UTC(), got, tv.S)
		}
		got, err := ParseTimestamp(tv.S)
		if err != nil || !got.Equal(at.Truncate(time.Second)) || got.Location() != time.UTC {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %v", tv.S, got, err, at.UTC().Truncate(time.Second))
		}
		days[at.UTC().Day()] = true
		weekdays[at.UTC().Weekday()] = true
	}
	if len(days) != 31 || len(weekdays) != 7 {
		t.Fatalf("timestamp vectors cover %d days and %d weekdays", len(days), len(weekdays))
	}
	// Formatting in another zone must not change the UTC string.
	at := time.Date(2024, 9, 3, 20, 7, 5, 0, time.FixedZone("X", -10*3600))
	if got := FormatTimestamp(at); got != "Wed Sep 4 06:07:05 UTC 2024" {
		t.Fatalf("FormatTimestamp in a zone = %q", got)
	}
}

func TestParseTimestampRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"Tue Sep 03 08:07:05 UTC 2024", // zero-padded day
		"Wed Sep 3 08:07:05 UTC 2024",  // wrong weekday
		"Mon Sep 3 08:07:05 UTC 2024",  // wrong weekday
		"Tue Sep  3 08:07:05 UTC 2024", // double space (ANSI C asctime style)
		"Tue Sep 3 8:07:05 UTC 2024",   // unpadded hour
		"Tue Sep 3 08:7:05 UTC 2024",
		"Tue Sep 3 08:07:5 UTC 2024",
		"Tue Sep 3 24:07:05 UTC 2024",
		"Tue Sep 3 08:60:05 UTC 2024",
		"Tue Sep 3 08:07:60 UTC 2024",
		"Tue Sep 3 08:07:05 GMT 2024",
		"Tue Sep 3 08:07:05 utc 2024",
		"Tue Sep 3 08:07:05 +0000 2024",
		"Tue Sep 3 08:07:05 UTC 02024",
		"Tue Sep 3 08:07:05 UTC 12024",
		"Tue Sep 3 08:07:05 UTC 2024 ",
		" Tue Sep 3 08:07:05 UTC 2024",
		"tue Sep 3 08:07:05 UTC 2024",
		"Tue sep 3 08:07:05 UTC 2024",
		"TUE SEP 3 08:07:05 UTC 2024",
		"Tuesday Sep 3 08:07:05 UTC 2024",
		"Tue September 3 08:07:05 UTC 2024",
		"Tue Sep 0 08:07:05 UTC 2024",
		"Mon Sep 31 08:07:05 UTC 2024", // no such date (Oct 1 is a Tuesday)
		"Tue Oct 1 08:07:05 UTC 2024x",
		"Thu Feb 29 08:07:05 UTC 2023", // not a leap year
		"Tue Sep +3 08:07:05 UTC 2024",
		"Tue Sep 3 08:07:05.000 UTC 2024",
		"Tue, Sep 3 08:07:05 UTC 2024",
		"Tue Sep 3 2024 08:07:05 UTC",
		"Tue\tSep 3 08:07:05 UTC 2024",
	} {
		if got, err := ParseTimestamp(s); err == nil {
			t.Errorf("ParseTimestamp(%q) = %v, want an error", s, got)
		}
	}
	for _, s := range []string{"Tue Sep 3 08:07:05 UTC 2024", "Tue Oct 1 00:00:00 UTC 2024", "Thu Feb 29 23:59:59 UTC 2024", "Mon Jan 1 00:00:00 UTC 1"} {
		if _, err := ParseTimestamp(s); err != nil {
			t.Errorf("ParseTimestamp(%q): %v", s, err)
		}
	}
}

func TestParseA(t *testing.T) {
	nMinus1 := new(big.Int).Sub(nBig, big.NewInt(1))
	nPlus1 := new(big.Int).Add(nBig, big.NewInt(1))
	twoN := new(big.Int).Lsh(nBig, 1)
	for _, s := range []string{
		"", "0", "00", strings.Repeat("0", 1000), NHex, strings.ToLower(NHex), "00" + NHex,
		nPlus1.Text(16), twoN.Text(16), "1" + strings.Repeat("0", 768),
		"-1", "+1", "0x12", "12g4", " 12", "12 ", "1_2", "ab\n",
	} {
		if a, err := ParseA(s); err != ErrInvalidA {
			t.Errorf("ParseA(%.40q) = %x, %v; want ErrInvalidA", s, a, err)
		}
	}
	for s, want := range map[string]*big.Int{
		"1": big.NewInt(1), "2": big.NewInt(2), "abc": big.NewInt(0xabc), "ABC": big.NewInt(0xabc),
		"000abc": big.NewInt(0xabc), nMinus1.Text(16): nMinus1, strings.ToUpper(nMinus1.Text(16)): nMinus1,
		strings.Repeat("0", 1000) + "7": big.NewInt(7),
	} {
		a, err := ParseA(s)
		if err != nil || len(a) != Size || new(big.Int).SetBytes(a).Cmp(want) != 0 {
			t.Errorf("ParseA(%.40q) = %x, %v; want %v", s, a, err, want)
		}
	}
}

func TestParseDeviceVerifierRejects(t *testing.T) {
	good := base64.StdEncoding.EncodeToString([]byte{1, 2, 3})
	n := base64.StdEncoding.EncodeToString(nBig.Bytes())
	n0 := base64.StdEncoding.EncodeToString(append([]byte{0}, nBig.Bytes()...))
	for _, tc := range []struct{ salt, v string }{
		{"", good}, {"!!", good}, {base64.StdEncoding.EncodeToString(make([]byte, maxSaltSize+1)), good},
		{good, ""}, {good, "AA=="}, {good, "AAAA"}, {good, n}, {good, n0}, {good, "@@@"},
		{good, base64.StdEncoding.EncodeToString(append([]byte{1}, make([]byte, Size)...))},
	} {
		if _, _, err := ParseDeviceVerifier(tc.salt, tc.v); err == nil {
			t.Errorf("ParseDeviceVerifier(%q, %.20q) succeeded", tc.salt, tc.v)
		}
	}
	// A 385-byte padHex form and a short form both normalise to Size bytes.
	for _, raw := range [][]byte{append([]byte{0}, bytes.Repeat([]byte{0x80}, Size)...), {0x05}} {
		_, v, err := ParseDeviceVerifier(good, base64.StdEncoding.EncodeToString(raw))
		if err != nil || len(v) != Size || new(big.Int).SetBytes(v).Cmp(new(big.Int).SetBytes(raw)) != 0 {
			t.Errorf("ParseDeviceVerifier(%x…) = %x…, %v", raw[:2], v[:2], err)
		}
	}
}
