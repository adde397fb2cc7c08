package hostedui

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/oauth"
	"github.com/userpoold/userpoold/internal/seal"
)

// Domain is the user pool domain a request reached, resolved by the
// router (host form or path form) before Handler sees it.
type Domain struct {
	Name                string
	PoolID              string
	ManagedLoginVersion int // 1 classic hosted UI, 2 managed login
	// BasePath prefixes every link and form action of the domain: "" in
	// host form, "/_domain/<name>" in path form. The request's URL.Path is
	// relative to it.
	BasePath string
}

type domainKey struct{}

// WithDomain returns a context carrying the request's domain.
func WithDomain(ctx context.Context, d Domain) context.Context {
	return context.WithValue(ctx, domainKey{}, d)
}

func domainOf(ctx context.Context) (Domain, bool) {
	d, ok := ctx.Value(domainKey{}).(Domain)
	return d, ok
}

// flowTTL bounds how long a sealed flow state (the pages' equivalent of an
// authflow session carried between pages) is accepted; authflow's own
// session expiry (AuthSessionValidity, at most 15 minutes) still applies.
const flowTTL = 15 * time.Minute

// maxForm bounds a page's form body.
const maxForm = 64 << 10

// Handler serves the browser-facing endpoints of a domain: GET
// /oauth2/authorize, /login, /signup, /confirm, /resendcode,
// /forgotPassword, /confirmforgotPassword, /mfa, GET /logout and GET
// /error. Set the fields, call Init, then mount it under each domain with
// WithDomain on the request context (paths relative to Domain.BasePath).
type Handler struct {
	Pages      *Renderer
	Auth       Authenticator
	Authorizer *oauth.Authorizer
	Cookies    *oauth.Cookies
	Clients    oauth.ClientSource
	Catalog    oauth.ScopeCatalog
	Sessions   oauth.SessionChecker
	Sites      SiteSource
	Now        func() time.Time
	Log        *slog.Logger
	// TrustForwardedProto makes the cookies Secure on requests a
	// TLS-terminating proxy marks X-Forwarded-Proto: https (set when the
	// public URL is https; see oauth.ScopeFor).
	TrustForwardedProto bool
	// Federation serves sign-in through external identity providers
	// (federation.go); nil refuses them.
	Federation Federation

	flow *seal.Box
}

// Init derives the key that seals the flow state carried between pages
// from the 32-byte master key (shared by every node).
func (h *Handler) Init(master []byte) error {
	box, err := seal.New(master, "hostedui/flow-state", nil)
	if err != nil {
		return err
	}
	h.flow = box
	return nil
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.New(slog.DiscardHandler)
}

// ServeHTTP routes a domain request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d, ok := domainOf(r.Context())
	if !ok {
		h.errorPage(w, http.StatusNotFound, "", "")
		return
	}
	get, post := r.Method == http.MethodGet || r.Method == http.MethodHead, r.Method == http.MethodPost
	switch {
	case r.URL.Path == oauth.PathAuthorize && get:
		h.authorize(w, r, d)
	case r.URL.Path == oauth.PathLogout && get:
		h.logout(w, r, d)
	case r.URL.Path == oauth.PathError && get:
		h.showError(w, r)
	case h.Federation != nil && slices.Contains(FederationPaths, r.URL.Path):
		h.Federation.Callback(w, r, d)
	case r.URL.Path == oauth.PathLogin && (get || post),
		r.URL.Path == oauth.PathSignUp && (get || post),
		r.URL.Path == oauth.PathConfirm && (get || post),
		r.URL.Path == oauth.PathResendCode && post,
		r.URL.Path == oauth.PathForgotPassword && (get || post),
		r.URL.Path == oauth.PathConfirmPassword && (get || post),
		r.URL.Path == pathMFA && post:
		h.page(w, r, d)
	default:
		w.Header().Set("Allow", "GET, POST")
		h.errorPage(w, http.StatusNotFound, "", "")
	}
}

// pathMFA is where the MFA and new-password pages post (UNCONFIRMED: AWS's
// paths for these pages are not known, spec §3).
const pathMFA = "/mfa"

// view is one page request: its domain, the authorize request the pages
// carry along, the client's presentation and the browser's CSRF token.
type view struct {
	d    Domain
	req  *oauth.AuthorizeRequest
	site Site
	csrf string
	r    *http.Request
}

// link is a domain path with the authorize query.
func (v *view) link(path string) string {
	return v.d.BasePath + path + "?" + v.r.URL.RawQuery
}

