package apiserver

import (
	"errors"

	"github.com/userpoold/userpoold/internal/awsjson"
	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// exceptions maps a fault.Kind to the constructor of its exception.
var exceptions = map[fault.Kind]func(string) error{
	fault.AliasExists:                    func(m string) error { return cognitoidp.NewAliasExistsException(m) },
	fault.CodeDeliveryFailure:            func(m string) error { return cognitoidp.NewCodeDeliveryFailureException(m) },
	fault.CodeMismatch:                   func(m string) error { return cognitoidp.NewCodeMismatchException(m) },
	fault.DeviceKeyExists:                func(m string) error { return cognitoidp.NewDeviceKeyExistsException(m) },
	fault.EnableSoftwareTokenMFA:         func(m string) error { return cognitoidp.NewEnableSoftwareTokenMFAException(m) },
	fault.ExpiredCode:                    func(m string) error { return cognitoidp.NewExpiredCodeException(m) },
	fault.FeatureUnavailableInTier:       func(m string) error { return cognitoidp.NewFeatureUnavailableInTierException(m) },
	fault.DuplicateProvider:              func(m string) error { return cognitoidp.NewDuplicateProviderException(m) },
	fault.GroupExists:                    func(m string) error { return cognitoidp.NewGroupExistsException(m) },
	fault.InvalidParameter:               func(m string) error { return cognitoidp.NewInvalidParameterException(m) },
	fault.InvalidPassword:                func(m string) error { return cognitoidp.NewInvalidPasswordException(m) },
	fault.LimitExceeded:                  func(m string) error { return cognitoidp.NewLimitExceededException(m) },
	fault.PreconditionNotMet:             func(m string) error { return cognitoidp.NewPreconditionNotMetException(m) },
	fault.UserImportInProgress:           func(m string) error { return cognitoidp.NewUserImportInProgressException(m) },
	fault.ServiceQuotaExceeded:           func(m string) error { return cognitoidp.NewServiceQuotaExceededException(m) },
	fault.MFAMethodNotFound:              func(m string) error { return cognitoidp.NewMFAMethodNotFoundException(m) },
	fault.NotAuthorized:                  func(m string) error { return cognitoidp.NewNotAuthorizedException(m) },
	fault.PasswordResetRequired:          func(m string) error { return cognitoidp.NewPasswordResetRequiredException(m) },
	fault.ResourceNotFound:               func(m string) error { return cognitoidp.NewResourceNotFoundException(m) },
	fault.SoftwareTokenMFANotFound:       func(m string) error { return cognitoidp.NewSoftwareTokenMFANotFoundException(m) },
	fault.TooManyRequests:                func(m string) error { return cognitoidp.NewTooManyRequestsException(m) },
	fault.UnsupportedOperation:           func(m string) error { return cognitoidp.NewUnsupportedOperationException(m) },
	fault.UnsupportedTokenType:           func(m string) error { return cognitoidp.NewUnsupportedTokenTypeException(m) },
	fault.UnsupportedUserState:           func(m string) error { return cognitoidp.NewUnsupportedUserStateException(m) },
	fault.Unauthorized:                   func(m string) error { return cognitoidp.NewUnauthorizedException(m) },
	fault.RefreshTokenReuse:              func(m string) error { return cognitoidp.NewRefreshTokenReuseException(m) },
	fault.UserNotConfirmed:               func(m string) error { return cognitoidp.NewUserNotConfirmedException(m) },
	fault.UserNotFound:                   func(m string) error { return cognitoidp.NewUserNotFoundException(m) },
	fault.UserPoolAddOnNotEnabled:        func(m string) error { return cognitoidp.NewUserPoolAddOnNotEnabledException(m) },
	fault.UsernameExists:                 func(m string) error { return cognitoidp.NewUsernameExistsException(m) },
	fault.UserLambdaValidation:           func(m string) error { return cognitoidp.NewUserLambdaValidationException(m) },
	fault.InvalidLambdaResponse:          func(m string) error { return cognitoidp.NewInvalidLambdaResponseException(m) },
	fault.UnexpectedLambda:               func(m string) error { return cognitoidp.NewUnexpectedLambdaException(m) },
	fault.TooManyFailedAttempts:          func(m string) error { return cognitoidp.NewTooManyFailedAttemptsException(m) },
	fault.InvalidOAuthFlow:               func(m string) error { return cognitoidp.NewInvalidOAuthFlowException(m) },
	fault.ScopeDoesNotExist:              func(m string) error { return cognitoidp.NewScopeDoesNotExistException(m) },
	fault.ManagedLoginBrandingExists:     func(m string) error { return cognitoidp.NewManagedLoginBrandingExistsException(m) },
	fault.TermsExists:                    func(m string) error { return cognitoidp.NewTermsExistsException(m) },
	fault.WebAuthnChallengeNotFound:      func(m string) error { return cognitoidp.NewWebAuthnChallengeNotFoundException(m) },
	fault.WebAuthnClientMismatch:         func(m string) error { return cognitoidp.NewWebAuthnClientMismatchException(m) },
	fault.WebAuthnConfigurationMissing:   func(m string) error { return cognitoidp.NewWebAuthnConfigurationMissingException(m) },
	fault.WebAuthnCredentialNotSupported: func(m string) error { return cognitoidp.NewWebAuthnCredentialNotSupportedException(m) },
	fault.WebAuthnNotEnabled:             func(m string) error { return cognitoidp.NewWebAuthnNotEnabledException(m) },
	fault.WebAuthnOriginNotAllowed:       func(m string) error { return cognitoidp.NewWebAuthnOriginNotAllowedException(m) },
	fault.WebAuthnRelyingPartyMismatch:   func(m string) error { return cognitoidp.NewWebAuthnRelyingPartyMismatchException(m) },
}

// mapError turns a domain error into the exception clients see. Errors that
// are already API errors pass through; anything else is returned unchanged
// and answered by awsjson as InternalErrorException (its text is logged,
// never sent).
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var apiErr awsjson.APIError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	if errors.Is(err, storage.ErrBadCursor) {
		// UNCONFIRMED wording.
		return cognitoidp.NewInvalidParameterException("The pagination token is invalid.")
	}
	var f *fault.Error
	if errors.As(err, &f) {
		ctor, ok := exceptions[f.Kind]
		if !ok {
			return err
		}
		e := ctor(f.Message)
		if ip, ok := e.(*cognitoidp.InvalidParameterException); ok && f.Reason != "" {
			ip.ReasonCode = cognitoidp.String(f.Reason)
		}
		return e
	}
	return err
}

// internalError is answered for every error that is not an API error.
var internalError = cognitoidp.NewInternalErrorException("An internal error occurred. Please try again.")

// InternalError returns the exception answered for unexpected failures.
func InternalError() awsjson.APIError { return internalError }
