package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/hostedui/hosteduitest"
	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/trigger/lambdatest"
)

func fnARN(name string) string { return "arn:aws:lambda:us-east-1:123456789012:function:" + name }

// TestTriggerWiring checks the plumbing of the lambda configuration: the
// server's trigger.Service reaches the configured Lambda endpoint (by ARN
// or by name), a webhook takes its trigger away from Lambda, a stored
// pool's LambdaConfig maps to what the triggers see, the metrics are on
// /metrics, and without an endpoint a configured trigger fails as AWS does
// instead of being skipped.
func TestTriggerWiring(t *testing.T) {
	preSignUp := lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsPreSignup) (events.CognitoEventUserPoolsPreSignup, error) {
		ev.Response.AutoConfirmUser = ev.Request.UserAttributes["email"] == "auto@example.com"
		return ev, nil
	})
	in := trigger.PreSignUpInput{Source: trigger.PreSignUpSignUp, Username: "u1", Attributes: map[string]string{"email": "auto@example.com"}}

	for _, tc := range []struct {
		name, mode string
		wantPath   string // how the Invoke path names the function
	}{
		{"by ARN", "", fnARN("signup")},
		{"by name", "name", "signup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lt := lambdatest.NewServer(t)
			lt.Register("signup", preSignUp)
			env := servertest.New(t, func(c *config.Config) {
				c.Lambda.Endpoint = lt.URL
				c.Lambda.FunctionName = tc.mode
			})
			id := env.CreatePool(&cip.CreateUserPoolInput{LambdaConfig: &types.LambdaConfigType{
				PreSignUp:                aws.String(fnARN("signup")),
				PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{LambdaArn: aws.String(fnARN("pretoken")), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20},
				CustomEmailSender:        &types.CustomEmailLambdaVersionConfigType{LambdaArn: aws.String(fnARN("email")), LambdaVersion: types.CustomEmailSenderLambdaVersionTypeV10},
				KMSKeyID:                 aws.String("arn:aws:kms:us-east-1:123456789012:key/k1"),
			}})
			p, err := env.Server.Pools.LoadPool(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			tp := p.TriggerPool()
			want := trigger.Config{PreSignUp: fnARN("signup"), PreTokenGeneration: fnARN("pretoken"), PreTokenGenerationVersion: trigger.V2_0,
				CustomEmailSender: fnARN("email"), KMSKeyID: "arn:aws:kms:us-east-1:123456789012:key/k1"}
			if tp.ID != id || tp.Config != want {
				t.Errorf("TriggerPool = %+v, want ID %s and %+v", tp, id, want)
			}
			res, err := env.Server.Triggers.PreSignUp(ctx, tp, trigger.Call{Operation: trigger.OpSignUp}, in)
			if err != nil || !res.AutoConfirmUser {
				t.Fatalf("PreSignUp = %+v, %v", res, err)
			}
			calls := lt.Invocations()
			if len(calls) != 1 || calls[0].PathName != tc.wantPath || !strings.Contains(calls[0].Authorization, "AWS4-HMAC-SHA256") {
				t.Errorf("invocations = %+v, want one SigV4-signed call naming %s", calls, tc.wantPath)
			}
			if _, body := get(t, env.URL+"/metrics"); !strings.Contains(body, `userpoold_trigger_invocations_total{trigger="PreSignUp"} 1`) {
				t.Errorf("/metrics lacks the trigger invocation:\n%s", body)
			}
		})
	}

	t.Run("webhook", func(t *testing.T) {
		lt := lambdatest.NewServer(t)
		lt.Register("hook", preSignUp)
		env := servertest.New(t, func(c *config.Config) {
			c.Lambda.Webhooks = map[string]string{"PreSignUp": lt.WebhookURL("hook")}
		})
		pool := trigger.Pool{ID: "us-east-1_Wiring1", Config: trigger.Config{PreSignUp: fnARN("signup")}}
		res, err := env.Server.Triggers.PreSignUp(ctx, pool, trigger.Call{Operation: trigger.OpSignUp}, in)
		if err != nil || !res.AutoConfirmUser {
			t.Fatalf("PreSignUp = %+v, %v", res, err)
		}
		if calls := lt.Invocations(); len(calls) != 1 || calls[0].Type != "Webhook" {
			t.Errorf("invocations = %+v, want one webhook call", calls)
		}
	})

	t.Run("no endpoint", func(t *testing.T) {
		env := servertest.New(t)
		pool := trigger.Pool{ID: "us-east-1_Wiring1", Config: trigger.Config{PreSignUp: fnARN("signup")}}
		_, err := env.Server.Triggers.PreSignUp(ctx, pool, trigger.Call{Operation: trigger.OpSignUp}, in)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Kind != fault.UnexpectedLambda || fe.Message != "PreSignUp invocation failed due to error AccessDeniedException." {
			t.Errorf("err = %v, want UnexpectedLambdaException", err)
		}
	})
}

// TestTriggerHostedSignUp: the hosted sign-up page runs the pool's
// PreSignUp trigger like the SignUp operation, naming the page's app
// client, and shows a refusal as the page's error.
func TestTriggerHostedSignUp(t *testing.T) {
	lt := lambdatest.NewServer(t)
	lt.Register("pre", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsPreSignup) (events.CognitoEventUserPoolsPreSignup, error) {
		if ev.UserName == "mallory" {
			return ev, errors.New("not on the list")
		}
		ev.Response.AutoConfirmUser = true
		return ev, nil
	}))
	e := newOAuthEnv(t, &cip.CreateUserPoolInput{PoolName: aws.String("pages"), AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Schema:       []types.SchemaAttributeType{{Name: aws.String("email"), AttributeDataType: types.AttributeDataTypeString, Required: aws.Bool(true), Mutable: aws.Bool(true)}},
		LambdaConfig: &types.LambdaConfigType{PreSignUp: aws.String(fnARN("pre"))}},
		func(c *config.Config) { c.Lambda.Endpoint = lt.URL })
	signUp := func(username string) hosteduitest.Page {
		t.Helper()
		b := e.browser()
		login := e.loginPage(b, e.authorizeURL("s1"))
		for _, a := range hosteduitest.Elements(login.Doc, "a") {
			if h, _ := hosteduitest.Attr(a, "href"); strings.Contains(h, "/signup?") {
				return b.Submit(b.Get(h), "", map[string]string{"username": username, "password": "Olga-Passw0rd!", "requiredAttributes[email]": username + "@example.com"})
			}
		}
		t.Fatal("no sign-up link")
		return hosteduitest.Page{}
	}
	signUp("olga")
	var ev events.CognitoEventUserPoolsPreSignup
	calls := lt.Invocations()
	if len(calls) != 1 || json.Unmarshal(calls[0].Payload, &ev) != nil || ev.TriggerSource != "PreSignUp_SignUp" || ev.CallerContext.ClientID != e.client {
		t.Fatalf("invocations = %+v (event %+v), want one PreSignUp_SignUp naming client %s", calls, ev, e.client)
	}
	u, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("olga")})
	if err != nil || u.UserStatus != types.UserStatusTypeConfirmed {
		t.Errorf("olga = %+v, %v; want CONFIRMED by the trigger", u, err)
	}
	if p := signUp("mallory"); p.Status != 400 || !strings.Contains(p.ErrorText(), "not on the list") {
		t.Errorf("refused sign-up page = %d %q", p.Status, p.ErrorText())
	}
	if _, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("mallory")}); servertest.ErrorCode(err) != "UserNotFoundException" {
		t.Errorf("mallory: %v, want UserNotFoundException", err)
	}
}
