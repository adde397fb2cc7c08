package authflow

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/userpool"
)

// advance decides what follows a completed step of sign-in and returns it:
// the next challenge (with a new session) or the tokens. It is the one place
// that orders the steps; see the package documentation.
func (s *Service) advance(ctx context.Context, sc *signIn) (*Result, error) {
	// USER_AUTH: until a first factor is proven, its choice
	// (SELECT_CHALLENGE or the preferred factor; userauth.go). Every
	// other flow starts here with the password already verified.
	if res, err := s.firstFactorStep(ctx, sc); res != nil || err != nil {
		return res, err
	}
	// CUSTOM_AUTH: until DefineAuthChallenge issues tokens, its rounds
	// (customauth.go). MFA then follows only a verified password.
	if res, err := s.customStep(ctx, sc); res != nil || err != nil {
		return res, err
	}

	// 0. Once, right after the password: the DEVICE_KEY the client sent
	// must name one of the user's devices (devices.go), and threat
	// protection assesses the sign-in (risk.go), which may block it.
	if err := s.deviceLookup(ctx, sc); err != nil {
		return nil, err
	}
	if err := s.spendBlock(ctx, sc); err != nil { // srp.go
		return nil, err
	}
	if err := s.riskStep(ctx, sc); err != nil {
		return nil, err
	}

	// 1. A temporary password must be replaced first (spec §7.2: before any
	// MFA).
	if sc.user.Status == userpool.StatusForceChangePassword && !sc.state.done(stepNewPassword) {
		return s.challenge(ctx, sc, ChallengeNewPassword, newPasswordParameters(sc.pool, sc.user))
	}

	// 2. A remembered device that replaces MFA authenticates now
	// (DEVICE_SRP_AUTH; devices.go has the ordering rules).
	if res, err := s.deviceStep(ctx, sc, true); res != nil || err != nil {
		return res, err
	}

	// 3. MFA (spec §7.3; mfa.go), then any MFA threat protection asks for.
	if res, err := s.mfaStep(ctx, sc); res != nil || err != nil {
		return res, err
	}
	if res, err := s.riskMFAStep(ctx, sc); res != nil || err != nil {
		return res, err
	}

	// 4. Any other known device authenticates after MFA.
	if res, err := s.deviceStep(ctx, sc, false); res != nil || err != nil {
		return res, err
	}

	// 5. Tokens (and NewDeviceMetadata).
	return s.finish(ctx, sc)
}

// challenge spends the session being answered (if any) and issues challenge
// name with params and a new session holding sc's state.
func (s *Service) challenge(ctx context.Context, sc *signIn, name ChallengeName, params map[string]string) (*Result, error) {
	if err := s.spend(ctx, sc); err != nil {
		return nil, err
	}
	noteChallenge(sc, name)
	sc.state.Challenge = name
	session, err := s.newSession(ctx, sc)
	if err != nil {
		return nil, err
	}
	return &Result{Challenge: name, Parameters: params, Session: session}, nil
}

// finish ends a sign-in: it spends the session being answered (if any),
// resets the user's failure count (lockout.go), marks the sign-in's auth
// event Pass, and issues tokens bound to the sign-in's device (a new one, in
// NewDeviceMetadata, when it had none).
func (s *Service) finish(ctx context.Context, sc *signIn) (*Result, error) {
	if err := s.spend(ctx, sc); err != nil {
		return nil, err
	}
	if err := s.clearLockout(ctx, sc.pool.ID, &sc.user); err != nil {
		return nil, err
	}
	// PostAuthentication (triggers.go), before anything of the sign-in's
	// end is written: its error fails the sign-in.
	dev := sc.state.device()
	newDeviceUsed := sc.state.Flow != FlowHostedPassword && sc.pool.Settings.DeviceTracking() && !dev.Admin && !dev.Known
	if err := s.postAuthentication(ctx, sc, newDeviceUsed); err != nil {
		return nil, err
	}
	if sc.state.Flow == FlowHostedPassword {
		// The hosted pages sign the user in; the OAuth endpoints mint the
		// tokens (oauth.go). No device is remembered: the pages have no
		// device SRP.
		if _, err := s.signInPassed(ctx, sc); err != nil {
			return nil, err
		}
		return &Result{SignedIn: &SignedIn{Username: sc.user.Username, Sub: sc.user.Sub, AuthTime: s.now()}}, nil
	}
	accessKey, refreshKey, newDevice, err := s.deviceTokens(ctx, sc)
	if err != nil {
		return nil, err
	}
	eventID, err := s.signInPassed(ctx, sc)
	if err != nil {
		return nil, err
	}
	tokens, err := s.issue(ctx, sc.pool, sc.client, sc.user, issueOptions{deviceKey: accessKey, refreshDeviceKey: refreshKey, eventID: eventID,
		source: tokenSource(sc), call: sc.call()})
	if err != nil {
		return nil, err
	}
	tokens.NewDevice = newDevice
	return &Result{Tokens: tokens, Parameters: map[string]string{}}, nil
}

