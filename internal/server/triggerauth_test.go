package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/srp/srptest"
	"github.com/userpoold/userpoold/internal/trigger/lambdatest"
)

// The sign-in side of the Lambda triggers (authflow/triggers.go,
// customauth.go, migration.go), driven with aws-sdk-go-v2 against a real
// server whose --lambda-endpoint is an in-process Lambda Invoke endpoint
// (lambdatest). Every handler is written against aws-lambda-go's event
// types, and every event the server sends must decode into its type with
// no member left over (strict, below).

// authEnv is a server with a pool whose LambdaConfig the test chooses, an
// app client allowing every API flow, and a Lambda endpoint.
type authEnv struct {
	*servertest.Env
	t      testing.TB
	lt     *lambdatest.Server
	pool   string
	client string
}

func newAuthEnv(t testing.TB, lc *types.LambdaConfigType, adjust func(*cip.CreateUserPoolInput), opts ...servertest.Option) *authEnv {
	t.Helper()
	lt := lambdatest.NewServer(t)
	opts = append([]servertest.Option{func(c *config.Config) { c.Lambda.Endpoint = lt.URL }}, opts...)
	env := servertest.New(t, opts...)
	in := &cip.CreateUserPoolInput{LambdaConfig: lc}
	if adjust != nil {
		adjust(in)
	}
	e := &authEnv{Env: env, t: t, lt: lt}
	e.pool = env.CreatePool(in)
	e.client = aws.ToString(env.CreateClient(e.pool, &cip.CreateUserPoolClientInput{
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{
			types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth, types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth,
			types.ExplicitAuthFlowsTypeAllowCustomAuth, types.ExplicitAuthFlowsTypeAllowUserAuth,
		},
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
	}).ClientId)
	return e
}

// addUser creates a CONFIRMED user with userPassword and an email address.
func (e *authEnv) addUser(name string) {
	e.t.Helper()
	if _, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String(name),
		MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(name + "@example.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")}}}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(e.pool), Username: aws.String(name),
		Password: aws.String(userPassword), Permanent: true}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *authEnv) password(name, pw string, meta map[string]string) (*cip.InitiateAuthOutput, error) {
	return e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": pw}, ClientMetadata: meta})
}

// srpSignIn signs in with USER_SRP_AUTH, answering PASSWORD_VERIFIER with
// respondMeta as ClientMetadata.
func (e *authEnv) srpSignIn(name, pw string, initMeta, respondMeta map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
	e.t.Helper()
	c, err := srptest.NewClient(rand.Reader, srp.PoolName(e.pool))
	if err != nil {
		e.t.Fatal(err)
	}
	out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeUserSrpAuth,
		AuthParameters: map[string]string{"USERNAME": name, "SRP_A": c.SRPA()}, ClientMetadata: initMeta})
	if err != nil {
		return nil, err
	}
	r, err := c.PasswordVerifierResponses(out.ChallengeParameters, pw, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(e.client),
		ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: r, ClientMetadata: respondMeta})
}

// strict decodes an event into its aws-lambda-go type, refusing members
// the type does not have: the event decodes without loss.
func strict[E any](t testing.TB, payload []byte) E {
	t.Helper()
	var ev E
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		t.Errorf("event does not decode into %T without loss: %v\n%s", ev, err, payload)
	}
	return ev
}

// recorder keeps the events a handler saw.
type recorder[E any] struct {
	mu  sync.Mutex
	evs []E
}

func (r *recorder[E]) add(ev E) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
}

func (r *recorder[E]) all() []E {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.evs)
}

func (r *recorder[E]) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = nil
}

// handle registers f as function name, decoding strictly and recording
// each event.
func handle[E any](t testing.TB, lt *lambdatest.Server, name string, rec *recorder[E], f func(E) (E, error)) {
	lt.Register(name, func(_ context.Context, payload []byte) ([]byte, error) {
		ev := strict[E](t, payload)
		if rec != nil {
			rec.add(ev)
		}
		out, err := f(ev)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	})
}

func wantErr(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	if servertest.ErrorCode(err) != code || (msg != "" && servertest.ErrorMessage(err) != msg) {
		t.Errorf("%s: err = %v, want %s %q", what, err, code, msg)
	}
}

