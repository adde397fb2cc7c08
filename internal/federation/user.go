package federation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file owns the federated user as Cognito makes it (spec §14.4): the
// username, the identities attribute and claim, the automatic group, and
// the attribute mapping applied at every sign-in.

// UserStatusExternal is the UserStatus of a user made by federation.
const UserStatusExternal = "EXTERNAL_PROVIDER"

// AttrIdentities is the attribute holding a federated user's identities.
// It cannot be written through the API.
const AttrIdentities = "identities"

// Username is the username of the user an IdP identity signs in as:
// <ProviderName>_<id> (Google_109354484677663308178). In a pool whose
// usernames are case-insensitive Cognito stores it in lower case
// (google_109354484677663308178: amplify-js#13844, and the "Already found
// an entry for username google_..." errors app code handles).
func Username(providerName, userID string, caseSensitive bool) string {
	u := providerName + "_" + userID
	if !caseSensitive {
		u = strings.ToLower(u)
	}
	return u
}

// GroupName is the group Cognito creates on a provider's first sign-in
// and adds its users to: <poolId>_<ProviderName>, with no role and no
// precedence (spec §14.4).
func GroupName(poolID, providerName string) string { return poolID + "_" + providerName }

// IdentityEntry is one element of the identities attribute and claim.
type IdentityEntry struct {
	UserID       string
	ProviderName string
	ProviderType Type
	// Issuer is the SAML IdP's entity ID; "" is written as null.
	Issuer  string
	Primary bool
	// DateCreated is when the identity was first seen (or linked),
	// written in epoch milliseconds.
	DateCreated time.Time
}

// identityWire is an identities element with AWS's member order and
// string primary and dateCreated (spec §7, from a real token:
// {"userId":"…","providerName":"Google","providerType":"Google",
// "issuer":null,"primary":"true","dateCreated":"1555128389392"}).
type identityWire struct {
	UserID       string  `json:"userId"`
	ProviderName string  `json:"providerName"`
	ProviderType string  `json:"providerType"`
	Issuer       *string `json:"issuer"`
	Primary      string  `json:"primary"`
	DateCreated  string  `json:"dateCreated"`
}

func (e IdentityEntry) wire() identityWire {
	w := identityWire{
		UserID: e.UserID, ProviderName: e.ProviderName, ProviderType: string(e.ProviderType),
		Primary: strconv.FormatBool(e.Primary), DateCreated: strconv.FormatInt(e.DateCreated.UnixMilli(), 10),
	}
	if e.Issuer != "" {
		iss := e.Issuer
		w.Issuer = &iss
	}
	return w
}

// IdentitiesJSON is the identities attribute's value (and, parsed, its
// claim in ID tokens): a JSON array of entries in AWS's member order,
// without HTML escaping.
func IdentitiesJSON(entries []IdentityEntry) string {
	ws := make([]identityWire, len(entries))
	for i, e := range entries {
		ws[i] = e.wire()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(ws) // strings and pointers only: cannot fail
	return strings.TrimSuffix(buf.String(), "\n")
}

// ParseIdentities reads an identities attribute. It also accepts the
// boolean primary and numeric dateCreated of the Developer Guide's
// example.
func ParseIdentities(s string) ([]IdentityEntry, error) {
	if s == "" {
		return nil, nil
	}
	var raw []map[string]any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("federation: identities: %w", err)
	}
	out := make([]IdentityEntry, 0, len(raw))
	for _, m := range raw {
		e := IdentityEntry{}
		e.UserID, _ = m["userId"].(string)
		e.ProviderName, _ = m["providerName"].(string)
		t, _ := m["providerType"].(string)
		e.ProviderType = Type(t)
		e.Issuer, _ = m["issuer"].(string)
		switch v := m["primary"].(type) {
		case bool:
			e.Primary = v
		case string:
			e.Primary = v == "true"
		}
		var ms int64
		switch v := m["dateCreated"].(type) {
		case float64:
			ms = int64(v)
		case string:
			ms, _ = strconv.ParseInt(v, 10, 64)
		}
		e.DateCreated = time.UnixMilli(ms).UTC()
		if e.UserID == "" || e.ProviderName == "" {
			return nil, errors.New("federation: identities: entry without userId or providerName")
		}
		out = append(out, e)
	}
	return out, nil
}

// EntryFor returns the identities entry of a first sign-in through id.
func EntryFor(id Identity, now time.Time) IdentityEntry {
	return IdentityEntry{UserID: id.UserID, ProviderName: id.ProviderName, ProviderType: id.ProviderType, Issuer: id.Issuer, Primary: true, DateCreated: now}
}

// maxAttributeValue is the length a mapped value may have (spec §14.4).
const maxAttributeValue = 2048

