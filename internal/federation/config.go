package federation

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Config is the server-wide federation configuration (the federation
// section of userpoold's configuration, loaded by cmd and passed down).
type Config struct {
	// Social sends a social provider type to another base URL instead of
	// its fixed public endpoints, so that it can be tested offline (for
	// example against the built-in IdP, http://127.0.0.1:9229/_idp/google).
	// Describe still shows AWS's fixed URLs (spec §19.8). What the base URL
	// must serve is said by Endpoints.
	Social map[Type]string
	// AllowHTTP lets OIDC issuers, discovered endpoints and SAML metadata
	// URLs use plain http on any host; by default only loopback hosts
	// (localhost, 127.0.0.0/8, ::1) may, and every other URL must be https
	// (AWS requires https everywhere; spec §19.4 relaxes it for local IdPs).
	AllowHTTP bool
}

// Validate checks the configuration: each Social key is a social type and
// each value an absolute http(s) URL without query or fragment.
func (c Config) Validate() error {
	for t, base := range c.Social {
		if !t.Social() {
			return fmt.Errorf("federation: %q is not a social provider type (Google, Facebook, LoginWithAmazon, SignInWithApple)", t)
		}
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("federation: endpoint override for %s: %q is not an absolute http(s) URL without query or fragment", t, base)
		}
	}
	return nil
}

// override returns the base URL a social type is sent to, "" for none.
func (c Config) override(t Type) string { return strings.TrimRight(c.Social[t], "/") }

// isLoopback reports whether host (url.URL.Hostname) is a loopback name.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// allowedURL reports whether raw is an absolute URL the configuration lets
// the server call: https, or http on loopback (any host with AllowHTTP).
func (c Config) allowedURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		return c.AllowHTTP || isLoopback(u.Hostname())
	}
	return false
}

// Fixed public endpoints of the social providers, as DescribeIdentityProvider
// shows them (the model's ProviderDetails documentation, spec §14.2).
const (
	googleIssuer     = "https://accounts.google.com"
	googleAuthorize  = "https://accounts.google.com/o/oauth2/v2/auth"
	googleToken      = "https://www.googleapis.com/oauth2/v4/token"
	googleAttributes = "https://people.googleapis.com/v1/people/me?personFields="
	googleJWKS       = "https://www.googleapis.com/oauth2/v3/certs"

	amazonAuthorize  = "https://www.amazon.com/ap/oa"
	amazonToken      = "https://api.amazon.com/auth/o2/token"
	amazonAttributes = "https://api.amazon.com/user/profile"

	appleIssuer    = "https://appleid.apple.com"
	appleAuthorize = "https://appleid.apple.com/auth/authorize"
	appleToken     = "https://appleid.apple.com/auth/token"
	appleJWKS      = "https://appleid.apple.com/auth/keys"

	// facebookVersion is the Graph API version used when api_version is
	// not given (UNCONFIRMED: AWS's default is not documented; v17.0 is
	// the version of the model's example).
	facebookVersion = "v17.0"
)

func facebookAuthorize(v string) string  { return "https://www.facebook.com/" + v + "/dialog/oauth" }
func facebookToken(v string) string      { return "https://graph.facebook.com/" + v + "/oauth/access_token" }
func facebookAttributes(v string) string { return "https://graph.facebook.com/" + v + "/me?fields=" }

// socialDetails returns the keys Cognito adds to a social provider's
// ProviderDetails (spec §14.2): the fixed endpoints, the token request
// method and attributes_url_add_attributes.
func socialDetails(t Type, apiVersion string) map[string]string {
	switch t {
	case TypeGoogle:
		return map[string]string{
			KeyAttributesURL: googleAttributes, KeyAttributesAddAttributes: "true",
			KeyAuthorizeURL: googleAuthorize, KeyOIDCIssuer: googleIssuer,
			KeyTokenRequestMethod: "POST", KeyTokenURL: googleToken,
		}
	case TypeFacebook:
		return map[string]string{
			KeyAttributesURL: facebookAttributes(apiVersion), KeyAttributesAddAttributes: "true",
			KeyAuthorizeURL: facebookAuthorize(apiVersion), KeyTokenRequestMethod: "GET",
			KeyTokenURL: facebookToken(apiVersion),
		}
	case TypeAmazon:
		return map[string]string{
			KeyAttributesURL: amazonAttributes, KeyAttributesAddAttributes: "false",
			KeyAuthorizeURL: amazonAuthorize, KeyTokenRequestMethod: "POST", KeyTokenURL: amazonToken,
		}
	case TypeApple:
		return map[string]string{
			KeyAttributesAddAttributes: "false", KeyAuthorizeURL: appleAuthorize,
			KeyOIDCIssuer: appleIssuer, KeyTokenRequestMethod: "POST", KeyTokenURL: appleToken,
		}
	}
	return nil
}