// TestPreAndPostAuthentication: PreAuthentication runs before the password
// check (so on a wrong password too), with InitiateAuth's ClientMetadata
// as validationData, for an unknown user only with userNotFound where the
// client hides user existence, and its error rejects the sign-in;
// PostAuthentication runs only on success, before the tokens, with
// RespondToAuthChallenge's ClientMetadata (never InitiateAuth's).
func TestPreAndPostAuthentication(t *testing.T) {
	e := newAuthEnv(t, &types.LambdaConfigType{PreAuthentication: aws.String(fnARN("pre")), PostAuthentication: aws.String(fnARN("post"))}, nil)
	var pre recorder[events.CognitoEventUserPoolsPreAuthentication]
	var post recorder[events.CognitoEventUserPoolsPostAuthentication]
	handle(t, e.lt, "pre", &pre, func(ev events.CognitoEventUserPoolsPreAuthentication) (events.CognitoEventUserPoolsPreAuthentication, error) {
		if ev.Request.UserAttributes["custom:blocked"] == "1" || ev.UserName == "blocked" {
			return ev, errors.New("SPIKE_LOCKED")
		}
		return ev, nil
	})
	failPost := false
	handle(t, e.lt, "post", &post, func(ev events.CognitoEventUserPoolsPostAuthentication) (events.CognitoEventUserPoolsPostAuthentication, error) {
		if failPost {
			return ev, errors.New("audit down")
		}
		return ev, nil
	})
	e.addUser("alice")
	e.addUser("blocked")

	// USER_PASSWORD_AUTH: both fire.
	out, err := e.password("alice", userPassword, map[string]string{"k": "v"})
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("sign-in: %v", err)
	}
	p, q := pre.all(), post.all()
	if len(p) != 1 || len(q) != 1 {
		t.Fatalf("pre %d, post %d invocations; want 1 and 1", len(p), len(q))
	}
	if ev := p[0]; ev.TriggerSource != "PreAuthentication_Authentication" || ev.Version != "1" || ev.UserName != "alice" ||
		ev.CallerContext.ClientID != e.client || ev.UserPoolID != e.pool || ev.Region != "us-east-1" ||
		ev.Request.ValidationData["k"] != "v" || ev.Request.UserAttributes["email"] != "alice@example.com" ||
		ev.Request.UserAttributes["cognito:user_status"] != "CONFIRMED" || ev.Request.UserAttributes["sub"] == "" {
		t.Errorf("pre event = %+v", ev)
	}
	if ev := q[0]; ev.TriggerSource != "PostAuthentication_Authentication" || ev.Request.ClientMetadata != nil || ev.Request.NewDeviceUsed ||
		ev.Request.UserAttributes["email_verified"] != "true" {
		t.Errorf("post event = %+v (InitiateAuth's ClientMetadata must not reach it)", ev)
	}

	// A wrong password: pre fires, post does not.
	pre.reset()
	post.reset()
	_, err = e.password("alice", "Wr0ng!password", nil)
	wantErr(t, "wrong password", err, "NotAuthorizedException", "Incorrect username or password.")
	if len(pre.all()) != 1 || len(post.all()) != 0 {
		t.Errorf("wrong password: pre %d, post %d invocations; want 1 and 0", len(pre.all()), len(post.all()))
	}

	// An unknown user, the client hiding user existence: userNotFound.
	pre.reset()
	_, err = e.password("nobody", userPassword, nil)
	wantErr(t, "unknown user", err, "NotAuthorizedException", "Incorrect username or password.")
	if p := pre.all(); len(p) != 1 || !p[0].Request.UserNotFound || p[0].UserName != "nobody" {
		t.Errorf("unknown user: pre events %+v, want one with userNotFound", p)
	}

	// The function's error rejects the sign-in, even with the right password.
	_, err = e.password("blocked", userPassword, nil)
	wantErr(t, "blocked", err, "UserLambdaValidationException", "PreAuthentication failed with error SPIKE_LOCKED.")

	// SRP: pre fires at InitiateAuth (with its metadata), post at the
	// answer (with the answer's metadata).
	pre.reset()
	post.reset()
	res, err := e.srpSignIn("alice", userPassword, map[string]string{"at": "initiate"}, map[string]string{"at": "respond"})
	if err != nil || res.AuthenticationResult == nil {
		t.Fatalf("SRP sign-in: %v", err)
	}
	if p := pre.all(); len(p) != 1 || p[0].Request.ValidationData["at"] != "initiate" {
		t.Errorf("SRP: pre events %+v", p)
	}
	if q := post.all(); len(q) != 1 || q[0].Request.ClientMetadata["at"] != "respond" {
		t.Errorf("SRP: post events %+v", q)
	}
	if _, err := e.srpSignIn("blocked", userPassword, nil, nil); servertest.ErrorCode(err) != "UserLambdaValidationException" {
		t.Errorf("SRP, blocked: %v", err)
	}

	// USER_AUTH: PreAuthentication at InitiateAuth, before any factor.
	pre.reset()
	ua, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeUserAuth,
		AuthParameters: map[string]string{"USERNAME": "alice"}, ClientMetadata: map[string]string{"flow": "user_auth"}})
	if err != nil || ua.ChallengeName == "" {
		t.Fatalf("USER_AUTH: %+v %v", ua, err)
	}
	if p := pre.all(); len(p) != 1 || p[0].Request.ValidationData["flow"] != "user_auth" {
		t.Errorf("USER_AUTH: pre events %+v", p)
	}
	if _, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeUserAuth,
		AuthParameters: map[string]string{"USERNAME": "blocked"}}); servertest.ErrorCode(err) != "UserLambdaValidationException" {
		t.Errorf("USER_AUTH, blocked: %v", err)
	}

	// A failing post trigger fails the sign-in.
	failPost = true
	_, err = e.password("alice", userPassword, nil)
	wantErr(t, "post fails", err, "UserLambdaValidationException", "PostAuthentication failed with error audit down.")
}

