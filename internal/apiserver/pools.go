package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// poolDoc is what storage.Pool.Config holds: the pool's settings in the
// UserPoolType shape (identity, dates, counts and tags come from the record
// instead), plus the MFA factor blocks SetUserPoolMfaConfig manages, which
// UserPoolType does not carry. userpool.Settings reads the same document.
type poolDoc struct {
	cognitoidp.UserPoolType
	SmsMfaConfiguration           *cognitoidp.SmsMfaConfigType           `json:"SmsMfaConfiguration,omitzero"`
	SoftwareTokenMfaConfiguration *cognitoidp.SoftwareTokenMfaConfigType `json:"SoftwareTokenMfaConfiguration,omitzero"`
	EmailMfaConfiguration         *cognitoidp.EmailMfaConfigType         `json:"EmailMfaConfiguration,omitzero"`
	WebAuthnConfiguration         *cognitoidp.WebAuthnConfigurationType  `json:"WebAuthnConfiguration,omitzero"`
}

func decodePoolDoc(p storage.Pool) (*poolDoc, error) {
	d := new(poolDoc)
	if len(p.Config) > 0 {
		if err := json.Unmarshal(p.Config, d); err != nil {
			return nil, fmt.Errorf("pool %s: unreadable configuration: %w", p.ID, err)
		}
	}
	return d, nil
}

func (d *poolDoc) encode() (json.RawMessage, error) {
	// The record carries these; keep one source of truth.
	c := *d
	c.Id, c.Name, c.Arn, c.CreationDate, c.LastModifiedDate, c.EstimatedNumberOfUsers, c.UserPoolTags = nil, nil, nil, nil, nil, nil, nil
	return json.Marshal(c)
}

// recode converts between two shapes with the same JSON member names.
func recode(src, dst any) error {
	b, err := json.Marshal(src)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst)
}

// poolSettingsInput is what CreateUserPool and UpdateUserPool have in common.
type poolSettingsInput struct {
	Policies                    *cognitoidp.UserPoolPolicyType
	DeletionProtection          *cognitoidp.DeletionProtectionType
	LambdaConfig                *cognitoidp.LambdaConfigType
	AutoVerifiedAttributes      []cognitoidp.VerifiedAttributeType
	SmsVerificationMessage      *string
	EmailVerificationMessage    *string
	EmailVerificationSubject    *string
	VerificationMessageTemplate *cognitoidp.VerificationMessageTemplateType
	SmsAuthenticationMessage    *string
	MfaConfiguration            *cognitoidp.UserPoolMfaType
	UserAttributeUpdateSettings *cognitoidp.UserAttributeUpdateSettingsType
	DeviceConfiguration         *cognitoidp.DeviceConfigurationType
	EmailConfiguration          *cognitoidp.EmailConfigurationType
	SmsConfiguration            *cognitoidp.SmsConfigurationType
	AdminCreateUserConfig       *cognitoidp.AdminCreateUserConfigType
	UserPoolAddOns              *cognitoidp.UserPoolAddOnsType
	AccountRecoverySetting      *cognitoidp.AccountRecoverySettingType
	UserPoolTier                *cognitoidp.UserPoolTierType
	KeyConfiguration            *cognitoidp.KeyConfigurationType
	IssuerConfiguration         *cognitoidp.IssuerConfigurationType
}

