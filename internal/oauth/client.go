package oauth

import (
	"context"
	"crypto/subtle"
	"slices"
	"time"
)

// Flow is a value of an app client's AllowedOAuthFlows.
type Flow string

// OAuth flows (OAuthFlowType).
const (
	FlowCode              Flow = "code"
	FlowImplicit          Flow = "implicit"
	FlowClientCredentials Flow = "client_credentials"
)

// ProviderCognito is the SupportedIdentityProviders name of the pool's own
// users (the login page).
const ProviderCognito = "COGNITO"

// Client is what the authorization server needs to know of an app client:
// the OAuth fields of UserPoolClientType plus the secrets valid right now.
// The server builds it from userpool's client (server/oauthsite.go).
type Client struct {
	PoolID string
	ID     string
	// Secrets are every client secret valid at this moment (one, or several
	// while a rotation is under way: Add/DeleteUserPoolClientSecret). Empty
	// for a public client.
	Secrets []string
	// OAuthEnabled is AllowedOAuthFlowsUserPoolClient.
	OAuthEnabled bool
	// Flows is AllowedOAuthFlows.
	Flows []Flow
	// Scopes is AllowedOAuthScopes, in the client's order.
	Scopes []string
	// CallbackURLs and LogoutURLs are matched exactly (byte for byte).
	CallbackURLs []string
	LogoutURLs   []string
	// DefaultRedirectURI stands in for a missing redirect_uri (UNCONFIRMED,
	// spec §20.3).
	DefaultRedirectURI string
	// IdentityProviders is SupportedIdentityProviders.
	IdentityProviders []string
	// RevocationEnabled is EnableTokenRevocation (default true).
	RevocationEnabled bool
	// AccessTTL is the access token lifetime, the token response's
	// expires_in.
	AccessTTL time.Duration
}

// ClientSource finds app clients by ID (client IDs are unique across
// pools). It returns (Client{}, false, nil) for an unknown client.
type ClientSource interface {
	OAuthClient(ctx context.Context, clientID string) (Client, bool, error)
}

// Public reports whether the client has no secret.
func (c Client) Public() bool { return len(c.Secrets) == 0 }

// Allows reports whether the client may use flow f: OAuth must be enabled
// and f listed.
func (c Client) Allows(f Flow) bool { return c.OAuthEnabled && slices.Contains(c.Flows, f) }

// SupportsProvider reports whether name is one of the client's
// SupportedIdentityProviders.
func (c Client) SupportsProvider(name string) bool {
	return slices.Contains(c.IdentityProviders, name)
}

// CheckSecret reports whether secret is one of the client's valid secrets.
// Every secret is compared in constant time, and all of them always are, so
// the answer's timing does not tell which one matched.
func (c Client) CheckSecret(secret string) bool {
	ok := 0
	for _, s := range c.Secrets {
		ok |= subtle.ConstantTimeCompare([]byte(s), []byte(secret))
	}
	return ok == 1 && secret != ""
}
