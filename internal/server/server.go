package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/userpoold/userpoold/internal/apiserver"
	"github.com/userpoold/userpoold/internal/authflow"
	"github.com/userpoold/userpoold/internal/awsjson"
	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/password"
	"github.com/userpoold/userpoold/internal/risk"
	"github.com/userpoold/userpoold/internal/seal"
	"github.com/userpoold/userpoold/internal/sigv4"
	"github.com/userpoold/userpoold/internal/storage"
	sqlstore "github.com/userpoold/userpoold/internal/storage/sql"
	"github.com/userpoold/userpoold/internal/token"
	"github.com/userpoold/userpoold/internal/userpool"
)

// Server is a wired userpoold: storage, domain services and the HTTP
// handler that serves them.
type Server struct {
	Handler http.Handler
	Store   storage.Store
	API     *apiserver.Server
	Outbox  *delivery.Outbox // nil when the outbox sink is off

	cfg      config.Config
	log      *slog.Logger
	baseURL  atomic.Pointer[string]
	verifier *sigv4.Verifier

	stopSweeper func() // stops the expired-session sweeper and waits for it
}

// Options are the parts of a server tests may replace.
type Options struct {
	Logger *slog.Logger
	// Now replaces the clock of every component.
	Now func() time.Time
	// Store, when set, is used instead of opening cfg.DB (the caller closes it).
	Store storage.Store
}

// New opens storage and wires every component from cfg.
func New(ctx context.Context, cfg config.Config, opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	master, err := loadMasterKey(cfg)
	if err != nil {
		return nil, err
	}
	box, err := seal.New(master, "storage", nil)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log}
	s.SetBaseURL("http://" + localHost(cfg.Addr))

	store := opts.Store
	if store == nil {
		dsn := cfg.DB
		if dsn == "" {
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				return nil, fmt.Errorf("creating data directory: %w", err)
			}
			dsn = "sqlite:" + filepath.Join(cfg.DataDir, "userpoold.db")
		}
		db, err := sqlstore.Open(ctx, dsn, box, sqlstore.Options{Logger: log})
		if err != nil {
			return nil, fmt.Errorf("opening storage: %w", err)
		}
		store = db
	}
	s.Store = store

	dcfg := delivery.Config{Outbox: cfg.Delivery.Outbox}
	if c := cfg.Delivery.SMTP; c != nil {
		dcfg.SMTP = &delivery.SMTPConfig{Host: c.Host, Port: c.Port, Username: c.Username, Password: c.Password, From: c.From, TLS: delivery.TLSMode(c.TLS)}
	}
	if w := cfg.Delivery.SMSWebhook; w != nil {
		dcfg.SMSWebhook = &delivery.WebhookConfig{URL: w.URL, Secret: w.Secret}
	}
	if w := cfg.Delivery.EmailWebhook; w != nil {
		dcfg.EmailWebhook = &delivery.WebhookConfig{URL: w.URL, Secret: w.Secret}
	}
	dispatcher, err := delivery.New(dcfg, store, delivery.WithClock(now), delivery.WithLogger(log))
	if err != nil {
		return nil, err
	}
	s.Outbox = dispatcher.Outbox()

	issuer := &token.Issuer{Keys: store, Revocations: store, RefreshSecret: master, Now: now}
	switch {
	case cfg.Issuer == "aws":
		issuer.IssuerURL = nil // Cognito's own issuer
	case cfg.Issuer == "local":
		issuer.IssuerURL = func(pool string) string { return *s.baseURL.Load() + "/" + pool }
	default:
		base := strings.TrimRight(cfg.Issuer, "/")
		issuer.IssuerURL = func(pool string) string { return base + "/" + pool }
	}

	hashing := password.DefaultParams
	if cfg.PasswordHashing == "fast" {
		hashing = password.FastParams
	}
	pools := &userpool.Service{Store: store, Sender: dispatcher, Keys: issuer, Hashing: hashing, Region: cfg.Region, Account: cfg.AccountID, Now: now, Log: log}
	// Sign-in derives its own keys (SECRET_BLOCK sealing, decoy salts) from
	// the master key under purposes of its own.
	auth, err := authflow.New(store, pools, issuer, master, now, nil, log)
	if err != nil {
		return nil, err
	}
	if auth.Compromised, err = loadCompromisedPasswords(cfg.CompromisedPasswordsFile); err != nil {
		return nil, err
	}
	s.API = &apiserver.Server{Pools: pools, Tokens: issuer, Auth: auth, MFA: &mfa.Service{Users: store, Now: now}}
	s.startSweeper(now)

	secrets := map[string]string{}
	for _, k := range cfg.AdminKeys {
		secrets[k.ID] = k.Secret
	}
	// Signature freshness is judged by the wall clock, never the injected one.
	s.verifier = &sigv4.Verifier{Service: cognitoidp.ServiceID, Region: cfg.Region, Secrets: secrets, AnyKey: len(secrets) == 0}
	s.Handler = s.routes(issuer)
	return s, nil
}

