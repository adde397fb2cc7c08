package trigger_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/trigger/lambdatest"
)

func baseClaims() (id, access map[string]any) {
	id = map[string]any{
		"sub": "s-1", "cognito:groups": []string{"admins"}, "cognito:roles": []string{"arn:aws:iam::1:role/a"},
		"cognito:preferred_role": "arn:aws:iam::1:role/a", "email": "jane@example.com", "email_verified": true,
		"cognito:username": "jane", "aud": "c1", "token_use": "id", "dev:debug": "1",
	}
	access = map[string]any{
		"sub": "s-1", "cognito:groups": []string{"admins"}, "client_id": "c1", "token_use": "access",
		"scope": "openid aws.cognito.signin.user.admin", "username": "jane",
	}
	return id, access
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// TestPreTokenV2 runs a V2_0 function written against aws-lambda-go's
// V2_0 types and applies its answer.
func TestPreTokenV2(t *testing.T) {
	e := newEnv(t)
	e.lt.Register("PreTokenGeneration", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsPreTokenGenV2_0) (events.CognitoEventUserPoolsPreTokenGenV2_0, error) {
		if ev.Version != "2" || !reflect.DeepEqual(ev.Request.Scopes, []string{"openid", "aws.cognito.signin.user.admin"}) || ev.Request.GroupConfiguration.GroupsToOverride[0] != "admins" {
			t.Errorf("event %+v", ev)
		}
		ev.Response.ClaimsAndScopeOverrideDetails = events.ClaimsAndScopeOverrideDetailsV2_0{
			IDTokenGeneration: events.IDTokenGenerationV2_0{
				ClaimsToAddOrOverride: map[string]any{"tenant": "acme", "roles": []string{"a", "b"}, "sub": "evil", "email_verified": map[string]any{"x": 1}, "aud": "other", "dev:x": "y"},
				ClaimsToSuppress:      []string{"email", "cognito:username", "dev:debug"},
			},
			AccessTokenGeneration: events.AccessTokenGenerationV2_0{
				ClaimsToAddOrOverride: map[string]any{"tenant": "acme", "level": 3, "aud": ev.CallerContext.ClientID, "scope": "admin", "cognito:groups": "x"},
				ClaimsToSuppress:      []string{"username"},
				ScopesToAdd:           []string{"api/read", "bad scope"},
				ScopesToSuppress:      []string{"aws.cognito.signin.user.admin"},
			},
			GroupOverrideDetails: events.GroupConfigurationV2_0{GroupsToOverride: []string{"editors"}},
		}
		return ev, nil
	}))
	edits, err := e.svc.PreTokenGeneration(context.Background(), pool(trigger.V2_0), trigger.Call{Operation: trigger.OpRespondToAuthChallenge, ClientID: "c1"},
		trigger.PreTokenInput{Source: trigger.TokenGenerationAuthentication, Username: "jane", Attributes: attrs, Groups: []string{"admins"},
			Scopes: []string{"openid", "aws.cognito.signin.user.admin"}})
	if err != nil {
		t.Fatal(err)
	}
	id, access := baseClaims()
	edits.ApplyID(id)
	edits.ApplyAccess(access)
	wantID := map[string]any{
		"sub": "s-1", "cognito:groups": []string{"editors"}, "cognito:roles": []string{"arn:aws:iam::1:role/a"},
		"cognito:preferred_role": "arn:aws:iam::1:role/a", "email_verified": true, "cognito:username": "jane", "aud": "c1",
		"token_use": "id", "tenant": raw(`"acme"`), "roles": raw(`["a","b"]`),
	}
	wantAccess := map[string]any{
		"sub": "s-1", "cognito:groups": []string{"editors"}, "client_id": "c1", "token_use": "access",
		"scope": "openid api/read", "tenant": raw(`"acme"`), "level": raw(`3`), "aud": raw(`"c1"`), "username": "jane", // username cannot be suppressed
	}
	if !reflect.DeepEqual(id, wantID) {
		t.Errorf("ID claims\n got %v\nwant %v", id, wantID)
	}
	if !reflect.DeepEqual(access, wantAccess) {
		t.Errorf("access claims\n got %v\nwant %v", access, wantAccess)
	}
}

