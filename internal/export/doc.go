// Package export writes the users of a store as JSON lines, one user per
// line, without secrets: what "userpoold export" prints. A line carries
// the user's pool, name, status, attributes (sub included), MFA settings,
// group names and dates, under the member names of AdminGetUser; never a
// password hash, SRP verifier, TOTP secret, one-time code or device
// secret.
//
// It reads the storage interfaces it declares (Source) and imports storage
// and the standard library only.
package export
