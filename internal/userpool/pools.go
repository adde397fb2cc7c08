package userpool

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file is the lifecycle of user pools: creation with Cognito's
// defaults and rules, updates, deletion, listing, custom attributes, tags
// and the MFA configuration (SetUserPoolMfaConfig).

// Keys makes the signing keys of a new pool without storing them;
// *token.Issuer implements it.
type Keys interface {
	NewKeys(poolID string) ([]storage.SigningKey, error)
}

// Pool configuration faults.
var (
	errAliasAndUsername = fault.New(fault.InvalidParameter, "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.")
	errMFANeedsSMS      = fault.New(fault.InvalidParameter, "SMS configuration and Auto verification for phone_number are required when MFA is required/optional")
	// errDeletionProtected: UNCONFIRMED wording.
	errDeletionProtected = fault.New(fault.InvalidParameter, "The user pool cannot be deleted because deletion protection is activated.")
	errTooManyTags       = fault.New(fault.InvalidParameter, "The number of tags on the user pool cannot exceed 50.")
	// MFA configuration faults (spec §6.2).
	errMFAOffWithFactors = fault.New(fault.InvalidParameter, "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.")
	errMFANoFactors      = fault.New(fault.InvalidParameter, "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.")
	// First-factor faults (spec §2, §3.3). SOFTWARE_TOKEN is refused as
	// the model says ("not currently supported as a first auth factor");
	// WEB_AUTHN alone is refused as an emulator citing AWS reports
	// (yulin#853), since registering a passkey needs a sign-in first.
	// UNCONFIRMED: both messages, and the WEB_AUTHN-alone rule.
	errSoftwareTokenFirstFactor = fault.New(fault.InvalidParameter, "SOFTWARE_TOKEN is not supported as a first authentication factor.")
	errWebAuthnOnlyFirstFactor  = fault.New(fault.InvalidParameter, "WEB_AUTHN cannot be the only allowed first authentication factor.")
)

// maxPoolTags is how many tags a pool may have.
const maxPoolTags = 50

// PoolInput is a CreateUserPool request.
type PoolInput struct {
	// ID is a fixed pool ID (bootstrap files declare one, so that an app's
	// configuration stays the same between runs); "" makes a new random one,
	// as CreateUserPool always does. A fixed ID must be the service's region,
	// an underscore and alphanumerics (CheckPoolID).
	ID   string
	Name string
	Tags map[string]string
	// Settings are the requested settings, in the shape of the stored
	// document; every setting they leave out gets Cognito's default.
	// SchemaAttributes is ignored: see Schema.
	Settings Settings
	// Schema is the requested schema: standard attributes to change and
	// custom attributes to add (BuildSchema).
	Schema []SchemaAttribute
}

