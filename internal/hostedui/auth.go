package hostedui

import (
	"context"
	"encoding/json"

	"github.com/userpoold/userpoold/internal/oauth"
)

// Authenticator is what the pages need of sign-in and of the user
// lifecycle. The server implements it over authflow and userpool, so that a
// sign-in rule (lockout, code attempt limits, threat protection, the MFA
// decision) lives in one place and the pages answer exactly like
// InitiateAuth and RespondToAuthChallenge.
//
// Errors are *fault.Error values as the API operations return them; the
// pages show the message of the kinds a user can act on (NotAuthorized,
// CodeMismatch, ExpiredCode, InvalidPassword, UsernameExists, ...) and
// treat any other error as a server failure.
type Authenticator interface {
	// SignIn checks a username (or alias) and password for a client of
	// the pool, as USER_PASSWORD_AUTH does but without requiring that flow
	// in the client's ExplicitAuthFlows (the hosted UI is allowed for every
	// OAuth client). It returns the first challenge, or the signed-in user.
	SignIn(ctx context.Context, in SignIn) (Step, error)
	// Respond answers a challenge of a session with ChallengeResponses,
	// exactly the map RespondToAuthChallenge takes: USERNAME and
	// SMS_MFA_CODE, EMAIL_OTP_CODE, SOFTWARE_TOKEN_MFA_CODE, ANSWER
	// (SELECT_MFA_TYPE), NEW_PASSWORD and userAttributes.<name>
	// (NEW_PASSWORD_REQUIRED), or EMAIL or nothing more (MFA_SETUP).
	Respond(ctx context.Context, in Respond) (Step, error)
	// AssociateSoftwareToken starts TOTP setup in an MFA_SETUP session and
	// returns the secret (base32) and the session to go on with.
	AssociateSoftwareToken(ctx context.Context, session string) (secret, next string, err error)
	// VerifySoftwareToken checks the first code of that setup, naming the
	// device FriendlyDeviceName, and returns the session with which
	// MFA_SETUP is then answered.
	VerifySoftwareToken(ctx context.Context, session, code, deviceName string) (next string, err error)
	// SignUp registers a user (SignUp), returning whether the user is
	// already confirmed and where the confirmation code went.
	SignUp(ctx context.Context, in SignUp) (SignUpResult, error)
	// ConfirmSignUp, ResendConfirmationCode, ForgotPassword and
	// ConfirmForgotPassword are the API operations of the same names.
	ConfirmSignUp(ctx context.Context, clientID, username, code string) error
	ResendConfirmationCode(ctx context.Context, clientID, username string) (Delivery, error)
	ForgotPassword(ctx context.Context, clientID, username string) (Delivery, error)
	ConfirmForgotPassword(ctx context.Context, clientID, username, code, password string) error
}

// Client is where a browser request comes from, for threat protection
// (UserContextData's role in the API).
type Client struct {
	IP        string
	UserAgent string
	// ASFData is the form's cognitoAsfData (may be empty).
	ASFData string
}

// SignIn is a password sign-in on the login page.
type SignIn struct {
	PoolID   string
	ClientID string
	Username string
	Password string
	Client   Client
}

// Respond answers the challenge a Step asked for.
type Respond struct {
	PoolID    string
	ClientID  string
	Challenge string
	Session   string
	Responses map[string]string
	Client    Client
}

// Step is where a sign-in stands: a challenge with its parameters and
// session (as RespondToAuthChallenge returns them), or a signed-in User.
type Step struct {
	Challenge  string
	Parameters map[string]string
	Session    string
	User       *oauth.Subject
}

// SignUp is a self-registration.
type SignUp struct {
	PoolID     string
	ClientID   string
	Username   string
	Password   string
	Attributes map[string]string
	Client     Client
}

// Delivery is CodeDeliveryDetails.
type Delivery struct {
	Medium      string // EMAIL or SMS
	Destination string // masked
}

// SignUpResult is SignUp's answer.
type SignUpResult struct {
	Confirmed bool
	Delivery  Delivery
}

// Challenge names the pages answer.
const (
	challengeSMS         = "SMS_MFA"
	challengeEmail       = "EMAIL_OTP"
	challengeTOTP        = "SOFTWARE_TOKEN_MFA"
	challengeSelect      = "SELECT_MFA_TYPE"
	challengeSetup       = "MFA_SETUP"
	challengeNewPassword = "NEW_PASSWORD_REQUIRED"
)

// codeResponse is the ChallengeResponses key of each code challenge.
var codeResponse = map[string]string{
	challengeSMS:   "SMS_MFA_CODE",
	challengeEmail: "EMAIL_OTP_CODE",
	challengeTOTP:  "SOFTWARE_TOKEN_MFA_CODE",
}

// jsonList reads a challenge parameter holding a JSON array of strings
// (MFAS_CAN_CHOOSE, MFAS_CAN_SETUP, requiredAttributes).
func jsonList(s string) []string {
	var out []string
	if json.Unmarshal([]byte(s), &out) != nil {
		return nil
	}
	return out
}

// Site is how one client of one pool presents its pages.
type Site struct {
	// Branding is the look of the classic pages (domain
	// ManagedLoginVersion 1): the UI customization of the client, or of
	// the pool.
	Branding Branding
	// ManagedBranding is the look under managed login (version 2): the
	// client's managed login branding style.
	ManagedBranding Branding
	Password        PasswordRules
	// SelfSignUp is false when only administrators create users.
	SelfSignUp bool
	// EmailUsername is set when users sign in with their email address
	// (UsernameAttributes email).
	EmailUsername bool
	// SignUpFields are the attributes sign-up asks for (the required ones
	// first).
	SignUpFields []Field
	// Terms are the terms documents sign-up links to under managed login
	// (AWS shows them there only).
	Terms []Link
	// Issuer names the pool in authenticator apps (the otpauth:// issuer;
	// UNCONFIRMED what Cognito uses).
	Issuer string
}

// SiteSource finds the presentation of a client's pages (the pool's
// policies, UI customization, managed login branding and terms, with the
// client's settings over the pool's).
type SiteSource interface {
	Site(ctx context.Context, poolID, clientID string) (Site, error)
}
