// Package testidp holds the built-in identity providers userpoold serves
// under /_idp/<name>/ so that federation can be tried and tested with no
// internet (spec cognito-oauth2-hosted-ui.md §19.8). Every name is its own
// provider, made on first use, and each is both:
//
//   - an OpenID provider whose issuer is <base>/_idp/<name>: discovery
//     (/.well-known/openid-configuration), /authorize (a small
//     server-rendered page that picks a preset user or enters a subject and
//     claims, or approves at once for CI with auto=<subject>), /token
//     (authorization_code with client_secret_post or client_secret_basic,
//     PKCE S256, also by GET as Facebook's is), /jwks, /userinfo, and the
//     Facebook-shaped /me and Amazon-shaped /user/profile that the
//     federation package's social overrides call;
//   - a SAML 2.0 identity provider whose entity ID is <base>/_idp/<name>/saml:
//     metadata (/saml/metadata), SP-initiated SSO (/saml/sso, HTTP-Redirect
//     binding, answering with a signed assertion through an auto-posting
//     form) and IdP-initiated SSO (/saml/init?acs=...&audience=...).
//
// It is a test tool: it accepts any client, secret and redirect URI unless
// Options.Clients says otherwise, and keeps codes and access tokens in
// memory. It never runs unless mounted.
//
// Package testidp imports the standard library, go-jose, beevik/etree and
// russellhaering/goxmldsig; never the federation package it tests.
package testidp
