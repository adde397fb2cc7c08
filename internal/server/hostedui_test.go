package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/userpoold/userpoold/internal/hostedui/hosteduitest"
)

// These tests sign users in through the hosted pages of a real server: the
// same authflow code as RespondToAuthChallenge answers every step, so
// MFA, setup, new passwords, sign-up and recovery behave as the API does.

// totpCode is the code an authenticator app shows for secret (base32) at t.
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// authorizeURL is a code+PKCE authorize URL of the env's client.
func (e *oauthEnv) authorizeURL(state string) string {
	return e.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
}

func TestPagesTOTPSetupAndSignIn(t *testing.T) {
	e := newOAuthEnv(t, nil)
	if _, err := e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(e.pool), MfaConfiguration: types.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	e.addUser("tina", "email", "tina@example.com")
	now := e.frozen()
	b := e.browser()
	setup := signIn(b, e.loginPage(b, e.authorizeURL("t1")), "tina", userPassword)
	if setup.Status != 200 || setup.Form("cognitoTotpSetupForm") == nil {
		t.Fatalf("no TOTP setup page: %d %s", setup.Status, setup.Body)
	}
	qr := ""
	for _, img := range hosteduitest.Elements(setup.Doc, "img") {
		if c, _ := hosteduitest.Attr(img, "class"); c == "qr" {
			qr, _ = hosteduitest.Attr(img, "src")
		}
	}
	if !strings.HasPrefix(qr, "data:image/svg+xml;base64,") {
		t.Errorf("QR code src = %.60q", qr)
	}
	secret := strings.ReplaceAll(setup.ByID("totp-secret"), " ", "")
	if len(secret) < 32 {
		t.Fatalf("secret %q", secret)
	}
	wrong := b.Submit(setup, "cognitoTotpSetupForm", map[string]string{"code": "000000"})
	if wrong.Status != 400 || wrong.ErrorText() == "" || wrong.Form("cognitoTotpSetupForm") == nil {
		t.Fatalf("wrong setup code = %d %q", wrong.Status, wrong.ErrorText())
	}
	cb := e.callback(b.Submit(wrong, "cognitoTotpSetupForm", map[string]string{"code": totpCode(t, secret, now), "deviceName": "Tina's phone"}))
	if cb.Get("code") == "" || cb.Get("state") != "t1" {
		t.Fatalf("callback after setup = %v", cb)
	}
	u, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("tina")})
	if err != nil || !slices.Contains(u.UserMFASettingList, "SOFTWARE_TOKEN_MFA") {
		t.Fatalf("MFA settings after setup = %v, %v", u.UserMFASettingList, err)
	}

	// Next sign-in: the code page, in a new browser (no session cookie).
	e.Clock.Set(now.Add(time.Minute))
	b2 := e.browser()
	page := signIn(b2, e.loginPage(b2, e.authorizeURL("t2")), "tina", userPassword)
	if page.Form("cognitoMfaForm") == nil || !strings.Contains(page.Body, "authenticator app") {
		t.Fatalf("no TOTP code page: %d %s", page.Status, page.Body)
	}
	again := b2.Submit(page, "cognitoMfaForm", map[string]string{"code": "123456"})
	if again.Status != 400 || again.ErrorText() == "" {
		t.Fatalf("wrong TOTP code = %d %q", again.Status, again.ErrorText())
	}
	cb = e.callback(b2.Submit(again, "cognitoMfaForm", map[string]string{"code": totpCode(t, secret, now.Add(time.Minute))}))
	if cb.Get("state") != "t2" {
		t.Errorf("callback = %v", cb)
	}
}

