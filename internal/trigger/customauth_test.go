package trigger_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/trigger/lambdatest"
)

// quiz registers the classic custom-auth trio, written against
// aws-lambda-go's types: `rounds` questions "what is N+1?", answered in
// turn; three wrong answers fail. With SRP_A first, define asks for
// PASSWORD_VERIFIER before the questions.
func quiz(t *testing.T, lt *lambdatest.Server, rounds int) {
	lt.Register("DefineAuthChallenge", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsDefineAuthChallenge) (events.CognitoEventUserPoolsDefineAuthChallenge, error) {
		s := ev.Request.Session
		correct, wrong := 0, 0
		for _, r := range s {
			if r.ChallengeName == "CUSTOM_CHALLENGE" {
				if r.ChallengeResult {
					correct++
				} else {
					wrong++
				}
			}
		}
		switch {
		case len(s) > 0 && s[len(s)-1].ChallengeName == "SRP_A":
			ev.Response.ChallengeName = "PASSWORD_VERIFIER"
		case len(s) > 0 && s[len(s)-1].ChallengeName == "PASSWORD_VERIFIER" && !s[len(s)-1].ChallengeResult:
			ev.Response.FailAuthentication = true
		case wrong >= 3:
			ev.Response.FailAuthentication = true
		case correct >= rounds:
			ev.Response.IssueTokens = true
		default:
			ev.Response.ChallengeName = "CUSTOM_CHALLENGE"
		}
		return ev, nil
	}))
	lt.Register("CreateAuthChallenge", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsCreateAuthChallenge) (events.CognitoEventUserPoolsCreateAuthChallenge, error) {
		if ev.Request.ChallengeName != "CUSTOM_CHALLENGE" {
			t.Errorf("create for %q", ev.Request.ChallengeName)
		}
		n := len(ev.Request.Session)
		ev.Response.PublicChallengeParameters = map[string]string{"question": fmt.Sprintf("what is %d+1?", n)}
		ev.Response.PrivateChallengeParameters = map[string]string{"answer": strconv.Itoa(n + 1)}
		ev.Response.ChallengeMetadata = fmt.Sprintf("QUESTION-%d", n)
		return ev, nil
	}))
	lt.Register("VerifyAuthChallengeResponse", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsVerifyAuthChallenge) (events.CognitoEventUserPoolsVerifyAuthChallenge, error) {
		ev.Response.AnswerCorrect = ev.Request.ChallengeAnswer == ev.Request.PrivateChallengeParameters["answer"]
		return ev, nil
	}))
}

func answer(p map[string]string) string {
	var n int
	fmt.Sscanf(p["question"], "what is %d+1?", &n)
	return strconv.Itoa(n + 1)
}

// roundTrip seals the state as authflow would (JSON) and reads it back.
func roundTrip(t *testing.T, st trigger.CustomAuthState) trigger.CustomAuthState {
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var out trigger.CustomAuthState
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCustomAuthRounds(t *testing.T) {
	user := trigger.CustomAuthUser{Username: "jane", Attributes: attrs}
	initiate := trigger.Call{Operation: trigger.OpInitiateAuth, ClientID: "c1", ClientMetadata: metadata}
	respond := trigger.Call{Operation: trigger.OpRespondToAuthChallenge, ClientID: "c1", ClientMetadata: metadata}
	for _, rounds := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d rounds", rounds), func(t *testing.T) {
			e := newEnv(t)
			quiz(t, e.lt, rounds)
			ctx := context.Background()
			step, err := e.svc.StartCustomAuth(ctx, pool(trigger.V1_0), initiate, user, false)
			for i := 0; err == nil && step.Kind == trigger.StepChallenge; i++ {
				if step.Challenge != trigger.ChallengeCustom || step.Parameters["USERNAME"] != "jane" || step.Parameters["question"] == "" {
					t.Fatalf("round %d: %+v", i, step)
				}
				if _, leaked := step.Parameters["answer"]; leaked {
					t.Fatal("private parameters reached the client")
				}
				step, err = e.svc.AnswerCustomChallenge(ctx, pool(trigger.V1_0), respond, user, roundTrip(t, step.State), answer(step.Parameters))
			}
			if err != nil || step.Kind != trigger.StepTokens {
				t.Fatalf("final step %+v, %v", step, err)
			}
			if len(step.State.Session) != rounds {
				t.Fatalf("session %+v", step.State.Session)
			}
			for i, r := range step.State.Session {
				if r != (trigger.ChallengeResult{ChallengeName: trigger.ChallengeCustom, ChallengeResult: true, Metadata: fmt.Sprintf("QUESTION-%d", i)}) {
					t.Errorf("session[%d] = %+v", i, r)
				}
			}
			// Define of the last round saw the whole history, in aws-lambda-go's shape.
			var ev events.CognitoEventUserPoolsDefineAuthChallenge
			json.Unmarshal(e.lastPayload(t, "DefineAuthChallenge"), &ev)
			if len(ev.Request.Session) != rounds || ev.Request.Session[rounds-1].ChallengeMetadata != fmt.Sprintf("QUESTION-%d", rounds-1) || ev.Request.ClientMetadata["app"] != "test" {
				t.Errorf("last define event %+v", ev.Request)
			}
		})
	}
}

