package oauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/userpoold/userpoold/internal/fault"
)

// Domains (spec §2, §19.1). A pool's domain is a prefix, served at
// <prefix>.auth.<region>.amazoncognito.com, or a custom FQDN. Both are
// reachable on one listener in two forms:
//   - host form: a request whose Host (port stripped, lower-cased) is the
//     prefix host or a registered custom domain (ParseHost);
//   - path form: /_domain/<prefix-or-fqdn>/<real path> under the server's
//     own address, which needs no DNS (SplitDomainPath, DomainBaseURL).
// The discovery document and the issuer stay at the root,
// <base>/<poolId>/.well-known/..., as on the regional API host.

// DomainPathPrefix starts every path-form domain URL.
const DomainPathPrefix = "/_domain/"

// prefixPattern is DomainType's pattern for prefixes.
var prefixPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`)

// reservedDomainWords may not appear in a prefix (spec §2.2).
var reservedDomainWords = []string{"aws", "amazon", "cognito"}

// ValidatePrefix checks a prefix domain for CreateUserPoolDomain: the
// DomainType pattern, and none of the reserved words. Failures are
// InvalidParameterException with AWS's wording (amplify-cli#3854,
// terraform-aws-cognito-user-pool#69; the tail of the second message is
// UNCONFIRMED).
func ValidatePrefix(prefix string) error {
	if !prefixPattern.MatchString(prefix) {
		return fault.New(fault.InvalidParameter, `The domain name contains an invalid character. Domain names can only contain lower-case letters, numbers, and hyphens. Please enter a different name that follows this format: ^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`)
	}
	for _, w := range reservedDomainWords {
		if strings.Contains(prefix, w) {
			return fault.Errorf(fault.InvalidParameter, "Domain cannot contain reserved word: %s", w)
		}
	}
	return nil
}

// labelPattern is one DNS label.
var labelPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`)

// ValidateCustomDomain checks a custom domain (CreateUserPoolDomain with
// CustomDomainConfig): a lower-case fully qualified name of at least two
// labels (no bare TLD), at most 253 characters, and not under
// amazoncognito.com. AWS's other rules (the parent resolves in public DNS,
// an ACM certificate in us-east-1) are relaxed (spec §19.4). Wording
// UNCONFIRMED.
func ValidateCustomDomain(fqdn string) error {
	bad := fault.Errorf(fault.InvalidParameter, "%s is not a valid custom domain name.", fqdn)
	if len(fqdn) > 253 || fqdn != strings.ToLower(fqdn) || strings.HasSuffix(fqdn, ".amazoncognito.com") {
		return bad
	}
	labels := strings.Split(fqdn, ".")
	if len(labels) < 2 {
		return bad
	}
	for _, l := range labels {
		if !labelPattern.MatchString(l) {
			return bad
		}
	}
	return nil
}

// PrefixHost is the host of a prefix domain:
// <prefix>.auth.<region>.amazoncognito.com.
func PrefixHost(prefix, region string) string {
	return prefix + ".auth." + region + ".amazoncognito.com"
}

// ParseHost reads a request's Host for host-form addressing: the port is
// stripped, the name lower-cased and a trailing dot dropped. When it is a
// prefix host of region it returns the prefix and custom false; otherwise
// it returns the name itself and custom true, for the caller to look up
// among the registered custom domains. ok is false for an empty host or an
// IP literal (never a domain).
func ParseHost(host, region string) (name string, custom, ok bool) {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if h == "" || net.ParseIP(strings.Trim(h, "[]")) != nil {
		return "", false, false
	}
	suffix := ".auth." + strings.ToLower(region) + ".amazoncognito.com"
	if p, found := strings.CutSuffix(h, suffix); found {
		if !prefixPattern.MatchString(p) {
			return "", false, false
		}
		return p, false, true
	}
	return h, true, true
}

// SplitDomainPath splits a path-form request path
// /_domain/<name>/<rest> into the domain name (lower-cased) and the path
// the domain serves ("/" when nothing follows the name).
func SplitDomainPath(path string) (name, rest string, ok bool) {
	tail, found := strings.CutPrefix(path, DomainPathPrefix)
	if !found {
		return "", "", false
	}
	name, rest, _ = strings.Cut(tail, "/")
	if name == "" {
		return "", "", false
	}
	return strings.ToLower(name), "/" + rest, true
}

