// Package apiserver implements the Cognito user pools API
// (cognitoidp.Operations) on top of the domain packages. Each file covers one
// API area: pools.go, clients.go, users.go, groups.go, auth.go, mfa.go,
// devices.go, risk.go. Handlers translate wire shapes to domain calls and
// back; the business rules live in userpool, authflow and mfa.
//
// errmap.go is the only place where domain errors (fault.Error and the
// sentinels of the storage and token packages) become Cognito exceptions.
// Endpoint adapts an operation to the awsjson runtime: decode, validate
// against the model, invoke, map errors.
//
// It imports cognitoidp, awsjson (for request information), the domain
// packages and storage; never net/http handlers of its own.
package apiserver
