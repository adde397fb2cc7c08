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

// This file is AdminCreateUser: users created by an administrator with a
// temporary password (FORCE_CHANGE_PASSWORD), and their invitations.

// AdminCreateUser faults.
var (
	// ErrAdminUserExists: AdminCreateUser with a taken username (SDK error
	// strings "UsernameExistsException: User account already exists" in
	// many test suites and notes).
	ErrAdminUserExists = fault.New(fault.UsernameExists, "User account already exists")
	// ErrResendNotPossible: AdminCreateUser with MessageAction RESEND for a
	// user who is no longer FORCE_CHANGE_PASSWORD. The exception type is
	// UnsupportedUserStateException (app code handles it for this case).
	// UNCONFIRMED wording.
	ErrResendNotPossible = fault.New(fault.UnsupportedUserState, "Resend not possible. User status is not FORCE_CHANGE_PASSWORD")
)

// AdminCreateUserInput is an AdminCreateUser request.
type AdminCreateUserInput struct {
	Username           string
	Attributes         []storage.Attribute
	TemporaryPassword  string
	ForceAliasCreation bool
	// MessageAction is "", "SUPPRESS" or "RESEND".
	MessageAction string
	// DeliveryMediums are the channels of the invitation: "SMS", "EMAIL".
	// Empty means SMS, Cognito's default.
	DeliveryMediums []string
	// ValidationData goes to the PreSignUp trigger only; nil is none.
	ValidationData []storage.Attribute
}

// AdminCreateUser creates a user with a temporary password
// (FORCE_CHANGE_PASSWORD) and sends the invitation, or with RESEND sends a
// new invitation with a new temporary password to an existing user.
func (s *Service) AdminCreateUser(ctx context.Context, p *Pool, in AdminCreateUserInput) (storage.User, error) {
	checkTemp := func() error {
		if in.TemporaryPassword == "" {
			return nil
		}
		return p.CheckPasswordPolicy("AdminCreateUser", in.TemporaryPassword)
	}
	// A generated temporary password that nobody receives (SUPPRESS) is
	// neither generated nor hashed: the user gets an unusable password.
	unreceived := in.MessageAction == "SUPPRESS" && in.TemporaryPassword == ""
	temp := in.TemporaryPassword
	if temp == "" && !unreceived {
		var err error
		if temp, err = p.PasswordPolicy().Generate(s.rand()); err != nil {
			return storage.User{}, err
		}
	}
	if in.MessageAction == "RESEND" {
		if err := checkTemp(); err != nil {
			return storage.User{}, err
		}
		return s.resendInvitation(ctx, p, in, temp)
	}
	u, err := s.newUser(ctx, p, in.Username, in.Attributes, ErrAdminUserExists, checkTemp)
	if err != nil {
		return storage.User{}, err
	}
	if err := s.checkNewAliases(ctx, p, u, in.ForceAliasCreation); err != nil {
		return storage.User{}, err
	}
	var forced map[string][]storage.User
	if in.ForceAliasCreation {
		if forced, err = s.forcedAliases(ctx, p, u); err != nil {
			return storage.User{}, err
		}
	}
	// The PreSignUp trigger judges the user before anything is written;
	// its flags do not apply to AdminCreateUser (spec §6.1).
	u.Status = StatusForceChangePassword
	if _, err := s.PreSignUp(ctx, p, nil, trigger.PreSignUpAdminCreateUser, &u, attributeMap(in.ValidationData)); err != nil {
		return storage.User{}, err
	}
	if unreceived {
		np, err := s.unusablePassword()
		if err != nil {
			return storage.User{}, err
		}
		np.Apply(&u)
	} else if err := s.SetPassword(p, &u, temp); err != nil {
		return storage.User{}, err
	}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, storage.ErrExists) {
			return storage.User{}, ErrAdminUserExists
		}
		return storage.User{}, err
	}
	for attr, owners := range forced {
		if err := s.releaseAlias(ctx, p, attr, owners); err != nil {
			return storage.User{}, err
		}
	}
	if in.MessageAction != "SUPPRESS" {
		if err := s.sendInvitation(ctx, p, u, in.DeliveryMediums, temp); err != nil {
			return storage.User{}, err
		}
	}
	return u, nil
}

func (s *Service) resendInvitation(ctx context.Context, p *Pool, in AdminCreateUserInput, temp string) (storage.User, error) {
	u, err := s.FindUser(ctx, p, in.Username)
	if err != nil {
		return storage.User{}, err
	}
	if u.Status != StatusForceChangePassword {
		return storage.User{}, ErrResendNotPossible
	}
	np, err := s.HashPassword(p, u.Username, temp)
	if err != nil {
		return storage.User{}, err
	}
	u, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		if u.Status != StatusForceChangePassword {
			return ErrResendNotPossible
		}
		u.UpdatedAt = s.now()
		np.Apply(u) // restarts the temporary password's validity
		return nil
	})
	if err != nil {
		return storage.User{}, notFound(err)
	}
	if err := s.sendInvitation(ctx, p, u, in.DeliveryMediums, temp); err != nil {
		return storage.User{}, err
	}
	return u, nil
}

// sendInvitation sends the invitation with the temporary password over each
// requested medium the user has an attribute for. A medium without its
// attribute is skipped silently (UNCONFIRMED: Cognito sends nothing when the
// default SMS medium meets a user without a phone number, and we assume it
// raises no error).
func (s *Service) sendInvitation(ctx context.Context, p *Pool, u storage.User, mediums []string, temp string) error {
	if len(mediums) == 0 {
		mediums = []string{delivery.ChannelSMS}
	}
	for _, m := range slices.Compact(slices.Sorted(slices.Values(mediums))) {
		attr := "email"
		if m == delivery.ChannelSMS {
			attr = "phone_number"
		}
		if v, ok := GetAttribute(u.Attributes, attr); !ok || v == "" {
			continue
		}
		if _, err := s.SendCode(ctx, p, u, attr, delivery.PurposeInvitation, temp); err != nil {
			return err
		}
	}
	return nil
}
