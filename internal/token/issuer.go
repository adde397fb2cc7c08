package token

import (
	"crypto/rand"
	"errors"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/userpoold/userpoold/internal/storage"
)

// Sentinel errors. Verification errors wrap them with a short reason that
// never quotes the token; test with errors.Is.
var (
	// ErrInvalid means the token is malformed, is not RS256, names a key the
	// pool never published, has a bad signature, comes from another pool, or
	// (for refresh tokens) fails to decrypt.
	ErrInvalid = errors.New("token: invalid")
	// ErrExpired means the token was valid but its exp has passed.
	ErrExpired = errors.New("token: expired")
	// ErrWrongUse means a valid token of the other kind was given: an ID token
	// where an access token was expected, or the reverse.
	ErrWrongUse = errors.New("token: wrong token_use")
	// ErrRevoked means the token's origin_jti was revoked (RevokeToken,
	// GlobalSignOut). Only reported when Issuer.Revocations is set.
	ErrRevoked = errors.New("token: revoked")
	// ErrNoSigningKey means the pool has no active key for the token kind;
	// CreateKeys was never called for it.
	ErrNoSigningKey = errors.New("token: pool has no signing key")
)

// Token uses, the values of the token_use claim and of storage.SigningKey.Use.
const (
	UseAccess = "access"
	UseID     = "id"
)

// Defaults applied by SignAccess and SignID when a claim is left zero.
const (
	// DefaultLifetime is Cognito's default access and ID token validity.
	DefaultLifetime = time.Hour
	// DefaultScope is the scope of tokens issued through the user pools API.
	DefaultScope = "aws.cognito.signin.user.admin"
	// AccessTokenVersion is the access token's "version" claim.
	AccessTokenVersion = 2
)

// DefaultKeyBits is the RSA modulus size of new signing keys.
const DefaultKeyBits = 2048

// maxTokenLen bounds the input the parsers look at.
const maxTokenLen = 64 << 10

// Issuer signs and verifies a deployment's tokens for every pool. Set the
// exported fields before first use and do not change them afterwards; an
// Issuer is then safe for concurrent use.
type Issuer struct {
	// Keys persists the pools' signing keys.
	Keys storage.KeyStore
	// Revocations, when set, makes VerifyAccess and VerifyID report
	// ErrRevoked for tokens whose origin_jti was revoked.
	Revocations storage.RevocationStore
	// RefreshSecret is the 32-byte master key refresh tokens are encrypted
	// under. Each pool gets its own AES-256 key derived with HKDF-SHA256
	// (info "userpoold/refresh/<poolID>"), so this may be the server's
	// master key without colliding with seal.Box purposes.
	RefreshSecret []byte
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Rand supplies randomness; nil means crypto/rand.
	Rand io.Reader
	// KeyBits is the RSA key size for new keys; 0 means DefaultKeyBits.
	KeyBits int
	// IssuerURL returns the iss claim for a pool, e.g.
	// "http://127.0.0.1:9229/us-east-1_Abc". It must end in "/<poolID>".
	// nil means Cognito's "https://cognito-idp.<region>.amazonaws.com/<poolID>".
	IssuerURL func(poolID string) string
	// CacheTTL is how long a pool's keys are cached before they are read
	// from Keys again (so that rotations done by other nodes take effect
	// for signing); 0 means 5 minutes.
	CacheTTL time.Duration

	cache verifiedCache

	mu     sync.Mutex
	pools  map[string]*poolKeys
	forced map[string]time.Time // last reload forced by an unknown kid
}

func (i *Issuer) now() time.Time {
	if i.Now != nil {
		return i.Now()
	}
	return time.Now()
}

func (i *Issuer) rand() io.Reader {
	if i.Rand != nil {
		return i.Rand
	}
	return rand.Reader
}

func (i *Issuer) issuer(poolID string) string {
	if i.IssuerURL != nil {
		return i.IssuerURL(poolID)
	}
	return CognitoIssuer(poolID)
}

// CognitoIssuer returns the iss Cognito uses for a pool:
// https://cognito-idp.<region>.amazonaws.com/<poolID>, where region is the
// part of the pool ID before the underscore.
func CognitoIssuer(poolID string) string {
	region, _, _ := strings.Cut(poolID, "_")
	return "https://cognito-idp." + region + ".amazonaws.com/" + poolID
}

// poolIDPattern is UserPoolIdType's pattern in the service model.
var poolIDPattern = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)

// poolFromIssuer returns the pool an iss claim names, provided the iss is
// exactly the one this Issuer would put in the pool's tokens.
func (i *Issuer) poolFromIssuer(iss string) (string, bool) {
	slash := strings.LastIndexByte(iss, '/')
	if slash < 0 {
		return "", false
	}
	pool := iss[slash+1:]
	if len(pool) > 55 || !poolIDPattern.MatchString(pool) || i.issuer(pool) != iss {
		return "", false
	}
	return pool, true
}

// NewJTI returns a new random (version 4) UUID for a jti or origin_jti claim.
func NewJTI() string { return uuid.NewString() }
