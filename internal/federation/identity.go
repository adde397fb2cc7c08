package federation

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Identity is a user an identity provider vouched for: the normalized
// result of a federated sign-in, from which the pool user is made
// (ProfileFor, spec §14.4).
type Identity struct {
	ProviderName string
	ProviderType Type
	// UserID is the IdP's identifier of the user, the <id> of the
	// <ProviderName>_<id> username: the claim mapped to username (sub by
	// default; Facebook's id, Amazon's user_id), or the SAML NameID.
	UserID string
	// Issuer is the SAML IdP's entity ID ("" for OAuth providers); it is
	// the identities entry's issuer.
	Issuer string
	// Claims are the IdP's claims (ID token, then userInfo over it) or
	// SAML attributes (by Name, and by FriendlyName when it differs), as
	// strings; a multi-valued one has several values.
	Claims map[string][]string

	// The raw inputs of the InboundFederation trigger (spec
	// cognito-triggers-import.md §6.9), as string maps: the token
	// response, the ID token's claims, the userInfo answer and the SAML
	// response. Those that do not apply are nil.
	TokenResponse map[string]string
	IDToken       map[string]string
	UserInfo      map[string]string
	SAMLResponse  map[string]string
}

// Claim returns the first value of a claim.
func (id Identity) Claim(name string) (string, bool) {
	v := id.Claims[name]
	if len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// claimStrings turns a JSON claim into strings: a string as is, a boolean
// as "true"/"false", a number in decimal, an array as one value per
// element, anything else as its JSON.
func claimStrings(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case bool:
		return []string{strconv.FormatBool(x)}
	case float64:
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}
	case json.Number:
		return []string{x.String()}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, claimStrings(e)...)
		}
		return out
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return []string{fmt.Sprint(x)}
		}
		return []string{string(b)}
	}
}

// claimsOf turns a JSON object into Claims.
func claimsOf(m map[string]any) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		if s := claimStrings(v); s != nil {
			out[k] = s
		}
	}
	return out
}

// flatten turns Claims into the string map of a trigger input (multi
// values joined as the mapping joins them).
func flatten(c map[string][]string) map[string]string {
	out := make(map[string]string, len(c))
	for k, v := range c {
		out[k] = joinValues(v)
	}
	return out
}

// joinValues is an attribute value made of claim values: one value as
// is; several as "[a, b]", the form Cognito gives multi-valued SAML
// attributes (UNCONFIRMED: the Developer Guide also says the values are
// URL-form-encoded).
func joinValues(v []string) string {
	if len(v) == 1 {
		return v[0]
	}
	return "[" + strings.Join(v, ", ") + "]"
}

// merge returns a copy of base with over's claims replacing base's.
func merge(base, over map[string][]string) map[string][]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string][]string{}
	}
	for k, v := range over {
		out[k] = slices.Clone(v)
	}
	return out
}
