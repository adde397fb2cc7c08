package oauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
)

// GrantType is the token request's grant_type.
type GrantType string

// Grant types the token endpoint serves.
const (
	GrantAuthorizationCode GrantType = "authorization_code"
	GrantRefreshToken      GrantType = "refresh_token"
	GrantClientCredentials GrantType = "client_credentials"
)

// maxFormBytes bounds the token and revoke request bodies.
const maxFormBytes = 64 << 10

// Attribute is a user attribute as userInfo shows it.
type Attribute struct {
	Name  string
	Value string
}

// Profile is what userInfo answers from: the verified access token's
// scopes and user, and the user's attributes the token's client can read
// (sub included).
type Profile struct {
	Username   string
	Scopes     []string
	Attributes []Attribute
}

// UserInfoSource verifies an access token (signature, expiry, revocation,
// global sign-out, the user still enabled) and loads its user; the server
// implements it with authflow.UserInfo. ErrInvalidToken
// and *fault.Error values of kind NotAuthorized, UserNotFound and
// ResourceNotFound are answered 401 invalid_token; any other error is a
// server failure.
type UserInfoSource interface {
	UserInfo(ctx context.Context, accessToken string) (Profile, error)
}

// Revoker revokes a refresh token and the access tokens of its family
// (authflow.RevokeToken without the client checks, which are done here).
// It returns nil for a token that is expired, already revoked or not a
// refresh token at all (spec §9: all answered 200), and a *fault.Error
// Unauthorized for a token issued to another client.
type Revoker interface {
	RevokeRefresh(ctx context.Context, client Client, refreshToken string) error
}

// Handlers serves the domain's JSON endpoints: POST /oauth2/token, GET and
// POST /oauth2/userInfo and POST /oauth2/revoke. The domain router (phase
// 2) mounts them under each domain; they need to know nothing of the pool,
// since client IDs are global and tokens name their pool, but PoolID
// pins a request to the domain's pool when it is set by the router through
// WithPool.
type Handlers struct {
	Clients  ClientSource
	Catalog  ScopeCatalog
	Codes    CodeStore
	Grants   Grants
	Profiles UserInfoSource
	Revoker  Revoker
	Now      func() time.Time
	Log      *slog.Logger
}

type poolKey struct{}

// WithPool returns a context that pins the endpoints to pool poolID: a
// client of another pool is then unknown (invalid_client).
func WithPool(ctx context.Context, poolID string) context.Context {
	return context.WithValue(ctx, poolKey{}, poolID)
}

func poolOf(ctx context.Context) string {
	s, _ := ctx.Value(poolKey{}).(string)
	return s
}

func (h *Handlers) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handlers) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.New(slog.DiscardHandler)
}

// CORS. Amplify and oidc-client-ts call the token, userInfo and revoke
// endpoints from the browser (spec §19.7). None of them uses cookies, so
// any origin may call them; AWS's exact headers are UNCONFIRMED.
const corsMaxAge = "3600"

// cors answers a preflight (true) or adds the CORS response headers.
func cors(w http.ResponseWriter, r *http.Request, methods string) bool {
	h := w.Header()
	if r.Header.Get("Origin") != "" {
		h.Set("Access-Control-Allow-Origin", "*")
	}
	if r.Method != http.MethodOptions {
		return false
	}
	h.Set("Access-Control-Allow-Methods", methods)
	allow := "Authorization, Content-Type"
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" && headerList(req) {
		allow = req
	}
	h.Set("Access-Control-Allow-Headers", allow)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	w.WriteHeader(http.StatusNoContent)
	return true
}

// headerList reports whether s is a comma-separated list of header names.
func headerList(s string) bool {
	if len(s) > 1024 {
		return false
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return false
		}
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// WriteJSONError writes the token and revoke endpoints' error answer:
// {"error":"<code>"} with the error's status, and no error_description
// (spec §6: AWS sends none).
func WriteJSONError(w http.ResponseWriter, e *Error) {
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	if e.basic && e.Code == CodeInvalidClient {
		h.Set("WWW-Authenticate", `Basic realm="oauth2"`)
	}
	w.WriteHeader(e.status())
	body, _ := json.Marshal(map[string]string{"error": string(e.Code)})
	w.Write(body)
}

// readForm parses a POST form body. A method other than POST, or a body
// that is not application/x-www-form-urlencoded, gets an empty 405
// (spec §6), answered here (ok false).
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return nil, false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		WriteJSONError(w, errorOf(CodeInvalidRequest, "malformed body"))
		return nil, false
	}
	return r.PostForm, true
}

