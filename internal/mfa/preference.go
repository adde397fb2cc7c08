package mfa

import (
	"slices"

	"github.com/userpoold/userpoold/internal/storage"
)

// Setting is one factor block of (Admin)SetUserMFAPreference
// (SMSMfaSettings, SoftwareTokenMfaSettings, EmailMfaSettings). A member
// the request left out is false, as Cognito reads it.
type Setting struct {
	Enabled   bool
	Preferred bool
}

// Preference is an (Admin)SetUserMFAPreference request. A nil block leaves
// its factor unchanged.
type Preference struct {
	SMS   *Setting
	TOTP  *Setting
	Email *Setting
	// WebAuthn is WebAuthnMfaSettings.Enabled; it has no PreferredMfa.
	WebAuthn *bool
}

// ApplyPreference returns u's MFA state after an (Admin)SetUserMFAPreference
// request p (spec §3.5), or the §3.4 fault that rejects it. It reads the
// user's attributes and software token, and changes nothing else.
//
// The rules:
//   - a block's Enabled adds its factor to, or removes it from, the enabled
//     list; an omitted block leaves the factor as it is;
//   - disabling a factor that was never set up succeeds (spec §3.5);
//   - enabling a factor the pool does not offer is stored (it falls back at
//     sign-in, spec §3.4); email and passkey MFA are the exception: they need
//     the pool's configuration and a tier that allows them (pool.Email,
//     pool.WebAuthn; UNCONFIRMED);
//   - PreferredMfa makes the factor the one preferred factor; a block for the
//     currently preferred factor without PreferredMfa, or one that disables
//     it, clears the preference;
//   - disabling SMS also ends the legacy MFAOptions entry;
//   - the TOTP secret is never touched.
//
// Checks run in this order: more than one preferred; preferred but not
// enabled; then per factor (SMS, TOTP, email, passkey) the pool and the
// user's delivery configuration.
func ApplyPreference(u *storage.User, p Preference, pool Pool) (storage.UserMFA, error) {
	m := u.MFA
	blocks := []struct {
		factor Factor
		s      *Setting
	}{{SMS, p.SMS}, {TOTP, p.TOTP}, {Email, p.Email}}

	preferred := 0
	for _, b := range blocks {
		if b.s != nil && b.s.Preferred {
			preferred++
		}
	}
	if preferred > 1 {
		return m, ErrTwoPreferred
	}
	for _, b := range blocks {
		if b.s != nil && b.s.Preferred && !b.s.Enabled {
			return m, ErrPreferredDisabled
		}
	}
	if p.SMS != nil && p.SMS.Enabled && !HasPhone(u) {
		return m, ErrNoPhone
	}
	if p.TOTP != nil && p.TOTP.Enabled && !HasTOTP(u) {
		return m, ErrTOTPNotVerified
	}
	if p.Email != nil && p.Email.Enabled {
		if !pool.Email {
			return m, ErrEmailMFAUnavailable
		}
		if !HasEmail(u) {
			return m, ErrNoEmail
		}
	}
	if p.WebAuthn != nil && *p.WebAuthn && !pool.WebAuthn {
		return m, ErrWebAuthnMFAUnavailable
	}

	enabled := slices.Clone(m.Enabled)
	for _, b := range blocks {
		if b.s == nil {
			continue
		}
		enabled = setFactor(enabled, b.factor, b.s.Enabled)
		switch {
		case b.s.Preferred:
			m.Preferred = b.factor
		case m.Preferred == b.factor:
			m.Preferred = ""
		}
	}
	if p.WebAuthn != nil {
		enabled = setFactor(enabled, WebAuthn, *p.WebAuthn)
	}
	if p.SMS != nil && !p.SMS.Enabled {
		m.LegacySMS = false
	}
	m.Enabled = sorted(enabled)
	if !slices.Contains(m.Enabled, m.Preferred) {
		m.Preferred = ""
	}
	return m, nil
}

// ApplyLegacySMS returns u's MFA state after an (Admin)SetUserSettings
// request with the given MFAOptions, each a DeliveryMedium and an
// AttributeName (spec §4.3). AWS no longer supports these operations and
// documents only SMS: [{SMS, phone_number}] turns SMS MFA on, [] turns it
// off. Following the spec's conservative model, turning it on enables
// SMS_MFA without touching the preference; turning it off disables SMS_MFA
// and clears the preference if SMS was preferred, as SetUserMFAPreference
// does. Any other option is rejected (UNCONFIRMED message), as is turning SMS
// on for a user without a phone number (ErrNoPhone, UNCONFIRMED).
func ApplyLegacySMS(u *storage.User, options [][2]string) (storage.UserMFA, error) {
	m := u.MFA
	for _, o := range options {
		if o[0] != "SMS" || o[1] != "phone_number" {
			return m, ErrLegacyOption
		}
	}
	on := len(options) > 0
	if on && !HasPhone(u) {
		return m, ErrNoPhone
	}
	m.LegacySMS = on
	m.Enabled = sorted(setFactor(slices.Clone(m.Enabled), SMS, on))
	if !on && m.Preferred == SMS {
		m.Preferred = ""
	}
	return m, nil
}

func setFactor(set []Factor, f Factor, on bool) []Factor {
	set = slices.DeleteFunc(set, func(s Factor) bool { return s == f })
	if on {
		set = append(set, f)
	}
	return set
}
