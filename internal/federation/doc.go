// Package federation is the relying-party side of a user pool's sign-in
// through external identity providers (spec cognito-oauth2-hosted-ui.md
// §14, §19.8): what an identity provider is and how its configuration is
// validated (CreateIdentityProvider and friends, §14.1–§14.2), the OAuth 2.0
// / OpenID Connect client that Cognito is towards OIDC, Google, Facebook,
// Login with Amazon and Sign in with Apple (§14.3), the SAML 2.0 service
// provider it is towards SAML IdPs (§14.6), and the rules that turn an
// external identity into a pool user (§14.4, §14.5): the
// <ProviderName>_<id> username, the identities attribute, the
// <poolId>_<ProviderName> group, attribute mapping and linking.
//
// The package holds no state of its own. What must survive between the
// redirect to an IdP and its answer travels sealed in the OAuth state or
// the SAML RelayState (Flow), bound to the browser by a cookie; what must
// be remembered across nodes (spent states and assertion IDs) is reached
// through the ReplayCache interface, which the wiring backs with the store.
// Providers are values (Provider) that the caller stores and hands back.
//
// # Errors
//
// Configuration failures are *fault.Error values (InvalidParameter,
// DuplicateProvider, ...) with AWS's messages where they are known.
// Sign-in failures are *Error values saying what the browser sees: an
// OAuth error code and description to send back to the app's redirect
// URI (Error.Location), as Cognito does for federation failures.
//
// # How a domain uses it
//
// Configuration (CreateIdentityProvider, UpdateIdentityProvider):
// Configurer.Create / Configurer.Update validate the request against the
// pool (Pool: its schema) and its other providers, and return the Provider
// to store; Describe returns Provider.Details, AttributeMapping and
// Identifiers; ListIdentityProviders returns Provider.Summarize;
// GetIdentityProviderByIdentifier and the authorize request's
// idp_identifier use Find.
//
// OIDC and social sign-in: /oauth2/authorize with identity_provider (or a
// login page button, which links to it) calls RP.Begin and redirects to
// Start.Location, setting StateCookie to Start.Cookie; /oauth2/idpresponse
// (GET, and POST for Apple's form_post) calls RP.Open on the state
// parameter, loads the flow's provider, and calls RP.Finish with the
// parameters and the StateCookie. SAML: SP.Begin likewise; at
// /saml2/idpresponse SP.ParseRelayState tells an SP-initiated answer
// (SP.Finish) from an IdP-initiated one (SP.FinishIDPInit, after finding
// the provider by the RelayState's identity_provider or idp_identifier,
// or by ResponseIssuer). Each gives an Identity; FindLink and ProfileFor
// turn it into the user to sign in as, the attributes to write and the
// group to join; the app's authorize request (Flow.Authorize, or the
// RelayState's) is then finished as for a password sign-in. A failure's
// Error.Location is where the browser goes, or, for a Page error, the
// domain shows its error page.
//
// Sub-package testidp holds the built-in OIDC and SAML identity providers
// that userpoold serves under /_idp/<name>/ so that federation works with
// no internet.
//
// Package federation imports fault, seal, the standard library,
// coreos/go-oidc, golang.org/x/oauth2, go-jose and crewjam/saml; never
// oauth, hostedui, userpool, authflow, storage, token or cognitoidp.
package federation