// preToken is a V2_0/V3_0 function that adds claims to both tokens,
// a scope, overrides the groups and tries claims that cannot change.
func preToken(ev events.CognitoEventUserPoolsPreTokenGenV2_0) (events.CognitoEventUserPoolsPreTokenGenV2_0, error) {
	ev.Response.ClaimsAndScopeOverrideDetails = events.ClaimsAndScopeOverrideDetailsV2_0{
		IDTokenGeneration: events.IDTokenGenerationV2_0{
			ClaimsToAddOrOverride: map[string]interface{}{"tenant": "acme", "level": 3, "sub": "forged", "cognito:username": "forged"},
			ClaimsToSuppress:      []string{"email"},
		},
		AccessTokenGeneration: events.AccessTokenGenerationV2_0{
			ClaimsToAddOrOverride: map[string]interface{}{"tenant": map[string]any{"id": "acme"}, "client_id": "forged"},
			ScopesToAdd:           []string{"tenant/read"},
		},
		GroupOverrideDetails: events.GroupConfigurationV2_0{GroupsToOverride: []string{"from-trigger"}},
	}
	return ev, nil
}

// TestPreTokenGeneration: every token source of the API reaches the
// function with its triggerSource, and the claims it asks for are in the
// tokens, except those that cannot change.
func TestPreTokenGeneration(t *testing.T) {
	e := newAuthEnv(t, &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
		LambdaArn: aws.String(fnARN("pretoken")), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20}}, nil)
	var rec recorder[events.CognitoEventUserPoolsPreTokenGenV2_0]
	handle(t, e.lt, "pretoken", &rec, preToken)
	e.addUser("alice")
	if _, err := e.Client.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("staff")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("staff"), Username: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}

	check := func(what string, r *types.AuthenticationResultType, source string) {
		t.Helper()
		if r == nil {
			t.Fatalf("%s: no tokens", what)
		}
		evs := rec.all()
		rec.reset()
		if len(evs) != 1 {
			t.Fatalf("%s: %d invocations, want 1", what, len(evs))
		}
		ev := evs[0]
		if ev.TriggerSource != source || ev.Version != "2" || ev.UserName != "alice" || !slices.Equal(ev.Request.GroupConfiguration.GroupsToOverride, []string{"staff"}) ||
			ev.Request.GroupConfiguration.PreferredRole != nil || !slices.Equal(ev.Request.Scopes, []string{"aws.cognito.signin.user.admin"}) ||
			ev.Request.UserAttributes["email"] != "alice@example.com" {
			t.Errorf("%s: event = %+v", what, ev)
		}
		id := claims(t, aws.ToString(r.IdToken))
		if id["tenant"] != "acme" || id["level"] != 3.0 || id["email"] != nil || id["sub"] == "forged" || id["cognito:username"] != "alice" ||
			fmt.Sprint(id["cognito:groups"]) != "[from-trigger]" {
			t.Errorf("%s: ID token claims = %v", what, id)
		}
		access := claims(t, aws.ToString(r.AccessToken))
		if fmt.Sprint(access["tenant"]) != "map[id:acme]" || access["client_id"] != e.client || access["scope"] != "aws.cognito.signin.user.admin tenant/read" ||
			fmt.Sprint(access["cognito:groups"]) != "[from-trigger]" {
			t.Errorf("%s: access token claims = %v", what, access)
		}
	}

	out, err := e.password("alice", userPassword, nil)
	if err != nil {
		t.Fatal(err)
	}
	check("USER_PASSWORD_AUTH", out.AuthenticationResult, "TokenGeneration_Authentication")
	// The edited access token still authorizes the user's own operations.
	if _, err := e.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: out.AuthenticationResult.AccessToken}); err != nil {
		t.Errorf("GetUser with the edited access token: %v", err)
	}

	res, err := e.srpSignIn("alice", userPassword, nil, map[string]string{"m": "1"})
	if err != nil {
		t.Fatal(err)
	}
	check("USER_SRP_AUTH", res.AuthenticationResult, "TokenGeneration_Authentication")

	refreshed, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(out.AuthenticationResult.RefreshToken)}})
	if err != nil {
		t.Fatal(err)
	}
	check("REFRESH_TOKEN_AUTH", refreshed.AuthenticationResult, "TokenGeneration_RefreshTokens")

	gt, err := e.Anonymous.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(e.client),
		RefreshToken: out.AuthenticationResult.RefreshToken, ClientMetadata: map[string]string{"via": "gettokens"}})
	if err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	meta := rec.evs[0].Request.ClientMetadata
	rec.mu.Unlock()
	check("GetTokensFromRefreshToken", gt.AuthenticationResult, "TokenGeneration_Authentication")
	if meta["via"] != "gettokens" {
		t.Errorf("GetTokensFromRefreshToken's ClientMetadata did not reach the function: %v", meta)
	}

	// NEW_PASSWORD_REQUIRED: _NewPasswordChallenge.
	if _, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("bob"),
		TemporaryPassword: aws.String("Temp0rary!pw"), MessageAction: types.MessageActionTypeSuppress}); err != nil {
		t.Fatal(err)
	}
	first, err := e.password("bob", "Temp0rary!pw", nil)
	if err != nil || first.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("bob: %v %v", first, err)
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("a challenge ran the pre-token function %d times", n)
	}
	done, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(e.client), Session: first.Session,
		ChallengeName: types.ChallengeNameTypeNewPasswordRequired, ChallengeResponses: map[string]string{"USERNAME": "bob", "NEW_PASSWORD": userPassword}})
	if err != nil {
		t.Fatal(err)
	}
	evs := rec.all()
	rec.reset()
	if len(evs) != 1 || evs[0].TriggerSource != "TokenGeneration_NewPasswordChallenge" || claims(t, aws.ToString(done.AuthenticationResult.IdToken))["tenant"] != "acme" {
		t.Errorf("new password: events %+v", evs)
	}
}

