package hostedui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

// Frame is what every page shows: the document language, title and
// heading, a description, an error or notice (plain text, escaped), the
// CSRF token its forms carry, its form action, links to the other pages
// and the branding.
type Frame struct {
	Lang        string
	Title       string // the <title>; Heading when empty
	Heading     string
	Description string
	Error       string
	Notice      string
	CSRF        string
	Action      string // the form's action: a path with the authorize query
	Links       Links
	Branding    Branding
}

// Links are the URLs (path and query) of the pages a page links to; an
// empty one is not shown.
type Links struct {
	SignIn, SignUp, ForgotPassword string
}

// Page is a typed view model of one page.
type Page interface {
	frame() *Frame
	name() string
	defaults() (title, heading string)
}

func (f *Frame) frame() *Frame { return f }

// Provider is an identity provider button on the login page.
type Provider struct {
	Name string
	URL  string
}

// LoginPage is /login.
type LoginPage struct {
	Frame
	Username      string
	UsernameLabel string // "Username" when empty; "Email" for email-username pools
	// PasswordForm shows the username and password form (COGNITO is one of
	// the client's SupportedIdentityProviders).
	PasswordForm bool
	Providers    []Provider
}

// Field is an attribute input (sign-up's required attributes,
// NEW_PASSWORD_REQUIRED's requiredAttributes); its form name is
// requiredAttributes[<Name>].
type Field struct {
	Name         string // attribute name: email, custom:tier, ...
	Label        string
	Type         string // input type
	Autocomplete string
	Value        string
	Required     bool
}

// ID is the field's element id suffix.
func (f Field) ID() string {
	return strings.NewReplacer(":", "-", ".", "-", " ", "-").Replace(f.Name)
}

// Link is a labelled external link (terms of use, privacy policy).
type Link struct {
	Label string
	URL   string // http(s); html/template neutralises other schemes
}

// SignUpPage is /signup.
type SignUpPage struct {
	Frame
	Username             string
	UsernameLabel        string
	UsernameType         string // "text" or "email"
	UsernameAutocomplete string // "username" or "email"
	Fields               []Field
	Policy               []string // password rules (PasswordRules.Hints)
	Terms                []Link
}

// ConfirmPage is /confirm: the sign-up code.
type ConfirmPage struct {
	Frame
	Username     string
	ResendAction string
}

// ForgotPasswordPage is /forgotPassword.
type ForgotPasswordPage struct {
	Frame
	Username      string
	UsernameLabel string
}

// ResetPasswordPage is /confirmforgotPassword.
type ResetPasswordPage struct {
	Frame
	Username string
	Policy   []string
}

// MFAKind is the factor a code page asks for.
type MFAKind string

// Code factors.
const (
	MFASMS   MFAKind = "SMS_MFA"
	MFAEmail MFAKind = "EMAIL_OTP"
	MFATOTP  MFAKind = "SOFTWARE_TOKEN_MFA"
)

// MFACodePage asks for a one-time code. Session is the sealed flow state.
type MFACodePage struct {
	Frame
	Kind        MFAKind
	Destination string // masked destination of an SMS or email code
	Session     string
	CodeLabel   string
}

// Option is one choice of a radio group.
type Option struct {
	Value string
	Label string
}

// SelectMFAPage is SELECT_MFA_TYPE.
type SelectMFAPage struct {
	Frame
	Options []Option
	Session string
}

// MFASetupPage lets a user without a factor pick one to set up (MFA_SETUP).
type MFASetupPage struct {
	Frame
	Options []Option
	Session string
}

// TOTPSetupPage shows the authenticator app's QR code and secret and asks
// for a first code and an optional device name (FriendlyDeviceName).
type TOTPSetupPage struct {
	Frame
	QRCode  template.URL // a data:image/svg+xml URI made by QRCodeDataURI
	Secret  string       // base32
	Session string
}

