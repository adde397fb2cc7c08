// Package passkeytest is a software WebAuthn authenticator and client for
// tests: it answers Cognito's CredentialCreationOptions and
// CREDENTIAL_REQUEST_OPTIONS (package passkey's shapes, or any
// PublicKeyCredential*OptionsJSON) with the RegistrationResponseJSON and
// AuthenticationResponseJSON a browser would send, as its toJSON() and
// Amplify's serializers encode them.
//
// Keys are EC P-256 (ES256) by default; RS256 and Ed25519 (EdDSA, which
// Cognito does not offer) exist to test algorithm rules. Attestation is
// "none" by default or "packed" self-attestation. Every field that ends up
// signed or encoded can be altered before signing through a Mod, so that
// tests can forge the bad cases (wrong origin, RP ID, challenge, type,
// flags, counter) with a valid signature.
//
// Its output is checked against go-webauthn's own protocol verification
// and the W3C test vectors in authenticator_test.go, so that this
// authenticator and package passkey cannot agree on a private mistake.
//
// Test code only: it keeps private keys in memory, in the clear.
package passkeytest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"sync"

	"github.com/fxamacker/cbor/v2"
)

// COSE algorithms the authenticator can make keys for.
const (
	ES256 int64 = -7
	EdDSA int64 = -8
	RS256 int64 = -257
)

// Authenticator flag bits (W3C WebAuthn §6.1).
const (
	FlagUP byte = 0x01 // user present
	FlagUV byte = 0x04 // user verified
	FlagBE byte = 0x08 // backup eligible
	FlagBS byte = 0x10 // backup state
	FlagAT byte = 0x40 // attested credential data included
	FlagED byte = 0x80 // extension data included
)

// Authenticator is a software passkey provider plus the browser around
// it. Its exported fields are read at each ceremony; change them between
// ceremonies only. It is safe for concurrent use.
type Authenticator struct {
	// Rand is the source of keys and credential IDs (crypto/rand if nil).
	Rand io.Reader
	// Algorithm of new keys: ES256 (default), RS256 or EdDSA.
	Algorithm int64
	// Format is the attestation statement format: "none" (default) or
	// "packed" (self attestation with the credential key).
	Format string
	// AAGUID of the authenticator model (zero by default).
	AAGUID [16]byte
	// Attachment is the authenticatorAttachment reported ("platform" by
	// default; "-" reports none).
	Attachment string
	// Transports reported at registration (["internal"] by default when
	// nil; an empty non-nil slice reports []).
	Transports []string
	// NoUserVerification makes the authenticator unable to verify the user:
	// UV is never set. By default UV is set whenever the options ask for
	// required or preferred verification.
	NoUserVerification bool
	// BackupEligible sets BE (and BS) on new credentials: a synced passkey.
	BackupEligible bool
	// IgnoreAlgorithms makes keys of Algorithm even when the options do not
	// offer it (a broken or hostile client).
	IgnoreAlgorithms bool
	// ZeroCounter keeps the signature counter at zero, as synced passkeys
	// do; by default it counts up by one per assertion.
	ZeroCounter bool

	mu    sync.Mutex
	creds []*Credential
}

// Credential is one key the authenticator holds.
type Credential struct {
	ID         []byte
	RPID       string
	UserHandle []byte
	Algorithm  int64
	Signer     crypto.Signer
	SignCount  uint32
	BackupElig bool
}

// Ceremony is everything a response is made from, before it is encoded and
// signed. A Mod may change any of it.
type Ceremony struct {
	// ClientData is serialised as clientDataJSON.
	ClientData ClientData
	// RPID is hashed into authData (rpIdHash).
	RPID string
	// Flags and Counter go into authData.
	Flags   byte
	Counter uint32
	// Credential is the key that signs.
	Credential *Credential
	// Format is the attestation format (registration only).
	Format string
	// UserHandle is response.userHandle (sign-in only; nil omits it).
	UserHandle []byte
	// Attachment and Transports as reported.
	Attachment string
	Transports []string
	// Tamper, if set, changes the encoded response after signing.
	Tamper func(resp map[string]any)
}