// applySettings fills d from in, with AWS's defaults for everything in
// leaves out (UpdateUserPool resets omitted settings the same way).
func applySettings(d *poolDoc, in poolSettingsInput) {
	u := &d.UserPoolType
	u.Policies = in.Policies
	if u.Policies == nil {
		u.Policies = &cognitoidp.UserPoolPolicyType{}
	}
	if u.Policies.PasswordPolicy == nil {
		u.Policies.PasswordPolicy = &cognitoidp.PasswordPolicyType{
			MinimumLength: cognitoidp.Int32(8), RequireUppercase: cognitoidp.Bool(true), RequireLowercase: cognitoidp.Bool(true),
			RequireNumbers: cognitoidp.Bool(true), RequireSymbols: cognitoidp.Bool(true),
		}
	}
	pp := u.Policies.PasswordPolicy
	if pp.MinimumLength == nil {
		pp.MinimumLength = cognitoidp.Int32(8)
	}
	for _, b := range []**bool{&pp.RequireUppercase, &pp.RequireLowercase, &pp.RequireNumbers, &pp.RequireSymbols} {
		if *b == nil {
			*b = cognitoidp.Bool(false)
		}
	}
	if pp.TemporaryPasswordValidityDays == nil {
		pp.TemporaryPasswordValidityDays = cognitoidp.Int32(7)
	}
	if u.Policies.SignInPolicy == nil {
		u.Policies.SignInPolicy = &cognitoidp.SignInPolicyType{AllowedFirstAuthFactors: []cognitoidp.AuthFactorType{cognitoidp.AuthFactorTypePassword}}
	}
	u.DeletionProtection = in.DeletionProtection
	if u.DeletionProtection == nil {
		u.DeletionProtection = ptr(cognitoidp.DeletionProtectionTypeInactive)
	}
	u.LambdaConfig = in.LambdaConfig
	if u.LambdaConfig == nil {
		u.LambdaConfig = &cognitoidp.LambdaConfigType{}
	}
	u.AutoVerifiedAttributes = in.AutoVerifiedAttributes
	u.SmsAuthenticationMessage = in.SmsAuthenticationMessage

	// The legacy message members and VerificationMessageTemplate mirror each
	// other, as in Cognito.
	t := in.VerificationMessageTemplate
	if t == nil {
		t = &cognitoidp.VerificationMessageTemplateType{}
	}
	u.SmsVerificationMessage, u.EmailVerificationMessage, u.EmailVerificationSubject =
		in.SmsVerificationMessage, in.EmailVerificationMessage, in.EmailVerificationSubject
	mirror(&t.SmsMessage, &u.SmsVerificationMessage)
	mirror(&t.EmailMessage, &u.EmailVerificationMessage)
	mirror(&t.EmailSubject, &u.EmailVerificationSubject)
	if t.DefaultEmailOption == nil {
		t.DefaultEmailOption = ptr(cognitoidp.DefaultEmailOptionTypeConfirmWithCode)
	}
	u.VerificationMessageTemplate = t

	u.MfaConfiguration = in.MfaConfiguration
	if u.MfaConfiguration == nil {
		u.MfaConfiguration = ptr(cognitoidp.UserPoolMfaTypeOff)
	}
	u.UserAttributeUpdateSettings = in.UserAttributeUpdateSettings
	if u.UserAttributeUpdateSettings == nil {
		u.UserAttributeUpdateSettings = &cognitoidp.UserAttributeUpdateSettingsType{}
	}
	if u.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate == nil {
		u.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate = []cognitoidp.VerifiedAttributeType{}
	}
	u.DeviceConfiguration = in.DeviceConfiguration
	u.EmailConfiguration = in.EmailConfiguration
	if u.EmailConfiguration == nil {
		u.EmailConfiguration = &cognitoidp.EmailConfigurationType{}
	}
	if u.EmailConfiguration.EmailSendingAccount == nil {
		u.EmailConfiguration.EmailSendingAccount = ptr(cognitoidp.EmailSendingAccountTypeCognitoDefault)
	}
	u.SmsConfiguration = in.SmsConfiguration
	u.AdminCreateUserConfig = in.AdminCreateUserConfig
	if u.AdminCreateUserConfig == nil {
		u.AdminCreateUserConfig = &cognitoidp.AdminCreateUserConfigType{}
	}
	if u.AdminCreateUserConfig.AllowAdminCreateUserOnly == nil {
		u.AdminCreateUserConfig.AllowAdminCreateUserOnly = cognitoidp.Bool(false)
	}
	if u.AdminCreateUserConfig.UnusedAccountValidityDays == nil {
		u.AdminCreateUserConfig.UnusedAccountValidityDays = pp.TemporaryPasswordValidityDays
	}
	u.UserPoolAddOns = in.UserPoolAddOns
	u.AccountRecoverySetting = in.AccountRecoverySetting
	if in.UserPoolTier != nil {
		u.UserPoolTier = in.UserPoolTier
	}
	if u.UserPoolTier == nil {
		u.UserPoolTier = ptr(cognitoidp.UserPoolTierTypeEssentials)
	}
	u.KeyConfiguration = in.KeyConfiguration
	u.IssuerConfiguration = in.IssuerConfiguration
}

