package password

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestHashVerify(t *testing.T) {
	for name, p := range map[string]Params{"fast": FastParams, "default": DefaultParams} {
		t.Run(name, func(t *testing.T) {
			if name == "default" && testing.Short() {
				t.Skip("slow")
			}
			h, err := Hash(nil, "Correct horse 1!", p)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(h, "Correct") {
				t.Fatal("hash contains the password")
			}
			ok, err := Verify(h, "Correct horse 1!")
			if err != nil || !ok {
				t.Fatalf("Verify(right) = %v, %v", ok, err)
			}
			for _, wrong := range []string{"", "correct horse 1!", "Correct horse 1", "Correct horse 1!!"} {
				ok, err := Verify(h, wrong)
				if err != nil || ok {
					t.Errorf("Verify(%q) = %v, %v; want false, nil", wrong, ok, err)
				}
			}
			if NeedsRehash(h, p) {
				t.Error("NeedsRehash with the same params")
			}
		})
	}
}

func TestHashFormat(t *testing.T) {
	salt := bytes.Repeat([]byte{0xAB}, 16)
	h, err := Hash(bytes.NewReader(salt), "pw", Params{Time: 3, MemoryKiB: 65536, Threads: 2, KeyLen: 32, SaltLen: 16})
	if err != nil {
		t.Fatal(err)
	}
	want := "$argon2id$v=19$m=65536,t=3,p=2$q6urq6urq6urq6urq6urqw$"
	if !strings.HasPrefix(h, want) {
		t.Fatalf("Hash = %s, want prefix %s", h, want)
	}
	if strings.Contains(h, "=") && strings.Count(h, "=") != 4 { // v=, m=, t=, p= only: no base64 padding
		t.Errorf("hash has padding: %s", h)
	}
}

// TestKnownAnswer verifies the example printed in the argon2 reference
// implementation's README (P-H-C/phc-winner-argon2): `echo -n "password" |
// argon2 somesalt -id -t 2 -m 16 -p 1 -l 32`. It checks both the algorithm
// and the PHC encoding (raw standard base64) against an independent source.
func TestKnownAnswer(t *testing.T) {
	const ref = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	const refHex = "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7"
	ok, err := Verify(ref, "password")
	if err != nil || !ok {
		t.Fatalf("Verify(reference) = %v, %v", ok, err)
	}
	if ok, _ := Verify(ref, "passwore"); ok {
		t.Fatal("Verify(reference, wrong) = true")
	}
	key := argon2.IDKey([]byte("password"), []byte("somesalt"), 2, 65536, 1, 32)
	if got := hex.EncodeToString(key); got != refHex {
		t.Fatalf("raw hash = %s, want %s", got, refHex)
	}
	salt := []byte("somesalt")
	h, err := Hash(bytes.NewReader(salt), "password", Params{Time: 2, MemoryKiB: 65536, Threads: 1, KeyLen: 32, SaltLen: 8})
	if err != nil || h != ref {
		t.Fatalf("Hash = %s, %v; want %s", h, err, ref)
	}
}

