package authflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file is the MFA step of sign-in (spec §7.3–§7.7): after the password
// (and a new password, if one was required) advance asks mfaStep what the
// user must answer, and the answers table gets one handler per MFA
// challenge. The rules themselves (which factor, the TOTP check and its
// replay guard) live in package mfa.

// stepMFA is recorded in sessionState.Done once the user passed MFA.
const stepMFA = "MFA"

// extMFA is the sessionState.Ext key of mfaState.
const extMFA = "mfa"

// mfaState is the MFA part of a sign-in session's sealed state.
type mfaState struct {
	// Code is the one-time code sent for the SMS_MFA or EMAIL_OTP challenge
	// the session waits for. It dies with the session: it expires with it
	// (AuthSessionValidity) and cannot be used once the session is spent.
	Code string `json:"code,omitempty"`
	// Options are MFAS_CAN_CHOOSE (SELECT_MFA_TYPE) or MFAS_CAN_SETUP
	// (MFA_SETUP).
	Options []mfa.Factor `json:"opts,omitempty"`
	// Email is the address an MFA_SETUP answer gave for email MFA; the
	// EMAIL_OTP challenge that follows went there.
	Email string `json:"email,omitempty"`
	// Associated and Verified track software-token setup inside MFA_SETUP:
	// AssociateSoftwareToken with this sign-in's session, then
	// VerifySoftwareToken.
	Associated bool `json:"assoc,omitempty"`
	Verified   bool `json:"verified,omitempty"`
}

// MFA faults of sign-in that package mfa does not own.
var (
	// errMFAMethodNotFound: a SELECT_MFA_TYPE ANSWER that is not one of
	// MFAS_CAN_CHOOSE. The type is from the model (spec §7.3: "plausibly
	// SELECT_MFA_TYPE answered with a factor the user lacks"); the message is
	// UNCONFIRMED.
	errMFAMethodNotFound = fault.New(fault.MFAMethodNotFound, "The MFA method selected is not available for the user.")
	// errSetupIncomplete: MFA_SETUP answered before a software token was
	// verified with the session (and without an EMAIL to set up). Type and
	// message UNCONFIRMED.
	errSetupIncomplete = fault.New(fault.InvalidParameter, "MFA setup is not complete: verify a software token with this session first.")
	// errInvalidEmail: an MFA_SETUP EMAIL that is not an address. Message
	// UNCONFIRMED.
	errInvalidEmail = fault.New(fault.InvalidParameter, "Invalid email address format.")
)

func (st *sessionState) mfa() mfaState { return getExt[mfaState](st, extMFA) }

func (st *sessionState) setMFA(v mfaState) { st.putExt(extMFA, v) }

// mfaStep returns the MFA challenge the user must answer next, or nil when
// MFA is passed or not required (spec §7.3).
func (s *Service) mfaStep(ctx context.Context, sc *signIn) (*Result, error) {
	if sc.state.done(stepMFA) {
		return nil, nil
	}
	return s.issueMFA(ctx, sc, mfa.Decide(sc.pool.Settings.MFA(), mfa.UserOf(&sc.user)))
}

// issueMFA issues the challenge an MFA decision calls for (a factor's
// challenge, SELECT_MFA_TYPE or MFA_SETUP), or returns nil for no MFA.
func (s *Service) issueMFA(ctx context.Context, sc *signIn, d mfa.Decision) (*Result, error) {
	switch d.Outcome {
	case mfa.Challenge:
		return s.mfaChallenge(ctx, sc, d.Challenge, "")
	case mfa.Select:
		sc.state.setMFA(mfaState{Options: d.Factors})
		return s.challenge(ctx, sc, ChallengeSelectMFAType, map[string]string{
			"MFAS_CAN_CHOOSE": jsonList(d.Factors),
			"USER_ID_FOR_SRP": sc.user.Username,
		})
	case mfa.Setup:
		sc.state.setMFA(mfaState{Options: d.Factors})
		return s.challenge(ctx, sc, ChallengeMFASetup, map[string]string{
			"MFAS_CAN_SETUP":  jsonList(d.Factors),
			"USER_ID_FOR_SRP": sc.user.Username,
		})
	}
	return nil, nil
}

