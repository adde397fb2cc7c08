// Package server is the one place where userpoold is wired together: New
// opens storage and builds every domain service once, as struct literals
// (server.go), and assembles the HTTP handler (routes.go): the AWS JSON API
// at "/", /health, /metrics, the per-pool JWKS and OpenID discovery
// documents (wellknown.go) and userpoold's own admin endpoints, the
// development outbox and key rotation (admin.go). masterkey.go loads or
// generates the master key; sweeper.go deletes expired sessions; errors.go
// writes AWS's error envelope for the endpoints beside the API.
//
// Beside them: the test clock of --test-clock and GET/POST /_userpoold/clock
// (clock.go), bootstrap files applied at start and through POST
// /_userpoold/apply with package bootstrap over the services built here
// (bootstrap.go), and the helpers the store subcommands share with New
// (StoreDSN, OpenStore, ReadMasterKey, CheckMasterKey, CheckSQLiteFile).
package server
