// Package apiserver implements the Cognito user pools API
// (cognitoidp.Operations) on the domain services. It converts wire shapes to
// the services' values and back, and nothing else: it holds no store, and
// every rule lives in userpool, authflow and mfa. Each file covers one API
// area: pools.go, clients.go, users.go (with users_attributes.go and
// users_passwords.go), groups.go, auth.go, mfa.go, devices.go, risk.go.
//
// errmap.go is the only place where domain errors (fault.Error and the
// sentinels of the storage package) become Cognito exceptions; a test fails
// for a fault.Kind without one. Endpoint adapts an operation to the awsjson
// runtime: decode, validate against the model, invoke, map errors.
//
// It imports cognitoidp, awsjson (for request information), the domain
// services (userpool, authflow, mfa), risk (request context) and storage
// (the value types it renders); never net/http, a store implementation or
// the token package.
package apiserver