// jsonList encodes factors as the JSON array inside a string that
// MFAS_CAN_CHOOSE and MFAS_CAN_SETUP are (spec §13.1).
func jsonList(factors []mfa.Factor) string {
	b, _ := json.Marshal(factors)
	return string(b)
}

// factorChallenge is the challenge that asks for a code of factor f.
func factorChallenge(f mfa.Factor) ChallengeName {
	switch f {
	case mfa.SMS:
		return ChallengeSMSMFA
	case mfa.Email:
		return ChallengeEmailOTP
	case mfa.TOTP:
		return ChallengeSoftwareToken
	}
	return ""
}

// mfaChallenge issues the challenge of one factor with a new session. For
// SMS_MFA and EMAIL_OTP it first sends a new code with the pool's MFA
// template; email, when set, is the address of an email MFA being set up
// (the user's own address otherwise).
func (s *Service) mfaChallenge(ctx context.Context, sc *signIn, factor mfa.Factor, email string) (*Result, error) {
	name := factorChallenge(factor)
	if name == "" {
		return nil, fmt.Errorf("authflow: no challenge for MFA factor %q", factor)
	}
	if factor == mfa.TOTP {
		// Spec §7.4 leaves the parameters UNCONFIRMED; AWS's own examples
		// (the aws-cli respond-to-auth-challenge example, the Developer
		// Guide's AdminInitiateAuth sample) show FRIENDLY_DEVICE_NAME and
		// USER_ID_FOR_SRP, and the AWS Android SDK reads the former.
		sc.state.setMFA(mfaState{})
		params := map[string]string{"USER_ID_FOR_SRP": sc.user.Username}
		if name := sc.user.MFA.TOTPFriendlyName; name != "" {
			params["FRIENDLY_DEVICE_NAME"] = name
		}
		return s.challenge(ctx, sc, name, params)
	}
	attr, to := "phone_number", sc.user
	if factor == mfa.Email {
		attr = "email"
		if email != "" {
			to.Attributes = userpool.SetAttributes(slices.Clone(to.Attributes), storage.Attribute{Name: "email", Value: email})
		}
	}
	code, err := mfa.NewCode(s.rand())
	if err != nil {
		return nil, err
	}
	d, err := s.Pools.SendCode(ctx, sc.pool, to, attr, delivery.PurposeMFA, code)
	if err != nil {
		return nil, err
	}
	sc.state.setMFA(mfaState{Code: code, Email: email})
	return s.challenge(ctx, sc, name, map[string]string{
		"CODE_DELIVERY_DELIVERY_MEDIUM": d.DeliveryMedium,
		"CODE_DELIVERY_DESTINATION":     d.Destination,
		"USER_ID_FOR_SRP":               sc.user.Username,
	})
}

// passMFA records that the user passed MFA and moves on.
func (s *Service) passMFA(ctx context.Context, sc *signIn) (*Result, error) {
	sc.state.pass(stepMFA)
	delete(sc.state.Ext, extMFA)
	return s.advance(ctx, sc)
}

// answerSMSMFA checks SMS_MFA_CODE. A right code also marks the phone
// number verified [DG23 SMS page].
func answerSMSMFA(ctx context.Context, s *Service, sc *signIn, r map[string]string) (*Result, error) {
	return s.answerCode(ctx, sc, r["SMS_MFA_CODE"], "SMS_MFA_CODE", "phone_number_verified")
}