// TestPreTokenGenerationV1 edits the ID token only; its group override
// reaches both tokens.
func TestPreTokenGenerationV1(t *testing.T) {
	e := newAuthEnv(t, &types.LambdaConfigType{PreTokenGeneration: aws.String(fnARN("v1"))}, nil)
	var rec recorder[events.CognitoEventUserPoolsPreTokenGen]
	handle(t, e.lt, "v1", &rec, func(ev events.CognitoEventUserPoolsPreTokenGen) (events.CognitoEventUserPoolsPreTokenGen, error) {
		ev.Response.ClaimsOverrideDetails = events.ClaimsOverrideDetails{
			ClaimsToAddOrOverride: map[string]string{"tenant": "acme", "token_use": "access"},
			ClaimsToSuppress:      []string{"email_verified"},
			GroupOverrideDetails:  events.GroupConfiguration{GroupsToOverride: []string{"g1", "g2"}},
		}
		return ev, nil
	})
	e.addUser("alice")
	out, err := e.password("alice", userPassword, nil)
	if err != nil {
		t.Fatal(err)
	}
	if evs := rec.all(); len(evs) != 1 || evs[0].Version != "1" || evs[0].TriggerSource != "TokenGeneration_Authentication" {
		t.Errorf("events = %+v", evs)
	}
	id, access := claims(t, aws.ToString(out.AuthenticationResult.IdToken)), claims(t, aws.ToString(out.AuthenticationResult.AccessToken))
	if id["tenant"] != "acme" || id["token_use"] != "id" || id["email_verified"] != nil || fmt.Sprint(id["cognito:groups"]) != "[g1 g2]" {
		t.Errorf("ID token = %v", id)
	}
	if access["tenant"] != nil || fmt.Sprint(access["cognito:groups"]) != "[g1 g2]" {
		t.Errorf("access token = %v", access)
	}
}

// TestTriggerFailuresInSignIn: the error mapping of spec §3.2 through
// sign-in, and nothing is issued.
func TestTriggerFailuresInSignIn(t *testing.T) {
	lc := &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
		LambdaArn: aws.String(fnARN("pretoken")), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20}}
	for _, tc := range []struct {
		name      string
		h         lambdatest.Handler
		code, msg string
	}{
		{"function error", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsPreTokenGenV2_0) (events.CognitoEventUserPoolsPreTokenGenV2_0, error) {
			return ev, errors.New("no tenant.")
		}), "UserLambdaValidationException", "PreTokenGeneration failed with error no tenant.."},
		{"not JSON", lambdatest.Raw("<html>"), "InvalidLambdaResponseException", "Invalid lambda function output : Invalid JSON"},
		{"null", lambdatest.Raw("null"), "InvalidLambdaResponseException", "Invalid lambda function output : Invalid JSON"},
		{"unusable", lambdatest.Raw(`{"response":{"claimsAndScopeOverrideDetails":{"idTokenGeneration":{"claimsToSuppress":"email"}}}}`),
			"InvalidLambdaResponseException", "Unrecognizable lambda output"},
		{"service error", func(context.Context, []byte) ([]byte, error) {
			return nil, &lambdatest.StatusError{Status: 429, Type: "TooManyRequestsException"}
		}, "UnexpectedLambdaException", ""},
		{"timeout", lambdatest.Hang(nil), "UnexpectedLambdaException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAuthEnv(t, lc, nil, func(c *config.Config) { c.Lambda.Timeout = 300 * time.Millisecond })
			e.lt.Register("pretoken", tc.h)
			e.addUser("alice")
			out, err := e.password("alice", userPassword, nil)
			wantErr(t, "sign-in", err, tc.code, tc.msg)
			if out != nil {
				t.Errorf("tokens despite the failure: %+v", out)
			}
		})
	}

	// No endpoint at all: a configured trigger is not skipped.
	env := servertest.New(t)
	pool := env.CreatePool(&cip.CreateUserPoolInput{LambdaConfig: &types.LambdaConfigType{PreAuthentication: aws.String(fnARN("pre"))}})
	client := env.CreateClient(pool, nil)
	e := &authEnv{Env: env, t: t, pool: pool, client: aws.ToString(client.ClientId)}
	e.addUser("alice")
	_, err := e.password("alice", userPassword, nil)
	wantErr(t, "no endpoint", err, "UnexpectedLambdaException", "PreAuthentication invocation failed due to error AccessDeniedException.")
}

