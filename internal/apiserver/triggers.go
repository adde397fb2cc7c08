package apiserver

import (
	"context"
	"encoding/json"

	"github.com/userpoold/userpoold/internal/awsjson"
	"github.com/userpoold/userpoold/internal/trigger"
)

// triggerOperations are the operations that carry ClientMetadata (spec
// §4.1): the ones whose triggers may receive it.
var triggerOperations = map[string]trigger.Operation{}

func init() {
	for _, op := range []trigger.Operation{
		trigger.OpAdminConfirmSignUp, trigger.OpAdminCreateUser, trigger.OpAdminInitiateAuth,
		trigger.OpAdminResetUserPassword, trigger.OpAdminRespondToAuthChallenge, trigger.OpAdminUpdateUserAttributes,
		trigger.OpConfirmForgotPassword, trigger.OpConfirmSignUp, trigger.OpForgotPassword,
		trigger.OpGetTokensFromRefreshToken, trigger.OpGetUserAttributeVerificationCode, trigger.OpInitiateAuth,
		trigger.OpResendConfirmationCode, trigger.OpRespondToAuthChallenge, trigger.OpSignUp, trigger.OpUpdateUserAttributes,
	} {
		triggerOperations[string(op)] = op
	}
}

// withTriggerCall returns ctx carrying the trigger.Call of an operation
// (trigger.WithCall): the operation, the SDK named by the User-Agent, and
// for the operations of triggerOperations the request's ClientId and
// ClientMetadata. Triggers fired deep inside the operation (a code sent, a
// user created) build their events from it.
func withTriggerCall(ctx context.Context, operation string, body []byte) context.Context {
	call := trigger.Call{Operation: trigger.Operation(operation), SDKVersion: trigger.SDKVersion(awsjson.Info(ctx).Header.Get("User-Agent"))}
	if _, ok := triggerOperations[operation]; ok {
		var in struct {
			ClientId       string
			ClientMetadata map[string]string
		}
		// The body has been decoded into the operation's input already; a
		// failure here only leaves the members out.
		if json.Unmarshal(body, &in) == nil {
			call.ClientID, call.ClientMetadata = in.ClientId, in.ClientMetadata
		}
	}
	return trigger.WithCall(ctx, call)
}
