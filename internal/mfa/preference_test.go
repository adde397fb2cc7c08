package mfa_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/storage"
)

var fixed = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func on(pref bool) *mfa.Setting  { return &mfa.Setting{Enabled: true, Preferred: pref} }
func off(pref bool) *mfa.Setting { return &mfa.Setting{Enabled: false, Preferred: pref} }
func boolp(b bool) *bool         { return &b }

// user builds a user with the given attributes (phone, email, totp) and MFA state.
func user(phone, email, totp bool, enabled []mfa.Factor, preferred mfa.Factor) *storage.User {
	u := &storage.User{MFA: storage.UserMFA{Enabled: enabled, Preferred: preferred}}
	if phone {
		u.Attributes = append(u.Attributes, storage.Attribute{Name: "phone_number", Value: "+12065550100"})
	}
	if email {
		u.Attributes = append(u.Attributes, storage.Attribute{Name: "email", Value: "alice@example.com"})
	}
	if totp {
		u.Secrets.TOTPSecret = []byte("12345678901234567890")
		u.MFA.TOTPVerifiedAt = fixed
	}
	return u
}

// essentials is a pool whose tier allows email MFA, which it has set up.
var essentials = mfa.Pool{Mode: mfa.ModeOptional, Email: true}

// TestApplyPreferenceErrors covers every error row of spec §3.4 that the
// preference rules own (token, user-status and pool-lookup rows are the API
// layer's and are tested there).
func TestApplyPreferenceErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		u    *storage.User
		p    mfa.Preference
		pool mfa.Pool
		kind fault.Kind
		msg  string
	}{
		{"TOTP enabled without a verified token", user(true, true, false, nil, ""),
			mfa.Preference{TOTP: on(true)}, essentials,
			fault.InvalidParameter, "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"},
		{"TOTP enabled with only a pending token", func() *storage.User {
			u := user(true, true, false, nil, "")
			u.Secrets.TOTPPending = []byte("pending-secret-bytes")
			return u
		}(), mfa.Preference{TOTP: on(false)}, essentials,
			fault.InvalidParameter, "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"},
		{"SMS enabled without phone_number", user(false, true, true, nil, ""),
			mfa.Preference{SMS: on(false)}, essentials,
			fault.InvalidParameter, "User does not have delivery config set to turn on SMS_MFA"},
		{"email enabled without email", user(true, false, true, nil, ""),
			mfa.Preference{Email: on(false)}, essentials,
			fault.InvalidParameter, "User does not have delivery config set to turn on EMAIL_OTP"},
		{"preferred but disabled", user(true, true, true, nil, ""),
			mfa.Preference{SMS: off(true)}, essentials,
			fault.InvalidParameter, mfa.ErrPreferredDisabled.Message},
		{"two preferred", user(true, true, true, nil, ""),
			mfa.Preference{SMS: on(true), TOTP: on(true)}, essentials,
			fault.InvalidParameter, mfa.ErrTwoPreferred.Message},
		{"two preferred is checked before delivery config", user(false, false, false, nil, ""),
			mfa.Preference{SMS: on(true), Email: on(true)}, essentials,
			fault.InvalidParameter, mfa.ErrTwoPreferred.Message},
		{"email MFA where the tier forbids it (userpool leaves Pool.Email false)", user(true, true, true, nil, ""),
			mfa.Preference{Email: on(false)}, mfa.Pool{Mode: mfa.ModeOptional},
			fault.InvalidParameter, mfa.ErrEmailMFAUnavailable.Message},
		{"email MFA in a pool without email MFA configuration", user(true, true, true, nil, ""),
			mfa.Preference{Email: on(true)}, mfa.Pool{Mode: mfa.ModeOptional},
			fault.InvalidParameter, mfa.ErrEmailMFAUnavailable.Message},
		{"passkey MFA without MULTI_FACTOR_WITH_USER_VERIFICATION", user(true, true, true, nil, ""),
			mfa.Preference{WebAuthn: boolp(true)}, essentials,
			fault.InvalidParameter, mfa.ErrWebAuthnMFAUnavailable.Message},
		{"legacy TOTP error wording is not used", user(true, true, false, nil, ""),
			mfa.Preference{TOTP: on(false)}, essentials,
			fault.InvalidParameter, "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"},
	} {
		before := tc.u.MFA
		_, err := mfa.ApplyPreference(tc.u, tc.p, tc.pool)
		var f *fault.Error
		if !errors.As(err, &f) || f.Kind != tc.kind || f.Message != tc.msg {
			t.Errorf("%s: err = %v; want %sException %q", tc.name, err, tc.kind, tc.msg)
		}
		if !slices.Equal(tc.u.MFA.Enabled, before.Enabled) || tc.u.MFA.Preferred != before.Preferred {
			t.Errorf("%s: the user was changed", tc.name)
		}
	}
}

