package password

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPolicyCheck(t *testing.T) {
	none := Policy{MinimumLength: 6}
	for _, tc := range []struct {
		name   string
		policy Policy
		pw     string
		want   string // "" = accepted
	}{
		{"default ok", DefaultPolicy, "Passw0rd!", ""},
		{"exactly min length", DefaultPolicy, "Pa0!aaaa", ""},
		{"too short", DefaultPolicy, "Pa0!aaa", "Password did not conform with policy: Password not long enough"},
		// Length is reported before any character class.
		{"short and plain", DefaultPolicy, "abc", "Password did not conform with policy: Password not long enough"},
		{"no lowercase", DefaultPolicy, "PASSW0RD!", "Password did not conform with policy: Password must have lowercase characters"},
		{"no uppercase", DefaultPolicy, "passw0rd!", "Password did not conform with policy: Password must have uppercase characters"},
		{"no number", DefaultPolicy, "Password!", "Password did not conform with policy: Password must have numeric characters"},
		{"no symbol", DefaultPolicy, "Passw0rd", "Password did not conform with policy: Password must have symbol characters"},
		// Order observed from AWS: "12341234" → lowercase; "asdfasilguhasulf!" → uppercase.
		{"digits only: lowercase first", DefaultPolicy, "12341234", "Password did not conform with policy: Password must have lowercase characters"},
		{"no upper, no digit: uppercase first", DefaultPolicy, "asdfasilguhasulf!", "Password did not conform with policy: Password must have uppercase characters"},
		{"no digit, no symbol: number first", DefaultPolicy, "TestTest", "Password did not conform with policy: Password must have numeric characters"},
		{"inner space is a symbol", DefaultPolicy, "Passw0rd x", ""},
		{"leading space is not", DefaultPolicy, " Passw0rdx", "Password did not conform with policy: Password must have symbol characters"},
		{"trailing space is not", DefaultPolicy, "Passw0rdx ", "Password did not conform with policy: Password must have symbol characters"},
		{"tab is not a symbol", DefaultPolicy, "Passw0rd\tx", "Password did not conform with policy: Password must have symbol characters"},
		{"non-latin letters are not letters", DefaultPolicy, "ÄÖÜ0!äöüx", "Password did not conform with policy: Password must have uppercase characters"},
		{"non-ASCII symbol does not count", DefaultPolicy, "Passw0rd€", "Password did not conform with policy: Password must have symbol characters"},
		{"length counts code points", Policy{MinimumLength: 4}, "äöüß", ""},
		{"length counts code points (short)", Policy{MinimumLength: 5}, "äöüß", "Password did not conform with policy: Password not long enough"},
		{"no classes required", none, "aaaaaa", ""},
		{"no classes required, short", none, "aaaaa", "Password did not conform with policy: Password not long enough"},
		{"only symbols required", Policy{MinimumLength: 6, RequireSymbols: true}, "aaaaa=", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.policy.Check(tc.pw)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want nil", tc.pw, err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Check(%q) = %v, want %q", tc.pw, err, tc.want)
			}
			if !errors.Is(err, ErrPolicy) {
				t.Error("errors.Is(err, ErrPolicy) = false")
			}
			var pe *PolicyError
			if !errors.As(err, &pe) || pe.Reason == "" {
				t.Error("not a *PolicyError")
			}
			if strings.Contains(err.Error(), tc.pw) && len(tc.pw) > 3 {
				t.Error("message contains the password")
			}
		})
	}
}

func TestEverySymbolCounts(t *testing.T) {
	p := Policy{MinimumLength: 1, RequireSymbols: true}
	for _, c := range []byte(Symbols) {
		if err := p.Check("a" + string(c) + "b"); err != nil {
			t.Errorf("%q: %v", c, err)
		}
	}
	if len(Symbols) != 32 {
		t.Errorf("len(Symbols) = %d, want 32 (Cognito's documented set)", len(Symbols))
	}
}

func TestCheckForPrefixes(t *testing.T) {
	for _, tc := range []struct{ op, want string }{
		{"SignUp", "Password did not conform with policy: Password not long enough"},
		{"ChangePassword", "Password did not conform with policy: Password not long enough"},
		{"AdminCreateUser", "Password did not conform with password policy: Password not long enough"},
		{"AdminSetUserPassword", "Password did not conform with password policy: Password not long enough"},
		{"ConfirmForgotPassword", "Password does not conform to policy: Password not long enough"},
		{"RespondToAuthChallenge", "Password does not conform to policy: Password not long enough"},
		{"AdminRespondToAuthChallenge", "Password does not conform to policy: Password not long enough"},
		{"", "Password did not conform with policy: Password not long enough"},
	} {
		err := DefaultPolicy.CheckFor(tc.op, "x")
		if err == nil || err.Error() != tc.want {
			t.Errorf("CheckFor(%q) = %v, want %q", tc.op, err, tc.want)
		}
	}
}

func TestTemporaryPasswordTTL(t *testing.T) {
	if got := DefaultPolicy.TemporaryPasswordTTL(); got != 7*24*time.Hour {
		t.Errorf("default TTL = %v", got)
	}
	if got := (Policy{TemporaryPasswordValidityDays: 1}).TemporaryPasswordTTL(); got != 24*time.Hour {
		t.Errorf("1-day TTL = %v", got)
	}
	if got := (Policy{}).TemporaryPasswordTTL(); got != 7*24*time.Hour {
		t.Errorf("zero TTL = %v", got)
	}
}

func TestGenerate(t *testing.T) {
	for _, p := range []Policy{DefaultPolicy, {MinimumLength: 6}, {MinimumLength: 40, RequireSymbols: true}} {
		seen := map[string]bool{}
		for range 50 {
			pw, err := p.Generate(nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Check(pw); err != nil {
				t.Fatalf("Generate() = %q fails its own policy: %v", pw, err)
			}
			if err := DefaultPolicy.Check(pw); err != nil {
				t.Fatalf("Generate() = %q lacks a character class: %v", pw, err)
			}
			if len(pw) != max(p.MinimumLength, 12) || strings.ContainsRune(pw, ' ') {
				t.Fatalf("Generate() = %q", pw)
			}
			seen[pw] = true
		}
		if len(seen) < 50 {
			t.Error("Generate repeated itself")
		}
	}
	if _, err := DefaultPolicy.Generate(bytes.NewReader(nil)); err == nil {
		t.Error("Generate succeeded without randomness")
	}
}
