package userpool

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/storage"
)

// Settings is the part of a pool's configuration document that the domain
// acts on. Member names are Cognito's wire names, so it decodes directly from
// storage.Pool.Config; members it does not name are left to the API layer.
type Settings struct {
	Policies *struct {
		PasswordPolicy *PasswordPolicy `json:"PasswordPolicy,omitempty"`
		SignInPolicy   *struct {
			AllowedFirstAuthFactors []AuthFactor `json:"AllowedFirstAuthFactors,omitempty"`
		} `json:"SignInPolicy,omitempty"`
	} `json:"Policies,omitempty"`
	DeletionProtection     string                         `json:"DeletionProtection,omitempty"`
	AutoVerifiedAttributes []string                       `json:"AutoVerifiedAttributes,omitempty"`
	AliasAttributes        []string                       `json:"AliasAttributes,omitempty"`
	UsernameAttributes     []string                       `json:"UsernameAttributes,omitempty"`
	UsernameConfiguration  *struct{ CaseSensitive *bool } `json:"UsernameConfiguration,omitempty"`
	SchemaAttributes       []SchemaAttribute              `json:"SchemaAttributes,omitempty"`

	SmsVerificationMessage      string `json:"SmsVerificationMessage,omitempty"`
	EmailVerificationMessage    string `json:"EmailVerificationMessage,omitempty"`
	EmailVerificationSubject    string `json:"EmailVerificationSubject,omitempty"`
	SmsAuthenticationMessage    string `json:"SmsAuthenticationMessage,omitempty"`
	VerificationMessageTemplate *struct {
		SmsMessage         string `json:"SmsMessage,omitempty"`
		EmailMessage       string `json:"EmailMessage,omitempty"`
		EmailSubject       string `json:"EmailSubject,omitempty"`
		EmailMessageByLink string `json:"EmailMessageByLink,omitempty"`
		EmailSubjectByLink string `json:"EmailSubjectByLink,omitempty"`
		DefaultEmailOption string `json:"DefaultEmailOption,omitempty"`
	} `json:"VerificationMessageTemplate,omitempty"`
	UserAttributeUpdateSettings *struct {
		AttributesRequireVerificationBeforeUpdate []string `json:"AttributesRequireVerificationBeforeUpdate"`
	} `json:"UserAttributeUpdateSettings,omitempty"`

	MfaConfiguration              mfa.Mode         `json:"MfaConfiguration,omitempty"`
	SmsConfiguration              *json.RawMessage `json:"SmsConfiguration,omitempty"`
	SoftwareTokenMfaConfiguration *struct {
		Enabled bool `json:"Enabled"`
	} `json:"SoftwareTokenMfaConfiguration,omitempty"`
	// SmsMfaEnabled records that SetUserPoolMfaConfig enabled SMS MFA (the
	// SmsMfaConfiguration block); SMS MFA is on when it is set.
	SmsMfaConfiguration *struct {
		SmsAuthenticationMessage string           `json:"SmsAuthenticationMessage,omitempty"`
		SmsConfiguration         *json.RawMessage `json:"SmsConfiguration,omitempty"`
	} `json:"SmsMfaConfiguration,omitempty"`
	EmailMfaConfiguration *struct {
		Message string `json:"Message,omitempty"`
		Subject string `json:"Subject,omitempty"`
	} `json:"EmailMfaConfiguration,omitempty"`
	WebAuthnConfiguration *struct {
		RelyingPartyId      string `json:"RelyingPartyId,omitempty"`
		UserVerification    string `json:"UserVerification,omitempty"`
		FactorConfiguration string `json:"FactorConfiguration,omitempty"`
	} `json:"WebAuthnConfiguration,omitempty"`

	DeviceConfiguration *DeviceConfiguration `json:"DeviceConfiguration,omitempty"`
	EmailConfiguration  *struct {
		SourceArn           string `json:"SourceArn,omitempty"`
		ReplyToEmailAddress string `json:"ReplyToEmailAddress,omitempty"`
		EmailSendingAccount string `json:"EmailSendingAccount,omitempty"`
		From                string `json:"From,omitempty"`
	} `json:"EmailConfiguration,omitempty"`
	AdminCreateUserConfig *struct {
		AllowAdminCreateUserOnly  bool   `json:"AllowAdminCreateUserOnly"`
		UnusedAccountValidityDays *int32 `json:"UnusedAccountValidityDays,omitempty"`
		InviteMessageTemplate     *struct {
			SMSMessage   string `json:"SMSMessage,omitempty"`
			EmailMessage string `json:"EmailMessage,omitempty"`
			EmailSubject string `json:"EmailSubject,omitempty"`
		} `json:"InviteMessageTemplate,omitempty"`
	} `json:"AdminCreateUserConfig,omitempty"`
	UserPoolAddOns *struct {
		AdvancedSecurityMode string `json:"AdvancedSecurityMode"`
	} `json:"UserPoolAddOns,omitempty"`
	AccountRecoverySetting *struct {
		RecoveryMechanisms []struct {
			Name     string `json:"Name"`
			Priority int    `json:"Priority"`
		} `json:"RecoveryMechanisms"`
	} `json:"AccountRecoverySetting,omitempty"`
	UserPoolTier Tier `json:"UserPoolTier,omitempty"`
}