func TestCustomAuthInitiateMetadataNotPassed(t *testing.T) {
	e := newEnv(t)
	quiz(t, e.lt, 1)
	if _, err := e.svc.StartCustomAuth(context.Background(), pool(trigger.V1_0), trigger.Call{Operation: trigger.OpAdminInitiateAuth, ClientMetadata: metadata}, trigger.CustomAuthUser{Username: "jane"}, false); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"DefineAuthChallenge", "CreateAuthChallenge"} {
		var ev struct{ Request map[string]any }
		json.Unmarshal(e.lastPayload(t, name), &ev)
		if _, ok := ev.Request["clientMetadata"]; ok {
			t.Errorf("InitiateAuth ClientMetadata reached %s", name)
		}
	}
}

func TestCustomAuthWrongAnswersFail(t *testing.T) {
	e := newEnv(t)
	quiz(t, e.lt, 1)
	ctx := context.Background()
	respond := trigger.Call{Operation: trigger.OpRespondToAuthChallenge}
	user := trigger.CustomAuthUser{Username: "jane"}
	step, err := e.svc.StartCustomAuth(ctx, pool(trigger.V1_0), trigger.Call{Operation: trigger.OpInitiateAuth}, user, false)
	for i := 0; err == nil && step.Kind == trigger.StepChallenge; i++ {
		step, err = e.svc.AnswerCustomChallenge(ctx, pool(trigger.V1_0), respond, user, step.State, "wrong")
	}
	if err != nil || step.Kind != trigger.StepFail || len(step.State.Session) != 3 {
		t.Fatalf("step %+v, %v", step, err)
	}
}