// TestVerifyOtherPresets: a stored hash keeps verifying whatever the
// default is, since Verify reads the parameters from the hash. First an
// m=19 MiB t=2 p=1 hash (OWASP19M) made by another implementation
// (hash-wasm, as in imported_test.go), then a hash of every preset; each
// is marked for rehashing under any other parameters.
func TestVerifyOtherPresets(t *testing.T) {
	const owasp19m = "$argon2id$v=19$m=19456,t=2,p=1$AQIDBAUGBwgJCgsMDQ4PEA$O0tC5a7YDRXomwR+DP+4yoS51P7vz8k0wVSO2Os3U/s"
	if ok, err := Verify(owasp19m, "Correct horse 1!"); !ok || err != nil {
		t.Fatalf("Verify(m=19456 t=2 p=1) = %v, %v", ok, err)
	}
	if ok, _ := Verify(owasp19m, "Correct horse 1?"); ok {
		t.Fatal("Verify(m=19456 t=2 p=1, wrong) = true")
	}
	if MemoryKiB(owasp19m) != 19456 || NeedsRehash(owasp19m, OWASP19M) {
		t.Errorf("MemoryKiB = %d, NeedsRehash(OWASP19M) = %v", MemoryKiB(owasp19m), NeedsRehash(owasp19m, OWASP19M))
	}
	for name, p := range Presets {
		if testing.Short() && p.MemoryKiB > 20*1024 {
			continue
		}
		h, err := Hash(nil, "Correct horse 1!", p)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []Params{OWASP19M, OWASP12M, FastParams} {
			if d == p {
				continue
			}
			if !NeedsRehash(h, d) {
				t.Errorf("%s: NeedsRehash(%+v) = false", name, d)
			}
		}
		if ok, err := Verify(h, "Correct horse 1!"); !ok || err != nil {
			t.Errorf("%s: Verify = %v, %v", name, ok, err)
		}
		if ok, _ := Verify(h, "Correct horse 1?"); ok {
			t.Errorf("%s: Verify(wrong) = true", name)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	good, err := Hash(nil, "pw", FastParams)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	join := func(p ...string) string { return strings.Join(p, "$") }
	for name, enc := range map[string]string{
		"empty":          "",
		"bcrypt":         "$2a$10$abcdefghijklmnopqrstuuK7Jw7p4jR3yq3W1Jm8Z9vZ3r6mQyQ2",
		"argon2i":        join("", "argon2i", parts[2], parts[3], parts[4], parts[5]),
		"version 16":     join("", "argon2id", "v=16", parts[3], parts[4], parts[5]),
		"missing key":    join("", "argon2id", parts[2], parts[3], parts[4]),
		"param order":    join("", "argon2id", parts[2], "t=1,m=64,p=1", parts[4], parts[5]),
		"param missing":  join("", "argon2id", parts[2], "m=64,t=1", parts[4], parts[5]),
		"param extra":    join("", "argon2id", parts[2], "m=64,t=1,p=1,x=2", parts[4], parts[5]),
		"leading zero":   join("", "argon2id", parts[2], "m=064,t=1,p=1", parts[4], parts[5]),
		"huge memory":    join("", "argon2id", parts[2], "m=4194304,t=1,p=1", parts[4], parts[5]),
		"zero time":      join("", "argon2id", parts[2], "m=64,t=0,p=1", parts[4], parts[5]),
		"many threads":   join("", "argon2id", parts[2], "m=64,t=1,p=256", parts[4], parts[5]),
		"bad salt b64":   join("", "argon2id", parts[2], parts[3], "!!!", parts[5]),
		"padded salt":    join("", "argon2id", parts[2], parts[3], parts[4]+"==", parts[5]),
		"short salt":     join("", "argon2id", parts[2], parts[3], "AAAA", parts[5]),
		"short key":      join("", "argon2id", parts[2], parts[3], parts[4], "AAAA"),
		"trailing field": good + "$x",
	} {
		ok, err := Verify(enc, "pw")
		if ok || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Verify = %v, %v; want false, ErrMalformed", name, ok, err)
		}
		if !NeedsRehash(enc, FastParams) {
			t.Errorf("%s: NeedsRehash = false for a malformed hash", name)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	h, err := Hash(nil, "pw", FastParams)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]Params{
		"time":    {Time: 2, MemoryKiB: 64, Threads: 1, KeyLen: 32, SaltLen: 16},
		"memory":  {Time: 1, MemoryKiB: 128, Threads: 1, KeyLen: 32, SaltLen: 16},
		"threads": {Time: 1, MemoryKiB: 64, Threads: 2, KeyLen: 32, SaltLen: 16},
		"keylen":  {Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 64, SaltLen: 16},
		"saltlen": {Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32, SaltLen: 32},
	} {
		if !NeedsRehash(h, p) {
			t.Errorf("%s: NeedsRehash = false", name)
		}
	}
}

func TestHashBadParams(t *testing.T) {
	for name, p := range map[string]Params{
		"zero":        {},
		"time":        {Time: 0, MemoryKiB: 64, Threads: 1, KeyLen: 32, SaltLen: 16},
		"memory":      {Time: 1, MemoryKiB: 7, Threads: 1, KeyLen: 32, SaltLen: 16},
		"mem/threads": {Time: 1, MemoryKiB: 16, Threads: 4, KeyLen: 32, SaltLen: 16},
		"keylen":      {Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 8, SaltLen: 16},
		"saltlen":     {Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32, SaltLen: 4},
	} {
		if _, err := Hash(nil, "pw", p); !errors.Is(err, ErrParams) {
			t.Errorf("%s: Hash err = %v, want ErrParams", name, err)
		}
	}
	if _, err := Hash(bytes.NewReader(nil), "pw", FastParams); err == nil {
		t.Error("Hash succeeded with an empty random source")
	}
}

func TestSaltsDiffer(t *testing.T) {
	a, _ := Hash(nil, "pw", FastParams)
	b, _ := Hash(nil, "pw", FastParams)
	if a == b {
		t.Fatal("two hashes of the same password are equal")
	}
}

func BenchmarkHash(b *testing.B) {
	for _, bc := range []struct {
		name string
		p    Params
	}{{"Default", DefaultParams}, {"OWASP46M", OWASP46M}, {"OWASP19M", OWASP19M}, {"OWASP12M", OWASP12M},
		{"OWASP9M", OWASP9M}, {"OWASP7M", OWASP7M}, {"Strong64M", Strong64M}, {"Fast", FastParams}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Hash(nil, "Correct horse 1!", bc.p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHashParallel runs GOMAXPROCS hashes at once, as a server's
// sign-ins do on every core: ns/op × GOMAXPROCS is one hash's time next to
// the others, to compare with BenchmarkHash's time alone. The difference is
// what the hashes' working sets cost each other in the shared cache (on an
// otherwise idle machine).
func BenchmarkHashParallel(b *testing.B) {
	for _, bc := range []struct {
		name string
		p    Params
	}{{"OWASP46M", OWASP46M}, {"OWASP19M", OWASP19M}, {"OWASP12M", OWASP12M}, {"OWASP9M", OWASP9M}, {"OWASP7M", OWASP7M}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetParallelism(1)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := Hash(nil, "Correct horse 1!", bc.p); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000*float64(runtime.GOMAXPROCS(0))/float64(b.N), "ms/hash")
		})
	}
}

// TestUnusable: the value stored for a password nobody received matches no
// password, not even itself, costs no memory budget of its own and is
// unique per call.
func TestUnusable(t *testing.T) {
	a, err := Unusable(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Unusable(nil)
	if a == b || !IsUnusable(a) || !IsUnusable(b) {
		t.Fatalf("Unusable() = %q, %q", a, b)
	}
	for _, pw := range []string{"", "Passw0rd!", a, a[len(unusablePrefix):]} {
		if ok, err := Verify(a, pw); ok || err != nil {
			t.Errorf("Verify(unusable, %q) = %v, %v", pw, ok, err)
		}
	}
	if MemoryKiB(a) != 0 {
		t.Errorf("MemoryKiB(unusable) = %d", MemoryKiB(a))
	}
	h, _ := Hash(nil, "pw", FastParams)
	if IsUnusable(h) || IsUnusable("") {
		t.Error("IsUnusable accepts a real hash or nothing")
	}
	if _, err := Unusable(bytes.NewReader(nil)); err == nil {
		t.Error("Unusable with an empty random source succeeded")
	}
}

// owaspArgon2id are the argon2id configurations OWASP's Password Storage
// Cheat Sheet lists as its recommendation, of equal strength, all p=1
// (copied from the cheat sheet, not from the presets, so that a preset
// edited below them fails TestPresets).
var owaspArgon2id = []struct{ memoryKiB, time uint32 }{
	{47104, 1}, {19456, 2}, {12288, 3}, {9216, 4}, {7168, 5},
}

// meetsOWASP reports whether p is one of OWASP's configurations or
// stronger: at least the memory and at least the passes of one of them.
// (More lanes do not lower an attacker's cost per guess, which memory ×
// passes sets; they only let the defender finish sooner.)
func meetsOWASP(p Params) bool {
	for _, o := range owaspArgon2id {
		if p.MemoryKiB >= o.memoryKiB && p.Time >= o.time && p.Threads >= 1 {
			return true
		}
	}
	return false
}

// TestPresets: every preset is valid and is one of OWASP's configurations
// or stronger, except "fast"; each of OWASP's five has its preset; and the
// rule itself rejects what is weaker than all five.
func TestPresets(t *testing.T) {
	if Presets["default"] != DefaultParams {
		t.Fatal("the default preset is not DefaultParams")
	}
	for name, p := range Presets {
		if err := p.validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if p.KeyLen < 32 || p.SaltLen < 16 {
			t.Errorf("%s: key %d bytes, salt %d bytes", name, p.KeyLen, p.SaltLen)
		}
		if name != "fast" && !meetsOWASP(p) {
			t.Errorf("%s (m=%d t=%d p=%d) is below every OWASP configuration", name, p.MemoryKiB, p.Time, p.Threads)
		}
	}
	for _, o := range owaspArgon2id {
		name := fmt.Sprintf("owasp-%dm", o.memoryKiB/1024)
		if p, ok := Presets[name]; !ok || p.MemoryKiB != o.memoryKiB || p.Time != o.time || p.Threads != 1 {
			t.Errorf("preset %s = %+v (present %v), want m=%d t=%d p=1", name, p, ok, o.memoryKiB, o.time)
		}
	}
	if meetsOWASP(FastParams) {
		t.Error("meetsOWASP accepts FastParams")
	}
	for _, weak := range []Params{
		{MemoryKiB: 19455, Time: 2, Threads: 1}, // just under m=19 MiB at t=2, and under m=12 MiB's t=3
		{MemoryKiB: 47103, Time: 1, Threads: 4}, // just under m=46 MiB at t=1; lanes add nothing
		{MemoryKiB: 12288, Time: 2, Threads: 1},
		{MemoryKiB: 9216, Time: 3, Threads: 1},
		{MemoryKiB: 7167, Time: 64, Threads: 1}, // many passes over too little memory
	} {
		if meetsOWASP(weak) {
			t.Errorf("meetsOWASP accepts m=%d t=%d p=%d", weak.MemoryKiB, weak.Time, weak.Threads)
		}
	}
}