// AuthFactor is a factor a user may sign in with first (AuthFactorType), in
// SignInPolicy.AllowedFirstAuthFactors.
type AuthFactor string

// The first factors.
const (
	AuthFactorPassword AuthFactor = "PASSWORD"
	AuthFactorEmailOTP AuthFactor = "EMAIL_OTP"
	AuthFactorSMSOTP   AuthFactor = "SMS_OTP"
	AuthFactorWebAuthn AuthFactor = "WEB_AUTHN"
)

// PasswordPolicy is the pool's password policy (PasswordPolicyType).
type PasswordPolicy struct {
	MinimumLength                 *int32 `json:"MinimumLength,omitempty"`
	RequireUppercase              bool   `json:"RequireUppercase"`
	RequireLowercase              bool   `json:"RequireLowercase"`
	RequireNumbers                bool   `json:"RequireNumbers"`
	RequireSymbols                bool   `json:"RequireSymbols"`
	PasswordHistorySize           *int32 `json:"PasswordHistorySize,omitempty"`
	TemporaryPasswordValidityDays *int32 `json:"TemporaryPasswordValidityDays,omitempty"`
}

// DeviceConfiguration is the pool's device tracking setting.
type DeviceConfiguration struct {
	ChallengeRequiredOnNewDevice     bool `json:"ChallengeRequiredOnNewDevice"`
	DeviceOnlyRememberedOnUserPrompt bool `json:"DeviceOnlyRememberedOnUserPrompt"`
}

// DecodeSettings reads the Settings view of a pool.
func DecodeSettings(p storage.Pool) (*Settings, error) {
	s := new(Settings)
	if len(p.Config) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(p.Config, s); err != nil {
		return nil, fmt.Errorf("userpool: pool %s has an unreadable configuration: %w", p.ID, err)
	}
	return s, nil
}

// CaseSensitive reports whether usernames (and the email and
// preferred_username aliases) are case sensitive. Without a
// UsernameConfiguration Cognito is case sensitive.
func (s *Settings) CaseSensitive() bool {
	if s.UsernameConfiguration == nil || s.UsernameConfiguration.CaseSensitive == nil {
		return true
	}
	return *s.UsernameConfiguration.CaseSensitive
}

// UsernameKey is the storage lookup key of a username in this pool.
func (s *Settings) UsernameKey(username string) string {
	if s.CaseSensitive() {
		return username
	}
	return strings.ToLower(username)
}

// IsUsernameAttribute reports whether attr (email or phone_number) is used as
// the username.
func (s *Settings) IsUsernameAttribute(attr string) bool {
	return slices.Contains(s.UsernameAttributes, attr)
}

// IsAlias reports whether users can sign in with attr (an alias attribute or
// a username attribute).
func (s *Settings) IsAlias(attr string) bool {
	return slices.Contains(s.AliasAttributes, attr) || slices.Contains(s.UsernameAttributes, attr)
}

// AutoVerifies reports whether attr (email or phone_number) is verified by
// a code sent at sign-up.
func (s *Settings) AutoVerifies(attr string) bool {
	return slices.Contains(s.AutoVerifiedAttributes, attr)
}

