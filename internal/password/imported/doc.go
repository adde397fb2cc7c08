// Package imported verifies password hashes that a CSV user import brought
// in from another system (spec/cognito-triggers-import.md §7.5): one
// algorithm per import job, named by the job's PasswordHashingAlgorithm
// (BCRYPT, SCRYPT, ARGON2ID or PBKDF2_SHA256), the hash in the row's
// password_hash column.
//
// Parse accepts exactly the encodings that section names and refuses
// parameters beyond its bounds, so that an imported hash cannot be used to
// make a sign-in burn CPU or memory: a malformed or out-of-bounds hash fails
// its row at import time. Hash.Verify checks a password in constant time
// with golang.org/x/crypto (bcrypt, scrypt, argon2) and crypto/pbkdf2.
// Hash.NeedsRehash tells the caller to replace the imported hash with the
// pool's own argon2id hash (package password) after the first successful
// sign-in.
//
// The package is pure: it imports the standard library and
// golang.org/x/crypto only, never net/http, storage or the API layer. No
// error it returns contains a password, a hash, a salt or a key.
package imported