func TestPagesEmailMFAAndChoices(t *testing.T) {
	e := newOAuthEnv(t, nil)
	if _, err := e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(e.pool), MfaConfiguration: types.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
		EmailMfaConfiguration:         &types.EmailMfaConfigType{Message: aws.String("Your code is {####}"), Subject: aws.String("Code")}}); err != nil {
		t.Fatal(err)
	}
	// A user with email MFA: the email code page.
	e.addUser("emma", "email", "emma@example.com", "email_verified", "true")
	if _, err := e.Client.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(e.pool), Username: aws.String("emma"),
		EmailMfaSettings: &types.EmailMfaSettingsType{Enabled: true, PreferredMfa: true}}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	page := signIn(b, e.loginPage(b, e.authorizeURL("e1")), "emma", userPassword)
	if page.Form("cognitoMfaForm") == nil || !strings.Contains(page.Body, "e***@e***") {
		t.Fatalf("no email code page with the masked address: %d %s", page.Status, page.Body)
	}
	e.callback(b.Submit(page, "cognitoMfaForm", map[string]string{"code": e.LastCode(e.pool, "emma")}))

	// A user without MFA in a pool that requires it, who may set up TOTP
	// or email: the choice, then the email address, then its code.
	e.addUser("mia", "email", "mia@example.com", "email_verified", "true")
	b = e.browser()
	choice := signIn(b, e.loginPage(b, e.authorizeURL("e2")), "mia", userPassword)
	if choice.Status != 200 || !strings.Contains(choice.Body, `value="EMAIL_OTP"`) || !strings.Contains(choice.Body, `value="SOFTWARE_TOKEN_MFA"`) {
		t.Fatalf("no MFA setup choice: %d %s", choice.Status, choice.Body)
	}
	email := b.Submit(choice, "", map[string]string{"mfa_type": "EMAIL_OTP"})
	if email.Status != 200 || !strings.Contains(email.Body, `name="email"`) {
		t.Fatalf("no email setup page: %d %s", email.Status, email.Body)
	}
	code := b.Submit(email, "", map[string]string{"email": "mia@example.com"})
	if code.Form("cognitoMfaForm") == nil {
		t.Fatalf("no email code page after setup: %d %s", code.Status, code.Body)
	}
	e.callback(b.Submit(code, "cognitoMfaForm", map[string]string{"code": e.LastCode(e.pool, "mia")}))

	// Both factors and no preference: SELECT_MFA_TYPE. Sam gets a
	// software token through the API first.
	e.addUser("sam", "email", "sam@example.com", "email_verified", "true")
	if _, err := e.Client.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(e.pool), Username: aws.String("sam"),
		EmailMfaSettings: &types.EmailMfaSettingsType{Enabled: true, PreferredMfa: true}}); err != nil {
		t.Fatal(err)
	}
	api := e.webClient(func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	})
	auth, err := e.Client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(e.pool), ClientId: api.ClientId,
		AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "sam", "PASSWORD": userPassword}})
	if err != nil || auth.ChallengeName != types.ChallengeNameTypeEmailOtp {
		t.Fatalf("AdminInitiateAuth = %+v, %v", auth, err)
	}
	answered, err := e.Client.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{UserPoolId: aws.String(e.pool), ClientId: api.ClientId,
		ChallengeName: types.ChallengeNameTypeEmailOtp, Session: auth.Session, ChallengeResponses: map[string]string{"USERNAME": "sam", "EMAIL_OTP_CODE": e.LastCode(e.pool, "sam")}})
	if err != nil {
		t.Fatal(err)
	}
	access := answered.AuthenticationResult.AccessToken
	assoc, err := e.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})
	if err != nil {
		t.Fatal(err)
	}
	now := e.frozen()
	if _, err := e.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(totpCode(t, aws.ToString(assoc.SecretCode), now))}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(e.pool), Username: aws.String("sam"),
		EmailMfaSettings:         &types.EmailMfaSettingsType{Enabled: true, PreferredMfa: false},
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: false}}); err != nil {
		t.Fatal(err)
	}
	b = e.browser()
	sel := signIn(b, e.loginPage(b, e.authorizeURL("e3")), "sam", userPassword)
	if sel.Status != 200 || !strings.Contains(sel.Body, `value="EMAIL_OTP"`) || !strings.Contains(sel.Body, `value="SOFTWARE_TOKEN_MFA"`) || strings.Contains(sel.Body, `name="email"`) {
		t.Fatalf("no SELECT_MFA_TYPE page: %d %s", sel.Status, sel.Body)
	}
	if p := b.Submit(sel, "", map[string]string{"mfa_type": "SMS_MFA"}); p.Status != 400 {
		t.Errorf("choosing a factor not offered = %d", p.Status)
	}
	code = b.Submit(sel, "", map[string]string{"mfa_type": "SOFTWARE_TOKEN_MFA"})
	if code.Form("cognitoMfaForm") == nil {
		t.Fatalf("no TOTP code page after the choice: %d %s", code.Status, code.Body)
	}
	e.Clock.Set(now.Add(time.Minute))
	e.callback(b.Submit(code, "cognitoMfaForm", map[string]string{"code": totpCode(t, aws.ToString(assoc.SecretCode), now.Add(time.Minute))}))
}