func (v *view) frame(path string) Frame {
	f := Frame{
		Lang:     "en",
		CSRF:     v.csrf,
		Action:   v.link(path),
		Branding: v.site.Branding,
		Links:    Links{SignIn: v.link(oauth.PathLogin), ForgotPassword: v.link(oauth.PathForgotPassword)},
	}
	if v.site.SelfSignUp {
		f.Links.SignUp = v.link(oauth.PathSignUp)
	}
	return f
}

func (v *view) usernameLabel() string {
	if v.site.EmailUsername {
		return "Email"
	}
	return "Username"
}

func (v *view) client() Client {
	ip := v.r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return Client{IP: ip, UserAgent: v.r.UserAgent(), ASFData: v.r.PostFormValue("cognitoAsfData")}
}

func (h *Handler) scope(r *http.Request, d Domain) oauth.CookieScope {
	return oauth.ScopeFor(r, d.BasePath, h.TrustForwardedProto)
}

// errorPage shows an error that must not be redirected.
func (h *Handler) errorPage(w http.ResponseWriter, status int, code oauth.Code, desc string) {
	p := &ErrorPage{Code: string(code)}
	if desc != "" && desc != string(code) {
		p.Description = desc
	}
	h.Pages.Write(w, status, p)
}

func (h *Handler) serverError(w http.ResponseWriter, what string, err error) {
	h.log().Error("hosted UI", "step", what, "error", err.Error())
	h.errorPage(w, http.StatusInternalServerError, oauth.CodeServerError, "")
}

// authorizeRequest validates the authorize query a page carries; on
// failure it has answered (error page or redirect) and returns nil.
func (h *Handler) authorizeRequest(w http.ResponseWriter, r *http.Request, d Domain) *oauth.AuthorizeRequest {
	req, aerr, err := oauth.ParseAuthorize(r.Context(), d.PoolID, r.URL.Query(), h.Clients, h.Catalog)
	switch {
	case err != nil:
		h.serverError(w, "authorize", err)
	case aerr != nil && aerr.Location() == "":
		h.errorPage(w, http.StatusBadRequest, aerr.Code, aerr.Description)
	case aerr != nil:
		http.Redirect(w, r, aerr.Location(), http.StatusFound)
	default:
		return req
	}
	return nil
}

// authorize serves GET /oauth2/authorize (spec §4).
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request, d Domain) {
	w.Header().Set("X-Frame-Options", "DENY")
	req := h.authorizeRequest(w, r, d)
	if req == nil {
		return
	}
	sub, have := h.Cookies.Session(r, d.PoolID)
	if have {
		ok, err := h.Sessions.CheckSession(r.Context(), sub)
		if err != nil {
			h.serverError(w, "session", err)
			return
		}
		have = ok
	}
	switch oauth.Decide(req, have, d.ManagedLoginVersion) {
	case oauth.NextComplete:
		h.complete(w, r, req, sub)
	case oauth.NextLoginRequired:
		http.Redirect(w, r, req.Error(oauth.CodeLoginRequired, "").Location(), http.StatusFound)
	case oauth.NextFederate:
		if h.Federation == nil {
			http.Redirect(w, r, req.Error(oauth.CodeInvalidRequest, "identity provider not available").Location(), http.StatusFound)
			return
		}
		h.Federation.Start(w, r, d, req)
	default:
		if _, err := h.Cookies.NewXSRF(w, h.scope(r, d)); err != nil {
			h.serverError(w, "xsrf", err)
			return
		}
		http.Redirect(w, r, d.BasePath+oauth.PathLogin+"?"+r.URL.RawQuery, http.StatusFound)
	}
}

// complete finishes the authorize request for a signed-in user.
func (h *Handler) complete(w http.ResponseWriter, r *http.Request, req *oauth.AuthorizeRequest, sub oauth.Subject) {
	loc, err := h.Authorizer.Complete(r.Context(), req, sub)
	if err != nil {
		h.serverError(w, "complete", err)
		return
	}
	http.Redirect(w, r, loc, http.StatusFound)
}

