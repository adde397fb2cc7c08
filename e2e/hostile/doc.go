// Package hostile attacks a running userpoold the way an attacker would,
// through real clients and raw HTTP, and asserts the exact answer of each
// attack: the HTTP status, the AWS error type and message, the headers. It
// keeps the results of the project's hostile review (issue 15) true as the
// code grows.
//
// Every test starts a complete server with internal/server/servertest: SQLite
// in a temporary directory, or the database USERPOOLD_TEST_DB names (CI runs
// the package on both SQLite and PostgreSQL). The package has only tests.
//
// Attack classes covered:
//   - admin plane (admin_test.go): unsigned calls, unknown access key, wrong
//     secret, tampered body, operation splice (a signed request replayed as
//     another operation, with X-Amz-Target signed or left out of the
//     signature), stale and future signing times, credential scopes of
//     another region or service, userpoold's own /_userpoold endpoints;
//   - browsers (cors_test.go): preflights for user-facing and admin calls,
//     CORS headers on user-facing and admin answers, /_userpoold from a page;
//   - wire (wire_test.go): oversized bodies (declared and chunked), malformed
//     JSON, non-object bodies, form and text content types, huge strings
//     (including sensitive members), deep nesting, invalid UTF-8, control
//     characters, methods other than POST;
//   - tokens (tokens_test.go): alg none, HS256 keyed with the published RSA
//     key, a kid of another key, spliced and edited payloads, expired and
//     revoked tokens, a token moved to another pool, a refresh token of
//     another pool or client, an ID or refresh token where an access token
//     belongs;
//   - user enumeration (enumeration_test.go): with PreventUserExistenceErrors
//     every operation that hides existence (InitiateAuth USER_PASSWORD_AUTH,
//     USER_SRP_AUTH, USER_AUTH, their RespondToAuthChallenge answers,
//     ForgotPassword, ConfirmForgotPassword, ResendConfirmationCode,
//     ConfirmSignUp) answers a real user and an unknown name alike over whole
//     sequences, lockouts and code limits included; lockout evasion: case
//     variants of the username and the email alias hit one lockout;
//   - MFA (mfa_test.go): VerifySoftwareToken brute force with a stolen access
//     token (pending and verified secrets), SOFTWARE_TOKEN_MFA brute force
//     across sign-ins (the lockout), TOTP replay;
//   - /metrics exposure (metrics_test.go): a non-loopback peer is refused by
//     default, admin mode wants a signature, off serves nothing;
//   - secrets at rest (secrets_test.go): the SQLite data directory, without
//     the master key, searched for a password, a temporary password, codes
//     (in their messages), a TOTP secret, refresh and access tokens.
//   - injection (injection_test.go): ListUsers filters with SQL wildcards,
//     quotes, comments and operators (literal matches or
//     InvalidParameterException, never more users), email addresses carrying
//     mail headers (refused) or markup (stored and answered verbatim).
package hostile
