package userpool

import (
	"context"
	"errors"
	"slices"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/trigger"
)

// This file is the UserMigration trigger's side of the user lifecycle:
// asking the pool's function about a username the pool does not have, and
// creating the user it returns (spec §6.6).

// Migrate runs the pool's UserMigration trigger for username, which the
// pool does not have, and creates the user the function returns. ok is
// false when the pool has no UserMigration trigger: the caller then
// answers as for any unknown user. source is UserMigration_Authentication
// (authflow's password sign-in, with the typed password) or
// UserMigration_ForgotPassword (password empty).
//
// The user is CONFIRMED with password, unchecked against the pool's policy,
// when the function says finalUserStatus CONFIRMED, else RESET_REQUIRED
// without a password. forceAliasCreation takes a verified email or phone
// alias over from the user who holds it; without it such a collision is
// AliasExistsException; enableSMSMFA turns SMS MFA on.
//
// The welcome message (spec §6.6: sent unless messageAction is SUPPRESS,
// over desiredDeliveryMediums, default SMS) goes out after the user is
// written, for UserMigration_Authentication only: ForgotPassword's own
// answer is the reset code, sent by the caller to the returned verified
// email or phone. It is the pool's invitation template through SendCode
// (so CustomMessage_AdminCreateUser and the custom senders apply), sent
// over each medium the user has an attribute for, with no temporary
// password: {####} renders empty. UNCONFIRMED: the template, the message
// kind and the code Cognito uses; and that the ForgotPassword source sends
// no welcome message. A delivery failure is the caller's error, as in
// AdminCreateUser; the user stays created.
func (s *Service) Migrate(ctx context.Context, p *Pool, c *Client, source trigger.Source, username, password string) (u storage.User, ok bool, err error) {
	t := s.triggers(ctx, p)
	if t == nil || !p.TriggerPool().Config.Has(trigger.UserMigration) {
		return storage.User{}, false, nil
	}
	res, ok, err := t.UserMigration(ctx, p.TriggerPool(), triggerCall(ctx, c), trigger.MigrationInput{Source: source, Username: username, Password: password})
	if err != nil || !ok {
		return storage.User{}, ok, err
	}
	u, err = s.migratedUser(ctx, p, username, res)
	if err != nil {
		return storage.User{}, true, err
	}
	if res.Status == trigger.MigratedConfirmed && password != "" {
		u.Status = StatusConfirmed
		if err := s.SetPassword(p, &u, password); err != nil {
			return storage.User{}, true, err
		}
	} else {
		u.Status = StatusResetRequired
	}
	if res.EnableSMSMFA {
		// enableSMSMFA needs a phone number and SMS MFA in the pool (spec
		// §6.6). UNCONFIRMED: AWS's answer when either is missing.
		if v, _ := GetAttribute(u.Attributes, "phone_number"); v == "" || !p.Settings.SMSMFAEnabled() {
			return storage.User{}, true, fault.Wrap(fault.InvalidLambdaResponse, trigger.MsgUnrecognizable,
				errors.New("enableSMSMFA without a phone number or SMS MFA in the pool"))
		}
		u.MFA.Enabled = append(u.MFA.Enabled, storage.MFAFactor(mfa.SMS))
	}
	if err := s.checkNewAliases(ctx, p, u, res.ForceAliasCreation); err != nil {
		return storage.User{}, true, err
	}
	var forced map[string][]storage.User
	if res.ForceAliasCreation {
		if forced, err = s.forcedAliases(ctx, p, u); err != nil {
			return storage.User{}, true, err
		}
	}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, storage.ErrExists) {
			// Another request migrated the same user meanwhile.
			return storage.User{}, true, ErrAdminUserExists
		}
		return storage.User{}, true, err
	}
	for attr, owners := range forced {
		if err := s.releaseAlias(ctx, p, attr, owners); err != nil {
			return storage.User{}, true, err
		}
	}
	if source == trigger.UserMigrationAuthentication && !res.SuppressMessage {
		// UNCONFIRMED: no temporary password in the welcome message.
		if err := s.sendInvitation(ctx, p, u, res.DeliveryMediums, ""); err != nil {
			return storage.User{}, true, err
		}
	}
	return u, true, nil
}

// migratedUser assembles the user a UserMigration function returned. The
// typed name is the username, unless it is an email or phone that the pool
// uses as an alias: then the alias attribute holds it and the username is
// the function's "username" attribute, or a new UUID (UNCONFIRMED).
func (s *Service) migratedUser(ctx context.Context, p *Pool, typed string, res trigger.MigrationResult) (storage.User, error) {
	names := make([]string, 0, len(res.Attributes))
	for name := range res.Attributes {
		names = append(names, name)
	}
	slices.Sort(names)
	var attrs []storage.Attribute
	for _, name := range names {
		switch name {
		case "username", "sub", "cognito:user_status", "cognito:mfa_enabled":
			continue
		}
		attrs = append(attrs, storage.Attribute{Name: name, Value: res.Attributes[name]})
	}
	username := typed
	for _, a := range []string{"email", "phone_number"} {
		alias := slices.Contains(p.Settings.AliasAttributes, a)
		if !alias || (a == "email" && !IsEmailFormat(typed)) || (a == "phone_number" && !IsPhoneFormat(typed)) {
			continue
		}
		attrs = SetAttributes(attrs, storage.Attribute{Name: a, Value: typed})
		username = res.Attributes["username"]
		if username == "" {
			id, err := NewUUID(s.rand())
			if err != nil {
				return storage.User{}, err
			}
			username = id
		}
	}
	u, err := s.newUser(ctx, p, username, attrs, ErrAdminUserExists, nil)
	if err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			// The function's answer does not make a user of this pool.
			// UNCONFIRMED: AWS's answer for it (spec §12.6).
			return storage.User{}, fault.Wrap(fault.InvalidLambdaResponse, trigger.MsgUnrecognizable, err)
		}
		return storage.User{}, err
	}
	return u, nil
}