// TestUserMigrationSignIn: an unknown user signing in with
// USER_PASSWORD_AUTH is brought in by the function.
func TestUserMigrationSignIn(t *testing.T) {
	e := newAuthEnv(t, &types.LambdaConfigType{UserMigration: aws.String(fnARN("migrate"))}, func(in *cip.CreateUserPoolInput) {
		in.AliasAttributes = []types.AliasAttributeType{types.AliasAttributeTypeEmail}
	})
	var rec recorder[events.CognitoEventUserPoolsMigrateUser]
	handle(t, e.lt, "migrate", &rec, func(ev events.CognitoEventUserPoolsMigrateUser) (events.CognitoEventUserPoolsMigrateUser, error) {
		switch ev.UserName {
		case "old-confirmed":
			if ev.CognitoEventUserPoolsMigrateUserRequest.Password != "legacy-pw" {
				return ev, errors.New("Bad password")
			}
			ev.CognitoEventUserPoolsMigrateUserResponse.UserAttributes = map[string]string{"email": "old@example.com", "email_verified": "true"}
			ev.CognitoEventUserPoolsMigrateUserResponse.FinalUserStatus = "CONFIRMED"
			ev.CognitoEventUserPoolsMigrateUserResponse.MessageAction = "SUPPRESS"
		case "old-reset":
			ev.CognitoEventUserPoolsMigrateUserResponse.UserAttributes = map[string]string{"email": "reset@example.com"}
			ev.CognitoEventUserPoolsMigrateUserResponse.FinalUserStatus = "RESET_REQUIRED"
			ev.CognitoEventUserPoolsMigrateUserResponse.MessageAction = "SUPPRESS"
		case "taken-alias":
			ev.CognitoEventUserPoolsMigrateUserResponse.UserAttributes = map[string]string{"email": "alice@example.com", "email_verified": "true"}
			ev.CognitoEventUserPoolsMigrateUserResponse.FinalUserStatus = "CONFIRMED"
			ev.CognitoEventUserPoolsMigrateUserResponse.MessageAction = "SUPPRESS"
			ev.CognitoEventUserPoolsMigrateUserResponse.ForceAliasCreation = ev.CognitoEventUserPoolsMigrateUserRequest.ClientMetadata["force"] == "yes" || ev.CognitoEventUserPoolsMigrateUserRequest.ValidationData["force"] == "yes"
		default:
			return ev, errors.New("User not found")
		}
		return ev, nil
	})
	e.addUser("alice")

	// The password policy is not applied to a migrated password.
	out, err := e.password("old-confirmed", "legacy-pw", map[string]string{"src": "app"})
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("migrated sign-in: %v", err)
	}
	if evs := rec.all(); len(evs) != 1 || evs[0].TriggerSource != "UserMigration_Authentication" || evs[0].CognitoEventUserPoolsMigrateUserRequest.ValidationData["src"] != "app" {
		t.Errorf("events = %+v", evs)
	}
	u, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("old-confirmed")})
	if err != nil || u.UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("migrated user: %+v %v", u, err)
	}
	if got := claims(t, aws.ToString(out.AuthenticationResult.IdToken)); got["email"] != "old@example.com" || got["cognito:username"] != "old-confirmed" {
		t.Errorf("ID token = %v", got)
	}
	// Signed in by the email alias the function returned, without it.
	rec.reset()
	if _, err := e.password("old@example.com", "legacy-pw", nil); err != nil || len(rec.all()) != 0 {
		t.Errorf("second sign-in: %v, %d migrations", err, len(rec.all()))
	}
	if msgs := e.Outbox(e.pool, "old-confirmed"); len(msgs) != 0 {
		t.Errorf("SUPPRESS sent %d messages", len(msgs))
	}

	// RESET_REQUIRED: the user exists and must reset the password.
	_, err = e.password("old-reset", "whatever", nil)
	wantErr(t, "reset", err, "PasswordResetRequiredException", "")
	if u, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("old-reset")}); err != nil || u.UserStatus != types.UserStatusTypeResetRequired {
		t.Errorf("reset user: %+v %v", u, err)
	}

	// A function error: nothing is created.
	_, err = e.password("stranger", "x", nil)
	wantErr(t, "function error", err, "UserLambdaValidationException", "UserMigration failed with error User not found.")
	if _, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("stranger")}); servertest.ErrorCode(err) != "UserNotFoundException" {
		t.Errorf("stranger exists after a failed migration: %v", err)
	}

	// forceAliasCreation: without it a taken alias is an error; with it the
	// alias moves to the migrated user.
	_, err = e.password("taken-alias", userPassword, nil)
	wantErr(t, "alias collision", err, "AliasExistsException", "")
	if _, err := e.password("taken-alias", userPassword, map[string]string{"force": "yes"}); err != nil {
		t.Fatalf("forced alias: %v", err)
	}
	a, _ := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("alice")})
	for _, at := range a.UserAttributes {
		if aws.ToString(at.Name) == "email_verified" && aws.ToString(at.Value) != "false" {
			t.Errorf("alice's email stayed verified after the alias moved")
		}
	}

	// SRP hides the password: no migration.
	rec.reset()
	if _, err := e.srpSignIn("old-srp", userPassword, nil, nil); err == nil || len(rec.all()) != 0 {
		t.Errorf("SRP: %v, %d migrations", err, len(rec.all()))
	}
}

