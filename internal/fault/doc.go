// Package fault is the error value the domain packages (userpool, authflow,
// mfa, ...) return for conditions a client must see: a Kind naming the
// Cognito exception it becomes, and the exact message Cognito sends.
// apiserver/errmap.go is the only place a Kind becomes a wire exception.
//
// Messages are copied verbatim from real Cognito output (the comment of
// each fault cites its source, or marks it UNCONFIRMED); they never contain
// secrets.
// The package imports only the standard library.
package fault
