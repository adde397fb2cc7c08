package server

import (
	"github.com/userpoold/userpoold/internal/oauth"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file adapts package oauth (the protocol core of a pool domain) to
// the services it consumes and that consume it. Each adapter is small and
// only converts values: the rules stay where they are owned (sign-in in
// authflow, lifecycles in userpool, the protocol in oauth).

// oauthRules gives userpool.Service the protocol's configuration rules
// (userpool.OAuthRules).
type oauthRules struct{}

func (oauthRules) CheckPrefix(prefix string) error     { return oauth.ValidatePrefix(prefix) }
func (oauthRules) CheckCustomDomain(fqdn string) error { return oauth.ValidateCustomDomain(fqdn) }
func (oauthRules) CheckClient(c userpool.OAuthClient, customScopes []string) error {
	oc := oauth.Client{
		OAuthEnabled:       c.Enabled,
		Scopes:             c.Scopes,
		CallbackURLs:       c.CallbackURLs,
		LogoutURLs:         c.LogoutURLs,
		DefaultRedirectURI: c.DefaultRedirectURI,
		IdentityProviders:  c.IdentityProviders,
	}
	for _, f := range c.Flows {
		oc.Flows = append(oc.Flows, oauth.Flow(f))
	}
	if c.HasSecret {
		// Only whether the client has a secret matters to the rules.
		oc.Secrets = []string{"(secret)"}
	}
	return oauth.ValidateClientConfig(oc, customScopes)
}
