package imported

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// Algorithm is a PasswordHashingAlgorithmType value of CreateUserImportJob.
type Algorithm string

// The algorithms the model allows (PasswordHashingAlgorithmType).
const (
	BCRYPT       Algorithm = "BCRYPT"
	SCRYPT       Algorithm = "SCRYPT"
	ARGON2ID     Algorithm = "ARGON2ID"
	PBKDF2SHA256 Algorithm = "PBKDF2_SHA256"
)

// Algorithms lists every Algorithm in the model's order.
var Algorithms = []Algorithm{BCRYPT, SCRYPT, ARGON2ID, PBKDF2SHA256}

// Valid reports whether a is one of Algorithms.
func (a Algorithm) Valid() bool {
	switch a {
	case BCRYPT, SCRYPT, ARGON2ID, PBKDF2SHA256:
		return true
	}
	return false
}

// Bounds on the parameters of an imported hash. The maxima are §7.5's:
// nothing costlier can be imported, so one verification costs at most a
// bcrypt at cost 12, 64 MiB of scrypt (N=65536, r=8), 19 MiB of argon2id
// with two passes, or 600,000 HMAC-SHA256 iterations. The minima are those
// of the algorithms themselves; lengths keep salts and keys within what any
// real system produces.
const (
	BcryptMinCost = bcrypt.MinCost // 4
	BcryptMaxCost = 12

	ScryptMaxN = 65536 // a power of two, at least 2
	ScryptMaxR = 8
	ScryptMaxP = 1

	Argon2MaxMemoryKiB = 19456
	Argon2MaxTime      = 2
	Argon2MaxThreads   = 1

	PBKDF2MaxIterations = 600000

	minSaltLen = 1  // bytes, scrypt and PBKDF2 (argon2id: 8, its own minimum)
	maxSaltLen = 64 // bytes
	minKeyLen  = 16 // bytes; a shorter derived key is not a password hash
	maxKeyLen  = 64 // bytes
)

// Errors Parse returns (wrapped, with a description that never quotes the
// hash).
var (
	// ErrAlgorithm reports an algorithm that is not one of Algorithms.
	ErrAlgorithm = errors.New("imported: unknown password hashing algorithm")
	// ErrMalformed reports an encoded hash that is not in the algorithm's
	// format.
	ErrMalformed = errors.New("imported: malformed password hash")
	// ErrBounds reports a well-formed hash whose parameters exceed the
	// bounds above (or are below the algorithm's minimum).
	ErrBounds = errors.New("imported: password hash parameters out of bounds")
)

// Hash is a parsed imported password hash. The zero value matches no
// password. A Hash is immutable and safe for concurrent use.
type Hash struct {
	alg     Algorithm
	encoded string
	salt    []byte
	key     []byte
	// Parameters; which apply depends on alg.
	cost    int    // bcrypt
	n, r, p int    // scrypt
	m, t    uint32 // argon2id memory (KiB) and passes
	lanes   uint8  // argon2id
	iter    int    // PBKDF2
}