func TestPagesNewPasswordSignUpAndRecovery(t *testing.T) {
	e := newOAuthEnv(t, &cip.CreateUserPoolInput{PoolName: aws.String("pages"), AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Schema: []types.SchemaAttributeType{{Name: aws.String("email"), AttributeDataType: types.AttributeDataTypeString, Required: aws.Bool(true), Mutable: aws.Bool(true)}}})

	// NEW_PASSWORD_REQUIRED: a user created by an administrator.
	if _, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("nina"),
		TemporaryPassword: aws.String("Temp-Passw0rd!"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("nina@example.com")}}}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	np := signIn(b, e.loginPage(b, e.authorizeURL("n1")), "nina", "Temp-Passw0rd!")
	if np.Status != 200 || !strings.Contains(np.Body, `name="confirmPassword"`) || np.Heading() != "Change your password" {
		t.Fatalf("no new-password page: %d %s", np.Status, np.Body)
	}
	mismatch := b.Submit(np, "", map[string]string{"password": "N3w-Passw0rd!", "confirmPassword": "other"})
	if mismatch.Status != 400 || mismatch.ErrorText() != "The passwords do not match." {
		t.Fatalf("mismatch = %d %q", mismatch.Status, mismatch.ErrorText())
	}
	weak := b.Submit(mismatch, "", map[string]string{"password": "weak", "confirmPassword": "weak"})
	if weak.Status != 400 || !strings.Contains(weak.ErrorText(), "Password") {
		t.Fatalf("weak password = %d %q", weak.Status, weak.ErrorText())
	}
	e.callback(b.Submit(weak, "", map[string]string{"password": "N3w-Passw0rd!", "confirmPassword": "N3w-Passw0rd!"}))

	// Sign-up, confirmation, then sign-in.
	b = e.browser()
	login := e.loginPage(b, e.authorizeURL("s1"))
	signupLink := ""
	for _, a := range hosteduitest.Elements(login.Doc, "a") {
		if h, _ := hosteduitest.Attr(a, "href"); strings.Contains(h, "/signup?") {
			signupLink = h
		}
	}
	signup := b.Get(signupLink)
	if signup.Status != 200 || signup.Form("") == nil {
		t.Fatalf("no sign-up page at %q: %d", signupLink, signup.Status)
	}
	confirm := b.Submit(signup, "", map[string]string{"username": "olga", "password": "Olga-Passw0rd!", "requiredAttributes[email]": "olga@example.com"})
	if confirm.Status != 200 || !strings.Contains(confirm.Body, "o***@e***") {
		t.Fatalf("no confirmation page: %d %s", confirm.Status, confirm.Body)
	}
	bad := b.Submit(confirm, "", map[string]string{"confirmation_code": "000000"})
	if bad.Status != 400 || bad.ErrorText() == "" {
		t.Fatalf("wrong confirmation code = %d %q", bad.Status, bad.ErrorText())
	}
	done := b.Submit(bad, "", map[string]string{"confirmation_code": e.LastCode(e.pool, "olga")})
	if done.Form("cognitoSignInForm") == nil || !strings.Contains(done.Body, "Your account is confirmed") {
		t.Fatalf("after confirmation: %d %s", done.Status, done.Body)
	}
	e.callback(signIn(b, done, "olga", "Olga-Passw0rd!"))

	// Forgotten password.
	b = e.browser()
	forgot := b.Get(e.domain + "/forgotPassword?" + url.Values{"client_id": {e.client}, "response_type": {"code"}, "redirect_uri": {callbackURL}, "scope": {"openid"}}.Encode())
	reset := b.Submit(forgot, "", map[string]string{"username": "olga"})
	if reset.Status != 200 || !strings.Contains(reset.Body, `name="code"`) {
		t.Fatalf("no reset page: %d %s", reset.Status, reset.Body)
	}
	back := b.Submit(reset, "", map[string]string{"code": e.LastCode(e.pool, "olga"), "password": "Olga-N3w-Passw0rd!", "confirmPassword": "Olga-N3w-Passw0rd!"})
	if back.Form("cognitoSignInForm") == nil || !strings.Contains(back.Body, "Your password has been changed") {
		t.Fatalf("after reset: %d %s", back.Status, back.Body)
	}
	if p := signIn(b, back, "olga", "Olga-Passw0rd!"); p.Status != 400 || p.ErrorText() != "Incorrect username or password." {
		t.Errorf("old password after reset = %d %q", p.Status, p.ErrorText())
	}
	e.callback(signIn(b, e.loginPage(b, e.authorizeURL("s2")), "olga", "Olga-N3w-Passw0rd!"))
}

