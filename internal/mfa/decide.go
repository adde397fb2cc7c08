package mfa

import (
	"slices"

	"github.com/userpoold/userpoold/internal/storage"
)

// Mode is a pool's MfaConfiguration.
type Mode string

// The MFA modes (UserPoolMfaType).
const (
	ModeOff      Mode = "OFF"
	ModeOn       Mode = "ON"
	ModeOptional Mode = "OPTIONAL"
)

// Pool is what the MFA rules need to know about a pool: its mode and the
// factors it offers. Package userpool builds it from the pool's settings
// and tier (userpool.Pool.MFA), so the rules here never look at a tier.
type Pool struct {
	// Mode is the pool's MfaConfiguration; "" counts as OFF.
	Mode Mode
	// SMS, TOTP and Email say which factors the pool offers (none while
	// Mode is OFF); Email is false on a tier without email MFA.
	SMS, TOTP, Email bool
	// WebAuthn says passkeys may be a second factor
	// (WebAuthnConfiguration.FactorConfiguration
	// MULTI_FACTOR_WITH_USER_VERIFICATION on a tier that allows it).
	WebAuthn bool
}

// Offers returns the factors the pool offers, in canonical order: the value
// of MFAS_CAN_SETUP.
func (p Pool) Offers() []Factor {
	var out []Factor
	if p.SMS {
		out = append(out, SMS)
	}
	if p.TOTP {
		out = append(out, TOTP)
	}
	if p.Email {
		out = append(out, Email)
	}
	return out
}

func (p Pool) offers(f Factor) bool {
	switch f {
	case SMS:
		return p.SMS
	case TOTP:
		return p.TOTP
	case Email:
		return p.Email
	}
	return false
}

// User is what the sign-in decision needs to know about a user.
type User struct {
	// Enabled and Preferred are the user's MFA settings (storage.UserMFA).
	Enabled   []Factor
	Preferred Factor
	// Whether each factor is usable: SMS needs a phone number, email an
	// address (neither needs to be verified), TOTP a verified secret.
	HasPhone, HasEmail, HasTOTP bool
}

// UserOf returns the decision's view of u.
func UserOf(u *storage.User) User {
	return User{
		Enabled: u.MFA.Enabled, Preferred: u.MFA.Preferred,
		HasPhone: HasPhone(u), HasEmail: HasEmail(u), HasTOTP: HasTOTP(u),
	}
}

func (u User) usable(f Factor) bool {
	switch f {
	case SMS:
		return u.HasPhone
	case TOTP:
		return u.HasTOTP
	case Email:
		return u.HasEmail
	}
	return false
}

// Outcome is the kind of a Decision.
type Outcome int

const (
	// NoMFA: the password alone signs the user in.
	NoMFA Outcome = iota
	// Challenge: the user must answer Decision.Challenge (SMS_MFA,
	// SOFTWARE_TOKEN_MFA or EMAIL_OTP).
	Challenge
	// Select: SELECT_MFA_TYPE with MFAS_CAN_CHOOSE = Decision.Factors.
	Select
	// Setup: MFA_SETUP with MFAS_CAN_SETUP = Decision.Factors.
	Setup
)

// Decision is what follows a verified password.
type Decision struct {
	Outcome   Outcome
	Challenge Factor   // for Challenge
	Factors   []Factor // for Select and Setup, in canonical order
}

// implicitEmailMFA says whether a user without MFA factors in an ON pool
// that offers email MFA, and who has an email address, is challenged with
// EMAIL_OTP, as users with a phone number are with SMS_MFA. UNCONFIRMED
// (spec §7.3 "email analogue", §14.8); the Developer Guide says SMS and email
// MFA "require no additional configuration after your user adds an email
// address or phone number to their profile". But Amplify v6 implements an
// in-flow email MFA setup (MFA_SETUP answered with EMAIL) and a setup
// selection between TOTP and email, which users with an email address would
// never reach if email MFA were implicit; the SMS evidence (amplify-js#11258)
// does not carry over. So such users get MFA_SETUP. Set to true to challenge
// them with EMAIL_OTP instead.
const implicitEmailMFA = false

// Decide is the MFA decision taken after a user's password (or SRP proof)
// is verified (spec §7.3):
//
//   - pool MFA OFF: no MFA, whatever the user set;
//   - the candidates are the user's enabled factors that are usable (SMS
//     needs a phone number, EMAIL_OTP an email, TOTP a verified secret) and
//     offered by the pool; a verified software token counts even when the
//     pool has since turned TOTP off [DG23 TOTP page];
//   - no candidate: OPTIONAL → no MFA; ON → SMS_MFA when the pool offers SMS
//     and the user has a phone number (implicit SMS, which
//     UserMFASettingList does not show) [IS amplify-js#11258], else EMAIL_OTP
//     likewise for email (UNCONFIRMED, implicitEmailMFA), else MFA_SETUP
//     listing every factor the pool offers (SMS included, though it cannot be
//     set up in the flow);
//   - the preferred factor when it is a candidate [AV optional test];
//   - otherwise the only candidate: a preferred factor the pool does not
//     offer falls back to one it does [IS amplify-js#11260];
//   - otherwise SELECT_MFA_TYPE with the candidates [M doc].
func Decide(p Pool, u User) Decision {
	if p.Mode != ModeOn && p.Mode != ModeOptional {
		return Decision{Outcome: NoMFA}
	}
	var candidates []Factor
	for _, f := range sorted(u.Enabled) {
		if u.usable(f) && (p.offers(f) || f == TOTP) {
			candidates = append(candidates, f)
		}
	}
	switch {
	case len(candidates) == 0 && p.Mode == ModeOptional:
		return Decision{Outcome: NoMFA}
	case len(candidates) == 0 && p.SMS && u.HasPhone:
		return Decision{Outcome: Challenge, Challenge: SMS}
	case len(candidates) == 0 && implicitEmailMFA && p.Email && u.HasEmail:
		return Decision{Outcome: Challenge, Challenge: Email}
	case len(candidates) == 0:
		return Decision{Outcome: Setup, Factors: p.Offers()}
	case slices.Contains(candidates, u.Preferred):
		return Decision{Outcome: Challenge, Challenge: u.Preferred}
	case len(candidates) == 1:
		return Decision{Outcome: Challenge, Challenge: candidates[0]}
	default:
		return Decision{Outcome: Select, Factors: candidates}
	}
}
