package trigger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/userpoold/userpoold/internal/fault"
)

// Timeout is how long Cognito waits for a synchronous trigger; it cannot
// be changed on AWS (spec §3).
const Timeout = 5 * time.Second

// Envelope values (spec §3.1).
const (
	// ClientIDNotApplicable is callerContext.clientId where there is no app
	// client (AdminCreateUser).
	ClientIDNotApplicable = "CLIENT_ID_NOT_APPLICABLE"
	// UnknownSDKVersion is callerContext.awsSdkVersion when the caller's
	// User-Agent does not name an AWS SDK.
	UnknownSDKVersion = "aws-sdk-unknown-unknown"
)

// Messages of InvalidLambdaResponseException (spec §3.2).
const (
	MsgInvalidJSON      = "Invalid lambda function output : Invalid JSON"
	MsgUnrecognizable   = "Unrecognizable lambda output"
	msgFunctionError    = "%s failed with error %s."
	msgInvocationFailed = "%s invocation failed due to error %s."
)

// Call is the API call a trigger fires in: the operation, the app client,
// the caller's SDK and the ClientMetadata of the request. The same Call is
// passed to every trigger of the operation; the package decides which
// trigger sees the metadata (clientMetadataRoutes).
type Call struct {
	Operation Operation
	// ClientID is the app client; empty means CLIENT_ID_NOT_APPLICABLE.
	ClientID string
	// SDKVersion is callerContext.awsSdkVersion (see SDKVersion); empty
	// means UnknownSDKVersion.
	SDKVersion     string
	ClientMetadata map[string]string
}

func (c Call) caller() callerContext {
	cc := callerContext{AWSSDKVersion: c.SDKVersion, ClientID: c.ClientID}
	if cc.AWSSDKVersion == "" {
		cc.AWSSDKVersion = UnknownSDKVersion
	}
	if cc.ClientID == "" {
		cc.ClientID = ClientIDNotApplicable
	}
	return cc
}

// SDKVersion derives callerContext.awsSdkVersion from a User-Agent: the
// first "aws-sdk-<lang>/<version>" product becomes
// "aws-sdk-<lang>-<version>" (as in the logged "aws-sdk-js-2.1639.0" and
// "aws-sdk-java-2.20.43"); anything else is UnknownSDKVersion.
// UNCONFIRMED: the mapping Cognito uses (spec §3.1, §12.12).
func SDKVersion(userAgent string) string {
	for _, product := range strings.Fields(userAgent) {
		name, version, ok := strings.Cut(product, "/")
		if ok && strings.HasPrefix(name, "aws-sdk-") && version != "" && !strings.ContainsAny(version, "/#") {
			return name + "-" + version
		}
	}
	return UnknownSDKVersion
}

// Options configure a Service.
type Options struct {
	// Invoker reaches the functions (usually a Router); required.
	Invoker Invoker
	// Encrypter encrypts custom-sender codes; nil is the plain-text mode
	// (no KMS endpoint configured): the code is sent as it is.
	Encrypter CodeEncrypter
	// Registerer receives the metrics; nil leaves them unregistered.
	Registerer prometheus.Registerer
	// Logger records invocation failures (never payloads); nil discards.
	Logger *slog.Logger
	// Timeout bounds each synchronous invocation; 0 means Timeout (5 s).
	Timeout time.Duration
}

// Service runs a pool's triggers. It is safe for concurrent use.
type Service struct {
	invoker   Invoker
	encrypter CodeEncrypter
	metrics   *Metrics
	log       *slog.Logger
	timeout   time.Duration
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Invoker == nil {
		return nil, errors.New("trigger: Options.Invoker is required")
	}
	m, err := NewMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Service{invoker: o.Invoker, encrypter: o.Encrypter, metrics: m, log: o.Logger, timeout: o.Timeout}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.timeout <= 0 {
		s.timeout = Timeout
	}
	return s, nil
}

// callerContext is the envelope's callerContext.
type callerContext struct {
	AWSSDKVersion string `json:"awsSdkVersion"`
	ClientID      string `json:"clientId"`
}

// event is the common envelope of spec §3.1, members in Cognito's order.
type event[Req, Resp any] struct {
	Version       string        `json:"version"`
	TriggerSource Source        `json:"triggerSource"`
	Region        string        `json:"region"`
	UserPoolID    string        `json:"userPoolId"`
	UserName      string        `json:"userName"`
	CallerContext callerContext `json:"callerContext"`
	Request       Req           `json:"request"`
	Response      Resp          `json:"response"`
}