// MFAMode returns the pool's MFA mode (OFF when unset).
func (s *Settings) MFAMode() mfa.Mode {
	if s.MfaConfiguration == "" {
		return mfa.ModeOff
	}
	return s.MfaConfiguration
}

// SMSMFAEnabled reports whether the pool offers SMS MFA: MFA is not OFF and
// the pool has an SmsMfaConfiguration. A pool-level SmsConfiguration alone
// does not count: SetUserPoolMfaConfig replaces the factor set, so a pool
// created with SmsConfiguration and then given TOTP only offers TOTP only
// (spec §6.2). (CreateUserPool with MFA on and an SmsConfiguration records
// the SMS factor as an SmsMfaConfiguration.)
func (s *Settings) SMSMFAEnabled() bool {
	return s.MFAMode() != mfa.ModeOff && s.SmsMfaConfiguration != nil
}

// TOTPEnabled reports whether the pool offers software-token MFA.
func (s *Settings) TOTPEnabled() bool {
	return s.MFAMode() != mfa.ModeOff && s.SoftwareTokenMfaConfiguration != nil && s.SoftwareTokenMfaConfiguration.Enabled
}

// EmailMFAEnabled reports whether the pool offers email MFA.
func (s *Settings) EmailMFAEnabled() bool {
	return s.MFAMode() != mfa.ModeOff && s.EmailMfaConfiguration != nil
}

// Tier returns the pool's tier (ESSENTIALS when unset).
func (s *Settings) Tier() Tier {
	if s.UserPoolTier == "" {
		return TierEssentials
	}
	return s.UserPoolTier
}

// MFA returns what package mfa's rules need of the pool: its mode and the
// factors it offers, with the tier applied (email and passkey MFA need
// FeatureEmailMFA and FeaturePasskeyMFA).
func (s *Settings) MFA() mfa.Pool {
	w := s.WebAuthnConfiguration
	return mfa.Pool{
		Mode:  s.MFAMode(),
		SMS:   s.SMSMFAEnabled(),
		TOTP:  s.TOTPEnabled(),
		Email: s.EmailMFAEnabled() && s.Tier().Allows(FeatureEmailMFA),
		WebAuthn: w != nil && w.FactorConfiguration == "MULTI_FACTOR_WITH_USER_VERIFICATION" &&
			s.Tier().Allows(FeaturePasskeyMFA),
	}
}

// FirstAuthFactors returns the factors users may sign in with first, as the
// pool's SignInPolicy allows them and its tier lets them be chosen: none
// beyond PASSWORD without FeatureChoiceBasedAuth.
func (s *Settings) FirstAuthFactors() []AuthFactor {
	if s.Policies == nil || s.Policies.SignInPolicy == nil || !s.Tier().Allows(FeatureChoiceBasedAuth) {
		return nil
	}
	return s.Policies.SignInPolicy.AllowedFirstAuthFactors
}

// AdvancedSecurityMode returns OFF, AUDIT or ENFORCED.
func (s *Settings) AdvancedSecurityMode() string {
	if s.UserPoolAddOns == nil || s.UserPoolAddOns.AdvancedSecurityMode == "" {
		return "OFF"
	}
	return s.UserPoolAddOns.AdvancedSecurityMode
}

// DeviceTracking reports whether devices are tracked at all.
func (s *Settings) DeviceTracking() bool { return s.DeviceConfiguration != nil }

// TemporaryPasswordValidity is how long an admin-set temporary password
// stays usable.
func (s *Settings) TemporaryPasswordValidity() time.Duration {
	days := int32(7)
	if s.Policies != nil && s.Policies.PasswordPolicy != nil && s.Policies.PasswordPolicy.TemporaryPasswordValidityDays != nil {
		days = *s.Policies.PasswordPolicy.TemporaryPasswordValidityDays
	}
	if days == 0 {
		days = 7
	}
	return time.Duration(days) * 24 * time.Hour
}

