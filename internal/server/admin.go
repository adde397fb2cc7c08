package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/sigv4"
)

// This file holds userpoold's own admin endpoints, beside the AWS API: the
// development outbox (GET /_userpoold/outbox) and key rotation (POST
// /_userpoold/rotate-keys), both authorized like admin operations.

// serveOutbox serves the outbox as JSON. It is authorized like an admin
// operation: a valid SigV4 signature when admin keys are configured. With
// no keys (the loopback-only development mode) unsigned reads are allowed
// too, so that curl and test suites can read codes directly.
func (s *Server) serveOutbox(w http.ResponseWriter, r *http.Request) {
	if s.Outbox == nil {
		writeError(w, http.StatusNotFound, "ResourceNotFoundException", "The outbox is not enabled on this server.")
		return
	}
	if !s.authorizeAdmin(w, r, nil, true) {
		return
	}
	pool := r.URL.Query().Get("userPoolId")
	if pool == "" {
		writeError(w, http.StatusBadRequest, "InvalidParameterException", "userPoolId is required.")
		return
	}
	msgs, err := s.Outbox.List(r.Context(), pool, s.outboxUsername(r.Context(), pool, r.URL.Query().Get("username")))
	if err != nil {
		s.log.Error("outbox", "error", err.Error())
		writeInternalError(w)
		return
	}
	body, err := delivery.MarshalOutbox(msgs)
	if err != nil {
		writeInternalError(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// outboxUsername resolves the name an outbox reader gives — a username in
// any case the pool accepts, an email or phone number the user signs in
// with, or the sub — to the internal username messages are recorded under.
// A name that matches no user is used as given (messages to deleted users).
func (s *Server) outboxUsername(ctx context.Context, poolID, name string) string {
	if name == "" {
		return ""
	}
	_, u, err := s.Pools.PoolUser(ctx, poolID, name)
	if err != nil {
		return name
	}
	return u.Username
}

// serveRotateKeys gives a pool new signing keys; the old ones stay published
// in the JWKS so that tokens they signed keep verifying. It is authorized
// exactly like an admin operation (a SigV4 signature, checked against the
// configured keys).
func (s *Server) serveRotateKeys(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<10))
	if err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "The request body is too large.")
		return
	}
	if !s.authorizeAdmin(w, r, body, false) {
		return
	}
	pool := r.URL.Query().Get("userPoolId")
	if _, err := s.Pools.LoadPool(r.Context(), pool); err != nil {
		writePoolNotFound(w, pool)
		return
	}
	if err := s.Tokens.RotateKeys(r.Context(), pool); err != nil {
		s.log.Error("rotating keys", "pool", pool, "error", err.Error())
		writeInternalError(w)
		return
	}
	s.log.Info("signing keys rotated", "pool", pool)
	jwks, err := s.Tokens.JWKS(r.Context(), pool)
	if err != nil {
		writeInternalError(w)
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
		writeError(w, http.StatusForbidden, err.Code, err.Message)
		return false
	}
	if readUnsigned && s.verifier.AnyKey && r.Header.Get("Authorization") == "" {
		return true
	}
	if _, err := s.verifier.Verify(r, body); err != nil {
		var e *sigv4.Error
		if errors.As(err, &e) {
			writeError(w, http.StatusForbidden, e.Code, e.Message)
		} else {
			writeError(w, http.StatusForbidden, "AccessDeniedException", "Access denied.")
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

// metricsAccess lets a request through to /metrics as cfg.Metrics says:
// "open" lets everyone through; "admin" authorizes it like the outbox
// (authorizeAdmin: a SigV4 signature, or unsigned on loopback while no
// admin keys are configured); "loopback" (also what an empty setting
// means) only a request whose peer address is a loopback address. Refused
// requests get 403 AccessDeniedException.
func (s *Server) metricsAccess(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch s.cfg.Metrics {
		case "open":
		case "admin":
			if !s.authorizeAdmin(w, r, nil, true) {
				return
			}
		default:
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil || !config.IsLoopback(host) {
				writeError(w, http.StatusForbidden, "AccessDeniedException", "Metrics are served to loopback addresses only (see --metrics).")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
