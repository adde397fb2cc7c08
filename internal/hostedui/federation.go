package hostedui

import (
	"context"
	"net/http"
	"net/url"

	"github.com/userpoold/userpoold/internal/oauth"
)

// Federation is sign-in through the pool's external identity providers
// (spec §14); the server implements it over package federation and
// userpool (server/federation.go). With none, an authorize request naming
// a provider is refused and the login page shows no provider buttons.
type Federation interface {
	// Start answers a valid authorize request that names an identity
	// provider (identity_provider other than COGNITO, or idp_identifier):
	// it sends the browser to the provider, or answers the failure.
	Start(w http.ResponseWriter, r *http.Request, d Domain, req *oauth.AuthorizeRequest)
	// Callback serves the paths of the providers' answers and of the
	// pool's SAML metadata (FederationPaths). A successful sign-in ends in
	// Handler.SignIn.
	Callback(w http.ResponseWriter, r *http.Request, d Domain)
	// Buttons returns, in order, the names among a client's
	// SupportedIdentityProviders (COGNITO left out) that name an identity
	// provider of the pool: the login page's buttons.
	Buttons(ctx context.Context, poolID string, names []string) ([]string, error)
}

// FederationPaths are the domain paths Federation.Callback serves (spec
// §3: /oauth2/idpresponse, GET for OAuth providers and POST for Apple's
// form_post; /saml2/idpresponse, POST; /saml2/metadata, the pool's SP
// metadata, a path of userpoold's: UNCONFIRMED whether AWS serves one).
var FederationPaths = []string{"/oauth2/idpresponse", "/saml2/idpresponse", "/saml2/metadata"}

// ErrorPage shows the error page (status, OAuth error code and
// description), for failures that must not be redirected.
func (h *Handler) ErrorPage(w http.ResponseWriter, status int, code oauth.Code, desc string) {
	h.errorPage(w, status, code, desc)
}

// ServerError logs err and shows the server_error page.
func (h *Handler) ServerError(w http.ResponseWriter, what string, err error) {
	h.serverError(w, what, err)
}

// CookieScope is the path and Secure flag of the domain's cookies for r.
func (h *Handler) CookieScope(r *http.Request, d Domain) oauth.CookieScope { return h.scope(r, d) }

// SignIn finishes an app's authorize request (its query, validated
// again) for a user who signed in elsewhere (an external identity
// provider): it sets the domain's session cookie and redirects to the
// app as a password sign-in does.
func (h *Handler) SignIn(w http.ResponseWriter, r *http.Request, d Domain, authorize url.Values, sub oauth.Subject) {
	req, aerr, err := oauth.ParseAuthorize(r.Context(), d.PoolID, authorize, h.Clients, h.Catalog)
	switch {
	case err != nil:
		h.serverError(w, "authorize", err)
		return
	case aerr != nil && aerr.Location() == "":
		h.errorPage(w, http.StatusBadRequest, aerr.Code, aerr.Description)
		return
	case aerr != nil:
		http.Redirect(w, r, aerr.Location(), http.StatusFound)
		return
	}
	if err := h.Cookies.SetSession(w, h.scope(r, d), sub); err != nil {
		h.serverError(w, "session", err)
		return
	}
	h.complete(w, r, req, sub)
}

// providerButtons returns the login page's provider buttons for the
// page's client: links to /oauth2/authorize with the page's query and
// identity_provider.
func (h *Handler) providerButtons(v *view) ([]Provider, error) {
	if h.Federation == nil {
		return nil, nil
	}
	var names []string
	for _, n := range v.req.Client.IdentityProviders {
		if n != oauth.ProviderCognito {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	names, err := h.Federation.Buttons(v.r.Context(), v.d.PoolID, names)
	if err != nil {
		return nil, err
	}
	var out []Provider
	for _, n := range names {
		q := v.r.URL.Query()
		q.Del("identity_provider")
		q.Del("idp_identifier")
		q.Set("identity_provider", n)
		out = append(out, Provider{Name: n, URL: v.d.BasePath + oauth.PathAuthorize + "?" + q.Encode()})
	}
	return out, nil
}