// quiz registers the custom-auth trio against aws-lambda-go's types:
// `rounds` questions "what is N+1?"; three wrong answers fail; with SRP_A
// first, PASSWORD_VERIFIER comes before the questions.
func quiz(t *testing.T, lt *lambdatest.Server, rounds int, define *recorder[events.CognitoEventUserPoolsDefineAuthChallenge]) {
	handle(t, lt, "define", define, func(ev events.CognitoEventUserPoolsDefineAuthChallenge) (events.CognitoEventUserPoolsDefineAuthChallenge, error) {
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
		case wrong >= 3:
			ev.Response.FailAuthentication = true
		case correct >= rounds:
			ev.Response.IssueTokens = true
		default:
			ev.Response.ChallengeName = "CUSTOM_CHALLENGE"
		}
		return ev, nil
	})
	handle(t, lt, "create", nil, func(ev events.CognitoEventUserPoolsCreateAuthChallenge) (events.CognitoEventUserPoolsCreateAuthChallenge, error) {
		n := len(ev.Request.Session)
		ev.Response.PublicChallengeParameters = map[string]string{"question": fmt.Sprintf("what is %d+1?", n)}
		ev.Response.PrivateChallengeParameters = map[string]string{"answer": strconv.Itoa(n + 1)}
		ev.Response.ChallengeMetadata = fmt.Sprintf("QUESTION-%d", n)
		return ev, nil
	})
	handle(t, lt, "verify", nil, func(ev events.CognitoEventUserPoolsVerifyAuthChallenge) (events.CognitoEventUserPoolsVerifyAuthChallenge, error) {
		ev.Response.AnswerCorrect = ev.Request.ChallengeAnswer == ev.Request.PrivateChallengeParameters["answer"]
		return ev, nil
	})
}

func quizAnswer(p map[string]string) string {
	var n int
	fmt.Sscanf(p["question"], "what is %d+1?", &n)
	return strconv.Itoa(n + 1)
}

var customConfig = &types.LambdaConfigType{
	DefineAuthChallenge:         aws.String(fnARN("define")),
	CreateAuthChallenge:         aws.String(fnARN("create")),
	VerifyAuthChallengeResponse: aws.String(fnARN("verify")),
}

// respondCustom answers a CUSTOM_CHALLENGE.
func (e *authEnv) respondCustom(session *string, username, answer string) (*cip.RespondToAuthChallengeOutput, error) {
	return e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(e.client), Session: session,
		ChallengeName: types.ChallengeNameTypeCustomChallenge, ChallengeResponses: map[string]string{"USERNAME": username, "ANSWER": answer},
		ClientMetadata: map[string]string{"round": answer}})
}

