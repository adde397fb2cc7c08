package authflow

import (
	"context"
	"errors"
	"slices"

	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/passkey"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file is choice-based sign-in, AuthFlow USER_AUTH (spec
// cognito-user-auth.md §4–§5, §7; decisions §12): the choice of a first
// factor is the first step of advance (firstFactorStep), which either
// issues the factor the client preferred or SELECT_CHALLENGE with the
// factors the user can use; the answers prove a first factor and return to
// advance, so that what follows (devices, threat protection, MFA after a
// password, tokens through finish) is the same as in every other flow.
//
//   - PASSWORD and PASSWORD_SRP are the password checks of
//     USER_PASSWORD_AUTH and USER_SRP_AUTH (the latter continuing into
//     PASSWORD_VERIFIER); they record stepPassword, so MFA follows as
//     usual.
//   - EMAIL_OTP and SMS_OTP send an 8-digit code through the delivery
//     layer (userpool.SendCode with the MFA purpose; the outbox is the
//     test hook of §12.5), at most userpool.MaxSignInCodes an hour per
//     user; a wrong code is CodeMismatchException and keeps the session
//     until MaxSessionAttempts (5) answers were wrong, and counts in the
//     user's lockout like a wrong MFA code. UNCONFIRMED (§13.11): Cognito's
//     cap; §12.5 suggests 3, this server keeps the one cap of its sessions.
//   - WEB_AUTHN hands out CREDENTIAL_REQUEST_OPTIONS (package passkey)
//     and verifies the CREDENTIAL answer.
//
// A passwordless factor records stepFirstFactor and stepMFA: it is never
// followed by MFA (spec §3.5, §12.3), and users who must do MFA are not
// offered it at all, except WEB_AUTHN under passkey MFA, which then
// requires user verification.

// The USER_AUTH challenges beside EMAIL_OTP (shared with email MFA).
const (
	ChallengeSelectChallenge ChallengeName = "SELECT_CHALLENGE"
	ChallengePassword        ChallengeName = "PASSWORD"
	ChallengePasswordSRP     ChallengeName = "PASSWORD_SRP"
	ChallengeSMSOTP          ChallengeName = "SMS_OTP"
	ChallengeWebAuthn        ChallengeName = "WEB_AUTHN"
)

// stepFirstFactor is recorded in sessionState.Done once a passwordless
// first factor (EMAIL_OTP, SMS_OTP, WEB_AUTHN) is proven.
const stepFirstFactor = "FIRST_FACTOR"

// extUserAuth is the sessionState.Ext key of userAuthState.
const extUserAuth = "uauth"

// userAuthState is the USER_AUTH part of a sign-in session's sealed state.
type userAuthState struct {
	// Available are the factors SELECT_CHALLENGE offered.
	Available []ChallengeName `json:"avail,omitempty"`
	// Factor is the passwordless first factor the session waits for
	// (EMAIL_OTP or SMS_OTP; the OTP code itself is in mfaState.Code, so
	// that the one code check serves both); "" otherwise.
	Factor ChallengeName `json:"factor,omitempty"`
	// WebAuthn is the WEB_AUTHN challenge's assertion challenge; MFA
	// records that it required user verification because passkey MFA
	// applies to the user.
	WebAuthn *passkey.Challenge `json:"webauthn,omitempty"`
	MFA      bool               `json:"mfa,omitempty"`
	// Decoy marks the session of a user who does not exist in a client
	// that hides user existence: it offers the password factors and every
	// answer fails as a wrong password does.
	Decoy bool `json:"decoy,omitempty"`
}

func (st *sessionState) userAuth() userAuthState { return getExt[userAuthState](st, extUserAuth) }

func (st *sessionState) setUserAuth(v userAuthState) { st.putExt(extUserAuth, v) }

// USER_AUTH faults. Messages UNCONFIRMED (spec §13.8, §13.11).
var (
	// errNotAvailable: a SELECT_CHALLENGE ANSWER that is not one of the
	// session's AvailableChallenges [M].
	errNotAvailable = fault.New(fault.InvalidParameter, "The selected challenge is not available for the user.")
	// errBadPreferred: a PREFERRED_CHALLENGE that is no first factor.
	errBadPreferred = fault.New(fault.InvalidParameter, "Invalid PREFERRED_CHALLENGE value.")
	// errNoFirstFactor: the user has no factor the pool lets them sign in
	// with (no password, no address, no passkey).
	errNoFirstFactor = fault.New(fault.NotAuthorized, "No authentication factor is available for the user.")
)

// firstFactorOrder is the order of AvailableChallenges. UNCONFIRMED (spec
// §13.5): a real CLI run shows ["PASSWORD","PASSWORD_SRP"], the API
// Reference sample ["PASSWORD_SRP","PASSWORD","EMAIL_OTP","WEB_AUTHN"]; the
// captured output wins for the password pair, the rest follow the model's
// enum order.
var firstFactorOrder = []ChallengeName{ChallengePassword, ChallengePasswordSRP, ChallengeEmailOTP, ChallengeSMSOTP, ChallengeWebAuthn}

// userAuth runs InitiateAuth USER_AUTH (spec §4): USERNAME, optionally
// PREFERRED_CHALLENGE, with PASSWORD or SRP_A when the preferred factor
// is a password one (Amplify sends them in the same request), SECRET_HASH
// and DEVICE_KEY as in the other flows.
func (s *Service) userAuth(ctx context.Context, pool *userpool.Pool, client *userpool.Client, in Initiate) (*Result, error) {
	username := in.Params["USERNAME"]
	if username == "" {
		return nil, missing("USERNAME")
	}
	preferred := ChallengeName(in.Params["PREFERRED_CHALLENGE"])
	if preferred != "" && !slices.Contains(firstFactorOrder, preferred) {
		return nil, errBadPreferred
	}
	if err := client.CheckSecretHash(username, in.Params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	if in.Session != "" {
		return s.signUpSignIn(ctx, pool, client, in)
	}
	passwordAllowed := slices.Contains(firstFactors(pool), userpool.AuthFactorPassword)
	switch {
	case preferred == ChallengePassword && in.Params["PASSWORD"] != "" && passwordAllowed:
		// The password in the same request: USER_PASSWORD_AUTH's check,
		// lockout and decoy included, then advance as usual.
		return s.passwordAuth(ctx, pool, client, in)
	case preferred == ChallengePasswordSRP && in.Params["SRP_A"] != "" && passwordAllowed:
		// PASSWORD_VERIFIER at once, as USER_SRP_AUTH answers.
		return s.srpAuth(ctx, pool, client, in)
	}
	sc := &signIn{pool: pool, client: client, admin: in.Admin, metadata: in.Metadata, context: in.Context, preferred: preferred}
	// A name that is nobody gets a decoy SELECT_CHALLENGE, as a real user
	// with only a password gets (an unavailable preferred factor falls back
	// to it, §12.4).
	return s.startSignIn(ctx, sc, in, FlowUser, func(st *sessionState) { st.setUserAuth(userAuthState{Decoy: true}) })
}

// startSignIn finds the user of an InitiateAuth that proves nothing yet
// (USER_AUTH, CUSTOM_AUTH) and hands the sign-in of flow to advance: a
// user who may sign in after PreAuthentication (triggers.go); a name that
// is nobody, in a client that hides user existence, after
// PreAuthentication with userNotFound, its session state marked by decoy
// so that every answer fails as for a wrong password; otherwise the
// lookup's error.
func (s *Service) startSignIn(ctx context.Context, sc *signIn, in Initiate, flow Flow, decoy func(*sessionState)) (*Result, error) {
	username := in.Params["USERNAME"]
	u, err := s.Pools.FindUser(ctx, sc.pool, username)
	switch {
	case errors.Is(err, userpool.ErrUserNotFound) && sc.client.Settings.HidesUserExistence():
		sc.state = sessionState{Username: username, Flow: flow}
		if err := s.preAuthenticationUnknown(ctx, sc, username); err != nil {
			return nil, err
		}
		decoy(&sc.state)
		return s.advance(ctx, sc)
	case err != nil:
		return nil, err
	}
	if err := userpool.CheckSignIn(u); err != nil {
		return nil, err
	}
	sc.user = u
	sc.state = sessionState{Username: u.Username, Sub: u.Sub, Flow: flow, DeviceKey: in.Params["DEVICE_KEY"]}
	if err := s.preAuthentication(ctx, sc, u); err != nil {
		return nil, err
	}
	return s.advance(ctx, sc)
}

// firstFactors returns the pool's allowed first factors (tier applied);
// PASSWORD alone when it has no SignInPolicy.
func firstFactors(pool *userpool.Pool) []userpool.AuthFactor {
	if f := pool.Settings.FirstAuthFactors(); len(f) > 0 {
		return f
	}
	return []userpool.AuthFactor{userpool.AuthFactorPassword}
}

// mfaBound reports whether u must do MFA after a password in pool (the
// MFA decision asks for a factor, a choice or a setup): such a user is not
// offered passwordless factors (spec §3.5, §12.3).
func mfaBound(pool *userpool.Pool, u *storage.User) bool {
	return mfa.Decide(pool.Settings.MFA(), mfa.UserOf(u)).Outcome != mfa.NoMFA
}

// passkeyMFA reports whether passkey MFA applies to u: the pool's
// FactorConfiguration is MULTI_FACTOR_WITH_USER_VERIFICATION (tier
// allowing) and the user enabled WebAuthnMfaSettings (spec §7.4).
func passkeyMFA(pool *userpool.Pool, u *storage.User) bool {
	return pool.Settings.MFA().WebAuthn && slices.Contains(u.MFA.Enabled, storage.MFAFactor(mfa.WebAuthn))
}

// AvailableFirstFactors returns the USER_AUTH first factors of u in pool
// (AvailableChallenges, spec §4.2): the pool's allowed first factors
// (PASSWORD offering PASSWORD and PASSWORD_SRP) that the user has: a
// password; an email address (EMAIL_OTP) or phone number (SMS_OTP),
// verified or not (UNCONFIRMED, §13.5: as for email and SMS MFA); a
// passkey (WEB_AUTHN). Users who must do MFA lose the passwordless ones,
// except WEB_AUTHN under passkey MFA (§12.3); a user who must replace a
// temporary password is offered only the password ones (UNCONFIRMED: the
// new password is asked for after the password check).
func AvailableFirstFactors(pool *userpool.Pool, u storage.User) []ChallengeName {
	allowed := firstFactors(pool)
	bound := mfaBound(pool, &u)
	passwordless := !bound && u.Status != userpool.StatusForceChangePassword
	var out []ChallengeName
	for _, f := range firstFactorOrder {
		var ok bool
		switch f {
		case ChallengePassword, ChallengePasswordSRP:
			ok = slices.Contains(allowed, userpool.AuthFactorPassword) && u.Secrets.PasswordHash != ""
		case ChallengeEmailOTP:
			ok = passwordless && slices.Contains(allowed, userpool.AuthFactorEmailOTP) && mfa.HasEmail(&u)
		case ChallengeSMSOTP:
			ok = passwordless && slices.Contains(allowed, userpool.AuthFactorSMSOTP) && mfa.HasPhone(&u)
		case ChallengeWebAuthn:
			ok = slices.Contains(allowed, userpool.AuthFactorWebAuthn) && len(u.Passkeys) > 0 &&
				u.Status != userpool.StatusForceChangePassword && (!bound || passkeyMFA(pool, &u))
		}
		if ok {
			out = append(out, f)
		}
	}
	return out
}

// firstFactorStep is advance's first step in a USER_AUTH sign-in: until a
// first factor is proven it issues the preferred factor, when the user can
// use it, or SELECT_CHALLENGE with AvailableChallenges (an unavailable
// preferred factor falls back to SELECT_CHALLENGE, §12.4: UNCONFIRMED). It
// returns nil once a factor is proven.
func (s *Service) firstFactorStep(ctx context.Context, sc *signIn) (*Result, error) {
	if sc.state.Flow != FlowUser || sc.state.done(stepPassword) || sc.state.done(stepFirstFactor) {
		return nil, nil
	}
	var available []ChallengeName
	if sc.state.userAuth().Decoy {
		available = []ChallengeName{ChallengePassword, ChallengePasswordSRP}
	} else {
		available = AvailableFirstFactors(sc.pool, sc.user)
	}
	if len(available) == 0 {
		return nil, errNoFirstFactor
	}
	var res *Result
	var err error
	if sc.preferred != "" && slices.Contains(available, sc.preferred) && !sc.state.userAuth().Decoy {
		res, err = s.issueFirstFactor(ctx, sc, sc.preferred)
	} else {
		st := sc.state.userAuth()
		st.Available = available
		sc.state.setUserAuth(st)
		// UNCONFIRMED (§13.6): real CLI output shows no ChallengeParameters;
		// this server sends {} as for every challenge.
		res, err = s.challenge(ctx, sc, ChallengeSelectChallenge, nil)
	}
	if res != nil {
		res.Available = available
	}
	return res, err
}

// issueFirstFactor issues the challenge of first factor f with a new
// session: for EMAIL_OTP and SMS_OTP after sending the code, for WEB_AUTHN
// with CREDENTIAL_REQUEST_OPTIONS; PASSWORD and PASSWORD_SRP ask for the
// password or SRP_A that did not come with the request.
func (s *Service) issueFirstFactor(ctx context.Context, sc *signIn, f ChallengeName) (*Result, error) {
	st := sc.state.userAuth()
	switch f {
	case ChallengeEmailOTP, ChallengeSMSOTP:
		attr := "email"
		if f == ChallengeSMSOTP {
			attr = "phone_number"
		}
		// Passwordless codes need only a username: count them against
		// flooding (userpool.CountSignInCode).
		if err := s.Pools.CountSignInCode(ctx, sc.pool, sc.user); err != nil {
			return nil, err
		}
		code, err := mfa.NewSignInCode(s.rand())
		if err != nil {
			return nil, err
		}
		// UNCONFIRMED: the template of a first-factor code; the pool's MFA
		// message is the one Cognito documents for EMAIL_OTP and SMS.
		d, err := s.Pools.SendCode(ctx, sc.pool, sc.user, attr, delivery.PurposeMFA, code)
		if err != nil {
			return nil, err
		}
		st.Factor = f
		sc.state.setUserAuth(st)
		sc.state.setMFA(mfaState{Code: code})
		// The API Reference sample has no USERNAME or USER_ID_FOR_SRP here
		// (§4.3).
		return s.challenge(ctx, sc, f, map[string]string{
			"CODE_DELIVERY_DELIVERY_MEDIUM": d.DeliveryMedium,
			"CODE_DELIVERY_DESTINATION":     d.Destination,
		})
	case ChallengeWebAuthn:
		rp, err := s.Pools.RelyingParty(ctx, sc.pool)
		if err != nil {
			return nil, err
		}
		requireUV := mfaBound(sc.pool, &sc.user)
		opts, ch, err := rp.BeginAssertion(userpool.PasskeyUser(sc.user), userpool.Passkeys(sc.user), requireUV)
		if err != nil {
			return nil, err
		}
		st.WebAuthn, st.MFA, st.Factor = &ch, requireUV, f
		sc.state.setUserAuth(st)
		return s.challenge(ctx, sc, f, map[string]string{"CREDENTIAL_REQUEST_OPTIONS": opts.String()})
	default: // PASSWORD, PASSWORD_SRP
		// UNCONFIRMED (§13.7): "Respond with the user's password as
		// PASSWORD" [M]; no parameters are documented.
		return s.challenge(ctx, sc, f, nil)
	}
}

// answerSelectChallenge takes the first factor the user chose (ANSWER, one
// of the session's AvailableChallenges): PASSWORD with PASSWORD,
// PASSWORD_SRP with SRP_A (PASSWORD_VERIFIER follows), or EMAIL_OTP,
// SMS_OTP, WEB_AUTHN, whose challenge is issued with a new session. With
// WEB_AUTHN, a CREDENTIAL sent at once is not used (no assertion challenge
// exists yet, §13.10): the WEB_AUTHN challenge is issued.
func answerSelectChallenge(ctx context.Context, s *Service, sc *signIn, r map[string]string) (*Result, error) {
	choice := ChallengeName(r["ANSWER"])
	if choice == "" {
		return nil, missing("ANSWER")
	}
	if !slices.Contains(sc.state.userAuth().Available, choice) {
		return nil, s.wrongAnswer(ctx, sc, errNotAvailable)
	}
	switch choice {
	case ChallengePassword:
		return answerPasswordFactor(ctx, s, sc, r)
	case ChallengePasswordSRP:
		return answerPasswordSRPFactor(ctx, s, sc, r)
	}
	return s.issueFirstFactor(ctx, sc, choice)
}

// answerPasswordFactor checks PASSWORD (the PASSWORD challenge, or
// SELECT_CHALLENGE answered PASSWORD) as USER_PASSWORD_AUTH does: counted
// for lockout before the check, a wrong one NotAuthorizedException (the
// session stays usable up to MaxSessionAttempts); then advance, so MFA
// follows as after any password.
func answerPasswordFactor(ctx context.Context, s *Service, sc *signIn, r map[string]string) (*Result, error) {
	pw := r["PASSWORD"]
	if pw == "" {
		return nil, missing("PASSWORD")
	}
	sc.compared()
	u, res, err := s.reserve(ctx, sc.pool.ID, sc.user.UsernameKey, func(cur storage.User) error {
		if cur.Sub != sc.user.Sub {
			return userpool.ErrUserNotFound
		}
		return userpool.CheckSignIn(cur)
	})
	if err != nil {
		return nil, s.wrongAnswer(ctx, sc, userGone(err))
	}
	if u, err = s.checkReserved(ctx, sc.pool, sc.client, u, res, pw, sc.context); err != nil {
		return nil, s.wrongAnswer(ctx, sc, err)
	}
	sc.user, sc.password = u, pw
	return s.passwordVerified(ctx, sc)
}

// answerPasswordSRPFactor takes SRP_A (the PASSWORD_SRP challenge, or
// SELECT_CHALLENGE answered PASSWORD_SRP) and returns PASSWORD_VERIFIER as
// USER_SRP_AUTH does, without a Session: its answer carries its state in
// SECRET_BLOCK (srp.go). The session answered is spent.
func answerPasswordSRPFactor(ctx context.Context, s *Service, sc *signIn, r map[string]string) (*Result, error) {
	if r["SRP_A"] == "" {
		return nil, missing("SRP_A")
	}
	if err := s.spend(ctx, sc); err != nil {
		return nil, err
	}
	return s.srpAuth(ctx, sc.pool, sc.client, Initiate{
		Admin: sc.admin, Flow: FlowUser, Metadata: sc.metadata, Context: sc.context, respond: true,
		Params: map[string]string{
			"USERNAME": r["USERNAME"], "SRP_A": r["SRP_A"], "SECRET_HASH": r["SECRET_HASH"],
			"DEVICE_KEY": sc.state.DeviceKey,
		},
	})
}

// answerSMSOTP checks SMS_OTP_CODE, the code of a passwordless SMS first
// factor (answerCode: a wrong code is CodeMismatchException and keeps the
// session; a right one marks the phone number verified).
func answerSMSOTP(ctx context.Context, s *Service, sc *signIn, r map[string]string) (*Result, error) {
	return s.answerCode(ctx, sc, r["SMS_OTP_CODE"], "SMS_OTP_CODE", "phone_number_verified")
}

// answerWebAuthn verifies CREDENTIAL, the AuthenticationResponseJSON of the
// WEB_AUTHN challenge (spec §7.3), with package passkey: every failure is
// NotAuthorizedException and changes nothing (the session stays usable up
// to MaxSessionAttempts). A verified assertion spends the session, then
// updates the credential's sign counter (re-checked atomically, so a cloned
// or replayed counter is refused) and signs the user in with no MFA after
// it; when passkey MFA applied, the assertion's user verification is what
// satisfied MFA.
func answerWebAuthn(ctx context.Context, s *Service, sc *signIn, r map[string]string) (*Result, error) {
	cred := r["CREDENTIAL"]
	if cred == "" {
		return nil, missing("CREDENTIAL")
	}
	st := sc.state.userAuth()
	if st.WebAuthn == nil {
		return nil, errSessionInvalid
	}
	ch, err := st.WebAuthn.Take(s.now())
	if err != nil {
		return nil, err
	}
	rp, err := s.Pools.RelyingParty(ctx, sc.pool)
	if err != nil {
		return nil, err
	}
	sc.compared()
	a, err := rp.FinishAssertion(ch, userpool.PasskeyUser(sc.user), userpool.Passkeys(sc.user), []byte(cred))
	if err != nil {
		s.log().Info("passkey sign-in refused", "pool", sc.pool.ID, "error", err.Error())
		return nil, s.wrongAnswer(ctx, sc, err)
	}
	if st.MFA && !a.UserVerified {
		return nil, s.wrongAnswer(ctx, sc, passkey.ErrAssertionFailed)
	}
	if err := s.spend(ctx, sc); err != nil {
		return nil, err
	}
	u, err := s.Pools.ApplyPasskeyAssertion(ctx, sc.pool, sc.user, a)
	if err != nil {
		return nil, err
	}
	sc.user = u
	return s.passFirstFactor(ctx, sc)
}

// passFirstFactor records a proven passwordless first factor: no MFA
// follows it (spec §3.5 fact 1), so MFA counts as passed too; then advance
// (devices, threat protection, tokens).
func (s *Service) passFirstFactor(ctx context.Context, sc *signIn) (*Result, error) {
	sc.state.pass(stepFirstFactor)
	delete(sc.state.Ext, extUserAuth)
	return s.passMFA(ctx, sc)
}

// answerDecoy answers a decoy USER_AUTH session (a user who does not
// exist, in a client that hides it) as a wrong password is answered:
// PASSWORD costs a password check and fails; PASSWORD_SRP gets a decoy
// PASSWORD_VERIFIER whose answer fails; anything else fails at once.
func (s *Service) answerDecoy(ctx context.Context, sc *signIn, in Respond) (*Result, error) {
	r := in.Responses
	choice := in.Challenge
	if choice == ChallengeSelectChallenge {
		choice = ChallengeName(r["ANSWER"])
		if choice == "" {
			return nil, missing("ANSWER")
		}
		if choice != ChallengePassword && choice != ChallengePasswordSRP {
			return nil, s.wrongAnswer(ctx, sc, errNotAvailable)
		}
	}
	switch {
	case choice == ChallengePassword && r["PASSWORD"] == "":
		return nil, missing("PASSWORD")
	case choice == ChallengePasswordSRP && r["SRP_A"] == "":
		return nil, missing("SRP_A")
	}
	sc.compared()
	switch {
	case choice == ChallengePassword:
		// Counted against the name's lockout as a real user's password.
		return nil, s.wrongAnswer(ctx, sc, s.unknownPassword(ctx, sc.pool, sc.client, sc.state.Username, r["PASSWORD"]))
	case choice == ChallengePasswordSRP:
		if err := s.spend(ctx, sc); err != nil {
			return nil, err
		}
		return s.srpAuth(ctx, sc.pool, sc.client, Initiate{Admin: in.Admin, Flow: FlowUser, respond: true,
			Params: map[string]string{"USERNAME": r["USERNAME"], "SRP_A": r["SRP_A"], "SECRET_HASH": r["SECRET_HASH"]}})
	}
	return nil, s.wrongAnswer(ctx, sc, errIncorrect)
}