// answerEmailOTP checks EMAIL_OTP_CODE. A right code also marks the email
// address verified (spec §7.4); after an MFA_SETUP answer it also stores the
// address and enables email MFA for the user.
func answerEmailOTP(ctx context.Context, s *Service, sc *signIn, r map[string]string) (*Result, error) {
	return s.answerCode(ctx, sc, r["EMAIL_OTP_CODE"], "EMAIL_OTP_CODE", "email_verified")
}

func (s *Service) answerCode(ctx context.Context, sc *signIn, code, param, verifiedAttr string) (*Result, error) {
	if code == "" {
		return nil, missing(param)
	}
	st := sc.state.mfa()
	// What a right code changes: the address it went to is verified, and
	// after MFA_SETUP by email that address becomes the user's, unless
	// another user signs in with it.
	set := []storage.Attribute{{Name: verifiedAttr, Value: "true"}}
	if st.Email != "" {
		set = append([]storage.Attribute{{Name: "email", Value: st.Email}}, set...)
	}
	update, err := s.Pools.PrepareChallengeAttributes(ctx, sc.pool, nil, sc.user, set)
	if err != nil {
		if fault.KindOf(err) != fault.AliasExists || st.Email != "" {
			return nil, err
		}
		// Another user holds this address as a verified alias: the code
		// still passes MFA, but does not mark the address verified.
		update = nil
	}
	sc.compared()
	if err := s.checkMFACode(ctx, sc, func(*storage.User) error {
		if !mfa.CheckCode(st.Code, code) {
			return mfa.ErrCodeMismatch
		}
		return nil
	}); err != nil {
		return nil, s.wrongAnswer(ctx, sc, err)
	}
	// Spend first: of two right answers only one gets through.
	if err := s.spend(ctx, sc); err != nil {
		return nil, err
	}
	now := s.now()
	u, err := s.Users.UpdateUser(ctx, sc.pool.ID, sc.user.UsernameKey, func(u *storage.User) error {
		if u.Sub != sc.user.Sub {
			return userpool.ErrUserNotFound
		}
		attrs, pending := slices.Clone(u.Attributes), slices.Clone(u.PendingAttributes)
		if update != nil {
			update.Apply(u)
		}
		changed := !slices.Equal(attrs, u.Attributes) || !slices.Equal(pending, u.PendingAttributes)
		if st.Email != "" {
			// MFA_SETUP by email: email MFA is enabled (preferred unless
			// another factor is).
			// The pool offered email MFA when MFA_SETUP was issued.
			pool := sc.pool.Settings.MFA()
			pool.Email = sc.pool.Settings.Tier().Allows(userpool.FeatureEmailMFA)
			m, err := mfa.ApplyPreference(u, mfa.Preference{Email: &mfa.Setting{Enabled: true, Preferred: u.MFA.Preferred == ""}}, pool)
			if err != nil {
				return err
			}
			changed = changed || !slices.Equal(m.Enabled, u.MFA.Enabled) || m.Preferred != u.MFA.Preferred
			u.MFA = m
		}
		if !changed {
			return errUnchanged
		}
		u.UpdatedAt = now
		return nil
	})
	switch {
	case errors.Is(err, errUnchanged):
	case err != nil:
		return nil, userGone(err)
	default:
		sc.user = u
	}
	if sc.state.userAuth().Factor != "" {
		return s.passFirstFactor(ctx, sc) // a passwordless EMAIL_OTP or SMS_OTP (userauth.go)
	}
	return s.passMFA(ctx, sc)
}

// userGone turns a user deleted during sign-in into UserNotFoundException.
func userGone(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return userpool.ErrUserNotFound
	}
	return err
}

// errUnchanged aborts an UpdateUser that would write nothing.
var errUnchanged = errors.New("authflow: unchanged")

