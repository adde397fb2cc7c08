package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/userpoold/userpoold/internal/apiserver"
	"github.com/userpoold/userpoold/internal/awsjson"
	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/federation/testidp"
	"github.com/userpoold/userpoold/internal/importjob/upload"
	"github.com/userpoold/userpoold/internal/oauth"
)

// routes builds the HTTP handler: the AWS JSON API at "/", /health,
// /metrics, the per-pool well-known documents (wellknown.go), userpoold's
// own admin endpoints (admin.go), and the user pool domains (the OAuth
// endpoints and hosted pages): at /_domain/<name>/..., and for every path
// of a request whose Host is a domain (hostRouting).
func (s *Server) routes() http.Handler {
	reg := s.registry
	observe := registerMetrics(reg)

	endpoints := make(map[string]awsjson.Endpoint, len(cognitoidp.OperationsByName))
	for name, op := range cognitoidp.OperationsByName {
		endpoints[name] = apiserver.Endpoint(s.API, op)
		if s.limiter != nil { // --enforce-quotas (quotas.go)
			endpoints[name] = throttled(s.limiter, name, endpoints[name])
		}
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
		Observe:       observe,
	}

	mux := http.NewServeMux()
	mux.Handle("/{$}", api)
	mux.HandleFunc("GET /health", s.serveHealth)
	if s.cfg.Metrics != "off" {
		mux.Handle("GET /metrics", s.metricsAccess(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	}
	mux.HandleFunc("GET /{pool}/.well-known/jwks.json", s.serveJWKS)
	mux.HandleFunc("GET /{pool}/.well-known/openid-configuration", s.serveOpenIDConfiguration)
	mux.HandleFunc("GET /_userpoold/outbox", s.serveOutbox)
	mux.HandleFunc("POST /_userpoold/rotate-keys", s.serveRotateKeys)
	mux.HandleFunc("GET /_userpoold/clock", s.serveClock)
	mux.HandleFunc("POST /_userpoold/clock", s.serveClock)
	mux.HandleFunc("POST /_userpoold/apply", s.serveApply)
	mux.HandleFunc("GET "+uiLogoPath, s.serveUILogo) // GetUICustomization's ImageUrl (uilogo.go)
	mux.Handle(upload.PathPrefix, s.uploads)         // import jobs' pre-signed URLs (imports.go)
	return s.hostRouting(s.testIdPRouting(mux))
}

// testIdPRouting serves /_idp/ with the built-in test IdP when it is on
// (a prefix the mux's /{pool}/... patterns would conflict with).
func (s *Server) testIdPRouting(next http.Handler) http.Handler {
	if s.testIdP == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, testidp.PathPrefix) {
			s.testIdP.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hostRouting sends to the domain router a request whose path is under
// /_domain/ (path form, spec §19.1b), or whose Host is a registered domain
// (<prefix>.auth.<region>.amazoncognito.com or a custom domain; §19.1a)
// whatever its path, and everything else to next. The Host lookup is
// cached (domains.go): most requests name the server itself, by IP or a
// name that is no domain.
func (s *Server) hostRouting(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, oauth.DomainPathPrefix) {
			s.domainRouter.ServeHTTP(w, r)
			return
		}
		if name, _, ok := oauth.ParseHost(r.Host, s.cfg.Region); ok {
			_, found, err := s.domains.lookup(r.Context(), name)
			if err != nil {
				s.log.Error("domain lookup", "error", err.Error())
			}
			if found {
				s.domainRouter.ServeHTTP(w, r)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// CustomDomain reports whether name is a registered custom domain: the TLS
// listener's certificate callback (localca.CustomDomains) asks it.
func (s *Server) CustomDomain(name string) bool { return s.domains.IsCustomDomain(name) }

// registerMetrics registers the API metrics on reg and returns the
// awsjson.Handler.Observe function that records them.
func registerMetrics(reg *prometheus.Registry) func(op, code string, d time.Duration) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "userpoold_requests_total", Help: "API requests by operation and error type (empty on success).",
	}, []string{"operation", "error"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "userpoold_request_duration_seconds", Help: "API request latency by operation.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"operation"})
	reg.MustRegister(requests, latency, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return func(op, code string, d time.Duration) {
		if op == "" {
			op = "unknown"
		}
		requests.WithLabelValues(op, code).Inc()
		latency.WithLabelValues(op).Observe(d.Seconds())
	}
}

// serveHealth answers 200 while storage is reachable, 503 otherwise.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	if err := s.Store.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"status":"unavailable"}`)
		return
	}
	io.WriteString(w, `{"status":"ok"}`)
}
