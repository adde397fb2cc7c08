package passkey

import (
	"net/url"
	"strings"
)

// OriginAllowed reports whether a ceremony's clientData.origin may use the
// relying party rpID. It is the one place the rule lives (spec §6.2, §12.2):
//
//   - an exact match (ASCII case-insensitive) of one of extra, the server's
//     additional origins, which may be opaque (android:apk-key-hash:...);
//   - for the RP ID "localhost": http://localhost or https://localhost with
//     any port, so that a web app on a development server can use passkeys
//     against a local server;
//   - otherwise https://<rpID> or https://<subdomain>.<rpID>, with any port
//     (UNCONFIRMED: whether AWS accepts explicit ports).
//
// An origin is a scheme, a host and an optional port: one with a path,
// query, fragment or user info never matches the rule.
func OriginAllowed(rpID, origin string, extra []string) bool {
	for _, e := range extra {
		if e != "" && strings.EqualFold(e, origin) {
			return true
		}
	}
	u, err := url.Parse(origin)
	if err != nil || u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		(u.Path != "" && u.Path != "/") || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	rpID = strings.ToLower(rpID)
	if port := u.Port(); port != "" && !digits(port) {
		return false
	}
	switch {
	case rpID == "":
		return false
	case rpID == "localhost":
		return host == "localhost" && (u.Scheme == "http" || u.Scheme == "https")
	default:
		return u.Scheme == "https" && (host == rpID || strings.HasSuffix(host, "."+rpID))
	}
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(s) <= 5
}
