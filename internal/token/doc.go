// Package token mints and checks the tokens a user pool issues, in the shape
// Amazon Cognito gives them, so that JWT libraries and verifiers written for
// Cognito (aws-jwt-verify, jose, golang-jwt) accept them unchanged:
//
//   - ID and access tokens are RS256 JWS compact tokens with the header
//     {"kid":"<44-char base64 SHA-256 of the public key>","alg":"RS256"}.
//     ID and access tokens of a pool are signed by different RSA keys, as in
//     Cognito. Claims are emitted in the key order real Cognito tokens show.
//   - Each pool publishes its keys as a JWKS document ({"keys":[...]}), with
//     retired keys kept so that the tokens they signed still verify.
//   - Refresh tokens are opaque to clients: a JWE (dir, A256GCM) sealed with a
//     key derived per pool from a master key.
//
// Signing keys live in storage.KeyStore as PKCS#8 DER (the storage backend
// seals them at rest) and are shared by every node through the database.
// An Issuer caches each pool's keys in memory; a token whose kid it does not
// know makes it reload the pool's keys once, since another node may have
// rotated them.
//
// # Errors
//
// Verification failures are reported with sentinel errors that the API layer
// (apiserver/errmap.go) turns into NotAuthorizedException:
//
//	ErrInvalid   → "Invalid Access Token" (access), "Invalid Refresh Token" (refresh)
//	ErrWrongUse  → "Invalid Access Token" (an ID token where an access token belongs)
//	ErrExpired   → "Access Token has expired", "Refresh Token has expired"
//	ErrRevoked   → "Access Token has been revoked"
//
// This package imports storage, go-jose and google/uuid; it never imports
// net/http or the API layer, and it never logs. No error it returns contains
// a token or a key.
package token
