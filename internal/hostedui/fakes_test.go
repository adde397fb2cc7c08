package hostedui

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/oauth"
)

const (
	testPool   = "us-east-1_TestPool1"
	testClient = "webclient"
	callback   = "https://app.example.com/cb"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fakeClients map[string]oauth.Client

func (f fakeClients) OAuthClient(_ context.Context, id string) (oauth.Client, bool, error) {
	c, ok := f[id]
	return c, ok, nil
}

var clients = fakeClients{
	testClient: {PoolID: testPool, ID: testClient, OAuthEnabled: true, Flows: []oauth.Flow{oauth.FlowCode, oauth.FlowImplicit},
		Scopes: []string{"openid", "email", "profile"}, CallbackURLs: []string{callback}, LogoutURLs: []string{"https://app.example.com/bye"},
		IdentityProviders: []string{"COGNITO"}, RevocationEnabled: true, AccessTTL: time.Hour},
	"idponly": {PoolID: testPool, ID: "idponly", OAuthEnabled: true, Flows: []oauth.Flow{oauth.FlowCode},
		Scopes: []string{"openid"}, CallbackURLs: []string{callback}, IdentityProviders: []string{"Google"}},
}

var noScopes = oauth.ScopeCatalogFunc(func(context.Context, string) ([]string, error) { return nil, nil })

type fakeGrants struct{ grants []oauth.UserGrant }

func (g *fakeGrants) UserTokens(_ context.Context, ug oauth.UserGrant) (oauth.Tokens, error) {
	g.grants = append(g.grants, ug)
	return oauth.Tokens{AccessToken: "access-" + ug.Subject.Username, IDToken: "id-" + ug.Subject.Username, RefreshToken: "refresh", ExpiresIn: 3600}, nil
}
func (g *fakeGrants) RefreshTokens(context.Context, oauth.Client, string) (oauth.Tokens, error) {
	return oauth.Tokens{}, fmt.Errorf("not used")
}
func (g *fakeGrants) ClientTokens(context.Context, oauth.Client, []string) (oauth.Tokens, error) {
	return oauth.Tokens{}, fmt.Errorf("not used")
}

type fakeSessions struct{ signedOut map[string]bool }

func (f fakeSessions) CheckSession(_ context.Context, s oauth.Subject) (bool, error) {
	return !f.signedOut[s.Username], nil
}

type fakeSites struct{ site Site }

func (f fakeSites) Site(context.Context, string, string) (Site, error) { return f.site, nil }

// fakeAuth is a small sign-in state machine with one user per path
// through the pages. Sessions are "s<n>" and single-use, as authflow's.
type fakeAuth struct {
	mu       sync.Mutex
	n        int
	sessions map[string]string // session → expected challenge
	calls    []string
	// last records the last responses map, for assertions.
	last       map[string]string
	deviceName string
	signups    []SignUp
	confirmed  []string
	reset      []string
}

const (
	password = "Passw0rd!"
	totpCode = "123456"
	mailCode = "654321"
)

var totpSecret = mfa.EncodeSecret([]byte("0123456789abcdefghij"))

func (a *fakeAuth) session(challenge string) string {
	a.n++
	s := fmt.Sprintf("s%02d", a.n)
	if a.sessions == nil {
		a.sessions = map[string]string{}
	}
	a.sessions[s] = challenge
	return s
}

func user(name string) *oauth.Subject {
	return &oauth.Subject{PoolID: testPool, Username: name, Sub: "sub-" + name, AuthTime: t0}
}

func (a *fakeAuth) SignIn(_ context.Context, in SignIn) (Step, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, "SignIn:"+in.Username)
	if in.PoolID != testPool || in.ClientID != testClient {
		return Step{}, fmt.Errorf("wrong pool or client")
	}
	if in.Password != password {
		return Step{}, fault.New(fault.NotAuthorized, "Incorrect username or password.")
	}
	p := map[string]string{"USER_ID_FOR_SRP": in.Username}
	switch in.Username {
	case "jane":
		return Step{User: user("jane")}, nil
	case "totp":
		return Step{Challenge: "SOFTWARE_TOKEN_MFA", Parameters: p, Session: a.session("SOFTWARE_TOKEN_MFA")}, nil
	case "chooser":
		p["MFAS_CAN_CHOOSE"] = `["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]`
		return Step{Challenge: "SELECT_MFA_TYPE", Parameters: p, Session: a.session("SELECT_MFA_TYPE")}, nil
	case "setup":
		p["MFAS_CAN_SETUP"] = `["SOFTWARE_TOKEN_MFA"]`
		return Step{Challenge: "MFA_SETUP", Parameters: p, Session: a.session("MFA_SETUP")}, nil
	case "setupmail":
		p["MFAS_CAN_SETUP"] = `["SMS_MFA","SOFTWARE_TOKEN_MFA","EMAIL_OTP"]`
		return Step{Challenge: "MFA_SETUP", Parameters: p, Session: a.session("MFA_SETUP")}, nil
	case "newbie":
		p["requiredAttributes"] = `["userAttributes.name"]`
		return Step{Challenge: "NEW_PASSWORD_REQUIRED", Parameters: p, Session: a.session("NEW_PASSWORD_REQUIRED")}, nil
	case "unconfirmed":
		return Step{}, fault.New(fault.UserNotConfirmed, "User is not confirmed.")
	}
	return Step{}, fault.New(fault.NotAuthorized, "Incorrect username or password.")
}