// SetBaseURL sets the URL the server is reached at (scheme://host:port),
// used for the "local" token issuer and discovery documents.
func (s *Server) SetBaseURL(u string) {
	u = strings.TrimRight(u, "/")
	s.baseURL.Store(&u)
}

// BaseURL returns the URL set by SetBaseURL.
func (s *Server) BaseURL() string { return *s.baseURL.Load() }

// Close stops background work and releases storage.
func (s *Server) Close() error {
	if s.stopSweeper != nil {
		s.stopSweeper()
	}
	return s.Store.Close()
}

// Sweeper timing: expired sign-in sessions (and refresh-token rotation
// markers) are deleted sessionRetention after they expired, so that a late
// answer still hears "session is expired" rather than "invalid session".
const (
	sweepInterval    = time.Minute
	sessionRetention = time.Hour
)

// startSweeper runs DeleteExpiredSessions every sweepInterval until Close.
// Every node may run it; the deletes are idempotent.
func (s *Server) startSweeper(now func() time.Time) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(sweepInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				n, err := s.Store.DeleteExpiredSessions(ctx, now().Add(-sessionRetention))
				if err != nil && ctx.Err() == nil {
					s.log.Warn("deleting expired sessions", "error", err.Error())
				} else if n > 0 {
					s.log.Debug("deleted expired sessions", "count", n)
				}
			}
		}
	}()
	s.stopSweeper = func() {
		cancel()
		<-done
	}
}