// answerSoftwareToken checks SOFTWARE_TOKEN_MFA_CODE against the user's
// software token, recording its time step in the same atomic update so that
// the code can never be used again (spec §13.4), or counting a wrong code
// against the user's lockout (checkMFACode). Other keys (Amplify and
// amazon-cognito-identity-js also send SMS_MFA_CODE) are ignored.
func answerSoftwareToken(ctx context.Context, s *Service, sc *signIn, r map[string]string) (*Result, error) {
	code := r["SOFTWARE_TOKEN_MFA_CODE"]
	if code == "" {
		return nil, missing("SOFTWARE_TOKEN_MFA_CODE")
	}
	sc.compared()
	now := s.now()
	err := s.checkMFACode(ctx, sc, func(u *storage.User) error {
		if !mfa.HasTOTP(u) {
			return mfa.ErrNoTOTP
		}
		step, err := mfa.MatchTOTP(u.Secrets.TOTPSecret, code, now, u.MFA.TOTPLastStep)
		switch {
		case errors.Is(err, mfa.ErrReplay):
			return mfa.ErrTOTPReplay
		case err != nil:
			return mfa.ErrTOTPMismatch
		}
		u.MFA.TOTPLastStep = step
		return nil
	})
	if err != nil {
		if fault.KindOf(err) != "" {
			return nil, s.wrongAnswer(ctx, sc, err)
		}
		return nil, err
	}
	if err := s.spend(ctx, sc); err != nil {
		return nil, err
	}
	return s.passMFA(ctx, sc)
}

// answerSelectMFAType takes the factor the user chose (ANSWER) and issues
// its challenge with a new session, sending the code for SMS and email.
// EMAIL_MFA, the name AWS's doc text uses, is read as EMAIL_OTP.
func answerSelectMFAType(ctx context.Context, s *Service, sc *signIn, r map[string]string) (*Result, error) {
	choice := mfa.Factor(r["ANSWER"])
	if choice == "" {
		return nil, missing("ANSWER")
	}
	if choice == "EMAIL_MFA" {
		choice = mfa.Email
	}
	if !slices.Contains(sc.state.mfa().Options, choice) {
		return nil, s.wrongAnswer(ctx, sc, errMFAMethodNotFound)
	}
	return s.mfaChallenge(ctx, sc, choice, "")
}

// answerMFASetup completes MFA_SETUP (spec §7.4):
//   - after AssociateSoftwareToken and VerifySoftwareToken with this
//     sign-in's sessions, with USERNAME only: TOTP becomes the user's enabled
//     and preferred factor (spec §5.2: later sign-ins are challenged with it)
//     and the sign-in goes on;
//   - with EMAIL, when the pool offers email MFA: an EMAIL_OTP challenge to
//     that address, whose right answer stores the address (verified) and
//     enables email MFA. UNCONFIRMED (spec §14.8).
//
// SMS cannot be set up inside the flow (spec §7.4).
func answerMFASetup(ctx context.Context, s *Service, sc *signIn, r map[string]string) (*Result, error) {
	st := sc.state.mfa()
	if st.Verified {
		if err := s.spend(ctx, sc); err != nil {
			return nil, err
		}
		u, err := s.MFA.SetPreference(ctx, sc.pool.ID, sc.user.UsernameKey,
			mfa.Preference{TOTP: &mfa.Setting{Enabled: true, Preferred: true}}, sc.pool.Settings.MFA())
		if err != nil {
			return nil, userGone(err)
		}
		sc.user = u
		return s.passMFA(ctx, sc)
	}
	if email := strings.TrimSpace(r["EMAIL"]); email != "" && slices.Contains(st.Options, mfa.Email) {
		if at := strings.IndexByte(email, '@'); at < 1 || at == len(email)-1 {
			return nil, s.wrongAnswer(ctx, sc, errInvalidEmail)
		}
		// The address becomes the user's, verified, once the code comes
		// back: it must not be one another user signs in with.
		if _, err := s.Pools.PrepareChallengeAttributes(ctx, sc.pool, nil, sc.user, []storage.Attribute{
			{Name: "email", Value: email}, {Name: "email_verified", Value: "true"},
		}); err != nil {
			return nil, s.wrongAnswer(ctx, sc, err)
		}
		return s.mfaChallenge(ctx, sc, mfa.Email, email)
	}
	return nil, s.wrongAnswer(ctx, sc, errSetupIncomplete)
}

