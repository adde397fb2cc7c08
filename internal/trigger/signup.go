package trigger

import (
	"context"
	"errors"
	"fmt"
)

// PreSignUpInput is the sign-up a PreSignUp trigger judges.
type PreSignUpInput struct {
	// Source is PreSignUpSignUp, PreSignUpAdminCreateUser or
	// PreSignUpExternalProvider.
	Source Source
	// Username is the internal username the user will have.
	Username string
	// Attributes are the user's attributes as submitted, values as strings.
	Attributes map[string]string
	// ValidationData is SignUp's/AdminCreateUser's ValidationData; nil is
	// sent as null, as real events show (spec §3.1).
	ValidationData map[string]string
}

// PreSignUpResult is the trigger's decision. The zero value is the default
// behaviour (nothing automatic).
type PreSignUpResult struct {
	AutoConfirmUser bool
	AutoVerifyEmail bool
	AutoVerifyPhone bool
}

type preSignUpRequest struct {
	UserAttributes map[string]string `json:"userAttributes"`
	ValidationData map[string]string `json:"validationData"`
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
}

type preSignUpResponse struct {
	AutoConfirmUser *bool `json:"autoConfirmUser"`
	AutoVerifyEmail *bool `json:"autoVerifyEmail"`
	AutoVerifyPhone *bool `json:"autoVerifyPhone"`
}

// PreSignUp runs the PreSignUp trigger, if configured, before the user is
// written. An error means the sign-up must not happen.
//
// Rules (spec §6.1): the three flags are ignored for
// PreSignUp_AdminCreateUser; autoVerifyEmail/autoVerifyPhone need a
// non-empty email/phone_number among the attributes, otherwise the answer is
// InvalidLambdaResponseException. UNCONFIRMED: that error's type and message
// (spec §12.8).
func (s *Service) PreSignUp(ctx context.Context, pool Pool, call Call, in PreSignUpInput) (PreSignUpResult, error) {
	if in.Source.Trigger() != PreSignUp {
		return PreSignUpResult{}, fmt.Errorf("trigger: %q is not a PreSignUp source", in.Source)
	}
	if !pool.Config.Has(PreSignUp) {
		return PreSignUpResult{}, nil
	}
	cm, _ := routeMetadata(call.Operation, in.Source, call.ClientMetadata)
	f := false
	ev := newEvent(pool, call, in.Source, in.Username,
		preSignUpRequest{UserAttributes: attributes(in.Attributes), ValidationData: in.ValidationData, ClientMetadata: cm},
		preSignUpResponse{AutoConfirmUser: &f, AutoVerifyEmail: &f, AutoVerifyPhone: &f})
	var out preSignUpResponse
	if err := run(ctx, s, pool, Sync, ev, &out); err != nil {
		return PreSignUpResult{}, err
	}
	if in.Source == PreSignUpAdminCreateUser {
		return PreSignUpResult{}, nil
	}
	r := PreSignUpResult{AutoConfirmUser: isTrue(out.AutoConfirmUser), AutoVerifyEmail: isTrue(out.AutoVerifyEmail), AutoVerifyPhone: isTrue(out.AutoVerifyPhone)}
	if r.AutoVerifyEmail && in.Attributes["email"] == "" {
		return PreSignUpResult{}, invalidResponse(MsgUnrecognizable, errors.New("autoVerifyEmail without an email attribute"))
	}
	if r.AutoVerifyPhone && in.Attributes["phone_number"] == "" {
		return PreSignUpResult{}, invalidResponse(MsgUnrecognizable, errors.New("autoVerifyPhone without a phone_number attribute"))
	}
	return r, nil
}

func isTrue(b *bool) bool { return b != nil && *b }

// PostConfirmationInput is a confirmed user.
type PostConfirmationInput struct {
	// Source is PostConfirmationConfirmSignUp (ConfirmSignUp and
	// AdminConfirmSignUp alike) or PostConfirmationConfirmForgotPassword.
	Source     Source
	Username   string
	Attributes map[string]string // including sub and cognito:user_status
}

type attributesRequest struct {
	UserAttributes map[string]string `json:"userAttributes"`
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
}

type emptyResponse struct{}

// PostConfirmation runs the PostConfirmation trigger, if configured. Call
// it after the confirmation is committed: an error is reported to the
// caller, but the confirmation stands (spec §3.2, §6.2). The answer is
// ignored.
func (s *Service) PostConfirmation(ctx context.Context, pool Pool, call Call, in PostConfirmationInput) error {
	if in.Source.Trigger() != PostConfirmation {
		return fmt.Errorf("trigger: %q is not a PostConfirmation source", in.Source)
	}
	if !pool.Config.Has(PostConfirmation) {
		return nil
	}
	cm, _ := routeMetadata(call.Operation, in.Source, call.ClientMetadata)
	ev := newEvent(pool, call, in.Source, in.Username,
		attributesRequest{UserAttributes: attributes(in.Attributes), ClientMetadata: cm}, emptyResponse{})
	return run(ctx, s, pool, Sync, ev, nil)
}
