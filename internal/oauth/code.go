package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"sync"
	"time"

	"github.com/google/uuid"
)

// CodeTTL is how long an authorization code can be exchanged (spec §4.2).
const CodeTTL = 5 * time.Minute

// AuthCode is what an authorization code stands for: everything the token
// endpoint checks and everything the tokens are minted from. Codes are
// single-use and bound to the client, the redirect URI, the PKCE challenge,
// the nonce and the scopes of the authorize request that produced them.
type AuthCode struct {
	PoolID        string
	ClientID      string
	RedirectURI   string
	CodeChallenge string // S256 challenge; "" when the request used no PKCE
	Nonce         string
	Scopes        []string
	Username      string // internal username
	Sub           string
	AuthTime      time.Time
	ExpiresAt     time.Time
}

// CodeStore keeps authorization codes by key (CodeKey of the code, so that
// a dump of the store holds no usable code).
//
// The server implements it over storage's session store: an AuthSession
// with ID "code:"+key, ExpiresAt the code's, State the sealed AuthCode, and
// TakeCode an UpdateSession that fails unless the session is unused and
// sets Used.
type CodeStore interface {
	// PutCode stores a new code.
	PutCode(ctx context.Context, key string, c AuthCode) error
	// TakeCode returns the code stored under key and spends it in the same
	// atomic step, so a code is exchanged at most once even under
	// concurrent requests. An unknown or already spent code is
	// ErrCodeNotFound. Expiry is checked by the caller.
	TakeCode(ctx context.Context, key string) (AuthCode, error)
}

// CodeKey is the store key of a code: unpadded base64url SHA-256.
func CodeKey(code string) string {
	sum := sha256.Sum256([]byte(code))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// NewCode returns a new code: a random (version 4) UUID, the shape of real
// Cognito codes (spec §4.2).
func NewCode(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	u, err := uuid.NewRandomFromReader(r)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// MemoryCodeStore is a CodeStore in memory, for tests and single-node
// experiments. It forgets expired codes only when they are taken.
type MemoryCodeStore struct {
	mu    sync.Mutex
	codes map[string]AuthCode
}

// PutCode implements CodeStore.
func (m *MemoryCodeStore) PutCode(_ context.Context, key string, c AuthCode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.codes == nil {
		m.codes = map[string]AuthCode{}
	}
	m.codes[key] = c
	return nil
}

// TakeCode implements CodeStore.
func (m *MemoryCodeStore) TakeCode(_ context.Context, key string) (AuthCode, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.codes[key]
	if !ok {
		return AuthCode{}, ErrCodeNotFound
	}
	delete(m.codes, key)
	return c, nil
}

// checkExchange decides whether code c may be exchanged by client for
// tokens with the given redirect_uri and code_verifier (spec §6). The code
// has already been spent: a failed exchange burns it (UNCONFIRMED, spec
// §20.12), so a retry gets invalid_grant. A PKCE mismatch is
// invalid_request, as AWS support describes the first failure
// (UNCONFIRMED; RFC 7636 would say invalid_grant).
func checkExchange(c AuthCode, client Client, redirectURI, verifier string, now time.Time) *Error {
	switch {
	case !now.Before(c.ExpiresAt):
		return errorOf(CodeInvalidGrant, "code expired")
	case c.ClientID != client.ID || c.PoolID != client.PoolID:
		return errorOf(CodeInvalidGrant, "code issued to another client")
	case c.RedirectURI != redirectURI:
		return errorOf(CodeInvalidGrant, "redirect_uri differs from the authorize request")
	case c.CodeChallenge != "" && verifier == "":
		return errorOf(CodeInvalidRequest, "missing code_verifier")
	case c.CodeChallenge != "" && !VerifyPKCE(c.CodeChallenge, verifier):
		return errorOf(CodeInvalidRequest, "code_verifier does not match")
	case c.CodeChallenge == "" && verifier != "":
		return errorOf(CodeInvalidRequest, "code_verifier without code_challenge")
	}
	return nil
}
