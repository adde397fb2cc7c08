package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Target is the function an invocation reaches.
type Target struct {
	Trigger Name
	// ARN is the function ARN from the pool's LambdaConfig.
	ARN string
}

// Mode is how a function is invoked.
type Mode int

const (
	// Sync is InvocationType RequestResponse: the answer is the result.
	Sync Mode = iota
	// Async is InvocationType Event: the function runs later and its answer
	// is not read (custom senders, spec §10.5).
	Async
)

// Invoker sends an event to a function and returns the function's output.
//
// Invoke returns the output payload of a Sync call (nil for Async). When
// the function itself failed it returns a *FunctionError; any other error
// means the function could not be invoked or did not answer in time.
// Implementations must honour ctx's deadline.
type Invoker interface {
	Invoke(ctx context.Context, t Target, mode Mode, event []byte) ([]byte, error)
}

// FunctionError is a function that ran and failed: Lambda's
// X-Amz-Function-Error answer, or a webhook's non-2xx
// {"errorMessage": ...} answer.
type FunctionError struct {
	Type    string // errorType, e.g. "Error"; may be empty
	Message string // errorMessage
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("function error %s: %s", e.Type, e.Message)
}

// functionErrorFromPayload decodes Lambda's error payload
// {"errorType","errorMessage","stackTrace"}. A payload without an
// errorMessage string yields the whole payload as the message, as the
// Lambda runtime API allows any JSON error document.
func functionErrorFromPayload(payload []byte) *FunctionError {
	var p struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if err := json.Unmarshal(payload, &p); err != nil || p.ErrorMessage == "" {
		return &FunctionError{Type: p.ErrorType, Message: string(payload)}
	}
	return &FunctionError{Type: p.ErrorType, Message: p.ErrorMessage}
}

// InvocationError is a function that could not be invoked: no target,
// transport failure, Lambda service error, or the deadline.
type InvocationError struct {
	// Detail is what follows "invocation failed due to error " in the
	// Cognito message: an AWS error code such as "AccessDeniedException",
	// or DetailTimeout.
	Detail string
	Err    error // the cause, logged, never sent
}

func (e *InvocationError) Error() string {
	if e.Err != nil {
		return "invocation failed: " + e.Detail + ": " + e.Err.Error()
	}
	return "invocation failed: " + e.Detail
}

func (e *InvocationError) Unwrap() error { return e.Err }

// Details of InvocationError.
const (
	// DetailTimeout is Cognito's text for a function that did not answer
	// within the 5-second limit (spec §3.2:
	// "PostAuthentication invocation failed due to error Socket timeout
	// while invoking Lambda function.").
	DetailTimeout = "Socket timeout while invoking Lambda function"
	// DetailUnreachable is used for transport failures other than the
	// deadline (connection refused, DNS). UNCONFIRMED: AWS's wording for
	// these was not found; Cognito itself reaches Lambda over AWS's network.
	DetailUnreachable = "Unable to reach Lambda function"
	// DetailAccessDenied is used when no Lambda target or credentials are
	// configured for a trigger: on AWS the equivalent is a function Cognito
	// may not invoke ("PreTokenGeneration invocation failed due to error
	// AccessDeniedException", spec §3.2). UNCONFIRMED: the type for
	// permission errors (spec §12.4).
	DetailAccessDenied = "AccessDeniedException"
)

// invocationError classifies err from an Invoker as an InvocationError,
// leaving FunctionErrors and existing InvocationErrors as they are.
func invocationError(ctx context.Context, err error) error {
	var fe *FunctionError
	var ie *InvocationError
	switch {
	case errors.As(err, &fe), errors.As(err, &ie):
		return err
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return &InvocationError{Detail: DetailTimeout, Err: err}
	}
	return &InvocationError{Detail: DetailUnreachable, Err: err}
}
