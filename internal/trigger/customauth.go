package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/userpoold/userpoold/internal/fault"
)

// ChallengeName is a challenge of a CUSTOM_AUTH session (spec §6.4).
type ChallengeName string

// Challenge names a DefineAuthChallenge session holds or returns.
const (
	ChallengeCustom                 ChallengeName = "CUSTOM_CHALLENGE"
	ChallengeSRPA                   ChallengeName = "SRP_A"
	ChallengePasswordVerifier       ChallengeName = "PASSWORD_VERIFIER"
	ChallengeSMSMFA                 ChallengeName = "SMS_MFA"
	ChallengeDeviceSRPAuth          ChallengeName = "DEVICE_SRP_AUTH"
	ChallengeDevicePasswordVerifier ChallengeName = "DEVICE_PASSWORD_VERIFIER"
	ChallengeAdminNoSRPAuth         ChallengeName = "ADMIN_NO_SRP_AUTH"
)

var challengeNames = []ChallengeName{ChallengeCustom, ChallengeSRPA, ChallengePasswordVerifier, ChallengeSMSMFA,
	ChallengeDeviceSRPAuth, ChallengeDevicePasswordVerifier, ChallengeAdminNoSRPAuth}

// Errors of CUSTOM_AUTH (spec cognito-user-auth.md §9).
var (
	// ErrCustomAuthNotConfigured answers CUSTOM_AUTH on a pool without a
	// DefineAuthChallenge trigger. UNCONFIRMED: the type (§9.1).
	ErrCustomAuthNotConfigured = fault.New(fault.InvalidParameter, "Custom auth lambda trigger is not configured for the user pool.")
	// ErrCustomAuthFailed answers failAuthentication (and a session that
	// ran out of rounds). UNCONFIRMED: the exact text (§9.3).
	ErrCustomAuthFailed = fault.New(fault.NotAuthorized, "Incorrect username or password.")
)

// MaxCustomAuthRounds bounds a CUSTOM_AUTH session's history; a session
// that reaches it fails with ErrCustomAuthFailed. UNCONFIRMED: AWS
// documents no maximum (§9.3); this keeps sealed sessions small.
const MaxCustomAuthRounds = 16

// ChallengeResult is one round of a CUSTOM_AUTH session: request.session's
// {challengeName, challengeResult, challengeMetadata}. An empty Metadata is
// sent as null.
type ChallengeResult struct {
	ChallengeName   ChallengeName
	ChallengeResult bool
	Metadata        string
}

type challengeResultWire struct {
	ChallengeName     ChallengeName `json:"challengeName"`
	ChallengeResult   bool          `json:"challengeResult"`
	ChallengeMetadata *string       `json:"challengeMetadata"`
}

