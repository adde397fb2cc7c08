package apiserver

import (
	"context"
	"errors"
	"slices"

	"github.com/userpoold/userpoold/internal/authflow"
	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file implements the user side of MFA (spec §3–§5): preferences,
// legacy settings, auth factors and software tokens. The rules live in
// package mfa; the challenges of sign-in live in authflow.

// Faults of AssociateSoftwareToken and VerifySoftwareToken about their
// credentials. Both UNCONFIRMED: the model says "an access token or a session,
// but not both" without naming the error (spec §5.1, §14.5).
var (
	errTokenAndSession  = fault.New(fault.InvalidParameter, "Only one of AccessToken and Session can be provided.")
	errNoTokenOrSession = fault.New(fault.InvalidParameter, "Missing required parameter AccessToken")
)

// checkAdminMFAStatus applies, for AdminSetUserMFAPreference, the user-state
// checks its modeled error list implies (PasswordResetRequiredException and
// UserNotConfirmedException, which AdminSetUserSettings does not list).
// UNCONFIRMED against AWS: set to false to let administrators change the
// preferences of users in any state.
const checkAdminMFAStatus = true

func setting(enabled, preferred *bool) *mfa.Setting {
	return &mfa.Setting{Enabled: cognitoidp.ToValue(enabled), Preferred: cognitoidp.ToValue(preferred)}
}

// preference converts the four factor blocks of (Admin)SetUserMFAPreference.
func preference(sms *cognitoidp.SMSMfaSettingsType, totp *cognitoidp.SoftwareTokenMfaSettingsType,
	email *cognitoidp.EmailMfaSettingsType, webauthn *cognitoidp.WebAuthnMfaSettingsType) mfa.Preference {
	var p mfa.Preference
	if sms != nil {
		p.SMS = setting(sms.Enabled, sms.PreferredMfa)
	}
	if totp != nil {
		p.TOTP = setting(totp.Enabled, totp.PreferredMfa)
	}
	if email != nil {
		p.Email = setting(email.Enabled, email.PreferredMfa)
	}
	if webauthn != nil {
		p.WebAuthn = cognitoidp.Bool(cognitoidp.ToValue(webauthn.Enabled))
	}
	return p
}

// userGone turns a user deleted between lookup and update into
// UserNotFoundException.
func userGone(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return userpool.ErrUserNotFound
	}
	return err
}

// SetUserMFAPreference sets the signed-in user's MFA factors and preferred
// factor (spec §3). It is authorized by the access token alone; IAM is never
// evaluated and a SigV4 signature, if any, is ignored.
func (s *Server) SetUserMFAPreference(ctx context.Context, in *cognitoidp.SetUserMFAPreferenceInput) (*cognitoidp.SetUserMFAPreferenceOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	p := preference(in.SMSMfaSettings, in.SoftwareTokenMfaSettings, in.EmailMfaSettings, in.WebAuthnMfaSettings)
	if _, err := s.MFA.SetPreference(ctx, who.Pool.ID, who.User.UsernameKey, p, who.Pool.Settings.MFA()); err != nil {
		return nil, userGone(err)
	}
	return &cognitoidp.SetUserMFAPreferenceOutput{}, nil
}

// AdminSetUserMFAPreference sets a user's MFA factors and preferred factor
// as an administrator.
func (s *Server) AdminSetUserMFAPreference(ctx context.Context, in *cognitoidp.AdminSetUserMFAPreferenceInput) (*cognitoidp.AdminSetUserMFAPreferenceOutput, error) {
	pool, u, err := s.Pools.PoolUser(ctx, str(in.UserPoolId), str(in.Username))
	if err != nil {
		return nil, err
	}
	if checkAdminMFAStatus {
		if err := userpool.CheckActive(u); err != nil {
			return nil, err
		}
	}
	p := preference(in.SMSMfaSettings, in.SoftwareTokenMfaSettings, in.EmailMfaSettings, in.WebAuthnMfaSettings)
	if _, err := s.MFA.SetPreference(ctx, pool.ID, u.UsernameKey, p, pool.Settings.MFA()); err != nil {
		return nil, userGone(err)
	}
	return &cognitoidp.AdminSetUserMFAPreferenceOutput{}, nil
}

