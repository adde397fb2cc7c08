package oauth

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/userpoold/userpoold/internal/fault"
)

// This file owns the callback and logout URL rules: ValidateCallbackURL at
// configuration time (AWS's rules, spec §12), MatchURL at run time (exact
// matching, spec §19.4), and ValidateClientConfig for the client's OAuth
// fields as a whole. Nothing else decides whether a URL is acceptable.

// maxURLLength is CallbackURLs' and LogoutURLs' item length limit.
const maxURLLength = 1024

// isLoopbackHost reports whether host (as in url.URL.Hostname) is one of
// the names AWS lets use plain http: localhost, 127.0.0.1 and ::1.
func isLoopbackHost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// ValidateCallbackURL checks a CallbackURLs, LogoutURLs or
// DefaultRedirectURI value when a client is created or updated: an
// absolute URL of at most 1024 characters, without a fragment, using https,
// or http only for http://localhost, http://127.0.0.1 and http://[::1] on
// any port; custom schemes (myapp://callback) are allowed. Failures are
// InvalidParameterException; "<url> cannot use the HTTP protocol." is AWS's
// wording (amplify-cli#5419), the others are UNCONFIRMED.
func ValidateCallbackURL(raw string) error {
	if raw == "" || len(raw) > maxURLLength {
		return fault.Errorf(fault.InvalidParameter, "Invalid URL: %s", raw)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" && u.Scheme == "http" {
		return fault.Errorf(fault.InvalidParameter, "%s is not a valid absolute URL.", raw)
	}
	if strings.Contains(raw, "#") {
		return fault.Errorf(fault.InvalidParameter, "%s must not contain a fragment.", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		if u.Host == "" {
			return fault.Errorf(fault.InvalidParameter, "%s is not a valid absolute URL.", raw)
		}
	case "http":
		if u.Host == "" || !isLoopbackHost(strings.ToLower(u.Hostname())) {
			return fault.Errorf(fault.InvalidParameter, "%s cannot use the HTTP protocol.", raw)
		}
	}
	return nil
}

// MatchURL reports whether got is one of registered, byte for byte: no
// normalisation of case, trailing slashes, ports or query order, so a
// near-miss can never redirect anywhere the client did not register.
func MatchURL(registered []string, got string) bool {
	return got != "" && slices.Contains(registered, got)
}

// ValidateClientConfig checks the OAuth fields of an app client being
// created or updated (spec §12), after the model's own validation. defined
// holds the pool's custom scopes (ScopeCatalog). The messages marked
// UNCONFIRMED are our wording.
func ValidateClientConfig(c Client, defined []string) error {
	for _, list := range [][]string{c.CallbackURLs, c.LogoutURLs} {
		for _, u := range list {
			if err := ValidateCallbackURL(u); err != nil {
				return err
			}
		}
	}
	if c.DefaultRedirectURI != "" {
		if err := ValidateCallbackURL(c.DefaultRedirectURI); err != nil {
			return err
		}
		if !slices.Contains(c.CallbackURLs, c.DefaultRedirectURI) {
			// UNCONFIRMED wording.
			return fault.New(fault.InvalidParameter, "DefaultRedirectURI must be one of the CallbackURLs.")
		}
	}
	for _, s := range c.Scopes {
		if IsReservedScope(s) {
			continue
		}
		if !slices.Contains(defined, s) {
			// UNCONFIRMED wording.
			return fault.Errorf(fault.ScopeDoesNotExist, "Invalid scope requested: %s", s)
		}
	}
	cc := slices.Contains(c.Flows, FlowClientCredentials)
	user := slices.Contains(c.Flows, FlowCode) || slices.Contains(c.Flows, FlowImplicit)
	if cc && user {
		// UNCONFIRMED wording (spec §12).
		return fault.New(fault.InvalidOAuthFlow, "client_credentials flow can not be selected if authorization code or implicit flow is selected.")
	}
	if !c.OAuthEnabled {
		return nil
	}
	if len(c.Flows) == 0 {
		// UNCONFIRMED wording.
		return fault.New(fault.InvalidOAuthFlow, "AllowedOAuthFlows can not be empty when AllowedOAuthFlowsUserPoolClient is true.")
	}
	if user && len(c.CallbackURLs) == 0 {
		// AWS's wording (cisagov/crossfeed#440).
		return fault.New(fault.InvalidOAuthFlow, "CallbackUrls can not be empty when code flow or implicit flow is selected")
	}
	if cc && c.Public() {
		// UNCONFIRMED wording.
		return fault.New(fault.InvalidOAuthFlow, "client_credentials flow can not be selected for a client without a secret.")
	}
	if len(c.Scopes) == 0 {
		// UNCONFIRMED wording.
		return fault.New(fault.InvalidOAuthFlow, "AllowedOAuthScopes can not be empty when AllowedOAuthFlowsUserPoolClient is true.")
	}
	return nil
}

// ScopeCatalogFunc adapts a function to ScopeCatalog (tests, wiring).
type ScopeCatalogFunc func(ctx context.Context, poolID string) ([]string, error)

// CustomScopes calls f.
func (f ScopeCatalogFunc) CustomScopes(ctx context.Context, poolID string) ([]string, error) {
	return f(ctx, poolID)
}