func mirror(a, b **string) {
	switch {
	case *a == nil && *b != nil:
		*a = cognitoidp.String(**b)
	case *b == nil && *a != nil:
		*b = cognitoidp.String(**a)
	}
}

func ptr[T any](v T) *T { return &v }

// Pool configuration faults.
var (
	errMFANeedsSMS = fault.New(fault.InvalidParameter, "SMS configuration and Auto verification for phone_number are required when MFA is required/optional")
)

// checkPoolRules applies the business rules Cognito checks on a pool's
// settings after the model's constraints.
func checkPoolRules(d *poolDoc) error {
	u := &d.UserPoolType
	tier := userpool.Tier(*u.UserPoolTier)
	if a := u.UserPoolAddOns; a != nil && a.AdvancedSecurityMode != nil && *a.AdvancedSecurityMode != cognitoidp.AdvancedSecurityModeTypeOff {
		if err := tier.Require(userpool.FeatureThreatProtection); err != nil {
			return err
		}
	}
	mode := *u.MfaConfiguration
	if mode != cognitoidp.UserPoolMfaTypeOff && !mfaFactorConfigured(d) {
		return errMFANeedsSMS
	}
	return nil
}

// mfaFactorConfigured reports whether any MFA factor is enabled for the pool.
func mfaFactorConfigured(d *poolDoc) bool {
	return d.SmsMfaConfiguration != nil || d.EmailMfaConfiguration != nil ||
		(d.SoftwareTokenMfaConfiguration != nil && cognitoidp.ToValue(d.SoftwareTokenMfaConfiguration.Enabled))
}

// syncSMSFactor turns SMS MFA on for pools whose MFA is on, whose SMS is
// configured and which have no factor yet: CreateUserPool and UpdateUserPool
// can only configure SMS MFA.
func syncSMSFactor(d *poolDoc) {
	if *d.MfaConfiguration == cognitoidp.UserPoolMfaTypeOff || d.SmsConfiguration == nil || mfaFactorConfigured(d) {
		return
	}
	d.SmsMfaConfiguration = &cognitoidp.SmsMfaConfigType{SmsAuthenticationMessage: d.SmsAuthenticationMessage, SmsConfiguration: d.SmsConfiguration}
}

// CreateUserPool creates a pool with AWS's defaults filled in.
func (s *Server) CreateUserPool(ctx context.Context, in *cognitoidp.CreateUserPoolInput) (*cognitoidp.CreateUserPoolOutput, error) {
	if len(in.AliasAttributes) > 0 && len(in.UsernameAttributes) > 0 {
		return nil, fault.New(fault.InvalidParameter, "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.")
	}
	var requested []userpool.SchemaAttribute
	if err := recode(in.Schema, &requested); err != nil {
		return nil, err
	}
	schema, err := userpool.BuildSchema(requested)
	if err != nil {
		return nil, err
	}
	d := new(poolDoc)
	applySettings(d, poolSettingsInput{
		Policies: in.Policies, DeletionProtection: in.DeletionProtection, LambdaConfig: in.LambdaConfig,
		AutoVerifiedAttributes: in.AutoVerifiedAttributes, SmsVerificationMessage: in.SmsVerificationMessage,
		EmailVerificationMessage: in.EmailVerificationMessage, EmailVerificationSubject: in.EmailVerificationSubject,
		VerificationMessageTemplate: in.VerificationMessageTemplate, SmsAuthenticationMessage: in.SmsAuthenticationMessage,
		MfaConfiguration: in.MfaConfiguration, UserAttributeUpdateSettings: in.UserAttributeUpdateSettings,
		DeviceConfiguration: in.DeviceConfiguration, EmailConfiguration: in.EmailConfiguration,
		SmsConfiguration: in.SmsConfiguration, AdminCreateUserConfig: in.AdminCreateUserConfig,
		UserPoolAddOns: in.UserPoolAddOns, AccountRecoverySetting: in.AccountRecoverySetting,
		UserPoolTier: in.UserPoolTier, KeyConfiguration: in.KeyConfiguration, IssuerConfiguration: in.IssuerConfiguration,
	})
	if err := recode(schema, &d.SchemaAttributes); err != nil {
		return nil, err
	}
	d.AliasAttributes = in.AliasAttributes
	d.UsernameAttributes = in.UsernameAttributes
	d.UsernameConfiguration = in.UsernameConfiguration
	syncSMSFactor(d)
	if err := checkPoolRules(d); err != nil {
		return nil, err
	}
	cfg, err := d.encode()
	if err != nil {
		return nil, err
	}
	id, err := userpool.NewPoolID(s.Rand, s.Region)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p := storage.Pool{ID: id, Name: str(in.PoolName), CreatedAt: now, UpdatedAt: now, Config: cfg, Tags: maps.Clone(in.UserPoolTags)}
	if err := s.Store.CreatePool(ctx, p); err != nil {
		return nil, err
	}
	if err := s.Tokens.CreateKeys(ctx, id); err != nil {
		return nil, err
	}
	out, err := s.describePool(ctx, p, 0)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.CreateUserPoolOutput{UserPool: out}, nil
}

