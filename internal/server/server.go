package server

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/userpoold/userpoold/internal/apiserver"
	"github.com/userpoold/userpoold/internal/authflow"
	"github.com/userpoold/userpoold/internal/bootstrap"
	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/federation"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/password"
	"github.com/userpoold/userpoold/internal/quota"
	"github.com/userpoold/userpoold/internal/risk"
	"github.com/userpoold/userpoold/internal/seal"
	"github.com/userpoold/userpoold/internal/sigv4"
	"github.com/userpoold/userpoold/internal/storage"
	storecache "github.com/userpoold/userpoold/internal/storage/cache"
	sqlstore "github.com/userpoold/userpoold/internal/storage/sql"
	"github.com/userpoold/userpoold/internal/token"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/userimport"
	"github.com/userpoold/userpoold/internal/userpool"
)

// Server is a wired userpoold: storage, the domain services, each built
// once, and the HTTP handler that serves them.
type Server struct {
	Handler http.Handler
	Store   storage.Store

	Pools  *userpool.Service
	Auth   *authflow.Service
	MFA    *mfa.Service
	Tokens *token.Issuer
	API    *apiserver.Server
	Outbox *delivery.Outbox // nil when the outbox sink is off
	// Imports runs CSV user import jobs (imports.go); Close stops its runs.
	Imports *userimport.Service
	// Triggers runs the pools' Lambda triggers (triggers.go); userpool
	// and authflow call it.
	Triggers *trigger.Service

	// BaseURL is the URL the server is reached at (scheme://host:port): the
	// "local" token issuer, the discovery documents and the domains'
	// path-form URLs name it.
	BaseURL string
	// Seed applies bootstrap files (--seed, POST /_userpoold/apply) through
	// Pools and MFA.
	Seed *bootstrap.Applier
	// Clock is the settable clock every component reads when the server
	// runs with cfg.TestClock (POST /_userpoold/clock moves it); nil
	// otherwise.
	Clock *fakeclock.Clock

	// domains is the cached domain store (domains.go); domainRouter serves
	// the user pool domains, in host and path form (routes.go).
	domains      *domainCache
	domainRouter http.Handler
	// uploads serves the pre-signed URLs of import jobs (imports.go).
	uploads http.Handler
	// limiter meters API calls with --enforce-quotas (quotas.go); nil
	// when off.
	limiter *quota.Limiter
	// testIdP is the built-in test identity provider (testidp.go), nil
	// unless cfg.Federation.TestIdP.
	testIdP http.Handler

	// registry holds the metrics /metrics serves.
	registry *prometheus.Registry

	cfg         config.Config
	log         *slog.Logger
	verifier    *sigv4.Verifier
	stopSweeper func() // stops the expired-session sweeper and waits for it
}

// Options are the parts of a server its caller decides beyond cfg.
type Options struct {
	Logger *slog.Logger
	// BaseURL is the public base URL of the server (config PublicURL, or
	// the address cmd listens on: https://<TLSAddr> with the TLS listener,
	// else http://<Addr>). "" means http://<cfg.Addr>, an unspecified host
	// read as localhost.
	BaseURL string
	// Now replaces the clock of every component (tests). It is ignored
	// when cfg.TestClock is set: the components then read Clock.
	Now func() time.Time
	// Clock is the settable clock of cfg.TestClock; nil means a new one
	// reading the real time until it is moved.
	Clock *fakeclock.Clock
	// Store, when set, is used instead of opening cfg.DB (the caller closes it).
	Store storage.Store
	// FederationRoots are certificates the server trusts, beside the
	// system's, when it calls identity providers (discovery, metadata,
	// code exchange, JWKS, userInfo): cmd passes the local CA of the TLS
	// listener, so that the built-in test IdP and other pools' domains
	// are reachable over https.
	FederationRoots []*x509.Certificate
	// CacheNow is the clock that ages the per-node cache of pools, clients
	// and token revocations (package storage/cache); nil means time.Now.
	// Tests of the cross-node bound move it.
	CacheNow func() time.Time
}

