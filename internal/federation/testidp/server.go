package testidp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// PathPrefix is where userpoold mounts the providers.
const PathPrefix = "/_idp/"

// User is a preset user of the providers.
type User struct {
	// Subject is the OIDC sub and the SAML NameID.
	Subject string
	// Claims are the user's claims (email, name, custom ones...), sent in
	// ID tokens, userInfo and as SAML attributes. A []string claim is
	// multi-valued.
	Claims map[string]any
}

// Client restricts which OAuth clients the providers accept.
type Client struct {
	Secret string
	// RedirectURIs, when set, are the only redirect URIs accepted.
	RedirectURIs []string
}

// Options configure the providers.
type Options struct {
	// BaseURL is the server's public base URL (http://127.0.0.1:9229): a
	// provider named n has issuer BaseURL + "/_idp/" + n.
	BaseURL string
	// Key signs ID tokens and SAML assertions; one is generated when nil.
	// Keep it across restarts (the wiring derives or stores it) so that
	// pools configured with the SAML metadata keep trusting it.
	Key *rsa.PrivateKey
	// Users are the preset users the sign-in page offers.
	Users []User
	// Clients, when non-nil, are the only OAuth clients accepted, by
	// client_id; nil accepts any client and secret.
	Clients map[string]Client
	// AutoApprove, when set, signs every request in as this subject
	// without showing the page (CI). A request's auto=<subject> query
	// parameter does the same for one request.
	AutoApprove string
	Now         func() time.Time
	Rand        io.Reader
}

// Server serves every built-in provider under PathPrefix.
type Server struct {
	opts Options
	key  *rsa.PrivateKey
	kid  string
	cert *x509.Certificate

	mu     sync.Mutex
	codes  map[string]grant
	tokens map[string]grant
}

// grant is what a code or an access token stands for.
type grant struct {
	provider    string
	clientID    string
	redirectURI string
	challenge   string
	nonce       string
	user        User
	authTime    time.Time
	expires     time.Time
}

// New returns the providers' server.
func New(opts Options) (*Server, error) {
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	if opts.BaseURL == "" {
		return nil, errors.New("testidp: BaseURL is required")
	}
	s := &Server{opts: opts, key: opts.Key, codes: map[string]grant{}, tokens: map[string]grant{}}
	if s.key == nil {
		k, err := rsa.GenerateKey(s.rand(), 2048)
		if err != nil {
			return nil, err
		}
		s.key = k
	}
	der, err := x509.MarshalPKIXPublicKey(&s.key.PublicKey)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(der)
	s.kid = hex.EncodeToString(sum[:8])
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(sum[:16]),
		Subject:      pkix.Name{CommonName: "userpoold test IdP"},
		NotBefore:    s.now().Add(-24 * time.Hour),
		NotAfter:     s.now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	certDER, err := x509.CreateCertificate(s.rand(), tmpl, tmpl, &s.key.PublicKey, s.key)
	if err != nil {
		return nil, err
	}
	if s.cert, err = x509.ParseCertificate(certDER); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

func (s *Server) rand() io.Reader {
	if s.opts.Rand != nil {
		return s.opts.Rand
	}
	return rand.Reader
}

func (s *Server) random(n int) string {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand(), b); err != nil {
		panic("testidp: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Issuer is the OIDC issuer of the provider called name.
func (s *Server) Issuer(name string) string { return s.opts.BaseURL + PathPrefix + name }

// SAMLEntityID is the SAML entity ID of the provider called name.
func (s *Server) SAMLEntityID(name string) string { return s.Issuer(name) + "/saml" }

// Certificate is the certificate of the providers' signing key.
func (s *Server) Certificate() *x509.Certificate { return s.cert }

// namePattern is what a provider name may be.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ServeHTTP routes /_idp/<name>/<path>.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, PathPrefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	name, path, _ := strings.Cut(rest, "/")
	if !namePattern.MatchString(name) {
		http.NotFound(w, r)
		return
	}
	path = "/" + path
	w.Header().Set("Cache-Control", "no-store")
	switch path {
	case "/.well-known/openid-configuration":
		s.discovery(w, name)
	case "/jwks":
		s.jwks(w)
	case "/authorize":
		s.authorize(w, r, name)
	case "/token":
		s.token(w, r, name)
	case "/userinfo", "/me", "/user/profile":
		s.userinfo(w, r, name, path)
	case "/saml/metadata":
		s.samlMetadata(w, name)
	case "/saml/sso":
		s.samlSSO(w, r, name)
	case "/saml/init":
		s.samlInit(w, r, name)
	default:
		http.NotFound(w, r)
	}
}

// user returns the preset user with subject sub, or a user with that
// subject and no claims.
func (s *Server) user(sub string) User {
	for _, u := range s.opts.Users {
		if u.Subject == sub {
			return u
		}
	}
	return User{Subject: sub, Claims: map[string]any{}}
}
