package userpool

import (
	"context"
	"crypto/sha256"
	"errors"
	"slices"
	"strings"

	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/trigger"
)

// This file is password recovery: ForgotPassword and
// ConfirmForgotPassword, AdminResetUserPassword, and the simulated
// deliveries that hide whether a user exists.

// Password recovery faults.
var (
	// ErrNoRecoveryChannel: ForgotPassword without a verified email or
	// phone (amazon-cognito-identity-js#678, aws-sdk-js-v3#7101).
	ErrNoRecoveryChannel = fault.New(fault.InvalidParameter, "Cannot reset password for the user as there is no registered/verified email or phone_number")
	// ErrCannotReset: ForgotPassword for a user who never set a password
	// (FORCE_CHANGE_PASSWORD); NotAuthorizedException, quoted by many app
	// code bases. UNCONFIRMED for AdminResetUserPassword and for
	// admin_only recovery.
	ErrCannotReset = fault.New(fault.NotAuthorized, "User password cannot be reset in the current state.")
)

// RecoveryAttribute returns the verified attribute (email or phone_number)
// a password-reset code goes to, following the pool's
// AccountRecoverySetting by priority, or Cognito's legacy order (a verified
// phone before a verified email) when the pool has none. adminOnly reports
// an admin_only setting.
func RecoveryAttribute(st *Settings, u storage.User) (attr string, adminOnly bool) {
	order, adminOnly := st.recoveryOrder()
	if adminOnly {
		return "", true
	}
	for _, a := range order {
		if v, ok := GetAttribute(u.Attributes, a); ok && v != "" && isVerifiedAlias(u, a) {
			return a, false
		}
	}
	return "", false
}

// ForgotPassword sends a password-reset code to the user's verified email or
// phone. With PreventUserExistenceErrors, unknown and disabled users and
// users without a verified channel get a simulated delivery.
func (s *Service) ForgotPassword(ctx context.Context, p *Pool, c *Client, username, secretHash string) (CodeDelivery, error) {
	if err := c.CheckSecretHash(username, secretHash); err != nil {
		return CodeDelivery{}, err
	}
	hide := c.Settings.HidesUserExistence()
	// A simulated delivery counts against the name's limits as a real one
	// counts against the user's (unknown.go), so that the sixth request of
	// an hour is refused for both.
	fake := func() (CodeDelivery, error) {
		if err := s.unknownIssue(ctx, p, username, CodeForgotPassword, ForgotPasswordCodeTTL); err != nil {
			return CodeDelivery{}, err
		}
		return FakeDelivery(p, username), nil
	}
	u, err := s.clientUser(ctx, p, username)
	if errors.Is(err, ErrUsernameClientNotFound) {
		// An unknown user may be migrated by the pool's UserMigration
		// trigger; the code then goes to the verified email or phone the
		// function returned.
		if migrated, ok, merr := s.Migrate(ctx, p, c, trigger.UserMigrationForgotPassword, username, ""); merr != nil {
			return CodeDelivery{}, merr
		} else if ok {
			u, err = migrated, nil
		}
	}
	if err != nil {
		if errors.Is(err, ErrUsernameClientNotFound) && hide {
			return fake()
		}
		return CodeDelivery{}, err
	}
	if !u.Enabled {
		if hide {
			return fake()
		}
		return CodeDelivery{}, ErrUserDisabled
	}
	if u.Status == StatusForceChangePassword {
		return CodeDelivery{}, ErrCannotReset
	}
	attr, adminOnly := RecoveryAttribute(p.Settings, u)
	if adminOnly {
		return CodeDelivery{}, ErrCannotReset // UNCONFIRMED for admin_only
	}
	if attr == "" {
		if hide {
			return fake()
		}
		return CodeDelivery{}, ErrNoRecoveryChannel
	}
	var code string
	u, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		var err error
		code, err = s.IssueCode(u, CodeForgotPassword, ForgotPasswordCodeTTL)
		return err
	})
	if err != nil {
		return CodeDelivery{}, notFound(err)
	}
	return s.SendCode(ctx, p, u, attr, delivery.PurposeForgotPassword, code)
}

