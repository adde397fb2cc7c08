package fault

import (
	"errors"
	"fmt"
)

// Kind names the Cognito exception an Error becomes. The string is the
// exception name without the "Exception" suffix.
type Kind string

// Kinds used by the domain packages: each names an exception of the
// service model, and apiserver/errmap.go maps each (a test fails for a Kind
// without a mapping). Add a Kind when a package starts answering with a new
// exception.
const (
	AliasExists              Kind = "AliasExists"
	CodeDeliveryFailure      Kind = "CodeDeliveryFailure"
	CodeMismatch             Kind = "CodeMismatch"
	DeviceKeyExists          Kind = "DeviceKeyExists"
	EnableSoftwareTokenMFA   Kind = "EnableSoftwareTokenMFA"
	ExpiredCode              Kind = "ExpiredCode"
	FeatureUnavailableInTier Kind = "FeatureUnavailableInTier"
	GroupExists              Kind = "GroupExists"
	InvalidParameter         Kind = "InvalidParameter"
	InvalidPassword          Kind = "InvalidPassword"
	LimitExceeded            Kind = "LimitExceeded"
	MFAMethodNotFound        Kind = "MFAMethodNotFound"
	NotAuthorized            Kind = "NotAuthorized"
	PasswordResetRequired    Kind = "PasswordResetRequired"
	ResourceNotFound         Kind = "ResourceNotFound"
	SoftwareTokenMFANotFound Kind = "SoftwareTokenMFANotFound"
	TooManyRequests          Kind = "TooManyRequests"
	UnsupportedOperation     Kind = "UnsupportedOperation"
	UnsupportedTokenType     Kind = "UnsupportedTokenType"
	UnsupportedUserState     Kind = "UnsupportedUserState"
	Unauthorized             Kind = "Unauthorized"
	RefreshTokenReuse        Kind = "RefreshTokenReuse"
	UserNotConfirmed         Kind = "UserNotConfirmed"
	UserNotFound             Kind = "UserNotFound"
	UserPoolAddOnNotEnabled  Kind = "UserPoolAddOnNotEnabled"
	UsernameExists           Kind = "UsernameExists"
	// The Lambda trigger exceptions, answered by internal/trigger (issue 9,
	// built beside this package's users).
	UserLambdaValidation  Kind = "UserLambdaValidation"
	InvalidLambdaResponse Kind = "InvalidLambdaResponse"
	UnexpectedLambda      Kind = "UnexpectedLambda"

	// The OAuth client rules of internal/oauth.
	InvalidOAuthFlow  Kind = "InvalidOAuthFlow"
	ScopeDoesNotExist Kind = "ScopeDoesNotExist"
	// ManagedLoginBrandingExists and TermsExists answer a second
	// branding style of a client and a second terms document of one name.
	ManagedLoginBrandingExists Kind = "ManagedLoginBrandingExists"
	TermsExists                Kind = "TermsExists"
	// TooManyFailedAttempts is one of the failures the hosted pages show.
	TooManyFailedAttempts Kind = "TooManyFailedAttempts"

	// DuplicateProvider answers an identity provider name or identifier
	// already taken in the pool (internal/federation).
	DuplicateProvider Kind = "DuplicateProvider"

	// PreconditionNotMet answers a user import job started or stopped in a
	// state that does not allow it (internal/importjob).
	PreconditionNotMet Kind = "PreconditionNotMet"
	// UserImportInProgress answers a change of a pool (UpdateUserPool,
	// DeleteUserPool, AddCustomAttributes) while one of its import jobs is
	// active.
	UserImportInProgress Kind = "UserImportInProgress"
	// ServiceQuotaExceeded answers UpdateProvisionedLimit above the
	// account's maximum (internal/quota).
	ServiceQuotaExceeded Kind = "ServiceQuotaExceeded"

	// Passkey (WebAuthn) kinds, returned by internal/passkey
	// (spec/cognito-user-auth.md §6).
	WebAuthnChallengeNotFound      Kind = "WebAuthnChallengeNotFound"
	WebAuthnClientMismatch         Kind = "WebAuthnClientMismatch"
	WebAuthnConfigurationMissing   Kind = "WebAuthnConfigurationMissing"
	WebAuthnCredentialNotSupported Kind = "WebAuthnCredentialNotSupported"
	WebAuthnNotEnabled             Kind = "WebAuthnNotEnabled"
	WebAuthnOriginNotAllowed       Kind = "WebAuthnOriginNotAllowed"
	WebAuthnRelyingPartyMismatch   Kind = "WebAuthnRelyingPartyMismatch"
)

// Error is a client-visible failure.
type Error struct {
	Kind    Kind
	Message string
	// Reason is the optional reasonCode of InvalidParameterException.
	Reason string
	// cause is logged, never sent.
	cause error
}

// New returns an Error of kind with message.
func New(kind Kind, message string) *Error { return &Error{Kind: kind, Message: message} }

// Errorf returns an Error with a formatted message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error of kind with message that records cause for
// errors.Is/As and logging.
func Wrap(kind Kind, message string, cause error) *Error {
	return &Error{Kind: kind, Message: message, cause: cause}
}

func (e *Error) Error() string { return string(e.Kind) + "Exception: " + e.Message }

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is an *Error of the same kind and message, so
// that package-level Error values work as sentinels with errors.Is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Message == e.Message
}

// KindOf returns the Kind of the first *Error in err's chain, or "".
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}