// New opens storage and builds every component from cfg, once: this is the
// one place where userpoold is wired together.
func New(ctx context.Context, cfg config.Config, opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	var clock *fakeclock.Clock
	if cfg.TestClock {
		clock = opts.Clock
		if clock == nil {
			clock = new(fakeclock.Clock)
		}
		now = clock.Now
		log.Warn("test clock on: admin requests may set this server's time (POST /_userpoold/clock); never use it for real users")
	}
	master, err := loadMasterKey(cfg)
	if err != nil {
		return nil, err
	}
	store, opened, err := openStore(ctx, cfg, opts.Store, master, log)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Server, error) {
		if opened {
			store.Close()
		}
		return nil, err
	}
	if err := CheckMasterKey(ctx, store); err != nil {
		return fail(err)
	}
	// Pools, clients and token revocations are read by almost every
	// request: every component reads them through one per-node cache,
	// which sees this node's writes at once and other nodes' within
	// storecache.DefaultTTL (package storage/cache states the bound).
	store = storecache.New(store, 0, opts.CacheNow)
	s, err := build(ctx, cfg, opts, store, master, now, log)
	if err != nil {
		return fail(err)
	}
	s.Clock = clock
	if err := s.applySeed(ctx); err != nil {
		return fail(err)
	}
	s.stopSweeper = startSweeper(store, now, log)
	s.Imports.Resume() // the import jobs a stopped server left
	return s, nil
}

