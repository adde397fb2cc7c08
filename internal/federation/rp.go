package federation

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// RP is the OAuth 2.0 / OpenID Connect client Cognito is towards OIDC and
// social identity providers (spec §14.3): it sends the browser to the
// provider with a sealed state, a nonce and PKCE, then redeems the code
// (client_secret_post, as Cognito does; Facebook's GET; Apple's signed
// client secret), verifies the ID token against the provider's JWKS
// (issuer, audience, expiry, nonce), reads userInfo where the type uses
// it, and returns the Identity. An RP is safe for concurrent use.
type RP struct {
	Config Config
	States *States
	Replay ReplayCache
	// HTTP reaches the providers; http.DefaultClient when nil. Cognito
	// follows at most 20 redirects, as net/http does.
	HTTP *http.Client
	Now  func() time.Time

	keysMu sync.Mutex
	keys   map[string]*oidc.RemoteKeySet
}

func (rp *RP) now() time.Time {
	if rp.Now != nil {
		return rp.Now()
	}
	return time.Now()
}

func (rp *RP) client() *http.Client {
	if rp.HTTP != nil {
		return rp.HTTP
	}
	return http.DefaultClient
}

// endpoints resolves p's endpoints, discovering them when the type is sent
// to an override base URL.
func (rp *RP) endpoints(ctx context.Context, p Provider) (Endpoints, error) {
	ep := rp.Config.Endpoints(p)
	if !ep.Discover {
		return ep, nil
	}
	d, err := discover(ctx, rp.client(), ep.Issuer)
	if err != nil {
		return ep, err
	}
	ep.Authorize, ep.Token, ep.JWKS = d.Authorize, d.Token, d.JWKS
	return ep, nil
}

// Begin starts a federated sign-in with OAuth provider p: it seals a new
// flow and returns the provider's authorize URL (response_type=code,
// client_id, redirect_uri = DomainBase + /oauth2/idpresponse, scope =
// authorize_scopes, state, nonce for providers with ID tokens, and an S256
// PKCE challenge: UNCONFIRMED whether Cognito sends one) and the
// StateCookie value. Sign in with Apple is asked to answer with
// response_mode=form_post, as Apple requires when scopes are requested.
func (rp *RP) Begin(ctx context.Context, p Provider, b Begin) (Start, error) {
	if !p.Type.OAuth() {
		return Start{}, fmt.Errorf("federation: %s is not an OAuth provider", p.Name)
	}
	ep, err := rp.endpoints(ctx, p)
	if err != nil {
		return Start{}, failure(CodeServerError, "Unable to reach the identity provider", err) // UNCONFIRMED wording
	}
	f := Flow{PoolID: b.PoolID, Provider: p.Name, Authorize: b.Authorize, CallbackURL: b.DomainBase + PathOAuthCallback}
	cookie, err := rp.States.start(&f)
	if err != nil {
		return Start{}, err
	}
	if ep.Issuer != "" {
		if f.Nonce, err = rp.States.random(24); err != nil {
			return Start{}, err
		}
	}
	if f.Verifier, err = rp.States.random(48); err != nil {
		return Start{}, err
	}
	state, err := rp.States.Seal(f)
	if err != nil {
		return Start{}, err
	}
	q := url.Values{}
	q.Set("response_type", "code")
	q.Set("client_id", p.Details[KeyClientID])
	q.Set("redirect_uri", f.CallbackURL)
	q.Set("scope", p.Details[KeyAuthorizeScopes])
	q.Set("state", state)
	if f.Nonce != "" {
		q.Set("nonce", f.Nonce)
	}
	q.Set("code_challenge", s256(f.Verifier))
	q.Set("code_challenge_method", "S256")
	if p.Type == TypeApple && strings.TrimSpace(p.Details[KeyAuthorizeScopes]) != "" {
		q.Set("response_mode", "form_post")
	}
	return Start{Location: withQuery(ep.Authorize, q), Cookie: cookie}, nil
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// withQuery appends q to a URL that may already have a query.
func withQuery(base string, q url.Values) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
		if strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&") {
			sep = ""
		}
	}
	return base + sep + q.Encode()
}

// Open returns the flow sealed in an IdP answer's state (the callback's
// state parameter), so that the caller can load the pool's provider it
// names before calling Finish. Failures are Page *Error values.
func (rp *RP) Open(state string) (Flow, error) { return rp.States.Open(state) }

// tokenResponse is an OAuth 2.0 token response.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    any    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
}