// ClientData is CollectedClientData in browsers' member order.
type ClientData struct {
	Type        string `json:"type"`
	Challenge   string `json:"challenge"`
	Origin      string `json:"origin"`
	CrossOrigin bool   `json:"crossOrigin"`
}

// Mod changes a Ceremony before it is encoded and signed.
type Mod func(*Ceremony)

// WithOrigin sets clientData.origin.
func WithOrigin(origin string) Mod { return func(c *Ceremony) { c.ClientData.Origin = origin } }

// WithRPID hashes rpID into authData instead of the options' RP ID.
func WithRPID(rpID string) Mod { return func(c *Ceremony) { c.RPID = rpID } }

// WithChallenge sets clientData.challenge (base64url).
func WithChallenge(ch string) Mod { return func(c *Ceremony) { c.ClientData.Challenge = ch } }

// WithType sets clientData.type.
func WithType(t string) Mod { return func(c *Ceremony) { c.ClientData.Type = t } }

// WithFlags replaces authData's flags.
func WithFlags(f byte) Mod { return func(c *Ceremony) { c.Flags = f } }

// WithCounter sets authData's signature counter.
func WithCounter(n uint32) Mod { return func(c *Ceremony) { c.Counter = n } }

// WithUserHandle sets response.userHandle of an assertion.
func WithUserHandle(h []byte) Mod { return func(c *Ceremony) { c.UserHandle = h } }

// WithTamper edits the encoded response (after signing), e.g. to drop a
// member or corrupt a signature.
func WithTamper(f func(resp map[string]any)) Mod { return func(c *Ceremony) { c.Tamper = f } }

var b64 = base64.RawURLEncoding

