package userpool

import (
	"context"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/trigger"
)

// This file connects the pool to its Lambda triggers: the interface of the
// trigger calls userpool makes, the mapping of a stored LambdaConfig to the
// trigger package's plain values, and the request's trigger.Call.

// Triggers is what userpool asks of the Lambda triggers; *trigger.Service
// implements it. Every method returns the zero result and no error when
// the pool does not configure the trigger (SendCustom is only called when
// it does, see trigger.Pool.HasSender).
type Triggers interface {
	PreSignUp(ctx context.Context, pool trigger.Pool, call trigger.Call, in trigger.PreSignUpInput) (trigger.PreSignUpResult, error)
	PostConfirmation(ctx context.Context, pool trigger.Pool, call trigger.Call, in trigger.PostConfirmationInput) error
	PreAuthentication(ctx context.Context, pool trigger.Pool, call trigger.Call, in trigger.PreAuthenticationInput) error
	PostAuthentication(ctx context.Context, pool trigger.Pool, call trigger.Call, in trigger.PostAuthenticationInput) error
	CustomMessage(ctx context.Context, pool trigger.Pool, call trigger.Call, in trigger.MessageInput) (trigger.Message, error)
	SendCustom(ctx context.Context, pool trigger.Pool, call trigger.Call, in trigger.SenderInput) error
	UserMigration(ctx context.Context, pool trigger.Pool, call trigger.Call, in trigger.MigrationInput) (trigger.MigrationResult, bool, error)
}

// TriggerPool is the pool as its triggers see it: its ID (and so its
// region) and its LambdaConfig as plain values. authflow uses it too.
func (p *Pool) TriggerPool() trigger.Pool {
	return trigger.Pool{ID: p.ID, Config: p.Settings.TriggerConfig()}
}

// TriggerConfig maps LambdaConfigType to trigger.Config: the ARN of every
// configured trigger, PreTokenGenerationConfig (or the legacy
// PreTokenGeneration ARN, as V1_0), the senders and their KMS key.
func (s *Settings) TriggerConfig() trigger.Config {
	l := s.LambdaConfig
	if l == nil {
		return trigger.Config{}
	}
	c := trigger.Config{
		PreSignUp:                   str(l.PreSignUp),
		CustomMessage:               str(l.CustomMessage),
		PostConfirmation:            str(l.PostConfirmation),
		PreAuthentication:           str(l.PreAuthentication),
		PostAuthentication:          str(l.PostAuthentication),
		DefineAuthChallenge:         str(l.DefineAuthChallenge),
		CreateAuthChallenge:         str(l.CreateAuthChallenge),
		VerifyAuthChallengeResponse: str(l.VerifyAuthChallengeResponse),
		UserMigration:               str(l.UserMigration),
		PreTokenGeneration:          str(l.PreTokenGeneration),
		KMSKeyID:                    str(l.KMSKeyID),
	}
	if v := l.PreTokenGenerationConfig; v != nil && str(v.LambdaArn) != "" {
		c.PreTokenGeneration = str(v.LambdaArn)
		c.PreTokenGenerationVersion = trigger.Version(str(v.LambdaVersion))
	}
	if v := l.CustomSMSSender; v != nil {
		c.CustomSMSSender = str(v.LambdaArn)
	}
	if v := l.CustomEmailSender; v != nil {
		c.CustomEmailSender = str(v.LambdaArn)
	}
	return c
}

// triggerCall is the trigger.Call of the request ctx carries (set by the
// API layer with trigger.WithCall), with c's ID as the app client when the
// request named none (the hosted pages).
func triggerCall(ctx context.Context, c *Client) trigger.Call {
	call := trigger.CallFrom(ctx)
	if call.ClientID == "" && c != nil {
		call.ClientID = c.ID
	}
	return call
}

type noTriggersKey struct{}

// WithoutTriggers returns ctx under which this package fires no trigger:
// bootstrap files seed pools, they are no API calls (as imports, which
// invoke none either).
func WithoutTriggers(ctx context.Context) context.Context {
	return context.WithValue(ctx, noTriggersKey{}, true)
}

// triggers returns the Triggers to fire for ctx and p, or nil when there
// are none or p configures none.
func (s *Service) triggers(ctx context.Context, p *Pool) Triggers {
	if s.Triggers == nil || p.Settings.LambdaConfig == nil || ctx.Value(noTriggersKey{}) != nil {
		return nil
	}
	return s.Triggers
}

// EventAttributes returns u's attributes as a trigger event's
// userAttributes (spec §3.1): every attribute as a string, sub, and
// cognito:user_status. authflow uses it too.
func EventAttributes(u storage.User) map[string]string {
	m := make(map[string]string, len(u.Attributes)+2)
	for _, a := range u.Attributes {
		m[a.Name] = a.Value
	}
	if u.Sub != "" {
		m["sub"] = u.Sub
	}
	if u.Status != "" {
		m["cognito:user_status"] = string(u.Status)
	}
	return m
}

