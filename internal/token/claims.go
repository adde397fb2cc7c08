package token

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// AccessClaims are the claims of an access token. Times are whole seconds.
type AccessClaims struct {
	// PoolID is the pool the token belongs to. It is not a claim of its own:
	// SignAccess derives iss from it and VerifyAccess derives it from iss.
	PoolID string
	Sub    string   // the user's sub
	Groups []string // cognito:groups; omitted when empty
	// Version is the "version" claim; SignAccess uses AccessTokenVersion (2)
	// when it is zero.
	Version   int
	ClientID  string // client_id
	OriginJTI string // origin_jti: the sign-in the token descends from
	EventID   string // event_id; omitted when empty
	// Scope is the space-separated scope list; SignAccess uses DefaultScope
	// when it is empty.
	Scope     string
	AuthTime  time.Time // auth_time: when the user authenticated
	ExpiresAt time.Time // exp
	IssuedAt  time.Time // iat
	JTI       string    // jti; SignAccess generates one when empty
	// Username is the username claim, the internal username; "" (and the
	// claim left out) only in a client_credentials token, which has no
	// user (its Sub is then the client ID).
	Username  string
	DeviceKey string // device_key; omitted when empty
	// Edit, when set, changes the claims last (see Edit).
	Edit Edit
}

// accessWire is the JSON form of an access token, members in Cognito's order.
type accessWire struct {
	Sub       string   `json:"sub"`
	Groups    []string `json:"cognito:groups,omitempty"`
	Iss       string   `json:"iss"`
	Version   int      `json:"version"`
	ClientID  string   `json:"client_id"`
	OriginJTI string   `json:"origin_jti,omitempty"`
	EventID   string   `json:"event_id,omitempty"`
	TokenUse  string   `json:"token_use"`
	Scope     string   `json:"scope"`
	AuthTime  int64    `json:"auth_time"`
	Exp       int64    `json:"exp"`
	Iat       int64    `json:"iat"`
	JTI       string   `json:"jti"`
	Username  string   `json:"username,omitempty"`
	DeviceKey string   `json:"device_key,omitempty"`
}

// IDClaims are the claims of an ID token. Times are whole seconds.
type IDClaims struct {
	// PoolID is the pool the token belongs to (see AccessClaims.PoolID).
	PoolID        string
	AtHash        string   // at_hash (hosted UI token endpoint); omitted when empty
	Sub           string   // the user's sub
	Groups        []string // cognito:groups; omitted when empty
	PreferredRole string   // cognito:preferred_role; omitted when empty
	Roles         []string // cognito:roles; omitted when empty
	Username      string   // cognito:username: the internal username
	OriginJTI     string   // origin_jti
	Audience      string   // aud: the app client ID
	EventID       string   // event_id; omitted when empty
	AuthTime      time.Time
	Nonce         string // nonce (hosted UI); omitted when empty
	ExpiresAt     time.Time
	IssuedAt      time.Time
	JTI           string // SignID generates one when empty
	// Attributes are the user's attributes readable by the client, by wire
	// name (email, email_verified, name, custom:tier, ...), excluding sub.
	// email_verified and phone_number_verified become JSON booleans when
	// they are "true" or "false"; identities becomes raw JSON when it holds
	// a JSON array (as Cognito's federated users show it); everything else
	// is a JSON string. Names that clash with a claim above are ignored.
	Attributes map[string]string
	// Edit, when set, changes the claims last (see Edit).
	Edit Edit
}

// reservedID are the ID token claims that attributes cannot override.
var reservedID = map[string]bool{
	"at_hash": true, "sub": true, "cognito:groups": true, "cognito:preferred_role": true,
	"iss": true, "cognito:username": true, "cognito:roles": true, "origin_jti": true,
	"aud": true, "event_id": true, "token_use": true, "auth_time": true, "nonce": true,
	"exp": true, "iat": true, "jti": true, "nbf": true,
}

