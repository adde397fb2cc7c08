package passkey

import (
	"encoding/base64"
	"encoding/json"
	"time"
)

// COSE algorithm identifiers Cognito offers in pubKeyCredParams, in its
// order (§6.1).
const (
	AlgES256 int64 = -7
	AlgRS256 int64 = -257
)

// Ceremony timing. The timeouts are what the options tell the browser
// (§6.1, §7.1: 60000 and 180000 ms). How long Cognito keeps a challenge is
// UNCONFIRMED (§13.17); the lifetimes leave room beyond the browser's
// timeout for the round trips.
const (
	RegistrationTimeout  = 60 * time.Second
	AssertionTimeout     = 180 * time.Second
	RegistrationLifetime = 5 * time.Minute
	AssertionLifetime    = 5 * time.Minute
	// ChallengeLen is the number of random bytes in a challenge (22
	// base64url characters, as in real captures).
	ChallengeLen = 16
)

// CreationOptions is StartWebAuthnRegistration's CredentialCreationOptions:
// a PublicKeyCredentialCreationOptionsJSON object without a "publicKey"
// wrapper, binary values base64url without padding, and only the members
// Cognito sends (§6.1: no attestation, extensions, hints or
// authenticatorAttachment). Marshal it with encoding/json; the result is
// the response's document.
type CreationOptions struct {
	AuthenticatorSelection AuthenticatorSelection `json:"authenticatorSelection"`
	Challenge              string                 `json:"challenge"`
	ExcludeCredentials     []CredentialDescriptor `json:"excludeCredentials"`
	PubKeyCredParams       []CredentialParameter  `json:"pubKeyCredParams"`
	RP                     RPEntity               `json:"rp"`
	Timeout                int64                  `json:"timeout"`
	User                   UserEntity             `json:"user"`
}

// AuthenticatorSelection asks for a discoverable credential (a passkey)
// with the pool's user verification.
type AuthenticatorSelection struct {
	RequireResidentKey bool             `json:"requireResidentKey"`
	ResidentKey        string           `json:"residentKey"`
	UserVerification   UserVerification `json:"userVerification"`
}

// CredentialDescriptor names one credential in excludeCredentials
// (registration: id, type) and allowCredentials (sign-in: type, id,
// transports, always present).
type CredentialDescriptor struct {
	Type       string   `json:"type,omitempty"`
	ID         string   `json:"id"`
	Transports []string `json:"transports,omitempty"`
}

// MarshalJSON writes the registration form {"id","type"} when Transports
// is nil and the sign-in form {"type","id","transports"} otherwise, each in
// the member order of Cognito's samples.
func (d CredentialDescriptor) MarshalJSON() ([]byte, error) {
	if d.Transports == nil {
		return json.Marshal(struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		}{d.ID, d.Type})
	}
	return json.Marshal(struct {
		Type       string   `json:"type"`
		ID         string   `json:"id"`
		Transports []string `json:"transports"`
	}{d.Type, d.ID, d.Transports})
}

// CredentialParameter is one entry of pubKeyCredParams.
type CredentialParameter struct {
	Alg  int64  `json:"alg"`
	Type string `json:"type"`
}

// RPEntity is the relying party: the RP ID as both id and name (§6.1).
type RPEntity struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// UserEntity is the user: id is base64url of the sub, name the username
// and displayName the username too (UNCONFIRMED, §13.13).
type UserEntity struct {
	DisplayName string `json:"displayName"`
	ID          string `json:"id"`
	Name        string `json:"name"`
}

// RequestOptions is the WEB_AUTHN challenge's CREDENTIAL_REQUEST_OPTIONS
// (§7.1), in the member order of AWS's sample. ChallengeParameters carry it
// as a string: use String.
type RequestOptions struct {
	Challenge        string                 `json:"challenge"`
	Timeout          int64                  `json:"timeout"`
	RPID             string                 `json:"rpId"`
	AllowCredentials []CredentialDescriptor `json:"allowCredentials"`
	UserVerification UserVerification       `json:"userVerification"`
}

// String returns the options as the JSON text CREDENTIAL_REQUEST_OPTIONS
// holds.
func (o RequestOptions) String() string {
	b, err := json.Marshal(o)
	if err != nil { // only strings, numbers and slices of them
		panic("passkey: marshal RequestOptions: " + err.Error())
	}
	return string(b)
}

// b64 is the unpadded base64url encoding WebAuthn's JSON forms use.
var b64 = base64.RawURLEncoding

// EncodeID returns the base64url form of a credential ID, as
// ListWebAuthnCredentials' CredentialId and the options show it.
func EncodeID(id []byte) string { return b64.EncodeToString(id) }
