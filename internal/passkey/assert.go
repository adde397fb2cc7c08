package passkey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// ErrNoCredentials is BeginAssertion for a user without passkeys: the
// caller offers WEB_AUTHN only to users who have one (§4.2), so this is a
// bug, not a client error.
var ErrNoCredentials = errors.New("passkey: the user has no passkeys to sign in with")

// BeginAssertion returns the WEB_AUTHN challenge's
// CREDENTIAL_REQUEST_OPTIONS for user, whose passkeys are creds (all of
// them in allowCredentials, with their transports, §7.1), and the Challenge
// to keep in the sign-in session. requireUV asks for (and FinishAssertion
// then enforces) user verification whatever the pool's setting: passkey
// MFA (§7.4, MULTI_FACTOR_WITH_USER_VERIFICATION with the user's
// WebAuthnMfaSettings enabled).
func (rp *RelyingParty) BeginAssertion(user User, creds []Credential, requireUV bool) (RequestOptions, Challenge, error) {
	if len(creds) == 0 {
		return RequestOptions{}, Challenge{}, ErrNoCredentials
	}
	if rp.ID == "" {
		return RequestOptions{}, Challenge{}, ErrConfigurationMissing
	}
	value, err := rp.newChallenge()
	if err != nil {
		return RequestOptions{}, Challenge{}, err
	}
	uv := ParseUserVerification(string(rp.UserVerification))
	if requireUV {
		uv = UVRequired
	}
	allow := make([]CredentialDescriptor, 0, len(creds))
	for _, c := range creds {
		transports := c.Transports
		if transports == nil {
			transports = []string{}
		}
		allow = append(allow, CredentialDescriptor{Type: "public-key", ID: c.CredentialID(), Transports: transports})
	}
	opts := RequestOptions{
		Challenge:        b64.EncodeToString(value),
		Timeout:          AssertionTimeout.Milliseconds(),
		RPID:             rp.ID,
		AllowCredentials: allow,
		UserVerification: uv,
	}
	ch := Challenge{
		Ceremony: Get, Value: value, UserHandle: user.Handle(), RPID: rp.ID,
		UserVerification: uv, Expires: rp.now().Add(AssertionLifetime),
	}
	return opts, ch, nil
}

// FinishAssertion verifies the WEB_AUTHN challenge's CREDENTIAL (the
// AuthenticationResponseJSON as a JSON string, §7.2) against ch, the
// challenge the caller took from the session (Challenge.Take), for user,
// whose passkeys are creds. It returns the Assertion to apply to the
// stored credential (Credential.Apply, atomically) before issuing tokens.
//
// Every failure is ErrAssertionFailed (NotAuthorizedException) with the
// cause wrapped for the log, except a CREDENTIAL that is not a JSON object
// (ErrAssertionNotJSON) and a challenge of another user, ceremony or RP,
// or an expired one (ErrChallengeSpent). The checks (§7.3): the credential
// is one of the user's; clientData is webauthn.get with this challenge from
// an allowed origin; rpIdHash; then go-webauthn (user presence, user
// verification when ch requires it, the signature over authData and the
// clientData hash, the user handle when present, the backup flags); then
// the sign counter against the stored one.
func (rp *RelyingParty) FinishAssertion(ch Challenge, user User, creds []Credential, credential []byte) (Assertion, error) {
	now := rp.now()
	if !ch.live(Get, user, now) || ch.RPID != rp.ID {
		return Assertion{}, ErrChallengeSpent
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(credential, &probe); err != nil {
		return Assertion{}, failed(ErrAssertionNotJSON, err)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(credential)
	if err != nil {
		return Assertion{}, failed(ErrAssertionFailed, err)
	}
	i := find(creds, parsed.RawID)
	if i < 0 {
		return Assertion{}, failed(ErrAssertionFailed, errors.New("passkey: not one of the user's credentials"))
	}
	stored := creds[i]
	cd := parsed.Response.CollectedClientData
	switch {
	case cd.Type != protocol.AssertCeremony:
		return Assertion{}, failed(ErrAssertionFailed, fmt.Errorf("passkey: clientData type %q", cd.Type))
	case !sameChallenge(cd.Challenge, ch.Value):
		return Assertion{}, failed(ErrAssertionFailed, errors.New("passkey: clientData challenge is not the session's"))
	case !OriginAllowed(rp.ID, cd.Origin, rp.ExtraOrigins):
		return Assertion{}, failed(ErrAssertionFailed, fmt.Errorf("passkey: origin %q for RP ID %q", cd.Origin, rp.ID))
	case !rpIDHashMatches(parsed.Response.AuthenticatorData.RPIDHash, rp.ID):
		return Assertion{}, failed(ErrAssertionFailed, errors.New("passkey: rpIdHash of another relying party"))
	case !parsed.Response.AuthenticatorData.Flags.UserPresent():
		return Assertion{}, failed(ErrAssertionFailed, errors.New("passkey: user presence flag not set"))
	case ch.UserVerification == UVRequired && !parsed.Response.AuthenticatorData.Flags.UserVerified():
		return Assertion{}, failed(ErrAssertionFailed, errors.New("passkey: user verification required but not performed"))
	}

	wa, err := rp.library(cd.Origin)
	if err != nil {
		return Assertion{}, failed(ErrAssertionFailed, err)
	}
	lib := libraryUser{user: user, creds: []webauthn.Credential{toLibrary(stored)}}
	session := webauthn.SessionData{
		Challenge:            b64.EncodeToString(ch.Value),
		RelyingPartyID:       rp.ID,
		UserID:               user.Handle(),
		AllowedCredentialIDs: [][]byte{stored.ID},
		UserVerification:     protocol.UserVerificationRequirement(ch.UserVerification),
	}
	if _, err := wa.ValidateLogin(lib, session, parsed); err != nil {
		return Assertion{}, failed(ErrAssertionFailed, libraryCause(err))
	}
	flags := parsed.Response.AuthenticatorData.Flags
	a := Assertion{
		CredentialID: bytes.Clone(stored.ID),
		SignCount:    parsed.Response.AuthenticatorData.Counter,
		UserVerified: flags.UserVerified(),
		BackupState:  flags.HasBackupState(),
		At:           now,
	}
	if err := checkCounter(stored.SignCount, a.SignCount); err != nil {
		return Assertion{}, err
	}
	return a, nil
}

// toLibrary is a stored Credential as go-webauthn verifies assertions with.
func toLibrary(c Credential) webauthn.Credential {
	transports := make([]protocol.AuthenticatorTransport, 0, len(c.Transports))
	for _, t := range c.Transports {
		transports = append(transports, protocol.AuthenticatorTransport(t))
	}
	return webauthn.Credential{
		ID:                c.ID,
		PublicKey:         c.PublicKey,
		AttestationType:   c.AttestationType,
		AttestationFormat: c.AttestationFormat,
		Transport:         transports,
		Flags: webauthn.CredentialFlags{
			UserPresent:    true,
			UserVerified:   c.UserVerified,
			BackupEligible: c.BackupEligible,
			BackupState:    c.BackupState,
		},
		Authenticator: webauthn.Authenticator{
			AAGUID:     c.AAGUID,
			SignCount:  c.SignCount,
			Attachment: protocol.AuthenticatorAttachment(c.Attachment),
		},
	}
}
