package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters (RFC 9106).
type Params struct {
	Time      uint32 // passes over memory (t); at least 1
	MemoryKiB uint32 // memory in KiB (m); at least 8×Threads
	Threads   uint8  // lanes (p); at least 1
	KeyLen    uint32 // derived key length in bytes; 16 to 128
	SaltLen   uint32 // random salt length in bytes; 8 to 64
}

// The presets (Presets, by name). OWASP's Password Storage Cheat Sheet
// recommends argon2id with one of five configurations of equal strength,
// trading memory for passes: m=46 MiB t=1, m=19 MiB t=2, m=12 MiB t=3,
// m=9 MiB t=4 and m=7 MiB t=5, all p=1. OWASP46M, OWASP19M, OWASP12M,
// OWASP9M and OWASP7M are those five. On a 2-vCPU VM one hash of any of
// them takes 14–35 ms of one core (BenchmarkHash; 16–23 ms of CPU on the
// AMD EPYC one); the smaller the memory, the less two hashes running at
// once on two cores slow each other down in the shared cache
// (BenchmarkHashParallel): at 9 and 7 MiB not at all there, at 19 MiB by
// about 9 %.
var (
	// OWASP19M is m=19 MiB (19456 KiB), t=2, p=1: the configuration the
	// cheat sheet's summary names ("a minimum configuration of 19 MiB of
	// memory, an iteration count of 2"), and the default until OWASP9M
	// replaced it: two of its hashes at once do not fit a 32 MiB
	// shared cache and slow each other down by about 9 %.
	OWASP19M = Params{Time: 2, MemoryKiB: 19 * 1024, Threads: 1, KeyLen: 32, SaltLen: 16}
	// OWASP46M is m=46 MiB (47104 KiB), t=1, p=1: OWASP's alternative of
	// the same strength with more memory and one pass.
	OWASP46M = Params{Time: 1, MemoryKiB: 46 * 1024, Threads: 1, KeyLen: 32, SaltLen: 16}
	// OWASP12M is m=12 MiB (12288 KiB), t=3, p=1: OWASP's alternative of
	// the same strength with less memory and three passes.
	OWASP12M = Params{Time: 3, MemoryKiB: 12 * 1024, Threads: 1, KeyLen: 32, SaltLen: 16}
	// OWASP9M is m=9 MiB (9216 KiB), t=4, p=1: the same strength again,
	// with four passes, and the default. Two hashes at once (18 MiB) fit
	// a 32 MiB shared cache, so on two cores they do not slow each other
	// down, and p=1 lets every core run its own sign-in, so sign-ins per
	// second grow with cores.
	OWASP9M = Params{Time: 4, MemoryKiB: 9 * 1024, Threads: 1, KeyLen: 32, SaltLen: 16}
	// OWASP7M is m=7 MiB (7168 KiB), t=5, p=1: the cheat sheet's last
	// configuration, the least memory and five passes.
	OWASP7M = Params{Time: 5, MemoryKiB: 7 * 1024, Threads: 1, KeyLen: 32, SaltLen: 16}
	// Strong64M is m=64 MiB, t=2, p=2, userpoold's default before the
	// OWASP presets: more than OWASP asks, about 2.5× the cost of
	// OWASP19M per sign-in.
	Strong64M = Params{Time: 2, MemoryKiB: 64 * 1024, Threads: 2, KeyLen: 32, SaltLen: 16}
)

// DefaultParams are the production parameters: OWASP9M. They meet OWASP's
// current recommendation at the same strength as OWASP19M (the default
// before it) for about 16 % less CPU per sign-in on a 2-vCPU server, since
// two 9 MiB hashes at once fit the shared cache where two of 19 MiB do not,
// and half the memory per hash (bench/README.md). They stay far below RFC 9106's 2 GiB first
// recommendation, which no multi-tenant server can afford per request; a
// Limiter bounds how many run at once for USER_PASSWORD_AUTH sign-ins and
// password changes. SRP sign-ins (USER_SRP_AUTH) never hash the password
// on the server. Hashes stored with other parameters keep verifying (the
// parameters are read from each PHC string).
var DefaultParams = OWASP9M

// FastParams are for test suites only: 64 KiB and one pass hash in well under
// a millisecond. They are INSECURE — an attacker with a stolen database could
// try billions of guesses per second — and must never be used for real users.
var FastParams = Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32, SaltLen: 16}

// Presets are the parameter sets the server's --password-hashing names:
// "default" (DefaultParams), OWASP's five "owasp-46m", "owasp-19m",
// "owasp-12m", "owasp-9m" and "owasp-7m", "strong-64m" and "fast" (test
// suites only).
var Presets = map[string]Params{
	"default":    DefaultParams,
	"owasp-46m":  OWASP46M,
	"owasp-19m":  OWASP19M,
	"owasp-12m":  OWASP12M,
	"owasp-9m":   OWASP9M,
	"owasp-7m":   OWASP7M,
	"strong-64m": Strong64M,
	"fast":       FastParams,
}

// Limits Verify accepts in an encoded hash, so that a corrupted or hostile
// stored hash cannot make one verification allocate gigabytes or spin for
// minutes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 64
	minKeyLen    = 16
	maxKeyLen    = 128
	minSaltLen   = 8
	maxSaltLen   = 64
)

