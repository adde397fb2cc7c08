package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/userpoold/userpoold/internal/authflow"
	"github.com/userpoold/userpoold/internal/awsjson"
	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/userpool"
)

// Server implements cognitoidp.Operations. It converts wire shapes to the
// domain services' values and back; the rules live in the services.
// Operations not implemented yet answer UnsupportedOperationException
// naming themselves (from the embedded cognitoidp.Unimplemented).
type Server struct {
	cognitoidp.Unimplemented

	// Pools runs the pool, app client and user lifecycle.
	Pools *userpool.Service
	// Auth runs sign-in, sessions and token refresh (auth.go).
	Auth *authflow.Service
	// MFA runs the users' MFA settings and software tokens (mfa.go).
	MFA *mfa.Service
	// Imports runs CSV user import jobs (imports.go); nil answers their
	// operations UnsupportedOperationException.
	Imports ImportJobs
	// Limits reads and sets provisioned request rates (limits.go); nil
	// answers their operations UnsupportedOperationException.
	Limits ProvisionedLimits
	// UILogoURL is the URL the server serves a UI customization's logo at
	// (GetUICustomization's ImageUrl); nil leaves ImageUrl out.
	UILogoURL func(poolID, clientID, version string) string
}

// Endpoint adapts op to the awsjson runtime: it decodes the body into the
// operation's input, validates it against the model, calls the operation on
// ops and maps domain errors to Cognito exceptions.
func Endpoint(ops cognitoidp.Operations, op *cognitoidp.Operation) awsjson.Endpoint {
	return func(ctx context.Context, body []byte) (any, error) {
		in := op.NewInput()
		if err := json.Unmarshal(body, in); err != nil {
			return nil, awsjson.SerializationError(serializationDetail(err))
		}
		if err := in.Validate(); err != nil {
			return nil, err
		}
		ctx = withTriggerCall(ctx, op.Name, body)
		out, err := op.Invoke(ctx, ops, in)
		if err != nil {
			return nil, mapError(err)
		}
		return out, nil
	}
}

// serializationDetail describes a decoding error without echoing values.
func serializationDetail(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("Unexpected value type for member %s: expected %s.", te.Field, te.Type)
	}
	return "The request body could not be read as the operation's input."
}

func str(p *string) string { return cognitoidp.ToValue(p) }

func ptr[T any](v T) *T { return &v }
