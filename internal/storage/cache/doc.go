// Package cache keeps, on each node, the records almost every request reads
// and almost no request writes: pools, app clients and the revocation of
// token families. Store wraps a storage.Store and answers GetPool,
// GetClient and TokensRevoked from memory for at most TTL after it read
// them from the database.
//
// The bound. A change written through this node's Store is seen by this
// node's next read: writes invalidate the entries they touch (and a read
// that raced with a write does not install what it read). A change written
// by another node sharing the database is seen here at most TTL (1 s by
// default, the same bound as the JWKS a node publishes) after it committed:
// a revoked token family, a changed pool setting, a deleted or changed app
// client, a rotated or deleted client secret. Revocation is permanent, so a
// family found revoked stays revoked in the cache; only "not revoked" has an
// age. What the cache does not hold is read on every request: users (so a
// disabled user, a global sign-out and a new password take effect on every
// node at once) and signing keys (package token's own bounds).
//
// The package imports only storage: it sits beside storage/sql, below every
// service, and server.New wraps the store once so that every component
// reads and writes through it.
package cache