func TestPagesSecurity(t *testing.T) {
	e := newOAuthEnv(t, nil)
	e.addUser("lee", "email", "lee@example.com")
	b := e.browser()
	login := e.loginPage(b, e.authorizeURL("x"))
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
		if login.Header.Get(h) != want {
			t.Errorf("%s = %q, want %q", h, login.Header.Get(h), want)
		}
	}
	if !strings.Contains(login.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", login.Header.Get("Content-Security-Policy"))
	}
	xsrf := b.Cookie(e.domain+"/login", "XSRF-TOKEN")
	if xsrf == nil {
		t.Fatal("no XSRF-TOKEN cookie")
	}

	// A form posted without the CSRF token (another site's form) is refused.
	action, _ := hosteduitest.Attr(login.Form("cognitoSignInForm"), "action")
	forged := b.Post(action, url.Values{"username": {"lee"}, "password": {userPassword}})
	if forged.Status != http.StatusForbidden || forged.Header.Get("Location") != "" {
		t.Errorf("post without _csrf = %d %q", forged.Status, forged.Header.Get("Location"))
	}
	// The username is echoed escaped, never as markup.
	evil := signIn(b, e.loginPage(b, e.authorizeURL("x")), `"><script>alert(1)</script>`, "x")
	if strings.Contains(evil.Body, "<script>alert(1)") {
		t.Error("the username was reflected unescaped")
	}
	// The same lockout as the API: five failures, then the account waits.
	for i := 0; i < 5; i++ {
		p := signIn(b, e.loginPage(b, e.authorizeURL("x")), "lee", "wrong-password")
		if p.Status != 400 || p.ErrorText() != "Incorrect username or password." {
			t.Fatalf("failure %d = %d %q", i+1, p.Status, p.ErrorText())
		}
	}
	if p := signIn(b, e.loginPage(b, e.authorizeURL("x")), "lee", userPassword); p.ErrorText() != "Password attempts exceeded" {
		t.Errorf("during the lockout = %d %q", p.Status, p.ErrorText())
	}
	// The session cookie: HttpOnly, SameSite=Lax, the domain's path, not
	// Secure over plain HTTP.
	e.Clock.Set(time.Now().Add(20 * time.Minute))
	b2 := e.browser()
	p := b2.Submit(e.loginPage(b2, e.authorizeURL("x")), "cognitoSignInForm", map[string]string{"username": "lee", "password": userPassword})
	var session *http.Cookie
	for _, c := range (&http.Response{Header: p.Header}).Cookies() {
		if c.Name == "cognito" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure || session.Path != "/_domain/"+domainPrefix || session.MaxAge != 3600 {
		t.Errorf("cognito cookie = %+v", session)
	}
}
