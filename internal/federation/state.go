package federation

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/userpoold/userpoold/internal/seal"
)

// FlowTTL is how long a federated sign-in may take between the redirect
// to the IdP and its answer (spec §14.3, §16: five minutes).
const FlowTTL = 5 * time.Minute

// StateCookie binds a flow to the browser that started it. Cognito keeps
// federation state in this cookie (spec §5.3); here it holds a random
// value whose hash the sealed flow carries, so that an IdP answer cannot
// be replayed into another browser (login CSRF). Set it with
// SameSite=None; Secure over TLS (the SAML answer is a cross-site POST)
// and SameSite=Lax over plain http, HttpOnly, on the domain's cookie path,
// for FlowTTL.
const StateCookie = "csrf-state"

// Flow is what a federated sign-in carries from the redirect to the IdP
// to the IdP's answer: sealed (AES-256-GCM under a key derived from the
// master key) into the OAuth state parameter or the SAML RelayState, so
// no node needs to remember it. It is single-use (ReplayCache) and
// expires after FlowTTL.
type Flow struct {
	// ID is random; ReplayCache records it when the flow is finished.
	ID       string `json:"i"`
	PoolID   string `json:"p"`
	Provider string `json:"n"`
	// Authorize is the app's /oauth2/authorize query, which phase 2
	// validates again (oauth.ParseAuthorize) to finish the app's request.
	Authorize url.Values `json:"q"`
	// CallbackURL is the /oauth2/idpresponse (or /saml2/idpresponse) URL
	// the IdP was given, built from the URL the browser used to reach the
	// domain (spec §19.8); the code exchange repeats it.
	CallbackURL string `json:"c"`
	Nonce       string `json:"o,omitempty"`
	Verifier    string `json:"v,omitempty"` // PKCE code_verifier
	RequestID   string `json:"r,omitempty"` // SAML AuthnRequest ID
	Binding     string `json:"b"`           // hex SHA-256 of the StateCookie value
	Expires     int64  `json:"e"`
}

// Expired reports whether the flow is over at now.
func (f Flow) Expired(now time.Time) bool { return !now.Before(time.Unix(f.Expires, 0)) }

// ReplayCache remembers single-use values until they expire: spent flow
// states and accepted SAML assertion IDs. Phase 2 backs it with the store
// (an atomic insert of the key that fails when it exists), so that every
// node shares it. Keys are at most 300 bytes.
type ReplayCache interface {
	// Consume records key as used until expiresAt. It returns ErrReplayed
	// if key is already recorded, and any other error if it cannot record
	// it; either refuses the sign-in.
	Consume(ctx context.Context, key string, expiresAt time.Time) error
}

// ErrReplayed is what a ReplayCache returns for a key already recorded.
var ErrReplayed = errors.New("federation: value already used")

// States seals and opens flows.
type States struct {
	box  *seal.Box
	Now  func() time.Time
	Rand io.Reader
}

// NewStates derives the flow key from the 32-byte master key (shared by
// every node).
func NewStates(master []byte, now func() time.Time, rnd io.Reader) (*States, error) {
	box, err := seal.New(master, "federation/flow-state", rnd)
	if err != nil {
		return nil, fmt.Errorf("federation: %w", err)
	}
	return &States{box: box, Now: now, Rand: rnd}, nil
}

func (s *States) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *States) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

// random returns n random bytes, base64url without padding.
func (s *States) random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand(), b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// stateAD binds sealed flows to their purpose.
var stateAD = []byte("userpoold federation flow v1")

// start fills a new flow's ID, binding and expiry and returns the cookie
// value that binds it.
func (s *States) start(f *Flow) (cookie string, err error) {
	if f.ID, err = s.random(16); err != nil {
		return "", err
	}
	if cookie, err = s.random(24); err != nil {
		return "", err
	}
	f.Binding = bindingOf(cookie)
	f.Expires = s.now().Add(FlowTTL).Unix()
	return cookie, nil
}

