package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/authflow"
	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/hostedui"
	"github.com/userpoold/userpoold/internal/oauth"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file adapts package oauth (the protocol core of a pool domain) to
// the services it consumes and that consume it. Each adapter is small and
// only converts values: the rules stay where they are owned (sign-in in
// authflow, lifecycles in userpool, the protocol in oauth).

// buildDomainRouter builds what serves the user pool domains: the OAuth
// JSON endpoints (oauth.Handlers) and the hosted pages (hostedui.Handler)
// over the adapters below, behind hostedui.Router.
func buildDomainRouter(cfg config.Config, store storage.Store, master []byte, pools *userpool.Service, auth *authflow.Service, domains *domainCache, now func() time.Time, log *slog.Logger) (*hostedui.Router, error) {
	site := oauthSite{pools: pools}
	catalog := scopeCatalog{pools: pools}
	codes := codeStore{sessions: store}
	tokens := grants{auth: auth}
	users := profiles{auth: auth}
	cookies, err := oauth.NewCookies(master, now, nil)
	if err != nil {
		return nil, err
	}
	renderer, err := hostedui.NewRenderer()
	if err != nil {
		return nil, err
	}
	pages := &hostedui.Handler{
		Pages:      renderer,
		Auth:       pageAccounts{auth: auth, pools: pools},
		Authorizer: &oauth.Authorizer{Codes: codes, Grants: tokens, Now: now},
		Cookies:    cookies,
		Clients:    site,
		Catalog:    catalog,
		Sessions:   users,
		Sites:      site,
		Now:        now,
		Log:        log,
		// Behind a TLS-terminating proxy (an https public URL) the
		// proxy's X-Forwarded-Proto decides whether cookies are Secure.
		TrustForwardedProto: strings.HasPrefix(strings.ToLower(cfg.PublicURL), "https://"),
	}
	if err := pages.Init(master); err != nil {
		return nil, err
	}
	fed, err := newFederationSite(cfg, pools.Configurer.HTTP, store, master, pools, pages, site, catalog, now, log)
	if err != nil {
		return nil, err
	}
	pages.Federation = fed
	return &hostedui.Router{
		Region:  cfg.Region,
		Domains: domains,
		Pages:   pages,
		API: &oauth.Handlers{
			Clients: site, Catalog: catalog, Codes: codes, Grants: tokens,
			Profiles: users, Revoker: users, Now: now, Log: log,
		},
	}, nil
}

// oauthRules gives userpool.Service the protocol's configuration rules
// (userpool.OAuthRules).
type oauthRules struct{}

func (oauthRules) CheckPrefix(prefix string) error     { return oauth.ValidatePrefix(prefix) }
func (oauthRules) CheckCustomDomain(fqdn string) error { return oauth.ValidateCustomDomain(fqdn) }
func (oauthRules) PrefixHost(prefix, region string) string {
	return oauth.PrefixHost(prefix, region)
}
func (oauthRules) CheckClient(c userpool.OAuthClient, customScopes []string) error {
	oc := oauth.Client{
		OAuthEnabled:       c.Enabled,
		Scopes:             c.Scopes,
		CallbackURLs:       c.CallbackURLs,
		LogoutURLs:         c.LogoutURLs,
		DefaultRedirectURI: c.DefaultRedirectURI,
		IdentityProviders:  c.IdentityProviders,
	}
	for _, f := range c.Flows {
		oc.Flows = append(oc.Flows, oauth.Flow(f))
	}
	if c.HasSecret {
		// Only whether the client has a secret matters to the rules.
		oc.Secrets = []string{"(secret)"}
	}
	return oauth.ValidateClientConfig(oc, customScopes)
}

// scopeRules gives authflow the protocol's scope rules
// (authflow.ScopeRules).
type scopeRules struct{}

func (scopeRules) Claims(scopes []string) (bool, func(string) bool) { return oauth.ScopeClaims(scopes) }

// scopeCatalog lists a pool's custom scopes (oauth.ScopeCatalog).
type scopeCatalog struct{ pools *userpool.Service }

func (c scopeCatalog) CustomScopes(ctx context.Context, poolID string) ([]string, error) {
	return c.pools.CustomScopes(ctx, poolID)
}

// codeStore keeps authorization codes in the session store
// (oauth.CodeStore): a session whose ID is "code:" and the code's key, its
// state the code record (sealed at rest by the store), spent by marking it
// used in one atomic update. The sweeper removes expired ones with the
// other sessions.
type codeStore struct{ sessions storage.SessionStore }

func codeID(key string) string { return "code:" + key }

