// Command userpoold serves the Amazon Cognito user pools API.
//
// Usage:
//
//	userpoold [flags]                 serve (see -h for flags and their USERPOOLD_* variables)
//	userpoold outbox [flags]          print the latest code sent to a user (development outbox)
//	userpoold rotate-keys [flags]     give a pool new token signing keys (old ones stay published)
//	userpoold clock [flags]           read or move the clock of a server started with --test-clock
//	userpoold backup [flags] FILE     copy the SQLite store consistently, while a server runs
//	userpoold restore [flags] FILE    replace the (stopped) SQLite store with a backup
//	userpoold export [flags]          write every user as JSON lines, without secrets
//	userpoold apply [flags] FILE      apply a bootstrap file (pools, clients, groups, users, domains, ...) to a running server
//	userpoold ca [flags]              print the local CA certificate of the TLS listener (PEM), to trust it
//	userpoold version                 print the version, commit and Go version (also --version)
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/userpoold/userpoold/internal/bootstrap"
	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/localca"
	"github.com/userpoold/userpoold/internal/oauth"
	"github.com/userpoold/userpoold/internal/server"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "outbox":
			return runOutbox(args[1:], getenv, stdout, stderr)
		case "rotate-keys":
			return runRotateKeys(args[1:], getenv, stdout, stderr)
		case "clock":
			return runClock(args[1:], getenv, stdout, stderr)
		case "backup":
			return runBackup(args[1:], getenv, stdout, stderr)
		case "restore":
			return runRestore(args[1:], getenv, stdout, stderr)
		case "export":
			return runExport(args[1:], getenv, stdout, stderr)
		case "apply":
			return runApply(args[1:], getenv, stdout, stderr)
		case "ca":
			return runCA(args[1:], getenv, stdout, stderr)
		case "import-cognito-local":
			return runImportCognitoLocal(args[1:], getenv, stdout, stderr)
		case "version", "--version", "-version":
			return runVersion(args[1:], stdout, stderr)
		}
	}
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	cfg, err := config.Load(args, getenv, nil, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "userpoold:", err)
		return 2
	}
	log := newLogger(cfg, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, log, nil); err != nil {
		// A bootstrap file with problems, or a master key that does not
		// open the store, is the configuration's fault: said plainly, with
		// the configuration's exit status.
		var be *bootstrap.Error
		if errors.As(err, &be) || errors.Is(err, server.ErrWrongMasterKey) {
			fmt.Fprintln(stderr, "userpoold:", err)
			return 2
		}
		log.Error("userpoold stopped", "error", err.Error())
		return 1
	}
	return 0
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// serve listens on cfg.Addr (and cfg.TLSAddr), builds the server and runs
// it until ctx is done, then stops accepting, lets in-flight requests
// finish (up to cfg.ShutdownTimeout) and closes storage. ready, when not
// nil, receives the listening address (then the TLS one, when on).
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, ready chan<- string) error {
	// Listen first: the server is built knowing the address it is reached
	// at (the "local" token issuer and the discovery documents name it).
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	var tlsLn net.Listener
	var ca *localca.CA
	if cfg.TLSAddr != "" {
		if ca, err = localca.LoadOrCreate(cfg.DataDir, localca.Options{}); err != nil {
			ln.Close()
			return fmt.Errorf("local CA: %w", err)
		}
		if tlsLn, err = net.Listen("tcp", cfg.TLSAddr); err != nil {
			ln.Close()
			return err
		}
	}
	closeAll := func() {
		ln.Close()
		if tlsLn != nil {
			tlsLn.Close()
		}
	}
	setMemoryLimit(cfg, log)
	setGCPercent(os.Getenv)
	opts := server.Options{Logger: log}
	switch {
	case cfg.PublicURL != "":
		if opts.BaseURL, err = oauth.ParseBaseURL(cfg.PublicURL); err != nil {
			closeAll()
			return err
		}
	case tlsLn != nil:
		opts.BaseURL = "https://" + reachable(tlsLn.Addr().String())
	default:
		opts.BaseURL = "http://" + reachable(addr)
	}
	if ca != nil {
		// Identity providers on the TLS listener (the built-in test IdP,
		// other pools' domains) are trusted by their local CA.
		opts.FederationRoots = append(opts.FederationRoots, ca.Certificate())
	}
	srv, err := server.New(ctx, cfg, opts)
	if err != nil {
		closeAll()
		return err
	}
	defer srv.Close()

	newHTTPServer := func() *http.Server {
		return &http.Server{
			Handler:           srv.Handler,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}
	}
	hs := newHTTPServer()
	servers := []*http.Server{hs}
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	if tlsLn != nil {
		ths := newHTTPServer()
		ths.TLSConfig = ca.TLSConfig(cfg.Region, srv.CustomDomain)
		servers = append(servers, ths)
		go func() { errc <- ths.Serve(tls.NewListener(tlsLn, ths.TLSConfig)) }()
	}
	storageKind := "sqlite"
	if cfg.DB != "" && cfg.DB[:min(len(cfg.DB), 8)] == "postgres" {
		storageKind = "postgres"
	}
	log.Info("userpoold listening", "addr", addr, "region", cfg.Region, "storage", storageKind, "issuer", cfg.Issuer, "base_url", srv.BaseURL)
	if tlsLn != nil {
		log.Info("userpoold listening with TLS", "tls_addr", tlsLn.Addr().String(), "ca", filepath.Join(cfg.DataDir, "ca.pem"))
	}
	if host, _, _ := net.SplitHostPort(cfg.Addr); cfg.PasswordHashing == "fast" && !config.IsLoopback(host) {
		log.Warn("password-hashing is fast (for test suites): password hashes are cheap to crack; do not use it for real users")
	}
	if ready != nil {
		ready <- addr
		if tlsLn != nil {
			ready <- tlsLn.Addr().String()
		}
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	for _, hs := range servers {
		if err := hs.Shutdown(sctx); err != nil {
			log.Warn("shutdown did not finish in time", "error", err.Error())
		}
	}
	return nil
}

// reachable turns a listening address into one clients can dial.
func reachable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// runCA implements "userpoold ca": it prints the PEM certificate of the
// local CA that signs the TLS listener's certificates, generating the CA
// in the data directory first if there is none, so that a developer can
// trust it (NODE_EXTRA_CA_CERTS, a browser or the system store). It takes
// the server's flags and variables (only the data directory matters).
func runCA(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := config.Load(args, getenv, nil, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "userpoold ca:", err)
		return 2
	}
	if err := localca.WriteCA(stdout, cfg.DataDir); err != nil {
		fmt.Fprintln(stderr, "userpoold ca:", err)
		return 1
	}
	return 0
}
