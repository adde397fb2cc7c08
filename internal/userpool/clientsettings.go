package userpool

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// ClientSettings is an app client's configuration: the document
// storage.Client.Config holds. Its members are UserPoolClientType's
// settings under Cognito's wire names and shapes; the client's pool, ID,
// name, secret and dates live in the record instead. As with Settings,
// every member the wire has is here with the same optionality, so the
// document decodes and encodes without loss (apiserver's
// TestClientDocumentReaders checks it).
//
// ClientSettings may be shared between requests (see Client): treat a
// loaded one as read-only.
type ClientSettings struct {
	RefreshTokenValidity       *int32              `json:"RefreshTokenValidity,omitzero"`
	AccessTokenValidity        *int32              `json:"AccessTokenValidity,omitzero"`
	IdTokenValidity            *int32              `json:"IdTokenValidity,omitzero"`
	TokenValidityUnits         *TokenValidityUnits `json:"TokenValidityUnits,omitzero"`
	ReadAttributes             []string            `json:"ReadAttributes,omitzero"`
	WriteAttributes            []string            `json:"WriteAttributes,omitzero"`
	ExplicitAuthFlows          []ExplicitAuthFlow  `json:"ExplicitAuthFlows,omitzero"`
	SupportedIdentityProviders []string            `json:"SupportedIdentityProviders,omitzero"`
	CallbackURLs               []string            `json:"CallbackURLs,omitzero"`
	LogoutURLs                 []string            `json:"LogoutURLs,omitzero"`
	DefaultRedirectURI         *string             `json:"DefaultRedirectURI,omitzero"`
	// AllowedOAuthFlows are code, implicit and client_credentials.
	AllowedOAuthFlows               []string `json:"AllowedOAuthFlows,omitzero"`
	AllowedOAuthScopes              []string `json:"AllowedOAuthScopes,omitzero"`
	AllowedOAuthFlowsUserPoolClient *bool    `json:"AllowedOAuthFlowsUserPoolClient,omitzero"`
	// AnalyticsConfiguration is kept as given.
	AnalyticsConfiguration                   json.RawMessage       `json:"AnalyticsConfiguration,omitzero"`
	PreventUserExistenceErrors               *string               `json:"PreventUserExistenceErrors,omitzero"` // LEGACY or ENABLED
	EnableTokenRevocation                    *bool                 `json:"EnableTokenRevocation,omitzero"`
	EnablePropagateAdditionalUserContextData *bool                 `json:"EnablePropagateAdditionalUserContextData,omitzero"`
	AuthSessionValidity                      *int32                `json:"AuthSessionValidity,omitzero"` // minutes
	RefreshTokenRotation                     *RefreshTokenRotation `json:"RefreshTokenRotation,omitzero"`
}

// TokenValidityUnits is TokenValidityUnitsType: seconds, minutes, hours or
// days.
type TokenValidityUnits struct {
	AccessToken  *string `json:"AccessToken,omitzero"`
	IdToken      *string `json:"IdToken,omitzero"`
	RefreshToken *string `json:"RefreshToken,omitzero"`
}

// RefreshTokenRotation is RefreshTokenRotationType.
type RefreshTokenRotation struct {
	Feature                 *string `json:"Feature,omitzero"` // ENABLED or DISABLED
	RetryGracePeriodSeconds *int32  `json:"RetryGracePeriodSeconds,omitzero"`
}

// DecodeClientSettings reads a client's ClientSettings.
func DecodeClientSettings(c storage.Client) (*ClientSettings, error) {
	return decodeDocument[ClientSettings](c.Config, "client", c.ID)
}

// ExplicitAuthFlow is a value of an app client's ExplicitAuthFlows
// (ExplicitAuthFlowsType): the sign-in flows the client permits.
type ExplicitAuthFlow string

// The ALLOW_ flows, and the legacy names some clients still carry.
const (
	AllowUserPasswordAuth      ExplicitAuthFlow = "ALLOW_USER_PASSWORD_AUTH"
	AllowAdminUserPasswordAuth ExplicitAuthFlow = "ALLOW_ADMIN_USER_PASSWORD_AUTH"
	AllowUserSRPAuth           ExplicitAuthFlow = "ALLOW_USER_SRP_AUTH"
	AllowRefreshTokenAuth      ExplicitAuthFlow = "ALLOW_REFRESH_TOKEN_AUTH"
	AllowCustomAuth            ExplicitAuthFlow = "ALLOW_CUSTOM_AUTH"
	AllowUserAuth              ExplicitAuthFlow = "ALLOW_USER_AUTH"

	LegacyAdminNoSRPAuth     ExplicitAuthFlow = "ADMIN_NO_SRP_AUTH"
	LegacyUserPasswordAuth   ExplicitAuthFlow = "USER_PASSWORD_AUTH"
	LegacyCustomAuthFlowOnly ExplicitAuthFlow = "CUSTOM_AUTH_FLOW_ONLY"
)

