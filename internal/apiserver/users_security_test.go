package apiserver_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/password"
	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// Regression tests for a security review: verification codes bound to the
// value they were sent to (H4), code attempt and issue limits (M8), the
// argon2 memory budget (M2) and ChangePassword's attempt limit (M6).

const (
	limitMessage   = "Attempt limit exceeded, please try after some time."
	expiredMessage = "Invalid code provided, please request a code again."
)

func (e *umEnv) setEmail(tok, v string) {
	e.t.Helper()
	_, err := e.Anonymous.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: aws.String(tok), UserAttributes: umAttrs("email", v)})
	umOK(e.t, err)
}

func (e *umEnv) verifyEmail(tok, code string) error {
	_, err := e.Anonymous.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: aws.String(tok), AttributeName: aws.String("email"), Code: aws.String(code)})
	return err
}

func (e *umEnv) emailCode(tok string) error {
	_, err := e.Anonymous.GetUserAttributeVerificationCode(ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: aws.String(tok), AttributeName: aws.String("email")})
	return err
}

// H4: a code obtained for one address must not verify another one the
// user switched to afterwards.
func TestVerificationCodeBoundToValue(t *testing.T) {
	e := newUMEnv(t, nil, nil) // nothing auto-verified: no code on update
	e.createUser("mal")
	tok := e.token("mal", e.client)
	e.setEmail(tok, "mallory@attacker.example")
	umOK(t, e.emailCode(tok))
	code := e.lastCode("mal", "VERIFY_ATTRIBUTE")
	if ms := e.messages("mal"); ms[len(ms)-1].Destination != "mallory@attacker.example" {
		t.Fatalf("code sent to %s", ms[len(ms)-1].Destination)
	}
	e.setEmail(tok, "ceo@victim.example")
	umWantErr(t, e.verifyEmail(tok, code), "ExpiredCodeException", expiredMessage)
	// Switching back does not revive it either.
	e.setEmail(tok, "mallory@attacker.example")
	umWantErr(t, e.verifyEmail(tok, code), "ExpiredCodeException", expiredMessage)
	if m := umMap(e.get("mal").UserAttributes); m["email_verified"] == "true" {
		t.Fatalf("email verified with a stale code: %v", m)
	}

	// A write path that does not drop codes (the store directly, as a
	// sign-in challenge answer writes attributes) is covered by the
	// binding itself.
	umOK(t, e.emailCode(tok))
	code = e.lastCode("mal", "VERIFY_ATTRIBUTE")
	u := e.stored("mal")
	_, err := e.Store.UpdateUser(ctx, e.pool, u.UsernameKey, func(u *storage.User) error {
		u.Attributes = userpool.SetAttributes(u.Attributes, storage.Attribute{Name: "email", Value: "ceo@victim.example"})
		return nil
	})
	umOK(t, err)
	umWantErr(t, e.verifyEmail(tok, code), "ExpiredCodeException", expiredMessage)
	if m := umMap(e.get("mal").UserAttributes); m["email_verified"] == "true" {
		t.Fatalf("email verified with a code sent elsewhere: %v", m)
	}

	// A code for the current value still works.
	umOK(t, e.emailCode(tok))
	umOK(t, e.verifyEmail(tok, e.lastCode("mal", "VERIFY_ATTRIBUTE")))
	if m := umMap(e.get("mal").UserAttributes); m["email"] != "ceo@victim.example" || m["email_verified"] != "true" {
		t.Fatalf("after verifying the current value: %v", m)
	}
}

// H4 with auto-verification: the code of an earlier update dies with it,
// also when the pool keeps the verified value until the new one is
// verified (the pending value is what the code is bound to).
func TestVerificationCodeBoundToPendingValue(t *testing.T) {
	for _, pending := range []bool{false, true} {
		t.Run(fmt.Sprint("pending=", pending), func(t *testing.T) {
			in := &cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"}}
			if pending {
				in.UserAttributeUpdateSettings = &types.UserAttributeUpdateSettingsType{AttributesRequireVerificationBeforeUpdate: []types.VerifiedAttributeType{"email"}}
			}
			e := newUMEnv(t, in, nil)
			e.createUser("alice", umAttrs("email", "old@example.com", "email_verified", "true")...)
			tok := e.token("alice", e.client)
			e.setEmail(tok, "first@example.com")
			first := e.lastCode("alice", "VERIFY_ATTRIBUTE")
			e.setEmail(tok, "second@example.com")
			second := e.lastCode("alice", "VERIFY_ATTRIBUTE")
			if first == second {
				t.Skip("the two random codes are equal")
			}
			// One code per purpose: the second replaced the first.
			umWantErr(t, e.verifyEmail(tok, first), "CodeMismatchException", "Invalid verification code provided, please try again.")
			umOK(t, e.verifyEmail(tok, second))
			m := umMap(e.get("alice").UserAttributes)
			if m["email"] != "second@example.com" || m["email_verified"] != "true" {
				t.Fatalf("after verification: %v", m)
			}
			if u := e.stored("alice"); len(u.PendingAttributes) != 0 {
				t.Fatalf("PendingAttributes left: %+v", u.PendingAttributes)
			}
		})
	}
}

