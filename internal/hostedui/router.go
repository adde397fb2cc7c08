package hostedui

import (
	"context"
	"net/http"
	"strings"

	"github.com/userpoold/userpoold/internal/oauth"
)

// DomainSource finds a registered domain by name: a prefix, or a custom
// domain's FQDN (lower case). The server backs it with the domain store; it
// runs on every domain request, so it should be cached.
type DomainSource interface {
	LookupDomain(ctx context.Context, name string) (Domain, bool, error)
}

// Router serves every user pool domain on one listener (spec §19.1): a
// request whose Host is <prefix>.auth.<region>.amazoncognito.com or a
// registered custom domain (host form), or whose path starts with
// /_domain/<prefix-or-fqdn>/ (path form). It hands /oauth2/token,
// /oauth2/userInfo and /oauth2/revoke to the JSON endpoints (pinned to the
// domain's pool) and everything else to the pages.
type Router struct {
	Region  string
	Domains DomainSource
	Pages   *Handler
	API     *oauth.Handlers
}

// Resolve returns the domain a request addresses and the path it asks the
// domain for. ok is false when the request addresses no registered domain
// (the caller serves it as something else: the JSON API, health, ...).
func (rt *Router) Resolve(r *http.Request) (d Domain, path string, ok bool, err error) {
	if name, _, hostOK := oauth.ParseHost(r.Host, rt.Region); hostOK {
		d, found, err := rt.Domains.LookupDomain(r.Context(), name)
		if err != nil {
			return Domain{}, "", false, err
		}
		if found {
			d.BasePath = ""
			return d, r.URL.Path, true, nil
		}
	}
	name, rest, pathOK := oauth.SplitDomainPath(r.URL.Path)
	if !pathOK {
		return Domain{}, "", false, nil
	}
	d, found, err := rt.Domains.LookupDomain(r.Context(), name)
	if err != nil || !found {
		return Domain{}, "", false, err
	}
	d.BasePath = strings.TrimSuffix(oauth.DomainPathPrefix, "/") + "/" + name
	return d, rest, true, nil
}

// ServeHTTP serves a domain request; a request that addresses no domain
// gets the 404 error page.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d, path, ok, err := rt.Resolve(r)
	if err != nil {
		rt.Pages.serverError(w, "domain", err)
		return
	}
	if !ok {
		rt.Pages.errorPage(w, http.StatusNotFound, "", "")
		return
	}
	r2 := r.Clone(WithDomain(r.Context(), d))
	r2.URL.Path, r2.URL.RawPath = path, ""
	switch path {
	case oauth.PathToken:
		r2 = r2.WithContext(oauth.WithPool(r2.Context(), d.PoolID))
		rt.API.Token(w, r2)
	case oauth.PathUserInfo:
		rt.API.UserInfo(w, r2)
	case oauth.PathRevoke:
		r2 = r2.WithContext(oauth.WithPool(r2.Context(), d.PoolID))
		rt.API.Revoke(w, r2)
	default:
		rt.Pages.ServeHTTP(w, r2)
	}
}