// Parse parses encoded, a hash in the format of alg (spec §7.5), and checks
// its parameters against the bounds:
//
//	BCRYPT         $2a$, $2b$, $2x$ or $2y$, a two-digit cost (4 to 12), 22
//	               characters of salt and 31 of hash in bcrypt's base64
//	SCRYPT         N$r$p$hexSalt$hexHash (N a power of two up to 65536,
//	               r up to 8, p = 1)
//	ARGON2ID       $argon2id$v=19$m=M,t=T,p=P$salt$hash, PHC string format with
//	               unpadded standard base64 (M up to 19456 KiB, T up to 2, P = 1)
//	PBKDF2_SHA256  $pbkdf2-sha256$iterations$salt$hash, passlib's format: base64
//	               without padding, "." standing for "+" (iterations up to
//	               600,000); standard base64, padded or not, is accepted too
//
// Salts are 1 to 64 bytes (argon2id: 8 to 64) and derived keys 16 to 64
// bytes; the key length is that of the hash given. Errors wrap ErrAlgorithm,
// ErrMalformed or ErrBounds.
//
// UNCONFIRMED: §7.5 gives the formats and bounds but no byte encoding for
// PBKDF2_SHA256's salt and hash; passlib's (the usual source of that format)
// is assumed.
func Parse(alg Algorithm, encoded string) (Hash, error) {
	var (
		h   Hash
		err error
	)
	switch alg {
	case BCRYPT:
		h, err = parseBcrypt(encoded)
	case SCRYPT:
		h, err = parseScrypt(encoded)
	case ARGON2ID:
		h, err = parseArgon2id(encoded)
	case PBKDF2SHA256:
		h, err = parsePBKDF2(encoded)
	default:
		return Hash{}, fmt.Errorf("%w %q", ErrAlgorithm, string(alg))
	}
	if err != nil {
		return Hash{}, err
	}
	h.alg, h.encoded = alg, encoded
	return h, nil
}

// Algorithm returns the hash's algorithm ("" for the zero Hash).
func (h Hash) Algorithm() Algorithm { return h.alg }

// String returns the encoded hash exactly as it was parsed. It is a secret
// of the user's and must be stored sealed.
func (h Hash) String() string { return h.encoded }

// Stored returns the form to persist: the algorithm, a colon, and the
// encoded hash (no encoded form contains a colon). ParseStored reverses it.
func (h Hash) Stored() string {
	if h.alg == "" {
		return ""
	}
	return string(h.alg) + ":" + h.encoded
}

// ParseStored parses a value made by Hash.Stored.
func ParseStored(s string) (Hash, error) {
	alg, encoded, ok := strings.Cut(s, ":")
	if !ok {
		return Hash{}, fmt.Errorf("%w: no algorithm prefix", ErrMalformed)
	}
	return Parse(Algorithm(alg), encoded)
}

// NeedsRehash reports whether the caller should replace this hash with one
// of its own after a successful Verify. It is always true for a parsed
// Hash: an imported hash is never in the pool's own format and parameters
// (the bounds above cap its cost, for argon2id at package password's
// OWASP19M, whichever preset is the default), and an imported
// hash leaves the user without an SRP verifier, so that USER_SRP_AUTH
// works only after the rehash (spec §7.5). It is false for the zero Hash,
// which verifies nothing.
func (h Hash) NeedsRehash() bool { return h.alg != "" }

// MemoryKiB returns the memory one Verify holds for its whole run, in KiB,
// for the caller's password.Limiter: 128·N·r bytes for scrypt, m for
// argon2id, and a nominal 4 KiB for bcrypt's state and for PBKDF2.
func (h Hash) MemoryKiB() uint32 {
	switch h.alg {
	case SCRYPT:
		return uint32(128 * h.n * h.r / 1024)
	case ARGON2ID:
		return h.m
	case BCRYPT, PBKDF2SHA256:
		return 4
	}
	return 0
}

