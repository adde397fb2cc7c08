package testidp

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// codeTTL bounds authorization codes; tokenTTL access and ID tokens.
const (
	codeTTL  = 5 * time.Minute
	tokenTTL = time.Hour
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func oauthError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}

func (s *Server) discovery(w http.ResponseWriter, name string) {
	iss := s.Issuer(name)
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                iss,
		"authorization_endpoint":                iss + "/authorize",
		"token_endpoint":                        iss + "/token",
		"userinfo_endpoint":                     iss + "/userinfo",
		"jwks_uri":                              iss + "/jwks",
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query", "form_post"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "email", "profile", "phone"},
	})
}

func (s *Server) jwks(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &s.key.PublicKey, KeyID: s.kid, Algorithm: string(jose.RS256), Use: "sig",
	}}})
}

// authRequest is a validated /authorize request.
type authRequest struct {
	clientID, redirectURI, state, nonce, challenge, responseMode string
}

// parseAuthorize checks an authorize request; on failure it has answered.
func (s *Server) parseAuthorize(w http.ResponseWriter, q url.Values) (authRequest, bool) {
	ar := authRequest{clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), state: q.Get("state"),
		nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), responseMode: q.Get("response_mode")}
	if ar.clientID == "" || ar.redirectURI == "" || q.Get("response_type") != "code" {
		http.Error(w, "testidp: client_id, redirect_uri and response_type=code are required", http.StatusBadRequest)
		return ar, false
	}
	if m := q.Get("code_challenge_method"); ar.challenge != "" && m != "S256" {
		http.Error(w, "testidp: only S256 PKCE", http.StatusBadRequest)
		return ar, false
	}
	if s.opts.Clients != nil {
		c, ok := s.opts.Clients[ar.clientID]
		if !ok || (len(c.RedirectURIs) > 0 && !slices.Contains(c.RedirectURIs, ar.redirectURI)) {
			http.Error(w, "testidp: unknown client or redirect_uri", http.StatusBadRequest)
			return ar, false
		}
	}
	return ar, true
}

// authorize serves GET /authorize (the page, or auto-approval) and POST
// /authorize (the page's answer).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, name string) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "testidp: bad form", http.StatusBadRequest)
		return
	}
	ar, ok := s.parseAuthorize(w, r.Form)
	if !ok {
		return
	}
	u, ok := s.pick(w, r, "Sign in to "+name, s.Issuer(name)+"/authorize", r.URL.Query())
	if !ok {
		return
	}
	s.approve(w, r, name, ar, u)
}

// pick returns the user a request signs in as: the page's answer (POST),
// the auto-approved subject (auto=<subject> or Options.AutoApprove), or
// none yet: it then shows the page, whose form carries carry along.
func (s *Server) pick(w http.ResponseWriter, r *http.Request, title, action string, carry url.Values) (User, bool) {
	if r.Method == http.MethodPost {
		return userFromForm(w, r.PostForm, s)
	}
	if sub := firstNonEmpty(r.Form.Get("auto"), s.opts.AutoApprove); sub != "" {
		return s.user(sub), true
	}
	renderPick(w, pickPage{Title: title, Action: action, Hidden: hiddenOf(carry), Users: s.opts.Users})
	return User{}, false
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// hiddenOf turns a query into hidden form fields, so the page's POST
// carries the authorize request along.
func hiddenOf(q url.Values) []hidden {
	var out []hidden
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "user" || k == "subject" || k == "claims" {
			continue
		}
		for _, v := range q[k] {
			out = append(out, hidden{Name: k, Value: v})
		}
	}
	return out
}

// userFromForm reads the page's answer: user=<preset subject>, or subject
// and claims (a JSON object).
func userFromForm(w http.ResponseWriter, f url.Values, s *Server) (User, bool) {
	if sub := f.Get("user"); sub != "" {
		return s.user(sub), true
	}
	sub := strings.TrimSpace(f.Get("subject"))
	if sub == "" {
		http.Error(w, "testidp: enter a subject", http.StatusBadRequest)
		return User{}, false
	}
	u := User{Subject: sub, Claims: map[string]any{}}
	if c := strings.TrimSpace(f.Get("claims")); c != "" {
		if err := json.Unmarshal([]byte(c), &u.Claims); err != nil {
			http.Error(w, "testidp: claims must be a JSON object", http.StatusBadRequest)
			return User{}, false
		}
	}
	return u, true
}

// approve issues a code for u and sends the browser back to the client.
func (s *Server) approve(w http.ResponseWriter, r *http.Request, name string, ar authRequest, u User) {
	code := s.random(24)
	s.mu.Lock()
	s.codes[code] = grant{provider: name, clientID: ar.clientID, redirectURI: ar.redirectURI, challenge: ar.challenge,
		nonce: ar.nonce, user: u, authTime: s.now(), expires: s.now().Add(codeTTL)}
	s.mu.Unlock()
	params := url.Values{"code": {code}}
	if ar.state != "" {
		params.Set("state", ar.state)
	}
	if ar.responseMode == "form_post" {
		renderPost(w, ar.redirectURI, params)
		return
	}
	sep := "?"
	if strings.Contains(ar.redirectURI, "?") {
		sep = "&"
	}
	http.Redirect(w, r, ar.redirectURI+sep+params.Encode(), http.StatusFound)
}