// Profile is what a sign-in through an identity does to the pool user.
type Profile struct {
	// Username is the user to sign in as (Username, unless a link names
	// another).
	Username string
	// Attributes are the attribute values to write (mapped claims, and
	// email_verified/phone_number_verified "false" when an email or phone
	// changes without its verification being mapped). A mapped claim the
	// IdP did not send leaves the attribute as it was, so it is absent.
	Attributes map[string]string
	// Group is the provider's automatic group.
	Group string
}

// ProfileInput is what ProfileFor needs besides the identity.
type ProfileInput struct {
	Pool          Pool
	Provider      Provider
	CaseSensitive bool
	// Existing are the user's current attributes; nil for a first
	// sign-in (the user does not exist yet).
	Existing map[string]string
	// Writable reports whether the app client may write an attribute;
	// nil allows every one. Mapped attributes the client cannot write
	// are left alone (UNCONFIRMED: whether Cognito fails the sign-in).
	Writable func(name string) bool
}

// ProfileFor applies the provider's attribute mapping to an identity
// (spec §14.4): every mapped attribute is rewritten at each sign-in from
// the claim it maps, a claim missing from the answer leaves the old value,
// multi-valued claims are joined, a mapped email or phone stays
// unverified unless its *_verified attribute is mapped too, values over
// 2,048 characters fail, and every required attribute of the pool must
// have a value afterwards. Failures are *Error values with Cognito's
// descriptions: for SAML "Invalid SAML response received: Invalid user
// attributes: <attr>: The attribute is required" (AWS, re:Post knowledge
// center), for the OAuth types "attributes required: [<attr>, ...]"
// (UNCONFIRMED wording).
func ProfileFor(id Identity, in ProfileInput) (Profile, error) {
	prof := Profile{
		Username:   Username(id.ProviderName, id.UserID, in.CaseSensitive),
		Attributes: map[string]string{},
		Group:      GroupName(in.Pool.ID, id.ProviderName),
	}
	keys := make([]string, 0, len(in.Provider.AttributeMapping))
	for k := range in.Provider.AttributeMapping {
		if k != mapUsername {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, attr := range keys {
		vals, ok := id.Claims[in.Provider.AttributeMapping[attr]]
		if !ok {
			continue
		}
		if in.Writable != nil && !in.Writable(attr) {
			continue
		}
		v := joinValues(vals)
		if attr == "email_verified" || attr == "phone_number_verified" {
			v = boolString(v)
		}
		limit := maxAttributeValue
		if a, ok := in.Pool.attribute(attr); ok && a.MaxLength > 0 && a.MaxLength < limit {
			limit = a.MaxLength
		}
		if utf8.RuneCountInString(v) > limit {
			return Profile{}, attributeError(id.ProviderType, attr, "The attribute value is too long", "")
		}
		prof.Attributes[attr] = v
	}
	for attr, verified := range map[string]string{"email": "email_verified", "phone_number": "phone_number_verified"} {
		v, set := prof.Attributes[attr]
		if _, mapped := prof.Attributes[verified]; !set || mapped {
			continue
		}
		if in.Existing == nil || in.Existing[attr] != v {
			prof.Attributes[verified] = "false"
		}
	}
	var missing []string
	for _, a := range in.Pool.Attributes {
		if !a.Required || a.Name == "sub" {
			continue
		}
		v, set := prof.Attributes[a.Name]
		if !set && in.Existing != nil {
			v = in.Existing[a.Name]
		}
		if v == "" {
			if set && in.Existing != nil && in.Existing[a.Name] != "" {
				return Profile{}, attributeError(id.ProviderType, a.Name, "Required attribute cannot be deleted", "")
			}
			missing = append(missing, a.Name)
		}
	}
	if len(missing) > 0 {
		return Profile{}, attributeError(id.ProviderType, missing[0], "The attribute is required", "["+strings.Join(missing, ", ")+"]")
	}
	return prof, nil
}

// boolString normalizes a claim to "true" or "false" (Apple and some IdPs
// send "true" strings, others JSON booleans).
func boolString(v string) string {
	if strings.EqualFold(v, "true") {
		return "true"
	}
	return "false"
}

// attributeError is a mapping failure as the browser sees it.
func attributeError(t Type, attr, problem, list string) *Error {
	if t == TypeSAML {
		return failure(CodeServerError, samlPrefix+"Invalid user attributes: "+attr+": "+problem, nil)
	}
	if list == "" {
		list = "[" + attr + "]"
	}
	if problem == "The attribute is required" {
		return failure(CodeInvalidRequest, "attributes required: "+list, nil) // UNCONFIRMED wording
	}
	return failure(CodeInvalidRequest, "Invalid user attributes: "+attr+": "+problem, nil) // UNCONFIRMED wording
}
