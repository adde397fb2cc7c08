package authflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file is CUSTOM_AUTH (spec cognito-user-auth.md §9,
// cognito-triggers-import.md §6.4): InitiateAuth and AdminInitiateAuth
// with AuthFlow CUSTOM_AUTH start a sign-in whose steps the pool's
// DefineAuthChallenge trigger decides. Its rounds are the first step of
// advance (customStep), before the steps every sign-in shares:
//
//   - InitiateAuth loads the user, runs PreAuthentication and hands advance
//     a start: Define sees an empty session, or [{SRP_A, true}] when the
//     client sent CHALLENGE_NAME SRP_A with SRP_A (the variant
//     amazon-cognito-identity-js and Amplify's CUSTOM_WITH_SRP use).
//   - Define asks for CUSTOM_CHALLENGE: Create runs, and the client gets its
//     publicChallengeParameters (plus USERNAME) with a new Session; the
//     answer (ANSWER) runs Verify, its result joins the session history
//     and Define runs again. Each round spends its Session and hands out a
//     new one.
//   - Define asks for PASSWORD_VERIFIER (after SRP_A): the client gets the
//     SRP challenge with a Session; the answer is checked as in
//     USER_SRP_AUTH (lockout included), and its SECRET_BLOCK, marked as a
//     CUSTOM_AUTH one, is refused without that Session, so the password
//     alone never skips the custom challenges. A right proof joins the
//     history as {PASSWORD_VERIFIER, true}; a wrong one fails as a wrong
//     password does (UNCONFIRMED, §9.4: whether Define sees false).
//   - Define answers issueTokens: advance goes on (devices, threat
//     protection, MFA, tokens). MFA follows only a sign-in that verified
//     the password (§9.4 point 4); a sign-in by custom challenges alone is
//     not asked for MFA. UNCONFIRMED: where MFA comes when it does (here,
//     after Define issued tokens).
//   - failAuthentication, or a session that reached
//     trigger.MaxCustomAuthRounds: NotAuthorizedException, and the Session
//     is spent.
//
// The round history, the current challenge and its
// privateChallengeParameters live in sessionState.Ext["custom"], sealed
// with the session. For a name that is nobody, in a client that hides user
// existence, the rounds run with userNotFound (the triggers decide what to
// show), and whatever Define decides ends in "Incorrect username or
// password.".

// ChallengeCustom is CUSTOM_CHALLENGE, a challenge of the CreateAuthChallenge
// trigger.
const ChallengeCustom ChallengeName = "CUSTOM_CHALLENGE"

// stepCustom is recorded in sessionState.Done once Define issued tokens.
const stepCustom = "CUSTOM"

// extCustom is the sessionState.Ext key of customState.
const extCustom = "custom"

// customState is the CUSTOM_AUTH part of a sign-in session's sealed state.
type customState struct {
	trigger.CustomAuthState
	// NotFound marks the rounds of a name that is nobody (a client hiding
	// user existence): they end in errIncorrect.
	NotFound bool `json:"nf,omitempty"`
}

func (st *sessionState) custom() customState { return getExt[customState](st, extCustom) }

func (st *sessionState) setCustom(v customState) { st.putExt(extCustom, v) }

// customKind is what a request brings to a CUSTOM_AUTH round.
type customKind int

const (
	customStart    customKind = iota + 1 // InitiateAuth
	customAnswer                         // CUSTOM_CHALLENGE's ANSWER
	customContinue                       // a built-in challenge's outcome
)

// customInput is the request's part of a CUSTOM_AUTH round (signIn.custom).
type customInput struct {
	kind customKind
	// srpA is InitiateAuth's SRP_A when CHALLENGE_NAME was SRP_A.
	srpA string
	// answer is CUSTOM_CHALLENGE's ANSWER; passed a built-in challenge's
	// outcome.
	answer string
	passed bool
}

// errCustomChallengeName answers a CHALLENGE_NAME that CUSTOM_AUTH does not
// start with. UNCONFIRMED: type and wording.
var errCustomChallengeName = fault.New(fault.InvalidParameter, "Invalid CHALLENGE_NAME: CUSTOM_AUTH starts with SRP_A or CUSTOM_CHALLENGE.")

// customAuth runs InitiateAuth CUSTOM_AUTH: USERNAME, SECRET_HASH and
// DEVICE_KEY as in the other flows, and optionally CHALLENGE_NAME SRP_A
// with SRP_A (CUSTOM_CHALLENGE, or none, starts without SRP).
func (s *Service) customAuth(ctx context.Context, pool *userpool.Pool, client *userpool.Client, in Initiate) (*Result, error) {
	username := in.Params["USERNAME"]
	if username == "" {
		return nil, missing("USERNAME")
	}
	if err := client.CheckSecretHash(username, in.Params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	if !s.hasTrigger(pool, trigger.DefineAuthChallenge) {
		return nil, trigger.ErrCustomAuthNotConfigured
	}
	start := &customInput{kind: customStart}
	switch in.Params["CHALLENGE_NAME"] {
	case string(trigger.ChallengeSRPA):
		start.srpA = in.Params["SRP_A"]
		if start.srpA == "" {
			return nil, missing("SRP_A")
		}
		if _, err := srp.ParseA(start.srpA); err != nil {
			return nil, errInvalidSRPA
		}
	case "", string(ChallengeCustom):
	default:
		return nil, errCustomChallengeName
	}
	sc := &signIn{pool: pool, client: client, admin: in.Admin, metadata: in.Metadata, context: in.Context, custom: start}
	return s.startSignIn(ctx, sc, in, FlowCustom, func(st *sessionState) { st.setCustom(customState{NotFound: true}) })
}

// customStep is advance's first step in a CUSTOM_AUTH sign-in: until Define
// issues tokens it runs one round with what the request brought
// (sc.custom) and returns the next challenge, or the failure. It returns
// nil once Define issued tokens.
func (s *Service) customStep(ctx context.Context, sc *signIn) (*Result, error) {
	if sc.state.Flow != FlowCustom || sc.state.done(stepCustom) {
		return nil, nil
	}
	in := sc.custom
	sc.custom = nil
	if in == nil || s.Triggers == nil {
		return nil, errSessionInvalid
	}
	st := sc.state.custom()
	user := trigger.CustomAuthUser{
		Username:                   sc.state.Username,
		Attributes:                 map[string]string{},
		PreventUserExistenceErrors: sc.client.Settings.HidesUserExistence(),
		UserNotFound:               st.NotFound,
	}
	if !st.NotFound {
		user.Attributes = eventAttributes(sc.pool, sc.user)
	}
	pool, call := sc.pool.TriggerPool(), sc.call()
	var step trigger.Step
	var err error
	switch in.kind {
	case customStart:
		step, err = s.Triggers.StartCustomAuth(ctx, pool, call, user, in.srpA != "")
	case customAnswer:
		step, err = s.Triggers.AnswerCustomChallenge(ctx, pool, call, user, st.CustomAuthState, in.answer)
	case customContinue:
		step, err = s.Triggers.ContinueCustomAuth(ctx, pool, call, user, st.CustomAuthState, in.passed)
	default:
		err = errSessionInvalid
	}
	if err != nil {
		return nil, err
	}
	st.CustomAuthState = step.State
	switch step.Kind {
	case trigger.StepTokens:
		if st.NotFound {
			return nil, s.customFailed(ctx, sc, errIncorrect)
		}
		sc.state.pass(stepCustom)
		delete(sc.state.Ext, extCustom)
		if !sc.state.done(stepPassword) {
			// No password was verified: no MFA follows (§9.4 point 4).
			sc.state.pass(stepMFA)
		}
		return nil, nil
	case trigger.StepChallenge:
		sc.state.setCustom(st)
		switch step.Challenge {
		case trigger.ChallengeCustom:
			return s.challenge(ctx, sc, ChallengeCustom, step.Parameters)
		case trigger.ChallengePasswordVerifier:
			if in.kind == customStart && in.srpA != "" {
				return s.customPasswordVerifier(ctx, sc, in.srpA, st.NotFound)
			}
		}
		// UNCONFIRMED: what Cognito answers when Define asks for a built-in
		// challenge the client gave nothing for (PASSWORD_VERIFIER without
		// SRP_A first, or SMS_MFA, DEVICE_SRP_AUTH, ...).
		return nil, fault.New(fault.InvalidLambdaResponse, fmt.Sprintf("DefineAuthChallenge asked for %s, which this sign-in cannot issue here.", step.Challenge))
	}
	return nil, s.customFailed(ctx, sc, trigger.ErrCustomAuthFailed)
}

// customFailed ends a CUSTOM_AUTH sign-in: the session answered is spent,
// so that it cannot be answered again, and err is returned.
func (s *Service) customFailed(ctx context.Context, sc *signIn, err error) error {
	if serr := s.spend(ctx, sc); serr != nil && !errors.Is(serr, errSessionUsed) {
		return serr
	}
	return err
}

// customPasswordVerifier issues PASSWORD_VERIFIER inside CUSTOM_AUTH, for
// the SRP_A InitiateAuth brought: the parameters of USER_SRP_AUTH, a
// SECRET_BLOCK marked as a CUSTOM_AUTH one, and a Session holding the
// rounds so far. A name that is nobody gets a decoy that fails.
func (s *Service) customPasswordVerifier(ctx context.Context, sc *signIn, srpA string, notFound bool) (*Result, error) {
	A, err := srp.ParseA(srpA)
	if err != nil {
		return nil, errInvalidSRPA
	}
	blk := secretBlock{
		expires:   s.now().Add(sc.client.Settings.SessionValidity()),
		deviceKey: sc.state.DeviceKey,
		a:         A,
		custom:    true,
	}
	var salt, verifier []byte
	var shown string
	if notFound {
		// As USER_SRP_AUTH's decoy (srpAuth): the block keeps the name's
		// lookup key, under which its failures are counted.
		blk.decoy = true
		blk.username = sc.pool.Settings.LookupKey(sc.state.Username)
		if shown, err = s.decoyUsername(sc.pool, sc.state.Username); err != nil {
			return nil, err
		}
		salt, err = s.decoySalt(sc.pool.ID, blk.username)
	} else {
		blk.username, shown = sc.user.Username, sc.user.Username
		salt, verifier = sc.user.Secrets.SRPSalt, sc.user.Secrets.SRPVerifier
		if len(salt) == 0 || len(verifier) == 0 {
			salt, err = s.decoySalt(sc.pool.ID, sc.user.UsernameKey)
			verifier = nil
		}
	}
	if err != nil {
		return nil, err
	}
	if verifier == nil {
		if verifier, err = s.decoyVerifier(); err != nil {
			return nil, err
		}
	}
	params, err := s.passwordVerifierParameters(sc.pool, sc.client, blk, shown, salt, verifier)
	if err != nil {
		return nil, err
	}
	return s.challenge(ctx, sc, ChallengePasswordVerifier, params)
}

// answerCustomPasswordVerifier checks a PASSWORD_VERIFIER answer of a
// CUSTOM_AUTH sign-in (blk, opened from raw, is marked custom): the Session
// must be the one the challenge came with; the proof is checked as in
// USER_SRP_AUTH (answerPasswordVerifier: lockout, TIMESTAMP, the stored
// verifier); a right one continues the rounds with {PASSWORD_VERIFIER,
// true}.
func (s *Service) answerCustomPasswordVerifier(ctx context.Context, pool *userpool.Pool, client *userpool.Client, in Respond, blk secretBlock, raw []byte) (*Result, error) {
	if in.Session == "" {
		return nil, missing("Session")
	}
	sc, err := s.openSession(ctx, pool, client, in.Session)
	if err != nil {
		return nil, err
	}
	res, err := s.customPasswordProof(ctx, sc, in, blk, raw)
	if err != nil {
		s.release(ctx, sc)
	}
	return res, err
}

func (s *Service) customPasswordProof(ctx context.Context, sc *signIn, in Respond, blk secretBlock, raw []byte) (*Result, error) {
	r := in.Responses
	if sc.state.Flow != FlowCustom || sc.state.Challenge != ChallengePasswordVerifier {
		return nil, errSessionInvalid
	}
	sc.admin, sc.respond, sc.metadata, sc.context = in.Admin, true, in.Metadata, in.Context
	sc.compared()
	if blk.decoy || sc.state.custom().NotFound {
		// Counted as a real user's wrong proof (see answerPasswordVerifier).
		locked, err := s.Pools.UnknownSignInFailure(ctx, sc.pool, blk.username)
		if err != nil {
			return nil, err
		}
		if locked {
			return nil, s.wrongAnswer(ctx, sc, errAttemptsExceeded)
		}
		s.decoyProof(blk, sc.pool, r)
		return nil, s.wrongAnswer(ctx, sc, errIncorrect)
	}
	pool := sc.pool
	key := pool.Settings.UsernameKey(blk.username)
	if key != pool.Settings.UsernameKey(sc.state.Username) {
		return nil, errSessionInvalid
	}
	username := r["USERNAME"]
	u, res, err := s.reserve(ctx, pool.ID, key, func(u storage.User) error {
		if u.Sub != sc.state.Sub || (pool.Settings.UsernameKey(username) != key && username != u.Sub) {
			return errIncorrect
		}
		return userpool.CheckSignIn(u)
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, s.wrongAnswer(ctx, sc, errIncorrect)
	}
	if err != nil {
		return nil, s.wrongAnswer(ctx, sc, err)
	}
	if !s.verifyProof(blk, u.Secrets.SRPVerifier, srp.PoolName(pool.ID), u.Username, raw, r, s.now()) {
		return nil, s.wrongAnswer(ctx, sc, s.signInFailed(ctx, pool, sc.client, u, in.Context, errIncorrect))
	}
	if err := s.refund(ctx, pool.ID, &u, res); err != nil {
		return nil, err
	}
	if deviceKey, sent := r["DEVICE_KEY"]; sent {
		sc.state.DeviceKey = deviceKey
	}
	sc.user = u
	sc.block, sc.blockExpires = raw, blk.expires
	if err := s.spendBlock(ctx, sc); err != nil {
		return nil, err
	}
	sc.custom = &customInput{kind: customContinue, passed: true}
	return s.passwordVerified(ctx, sc)
}

// answerCustomChallenge takes CUSTOM_CHALLENGE's ANSWER and runs the next
// round (Verify, then Define and Create; customStep).
func answerCustomChallenge(ctx context.Context, s *Service, sc *signIn, r map[string]string) (*Result, error) {
	answer := r["ANSWER"]
	if answer == "" {
		return nil, missing("ANSWER")
	}
	sc.compared()
	sc.custom = &customInput{kind: customAnswer, answer: answer}
	return s.advance(ctx, sc)
}
