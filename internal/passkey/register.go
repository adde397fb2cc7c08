package passkey

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"
)

// credParams are the algorithms Cognito offers, in its order (§6.1).
var credParams = []CredentialParameter{{Alg: AlgES256, Type: "public-key"}, {Alg: AlgRS256, Type: "public-key"}}

// BeginRegistration returns StartWebAuthnRegistration's
// CredentialCreationOptions for user, whose current passkeys are existing
// (they become excludeCredentials), and the Challenge to keep as the
// user's pending registration, bound to clientID (the access token's
// client). A user who already has MaxCredentials passkeys gets ErrTooMany.
// The caller has checked that the pool offers passkeys (CheckEnabled) and
// resolved rp.ID (ResolveRPID).
func (rp *RelyingParty) BeginRegistration(user User, existing []Credential, clientID string) (CreationOptions, Challenge, error) {
	if rp.ID == "" {
		return CreationOptions{}, Challenge{}, ErrConfigurationMissing
	}
	if len(existing) >= MaxCredentials {
		return CreationOptions{}, Challenge{}, ErrTooMany
	}
	value, err := rp.newChallenge()
	if err != nil {
		return CreationOptions{}, Challenge{}, err
	}
	uv := ParseUserVerification(string(rp.UserVerification))
	exclude := make([]CredentialDescriptor, 0, len(existing))
	for _, c := range existing {
		exclude = append(exclude, CredentialDescriptor{ID: c.CredentialID(), Type: "public-key"})
	}
	opts := CreationOptions{
		AuthenticatorSelection: AuthenticatorSelection{RequireResidentKey: true, ResidentKey: "required", UserVerification: uv},
		Challenge:              b64.EncodeToString(value),
		ExcludeCredentials:     exclude,
		PubKeyCredParams:       slices.Clone(credParams),
		RP:                     RPEntity{ID: rp.ID, Name: rp.ID},
		Timeout:                RegistrationTimeout.Milliseconds(),
		User:                   UserEntity{DisplayName: user.Username, ID: b64.EncodeToString(user.Handle()), Name: user.Username},
	}
	ch := Challenge{
		Ceremony: Create, Value: value, UserHandle: user.Handle(), RPID: rp.ID,
		UserVerification: uv, ClientID: clientID, Expires: rp.now().Add(RegistrationLifetime),
	}
	return opts, ch, nil
}