func (a *fakeAuth) Respond(_ context.Context, in Respond) (Step, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, "Respond:"+in.Challenge)
	a.last = in.Responses
	want, ok := a.sessions[in.Session]
	if !ok || want != in.Challenge {
		return Step{}, fault.New(fault.NotAuthorized, "Invalid session for the user, session is expired.")
	}
	r := in.Responses
	wrong := func() (Step, error) { return Step{}, fault.New(fault.CodeMismatch, "Invalid code received for user") }
	switch in.Challenge {
	case "SOFTWARE_TOKEN_MFA":
		if r["SOFTWARE_TOKEN_MFA_CODE"] != totpCode {
			return wrong()
		}
	case "EMAIL_OTP":
		if r["EMAIL_OTP_CODE"] != mailCode {
			return wrong()
		}
	case "SELECT_MFA_TYPE":
		delete(a.sessions, in.Session)
		return Step{Challenge: r["ANSWER"], Parameters: map[string]string{"CODE_DELIVERY_DESTINATION": "c***@e***", "USER_ID_FOR_SRP": r["USERNAME"]}, Session: a.session(r["ANSWER"])}, nil
	case "MFA_SETUP":
		if email := r["EMAIL"]; email != "" {
			delete(a.sessions, in.Session)
			return Step{Challenge: "EMAIL_OTP", Parameters: map[string]string{"CODE_DELIVERY_DESTINATION": "s***@e***"}, Session: a.session("EMAIL_OTP")}, nil
		}
		if a.deviceName == "" {
			return Step{}, fault.New(fault.InvalidParameter, "setup not verified")
		}
	case "NEW_PASSWORD_REQUIRED":
		if r["NEW_PASSWORD"] == "short" {
			return Step{}, fault.New(fault.InvalidPassword, "Password does not conform to policy: Password not long enough")
		}
	}
	delete(a.sessions, in.Session)
	return Step{User: user(r["USERNAME"])}, nil
}

func (a *fakeAuth) AssociateSoftwareToken(_ context.Context, session string) (string, string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sessions[session] != "MFA_SETUP" {
		return "", "", fault.New(fault.NotAuthorized, "Invalid session for the user.")
	}
	delete(a.sessions, session)
	return totpSecret, a.session("MFA_SETUP"), nil
}

func (a *fakeAuth) VerifySoftwareToken(_ context.Context, session, code, device string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sessions[session] != "MFA_SETUP" {
		return "", fault.New(fault.NotAuthorized, "Invalid session for the user.")
	}
	if code != totpCode {
		return "", fault.New(fault.CodeMismatch, "Code mismatch")
	}
	a.deviceName = device
	delete(a.sessions, session)
	return a.session("MFA_SETUP"), nil
}

func (a *fakeAuth) SignUp(_ context.Context, in SignUp) (SignUpResult, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if in.Username == "taken" {
		return SignUpResult{}, fault.New(fault.UsernameExists, "User already exists")
	}
	a.signups = append(a.signups, in)
	return SignUpResult{Delivery: Delivery{Medium: "EMAIL", Destination: "n***@e***"}}, nil
}

func (a *fakeAuth) ConfirmSignUp(_ context.Context, clientID, username, code string) error {
	if code != mailCode {
		return fault.New(fault.CodeMismatch, "Invalid verification code provided, please try again.")
	}
	a.confirmed = append(a.confirmed, username)
	return nil
}

func (a *fakeAuth) ResendConfirmationCode(context.Context, string, string) (Delivery, error) {
	return Delivery{Medium: "EMAIL", Destination: "u***@e***"}, nil
}

func (a *fakeAuth) ForgotPassword(context.Context, string, string) (Delivery, error) {
	return Delivery{Medium: "EMAIL", Destination: "j***@e***"}, nil
}

func (a *fakeAuth) ConfirmForgotPassword(_ context.Context, clientID, username, code, pw string) error {
	if code != mailCode {
		return fault.New(fault.CodeMismatch, "Invalid verification code provided, please try again.")
	}
	a.reset = append(a.reset, username+":"+pw)
	return nil
}