// TestApplyPreferenceEffects covers spec §3.5 and the "does not produce an
// error" list of §3.4.
func TestApplyPreferenceEffects(t *testing.T) {
	for _, tc := range []struct {
		name          string
		u             *storage.User
		p             mfa.Preference
		pool          mfa.Pool
		wantEnabled   []mfa.Factor
		wantPreferred mfa.Factor
	}{
		{"enable and prefer TOTP", user(false, false, true, nil, ""),
			mfa.Preference{TOTP: on(true)}, essentials, []mfa.Factor{mfa.TOTP}, mfa.TOTP},
		{"enable SMS without preference", user(true, false, false, nil, ""),
			mfa.Preference{SMS: on(false)}, essentials, []mfa.Factor{mfa.SMS}, ""},
		{"disabling a factor never set up succeeds", user(false, false, false, nil, ""),
			mfa.Preference{TOTP: off(false), SMS: off(false), Email: off(false)}, essentials, nil, ""},
		{"omitted block leaves the factor unchanged", user(true, false, true, []mfa.Factor{mfa.SMS, mfa.TOTP}, mfa.TOTP),
			mfa.Preference{SMS: on(false)}, essentials, []mfa.Factor{mfa.SMS, mfa.TOTP}, mfa.TOTP},
		{"empty request changes nothing", user(true, false, true, []mfa.Factor{mfa.SMS, mfa.TOTP}, mfa.SMS),
			mfa.Preference{}, essentials, []mfa.Factor{mfa.SMS, mfa.TOTP}, mfa.SMS},
		{"new preferred replaces the old, which stays enabled", user(true, false, true, []mfa.Factor{mfa.SMS, mfa.TOTP}, mfa.SMS),
			mfa.Preference{TOTP: on(true)}, essentials, []mfa.Factor{mfa.SMS, mfa.TOTP}, mfa.TOTP},
		{"block for the preferred factor without PreferredMfa clears it", user(true, false, true, []mfa.Factor{mfa.SMS, mfa.TOTP}, mfa.TOTP),
			mfa.Preference{TOTP: on(false)}, essentials, []mfa.Factor{mfa.SMS, mfa.TOTP}, ""},
		{"disabling the preferred factor clears the preference", user(true, false, true, []mfa.Factor{mfa.SMS, mfa.TOTP}, mfa.TOTP),
			mfa.Preference{TOTP: off(false)}, essentials, []mfa.Factor{mfa.SMS}, ""},
		{"disabling another factor keeps the preference", user(true, false, true, []mfa.Factor{mfa.SMS, mfa.TOTP}, mfa.TOTP),
			mfa.Preference{SMS: off(false)}, essentials, []mfa.Factor{mfa.TOTP}, mfa.TOTP},
		{"a factor the pool does not offer is stored (SMS in a TOTP-only pool)", user(true, false, true, []mfa.Factor{mfa.TOTP}, mfa.TOTP),
			mfa.Preference{SMS: on(true)}, mfa.Pool{Mode: mfa.ModeOptional}, []mfa.Factor{mfa.SMS, mfa.TOTP}, mfa.SMS},
		{"email MFA", user(false, true, false, nil, ""),
			mfa.Preference{Email: on(true)}, essentials, []mfa.Factor{mfa.Email}, mfa.Email},
		{"all three, canonical order", user(true, true, true, nil, ""),
			mfa.Preference{Email: on(false), TOTP: on(false), SMS: on(false)}, essentials, []mfa.Factor{mfa.SMS, mfa.TOTP, mfa.Email}, ""},
		{"disable everything", user(true, true, true, []mfa.Factor{mfa.SMS, mfa.TOTP, mfa.Email}, mfa.Email),
			mfa.Preference{Email: off(false), TOTP: off(false), SMS: off(false)}, essentials, nil, ""},
		{"passkey MFA in a multi-factor pool", user(false, false, true, []mfa.Factor{mfa.TOTP}, mfa.TOTP),
			mfa.Preference{WebAuthn: boolp(true)}, mfa.Pool{Mode: mfa.ModeOptional, WebAuthn: true}, []mfa.Factor{mfa.TOTP, mfa.WebAuthn}, mfa.TOTP},
		{"disabling passkey MFA always succeeds", user(false, false, false, []mfa.Factor{mfa.WebAuthn}, ""),
			mfa.Preference{WebAuthn: boolp(false)}, mfa.Pool{}, nil, ""},
	} {
		secret := tc.u.Secrets.TOTPSecret
		m, err := mfa.ApplyPreference(tc.u, tc.p, tc.pool)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !slices.Equal(m.Enabled, tc.wantEnabled) || m.Preferred != tc.wantPreferred {
			t.Errorf("%s: enabled %v preferred %q; want %v %q", tc.name, m.Enabled, m.Preferred, tc.wantEnabled, tc.wantPreferred)
		}
		if string(tc.u.Secrets.TOTPSecret) != string(secret) {
			t.Errorf("%s: the TOTP secret changed", tc.name)
		}
	}
}