// M8: asking for a new reset code does not buy new guesses.
func TestForgotPasswordReissueKeepsAttempts(t *testing.T) {
	e := newUMEnv(t, autoEmail, nil)
	e.createUser("alice", umAttrs("email", "alice@example.com", "email_verified", "true")...)
	forgot := func() error {
		_, err := e.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("alice")})
		return err
	}
	confirm := func(code string) error {
		_, err := e.Anonymous.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("alice"),
			ConfirmationCode: aws.String(code), Password: aws.String("N3w-passw0rd")})
		return err
	}
	umOK(t, forgot())
	wrong := umWrongCode(e.lastCode("alice", "FORGOT_PASSWORD"))
	for range 3 {
		umWantErr(t, confirm(wrong), "CodeMismatchException", "Invalid verification code provided, please try again.")
	}
	umOK(t, forgot())
	code := e.lastCode("alice", "FORGOT_PASSWORD")
	wrong = umWrongCode(code)
	for range 2 {
		umWantErr(t, confirm(wrong), "CodeMismatchException", "Invalid verification code provided, please try again.")
	}
	// Five wrong answers in all: the code is dead, and no new one comes.
	umWantErr(t, confirm(code), "LimitExceededException", limitMessage)
	umWantErr(t, forgot(), "LimitExceededException", limitMessage)
	n := len(e.messages("alice"))

	// After the window a new code comes, with its full attempts.
	e.Clock.Advance(userpool.CodeWindow)
	umOK(t, forgot())
	if len(e.messages("alice")) != n+1 {
		t.Fatal("no code after the window")
	}
	code = e.lastCode("alice", "FORGOT_PASSWORD")
	umWantErr(t, confirm(umWrongCode(code)), "CodeMismatchException", "Invalid verification code provided, please try again.")
	umOK(t, confirm(code))
}

// M8: each code-sending operation sends at most MaxCodeIssues codes per
// user and purpose within the window.
func TestCodeIssueLimit(t *testing.T) {
	e := newUMEnv(t, autoEmail, nil)
	e.createUser("alice", umAttrs("email", "alice@example.com", "email_verified", "true")...)
	e.signUp("bob", umAttrs("email", "bob@example.com")...) // the first SIGN_UP code
	tok := e.token("alice", e.client)
	ops := []struct {
		name string
		user string
		sent int // codes the window has already seen
		call func() error
	}{
		{"ForgotPassword", "alice", 0, func() error {
			_, err := e.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("alice")})
			return err
		}},
		{"ResendConfirmationCode", "bob", 1, func() error {
			_, err := e.Anonymous.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(e.client), Username: aws.String("bob")})
			return err
		}},
		{"GetUserAttributeVerificationCode", "alice", 0, func() error { return e.emailCode(tok) }},
	}
	for _, op := range ops {
		before := len(e.messages(op.user))
		for i := op.sent; i < userpool.MaxCodeIssues; i++ {
			if err := op.call(); err != nil {
				t.Fatalf("%s #%d: %v", op.name, i+1, err)
			}
		}
		for range 3 {
			umWantErr(t, op.call(), "LimitExceededException", limitMessage)
		}
		if got := len(e.messages(op.user)) - before; got != userpool.MaxCodeIssues-op.sent {
			t.Errorf("%s sent %d codes, want %d", op.name, got, userpool.MaxCodeIssues-op.sent)
		}
	}
	// The window passes.
	e.Clock.Advance(userpool.CodeWindow)
	tok = e.token("alice", e.client)
	for _, op := range ops {
		if err := op.call(); err != nil {
			t.Errorf("%s after the window: %v", op.name, err)
		}
	}
	// An administrator is not limited.
	for range userpool.MaxCodeIssues {
		ops[0].call()
	}
	umWantErr(t, ops[0].call(), "LimitExceededException", limitMessage)
	_, err := e.Client.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: aws.String(e.pool), Username: aws.String("alice")})
	umOK(t, err)
}