// Attribute returns the schema attribute called name, or nil.
func (s *Settings) Attribute(name string) *SchemaAttribute {
	for i := range s.SchemaAttributes {
		if s.SchemaAttributes[i].Name == name {
			return &s.SchemaAttributes[i]
		}
	}
	return nil
}

// ClientSettings is the part of an app client's configuration document the
// domain acts on.
type ClientSettings struct {
	ExplicitAuthFlows    []ExplicitAuthFlow `json:"ExplicitAuthFlows,omitempty"`
	RefreshTokenValidity *int32             `json:"RefreshTokenValidity,omitempty"`
	AccessTokenValidity  *int32             `json:"AccessTokenValidity,omitempty"`
	IdTokenValidity      *int32             `json:"IdTokenValidity,omitempty"`
	TokenValidityUnits   *struct {
		AccessToken  string `json:"AccessToken,omitempty"`
		IdToken      string `json:"IdToken,omitempty"`
		RefreshToken string `json:"RefreshToken,omitempty"`
	} `json:"TokenValidityUnits,omitempty"`
	ReadAttributes             []string `json:"ReadAttributes,omitempty"`
	WriteAttributes            []string `json:"WriteAttributes,omitempty"`
	AllowedOAuthScopes         []string `json:"AllowedOAuthScopes,omitempty"`
	PreventUserExistenceErrors string   `json:"PreventUserExistenceErrors,omitempty"`
	EnableTokenRevocation      *bool    `json:"EnableTokenRevocation,omitempty"`
	AuthSessionValidity        *int32   `json:"AuthSessionValidity,omitempty"`

	EnablePropagateAdditionalUserContextData *bool `json:"EnablePropagateAdditionalUserContextData,omitempty"`
	RefreshTokenRotation                     *struct {
		Feature                 string `json:"Feature,omitempty"`
		RetryGracePeriodSeconds *int32 `json:"RetryGracePeriodSeconds,omitempty"`
	} `json:"RefreshTokenRotation,omitempty"`
}

// DecodeClientSettings reads the ClientSettings view of a client.
func DecodeClientSettings(c storage.Client) (*ClientSettings, error) {
	s := new(ClientSettings)
	if len(c.Config) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(c.Config, s); err != nil {
		return nil, fmt.Errorf("userpool: client %s has an unreadable configuration: %w", c.ID, err)
	}
	return s, nil
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

func validity(v *int32, unit string, defUnit string, def time.Duration) time.Duration {
	if v == nil || *v == 0 {
		return def
	}
	if unit == "" {
		unit = defUnit
	}
	n := time.Duration(*v)
	switch unit {
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

// AccessTTL is the lifetime of access tokens (default 1 hour; the
// default unit is hours).
func (c *ClientSettings) AccessTTL() time.Duration {
	unit := ""
	if c.TokenValidityUnits != nil {
		unit = c.TokenValidityUnits.AccessToken
	}
	return validity(c.AccessTokenValidity, unit, "hours", time.Hour)
}

// IDTTL is the lifetime of ID tokens (default 1 hour).
func (c *ClientSettings) IDTTL() time.Duration {
	unit := ""
	if c.TokenValidityUnits != nil {
		unit = c.TokenValidityUnits.IdToken
	}
	return validity(c.IdTokenValidity, unit, "hours", time.Hour)
}

// RefreshTTL is the lifetime of refresh tokens (default 30 days;
// 0 means the default; the default unit is days).
func (c *ClientSettings) RefreshTTL() time.Duration {
	unit := ""
	if c.TokenValidityUnits != nil {
		unit = c.TokenValidityUnits.RefreshToken
	}
	return validity(c.RefreshTokenValidity, unit, "days", 30*24*time.Hour)
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
func (c *ClientSettings) HidesUserExistence() bool { return c.PreventUserExistenceErrors == "ENABLED" }

// PropagatesUserContext reports EnablePropagateAdditionalUserContextData.
func (c *ClientSettings) PropagatesUserContext() bool {
	return c.EnablePropagateAdditionalUserContextData != nil && *c.EnablePropagateAdditionalUserContextData
}

// RevocationEnabled reports whether token revocation is on (the default).
func (c *ClientSettings) RevocationEnabled() bool {
	return c.EnableTokenRevocation == nil || *c.EnableTokenRevocation
}
