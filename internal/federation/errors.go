package federation

import (
	"errors"
	"net/url"
	"strings"
)

// OAuth error codes a federation failure reaches the app with.
const (
	CodeInvalidRequest = "invalid_request"
	CodeServerError    = "server_error"
	CodeAccessDenied   = "access_denied"
)

// Error is a failed federated sign-in, as the browser sees it. Cognito
// sends federation failures back to the app's redirect URI as
// ?error_description=<Description>&error=<Code> (error_description first,
// as captured in aws-sdk-js-v3#6201), or, when it does not know where the
// browser came from (no usable flow state), shows its error page.
type Error struct {
	Code        string
	Description string
	// Page says the failure cannot be redirected: the flow state is
	// missing, forged, expired or spent, so the app's redirect URI is not
	// known (spec §14.3: an unfinished flow ends on "Something went
	// wrong").
	Page  bool
	cause error
}

func (e *Error) Error() string {
	s := "federation: " + e.Code + ": " + e.Description
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap returns the cause, which is logged and never sent.
func (e *Error) Unwrap() error { return e.cause }

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

func failure(code, desc string, cause error) *Error {
	return &Error{Code: code, Description: desc, cause: cause}
}

func pageError(desc string, cause error) *Error {
	return &Error{Code: CodeInvalidRequest, Description: desc, Page: true, cause: cause}
}

// Messages of federation failures. Those marked AWS are captured from
// real Cognito answers; the others are UNCONFIRMED wording.
const (
	// MsgSomethingWrong is the page shown for a flow whose state is gone
	// (spec §14.3).
	MsgSomethingWrong = "Something went wrong"
	// MsgBadRelayState: IdP-initiated SAML without usable RelayState, or
	// a SAMLResponse that cannot be read (AWS, re:Post knowledge center).
	MsgBadRelayState = "Invalid samlResponse or relayState from identity provider"
	// samlPrefix starts every refused SAML response (AWS, aws-sdk-js-v3#6201).
	samlPrefix = "Invalid SAML response received: "
	// MsgSAMLSignature (AWS, aws-sdk-js-v3#6201).
	MsgSAMLSignature = samlPrefix + "SAML Assertion signature is invalid."
	MsgSAMLExpired   = samlPrefix + "SAML Assertion is expired."
	MsgSAMLAudience  = samlPrefix + "SAML Assertion audience is invalid."
	MsgSAMLRecipient = samlPrefix + "SAML Response destination or recipient is invalid."
	MsgSAMLReplay    = samlPrefix + "SAML Assertion has already been used."
	MsgSAMLIssuer    = samlPrefix + "SAML Response issuer is invalid."
	MsgSAMLStatus    = samlPrefix + "SAML Response status is not Success."
	MsgSAMLRequestID = samlPrefix + "SAML Response InResponseTo is invalid."
	MsgSAMLMalformed = samlPrefix + "SAML Response is malformed."
	MsgSAMLIDPInit   = samlPrefix + "IdP-initiated sign-in is not enabled for this identity provider."
	// MsgTokenEndpoint: the code exchange failed (AWS: "Exception
	// processing authorization code" is seen in app code written for
	// Cognito).
	MsgTokenEndpoint = "Exception processing authorization code"
	// MsgTokenTimeout (AWS, spec §4.2).
	MsgTokenTimeout = "Timeout occurred in calling IdP token endpoint"
	MsgIDToken      = "Invalid id_token received from IdP: "
	MsgUserInfo     = "Exception processing user info"
	MsgNoSubject    = "Identity provider did not send the user's identifier"
)

// Location is where a redirectable failure sends the browser: the app's
// redirect URI with error_description and error (and the app's state when
// it sent one; UNCONFIRMED: where Cognito puts it), in the query, or in
// the fragment for response_type=token (as app code written for Cognito
// reads "#error_description=..."). A registered URI's own query is kept.
// It returns "" for a Page failure.
func (e *Error) Location(redirectURI, state string, hasState, fragment bool) string {
	if e.Page || redirectURI == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(redirectURI)
	switch {
	case fragment:
		b.WriteByte('#')
	case strings.Contains(redirectURI, "?"):
		if !strings.HasSuffix(redirectURI, "?") && !strings.HasSuffix(redirectURI, "&") {
			b.WriteByte('&')
		}
	default:
		b.WriteByte('?')
	}
	b.WriteString("error_description=" + url.QueryEscape(e.Description))
	if hasState {
		b.WriteString("&state=" + url.QueryEscape(state))
	}
	b.WriteString("&error=" + url.QueryEscape(e.Code))
	return b.String()
}