// TestCustomAuthSRPFirst: CHALLENGE_NAME SRP_A makes define see
// [{SRP_A,true}], ask for PASSWORD_VERIFIER (no Create call), then see the
// verifier's result.
func TestCustomAuthSRPFirst(t *testing.T) {
	e := newEnv(t)
	quiz(t, e.lt, 1)
	ctx := context.Background()
	user := trigger.CustomAuthUser{Username: "jane"}
	step, err := e.svc.StartCustomAuth(ctx, pool(trigger.V1_0), trigger.Call{Operation: trigger.OpInitiateAuth}, user, true)
	if err != nil || step.Kind != trigger.StepChallenge || step.Challenge != trigger.ChallengePasswordVerifier || step.Parameters != nil {
		t.Fatalf("first step %+v, %v", step, err)
	}
	for _, inv := range e.lt.Invocations() {
		if inv.Function == "CreateAuthChallenge" {
			t.Fatal("create ran for a built-in challenge")
		}
	}
	var ev events.CognitoEventUserPoolsDefineAuthChallenge
	json.Unmarshal(e.lastPayload(t, "DefineAuthChallenge"), &ev)
	if want := []*events.CognitoEventUserPoolsChallengeResult{{ChallengeName: "SRP_A", ChallengeResult: true}}; !reflect.DeepEqual(ev.Request.Session, want) {
		t.Errorf("define session %+v", ev.Request.Session)
	}
	respond := trigger.Call{Operation: trigger.OpRespondToAuthChallenge}
	wrong, err := e.svc.ContinueCustomAuth(ctx, pool(trigger.V1_0), respond, user, step.State, false)
	if err != nil || wrong.Kind != trigger.StepFail {
		t.Fatalf("wrong password: %+v %v", wrong, err)
	}
	step, err = e.svc.ContinueCustomAuth(ctx, pool(trigger.V1_0), respond, user, roundTrip(t, step.State), true)
	if err != nil || step.Challenge != trigger.ChallengeCustom {
		t.Fatalf("after the password: %+v %v", step, err)
	}
	step, err = e.svc.AnswerCustomChallenge(ctx, pool(trigger.V1_0), respond, user, step.State, answer(step.Parameters))
	if err != nil || step.Kind != trigger.StepTokens || len(step.State.Session) != 3 {
		t.Fatalf("end %+v %v", step, err)
	}
	if _, err := e.svc.ContinueCustomAuth(ctx, pool(trigger.V1_0), respond, user, trigger.CustomAuthState{Challenge: trigger.ChallengeCustom}, true); err == nil {
		t.Error("ContinueCustomAuth accepted a custom challenge")
	}
}

func TestCustomAuthErrors(t *testing.T) {
	ctx := context.Background()
	user := trigger.CustomAuthUser{Username: "jane"}
	call := trigger.Call{Operation: trigger.OpInitiateAuth}
	e := newEnv(t)
	noDefine := pool(trigger.V1_0)
	noDefine.Config.DefineAuthChallenge = ""
	_, err := e.svc.StartCustomAuth(ctx, noDefine, call, user, false)
	if !errors.Is(err, trigger.ErrCustomAuthNotConfigured) {
		t.Fatalf("no define: %v", err)
	}
	wantFault(t, err, fault.InvalidParameter, "Custom auth lambda trigger is not configured for the user pool.")

	for body, msg := range map[string]string{
		`{"response":{"challengeName":null,"issueTokens":false,"failAuthentication":false}}`: trigger.MsgUnrecognizable,
		`{"response":{"challengeName":"MAGIC"}}`:                                             trigger.MsgUnrecognizable,
		`{"response":{"issueTokens":"yes"}}`:                                                 trigger.MsgUnrecognizable,
		`"done"`:                                                                             trigger.MsgUnrecognizable,
		`undefined`:                                                                          trigger.MsgInvalidJSON,
	} {
		e.lt.Register("DefineAuthChallenge", lambdatest.Raw(body))
		_, err := e.svc.StartCustomAuth(ctx, pool(trigger.V1_0), call, user, false)
		wantFault(t, err, fault.InvalidLambdaResponse, msg)
	}
	e.lt.Register("DefineAuthChallenge", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsDefineAuthChallenge) (events.CognitoEventUserPoolsDefineAuthChallenge, error) {
		return ev, errors.New("RequestId: 1 Error: Runtime exited with error: exit status 129")
	}))
	_, err = e.svc.StartCustomAuth(ctx, pool(trigger.V1_0), call, user, false)
	wantFault(t, err, fault.UserLambdaValidation, "DefineAuthChallenge failed with error RequestId: 1 Error: Runtime exited with error: exit status 129.")

	e.lt.Register("DefineAuthChallenge", lambdatest.Raw(`{"response":{"challengeName":"CUSTOM_CHALLENGE"}}`))
	e.lt.Register("CreateAuthChallenge", func(context.Context, []byte) ([]byte, error) { return nil, errors.New("'challengeMetaData'") })
	_, err = e.svc.StartCustomAuth(ctx, pool(trigger.V1_0), call, user, false)
	wantFault(t, err, fault.UserLambdaValidation, "CreateAuthChallenge failed with error 'challengeMetaData'.")
}
