package fault

import (
	"errors"
	"fmt"
)

// Kind names the Cognito exception an Error becomes. The string is the
// exception name without the "Exception" suffix.
type Kind string

// Kinds used by the domain packages.
const (
	AliasExists                     Kind = "AliasExists"
	CodeDeliveryFailure             Kind = "CodeDeliveryFailure"
	CodeMismatch                    Kind = "CodeMismatch"
	ConcurrentModification          Kind = "ConcurrentModification"
	DeviceKeyExists                 Kind = "DeviceKeyExists"
	EnableSoftwareTokenMFA          Kind = "EnableSoftwareTokenMFA"
	ExpiredCode                     Kind = "ExpiredCode"
	FeatureUnavailableInTier        Kind = "FeatureUnavailableInTier"
	Forbidden                       Kind = "Forbidden"
	GroupExists                     Kind = "GroupExists"
	InvalidParameter                Kind = "InvalidParameter"
	InvalidPassword                 Kind = "InvalidPassword"
	InvalidUserPoolConfiguration    Kind = "InvalidUserPoolConfiguration"
	LimitExceeded                   Kind = "LimitExceeded"
	MFAMethodNotFound               Kind = "MFAMethodNotFound"
	NotAuthorized                   Kind = "NotAuthorized"
	OperationNotEnabled             Kind = "OperationNotEnabled"
	PasswordResetRequired           Kind = "PasswordResetRequired"
	ResourceNotFound                Kind = "ResourceNotFound"
	SoftwareTokenMFANotFound        Kind = "SoftwareTokenMFANotFound"
	TooManyFailedAttempts           Kind = "TooManyFailedAttempts"
	TooManyRequests                 Kind = "TooManyRequests"
	UnsupportedOperation            Kind = "UnsupportedOperation"
	UnsupportedTokenType            Kind = "UnsupportedTokenType"
	UnsupportedUserState            Kind = "UnsupportedUserState"
	Unauthorized                    Kind = "Unauthorized"
	RefreshTokenReuse               Kind = "RefreshTokenReuse"
	UserNotConfirmed                Kind = "UserNotConfirmed"
	UserNotFound                    Kind = "UserNotFound"
	UserPoolAddOnNotEnabled         Kind = "UserPoolAddOnNotEnabled"
	UserPoolTaggingException        Kind = "UserPoolTagging"
	UsernameExists                  Kind = "UsernameExists"
	InvalidEmailRoleAccessPolicy    Kind = "InvalidEmailRoleAccessPolicy"
	InvalidOAuthFlow                Kind = "InvalidOAuthFlow"
	ScopeDoesNotExist               Kind = "ScopeDoesNotExist"
	UnauthorizedClient              Kind = "UnauthorizedClient" // not a Cognito API exception; OAuth only
	UserLambdaValidation            Kind = "UserLambdaValidation"
	InvalidLambdaResponse           Kind = "InvalidLambdaResponse"
	UnexpectedLambda                Kind = "UnexpectedLambda"
	PreconditionNotMet              Kind = "PreconditionNotMet"
	UserImportInProgress            Kind = "UserImportInProgress"
	DuplicateProvider               Kind = "DuplicateProvider"
	InvalidSmsRoleAccessPolicy      Kind = "InvalidSmsRoleAccessPolicy"
	InvalidSmsRoleTrustRelationship Kind = "InvalidSmsRoleTrustRelationship"

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