// TestPreTokenV1 runs a V1_0 function: ID token only (strings), group
// overrides in both tokens; suppressing cognito:groups drops the roles.
func TestPreTokenV1(t *testing.T) {
	e := newEnv(t)
	e.lt.Register("PreTokenGeneration", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsPreTokenGen) (events.CognitoEventUserPoolsPreTokenGen, error) {
		ev.Response.ClaimsOverrideDetails = events.ClaimsOverrideDetails{
			ClaimsToAddOrOverride: map[string]string{"tenant": "acme", "email": "kept@example.com"},
			ClaimsToSuppress:      []string{"email"},
			GroupOverrideDetails:  events.GroupConfiguration{GroupsToOverride: []string{}},
		}
		return ev, nil
	}))
	edits, err := e.svc.PreTokenGeneration(context.Background(), pool(trigger.V1_0), trigger.Call{Operation: trigger.OpInitiateAuth, ClientID: "c1"},
		trigger.PreTokenInput{Source: trigger.TokenGenerationAuthentication, Username: "jane"})
	if err != nil {
		t.Fatal(err)
	}
	id, access := baseClaims()
	edits.ApplyID(id)
	edits.ApplyAccess(access)
	if _, ok := id["cognito:groups"]; ok || id["tenant"] == nil || id["email"] != nil || id["cognito:roles"] == nil {
		t.Errorf("ID claims %v", id)
	}
	if _, ok := access["cognito:groups"]; ok || access["tenant"] != nil || access["scope"] != "openid aws.cognito.signin.user.admin" {
		t.Errorf("access claims %v", access)
	}

	e.lt.Register("PreTokenGeneration", lambdatest.Raw(`{"response":{"claimsOverrideDetails":{"claimsToSuppress":["cognito:groups"],"claimsToAddOrOverride":{"n":"1"},"groupOverrideDetails":{"groupsToOverride":null,"iamRolesToOverride":null,"preferredRole":null}}}}`))
	edits, err = e.svc.PreTokenGeneration(context.Background(), pool(trigger.V1_0), trigger.Call{Operation: trigger.OpInitiateAuth}, trigger.PreTokenInput{Source: trigger.TokenGenerationRefreshTokens})
	if err != nil {
		t.Fatal(err)
	}
	id, access = baseClaims()
	edits.ApplyID(id)
	edits.ApplyAccess(access)
	if id["cognito:groups"] != nil || id["cognito:roles"] != nil || id["cognito:preferred_role"] != nil {
		t.Errorf("suppressed groups: ID %v", id)
	}
	if access["cognito:groups"] == nil {
		t.Errorf("a V1 suppression reached the access token: %v", access)
	}
	// V1 values are strings only.
	e.lt.Register("PreTokenGeneration", lambdatest.Raw(`{"response":{"claimsOverrideDetails":{"claimsToAddOrOverride":{"n":1}}}}`))
	_, err = e.svc.PreTokenGeneration(context.Background(), pool(trigger.V1_0), trigger.Call{Operation: trigger.OpInitiateAuth}, trigger.PreTokenInput{Source: trigger.TokenGenerationAuthentication})
	wantFault(t, err, "InvalidLambdaResponse", trigger.MsgUnrecognizable)
}

// TestPreTokenUnchanged: an echoed event changes nothing; client
// credentials fire only V3_0 functions.
func TestPreTokenUnchanged(t *testing.T) {
	e := newEnv(t)
	e.lt.Register("PreTokenGeneration", lambdatest.Echo())
	for _, v := range []trigger.Version{trigger.V1_0, trigger.V2_0, trigger.V3_0} {
		edits, err := e.svc.PreTokenGeneration(context.Background(), pool(v), trigger.Call{Operation: trigger.OpInitiateAuth}, trigger.PreTokenInput{Source: trigger.TokenGenerationAuthentication})
		if err != nil || !edits.IsZero() {
			t.Errorf("%s: %+v %v", v, edits, err)
		}
	}
	e.lt.Reset()
	for _, v := range []trigger.Version{trigger.V1_0, trigger.V2_0} {
		if _, err := e.svc.PreTokenGeneration(context.Background(), pool(v), trigger.Call{Operation: trigger.OpOAuthToken}, trigger.PreTokenInput{Source: trigger.TokenGenerationClientCredentials}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.lt.Invocations()); n != 0 {
		t.Errorf("client credentials fired a V1/V2 function %d times", n)
	}
}
