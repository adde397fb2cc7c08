package trigger

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/userpoold/userpoold/internal/trigger/awscreds"
)

// NameMode selects the FunctionName an invocation puts in the Invoke path
// (POST /2015-03-31/functions/<FunctionName>/invocations).
type NameMode string

const (
	// NameARN sends the full ARN from LambdaConfig, qualifier included.
	// AWS and LocalStack resolve it (spec §10.1). The default.
	NameARN NameMode = "arn"
	// NameShort sends only the function name (the segment after
	// "function:") and the ARN's qualifier as ?Qualifier=. sam local
	// start-lambda resolves template logical IDs, not ARNs (spec §9).
	NameShort NameMode = "name"
)

// DummyAccessKeyID is the access key of the static credentials used for a
// configured endpoint when the standard chain finds none: sam local and
// LocalStack accept any signature.
const DummyAccessKeyID = awscreds.DummyAccessKeyID

// LambdaConfig configures a LambdaInvoker.
type LambdaConfig struct {
	// Endpoint is the Lambda Invoke API base URL, e.g.
	// http://127.0.0.1:3001 (sam local start-lambda) or
	// http://localhost:4566 (LocalStack). Empty means AWS itself: each
	// function's regional endpoint, from its ARN.
	Endpoint string
	// FunctionName selects the path's function name; "" means NameARN.
	FunctionName NameMode
	// Credentials signs requests (SigV4, service "lambda"). Nil means the
	// standard chain (environment, shared files, SSO, web identity,
	// container, and on AWS the instance metadata service). With an
	// Endpoint the instance metadata service is not consulted, and when
	// the chain finds nothing the invoker signs with the Dummy credentials.
	Credentials aws.CredentialsProvider
	// HTTPClient sends the requests; nil means a default client.
	HTTPClient *http.Client
}

// LambdaInvoker invokes functions through the Lambda Invoke API with the
// real Lambda client (aws-sdk-go-v2/service/lambda).
type LambdaInvoker struct {
	client *lambda.Client
	names  NameMode
}

// NewLambdaInvoker builds an invoker. It reads the standard configuration
// sources (environment, shared files) but makes no network call.
func NewLambdaInvoker(ctx context.Context, cfg LambdaConfig) (*LambdaInvoker, error) {
	switch cfg.FunctionName {
	case "":
		cfg.FunctionName = NameARN
	case NameARN, NameShort:
	default:
		return nil, fmt.Errorf("trigger: unknown function name mode %q (want %q or %q)", cfg.FunctionName, NameARN, NameShort)
	}
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("trigger: lambda endpoint %q is not an http(s) URL", cfg.Endpoint)
		}
	}
	creds := cfg.Credentials
	if creds == nil {
		chain, err := awscreds.Chain(ctx, cfg.Endpoint != "")
		if err != nil {
			return nil, fmt.Errorf("trigger: %w", err)
		}
		creds = chain
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	opts := lambda.Options{
		Credentials: aws.NewCredentialsCache(credentialsError{primary: creds}),
		HTTPClient:  httpClient,
		Retryer:     retryer(),
		// The region is set per call from the function's ARN.
		Region: "us-east-1",
	}
	if cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.Endpoint)
	}
	return &LambdaInvoker{client: lambda.New(opts), names: cfg.FunctionName}, nil
}

// retryer retries once, after a short pause, on a connection error or a
// throttle (429), never on a 5xx: spec §10.3 ("Retry once, on a transport
// error or 429 only. Never retry 5xx"). UNCONFIRMED: Cognito's own policy
// (spec §12.3).
func retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 2
		o.RateLimiter = ratelimit.None
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 50 * time.Millisecond, nil })
		o.Retryables = []retry.IsErrorRetryable{
			retry.RetryableConnectionError{},
			retry.RetryableErrorCode{Codes: map[string]struct{}{"TooManyRequestsException": {}}},
			retry.RetryableHTTPStatusCode{Codes: map[int]struct{}{http.StatusTooManyRequests: {}}},
		}
	})
}

// Invoke calls the function of t.ARN.
func (l *LambdaInvoker) Invoke(ctx context.Context, t Target, mode Mode, event []byte) ([]byte, error) {
	arn, err := ParseFunctionARN(t.ARN)
	if err != nil {
		return nil, &InvocationError{Detail: "ResourceNotFoundException", Err: err}
	}
	in := &lambda.InvokeInput{FunctionName: aws.String(t.ARN), Payload: event, InvocationType: types.InvocationTypeRequestResponse}
	if mode == Async {
		in.InvocationType = types.InvocationTypeEvent
	}
	if l.names == NameShort {
		in.FunctionName = aws.String(arn.Name)
		if arn.Qualifier != "" {
			in.Qualifier = aws.String(arn.Qualifier)
		}
	}
	out, err := l.client.Invoke(ctx, in, func(o *lambda.Options) { o.Region = arn.Region })
	if err != nil {
		return nil, lambdaError(ctx, err)
	}
	if out.FunctionError != nil {
		return nil, functionErrorFromPayload(out.Payload)
	}
	if mode == Async {
		return nil, nil
	}
	return out.Payload, nil
}

// lambdaError turns a Lambda client error into an InvocationError whose
// detail is the service's error code where there is one.
func lambdaError(ctx context.Context, err error) error {
	var api smithy.APIError
	var netErr net.Error
	switch {
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		return &InvocationError{Detail: DetailTimeout, Err: err}
	case errors.As(err, &api) && api.ErrorCode() != "":
		return &InvocationError{Detail: api.ErrorCode(), Err: err}
	case errors.As(err, new(*noCredentialsError)):
		return &InvocationError{Detail: DetailAccessDenied, Err: err}
	}
	return &InvocationError{Detail: DetailUnreachable, Err: err}
}

// credentialsError marks a failure to find credentials, so that it is
// reported as AccessDeniedException (a function Cognito may not invoke)
// rather than as a transport failure.
type credentialsError struct{ primary aws.CredentialsProvider }

type noCredentialsError struct{ err error }

func (e *noCredentialsError) Error() string { return "no AWS credentials: " + e.err.Error() }
func (e *noCredentialsError) Unwrap() error { return e.err }

func (c credentialsError) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if c.primary == nil {
		return aws.Credentials{}, &noCredentialsError{err: errors.New("none configured")}
	}
	creds, err := c.primary.Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, &noCredentialsError{err: err}
	}
	return creds, nil
}