// build wires the services over store.
func build(ctx context.Context, cfg config.Config, opts Options, store storage.Store, master []byte, now func() time.Time, log *slog.Logger) (*Server, error) {
	// One registry for every metric the server serves at /metrics.
	registry := prometheus.NewRegistry()
	triggers, err := buildTriggers(ctx, cfg, registry, log)
	if err != nil {
		return nil, err
	}
	dispatcher, err := delivery.New(deliveryConfig(cfg), store, delivery.WithClock(now), delivery.WithLogger(log))
	if err != nil {
		return nil, err
	}
	compromised, err := loadCompromisedPasswords(cfg.CompromisedPasswordsFile)
	if err != nil {
		return nil, err
	}
	base := strings.TrimRight(opts.BaseURL, "/")
	if base == "" {
		base = "http://" + localHost(cfg.Addr)
	}
	hashing, ok := password.Presets[cfg.PasswordHashing]
	if !ok {
		hashing = password.DefaultParams
	}

	tokens := &token.Issuer{
		Keys: store, Revocations: store,
		RefreshSecret: master,
		IssuerURL:     issuerURL(cfg.Issuer, base),
		Now:           now,
	}
	fedCfg := federationConfig(cfg, base)
	if err := fedCfg.Validate(); err != nil {
		return nil, err
	}
	fedHTTP := federationClient(opts.FederationRoots)
	domains := newDomainCache(store, now)
	pools := &userpool.Service{
		Pools: store, Clients: store, Users: store, Groups: store, Devices: store, Events: store,
		Domains: domains, ResourceServers: store, OAuth: oauthRules{},
		Federation: store, Configurer: &federation.Configurer{Config: fedCfg, HTTP: fedHTTP, Now: now},
		Keys:    tokens,
		Sender:  dispatcher,
		Hashing: hashing,
		Region:  cfg.Region, Account: cfg.AccountID,
		Now: now, Log: log,

		// Extra passkey origins (native apps, plain-http test hosts).
		PasskeyOrigins: cfg.PasskeyOrigins,

		// Where pools export their logs (SetLogDeliveryConfiguration);
		// ActivityLog, which reads it through pools, is set below.
		LogDelivery: store,
		// Active import jobs block changes of their pool.
		ImportJobs: store,

		// UI customization, managed login branding and terms; the pages'
		// rules on CSS and images (oauthsite.go).
		Branding: store, Pages: pageRules{},

		// The pools' Lambda triggers (triggers.go).
		Triggers: triggers,

		// The counters of names that match no user (lockout, codes), kept
		// in the session store so that every node counts them alike.
		Unknown: store, UnknownKey: unknownNamesKey(master),
	}
	pools.ActivityLog = newActivityLog(cfg, pools, now, log) // logdelivery.go
	mfaService := &mfa.Service{Users: store, Now: now}
	auth := &authflow.Service{
		Users: store, Sessions: store, Events: store, Revocations: store,
		Pools:  pools,
		MFA:    mfaService,
		Tokens: tokens,
		Scopes: scopeRules{},
		// The same trigger.Service runs sign-in's triggers (authflow/triggers.go).
		Triggers: triggers,
		// Sign-in derives its own keys (SECRET_BLOCK sealing, decoy salts)
		// from the master key under purposes of its own.
		Secret:      master,
		Compromised: compromised,
		Now:         now, Log: log,
	}
	if cfg.TestClock {
		// Clients stamp the SRP TIMESTAMP with their own (real) clocks, as
		// they sign requests; a moved server clock must not refuse them.
		auth.ClientNow = time.Now
	}
	router, err := buildDomainRouter(cfg, store, master, pools, auth, domains, now, log)
	if err != nil {
		return nil, err
	}
	limiter, err := newLimiter(ctx, cfg.EnforceQuotas, store, now, log)
	if err != nil {
		return nil, err
	}
	imports, uploads := buildImports(cfg, store, pools, master, base, now, log)
	s := &Server{
		Store:  store,
		Pools:  pools,
		Auth:   auth,
		MFA:    mfaService,
		Tokens: tokens,
		API: &apiserver.Server{Pools: pools, Auth: auth, MFA: mfaService, Imports: imports,
			Limits:    provisionedLimits{store: store, limiter: limiter},
			UILogoURL: uiLogoURL(base)},
		limiter:      limiter,
		Imports:      imports,
		uploads:      uploads,
		Outbox:       dispatcher.Outbox(),
		Seed:         newApplier(store, pools, mfaService),
		BaseURL:      base,
		domains:      domains,
		domainRouter: router,
		Triggers:     triggers,
		registry:     registry,
		cfg:          cfg,
		log:          log,
		// Signature freshness is judged by the wall clock, never the
		// injected one.
		verifier: adminVerifier(cfg),
	}
	if idp, err := newTestIdP(cfg, base, now); err != nil {
		return nil, fmt.Errorf("test IdP: %w", err)
	} else if idp != nil {
		s.testIdP = idp
	}
	s.Handler = s.routes()
	return s, nil
}

// Close stops background work and releases storage.
func (s *Server) Close() error {
	if s.stopSweeper != nil {
		s.stopSweeper()
	}
	if s.Imports != nil {
		s.Imports.Close() // pauses running jobs at a row and releases them
	}
	return s.Store.Close()
}

// openStore returns the store to use: given, or opened from cfg.DB (SQLite
// in the data directory when empty), sealing secrets with a key derived
// from master. opened reports whether it opened one.
func openStore(ctx context.Context, cfg config.Config, given storage.Store, master []byte, log *slog.Logger) (store storage.Store, opened bool, err error) {
	if given != nil {
		return given, false, nil
	}
	box, err := seal.New(master, "storage", nil)
	if err != nil {
		return nil, false, err
	}
	dsn := StoreDSN(cfg)
	if cfg.DB == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, false, fmt.Errorf("creating data directory: %w", err)
		}
	}
	db, err := sqlstore.Open(ctx, dsn, box, sqlstore.Options{Logger: log})
	if err != nil {
		return nil, false, fmt.Errorf("opening storage: %w", err)
	}
	return db, true, nil
}

// StoreDSN returns the DSN of cfg's store: cfg.DB, or the SQLite file
// userpoold.db in the data directory.
func StoreDSN(cfg config.Config) string {
	if cfg.DB != "" {
		return cfg.DB
	}
	return "sqlite:" + filepath.Join(cfg.DataDir, "userpoold.db")
}