// M8: the codes UpdateUserAttributes sends count too; past the limit the
// update is refused (its model has no LimitExceededException).
func TestUpdateAttributesCodeLimit(t *testing.T) {
	e := newUMEnv(t, autoEmail, nil)
	e.createUser("alice", umAttrs("email", "alice@example.com", "email_verified", "true")...)
	tok := e.token("alice", e.client)
	for i := range userpool.MaxCodeIssues {
		e.setEmail(tok, fmt.Sprintf("a%d@example.com", i%2))
	}
	n := len(e.messages("alice"))
	_, err := e.Anonymous.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: aws.String(tok), UserAttributes: umAttrs("email", "victim@example.com")})
	umWantErr(t, err, "TooManyRequestsException", "Too many requests")
	if len(e.messages("alice")) != n {
		t.Fatal("a code was sent past the limit")
	}
	if m := umMap(e.get("alice").UserAttributes); m["email"] == "victim@example.com" {
		t.Fatalf("refused update applied: %v", m)
	}
	// The administrator is not limited.
	_, err = e.Client.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(e.pool), Username: aws.String("alice"),
		UserAttributes: umAttrs("email", "new@example.com")})
	umOK(t, err)
}

// M2: with the hashing budget spent, operations that hash answer
// TooManyRequestsException instead of queueing without bound, and a wrong
// reset code is answered without hashing at all.
func TestHashingBudget(t *testing.T) {
	e := newUMEnv(t, autoEmail, nil)
	e.createUser("alice", umAttrs("email", "alice@example.com", "email_verified", "true")...)
	tok := e.token("alice", e.client)
	_, err := e.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("alice")})
	umOK(t, err)
	code := e.lastCode("alice", "FORGOT_PASSWORD")

	pools := e.Server.Pools
	limit := password.NewLimiter(1 << 20)
	pools.HashLimit, pools.HashWait = limit, 50*time.Millisecond
	release, err := limit.Acquire(ctx, 1<<20) // spend the whole budget
	umOK(t, err)

	confirm := func(code string) error {
		_, err := e.Anonymous.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("alice"),
			ConfirmationCode: aws.String(code), Password: aws.String("N3w-passw0rd")})
		return err
	}
	umWantErr(t, confirm(umWrongCode(code)), "CodeMismatchException", "Invalid verification code provided, please try again.")
	umWantErr(t, confirm(code), "TooManyRequestsException", "Too many requests")
	_, err = e.Anonymous.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: aws.String(tok), PreviousPassword: aws.String("Wrong-passw0rd"), ProposedPassword: aws.String("N3w-passw0rd")})
	umWantErr(t, err, "TooManyRequestsException", "Too many requests")
	if l := e.stored("alice").Lockout; l.Failures != 0 {
		t.Fatalf("a refused ChangePassword counted a failure: %+v", l)
	}
	_, err = e.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.client), Username: aws.String("bob"), Password: aws.String(umPassword)})
	umWantErr(t, err, "TooManyRequestsException", "Too many requests")

	release()
	// The code survived the refusal and works once, also when used twice
	// at the same time.
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = confirm(code) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if c := servertest.ErrorCode(err); c != "CodeMismatchException" && c != "ExpiredCodeException" {
			t.Errorf("concurrent reuse: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d concurrent uses of one code succeeded, want 1", ok)
	}
	if !e.checkPassword("alice", "N3w-passw0rd") {
		t.Fatal("password not reset")
	}
}

// M6: wrong previous passwords count towards the sign-in lockout, so that an
// access token is no oracle for guessing the password.
func TestChangePasswordLockout(t *testing.T) {
	e := newUMEnv(t, nil, nil)
	e.Clock.Set(testEpoch())
	e.createUser("cp")
	tok := e.token("cp", e.client)
	change := func(prev string) error {
		_, err := e.Anonymous.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: aws.String(tok), PreviousPassword: aws.String(prev), ProposedPassword: aws.String("Whatever1!x")})
		return err
	}
	// Concurrent guesses cannot outrun the count.
	const n = 30
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = change(fmt.Sprintf("Guess%03d!a", i)) })
	}
	wg.Wait()
	counts := map[string]int{}
	for _, err := range errs {
		counts[servertest.ErrorCode(err)+": "+servertest.ErrorMessage(err)]++
	}
	if counts["NotAuthorizedException: Incorrect username or password."] != userpool.LockoutThreshold ||
		counts["LimitExceededException: "+limitMessage] != n-userpool.LockoutThreshold {
		t.Fatalf("answers to %d wrong guesses: %v", n, counts)
	}
	// Locked: even the right password is refused, and sign-in is locked too.
	umWantErr(t, change(umPassword), "LimitExceededException", limitMessage)
	_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "cp", "PASSWORD": umPassword}})
	if servertest.ErrorCode(err) != "NotAuthorizedException" {
		t.Fatalf("sign-in during the lockout: %v", err)
	}
	// After the lock the right password works and clears the count.
	e.Clock.Advance(userpool.LockDuration(userpool.LockoutThreshold))
	umOK(t, change(umPassword))
	if l := e.stored("cp").Lockout; l.Failures != 0 || !l.LockedUntil.IsZero() {
		t.Fatalf("lockout after a successful change: %+v", l)
	}
}
