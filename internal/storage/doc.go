// Package storage defines the persistence contract of userpoold: small
// interfaces over plain value structs, with atomic read-modify-write for every
// record that concurrent requests (or concurrent nodes) may change.
//
// The package owns the value types (Pool, Client, User, Group, Device,
// AuthSession, SigningKey, Message, AuthEvent, Domain, ResourceServer,
// ImportJob, ...)
// and the sentinel errors (ErrNotFound, ErrExists). It imports only the
// standard library.
// Backends live in sub-packages: storage/sql implements Store on SQLite and
// PostgreSQL; storage/conformance holds the suite every backend must pass.
//
// Contracts shared by every method:
//   - ctx is always first; a cancelled ctx aborts the call without side effects.
//   - Get and Update methods return an error wrapping ErrNotFound when the record
//     does not exist; Create methods return an error wrapping ErrExists when a
//     record with the same key (or unique secondary key) exists.
//   - Update methods apply fn to the freshest copy of the record atomically:
//     the write happens only if nobody changed the record since fn saw it.
//     fn may therefore run more than once (optimistic concurrency); only its
//     last run counts. So fn must be a pure function of the record it is
//     given: cheap (no password hashing), without side effects (no messages
//     sent, no writes through the store). If fn returns an error, nothing is
//     written and that error is returned unchanged. Concurrent updates of one
//     record are serialised, also across processes sharing a database.
//   - Values are copied in and out: callers may keep and mutate what they get.
//   - A method that returned nil has made its write durable.
//   - Fields documented as secret (see User.Secrets, Device.Secrets,
//     SigningKey.PrivateKey, Client.Secret) are encrypted at rest by the backend
//     with the Sealer it was opened with; callers see plaintext.
package storage