// OpenStore opens the existing store cfg names with cfg's master key
// (never generating one), for the subcommands that work on a store without
// serving it (export); the caller closes it. It fails with
// ErrWrongMasterKey when the key does not open the store's secrets.
func OpenStore(ctx context.Context, cfg config.Config, log *slog.Logger) (storage.Store, error) {
	master, err := ReadMasterKey(cfg)
	if err != nil {
		return nil, err
	}
	if path, ok := sqlstore.SQLitePath(StoreDSN(cfg)); ok {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("no database: %w", err)
		}
	}
	store, _, err := openStore(ctx, cfg, nil, master, log)
	if err != nil {
		return nil, err
	}
	if err := CheckMasterKey(ctx, store); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

// CheckSQLiteFile opens the SQLite database file at path with cfg's master
// key (never generating one) and checks that the key opens its secrets
// (CheckMasterKey); a restore runs it on the copy it is about to put in
// place. Opening applies the file's pending migrations.
func CheckSQLiteFile(ctx context.Context, cfg config.Config, path string) error {
	master, err := ReadMasterKey(cfg)
	if err != nil {
		return err
	}
	box, err := seal.New(master, "storage", nil)
	if err != nil {
		return err
	}
	db, err := sqlstore.Open(ctx, "sqlite:"+path, box, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	return CheckMasterKey(ctx, db)
}

// ErrWrongMasterKey is CheckMasterKey's answer for a master key that does
// not open the store's secrets.
var ErrWrongMasterKey = errors.New("the master key does not open this database's secrets: every node, and every restore of a backup, must use the master key the database was written with (--master-key-file or --master-key)")

// CheckMasterKey reports whether the store's secrets open with the key its
// Sealer holds, by opening the signing keys of the first pool (a store
// without pools has nothing to check). A node started with another key
// than the one the database was written with would otherwise fail every
// sign-in; nodes of one PostgreSQL and restored backups meet this first.
func CheckMasterKey(ctx context.Context, store storage.Store) error {
	pools, _, err := store.ListPools(ctx, storage.Page{Limit: 1})
	if err != nil || len(pools) == 0 {
		return err
	}
	if _, err := store.ListSigningKeys(ctx, pools[0].ID); errors.Is(err, seal.ErrOpen) {
		return ErrWrongMasterKey
	} else if err != nil {
		return fmt.Errorf("checking the master key: %w", err)
	}
	return nil
}

// deliveryConfig is the delivery part of cfg.
func deliveryConfig(cfg config.Config) delivery.Config {
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
	return dcfg
}

// issuerURL returns the token.Issuer.IssuerURL of the --issuer setting:
// nil for "aws" (Cognito's own issuer), base for "local", else the URL
// given.
func issuerURL(setting, base string) func(pool string) string {
	switch setting {
	case "aws":
		return nil
	case "local":
	default:
		base = strings.TrimRight(setting, "/")
	}
	return func(pool string) string { return base + "/" + pool }
}

// adminVerifier checks the SigV4 signatures of admin requests against the
// configured keys, accepting any well-formed signature when there are
// none.
func adminVerifier(cfg config.Config) *sigv4.Verifier {
	secrets := map[string]string{}
	for _, k := range cfg.AdminKeys {
		secrets[k.ID] = k.Secret
	}
	return &sigv4.Verifier{Service: cognitoidp.ServiceID, Region: cfg.Region, Secrets: secrets, AnyKey: len(secrets) == 0}
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

// unknownNamesKey derives from the master key the HMAC key that spreads
// unknown names over their buckets (userpool.Service.UnknownKey).
func unknownNamesKey(master []byte) []byte {
	k, err := hkdf.Key(sha256.New, master, nil, "userpoold/userpool/unknown-names", 32)
	if err != nil {
		panic(err) // only for an impossible length
	}
	return k
}