// Verify reports whether password matches the hash. The derived key is
// compared with the imported one in constant time. The zero Hash matches
// nothing.
//
// BCRYPT uses only the first 72 bytes of the password, as every bcrypt
// implementation does. A $2x$ hash was made by crypt_blowfish's buggy
// handling of bytes above 0x7F; Go's bcrypt implements the corrected
// algorithm only, so a $2x$ hash verifies passwords of ASCII characters
// (where both agree) and refuses any other password rather than guess.
func (h Hash) Verify(password string) bool {
	switch h.alg {
	case BCRYPT:
		if h.encoded[2] == 'x' && !isASCII(password) {
			return false
		}
		return bcrypt.CompareHashAndPassword([]byte(h.encoded), []byte(password)) == nil
	case SCRYPT:
		got, err := scrypt.Key([]byte(password), h.salt, h.n, h.r, h.p, len(h.key))
		return err == nil && subtle.ConstantTimeCompare(got, h.key) == 1
	case ARGON2ID:
		got := argon2.IDKey([]byte(password), h.salt, h.t, h.m, h.lanes, uint32(len(h.key)))
		return subtle.ConstantTimeCompare(got, h.key) == 1
	case PBKDF2SHA256:
		got, err := pbkdf2.Key(sha256.New, password, h.salt, h.iter, len(h.key))
		return err == nil && subtle.ConstantTimeCompare(got, h.key) == 1
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// bcrypt's base64 alphabet.
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func parseBcrypt(s string) (Hash, error) {
	// $2b$12$ + 22 salt + 31 hash = 60 bytes.
	if len(s) != 60 || s[0] != '$' || s[1] != '2' || s[3] != '$' || s[6] != '$' {
		return Hash{}, fmt.Errorf("%w: not a $2?$cost$ bcrypt string of 60 characters", ErrMalformed)
	}
	switch s[2] {
	case 'a', 'b', 'x', 'y':
	default:
		return Hash{}, fmt.Errorf("%w: unknown bcrypt variant", ErrMalformed)
	}
	if !isDigit(s[4]) || !isDigit(s[5]) {
		return Hash{}, fmt.Errorf("%w: bcrypt cost is not two digits", ErrMalformed)
	}
	for i := 7; i < len(s); i++ {
		if strings.IndexByte(bcryptAlphabet, s[i]) < 0 {
			return Hash{}, fmt.Errorf("%w: bcrypt salt or hash has a character outside its alphabet", ErrMalformed)
		}
	}
	cost := int(s[4]-'0')*10 + int(s[5]-'0')
	if cost < BcryptMinCost || cost > BcryptMaxCost {
		return Hash{}, fmt.Errorf("%w: bcrypt cost %d not in [%d, %d]", ErrBounds, cost, BcryptMinCost, BcryptMaxCost)
	}
	return Hash{cost: cost}, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// atoi parses a decimal number without sign, leading zeros or excess
// digits, within [1, max].
func atoi(s string, max int) (int, bool) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, false
	}
	return min(n, max+1), true // anything beyond max reads as max+1
}

func checkLengths(salt, key []byte, minSalt int) error {
	if len(salt) < minSalt || len(salt) > maxSaltLen {
		return fmt.Errorf("%w: salt of %d bytes not in [%d, %d]", ErrBounds, len(salt), minSalt, maxSaltLen)
	}
	if len(key) < minKeyLen || len(key) > maxKeyLen {
		return fmt.Errorf("%w: key of %d bytes not in [%d, %d]", ErrBounds, len(key), minKeyLen, maxKeyLen)
	}
	return nil
}

func parseScrypt(s string) (Hash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 5 {
		return Hash{}, fmt.Errorf("%w: not N$r$p$salt$hash", ErrMalformed)
	}
	n, okN := atoi(parts[0], ScryptMaxN)
	r, okR := atoi(parts[1], ScryptMaxR)
	p, okP := atoi(parts[2], ScryptMaxP)
	if !okN || !okR || !okP {
		return Hash{}, fmt.Errorf("%w: scrypt N, r and p must be positive decimal numbers", ErrMalformed)
	}
	salt, err1 := hex.DecodeString(parts[3])
	key, err2 := hex.DecodeString(parts[4])
	if err1 != nil || err2 != nil {
		return Hash{}, fmt.Errorf("%w: scrypt salt and hash must be hexadecimal", ErrMalformed)
	}
	switch {
	case n < 2 || n > ScryptMaxN || bits.OnesCount(uint(n)) != 1:
		return Hash{}, fmt.Errorf("%w: scrypt N must be a power of two in [2, %d]", ErrBounds, ScryptMaxN)
	case r > ScryptMaxR:
		return Hash{}, fmt.Errorf("%w: scrypt r not in [1, %d]", ErrBounds, ScryptMaxR)
	case p > ScryptMaxP:
		return Hash{}, fmt.Errorf("%w: scrypt p not in [1, %d]", ErrBounds, ScryptMaxP)
	}
	if err := checkLengths(salt, key, minSaltLen); err != nil {
		return Hash{}, err
	}
	return Hash{n: n, r: r, p: p, salt: salt, key: key}, nil
}

var phc64 = base64.RawStdEncoding.Strict()

func parseArgon2id(s string) (Hash, error) {
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Hash{}, fmt.Errorf("%w: not a $argon2id$ PHC string", ErrMalformed)
	}
	if parts[2] != "v=19" {
		return Hash{}, fmt.Errorf("%w: argon2id version must be v=19", ErrMalformed)
	}
	var vals [3]int
	names := [3]string{"m", "t", "p"}
	maxs := [3]int{Argon2MaxMemoryKiB, Argon2MaxTime, Argon2MaxThreads}
	kvs := strings.Split(parts[3], ",")
	if len(kvs) != 3 {
		return Hash{}, fmt.Errorf("%w: argon2id parameters must be m=,t=,p=", ErrMalformed)
	}
	for i, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		n, okN := atoi(v, maxs[i])
		if !ok || k != names[i] || !okN {
			return Hash{}, fmt.Errorf("%w: argon2id parameters must be m=,t=,p=", ErrMalformed)
		}
		vals[i] = n
	}
	salt, err1 := phc64.DecodeString(parts[4])
	key, err2 := phc64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return Hash{}, fmt.Errorf("%w: argon2id salt and hash must be unpadded base64", ErrMalformed)
	}
	m, t, p := vals[0], vals[1], vals[2]
	switch {
	case p > Argon2MaxThreads:
		return Hash{}, fmt.Errorf("%w: argon2id p not in [1, %d]", ErrBounds, Argon2MaxThreads)
	case m < 8*p || m > Argon2MaxMemoryKiB:
		return Hash{}, fmt.Errorf("%w: argon2id m not in [%d, %d]", ErrBounds, 8*p, Argon2MaxMemoryKiB)
	case t > Argon2MaxTime:
		return Hash{}, fmt.Errorf("%w: argon2id t not in [1, %d]", ErrBounds, Argon2MaxTime)
	}
	if err := checkLengths(salt, key, 8); err != nil {
		return Hash{}, err
	}
	return Hash{m: uint32(m), t: uint32(t), lanes: uint8(p), salt: salt, key: key}, nil
}

