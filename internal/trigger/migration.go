package trigger

import (
	"context"
	"errors"
	"fmt"
)

// MigrationInput is a sign-in or password reset for a username the pool
// does not have.
type MigrationInput struct {
	// Source is UserMigrationAuthentication (USER_PASSWORD_AUTH and
	// ADMIN_USER_PASSWORD_AUTH only: SRP hides the password) or
	// UserMigrationForgotPassword.
	Source Source
	// Username is the name as the user typed it.
	Username string
	// Password is the typed password (Authentication only; never logged).
	Password string
}

// MigratedStatus is the status a migrated user starts in.
type MigratedStatus string

// Migrated statuses: CONFIRMED keeps the password and signs in at once;
// RESET_REQUIRED makes the sign-in answer PasswordResetRequiredException.
const (
	MigratedConfirmed     MigratedStatus = "CONFIRMED"
	MigratedResetRequired MigratedStatus = "RESET_REQUIRED"
)

// Delivery mediums of desiredDeliveryMediums.
const (
	MediumEmail = "EMAIL"
	MediumSMS   = "SMS"
)

// MigrationResult is the user the function returned.
type MigrationResult struct {
	// Attributes are the user's attributes (required in the answer).
	Attributes map[string]string
	// Status is MigratedConfirmed only when the function said so.
	Status MigratedStatus
	// SuppressMessage is messageAction SUPPRESS: no welcome message.
	SuppressMessage bool
	// DeliveryMediums are where the welcome message goes; default SMS.
	DeliveryMediums []string
	// ForceAliasCreation moves an alias another user holds to this user.
	ForceAliasCreation bool
	// EnableSMSMFA turns SMS MFA on for the user (needs a phone number and
	// MFA in the pool). aws-lambda-go's struct lacks it (spec §6.6).
	EnableSMSMFA bool
}

type migrationRequest struct {
	Password       string            `json:"password,omitempty"`
	ValidationData map[string]string `json:"validationData"`
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
}

type migrationResponse struct {
	UserAttributes         map[string]string `json:"userAttributes"`
	FinalUserStatus        *string           `json:"finalUserStatus"`
	MessageAction          *string           `json:"messageAction"`
	DesiredDeliveryMediums []string          `json:"desiredDeliveryMediums"`
	ForceAliasCreation     *bool             `json:"forceAliasCreation"`
	EnableSMSMFA           *bool             `json:"enableSMSMFA,omitempty"`
}

// UserMigration runs the UserMigration trigger. ok is false when the pool
// has none (the caller then answers as for any unknown user). The password
// policy is not applied to a migrated password (spec §6.6).
//
// Validation: userAttributes is required; finalUserStatus is CONFIRMED or
// anything else (RESET_REQUIRED); messageAction is SUPPRESS, RESEND or
// absent; desiredDeliveryMediums holds EMAIL/SMS. Anything else is
// InvalidLambdaResponseException "Unrecognizable lambda output".
// UNCONFIRMED: the answers AWS gives for these (spec §12.6).
func (s *Service) UserMigration(ctx context.Context, pool Pool, call Call, in MigrationInput) (res MigrationResult, ok bool, err error) {
	if in.Source.Trigger() != UserMigration {
		return MigrationResult{}, false, fmt.Errorf("trigger: %q is not a UserMigration source", in.Source)
	}
	if !pool.Config.Has(UserMigration) {
		return MigrationResult{}, false, nil
	}
	cm, vd := routeMetadata(call.Operation, in.Source, call.ClientMetadata)
	req := migrationRequest{ValidationData: vd, ClientMetadata: cm}
	if in.Source == UserMigrationAuthentication {
		req.Password = in.Password
	}
	ev := newEvent(pool, call, in.Source, in.Username, req, migrationResponse{})
	var out migrationResponse
	if err := run(ctx, s, pool, Sync, ev, &out); err != nil {
		return MigrationResult{}, true, err
	}
	if out.UserAttributes == nil {
		return MigrationResult{}, true, invalidResponse(MsgUnrecognizable, errors.New("userAttributes missing"))
	}
	res = MigrationResult{Attributes: out.UserAttributes, Status: MigratedResetRequired,
		ForceAliasCreation: isTrue(out.ForceAliasCreation), EnableSMSMFA: isTrue(out.EnableSMSMFA)}
	if out.FinalUserStatus != nil && *out.FinalUserStatus == string(MigratedConfirmed) {
		res.Status = MigratedConfirmed
	}
	if out.MessageAction != nil {
		switch *out.MessageAction {
		case "SUPPRESS":
			res.SuppressMessage = true
		case "", "RESEND":
			// aws-lambda-go's struct sends "" for a messageAction not set.
		default:
			return MigrationResult{}, true, invalidResponse(MsgUnrecognizable, fmt.Errorf("messageAction %q", *out.MessageAction))
		}
	}
	for _, m := range out.DesiredDeliveryMediums {
		if m != MediumEmail && m != MediumSMS {
			return MigrationResult{}, true, invalidResponse(MsgUnrecognizable, fmt.Errorf("desiredDeliveryMediums %q", m))
		}
		res.DeliveryMediums = append(res.DeliveryMediums, m)
	}
	if len(res.DeliveryMediums) == 0 {
		res.DeliveryMediums = []string{MediumSMS}
	}
	return res, true, nil
}
