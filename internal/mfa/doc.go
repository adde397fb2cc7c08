// Package mfa owns multi-factor authentication as Cognito user pools do it
// (spec/cognito-mfa-behavior.md §2–§7):
//
//   - TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, ±1 step), the
//     secrets AssociateSoftwareToken hands out and the replay rule: a code is
//     accepted only for a time step later than the last one accepted from the
//     user, and the check runs inside the same storage.UserStore.UpdateUser
//     that records the new step, so two nodes can never both accept a code;
//   - the one-time codes of SMS_MFA and EMAIL_OTP challenges;
//   - the preference rules of (Admin)SetUserMFAPreference and the legacy
//     (Admin)SetUserSettings (ApplyPreference, ApplyLegacySMS), as pure
//     functions with Cognito's errors;
//   - the decision taken after a user's password is verified: no MFA, one
//     challenge, SELECT_MFA_TYPE or MFA_SETUP (Decide), as a pure function.
//
// The rules see a pool as a Pool (its mode and the factors it offers, the
// tier already applied by userpool.Settings.MFA) and name factors with
// Factor (the type of storage.UserMFA's fields).
//
// Errors are fault.Error values with Cognito's exact messages; messages the
// spec marks UNCONFIRMED are marked so here too.
//
// The package imports storage and fault, the standard library and
// github.com/pquerna/otp; never net/http, cognitoidp or the packages above
// it (userpool, authflow, apiserver). TOTP secrets reach the store as raw
// bytes in storage.UserSecrets, which the store seals at rest.
package mfa