// submittedAttributes returns the attributes of a user about to be
// created, as the PreSignUp event carries them.
func submittedAttributes(attrs []storage.Attribute) map[string]string {
	m := make(map[string]string, len(attrs))
	for _, a := range attrs {
		m[a.Name] = a.Value
	}
	return m
}

// attributeMap turns SignUp's or AdminCreateUser's ValidationData into the
// event's validationData: nil stays nil (sent as null, as real events show).
func attributeMap(attrs []storage.Attribute) map[string]string {
	if attrs == nil {
		return nil
	}
	return submittedAttributes(attrs)
}

// PreSignUp runs the pool's PreSignUp trigger, if any, for u, a user not
// yet written, and applies its answer to u: autoConfirmUser makes u
// CONFIRMED, autoVerifyEmail/autoVerifyPhone mark the attribute verified
// (the trigger package ignores the three for PreSignUp_AdminCreateUser).
// source is PreSignUp_SignUp, _AdminCreateUser or, for federation's first
// sign-in, _ExternalProvider. It returns the answer; an error means the
// user must not be created. validationData is the request's
// ValidationData (nil: none).
func (s *Service) PreSignUp(ctx context.Context, p *Pool, c *Client, source trigger.Source, u *storage.User, validationData map[string]string) (trigger.PreSignUpResult, error) {
	t := s.triggers(ctx, p)
	if t == nil {
		return trigger.PreSignUpResult{}, nil
	}
	res, err := t.PreSignUp(ctx, p.TriggerPool(), triggerCall(ctx, c), trigger.PreSignUpInput{
		Source: source, Username: u.Username, Attributes: submittedAttributes(u.Attributes), ValidationData: validationData,
	})
	if err != nil {
		return trigger.PreSignUpResult{}, err
	}
	if res.AutoConfirmUser {
		u.Status = StatusConfirmed
	}
	if res.AutoVerifyEmail {
		u.Attributes = SetAttributes(u.Attributes, storage.Attribute{Name: "email_verified", Value: "true"})
	}
	if res.AutoVerifyPhone {
		u.Attributes = SetAttributes(u.Attributes, storage.Attribute{Name: "phone_number_verified", Value: "true"})
	}
	return res, nil
}

// PostConfirmation runs the pool's PostConfirmation trigger, if any, for
// u, whose confirmation is committed: its error is the caller's answer,
// but the confirmation stands (spec §3.2). source is
// PostConfirmation_ConfirmSignUp (ConfirmSignUp, AdminConfirmSignUp and
// federation's first sign-in) or _ConfirmForgotPassword.
func (s *Service) PostConfirmation(ctx context.Context, p *Pool, c *Client, source trigger.Source, u storage.User) error {
	t := s.triggers(ctx, p)
	if t == nil {
		return nil
	}
	return t.PostConfirmation(ctx, p.TriggerPool(), triggerCall(ctx, c), trigger.PostConfirmationInput{
		Source: source, Username: u.Username, Attributes: EventAttributes(u),
	})
}

// TakeOverNotice is a threat-protection notification as the
// CustomEmailSender_AccountTakeOverNotification event carries it, in place
// of the user's attributes (spec §6.8).
type TakeOverNotice struct {
	EventID, Action, IP, City, Country, DeviceName string
	LinkValid, LinkInvalid, FeedbackToken          string
	LoginTime                                      time.Time
}

// SendTakeOverNotice hands a threat-protection notification to the pool's
// CustomEmailSender, if it has one: sent reports whether it did, and the
// caller then sends no email of its own. UNCONFIRMED: the format of
// LOGIN_TIME (RFC 3339 here).
func (s *Service) SendTakeOverNotice(ctx context.Context, p *Pool, u storage.User, n TakeOverNotice) (sent bool, err error) {
	t := s.triggers(ctx, p)
	tp := p.TriggerPool()
	if t == nil || !tp.HasSender(trigger.ChannelEmail) {
		return false, nil
	}
	fields := map[string]string{
		"EVENT_ID": n.EventID, "USER_NAME": u.Username, "IP_ADDRESS": n.IP, "ACCOUNT_TAKE_OVER_ACTION": n.Action,
		"ONE_CLICK_LINK_VALID": n.LinkValid, "ONE_CLICK_LINK_INVALID": n.LinkInvalid,
		"LOGIN_TIME": n.LoginTime.UTC().Format(time.RFC3339), "FEEDBACK_TOKEN": n.FeedbackToken,
	}
	for k, v := range map[string]string{"CITY": n.City, "COUNTRY": n.Country, "DEVICE_NAME": n.DeviceName} {
		if v != "" {
			fields[k] = v
		}
	}
	err = t.SendCustom(ctx, tp, triggerCall(ctx, nil), trigger.SenderInput{
		Channel: trigger.ChannelEmail, Kind: trigger.MessageAccountTakeOverNotification, Username: u.Username, Attributes: fields,
	})
	return true, err
}
