package apiserver

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file implements threat protection's configuration and history
// (spec §8): SetRiskConfiguration and DescribeRiskConfiguration (per pool
// and per app client), AdminListUserAuthEvents, UpdateAuthEventFeedback and
// AdminUpdateAuthEventFeedback. The engine is package risk; sign-in applies
// it (authflow/risk.go).
//
// All of them need threat protection on: a pool whose AdvancedSecurityMode
// is OFF answers UserPoolAddOnNotEnabledException (userpool.ErrAddOnNotEnabled;
// wording UNCONFIRMED). Turning it on needs the PLUS tier (userpool/tier.go).
// The rules live in userpool/riskconfig.go and userpool/authevents.go.

// riskDocument is the stored risk configuration (storage.Pool.RiskConfig,
// storage.Client.RiskConfig; userpool/riskconfig.go writes it) as the wire
// types read it: RiskConfigurationType without the IDs, which come from
// where it is stored.
type riskDocument struct {
	CompromisedCredentialsRiskConfiguration *cognitoidp.CompromisedCredentialsRiskConfigurationType `json:"CompromisedCredentialsRiskConfiguration,omitzero"`
	AccountTakeoverRiskConfiguration        *cognitoidp.AccountTakeoverRiskConfigurationType        `json:"AccountTakeoverRiskConfiguration,omitzero"`
	RiskExceptionConfiguration              *cognitoidp.RiskExceptionConfigurationType              `json:"RiskExceptionConfiguration,omitzero"`
	LastModifiedDate                        *cognitoidp.Timestamp                                   `json:"LastModifiedDate,omitzero"`
}

// riskConfiguration renders a stored document for pool (and client).
func riskConfiguration(poolID, clientID string, doc []byte) (*cognitoidp.RiskConfigurationType, error) {
	out := &cognitoidp.RiskConfigurationType{UserPoolId: cognitoidp.String(poolID)}
	if clientID != "" {
		out.ClientId = cognitoidp.String(clientID)
	}
	if len(doc) > 0 {
		var d riskDocument
		if err := json.Unmarshal(doc, &d); err != nil {
			return nil, fmt.Errorf("apiserver: unreadable risk configuration of %s: %w", poolID, err)
		}
		out.CompromisedCredentialsRiskConfiguration = d.CompromisedCredentialsRiskConfiguration
		out.AccountTakeoverRiskConfiguration = d.AccountTakeoverRiskConfiguration
		out.RiskExceptionConfiguration = d.RiskExceptionConfiguration
		out.LastModifiedDate = d.LastModifiedDate
	}
	return out, nil
}

// rawMember is the JSON of a wire member, or nil when it is absent.
func rawMember[T any](v *T) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

// SetRiskConfiguration replaces the risk configuration of a pool, or of one
// of its app clients (which then overrides the pool's as a whole). A
// request with no configuration resets it: the pool to no actions, the
// client to the pool's.
func (s *Server) SetRiskConfiguration(ctx context.Context, in *cognitoidp.SetRiskConfigurationInput) (*cognitoidp.SetRiskConfigurationOutput, error) {
	var cfg userpool.RiskConfig
	var err error
	if cfg.CompromisedCredentialsRiskConfiguration, err = rawMember(in.CompromisedCredentialsRiskConfiguration); err != nil {
		return nil, err
	}
	if cfg.AccountTakeoverRiskConfiguration, err = rawMember(in.AccountTakeoverRiskConfiguration); err != nil {
		return nil, err
	}
	if cfg.RiskExceptionConfiguration, err = rawMember(in.RiskExceptionConfiguration); err != nil {
		return nil, err
	}
	doc, err := s.Pools.SetRiskConfiguration(ctx, str(in.UserPoolId), str(in.ClientId), cfg)
	if err != nil {
		return nil, err
	}
	rc, err := riskConfiguration(str(in.UserPoolId), str(in.ClientId), doc)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.SetRiskConfigurationOutput{RiskConfiguration: rc}, nil
}

// DescribeRiskConfiguration returns the risk configuration of a pool, or
// the one that applies to an app client: its own, else the pool's (with
// the ClientId asked for; UNCONFIRMED).
func (s *Server) DescribeRiskConfiguration(ctx context.Context, in *cognitoidp.DescribeRiskConfigurationInput) (*cognitoidp.DescribeRiskConfigurationOutput, error) {
	doc, err := s.Pools.RiskConfiguration(ctx, str(in.UserPoolId), str(in.ClientId))
	if err != nil {
		return nil, err
	}
	rc, err := riskConfiguration(str(in.UserPoolId), str(in.ClientId), doc)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.DescribeRiskConfigurationOutput{RiskConfiguration: rc}, nil
}