// SecretGroups is the secret in groups of four, easier to type.
func (p *TOTPSetupPage) SecretGroups() string {
	var b strings.Builder
	for i, r := range p.Secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// DestinationSetupPage asks where MFA codes should go: an email address
// (Email, MFA_SETUP's EMAIL answer) or a phone number.
type DestinationSetupPage struct {
	Frame
	Email   bool
	Value   string
	Session string
}

// NewPasswordPage is NEW_PASSWORD_REQUIRED.
type NewPasswordPage struct {
	Frame
	Policy  []string
	Fields  []Field
	Session string
}

// ErrorPage is /error and every failure that must not redirect.
type ErrorPage struct {
	Frame
	Code    string // an OAuth error code such as redirect_mismatch, or ""
	BackURL string
}

// LoggedOutPage is shown by /logout when there is nowhere to redirect to.
type LoggedOutPage struct {
	Frame
}

func (*LoginPage) name() string            { return "login" }
func (*SignUpPage) name() string           { return "signup" }
func (*ConfirmPage) name() string          { return "confirm" }
func (*ForgotPasswordPage) name() string   { return "forgot" }
func (*ResetPasswordPage) name() string    { return "reset" }
func (*MFACodePage) name() string          { return "mfa_code" }
func (*SelectMFAPage) name() string        { return "select_mfa" }
func (*MFASetupPage) name() string         { return "mfa_setup" }
func (*TOTPSetupPage) name() string        { return "totp_setup" }
func (*DestinationSetupPage) name() string { return "destination_setup" }
func (*NewPasswordPage) name() string      { return "new_password" }
func (*ErrorPage) name() string            { return "error" }
func (*LoggedOutPage) name() string        { return "logged_out" }

func (*LoginPage) defaults() (string, string)  { return "Sign in", "Sign in" }
func (*SignUpPage) defaults() (string, string) { return "Sign up", "Create an account" }
func (*ConfirmPage) defaults() (string, string) {
	return "Confirm your account", "Confirm your account"
}
func (*ForgotPasswordPage) defaults() (string, string) {
	return "Forgot your password?", "Forgot your password?"
}
func (*ResetPasswordPage) defaults() (string, string) {
	return "Reset your password", "Reset your password"
}
func (p *MFACodePage) defaults() (string, string) {
	if p.Kind == MFATOTP {
		return "Verify your identity", "Enter your authenticator code"
	}
	return "Verify your identity", "Enter your verification code"
}
func (*SelectMFAPage) defaults() (string, string) {
	return "Verify your identity", "Choose a verification method"
}
func (*MFASetupPage) defaults() (string, string) {
	return "Set up multi-factor authentication", "Set up multi-factor authentication"
}
func (*TOTPSetupPage) defaults() (string, string) {
	return "Set up your authenticator app", "Set up your authenticator app"
}
func (p *DestinationSetupPage) defaults() (string, string) {
	if p.Email {
		return "Set up email codes", "Add your email address"
	}
	return "Set up text message codes", "Add your phone number"
}
func (*NewPasswordPage) defaults() (string, string) {
	return "Change your password", "Change your password"
}
func (*ErrorPage) defaults() (string, string) {
	return "Error", "An error was encountered with the requested page."
}
func (*LoggedOutPage) defaults() (string, string) { return "Signed out", "You have signed out" }

// Renderer renders pages from the embedded templates. It is safe for
// concurrent use.
type Renderer struct {
	pages map[string]*template.Template
}

// pageNames lists every page template.
var pageNames = []string{"login", "signup", "confirm", "forgot", "reset", "mfa_code", "select_mfa", "mfa_setup", "totp_setup", "destination_setup", "new_password", "error", "logged_out"}

// NewRenderer parses the templates.
func NewRenderer() (*Renderer, error) {
	base, err := template.ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("hostedui: %w", err)
	}
	r := &Renderer{pages: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("hostedui: %w", err)
		}
		r.pages[name] = t
	}
	return r, nil
}

// Render writes p as a complete HTML document, filling in the defaults
// (language "en", the page's title and heading).
func (r *Renderer) Render(w io.Writer, p Page) error {
	f := p.frame()
	title, heading := p.defaults()
	if f.Heading == "" {
		f.Heading = heading
	}
	if f.Title == "" {
		f.Title = title
	}
	if f.Lang == "" {
		f.Lang = "en"
	}
	t, ok := r.pages[p.name()]
	if !ok {
		return fmt.Errorf("hostedui: no template for %s", p.name())
	}
	return t.ExecuteTemplate(w, "layout", p)
}

// contentSecurityPolicy allows no script, no external resource and no
// framing; styles are inline and images data: URIs (logo, QR code).
// form-action is left open on purpose: the sign-in form's answer is a
// redirect to the client's callback, which browsers check against it.
const contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'"

// SetPageHeaders sets the headers of every HTML answer: no framing
// (X-Frame-Options: DENY, spec §3), the CSP, no caching, no sniffing, no
// referrer (the page URL carries the authorize query).
func SetPageHeaders(h http.Header) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// Write renders p into w with status and the page headers. A template
// failure (a bug) becomes a plain 500.
func (r *Renderer) Write(w http.ResponseWriter, status int, p Page) {
	var buf bytes.Buffer
	if err := r.Render(&buf, p); err != nil {
		http.Error(w, "An error was encountered with the requested page.", http.StatusInternalServerError)
		return
	}
	SetPageHeaders(w.Header())
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
