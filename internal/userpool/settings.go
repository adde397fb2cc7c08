package userpool

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/risk"
	"github.com/userpoold/userpoold/internal/storage"
)

// Settings is a pool's configuration: the document storage.Pool.Config
// holds. Its members are UserPoolType's settings under Cognito's wire names
// and shapes, plus the MFA factor blocks SetUserPoolMfaConfig manages,
// which UserPoolType does not carry; the pool's identity, dates, user count
// and tags live in the record instead, and the members AWS computes
// (Domain, CustomDomain, the configuration failures, the deprecated Status)
// are not stored.
//
// This package writes the document (CreatePool, UpdatePool, SetMFAConfig,
// AddCustomAttributes) and reads it; the API layer reads it too, as
// cognitoidp.UserPoolType, to render DescribeUserPool. So Settings has every
// member the wire has, with the same optionality (a pointer where the wire
// may leave a member out): a document decodes and encodes without loss
// (apiserver's TestPoolDocumentReaders checks this against the wire type).
// Members this package applies no rule to are kept as raw JSON.
//
// Settings may be shared between requests (see Pool): treat a loaded one
// as read-only.
type Settings struct {
	Policies                    *PoolPolicies                `json:"Policies,omitzero"`
	DeletionProtection          *string                      `json:"DeletionProtection,omitzero"` // ACTIVE or INACTIVE
	LambdaConfig                *LambdaConfig                `json:"LambdaConfig,omitzero"`
	SchemaAttributes            []SchemaAttribute            `json:"SchemaAttributes,omitzero"`
	AutoVerifiedAttributes      []string                     `json:"AutoVerifiedAttributes,omitzero"`
	AliasAttributes             []string                     `json:"AliasAttributes,omitzero"`
	UsernameAttributes          []string                     `json:"UsernameAttributes,omitzero"`
	SmsVerificationMessage      *string                      `json:"SmsVerificationMessage,omitzero"`
	EmailVerificationMessage    *string                      `json:"EmailVerificationMessage,omitzero"`
	EmailVerificationSubject    *string                      `json:"EmailVerificationSubject,omitzero"`
	VerificationMessageTemplate *VerificationMessageTemplate `json:"VerificationMessageTemplate,omitzero"`
	SmsAuthenticationMessage    *string                      `json:"SmsAuthenticationMessage,omitzero"`
	UserAttributeUpdateSettings *UserAttributeUpdateSettings `json:"UserAttributeUpdateSettings,omitzero"`
	MfaConfiguration            *mfa.Mode                    `json:"MfaConfiguration,omitzero"`
	DeviceConfiguration         *DeviceConfiguration         `json:"DeviceConfiguration,omitzero"`
	EmailConfiguration          *EmailConfiguration          `json:"EmailConfiguration,omitzero"`
	// SmsConfiguration is SmsConfigurationType (SNS caller role and
	// region), which userpoold does not use to send.
	SmsConfiguration       json.RawMessage         `json:"SmsConfiguration,omitzero"`
	AdminCreateUserConfig  *AdminCreateUserConfig  `json:"AdminCreateUserConfig,omitzero"`
	UserPoolAddOns         *UserPoolAddOns         `json:"UserPoolAddOns,omitzero"`
	UsernameConfiguration  *UsernameConfiguration  `json:"UsernameConfiguration,omitzero"`
	AccountRecoverySetting *AccountRecoverySetting `json:"AccountRecoverySetting,omitzero"`
	UserPoolTier           *Tier                   `json:"UserPoolTier,omitzero"`
	// KeyConfiguration and IssuerConfiguration are kept as given.
	KeyConfiguration    json.RawMessage `json:"KeyConfiguration,omitzero"`
	IssuerConfiguration json.RawMessage `json:"IssuerConfiguration,omitzero"`

	// The MFA factors the pool offers (SetUserPoolMfaConfig; see MFAConfig).
	SmsMfaConfiguration           *SmsMfaConfig           `json:"SmsMfaConfiguration,omitzero"`
	SoftwareTokenMfaConfiguration *SoftwareTokenMfaConfig `json:"SoftwareTokenMfaConfiguration,omitzero"`
	EmailMfaConfiguration         *EmailMfaConfig         `json:"EmailMfaConfiguration,omitzero"`
	WebAuthnConfiguration         *WebAuthnConfiguration  `json:"WebAuthnConfiguration,omitzero"`
}

