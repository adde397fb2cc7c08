package trigger_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/trigger/lambdatest"
)

func wantFault(t *testing.T, err error, kind fault.Kind, msg string) {
	t.Helper()
	var f *fault.Error
	if !errors.As(err, &f) {
		t.Fatalf("error %v is not a *fault.Error", err)
	}
	if f.Kind != kind || f.Message != msg {
		t.Fatalf("got %s %q, want %s %q", f.Kind, f.Message, kind, msg)
	}
}

func preAuth(e *env, p trigger.Pool) error {
	return e.svc.PreAuthentication(context.Background(), p, trigger.Call{Operation: trigger.OpInitiateAuth, ClientID: "c1"},
		trigger.PreAuthenticationInput{Username: "jane", Attributes: attrs})
}

// TestErrorMapping checks spec §3.2 for every kind of failure.
func TestErrorMapping(t *testing.T) {
	cases := []struct {
		name    string
		handler lambdatest.Handler
		kind    fault.Kind
		msg     string
		metric  string
	}{
		{"function error", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsPreAuthentication) (events.CognitoEventUserPoolsPreAuthentication, error) {
			return ev, errors.New("SPIKE_LOCKED")
		}), fault.UserLambdaValidation, "PreAuthentication failed with error SPIKE_LOCKED.", "function"},
		{"trailing period doubled", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsPreAuthentication) (events.CognitoEventUserPoolsPreAuthentication, error) {
			return ev, errors.New("Account locked.")
		}), fault.UserLambdaValidation, "PreAuthentication failed with error Account locked..", "function"},
		{"not JSON", lambdatest.Raw("<html>"), fault.InvalidLambdaResponse, trigger.MsgInvalidJSON, "response"},
		{"null", lambdatest.Raw("null"), fault.InvalidLambdaResponse, trigger.MsgInvalidJSON, "response"},
		{"empty", lambdatest.Raw(""), fault.InvalidLambdaResponse, trigger.MsgInvalidJSON, "response"},
		{"not an object", lambdatest.Raw(`[1,2]`), fault.InvalidLambdaResponse, trigger.MsgUnrecognizable, "response"},
		{"throttled twice", func(context.Context, []byte) ([]byte, error) {
			return nil, &lambdatest.StatusError{Status: http.StatusTooManyRequests, Type: "TooManyRequestsException"}
		}, fault.UnexpectedLambda, "PreAuthentication invocation failed due to error TooManyRequestsException.", "invocation"},
		{"access denied", func(context.Context, []byte) ([]byte, error) {
			return nil, &lambdatest.StatusError{Status: http.StatusForbidden, Type: "AccessDeniedException"}
		}, fault.UnexpectedLambda, "PreAuthentication invocation failed due to error AccessDeniedException.", "invocation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.lt.Register("PreAuthentication", c.handler)
			wantFault(t, preAuth(e, pool(trigger.V1_0)), c.kind, c.msg)
			if got := e.metric(t, "userpoold_trigger_errors_total", map[string]string{"trigger": "PreAuthentication", "kind": c.metric}); got != 1 {
				t.Errorf("errors{kind=%s} = %v, want 1", c.metric, got)
			}
		})
	}
}

// TestUnknownFunction: Lambda's 404 is an invocation failure.
func TestUnknownFunction(t *testing.T) {
	e := newEnv(t)
	wantFault(t, preAuth(e, pool(trigger.V1_0)), fault.UnexpectedLambda, "PreAuthentication invocation failed due to error ResourceNotFoundException.")
}

// TestTimeout: a function that does not answer within the timeout is
// UnexpectedLambdaException with Cognito's socket-timeout text. The
// handler blocks until the client gives up; nothing sleeps.
func TestTimeout(t *testing.T) {
	e := newEnv(t, func(o *trigger.Options) { o.Timeout = 50 * time.Millisecond })
	reached := make(chan struct{})
	e.lt.Register("PreAuthentication", lambdatest.Hang(reached))
	wantFault(t, preAuth(e, pool(trigger.V1_0)), fault.UnexpectedLambda,
		"PreAuthentication invocation failed due to error Socket timeout while invoking Lambda function.")
	select {
	case <-reached:
	default:
		t.Fatal("the function was never reached")
	}
}