func (c codeStore) PutCode(ctx context.Context, key string, code oauth.AuthCode) error {
	state, err := json.Marshal(code)
	if err != nil {
		return err
	}
	return c.sessions.CreateSession(ctx, storage.AuthSession{ID: codeID(key), PoolID: code.PoolID, ClientID: code.ClientID, ExpiresAt: code.ExpiresAt, State: state})
}

// errCodeSpent is the update's refusal of a used code.
var errCodeSpent = errors.New("code spent")

func (c codeStore) TakeCode(ctx context.Context, key string) (oauth.AuthCode, error) {
	s, err := c.sessions.UpdateSession(ctx, codeID(key), func(s *storage.AuthSession) error {
		if s.Used {
			return errCodeSpent
		}
		s.Used = true
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, errCodeSpent) {
		return oauth.AuthCode{}, oauth.ErrCodeNotFound
	}
	if err != nil {
		return oauth.AuthCode{}, err
	}
	var code oauth.AuthCode
	if err := json.Unmarshal(s.State, &code); err != nil {
		return oauth.AuthCode{}, fmt.Errorf("authorization code record: %w", err)
	}
	return code, nil
}

// grants mints the tokens of the OAuth grants through authflow
// (oauth.Grants).
type grants struct{ auth *authflow.Service }

func oauthTokens(t *authflow.Tokens) oauth.Tokens {
	return oauth.Tokens{AccessToken: t.AccessToken, IDToken: t.IDToken, RefreshToken: t.RefreshToken, ExpiresIn: int(t.ExpiresIn)}
}

func (g grants) UserTokens(ctx context.Context, ug oauth.UserGrant) (oauth.Tokens, error) {
	t, err := g.auth.GrantTokens(ctx, authflow.Grant{
		PoolID: ug.Client.PoolID, ClientID: ug.Client.ID,
		Username: ug.Subject.Username, Sub: ug.Subject.Sub, AuthTime: ug.Subject.AuthTime,
		Scopes: ug.Scopes, Nonce: ug.Nonce, Refresh: ug.Refresh,
	})
	if err != nil {
		return oauth.Tokens{}, err
	}
	return oauthTokens(t), nil
}

func (g grants) RefreshTokens(ctx context.Context, client oauth.Client, refreshToken string) (oauth.Tokens, error) {
	t, err := g.auth.RefreshGrant(ctx, client.ID, refreshToken)
	if err != nil {
		return oauth.Tokens{}, err
	}
	return oauthTokens(t), nil
}

func (g grants) ClientTokens(ctx context.Context, client oauth.Client, scopes []string) (oauth.Tokens, error) {
	t, err := g.auth.ClientCredentialsTokens(ctx, client.ID, scopes, oauth.ClientMetadata(ctx))
	if err != nil {
		return oauth.Tokens{}, err
	}
	return oauthTokens(t), nil
}

// profiles answers userInfo (oauth.UserInfoSource) and revocation
// (oauth.Revoker) and checks the single sign-on session
// (oauth.SessionChecker) through authflow.
type profiles struct{ auth *authflow.Service }

func (p profiles) UserInfo(ctx context.Context, accessToken string) (oauth.Profile, error) {
	who, client, err := p.auth.UserInfo(ctx, accessToken)
	if err != nil {
		return oauth.Profile{}, err
	}
	prof := oauth.Profile{Username: who.User.Username, Scopes: strings.Fields(who.Claims.Scope)}
	prof.Attributes = append(prof.Attributes, oauth.Attribute{Name: "sub", Value: who.User.Sub})
	readable := authflow.ReadableAttributes(who.User, client)
	for _, a := range who.User.Attributes {
		if _, ok := readable[a.Name]; ok {
			prof.Attributes = append(prof.Attributes, oauth.Attribute{Name: a.Name, Value: a.Value})
		}
	}
	return prof, nil
}

func (p profiles) RevokeRefresh(ctx context.Context, client oauth.Client, refreshToken string) error {
	return p.auth.RevokeRefresh(ctx, client.ID, refreshToken)
}

// CheckSession says whether the session cookie's user may still be signed
// in without a password; a user who may not is not an error.
func (p profiles) CheckSession(ctx context.Context, s oauth.Subject) (bool, error) {
	err := p.auth.CheckSignedIn(ctx, s.PoolID, s.Username, s.Sub, s.AuthTime)
	switch fault.KindOf(err) {
	case "":
		return err == nil, err
	case fault.NotAuthorized, fault.UserNotFound, fault.UserNotConfirmed, fault.PasswordResetRequired, fault.ResourceNotFound:
		return false, nil
	}
	return false, err
}