// MarshalJSON writes the session element as Cognito does.
func (r ChallengeResult) MarshalJSON() ([]byte, error) {
	w := challengeResultWire{ChallengeName: r.ChallengeName, ChallengeResult: r.ChallengeResult}
	if r.Metadata != "" {
		w.ChallengeMetadata = &r.Metadata
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *ChallengeResult) UnmarshalJSON(b []byte) error {
	var w challengeResultWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = ChallengeResult{ChallengeName: w.ChallengeName, ChallengeResult: w.ChallengeResult}
	if w.ChallengeMetadata != nil {
		r.Metadata = *w.ChallengeMetadata
	}
	return nil
}

// CustomAuthState is what a CUSTOM_AUTH sign-in carries from one round to
// the next; authflow keeps it in its (sealed) session. It holds the
// privateChallengeParameters, which the client must never see.
type CustomAuthState struct {
	// Session is the history Define sees, one element per round.
	Session []ChallengeResult `json:"session"`
	// Challenge is the challenge the client was last given.
	Challenge ChallengeName `json:"challenge,omitempty"`
	// Private and Metadata are the current custom challenge's
	// privateChallengeParameters and challengeMetadata.
	Private  map[string]string `json:"private,omitempty"`
	Metadata string            `json:"metadata,omitempty"`
}

// CustomAuthUser is the user a CUSTOM_AUTH session signs in.
type CustomAuthUser struct {
	// Username is the internal username (the name as typed when the user
	// does not exist).
	Username   string
	Attributes map[string]string
	// PreventUserExistenceErrors is the app client's setting; only then is
	// request.userNotFound sent.
	PreventUserExistenceErrors bool
	UserNotFound               bool
}

// StepKind is what a CUSTOM_AUTH round decided.
type StepKind int

// Step kinds.
const (
	// StepTokens: Define returned issueTokens; the caller issues tokens
	// (then device, post-authentication and pre-token steps as usual).
	StepTokens StepKind = iota + 1
	// StepFail: Define returned failAuthentication (or the session ran out
	// of rounds); the caller answers ErrCustomAuthFailed.
	StepFail
	// StepChallenge: the client gets Step.Challenge. For CUSTOM_CHALLENGE
	// Step.Parameters are its ChallengeParameters; for a built-in
	// challenge (PASSWORD_VERIFIER after SRP_A, ...) the caller runs it and
	// reports the outcome with ContinueCustomAuth.
	StepChallenge
)

// Step is the outcome of a CUSTOM_AUTH round.
type Step struct {
	Kind      StepKind
	Challenge ChallengeName
	// Parameters are the ChallengeParameters of a CUSTOM_CHALLENGE: the
	// publicChallengeParameters plus USERNAME (the internal username).
	// UNCONFIRMED: that USERNAME is added (spec §6.4, user-auth §9.3).
	Parameters map[string]string
	// State is what the caller keeps for the next round.
	State CustomAuthState
}

type defineRequest struct {
	UserAttributes map[string]string `json:"userAttributes"`
	Session        []ChallengeResult `json:"session"`
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
	UserNotFound   *bool             `json:"userNotFound,omitempty"`
}

type defineResponse struct {
	ChallengeName      *string `json:"challengeName"`
	IssueTokens        *bool   `json:"issueTokens"`
	FailAuthentication *bool   `json:"failAuthentication"`
}

type createRequest struct {
	UserAttributes map[string]string `json:"userAttributes"`
	ChallengeName  ChallengeName     `json:"challengeName"`
	Session        []ChallengeResult `json:"session"`
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
	UserNotFound   *bool             `json:"userNotFound,omitempty"`
}

type createResponse struct {
	PublicChallengeParameters  map[string]string `json:"publicChallengeParameters"`
	PrivateChallengeParameters map[string]string `json:"privateChallengeParameters"`
	ChallengeMetadata          *string           `json:"challengeMetadata"`
}

type verifyRequest struct {
	UserAttributes             map[string]string `json:"userAttributes"`
	PrivateChallengeParameters map[string]string `json:"privateChallengeParameters"`
	ChallengeAnswer            string            `json:"challengeAnswer"`
	ClientMetadata             map[string]string `json:"clientMetadata,omitempty"`
	UserNotFound               *bool             `json:"userNotFound,omitempty"`
}

type verifyResponse struct {
	AnswerCorrect *bool `json:"answerCorrect"`
}

// StartCustomAuth begins a CUSTOM_AUTH sign-in (InitiateAuth or
// AdminInitiateAuth): Define with an empty session, or with
// [{SRP_A, true, null}] when the client sent CHALLENGE_NAME SRP_A (srpA,
// user-auth §9.4), then Create when Define asks for CUSTOM_CHALLENGE.
// InitiateAuth's ClientMetadata does not reach Define or Create (§9.2).
func (s *Service) StartCustomAuth(ctx context.Context, pool Pool, call Call, user CustomAuthUser, srpA bool) (Step, error) {
	if !pool.Config.Has(DefineAuthChallenge) {
		return Step{}, ErrCustomAuthNotConfigured
	}
	var st CustomAuthState
	if srpA {
		st.Session = []ChallengeResult{{ChallengeName: ChallengeSRPA, ChallengeResult: true}}
	}
	return s.nextRound(ctx, pool, call, user, st)
}

// AnswerCustomChallenge runs one RespondToAuthChallenge CUSTOM_CHALLENGE
// round: Verify with the stored private parameters and the client's
// ANSWER, append the result to the session, then Define (and Create) again.
// The caller must hand out a new Session for the returned State and spend
// the old one (§9.3).
func (s *Service) AnswerCustomChallenge(ctx context.Context, pool Pool, call Call, user CustomAuthUser, st CustomAuthState, answer string) (Step, error) {
	if st.Challenge != ChallengeCustom {
		return Step{}, fmt.Errorf("trigger: the session's challenge is %q, not CUSTOM_CHALLENGE", st.Challenge)
	}
	if !pool.Config.Has(VerifyAuthChallengeResponse) {
		return Step{}, notConfigured(VerifyAuthChallengeResponse)
	}
	cm, _ := routeMetadata(call.Operation, VerifyAuthChallengeResponseAuthentication, call.ClientMetadata)
	ev := newEvent(pool, call, VerifyAuthChallengeResponseAuthentication, user.Username,
		verifyRequest{UserAttributes: attributes(user.Attributes), PrivateChallengeParameters: nonNilMap(st.Private),
			ChallengeAnswer: answer, ClientMetadata: cm, UserNotFound: userNotFound(user.PreventUserExistenceErrors, user.UserNotFound)},
		verifyResponse{})
	var out verifyResponse
	if err := run(ctx, s, pool, Sync, ev, &out); err != nil {
		return Step{}, err
	}
	next := CustomAuthState{Session: append(slices.Clone(st.Session), ChallengeResult{
		ChallengeName: ChallengeCustom, ChallengeResult: isTrue(out.AnswerCorrect), Metadata: st.Metadata})}
	return s.nextRound(ctx, pool, call, user, next)
}

// ContinueCustomAuth records the outcome of a built-in challenge Define
// asked for (PASSWORD_VERIFIER after SRP_A, ...) and runs Define again.
func (s *Service) ContinueCustomAuth(ctx context.Context, pool Pool, call Call, user CustomAuthUser, st CustomAuthState, passed bool) (Step, error) {
	if st.Challenge == "" || st.Challenge == ChallengeCustom {
		return Step{}, fmt.Errorf("trigger: the session's challenge %q is not a built-in one", st.Challenge)
	}
	next := CustomAuthState{Session: append(slices.Clone(st.Session), ChallengeResult{ChallengeName: st.Challenge, ChallengeResult: passed})}
	return s.nextRound(ctx, pool, call, user, next)
}

// nextRound runs Define on st.Session and, for CUSTOM_CHALLENGE, Create.
func (s *Service) nextRound(ctx context.Context, pool Pool, call Call, user CustomAuthUser, st CustomAuthState) (Step, error) {
	if len(st.Session) >= MaxCustomAuthRounds {
		return Step{Kind: StepFail, State: st}, nil
	}
	if !pool.Config.Has(DefineAuthChallenge) {
		return Step{}, ErrCustomAuthNotConfigured
	}
	session := nonNilSession(st.Session)
	unf := userNotFound(user.PreventUserExistenceErrors, user.UserNotFound)
	cm, _ := routeMetadata(call.Operation, DefineAuthChallengeAuthentication, call.ClientMetadata)
	ev := newEvent(pool, call, DefineAuthChallengeAuthentication, user.Username,
		defineRequest{UserAttributes: attributes(user.Attributes), Session: session, ClientMetadata: cm, UserNotFound: unf},
		defineResponse{})
	var d defineResponse
	if err := run(ctx, s, pool, Sync, ev, &d); err != nil {
		return Step{}, err
	}
	switch {
	case isTrue(d.FailAuthentication):
		// UNCONFIRMED: failAuthentication wins over issueTokens.
		return Step{Kind: StepFail, State: st}, nil
	case isTrue(d.IssueTokens):
		return Step{Kind: StepTokens, State: st}, nil
	case d.ChallengeName == nil || !slices.Contains(challengeNames, ChallengeName(*d.ChallengeName)) || ChallengeName(*d.ChallengeName) == ChallengeSRPA:
		return Step{}, invalidResponse(MsgUnrecognizable, errors.New("define: no usable challengeName, issueTokens or failAuthentication"))
	}
	name := ChallengeName(*d.ChallengeName)
	if name != ChallengeCustom {
		// Built-in challenges run without Create (user-auth §9.3).
		st.Challenge, st.Private, st.Metadata = name, nil, ""
		return Step{Kind: StepChallenge, Challenge: name, State: st}, nil
	}
	if !pool.Config.Has(CreateAuthChallenge) {
		return Step{}, notConfigured(CreateAuthChallenge)
	}
	cm, _ = routeMetadata(call.Operation, CreateAuthChallengeAuthentication, call.ClientMetadata)
	cev := newEvent(pool, call, CreateAuthChallengeAuthentication, user.Username,
		createRequest{UserAttributes: attributes(user.Attributes), ChallengeName: name, Session: session, ClientMetadata: cm, UserNotFound: unf},
		createResponse{})
	var c createResponse
	if err := run(ctx, s, pool, Sync, cev, &c); err != nil {
		return Step{}, err
	}
	st.Challenge, st.Private = name, c.PrivateChallengeParameters
	st.Metadata = ""
	if c.ChallengeMetadata != nil {
		st.Metadata = *c.ChallengeMetadata
	}
	params := maps.Clone(c.PublicChallengeParameters)
	if params == nil {
		params = map[string]string{}
	}
	params["USERNAME"] = user.Username
	return Step{Kind: StepChallenge, Challenge: name, Parameters: params, State: st}, nil
}

// notConfigured answers a custom challenge whose Create or Verify trigger
// is missing. UNCONFIRMED: AWS's answer (user-auth §9.5 records only an old
// "null failed with error Generate callenges lambda cannot be called.").
func notConfigured(name Name) error {
	return faultWrapUnexpected(name, &InvocationError{Detail: DetailAccessDenied, Err: fmt.Errorf("%s is not configured", name)})
}

func nonNilSession(s []ChallengeResult) []ChallengeResult {
	if s == nil {
		return []ChallengeResult{}
	}
	return s
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
