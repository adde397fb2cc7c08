package apiserver

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/userpoold/userpoold/internal/authflow"
	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/risk"
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
// is OFF answers UserPoolAddOnNotEnabledException (authflow.ErrAddOnNotEnabled;
// wording UNCONFIRMED). Turning it on needs the PLUS tier, which
// CreateUserPool/UpdateUserPool enforce with FeatureUnavailableInTierException
// "The following features need to be disabled for the <TIER> pricing tier
// configured: Threat Protection" (pools.go; spec §8).

// riskDocument is the stored risk configuration: RiskConfigurationType
// without the IDs, which come from where it is stored.
type riskDocument struct {
	CompromisedCredentialsRiskConfiguration *cognitoidp.CompromisedCredentialsRiskConfigurationType `json:"CompromisedCredentialsRiskConfiguration,omitzero"`
	AccountTakeoverRiskConfiguration        *cognitoidp.AccountTakeoverRiskConfigurationType        `json:"AccountTakeoverRiskConfiguration,omitzero"`
	RiskExceptionConfiguration              *cognitoidp.RiskExceptionConfigurationType              `json:"RiskExceptionConfiguration,omitzero"`
	LastModifiedDate                        *cognitoidp.Timestamp                                   `json:"LastModifiedDate,omitzero"`
}

// errIPRange answers a BlockedIPRangeList or SkippedIPRangeList entry that
// is neither a CIDR block nor an address. Wording UNCONFIRMED.
func errIPRange(v string) error {
	return fault.Errorf(fault.InvalidParameter, "Invalid IP address range given: %s", v)
}

// riskPool loads a pool whose threat protection is on and, when clientID is
// set, one of its app clients.
func (s *Server) riskPool(ctx context.Context, poolID, clientID string) (*userpool.Pool, *userpool.Client, error) {
	p, err := s.Pools.LoadPool(ctx, poolID)
	if err != nil {
		return nil, nil, err
	}
	var c *userpool.Client
	if clientID != "" {
		if c, err = s.Pools.LoadClient(ctx, p.ID, clientID); err != nil {
			return nil, nil, err
		}
	}
	if p.Settings.AdvancedSecurityMode() == risk.ModeOff {
		return nil, nil, authflow.ErrAddOnNotEnabled
	}
	return p, c, nil
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

// SetRiskConfiguration replaces the risk configuration of a pool, or of one
// of its app clients (which then overrides the pool's as a whole). A
// request with no configuration resets it: the pool to no actions, the
// client to the pool's.
func (s *Server) SetRiskConfiguration(ctx context.Context, in *cognitoidp.SetRiskConfigurationInput) (*cognitoidp.SetRiskConfigurationOutput, error) {
	p, c, err := s.riskPool(ctx, str(in.UserPoolId), str(in.ClientId))
	if err != nil {
		return nil, err
	}
	if ex := in.RiskExceptionConfiguration; ex != nil {
		for _, list := range [][]string{ex.BlockedIPRangeList, ex.SkippedIPRangeList} {
			for _, r := range list {
				if _, err := risk.ParseRange(r); err != nil {
					return nil, errIPRange(r)
				}
			}
		}
	}
	var doc []byte
	if in.CompromisedCredentialsRiskConfiguration != nil || in.AccountTakeoverRiskConfiguration != nil || in.RiskExceptionConfiguration != nil {
		doc, err = json.Marshal(riskDocument{
			CompromisedCredentialsRiskConfiguration: in.CompromisedCredentialsRiskConfiguration,
			AccountTakeoverRiskConfiguration:        in.AccountTakeoverRiskConfiguration,
			RiskExceptionConfiguration:              in.RiskExceptionConfiguration,
			LastModifiedDate:                        cognitoidp.Time(s.now()),
		})
		if err != nil {
			return nil, err
		}
	}
	if c != nil {
		_, err = s.Store.UpdateClient(ctx, c.ID, func(sc *storage.Client) error {
			sc.RiskConfig = doc
			return nil
		})
	} else {
		_, err = s.Store.UpdatePool(ctx, p.ID, func(sp *storage.Pool) error {
			sp.RiskConfig = doc
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	clientID := ""
	if c != nil {
		clientID = c.ID
	}
	rc, err := riskConfiguration(p.ID, clientID, doc)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.SetRiskConfigurationOutput{RiskConfiguration: rc}, nil
}

// DescribeRiskConfiguration returns the risk configuration of a pool, or
// the one that applies to an app client: its own, else the pool's (with
// the ClientId asked for; UNCONFIRMED).
func (s *Server) DescribeRiskConfiguration(ctx context.Context, in *cognitoidp.DescribeRiskConfigurationInput) (*cognitoidp.DescribeRiskConfigurationOutput, error) {
	p, c, err := s.riskPool(ctx, str(in.UserPoolId), str(in.ClientId))
	if err != nil {
		return nil, err
	}
	doc, clientID := []byte(p.RiskConfig), ""
	if c != nil {
		clientID = c.ID
		if len(c.RiskConfig) > 0 {
			doc = c.RiskConfig
		}
	}
	rc, err := riskConfiguration(p.ID, clientID, doc)
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
	events, next, err := s.Auth.AuthEvents(ctx, str(in.UserPoolId), str(in.Username), cognitoidp.ToValue(in.MaxResults), str(in.NextToken))
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
	err := s.Auth.EventFeedback(ctx, str(in.UserPoolId), str(in.Username), str(in.EventId), str(in.FeedbackToken), string(cognitoidp.ToValue(in.FeedbackValue)), false)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.UpdateAuthEventFeedbackOutput{}, nil
}

// AdminUpdateAuthEventFeedback records an administrator's verdict on a
// sign-in.
func (s *Server) AdminUpdateAuthEventFeedback(ctx context.Context, in *cognitoidp.AdminUpdateAuthEventFeedbackInput) (*cognitoidp.AdminUpdateAuthEventFeedbackOutput, error) {
	err := s.Auth.EventFeedback(ctx, str(in.UserPoolId), str(in.Username), str(in.EventId), "", string(cognitoidp.ToValue(in.FeedbackValue)), true)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.AdminUpdateAuthEventFeedbackOutput{}, nil
}
