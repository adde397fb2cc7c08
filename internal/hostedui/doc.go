// Package hostedui is the hosted login UI of a user pool domain (spec
// cognito-oauth2-hosted-ui.md §5): server-rendered pages (html/template,
// templates embedded from templates/) for sign-in, sign-up, account
// confirmation, forgotten and reset passwords, every MFA step the API has
// (SMS, email and TOTP codes, SELECT_MFA_TYPE, MFA setup with an otpauth://
// QR code, phone entry), NEW_PASSWORD_REQUIRED, errors and sign-out; and the
// browser-facing endpoints that drive them: /oauth2/authorize, /login,
// /signup, /confirm, /resendcode, /forgotPassword, /confirmforgotPassword,
// /mfa, /logout and /error.
//
// The pages keep the classic form contract that scripted logins written
// for AWS rely on (§5.1): form cognitoSignInForm posting _csrf, username,
// password, cognitoAsfData and signInSubmitButton to /login?<same query>,
// with _csrf equal to the XSRF-TOKEN cookie. Every page is typed (one view
// model per page, embedding Frame), escapes everything it shows, sends
// X-Frame-Options: DENY and a script-free Content-Security-Policy, and
// carries the classic UI customization classes (*-customizable) so that
// SetUICustomization CSS applies; Branding also carries a logo and the
// colours of managed login branding (ThemeFromSettings). Site.For picks
// the look by the domain's ManagedLoginVersion: classic UI customization
// on 1, the client's managed login style and the terms documents sign-up
// links to on 2.
//
// Sign-in through external identity providers is the Federation
// interface's (the server implements it over package federation): the
// handler hands it authorize requests that name a provider, the callback
// paths (FederationPaths) and asks it for the login page's buttons; it
// ends a sign-in in Handler.SignIn, as a password sign-in ends.
//
// Sign-in rules live in authflow: the handlers reach it only through the
// Authenticator interface declared here, answering challenges with the
// same ChallengeResponses values RespondToAuthChallenge takes, and finish
// an authorize request through oauth.Authorizer.
//
// Package hostedui imports oauth, mfa (otpauth:// URIs), fault, seal and
// the standard library, plus yeqown/go-qrcode; never authflow, userpool,
// storage, token or cognitoidp.
package hostedui
