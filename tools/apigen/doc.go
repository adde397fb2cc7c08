// Command apigen generates package internal/cognitoidp from the botocore service model of
// Amazon Cognito user pools (api/cognito-idp-2016-04-18.json).
//
// Usage (from the repository root; go generate ./internal/cognitoidp does the same):
//
//	go run ./tools/apigen -model api/cognito-idp-2016-04-18.json -out internal/cognitoidp
//
// It writes doc.go, support.go, shapes.go, enums.go, errors.go, validate.go and operations.go,
// each gofmt'ed, deterministic and marked "Code generated ... DO NOT EDIT.", and removes files
// it generated before that it no longer produces. Hand-written files in the output directory
// (generate.go) are left alone.
//
// The model is decoded strictly: an unknown key, a dangling shape reference, an identifier
// collision, or a pattern that cannot be translated to Go's RE2 syntax (see pattern.go) makes
// generation fail. The test in this directory regenerates the package and fails when the
// committed files differ, so CI catches a stale package.
//
// apigen uses only the standard library.
package main
