package server

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/userpoold/userpoold/internal/apiserver"
	"github.com/userpoold/userpoold/internal/awsjson"
	"github.com/userpoold/userpoold/internal/cognitoidp"
)

// routes builds the HTTP handler: the AWS JSON API at "/", /health,
// /metrics, the per-pool well-known documents (wellknown.go) and
// userpoold's own admin endpoints (admin.go).
func (s *Server) routes() http.Handler {
	reg := prometheus.NewRegistry()
	observe := registerMetrics(reg)

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
		Observe:       observe,
	}

	mux := http.NewServeMux()
	mux.Handle("/{$}", api)
	mux.HandleFunc("GET /health", s.serveHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /{pool}/.well-known/jwks.json", s.serveJWKS)
	mux.HandleFunc("GET /{pool}/.well-known/openid-configuration", s.serveOpenIDConfiguration)
	mux.HandleFunc("GET /_userpoold/outbox", s.serveOutbox)
	mux.HandleFunc("POST /_userpoold/rotate-keys", s.serveRotateKeys)
	mux.HandleFunc("GET /_userpoold/clock", s.serveClock)
	mux.HandleFunc("POST /_userpoold/clock", s.serveClock)
	mux.HandleFunc("POST /_userpoold/apply", s.serveApply)
	return mux
}

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
