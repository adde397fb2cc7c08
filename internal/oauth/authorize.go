package oauth

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ResponseType is the authorize request's response_type.
type ResponseType string

// Response types Cognito serves.
const (
	ResponseCode  ResponseType = "code"
	ResponseToken ResponseType = "token" // implicit
)

// Prompt is one value of the prompt parameter (OIDC Core §3.1.2.1).
type Prompt string

// Prompt values. Cognito honours prompt only on managed login (version 2)
// domains (spec §4.1, §19.5).
const (
	PromptNone          Prompt = "none"
	PromptLogin         Prompt = "login"
	PromptConsent       Prompt = "consent"
	PromptSelectAccount Prompt = "select_account"
)

// AuthorizeRequest is a validated GET /oauth2/authorize request.
type AuthorizeRequest struct {
	Client       Client
	ResponseType ResponseType
	// RedirectURI is one of the client's CallbackURLs, byte for byte.
	RedirectURI string
	// State is echoed unchanged; HasState tells an empty state from none.
	State    string
	HasState bool
	// Scopes are the granted scopes (ResolveUserScopes).
	Scopes []string
	Nonce  string
	// CodeChallenge is the S256 PKCE challenge; "" without PKCE (and always
	// "" for response_type=token).
	CodeChallenge string
	// IdentityProvider and IDPIdentifier name an IdP to go to directly
	// instead of the login page; at most one is set.
	IdentityProvider string
	IDPIdentifier    string
	Prompt           []Prompt
	LoginHint        string
	Lang             string
	// Query is the request's query as received, which the login pages carry
	// along (/login?<same query>, spec §5.1).
	Query url.Values
}

// AuthorizeError is a failed authorize request. When RedirectURI is empty
// the client or its redirect URI is not usable and the error must be shown
// as a page, never redirected (spec §4.2); otherwise it goes back to the
// client as 302 <redirect_uri>?error=<code>[&state=...].
type AuthorizeError struct {
	*Error
	RedirectURI string
	State       string
	HasState    bool
}

// Location is where a redirectable error goes, "" for an error page.
func (e *AuthorizeError) Location() string {
	if e.RedirectURI == "" {
		return ""
	}
	params := [][2]string{{"error", string(e.Code)}}
	if e.Description != "" && e.Code == CodeServerError {
		params = append(params, [2]string{"error_description", e.Description})
	}
	if e.HasState {
		params = append(params, [2]string{"state", e.State})
	}
	return appendParams(e.RedirectURI, '?', params)
}

// single returns the one value of a parameter. dup is true when it was
// sent more than once (RFC 6749 §3.1: invalid_request).
func single(q url.Values, name string) (v string, present, dup bool) {
	vs, ok := q[name]
	if !ok || len(vs) == 0 {
		return "", false, false
	}
	return vs[0], true, len(vs) > 1
}