// ConfirmForgotPassword sets a new password with a reset code. It confirms
// the user and clears their sign-in lockout. The code is checked before the
// password policy, so that with PreventUserExistenceErrors an unknown name
// (whose decoy code is always wrong, counted as a real user's: unknown.go)
// and a real user answer alike whatever password is sent.
func (s *Service) ConfirmForgotPassword(ctx context.Context, p *Pool, c *Client, username, secretHash, code, pw string) error {
	if err := c.CheckSecretHash(username, secretHash); err != nil {
		return err
	}
	hide := c.Settings.HidesUserExistence()
	u, err := s.clientUser(ctx, p, username)
	if err != nil {
		if errors.Is(err, ErrUsernameClientNotFound) && hide {
			// Developer Guide, "Managing error responses": CodeMismatch.
			return s.unknownConsume(ctx, p, username, CodeForgotPassword, ErrCodeMismatch)
		}
		return err
	}
	if !u.Enabled {
		if hide {
			return s.unknownConsume(ctx, p, username, CodeForgotPassword, ErrCodeMismatch)
		}
		return ErrUserDisabled
	}
	if !hasCode(u, CodeForgotPassword) {
		if hide {
			// UNCONFIRMED: what Cognito answers here with
			// PreventUserExistenceErrors; an unknown name's answer, so that
			// the two cannot be told apart.
			return ErrCodeMismatch
		}
		// "If a code isn't requested when using ForgotPassword, Amazon
		// Cognito returns the ExpiredCodeException error" (Developer Guide).
		return ErrCodeExpired
	}
	// Check the code before the policy and the costly hash: a wrong code is
	// counted and answered here, without hashing anything. A right one is
	// left in place (errCodeAccepted aborts the update) and consumed below,
	// in the update that sets the password, so that it still works only
	// once.
	_, err = s.updateWithCode(ctx, p, u.UsernameKey, CodeForgotPassword, "", code, nil, func(*storage.User) error {
		return errCodeAccepted
	})
	if !errors.Is(err, errCodeAccepted) {
		return err
	}
	if err := p.CheckPasswordPolicy("ConfirmForgotPassword", pw); err != nil {
		return err
	}
	np, err := s.HashPassword(p, u.Username, pw)
	if err != nil {
		return err
	}
	u, err = s.updateWithCode(ctx, p, u.UsernameKey, CodeForgotPassword, "", code, nil, func(u *storage.User) error {
		np.Apply(u)
		u.Status = StatusConfirmed
		u.Lockout = storage.Lockout{}
		return nil
	})
	if err != nil {
		return err
	}
	return s.PostConfirmation(ctx, p, c, trigger.PostConfirmationConfirmForgotPassword, u)
}

// errCodeAccepted aborts an updateWithCode that only checks a code.
var errCodeAccepted = errors.New("userpool: code accepted")

func hasCode(u storage.User, purpose string) bool {
	return slices.ContainsFunc(u.Secrets.Codes, func(c storage.Code) bool { return c.Purpose == purpose })
}

// AdminResetUserPassword requires a user to reset their password
// (RESET_REQUIRED) and sends them a reset code.
func (s *Service) AdminResetUserPassword(ctx context.Context, p *Pool, username string) error {
	u, err := s.FindUser(ctx, p, username)
	if err != nil {
		return err
	}
	if u.Status == StatusForceChangePassword || u.Status == StatusUnconfirmed {
		return ErrCannotReset // UNCONFIRMED for this operation
	}
	attr, adminOnly := RecoveryAttribute(p.Settings, u)
	if adminOnly {
		return ErrCannotReset // UNCONFIRMED
	}
	if attr == "" {
		return ErrNoRecoveryChannel // UNCONFIRMED for this operation
	}
	var code string
	u, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		var err error
		// An administrator's request is not limited, and gives the new
		// code its full attempts.
		if code, err = s.issueCode(u, CodeForgotPassword, "", ForgotPasswordCodeTTL, false); err != nil {
			return err
		}
		u.Status = StatusResetRequired
		u.UpdatedAt = s.now()
		return nil
	})
	if err != nil {
		return notFound(err)
	}
	_, err = s.SendCode(ctx, p, u, attr, delivery.PurposeForgotPassword, code)
	return err
}

// FakeDelivery returns the simulated CodeDeliveryDetails Cognito answers,
// with PreventUserExistenceErrors, when it sends nothing. The medium follows
// the format of the name the caller gave, else the pool's recovery or
// verification settings; the destination is masked and derived from the
// pool and name, so that the same question always gets the same answer.
func FakeDelivery(p *Pool, username string) CodeDelivery {
	switch {
	case IsEmailFormat(username):
		return CodeDelivery{DeliveryMedium: delivery.ChannelEmail, AttributeName: "email", Destination: delivery.MaskEmail(username)}
	case IsPhoneFormat(username):
		return CodeDelivery{DeliveryMedium: delivery.ChannelSMS, AttributeName: "phone_number", Destination: delivery.MaskPhone(username)}
	}
	h := sha256.Sum256([]byte(p.ID + "\x00" + strings.ToLower(username)))
	attr := "email"
	if r := p.Settings.AccountRecoverySetting; r != nil && len(r.RecoveryMechanisms) > 0 {
		best := r.RecoveryMechanisms[0]
		for _, m := range r.RecoveryMechanisms {
			if deref(m.Priority) < deref(best.Priority) {
				best = m
			}
		}
		if str(best.Name) == "verified_phone_number" {
			attr = "phone_number"
		}
	} else if p.Settings.AutoVerifies("phone_number") && !p.Settings.AutoVerifies("email") {
		attr = "phone_number"
	}
	if attr == "phone_number" {
		digits := []byte("+1555")
		for i := range 7 {
			digits = append(digits, '0'+h[2+i]%10)
		}
		return CodeDelivery{DeliveryMedium: delivery.ChannelSMS, AttributeName: attr, Destination: delivery.MaskPhone(string(digits))}
	}
	local := string(rune('a' + h[0]%26))
	domain := string(rune('a' + h[1]%26))
	return CodeDelivery{DeliveryMedium: delivery.ChannelEmail, AttributeName: attr, Destination: delivery.MaskEmail(local + "@" + domain + ".com")}
}
