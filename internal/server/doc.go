// Package server is the one place where userpoold is wired together: it
// opens storage, builds the domain services and the API server from a
// config.Config, and assembles the HTTP handler (the AWS JSON API at "/",
// /health, /metrics, the per-pool JWKS and OpenID discovery documents, and
// the development outbox).
package server