// Finish completes a federated sign-in from the IdP's answer at
// /oauth2/idpresponse (params: the query, or the form of Apple's
// form_post). cookie is the browser's StateCookie value ("" if none). The
// flow is spent first, so an answer is used at most once. Failures are
// *Error values: Page ones when the flow cannot be trusted, redirectable
// ones otherwise.
func (rp *RP) Finish(ctx context.Context, p Provider, f Flow, params url.Values, cookie string) (Identity, error) {
	if f.Provider != p.Name || f.PoolID != p.PoolID {
		return Identity{}, pageError(MsgSomethingWrong, errors.New("flow of another provider"))
	}
	if err := spend(ctx, rp.Replay, f, cookie, false); err != nil {
		return Identity{}, err
	}
	if e := params.Get("error"); e != "" {
		// The IdP refused (the user cancelled, say): its error goes back
		// to the app. UNCONFIRMED: how Cognito words it.
		desc := params.Get("error_description")
		if desc == "" {
			desc = e
		}
		code := CodeInvalidRequest
		if e == CodeAccessDenied {
			code = CodeAccessDenied
		}
		return Identity{}, failure(code, desc, nil)
	}
	code := params.Get("code")
	if code == "" {
		return Identity{}, failure(CodeInvalidRequest, MsgTokenEndpoint, errors.New("no code in the IdP's answer"))
	}
	ep, err := rp.endpoints(ctx, p)
	if err != nil {
		return Identity{}, failure(CodeServerError, MsgTokenEndpoint, err)
	}
	tr, raw, err := rp.exchange(ctx, p, ep, f, code)
	if err != nil {
		return Identity{}, err
	}
	id := Identity{ProviderName: p.Name, ProviderType: p.Type, TokenResponse: raw, Claims: map[string][]string{}}
	if ep.Issuer != "" {
		claims, err := rp.verifyIDToken(ctx, p, ep, f, tr.IDToken)
		if err != nil {
			return Identity{}, err
		}
		id.Claims = claimsOf(claims)
		id.IDToken = flatten(id.Claims)
	}
	if ep.Attributes != "" {
		info, err := rp.userInfo(ctx, p, ep, tr.AccessToken)
		if err != nil {
			return Identity{}, err
		}
		infoClaims := claimsOf(info)
		if ep.Issuer != "" {
			// OIDC Core §5.3.2: the userInfo sub must be the ID token's.
			if got, _ := firstOf(infoClaims, "sub"); got != "" {
				if want, _ := firstOf(id.Claims, "sub"); got != want {
					return Identity{}, failure(CodeInvalidRequest, MsgUserInfo, errors.New("userInfo sub differs from the ID token's"))
				}
			}
		}
		id.UserInfo = flatten(infoClaims)
		id.Claims = merge(id.Claims, infoClaims)
	}
	claim := p.AttributeMapping[mapUsername]
	if claim == "" {
		claim = defaultUsernameClaim[p.Type]
	}
	uid, _ := firstOf(id.Claims, claim)
	if uid == "" {
		return Identity{}, failure(CodeInvalidRequest, MsgNoSubject, fmt.Errorf("claim %q missing", claim))
	}
	id.UserID = uid
	return id, nil
}

func firstOf(c map[string][]string, name string) (string, bool) {
	v := c[name]
	if len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// exchange redeems the code at the token endpoint.
func (rp *RP) exchange(ctx context.Context, p Provider, ep Endpoints, f Flow, code string) (tokenResponse, map[string]string, error) {
	form := url.Values{}
	form.Set("grant_type", "authorization_code")
	form.Set("client_id", p.Details[KeyClientID])
	form.Set("code", code)
	form.Set("redirect_uri", f.CallbackURL)
	if f.Verifier != "" {
		form.Set("code_verifier", f.Verifier)
	}
	switch p.Type {
	case TypeApple:
		secret, err := appleClientSecret(p, ep.Issuer, rp.now())
		if err != nil {
			return tokenResponse{}, nil, failure(CodeServerError, MsgTokenEndpoint, err)
		}
		form.Set("client_secret", secret)
	default:
		if s := p.Details[KeyClientSecret]; s != "" {
			form.Set("client_secret", s)
		}
	}
	var req *http.Request
	var err error
	if ep.TokenMethod == http.MethodGet {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, withQuery(ep.Token, form), nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, ep.Token, strings.NewReader(form.Encode()))
		if req != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		return tokenResponse{}, nil, failure(CodeServerError, MsgTokenEndpoint, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := rp.client().Do(req)
	if err != nil {
		if isTimeout(err) {
			return tokenResponse{}, nil, failure(CodeServerError, MsgTokenTimeout, err)
		}
		return tokenResponse{}, nil, failure(CodeServerError, MsgTokenEndpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument))
	if err != nil {
		return tokenResponse{}, nil, failure(CodeServerError, MsgTokenEndpoint, err)
	}
	var tr tokenResponse
	var raw map[string]any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return tokenResponse{}, nil, failure(CodeInvalidRequest, MsgTokenEndpoint, fmt.Errorf("token endpoint answered %s with a body that is not JSON", resp.Status))
	}
	_ = json.Unmarshal(body, &tr)
	if resp.StatusCode != http.StatusOK || tr.Error != "" || tr.AccessToken == "" {
		return tokenResponse{}, nil, failure(CodeInvalidRequest, MsgTokenEndpoint, fmt.Errorf("token endpoint answered %s, error %q", resp.Status, tr.Error))
	}
	return tr, flatten(claimsOf(raw)), nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// keySet returns the cached remote key set of a JWKS URL. Key sets live
// for the RP's lifetime and refresh themselves when a token names an
// unknown key.
func (rp *RP) keySet(jwksURL string) *oidc.RemoteKeySet {
	rp.keysMu.Lock()
	defer rp.keysMu.Unlock()
	if rp.keys == nil {
		rp.keys = map[string]*oidc.RemoteKeySet{}
	}
	ks, ok := rp.keys[jwksURL]
	if !ok {
		ks = oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), rp.client()), jwksURL)
		rp.keys[jwksURL] = ks
	}
	return ks
}

