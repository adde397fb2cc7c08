package mfa_test

import (
	"slices"
	"testing"

	"github.com/userpoold/userpoold/internal/mfa"
)

// TestDecide walks every bullet of spec §7.3 (and the evidence listed under
// it) with a fixed clock.
func TestDecide(t *testing.T) {
	var (
		smsTOTP      = mfa.Pool{Mode: "ON", SMS: true, TOTP: true}
		totpOnly     = mfa.Pool{Mode: "ON", TOTP: true}
		smsOnly      = mfa.Pool{Mode: "ON", SMS: true}
		all          = mfa.Pool{Mode: "ON", SMS: true, TOTP: true, Email: true}
		totpEmail    = mfa.Pool{Mode: "ON", TOTP: true, Email: true}
		optSMSTOTP   = mfa.Pool{Mode: "OPTIONAL", SMS: true, TOTP: true}
		optAll       = mfa.Pool{Mode: "OPTIONAL", SMS: true, TOTP: true, Email: true}
		offWithStuff = mfa.Pool{Mode: "OFF", SMS: true, TOTP: true, Email: true}
		none         = mfa.Decision{Outcome: mfa.NoMFA}
	)
	challenge := func(f mfa.Factor) mfa.Decision { return mfa.Decision{Outcome: mfa.Challenge, Challenge: f} }
	sel := func(fs ...mfa.Factor) mfa.Decision { return mfa.Decision{Outcome: mfa.Select, Factors: fs} }
	setup := func(fs ...mfa.Factor) mfa.Decision { return mfa.Decision{Outcome: mfa.Setup, Factors: fs} }
	everything := user(true, true, true, []mfa.Factor{mfa.SMS, mfa.TOTP, mfa.Email}, mfa.TOTP)

	for _, tc := range []struct {
		name string
		pool mfa.Pool
		u    mfa.User
		want mfa.Decision
	}{
		// "if pool.MfaConfiguration == OFF -> no MFA"
		{"OFF pool ignores every user setting", offWithStuff, mfa.UserOf(everything), none},
		{"OFF pool, user without factors", mfa.Pool{Mode: "OFF"}, mfa.UserOf(user(true, true, false, nil, "")), none},
		{"empty mode is OFF", mfa.Pool{SMS: true}, mfa.UserOf(user(true, false, false, []mfa.Factor{mfa.SMS}, mfa.SMS)), none},

		// "enabled = user factors that are enabled AND usable"
		{"SMS enabled but no phone number is not usable (OPTIONAL → no MFA)", optSMSTOTP,
			mfa.UserOf(user(false, false, false, []mfa.Factor{mfa.SMS}, mfa.SMS)), none},
		{"TOTP enabled but no verified secret is not usable (OPTIONAL → no MFA)", optSMSTOTP,
			mfa.UserOf(user(false, false, false, []mfa.Factor{mfa.TOTP}, mfa.TOTP)), none},
		{"email enabled but no email is not usable (OPTIONAL → no MFA)", optAll,
			mfa.UserOf(user(false, false, false, []mfa.Factor{mfa.Email}, "")), none},
		{"unusable SMS in an ON pool leads to MFA_SETUP", totpOnly,
			mfa.UserOf(user(false, false, false, []mfa.Factor{mfa.SMS}, mfa.SMS)), setup(mfa.TOTP)},

		// "if enabled is empty: if pool == OPTIONAL -> no MFA (tokens)"
		{"OPTIONAL pool, no factors, even with a phone number", optSMSTOTP, mfa.UserOf(user(true, true, false, nil, "")), none},
		{"OPTIONAL pool, verified but not enabled TOTP", optSMSTOTP, mfa.UserOf(user(false, false, true, nil, "")), none},

		// "if pool == ON: if pool SMS on and user has phone_number -> SMS_MFA (implicit)"
		{"ON SMS+TOTP pool, user with a phone number gets implicit SMS", smsTOTP, mfa.UserOf(user(true, false, false, nil, "")), challenge(mfa.SMS)},
		{"ON SMS-only pool, implicit SMS", smsOnly, mfa.UserOf(user(true, true, false, nil, "")), challenge(mfa.SMS)},
		{"implicit SMS wins over implicit email", all, mfa.UserOf(user(true, true, false, nil, "")), challenge(mfa.SMS)},
		{"a phone number does not help when the pool has no SMS", totpOnly, mfa.UserOf(user(true, false, false, nil, "")), setup(mfa.TOTP)},
		// "(email analogue: pool email MFA on and user has email -> EMAIL_OTP?  UNCONFIRMED)"
		// Email MFA is not implicit (implicitEmailMFA): the user sets a factor up.
		{"ON TOTP+email pool, user with email sets a factor up", totpEmail, mfa.UserOf(user(false, true, false, nil, "")), setup(mfa.TOTP, mfa.Email)},
		// "else -> MFA_SETUP with MFAS_CAN_SETUP = factors the pool offers"
		{"ON TOTP-only pool, new user → MFA_SETUP [TOTP]", totpOnly, mfa.UserOf(user(false, true, false, nil, "")), setup(mfa.TOTP)},
		{"ON SMS+TOTP pool, user without phone → MFA_SETUP lists SMS too", smsTOTP, mfa.UserOf(user(false, true, false, nil, "")), setup(mfa.SMS, mfa.TOTP)},
		{"ON pool with all three, user with nothing", all, mfa.UserOf(user(false, false, false, nil, "")), setup(mfa.SMS, mfa.TOTP, mfa.Email)},
		{"ON SMS-only pool, user without phone", smsOnly, mfa.UserOf(user(false, true, false, nil, "")), setup(mfa.SMS)},

		// "if preferred in enabled and the pool offers it -> that challenge"
		{"preferred TOTP with SMS+TOTP enabled [AV optional test]", optSMSTOTP,
			mfa.UserOf(user(true, false, true, []mfa.Factor{mfa.SMS, mfa.TOTP}, mfa.TOTP)), challenge(mfa.TOTP)},
		{"preferred SMS with SMS+TOTP enabled", smsTOTP,
			mfa.UserOf(user(true, false, true, []mfa.Factor{mfa.SMS, mfa.TOTP}, mfa.SMS)), challenge(mfa.SMS)},
		{"preferred email with all enabled", optAll, mfa.UserOf(user(true, true, true, []mfa.Factor{mfa.SMS, mfa.TOTP, mfa.Email}, mfa.Email)), challenge(mfa.Email)},

		// "if preferred is not offered by the pool -> fall back to an enabled factor the pool offers"
		{"SMS preferred in a TOTP-only pool falls back to TOTP [amplify-js#11260]", totpOnly,
			mfa.UserOf(user(true, false, true, []mfa.Factor{mfa.SMS, mfa.TOTP}, mfa.SMS)), challenge(mfa.TOTP)},
		{"email preferred in a pool without email, two others enabled → choose", smsTOTP,
			mfa.UserOf(user(true, true, true, []mfa.Factor{mfa.SMS, mfa.TOTP, mfa.Email}, mfa.Email)), sel(mfa.SMS, mfa.TOTP)},
		{"an enabled factor the pool lacks is ignored (OPTIONAL → no MFA)", mfa.Pool{Mode: "OPTIONAL", TOTP: true},
			mfa.UserOf(user(true, false, false, []mfa.Factor{mfa.SMS}, mfa.SMS)), none},
		{"a verified token keeps working after the pool turned TOTP off [DG23]", smsOnly,
			mfa.UserOf(user(false, false, true, []mfa.Factor{mfa.TOTP}, mfa.TOTP)), challenge(mfa.TOTP)},

		// "if len(enabled) == 1 -> that challenge"
		{"only TOTP enabled, not preferred", optSMSTOTP, mfa.UserOf(user(true, false, true, []mfa.Factor{mfa.TOTP}, "")), challenge(mfa.TOTP)},
		{"only SMS enabled, TOTP verified but not enabled", optSMSTOTP, mfa.UserOf(user(true, false, true, []mfa.Factor{mfa.SMS}, "")), challenge(mfa.SMS)},
		{"only email enabled", optAll, mfa.UserOf(user(true, true, false, []mfa.Factor{mfa.Email}, "")), challenge(mfa.Email)},

		// "if len(enabled) > 1 and no preference -> SELECT_MFA_TYPE (MFAS_CAN_CHOOSE = enabled list)"
		{"SMS+TOTP enabled, no preference", smsTOTP, mfa.UserOf(user(true, false, true, []mfa.Factor{mfa.TOTP, mfa.SMS}, "")), sel(mfa.SMS, mfa.TOTP)},
		{"all three enabled, no preference", optAll, mfa.UserOf(user(true, true, true, []mfa.Factor{mfa.Email, mfa.SMS, mfa.TOTP}, "")), sel(mfa.SMS, mfa.TOTP, mfa.Email)},
		{"select lists only usable factors", optAll, mfa.UserOf(user(false, true, true, []mfa.Factor{mfa.SMS, mfa.TOTP, mfa.Email}, "")), sel(mfa.TOTP, mfa.Email)},
	} {
		got := mfa.Decide(tc.pool, tc.u)
		if got.Outcome != tc.want.Outcome || got.Challenge != tc.want.Challenge || !slices.Equal(got.Factors, tc.want.Factors) {
			t.Errorf("%s: Decide = %+v; want %+v", tc.name, got, tc.want)
		}
	}
}