// describePool renders the stored pool as UserPoolType.
func (s *Server) describePool(ctx context.Context, p storage.Pool, users int64) (*cognitoidp.UserPoolType, error) {
	d, err := decodePoolDoc(p)
	if err != nil {
		return nil, err
	}
	u := d.UserPoolType
	u.Id = cognitoidp.String(p.ID)
	u.Name = cognitoidp.String(p.Name)
	u.Arn = cognitoidp.String(userpool.PoolArn(s.Region, s.Account, p.ID))
	u.CreationDate = cognitoidp.Time(p.CreatedAt)
	u.LastModifiedDate = cognitoidp.Time(p.UpdatedAt)
	u.EstimatedNumberOfUsers = cognitoidp.Int32(int32(min(users, 1<<31-1)))
	if len(p.Tags) > 0 {
		u.UserPoolTags = maps.Clone(p.Tags)
	}
	return &u, nil
}

// updatePool is Store.UpdatePool answering Cognito's error for a missing
// pool.
func (s *Server) updatePool(ctx context.Context, id string, fn func(*storage.Pool) error) error {
	_, err := s.Store.UpdatePool(ctx, id, fn)
	if errors.Is(err, storage.ErrNotFound) {
		return userpool.PoolNotFound(id)
	}
	return err
}

func (s *Server) loadPool(ctx context.Context, id string) (storage.Pool, error) {
	p, err := s.Store.GetPool(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return p, userpool.PoolNotFound(id)
	}
	return p, err
}

