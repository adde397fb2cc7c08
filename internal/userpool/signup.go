package userpool

import (
	"context"
	"errors"
	"slices"

	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/trigger"
)

// This file is sign-up (SignUp) and its confirmation (ConfirmSignUp,
// ResendConfirmationCode, AdminConfirmSignUp).

// Sign-up faults. Sources are noted per message; UNCONFIRMED marks a
// wording we could not find in a capture of real AWS output.
var (
	// ErrSignUpNotPermitted: AllowAdminCreateUserOnly pools (many app code
	// bases quote the NotAuthorizedException verbatim).
	ErrSignUpNotPermitted = fault.New(fault.NotAuthorized, "SignUp is not permitted for this user pool")
	// ErrSignUpUserExists: SignUp with a taken username; app code quotes
	// the raw 400 body {"__type":"UsernameExistsException","message":"User
	// already exists"}.
	ErrSignUpUserExists = fault.New(fault.UsernameExists, "User already exists")
	// ErrAlreadyConfirmed: ResendConfirmationCode for a confirmed user
	// (amazon-cognito-identity-js#525 quotes the raw response).
	ErrAlreadyConfirmed = fault.New(fault.InvalidParameter, "User is already confirmed.")
	// ErrNoAutoVerification: ResendConfirmationCode in a pool without
	// auto-verified attributes (raw response quoted in app notes).
	ErrNoAutoVerification = fault.New(fault.NotAuthorized, "Cannot resend codes. Auto verification not turned on.")
	// ErrMissingPassword is SignUp without a password in a pool that only
	// allows password sign-in. UNCONFIRMED wording: the model's own
	// "Member must not be null" validation text.
	ErrMissingPassword = fault.New(fault.InvalidParameter, "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null")
)

// cannotConfirm is the error for (Admin)ConfirmSignUp on a user that is not
// UNCONFIRMED: "User cannot be confirmed. Current status is CONFIRMED" (many
// app code bases compare the message verbatim).
func cannotConfirm(status storage.UserStatus) error {
	return fault.Errorf(fault.NotAuthorized, "User cannot be confirmed. Current status is %s", status)
}

// confirmationAttribute returns the attribute a sign-up confirmation code
// goes to: an auto-verified phone_number (SMS wins when both are
// auto-verified), else an auto-verified email, else "".
func confirmationAttribute(st *Settings, u storage.User) string {
	for _, a := range []string{"phone_number", "email"} {
		if v, ok := GetAttribute(u.Attributes, a); ok && v != "" && st.AutoVerifies(a) {
			return a
		}
	}
	return ""
}

// SignUpInput is a SignUp request.
type SignUpInput struct {
	Username   string
	Password   string
	SecretHash string
	Attributes []storage.Attribute
	// ValidationData goes to the PreSignUp trigger only; nil is none.
	ValidationData []storage.Attribute
}

// SignUpResult is the outcome of SignUp.
type SignUpResult struct {
	User      storage.User
	Confirmed bool
	// Delivery says where the confirmation code went; nil when none was sent.
	Delivery *CodeDelivery
}

// SignUp registers a user through an app client: the user is UNCONFIRMED
// and, when an attribute of theirs is auto-verified, gets a confirmation
// code there.
func (s *Service) SignUp(ctx context.Context, p *Pool, c *Client, in SignUpInput) (SignUpResult, error) {
	if err := c.CheckSecretHash(in.Username, in.SecretHash); err != nil {
		return SignUpResult{}, err
	}
	if p.Settings.AdminCreateOnly() {
		return SignUpResult{}, ErrSignUpNotPermitted
	}
	if err := c.checkWrite(p, in.Attributes); err != nil {
		return SignUpResult{}, err
	}
	u, err := s.newUser(ctx, p, in.Username, in.Attributes, ErrSignUpUserExists, func() error {
		if in.Password == "" {
			if !p.allowsPasswordless() {
				return ErrMissingPassword
			}
			return nil
		}
		return p.CheckPasswordPolicy("SignUp", in.Password)
	})
	if err != nil {
		return SignUpResult{}, err
	}
	if err := s.checkNewAliases(ctx, p, u, false); err != nil {
		return SignUpResult{}, err
	}
	// The PreSignUp trigger judges the user before anything is written;
	// its answer may confirm the user and verify the email or phone.
	u.Status = StatusUnconfirmed
	pre, err := s.PreSignUp(ctx, p, c, trigger.PreSignUpSignUp, &u, attributeMap(in.ValidationData))
	if err != nil {
		return SignUpResult{}, err
	}
	// An auto-verified email or phone takes the alias over from a user
	// who holds it (Developer Guide, pre sign-up trigger).
	forced, err := s.forcedAliases(ctx, p, u)
	if err != nil {
		return SignUpResult{}, err
	}
	if in.Password != "" {
		if err := s.SetPassword(p, &u, in.Password); err != nil {
			return SignUpResult{}, err
		}
	}
	attr := confirmationAttribute(p.Settings, u)
	if pre.AutoConfirmUser {
		// UNCONFIRMED: an auto-confirmed user gets no confirmation code.
		attr = ""
	}
	var code string
	if attr != "" {
		if code, err = s.IssueCode(&u, CodeSignUp, SignUpCodeTTL); err != nil {
			return SignUpResult{}, err
		}
	}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, storage.ErrExists) {
			return SignUpResult{}, ErrSignUpUserExists
		}
		return SignUpResult{}, err
	}
	for a, owners := range forced {
		if err := s.releaseAlias(ctx, p, a, owners); err != nil {
			return SignUpResult{}, err
		}
	}
	res := SignUpResult{User: u, Confirmed: u.Status == StatusConfirmed}
	if attr != "" {
		d, err := s.SendCode(ctx, p, u, attr, delivery.PurposeSignUp, code)
		if err != nil {
			return SignUpResult{}, err
		}
		res.Delivery = &d
	}
	return res, nil
}

