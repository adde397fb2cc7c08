package trigger_test

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/trigger/lambdatest"
)

// BenchmarkPreTokenGeneration measures what a PreTokenGeneration trigger
// adds to a sign-in besides the function's own time: event building, the
// Lambda client (SigV4, HTTP over loopback to an in-process endpoint whose
// V2_0 handler answers at once), decoding, validation and applying the
// claims. The target is at most 1 ms per call.
func BenchmarkPreTokenGeneration(b *testing.B) {
	handler := lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsPreTokenGenV2_0) (events.CognitoEventUserPoolsPreTokenGenV2_0, error) {
		ev.Response.ClaimsAndScopeOverrideDetails.AccessTokenGeneration.ClaimsToAddOrOverride = map[string]any{"tenant": "acme"}
		return ev, nil
	})
	in := trigger.PreTokenInput{Source: trigger.TokenGenerationAuthentication, Username: "jane", Attributes: attrs,
		Groups: []string{"admins"}, Scopes: []string{"openid", "aws.cognito.signin.user.admin"}}
	call := trigger.Call{Operation: trigger.OpRespondToAuthChallenge, ClientID: "c1"}
	run := func(b *testing.B, svc *trigger.Service) {
		p := pool(trigger.V2_0)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			edits, err := svc.PreTokenGeneration(ctx, p, call, in)
			if err != nil {
				b.Fatal(err)
			}
			_, access := baseClaims()
			edits.ApplyAccess(access)
		}
	}
	b.Run("lambda", func(b *testing.B) {
		e := newEnv(b)
		e.lt.Register("PreTokenGeneration", handler)
		run(b, e.svc)
	})
	b.Run("webhook", func(b *testing.B) {
		e := newEnv(b)
		e.lt.Register("hook", handler)
		hook, err := trigger.NewWebhookInvoker(trigger.WebhookConfig{URL: e.lt.WebhookURL("hook")}, nil)
		if err != nil {
			b.Fatal(err)
		}
		svc, _ := trigger.New(trigger.Options{Invoker: trigger.Router{Webhooks: map[trigger.Name]trigger.Invoker{trigger.PreTokenGeneration: hook}}})
		run(b, svc)
	})
}
