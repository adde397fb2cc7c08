package authflow

import (
	"context"
	"slices"

	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file is where sign-in meets the pool's Lambda triggers (spec
// cognito-triggers-import.md §4, §6.3–6.6): the interface sign-in declares
// for them, the envelope values every event of a sign-in shares, and the
// pre and post authentication calls. The call sites:
//
//   - PreAuthentication: after the user is loaded and before the password
//     is checked, in every password flow (passwordAuth, answerPasswordVerifier
//     for SRP, USER_AUTH's PASSWORD factors, the hosted pages) and at the
//     start of CUSTOM_AUTH (customauth.go); for an unknown user only when
//     the client hides user existence (request.userNotFound).
//   - PostAuthentication: in finish (next.go), before tokens.
//   - UserMigration_Authentication: passwordAuth, where the user is not
//     found (userpool.Migrate runs the trigger and creates the user).
//   - PreTokenGeneration: in issue (tokens.go), between building the claims
//     and signing them, with the source of the tokens (issueOptions.source).
//   - Define/Create/VerifyAuthChallenge: CUSTOM_AUTH (customauth.go).

// Triggers runs a pool's Lambda triggers for sign-in; *trigger.Service
// implements it. A nil Service.Triggers means no triggers: a pool that
// configures one then behaves as if it did not, except CUSTOM_AUTH, which
// answers that its trigger is not configured.
type Triggers interface {
	PreAuthentication(ctx context.Context, pool trigger.Pool, call trigger.Call, in trigger.PreAuthenticationInput) error
	PostAuthentication(ctx context.Context, pool trigger.Pool, call trigger.Call, in trigger.PostAuthenticationInput) error
	PreTokenGeneration(ctx context.Context, pool trigger.Pool, call trigger.Call, in trigger.PreTokenInput) (trigger.TokenEdits, error)
	StartCustomAuth(ctx context.Context, pool trigger.Pool, call trigger.Call, user trigger.CustomAuthUser, srpA bool) (trigger.Step, error)
	AnswerCustomChallenge(ctx context.Context, pool trigger.Pool, call trigger.Call, user trigger.CustomAuthUser, st trigger.CustomAuthState, answer string) (trigger.Step, error)
	ContinueCustomAuth(ctx context.Context, pool trigger.Pool, call trigger.Call, user trigger.CustomAuthUser, st trigger.CustomAuthState, passed bool) (trigger.Step, error)
}

// hasTrigger reports whether pool configures trigger n and the Service can
// run it.
func (s *Service) hasTrigger(pool *userpool.Pool, n trigger.Name) bool {
	return s.Triggers != nil && pool.TriggerPool().Config.Has(n)
}

// operation is the API operation a sign-in request is: it decides which
// triggers see the request's ClientMetadata (trigger's table).
func operation(admin, respond bool, flow Flow) trigger.Operation {
	switch {
	case flow == FlowHostedPassword:
		return trigger.OpHostedUI
	case respond && admin:
		return trigger.OpAdminRespondToAuthChallenge
	case respond:
		return trigger.OpRespondToAuthChallenge
	case admin:
		return trigger.OpAdminInitiateAuth
	}
	return trigger.OpInitiateAuth
}

// call is the trigger.Call of the request sc is handling.
func (sc *signIn) call() trigger.Call {
	return trigger.Call{
		Operation:      operation(sc.admin, sc.respond, sc.state.Flow),
		ClientID:       sc.client.ID,
		SDKVersion:     trigger.SDKVersion(sc.context.UserAgent),
		ClientMetadata: sc.metadata,
	}
}

// eventAttributes are a user's attributes as trigger events carry them
// (spec §3.1): every attribute as a string, plus cognito:user_status and,
// for an email address or phone number the user can sign in with (a
// verified alias), cognito:email_alias / cognito:phone_number_alias.
func eventAttributes(pool *userpool.Pool, u storage.User) map[string]string {
	out := userpool.EventAttributes(u)
	for _, attr := range []string{"email", "phone_number"} {
		v, ok := out[attr]
		if ok && v != "" && slices.Contains(pool.Settings.AliasAttributes, attr) && out[attr+"_verified"] == "true" {
			out["cognito:"+attr+"_alias"] = v
		}
	}
	return out
}

// preAuthentication runs the PreAuthentication trigger for user u (before
// its password or first challenge is checked). A function error rejects
// the sign-in.
func (s *Service) preAuthentication(ctx context.Context, sc *signIn, u storage.User) error {
	if !s.hasTrigger(sc.pool, trigger.PreAuthentication) {
		return nil
	}
	return s.Triggers.PreAuthentication(ctx, sc.pool.TriggerPool(), sc.call(), trigger.PreAuthenticationInput{
		Username:                   u.Username,
		Attributes:                 eventAttributes(sc.pool, u),
		PreventUserExistenceErrors: sc.client.Settings.HidesUserExistence(),
	})
}

// preAuthenticationUnknown runs the PreAuthentication trigger for a name
// that is nobody, which Cognito does only when the client hides user
// existence (request.userNotFound true; spec §4 ordering). The caller then
// fails the sign-in as usual.
func (s *Service) preAuthenticationUnknown(ctx context.Context, sc *signIn, typed string) error {
	if !sc.client.Settings.HidesUserExistence() || !s.hasTrigger(sc.pool, trigger.PreAuthentication) {
		return nil
	}
	return s.Triggers.PreAuthentication(ctx, sc.pool.TriggerPool(), sc.call(), trigger.PreAuthenticationInput{
		Username: typed, Attributes: map[string]string{}, PreventUserExistenceErrors: true, UserNotFound: true,
	})
}

// postAuthentication runs the PostAuthentication trigger of a sign-in that
// succeeded, before its tokens. newDevice reports a sign-in that will get
// NewDeviceMetadata.
func (s *Service) postAuthentication(ctx context.Context, sc *signIn, newDevice bool) error {
	if !s.hasTrigger(sc.pool, trigger.PostAuthentication) {
		return nil
	}
	return s.Triggers.PostAuthentication(ctx, sc.pool.TriggerPool(), sc.call(), trigger.PostAuthenticationInput{
		Username: sc.user.Username, Attributes: eventAttributes(sc.pool, sc.user), NewDeviceUsed: newDevice,
	})
}