func newEvent[Req, Resp any](pool Pool, call Call, source Source, userName string, req Req, resp Resp) event[Req, Resp] {
	return event[Req, Resp]{
		Version: "1", TriggerSource: source, Region: pool.region(), UserPoolID: pool.ID,
		UserName: userName, CallerContext: call.caller(), Request: req, Response: resp,
	}
}

// run invokes the trigger of ev's source with ev and decodes the answer's
// "response" member into out (nil for triggers whose answer is ignored;
// unused for Async). Errors are *fault.Error values of spec §3.2.
func run[Req, Resp any](ctx context.Context, s *Service, pool Pool, mode Mode, ev event[Req, Resp], out any) error {
	name := ev.TriggerSource.Trigger()
	t := Target{Trigger: name, ARN: pool.Config.Function(name)}
	payload, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("trigger: encode %s event: %w", ev.TriggerSource, err)
	}
	start := time.Now()
	ictx, cancel := context.WithTimeout(ctx, s.timeout)
	answer, err := s.invoker.Invoke(ictx, t, mode, payload)
	cancel()
	if err != nil {
		err = invocationError(ictx, err)
		var fe *FunctionError
		if errors.As(err, &fe) {
			s.metrics.observe(name, start, errorFunction)
			return fault.Wrap(fault.UserLambdaValidation, fmt.Sprintf(msgFunctionError, name, fe.Message), err)
		}
		var ie *InvocationError
		errors.As(err, &ie)
		s.metrics.observe(name, start, errorInvocation)
		s.log.WarnContext(ctx, "trigger invocation failed", "trigger", name, "source", ev.TriggerSource, "pool", pool.ID, "err", err)
		return faultWrapUnexpected(name, ie)
	}
	if mode == Async {
		s.metrics.observe(name, start, "")
		return nil
	}
	if out == nil {
		// The answer is ignored, but it must still be the returned event:
		// a PostConfirmation function answering null fails with "Invalid
		// JSON" although the confirmation stands (spec §3.2).
		out = new(json.RawMessage)
	}
	if err := decodeResponse(answer, out); err != nil {
		s.metrics.observe(name, start, errorResponse)
		s.log.WarnContext(ctx, "trigger answer unusable", "trigger", name, "source", ev.TriggerSource, "pool", pool.ID, "err", err)
		return err
	}
	s.metrics.observe(name, start, "")
	return nil
}

// invalidResponse is an InvalidLambdaResponseException.
func invalidResponse(msg string, cause error) error {
	return fault.Wrap(fault.InvalidLambdaResponse, msg, cause)
}

// decodeResponse reads the "response" member of a function's answer into
// out. The answer must be a JSON object (the returned event); anything else
// that is not JSON, or null, is "Invalid JSON"; JSON of another shape, or a
// response member whose values have the wrong types, is "Unrecognizable
// lambda output" (spec §3.2, §10.4). A missing or null response leaves out
// as it is: an unchanged event means default behaviour (spec §3).
func decodeResponse(answer []byte, out any) error {
	answer = bytes.TrimSpace(answer)
	if len(answer) == 0 || !json.Valid(answer) || bytes.Equal(answer, []byte("null")) {
		return invalidResponse(MsgInvalidJSON, errors.New("answer is not JSON"))
	}
	var whole map[string]json.RawMessage
	if err := json.Unmarshal(answer, &whole); err != nil {
		return invalidResponse(MsgUnrecognizable, fmt.Errorf("answer is not an object: %w", err))
	}
	resp, ok := whole["response"]
	if !ok || bytes.Equal(resp, []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return invalidResponse(MsgUnrecognizable, fmt.Errorf("response: %w", err))
	}
	return nil
}

// attributes returns m, or an empty map (userAttributes is always an object).
func attributes(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func faultWrapUnexpected(name Name, ie *InvocationError) error {
	return fault.Wrap(fault.UnexpectedLambda, fmt.Sprintf(msgInvocationFailed, name, ie.Detail), ie)
}

// kmsDetail is the AWS error code of a KMS failure, or "KMS unavailable".
func kmsDetail(err error) string {
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) && coded.ErrorCode() != "" {
		return coded.ErrorCode()
	}
	return "KMS unavailable"
}