// page serves the login, sign-up, confirmation, password and MFA pages.
func (h *Handler) page(w http.ResponseWriter, r *http.Request, d Domain) {
	req := h.authorizeRequest(w, r, d)
	if req == nil {
		return
	}
	site, err := h.Sites.Site(r.Context(), d.PoolID, req.Client.ID)
	if err != nil {
		h.serverError(w, "site", err)
		return
	}
	site = site.For(d.ManagedLoginVersion)
	v := &view{d: d, req: req, site: site, r: r}
	if !req.Client.SupportsProvider(oauth.ProviderCognito) {
		// A client of external providers only: the login page shows their
		// buttons and nothing else is served.
		buttons, err := h.providerButtons(v)
		if err != nil {
			h.serverError(w, "providers", err)
			return
		}
		if len(buttons) == 0 || r.URL.Path != oauth.PathLogin || r.Method != http.MethodGet {
			h.errorPage(w, http.StatusBadRequest, oauth.CodeUnauthorizedClient, "This app does not accept sign-in with a user name and password.")
			return
		}
		h.Pages.Write(w, http.StatusOK, &LoginPage{Frame: v.frame(oauth.PathLogin), Providers: buttons})
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			h.errorPage(w, http.StatusBadRequest, oauth.CodeInvalidRequest, "")
			return
		}
		if !h.Cookies.CheckCSRF(r, r.PostFormValue(oauth.CSRFField)) {
			h.restart(w, v, http.StatusForbidden, "Your session has expired. Please sign in again.")
			return
		}
	}
	tok, ok := h.Cookies.XSRF(r)
	if !ok {
		if tok, err = h.Cookies.NewXSRF(w, h.scope(r, d)); err != nil {
			h.serverError(w, "xsrf", err)
			return
		}
	}
	v.csrf = tok
	switch r.URL.Path {
	case oauth.PathLogin:
		if r.Method == http.MethodPost {
			h.postLogin(w, v)
			return
		}
		h.showLogin(w, v, http.StatusOK, r.URL.Query().Get("login_hint"), "", "")
	case oauth.PathSignUp:
		h.signUp(w, v)
	case oauth.PathConfirm, oauth.PathResendCode:
		h.confirm(w, v)
	case oauth.PathForgotPassword, oauth.PathConfirmPassword:
		h.password(w, v)
	case pathMFA:
		h.postMFA(w, v)
	}
}

// restart shows the login page with a new CSRF token, for a post whose
// token or flow state is gone.
func (h *Handler) restart(w http.ResponseWriter, v *view, status int, msg string) {
	tok, err := h.Cookies.NewXSRF(w, h.scope(v.r, v.d))
	if err != nil {
		h.serverError(w, "xsrf", err)
		return
	}
	v.csrf = tok
	h.showLogin(w, v, status, "", msg, "")
}

func (h *Handler) showLogin(w http.ResponseWriter, v *view, status int, username, errMsg, notice string) {
	f := v.frame(oauth.PathLogin)
	f.Error, f.Notice = errMsg, notice
	buttons, err := h.providerButtons(v)
	if err != nil {
		h.serverError(w, "providers", err)
		return
	}
	h.Pages.Write(w, status, &LoginPage{Frame: f, Username: username, UsernameLabel: v.usernameLabel(), PasswordForm: true, Providers: buttons})
}

// userMessage returns the message to show for a failure the user can act
// on; ok is false for a server failure.
func userMessage(err error) (string, bool) {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return "", false
	}
	switch fe.Kind {
	case fault.NotAuthorized, fault.UserNotFound, fault.CodeMismatch, fault.ExpiredCode, fault.InvalidPassword,
		fault.UsernameExists, fault.InvalidParameter, fault.LimitExceeded, fault.TooManyRequests,
		fault.TooManyFailedAttempts, fault.AliasExists, fault.CodeDeliveryFailure, fault.UserLambdaValidation,
		fault.MFAMethodNotFound, fault.EnableSoftwareTokenMFA, fault.SoftwareTokenMFANotFound,
		fault.PasswordResetRequired, fault.UserNotConfirmed:
		return fe.Message, true
	}
	return "", false
}

func (h *Handler) postLogin(w http.ResponseWriter, v *view) {
	r := v.r
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	if username == "" || password == "" {
		h.showLogin(w, v, http.StatusBadRequest, username, "Enter your username and password.", "")
		return
	}
	step, err := h.Auth.SignIn(r.Context(), SignIn{PoolID: v.d.PoolID, ClientID: v.req.Client.ID, Username: username, Password: password, Client: v.client()})
	if err != nil {
		switch fault.KindOf(err) {
		case fault.UserNotConfirmed:
			// Send a new code and ask for it, as the hosted UI does.
			dl, err := h.Auth.ResendConfirmationCode(r.Context(), v.req.Client.ID, username)
			if err != nil {
				h.failed(w, v, "resend", err, func(msg string) { h.showLogin(w, v, http.StatusBadRequest, username, msg, "") })
				return
			}
			h.showConfirm(w, v, http.StatusOK, username, dl, "", "Your account is not confirmed yet.")
			return
		case fault.PasswordResetRequired:
			dl, err := h.Auth.ForgotPassword(r.Context(), v.req.Client.ID, username)
			if err != nil {
				h.failed(w, v, "forgot", err, func(msg string) { h.showLogin(w, v, http.StatusBadRequest, username, msg, "") })
				return
			}
			h.showReset(w, v, http.StatusOK, username, dl, "", "You must reset your password.")
			return
		}
		h.failed(w, v, "sign-in", err, func(msg string) { h.showLogin(w, v, http.StatusBadRequest, username, msg, "") })
		return
	}
	h.next(w, v, step, username)
}