// ParseAuthorize validates an authorize request addressed to the domain of
// pool poolID (spec §4). It returns the request, or an *AuthorizeError
// saying how the failure reaches the user agent, or an error when a source
// failed (answer 500 with the error page).
//
// Order of checks: client_id (unknown, or of another pool: page), then
// redirect_uri (missing and no DefaultRedirectURI, or not registered:
// page "redirect_mismatch"), and from then on everything is redirected:
// response_type (missing or unknown: invalid_request), the client's flows
// (unauthorized_client), PKCE (invalid_request), scope (invalid_scope),
// identity_provider / idp_identifier and prompt (invalid_request).
func ParseAuthorize(ctx context.Context, poolID string, q url.Values, clients ClientSource, catalog ScopeCatalog) (*AuthorizeRequest, *AuthorizeError, error) {
	page := func(code Code, desc string) *AuthorizeError {
		return &AuthorizeError{Error: errorOf(code, desc)}
	}
	clientID, _, dup := single(q, "client_id")
	if clientID == "" || dup {
		return nil, page(CodeInvalidRequest, "Required String parameter 'client_id' is not present"), nil
	}
	client, ok, err := clients.OAuthClient(ctx, clientID)
	if err != nil {
		return nil, nil, err
	}
	if !ok || client.PoolID != poolID {
		return nil, page(CodeInvalidRequest, "Client "+clientID+" does not exist."), nil
	}
	redirect, present, dup := single(q, "redirect_uri")
	if dup {
		return nil, page(CodeRedirectMismatch, "redirect_mismatch"), nil
	}
	if !present && client.DefaultRedirectURI != "" {
		redirect = client.DefaultRedirectURI // UNCONFIRMED, spec §20.3
	}
	if redirect == "" {
		return nil, page(CodeInvalidRequest, "Required String parameter 'redirect_uri' is not present"), nil
	}
	if !MatchURL(client.CallbackURLs, redirect) {
		return nil, page(CodeRedirectMismatch, "redirect_mismatch"), nil
	}
	state, hasState, dupState := single(q, "state")
	back := func(code Code, desc string) *AuthorizeError {
		return &AuthorizeError{Error: errorOf(code, desc), RedirectURI: redirect, State: state, HasState: hasState}
	}
	if dupState {
		return nil, back(CodeInvalidRequest, "state sent twice"), nil
	}
	for _, name := range []string{"response_type", "scope", "nonce", "code_challenge", "code_challenge_method", "identity_provider", "idp_identifier", "prompt"} {
		if _, _, dup := single(q, name); dup {
			return nil, back(CodeInvalidRequest, name+" sent twice"), nil
		}
	}
	req := &AuthorizeRequest{Client: client, RedirectURI: redirect, State: state, HasState: hasState, Query: q}
	rt, _, _ := single(q, "response_type")
	switch ResponseType(rt) {
	case ResponseCode:
		if !client.Allows(FlowCode) {
			return nil, back(CodeUnauthorizedClient, "code flow not allowed"), nil
		}
	case ResponseToken:
		if !client.Allows(FlowImplicit) {
			return nil, back(CodeUnauthorizedClient, "implicit flow not allowed"), nil
		}
	case "":
		return nil, back(CodeInvalidRequest, "missing response_type"), nil
	default:
		// UNCONFIRMED: RFC 6749 would say unsupported_response_type; the
		// Developer Guide lists only invalid_request for a bad request.
		return nil, back(CodeInvalidRequest, "unknown response_type"), nil
	}
	req.ResponseType = ResponseType(rt)

	challenge, hasChallenge, _ := single(q, "code_challenge")
	method, hasMethod, _ := single(q, "code_challenge_method")
	if req.ResponseType == ResponseCode && (hasChallenge || hasMethod) {
		if method != MethodS256 || !isPKCEValue(challenge) {
			return nil, back(CodeInvalidRequest, "PKCE: only S256 with a valid code_challenge"), nil
		}
		req.CodeChallenge = challenge
	}

	raw, hasScope, _ := single(q, "scope")
	defined, err := catalog.CustomScopes(ctx, poolID)
	if err != nil {
		return nil, nil, err
	}
	scopes, serr := ResolveUserScopes(ScopeRequest{Present: hasScope, Raw: raw}, client, defined)
	if serr != nil {
		return nil, back(serr.Code, serr.Description), nil
	}
	req.Scopes = scopes

	req.Nonce, _, _ = single(q, "nonce")
	req.IdentityProvider, _, _ = single(q, "identity_provider")
	req.IDPIdentifier, _, _ = single(q, "idp_identifier")
	switch {
	case req.IdentityProvider != "" && req.IDPIdentifier != "":
		return nil, back(CodeInvalidRequest, "identity_provider and idp_identifier are exclusive"), nil
	case req.IdentityProvider != "" && !client.SupportsProvider(req.IdentityProvider):
		// UNCONFIRMED code for an IdP the client does not support.
		return nil, back(CodeInvalidRequest, "identity provider not supported by the client"), nil
	}
	if p, ok, _ := single(q, "prompt"); ok {
		for _, v := range strings.Fields(strings.ToLower(p)) {
			switch Prompt(v) {
			case PromptNone, PromptLogin, PromptConsent, PromptSelectAccount:
				req.Prompt = append(req.Prompt, Prompt(v))
			default:
				return nil, back(CodeInvalidRequest, "unknown prompt"), nil
			}
		}
		if len(req.Prompt) > 1 && req.HasPrompt(PromptNone) {
			return nil, back(CodeInvalidRequest, "prompt=none with another value"), nil
		}
	}
	req.LoginHint, _, _ = single(q, "login_hint")
	req.Lang, _, _ = single(q, "lang")
	return req, nil, nil
}

// HasPrompt reports whether the request's prompt includes p.
func (r *AuthorizeRequest) HasPrompt(p Prompt) bool {
	for _, v := range r.Prompt {
		if v == p {
			return true
		}
	}
	return false
}

// Error returns a redirectable failure of this request (for example
// login_required, or server_error after a sign-in failed).
func (r *AuthorizeRequest) Error(code Code, desc string) *AuthorizeError {
	return &AuthorizeError{Error: errorOf(code, desc), RedirectURI: r.RedirectURI, State: r.State, HasState: r.HasState}
}

// CodeRedirect is the success Location of the code flow:
// <redirect_uri>?code=<code>[&state=<state>], in the query, never the
// fragment.
func (r *AuthorizeRequest) CodeRedirect(code string) string {
	params := [][2]string{{"code", code}}
	if r.HasState {
		params = append(params, [2]string{"state", r.State})
	}
	return appendParams(r.RedirectURI, '?', params)
}

// ImplicitRedirect is the success Location of the implicit flow:
// <redirect_uri>#[id_token=...&]access_token=...&token_type=bearer&expires_in=...[&state=...].
// There is no refresh token. The lowercase "bearer" follows the Developer
// Guide's example (UNCONFIRMED, spec §20.8).
func (r *AuthorizeRequest) ImplicitRedirect(t Tokens) string {
	var params [][2]string
	if t.IDToken != "" {
		params = append(params, [2]string{"id_token", t.IDToken})
	}
	params = append(params,
		[2]string{"access_token", t.AccessToken},
		[2]string{"token_type", "bearer"},
		[2]string{"expires_in", strconv.Itoa(t.ExpiresIn)})
	if r.HasState {
		params = append(params, [2]string{"state", r.State})
	}
	return appendParams(r.RedirectURI, '#', params)
}

// appendParams adds params to base in order, after its query ('?') or as
// its fragment ('#'), form-encoded. A registered URI's own query is kept.
func appendParams(base string, sep byte, params [][2]string) string {
	var b strings.Builder
	b.WriteString(base)
	switch {
	case sep == '#':
		b.WriteByte('#')
	case strings.Contains(base, "?"):
		if !strings.HasSuffix(base, "?") && !strings.HasSuffix(base, "&") {
			b.WriteByte('&')
		}
	default:
		b.WriteByte('?')
	}
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p[0]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p[1]))
	}
	return b.String()
}

// Subject is a user who authenticated on the domain: the input of a code
// or implicit grant and the content of the `cognito` session cookie.
type Subject struct {
	PoolID   string
	Username string // the internal username
	Sub      string
	AuthTime time.Time
}
