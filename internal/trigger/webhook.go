package trigger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/userpoold/userpoold/internal/delivery"
)

// Webhook headers.
const (
	// HeaderTrigger names the trigger of a webhook POST.
	HeaderTrigger = "X-Userpoold-Trigger"
	// HeaderFunctionARN carries the function ARN from the pool's LambdaConfig.
	HeaderFunctionARN = "X-Userpoold-Function-Arn"
	// HeaderInvocationType is "RequestResponse" or "Event", as in Lambda.
	HeaderInvocationType = "X-Amz-Invocation-Type"
)

// maxPayload bounds a function's answer: Lambda's synchronous payload quota
// is 6 MB each way (spec §11).
const maxPayload = 6 << 20

// WebhookConfig is one trigger's HTTP webhook.
type WebhookConfig struct {
	// URL receives the event as a POST with a JSON body.
	URL string
	// Secret, when set, signs the body into delivery.SignatureHeader
	// ("sha256=" + hex HMAC-SHA256), as the delivery webhooks do, so a
	// receiver can use delivery.VerifySignature.
	Secret string // secret
}

// WebhookInvoker posts events to an HTTP endpoint for people with no Lambda
// runtime: a 2xx JSON body is the result; a non-2xx body
// {"errorMessage": ...} is a function error; anything else is an invocation
// failure.
type WebhookInvoker struct {
	cfg    WebhookConfig
	client *http.Client
}

// NewWebhookInvoker checks cfg and returns its invoker; client nil means a
// default client (the deadline comes from the call's context).
func NewWebhookInvoker(cfg WebhookConfig, client *http.Client) (*WebhookInvoker, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("trigger: webhook %q is not an http(s) URL", RedactURL(cfg.URL))
	}
	if client == nil {
		client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	return &WebhookInvoker{cfg: cfg, client: client}, nil
}

// Invoke posts event.
func (w *WebhookInvoker) Invoke(ctx context.Context, t Target, mode Mode, event []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(event))
	if err != nil {
		return nil, &InvocationError{Detail: DetailUnreachable, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTrigger, string(t.Trigger))
	req.Header.Set(HeaderFunctionARN, t.ARN)
	if mode == Async {
		req.Header.Set(HeaderInvocationType, "Event")
	} else {
		req.Header.Set(HeaderInvocationType, "RequestResponse")
	}
	if w.cfg.Secret != "" {
		req.Header.Set(delivery.SignatureHeader, delivery.Sign(w.cfg.Secret, event))
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, invocationError(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPayload+1))
	if err != nil {
		return nil, invocationError(ctx, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var p struct {
			ErrorType    string  `json:"errorType"`
			ErrorMessage *string `json:"errorMessage"`
		}
		if json.Unmarshal(body, &p) == nil && p.ErrorMessage != nil {
			return nil, &FunctionError{Type: p.ErrorType, Message: *p.ErrorMessage}
		}
		return nil, &InvocationError{Detail: fmt.Sprintf("HTTP %d", resp.StatusCode),
			Err: fmt.Errorf("webhook %s answered %s", RedactURL(w.cfg.URL), resp.Status)}
	}
	if len(body) > maxPayload {
		return nil, &InvocationError{Detail: "RequestTooLargeException", Err: fmt.Errorf("webhook answer over %d bytes", maxPayload)}
	}
	if mode == Async {
		return nil, nil
	}
	return body, nil
}

// RedactURL drops the user info, query and fragment of u (webhook URLs
// may carry tokens) for logs and errors.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(invalid URL)"
	}
	p.User = nil
	p.RawQuery = ""
	p.Fragment = ""
	return p.String()
}

// Router picks the invoker of each trigger: the trigger's webhook when one
// is configured, else the Lambda invoker, else none. A configured trigger
// with no invoker fails as AWS fails a function Cognito may not invoke
// (UnexpectedLambdaException, DetailAccessDenied): never silently skipped.
type Router struct {
	// Lambda invokes every trigger without a webhook; nil means no Lambda
	// endpoint (and no AWS) is configured.
	Lambda Invoker
	// Webhooks are per trigger.
	Webhooks map[Name]Invoker
}

// Invoke routes the call.
func (r Router) Invoke(ctx context.Context, t Target, mode Mode, event []byte) ([]byte, error) {
	if w, ok := r.Webhooks[t.Trigger]; ok && w != nil {
		return w.Invoke(ctx, t, mode, event)
	}
	if r.Lambda != nil {
		return r.Lambda.Invoke(ctx, t, mode, event)
	}
	return nil, &InvocationError{Detail: DetailAccessDenied, Err: fmt.Errorf("no Lambda endpoint or webhook is configured for %s", t.Trigger)}
}
