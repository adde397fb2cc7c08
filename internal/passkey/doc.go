// Package passkey owns the WebAuthn ceremonies of a user pool as Cognito
// runs them (spec/cognito-user-auth.md §6–§7, decisions in §12): the
// options StartWebAuthnRegistration and the WEB_AUTHN challenge hand to a
// browser, in Cognito's own JSON shapes; the verification of what the
// browser sends back (CompleteWebAuthnRegistration's Credential, the
// WEB_AUTHN challenge's CREDENTIAL); the origin rule; the stored credential
// and the pure functions that change a user's list of them.
//
// The cryptography and the W3C verification steps are
// github.com/go-webauthn/webauthn's (webauthn.CreateCredential and
// webauthn.ValidateLogin, §12.1). This package never emits go-webauthn's
// CredentialCreation/CredentialAssertion JSON, which wraps the options in
// "publicKey" and adds members Cognito does not send; it writes Cognito's
// objects itself (CreationOptions, RequestOptions) and hands go-webauthn a
// matching webauthn.SessionData. Before go-webauthn runs, the package checks
// the conditions Cognito names with their own exceptions (challenge, client,
// origin, RP ID, algorithm, user verification), so that each failure maps
// to the WebAuthn*Exception the spec puts there; go-webauthn then repeats
// them and checks everything else (signatures, attestation statements,
// flags, extensions).
//
// # Ceremonies and their state
//
// A RelyingParty is one pool's passkey configuration plus the clock and
// randomness (tests fix both). BeginRegistration and BeginAssertion return
// the options for the browser and a Challenge: the state the caller keeps
// (sealed at rest) until the answer arrives. A Challenge is single-use:
// the caller calls Take inside the same atomic update that stores it back
// (the user's pending registration, or the sign-in session), so that two
// concurrent answers, on one node or two, cannot both verify against it;
// the slow part (signature checks) then runs outside that update with the
// taken copy. Challenges expire (RegistrationLifetime, AssertionLifetime,
// checked against RelyingParty.Now).
//
// FinishRegistration returns a Credential to add to the user's list
// (AddCredential, inside the store's atomic update, enforces the per-user
// cap and unique IDs). FinishAssertion returns an Assertion; the caller
// applies it to the stored credential with Credential.Apply inside its
// atomic update, which re-checks the sign counter against the value stored
// at that moment.
//
// # Decisions (spec §12 and §13)
//
//   - RP ID (§12.2): WebAuthnConfiguration.RelyingPartyId, else the pool's
//     custom domain, else its prefix domain's FQDN, else
//     WebAuthnConfigurationMissingException (ResolveRPID).
//   - Origins (§12.2): OriginAllowed is the one rule: https://<rpid>,
//     https://<sub>.<rpid> (any port), http(s)://localhost:<any port> when the
//     RP ID is localhost, and the server's extra origins (exact matches,
//     including opaque ones such as android:apk-key-hash:...).
//   - Options (§6.1, §7.1): the APIX shapes exactly; user.id is base64url of
//     the sub; displayName is the username (UNCONFIRMED); challenges are 16
//     random bytes; timeouts 60000 (registration) and 180000 (sign-in).
//   - Registration checks (§6.2): the RegistrationResponseJSON members that
//     browsers and Amplify always send (transports, authenticatorData,
//     publicKeyAlgorithm) are required, as the one real capture of
//     "Credential data is not valid" suggests (UNCONFIRMED: which member
//     AWS insists on). Attestation: every format go-webauthn verifies is
//     accepted (none and packed are tested), without a trust decision,
//     because Cognito asks for none (UNCONFIRMED beyond none).
//   - Failed assertions (§7.3) are NotAuthorizedException "Incorrect
//     username or password." (UNCONFIRMED text); a CREDENTIAL that is not
//     JSON at all is InvalidParameterException.
//   - Sign counter (§7.3): when the stored or the presented counter is not
//     zero, the presented one must be greater, else the assertion is refused
//     as a possible cloned authenticator (the W3C leaves this to the RP).
//   - Passkey MFA (§7.4): BeginAssertion with requireUV asks for and
//     enforces user verification; a UV-less assertion then fails
//     (UNCONFIRMED).
//   - Per user (§12.8): at most MaxCredentials (20) passkeys; friendly
//     names "Roaming passkey" (cross-platform, APIX) and "Platform
//     passkey" (platform, a guess), "Passkey" otherwise (UNCONFIRMED).
//
// Errors are *fault.Error values; the Kinds WebAuthn* are new in
// internal/fault and become the wire exceptions of the same names in
// apiserver/errmap.go.
//
// The package imports fault, go-webauthn (and google/uuid through it) and
// the standard library; never storage, net/http, cognitoidp or the packages
// above it. It does not read configuration or the clock itself.
package passkey
