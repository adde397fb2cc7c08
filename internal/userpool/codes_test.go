package userpool

import (
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

func TestCodeWindow(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := &Service{Now: func() time.Time { return now }}
	var u storage.User
	wrongFor := func(code string) string {
		if code == "000000" {
			return "111111"
		}
		return "000000"
	}
	// Re-issues inherit the wrong answers: five in all, whatever the codes.
	for i := range 3 {
		code, err := s.IssueCode(&u, CodeForgotPassword, ForgotPasswordCodeTTL)
		if err != nil {
			t.Fatalf("issue %d: %v", i+1, err)
		}
		wrong := wrongFor(code)
		for range 2 {
			if err := s.ConsumeCode(&u, CodeForgotPassword, wrong); err == nil {
				t.Fatal("wrong code accepted")
			}
		}
	}
	wantFault(t, s.ConsumeCode(&u, CodeForgotPassword, "123456"), fault.LimitExceeded, "Attempt limit exceeded, please try after some time.")
	_, err := s.IssueCode(&u, CodeForgotPassword, ForgotPasswordCodeTTL)
	wantFault(t, err, fault.LimitExceeded, "Attempt limit exceeded, please try after some time.")

	// An administrator's code is not refused and starts afresh.
	code, err := s.issueCode(&u, CodeForgotPassword, "", ForgotPasswordCodeTTL, false)
	if err != nil {
		t.Fatal(err)
	}
	if c := u.Secrets.Codes[0]; c.Attempts != 0 || c.Issued != 4 {
		t.Fatalf("admin code: %+v", c)
	}
	if err := s.ConsumeCode(&u, CodeForgotPassword, code); err != nil {
		t.Fatalf("admin code: %v", err)
	}

	// Issues are limited without wrong answers too; other purposes are
	// counted apart; the window ends.
	for i := range MaxCodeIssues {
		if _, err := s.IssueCode(&u, CodeSignUp, SignUpCodeTTL); err != nil {
			t.Fatalf("issue %d: %v", i+1, err)
		}
		now = now.Add(time.Minute)
	}
	_, err = s.IssueCode(&u, CodeSignUp, SignUpCodeTTL)
	wantFault(t, err, fault.LimitExceeded, "Attempt limit exceeded, please try after some time.")
	if _, err := s.IssueCode(&u, CodeVerify("email"), VerifyCodeTTL); err != nil {
		t.Fatalf("other purpose: %v", err)
	}
	now = now.Add(CodeWindow - MaxCodeIssues*time.Minute)
	if _, err := s.IssueCode(&u, CodeSignUp, SignUpCodeTTL); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if c := u.Secrets.Codes[len(u.Secrets.Codes)-1]; c.Issued != 1 || !c.WindowStart.Equal(now) {
		t.Fatalf("new window: %+v", c)
	}
}

func TestCodeKeptForItsWindow(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := &Service{Now: func() time.Time { return now }}
	var u storage.User
	s.IssueCode(&u, CodeForgotPassword, 10*time.Minute)
	now = now.Add(20 * time.Minute) // expired, but its window counts on
	s.IssueCode(&u, CodeSignUp, SignUpCodeTTL)
	if !hasCode(u, CodeForgotPassword) {
		t.Fatal("an expired code in its window was dropped")
	}
	now = now.Add(CodeWindow)
	s.IssueCode(&u, CodeSignUp, SignUpCodeTTL)
	if hasCode(u, CodeForgotPassword) {
		t.Fatal("an expired code past its window was kept")
	}
}

func TestVerificationCodeTarget(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := &Service{Now: func() time.Time { return now }}
	u := storage.User{Attributes: attrs("email", "mallory@attacker.example")}
	code, err := s.issueCode(&u, CodeVerify("email"), codeTarget("mallory@attacker.example"), VerifyCodeTTL, true)
	if err != nil {
		t.Fatal(err)
	}
	// Unchanged value: the code stays.
	DropStaleVerificationCodes(&u)
	if u.Secrets.Codes[0].Value != code {
		t.Fatal("code of the current value dropped")
	}
	// Bound: it does not verify another value, and dies trying.
	before := u
	wantFault(t, s.consumeCode(&u, CodeVerify("email"), codeTarget("ceo@victim.example"), code), fault.ExpiredCode, "Invalid code provided, please request a code again.")
	if before.Secrets.Codes[0].Value != code {
		t.Fatal("consumeCode changed its caller's copy")
	}
	wantFault(t, s.consumeCode(&u, CodeVerify("email"), codeTarget("mallory@attacker.example"), code), fault.ExpiredCode, "Invalid code provided, please request a code again.")

	// A change of the attribute drops the code but keeps its counts.
	u = before
	u.Secrets.Codes = append([]storage.Code(nil), before.Secrets.Codes...)
	u.Secrets.Codes[0].Attempts = 2
	u.Attributes = SetAttributes(u.Attributes, storage.Attribute{Name: "email", Value: "ceo@victim.example"})
	DropStaleVerificationCodes(&u)
	if c := u.Secrets.Codes[0]; c.Value != "" || c.Attempts != 2 || c.Issued != 1 {
		t.Fatalf("after the change: %+v", c)
	}
	wantFault(t, s.consumeCode(&u, CodeVerify("email"), codeTarget("ceo@victim.example"), code), fault.ExpiredCode, "Invalid code provided, please request a code again.")
	if _, err := s.issueCode(&u, CodeVerify("email"), codeTarget("ceo@victim.example"), VerifyCodeTTL, true); err != nil {
		t.Fatal(err)
	}
	if c := u.Secrets.Codes[0]; c.Attempts != 2 || c.Issued != 2 {
		t.Fatalf("re-issued after the change: %+v", c)
	}

	// A pending value is the one verified.
	u = storage.User{Attributes: attrs("email", "old@example.com", "email_verified", "true"), PendingAttributes: attrs("email", "new@example.com")}
	code, _ = s.issueCode(&u, CodeVerify("email"), codeTarget("new@example.com"), VerifyCodeTTL, true)
	DropStaleVerificationCodes(&u)
	if err := s.consumeCode(&u, CodeVerify("email"), codeTarget("new@example.com"), code); err != nil {
		t.Fatalf("pending value: %v", err)
	}
}

func TestLockoutSchedule(t *testing.T) {
	for n, want := range map[int]time.Duration{
		1: 0, 4: 0, 5: time.Second, 6: 2 * time.Second, 10: 32 * time.Second,
		14: 512 * time.Second, 15: LockoutMax, 100: LockoutMax,
	} {
		if got := LockDuration(n); got != want {
			t.Errorf("LockDuration(%d) = %v, want %v", n, got, want)
		}
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var l storage.Lockout
	for range LockoutThreshold {
		CountLockoutFailure(&l, now)
	}
	if u := (storage.User{Lockout: l}); !Locked(u, now) || Locked(u, now.Add(time.Second)) {
		t.Fatalf("after %d failures: %+v", LockoutThreshold, l)
	}
	CountLockoutFailure(&l, now.Add(LockoutReset+time.Second))
	if l.Failures != 1 {
		t.Fatalf("the count did not start over: %+v", l)
	}
}
