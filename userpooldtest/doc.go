// Package userpooldtest runs a real userpoold — the Amazon Cognito user
// pools API — inside a Go test, in the spirit of net/http/httptest:
//
//	srv := userpooldtest.NewServer(t)
//	client := cognitoidentityprovider.NewFromConfig(srv.AWSConfig())
//
// The server listens on a loopback port with its own SQLite database in a
// temporary directory, fast password hashing (never use it for real
// passwords), every message kept in its outbox and a controllable clock,
// and it is shut down and removed when the test ends (t.Cleanup). It is
// the same server as the userpoold binary — real SRP, real RS256 tokens,
// real TOTP — so that the code under test talks to it exactly as to
// Amazon Cognito, through the AWS SDK and any client library.
//
// Beside the URL and an aws.Config, a test gets what it needs and Cognito
// does not give: the codes and temporary passwords sent to a user
// (LastMessage, Messages), the server's clock (Clock: Set, Advance,
// Reset), and pools, clients, groups and users declared up front (WithSeed,
// WithSeedFile) in userpoold's bootstrap format, with fixed IDs, so that
// the configuration under test can name them.
//
// The package wraps userpoold's internal packages (server, config,
// bootstrap, fakeclock) and exposes none of their types; nothing in
// userpoold imports it.
package userpooldtest
