// Package userpool owns the lifecycle of user pools, app clients, users,
// groups and devices, and every rule Cognito applies to them: identifiers,
// defaults, the tier's features, the attribute schema, username and alias
// resolution, password policy and hashing, one-time codes and their
// delivery, threat protection's configuration and the administration of
// auth events. It returns *fault.Error values for conditions clients must
// see.
//
// Pool and client settings are stored as Cognito's wire documents
// (storage.Pool.Config, storage.Client.Config). Settings and ClientSettings
// model every member of those documents, so this package writes them
// (CreatePool, UpdatePool, SetMFAConfig, CreateClient, ...) as well as
// reading them; the API layer reads them too, to render Describe*, and a
// test there checks that the two readers agree.
//
// The files: service.go (the Service and its dependencies), lookup.go
// (loading pools, clients and users), pools.go, clients.go, settings.go,
// clientsettings.go, tier.go (which tier allows which feature), status.go
// (user statuses), users.go, signup.go, admincreate.go, passwords.go,
// recovery.go, aliases.go, attributes.go, schema.go, codes.go,
// messages.go, hashing.go, groups.go, devices.go, riskconfig.go,
// authevents.go, passkeys.go (a user's passkeys over package passkey: the
// pending registration challenge, the credential list, the pool's relying
// party), triggers.go (the Lambda triggers userpool fires, through the
// Triggers interface, and the mapping of a pool's LambdaConfig to
// trigger.Pool, which authflow uses too), migration.go (the UserMigration
// trigger and the user it creates), clientsecrets.go (client secret
// rotation and the checks that accept any of a client's secrets),
// branding.go (UI customization, managed login branding styles and terms
// documents, checked through the PageRules interface).
//
// A Service is a struct literal (server.New builds the one userpoold uses)
// holding the store interfaces it uses. It imports storage, fault, mfa,
// risk, password, password/imported (imported.go), importjob (for ImportUser),
// srp, delivery, passkey, trigger, google/uuid and the standard library;
// never net/http or internal/cognitoidp.
package userpool
