// Package bootstrap reads declarative files of pools, app clients, groups,
// users, domains and resource servers (what "--seed FILE", the config file's bootstrap: section and
// "userpoold apply FILE" take) and applies them idempotently through
// userpool.Service and mfa.Service, so every rule of the API applies to a
// declared pool, client or user as it would to one made through the API.
//
// # The file
//
//	pools:
//	  - id: us-east-1_LocalDev1        # optional fixed ID: <region>_<letters or digits>
//	    name: local-dev                # PoolName
//	    settings: {...}                # CreateUserPool members except PoolName
//	    mfa: {...}                     # SetUserPoolMfaConfig members except UserPoolId
//	    domain: my-app                 # a prefix domain
//	    custom_domain: {domain: auth.example.com, certificate_arn: arn:aws:acm:..., security_policy: TLS_V1_2_2021}
//	    resource_servers:              # before the clients, whose OAuth scopes may name theirs
//	      - identifier: https://api.example.com
//	        name: api
//	        scopes: [{name: read, description: Read}]
//	    clients:
//	      - id: localdevwebclient0000000001   # optional fixed client ID
//	        name: web                         # ClientName
//	        settings: {...}            # CreateUserPoolClient members except UserPoolId and ClientName
//	    groups:
//	      - {name: admins, description: ..., precedence: 1, role_arn: ...}
//	    users:
//	      - username: alice
//	        password: Passw0rd!
//	        status: CONFIRMED          # or FORCE_CHANGE_PASSWORD: the password is temporary
//	        enabled: true
//	        attributes: {email: alice@example.com, email_verified: "true"}
//	        groups: [admins]
//	        mfa: {totp_secret: <base32>, enabled: [SOFTWARE_TOKEN_MFA], preferred: SOFTWARE_TOKEN_MFA}
//
// The settings and mfa blocks are the API's request shapes under their wire
// member names, checked by the generated Validate of those requests (AWS's
// wording); the rest are userpoold's own keys.
//
// # Applying
//
// A pool or client is found by its fixed ID, else by its name; a group by
// name; a user by the name it signs in with; a domain by its name (which
// must be the pool's or free: a domain is never renamed nor moved, and a
// pool that has another domain of the kind is a problem); a resource
// server by its identifier. What is missing is created; what exists is
// brought to what the file declares: pool and client settings replaced
// (UpdateUserPool's semantics: an omitted setting returns to its default),
// the MFA configuration set, custom attributes added, a custom domain's
// certificate and security policy set, a resource server's name and scopes
// replaced, group members set, a user's declared attributes, status,
// password (set again only when the declared one no longer signs in),
// enabled flag, group memberships and MFA state. Nothing the file does not mention is
// deleted or changed. A pool's username and alias attributes and the
// attributes of its schema cannot change, as in Cognito.
//
// Applying runs twice: first against a scratch store seeded with copies of
// the records the file names, with their domains and resource servers (a
// dry run through the same services, which finds every rule the file breaks, each reported with its file, line and
// field, before anything is written; a declared domain name another pool
// holds is found there too), then against the real store, where
// steps the dry run found to change nothing are skipped. A conflict with
// records the file does not name (an email another user already holds) is
// only found in the second run; what came before it is then written, and
// applying the fixed file again completes it.
//
// The package imports userpool, mfa, storage, fault, cognitoidp (the
// request shapes and their validation), yaml.v3 and the standard library.
package bootstrap
