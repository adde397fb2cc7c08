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
// (OAuthClient: the OAuth members, every secret valid right now, token
// lifetimes) and hostedui.Site (Site: the classic UI customization, the
// managed login branding style, password rules, sign-up, terms
// documents). pageRules gives userpool the pages' rules on what branding
// may contain.

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
	classic, managed, err := s.branding(ctx, p, clientID)
	if err != nil {
		return hostedui.Site{}, err
	}
	terms, err := s.terms(ctx, p.ID, clientID)
	if err != nil {
		return hostedui.Site{}, err
	}
	site := hostedui.Site{
		Branding:        classic,
		ManagedBranding: managed,
		Terms:           terms,
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

// branding returns the classic look of a client's pages (its UI
// customization, or the pool's) and its managed login look (its branding
// style). A logo the pages cannot show (too large, not an image) is left
// out rather than failing the page.
func (s oauthSite) branding(ctx context.Context, p *userpool.Pool, clientID string) (classic, managed hostedui.Branding, err error) {
	classic, managed = hostedui.Branding{Name: p.Name}, hostedui.Branding{Name: p.Name}
	ui, uiOK, style, styleOK, err := s.pools.PageBranding(ctx, p.ID, clientID)
	if err != nil {
		return classic, managed, err
	}
	if uiOK {
		if len(ui.Image) > 0 {
			classic.LogoURL, _ = hostedui.LogoDataURI(ui.Image)
		}
		// Checked when it was set; BrandingCSS checks it again.
		if classic.CSS, err = hostedui.BrandingCSS(hostedui.Theme{}, ui.CSS); err != nil {
			return classic, managed, err
		}
	}
	if styleOK {
		if managed.CSS, err = hostedui.BrandingCSS(hostedui.ThemeFromSettings(style.Settings), ""); err != nil {
			return classic, managed, err
		}
		if logo := styleLogo(style.Assets); logo != nil {
			managed.LogoURL, _ = hostedui.LogoDataURI(logo)
		}
	}
	return classic, managed, nil
}

// styleLogo picks the logo of a branding style: the form logo, else the
// page header logo, for light or browser-adaptive mode.
func styleLogo(assets []userpool.BrandingAsset) []byte {
	for _, category := range []string{"FORM_LOGO", "PAGE_HEADER_LOGO"} {
		for _, a := range assets {
			if a.Category == category && (a.ColorMode == "LIGHT" || a.ColorMode == "DYNAMIC") && len(a.Bytes) > 0 {
				return a.Bytes
			}
		}
	}
	return nil
}

// termsLabels are the link texts of the terms documents.
var termsLabels = map[string]string{"terms-of-use": "Terms of use", "privacy-policy": "Privacy policy"}

// terms returns the links of a client's terms documents, terms of use
// first, in English (the pages' language) or else the default language.
func (s oauthSite) terms(ctx context.Context, poolID, clientID string) ([]hostedui.Link, error) {
	docs, err := s.pools.ClientTerms(ctx, poolID, clientID)
	if err != nil {
		return nil, err
	}
	var out []hostedui.Link
	for _, name := range []string{"terms-of-use", "privacy-policy"} {
		for _, t := range docs {
			if t.Name != name {
				continue
			}
			u := t.Links["cognito:english"]
			if u == "" {
				u = t.Links["cognito:default"]
			}
			if u != "" {
				out = append(out, hostedui.Link{Label: termsLabels[name], URL: u})
			}
		}
	}
	return out, nil
}

// pageRules gives userpool the pages' rules on branding (userpool.PageRules).
type pageRules struct{}

func (pageRules) CheckCSS(css string) error { return hostedui.CheckCSS(css) }
func (pageRules) CheckImage(img []byte) error {
	_, err := hostedui.LogoDataURI(img)
	return err
}