// FinishRegistration verifies CompleteWebAuthnRegistration's Credential (a
// RegistrationResponseJSON object, as browsers and Amplify send it) against
// ch, the pending registration the caller took (Challenge.Take), for user,
// whose current passkeys are existing, arriving with an access token of
// clientID. It returns the Credential to store with AddCredential.
//
// The checks, in order, each with its fault (spec §6.2): the challenge is
// a live registration challenge of this user and RP (ErrChallengeNotFound);
// the client is the one that started it (ErrClientMismatch); the document
// parses with every member browsers send (ErrCredentialInvalid); clientData
// is webauthn.create (ErrCredentialInvalid) with this challenge
// (ErrChallengeNotFound) from an allowed origin (ErrOriginNotAllowed);
// rpIdHash is this RP's (ErrRelyingPartyMismatch); user presence, user
// verification when required, and ES256/RS256
// (ErrCredentialNotSupported); not already registered
// (ErrAlreadyRegistered) and under the cap (ErrTooMany); then
// go-webauthn's full verification, whose failures are
// ErrCredentialNotSupported for attestation statements and keys and
// ErrCredentialInvalid otherwise.
func (rp *RelyingParty) FinishRegistration(ch Challenge, user User, existing []Credential, clientID string, credential []byte) (Credential, error) {
	now := rp.now()
	if !ch.live(Create, user, now) || ch.RPID != rp.ID {
		return Credential{}, ErrChallengeNotFound
	}
	if ch.ClientID != clientID {
		return Credential{}, ErrClientMismatch
	}
	parsed, err := parseRegistration(credential)
	if err != nil {
		return Credential{}, err
	}
	cd := parsed.Response.CollectedClientData
	if cd.Type != protocol.CreateCeremony {
		return Credential{}, failed(ErrCredentialInvalid, fmt.Errorf("passkey: clientData type %q", cd.Type))
	}
	if !sameChallenge(cd.Challenge, ch.Value) {
		return Credential{}, ErrChallengeNotFound
	}
	if !OriginAllowed(rp.ID, cd.Origin, rp.ExtraOrigins) {
		return Credential{}, failed(ErrOriginNotAllowed, fmt.Errorf("passkey: origin %q for RP ID %q", cd.Origin, rp.ID))
	}
	authData := parsed.Response.AttestationObject.AuthData
	if !rpIDHashMatches(authData.RPIDHash, rp.ID) {
		return Credential{}, ErrRelyingPartyMismatch
	}
	if !authData.Flags.UserPresent() {
		return Credential{}, failed(ErrCredentialNotSupported, errors.New("passkey: user presence flag not set"))
	}
	if ch.UserVerification == UVRequired && !authData.Flags.UserVerified() {
		return Credential{}, failed(ErrCredentialNotSupported, errors.New("passkey: user verification required but not performed"))
	}
	alg, err := coseAlgorithm(authData.AttData.CredentialPublicKey)
	if err != nil {
		return Credential{}, failed(ErrCredentialInvalid, err)
	}
	if !slices.ContainsFunc(credParams, func(p CredentialParameter) bool { return p.Alg == alg }) {
		return Credential{}, failed(ErrCredentialNotSupported, fmt.Errorf("passkey: COSE algorithm %d", alg))
	}
	if parsed.Raw.AttestationResponse.PublicKeyAlgorithm != alg {
		return Credential{}, failed(ErrCredentialInvalid, fmt.Errorf("passkey: publicKeyAlgorithm %d but the key is %d", parsed.Raw.AttestationResponse.PublicKeyAlgorithm, alg))
	}
	if find(existing, authData.AttData.CredentialID) >= 0 {
		return Credential{}, ErrAlreadyRegistered
	}
	if len(existing) >= MaxCredentials {
		return Credential{}, ErrTooMany
	}

	wa, err := rp.library(cd.Origin)
	if err != nil {
		return Credential{}, failed(ErrOriginNotAllowed, err)
	}
	session := webauthn.SessionData{
		Challenge:        b64.EncodeToString(ch.Value),
		RelyingPartyID:   rp.ID,
		UserID:           user.Handle(),
		UserVerification: protocol.UserVerificationRequirement(ch.UserVerification),
		CredParams:       libraryParams(),
	}
	made, err := wa.CreateCredential(libraryUser{user: user}, session, parsed)
	if err != nil {
		return Credential{}, classifyRegistration(err)
	}
	transports := make([]string, 0, len(made.Transport))
	for _, t := range made.Transport {
		transports = append(transports, string(t))
	}
	attachment := string(parsed.AuthenticatorAttachment)
	return Credential{
		ID:                bytes.Clone(made.ID),
		PublicKey:         bytes.Clone(made.PublicKey),
		Algorithm:         alg,
		SignCount:         made.Authenticator.SignCount,
		AAGUID:            bytes.Clone(made.Authenticator.AAGUID),
		Transports:        transports,
		Attachment:        attachment,
		UserVerified:      made.Flags.UserVerified,
		BackupEligible:    made.Flags.BackupEligible,
		BackupState:       made.Flags.BackupState,
		AttestationFormat: made.AttestationFormat,
		AttestationType:   made.AttestationType,
		RelyingPartyID:    rp.ID,
		FriendlyName:      friendlyName(attachment),
		CreatedAt:         now,
	}, nil
}