// TestCustomAuth: CUSTOM_AUTH with one and three rounds, through
// InitiateAuth and AdminInitiateAuth, the session history Define sees,
// spent sessions, failAuthentication, and the pool without a Define
// trigger.
func TestCustomAuth(t *testing.T) {
	for _, rounds := range []int{1, 3} {
		for _, admin := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d rounds admin=%v", rounds, admin), func(t *testing.T) {
				e := newAuthEnv(t, customConfig, nil)
				var define recorder[events.CognitoEventUserPoolsDefineAuthChallenge]
				quiz(t, e.lt, rounds, &define)
				e.addUser("alice")
				var name types.ChallengeNameType
				var params map[string]string
				var session *string
				if admin {
					out, err := e.Client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(e.pool), ClientId: aws.String(e.client),
						AuthFlow: types.AuthFlowTypeCustomAuth, AuthParameters: map[string]string{"USERNAME": "alice"}})
					if err != nil {
						t.Fatal(err)
					}
					name, params, session = out.ChallengeName, out.ChallengeParameters, out.Session
				} else {
					out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client),
						AuthFlow: types.AuthFlowTypeCustomAuth, AuthParameters: map[string]string{"USERNAME": "alice"},
						ClientMetadata: map[string]string{"not": "for define"}})
					if err != nil {
						t.Fatal(err)
					}
					name, params, session = out.ChallengeName, out.ChallengeParameters, out.Session
				}
				for i := 0; i < rounds; i++ {
					if name != types.ChallengeNameTypeCustomChallenge || params["USERNAME"] != "alice" || params["question"] == "" {
						t.Fatalf("round %d: %s %v", i, name, params)
					}
					var r *cip.RespondToAuthChallengeOutput
					var err error
					if admin {
						var a *cip.AdminRespondToAuthChallengeOutput
						a, err = e.Client.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{UserPoolId: aws.String(e.pool), ClientId: aws.String(e.client),
							Session: session, ChallengeName: types.ChallengeNameTypeCustomChallenge,
							ChallengeResponses: map[string]string{"USERNAME": "alice", "ANSWER": quizAnswer(params)}})
						if a != nil {
							r = &cip.RespondToAuthChallengeOutput{ChallengeName: a.ChallengeName, ChallengeParameters: a.ChallengeParameters,
								Session: a.Session, AuthenticationResult: a.AuthenticationResult}
						}
					} else {
						r, err = e.respondCustom(session, "alice", quizAnswer(params))
					}
					if err != nil {
						t.Fatalf("round %d: %v", i, err)
					}
					// The answered session is spent.
					if _, err := e.respondCustom(session, "alice", quizAnswer(params)); servertest.ErrorCode(err) != "NotAuthorizedException" {
						t.Errorf("round %d: reusing the session: %v", i, err)
					}
					if i == rounds-1 {
						if r.AuthenticationResult == nil || r.ChallengeName != "" {
							t.Fatalf("last round: %+v", r)
						}
						if c := claims(t, aws.ToString(r.AuthenticationResult.IdToken)); c["cognito:username"] != "alice" {
							t.Errorf("ID token = %v", c)
						}
					}
					name, params, session = r.ChallengeName, r.ChallengeParameters, r.Session
				}
				evs := define.all()
				if len(evs) != rounds+1 {
					t.Fatalf("Define ran %d times, want %d", len(evs), rounds+1)
				}
				if evs[0].Request.ClientMetadata != nil || len(evs[0].Request.Session) != 0 || evs[0].TriggerSource != "DefineAuthChallenge_Authentication" ||
					evs[0].Request.UserAttributes["email"] != "alice@example.com" {
					t.Errorf("first Define = %+v", evs[0])
				}
				last := evs[rounds]
				if len(last.Request.Session) != rounds {
					t.Fatalf("last Define's session = %+v", last.Request.Session)
				}
				for i, r := range last.Request.Session {
					if r.ChallengeName != "CUSTOM_CHALLENGE" || !r.ChallengeResult || r.ChallengeMetadata != fmt.Sprintf("QUESTION-%d", i) {
						t.Errorf("session[%d] = %+v", i, r)
					}
				}
				if !admin && last.Request.ClientMetadata["round"] == "" {
					t.Errorf("RespondToAuthChallenge's ClientMetadata did not reach Define: %+v", last.Request)
				}
			})
		}
	}

	t.Run("fail", func(t *testing.T) {
		e := newAuthEnv(t, customConfig, nil)
		quiz(t, e.lt, 1, nil)
		e.addUser("alice")
		out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "alice"}})
		if err != nil {
			t.Fatal(err)
		}
		session := out.Session
		for i := 0; i < 2; i++ {
			r, err := e.respondCustom(session, "alice", "wrong")
			if err != nil || r.ChallengeName != types.ChallengeNameTypeCustomChallenge || aws.ToString(r.Session) == aws.ToString(session) {
				t.Fatalf("wrong answer %d: %+v %v (want a new round with a new session)", i, r, err)
			}
			session = r.Session
		}
		_, err = e.respondCustom(session, "alice", "wrong")
		wantErr(t, "third wrong answer", err, "NotAuthorizedException", "Incorrect username or password.")
		_, err = e.respondCustom(session, "alice", "2")
		wantErr(t, "after failAuthentication", err, "NotAuthorizedException", "")
	})

	t.Run("not configured", func(t *testing.T) {
		e := newAuthEnv(t, nil, nil)
		e.addUser("alice")
		_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "alice"}})
		wantErr(t, "no Define", err, "InvalidParameterException", "Custom auth lambda trigger is not configured for the user pool.")
	})

	t.Run("define fails", func(t *testing.T) {
		e := newAuthEnv(t, customConfig, nil)
		e.lt.Register("define", lambdatest.Raw(`{"response":{"challengeName":"NOPE"}}`))
		e.addUser("alice")
		_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "alice"}})
		wantErr(t, "bad Define output", err, "InvalidLambdaResponseException", "Unrecognizable lambda output")
	})

	t.Run("unknown user", func(t *testing.T) {
		e := newAuthEnv(t, customConfig, nil)
		var define recorder[events.CognitoEventUserPoolsDefineAuthChallenge]
		quiz(t, e.lt, 1, &define)
		out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "ghost"}})
		if err != nil || out.ChallengeName != types.ChallengeNameTypeCustomChallenge {
			t.Fatalf("unknown user: %+v %v (want a challenge like any user's)", out, err)
		}
		if evs := define.all(); len(evs) != 1 || !evs[0].Request.UserNotFound {
			t.Errorf("Define events = %+v, want userNotFound", evs)
		}
		_, err = e.respondCustom(out.Session, "ghost", quizAnswer(out.ChallengeParameters))
		wantErr(t, "unknown user's right answer", err, "NotAuthorizedException", "Incorrect username or password.")
	})
}