func TestApplyPreferenceEndsLegacySMS(t *testing.T) {
	u := user(true, false, false, []mfa.Factor{mfa.SMS}, "")
	u.MFA.LegacySMS = true
	m, err := mfa.ApplyPreference(u, mfa.Preference{SMS: off(false)}, essentials)
	if err != nil || m.LegacySMS || len(m.Enabled) != 0 {
		t.Errorf("after disabling SMS: %+v, %v", m, err)
	}
	u.MFA.LegacySMS = true
	m, _ = mfa.ApplyPreference(u, mfa.Preference{SMS: on(true)}, essentials)
	if !m.LegacySMS || m.Preferred != mfa.SMS {
		t.Errorf("after preferring SMS: %+v", m)
	}
}

func TestApplyLegacySMS(t *testing.T) {
	sms := [][2]string{{"SMS", "phone_number"}}
	u := user(true, false, true, []mfa.Factor{mfa.TOTP}, mfa.TOTP)
	m, err := mfa.ApplyLegacySMS(u, sms)
	if err != nil || !m.LegacySMS || !slices.Equal(m.Enabled, []mfa.Factor{mfa.SMS, mfa.TOTP}) || m.Preferred != mfa.TOTP {
		t.Errorf("turn on: %+v, %v", m, err)
	}
	u.MFA = m
	u.MFA.Preferred = mfa.SMS
	m, err = mfa.ApplyLegacySMS(u, nil)
	if err != nil || m.LegacySMS || !slices.Equal(m.Enabled, []mfa.Factor{mfa.TOTP}) || m.Preferred != "" {
		t.Errorf("turn off: %+v, %v", m, err)
	}
	if _, err := mfa.ApplyLegacySMS(user(false, true, false, nil, ""), sms); !errors.Is(err, mfa.ErrNoPhone) {
		t.Errorf("no phone: %v", err)
	}
	for _, bad := range [][][2]string{{{"EMAIL", "email"}}, {{"SMS", "email"}}, {{"EMAIL", "phone_number"}}} {
		if _, err := mfa.ApplyLegacySMS(user(true, true, false, nil, ""), bad); !errors.Is(err, mfa.ErrLegacyOption) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestSettings(t *testing.T) {
	list, pref := mfa.Settings(storage.UserMFA{})
	if list != nil || pref != "" {
		t.Errorf("no MFA: %v %q (both must be empty so that the keys are omitted)", list, pref)
	}
	list, pref = mfa.Settings(storage.UserMFA{Enabled: []mfa.Factor{mfa.TOTP, mfa.WebAuthn, mfa.SMS}, Preferred: mfa.TOTP})
	if !slices.Equal(list, []mfa.Factor{mfa.SMS, mfa.TOTP}) || pref != mfa.TOTP {
		t.Errorf("Settings = %v %q", list, pref)
	}
}