// ParseBaseURL normalises the public base URL setting: an absolute http or
// https URL with a host, no query or fragment, and no trailing slash (it
// may have a path, for deployments under a prefix behind a proxy).
func ParseBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("public base URL %q must be an absolute http(s) URL without query, fragment or credentials", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// IssuerURL is a pool's issuer under base: <base>/<poolId>. The token iss
// claim, the discovery document's issuer and the discovery URL's prefix
// are all this one string (spec §19.2), so wiring must set
// token.Issuer.IssuerURL to this function of the same base.
func IssuerURL(base, poolID string) string { return base + "/" + poolID }

// DiscoveryURL is where a pool's discovery document is served.
func DiscoveryURL(base, poolID string) string {
	return IssuerURL(base, poolID) + "/.well-known/openid-configuration"
}

// JWKSURL is where a pool's signing keys are served.
func JWKSURL(base, poolID string) string {
	return IssuerURL(base, poolID) + "/.well-known/jwks.json"
}

// DomainBaseURL is the path-form URL of a domain under base:
// <base>/_domain/<name>. Amplify can use it as its oauth domain without
// the scheme ("127.0.0.1:9230/_domain/<name>") over TLS.
func DomainBaseURL(base, name string) string { return base + DomainPathPrefix + name }

// HostDomainBaseURL is the host-form URL of a domain: scheme://<host>[:port],
// port omitted when empty or the scheme's default.
func HostDomainBaseURL(scheme, host, port string) string {
	if port == "" || (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		return scheme + "://" + host
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// Paths a domain serves (spec §3).
const (
	PathAuthorize       = "/oauth2/authorize"
	PathToken           = "/oauth2/token"
	PathUserInfo        = "/oauth2/userInfo"
	PathRevoke          = "/oauth2/revoke"
	PathLogout          = "/logout"
	PathLogin           = "/login"
	PathSignUp          = "/signup"
	PathConfirm         = "/confirm"
	PathResendCode      = "/resendcode"
	PathForgotPassword  = "/forgotPassword"
	PathConfirmPassword = "/confirmforgotPassword"
	PathError           = "/error"
)

// Endpoints are the absolute URLs of one domain's endpoints.
type Endpoints struct {
	Authorize, Token, UserInfo, Revoke, Logout string
}

// EndpointsAt returns the endpoints of a domain whose base URL is
// domainBase (DomainBaseURL or HostDomainBaseURL).
func EndpointsAt(domainBase string) Endpoints {
	return Endpoints{
		Authorize: domainBase + PathAuthorize,
		Token:     domainBase + PathToken,
		UserInfo:  domainBase + PathUserInfo,
		Revoke:    domainBase + PathRevoke,
		Logout:    domainBase + PathLogout,
	}
}

// Discovery returns a pool's OpenID configuration document (spec §11),
// with its members in AWS's alphabetical order and without HTML escaping.
// The issuer is issuer, or IssuerURL(base, poolID) when issuer is "" (it
// must be the tokens' iss: Cognito's own when userpoold is told to use
// it), and jwks_uri JWKSURL(base, poolID). domain is the pool's domain endpoints, or nil for a pool with
// no domain: its document then lists only what is served (issuer, JWKS and
// the static members) instead of the failing generic URLs AWS shows
// (a deliberate deviation from spec §19.2: nothing unserved is
// advertised). Like AWS, no code_challenge_methods_supported,
// grant_types_supported or claims_supported, and no custom scopes.
func Discovery(base, poolID, issuer string, domain *Endpoints) []byte {
	if issuer == "" {
		issuer = IssuerURL(base, poolID)
	}
	doc := map[string]any{
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"issuer":                                issuer,
		"jwks_uri":                              JWKSURL(base, poolID),
		"response_types_supported":              []string{"code", "token"},
		"scopes_supported":                      []string{ScopeOpenID, ScopeEmail, ScopePhone, ScopeProfile},
		"subject_types_supported":               []string{"public"},
	}
	if domain != nil {
		doc["authorization_endpoint"] = domain.Authorize
		doc["end_session_endpoint"] = domain.Logout
		doc["revocation_endpoint"] = domain.Revoke
		doc["token_endpoint"] = domain.Token
		doc["token_endpoint_auth_methods_supported"] = []string{"client_secret_basic", "client_secret_post"}
		doc["userinfo_endpoint"] = domain.UserInfo
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(doc) // maps marshal with sorted keys; nothing here can fail
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