// legacyOptions converts MFAOptions to (DeliveryMedium, AttributeName) pairs.
func legacyOptions(opts []cognitoidp.MFAOptionType) [][2]string {
	out := make([][2]string, len(opts))
	for i, o := range opts {
		out[i] = [2]string{string(cognitoidp.ToValue(o.DeliveryMedium)), str(o.AttributeName)}
	}
	return out
}

// SetUserSettings is the legacy way to turn SMS MFA on or off for the
// signed-in user (spec §4.3).
func (s *Server) SetUserSettings(ctx context.Context, in *cognitoidp.SetUserSettingsInput) (*cognitoidp.SetUserSettingsOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	if _, err := s.MFA.SetLegacySMS(ctx, who.Pool.ID, who.User.UsernameKey, legacyOptions(in.MFAOptions)); err != nil {
		return nil, userGone(err)
	}
	return &cognitoidp.SetUserSettingsOutput{}, nil
}

// AdminSetUserSettings is the legacy way to turn SMS MFA on or off for a
// user, as an administrator. It applies to users in any state (its error
// list has neither PasswordResetRequired nor UserNotConfirmed).
func (s *Server) AdminSetUserSettings(ctx context.Context, in *cognitoidp.AdminSetUserSettingsInput) (*cognitoidp.AdminSetUserSettingsOutput, error) {
	pool, u, err := s.Pools.PoolUser(ctx, str(in.UserPoolId), str(in.Username))
	if err != nil {
		return nil, err
	}
	if _, err := s.MFA.SetLegacySMS(ctx, pool.ID, u.UsernameKey, legacyOptions(in.MFAOptions)); err != nil {
		return nil, userGone(err)
	}
	return &cognitoidp.AdminSetUserSettingsOutput{}, nil
}

// authFactors returns the parts of (Admin)GetUserAuthFactors (spec §4.2):
// the MFA settings, omitted when empty, and ConfiguredUserAuthFactors, the
// factors the user can use with USER_AUTH, in the model's enum order:
//   - PASSWORD when the user has a password;
//   - EMAIL_OTP / SMS_OTP when the user has an email address / phone number
//     and either the pool allows it as a first factor (Essentials or higher)
//     or the user has email / SMS MFA enabled (UNCONFIRMED: whether AWS
//     also requires the attribute to be verified);
//   - WEB_AUTHN when the user has a passkey and the pool allows passkeys
//     as a first factor or as MFA (UNCONFIRMED, spec §13.25: whether the
//     passwordless filtering of §3.5 applies here);
//   - SOFTWARE_TOKEN when the user has a verified software token.
func authFactors(p *userpool.Pool, u storage.User) (list []string, preferred *string, factors []cognitoidp.AuthFactorType) {
	list, preferred = mfaSettings(u)
	enabled, _ := mfa.Settings(u.MFA)
	first := p.Settings.FirstAuthFactors()
	if u.Secrets.PasswordHash != "" {
		factors = append(factors, cognitoidp.AuthFactorTypePassword)
	}
	if mfa.HasEmail(&u) && (slices.Contains(first, userpool.AuthFactorEmailOTP) || slices.Contains(enabled, mfa.Email)) {
		factors = append(factors, cognitoidp.AuthFactorTypeEmailOtp)
	}
	if mfa.HasPhone(&u) && (slices.Contains(first, userpool.AuthFactorSMSOTP) || slices.Contains(enabled, mfa.SMS)) {
		factors = append(factors, cognitoidp.AuthFactorTypeSmsOtp)
	}
	if len(u.Passkeys) > 0 && (slices.Contains(first, userpool.AuthFactorWebAuthn) || p.Settings.MFA().WebAuthn) {
		factors = append(factors, cognitoidp.AuthFactorTypeWebAuthn)
	}
	if mfa.HasTOTP(&u) {
		factors = append(factors, cognitoidp.AuthFactorTypeSoftwareToken)
	}
	return list, preferred, factors
}