// localHost turns a listen address into a host:port clients can reach.
func localHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// loadMasterKey returns the master key: cfg.MasterKey, else the contents of
// cfg.MasterKeyFile, else <DataDir>/master.key, generated (mode 0600) when
// it does not exist.
func loadMasterKey(cfg config.Config) ([]byte, error) {
	if cfg.MasterKey != "" {
		return parseKey(cfg.MasterKey)
	}
	path := cfg.MasterKeyFile
	generate := false
	if path == "" {
		path = filepath.Join(cfg.DataDir, "master.key")
		generate = true
	}
	b, err := os.ReadFile(path)
	if err == nil {
		return parseKey(strings.TrimSpace(string(b)))
	}
	if !errors.Is(err, os.ErrNotExist) || !generate {
		return nil, fmt.Errorf("reading master key: %w", err)
	}
	key := make([]byte, seal.KeySize)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadMasterKey(cfg) // another process won the race
	}
	if err != nil {
		return nil, fmt.Errorf("writing master key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

func parseKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == seal.KeySize {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == seal.KeySize {
		return b, nil
	}
	return nil, fmt.Errorf("master key must be %d bytes, hex or base64 encoded", seal.KeySize)
}

// routes builds the HTTP handler.
func (s *Server) routes(issuer *token.Issuer) http.Handler {
	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "userpoold_requests_total", Help: "API requests by operation and error type (empty on success).",
	}, []string{"operation", "error"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "userpoold_request_duration_seconds", Help: "API request latency by operation.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"operation"})
	reg.MustRegister(requests, latency, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))

	endpoints := make(map[string]awsjson.Endpoint, len(cognitoidp.OperationsByName))
	for name, op := range cognitoidp.OperationsByName {
		endpoints[name] = apiserver.Endpoint(s.API, op)
	}
	api := &awsjson.Handler{
		TargetPrefix: cognitoidp.TargetPrefix,
		Lookup: func(op string) (awsjson.Endpoint, bool) {
			e, ok := endpoints[op]
			return e, ok
		},
		Authorize: func(r *http.Request, op string, body []byte) error {
			if o, ok := cognitoidp.Lookup(op); ok && o.Unsigned {
				return nil
			}
			if err := s.checkOpenAdmin(r); err != nil {
				return err
			}
			_, err := s.verifier.Verify(r, body)
			return err
		},
		// Web pages may call the operations SDKs call without SigV4, never
		// the admin (IAM-authorized) ones.
		Browser: func(op string) bool {
			o, ok := cognitoidp.Lookup(op)
			return ok && o.Unsigned
		},
		InternalError: apiserver.InternalError(),
		MaxBodyBytes:  s.cfg.MaxBodyBytes,
		Logger:        s.log,
		Observe: func(op, code string, d time.Duration) {
			if op == "" {
				op = "unknown"
			}
			requests.WithLabelValues(op, code).Inc()
			latency.WithLabelValues(op).Observe(d.Seconds())
		},
	}

	mux := http.NewServeMux()
	mux.Handle("/{$}", api)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := s.Store.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"status":"unavailable"}`)
			return
		}
		io.WriteString(w, `{"status":"ok"}`)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /{pool}/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		pool := r.PathValue("pool")
		if _, err := s.Store.GetPool(r.Context(), pool); err != nil {
			writeJSONError(w, http.StatusNotFound, "ResourceNotFoundException", "User pool "+pool+" does not exist.")
			return
		}
		jwks, err := issuer.JWKS(r.Context(), pool)
		if err != nil {
			s.log.Error("jwks", "pool", pool, "error", err.Error())
			writeJSONError(w, http.StatusInternalServerError, "InternalErrorException", "An internal error occurred.")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Write(jwks)
	})
	mux.HandleFunc("GET /{pool}/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		pool := r.PathValue("pool")
		if _, err := s.Store.GetPool(r.Context(), pool); err != nil {
			writeJSONError(w, http.StatusNotFound, "ResourceNotFoundException", "User pool "+pool+" does not exist.")
			return
		}
		iss := token.CognitoIssuer(pool)
		if issuer.IssuerURL != nil {
			iss = issuer.IssuerURL(pool)
		}
		doc := map[string]any{
			"issuer":                                iss,
			"jwks_uri":                              s.BaseURL() + "/" + pool + "/.well-known/jwks.json",
			"response_types_supported":              []string{"code", "token"},
			"scopes_supported":                      []string{"openid", "email", "phone", "profile"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		}
		// The OAuth2 endpoints (authorize, token, userInfo, logout) are not
		// served, so they are not advertised.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		json.NewEncoder(w).Encode(doc)
	})
	mux.HandleFunc("GET /_userpoold/outbox", s.serveOutbox)
	mux.HandleFunc("POST /_userpoold/rotate-keys", func(w http.ResponseWriter, r *http.Request) { s.serveRotateKeys(w, r, issuer) })
	return mux
}

// serveOutbox serves the outbox as JSON. It is authorized like an admin
// operation: a valid SigV4 signature when admin keys are configured. With
// no keys (the loopback-only development mode) unsigned reads are allowed
// too, so that curl and test suites can read codes directly.
func (s *Server) serveOutbox(w http.ResponseWriter, r *http.Request) {
	if s.Outbox == nil {
		writeJSONError(w, http.StatusNotFound, "ResourceNotFoundException", "The outbox is not enabled on this server.")
		return
	}
	if !s.authorizeAdmin(w, r, nil, true) {
		return
	}
	pool := r.URL.Query().Get("userPoolId")
	if pool == "" {
		writeJSONError(w, http.StatusBadRequest, "InvalidParameterException", "userPoolId is required.")
		return
	}
	msgs, err := s.Outbox.List(r.Context(), pool, s.outboxUsername(r.Context(), pool, r.URL.Query().Get("username")))
	if err != nil {
		s.log.Error("outbox", "error", err.Error())
		writeJSONError(w, http.StatusInternalServerError, "InternalErrorException", "An internal error occurred.")
		return
	}
	body, err := delivery.MarshalOutbox(msgs)
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "InternalErrorException", "An internal error occurred.")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// serveRotateKeys gives a pool new signing keys; the old ones stay published
// in the JWKS so that tokens they signed keep verifying. It is authorized
// exactly like an admin operation (a SigV4 signature, checked against the
// configured keys).
func (s *Server) serveRotateKeys(w http.ResponseWriter, r *http.Request, issuer *token.Issuer) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<10))
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "SerializationException", "The request body is too large.")
		return
	}
	if !s.authorizeAdmin(w, r, body, false) {
		return
	}
	pool := r.URL.Query().Get("userPoolId")
	if _, err := s.Store.GetPool(r.Context(), pool); err != nil {
		writeJSONError(w, http.StatusNotFound, "ResourceNotFoundException", "User pool "+pool+" does not exist.")
		return
	}
	if err := issuer.RotateKeys(r.Context(), pool); err != nil {
		s.log.Error("rotating keys", "pool", pool, "error", err.Error())
		writeJSONError(w, http.StatusInternalServerError, "InternalErrorException", "An internal error occurred.")
		return
	}
	s.log.Info("signing keys rotated", "pool", pool)
	jwks, err := issuer.JWKS(r.Context(), pool)
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "InternalErrorException", "An internal error occurred.")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(jwks)
}

// authorizeAdmin authorizes a request to one of userpoold's own admin
// endpoints like an admin operation, answering 403 when it fails. With
// readUnsigned, an unsigned request is also accepted while no admin keys are
// configured.
func (s *Server) authorizeAdmin(w http.ResponseWriter, r *http.Request, body []byte, readUnsigned bool) bool {
	if err := s.checkOpenAdmin(r); err != nil {
		writeJSONError(w, http.StatusForbidden, err.Code, err.Message)
		return false
	}
	if readUnsigned && s.verifier.AnyKey && r.Header.Get("Authorization") == "" {
		return true
	}
	if _, err := s.verifier.Verify(r, body); err != nil {
		var e *sigv4.Error
		if errors.As(err, &e) {
			writeJSONError(w, http.StatusForbidden, e.Code, e.Message)
		} else {
			writeJSONError(w, http.StatusForbidden, "AccessDeniedException", "Access denied.")
		}
		return false
	}
	return true
}

// checkOpenAdmin guards the development mode in which no admin keys are
// configured and any well-formed signature is accepted. That mode is only
// for local tools, so admin requests must then name a loopback host (which
// defeats DNS rebinding) and must not come from a web page (a browser sends
// Origin; any site could otherwise drive admin operations on a developer's
// machine). With admin keys configured it allows everything: signatures
// decide.
func (s *Server) checkOpenAdmin(r *http.Request) *sigv4.Error {
	if !s.verifier.AnyKey || s.cfg.InsecureOpenAdmin {
		return nil
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if !config.IsLoopback(host) {
		return &sigv4.Error{Code: "UnrecognizedClientException", Message: "Admin requests must name a loopback host while no admin keys are configured."}
	}
	if r.Header.Get("Origin") != "" {
		return &sigv4.Error{Code: "UnrecognizedClientException", Message: "Admin requests from web pages are refused while no admin keys are configured."}
	}
	return nil
}

// outboxUsername resolves the name an outbox reader gives — a username in
// any case the pool accepts, an email or phone number the user signs in
// with, or the sub — to the internal username messages are recorded under.
// A name that matches no user is used as given (messages to deleted users).
func (s *Server) outboxUsername(ctx context.Context, poolID, name string) string {
	if name == "" {
		return ""
	}
	p, err := s.API.Pools.LoadPool(ctx, poolID)
	if err != nil {
		return name
	}
	u, err := s.API.Pools.FindUser(ctx, p, name)
	if err != nil {
		return name
	}
	return u.Username
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// loadCompromisedPasswords reads the compromised-password list of threat
// protection from path (one password per line), or returns the built-in
// list when path is empty.
func loadCompromisedPasswords(path string) (*risk.PasswordList, error) {
	if path == "" {
		return risk.NewPasswordList(risk.DefaultCompromisedPasswords), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("compromised passwords: %w", err)
	}
	defer f.Close()
	l, err := risk.ReadPasswordList(f)
	if err != nil {
		return nil, fmt.Errorf("compromised passwords %s: %w", path, err)
	}
	return l, nil
}