// TestCustomAuthWithSRP: CHALLENGE_NAME SRP_A first, as
// amazon-cognito-identity-js and Amplify's CUSTOM_WITH_SRP do:
// PASSWORD_VERIFIER with a Session, then the custom challenge; the
// SECRET_BLOCK of that PASSWORD_VERIFIER does not sign in without its
// Session; MFA follows the verified password.
func TestCustomAuthWithSRP(t *testing.T) {
	e := newAuthEnv(t, customConfig, nil)
	var define recorder[events.CognitoEventUserPoolsDefineAuthChallenge]
	quiz(t, e.lt, 1, &define)
	e.addUser("alice")
	start := func() (*srptest.Client, *cip.InitiateAuthOutput) {
		t.Helper()
		c, err := srptest.NewClient(rand.Reader, srp.PoolName(e.pool))
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "alice", "SRP_A": c.SRPA(), "CHALLENGE_NAME": "SRP_A"}})
		if err != nil {
			t.Fatal(err)
		}
		if out.ChallengeName != types.ChallengeNameTypePasswordVerifier || out.Session == nil || out.ChallengeParameters["USER_ID_FOR_SRP"] != "alice" {
			t.Fatalf("InitiateAuth = %+v", out)
		}
		return c, out
	}
	c, out := start()
	if s := define.all()[0].Request.Session; len(s) != 1 || s[0].ChallengeName != "SRP_A" || !s[0].ChallengeResult || s[0].ChallengeMetadata != "" {
		t.Errorf("first Define session = %+v", s)
	}
	r, err := c.PasswordVerifierResponses(out.ChallengeParameters, userPassword, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Without the Session the proof signs nobody in.
	_, err = e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(e.client),
		ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: r})
	wantErr(t, "no session", err, "InvalidParameterException", "")
	next, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(e.client), Session: out.Session,
		ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: r})
	if err != nil || next.ChallengeName != types.ChallengeNameTypeCustomChallenge {
		t.Fatalf("PASSWORD_VERIFIER: %+v %v", next, err)
	}
	evs := define.all()
	if s := evs[len(evs)-1].Request.Session; len(s) != 2 || s[1].ChallengeName != "PASSWORD_VERIFIER" || !s[1].ChallengeResult {
		t.Errorf("Define session after the password = %+v", s)
	}
	done, err := e.respondCustom(next.Session, "alice", quizAnswer(next.ChallengeParameters))
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("custom challenge: %+v %v", done, err)
	}

	// A wrong password fails as in USER_SRP_AUTH.
	c, out = start()
	r, _ = c.PasswordVerifierResponses(out.ChallengeParameters, "Wr0ng!password", time.Now())
	_, err = e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(e.client), Session: out.Session,
		ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: r})
	wantErr(t, "wrong password", err, "NotAuthorizedException", "Incorrect username or password.")

	// MFA follows the verified password, after Define issued tokens.
	if _, err := e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(e.pool), MfaConfiguration: types.UserPoolMfaTypeOptional,
		EmailMfaConfiguration: &types.EmailMfaConfigType{Message: aws.String("code {####}")}}); err != nil {
		t.Skipf("email MFA not available here: %v", err)
	}
	if _, err := e.Client.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(e.pool), Username: aws.String("alice"),
		EmailMfaSettings: &types.EmailMfaSettingsType{Enabled: true, PreferredMfa: true}}); err != nil {
		t.Skipf("email MFA not available here: %v", err)
	}
	c, out = start()
	r, _ = c.PasswordVerifierResponses(out.ChallengeParameters, userPassword, time.Now())
	next, err = e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(e.client), Session: out.Session,
		ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: r})
	if err != nil {
		t.Fatal(err)
	}
	mfa, err := e.respondCustom(next.Session, "alice", quizAnswer(next.ChallengeParameters))
	if err != nil || mfa.ChallengeName != types.ChallengeNameTypeEmailOtp {
		t.Fatalf("after the custom challenge: %+v %v, want EMAIL_OTP", mfa, err)
	}
	// Without a password, custom challenges alone: no MFA.
	noPW, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeCustomAuth,
		AuthParameters: map[string]string{"USERNAME": "alice"}})
	if err != nil {
		t.Fatal(err)
	}
	fin, err := e.respondCustom(noPW.Session, "alice", quizAnswer(noPW.ChallengeParameters))
	if err != nil || fin.AuthenticationResult == nil {
		t.Errorf("custom only, MFA user: %+v %v, want tokens", fin, err)
	}
}
