package apiserver_test

// Regression tests for sign-in weaknesses found in a security review: each
// attack as the reviewer ran it, and what must happen instead.

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/storage"
)

// burst runs f(0..n-1) concurrently, released together, and returns the
// errors.
func burst(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// tally counts errors by "Code: message" ("" for success).
func tally(errs []error) map[string]int {
	out := map[string]int{}
	for _, err := range errs {
		if err == nil {
			out[""]++
			continue
		}
		out[servertest.ErrorCode(err)+": "+servertest.ErrorMessage(err)]++
	}
	return out
}

// TestSessionAttemptsConcurrent: the attempt limit of a session holds
// against concurrent answers. Before the fix every answer of a burst passed
// the limit check, so an SMS code could be brute-forced inside one session
// (the reviewer saw 69 evaluations against a limit of 5).
func TestSessionAttemptsConcurrent(t *testing.T) {
	e := newMFAEnv(t, optionalSMS, "")
	u := e.user("sue", "phone_number", "+12065550100")
	e.update(u, func(u *storage.User) { u.MFA.Enabled, u.MFA.Preferred = []mfa.Factor{mfa.SMS}, mfa.SMS })
	out := e.mustLogin("sue", types.ChallengeNameTypeSmsMfa)
	code := e.lastMessage("sue").Code
	const n = 60
	errs := burst(n, func(i int) error {
		guess := fmt.Sprintf("%06d", i)
		if guess == code {
			guess = wrong(code)
		}
		_, err := e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", guess)
		return err
	})
	got := tally(errs)
	compared := got["CodeMismatchException: Invalid code or auth state for the user."]
	if compared > 5 {
		t.Errorf("%d answers of one session were compared, want at most 5: %v", compared, got)
	}
	for k, c := range got {
		switch k {
		case "CodeMismatchException: Invalid code or auth state for the user.",
			"NotAuthorizedException: Invalid session for the user.",
			"NotAuthorizedException: Password attempts exceeded":
		default:
			t.Errorf("%d answers got %q", c, k)
		}
	}
	// The session is dead: even the right code gets nothing.
	_, err := e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", code)
	expectErr(t, "right code after the burst", err, "NotAuthorizedException", "")
	// The digest the store keys sessions by (authflow's sessionID).
	sum := sha256.Sum256([]byte("userpoold/session\x00" + aws.ToString(out.Session)))
	a, err := e.Store.GetSession(ctx, base64.RawURLEncoding.EncodeToString(sum[:]))
	if err != nil || a.Attempts != 5 {
		t.Errorf("session attempts = %d (%v), want 5", a.Attempts, err)
	}
}

// TestSessionAttemptsConcurrentTOTP is the reviewer's second run: a right
// TOTP code among a burst of wrong ones. At most 5 answers may be compared,
// so the right code gets tokens only if it is among them.
func TestSessionAttemptsConcurrentTOTP(t *testing.T) {
	e := newMFAEnv(t, optionalTOTP, "")
	secret := e.enableTOTP(e.user("vic"))
	out := e.mustLogin("vic", types.ChallengeNameTypeSoftwareTokenMfa)
	good := mfa.Code(secret, e.Clock.Now())
	const n, right = 80, 60
	errs := burst(n, func(i int) error {
		code := fmt.Sprintf("%06d", i)
		if code == good {
			code = wrong(good)
		}
		if i == right {
			code = good
		}
		_, err := e.respond(types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "vic", "SOFTWARE_TOKEN_MFA_CODE", code)
		return err
	})
	got := tally(errs)
	compared := got["CodeMismatchException: Invalid code received for user"] + got[""]
	if compared > 5 {
		t.Errorf("%d answers of one session were compared, want at most 5: %v", compared, got)
	}
	if got[""] > 1 {
		t.Errorf("%d answers got tokens", got[""])
	}
}

// TestMFAFailuresLockUser: wrong MFA codes count against the user's lockout
// like wrong passwords, and a correct password does not reset them, so that
// whoever knows the password cannot try 5 codes per sign-in forever.
func TestMFAFailuresLockUser(t *testing.T) {
	e := newMFAEnv(t, optionalSMS, "")
	u := e.user("sue", "phone_number", "+12065550100")
	e.update(u, func(u *storage.User) { u.MFA.Enabled, u.MFA.Preferred = []mfa.Factor{mfa.SMS}, mfa.SMS })
	// Three wrong codes in one sign-in, two in the next: five.
	out := e.mustLogin("sue", types.ChallengeNameTypeSmsMfa)
	for range 3 {
		_, err := e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", wrong(e.lastMessage("sue").Code))
		expectErr(t, "wrong code", err, "CodeMismatchException", "Invalid code or auth state for the user.")
	}
	out = e.mustLogin("sue", types.ChallengeNameTypeSmsMfa)
	for range 2 {
		_, err := e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", wrong(e.lastMessage("sue").Code))
		expectErr(t, "wrong code", err, "CodeMismatchException", "Invalid code or auth state for the user.")
	}
	// Locked for a second: the password is refused, and so is the code.
	_, err := e.login("sue")
	expectErr(t, "sign-in while locked", err, "NotAuthorizedException", "Password attempts exceeded")
	_, err = e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", e.lastMessage("sue").Code)
	expectErr(t, "right code while locked", err, "NotAuthorizedException", "Password attempts exceeded")
	if l := e.stored(u).Lockout; l.Failures != 5 || !l.LockedUntil.Equal(e.Clock.Now().Add(time.Second)) {
		t.Fatalf("lockout after 5 wrong codes: %+v", l)
	}

	// After it, the right password does not start the count over: the next
	// wrong code is the 6th failure and locks for 2 s.
	e.Clock.Advance(time.Second)
	out = e.mustLogin("sue", types.ChallengeNameTypeSmsMfa)
	code := e.lastMessage("sue").Code
	_, err = e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", wrong(code))
	expectErr(t, "6th wrong code", err, "CodeMismatchException", "Invalid code or auth state for the user.")
	if l := e.stored(u).Lockout; l.Failures != 6 || !l.LockedUntil.Equal(e.Clock.Now().Add(2*time.Second)) {
		t.Fatalf("lockout after 6 wrong codes: %+v", l)
	}
	e.Clock.Advance(time.Second)
	_, err = e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", code)
	expectErr(t, "right code while locked", err, "NotAuthorizedException", "Password attempts exceeded")

	// Once the lock ends the same session still takes the right code, and a
	// completed sign-in starts the count over.
	e.Clock.Advance(time.Second)
	e.wantTokens(e.respond(types.ChallengeNameTypeSmsMfa, out.Session, "sue", "SMS_MFA_CODE", code))
	if l := e.stored(u).Lockout; l != (storage.Lockout{}) {
		t.Errorf("lockout after a completed sign-in: %+v", l)
	}
}

// TestMFAFailuresLockUserConcurrent: wrong codes sent at once through many
// sign-ins of one user (each with its own session and its own 5 attempts)
// are compared no more often than the lockout allows.
func TestMFAFailuresLockUserConcurrent(t *testing.T) {
	e := newMFAEnv(t, optionalSMS, "")
	u := e.user("sue", "phone_number", "+12065550100")
	e.update(u, func(u *storage.User) { u.MFA.Enabled, u.MFA.Preferred = []mfa.Factor{mfa.SMS}, mfa.SMS })
	const sessions = 6
	var outs []*cip.InitiateAuthOutput
	for range sessions {
		outs = append(outs, e.mustLogin("sue", types.ChallengeNameTypeSmsMfa))
	}
	errs := burst(sessions*5, func(i int) error {
		_, err := e.respond(types.ChallengeNameTypeSmsMfa, outs[i%sessions].Session, "sue", "SMS_MFA_CODE", "000000")
		return err
	})
	got := tally(errs)
	if c := got["CodeMismatchException: Invalid code or auth state for the user."]; c > 5 {
		t.Errorf("%d wrong codes compared across sessions, want at most 5: %v", c, got)
	}
	if l := e.stored(u).Lockout; l.Failures != 5 {
		t.Errorf("lockout = %+v, want 5 failures", l)
	}
}

// TestLockoutConcurrentBurst: a burst of wrong passwords gets no more
// checks than the lockout allows, and attempts during the lock are refused
// without being checked. Before the fix the lock was read before the slow
// check, so every request of a burst was checked (and failures during the
// lock did not count).
func TestLockoutConcurrentBurst(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	e.createUser("lena", pw1)
	const n = 40
	errs := burst(n, func(int) error {
		_, err := e.passwordAuth(e.clientID(), "lena", pw2)
		return err
	})
	got := tally(errs)
	if c := got["NotAuthorizedException: Incorrect username or password."]; c != 5 {
		t.Errorf("%d passwords checked in a burst of %d, want 5: %v", c, n, got)
	}
	if c := got["NotAuthorizedException: Password attempts exceeded"]; c != n-5 {
		t.Errorf("%d refused as locked, want %d: %v", c, n-5, got)
	}
	u, _ := e.Store.GetUser(ctx, e.pool, "lena")
	if u.Lockout.Failures != 5 || !u.Lockout.LockedUntil.Equal(e.Clock.Now().Add(time.Second)) {
		t.Errorf("lockout = %+v", u.Lockout)
	}
	_, err := e.passwordAuth(e.clientID(), "lena", pw1)
	wantErr(t, err, "NotAuthorizedException", "Password attempts exceeded")

	// The same through SRP: challenges first, then all the answers at once.
	e.Clock.Advance(15 * time.Minute) // a quiet quarter hour starts over
	e.signIn("lena", pw1)
	answers := make([]func() error, n)
	for i := range answers {
		c, out, err := e.srpStart(e.clientID(), "lena")
		if err != nil {
			t.Fatal(err)
		}
		answers[i] = func() error { _, err := e.srpAnswer(e.clientID(), c, out.ChallengeParameters, pw2); return err }
	}
	got = tally(burst(n, func(i int) error { return answers[i]() }))
	if c := got["NotAuthorizedException: Incorrect username or password."]; c != 5 {
		t.Errorf("SRP: %d proofs checked in a burst of %d, want 5: %v", c, n, got)
	}
}

// TestSignInDoesNotResetOthersLockout: a correct password gives back only
// its own attempt; the failures before it stay until the sign-in completes.
func TestSignInDoesNotResetOthersLockout(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	e.createUser("lena", pw1)
	for range 3 {
		_, err := e.passwordAuth(e.clientID(), "lena", pw2)
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	}
	u, _ := e.Store.GetUser(ctx, e.pool, "lena")
	if u.Lockout.Failures != 3 {
		t.Fatalf("lockout = %+v", u.Lockout)
	}
	e.signIn("lena", pw1) // no MFA: completes, so the count starts over
	u, _ = e.Store.GetUser(ctx, e.pool, "lena")
	if u.Lockout != (storage.Lockout{}) {
		t.Errorf("lockout after a completed sign-in = %+v", u.Lockout)
	}
}

// TestSRPAnswerReplay: a PASSWORD_VERIFIER answer authenticates once. Before
// the fix the same answer got tokens again and again within the TIMESTAMP
// window.
func TestSRPAnswerReplay(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	e.createUser("sam", pw1)
	c, out, err := e.srpStart(e.clientID(), "sam")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.PasswordVerifierResponses(out.ChallengeParameters, pw1, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	answer := func() (*cip.RespondToAuthChallengeOutput, error) {
		return e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId: aws.String(e.clientID()), ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp,
		})
	}
	r, err := answer()
	if err != nil || r.AuthenticationResult == nil {
		t.Fatalf("first answer: %+v %v", r, err)
	}
	for i := range 3 {
		e.Clock.Advance(time.Minute)
		_, err := answer()
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
		if t.Failed() {
			t.Fatalf("replay %d", i)
		}
	}
	// A replay is not a wrong password: it does not count towards the lock.
	u, _ := e.Store.GetUser(ctx, e.pool, "sam")
	if u.Lockout != (storage.Lockout{}) {
		t.Errorf("lockout after replays = %+v", u.Lockout)
	}

	// Of concurrent copies of one answer, exactly one gets tokens. (Four:
	// each attempt counts against the lockout until its proof is found
	// right, so a fifth concurrent one could find the user locked.)
	c, out, err = e.srpStart(e.clientID(), "sam")
	if err != nil {
		t.Fatal(err)
	}
	resp, err = c.PasswordVerifierResponses(out.ChallengeParameters, pw1, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	got := tally(burst(4, func(int) error { _, err := answer(); return err }))
	if got[""] != 1 || got["NotAuthorizedException: Incorrect username or password."] != 3 {
		t.Errorf("4 concurrent copies of one answer: %v", got)
	}
}

// TestNewPasswordAttributeRules: the attributes of a NEW_PASSWORD_REQUIRED
// answer follow UpdateUserAttributes' rules. The reviewer, holding a
// temporary password, gave himself a victim's address already verified and
// a developer-only attribute, and then signed in with the victim's email.
func TestNewPasswordAttributeRules(t *testing.T) {
	e := newAuthEnv(t, &cip.CreateUserPoolInput{
		AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypeEmail, types.AliasAttributeTypePreferredUsername},
		Schema: []types.SchemaAttributeType{{Name: aws.String("role"), AttributeDataType: types.AttributeDataTypeString,
			DeveloperOnlyAttribute: aws.Bool(true), Mutable: aws.Bool(true)}},
	}, nil)
	e.createUser("victim", pw1, withAttrs("email", "victim@example.com", "email_verified", "true", "preferred_username", "vicky"))
	const temp = "Temp1234!x"
	if _, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("mallory"),
		TemporaryPassword: aws.String(temp), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("mallory@example.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")}}}); err != nil {
		t.Fatal(err)
	}
	out, err := e.passwordAuth(e.clientID(), "mallory", temp)
	if err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("%v %v", out, err)
	}
	answer := func(kv ...string) (*cip.RespondToAuthChallengeOutput, error) {
		r := map[string]string{"USERNAME": "mallory", "NEW_PASSWORD": "NewPassw0rd!"}
		for i := 0; i+1 < len(kv); i += 2 {
			r[kv[i]] = kv[i+1]
		}
		return e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId: aws.String(e.clientID()), ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: out.Session, ChallengeResponses: r,
		})
	}
	// The verification flags and developer-only attributes are not the
	// client's to write (Cognito refuses email_verified here too: apps
	// delete it from userAttributes before answering).
	for _, kv := range [][]string{
		{"userAttributes.email", "victim@example.com", "userAttributes.email_verified", "true"},
		{"userAttributes.phone_number_verified", "true"},
		{"userAttributes.dev:custom:role", "admin"},
	} {
		_, err := answer(kv...)
		wantErr(t, err, "NotAuthorizedException", "A client attempted to write unauthorized attribute")
	}
	// An alias another user holds is refused.
	_, err = answer("userAttributes.preferred_username", "vicky")
	wantErr(t, err, "AliasExistsException", "An account with the given preferred_username already exists.")

	// A new address is accepted, unverified: it is no alias of mallory's,
	// and the victim still signs in with it.
	res, err := answer("userAttributes.email", "victim@example.com")
	if err != nil || res.AuthenticationResult == nil {
		t.Fatalf("answer with a new email: %+v %v", res, err)
	}
	g, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("mallory")})
	if err != nil {
		t.Fatal(err)
	}
	attrs := attrMap(g.UserAttributes)
	if attrs["email"] != "victim@example.com" || attrs["email_verified"] != "false" || attrs["dev:custom:role"] != "" {
		t.Errorf("mallory's attributes: %v", attrs)
	}
	_, err = e.passwordAuth(e.clientID(), "victim@example.com", "NewPassw0rd!")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	e.signIn("victim@example.com", pw1)
}

