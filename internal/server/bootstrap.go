package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/userpoold/userpoold/internal/bootstrap"
	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/password"
	"github.com/userpoold/userpoold/internal/seal"
	"github.com/userpoold/userpoold/internal/storage"
	sqlstore "github.com/userpoold/userpoold/internal/storage/sql"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file wires package bootstrap: the seed applied at start (--seed or
// the config file's bootstrap: section) and POST /_userpoold/apply, which
// "userpoold apply FILE" calls. Applying goes through the running
// server's own services, so that every rule applies and no cache or
// second writer can disagree with the store.

// maxSeedBytes bounds a bootstrap file sent to POST /_userpoold/apply.
const maxSeedBytes = 16 << 20

// newApplier builds the bootstrap applier over the live services; its dry
// runs use a scratch SQLite store in a temporary directory, with the same
// region, account and clock, cheap password hashing and dummy signing
// keys.
func newApplier(store storage.Store, pools *userpool.Service, mfaService *mfa.Service) *bootstrap.Applier {
	return &bootstrap.Applier{
		Live: bootstrap.Target{Pools: pools, MFA: mfaService, Store: store},
		Scratch: func(ctx context.Context) (bootstrap.Target, func(), error) {
			dir, err := os.MkdirTemp("", "userpoold-bootstrap-")
			if err != nil {
				return bootstrap.Target{}, nil, err
			}
			key := make([]byte, seal.KeySize)
			rand.Read(key)
			box, err := seal.New(key, "storage", nil)
			if err != nil {
				os.RemoveAll(dir)
				return bootstrap.Target{}, nil, err
			}
			db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "scratch.db"), box, sqlstore.Options{})
			if err != nil {
				os.RemoveAll(dir)
				return bootstrap.Target{}, nil, err
			}
			svc := &userpool.Service{
				Pools: db, Clients: db, Users: db, Groups: db, Devices: db, Events: db, Federation: db,
				// The live service's OAuth rules: a dry run checks domain
				// names and clients' OAuth scopes as the live run will.
				Domains: db, ResourceServers: db, OAuth: pools.OAuth,
				Keys:    scratchKeys{},
				Sender:  discardSender{},
				Hashing: password.FastParams,
				Region:  pools.Region, Account: pools.Account,
				Now: pools.Now,
			}
			done := func() {
				db.Close()
				os.RemoveAll(dir)
			}
			return bootstrap.Target{Pools: svc, MFA: &mfa.Service{Users: db, Now: mfaService.Now}, Store: db}, done, nil
		},
	}
}

// scratchKeys gives the pools of a dry run placeholder signing keys: they
// are stored and never used, and real ones cost an RSA key generation.
type scratchKeys struct{}

func (scratchKeys) NewKeys(poolID string) ([]storage.SigningKey, error) {
	return []storage.SigningKey{
		{PoolID: poolID, KID: "dry-run-id", Use: "id", PrivateKey: []byte{0}},
		{PoolID: poolID, KID: "dry-run-access", Use: "access", PrivateKey: []byte{0}},
	}, nil
}

// discardSender drops the messages of a dry run.
type discardSender struct{}

func (discardSender) Send(context.Context, delivery.Message) error { return nil }

// seedFile returns the bootstrap file cfg gives, parsed, or nil.
func seedFile(cfg config.Config) (*bootstrap.File, error) {
	switch {
	case cfg.Seed != "":
		b, err := os.ReadFile(cfg.Seed)
		if err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		return bootstrap.Parse(cfg.Seed, b)
	case !cfg.Bootstrap.IsZero():
		return bootstrap.ParseNode("bootstrap", &cfg.Bootstrap)
	}
	return nil, nil
}

// applySeed applies the bootstrap file cfg gives, if any.
func (s *Server) applySeed(ctx context.Context) error {
	f, err := seedFile(s.cfg)
	if err != nil || f == nil {
		return err
	}
	r, err := s.Seed.Apply(ctx, f)
	if err != nil {
		return err
	}
	s.log.Info("bootstrap applied", "file", f.Name,
		"pools", r.Pools, "clients", r.Clients, "groups", r.Groups, "users", r.Users)
	return nil
}

// applyAnswer is the body of POST /_userpoold/apply.
type applyAnswer struct {
	Type     string              `json:"__type,omitempty"`
	Message  string              `json:"message,omitempty"`
	Report   *bootstrap.Report   `json:"report,omitempty"`
	Problems []bootstrap.Problem `json:"problems,omitempty"`
	// Applied is set when applying stopped after writing some steps.
	Applied bool `json:"applied,omitempty"`
}

// serveApply applies the bootstrap file in the body (YAML) through the
// running server's services; ?check=true runs only the dry run. It is
// authorized like an admin operation (a SigV4 signature over the body).
func (s *Server) serveApply(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSeedBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "SerializationException", fmt.Sprintf("The file is larger than %d MiB.", maxSeedBytes>>20))
		return
	}
	if !s.authorizeAdmin(w, r, body, false) {
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "file"
	}
	var rep bootstrap.Report
	f, err := bootstrap.Parse(name, body)
	if err == nil {
		if r.URL.Query().Get("check") == "true" {
			rep, err = s.Seed.Check(r.Context(), f)
		} else {
			rep, err = s.Seed.Apply(r.Context(), f)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	var be *bootstrap.Error
	switch {
	case errors.As(err, &be):
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(applyAnswer{Type: "InvalidParameterException", Message: be.Error(), Problems: be.Problems, Applied: be.Applied, Report: &rep})
	case err != nil:
		s.log.Error("bootstrap", "error", err.Error())
		writeInternalError(w)
	default:
		if r.URL.Query().Get("check") != "true" {
			s.log.Info("bootstrap applied", "file", name, "pools", rep.Pools, "clients", rep.Clients, "groups", rep.Groups, "users", rep.Users, "domains", rep.Domains, "resource_servers", rep.ResourceServers)
		}
		json.NewEncoder(w).Encode(applyAnswer{Report: &rep})
	}
}
