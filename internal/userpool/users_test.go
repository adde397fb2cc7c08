package userpool

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func attrs(kv ...string) []storage.Attribute {
	var out []storage.Attribute
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, storage.Attribute{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func wantFault(t *testing.T, err error, kind fault.Kind, msg string) {
	t.Helper()
	var f *fault.Error
	if !errors.As(err, &f) || f.Kind != kind || f.Message != msg {
		t.Fatalf("error = %v; want %sException %q", err, kind, msg)
	}
}

func TestUsernameRules(t *testing.T) {
	tests := []struct {
		name     string
		st       Settings
		username string
		attr     string
		kind     fault.Kind
		msg      string
	}{
		{name: "plain", username: "alice"},
		{name: "plain pool takes an email username", username: "a@example.com"},
		{name: "email attr", st: Settings{UsernameAttributes: []string{"email"}}, username: "a@example.com", attr: "email"},
		{name: "email attr refuses name", st: Settings{UsernameAttributes: []string{"email"}}, username: "alice",
			kind: fault.InvalidParameter, msg: "Username should be an email."},
		{name: "email attr refuses phone", st: Settings{UsernameAttributes: []string{"email"}}, username: "+15555550100",
			kind: fault.InvalidParameter, msg: "Username should be an email."},
		{name: "phone attr", st: Settings{UsernameAttributes: []string{"phone_number"}}, username: "+15555550100", attr: "phone_number"},
		{name: "phone attr refuses email", st: Settings{UsernameAttributes: []string{"phone_number"}}, username: "a@example.com",
			kind: fault.InvalidParameter, msg: "Username should be a phone number."},
		{name: "both take email", st: Settings{UsernameAttributes: []string{"phone_number", "email"}}, username: "a@example.com", attr: "email"},
		{name: "both take phone", st: Settings{UsernameAttributes: []string{"phone_number", "email"}}, username: "+15555550100", attr: "phone_number"},
		{name: "both refuse name", st: Settings{UsernameAttributes: []string{"phone_number", "email"}}, username: "bob",
			kind: fault.InvalidParameter, msg: "Username should be either an email or a phone number."},
		{name: "email alias refuses email", st: Settings{AliasAttributes: []string{"email"}}, username: "a@example.com",
			kind: fault.InvalidParameter, msg: "Username cannot be of email format, since user pool is configured for email alias."},
		{name: "email alias takes phone", st: Settings{AliasAttributes: []string{"email"}}, username: "+15555550100"},
		{name: "phone alias refuses phone", st: Settings{AliasAttributes: []string{"phone_number"}}, username: "+15555550100",
			kind: fault.InvalidParameter, msg: "Username cannot be of phone number format, since user pool is configured for phone number alias."},
		{name: "preferred_username alias", st: Settings{AliasAttributes: []string{"preferred_username"}}, username: "a@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attr, err := usernameRules(&tt.st, tt.username)
			if tt.kind != "" {
				wantFault(t, err, tt.kind, tt.msg)
				return
			}
			if err != nil || attr != tt.attr {
				t.Fatalf("usernameRules = %q, %v; want %q", attr, err, tt.attr)
			}
		})
	}
}

func TestConfirmationAttribute(t *testing.T) {
	both := attrs("email", "a@example.com", "phone_number", "+15555550100")
	tests := []struct {
		name  string
		auto  []string
		attrs []storage.Attribute
		want  string
	}{
		{"nothing auto-verified", nil, both, ""},
		{"email", []string{"email"}, both, "email"},
		{"phone", []string{"phone_number"}, both, "phone_number"},
		{"both: SMS wins", []string{"email", "phone_number"}, both, "phone_number"},
		{"both, no phone", []string{"email", "phone_number"}, attrs("email", "a@example.com"), "email"},
		{"auto email, no email", []string{"email"}, attrs("name", "A"), ""},
	}
	for _, tt := range tests {
		st := &Settings{AutoVerifiedAttributes: tt.auto}
		if got := confirmationAttribute(st, storage.User{Attributes: tt.attrs}); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// mechanism is a RecoveryOption by name and priority.
func mechanism(name string, priority int32) RecoveryOption {
	return RecoveryOption{Name: &name, Priority: &priority}
}

func recovery(ms ...RecoveryOption) *Settings {
	return &Settings{AccountRecoverySetting: &AccountRecoverySetting{RecoveryMechanisms: ms}}
}

func TestRecoveryAttribute(t *testing.T) {
	verifiedBoth := storage.User{Attributes: attrs("email", "a@example.com", "email_verified", "true",
		"phone_number", "+15555550100", "phone_number_verified", "true")}
	emailOnly := storage.User{Attributes: attrs("email", "a@example.com", "email_verified", "true",
		"phone_number", "+15555550100", "phone_number_verified", "false")}
	unverified := storage.User{Attributes: attrs("email", "a@example.com", "phone_number", "+15555550100")}
	tests := []struct {
		name      string
		st        *Settings
		u         storage.User
		want      string
		adminOnly bool
	}{
		{"legacy prefers phone", &Settings{}, verifiedBoth, "phone_number", false},
		{"legacy falls back to email", &Settings{}, emailOnly, "email", false},
		{"legacy, nothing verified", &Settings{}, unverified, "", false},
		{"email first", recovery(mechanism("verified_phone_number", 2), mechanism("verified_email", 1)), verifiedBoth, "email", false},
		{"phone first", recovery(mechanism("verified_phone_number", 1), mechanism("verified_email", 2)), verifiedBoth, "phone_number", false},
		{"phone only, no verified phone", recovery(mechanism("verified_phone_number", 1)), emailOnly, "", false},
		{"admin only", recovery(mechanism("admin_only", 1)), verifiedBoth, "", true},
	}
	for _, tt := range tests {
		got, adminOnly := RecoveryAttribute(tt.st, tt.u)
		if got != tt.want || adminOnly != tt.adminOnly {
			t.Errorf("%s: %q %v, want %q %v", tt.name, got, adminOnly, tt.want, tt.adminOnly)
		}
	}
}

func TestFakeDelivery(t *testing.T) {
	p := &Pool{Pool: storage.Pool{ID: "us-east-1_Fake12345"}, Settings: &Settings{}}
	if d := FakeDelivery(p, "nobody@example.org"); d.DeliveryMedium != "EMAIL" || d.AttributeName != "email" || d.Destination != "n***@e***.org" {
		t.Errorf("email-shaped name: %+v", d)
	}
	if d := FakeDelivery(p, "+15555550123"); d.DeliveryMedium != "SMS" || d.AttributeName != "phone_number" || d.Destination != "+*******0123" {
		t.Errorf("phone-shaped name: %+v", d)
	}
	a, b := FakeDelivery(p, "ghost"), FakeDelivery(p, "GHOST")
	if a != b || a.DeliveryMedium != "EMAIL" || len(a.Destination) != len("x***@y***.com") {
		t.Errorf("plain name: %+v / %+v", a, b)
	}
	if c := FakeDelivery(p, "another-ghost"); c.DeliveryMedium != "EMAIL" {
		t.Errorf("another name: %+v", c)
	}
	phonePool := &Pool{Pool: p.Pool, Settings: recovery(mechanism("verified_phone_number", 1), mechanism("verified_email", 2))}
	if d := FakeDelivery(phonePool, "ghost"); d.DeliveryMedium != "SMS" || len(d.Destination) != len("+*******0123") {
		t.Errorf("phone recovery: %+v", d)
	}
}

func TestPlanUpdate(t *testing.T) {
	auto := &Settings{AutoVerifiedAttributes: []string{"email", "phone_number"}}
	keep := &Settings{AutoVerifiedAttributes: []string{"email"}}
	keep.UserAttributeUpdateSettings = &UserAttributeUpdateSettings{AttributesRequireVerificationBeforeUpdate: []string{"email"}}
	verified := storage.User{Attributes: attrs("email", "old@example.com", "email_verified", "true", "name", "Old")}
	unverified := storage.User{Attributes: attrs("email", "old@example.com", "email_verified", "false")}

	tests := []struct {
		name        string
		st          *Settings
		u           storage.User
		update      []storage.Attribute
		wantAttrs   []storage.Attribute
		wantPending []storage.Attribute
		wantVerify  []string
	}{
		{
			name: "plain attribute", st: auto, u: verified, update: attrs("name", "New"),
			wantAttrs: attrs("email", "old@example.com", "email_verified", "true", "name", "New"),
		},
		{
			name: "auto-verified email: unverified and a code", st: auto, u: verified, update: attrs("email", "new@example.com"),
			wantAttrs:  attrs("email", "new@example.com", "email_verified", "false", "name", "Old"),
			wantVerify: []string{"email"},
		},
		{
			name: "same email: nothing", st: auto, u: verified, update: attrs("email", "old@example.com"),
			wantAttrs: verified.Attributes,
		},
		{
			name: "not auto-verified: unverified, no code", st: &Settings{}, u: verified, update: attrs("email", "new@example.com"),
			wantAttrs: attrs("email", "new@example.com", "email_verified", "false", "name", "Old"),
		},
		{
			name: "admin verifies in the same call", st: auto, u: verified, update: attrs("email", "new@example.com", "email_verified", "true"),
			wantAttrs: attrs("email", "new@example.com", "email_verified", "true", "name", "Old"),
		},
		{
			name: "verified false still sends a code", st: auto, u: verified, update: attrs("email_verified", "false", "email", "new@example.com"),
			wantAttrs:  attrs("email", "new@example.com", "email_verified", "false", "name", "Old"),
			wantVerify: []string{"email"},
		},
		{
			name: "verification before update keeps the old value", st: keep, u: verified, update: attrs("email", "new@example.com"),
			wantAttrs:   verified.Attributes,
			wantPending: attrs("email", "new@example.com"),
			wantVerify:  []string{"email"},
		},
		{
			name: "verification before update, unverified old value", st: keep, u: unverified, update: attrs("email", "new@example.com"),
			wantAttrs:  attrs("email", "new@example.com", "email_verified", "false"),
			wantVerify: []string{"email"},
		},
		{
			name: "empty value deletes with its flag", st: auto, u: verified, update: attrs("email", ""),
			wantAttrs: attrs("name", "Old"),
		},
		{
			name: "flag alone", st: auto, u: unverified, update: attrs("email_verified", "true"),
			wantAttrs: attrs("email", "old@example.com", "email_verified", "true"),
		},
		{
			name: "phone gets a code too", st: auto, u: verified, update: attrs("phone_number", "+15555550100"),
			wantAttrs:  attrs("email", "old@example.com", "email_verified", "true", "name", "Old", "phone_number", "+15555550100", "phone_number_verified", "false"),
			wantVerify: []string{"phone_number"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(tt.u.Attributes)
			pl := planUpdate(tt.st, tt.u, tt.update)
			if !slices.Equal(pl.attrs, tt.wantAttrs) {
				t.Errorf("attrs = %v, want %v", pl.attrs, tt.wantAttrs)
			}
			if !slices.Equal(pl.pending, tt.wantPending) {
				t.Errorf("pending = %v, want %v", pl.pending, tt.wantPending)
			}
			var verify []string
			for _, a := range pl.verify {
				verify = append(verify, a.Name)
			}
			if !slices.Equal(verify, tt.wantVerify) {
				t.Errorf("verify = %v, want %v", verify, tt.wantVerify)
			}
			if !slices.Equal(tt.u.Attributes, before) {
				t.Errorf("planUpdate changed its input: %v", tt.u.Attributes)
			}
		})
	}
}

func TestCodesWithFixedClock(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := &Service{Now: func() time.Time { return now }}
	var u storage.User
	code, err := s.IssueCode(&u, CodeVerify("email"), VerifyCodeTTL)
	if err != nil || len(code) != 6 {
		t.Fatalf("IssueCode = %q, %v", code, err)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	wantFault(t, s.ConsumeCode(&u, CodeVerify("email"), wrong), fault.CodeMismatch, "Invalid verification code provided, please try again.")
	wantFault(t, s.ConsumeCode(&u, CodeVerify("phone_number"), code), fault.CodeMismatch, "Invalid verification code provided, please try again.")
	now = now.Add(VerifyCodeTTL)
	wantFault(t, s.ConsumeCode(&u, CodeVerify("email"), code), fault.ExpiredCode, "Invalid code provided, please request a code again.")
	now = now.Add(-time.Second)
	if err := s.ConsumeCode(&u, CodeVerify("email"), code); err != nil {
		t.Fatalf("valid code: %v", err)
	}
	wantFault(t, s.ConsumeCode(&u, CodeVerify("email"), code), fault.CodeMismatch, "Invalid verification code provided, please try again.")

	code, _ = s.IssueCode(&u, CodeSignUp, SignUpCodeTTL)
	for range MaxCodeAttempts {
		s.ConsumeCode(&u, CodeSignUp, wrong)
	}
	wantFault(t, s.ConsumeCode(&u, CodeSignUp, code), fault.LimitExceeded, "Attempt limit exceeded, please try after some time.")
	if !hasCode(u, CodeSignUp) || hasCode(u, CodeForgotPassword) {
		t.Errorf("hasCode: %+v", u.Secrets.Codes)
	}
}

func TestClientPermissions(t *testing.T) {
	p := &Pool{Settings: &Settings{}}
	open := &Client{Settings: &ClientSettings{}}
	for _, a := range []string{"email", "name", "custom:tenant", "phone_number"} {
		if !open.CanWrite(p, a) || !open.CanRead(a) {
			t.Errorf("default client cannot use %s", a)
		}
	}
	for _, a := range []string{"email_verified", "phone_number_verified", "dev:custom:secret"} {
		if open.CanWrite(p, a) {
			t.Errorf("default client may write %s", a)
		}
	}
	limited := &Client{Settings: &ClientSettings{ReadAttributes: []string{"email"}, WriteAttributes: []string{"name", "email_verified"}}}
	if !limited.CanRead("sub") || !limited.CanRead("email") || limited.CanRead("name") {
		t.Errorf("limited reads")
	}
	if !limited.CanWrite(p, "name") || !limited.CanWrite(p, "email_verified") || limited.CanWrite(p, "email") {
		t.Errorf("limited writes")
	}
	wantFault(t, limited.checkWrite(p, attrs("name", "x", "email", "y")), fault.NotAuthorized, "A client attempted to write unauthorized attribute")
	var admin *Client
	if err := admin.checkWrite(p, attrs("email_verified", "true")); err != nil {
		t.Errorf("admin: %v", err)
	}
}