// TestRetry: a throttle is retried once, a 5xx never.
func TestRetry(t *testing.T) {
	e := newEnv(t)
	n := 0
	e.lt.Register("PreAuthentication", func(_ context.Context, p []byte) ([]byte, error) {
		if n++; n == 1 {
			return nil, &lambdatest.StatusError{Status: http.StatusTooManyRequests, Type: "TooManyRequestsException"}
		}
		return p, nil
	})
	if err := preAuth(e, pool(trigger.V1_0)); err != nil || n != 2 {
		t.Fatalf("throttled once: err %v after %d calls", err, n)
	}
	n = 0
	e.lt.Register("PreAuthentication", func(context.Context, []byte) ([]byte, error) {
		n++
		return nil, &lambdatest.StatusError{Status: http.StatusBadGateway, Type: "ServiceException"}
	})
	wantFault(t, preAuth(e, pool(trigger.V1_0)), fault.UnexpectedLambda, "PreAuthentication invocation failed due to error ServiceException.")
	if n != 1 {
		t.Errorf("a 502 was tried %d times, want 1", n)
	}
}

// TestNoTarget: a configured trigger with neither a Lambda endpoint nor a
// webhook fails (never skipped); an unconfigured one is skipped.
func TestNoTarget(t *testing.T) {
	svc, err := trigger.New(trigger.Options{Invoker: trigger.Router{}})
	if err != nil {
		t.Fatal(err)
	}
	call := trigger.Call{Operation: trigger.OpInitiateAuth}
	err = svc.PreAuthentication(context.Background(), pool(trigger.V1_0), call, trigger.PreAuthenticationInput{Username: "jane"})
	wantFault(t, err, fault.UnexpectedLambda, "PreAuthentication invocation failed due to error AccessDeniedException.")
	if err := svc.PreAuthentication(context.Background(), trigger.Pool{ID: poolID}, call, trigger.PreAuthenticationInput{Username: "jane"}); err != nil {
		t.Fatalf("unconfigured trigger: %v", err)
	}
}

// TestNoCredentials: with no endpoint (AWS itself) and no credentials the
// invoker fails before any request, as AccessDeniedException.
func TestNoCredentials(t *testing.T) {
	inv, err := trigger.NewLambdaInvoker(context.Background(), trigger.LambdaConfig{Credentials: failingCredentials{}})
	if err != nil {
		t.Fatal(err)
	}
	svc, _ := trigger.New(trigger.Options{Invoker: trigger.Router{Lambda: inv}})
	err = svc.PreAuthentication(context.Background(), pool(trigger.V1_0), trigger.Call{Operation: trigger.OpInitiateAuth}, trigger.PreAuthenticationInput{Username: "jane"})
	wantFault(t, err, fault.UnexpectedLambda, "PreAuthentication invocation failed due to error AccessDeniedException.")
}

// TestMetrics counts invocations and latency per trigger.
func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.lt.Register("PreAuthentication", lambdatest.Echo())
	for range 3 {
		if err := preAuth(e, pool(trigger.V1_0)); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.metric(t, "userpoold_trigger_invocations_total", map[string]string{"trigger": "PreAuthentication"}); got != 3 {
		t.Errorf("invocations = %v, want 3", got)
	}
	if n := testutil.CollectAndCount(e.reg, "userpoold_trigger_duration_seconds"); n != 1 {
		t.Errorf("latency series = %d, want 1", n)
	}
	out, _ := testutil.CollectAndLint(e.reg)
	for _, p := range out {
		t.Errorf("metric lint: %s: %s", p.Metric, p.Text)
	}
}