// PoolPolicies is UserPoolPolicyType.
type PoolPolicies struct {
	PasswordPolicy *PasswordPolicy `json:"PasswordPolicy,omitzero"`
	SignInPolicy   *SignInPolicy   `json:"SignInPolicy,omitzero"`
}

// PasswordPolicy is PasswordPolicyType.
type PasswordPolicy struct {
	MinimumLength                 *int32 `json:"MinimumLength,omitzero"`
	RequireUppercase              *bool  `json:"RequireUppercase,omitzero"`
	RequireLowercase              *bool  `json:"RequireLowercase,omitzero"`
	RequireNumbers                *bool  `json:"RequireNumbers,omitzero"`
	RequireSymbols                *bool  `json:"RequireSymbols,omitzero"`
	PasswordHistorySize           *int32 `json:"PasswordHistorySize,omitzero"`
	TemporaryPasswordValidityDays *int32 `json:"TemporaryPasswordValidityDays,omitzero"`
}

// SignInPolicy is SignInPolicyType.
type SignInPolicy struct {
	AllowedFirstAuthFactors []AuthFactor `json:"AllowedFirstAuthFactors,omitzero"`
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

// LambdaConfig is LambdaConfigType: the functions a pool's triggers invoke,
// by ARN.
type LambdaConfig struct {
	PreSignUp                   *string              `json:"PreSignUp,omitzero"`
	CustomMessage               *string              `json:"CustomMessage,omitzero"`
	PostConfirmation            *string              `json:"PostConfirmation,omitzero"`
	PreAuthentication           *string              `json:"PreAuthentication,omitzero"`
	PostAuthentication          *string              `json:"PostAuthentication,omitzero"`
	DefineAuthChallenge         *string              `json:"DefineAuthChallenge,omitzero"`
	CreateAuthChallenge         *string              `json:"CreateAuthChallenge,omitzero"`
	VerifyAuthChallengeResponse *string              `json:"VerifyAuthChallengeResponse,omitzero"`
	PreTokenGeneration          *string              `json:"PreTokenGeneration,omitzero"`
	UserMigration               *string              `json:"UserMigration,omitzero"`
	PreTokenGenerationConfig    *LambdaVersionConfig `json:"PreTokenGenerationConfig,omitzero"`
	CustomSMSSender             *LambdaVersionConfig `json:"CustomSMSSender,omitzero"`
	CustomEmailSender           *LambdaVersionConfig `json:"CustomEmailSender,omitzero"`
	KMSKeyID                    *string              `json:"KMSKeyID,omitzero"`
	// InboundFederation is InboundFederationLambdaType, kept as given.
	InboundFederation json.RawMessage `json:"InboundFederation,omitzero"`
}

// LambdaVersionConfig is a versioned trigger: PreTokenGenerationConfig
// (V1_0, V2_0, V3_0), CustomSMSSender and CustomEmailSender (V1_0).
type LambdaVersionConfig struct {
	LambdaVersion *string `json:"LambdaVersion,omitzero"`
	LambdaArn     *string `json:"LambdaArn,omitzero"`
}

// VerificationMessageTemplate is VerificationMessageTemplateType.
type VerificationMessageTemplate struct {
	SmsMessage         *string `json:"SmsMessage,omitzero"`
	EmailMessage       *string `json:"EmailMessage,omitzero"`
	EmailSubject       *string `json:"EmailSubject,omitzero"`
	EmailMessageByLink *string `json:"EmailMessageByLink,omitzero"`
	EmailSubjectByLink *string `json:"EmailSubjectByLink,omitzero"`
	DefaultEmailOption *string `json:"DefaultEmailOption,omitzero"` // CONFIRM_WITH_LINK or CONFIRM_WITH_CODE
}

// UserAttributeUpdateSettings is UserAttributeUpdateSettingsType.
type UserAttributeUpdateSettings struct {
	AttributesRequireVerificationBeforeUpdate []string `json:"AttributesRequireVerificationBeforeUpdate,omitzero"`
}

// DeviceConfiguration is DeviceConfigurationType: devices are tracked when
// the pool has one.
type DeviceConfiguration struct {
	ChallengeRequiredOnNewDevice     *bool `json:"ChallengeRequiredOnNewDevice,omitzero"`
	DeviceOnlyRememberedOnUserPrompt *bool `json:"DeviceOnlyRememberedOnUserPrompt,omitzero"`
}

// EmailConfiguration is EmailConfigurationType.
type EmailConfiguration struct {
	SourceArn           *string `json:"SourceArn,omitzero"`
	ReplyToEmailAddress *string `json:"ReplyToEmailAddress,omitzero"`
	EmailSendingAccount *string `json:"EmailSendingAccount,omitzero"` // COGNITO_DEFAULT or DEVELOPER
	From                *string `json:"From,omitzero"`
	ConfigurationSet    *string `json:"ConfigurationSet,omitzero"`
}

// AdminCreateUserConfig is AdminCreateUserConfigType.
type AdminCreateUserConfig struct {
	AllowAdminCreateUserOnly  *bool            `json:"AllowAdminCreateUserOnly,omitzero"`
	UnusedAccountValidityDays *int32           `json:"UnusedAccountValidityDays,omitzero"`
	InviteMessageTemplate     *MessageTemplate `json:"InviteMessageTemplate,omitzero"`
}

// MessageTemplate is MessageTemplateType.
type MessageTemplate struct {
	SMSMessage   *string `json:"SMSMessage,omitzero"`
	EmailMessage *string `json:"EmailMessage,omitzero"`
	EmailSubject *string `json:"EmailSubject,omitzero"`
}

// UserPoolAddOns is UserPoolAddOnsType.
type UserPoolAddOns struct {
	AdvancedSecurityMode *string `json:"AdvancedSecurityMode,omitzero"` // OFF, AUDIT or ENFORCED
	// AdvancedSecurityAdditionalFlows is kept as given.
	AdvancedSecurityAdditionalFlows json.RawMessage `json:"AdvancedSecurityAdditionalFlows,omitzero"`
}

// UsernameConfiguration is UsernameConfigurationType.
type UsernameConfiguration struct {
	CaseSensitive *bool `json:"CaseSensitive,omitzero"`
}

// AccountRecoverySetting is AccountRecoverySettingType.
type AccountRecoverySetting struct {
	RecoveryMechanisms []RecoveryOption `json:"RecoveryMechanisms,omitzero"`
}

// RecoveryOption is RecoveryOptionType: verified_email,
// verified_phone_number or admin_only, by Priority (lowest first).
type RecoveryOption struct {
	Priority *int32  `json:"Priority,omitzero"`
	Name     *string `json:"Name,omitzero"`
}

// SmsMfaConfig is SmsMfaConfigType.
type SmsMfaConfig struct {
	SmsAuthenticationMessage *string         `json:"SmsAuthenticationMessage,omitzero"`
	SmsConfiguration         json.RawMessage `json:"SmsConfiguration,omitzero"`
}

// SoftwareTokenMfaConfig is SoftwareTokenMfaConfigType.
type SoftwareTokenMfaConfig struct {
	Enabled *bool `json:"Enabled,omitzero"`
}

// EmailMfaConfig is EmailMfaConfigType.
type EmailMfaConfig struct {
	Message *string `json:"Message,omitzero"`
	Subject *string `json:"Subject,omitzero"`
}

// WebAuthnConfiguration is WebAuthnConfigurationType: the pool's passkey
// settings.
type WebAuthnConfiguration struct {
	RelyingPartyId      *string `json:"RelyingPartyId,omitzero"`
	UserVerification    *string `json:"UserVerification,omitzero"`    // required or preferred
	FactorConfiguration *string `json:"FactorConfiguration,omitzero"` // SINGLE_FACTOR_ONLY or MULTI_FACTOR_WITH_USER_VERIFICATION
}

// DecodeSettings reads a pool's Settings.
func DecodeSettings(p storage.Pool) (*Settings, error) {
	return decodeDocument[Settings](p.Config, "pool", p.ID)
}

// decodeDocument reads a stored settings document; an empty one is every
// member left out.
func decodeDocument[T any](doc []byte, what, id string) (*T, error) {
	v := new(T)
	if len(doc) == 0 {
		return v, nil
	}
	if err := json.Unmarshal(doc, v); err != nil {
		return nil, fmt.Errorf("userpool: %s %s has an unreadable configuration: %w", what, id, err)
	}
	return v, nil
}

// encode returns the document to store.
func (s *Settings) encode() (json.RawMessage, error) { return json.Marshal(s) }

// clone returns a deep copy of s (through its JSON form, which is lossless).
func (s *Settings) clone() (*Settings, error) {
	b, err := s.encode()
	if err != nil {
		return nil, err
	}
	c := new(Settings)
	return c, json.Unmarshal(b, c)
}

// str returns *p, or "" for nil.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// flag returns *p, or false for nil.
func flag(p *bool) bool { return p != nil && *p }

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

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

// AdminCreateOnly reports AdminCreateUserConfig.AllowAdminCreateUserOnly:
// SignUp is refused.
func (s *Settings) AdminCreateOnly() bool {
	return s.AdminCreateUserConfig != nil && flag(s.AdminCreateUserConfig.AllowAdminCreateUserOnly)
}

// MFAMode returns the pool's MFA mode (OFF when unset).
func (s *Settings) MFAMode() mfa.Mode {
	if s.MfaConfiguration == nil || *s.MfaConfiguration == "" {
		return mfa.ModeOff
	}
	return *s.MfaConfiguration
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
	return s.MFAMode() != mfa.ModeOff && s.SoftwareTokenMfaConfiguration != nil && flag(s.SoftwareTokenMfaConfiguration.Enabled)
}

// EmailMFAEnabled reports whether the pool offers email MFA.
func (s *Settings) EmailMFAEnabled() bool {
	return s.MFAMode() != mfa.ModeOff && s.EmailMfaConfiguration != nil
}

// Tier returns the pool's tier (ESSENTIALS when unset).
func (s *Settings) Tier() Tier {
	if s.UserPoolTier == nil || *s.UserPoolTier == "" {
		return TierEssentials
	}
	return *s.UserPoolTier
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
		WebAuthn: w != nil && str(w.FactorConfiguration) == "MULTI_FACTOR_WITH_USER_VERIFICATION" &&
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

// AdvancedSecurityMode returns risk.ModeOff, ModeAudit or ModeEnforced.
func (s *Settings) AdvancedSecurityMode() string {
	if s.UserPoolAddOns == nil || str(s.UserPoolAddOns.AdvancedSecurityMode) == "" {
		return risk.ModeOff
	}
	return *s.UserPoolAddOns.AdvancedSecurityMode
}

// ThreatProtection reports whether threat protection is on (AUDIT or
// ENFORCED).
func (s *Settings) ThreatProtection() bool { return s.AdvancedSecurityMode() != risk.ModeOff }

// DeviceTracking reports whether devices are tracked at all.
func (s *Settings) DeviceTracking() bool { return s.DeviceConfiguration != nil }

// ChallengeRequiredOnNewDevice reports DeviceConfiguration's member: a
// remembered device may stand in for MFA.
func (s *Settings) ChallengeRequiredOnNewDevice() bool {
	return s.DeviceConfiguration != nil && flag(s.DeviceConfiguration.ChallengeRequiredOnNewDevice)
}

// DeviceOnlyRememberedOnUserPrompt reports DeviceConfiguration's member: a
// confirmed device is remembered only when the user says so.
func (s *Settings) DeviceOnlyRememberedOnUserPrompt() bool {
	return s.DeviceConfiguration != nil && flag(s.DeviceConfiguration.DeviceOnlyRememberedOnUserPrompt)
}

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

// EmailSender returns the From and Reply-To addresses of the pool's email
// configuration ("" when unset).
func (s *Settings) EmailSender() (from, replyTo string) {
	if ec := s.EmailConfiguration; ec != nil {
		return str(ec.From), str(ec.ReplyToEmailAddress)
	}
	return "", ""
}

// recoveryOrder returns the attributes a password-reset code may go to, by
// the pool's AccountRecoverySetting priority (or Cognito's legacy order, a
// verified phone before a verified email, without one), and whether
// recovery is admin_only.
func (s *Settings) recoveryOrder() (attrs []string, adminOnly bool) {
	r := s.AccountRecoverySetting
	if r == nil || len(r.RecoveryMechanisms) == 0 {
		return []string{"phone_number", "email"}, false
	}
	ms := slices.Clone(r.RecoveryMechanisms)
	slices.SortStableFunc(ms, func(a, b RecoveryOption) int { return int(deref(a.Priority) - deref(b.Priority)) })
	for _, m := range ms {
		switch str(m.Name) {
		case "verified_email":
			attrs = append(attrs, "email")
		case "verified_phone_number":
			attrs = append(attrs, "phone_number")
		case "admin_only":
			return nil, true
		}
	}
	return attrs, false
}

// deref returns *p, or 0 for nil.
func deref(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}