// DescribeUserPool returns a pool's configuration.
func (s *Server) DescribeUserPool(ctx context.Context, in *cognitoidp.DescribeUserPoolInput) (*cognitoidp.DescribeUserPoolOutput, error) {
	p, err := s.loadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	n, err := s.Store.CountUsers(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out, err := s.describePool(ctx, p, n)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.DescribeUserPoolOutput{UserPool: out}, nil
}

// UpdateUserPool replaces a pool's settings. As in Cognito, every setting the
// request leaves out returns to its default; the schema, username and alias
// attributes and username configuration cannot change.
func (s *Server) UpdateUserPool(ctx context.Context, in *cognitoidp.UpdateUserPoolInput) (*cognitoidp.UpdateUserPoolOutput, error) {
	err := s.updatePool(ctx, str(in.UserPoolId), func(p *storage.Pool) error {
		old, err := decodePoolDoc(*p)
		if err != nil {
			return err
		}
		d := &poolDoc{
			SmsMfaConfiguration:           old.SmsMfaConfiguration,
			SoftwareTokenMfaConfiguration: old.SoftwareTokenMfaConfiguration,
			EmailMfaConfiguration:         old.EmailMfaConfiguration,
			WebAuthnConfiguration:         old.WebAuthnConfiguration,
		}
		d.UserPoolTier = old.UserPoolTier
		applySettings(d, poolSettingsInput{
			Policies: in.Policies, DeletionProtection: in.DeletionProtection, LambdaConfig: in.LambdaConfig,
			AutoVerifiedAttributes: in.AutoVerifiedAttributes, SmsVerificationMessage: in.SmsVerificationMessage,
			EmailVerificationMessage: in.EmailVerificationMessage, EmailVerificationSubject: in.EmailVerificationSubject,
			VerificationMessageTemplate: in.VerificationMessageTemplate, SmsAuthenticationMessage: in.SmsAuthenticationMessage,
			MfaConfiguration: in.MfaConfiguration, UserAttributeUpdateSettings: in.UserAttributeUpdateSettings,
			DeviceConfiguration: in.DeviceConfiguration, EmailConfiguration: in.EmailConfiguration,
			SmsConfiguration: in.SmsConfiguration, AdminCreateUserConfig: in.AdminCreateUserConfig,
			UserPoolAddOns: in.UserPoolAddOns, AccountRecoverySetting: in.AccountRecoverySetting,
			UserPoolTier: in.UserPoolTier, KeyConfiguration: in.KeyConfiguration, IssuerConfiguration: in.IssuerConfiguration,
		})
		d.SchemaAttributes = old.SchemaAttributes
		d.AliasAttributes = old.AliasAttributes
		d.UsernameAttributes = old.UsernameAttributes
		d.UsernameConfiguration = old.UsernameConfiguration
		if d.SmsMfaConfiguration != nil && d.SmsConfiguration != nil {
			d.SmsMfaConfiguration.SmsConfiguration = d.SmsConfiguration
		}
		syncSMSFactor(d)
		if err := checkPoolRules(d); err != nil {
			return err
		}
		cfg, err := d.encode()
		if err != nil {
			return err
		}
		p.Config = cfg
		if in.PoolName != nil {
			p.Name = *in.PoolName
		}
		if in.UserPoolTags != nil {
			p.Tags = maps.Clone(in.UserPoolTags)
		}
		p.UpdatedAt = s.now()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &cognitoidp.UpdateUserPoolOutput{}, nil
}

// DeleteUserPool deletes a pool and everything in it, unless deletion
// protection is active.
func (s *Server) DeleteUserPool(ctx context.Context, in *cognitoidp.DeleteUserPoolInput) (*cognitoidp.DeleteUserPoolOutput, error) {
	p, err := s.loadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	d, err := decodePoolDoc(p)
	if err != nil {
		return nil, err
	}
	if d.DeletionProtection != nil && *d.DeletionProtection == cognitoidp.DeletionProtectionTypeActive {
		// UNCONFIRMED wording.
		return nil, fault.New(fault.InvalidParameter, "The user pool cannot be deleted because deletion protection is activated.")
	}
	if err := s.Store.DeletePool(ctx, p.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	return &cognitoidp.DeleteUserPoolOutput{}, nil
}

// ListUserPools lists pools in ID order.
func (s *Server) ListUserPools(ctx context.Context, in *cognitoidp.ListUserPoolsInput) (*cognitoidp.ListUserPoolsOutput, error) {
	pools, next, err := s.Store.ListPools(ctx, storage.Page{After: str(in.NextToken), Limit: int(cognitoidp.ToValue(in.MaxResults))})
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.ListUserPoolsOutput{UserPools: []cognitoidp.UserPoolDescriptionType{}}
	for _, p := range pools {
		d, err := decodePoolDoc(p)
		if err != nil {
			return nil, err
		}
		out.UserPools = append(out.UserPools, cognitoidp.UserPoolDescriptionType{
			Id: cognitoidp.String(p.ID), Name: cognitoidp.String(p.Name), LambdaConfig: d.LambdaConfig,
			LastModifiedDate: cognitoidp.Time(p.UpdatedAt), CreationDate: cognitoidp.Time(p.CreatedAt),
		})
	}
	if next != "" {
		out.NextToken = cognitoidp.String(next)
	}
	return out, nil
}

// AddCustomAttributes adds custom attributes to a pool's schema.
func (s *Server) AddCustomAttributes(ctx context.Context, in *cognitoidp.AddCustomAttributesInput) (*cognitoidp.AddCustomAttributesOutput, error) {
	var add []userpool.SchemaAttribute
	if err := recode(in.CustomAttributes, &add); err != nil {
		return nil, err
	}
	err := s.updatePool(ctx, str(in.UserPoolId), func(p *storage.Pool) error {
		d, err := decodePoolDoc(*p)
		if err != nil {
			return err
		}
		var schema []userpool.SchemaAttribute
		if err := recode(d.SchemaAttributes, &schema); err != nil {
			return err
		}
		schema, err = userpool.AddCustomAttributes(schema, add)
		if err != nil {
			return err
		}
		d.SchemaAttributes = nil
		if err := recode(schema, &d.SchemaAttributes); err != nil {
			return err
		}
		if p.Config, err = d.encode(); err != nil {
			return err
		}
		p.UpdatedAt = s.now()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &cognitoidp.AddCustomAttributesOutput{}, nil
}

// poolIDFromArn extracts the pool ID from a user pool ARN.
func (s *Server) poolIDFromArn(arn string) (string, error) {
	_, id, ok := strings.Cut(arn, ":userpool/")
	if !ok || !strings.HasPrefix(arn, "arn:") || id == "" {
		return "", fault.Errorf(fault.InvalidParameter, "Invalid resource ARN: %s", arn)
	}
	return id, nil
}

func (s *Server) updateTags(ctx context.Context, arn string, fn func(map[string]string)) error {
	id, err := s.poolIDFromArn(arn)
	if err != nil {
		return err
	}
	err = s.updatePool(ctx, id, func(p *storage.Pool) error {
		if p.Tags == nil {
			p.Tags = map[string]string{}
		}
		fn(p.Tags)
		if len(p.Tags) > 50 {
			return fault.New(fault.InvalidParameter, "The number of tags on the user pool cannot exceed 50.")
		}
		return nil
	})
	return err
}

// TagResource adds or replaces tags on a pool.
func (s *Server) TagResource(ctx context.Context, in *cognitoidp.TagResourceInput) (*cognitoidp.TagResourceOutput, error) {
	err := s.updateTags(ctx, str(in.ResourceArn), func(t map[string]string) { maps.Copy(t, in.Tags) })
	if err != nil {
		return nil, err
	}
	return &cognitoidp.TagResourceOutput{}, nil
}

// UntagResource removes tags from a pool.
func (s *Server) UntagResource(ctx context.Context, in *cognitoidp.UntagResourceInput) (*cognitoidp.UntagResourceOutput, error) {
	err := s.updateTags(ctx, str(in.ResourceArn), func(t map[string]string) {
		for _, k := range in.TagKeys {
			delete(t, k)
		}
	})
	if err != nil {
		return nil, err
	}
	return &cognitoidp.UntagResourceOutput{}, nil
}

// ListTagsForResource lists a pool's tags.
func (s *Server) ListTagsForResource(ctx context.Context, in *cognitoidp.ListTagsForResourceInput) (*cognitoidp.ListTagsForResourceOutput, error) {
	id, err := s.poolIDFromArn(str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	p, err := s.loadPool(ctx, id)
	if err != nil {
		return nil, err
	}
	tags := maps.Clone(p.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	return &cognitoidp.ListTagsForResourceOutput{Tags: tags}, nil
}

// MFA configuration faults (spec §6.2).
var (
	errMFAOffWithFactors = fault.New(fault.InvalidParameter, "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.")
	errMFANoFactors      = fault.New(fault.InvalidParameter, "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.")
)

// SetUserPoolMfaConfig replaces the pool's MFA factor set (spec §6.2: a
// factor block left out is off afterwards).
func (s *Server) SetUserPoolMfaConfig(ctx context.Context, in *cognitoidp.SetUserPoolMfaConfigInput) (*cognitoidp.SetUserPoolMfaConfigOutput, error) {
	var out *cognitoidp.SetUserPoolMfaConfigOutput
	err := s.updatePool(ctx, str(in.UserPoolId), func(p *storage.Pool) error {
		d, err := decodePoolDoc(*p)
		if err != nil {
			return err
		}
		mode := *d.MfaConfiguration
		if in.MfaConfiguration != nil {
			mode = *in.MfaConfiguration
		}
		totpOn := in.SoftwareTokenMfaConfiguration != nil && cognitoidp.ToValue(in.SoftwareTokenMfaConfiguration.Enabled)
		anyFactor := in.SmsMfaConfiguration != nil || in.EmailMfaConfiguration != nil || totpOn
		switch {
		case mode == cognitoidp.UserPoolMfaTypeOff && anyFactor:
			return errMFAOffWithFactors
		case mode != cognitoidp.UserPoolMfaTypeOff && !anyFactor:
			return errMFANoFactors
		}
		tier := userpool.Tier(*d.UserPoolTier)
		if in.EmailMfaConfiguration != nil {
			if err := tier.Require(userpool.FeatureEmailMFA); err != nil {
				return err
			}
		}
		if w := in.WebAuthnConfiguration; w != nil && w.FactorConfiguration != nil &&
			*w.FactorConfiguration == cognitoidp.WebAuthnFactorConfigurationTypeMultiFactorWithUserVerification {
			if err := tier.Require(userpool.FeaturePasskeyMFA); err != nil {
				return err
			}
		}
		d.MfaConfiguration = &mode
		d.SmsMfaConfiguration = in.SmsMfaConfiguration
		if sms := in.SmsMfaConfiguration; sms != nil {
			if sms.SmsAuthenticationMessage != nil {
				d.SmsAuthenticationMessage = sms.SmsAuthenticationMessage
			}
			if sms.SmsConfiguration != nil {
				d.SmsConfiguration = sms.SmsConfiguration
			}
		}
		d.SoftwareTokenMfaConfiguration = nil
		if totpOn {
			d.SoftwareTokenMfaConfiguration = in.SoftwareTokenMfaConfiguration
		}
		d.EmailMfaConfiguration = in.EmailMfaConfiguration
		if in.WebAuthnConfiguration != nil {
			d.WebAuthnConfiguration = in.WebAuthnConfiguration
		}
		if p.Config, err = d.encode(); err != nil {
			return err
		}
		p.UpdatedAt = s.now()
		o := mfaConfigOf(d)
		out = &cognitoidp.SetUserPoolMfaConfigOutput{
			SmsMfaConfiguration: o.SmsMfaConfiguration, SoftwareTokenMfaConfiguration: o.SoftwareTokenMfaConfiguration,
			EmailMfaConfiguration: o.EmailMfaConfiguration, MfaConfiguration: o.MfaConfiguration, WebAuthnConfiguration: o.WebAuthnConfiguration,
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// mfaConfigOf renders a pool's MFA configuration. Factor blocks are shown
// only while MFA is on (UNCONFIRMED for pools never configured, spec §6.3).
func mfaConfigOf(d *poolDoc) *cognitoidp.GetUserPoolMfaConfigOutput {
	out := &cognitoidp.GetUserPoolMfaConfigOutput{MfaConfiguration: d.MfaConfiguration, WebAuthnConfiguration: d.WebAuthnConfiguration}
	if *d.MfaConfiguration != cognitoidp.UserPoolMfaTypeOff {
		out.SmsMfaConfiguration = d.SmsMfaConfiguration
		out.SoftwareTokenMfaConfiguration = d.SoftwareTokenMfaConfiguration
		out.EmailMfaConfiguration = d.EmailMfaConfiguration
	}
	return out
}

// GetUserPoolMfaConfig returns the pool's MFA configuration.
func (s *Server) GetUserPoolMfaConfig(ctx context.Context, in *cognitoidp.GetUserPoolMfaConfigInput) (*cognitoidp.GetUserPoolMfaConfigOutput, error) {
	p, err := s.loadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	d, err := decodePoolDoc(p)
	if err != nil {
		return nil, err
	}
	return mfaConfigOf(d), nil
}
