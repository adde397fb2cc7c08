package mfa

import (
	"slices"

	"github.com/userpoold/userpoold/internal/storage"
)

// Factor is an MFA factor, named as the wire names it: in
// UserMFASettingList, PreferredMfaSetting, MFAS_CAN_CHOOSE and
// MFAS_CAN_SETUP (and, for SMS, TOTP and email, as the challenge of the
// factor). It is the type of storage.UserMFA's fields.
type Factor = storage.MFAFactor

// The factors. Email MFA is EMAIL_OTP everywhere; EMAIL_MFA is a
// documentation artefact (spec §13.2).
const (
	SMS      Factor = "SMS_MFA"
	TOTP     Factor = "SOFTWARE_TOKEN_MFA"
	Email    Factor = "EMAIL_OTP"
	WebAuthn Factor = "WEB_AUTHN"
)

// order is the order factors are listed in: the order of real
// MFAS_CAN_SETUP values (["SMS_MFA","SOFTWARE_TOKEN_MFA","EMAIL_OTP"],
// spec §7.3).
var order = [...]Factor{SMS, TOTP, Email, WebAuthn}

// sorted returns the factors of set in canonical order, without duplicates
// or unknown names; nil when there are none.
func sorted(set []Factor) []Factor {
	var out []Factor
	for _, f := range order {
		if slices.Contains(set, f) {
			out = append(out, f)
		}
	}
	return out
}

// attribute returns the value of a user attribute, or "".
func attribute(u *storage.User, name string) string {
	for _, a := range u.Attributes {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

// HasPhone reports whether u has a phone number SMS MFA can use. Cognito
// sends MFA codes to unverified numbers too (spec §7.3).
func HasPhone(u *storage.User) bool { return attribute(u, "phone_number") != "" }

// HasEmail reports whether u has an email address email MFA can use
// (verified or not).
func HasEmail(u *storage.User) bool { return attribute(u, "email") != "" }

// HasTOTP reports whether u has a verified software token.
func HasTOTP(u *storage.User) bool {
	return len(u.Secrets.TOTPSecret) > 0 && !u.MFA.TOTPVerifiedAt.IsZero()
}

// Settings returns what GetUser, AdminGetUser and (Admin)GetUserAuthFactors
// show of u's MFA: UserMFASettingList (the enabled factors, in canonical
// order) and PreferredMfaSetting. Both are empty when the user has none, and
// must then be left out of the response entirely (spec §3.5, §4.1).
// WEB_AUTHN is not listed: whether passkey MFA appears there is UNCONFIRMED
// (spec §4.1), and the model names only the three other values.
func Settings(m storage.UserMFA) (list []Factor, preferred Factor) {
	for _, f := range sorted(m.Enabled) {
		if f != WebAuthn {
			list = append(list, f)
		}
	}
	if m.Preferred != "" && slices.Contains(list, m.Preferred) {
		preferred = m.Preferred
	}
	return list, preferred
}