// authenticateClient identifies and authenticates the client of a token
// or revoke request: client_secret_basic (Authorization: Basic, with the
// id and secret form-encoded first as RFC 6749 §2.3.1 says), or
// client_secret_post (client_id and client_secret in the body), or a
// public client's client_id alone. A client with secrets must present one
// of them; a public client must present none. Failures are
// invalid_client, status 401 with WWW-Authenticate when Basic was used and
// 400 otherwise (UNCONFIRMED, spec §20.12); a request naming no client at
// all is invalid_request.
func (h *Handlers) authenticateClient(ctx context.Context, r *http.Request, form url.Values) (Client, *Error, error) {
	id, secret := form.Get("client_id"), form.Get("client_secret")
	basic := false
	if auth := r.Header.Get("Authorization"); auth != "" {
		bad := &Error{Code: CodeInvalidClient, Status: http.StatusUnauthorized, basic: true}
		scheme, rest, _ := strings.Cut(auth, " ")
		if !strings.EqualFold(scheme, "Basic") {
			return Client{}, bad, nil
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if err != nil {
			return Client{}, bad, nil
		}
		bid, bsecret, ok := strings.Cut(string(raw), ":")
		if !ok {
			return Client{}, bad, nil
		}
		if bid, err = url.QueryUnescape(bid); err != nil {
			return Client{}, bad, nil
		}
		if bsecret, err = url.QueryUnescape(bsecret); err != nil {
			return Client{}, bad, nil
		}
		if (id != "" && id != bid) || secret != "" {
			return Client{}, bad, nil // two authentication methods
		}
		id, secret, basic = bid, bsecret, true
	}
	invalid := &Error{Code: CodeInvalidClient, basic: basic}
	if basic {
		invalid.Status = http.StatusUnauthorized
	}
	if id == "" {
		return Client{}, errorOf(CodeInvalidRequest, "missing client_id"), nil
	}
	client, ok, err := h.Clients.OAuthClient(ctx, id)
	if err != nil {
		return Client{}, nil, err
	}
	if !ok || (poolOf(ctx) != "" && client.PoolID != poolOf(ctx)) {
		return Client{}, invalid, nil
	}
	if client.Public() {
		if secret != "" {
			return Client{}, invalid, nil // UNCONFIRMED
		}
		return client, nil, nil
	}
	if !client.CheckSecret(secret) {
		return Client{}, invalid, nil
	}
	return client, nil, nil
}

// tokenResponse is the token endpoint's success body, members in AWS's
// order.
type tokenResponse struct {
	IDToken      string `json:"id_token,omitempty"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// Token serves POST /oauth2/token (spec §6).
func (h *Handlers) Token(w http.ResponseWriter, r *http.Request) {
	if cors(w, r, "POST, OPTIONS") {
		return
	}
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	t, oerr, err := h.token(r.Context(), r, form)
	if err != nil {
		h.log().Error("oauth token endpoint", "error", err.Error())
		WriteJSONError(w, &Error{Code: CodeServerError, Status: http.StatusInternalServerError})
		return
	}
	if oerr != nil {
		WriteJSONError(w, oerr)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json;charset=UTF-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Pragma", "no-cache")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(tokenResponse{IDToken: t.IDToken, AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, ExpiresIn: t.ExpiresIn, TokenType: "Bearer"})
	w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// token runs a token request; an *Error is the protocol answer, an error a
// server failure.
func (h *Handlers) token(ctx context.Context, r *http.Request, form url.Values) (Tokens, *Error, error) {
	for name, vs := range form {
		if len(vs) > 1 {
			return Tokens{}, errorOf(CodeInvalidRequest, name+" sent twice"), nil
		}
	}
	grant := GrantType(form.Get("grant_type"))
	switch grant {
	case GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials:
	case "":
		return Tokens{}, errorOf(CodeInvalidRequest, "missing grant_type"), nil
	default:
		return Tokens{}, errorOf(CodeUnsupportedGrantType, ""), nil
	}
	client, oerr, err := h.authenticateClient(ctx, r, form)
	if err != nil || oerr != nil {
		return Tokens{}, oerr, err
	}
	var t Tokens
	switch grant {
	case GrantAuthorizationCode:
		if !client.Allows(FlowCode) {
			return Tokens{}, errorOf(CodeUnauthorizedClient, ""), nil
		}
		code, redirect := form.Get("code"), form.Get("redirect_uri")
		if code == "" || redirect == "" {
			return Tokens{}, errorOf(CodeInvalidRequest, "missing code or redirect_uri"), nil
		}
		c, err := h.Codes.TakeCode(ctx, CodeKey(code))
		if errors.Is(err, ErrCodeNotFound) {
			return Tokens{}, errorOf(CodeInvalidGrant, ""), nil
		}
		if err != nil {
			return Tokens{}, nil, err
		}
		if e := checkExchange(c, client, redirect, form.Get("code_verifier"), h.now()); e != nil {
			return Tokens{}, e, nil
		}
		t, err = h.Grants.UserTokens(ctx, UserGrant{
			Source:  SourceAuthorizationCode,
			Client:  client,
			Subject: Subject{PoolID: c.PoolID, Username: c.Username, Sub: c.Sub, AuthTime: c.AuthTime},
			Scopes:  c.Scopes,
			Nonce:   c.Nonce,
			Refresh: true,
		})
		if err != nil {
			return h.grantFailure(err)
		}
	case GrantRefreshToken:
		if !client.OAuthEnabled {
			return Tokens{}, errorOf(CodeUnauthorizedClient, ""), nil // UNCONFIRMED
		}
		rt := form.Get("refresh_token")
		if rt == "" {
			return Tokens{}, errorOf(CodeInvalidRequest, "missing refresh_token"), nil
		}
		t, err = h.Grants.RefreshTokens(ctx, client, rt)
		if err != nil {
			return h.grantFailure(err)
		}
	case GrantClientCredentials:
		if !client.OAuthEnabled {
			return Tokens{}, errorOf(CodeInvalidGrant, ""), nil // spec §6 (volcengine capture)
		}
		if !client.Allows(FlowClientCredentials) || client.Public() {
			return Tokens{}, errorOf(CodeUnauthorizedClient, ""), nil
		}
		raw, present := form["scope"]
		defined, err := h.Catalog.CustomScopes(ctx, client.PoolID)
		if err != nil {
			return Tokens{}, nil, err
		}
		req := ScopeRequest{Present: present}
		if present {
			req.Raw = raw[0]
		}
		scopes, e := ResolveClientCredentialsScopes(req, client, defined)
		if e != nil {
			return Tokens{}, e, nil
		}
		ctx, e := withClientMetadata(ctx, form.Get(ClientMetadataParam))
		if e != nil {
			return Tokens{}, e, nil
		}
		t, err = h.Grants.ClientTokens(ctx, client, scopes)
		if err != nil {
			return h.grantFailure(err)
		}
	}
	return t, nil, nil
}

func (h *Handlers) grantFailure(err error) (Tokens, *Error, error) {
	e, internal := grantError(err)
	if internal {
		return Tokens{}, nil, err
	}
	return Tokens{}, e, nil
}

// userInfo error answers (spec §8).
var (
	errUserInfoRequest = &Error{Code: CodeInvalidRequest, Description: "Bad OAuth2 request at UserInfo Endpoint"}
	errUserInfoToken   = &Error{Code: CodeInvalidToken, Status: http.StatusUnauthorized, Description: "Access token is expired, disabled, or deleted, or the user has globally signed out."}
	// errUserInfoScope is the answer to a token without openid, such as
	// one from InitiateAuth (simov/grant#189); its status is UNCONFIRMED.
	errUserInfoScope = &Error{Code: CodeInvalidToken, Status: http.StatusUnauthorized, Description: "Access token does not contain openid scope"}
)

// writeUserInfoError answers with WWW-Authenticate and the same error as
// JSON.
func writeUserInfoError(w http.ResponseWriter, e *Error) {
	h := w.Header()
	h.Set("WWW-Authenticate", `error="`+string(e.Code)+`", error_description="`+e.Description+`"`)
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
	w.WriteHeader(e.status())
	body, _ := json.Marshal(map[string]string{"error": string(e.Code), "error_description": e.Description})
	w.Write(body)
}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " \t") {
		return "", false
	}
	return tok, true
}

// UserInfo serves GET and POST /oauth2/userInfo (spec §8): the
// attributes the token's scopes reveal (AttributeFilter), as a JSON object
// with sub first, then the attributes, then username; *_verified values are
// the strings "true" and "false" (UNCONFIRMED, reported by emulator
// authors).
func (h *Handlers) UserInfo(w http.ResponseWriter, r *http.Request) {
	if cors(w, r, "GET, POST, OPTIONS") {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	tok, ok := bearer(r)
	if !ok {
		writeUserInfoError(w, errUserInfoRequest)
		return
	}
	p, err := h.Profiles.UserInfo(r.Context(), tok)
	if err != nil {
		switch fault.KindOf(err) {
		case fault.NotAuthorized, fault.UserNotFound, fault.ResourceNotFound:
			writeUserInfoError(w, errUserInfoToken)
			return
		}
		if errors.Is(err, ErrInvalidToken) {
			writeUserInfoError(w, errUserInfoToken)
			return
		}
		h.log().Error("oauth userInfo", "error", err.Error())
		writeUserInfoError(w, &Error{Code: CodeServerError, Status: http.StatusInternalServerError, Description: "An internal error occurred."})
		return
	}
	if !HasScope(p.Scopes, ScopeOpenID) {
		writeUserInfoError(w, errUserInfoScope)
		return
	}
	body, err := userInfoJSON(p)
	if err != nil {
		h.log().Error("oauth userInfo", "error", err.Error())
		writeUserInfoError(w, &Error{Code: CodeServerError, Status: http.StatusInternalServerError, Description: "An internal error occurred."})
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json;charset=UTF-8")
	hd.Set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
	w.Write(body)
}

// ErrInvalidToken is what a UserInfoSource may return (wrapped or not) for
// a token that does not verify; fault.NotAuthorized errors mean the same.
var ErrInvalidToken = errors.New("oauth: invalid access token")

// userInfoJSON writes the userInfo body in a fixed order: sub, the other
// attributes as given, username.
func userInfoJSON(p Profile) ([]byte, error) {
	filter := AttributeFilter(p.Scopes)
	var buf bytes.Buffer
	buf.WriteByte('{')
	n := 0
	member := func(name, value string) error {
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		for _, s := range []string{name, value} {
			b, err := marshalString(s)
			if err != nil {
				return err
			}
			buf.Write(b)
			if s == name {
				buf.WriteByte(':')
			}
		}
		return nil
	}
	for _, a := range p.Attributes {
		if a.Name == "sub" {
			if err := member("sub", a.Value); err != nil {
				return nil, err
			}
		}
	}
	for _, a := range p.Attributes {
		if a.Name == "sub" || a.Name == "username" || !filter(a.Name) {
			continue
		}
		if err := member(a.Name, a.Value); err != nil {
			return nil, err
		}
	}
	if err := member("username", p.Username); err != nil {
		return nil, err
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func marshalString(s string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// looksLikeJWS reports whether tok has the shape of a signed JWT (an
// access or ID token): three base64url parts whose header is a JSON object
// with "alg". Refresh tokens are five-part JWEs.
func looksLikeJWS(tok string) bool {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var hdr map[string]any
	if json.Unmarshal(raw, &hdr) != nil {
		return false
	}
	_, ok := hdr["alg"]
	return ok
}

// Revoke serves POST /oauth2/revoke (spec §9): 200 with an empty body on
// success and for tokens that are expired, revoked or not tokens at all;
// 400 unsupported_token_type for an access or ID token; 400 invalid_request
// for a missing token or a client without revocation; invalid_client
// (401) when client authentication fails.
func (h *Handlers) Revoke(w http.ResponseWriter, r *http.Request) {
	if cors(w, r, "POST, OPTIONS") {
		return
	}
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	client, oerr, err := h.authenticateClient(r.Context(), r, form)
	if err == nil && oerr == nil {
		oerr, err = h.revoke(r.Context(), client, form)
	}
	if err != nil {
		h.log().Error("oauth revoke endpoint", "error", err.Error())
		WriteJSONError(w, &Error{Code: CodeServerError, Status: http.StatusInternalServerError})
		return
	}
	if oerr != nil {
		if oerr.Code == CodeInvalidClient {
			oerr.Status = http.StatusUnauthorized
		}
		WriteJSONError(w, oerr)
		return
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

func (h *Handlers) revoke(ctx context.Context, client Client, form url.Values) (*Error, error) {
	tok := form.Get("token")
	switch {
	case tok == "" || len(form["token"]) > 1:
		return errorOf(CodeInvalidRequest, "missing token"), nil
	case !client.RevocationEnabled:
		return errorOf(CodeInvalidRequest, "revocation disabled"), nil
	case looksLikeJWS(tok):
		return errorOf(CodeUnsupportedTokenType, ""), nil
	}
	err := h.Revoker.RevokeRefresh(ctx, client, tok)
	switch fault.KindOf(err) {
	case "":
		if err != nil && AsError(err) == nil {
			return nil, err
		}
		return AsError(err), nil
	case fault.UnsupportedTokenType:
		return nil, nil // not a token of ours: 200
	case fault.Unauthorized, fault.NotAuthorized:
		return errorOf(CodeInvalidRequest, "token issued to another client"), nil // UNCONFIRMED
	case fault.UnsupportedOperation:
		return errorOf(CodeInvalidRequest, "revocation disabled"), nil
	}
	return nil, err
}
