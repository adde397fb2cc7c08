package server

import (
	"context"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/hostedui"
	"github.com/userpoold/userpoold/internal/oauth"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file is the ONE adapter that tells the OAuth endpoints and the
// hosted pages what an app client and its pool look like: oauth.Client
// (OAuthClient: the OAuth members, the secrets valid right now, token
// lifetimes) and hostedui.Site (Site: branding, password rules, sign-up,
// terms). It reads what the pool and client store today. Client secret
// rotation, UI customization, managed login branding and terms documents
// (branch `branding`) extend it here: more Secrets in OAuthClient, and
// Branding (logo, CSS, Theme) and Terms in Site.

// oauthSite implements oauth.ClientSource and hostedui.SiteSource over
// userpool.
type oauthSite struct {
	pools *userpool.Service
}

// OAuthClient returns the OAuth view of an app client (oauth.ClientSource):
// false for an unknown client.
func (s oauthSite) OAuthClient(ctx context.Context, clientID string) (oauth.Client, bool, error) {
	c, err := s.pools.LoadClient(ctx, "", clientID)
	if fault.KindOf(err) == fault.ResourceNotFound {
		return oauth.Client{}, false, nil
	}
	if err != nil {
		return oauth.Client{}, false, err
	}
	st := c.Settings
	oc := oauth.Client{
		PoolID:            c.PoolID,
		ID:                c.ID,
		OAuthEnabled:      st.AllowedOAuthFlowsUserPoolClient != nil && *st.AllowedOAuthFlowsUserPoolClient,
		Scopes:            st.AllowedOAuthScopes,
		CallbackURLs:      st.CallbackURLs,
		LogoutURLs:        st.LogoutURLs,
		IdentityProviders: st.SupportedIdentityProviders,
		RevocationEnabled: st.RevocationEnabled(),
		AccessTTL:         st.AccessTTL(),
	}
	if st.DefaultRedirectURI != nil {
		oc.DefaultRedirectURI = *st.DefaultRedirectURI
	}
	for _, f := range st.AllowedOAuthFlows {
		oc.Flows = append(oc.Flows, oauth.Flow(f))
	}
	oc.Secrets = c.SecretValues()
	return oc, true, nil
}

// Site returns how the pages of a client of pool poolID look and what they
// offer (hostedui.SiteSource).
func (s oauthSite) Site(ctx context.Context, poolID, clientID string) (hostedui.Site, error) {
	p, err := s.pools.LoadPool(ctx, poolID)
	if err != nil {
		return hostedui.Site{}, err
	}
	pol := p.PasswordPolicy()
	site := hostedui.Site{
		Branding: hostedui.Branding{Name: p.Name},
		Password: hostedui.PasswordRules{
			MinLength: pol.MinimumLength,
			Lowercase: pol.RequireLowercase, Uppercase: pol.RequireUppercase,
			Numbers: pol.RequireNumbers, Symbol: pol.RequireSymbols,
		},
		SelfSignUp:    !p.Settings.AdminCreateOnly(),
		EmailUsername: p.Settings.IsUsernameAttribute("email"),
		// UNCONFIRMED: the issuer Cognito puts in otpauth:// URIs; the
		// pool's name is what users recognise in their app.
		Issuer: p.Name,
	}
	// Sign-up asks for the required attributes (an email username is the
	// username field itself).
	for _, a := range p.Settings.SchemaAttributes {
		if !a.Required || a.Name == "sub" || (site.EmailUsername && a.Name == "email") {
			continue
		}
		site.SignUpFields = append(site.SignUpFields, hostedui.AttributeField(a.Name, "", true))
	}
	return site, nil
}
