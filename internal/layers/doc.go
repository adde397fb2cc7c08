// Package layers holds no code, only a test that keeps the import graph of
// design.md true: cmd → server → {apiserver, hostedui} → {authflow,
// userpool} → {mfa, srp, password, token, delivery, risk} → storage, and
// domain packages never import the wire layer or serve HTTP.
package layers