// TestNewPasswordUsernameAttribute: in a pool whose users sign in with their
// email, a NEW_PASSWORD_REQUIRED answer cannot take another user's address.
func TestNewPasswordUsernameAttribute(t *testing.T) {
	e := newAuthEnv(t, &cip.CreateUserPoolInput{UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypeEmail}}, nil)
	e.createUser("11111111-1111-4111-8111-111111111111", pw1, withAttrs("email", "victim@example.com", "email_verified", "true"))
	const temp = "Temp1234!x"
	if _, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("mallory@example.com"),
		TemporaryPassword: aws.String(temp), MessageAction: types.MessageActionTypeSuppress}); err != nil {
		t.Fatal(err)
	}
	out, err := e.passwordAuth(e.clientID(), "mallory@example.com", temp)
	if err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("%v %v", out, err)
	}
	_, err = e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(e.clientID()), ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": out.ChallengeParameters["USER_ID_FOR_SRP"], "NEW_PASSWORD": "NewPassw0rd!",
			"userAttributes.email": "VICTIM@example.com"},
	})
	wantErr(t, err, "AliasExistsException", "An account with the given email already exists.")
}

// TestNewPasswordChangedEmailUnverified: a changed address loses its
// verification, as with UpdateUserAttributes.
func TestNewPasswordChangedEmailUnverified(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	const temp = "Temp1234!x"
	if _, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("nat"),
		TemporaryPassword: aws.String(temp), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("nat@example.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")}}}); err != nil {
		t.Fatal(err)
	}
	out, err := e.passwordAuth(e.clientID(), "nat", temp)
	if err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("%v %v", out, err)
	}
	if _, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(e.clientID()), ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": "nat", "NEW_PASSWORD": "NewPassw0rd!", "userAttributes.email": "other@example.com"},
	}); err != nil {
		t.Fatal(err)
	}
	u, _ := e.Store.GetUser(ctx, e.pool, "nat")
	if v, _ := attrValue(u, "email"); v != "other@example.com" {
		t.Errorf("email = %q", v)
	}
	if v, _ := attrValue(u, "email_verified"); v != "false" {
		t.Errorf("email_verified = %q after the address changed", v)
	}
}