// token serves the token endpoint: authorization_code only, client
// authenticated by client_secret_post or client_secret_basic, by POST (or
// GET, as Facebook's endpoint is called).
func (s *Server) token(w http.ResponseWriter, r *http.Request, name string) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	f := r.Form
	id, secret := f.Get("client_id"), f.Get("client_secret")
	if bid, bsecret, ok := r.BasicAuth(); ok {
		bid, _ = url.QueryUnescape(bid)
		bsecret, _ = url.QueryUnescape(bsecret)
		id, secret = bid, bsecret
	}
	if s.opts.Clients != nil {
		c, ok := s.opts.Clients[id]
		if !ok || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
			oauthError(w, http.StatusUnauthorized, "invalid_client")
			return
		}
	}
	if f.Get("grant_type") != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	s.mu.Lock()
	g, ok := s.codes[f.Get("code")]
	delete(s.codes, f.Get("code"))
	s.mu.Unlock()
	if !ok || g.provider != name || !s.now().Before(g.expires) || g.clientID != id || g.redirectURI != f.Get("redirect_uri") {
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	if g.challenge != "" {
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
	}
	access := s.random(32)
	g.expires = s.now().Add(tokenTTL)
	s.mu.Lock()
	s.tokens[access] = g
	s.mu.Unlock()
	idToken, err := s.idToken(name, g, access)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "id_token": idToken, "token_type": "Bearer", "expires_in": int(tokenTTL / time.Second),
	})
}

// idToken signs the ID token of a grant.
func (s *Server) idToken(name string, g grant, access string) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: s.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", s.kid))
	if err != nil {
		return "", err
	}
	now := s.now()
	sum := sha256.Sum256([]byte(access))
	claims := map[string]any{}
	for k, v := range g.user.Claims {
		claims[k] = v
	}
	std := map[string]any{
		"iss": s.Issuer(name), "sub": g.user.Subject, "aud": g.clientID,
		"iat": now.Unix(), "exp": now.Add(tokenTTL).Unix(), "auth_time": g.authTime.Unix(),
		"at_hash": base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]),
	}
	if g.nonce != "" {
		std["nonce"] = g.nonce
	}
	for k, v := range std {
		claims[k] = v
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// userinfo answers /userinfo (OIDC), /me (Facebook: the subject as id)
// and /user/profile (Login with Amazon: the subject as user_id) for a
// Bearer access token.
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request, name, path string) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		tok = r.URL.Query().Get("access_token")
	}
	s.mu.Lock()
	g, found := s.tokens[tok]
	s.mu.Unlock()
	if !found || g.provider != name || !s.now().Before(g.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_token")
		return
	}
	out := map[string]any{}
	for k, v := range g.user.Claims {
		out[k] = v
	}
	switch path {
	case "/me":
		out["id"] = g.user.Subject
	case "/user/profile":
		out["user_id"] = g.user.Subject
	default:
		out["sub"] = g.user.Subject
	}
	writeJSON(w, http.StatusOK, out)
}

// The pages.

type hidden struct{ Name, Value string }

type pickPage struct {
	Title  string
	Action string
	Hidden []hidden
	Users  []User
}

var pickTemplate = template.Must(template.New("pick").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:2rem auto}button{margin:.25rem 0}textarea,input{width:100%}</style></head>
<body><h1>{{.Title}}</h1><p>userpoold built-in test identity provider. Do not use in production.</p>
{{range .Users}}<form method="post" action="{{$.Action}}">{{range $.Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<input type="hidden" name="user" value="{{.Subject}}"><button type="submit" name="pick" id="user-{{.Subject}}">Sign in as {{.Subject}}</button></form>{{end}}
<form method="post" action="{{.Action}}">{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<h2>Another user</h2>
<label for="subject">Subject</label><input id="subject" name="subject" required>
<label for="claims">Claims (JSON object)</label><textarea id="claims" name="claims" rows="6">{"email":"user@example.com","email_verified":true}</textarea>
<button type="submit" id="submit-other">Sign in</button></form>
</body></html>`))

func renderPick(w http.ResponseWriter, p pickPage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	pickTemplate.Execute(w, p)
}

type postPage struct {
	Action string
	Fields []hidden
}

var postTemplate = template.Must(template.New("post").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Continue</title></head>
<body onload="document.forms[0].submit()"><form method="post" action="{{.Action}}">{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<noscript><p>JavaScript is off: press the button.</p></noscript><button type="submit" id="continue">Continue</button></form></body></html>`))

// renderPost answers with a form that posts fields to action (OAuth
// form_post, the SAML HTTP-POST binding).
func renderPost(w http.ResponseWriter, action string, fields url.Values) {
	p := postPage{Action: action}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p.Fields = append(p.Fields, hidden{Name: k, Value: fields.Get(k)})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	postTemplate.Execute(w, p)
}
