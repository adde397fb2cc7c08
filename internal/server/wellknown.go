package server

import (
	"encoding/json"
	"net/http"

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
// /<pool>/.well-known/openid-configuration). The OAuth2 endpoints
// (authorize, token, userInfo, logout) are not served, so they are not
// advertised.
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
	doc := map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              s.BaseURL + "/" + pool + "/.well-known/jwks.json",
		"response_types_supported":              []string{"code", "token"},
		"scopes_supported":                      []string{"openid", "email", "phone", "profile"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	json.NewEncoder(w).Encode(doc)
}
