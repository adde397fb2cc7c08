package authflow

import (
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/userpool"
)

// Sign-in faults. Messages are Cognito's, verbatim; the source of each is
// noted, and UNCONFIRMED marks our best guess.
var (
	// errIncorrect is the answer to a wrong password or SRP proof, and to an
	// unknown user when the client hides user existence (spec §7.2).
	errIncorrect = userpool.ErrIncorrectPassword // "Incorrect username or password."
	// errAttemptsExceeded answers every attempt during a lockout (spec
	// §7.2; Developer Guide "lockout behavior for failed sign-in attempts").
	errAttemptsExceeded = fault.New(fault.NotAuthorized, "Password attempts exceeded")
	// errTempPasswordExpired: a FORCE_CHANGE_PASSWORD user whose temporary
	// password outlived TemporaryPasswordValidityDays (brief; widely quoted
	// in application code).
	errTempPasswordExpired = fault.New(fault.NotAuthorized, "Temporary password has expired and must be reset by an administrator.")

	// Sessions (spec §7.6).
	errSessionInvalid = fault.New(fault.NotAuthorized, "Invalid session for the user.")
	errSessionExpired = fault.New(fault.NotAuthorized, "Invalid session for the user, session is expired.")
	errSessionUsed    = fault.New(fault.NotAuthorized, "Invalid session for the user, session can only be used once.")

	// Refresh tokens (token package doc; moto's AWS-verified tests for
	// "Refresh Token has been revoked").
	errRefreshInvalid = fault.New(fault.NotAuthorized, "Invalid Refresh Token")
	errRefreshExpired = fault.New(fault.NotAuthorized, "Refresh Token has expired")
	errRefreshRevoked = fault.New(fault.NotAuthorized, "Refresh Token has been revoked")

	// errMethodNotSupported answers an admin flow on InitiateAuth (moto's
	// wording) and USER_PASSWORD_AUTH on AdminInitiateAuth (UNCONFIRMED).
	errMethodNotSupported = fault.New(fault.InvalidParameter, "Initiate Auth method not supported")
	// errAdminFlowNotEnabled: ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH on
	// a client without ALLOW_ADMIN_USER_PASSWORD_AUTH (spec §7.2).
	errAdminFlowNotEnabled = fault.New(fault.InvalidParameter, "Auth flow not enabled for this client")
	// errRotationNeedsAPI: REFRESH_TOKEN_AUTH on a client with refresh token
	// rotation, which the Developer Guide says is refused. Wording
	// UNCONFIRMED.
	errRotationNeedsAPI = fault.New(fault.InvalidParameter, "Refresh token rotation is enabled for this client. Use GetTokensFromRefreshToken.")
	// errRefreshReused: a rotated-out refresh token presented after its grace
	// period. Wording UNCONFIRMED.
	errRefreshReused = fault.New(fault.RefreshTokenReuse, "Refresh token has already been used.")
	// errInvalidSRPA: SRP_A not hexadecimal or A mod N == 0. Type and
	// wording UNCONFIRMED (spec §14.11).
	errInvalidSRPA = fault.New(fault.InvalidParameter, "Invalid SRP_A value.")

	// RevokeToken. Types from the model's error list; wording UNCONFIRMED.
	errRevocationDisabled = fault.New(fault.UnsupportedOperation, "Token revocation is not enabled for this client.")
	errNotRefreshToken    = fault.New(fault.UnsupportedTokenType, "Unsupported token type. Only refresh tokens can be revoked.")
	errRevokeOtherClient  = fault.New(fault.Unauthorized, "The refresh token was not issued to this client.")
)

// missing is InvalidParameterException "Missing required parameter NAME"
// (spec §10.4 for USERNAME; aws-sdk-cpp#452 for SRP_A; §7.6 for Session).
func missing(name string) error {
	return fault.New(fault.InvalidParameter, "Missing required parameter "+name)
}

// flowNotEnabled is the answer to a flow the client's ExplicitAuthFlows does
// not allow: "<FLOW> flow not enabled for this client" (confirmed for
// USER_PASSWORD_AUTH; seen in application code for USER_SRP_AUTH and
// REFRESH_TOKEN_AUTH).
func flowNotEnabled(flow Flow) error {
	return fault.New(fault.InvalidParameter, string(flow)+" flow not enabled for this client")
}

// badClientSecret answers a wrong or missing ClientSecret on
// GetTokensFromRefreshToken (NotAuthorized) and RevokeToken (Unauthorized).
// Wording UNCONFIRMED.
func badClientSecret(kind fault.Kind, clientID string) error {
	return fault.Errorf(kind, "Unable to verify client secret for client %s", clientID)
}

// invalidAttributes is the answer to a NEW_PASSWORD_REQUIRED response that
// leaves a required attribute unset: "Invalid attributes given, name is
// missing" (aws-sdk-js#1290, aws-sdk-android#1402 and others quote it).
// With several missing attributes Cognito's wording is UNCONFIRMED; we name
// the first.
func invalidAttributes(name string) error {
	return fault.New(fault.InvalidParameter, "Invalid attributes given, "+name+" is missing")
}