// allowsPasswordless reports whether the pool lets users sign in without a
// password (a one-time-code or passkey first factor).
func (p *Pool) allowsPasswordless() bool {
	pol := p.Settings.Policies
	if pol == nil || pol.SignInPolicy == nil {
		return false
	}
	return slices.ContainsFunc(pol.SignInPolicy.AllowedFirstAuthFactors, func(f AuthFactor) bool { return f != AuthFactorPassword })
}

// ConfirmSignUp confirms a user with the code SignUp (or
// ResendConfirmationCode) sent, and marks the attribute the code went to
// verified. A verified alias another user holds is AliasExistsException
// unless force (ForceAliasCreation), which takes the alias over.
func (s *Service) ConfirmSignUp(ctx context.Context, p *Pool, c *Client, username, secretHash, code string, force bool) error {
	if err := c.CheckSecretHash(username, secretHash); err != nil {
		return err
	}
	u, err := s.clientUser(ctx, p, username)
	if err != nil {
		if errors.Is(err, ErrUsernameClientNotFound) && c.Settings.HidesUserExistence() {
			// UNCONFIRMED: the Developer Guide lists ExpiredCodeException
			// among ConfirmSignUp's answers with PreventUserExistenceErrors;
			// an unconfirmed user's wrong code is CodeMismatchException,
			// then LimitExceededException, and so is an unknown name's, so
			// that the two cannot be told apart (unknown.go).
			return s.unknownConsume(ctx, p, username, CodeSignUp, nil)
		}
		return err
	}
	if u.Status != StatusUnconfirmed {
		return cannotConfirm(u.Status)
	}
	attr := confirmationAttribute(p.Settings, u)
	var owners []storage.User
	if attr != "" && slices.Contains(p.Settings.AliasAttributes, attr) {
		v, _ := GetAttribute(u.Attributes, attr)
		if owners, err = s.aliasOwners(ctx, p, attr, v, u.UsernameKey); err != nil {
			return err
		}
	}
	confirmed, err := s.updateWithCode(ctx, p, u.UsernameKey, CodeSignUp, "", code, func(u *storage.User) error {
		if u.Status != StatusUnconfirmed {
			return cannotConfirm(u.Status)
		}
		return nil
	}, func(u *storage.User) error {
		if len(owners) > 0 && !force {
			return accountExists(fault.AliasExists, attr)
		}
		u.Status = StatusConfirmed
		if attr != "" {
			u.Attributes = SetAttributes(u.Attributes, storage.Attribute{Name: verifiedFlag(attr), Value: "true"})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.releaseAlias(ctx, p, attr, owners); err != nil {
		return err
	}
	return s.PostConfirmation(ctx, p, c, trigger.PostConfirmationConfirmSignUp, confirmed)
}

// ResendConfirmationCode sends a new sign-up confirmation code.
func (s *Service) ResendConfirmationCode(ctx context.Context, p *Pool, c *Client, username, secretHash string) (CodeDelivery, error) {
	if err := c.CheckSecretHash(username, secretHash); err != nil {
		return CodeDelivery{}, err
	}
	u, err := s.clientUser(ctx, p, username)
	if err == nil && !u.Enabled && c.Settings.HidesUserExistence() {
		err = ErrUsernameClientNotFound
	}
	if err != nil {
		if errors.Is(err, ErrUsernameClientNotFound) && c.Settings.HidesUserExistence() {
			// Developer Guide, "Managing error responses": a simulated
			// delivery for unknown or disabled users, counted as a real
			// one is (unknown.go).
			if err := s.unknownIssue(ctx, p, username, CodeSignUp, SignUpCodeTTL); err != nil {
				return CodeDelivery{}, err
			}
			return FakeDelivery(p, username), nil
		}
		return CodeDelivery{}, err
	}
	if u.Status != StatusUnconfirmed {
		return CodeDelivery{}, ErrAlreadyConfirmed
	}
	attr := confirmationAttribute(p.Settings, u)
	if attr == "" {
		// The pool verifies nothing automatically (or the user lacks the
		// attribute it verifies). A raw AWS answer quoted in an app's notes:
		// {"__type":"NotAuthorizedException","message":"Cannot resend codes.
		// Auto verification not turned on."}
		return CodeDelivery{}, ErrNoAutoVerification
	}
	var code string
	u, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		if u.Status != StatusUnconfirmed {
			return ErrAlreadyConfirmed
		}
		var err error
		code, err = s.IssueCode(u, CodeSignUp, SignUpCodeTTL)
		return err
	})
	if err != nil {
		return CodeDelivery{}, notFound(err)
	}
	return s.SendCode(ctx, p, u, attr, delivery.PurposeResendCode, code)
}

// AdminConfirmSignUp confirms an UNCONFIRMED user without a code. It marks
// no attribute verified, as in Cognito.
func (s *Service) AdminConfirmSignUp(ctx context.Context, p *Pool, username string) error {
	u, err := s.FindUser(ctx, p, username)
	if err != nil {
		return err
	}
	u, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		if u.Status != StatusUnconfirmed {
			return cannotConfirm(u.Status)
		}
		u.Status = StatusConfirmed
		u.UpdatedAt = s.now()
		return nil
	})
	if err != nil {
		return notFound(err)
	}
	// AdminConfirmSignUp fires the ConfirmSignUp source: there is no
	// source of its own (spec §4).
	return s.PostConfirmation(ctx, p, nil, trigger.PostConfirmationConfirmSignUp, u)
}
