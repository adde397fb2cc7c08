// Package layers holds no code, only a test that keeps the import graph of
// ARCHITECTURE.md true: cmd → server → apiserver → {authflow, userpool} →
// {mfa, srp, password, token, delivery, risk} → storage, and domain
// packages never import the wire layer or serve HTTP. It also keeps the
// public test server, userpooldtest, a wrapper: it imports only server,
// config, bootstrap and fakeclock, exposes none of their types, and
// nothing in userpoold imports it.
package layers
