// Package oauth is the protocol core of a user pool's OAuth 2.0 / OpenID
// Connect authorization server, as Amazon Cognito serves it on a user pool
// domain (spec cognito-oauth2-hosted-ui.md): /oauth2/authorize request
// validation and its outcomes (§4), the authorization code record and its
// single-use exchange (§4, §6), PKCE (S256 only), the token endpoint's request
// parsing, client authentication, grants and error JSON (§6), the claims
// inputs of OAuth tokens (§7), /oauth2/userInfo (§8), /oauth2/revoke (§9) and
// /logout (§10), domains and how a request addresses one (§2, §19.1), the
// discovery document (§11), callback and logout URL rules (§12), and the
// hosted UI's cookies: the pool-wide `cognito` session (SSO for one hour) and
// the XSRF-TOKEN / _csrf pair (§5.1, §5.3).
//
// Everything that needs a store or the sign-in machinery is reached through
// small interfaces declared here (ClientSource, ScopeCatalog, CodeStore,
// Grants, UserInfoSource, Revoker, SessionChecker), so the package can be
// wired to userpool, authflow, token and storage without knowing them. A
// sign-in rule therefore lives in authflow only: this package decides what
// an OAuth request means, never whether a user may sign in.
//
// # Errors
//
// Protocol failures are *Error values carrying the OAuth error code
// (invalid_request, invalid_client, ...), the HTTP status and how the error
// reaches the user agent: as JSON (token and revoke endpoints), as a
// WWW-Authenticate header (userInfo), as a redirect to the client
// (authorize, when the redirect URI is usable), or as an HTML error page
// (authorize, when it is not: never a redirect, so no open redirect).
// Configuration-time checks of app clients and domains (ValidateCallbackURL,
// ValidatePrefix, ...) return *fault.Error values, since they answer
// CreateUserPoolClient, CreateUserPoolDomain and friends.
//
// Package oauth imports fault, seal and the standard library, plus
// google/uuid; never userpool, authflow, token, storage or cognitoidp. Its
// net/http handlers (Handlers) touch only the interfaces above.
package oauth
