// Package password owns how userpoold stores and checks user passwords:
// argon2id hashing in the PHC string format (Hash, Verify, NeedsRehash), a
// memory budget for running hashes concurrently (Limiter), and a user
// pool's password policy (Policy.Check), whose failures carry
// Cognito's InvalidPasswordException messages word for word.
//
// The package is pure: it imports only the standard library and
// golang.org/x/crypto/argon2, never net/http, storage or the API layer.
// Randomness is passed in as an io.Reader so tests can fix it.
//
// No function in this package logs, and no error it returns contains a
// password, a hash or a salt.
package password
