package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/seal"
)

// Hosted UI cookies (spec §5.1, §5.3).
const (
	// SessionCookie is the single sign-on session: one hour, every app
	// client of the pool, not configurable.
	SessionCookie = "cognito"
	// XSRFCookie carries the CSRF token that every form must echo in
	// CSRFField (the classic form contract scripted logins rely on).
	XSRFCookie = "XSRF-TOKEN"
	CSRFField  = "_csrf"
	// SessionTTL is the session cookie's lifetime.
	SessionTTL = time.Hour
)

// federationStateCookies are set to "" (cleared) with the XSRF-TOKEN, as
// Cognito does; they hold federation state.
var federationStateCookies = []string{"csrf-state", "csrf-state-legacy"}

// CookieScope says where the hosted UI cookies of one domain live: Path is
// "/" for host-form domains and the path-form prefix (/_domain/<name>) for
// path-form ones, so that domains sharing a host keep separate cookies;
// Secure is set when the request came over TLS (SameSite=None would need
// it; Lax does not).
type CookieScope struct {
	Path   string
	Secure bool
}

// ScopeFor returns the cookie scope of a request to a domain whose base
// path is basePath ("" for host form, "/_domain/<name>" for path form).
// The cookies are Secure when the request came over TLS, or, when
// trustForwarded is set (the server's public URL is https, so a
// TLS-terminating proxy stands in front of it), when the proxy says so
// with X-Forwarded-Proto: https (its first value). Without trustForwarded
// the header is ignored: anyone can send it.
func ScopeFor(r *http.Request, basePath string, trustForwarded bool) CookieScope {
	if basePath == "" {
		basePath = "/"
	}
	return CookieScope{Path: basePath, Secure: r.TLS != nil || (trustForwarded && forwardedHTTPS(r))}
}

// forwardedHTTPS reports whether the first X-Forwarded-Proto value is https.
func forwardedHTTPS(r *http.Request) bool {
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// Cookies seals and checks the hosted UI's cookies. The session cookie is
// sealed (AES-256-GCM, key derived from the master key) and bound to its
// pool; the XSRF token is a UUID-shaped value whose second half is an HMAC
// of its first, so the server can tell its own tokens from any other. A
// Cookies is safe for concurrent use.
type Cookies struct {
	box  *seal.Box
	xsrf []byte
	Now  func() time.Time
	Rand io.Reader
}

// NewCookies derives the cookie keys from the 32-byte master key. Every
// node of a deployment must share it.
func NewCookies(master []byte, now func() time.Time, rnd io.Reader) (*Cookies, error) {
	box, err := seal.New(master, "oauth/session-cookie", rnd)
	if err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	mac := hmac.New(sha256.New, master)
	mac.Write([]byte("userpoold/oauth/xsrf"))
	return &Cookies{box: box, xsrf: mac.Sum(nil), Now: now, Rand: rnd}, nil
}

func (c *Cookies) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Cookies) rand() io.Reader {
	if c.Rand != nil {
		return c.Rand
	}
	return rand.Reader
}

func (s CookieScope) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: s.Path, MaxAge: maxAge, Secure: s.Secure, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}

// sessionWire is the sealed content of the session cookie.
type sessionWire struct {
	Pool     string `json:"p"`
	Username string `json:"u"`
	Sub      string `json:"s"`
	AuthTime int64  `json:"a"`
	Expires  int64  `json:"e"`
}

func sessionAD(poolID string) []byte { return []byte("cognito-session|" + poolID) }

// SetSession starts the single sign-on session of sub: the session cookie
// (HttpOnly, SameSite=Lax, Secure over TLS), valid SessionTTL from now.
func (c *Cookies) SetSession(w http.ResponseWriter, scope CookieScope, sub Subject) error {
	exp := c.now().Add(SessionTTL)
	plain, err := json.Marshal(sessionWire{Pool: sub.PoolID, Username: sub.Username, Sub: sub.Sub, AuthTime: sub.AuthTime.Unix(), Expires: exp.Unix()})
	if err != nil {
		return err
	}
	sealed, err := c.box.Seal(plain, sessionAD(sub.PoolID))
	if err != nil {
		return err
	}
	http.SetCookie(w, scope.cookie(SessionCookie, base64.RawURLEncoding.EncodeToString(sealed), int(SessionTTL/time.Second)))
	return nil
}