func attrValue(u storage.User, name string) (string, bool) {
	for _, a := range u.Attributes {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// TestMFASetupEmailAlias: MFA_SETUP by email cannot take an address another
// user signs in with (the address becomes the user's, verified).
func TestMFASetupEmailAlias(t *testing.T) {
	env := servertest.New(t)
	env.Clock.Set(mfaStart)
	pool := env.CreatePool(&cip.CreateUserPoolInput{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypeEmail}})
	client := env.CreateClient(pool, nil)
	cfg := *onTOTPEmail
	cfg.UserPoolId = aws.String(pool)
	if _, err := env.Client.SetUserPoolMfaConfig(ctx, &cfg); err != nil {
		t.Fatal(err)
	}
	e := &mfaEnv{Env: env, t: t, pool: pool, client: aws.ToString(client.ClientId)}
	e.user("victim", "email", "victim@example.com", "email_verified", "true")
	u := e.user("mallory")
	out := e.mustLogin("mallory", types.ChallengeNameTypeMfaSetup)
	_, err := e.respond(types.ChallengeNameTypeMfaSetup, out.Session, "mallory", "EMAIL", "victim@example.com")
	expectErr(t, "MFA_SETUP with another user's email", err, "AliasExistsException", "An account with the given email already exists.")
	if v := attr(e.stored(u), "email"); v != "" {
		t.Errorf("mallory's email = %q", v)
	}
	// Her own address works.
	r, err := e.respond(types.ChallengeNameTypeMfaSetup, out.Session, "mallory", "EMAIL", "mallory@example.com")
	if err != nil || r.ChallengeName != types.ChallengeNameTypeEmailOtp {
		t.Fatalf("MFA_SETUP with EMAIL: %+v %v", r, err)
	}
	e.wantTokens(e.respond(types.ChallengeNameTypeEmailOtp, r.Session, "mallory", "EMAIL_OTP_CODE", e.lastMessage("mallory").Code))
	if st := e.stored(u); attr(st, "email") != "mallory@example.com" || attr(st, "email_verified") != "true" {
		t.Errorf("attributes after email setup: %v", st.Attributes)
	}
}

// TestRefreshIgnoresDeviceKey: without device tracking, a DEVICE_KEY sent
// with a refresh does not end up in the new access token. Before the fix the
// client chose the token's device_key.
func TestRefreshIgnoresDeviceKey(t *testing.T) {
	e := newDevEnv(t, nil, nil)
	e.createUser("nia", devPassword)
	res := e.signIn("nia", devPassword)
	const chosen = "us-east-1_00000000-0000-4000-8000-000000000000"
	out, err := e.refresh(res.RefreshToken, chosen)
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("refresh: %v", err)
	}
	if k := e.deviceKeyClaim(out.AuthenticationResult); k != "" {
		t.Errorf("device_key = %q after a refresh with DEVICE_KEY %s", k, chosen)
	}
}
