// Package server is the one place where userpoold is wired together: New
// opens storage and builds every domain service once, as struct literals
// (server.go), and assembles the HTTP handler (routes.go): the AWS JSON API
// at "/", /health, /metrics, the per-pool JWKS and OpenID discovery
// documents (wellknown.go), userpoold's own admin endpoints, the
// development outbox and key rotation (admin.go), and the user pool
// domains: the OAuth endpoints and hosted pages of packages oauth and
// hostedui, in host form and at /_domain/<name>/, built over adapters that
// only convert values (oauth.go; oauthsite.go says what a client and its
// pool look like to them; hostedui.go runs the pages' account operations
// through authflow and userpool; domains.go caches domain lookups).
// masterkey.go loads or generates the master key; sweeper.go deletes
// expired sessions (and authorization codes); errors.go writes AWS's error
// envelope for the endpoints beside the API.
//
// Beside them: the test clock of --test-clock and GET/POST /_userpoold/clock
// (clock.go), bootstrap files applied at start and through POST
// /_userpoold/apply with package bootstrap over the services built here
// (bootstrap.go), and the helpers the store subcommands share with New
// (StoreDSN, OpenStore, ReadMasterKey, CheckMasterKey, CheckSQLiteFile).
package server
