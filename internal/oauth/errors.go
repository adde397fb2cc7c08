package oauth

import (
	"errors"
	"net/http"
)

// Code is an OAuth 2.0 error code, the value of the "error" member or
// parameter.
type Code string

// Error codes Cognito answers with (spec §4.2, §6, §8, §9).
const (
	CodeInvalidRequest          Code = "invalid_request"
	CodeInvalidClient           Code = "invalid_client"
	CodeInvalidGrant            Code = "invalid_grant"
	CodeUnauthorizedClient      Code = "unauthorized_client"
	CodeUnsupportedGrantType    Code = "unsupported_grant_type"
	CodeInvalidScope            Code = "invalid_scope"
	CodeServerError             Code = "server_error"
	CodeUnsupportedTokenType    Code = "unsupported_token_type"
	CodeInvalidToken            Code = "invalid_token"
	CodeUnsupportedResponseType Code = "unsupported_response_type"
	// CodeRedirectMismatch is shown on the error page (never redirected)
	// when redirect_uri is not one of the client's CallbackURLs.
	CodeRedirectMismatch Code = "redirect_mismatch"
	// CodeLoginRequired answers prompt=none without a session (UNCONFIRMED).
	CodeLoginRequired Code = "login_required"
)

// Error is an OAuth protocol failure. Description is shown on error pages
// and sent as error_description only where Cognito sends one; it never holds
// a secret, a token or a code.
type Error struct {
	Code        Code
	Description string
	// Status is the HTTP status of a JSON or header answer (400 when zero).
	Status int
	// basic marks an invalid_client answer to a request authenticated with
	// HTTP Basic, which gets WWW-Authenticate: Basic.
	basic bool
}

func (e *Error) Error() string {
	if e.Description == "" {
		return "oauth: " + string(e.Code)
	}
	return "oauth: " + string(e.Code) + ": " + e.Description
}

// status returns the HTTP status of the answer.
func (e *Error) status() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// Errorf-free constructors keep call sites short.
func errorOf(code Code, desc string) *Error { return &Error{Code: code, Description: desc} }

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// ErrCodeNotFound is what a CodeStore returns when a code is unknown or was
// already spent; the token endpoint answers it with invalid_grant.
var ErrCodeNotFound = errors.New("oauth: authorization code not found or already used")
