package userpool

import (
	"context"

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
