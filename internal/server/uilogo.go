package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/userpoold/userpoold/internal/fault"
)

// uiLogoPath serves the logo of a pool's (client "ALL") or a client's UI
// customization: GetUICustomization's ImageUrl. version is the
// customization's CSSVersion, so a new logo gets a new URL.
const uiLogoPath = "/_userpoold/ui-logo/{pool}/{client}/{version}"

// uiLogoURL returns the ImageUrl builder of the server at base.
func uiLogoURL(base string) func(poolID, clientID, version string) string {
	return func(poolID, clientID, version string) string {
		return base + "/_userpoold/ui-logo/" + url.PathEscape(poolID) + "/" + url.PathEscape(clientID) + "/" + url.PathEscape(version)
	}
}

// serveUILogo answers the logo an ImageUrl names: 404 when the pool,
// client or logo is unknown or the version is not the current one. An SVG
// (the caller's file) is served under a CSP that runs no script and loads
// nothing, sandboxed, so it cannot act on this origin.
func (s *Server) serveUILogo(w http.ResponseWriter, r *http.Request) {
	u, ok, err := s.Pools.GetUICustomization(r.Context(), r.PathValue("pool"), r.PathValue("client"))
	if err != nil && fault.KindOf(err) == "" {
		s.log.Error("ui logo", "error", err.Error())
		writeInternalError(w)
		return
	}
	if err != nil || !ok || len(u.Image) == 0 || u.ClientID != r.PathValue("client") || u.CSSVersion != r.PathValue("version") {
		http.NotFound(w, r)
		return
	}
	ct := http.DetectContentType(u.Image)
	if !strings.HasPrefix(ct, "image/") {
		ct = "image/svg+xml" // SetUICustomization accepts nothing else (hostedui.LogoDataURI)
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=86400")
	w.Write(u.Image)
}