// creationOptions is what Create reads of CredentialCreationOptions.
type creationOptions struct {
	Challenge string `json:"challenge"`
	RP        struct {
		ID string `json:"id"`
	} `json:"rp"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	PubKeyCredParams []struct {
		Alg int64 `json:"alg"`
	} `json:"pubKeyCredParams"`
	ExcludeCredentials []struct {
		ID string `json:"id"`
	} `json:"excludeCredentials"`
	AuthenticatorSelection struct {
		UserVerification string `json:"userVerification"`
	} `json:"authenticatorSelection"`
}

// Create answers CredentialCreationOptions (JSON, with or without a
// "publicKey" wrapper) as navigator.credentials.create() on origin would,
// and returns the RegistrationResponseJSON and the new credential. Like a
// browser it refuses options whose algorithms it cannot use and a user
// who already has a credential of this authenticator in
// excludeCredentials (InvalidStateError).
func (a *Authenticator) Create(options []byte, origin string, mods ...Mod) ([]byte, *Credential, error) {
	var o creationOptions
	if err := unwrap(options, &o); err != nil {
		return nil, nil, err
	}
	alg := a.Algorithm
	if alg == 0 {
		alg = ES256
	}
	if !a.IgnoreAlgorithms && !slices.ContainsFunc(o.PubKeyCredParams, func(p struct {
		Alg int64 `json:"alg"`
	}) bool {
		return p.Alg == alg
	}) {
		return nil, nil, fmt.Errorf("passkeytest: NotSupportedError: options do not offer algorithm %d", alg)
	}
	userHandle, err := b64.DecodeString(o.User.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("passkeytest: user.id: %w", err)
	}
	a.mu.Lock()
	for _, ex := range o.ExcludeCredentials {
		for _, c := range a.creds {
			if EncodeID(c.ID) == ex.ID && c.RPID == o.RP.ID {
				a.mu.Unlock()
				return nil, nil, errors.New("passkeytest: InvalidStateError: the authenticator already holds an excluded credential")
			}
		}
	}
	a.mu.Unlock()

	signer, err := newKey(a.rand(), alg)
	if err != nil {
		return nil, nil, err
	}
	id := make([]byte, 32)
	if _, err := io.ReadFull(a.rand(), id); err != nil {
		return nil, nil, err
	}
	cred := &Credential{ID: id, RPID: o.RP.ID, UserHandle: userHandle, Algorithm: alg, Signer: signer, BackupElig: a.BackupEligible}

	c := &Ceremony{
		ClientData: ClientData{Type: "webauthn.create", Challenge: o.Challenge, Origin: origin},
		RPID:       o.RP.ID,
		Flags:      FlagUP | FlagAT | a.uvFlag(o.AuthenticatorSelection.UserVerification) | a.backupFlags(cred),
		Credential: cred,
		Format:     a.format(),
		Attachment: a.attachment(),
		Transports: a.transports(),
	}
	for _, m := range mods {
		m(c)
	}
	resp, err := a.register(c)
	if err != nil {
		return nil, nil, err
	}
	a.mu.Lock()
	a.creds = append(a.creds, cred)
	a.mu.Unlock()
	return resp, cred, nil
}

// register encodes and signs a registration.
func (a *Authenticator) register(c *Ceremony) ([]byte, error) {
	clientDataJSON, err := json.Marshal(c.ClientData)
	if err != nil {
		return nil, err
	}
	coseKey, err := COSEKey(c.Credential.Signer.Public())
	if err != nil {
		return nil, err
	}
	authData := AuthData(c.RPID, c.Flags, c.Counter, &AttestedCredential{AAGUID: a.AAGUID, ID: c.Credential.ID, PublicKey: coseKey})
	attStmt := map[string]any{}
	switch c.Format {
	case "none":
	case "packed":
		sig, err := sign(c.Credential.Signer, c.Credential.Algorithm, signedData(authData, clientDataJSON))
		if err != nil {
			return nil, err
		}
		attStmt = map[string]any{"alg": c.Credential.Algorithm, "sig": sig}
	default:
		return nil, fmt.Errorf("passkeytest: attestation format %q", c.Format)
	}
	attObj, err := encMode.Marshal(map[string]any{"fmt": c.Format, "attStmt": attStmt, "authData": authData})
	if err != nil {
		return nil, err
	}
	spki, err := x509.MarshalPKIXPublicKey(c.Credential.Signer.Public())
	if err != nil {
		return nil, err
	}
	response := map[string]any{
		"clientDataJSON":     b64.EncodeToString(clientDataJSON),
		"attestationObject":  b64.EncodeToString(attObj),
		"transports":         c.Transports,
		"publicKeyAlgorithm": c.Credential.Algorithm,
		"authenticatorData":  b64.EncodeToString(authData),
		"publicKey":          b64.EncodeToString(spki),
	}
	return encodeCredential(c.Credential.ID, c.Attachment, response, c.Tamper)
}

// requestOptions is what Get reads of CREDENTIAL_REQUEST_OPTIONS.
type requestOptions struct {
	Challenge        string `json:"challenge"`
	RPID             string `json:"rpId"`
	AllowCredentials []struct {
		ID string `json:"id"`
	} `json:"allowCredentials"`
	UserVerification string `json:"userVerification"`
}

// Get answers CREDENTIAL_REQUEST_OPTIONS (JSON, with or without a
// "publicKey" wrapper) as navigator.credentials.get() on origin would:
// it picks the first credential it holds that allowCredentials names (any
// of its credentials for the RP ID when the list is empty), counts its
// signature counter up and returns the AuthenticationResponseJSON.
func (a *Authenticator) Get(options []byte, origin string, mods ...Mod) ([]byte, error) {
	var o requestOptions
	if err := unwrap(options, &o); err != nil {
		return nil, err
	}
	rpID := o.RPID
	if rpID == "" {
		rpID = hostOf(origin)
	}
	cred := a.pick(rpID, o.AllowCredentials)
	if cred == nil {
		return nil, errors.New("passkeytest: NotAllowedError: no credential for these options")
	}
	a.mu.Lock()
	if !a.ZeroCounter {
		cred.SignCount++
	}
	counter := cred.SignCount
	a.mu.Unlock()
	c := &Ceremony{
		ClientData: ClientData{Type: "webauthn.get", Challenge: o.Challenge, Origin: origin},
		RPID:       rpID,
		Flags:      FlagUP | a.uvFlag(o.UserVerification) | a.backupFlags(cred),
		Counter:    counter,
		Credential: cred,
		UserHandle: cred.UserHandle,
		Attachment: a.attachment(),
	}
	for _, m := range mods {
		m(c)
	}
	clientDataJSON, err := json.Marshal(c.ClientData)
	if err != nil {
		return nil, err
	}
	authData := AuthData(c.RPID, c.Flags, c.Counter, nil)
	sig, err := sign(c.Credential.Signer, c.Credential.Algorithm, signedData(authData, clientDataJSON))
	if err != nil {
		return nil, err
	}
	response := map[string]any{
		"clientDataJSON":    b64.EncodeToString(clientDataJSON),
		"authenticatorData": b64.EncodeToString(authData),
		"signature":         b64.EncodeToString(sig),
	}
	if c.UserHandle != nil {
		response["userHandle"] = b64.EncodeToString(c.UserHandle)
	}
	return encodeCredential(c.Credential.ID, c.Attachment, response, c.Tamper)
}

// Credentials returns the credentials the authenticator holds.
func (a *Authenticator) Credentials() []*Credential {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.creds)
}

func (a *Authenticator) pick(rpID string, allow []struct {
	ID string `json:"id"`
}) *Credential {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range a.creds {
		if c.RPID != rpID {
			continue
		}
		if len(allow) == 0 {
			return c
		}
		for _, al := range allow {
			if al.ID == EncodeID(c.ID) {
				return c
			}
		}
	}
	return nil
}

func (a *Authenticator) rand() io.Reader {
	if a.Rand != nil {
		return a.Rand
	}
	return rand.Reader
}

func (a *Authenticator) uvFlag(requirement string) byte {
	if a.NoUserVerification || requirement == "discouraged" {
		return 0
	}
	return FlagUV
}

func (a *Authenticator) backupFlags(c *Credential) byte {
	if c.BackupElig {
		return FlagBE | FlagBS
	}
	return 0
}

func (a *Authenticator) format() string {
	if a.Format == "" {
		return "none"
	}
	return a.Format
}

func (a *Authenticator) attachment() string {
	switch a.Attachment {
	case "":
		return "platform"
	case "-":
		return ""
	}
	return a.Attachment
}

func (a *Authenticator) transports() []string {
	if a.Transports == nil {
		return []string{"internal"}
	}
	return slices.Clone(a.Transports)
}

// encodeCredential writes a PublicKeyCredential's JSON form in the member
// order of Amplify's serializers: type, id, rawId, clientExtensionResults,
// response, authenticatorAttachment (when known).
func encodeCredential(id []byte, attachment string, response map[string]any, tamper func(map[string]any)) ([]byte, error) {
	cred := map[string]any{
		"type":                   "public-key",
		"id":                     EncodeID(id),
		"rawId":                  EncodeID(id),
		"clientExtensionResults": map[string]any{},
		"response":               response,
	}
	if attachment != "" {
		cred["authenticatorAttachment"] = attachment
	}
	if tamper != nil {
		tamper(cred)
	}
	return json.Marshal(cred)
}

// EncodeID is the base64url (unpadded) form of a credential ID.
func EncodeID(id []byte) string { return b64.EncodeToString(id) }

// unwrap decodes options, accepting a {"publicKey": {...}} wrapper.
func unwrap(options []byte, v any) error {
	var wrapped struct {
		PublicKey json.RawMessage `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &wrapped); err == nil && len(wrapped.PublicKey) > 0 {
		options = wrapped.PublicKey
	}
	if err := json.Unmarshal(options, v); err != nil {
		return fmt.Errorf("passkeytest: options: %w", err)
	}
	return nil
}