// TestWebhook: a trigger's webhook replaces the Lambda endpoint for that
// trigger; 2xx is the result, non-2xx {"errorMessage"} a function error,
// anything else an invocation failure.
func TestWebhook(t *testing.T) {
	e := newEnv(t)
	hook, err := trigger.NewWebhookInvoker(trigger.WebhookConfig{URL: e.lt.WebhookURL("hooked"), Secret: "s3cret"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, _ := trigger.New(trigger.Options{Invoker: trigger.Router{Webhooks: map[trigger.Name]trigger.Invoker{trigger.PreAuthentication: hook}}})
	e.svc = svc
	e.lt.Register("hooked", lambdatest.Echo())
	if err := preAuth(e, pool(trigger.V1_0)); err != nil {
		t.Fatal(err)
	}
	calls := e.lt.Invocations()
	if len(calls) != 1 || calls[0].Type != "Webhook" {
		t.Fatalf("invocations %+v", calls)
	}
	e.lt.Register("hooked", lambdatest.Typed(func(_ context.Context, ev events.CognitoEventUserPoolsPreAuthentication) (events.CognitoEventUserPoolsPreAuthentication, error) {
		return ev, errors.New("blocked by webhook")
	}))
	wantFault(t, preAuth(e, pool(trigger.V1_0)), fault.UserLambdaValidation, "PreAuthentication failed with error blocked by webhook.")
	e.lt.Register("hooked", func(context.Context, []byte) ([]byte, error) {
		return nil, &lambdatest.StatusError{Status: http.StatusBadGateway, Type: "bad gateway"}
	})
	wantFault(t, preAuth(e, pool(trigger.V1_0)), fault.UnexpectedLambda, "PreAuthentication invocation failed due to error HTTP 502.")
	// Other triggers have no Lambda endpoint in this router.
	err = e.svc.PostAuthentication(context.Background(), pool(trigger.V1_0), trigger.Call{Operation: trigger.OpInitiateAuth}, trigger.PostAuthenticationInput{Username: "jane"})
	wantFault(t, err, fault.UnexpectedLambda, "PostAuthentication invocation failed due to error AccessDeniedException.")
	if _, err := trigger.NewWebhookInvoker(trigger.WebhookConfig{URL: "ftp://x"}, nil); err == nil {
		t.Error("an ftp webhook was accepted")
	}
}

// TestFunctionNames: NameARN sends the full ARN, NameShort the name and
// the qualifier; requests are SigV4-signed for the lambda service.
func TestFunctionNames(t *testing.T) {
	e := newEnv(t)
	e.lt.Register("PreAuthentication", lambdatest.Echo())
	p := pool(trigger.V1_0)
	p.Config.PreAuthentication = arn("PreAuthentication") + ":live"
	for _, c := range []struct {
		mode              trigger.NameMode
		pathName, qualify string
	}{
		{trigger.NameARN, arn("PreAuthentication") + ":live", "live"},
		{trigger.NameShort, "PreAuthentication", "live"},
	} {
		inv, err := trigger.NewLambdaInvoker(context.Background(), trigger.LambdaConfig{Endpoint: e.lt.URL, FunctionName: c.mode, Credentials: staticCreds()})
		if err != nil {
			t.Fatal(err)
		}
		svc, _ := trigger.New(trigger.Options{Invoker: trigger.Router{Lambda: inv}})
		e.lt.Reset()
		if err := svc.PreAuthentication(context.Background(), p, trigger.Call{Operation: trigger.OpInitiateAuth}, trigger.PreAuthenticationInput{Username: "jane"}); err != nil {
			t.Fatal(err)
		}
		got := e.lt.Invocations()[0]
		if got.PathName != c.pathName || got.Qualifier != c.qualify || got.Function != "PreAuthentication" {
			t.Errorf("%s: path %q qualifier %q function %q", c.mode, got.PathName, got.Qualifier, got.Function)
		}
		if !strings.HasPrefix(got.Authorization, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(got.Authorization, "/us-east-1/lambda/aws4_request") {
			t.Errorf("%s: Authorization %q", c.mode, got.Authorization)
		}
	}
	if _, err := trigger.NewLambdaInvoker(context.Background(), trigger.LambdaConfig{FunctionName: "alias"}); err == nil {
		t.Error("unknown name mode accepted")
	}
}

// TestDummyCredentials: with an endpoint and nothing in the standard chain
// the invoker signs with the dummy credentials (sam local and LocalStack
// accept any).
func TestDummyCredentials(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	e := newEnv(t)
	e.lt.Register("PreAuthentication", lambdatest.Echo())
	inv, err := trigger.NewLambdaInvoker(context.Background(), trigger.LambdaConfig{Endpoint: e.lt.URL})
	if err != nil {
		t.Fatal(err)
	}
	svc, _ := trigger.New(trigger.Options{Invoker: trigger.Router{Lambda: inv}})
	if err := svc.PreAuthentication(context.Background(), pool(trigger.V1_0), trigger.Call{Operation: trigger.OpInitiateAuth}, trigger.PreAuthenticationInput{Username: "jane"}); err != nil {
		t.Fatal(err)
	}
	if a := e.lt.Invocations()[0].Authorization; !strings.Contains(a, "Credential="+trigger.DummyAccessKeyID+"/") {
		t.Errorf("Authorization %q", a)
	}
}