// setupSession opens a session for AssociateSoftwareToken or
// VerifySoftwareToken, which name neither pool nor client: both come from
// the stored session. The session must be waiting for MFA_SETUP.
func (s *Service) setupSession(ctx context.Context, session string) (*signIn, error) {
	if len(session) < 20 || len(session) > 2048 {
		return nil, errSessionInvalid
	}
	a, err := s.Sessions.GetSession(ctx, sessionID(session))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errSessionInvalid
	}
	if err != nil {
		return nil, err
	}
	pool, client, err := s.loadClient(ctx, true, a.PoolID, a.ClientID)
	if fault.KindOf(err) == fault.ResourceNotFound {
		return nil, errSessionInvalid
	}
	if err != nil {
		return nil, err
	}
	sc, err := s.openSession(ctx, pool, client, session)
	if err != nil {
		return nil, err
	}
	if sc.state.Challenge != ChallengeMFASetup {
		s.release(ctx, sc)
		return nil, errSessionInvalid
	}
	u, err := s.Pools.LoadUser(ctx, pool, sc.state.Username, sc.state.Sub)
	if err != nil {
		s.release(ctx, sc)
		return nil, err
	}
	sc.user = u
	return sc, nil
}

// AssociateSoftwareToken starts software-token setup inside MFA_SETUP
// (AssociateSoftwareToken with a Session): it gives the user a new pending
// secret and returns its SecretCode and the session for
// VerifySoftwareToken. The session answered is spent.
func (s *Service) AssociateSoftwareToken(ctx context.Context, session string) (secretCode, next string, err error) {
	sc, err := s.setupSession(ctx, session)
	if err != nil {
		return "", "", err
	}
	defer func() {
		if err != nil {
			s.release(ctx, sc)
		}
	}()
	if !sc.pool.Settings.TOTPEnabled() {
		return "", "", mfa.ErrPoolTOTPOff
	}
	code, err := s.MFA.Associate(ctx, sc.pool.ID, sc.user.UsernameKey)
	if err != nil {
		return "", "", userGone(err)
	}
	st := sc.state.mfa()
	st.Associated, st.Verified = true, false
	sc.state.setMFA(st)
	res, err := s.challenge(ctx, sc, ChallengeMFASetup, nil)
	if err != nil {
		return "", "", err
	}
	return code, res.Session, nil
}

// VerifySoftwareToken verifies the software token associated with the
// session (VerifySoftwareToken with a Session) and returns a new session
// that completes MFA_SETUP. Only a session AssociateSoftwareToken returned
// will do; a wrong code leaves the session usable (up to
// MaxSessionAttempts wrong answers).
func (s *Service) VerifySoftwareToken(ctx context.Context, session, code, friendlyName string) (next string, err error) {
	sc, err := s.setupSession(ctx, session)
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			s.release(ctx, sc)
		}
	}()
	st := sc.state.mfa()
	if !st.Associated {
		return "", errSessionInvalid
	}
	if !sc.pool.Settings.TOTPEnabled() {
		return "", mfa.ErrPoolTOTPOff
	}
	sc.compared()
	if _, err := s.MFA.VerifySetup(ctx, sc.pool.ID, sc.user.UsernameKey, code, friendlyName); err != nil {
		if fault.KindOf(err) != "" {
			return "", s.wrongAnswer(ctx, sc, err)
		}
		return "", userGone(err)
	}
	st.Verified = true
	sc.state.setMFA(st)
	res, err := s.challenge(ctx, sc, ChallengeMFASetup, nil)
	if err != nil {
		return "", err
	}
	return res.Session, nil
}