// marshalID writes an ID token payload with its members in the order real
// Cognito ID tokens show: sub, cognito:groups, email_verified, iss,
// phone_number_verified, cognito:username, origin_jti, aud, event_id,
// token_use, auth_time, other standard attributes, exp, iat, jti, email,
// phone_number, custom attributes. (Where at_hash, nonce and the role
// claims go is UNCONFIRMED; parsers do not care.)
func marshalID(c IDClaims, iss string) ([]byte, error) {
	var w jsonObject
	w.str("at_hash", c.AtHash, true)
	w.str("sub", c.Sub, false)
	w.list("cognito:groups", c.Groups)
	w.attr(c.Attributes, "email_verified")
	w.str("cognito:preferred_role", c.PreferredRole, true)
	w.str("iss", iss, false)
	w.attr(c.Attributes, "phone_number_verified")
	w.str("cognito:username", c.Username, false)
	w.list("cognito:roles", c.Roles)
	w.str("origin_jti", c.OriginJTI, true)
	w.str("aud", c.Audience, false)
	w.str("event_id", c.EventID, true)
	w.str("token_use", UseID, false)
	w.num("auth_time", c.AuthTime.Unix())
	w.str("nonce", c.Nonce, true)
	late := map[string]bool{"email_verified": true, "phone_number_verified": true, "email": true, "phone_number": true}
	var standard, custom []string
	for name := range c.Attributes {
		switch {
		case reservedID[name] || late[name]:
		case strings.HasPrefix(name, "custom:"):
			custom = append(custom, name)
		default:
			standard = append(standard, name)
		}
	}
	slices.Sort(standard)
	slices.Sort(custom)
	for _, name := range standard {
		w.attr(c.Attributes, name)
	}
	w.num("exp", c.ExpiresAt.Unix())
	w.num("iat", c.IssuedAt.Unix())
	w.str("jti", c.JTI, false)
	w.attr(c.Attributes, "email")
	w.attr(c.Attributes, "phone_number")
	for _, name := range custom {
		w.attr(c.Attributes, name)
	}
	return w.bytes()
}

// unmarshalID parses a verified ID token payload.
func unmarshalID(payload []byte) (IDClaims, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		return IDClaims{}, err
	}
	var c IDClaims
	var err error
	str := func(name string, dst *string) {
		if raw, ok := m[name]; ok && err == nil {
			err = json.Unmarshal(raw, dst)
		}
	}
	list := func(name string, dst *[]string) {
		if raw, ok := m[name]; ok && err == nil {
			err = json.Unmarshal(raw, dst)
		}
	}
	tm := func(name string, dst *time.Time) {
		if raw, ok := m[name]; ok && err == nil {
			var n int64
			if err = json.Unmarshal(raw, &n); err == nil {
				*dst = time.Unix(n, 0).UTC()
			}
		}
	}
	str("at_hash", &c.AtHash)
	str("sub", &c.Sub)
	list("cognito:groups", &c.Groups)
	str("cognito:preferred_role", &c.PreferredRole)
	list("cognito:roles", &c.Roles)
	str("cognito:username", &c.Username)
	str("origin_jti", &c.OriginJTI)
	str("aud", &c.Audience)
	str("event_id", &c.EventID)
	tm("auth_time", &c.AuthTime)
	str("nonce", &c.Nonce)
	tm("exp", &c.ExpiresAt)
	tm("iat", &c.IssuedAt)
	str("jti", &c.JTI)
	if err != nil {
		return IDClaims{}, err
	}
	for name, raw := range m {
		if reservedID[name] {
			continue
		}
		if c.Attributes == nil {
			c.Attributes = map[string]string{}
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			c.Attributes[name] = s
		} else {
			// Booleans, and identities' JSON array, come back as JSON text.
			c.Attributes[name] = string(raw)
		}
	}
	return c, nil
}

// jsonObject writes a JSON object member by member, in call order, without
// HTML escaping (Cognito does not escape <, > or &).
type jsonObject struct {
	buf bytes.Buffer
	err error
}

func (w *jsonObject) key(name string) {
	if w.buf.Len() == 0 {
		w.buf.WriteByte('{')
	} else {
		w.buf.WriteByte(',')
	}
	w.value(name)
	w.buf.WriteByte(':')
}

func (w *jsonObject) value(v any) {
	if w.err != nil {
		return
	}
	b, err := marshalNoEscape(v)
	if err != nil {
		w.err = err
		return
	}
	w.buf.Write(b)
}

func (w *jsonObject) str(name, v string, omitEmpty bool) {
	if omitEmpty && v == "" {
		return
	}
	w.key(name)
	w.value(v)
}

func (w *jsonObject) list(name string, v []string) {
	if len(v) == 0 {
		return
	}
	w.key(name)
	w.value(v)
}

func (w *jsonObject) num(name string, v int64) {
	w.key(name)
	w.value(v)
}

func (w *jsonObject) attr(attrs map[string]string, name string) {
	v, ok := attrs[name]
	if !ok {
		return
	}
	w.key(name)
	switch {
	case (name == "email_verified" || name == "phone_number_verified") && (v == "true" || v == "false"):
		w.buf.WriteString(v)
	case name == "identities" && isJSONArray(v):
		w.buf.WriteString(v)
	default:
		w.value(v)
	}
}

func (w *jsonObject) bytes() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	if w.buf.Len() == 0 {
		return []byte("{}"), nil
	}
	w.buf.WriteByte('}')
	return w.buf.Bytes(), nil
}

func isJSONArray(s string) bool {
	if !strings.HasPrefix(s, "[") || !json.Valid([]byte(s)) {
		return false
	}
	var compact bytes.Buffer
	return json.Compact(&compact, []byte(s)) == nil && compact.Len() == len(s)
}

// marshalNoEscape is json.Marshal without HTML escaping.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("token: encoding claims: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