// parseRegistration parses a RegistrationResponseJSON. Beyond what
// go-webauthn requires, the members browsers' toJSON() and Amplify always
// send must be present (transports, authenticatorData,
// publicKeyAlgorithm), and authenticatorData must be the attestation
// object's authData (§12 decision; UNCONFIRMED which of them AWS insists
// on).
func parseRegistration(credential []byte) (*protocol.ParsedCredentialCreationData, error) {
	var shape struct {
		Response struct {
			Transports         *[]string        `json:"transports"`
			AuthenticatorData  *json.RawMessage `json:"authenticatorData"`
			PublicKeyAlgorithm *json.RawMessage `json:"publicKeyAlgorithm"`
		} `json:"response"`
	}
	if err := json.Unmarshal(credential, &shape); err != nil {
		return nil, failed(ErrCredentialInvalid, err)
	}
	switch r := shape.Response; {
	case r.Transports == nil:
		return nil, failed(ErrCredentialInvalid, errors.New("passkey: response.transports missing"))
	case r.AuthenticatorData == nil:
		return nil, failed(ErrCredentialInvalid, errors.New("passkey: response.authenticatorData missing"))
	case r.PublicKeyAlgorithm == nil:
		return nil, failed(ErrCredentialInvalid, errors.New("passkey: response.publicKeyAlgorithm missing"))
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(credential)
	if err != nil {
		return nil, failed(ErrCredentialInvalid, libraryCause(err))
	}
	if !bytes.Equal(parsed.Raw.AttestationResponse.AuthenticatorData, parsed.Response.AttestationObject.RawAuthData) {
		return nil, failed(ErrCredentialInvalid, errors.New("passkey: authenticatorData is not the attestation object's authData"))
	}
	if len(parsed.Response.AttestationObject.AuthData.AttData.CredentialID) == 0 {
		return nil, failed(ErrCredentialInvalid, errors.New("passkey: no attested credential data"))
	}
	return parsed, nil
}

// classifyRegistration maps a go-webauthn registration failure to its
// fault: attestation statements, certificates and key types are
// ErrCredentialNotSupported ("an unsupported device or provider"); the
// rest ErrCredentialInvalid.
func classifyRegistration(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		switch pe.Type {
		case protocol.ErrAttestation.Type, protocol.ErrInvalidAttestation.Type, protocol.ErrAttestationCertificate.Type,
			protocol.ErrUnsupportedKey.Type, protocol.ErrUnsupportedAlgorithm.Type, protocol.ErrPolicyRestriction.Type,
			protocol.ErrMetadata.Type:
			return failed(ErrCredentialNotSupported, libraryCause(err))
		}
	}
	return failed(ErrCredentialInvalid, libraryCause(err))
}

// libraryCause adds go-webauthn's developer detail to its error, for the
// log (it names the check that failed; the client sees only the fault).
func libraryCause(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		return fmt.Errorf("%w: %s", err, pe.DevInfo)
	}
	return err
}

// library returns go-webauthn for rp with origin, which OriginAllowed has
// already accepted, as the one permitted origin: go-webauthn compares
// origins exactly, while the rule here admits any port.
func (rp *RelyingParty) library(origin string) (*webauthn.WebAuthn, error) {
	cfg := &webauthn.Config{
		RPID:          rp.ID,
		RPDisplayName: rp.ID,
		// Passkey providers add extension outputs nobody asked for
		// (credProps); Cognito requests none and is not known to refuse them.
		ExtensionsUnsolicitedOutputPolicy: protocol.UnsolicitedOutputPolicyIgnore,
	}
	if protocol.IsOpaqueOrigin(origin) {
		// go-webauthn needs at least one ordinary origin beside an opaque one.
		cfg.RPOrigins = []string{"https://" + rp.ID}
		cfg.RPOpaqueOrigins = []string{origin}
	} else {
		cfg.RPOrigins = []string{origin}
	}
	return webauthn.New(cfg)
}

func libraryParams() []protocol.CredentialParameter {
	out := make([]protocol.CredentialParameter, 0, len(credParams))
	for _, p := range credParams {
		out = append(out, protocol.CredentialParameter{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.COSEAlgorithmIdentifier(p.Alg)})
	}
	return out
}

// libraryUser is a User with its credentials as go-webauthn sees them.
type libraryUser struct {
	user  User
	creds []webauthn.Credential
}

func (u libraryUser) WebAuthnID() []byte                         { return u.user.Handle() }
func (u libraryUser) WebAuthnName() string                       { return u.user.Username }
func (u libraryUser) WebAuthnDisplayName() string                { return u.user.Username }
func (u libraryUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// newChallenge returns ChallengeLen random bytes.
func (rp *RelyingParty) newChallenge() ([]byte, error) {
	b := make([]byte, ChallengeLen)
	if _, err := io.ReadFull(rp.rand(), b); err != nil {
		return nil, fmt.Errorf("passkey: challenge: %w", err)
	}
	return b, nil
}

// sameChallenge compares clientData's challenge (base64url) with the
// issued bytes in constant time.
func sameChallenge(fromClient string, issued []byte) bool {
	got, err := b64.DecodeString(fromClient)
	return err == nil && len(issued) > 0 && subtle.ConstantTimeCompare(got, issued) == 1
}

func rpIDHashMatches(hash []byte, rpID string) bool {
	want := sha256.Sum256([]byte(rpID))
	return subtle.ConstantTimeCompare(hash, want[:]) == 1
}

// coseAlgorithm returns the alg member of a COSE_Key.
func coseAlgorithm(key []byte) (int64, error) {
	var k webauthncose.PublicKeyData
	if err := webauthncbor.Unmarshal(key, &k); err != nil {
		return 0, fmt.Errorf("passkey: credential public key: %w", err)
	}
	return k.Algorithm, nil
}
