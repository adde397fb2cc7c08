// Package conformance is the test suite every storage.Store backend must
// pass. Run is called from a backend's own tests with a function that opens
// a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, func(t *testing.T) storage.Store { ... })
//	}
//
// The suite covers every method of every storage interface: create, get,
// update, delete and list; ErrNotFound and ErrExists; uniqueness of keys
// (username key and sub per pool, client IDs across pools); round trips of
// every field; pagination (page sizes, cursors, Next == "" on the last page);
// the ListUsers filters; cascades; atomic updates (an fn error writes nothing
// and is returned unchanged; concurrent updates never lose one); session
// expiry; revocation; message order; auth events newest first.
//
// Rules the suite holds backends to, beyond what storage documents:
//
//   - Round trips: every full* fixture sets every field (recursively) to a
//     non-zero value, and the Fixtures test fails if one does not, so a field
//     added to a storage type fails the suite until its fixture and the
//     backends round-trip it.
//   - Empty is nil: a nil or empty slice, map, []byte or json.RawMessage is
//     stored alike and always comes back nil. Any other json.RawMessage comes
//     back byte-equal (whitespace and member order included).
//   - Times come back Equal to what was stored, to the microsecond: a
//     backend may drop nanoseconds and the location.
//   - Creating a record under a missing parent (pool; user for devices and
//     auth events) fails with ErrNotFound, as do Delete methods and
//     AddUserToGroup when the record is missing; RemoveUserFromGroup is
//     idempotent.
//   - Update methods refuse to change key fields (IDs, PoolID, UsernameKey,
//     Sub, a device's owner) and write nothing when they do.
//   - Values are copied in and out: mutating a value passed to or returned
//     from a store (including the *T an Update fn received) changes nothing
//     stored.
//   - ListUsers filters: "username" is Username, "cognito:user_status" is
//     Status, "status" is "Enabled" or "Disabled", "sub" is Sub, the others
//     are attributes (a user without the attribute never matches). Fold
//     compares strings.ToLower of both sides; Prefix is strings.HasPrefix.
//     An unknown attribute is an error.
//   - A call with a cancelled context fails and writes nothing.
//
// The package imports only storage and the standard library.
package conformance