// idTokenAlgs are the signature algorithms accepted in IdP ID tokens.
var idTokenAlgs = []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512, oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA}

// verifyIDToken checks an ID token (go-oidc: signature against the
// provider's JWKS, iss, aud = client_id, exp) and the flow's nonce, and
// returns its claims.
func (rp *RP) verifyIDToken(ctx context.Context, p Provider, ep Endpoints, f Flow, raw string) (map[string]any, error) {
	if raw == "" {
		return nil, failure(CodeInvalidRequest, MsgIDToken+"no id_token in the token response", nil)
	}
	v := oidc.NewVerifier(ep.Issuer, rp.keySet(ep.JWKS), &oidc.Config{
		ClientID: p.Details[KeyClientID], Now: rp.now, SupportedSigningAlgs: idTokenAlgs,
	})
	tok, err := v.Verify(oidc.ClientContext(ctx, rp.client()), raw)
	if err != nil {
		return nil, failure(CodeInvalidRequest, MsgIDToken+idTokenProblem(err), err)
	}
	if f.Nonce != "" && tok.Nonce != f.Nonce {
		return nil, failure(CodeInvalidRequest, MsgIDToken+"nonce mismatch", nil)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return nil, failure(CodeInvalidRequest, MsgIDToken+"malformed claims", err)
	}
	return claims, nil
}

// idTokenProblem names what go-oidc refused, without token content.
func idTokenProblem(err error) string {
	var expired *oidc.TokenExpiredError
	switch msg := err.Error(); {
	case errors.As(err, &expired):
		return "token expired"
	case strings.Contains(msg, "issued by a different provider"):
		return "issuer mismatch"
	case strings.Contains(msg, "expected audience"):
		return "audience mismatch"
	case strings.Contains(msg, "signature"):
		return "signature invalid"
	}
	return "verification failed"
}

// userInfo reads the provider's attributes URL with the access token:
// OIDC's userInfo (GET or POST, attributes_request_method), Facebook's
// /me with fields= the mapped claims and id, Login with Amazon's profile.
func (rp *RP) userInfo(ctx context.Context, p Provider, ep Endpoints, accessToken string) (map[string]any, error) {
	target := ep.Attributes
	if ep.AddAttributes {
		fields := []string{defaultUsernameClaim[p.Type]}
		for k, claim := range p.AttributeMapping {
			if k != mapUsername && !slices.Contains(fields, claim) {
				fields = append(fields, claim)
			}
		}
		slices.Sort(fields[1:])
		target += url.QueryEscape(strings.Join(fields, ","))
	}
	var req *http.Request
	var err error
	if ep.AttributesMethod == http.MethodPost {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, target, nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	}
	if err != nil {
		return nil, failure(CodeServerError, MsgUserInfo, err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := rp.client().Do(req)
	if err != nil {
		return nil, failure(CodeServerError, MsgUserInfo, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, failure(CodeInvalidRequest, MsgUserInfo, fmt.Errorf("attributes URL answered %s", resp.Status))
	}
	var info map[string]any
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxDocument))
	dec.UseNumber()
	if err := dec.Decode(&info); err != nil {
		return nil, failure(CodeInvalidRequest, MsgUserInfo, err)
	}
	return info, nil
}