func bindingOf(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:])
}

// Seal returns the flow as an opaque URL-safe string.
func (s *States) Seal(f Flow) (string, error) {
	plain, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	sealed, err := s.box.Seal(plain, stateAD)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// maxState bounds a sealed flow as received.
const maxState = 16 << 10

// Open returns the flow sealed in state, if it opens and has not expired.
// A failure is a Page *Error: the browser's app is not known.
func (s *States) Open(state string) (Flow, error) {
	if state == "" || len(state) > maxState {
		return Flow{}, pageError(MsgSomethingWrong, errors.New("no flow state"))
	}
	sealed, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(state, "="))
	if err != nil {
		return Flow{}, pageError(MsgSomethingWrong, err)
	}
	plain, err := s.box.Open(sealed, stateAD)
	if err != nil {
		return Flow{}, pageError(MsgSomethingWrong, err)
	}
	var f Flow
	if err := json.Unmarshal(plain, &f); err != nil {
		return Flow{}, pageError(MsgSomethingWrong, err)
	}
	if f.Expired(s.now()) {
		return Flow{}, pageError(MsgSomethingWrong, errors.New("flow expired"))
	}
	return f, nil
}

// spend checks that the flow belongs to the browser (the StateCookie
// value, "" when the browser sent none) and records it as used. A
// browser that sends the cookie must send the flow's; a missing cookie is
// accepted only when allowMissing (the SAML answer, a cross-site POST that
// carries no SameSite=Lax cookie over plain http).
func spend(ctx context.Context, replay ReplayCache, f Flow, cookie string, allowMissing bool) error {
	switch {
	case cookie == "" && !allowMissing:
		return pageError(MsgSomethingWrong, errors.New("no state cookie"))
	case cookie != "" && subtle.ConstantTimeCompare([]byte(bindingOf(cookie)), []byte(f.Binding)) != 1:
		return pageError(MsgSomethingWrong, errors.New("state cookie of another flow"))
	}
	if replay == nil {
		return errors.New("federation: no ReplayCache")
	}
	if err := replay.Consume(ctx, "flow:"+f.ID, time.Unix(f.Expires, 0)); err != nil {
		if errors.Is(err, ErrReplayed) {
			return pageError(MsgSomethingWrong, err)
		}
		return err
	}
	return nil
}

// Start is the first step of a federated sign-in: where to send the
// browser, and the StateCookie value to set on the way.
type Start struct {
	Location string
	Cookie   string
}

// Begin is what starting a federated sign-in needs from the authorize
// request.
type Begin struct {
	PoolID string
	// DomainBase is the URL the browser used to reach the domain, without
	// a trailing slash (scheme://host[:port] in host form, or
	// <base>/_domain/<name> in path form); the IdP callback is
	// DomainBase + /oauth2/idpresponse or /saml2/idpresponse.
	DomainBase string
	// Authorize is the app's /oauth2/authorize query.
	Authorize url.Values
}

// Callback paths on a domain (spec §3).
const (
	PathOAuthCallback = "/oauth2/idpresponse"
	PathSAMLCallback  = "/saml2/idpresponse"
)

// MemoryReplayCache is a ReplayCache in memory, for tests and
// single-node experiments. It forgets expired keys as it goes. The zero
// value is ready to use, with time.Now as its clock.
type MemoryReplayCache struct {
	Now  func() time.Time
	mu   sync.Mutex
	keys map[string]time.Time
}

// Consume implements ReplayCache.
func (m *MemoryReplayCache) Consume(_ context.Context, key string, expiresAt time.Time) error {
	now := time.Now()
	if m.Now != nil {
		now = m.Now()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys = map[string]time.Time{}
	}
	for k, exp := range m.keys {
		if !now.Before(exp) {
			delete(m.keys, k)
		}
	}
	if _, ok := m.keys[key]; ok {
		return ErrReplayed
	}
	m.keys[key] = expiresAt
	return nil
}
