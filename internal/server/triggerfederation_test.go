package server_test

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/trigger/lambdatest"
)

// TestFederatedSignInTriggers: a sign-in through the built-in test IdP
// fires the triggers of the spec's §4 federated row, in order — first
// sign-in PreSignUp_ExternalProvider, PostConfirmation_ConfirmSignUp,
// TokenGeneration_HostedAuth; later sign-ins PreAuthentication_…,
// PostAuthentication_…, TokenGeneration_HostedAuth — and a failing
// PreAuthentication refuses the sign-in at the app's callback.
func TestFederatedSignInTriggers(t *testing.T) {
	lt := lambdatest.NewServer(t)
	f := newFedEnvWith(t, &cip.CreateUserPoolInput{LambdaConfig: &types.LambdaConfigType{
		PreSignUp: aws.String(fnARN("presignup")), PostConfirmation: aws.String(fnARN("postconfirm")),
		PreAuthentication: aws.String(fnARN("preauth")), PostAuthentication: aws.String(fnARN("postauth")),
		PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
			LambdaArn: aws.String(fnARN("pretoken")), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20,
		},
	}}, func(c *config.Config) { c.Lambda.Endpoint = lt.URL })

	var mu sync.Mutex
	var fired []string
	note := func(source, user string) {
		mu.Lock()
		defer mu.Unlock()
		fired = append(fired, source+":"+user)
	}
	take := func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := fired
		fired = nil
		return out
	}
	var preAuth recorder[events.CognitoEventUserPoolsPreAuthentication]
	var refuse atomic.Bool
	handle(t, lt, "presignup", nil, func(ev events.CognitoEventUserPoolsPreSignup) (events.CognitoEventUserPoolsPreSignup, error) {
		note(ev.TriggerSource, ev.UserName)
		return ev, nil
	})
	handle(t, lt, "postconfirm", nil, func(ev events.CognitoEventUserPoolsPostConfirmation) (events.CognitoEventUserPoolsPostConfirmation, error) {
		note(ev.TriggerSource, ev.UserName)
		return ev, nil
	})
	handle(t, lt, "preauth", &preAuth, func(ev events.CognitoEventUserPoolsPreAuthentication) (events.CognitoEventUserPoolsPreAuthentication, error) {
		note(ev.TriggerSource, ev.UserName)
		if refuse.Load() {
			return ev, errors.New("Blocked")
		}
		return ev, nil
	})
	handle(t, lt, "postauth", nil, func(ev events.CognitoEventUserPoolsPostAuthentication) (events.CognitoEventUserPoolsPostAuthentication, error) {
		note(ev.TriggerSource, ev.UserName)
		return ev, nil
	})
	handle(t, lt, "pretoken", nil, func(ev events.CognitoEventUserPoolsPreTokenGenV2_0) (events.CognitoEventUserPoolsPreTokenGenV2_0, error) {
		note(ev.TriggerSource, ev.UserName)
		ev.Response.ClaimsAndScopeOverrideDetails.IDTokenGeneration.ClaimsToAddOrOverride = map[string]any{"tier": "federated"}
		return ev, nil
	})

	alice := map[string]any{"email": "alice@example.com", "email_verified": true, "name": "Alice"}
	c := f.oidcSignIn(t, "alice", alice)
	if c["tier"] != "federated" || c["cognito:username"] != "Corp_alice" {
		t.Errorf("first sign-in's ID token: %v", c)
	}
	want := []string{"PreSignUp_ExternalProvider:Corp_alice", "PostConfirmation_ConfirmSignUp:Corp_alice", "TokenGeneration_HostedAuth:Corp_alice"}
	if got := take(); !slices.Equal(got, want) {
		t.Errorf("first sign-in fired %v, want %v", got, want)
	}

	c = f.oidcSignIn(t, "alice", alice)
	if c["tier"] != "federated" {
		t.Errorf("later sign-in's ID token: %v", c)
	}
	want = []string{"PreAuthentication_Authentication:Corp_alice", "PostAuthentication_Authentication:Corp_alice", "TokenGeneration_HostedAuth:Corp_alice"}
	if got := take(); !slices.Equal(got, want) {
		t.Errorf("later sign-in fired %v, want %v", got, want)
	}
	if evs := preAuth.all(); len(evs) != 1 || evs[0].Request.UserAttributes["cognito:user_status"] != "EXTERNAL_PROVIDER" || evs[0].Request.UserAttributes["identities"] == "" {
		t.Errorf("PreAuthentication events = %+v", evs)
	}

	// A failing PreAuthentication: the app's callback gets the error and
	// no code; the mapping is not applied.
	refuse.Store(true)
	const verifier = "v1-verifier-0123456789012345678901234567890123"
	b := f.browser()
	page := follow(t, b, f.authorizeURL(verifier, "identity_provider", "Corp"))
	q := f.callback(then(t, b, pickUser(t, b, page, "alice", map[string]any{"email": "changed@example.com"})))
	if q.Get("code") != "" || q.Get("error") != "invalid_request" || q.Get("error_description") != "PreAuthentication failed with error Blocked." {
		t.Errorf("refused sign-in's callback: %v", q)
	}
	if got := take(); !slices.Equal(got, []string{"PreAuthentication_Authentication:Corp_alice"}) {
		t.Errorf("refused sign-in fired %v", got)
	}
	if email := attr(f.user("Corp_alice"), "email"); email != "alice@example.com" {
		t.Errorf("email after a refused sign-in = %q", email)
	}
}
