// Package authflow is the sign-in state machine of a user pool: the
// InitiateAuth flows (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH,
// ADMIN_NO_SRP_AUTH, USER_SRP_AUTH, REFRESH_TOKEN_AUTH / REFRESH_TOKEN,
// USER_AUTH, CUSTOM_AUTH), the answers to their challenges (PASSWORD_VERIFIER,
// NEW_PASSWORD_REQUIRED, the MFA challenges, DEVICE_SRP_AUTH /
// DEVICE_PASSWORD_VERIFIER, USER_AUTH's SELECT_CHALLENGE, PASSWORD,
// PASSWORD_SRP, EMAIL_OTP, SMS_OTP and WEB_AUTHN; CUSTOM_CHALLENGE), sign-in
// sessions, password lockout, threat protection's assessment and auth events,
// the tokens a finished sign-in gets, and the ways tokens end (RevokeToken,
// GlobalSignOut).
//
// It takes and returns domain values: a flow name, an AuthParameters or
// ChallengeResponses map, a challenge name with its parameters, a session
// string and an authentication result. The API layer (apiserver/auth.go)
// translates them to and from the wire shapes. Failures are *fault.Error
// values whose Kind names the Cognito exception (apiserver/errmap.go maps
// them).
//
// # Sessions
//
// A challenge that needs a Session gets a new one each time: 64 characters of
// base64url (48 random bytes). The store keeps it as a storage.AuthSession
// whose ID is a SHA-256 digest of the string (so a database dump holds no
// usable session), bound to the pool and the app client, expiring after the
// client's AuthSessionValidity (3 minutes by default), and whose State (sealed
// by the store) is a sessionState: the challenge it answers, the user, the
// flow, the steps already passed and room for later steps. Every answer
// first reserves one of the session's MaxSessionAttempts attempts in the
// same UpdateSession that checks it is unused and unexpired, so that
// concurrent answers cannot outrun the limit: a code or proof is compared
// at most MaxSessionAttempts times per session. A wrong answer keeps its
// attempt; one that compared nothing (a missing parameter) gives it back; a
// successful answer spends the session (Used), so it can be answered once.
//
// # Lockout
//
// Wrong passwords, SRP proofs and MFA codes (SMS_MFA, EMAIL_OTP,
// SOFTWARE_TOKEN_MFA) all count in the user's storage.Lockout: after
// LockoutThreshold failures the user is locked, 1 s doubling to LockoutMax,
// and every password, proof or code is refused with "Password attempts
// exceeded" meanwhile. A password or proof attempt is counted (reserve)
// inside UpdateUser before the slow check and given back (refund) when it
// turns out right; an MFA code is checked and, if wrong, counted inside one
// UpdateUser. A correct password alone does not reset the count; a
// completed sign-in (tokens) does, so wrong MFA codes cannot be retried
// without end by whoever knows the password. With PreventUserExistenceErrors
// a name that matches no user is counted the same way, in a record of its
// own (userpool.UnknownSignInFailure), before its decoy check: it answers
// "Password attempts exceeded" from the same failure on as a real user.
//
// # SECRET_BLOCK
//
// USER_SRP_AUTH returns PASSWORD_VERIFIER without a Session, as Cognito does,
// and clients answer it without one. Everything the answer needs rides in
// SECRET_BLOCK, standard base64 of a seal.Box ciphertext (AES-256-GCM, key
// derived from the master key, associated data naming the pool and the app
// client) of: a version byte, flags (a decoy for an unknown user; a round of
// CUSTOM_AUTH, whose answer must bring its Session), the expiry
// (the client's AuthSessionValidity), the internal username, the DEVICE_KEY
// sent with InitiateAuth, the client's A (384 bytes) and the SRP server state
// (srp.Server.State: the secret b and B, so that resuming skips an
// exponentiation). The answer is checked against the verifier stored when
// it arrives, so a password changed in between makes it fail. A block
// authenticates once: a verified answer records a marker keyed by the
// block's digest in the session store (spendBlock), so a replayed answer is
// refused as "Incorrect username or password.".
//
// # Extension point: what follows a successful step
//
// Every path that completes a step of sign-in (a verified password or SRP
// proof, a passwordless first factor, a new password, an MFA code, a device
// proof) ends in Service.advance (next.go), the one function that decides
// what comes next. In a USER_AUTH sign-in its first step, until a first
// factor is proven, issues the preferred factor's challenge or
// SELECT_CHALLENGE with AvailableChallenges (userauth.go); a password
// factor records the password step, so MFA follows as below, and a
// passwordless one (EMAIL_OTP, SMS_OTP, WEB_AUTHN) also counts as MFA
// passed (spec cognito-user-auth.md §3.5). Then, in this order:
//
//  0. once, right after the password: the DEVICE_KEY check ("Device does not
//     exist."; devices.go), spending the SECRET_BLOCK of an SRP answer
//     (srp.go) and the threat-protection assessment, which may block the
//     sign-in (risk.go);
//  1. NEW_PASSWORD_REQUIRED, while the user is in FORCE_CHANGE_PASSWORD;
//  2. DEVICE_SRP_AUTH for a remembered device that replaces MFA
//     (devices.go: the ordering rules);
//  3. the MFA decision (spec §7.3; mfa.go: SMS_MFA, EMAIL_OTP,
//     SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, MFA_SETUP), then any MFA threat
//     protection asks for (risk.go);
//  4. DEVICE_SRP_AUTH for any other known device;
//  5. tokens (with NewDeviceMetadata for a new device in a tracking pool;
//     the auth event marked Pass).
//
// A new step slots into that list; each step records in sessionState.Done
// that it was passed. A new challenge gets a ChallengeName constant and a
// line in the answers table (challenges.go), which RespondToAuthChallenge
// dispatches on. Per-challenge data (a one-time code, the factor chosen in
// SELECT_MFA_TYPE, device SRP state) goes in sessionState.Ext, sealed at
// rest with the rest of the state. A step that needs no answer from the
// user (such as sending an SMS code) runs inside advance before the
// challenge is returned. USER_AUTH's choice of a first factor is the step
// before 0; CUSTOM_AUTH's rounds (customauth.go) are a step there too
// (customStep): until the DefineAuthChallenge trigger issues tokens, each
// request runs a round (Define, Create, Verify) and gets the next
// CUSTOM_CHALLENGE or PASSWORD_VERIFIER with a new session; then the list
// goes on, with MFA only after a verified password.
//
// # Access tokens
//
// Authorize and AuthorizeClient (access.go) say which user an access token
// authorizes, with every check Cognito makes: signature, expiry, scope,
// revocation, global sign-out, a disabled or inactive user.
//
// # The hosted login pages and the OAuth endpoints
//
// The hosted pages sign users in through the same path: FlowHostedPassword
// is USER_PASSWORD_AUTH without the ExplicitAuthFlows gate or SECRET_HASH,
// whose sessions are answered with Respond.Hosted, and whose last step
// (finish) yields Result.SignedIn instead of tokens, so that lockout, code
// limits, threat protection and the MFA decision are this package's alone.
// oauth.go mints what the OAuth endpoints hand out from a signed-in user
// (GrantTokens: scope, nonce, at_hash, the attributes the scopes reveal, as
// ScopeRules say), refreshes their tokens keeping the scopes (RefreshGrant;
// REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken do too), issues
// client_credentials tokens, checks the single sign-on cookie's user
// (CheckSignedIn) and serves userInfo and revocation.
//
// # Construction
//
// A Service is a struct literal (server.New builds the one userpoold uses):
// the stores it writes (Users, Sessions, Events, Revocations), the services
// it calls (userpool, mfa) and the token Issuer it declares. It derives its
// own keys from Secret on first use.
//
// # Lambda triggers
//
// Service.Triggers (the interface triggers.go declares; server.New gives
// it the server's trigger.Service) runs the pool's sign-in triggers:
// PreAuthentication where the user is loaded, before the password or the
// first challenge (InitiateAuth of every flow); PostAuthentication in
// finish, before tokens; PreTokenGeneration in issue, with the source of
// the tokens (sign-in, new password, remembered device, refresh, hosted
// sign-in, client credentials), whose edits token.Edit applies to the
// claims before they are signed; UserMigration_Authentication in
// passwordAuth for a name that is nobody (userpool.Migrate runs it and
// creates the user, who then signs in as any other); and the three
// CUSTOM_AUTH triggers (customauth.go).
//
// Package authflow imports userpool, mfa, risk, delivery (for message
// purposes), token, srp, seal, passkey, trigger, fault, storage and the standard library, plus
// google/uuid; never net/http or internal/cognitoidp.
package authflow