// failed shows a user-facing failure through show, or a server error.
func (h *Handler) failed(w http.ResponseWriter, v *view, what string, err error, show func(msg string)) {
	if msg, ok := userMessage(err); ok {
		show(msg)
		return
	}
	h.serverError(w, what, err)
}

// flowState is what the MFA and new-password pages carry between posts,
// sealed (AES-256-GCM) and bound to the pool, the client and the browser's
// CSRF token.
type flowState struct {
	Stage       string   `json:"st"`
	Challenge   string   `json:"c"`
	Session     string   `json:"s"`
	Username    string   `json:"u"`
	Options     []string `json:"o,omitempty"`
	Destination string   `json:"d,omitempty"`
	Required    []string `json:"r,omitempty"`
	Secret      string   `json:"k,omitempty"`
	Expires     int64    `json:"e"`
}

// Stages of the flow state: which page was shown.
const (
	stageCode        = "code"
	stageSelect      = "select"
	stageSetup       = "setup"
	stageTOTP        = "totp"
	stageEmail       = "email"
	stageNewPassword = "newpw"
)

func (v *view) flowAD() []byte {
	return []byte("hostedui-flow|" + v.d.PoolID + "|" + v.req.Client.ID + "|" + v.csrf)
}

func (h *Handler) sealFlow(v *view, st flowState) (string, error) {
	st.Expires = h.now().Add(flowTTL).Unix()
	plain, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	sealed, err := h.flow.Seal(plain, v.flowAD())
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

func (h *Handler) openFlow(v *view, s string) (flowState, bool) {
	sealed, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(s) > 8192 {
		return flowState{}, false
	}
	plain, err := h.flow.Open(sealed, v.flowAD())
	if err != nil {
		return flowState{}, false
	}
	var st flowState
	if json.Unmarshal(plain, &st) != nil || !h.now().Before(time.Unix(st.Expires, 0)) {
		return flowState{}, false
	}
	return st, true
}

// next shows what a sign-in step asks for, or finishes the authorize
// request when the user is signed in.
func (h *Handler) next(w http.ResponseWriter, v *view, step Step, username string) {
	if step.User != nil {
		if err := h.Cookies.SetSession(w, h.scope(v.r, v.d), *step.User); err != nil {
			h.serverError(w, "session", err)
			return
		}
		h.complete(w, v.r, v.req, *step.User)
		return
	}
	if u := step.Parameters["USER_ID_FOR_SRP"]; u != "" {
		username = u
	}
	st := flowState{Challenge: step.Challenge, Session: step.Session, Username: username}
	switch step.Challenge {
	case challengeSMS, challengeEmail, challengeTOTP:
		st.Stage = stageCode
		st.Destination = step.Parameters["CODE_DELIVERY_DESTINATION"]
		h.showCode(w, v, http.StatusOK, st, "")
	case challengeSelect:
		st.Stage, st.Options = stageSelect, jsonList(step.Parameters["MFAS_CAN_CHOOSE"])
		h.showChoice(w, v, http.StatusOK, st, "")
	case challengeSetup:
		st.Stage = stageSetup
		for _, o := range jsonList(step.Parameters["MFAS_CAN_SETUP"]) {
			// SMS cannot be set up inside a sign-in (mfa spec §7.4).
			if o == challengeTOTP || o == challengeEmail {
				st.Options = append(st.Options, o)
			}
		}
		if len(st.Options) == 1 && st.Options[0] == challengeTOTP {
			h.startTOTP(w, v, st)
			return
		}
		if len(st.Options) == 0 {
			h.showLogin(w, v, http.StatusBadRequest, username, "Your account needs a second sign-in step that cannot be set up here.", "")
			return
		}
		h.showChoice(w, v, http.StatusOK, st, "")
	case challengeNewPassword:
		st.Stage = stageNewPassword
		for _, a := range jsonList(step.Parameters["requiredAttributes"]) {
			st.Required = append(st.Required, strings.TrimPrefix(a, "userAttributes."))
		}
		h.showNewPassword(w, v, http.StatusOK, st, "")
	default:
		// Custom challenges and device challenges are not part of the
		// hosted UI (spec §5.2).
		h.showLogin(w, v, http.StatusBadRequest, username, "This sign-in needs a step the hosted pages do not support.", "")
	}
}

var factorLabels = map[string]string{
	challengeTOTP:  "Authenticator app",
	challengeSMS:   "Text message (SMS)",
	challengeEmail: "Email",
}

func options(values []string) []Option {
	var out []Option
	for _, o := range values {
		if l, ok := factorLabels[o]; ok {
			out = append(out, Option{Value: o, Label: l})
		}
	}
	return out
}

// flowFrame seals st for the next post and returns the frame of an MFA
// page showing errMsg; ok is false when it has answered with an error.
func (h *Handler) flowFrame(w http.ResponseWriter, v *view, st flowState, errMsg string) (f Frame, sealed string, ok bool) {
	sealed, err := h.sealFlow(v, st)
	if err != nil {
		h.serverError(w, "flow", err)
		return Frame{}, "", false
	}
	f = v.frame(pathMFA)
	f.Error = errMsg
	return f, sealed, true
}

func (h *Handler) showCode(w http.ResponseWriter, v *view, status int, st flowState, errMsg string) {
	f, sealed, ok := h.flowFrame(w, v, st, errMsg)
	if !ok {
		return
	}
	p := &MFACodePage{Frame: f, Kind: MFAKind(st.Challenge), Destination: st.Destination, Session: sealed, CodeLabel: "Code"}
	switch st.Challenge {
	case challengeSMS:
		p.Description = "We sent a code by text message to " + st.Destination + "."
	case challengeEmail:
		p.Description = "We sent a code by email to " + st.Destination + "."
	default:
		p.Description = "Enter the 6-digit code from your authenticator app."
		p.CodeLabel = "Authenticator code"
	}
	h.Pages.Write(w, status, p)
}

func (h *Handler) showChoice(w http.ResponseWriter, v *view, status int, st flowState, errMsg string) {
	f, sealed, ok := h.flowFrame(w, v, st, errMsg)
	if !ok {
		return
	}
	if st.Stage == stageSetup {
		f.Description = "Your account needs a second sign-in step."
		h.Pages.Write(w, status, &MFASetupPage{Frame: f, Options: options(st.Options), Session: sealed})
		return
	}
	h.Pages.Write(w, status, &SelectMFAPage{Frame: f, Options: options(st.Options), Session: sealed})
}

func (h *Handler) showNewPassword(w http.ResponseWriter, v *view, status int, st flowState, errMsg string) {
	f, sealed, ok := h.flowFrame(w, v, st, errMsg)
	if !ok {
		return
	}
	f.Description = "You must change your temporary password."
	p := &NewPasswordPage{Frame: f, Policy: v.site.Password.Hints(), Session: sealed}
	for _, a := range st.Required {
		p.Fields = append(p.Fields, AttributeField(a, v.r.PostFormValue("requiredAttributes["+a+"]"), true))
	}
	h.Pages.Write(w, status, p)
}

// startTOTP associates a software token in the MFA_SETUP session and
// shows its QR code.
func (h *Handler) startTOTP(w http.ResponseWriter, v *view, st flowState) {
	secret, next, err := h.Auth.AssociateSoftwareToken(v.r.Context(), st.Session)
	if err != nil {
		h.failed(w, v, "associate", err, func(msg string) { h.showLogin(w, v, http.StatusBadRequest, st.Username, msg, "") })
		return
	}
	st.Stage, st.Secret = stageTOTP, secret
	if next != "" {
		st.Session = next
	}
	h.showTOTP(w, v, http.StatusOK, st, "")
}

func (h *Handler) showTOTP(w http.ResponseWriter, v *view, status int, st flowState, errMsg string) {
	raw, err := mfa.DecodeSecret(st.Secret)
	if err != nil {
		h.serverError(w, "totp secret", err)
		return
	}
	issuer := v.site.Issuer
	if issuer == "" {
		issuer = "userpoold"
	}
	uri, err := mfa.URI(issuer, st.Username, raw)
	if err != nil {
		h.serverError(w, "otpauth", err)
		return
	}
	qr, err := QRCodeDataURI(uri)
	if err != nil {
		h.serverError(w, "qr", err)
		return
	}
	f, sealed, ok := h.flowFrame(w, v, st, errMsg)
	if !ok {
		return
	}
	h.Pages.Write(w, status, &TOTPSetupPage{Frame: f, QRCode: qr, Secret: st.Secret, Session: sealed})
}

func (h *Handler) showEmailSetup(w http.ResponseWriter, v *view, status int, st flowState, value, errMsg string) {
	f, sealed, ok := h.flowFrame(w, v, st, errMsg)
	if !ok {
		return
	}
	f.Description = "We will send a code to this address now, and each time you sign in."
	h.Pages.Write(w, status, &DestinationSetupPage{Frame: f, Email: true, Value: value, Session: sealed})
}

// postMFA answers the page a flow state says was shown.
func (h *Handler) postMFA(w http.ResponseWriter, v *view) {
	r := v.r
	st, ok := h.openFlow(v, r.PostFormValue("session"))
	if !ok {
		h.restart(w, v, http.StatusBadRequest, "Your session has expired. Please sign in again.")
		return
	}
	respond := func(challenge string, responses map[string]string, again func(msg string)) {
		responses["USERNAME"] = st.Username
		step, err := h.Auth.Respond(r.Context(), Respond{PoolID: v.d.PoolID, ClientID: v.req.Client.ID, Challenge: challenge, Session: st.Session, Responses: responses, Client: v.client()})
		if err != nil {
			switch fault.KindOf(err) {
			case fault.CodeMismatch, fault.ExpiredCode, fault.InvalidPassword, fault.InvalidParameter, fault.EnableSoftwareTokenMFA:
				// The session survives a wrong answer (until its attempts
				// run out, which NotAuthorized then says).
				if msg, ok := userMessage(err); ok {
					again(msg)
					return
				}
			}
			h.failed(w, v, "respond", err, func(msg string) { h.showLogin(w, v, http.StatusBadRequest, st.Username, msg, "") })
			return
		}
		h.next(w, v, step, st.Username)
	}
	switch st.Stage {
	case stageCode:
		code := strings.TrimSpace(r.PostFormValue("code"))
		if code == "" {
			h.showCode(w, v, http.StatusBadRequest, st, "Enter the code.")
			return
		}
		respond(st.Challenge, map[string]string{codeResponse[st.Challenge]: code}, func(msg string) { h.showCode(w, v, http.StatusBadRequest, st, msg) })
	case stageSelect:
		choice := r.PostFormValue("mfa_type")
		if !slices.Contains(st.Options, choice) {
			h.showChoice(w, v, http.StatusBadRequest, st, "Choose a verification method.")
			return
		}
		respond(challengeSelect, map[string]string{"ANSWER": choice}, func(msg string) { h.showChoice(w, v, http.StatusBadRequest, st, msg) })
	case stageSetup:
		switch choice := r.PostFormValue("mfa_type"); {
		case choice == challengeTOTP && slices.Contains(st.Options, choice):
			h.startTOTP(w, v, st)
		case choice == challengeEmail && slices.Contains(st.Options, choice):
			st.Stage = stageEmail
			h.showEmailSetup(w, v, http.StatusOK, st, "", "")
		default:
			h.showChoice(w, v, http.StatusBadRequest, st, "Choose how you want to get codes.")
		}
	case stageTOTP:
		code := strings.TrimSpace(r.PostFormValue("code"))
		if code == "" {
			h.showTOTP(w, v, http.StatusBadRequest, st, "Enter the code from your app.")
			return
		}
		next, err := h.Auth.VerifySoftwareToken(r.Context(), st.Session, code, strings.TrimSpace(r.PostFormValue("deviceName")))
		if err != nil {
			switch fault.KindOf(err) {
			case fault.CodeMismatch, fault.EnableSoftwareTokenMFA, fault.InvalidParameter:
				msg, _ := userMessage(err)
				h.showTOTP(w, v, http.StatusBadRequest, st, msg)
				return
			}
			h.failed(w, v, "verify", err, func(msg string) { h.showLogin(w, v, http.StatusBadRequest, st.Username, msg, "") })
			return
		}
		if next != "" {
			st.Session = next
		}
		respond(challengeSetup, map[string]string{}, func(msg string) { h.showTOTP(w, v, http.StatusBadRequest, st, msg) })
	case stageEmail:
		email := strings.TrimSpace(r.PostFormValue("email"))
		if email == "" {
			h.showEmailSetup(w, v, http.StatusBadRequest, st, email, "Enter your email address.")
			return
		}
		respond(challengeSetup, map[string]string{"EMAIL": email}, func(msg string) { h.showEmailSetup(w, v, http.StatusBadRequest, st, email, msg) })
	case stageNewPassword:
		pw := r.PostFormValue("password")
		if pw == "" || pw != r.PostFormValue("confirmPassword") {
			h.showNewPassword(w, v, http.StatusBadRequest, st, "The passwords do not match.")
			return
		}
		responses := map[string]string{"NEW_PASSWORD": pw}
		for _, a := range st.Required {
			responses["userAttributes."+a] = strings.TrimSpace(r.PostFormValue("requiredAttributes[" + a + "]"))
		}
		respond(challengeNewPassword, responses, func(msg string) { h.showNewPassword(w, v, http.StatusBadRequest, st, msg) })
	default:
		h.restart(w, v, http.StatusBadRequest, "Your session has expired. Please sign in again.")
	}
}

func (h *Handler) showSignUp(w http.ResponseWriter, v *view, status int, username, errMsg string) {
	f := v.frame(oauth.PathSignUp)
	f.Error = errMsg
	p := &SignUpPage{Frame: f, Username: username, UsernameLabel: v.usernameLabel(), Policy: v.site.Password.Hints(), Terms: v.site.Terms}
	if v.site.EmailUsername {
		p.UsernameType, p.UsernameAutocomplete = "email", "email"
	}
	for _, fd := range v.site.SignUpFields {
		fd.Value = v.r.PostFormValue("requiredAttributes[" + fd.Name + "]")
		p.Fields = append(p.Fields, fd)
	}
	h.Pages.Write(w, status, p)
}

func (h *Handler) signUp(w http.ResponseWriter, v *view) {
	if !v.site.SelfSignUp {
		h.errorPage(w, http.StatusForbidden, "", "SignUp is not permitted for this user pool.")
		return
	}
	r := v.r
	if r.Method != http.MethodPost {
		h.showSignUp(w, v, http.StatusOK, "", "")
		return
	}
	username := strings.TrimSpace(r.PostFormValue("username"))
	attrs := map[string]string{}
	for _, f := range v.site.SignUpFields {
		if val := strings.TrimSpace(r.PostFormValue("requiredAttributes[" + f.Name + "]")); val != "" {
			attrs[f.Name] = val
		}
	}
	if v.site.EmailUsername {
		attrs["email"] = username
	}
	res, err := h.Auth.SignUp(r.Context(), SignUp{PoolID: v.d.PoolID, ClientID: v.req.Client.ID, Username: username, Password: r.PostFormValue("password"), Attributes: attrs, Client: v.client()})
	if err != nil {
		h.failed(w, v, "sign-up", err, func(msg string) { h.showSignUp(w, v, http.StatusBadRequest, username, msg) })
		return
	}
	if res.Confirmed {
		h.showLogin(w, v, http.StatusOK, username, "", "Your account is ready. Sign in to continue.")
		return
	}
	h.showConfirm(w, v, http.StatusOK, username, res.Delivery, "", "")
}

func deliveryText(dl Delivery) string {
	switch {
	case dl.Destination == "":
		return ""
	case dl.Medium == "SMS":
		return "by text message to " + dl.Destination
	default:
		return "by email to " + dl.Destination
	}
}

func (h *Handler) showConfirm(w http.ResponseWriter, v *view, status int, username string, dl Delivery, errMsg, notice string) {
	f := v.frame(oauth.PathConfirm)
	f.Error, f.Notice = errMsg, notice
	if t := deliveryText(dl); t != "" {
		f.Description = "We sent a code " + t + ". Enter it below to confirm your account."
	}
	h.Pages.Write(w, status, &ConfirmPage{Frame: f, Username: username, ResendAction: v.link(oauth.PathResendCode)})
}

func (h *Handler) confirm(w http.ResponseWriter, v *view) {
	r := v.r
	username := strings.TrimSpace(r.FormValue("username"))
	if r.Method != http.MethodPost {
		h.showConfirm(w, v, http.StatusOK, username, Delivery{}, "", "")
		return
	}
	if r.URL.Path == oauth.PathResendCode {
		dl, err := h.Auth.ResendConfirmationCode(r.Context(), v.req.Client.ID, username)
		if err != nil {
			h.failed(w, v, "resend", err, func(msg string) { h.showConfirm(w, v, http.StatusBadRequest, username, Delivery{}, msg, "") })
			return
		}
		h.showConfirm(w, v, http.StatusOK, username, dl, "", "We sent you a new code.")
		return
	}
	err := h.Auth.ConfirmSignUp(r.Context(), v.req.Client.ID, username, strings.TrimSpace(r.PostFormValue("confirmation_code")))
	if err != nil {
		h.failed(w, v, "confirm", err, func(msg string) { h.showConfirm(w, v, http.StatusBadRequest, username, Delivery{}, msg, "") })
		return
	}
	// UNCONFIRMED: AWS's hosted UI signs the user in here; these pages do
	// not keep the password between pages, so the user signs in again.
	h.showLogin(w, v, http.StatusOK, username, "", "Your account is confirmed. Sign in to continue.")
}

func (h *Handler) showReset(w http.ResponseWriter, v *view, status int, username string, dl Delivery, errMsg, notice string) {
	f := v.frame(oauth.PathConfirmPassword)
	f.Error, f.Notice = errMsg, notice
	if t := deliveryText(dl); t != "" {
		f.Description = "We sent a password reset code " + t + "."
	}
	h.Pages.Write(w, status, &ResetPasswordPage{Frame: f, Username: username, Policy: v.site.Password.Hints()})
}

func (h *Handler) password(w http.ResponseWriter, v *view) {
	r := v.r
	username := strings.TrimSpace(r.FormValue("username"))
	if r.URL.Path == oauth.PathForgotPassword {
		show := func(status int, msg string) {
			f := v.frame(oauth.PathForgotPassword)
			f.Error = msg
			f.Description = "Enter your username and we will send you a code to reset your password."
			h.Pages.Write(w, status, &ForgotPasswordPage{Frame: f, Username: username, UsernameLabel: v.usernameLabel()})
		}
		if r.Method != http.MethodPost {
			show(http.StatusOK, "")
			return
		}
		dl, err := h.Auth.ForgotPassword(r.Context(), v.req.Client.ID, username)
		if err != nil {
			h.failed(w, v, "forgot", err, func(msg string) { show(http.StatusBadRequest, msg) })
			return
		}
		h.showReset(w, v, http.StatusOK, username, dl, "", "")
		return
	}
	if r.Method != http.MethodPost {
		h.showReset(w, v, http.StatusOK, username, Delivery{}, "", "")
		return
	}
	pw := r.PostFormValue("password")
	if pw == "" || pw != r.PostFormValue("confirmPassword") {
		h.showReset(w, v, http.StatusBadRequest, username, Delivery{}, "The passwords do not match.", "")
		return
	}
	err := h.Auth.ConfirmForgotPassword(r.Context(), v.req.Client.ID, username, strings.TrimSpace(r.PostFormValue("code")), pw)
	if err != nil {
		h.failed(w, v, "reset", err, func(msg string) { h.showReset(w, v, http.StatusBadRequest, username, Delivery{}, msg, "") })
		return
	}
	h.showLogin(w, v, http.StatusOK, username, "", "Your password has been changed. Sign in with your new password.")
}

// logout serves GET /logout (spec §10): the session ends whatever follows.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, d Domain) {
	h.Cookies.ClearSession(w, h.scope(r, d))
	if r.URL.RawQuery == "" {
		h.Pages.Write(w, http.StatusOK, &LoggedOutPage{})
		return
	}
	out, err := oauth.ParseLogout(r.Context(), d.PoolID, r.URL.Query(), h.Clients, h.Catalog)
	switch {
	case err != nil:
		h.serverError(w, "logout", err)
	case out.Location != "":
		http.Redirect(w, r, out.Location, http.StatusFound)
	case out.Login != nil:
		if _, err := h.Cookies.NewXSRF(w, h.scope(r, d)); err != nil {
			h.serverError(w, "xsrf", err)
			return
		}
		http.Redirect(w, r, d.BasePath+oauth.PathLogin+"?"+r.URL.RawQuery, http.StatusFound)
	default:
		h.errorPage(w, http.StatusBadRequest, out.Page.Code, out.Page.Description)
	}
}

// knownErrors are the codes /error shows; anything else in the query is
// not reflected.
var knownErrors = []oauth.Code{oauth.CodeRedirectMismatch, oauth.CodeInvalidRequest, oauth.CodeUnauthorizedClient, oauth.CodeInvalidScope, oauth.CodeServerError}

// showError serves GET /error.
func (h *Handler) showError(w http.ResponseWriter, r *http.Request) {
	code := oauth.Code(r.URL.Query().Get("error"))
	if !slices.Contains(knownErrors, code) {
		code = ""
	}
	h.errorPage(w, http.StatusBadRequest, code, "")
}
