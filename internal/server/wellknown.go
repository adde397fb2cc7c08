package server

import (
	"cmp"
	"net/http"

	"github.com/userpoold/userpoold/internal/oauth"
	"github.com/userpoold/userpoold/internal/token"
)

// serveJWKS serves a pool's JSON Web Key Set (GET
// /<pool>/.well-known/jwks.json), its retired keys included.
func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	pool := r.PathValue("pool")
	if _, err := s.Pools.LoadPool(r.Context(), pool); err != nil {
		writePoolNotFound(w, pool)
		return
	}
	jwks, err := s.Tokens.JWKS(r.Context(), pool)
	if err != nil {
		s.log.Error("jwks", "pool", pool, "error", err.Error())
		writeInternalError(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(jwks)
}

// serveOpenIDConfiguration serves a pool's OpenID discovery document (GET
// /<pool>/.well-known/openid-configuration; spec §11, §19.2): the issuer
// of the pool's tokens, the JWKS here, and the endpoints of the pool's
// domain in path form under the server's base URL
// (<base>/_domain/<name>/oauth2/...), which a client on this machine
// reaches without DNS. A pool with both a prefix and a custom domain
// advertises the custom one (UNCONFIRMED, spec §20.2); a pool without a
// domain advertises no endpoint (oauth.Discovery).
func (s *Server) serveOpenIDConfiguration(w http.ResponseWriter, r *http.Request) {
	pool := r.PathValue("pool")
	if _, err := s.Pools.LoadPool(r.Context(), pool); err != nil {
		writePoolNotFound(w, pool)
		return
	}
	iss := token.CognitoIssuer(pool)
	if s.Tokens.IssuerURL != nil {
		iss = s.Tokens.IssuerURL(pool)
	}
	prefix, custom, err := s.Pools.PoolDomains(r.Context(), pool)
	if err != nil {
		s.log.Error("discovery", "pool", pool, "error", err.Error())
		writeInternalError(w)
		return
	}
	var endpoints *oauth.Endpoints
	if name := cmp.Or(custom, prefix); name != "" {
		ep := oauth.EndpointsAt(oauth.DomainBaseURL(s.BaseURL, name))
		endpoints = &ep
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(oauth.Discovery(s.BaseURL, pool, iss, endpoints))
}