// decodeAB64 decodes passlib's adapted base64 ("." for "+", no padding) and,
// since the two never conflict, standard base64 with or without padding.
func decodeAB64(s string) ([]byte, error) {
	s = strings.TrimRight(strings.ReplaceAll(s, ".", "+"), "=")
	return base64.RawStdEncoding.Strict().DecodeString(s)
}

func parsePBKDF2(s string) (Hash, error) {
	// "", "pbkdf2-sha256", iterations, salt, hash
	parts := strings.Split(s, "$")
	if len(parts) != 5 || parts[0] != "" || parts[1] != "pbkdf2-sha256" {
		return Hash{}, fmt.Errorf("%w: not a $pbkdf2-sha256$ string", ErrMalformed)
	}
	iter, ok := atoi(parts[2], PBKDF2MaxIterations)
	if !ok {
		return Hash{}, fmt.Errorf("%w: PBKDF2 iterations must be a positive decimal number", ErrMalformed)
	}
	salt, err1 := decodeAB64(parts[3])
	key, err2 := decodeAB64(parts[4])
	if err1 != nil || err2 != nil {
		return Hash{}, fmt.Errorf("%w: PBKDF2 salt and hash must be base64", ErrMalformed)
	}
	if iter > PBKDF2MaxIterations {
		return Hash{}, fmt.Errorf("%w: PBKDF2 iterations not in [1, %d]", ErrBounds, PBKDF2MaxIterations)
	}
	if err := checkLengths(salt, key, minSaltLen); err != nil {
		return Hash{}, err
	}
	return Hash{iter: iter, salt: salt, key: key}, nil
}
