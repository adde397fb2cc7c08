package trigger

import "context"

// PreAuthenticationInput is a sign-in about to check its password.
type PreAuthenticationInput struct {
	// Username is the internal username, or the name as typed when the user
	// does not exist.
	Username   string
	Attributes map[string]string // including sub and cognito:user_status
	// PreventUserExistenceErrors is the app client's setting; only then is
	// request.userNotFound sent (spec §6.3).
	PreventUserExistenceErrors bool
	// UserNotFound reports that no such user exists.
	UserNotFound bool
}

type preAuthenticationRequest struct {
	UserAttributes map[string]string `json:"userAttributes"`
	ValidationData map[string]string `json:"validationData"`
	UserNotFound   *bool             `json:"userNotFound,omitempty"`
}

// userNotFound is the optional request.userNotFound member.
func userNotFound(prevent, notFound bool) *bool {
	if !prevent {
		return nil
	}
	return &notFound
}

// PreAuthentication runs the PreAuthentication trigger, if configured. It
// runs before the password check, so also on a wrong password and, with
// PreventUserExistenceErrors, for an unknown user (spec §4 ordering). An
// error rejects the sign-in; UNCONFIRMED: the type is
// UserLambdaValidationException, as a spike against AWS recorded (spec
// §3.2, §12.5). The InitiateAuth ClientMetadata arrives as
// request.validationData (null when there is none; UNCONFIRMED, §12.12).
func (s *Service) PreAuthentication(ctx context.Context, pool Pool, call Call, in PreAuthenticationInput) error {
	if !pool.Config.Has(PreAuthentication) {
		return nil
	}
	_, vd := routeMetadata(call.Operation, PreAuthenticationAuthentication, call.ClientMetadata)
	ev := newEvent(pool, call, PreAuthenticationAuthentication, in.Username,
		preAuthenticationRequest{
			UserAttributes: attributes(in.Attributes), ValidationData: vd,
			UserNotFound: userNotFound(in.PreventUserExistenceErrors, in.UserNotFound),
		}, emptyResponse{})
	return run(ctx, s, pool, Sync, ev, nil)
}

// PostAuthenticationInput is a successful sign-in.
type PostAuthenticationInput struct {
	Username   string
	Attributes map[string]string
	// NewDeviceUsed reports a sign-in from a device not seen before; it is
	// meaningful only with device tracking "Always" or "User Opt-In".
	NewDeviceUsed bool
}

type postAuthenticationRequest struct {
	NewDeviceUsed  bool              `json:"newDeviceUsed"`
	UserAttributes map[string]string `json:"userAttributes"`
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
}

// PostAuthentication runs the PostAuthentication trigger, if configured,
// after the sign-in succeeded and before tokens are returned. Its answer is
// ignored; an error is returned to the caller.
func (s *Service) PostAuthentication(ctx context.Context, pool Pool, call Call, in PostAuthenticationInput) error {
	if !pool.Config.Has(PostAuthentication) {
		return nil
	}
	cm, _ := routeMetadata(call.Operation, PostAuthenticationAuthentication, call.ClientMetadata)
	ev := newEvent(pool, call, PostAuthenticationAuthentication, in.Username,
		postAuthenticationRequest{NewDeviceUsed: in.NewDeviceUsed, UserAttributes: attributes(in.Attributes), ClientMetadata: cm},
		emptyResponse{})
	return run(ctx, s, pool, Sync, ev, nil)
}