// tokenSource is the pre-token triggerSource of a sign-in's tokens (spec
// §6.5): NewPasswordChallenge after a new password was set in this
// sign-in, AuthenticateDevice after a remembered device authenticated,
// Authentication otherwise.
func tokenSource(sc *signIn) trigger.Source {
	switch {
	case sc.state.done(stepNewPassword):
		return trigger.TokenGenerationNewPasswordChallenge
	case sc.state.done(stepDevice):
		return trigger.TokenGenerationAuthenticateDevice
	}
	return trigger.TokenGenerationAuthentication
}

// newPasswordParameters are NEW_PASSWORD_REQUIRED's ChallengeParameters
// (aws-cli admin-initiate-auth example): USER_ID_FOR_SRP, requiredAttributes
// (a JSON array, in a string, of "userAttributes.<name>" for each required
// attribute the user lacks: amazon-cognito-identity-js strips that prefix)
// and userAttributes (a JSON object, in a string, of the user's attributes
// but sub).
func newPasswordParameters(pool *userpool.Pool, u storage.User) map[string]string {
	required := []string{}
	for _, d := range pool.Settings.SchemaAttributes {
		if !d.Required || d.Name == "sub" {
			continue
		}
		if v, ok := userpool.GetAttribute(u.Attributes, d.Name); !ok || v == "" {
			required = append(required, "userAttributes."+d.Name)
		}
	}
	attrs := orderedObject{}
	for _, a := range u.Attributes {
		if a.Name != "sub" {
			attrs = append(attrs, a)
		}
	}
	req, _ := json.Marshal(required)
	obj, _ := attrs.MarshalJSON()
	return map[string]string{
		"USER_ID_FOR_SRP":    u.Username,
		"requiredAttributes": string(req),
		"userAttributes":     string(obj),
	}
}

// orderedObject marshals attributes as a JSON object in their stored order.
type orderedObject []storage.Attribute

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, a := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(a.Name)
		v, _ := json.Marshal(a.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// answerNewPassword completes NEW_PASSWORD_REQUIRED: NEW_PASSWORD (checked
// against the pool's policy with RespondToAuthChallenge's wording) and
// userAttributes.<name> for attributes to set, at least every required
// attribute the user lacks.
func answerNewPassword(ctx context.Context, s *Service, sc *signIn, r map[string]string) (*Result, error) {
	pw := r["NEW_PASSWORD"]
	if pw == "" {
		return nil, missing("NEW_PASSWORD")
	}
	op := "RespondToAuthChallenge"
	if sc.admin {
		op = "AdminRespondToAuthChallenge"
	}
	if err := sc.pool.CheckPasswordPolicy(op, pw); err != nil {
		return nil, s.wrongAnswer(ctx, sc, err)
	}
	var attrs []storage.Attribute
	for k, v := range r {
		name, ok := strings.CutPrefix(k, "userAttributes.")
		if !ok || name == "" {
			continue
		}
		attrs = append(attrs, storage.Attribute{Name: name, Value: v})
	}
	sortAttrs(attrs)
	// The same rules as UpdateUserAttributes through this client: write
	// permissions (so no email_verified or dev: attributes by default),
	// schema and mutability, a changed address unverified, no alias of
	// another user.
	update, err := s.Pools.PrepareChallengeAttributes(ctx, sc.pool, sc.client, sc.user, attrs)
	if err != nil {
		return nil, s.wrongAnswer(ctx, sc, err)
	}
	for _, d := range sc.pool.Settings.SchemaAttributes {
		if !d.Required || d.Name == "sub" {
			continue
		}
		if v, ok := userpool.GetAttribute(update.Attributes(), d.Name); !ok || v == "" {
			return nil, s.wrongAnswer(ctx, sc, invalidAttributes(d.Name))
		}
	}

	// Hash outside the transaction; spend the session before changing
	// anything, so that two concurrent answers cannot both apply.
	np, err := s.Pools.HashPassword(sc.pool, sc.user.Username, pw)
	if err != nil {
		return nil, err
	}
	if err := s.spend(ctx, sc); err != nil {
		return nil, err
	}
	now := s.now()
	u, err := s.Users.UpdateUser(ctx, sc.pool.ID, sc.user.UsernameKey, func(u *storage.User) error {
		if u.Sub != sc.user.Sub {
			return userpool.ErrUserNotFound
		}
		np.Apply(u)
		if u.Status == userpool.StatusForceChangePassword {
			u.Status = userpool.StatusConfirmed
		}
		update.Apply(u)
		u.UpdatedAt = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	sc.user = u
	sc.state.pass(stepNewPassword)
	return s.advance(ctx, sc)
}

func sortAttrs(a []storage.Attribute) {
	slices.SortFunc(a, func(x, y storage.Attribute) int { return strings.Compare(x.Name, y.Name) })
}