// IsLegacy reports whether f is one of the legacy names (no ALLOW_ prefix).
func (f ExplicitAuthFlow) IsLegacy() bool { return !strings.HasPrefix(string(f), "ALLOW_") }

// legacyFlows maps ALLOW_ flows to the legacy name that permits them too.
var legacyFlows = map[ExplicitAuthFlow]ExplicitAuthFlow{
	AllowAdminUserPasswordAuth: LegacyAdminNoSRPAuth,
	AllowUserPasswordAuth:      LegacyUserPasswordAuth,
	AllowCustomAuth:            LegacyCustomAuthFlowOnly,
}

// DefaultAuthFlows are the flows of a client created without
// ExplicitAuthFlows.
var DefaultAuthFlows = []ExplicitAuthFlow{AllowRefreshTokenAuth, AllowUserSRPAuth, AllowCustomAuth}

// AllowsFlow reports whether the client permits an ALLOW_ flow, honouring
// the legacy names.
func (c *ClientSettings) AllowsFlow(flow ExplicitAuthFlow) bool {
	flows := c.ExplicitAuthFlows
	if flows == nil {
		flows = DefaultAuthFlows
	}
	if slices.Contains(flows, flow) {
		return true
	}
	if l, ok := legacyFlows[flow]; ok && slices.Contains(flows, l) {
		return true
	}
	// Legacy clients (no ALLOW_ values) always allowed SRP and refresh.
	hasAllow := slices.ContainsFunc(flows, func(f ExplicitAuthFlow) bool { return !f.IsLegacy() })
	return !hasAllow && (flow == AllowUserSRPAuth || flow == AllowRefreshTokenAuth)
}

func validity(v *int32, unit *string, defUnit string, def time.Duration) time.Duration {
	if v == nil || *v == 0 {
		return def
	}
	u := str(unit)
	if u == "" {
		u = defUnit
	}
	n := time.Duration(*v)
	switch u {
	case "seconds":
		return n * time.Second
	case "minutes":
		return n * time.Minute
	case "hours":
		return n * time.Hour
	default:
		return n * 24 * time.Hour
	}
}

// units returns the client's TokenValidityUnits (never nil).
func (c *ClientSettings) units() TokenValidityUnits {
	if c.TokenValidityUnits == nil {
		return TokenValidityUnits{}
	}
	return *c.TokenValidityUnits
}

// AccessTTL is the lifetime of access tokens (default 1 hour; the
// default unit is hours).
func (c *ClientSettings) AccessTTL() time.Duration {
	return validity(c.AccessTokenValidity, c.units().AccessToken, "hours", time.Hour)
}

// IDTTL is the lifetime of ID tokens (default 1 hour).
func (c *ClientSettings) IDTTL() time.Duration {
	return validity(c.IdTokenValidity, c.units().IdToken, "hours", time.Hour)
}

// RefreshTTL is the lifetime of refresh tokens (default 30 days;
// 0 means the default; the default unit is days).
func (c *ClientSettings) RefreshTTL() time.Duration {
	return validity(c.RefreshTokenValidity, c.units().RefreshToken, "days", 30*24*time.Hour)
}

// SessionValidity is how long each sign-in challenge may take (3 minutes by
// default).
func (c *ClientSettings) SessionValidity() time.Duration {
	if c.AuthSessionValidity == nil || *c.AuthSessionValidity == 0 {
		return 3 * time.Minute
	}
	return time.Duration(*c.AuthSessionValidity) * time.Minute
}

// HidesUserExistence reports PreventUserExistenceErrors=ENABLED.
func (c *ClientSettings) HidesUserExistence() bool {
	return str(c.PreventUserExistenceErrors) == "ENABLED"
}

// PropagatesUserContext reports EnablePropagateAdditionalUserContextData.
func (c *ClientSettings) PropagatesUserContext() bool {
	return flag(c.EnablePropagateAdditionalUserContextData)
}

// RevocationEnabled reports whether token revocation is on (the default).
func (c *ClientSettings) RevocationEnabled() bool {
	return c.EnableTokenRevocation == nil || *c.EnableTokenRevocation
}

// RotatesRefreshTokens reports RefreshTokenRotation.Feature ENABLED: a
// refresh returns a new refresh token (GetTokensFromRefreshToken only).
func (c *ClientSettings) RotatesRefreshTokens() bool {
	return c.RefreshTokenRotation != nil && str(c.RefreshTokenRotation.Feature) == "ENABLED"
}

// RefreshGracePeriod is how long a rotated-out refresh token may still be
// exchanged (RetryGracePeriodSeconds; 0 by default).
func (c *ClientSettings) RefreshGracePeriod() time.Duration {
	if c.RefreshTokenRotation == nil {
		return 0
	}
	return time.Duration(deref(c.RefreshTokenRotation.RetryGracePeriodSeconds)) * time.Second
}