func hostOf(origin string) string {
	s := origin
	if i := bytes.Index([]byte(s), []byte("://")); i >= 0 {
		s = s[i+3:]
	}
	for i, r := range s {
		if r == ':' || r == '/' {
			return s[:i]
		}
	}
	return s
}

// AttestedCredential is the attested credential data of a registration.
type AttestedCredential struct {
	AAGUID    [16]byte
	ID        []byte
	PublicKey []byte // COSE_Key
}

// AuthData encodes authenticator data (W3C §6.1): SHA-256(rpID), flags,
// the big-endian counter and, when att is not nil, the attested credential
// data (AAGUID, 2-byte ID length, ID, COSE key). The AT flag is the
// caller's to set.
func AuthData(rpID string, flags byte, counter uint32, att *AttestedCredential) []byte {
	h := sha256.Sum256([]byte(rpID))
	out := append([]byte{}, h[:]...)
	out = append(out, flags)
	out = binary.BigEndian.AppendUint32(out, counter)
	if att != nil {
		out = append(out, att.AAGUID[:]...)
		out = binary.BigEndian.AppendUint16(out, uint16(len(att.ID)))
		out = append(out, att.ID...)
		out = append(out, att.PublicKey...)
	}
	return out
}

// encMode is CTAP2 canonical CBOR, as authenticators encode.
var encMode = func() cbor.EncMode {
	m, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// COSEKey encodes a public key as a COSE_Key (RFC 9053): EC2 P-256 with
// alg ES256, RSA with alg RS256, OKP Ed25519 with alg EdDSA.
func COSEKey(pub crypto.PublicKey) ([]byte, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, errors.New("passkeytest: only P-256 keys")
		}
		raw, err := k.Bytes() // 0x04 || X || Y
		if err != nil {
			return nil, err
		}
		return encMode.Marshal(map[int]any{1: 2, 3: ES256, -1: 1, -2: raw[1:33], -3: raw[33:65]})
	case *rsa.PublicKey:
		return encMode.Marshal(map[int]any{1: 3, 3: RS256, -1: k.N.Bytes(), -2: big.NewInt(int64(k.E)).Bytes()})
	case ed25519.PublicKey:
		return encMode.Marshal(map[int]any{1: 1, 3: EdDSA, -1: 6, -2: []byte(k)})
	}
	return nil, fmt.Errorf("passkeytest: key type %T", pub)
}

func newKey(r io.Reader, alg int64) (crypto.Signer, error) {
	switch alg {
	case ES256:
		return ecdsa.GenerateKey(elliptic.P256(), r)
	case RS256:
		return rsa.GenerateKey(r, 2048)
	case EdDSA:
		_, k, err := ed25519.GenerateKey(r)
		return k, err
	}
	return nil, fmt.Errorf("passkeytest: algorithm %d", alg)
}

// signedData is authData ‖ SHA-256(clientDataJSON), what every WebAuthn
// signature covers.
func signedData(authData, clientDataJSON []byte) []byte {
	h := sha256.Sum256(clientDataJSON)
	return append(slices.Clone(authData), h[:]...)
}

// sign signs data as alg prescribes: ECDSA (ASN.1 DER) and RSA PKCS#1 v1.5
// over SHA-256, Ed25519 over the data itself.
func sign(s crypto.Signer, alg int64, data []byte) ([]byte, error) {
	if alg == EdDSA {
		return s.Sign(nil, data, crypto.Hash(0))
	}
	h := sha256.Sum256(data)
	return s.Sign(rand.Reader, h[:], crypto.SHA256)
}
