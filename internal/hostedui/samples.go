package hostedui

import (
	"fmt"
	"os"
	"path/filepath"
)

// sampleQuery is the authorize query the sample pages carry.
const sampleQuery = "?client_id=1example23456789&response_type=code&scope=openid+email&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&state=af0ifjsldkj"

// Sample is a named page filled with sample data.
type Sample struct {
	Name string
	Page Page
}

// Samples returns every page with realistic sample data, including an
// error state and a branded variant, for previews, screenshots and tests.
// The otpauth URI of the TOTP page is a fixed example.
func Samples() ([]Sample, error) {
	qr, err := QRCodeDataURI("otpauth://totp/Example:jane%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example")
	if err != nil {
		return nil, err
	}
	links := Links{SignIn: "/login" + sampleQuery, SignUp: "/signup" + sampleQuery, ForgotPassword: "/forgotPassword" + sampleQuery}
	frame := func(action string) Frame {
		return Frame{CSRF: "1b4e28ba-2fa1-11d2-883f-0016d3cca427", Action: action + sampleQuery, Links: links, Branding: Branding{Name: "Example App"}}
	}
	policy := PasswordRules{MinLength: 8, Lowercase: true, Uppercase: true, Numbers: true, Symbol: true}.Hints()
	withError := func(f Frame, msg string) Frame { f.Error = msg; return f }
	themed, err := BrandingCSS(Theme{Accent: "#0f766e", Background: "#ecfdf5"}, ".submitButton-customizable{font-weight:700}\n.banner-customizable{padding:24px 32px 4px}")
	if err != nil {
		return nil, err
	}
	branded := frame("/login")
	branded.Branding = Branding{Name: "Acme Corp", LogoURL: sampleLogo, CSS: themed}
	return []Sample{
		{"login", &LoginPage{Frame: frame("/login"), PasswordForm: true}},
		{"login-error", &LoginPage{Frame: withError(frame("/login"), "Incorrect username or password."), Username: "jane@example.com", PasswordForm: true}},
		{"login-branded", &LoginPage{Frame: branded, PasswordForm: true, Providers: []Provider{{Name: "Google", URL: "/oauth2/authorize" + sampleQuery + "&identity_provider=Google"}}}},
		{"signup", &SignUpPage{Frame: frame("/signup"), UsernameType: "text", UsernameAutocomplete: "username",
			Fields: []Field{AttributeField("email", "", true), AttributeField("name", "", true), AttributeField("custom:company", "", false)},
			Policy: policy, Terms: []Link{{Label: "Terms of use", URL: "https://example.com/terms"}, {Label: "Privacy policy", URL: "https://example.com/privacy"}}}},
		{"confirm", &ConfirmPage{Frame: withDescription(frame("/confirm"), "We sent a code by email to j***@e***. Enter it below to confirm your account."), Username: "jane", ResendAction: "/resendcode" + sampleQuery}},
		{"forgot-password", &ForgotPasswordPage{Frame: withDescription(frame("/forgotPassword"), "Enter your username and we will send you a code to reset your password.")}},
		{"reset-password", &ResetPasswordPage{Frame: withDescription(frame("/confirmforgotPassword"), "We sent a password reset code by email to j***@e***."), Username: "jane", Policy: policy}},
		{"mfa-sms", &MFACodePage{Frame: withDescription(frame("/mfa"), "We sent a code by text message to +*******0100."), Kind: MFASMS, Destination: "+*******0100", Session: "sealed-flow-state", CodeLabel: "Code"}},
		{"mfa-email", &MFACodePage{Frame: withDescription(frame("/mfa"), "We sent a code by email to j***@e***."), Kind: MFAEmail, Destination: "j***@e***", Session: "sealed-flow-state", CodeLabel: "Code"}},
		{"mfa-totp", &MFACodePage{Frame: withDescription(frame("/mfa"), "Enter the 6-digit code from your authenticator app."), Kind: MFATOTP, Session: "sealed-flow-state", CodeLabel: "Authenticator code"}},
		{"mfa-totp-error", &MFACodePage{Frame: withError(frame("/mfa"), "Invalid code received for user"), Kind: MFATOTP, Session: "sealed-flow-state", CodeLabel: "Authenticator code"}},
		{"select-mfa", &SelectMFAPage{Frame: frame("/mfa"), Session: "sealed-flow-state", Options: []Option{{"SOFTWARE_TOKEN_MFA", "Authenticator app"}, {"SMS_MFA", "Text message (SMS)"}, {"EMAIL_OTP", "Email"}}}},
		{"mfa-setup", &MFASetupPage{Frame: withDescription(frame("/mfa"), "Your account needs a second sign-in step."), Session: "sealed-flow-state", Options: []Option{{"SOFTWARE_TOKEN_MFA", "Authenticator app"}, {"SMS_MFA", "Text message (SMS)"}}}},
		{"totp-setup", &TOTPSetupPage{Frame: frame("/mfa"), QRCode: qr, Secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", Session: "sealed-flow-state"}},
		{"email-setup", &DestinationSetupPage{Frame: frame("/mfa"), Email: true, Session: "sealed-flow-state"}},
		{"new-password", &NewPasswordPage{Frame: withDescription(frame("/mfa"), "You must change your temporary password."), Session: "sealed-flow-state", Policy: policy, Fields: []Field{AttributeField("name", "", true)}}},
		{"error", &ErrorPage{Frame: Frame{Branding: Branding{Name: "Example App"}, Description: "The address this app asked to return to is not registered."}, Code: "redirect_mismatch"}},
		{"logged-out", &LoggedOutPage{Frame: Frame{Links: links, Branding: Branding{Name: "Example App"}}}},
	}, nil
}

func withDescription(f Frame, d string) Frame { f.Description = d; return f }

// WritePreview renders every sample into dir as <name>.html (static
// files a browser can open and screenshot).
func WritePreview(dir string) ([]string, error) {
	r, err := NewRenderer()
	if err != nil {
		return nil, err
	}
	samples, err := Samples()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, s := range samples {
		f, err := os.Create(filepath.Join(dir, s.Name+".html"))
		if err != nil {
			return nil, err
		}
		err = r.Render(f, s.Page)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("hostedui: preview %s: %w", s.Name, err)
		}
		paths = append(paths, f.Name())
	}
	return paths, nil
}