// CreatePool creates a pool with Cognito's defaults filled in and its
// signing keys, in one write: a failure leaves neither behind.
func (s *Service) CreatePool(ctx context.Context, in PoolInput) (*Pool, error) {
	if len(in.Settings.AliasAttributes) > 0 && len(in.Settings.UsernameAttributes) > 0 {
		return nil, errAliasAndUsername
	}
	schema, err := BuildSchema(in.Schema)
	if err != nil {
		return nil, err
	}
	st := new(Settings)
	applyDefaults(st, in.Settings)
	st.SchemaAttributes = schema
	st.AliasAttributes = in.Settings.AliasAttributes
	st.UsernameAttributes = in.Settings.UsernameAttributes
	st.UsernameConfiguration = in.Settings.UsernameConfiguration
	syncSMSFactor(st)
	if err := checkPoolRules(st); err != nil {
		return nil, err
	}
	cfg, err := st.encode()
	if err != nil {
		return nil, err
	}
	id := in.ID
	if id == "" {
		if id, err = NewPoolID(s.rand(), s.Region); err != nil {
			return nil, err
		}
	} else if err := CheckPoolID(s.Region, id); err != nil {
		return nil, err
	}
	keys, err := s.Keys.NewKeys(id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p := storage.Pool{ID: id, Name: in.Name, CreatedAt: now, UpdatedAt: now, Config: cfg, Tags: maps.Clone(in.Tags)}
	if err := s.Pools.CreatePool(ctx, p, keys...); err != nil {
		if errors.Is(err, storage.ErrExists) {
			// Only a fixed ID can be taken (bootstrap); the cause stays
			// storage.ErrExists for errors.Is.
			return nil, fault.Wrap(fault.InvalidParameter, "A user pool with the ID "+id+" already exists.", err)
		}
		return nil, err
	}
	return &Pool{Pool: p, Settings: st}, nil
}

// PoolUpdate is an UpdateUserPool request.
type PoolUpdate struct {
	// Name and Tags replace the pool's when not nil.
	Name *string
	Tags map[string]string
	// Settings replace the pool's: every setting they leave out returns to
	// its default, as in Cognito. The schema, alias and username attributes
	// and username configuration cannot change; the tier stays when not
	// given; the MFA factors are SetMFAConfig's.
	Settings Settings
}

// UpdatePool replaces a pool's settings (see PoolUpdate).
func (s *Service) UpdatePool(ctx context.Context, id string, in PoolUpdate) error {
	if err := s.checkNoActiveImport(ctx, id); err != nil {
		return err
	}
	return s.updatePool(ctx, id, func(p *storage.Pool) error {
		old, err := DecodeSettings(*p)
		if err != nil {
			return err
		}
		st := &Settings{
			SmsMfaConfiguration:           old.SmsMfaConfiguration,
			SoftwareTokenMfaConfiguration: old.SoftwareTokenMfaConfiguration,
			EmailMfaConfiguration:         old.EmailMfaConfiguration,
			WebAuthnConfiguration:         old.WebAuthnConfiguration,
			UserPoolTier:                  old.UserPoolTier,
		}
		applyDefaults(st, in.Settings)
		st.SchemaAttributes = old.SchemaAttributes
		st.AliasAttributes = old.AliasAttributes
		st.UsernameAttributes = old.UsernameAttributes
		st.UsernameConfiguration = old.UsernameConfiguration
		if st.SmsMfaConfiguration != nil && st.SmsConfiguration != nil {
			st.SmsMfaConfiguration.SmsConfiguration = st.SmsConfiguration
		}
		syncSMSFactor(st)
		if err := checkPoolRules(st); err != nil {
			return err
		}
		if p.Config, err = st.encode(); err != nil {
			return err
		}
		if in.Name != nil {
			p.Name = *in.Name
		}
		if in.Tags != nil {
			p.Tags = maps.Clone(in.Tags)
		}
		p.UpdatedAt = s.now()
		return nil
	})
}

// applyDefaults fills st from in, with Cognito's defaults for every setting
// in leaves out (UpdateUserPool resets omitted settings the same way). It
// copies the members CreateUserPool and UpdateUserPool share; in's other
// members are the caller's. st's UserPoolTier stays when in has none.
func applyDefaults(st *Settings, in Settings) {
	st.Policies = in.Policies
	if st.Policies == nil {
		st.Policies = &PoolPolicies{}
	}
	if st.Policies.PasswordPolicy == nil {
		st.Policies.PasswordPolicy = &PasswordPolicy{
			MinimumLength: ptr(int32(8)), RequireUppercase: ptr(true), RequireLowercase: ptr(true),
			RequireNumbers: ptr(true), RequireSymbols: ptr(true),
		}
	}
	pp := st.Policies.PasswordPolicy
	if pp.MinimumLength == nil {
		pp.MinimumLength = ptr(int32(8))
	}
	for _, b := range []**bool{&pp.RequireUppercase, &pp.RequireLowercase, &pp.RequireNumbers, &pp.RequireSymbols} {
		if *b == nil {
			*b = ptr(false)
		}
	}
	if pp.TemporaryPasswordValidityDays == nil {
		pp.TemporaryPasswordValidityDays = ptr(int32(7))
	}
	if st.Policies.SignInPolicy == nil {
		st.Policies.SignInPolicy = &SignInPolicy{AllowedFirstAuthFactors: []AuthFactor{AuthFactorPassword}}
	}
	st.DeletionProtection = in.DeletionProtection
	if st.DeletionProtection == nil {
		st.DeletionProtection = ptr("INACTIVE")
	}
	st.LambdaConfig = in.LambdaConfig
	if st.LambdaConfig == nil {
		st.LambdaConfig = &LambdaConfig{}
	}
	st.AutoVerifiedAttributes = in.AutoVerifiedAttributes
	st.SmsAuthenticationMessage = in.SmsAuthenticationMessage

	// The legacy message members and VerificationMessageTemplate mirror each
	// other, as in Cognito.
	t := in.VerificationMessageTemplate
	if t == nil {
		t = &VerificationMessageTemplate{}
	}
	st.SmsVerificationMessage, st.EmailVerificationMessage, st.EmailVerificationSubject =
		in.SmsVerificationMessage, in.EmailVerificationMessage, in.EmailVerificationSubject
	mirror(&t.SmsMessage, &st.SmsVerificationMessage)
	mirror(&t.EmailMessage, &st.EmailVerificationMessage)
	mirror(&t.EmailSubject, &st.EmailVerificationSubject)
	if t.DefaultEmailOption == nil {
		t.DefaultEmailOption = ptr("CONFIRM_WITH_CODE")
	}
	st.VerificationMessageTemplate = t

	st.MfaConfiguration = in.MfaConfiguration
	if st.MfaConfiguration == nil {
		st.MfaConfiguration = ptr(mfa.ModeOff)
	}
	st.UserAttributeUpdateSettings = in.UserAttributeUpdateSettings
	if st.UserAttributeUpdateSettings == nil {
		st.UserAttributeUpdateSettings = &UserAttributeUpdateSettings{}
	}
	if st.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate == nil {
		st.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate = []string{}
	}
	st.DeviceConfiguration = in.DeviceConfiguration
	st.EmailConfiguration = in.EmailConfiguration
	if st.EmailConfiguration == nil {
		st.EmailConfiguration = &EmailConfiguration{}
	}
	if st.EmailConfiguration.EmailSendingAccount == nil {
		st.EmailConfiguration.EmailSendingAccount = ptr("COGNITO_DEFAULT")
	}
	st.SmsConfiguration = in.SmsConfiguration
	st.AdminCreateUserConfig = in.AdminCreateUserConfig
	if st.AdminCreateUserConfig == nil {
		st.AdminCreateUserConfig = &AdminCreateUserConfig{}
	}
	if st.AdminCreateUserConfig.AllowAdminCreateUserOnly == nil {
		st.AdminCreateUserConfig.AllowAdminCreateUserOnly = ptr(false)
	}
	if st.AdminCreateUserConfig.UnusedAccountValidityDays == nil {
		st.AdminCreateUserConfig.UnusedAccountValidityDays = ptr(*pp.TemporaryPasswordValidityDays)
	}
	st.UserPoolAddOns = in.UserPoolAddOns
	st.AccountRecoverySetting = in.AccountRecoverySetting
	if in.UserPoolTier != nil {
		st.UserPoolTier = in.UserPoolTier
	}
	if st.UserPoolTier == nil {
		st.UserPoolTier = ptr(TierEssentials)
	}
	st.KeyConfiguration = in.KeyConfiguration
	st.IssuerConfiguration = in.IssuerConfiguration
}

// mirror copies whichever of a and b is set into the other.
func mirror(a, b **string) {
	switch {
	case *a == nil && *b != nil:
		*a = ptr(**b)
	case *b == nil && *a != nil:
		*b = ptr(**a)
	}
}

// checkPoolRules applies the business rules Cognito checks on a pool's
// settings after the model's constraints.
func checkPoolRules(st *Settings) error {
	if st.ThreatProtection() {
		if err := st.Tier().Require(FeatureThreatProtection); err != nil {
			return err
		}
	}
	if st.MFAMode() != mfa.ModeOff && !mfaFactorConfigured(st) {
		return errMFANeedsSMS
	}
	return checkSignInRules(st)
}

// checkSignInRules applies the rules of choice-based sign-in to the whole
// document (so that a tier change is checked too, spec §3.1: the tier is
// enforced when configuration is written, never at sign-in): first factors
// beyond PASSWORD need FeatureChoiceBasedAuth, a WebAuthnConfiguration
// FeaturePasskeys and passkey MFA FeaturePasskeyMFA; SOFTWARE_TOKEN is no
// first factor and WEB_AUTHN not the only one.
func checkSignInRules(st *Settings) error {
	if st.Policies != nil && st.Policies.SignInPolicy != nil {
		factors := st.Policies.SignInPolicy.AllowedFirstAuthFactors
		if slices.Contains(factors, AuthFactor("SOFTWARE_TOKEN")) {
			return errSoftwareTokenFirstFactor
		}
		if len(factors) > 0 && !slices.ContainsFunc(factors, func(f AuthFactor) bool { return f != AuthFactorWebAuthn }) {
			return errWebAuthnOnlyFirstFactor
		}
		if slices.ContainsFunc(factors, func(f AuthFactor) bool { return f != AuthFactorPassword }) {
			if err := st.Tier().Require(FeatureChoiceBasedAuth); err != nil {
				return err
			}
		}
	}
	if w := st.WebAuthnConfiguration; w != nil {
		if err := st.Tier().Require(FeaturePasskeys); err != nil {
			return err
		}
		if str(w.FactorConfiguration) == "MULTI_FACTOR_WITH_USER_VERIFICATION" {
			if err := st.Tier().Require(FeaturePasskeyMFA); err != nil {
				return err
			}
		}
	}
	return nil
}

// mfaFactorConfigured reports whether any MFA factor is enabled for the pool.
func mfaFactorConfigured(st *Settings) bool {
	return st.SmsMfaConfiguration != nil || st.EmailMfaConfiguration != nil ||
		(st.SoftwareTokenMfaConfiguration != nil && flag(st.SoftwareTokenMfaConfiguration.Enabled))
}

// syncSMSFactor turns SMS MFA on for pools whose MFA is on, whose SMS is
// configured and which have no factor yet: CreateUserPool and UpdateUserPool
// can only configure SMS MFA.
func syncSMSFactor(st *Settings) {
	if st.MFAMode() == mfa.ModeOff || st.SmsConfiguration == nil || mfaFactorConfigured(st) {
		return
	}
	st.SmsMfaConfiguration = &SmsMfaConfig{SmsAuthenticationMessage: st.SmsAuthenticationMessage, SmsConfiguration: st.SmsConfiguration}
}

// updatePool is Store.UpdatePool answering Cognito's error for a missing
// pool. fn may run more than once.
func (s *Service) updatePool(ctx context.Context, id string, fn func(*storage.Pool) error) error {
	_, err := s.Pools.UpdatePool(ctx, id, fn)
	if errors.Is(err, storage.ErrNotFound) {
		return PoolNotFound(id)
	}
	return err
}

// EstimatedUsers returns how many users the pool has
// (EstimatedNumberOfUsers).
func (s *Service) EstimatedUsers(ctx context.Context, p *Pool) (int64, error) {
	return s.Users.CountUsers(ctx, p.ID)
}

// PoolArn returns the ARN of a pool in this server's region and account.
func (s *Service) PoolArn(p *Pool) string { return PoolArn(s.Region, s.Account, p.ID) }

// DeletePool deletes a pool and everything in it, unless deletion
// protection is active.
func (s *Service) DeletePool(ctx context.Context, id string) error {
	p, err := s.LoadPool(ctx, id)
	if err != nil {
		return err
	}
	if str(p.Settings.DeletionProtection) == "ACTIVE" {
		return errDeletionProtected
	}
	if err := s.checkNoActiveImport(ctx, p.ID); err != nil {
		return err
	}
	if err := s.Pools.DeletePool(ctx, p.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}

// ListPools returns one page of pools in ID order (limit as the request
// gives it) and the token of the next page ("" on the last).
func (s *Service) ListPools(ctx context.Context, limit int, next string) ([]*Pool, string, error) {
	pools, next, err := s.Pools.ListPools(ctx, storage.Page{After: next, Limit: limit})
	if err != nil {
		return nil, "", err
	}
	out := make([]*Pool, 0, len(pools))
	for _, p := range pools {
		st, err := s.decoded.pool(p)
		if err != nil {
			return nil, "", err
		}
		out = append(out, &Pool{Pool: p, Settings: st})
	}
	return out, next, nil
}

// AddCustomAttributes adds custom attributes to a pool's schema.
func (s *Service) AddCustomAttributes(ctx context.Context, id string, add []SchemaAttribute) error {
	if err := s.checkNoActiveImport(ctx, id); err != nil {
		return err
	}
	return s.updatePool(ctx, id, func(p *storage.Pool) error {
		st, err := DecodeSettings(*p)
		if err != nil {
			return err
		}
		if st.SchemaAttributes, err = AddCustomAttributes(st.SchemaAttributes, add); err != nil {
			return err
		}
		if p.Config, err = st.encode(); err != nil {
			return err
		}
		p.UpdatedAt = s.now()
		return nil
	})
}

// PoolIDFromArn returns the ID of the pool a user pool ARN names.
func PoolIDFromArn(arn string) (string, error) {
	_, id, ok := strings.Cut(arn, ":userpool/")
	if !ok || !strings.HasPrefix(arn, "arn:") || id == "" {
		return "", fault.Errorf(fault.InvalidParameter, "Invalid resource ARN: %s", arn)
	}
	return id, nil
}

// updateTags applies fn to the tags of the pool arn names; a pool may have
// at most maxPoolTags.
func (s *Service) updateTags(ctx context.Context, arn string, fn func(map[string]string)) error {
	id, err := PoolIDFromArn(arn)
	if err != nil {
		return err
	}
	return s.updatePool(ctx, id, func(p *storage.Pool) error {
		if p.Tags == nil {
			p.Tags = map[string]string{}
		}
		fn(p.Tags)
		if len(p.Tags) > maxPoolTags {
			return errTooManyTags
		}
		return nil
	})
}

// TagPool adds or replaces tags on the pool arn names (TagResource).
func (s *Service) TagPool(ctx context.Context, arn string, tags map[string]string) error {
	return s.updateTags(ctx, arn, func(t map[string]string) { maps.Copy(t, tags) })
}

// UntagPool removes tags from the pool arn names (UntagResource).
func (s *Service) UntagPool(ctx context.Context, arn string, keys []string) error {
	return s.updateTags(ctx, arn, func(t map[string]string) {
		for _, k := range keys {
			delete(t, k)
		}
	})
}

// PoolTags returns the tags of the pool arn names (ListTagsForResource),
// never nil.
func (s *Service) PoolTags(ctx context.Context, arn string) (map[string]string, error) {
	id, err := PoolIDFromArn(arn)
	if err != nil {
		return nil, err
	}
	p, err := s.LoadPool(ctx, id)
	if err != nil {
		return nil, err
	}
	tags := maps.Clone(p.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	return tags, nil
}

// MFAConfig is a pool's MFA configuration as SetUserPoolMfaConfig sets it
// and GetUserPoolMfaConfig shows it, under the wire names.
type MFAConfig struct {
	MfaConfiguration              *mfa.Mode               `json:"MfaConfiguration,omitzero"`
	SmsMfaConfiguration           *SmsMfaConfig           `json:"SmsMfaConfiguration,omitzero"`
	SoftwareTokenMfaConfiguration *SoftwareTokenMfaConfig `json:"SoftwareTokenMfaConfiguration,omitzero"`
	EmailMfaConfiguration         *EmailMfaConfig         `json:"EmailMfaConfiguration,omitzero"`
	WebAuthnConfiguration         *WebAuthnConfiguration  `json:"WebAuthnConfiguration,omitzero"`
}

// mfaConfig returns the pool's MFA configuration. Factor blocks are shown
// only while MFA is on (UNCONFIRMED for pools never configured, spec §6.3).
func (st *Settings) mfaConfig() MFAConfig {
	out := MFAConfig{MfaConfiguration: st.MfaConfiguration, WebAuthnConfiguration: st.WebAuthnConfiguration}
	if st.MFAMode() != mfa.ModeOff {
		out.SmsMfaConfiguration = st.SmsMfaConfiguration
		out.SoftwareTokenMfaConfiguration = st.SoftwareTokenMfaConfiguration
		out.EmailMfaConfiguration = st.EmailMfaConfiguration
	}
	return out
}

// MFAConfig returns a pool's MFA configuration (GetUserPoolMfaConfig).
func (s *Service) MFAConfig(ctx context.Context, id string) (MFAConfig, error) {
	p, err := s.LoadPool(ctx, id)
	if err != nil {
		return MFAConfig{}, err
	}
	return p.Settings.mfaConfig(), nil
}

// SetMFAConfig replaces the pool's MFA factor set (SetUserPoolMfaConfig;
// spec §6.2: a factor block left out is off afterwards) and returns the
// configuration that results. A mode left out stays as it is.
func (s *Service) SetMFAConfig(ctx context.Context, id string, in MFAConfig) (MFAConfig, error) {
	var out MFAConfig
	err := s.updatePool(ctx, id, func(p *storage.Pool) error {
		st, err := DecodeSettings(*p)
		if err != nil {
			return err
		}
		mode := st.MFAMode()
		if in.MfaConfiguration != nil {
			mode = *in.MfaConfiguration
		}
		totpOn := in.SoftwareTokenMfaConfiguration != nil && flag(in.SoftwareTokenMfaConfiguration.Enabled)
		anyFactor := in.SmsMfaConfiguration != nil || in.EmailMfaConfiguration != nil || totpOn
		switch {
		case mode == mfa.ModeOff && anyFactor:
			return errMFAOffWithFactors
		case mode != mfa.ModeOff && !anyFactor:
			return errMFANoFactors
		}
		if in.EmailMfaConfiguration != nil {
			if err := st.Tier().Require(FeatureEmailMFA); err != nil {
				return err
			}
		}
		if w := in.WebAuthnConfiguration; w != nil {
			if err := st.Tier().Require(FeaturePasskeys); err != nil {
				return err
			}
			if str(w.FactorConfiguration) == "MULTI_FACTOR_WITH_USER_VERIFICATION" {
				if err := st.Tier().Require(FeaturePasskeyMFA); err != nil {
					return err
				}
			}
		}
		st.MfaConfiguration = &mode
		st.SmsMfaConfiguration = in.SmsMfaConfiguration
		if sms := in.SmsMfaConfiguration; sms != nil {
			if sms.SmsAuthenticationMessage != nil {
				st.SmsAuthenticationMessage = sms.SmsAuthenticationMessage
			}
			if sms.SmsConfiguration != nil {
				st.SmsConfiguration = sms.SmsConfiguration
			}
		}
		st.SoftwareTokenMfaConfiguration = nil
		if totpOn {
			st.SoftwareTokenMfaConfiguration = in.SoftwareTokenMfaConfiguration
		}
		st.EmailMfaConfiguration = in.EmailMfaConfiguration
		if in.WebAuthnConfiguration != nil {
			st.WebAuthnConfiguration = in.WebAuthnConfiguration
		}
		if p.Config, err = st.encode(); err != nil {
			return err
		}
		p.UpdatedAt = s.now()
		out = st.mfaConfig()
		return nil
	})
	return out, err
}
