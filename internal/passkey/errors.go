package passkey

import "github.com/userpoold/userpoold/internal/fault"

// Configuration faults of StartWebAuthnRegistration (spec §6.1). The
// exception types are from the model; every message is UNCONFIRMED.
var (
	// ErrConfigurationMissing: the pool has neither a RelyingPartyId nor a
	// domain to take one from [M].
	ErrConfigurationMissing = fault.New(fault.WebAuthnConfigurationMissing, "The user pool does not have a relying party ID or a domain configured for passkeys.")
	// ErrNotEnabled: the pool offers passkeys neither as a first factor
	// nor as MFA [M; condition UNCONFIRMED].
	ErrNotEnabled = fault.New(fault.WebAuthnNotEnabled, "Passkeys are not enabled for this user pool.")
	// ErrTooMany: the user already has MaxCredentials passkeys (§12.8).
	ErrTooMany = fault.New(fault.LimitExceeded, "The user has reached the maximum number of passkeys.")
)

// Registration faults of CompleteWebAuthnRegistration (spec §6.2). The
// exception types follow the model's doc strings; messages and the order of
// the checks are UNCONFIRMED, except ErrCredentialInvalid's text, which is
// real AWS output [IS aws-sdk-net#4386].
var (
	// ErrCredentialInvalid: the Credential document is not a usable
	// RegistrationResponseJSON (unparseable, wrong type, a required member
	// missing, authenticatorData or publicKeyAlgorithm contradicting the
	// attestation object, clientData type not webauthn.create) or fails a
	// check go-webauthn makes that has no exception of its own.
	ErrCredentialInvalid = fault.New(fault.InvalidParameter, "Credential data is not valid")
	// ErrChallengeNotFound: no pending registration challenge, an expired
	// or already used one, or a clientData challenge that is not it.
	ErrChallengeNotFound = fault.New(fault.WebAuthnChallengeNotFound, "The registration challenge was not found or has expired.")
	// ErrClientMismatch: the access token's client is not the one that
	// called StartWebAuthnRegistration.
	ErrClientMismatch = fault.New(fault.WebAuthnClientMismatch, "The app client does not match the client that started the registration.")
	// ErrOriginNotAllowed: clientData.origin does not align with the RP ID
	// (OriginAllowed).
	ErrOriginNotAllowed = fault.New(fault.WebAuthnOriginNotAllowed, "The origin of the credential is not allowed for the relying party.")
	// ErrRelyingPartyMismatch: authData's rpIdHash is not SHA-256 of the
	// pool's RP ID.
	ErrRelyingPartyMismatch = fault.New(fault.WebAuthnRelyingPartyMismatch, "The credential was created for a different relying party.")
	// ErrCredentialNotSupported: an algorithm other than ES256/RS256, no
	// user presence, no user verification where the pool requires it, or an
	// attestation statement go-webauthn cannot verify.
	ErrCredentialNotSupported = fault.New(fault.WebAuthnCredentialNotSupported, "The passkey credential is not supported.")
	// ErrAlreadyRegistered: the credential ID is already one of the user's
	// passkeys (browsers prevent it through excludeCredentials). Type and
	// message UNCONFIRMED (§13.19).
	ErrAlreadyRegistered = fault.New(fault.InvalidParameter, "This passkey is already registered for the user.")
)

// Sign-in faults of the WEB_AUTHN challenge (spec §7.3). RespondToAuthChallenge
// lists no WebAuthn exceptions, so a refused assertion is
// NotAuthorizedException; the message is UNCONFIRMED (Cognito's usual text
// for a failed sign-in).
var (
	// ErrAssertionFailed: any check of the CREDENTIAL failed (unknown
	// credential, challenge, origin, RP ID, flags, signature, user handle,
	// sign counter). The cause is wrapped for the log, never sent.
	ErrAssertionFailed = fault.New(fault.NotAuthorized, "Incorrect username or password.")
	// ErrAssertionNotJSON: CREDENTIAL is not a JSON object at all.
	ErrAssertionNotJSON = fault.New(fault.InvalidParameter, "CREDENTIAL is not a valid JSON document.")
	// ErrChallengeSpent: the sign-in challenge was already answered or has
	// expired (Challenge.Take); the wording is the MFA spec's for a spent
	// session (§7.6).
	ErrChallengeSpent = fault.New(fault.NotAuthorized, "Invalid session for the user.")
)

// Management faults of ListWebAuthnCredentials and DeleteWebAuthnCredential
// (spec §6.3–§6.4). Messages UNCONFIRMED.
var (
	// ErrCredentialNotFound: DeleteWebAuthnCredential for an ID the user
	// does not own [M].
	ErrCredentialNotFound = fault.New(fault.ResourceNotFound, "The passkey credential was not found.")
	// ErrBadNextToken: a NextToken this package did not issue for the
	// user's list.
	ErrBadNextToken = fault.New(fault.InvalidParameter, "Invalid pagination token.")
)

// failed returns sentinel wrapped around cause, which is logged, never sent.
func failed(sentinel *fault.Error, cause error) error {
	return fault.Wrap(sentinel.Kind, sentinel.Message, cause)
}
