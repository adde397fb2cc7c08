// Package srp implements the server side of the SRP-6a variant that Amazon
// Cognito user pools speak: the USER_SRP_AUTH / PASSWORD_SRP password flow
// (PASSWORD_VERIFIER challenge) and the remembered-device flow
// (DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER).
//
// The package owns the group constants, the password verifier (what is stored
// when a password is set), the device verifier as ConfirmDevice delivers it,
// one server handshake (B, the claim signature check) with a serialisable
// state so that a stateless server can resume it from SECRET_BLOCK, and the
// TIMESTAMP format. It does not own storage, encryption of the state, clock
// skew policy or the mapping of failures to Cognito exceptions: callers do.
//
// The arithmetic follows amazon-cognito-identity-js (AuthenticationHelper.js,
// CognitoUser.js, DateHelper.js) bit for bit; testdata/vectors.json holds
// known answers produced by that library (see e2e/node/srpvectors).
// Every operation that involves the server secret b or the verifier v runs in
// constant time through filippo.io/bigmod; math/big is used only for public
// values (A, B, u, hex formatting).
//
// Package srp imports only the standard library and filippo.io/bigmod
// (which itself uses golang.org/x/sys/cpu).
// Test-only client code lives in the subpackage srptest.
package srp