// Session returns the session of pool poolID the request carries, if its
// cookie opens under this pool and has not expired. Whether the user may
// still sign in is SessionChecker's to say.
func (c *Cookies) Session(r *http.Request, poolID string) (Subject, bool) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil || len(ck.Value) > 4096 {
		return Subject{}, false
	}
	sealed, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return Subject{}, false
	}
	plain, err := c.box.Open(sealed, sessionAD(poolID))
	if err != nil {
		return Subject{}, false
	}
	var s sessionWire
	if json.Unmarshal(plain, &s) != nil || s.Pool != poolID || !c.now().Before(time.Unix(s.Expires, 0)) {
		return Subject{}, false
	}
	return Subject{PoolID: s.Pool, Username: s.Username, Sub: s.Sub, AuthTime: time.Unix(s.AuthTime, 0).UTC()}, true
}

// ClearSession ends the session cookie (logout).
func (c *Cookies) ClearSession(w http.ResponseWriter, scope CookieScope) {
	http.SetCookie(w, scope.cookie(SessionCookie, "", -1))
}

// SessionChecker says whether a session's user may still be signed in
// without a password: the user exists, is enabled and confirmed, and has
// not signed out globally since AuthTime. The server implements it with
// authflow.CheckSignedIn.
type SessionChecker interface {
	CheckSession(ctx context.Context, s Subject) (bool, error)
}

// NewXSRF returns a new CSRF token and sets it as the XSRF-TOKEN cookie,
// clearing csrf-state and csrf-state-legacy as Cognito does.
func (c *Cookies) NewXSRF(w http.ResponseWriter, scope CookieScope) (string, error) {
	var raw [16]byte
	if _, err := io.ReadFull(c.rand(), raw[:8]); err != nil {
		return "", err
	}
	copy(raw[8:], c.xsrfMAC(raw[:8]))
	tok := formatUUID(raw)
	http.SetCookie(w, scope.cookie(XSRFCookie, tok, 0))
	for _, name := range federationStateCookies {
		http.SetCookie(w, scope.cookie(name, "", -1))
	}
	return tok, nil
}

func (c *Cookies) xsrfMAC(random []byte) []byte {
	m := hmac.New(sha256.New, c.xsrf)
	m.Write(random)
	return m.Sum(nil)[:8]
}

// XSRF returns the request's CSRF token when it carries a valid one, so
// that a page re-rendered for the same browser keeps its token.
func (c *Cookies) XSRF(r *http.Request) (string, bool) {
	ck, err := r.Cookie(XSRFCookie)
	if err != nil || !c.validXSRF(ck.Value) {
		return "", false
	}
	return ck.Value, true
}

func (c *Cookies) validXSRF(tok string) bool {
	raw, ok := parseUUID(tok)
	if !ok {
		return false
	}
	return hmac.Equal(raw[8:], c.xsrfMAC(raw[:8]))
}

// CheckCSRF reports whether a form post is genuine: the request carries a
// valid XSRF-TOKEN cookie and the form's _csrf field equals it (compared
// in constant time).
func (c *Cookies) CheckCSRF(r *http.Request, field string) bool {
	tok, ok := c.XSRF(r)
	return ok && subtle.ConstantTimeCompare([]byte(tok), []byte(field)) == 1
}

// ErrBadCSRF is a form post whose _csrf does not match its XSRF-TOKEN.
var ErrBadCSRF = errors.New("oauth: CSRF token mismatch")

func formatUUID(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func parseUUID(s string) ([16]byte, bool) {
	var out [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return out, false
	}
	h := strings.ReplaceAll(s, "-", "")
	if strings.ToLower(h) != h {
		return out, false
	}
	n, err := hex.Decode(out[:], []byte(h))
	return out, err == nil && n == 16
}