// Endpoints are where the relying party talks to an OAuth provider at run
// time.
type Endpoints struct {
	// Issuer is the expected iss of ID tokens; "" for providers without ID
	// tokens (Facebook, Login with Amazon).
	Issuer string
	// Discover says the other URLs are to be read from Issuer's discovery
	// document at run time (a social type sent to an override base URL).
	Discover  bool
	Authorize string
	Token     string
	// TokenMethod is POST, or GET for Facebook.
	TokenMethod string
	JWKS        string
	// Attributes is the userInfo-like URL; "" when the type has none
	// (Google and Apple read the ID token).
	Attributes string
	// AttributesMethod is GET or POST (OIDC attributes_request_method).
	AttributesMethod string
	// AddAttributes appends the mapped claim names to Attributes
	// (attributes_url_add_attributes: Facebook's fields=).
	AddAttributes bool
}

// Endpoints returns where p is reached at run time. OIDC providers use
// their stored (discovered or explicit) endpoints. A social type uses
// AWS's fixed endpoints unless Config.Social sends it to a base URL B:
//   - Google and Sign in with Apple are then an OpenID provider whose
//     issuer is B (discovery at B/.well-known/openid-configuration);
//   - Facebook uses B/authorize, B/token (GET) and B/me?fields=;
//   - Login with Amazon uses B/authorize, B/token and B/user/profile.
//
// The built-in test IdP serves all of these.
func (c Config) Endpoints(p Provider) Endpoints {
	d := p.Details
	base := c.override(p.Type)
	switch p.Type {
	case TypeOIDC:
		return Endpoints{Issuer: d[KeyOIDCIssuer], Authorize: d[KeyAuthorizeURL], Token: d[KeyTokenURL], TokenMethod: "POST",
			JWKS: d[KeyJWKSURI], Attributes: d[KeyAttributesURL], AttributesMethod: methodOr(d[KeyAttributesRequestMethod], "GET")}
	case TypeGoogle, TypeApple:
		if base != "" {
			return Endpoints{Issuer: base, Discover: true, TokenMethod: "POST"}
		}
		if p.Type == TypeGoogle {
			return Endpoints{Issuer: googleIssuer, Authorize: googleAuthorize, Token: googleToken, TokenMethod: "POST", JWKS: googleJWKS}
		}
		return Endpoints{Issuer: appleIssuer, Authorize: appleAuthorize, Token: appleToken, TokenMethod: "POST", JWKS: appleJWKS}
	case TypeFacebook:
		v := d[KeyAPIVersion]
		if v == "" {
			v = facebookVersion
		}
		if base != "" {
			return Endpoints{Authorize: base + "/authorize", Token: base + "/token", TokenMethod: "GET",
				Attributes: base + "/me?fields=", AttributesMethod: "GET", AddAttributes: true}
		}
		return Endpoints{Authorize: facebookAuthorize(v), Token: facebookToken(v), TokenMethod: "GET",
			Attributes: facebookAttributes(v), AttributesMethod: "GET", AddAttributes: true}
	case TypeAmazon:
		if base != "" {
			return Endpoints{Authorize: base + "/authorize", Token: base + "/token", TokenMethod: "POST",
				Attributes: base + "/user/profile", AttributesMethod: "GET"}
		}
		return Endpoints{Authorize: amazonAuthorize, Token: amazonToken, TokenMethod: "POST", Attributes: amazonAttributes, AttributesMethod: "GET"}
	}
	return Endpoints{}
}

func methodOr(m, def string) string {
	if m == "" {
		return def
	}
	return m
}
