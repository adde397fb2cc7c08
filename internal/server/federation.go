package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/federation"
	"github.com/userpoold/userpoold/internal/hostedui"
	"github.com/userpoold/userpoold/internal/oauth"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// federationClient is the HTTP client that reaches identity providers:
// the default one, trusting roots beside the system's (nil without).
func federationClient(roots []*x509.Certificate) *http.Client {
	if len(roots) == 0 {
		return nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, c := range roots {
		pool.AddCert(c)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// federationConfig is the federation package's view of the configuration.
// A social endpoint given as a path (/_idp/google) is on the server itself,
// under its public base URL.
func federationConfig(cfg config.Config, base string) federation.Config {
	fc := federation.Config{AllowHTTP: cfg.Federation.AllowHTTP}
	if len(cfg.Federation.SocialEndpoints) > 0 {
		fc.Social = map[federation.Type]string{}
		for t, u := range cfg.Federation.SocialEndpoints {
			if strings.HasPrefix(u, "/") {
				u = base + u
			}
			fc.Social[federation.Type(t)] = u
		}
	}
	return fc
}

// This file also adapts package federation to the domain router
// (hostedui.Federation): it starts sign-ins through a pool's identity
// providers (federation.RP for OIDC and the social types, federation.SP
// for SAML), serves their answers, turns the identity into the pool user
// through userpool.FederatedSignIn and ends in hostedui.Handler.SignIn,
// the same completion as a password sign-in's. The replay cache of spent
// states and assertion IDs is the store's (storage.FederationStore
// SpendOnce), shared by every node.

// replayStore backs federation.ReplayCache with the store.
type replayStore struct {
	store storage.FederationStore
	now   func() time.Time
}

func (r replayStore) Consume(ctx context.Context, key string, expiresAt time.Time) error {
	err := r.store.SpendOnce(ctx, key, r.now(), expiresAt)
	if errors.Is(err, storage.ErrExists) {
		return federation.ErrReplayed
	}
	return err
}

// federationSite is hostedui.Federation.
type federationSite struct {
	pools   *userpool.Service
	rp      *federation.RP
	sp      *federation.SP
	pages   *hostedui.Handler
	clients oauth.ClientSource
	catalog oauth.ScopeCatalog
	now     func() time.Time
	log     *slog.Logger
}

// newFederationSite builds the federation adapter of the domain router.
func newFederationSite(cfg config.Config, httpClient *http.Client, store storage.FederationStore, master []byte, pools *userpool.Service, pages *hostedui.Handler, clients oauth.ClientSource, catalog oauth.ScopeCatalog, now func() time.Time, log *slog.Logger) (*federationSite, error) {
	states, err := federation.NewStates(master, now, nil)
	if err != nil {
		return nil, err
	}
	replay := replayStore{store: store, now: now}
	return &federationSite{
		pools:   pools,
		rp:      &federation.RP{Config: pools.Configurer.Config, States: states, Replay: replay, HTTP: httpClient, Now: now},
		sp:      &federation.SP{States: states, Replay: replay, Now: now},
		pages:   pages,
		clients: clients,
		catalog: catalog,
		now:     now,
		log:     log,
	}, nil
}

// domainBase is the URL the browser reached the domain at, without a
// trailing slash: the base of the providers' callback URLs.
func (f *federationSite) domainBase(r *http.Request, d hostedui.Domain) string {
	scheme := "http"
	if f.pages.CookieScope(r, d).Secure {
		scheme = "https"
	}
	return scheme + "://" + r.Host + d.BasePath
}

// setStateCookie binds a flow to the browser: SameSite=None over TLS (the
// SAML answer is a cross-site POST), Lax over plain http; maxAge <= 0
// deletes it.
func (f *federationSite) setStateCookie(w http.ResponseWriter, r *http.Request, d hostedui.Domain, value string, maxAge int) {
	sc := f.pages.CookieScope(r, d)
	c := &http.Cookie{Name: federation.StateCookie, Value: value, Path: sc.Path, MaxAge: maxAge, HttpOnly: true, Secure: sc.Secure, SameSite: http.SameSiteLaxMode}
	if sc.Secure {
		c.SameSite = http.SameSiteNoneMode
	}
	http.SetCookie(w, c)
}

func stateCookie(r *http.Request) string {
	if c, err := r.Cookie(federation.StateCookie); err == nil {
		return c.Value
	}
	return ""
}

// Buttons implements hostedui.Federation.
func (f *federationSite) Buttons(ctx context.Context, poolID string, names []string) ([]string, error) {
	all, err := f.pools.IdentityProviders(ctx, poolID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		if _, ok := federation.Find(all, n, ""); ok {
			out = append(out, n)
		}
	}
	return out, nil
}

// Start implements hostedui.Federation: the redirect to the provider.
func (f *federationSite) Start(w http.ResponseWriter, r *http.Request, d hostedui.Domain, req *oauth.AuthorizeRequest) {
	ctx := r.Context()
	all, err := f.pools.IdentityProviders(ctx, d.PoolID)
	if err != nil {
		f.pages.ServerError(w, "identity providers", err)
		return
	}
	p, ok := federation.Find(all, req.IdentityProvider, req.IDPIdentifier)
	if !ok || !req.Client.SupportsProvider(p.Name) {
		// UNCONFIRMED wording and code.
		http.Redirect(w, r, req.Error(oauth.CodeInvalidRequest, "identity provider not available").Location(), http.StatusFound)
		return
	}
	b := federation.Begin{PoolID: d.PoolID, DomainBase: f.domainBase(r, d), Authorize: r.URL.Query()}
	var st federation.Start
	if p.Type == federation.TypeSAML {
		key, kerr := f.pools.SAMLKey(ctx, d.PoolID)
		if kerr != nil {
			f.pages.ServerError(w, "SAML key", kerr)
			return
		}
		st, err = f.sp.Begin(ctx, p, key, b)
	} else {
		st, err = f.rp.Begin(ctx, p, b)
	}
	if err != nil {
		if fe := federation.AsError(err); fe != nil && !fe.Page {
			f.log.Info("federation: start refused", "provider", p.Name, "error", err.Error())
			http.Redirect(w, r, fe.Location(req.RedirectURI, req.State, req.HasState, req.ResponseType == oauth.ResponseToken), http.StatusFound)
			return
		}
		f.pages.ServerError(w, "federation start", err)
		return
	}
	f.setStateCookie(w, r, d, st.Cookie, int(federation.FlowTTL/time.Second))
	http.Redirect(w, r, st.Location, http.StatusFound)
}

// maxIdPForm bounds the body of an IdP's answer (a SAMLResponse, Apple's
// form_post).
const maxIdPForm = 512 << 10

// Callback implements hostedui.Federation.
func (f *federationSite) Callback(w http.ResponseWriter, r *http.Request, d hostedui.Domain) {
	switch {
	case r.URL.Path == federation.PathOAuthCallback && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		f.oauthCallback(w, r, d)
	case r.URL.Path == federation.PathSAMLCallback && r.Method == http.MethodPost:
		f.samlCallback(w, r, d)
	case r.URL.Path == pathSAMLMetadata && r.Method == http.MethodGet:
		f.samlMetadata(w, r, d)
	default:
		w.Header().Set("Allow", "GET, POST")
		f.pages.ErrorPage(w, http.StatusMethodNotAllowed, oauth.CodeInvalidRequest, "")
	}
}

// pathSAMLMetadata serves the pool's SP metadata (UNCONFIRMED path).
const pathSAMLMetadata = "/saml2/metadata"

// params are the parameters of an IdP's answer: the query, or the form
// of a POST (Apple's form_post).
func params(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if r.Method != http.MethodPost {
		return r.URL.Query(), true
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxIdPForm)
	if err := r.ParseForm(); err != nil {
		return nil, false
	}
	return r.PostForm, true
}

func (f *federationSite) oauthCallback(w http.ResponseWriter, r *http.Request, d hostedui.Domain) {
	ctx := r.Context()
	form, ok := params(w, r)
	if !ok {
		f.pages.ErrorPage(w, http.StatusBadRequest, oauth.CodeInvalidRequest, "")
		return
	}
	flow, err := f.rp.Open(form.Get("state"))
	if err == nil && flow.PoolID != d.PoolID {
		err = &federation.Error{Code: federation.CodeInvalidRequest, Description: federation.MsgSomethingWrong, Page: true}
	}
	if err != nil {
		f.fail(w, r, d, nil, "", err)
		return
	}
	p, err := f.pools.IdentityProvider(ctx, d.PoolID, flow.Provider)
	if err != nil || !p.Type.OAuth() {
		f.fail(w, r, d, flow.Authorize, flow.Provider, &federation.Error{Code: federation.CodeInvalidRequest, Description: federation.MsgSomethingWrong, Page: true})
		return
	}
	id, err := f.rp.Finish(ctx, p, flow, form, stateCookie(r))
	f.setStateCookie(w, r, d, "", -1)
	if err != nil {
		f.fail(w, r, d, flow.Authorize, p.Name, err)
		return
	}
	f.signIn(w, r, d, flow.Authorize, p, id)
}

func (f *federationSite) samlCallback(w http.ResponseWriter, r *http.Request, d hostedui.Domain) {
	ctx := r.Context()
	form, ok := params(w, r)
	if !ok {
		f.pages.ErrorPage(w, http.StatusBadRequest, oauth.CodeInvalidRequest, federation.MsgBadRelayState)
		return
	}
	rs, err := f.sp.ParseRelayState(form.Get("RelayState"))
	if err != nil {
		f.fail(w, r, d, nil, "", err)
		return
	}
	key, err := f.pools.SAMLKey(ctx, d.PoolID)
	if err != nil {
		f.pages.ServerError(w, "SAML key", err)
		return
	}
	var (
		p         federation.Provider
		id        federation.Identity
		authorize url.Values
	)
	if rs.Flow != nil {
		flow := *rs.Flow
		authorize = flow.Authorize
		if flow.PoolID == d.PoolID {
			p, err = f.pools.IdentityProvider(ctx, d.PoolID, flow.Provider)
		}
		if flow.PoolID != d.PoolID || err != nil || p.Type != federation.TypeSAML {
			f.fail(w, r, d, authorize, flow.Provider, &federation.Error{Code: federation.CodeInvalidRequest, Description: federation.MsgSomethingWrong, Page: true})
			return
		}
		id, err = f.sp.Finish(ctx, p, key, flow, form, stateCookie(r))
		f.setStateCookie(w, r, d, "", -1)
	} else {
		authorize = rs.Authorize
		all, lerr := f.pools.IdentityProviders(ctx, d.PoolID)
		if lerr != nil {
			f.pages.ServerError(w, "identity providers", lerr)
			return
		}
		var found bool
		p, found = federation.Find(all, authorize.Get("identity_provider"), authorize.Get("idp_identifier"))
		if !found || p.Type != federation.TypeSAML {
			f.fail(w, r, d, nil, "", &federation.Error{Code: federation.CodeInvalidRequest, Description: federation.MsgBadRelayState, Page: true})
			return
		}
		// The app's request must accept the provider however it named it.
		authorize.Del("idp_identifier")
		authorize.Set("identity_provider", p.Name)
		id, err = f.sp.FinishIDPInit(ctx, p, key, f.domainBase(r, d), form)
	}
	if err != nil {
		f.fail(w, r, d, authorize, p.Name, err)
		return
	}
	f.signIn(w, r, d, authorize, p, id)
}

// samlMetadata serves the pool's SP metadata; ?identity_provider=<name>
// of a provider with EncryptedResponses adds the encryption key.
func (f *federationSite) samlMetadata(w http.ResponseWriter, r *http.Request, d hostedui.Domain) {
	ctx := r.Context()
	key, err := f.pools.SAMLKey(ctx, d.PoolID)
	if err != nil {
		f.pages.ServerError(w, "SAML key", err)
		return
	}
	encrypt := false
	if name := r.URL.Query().Get("identity_provider"); name != "" {
		if p, err := f.pools.IdentityProvider(ctx, d.PoolID, name); err == nil {
			encrypt = p.EncryptedResponses()
		}
	}
	doc, err := f.sp.Metadata(d.PoolID, key, f.domainBase(r, d), encrypt)
	if err != nil {
		f.pages.ServerError(w, "SAML metadata", err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Write(doc)
}

// signIn turns a verified identity into the pool user and finishes the
// app's authorize request.
func (f *federationSite) signIn(w http.ResponseWriter, r *http.Request, d hostedui.Domain, authorize url.Values, p federation.Provider, id federation.Identity) {
	ctx := r.Context()
	pool, client, err := f.pools.PoolClient(ctx, d.PoolID, authorize.Get("client_id"))
	if err != nil {
		f.fail(w, r, d, nil, p.Name, &federation.Error{Code: federation.CodeInvalidRequest, Description: federation.MsgSomethingWrong, Page: true})
		return
	}
	u, err := f.pools.FederatedSignIn(ctx, pool, client, p, id)
	if err != nil {
		f.fail(w, r, d, authorize, p.Name, err)
		return
	}
	f.pages.SignIn(w, r, d, authorize, oauth.Subject{PoolID: pool.ID, Username: u.Username, Sub: u.Sub, AuthTime: f.now()})
}

// fail answers a failed federated sign-in: a federation.Error goes back
// to the app's redirect URI (or, for a Page one or an app request that is
// no longer valid, to the error page); anything else is a server error.
func (f *federationSite) fail(w http.ResponseWriter, r *http.Request, d hostedui.Domain, authorize url.Values, provider string, err error) {
	fe := federation.AsError(err)
	if fe == nil {
		f.pages.ServerError(w, "federation", err)
		return
	}
	f.log.Info("federation: sign-in refused", "pool", d.PoolID, "provider", provider, "error", err.Error())
	if !fe.Page && authorize != nil {
		req, aerr, perr := oauth.ParseAuthorize(r.Context(), d.PoolID, authorize, f.clients, f.catalog)
		if perr == nil && aerr == nil {
			http.Redirect(w, r, fe.Location(req.RedirectURI, req.State, req.HasState, req.ResponseType == oauth.ResponseToken), http.StatusFound)
			return
		}
	}
	f.pages.ErrorPage(w, http.StatusBadRequest, oauth.Code(fe.Code), fe.Description)
}
