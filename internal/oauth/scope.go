package oauth

import (
	"context"
	"slices"
	"strings"
)

// Reserved (OIDC and Cognito) scopes. Any other scope is custom:
// "<resource server identifier>/<scope name>".
const (
	ScopeOpenID  = "openid"
	ScopeEmail   = "email"
	ScopePhone   = "phone"
	ScopeProfile = "profile"
	// ScopeAdmin lets an OAuth access token call the self-service API
	// operations (GetUser, ...); API sign-in tokens always carry it.
	ScopeAdmin = "aws.cognito.signin.user.admin"
)

// IsReservedScope reports whether s is one of the five reserved scopes.
func IsReservedScope(s string) bool {
	switch s {
	case ScopeOpenID, ScopeEmail, ScopePhone, ScopeProfile, ScopeAdmin:
		return true
	}
	return false
}

// SplitCustomScope splits a custom scope into its resource server
// identifier and scope name at the last "/" (identifiers may be URLs with
// slashes; scope names have none). ok is false for a reserved scope or a
// string with no "/" or an empty part.
func SplitCustomScope(s string) (server, name string, ok bool) {
	if IsReservedScope(s) {
		return "", "", false
	}
	i := strings.LastIndexByte(s, '/')
	if i <= 0 || i == len(s)-1 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// ScopeCatalog tells which custom scopes a pool's resource servers define
// right now. A scope deleted from its resource server stays on clients but
// is silently dropped from grants, and comes back when it is re-added
// (spec §13).
type ScopeCatalog interface {
	// CustomScopes returns every "<identifier>/<name>" the pool defines.
	CustomScopes(ctx context.Context, poolID string) ([]string, error)
}

// validScopeToken reports whether s matches the scope grammar of RFC 6749
// §3.3 and AllowedOAuthScopes' pattern [\x21\x23-\x5B\x5D-\x7E]+.
func validScopeToken(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// ParseScope splits a scope parameter (space-separated; "+" has already
// become a space in form decoding) into distinct scopes, keeping the first
// occurrence of each. It fails with invalid_scope on a malformed token.
func ParseScope(raw string) ([]string, *Error) {
	var out []string
	for _, s := range strings.Fields(raw) {
		if !validScopeToken(s) {
			return nil, errorOf(CodeInvalidScope, "malformed scope")
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// ScopeRequest is what a grant asked for.
type ScopeRequest struct {
	// Present is false when the request had no scope parameter.
	Present bool
	// Raw is the parameter as sent.
	Raw string
}

// ResolveUserScopes decides the scopes of a code or implicit grant (spec
// §4.1): no scope parameter means every scope the client is allowed; a
// scope the client is not allowed is invalid_scope (UNCONFIRMED, spec §20.4:
// the Developer Guide also says "ignored"); a custom scope the client is
// allowed but whose resource server no longer defines it is dropped
// silently. The result follows the client's AllowedOAuthScopes order
// (UNCONFIRMED: Cognito's order is not the request's). defined holds the
// pool's custom scopes (ScopeCatalog).
//
// email, phone and profile without openid are granted as asked; they then
// give no ID token and no userInfo (the console refuses such clients; what
// the API does is UNCONFIRMED, spec §20.17).
func ResolveUserScopes(req ScopeRequest, client Client, defined []string) ([]string, *Error) {
	return resolveScopes(req, client, defined, false)
}

// ResolveClientCredentialsScopes decides the scopes of a client_credentials
// grant (spec §6): custom scopes only; none requested means all the
// client's custom scopes. A reserved scope, or a scope the client is not
// allowed, is invalid_scope. A grant left with no scope at all is
// invalid_scope too (a client_credentials token must carry one).
func ResolveClientCredentialsScopes(req ScopeRequest, client Client, defined []string) ([]string, *Error) {
	granted, err := resolveScopes(req, client, defined, true)
	if err != nil {
		return nil, err
	}
	if len(granted) == 0 {
		return nil, errorOf(CodeInvalidScope, "no custom scope to grant")
	}
	return granted, nil
}

func resolveScopes(req ScopeRequest, client Client, defined []string, customOnly bool) ([]string, *Error) {
	allowed := func(s string) bool {
		if _, _, custom := SplitCustomScope(s); custom {
			return slices.Contains(defined, s)
		}
		return !customOnly
	}
	if !req.Present || strings.TrimSpace(req.Raw) == "" {
		var out []string
		for _, s := range client.Scopes {
			if allowed(s) && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out, nil
	}
	asked, err := ParseScope(req.Raw)
	if err != nil {
		return nil, err
	}
	for _, s := range asked {
		if !slices.Contains(client.Scopes, s) || (customOnly && IsReservedScope(s)) {
			return nil, errorOf(CodeInvalidScope, "scope not allowed for this client")
		}
	}
	var out []string
	for _, s := range client.Scopes {
		if slices.Contains(asked, s) && allowed(s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// HasScope reports whether scopes contains s.
func HasScope(scopes []string, s string) bool { return slices.Contains(scopes, s) }

// JoinScopes is the "scope" claim and response member: the granted scopes
// separated by single spaces.
func JoinScopes(scopes []string) string { return strings.Join(scopes, " ") }