// authEventType renders an auth event as AuthEventType.
func authEventType(e storage.AuthEvent) cognitoidp.AuthEventType {
	out := cognitoidp.AuthEventType{
		EventId:            cognitoidp.String(e.ID),
		EventType:          ptr(cognitoidp.EventType(e.Type)),
		CreationDate:       cognitoidp.Time(e.CreatedAt),
		EventResponse:      ptr(cognitoidp.EventResponseType(e.Response)),
		EventRisk:          &cognitoidp.EventRiskType{CompromisedCredentialsDetected: cognitoidp.Bool(e.CompromisedCredentials)},
		ChallengeResponses: []cognitoidp.ChallengeResponseType{},
	}
	if e.RiskDecision != "" {
		out.EventRisk.RiskDecision = ptr(cognitoidp.RiskDecisionType(e.RiskDecision))
	}
	if e.RiskLevel != "" {
		out.EventRisk.RiskLevel = ptr(cognitoidp.RiskLevelType(e.RiskLevel))
	}
	for _, c := range e.ChallengeResponses {
		out.ChallengeResponses = append(out.ChallengeResponses, cognitoidp.ChallengeResponseType{
			ChallengeName:     ptr(cognitoidp.ChallengeName(c.Name)),
			ChallengeResponse: ptr(cognitoidp.ChallengeResponse(c.Response)),
		})
	}
	ctx := &cognitoidp.EventContextDataType{}
	set := func(dst **string, v string) {
		if v != "" {
			*dst = cognitoidp.String(v)
		}
	}
	set(&ctx.IpAddress, e.Context.IPAddress)
	set(&ctx.DeviceName, e.Context.DeviceName)
	set(&ctx.Timezone, e.Context.Timezone)
	set(&ctx.City, e.Context.City)
	set(&ctx.Country, e.Context.Country)
	if *ctx != (cognitoidp.EventContextDataType{}) {
		out.EventContextData = ctx
	}
	if f := e.Feedback; f != nil {
		out.EventFeedback = &cognitoidp.EventFeedbackType{
			FeedbackValue: ptr(cognitoidp.FeedbackValueType(f.Value)),
			Provider:      cognitoidp.String(f.Provider),
		}
		if !f.Date.IsZero() {
			out.EventFeedback.FeedbackDate = cognitoidp.Time(f.Date)
		}
	}
	return out
}

// AdminListUserAuthEvents lists a user's sign-in history, newest first.
func (s *Server) AdminListUserAuthEvents(ctx context.Context, in *cognitoidp.AdminListUserAuthEventsInput) (*cognitoidp.AdminListUserAuthEventsOutput, error) {
	events, next, err := s.Pools.AuthEvents(ctx, str(in.UserPoolId), str(in.Username), cognitoidp.ToValue(in.MaxResults), str(in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.AdminListUserAuthEventsOutput{AuthEvents: []cognitoidp.AuthEventType{}, NextToken: nextToken(next)}
	for _, e := range events {
		out.AuthEvents = append(out.AuthEvents, authEventType(e))
	}
	return out, nil
}

// UpdateAuthEventFeedback records a user's verdict on a sign-in, authorized
// by the FeedbackToken of the event's notification email (unsigned).
func (s *Server) UpdateAuthEventFeedback(ctx context.Context, in *cognitoidp.UpdateAuthEventFeedbackInput) (*cognitoidp.UpdateAuthEventFeedbackOutput, error) {
	err := s.Pools.EventFeedback(ctx, str(in.UserPoolId), str(in.Username), str(in.EventId), str(in.FeedbackToken), string(cognitoidp.ToValue(in.FeedbackValue)), false)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.UpdateAuthEventFeedbackOutput{}, nil
}

// AdminUpdateAuthEventFeedback records an administrator's verdict on a
// sign-in.
func (s *Server) AdminUpdateAuthEventFeedback(ctx context.Context, in *cognitoidp.AdminUpdateAuthEventFeedbackInput) (*cognitoidp.AdminUpdateAuthEventFeedbackOutput, error) {
	err := s.Pools.EventFeedback(ctx, str(in.UserPoolId), str(in.Username), str(in.EventId), "", string(cognitoidp.ToValue(in.FeedbackValue)), true)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.AdminUpdateAuthEventFeedbackOutput{}, nil
}