// ErrMalformed is returned (wrapped) by Verify for an encoded hash that is not
// an argon2id PHC string this package can check: another algorithm, another
// version, missing fields, bad base64 or parameters outside the accepted
// limits.
var ErrMalformed = errors.New("password: malformed argon2id hash")

// ErrParams is returned (wrapped) by Hash for parameters outside the limits
// documented on Params.
var ErrParams = errors.New("password: invalid argon2id parameters")

var b64 = base64.RawStdEncoding

// Hash derives an argon2id hash of password with a fresh salt read from rand
// (nil means crypto/rand) and returns it in PHC string format:
//
//	$argon2id$v=19$m=65536,t=2,p=2$<salt>$<key>
//
// where salt and key are standard base64 without padding, as in the argon2
// reference implementation.
func Hash(rnd io.Reader, password string, p Params) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return "", fmt.Errorf("password: reading salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return encode(p, salt, key), nil
}

// Verify reports whether password matches encoded, a PHC string produced by
// Hash. The parameters, salt and key length come from encoded, so hashes made
// with older parameters keep verifying. The derived keys are compared in
// constant time. A mismatch is (false, nil); an unusable encoded hash is
// (false, err) with err wrapping ErrMalformed.
//
// A value made by Unusable matches no password: (false, nil) at once.
func Verify(encoded, password string) (bool, error) {
	if IsUnusable(encoded) {
		return false, nil
	}
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// unusablePrefix starts a stored password that no password matches
// (Unusable).
const unusablePrefix = "$unusable$"

// Unusable returns a value to store in place of a password hash when a
// password was never given to anyone: AdminCreateUser with MessageAction
// SUPPRESS and no TemporaryPassword, whose generated temporary password
// nobody receives. No password matches it (Verify answers false), so it
// protects nothing and costs nothing to make; the caller that checks a
// password against it must still spend a hash's time (IsUnusable) so that
// such a user cannot be told from another by timing. Its 128 random bits
// (from rand; nil means crypto/rand) only make each value unique, so that
// "the password changed since it was checked" comparisons keep working.
func Unusable(rnd io.Reader) (string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", fmt.Errorf("password: reading random: %w", err)
	}
	return unusablePrefix + b64.EncodeToString(b[:]), nil
}

// IsUnusable reports whether encoded was made by Unusable.
func IsUnusable(encoded string) bool { return strings.HasPrefix(encoded, unusablePrefix) }

// NeedsRehash reports whether encoded was made with parameters other than p
// (or cannot be parsed at all), so that the caller should hash the password
// again with p the next time it has the plaintext, after a successful Verify.
func NeedsRehash(encoded string, p Params) bool {
	got, _, _, err := decode(encoded)
	return err != nil || got != p
}

func (p Params) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("%w: time %d not in [1, %d]", ErrParams, p.Time, maxTime)
	case p.Threads < 1:
		return fmt.Errorf("%w: threads must be at least 1", ErrParams)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("%w: memory %d KiB not in [%d, %d]", ErrParams, p.MemoryKiB, 8*uint32(p.Threads), maxMemoryKiB)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("%w: key length %d not in [%d, %d]", ErrParams, p.KeyLen, minKeyLen, maxKeyLen)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("%w: salt length %d not in [%d, %d]", ErrParams, p.SaltLen, minSaltLen, maxSaltLen)
	}
	return nil
}

func encode(p Params, salt, key []byte) string {
	var b strings.Builder
	b.Grow(40 + b64.EncodedLen(len(salt)) + b64.EncodedLen(len(key)))
	b.WriteString("$argon2id$v=")
	b.WriteString(strconv.Itoa(argon2.Version))
	b.WriteString("$m=")
	b.WriteString(strconv.FormatUint(uint64(p.MemoryKiB), 10))
	b.WriteString(",t=")
	b.WriteString(strconv.FormatUint(uint64(p.Time), 10))
	b.WriteString(",p=")
	b.WriteString(strconv.FormatUint(uint64(p.Threads), 10))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(salt))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(key))
	return b.String()
}

// decode parses a PHC argon2id string. The returned Params carry the salt
// and key lengths found in it.
func decode(encoded string) (Params, []byte, []byte, error) {
	var p Params
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: not a $argon2id$ PHC string", ErrMalformed)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: unsupported version", ErrMalformed)
	}
	var m, t, th uint64
	seen := 0
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, fmt.Errorf("%w: bad parameter list", ErrMalformed)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || (len(v) > 1 && v[0] == '0') {
			return p, nil, nil, fmt.Errorf("%w: bad parameter %q", ErrMalformed, k)
		}
		switch {
		case k == "m" && seen == 0:
			m = n
		case k == "t" && seen == 1:
			t = n
		case k == "p" && seen == 2:
			th = n
		default:
			return p, nil, nil, fmt.Errorf("%w: bad parameter list", ErrMalformed)
		}
		seen++
	}
	if seen != 3 || th > 255 {
		return p, nil, nil, fmt.Errorf("%w: bad parameter list", ErrMalformed)
	}
	salt, err := b64.Strict().DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: bad salt encoding", ErrMalformed)
	}
	key, err := b64.Strict().DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: bad key encoding", ErrMalformed)
	}
	p = Params{
		Time:      uint32(t),
		MemoryKiB: uint32(m),
		Threads:   uint8(th),
		KeyLen:    uint32(len(key)),
		SaltLen:   uint32(len(salt)),
	}
	if err := p.validate(); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return p, salt, key, nil
}