// GetUserAuthFactors lists the signed-in user's MFA settings and sign-in
// factors.
func (s *Server) GetUserAuthFactors(ctx context.Context, in *cognitoidp.GetUserAuthFactorsInput) (*cognitoidp.GetUserAuthFactorsOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	list, pref, factors := authFactors(who.Pool, who.User)
	return &cognitoidp.GetUserAuthFactorsOutput{
		Username: cognitoidp.String(who.User.Username), PreferredMfaSetting: pref,
		UserMFASettingList: list, ConfiguredUserAuthFactors: factors,
	}, nil
}

// AdminGetUserAuthFactors lists a user's MFA settings and sign-in factors.
func (s *Server) AdminGetUserAuthFactors(ctx context.Context, in *cognitoidp.AdminGetUserAuthFactorsInput) (*cognitoidp.AdminGetUserAuthFactorsOutput, error) {
	pool, u, err := s.Pools.PoolUser(ctx, str(in.UserPoolId), str(in.Username))
	if err != nil {
		return nil, err
	}
	list, pref, factors := authFactors(pool, u)
	return &cognitoidp.AdminGetUserAuthFactorsOutput{
		Username: cognitoidp.String(u.Username), PreferredMfaSetting: pref,
		UserMFASettingList: list, ConfiguredUserAuthFactors: factors,
	}, nil
}

// AssociateSoftwareToken starts TOTP setup (spec §5.1): it gives the user a
// new secret, pending until VerifySoftwareToken confirms it. With an access
// token no Session is returned; with the Session of a sign-in challenge (the
// MFA_SETUP path) a new Session is.
func (s *Server) AssociateSoftwareToken(ctx context.Context, in *cognitoidp.AssociateSoftwareTokenInput) (*cognitoidp.AssociateSoftwareTokenOutput, error) {
	switch {
	case in.AccessToken != nil && in.Session != nil:
		return nil, errTokenAndSession
	case in.Session != nil:
		return s.associateBySession(ctx, str(in.Session))
	case in.AccessToken == nil:
		return nil, errNoTokenOrSession
	}
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.AnyStatus)
	if err != nil {
		return nil, err
	}
	if !who.Pool.Settings.TOTPEnabled() {
		return nil, mfa.ErrPoolTOTPOff
	}
	code, err := s.MFA.Associate(ctx, who.Pool.ID, who.User.UsernameKey)
	if err != nil {
		return nil, userGone(err)
	}
	return &cognitoidp.AssociateSoftwareTokenOutput{SecretCode: cognitoidp.String(code)}, nil
}

// VerifySoftwareToken completes TOTP setup (spec §5.2): a right code makes
// the pending secret the user's software token. It does not enable TOTP
// MFA; SetUserMFAPreference does (on the MFA_SETUP path, answering the
// challenge does).
func (s *Server) VerifySoftwareToken(ctx context.Context, in *cognitoidp.VerifySoftwareTokenInput) (*cognitoidp.VerifySoftwareTokenOutput, error) {
	switch {
	case in.AccessToken != nil && in.Session != nil:
		return nil, errTokenAndSession
	case in.Session != nil:
		return s.verifyBySession(ctx, str(in.Session), str(in.UserCode), str(in.FriendlyDeviceName))
	case in.AccessToken == nil:
		return nil, errNoTokenOrSession
	}
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	if !who.Pool.Settings.TOTPEnabled() {
		return nil, mfa.ErrPoolTOTPOff
	}
	if _, err := s.MFA.VerifySetup(ctx, who.Pool.ID, who.User.UsernameKey, str(in.UserCode), str(in.FriendlyDeviceName)); err != nil {
		return nil, userGone(err)
	}
	return &cognitoidp.VerifySoftwareTokenOutput{Status: ptr(cognitoidp.VerifySoftwareTokenResponseTypeSuccess)}, nil
}
