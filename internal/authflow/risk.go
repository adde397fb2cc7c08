package authflow

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/url"
	"slices"

	"github.com/google/uuid"

	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/risk"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file is the threat-protection step of sign-in (spec §8) and the auth
// events it records. In a pool whose AdvancedSecurityMode is AUDIT or
// ENFORCED, every sign-in of a known user is assessed by package risk once
// its password (or SRP proof) is verified:
//
//   - a wrong password records a Fail event (Password: Failure); these are
//     what the failed-attempt velocity rule counts;
//   - a verified password records an InProgress event (Password: Success)
//     with the assessed level and decision, then:
//   - BLOCK (ENFORCED only) fails the sign-in with NotAuthorizedException
//     and marks the event Fail;
//   - MFA_IF_CONFIGURED / MFA_REQUIRED ask for an MFA challenge after any MFA
//     the user's own settings ask for (riskMFAStep). "Configured" means the
//     decision of package mfa for the user in a pool whose MFA were ON gives
//     a challenge or a choice: an enabled factor, a verified software token,
//     or a phone number (email address) when the pool offers SMS (email) MFA
//     [spec §8: SMS or email is sent even when unverified]. A user who cannot
//     answer MFA is let through on MFA_IF_CONFIGURED and blocked on
//     MFA_REQUIRED (the event's decision is then Block);
//   - the event becomes Pass, with every challenge answered, when the tokens
//     are issued; their event_id claim is its ID.
//
// With Notify set for the level (ENFORCED only), the user is sent an email
// (delivery.PurposeRiskNotification) rendered from the NotifyConfiguration
// template of the final action, whose {one-click-link-valid} and
// {one-click-link-invalid} links carry the event's FeedbackToken (feedbackURL;
// the outbox records it as the message's Code).
//
// In pools with threat protection OFF nothing is assessed or recorded and
// the tokens' event_id is a random UUID.

// Blocked sign-ins. Both are NotAuthorizedException; the wording is from
// application code that maps Cognito's answers ("When Adaptive
// Authentication blocked login attempt (seen in New Relic)" and "Seen when
// manually blocking an IP address").
var (
	errRiskBlocked = fault.New(fault.NotAuthorized, "Unable to login because of security reasons.")
	errIPBlocked   = fault.New(fault.NotAuthorized, "Request not allowed due to security reasons.")
)

// Auth event values (EventType, EventResponseType, ChallengeName,
// ChallengeResponse).
const (
	eventSignIn        = "SignIn"
	responsePass       = "Pass"
	responseFail       = "Fail"
	responseInProgress = "InProgress"
	challengePassword  = "Password"
	challengeMfa       = "Mfa"
	resultSuccess      = "Success"
	resultFailure      = "Failure"
)

// historySize is how many of a user's latest events the risk rules see.
const historySize = 100

// extRisk is the sessionState.Ext key of riskState.
const extRisk = "risk"

// riskState is the threat-protection part of a sign-in session.
type riskState struct {
	// Assessed is set once the sign-in was considered (whatever the mode).
	Assessed bool `json:"done,omitempty"`
	// EventID is the auth event of the sign-in; "" when none is recorded.
	EventID  string `json:"id,omitempty"`
	Level    string `json:"lvl,omitempty"`
	Decision string `json:"dec,omitempty"`
	// Action is the final action: NO_ACTION, MFA_IF_CONFIGURED or
	// MFA_REQUIRED (BLOCK never survives the assessment).
	Action      string                    `json:"act,omitempty"`
	Compromised bool                      `json:"cc,omitempty"`
	Challenges  []storage.ChallengeResult `json:"ch,omitempty"`
	Context     storage.EventContext      `json:"ctx"`
	// MFAChallenged is set when an MFA challenge was issued, so that passing
	// MFA is recorded (and a device that replaced MFA is not).
	MFAChallenged bool   `json:"mfa,omitempty"`
	FeedbackHash  string `json:"fb,omitempty"`
}

func (st *sessionState) risk() riskState { return getExt[riskState](st, extRisk) }

func (st *sessionState) setRisk(v riskState) { st.putExt(extRisk, v) }

// needsMFA reports whether threat protection asks for MFA.
func (r riskState) needsMFA() bool {
	return r.Action == risk.MFAIfConfigured || r.Action == risk.MFARequired
}

// protected reports whether threat protection is on (AUDIT or ENFORCED).
func protected(pool *userpool.Pool) bool { return pool.Settings.ThreatProtection() }

// eventContext is what an auth event records of where a request came from.
func eventContext(c risk.Context) storage.EventContext {
	dev := risk.Identify(c)
	ec := storage.EventContext{DeviceName: dev.Name, Timezone: dev.Timezone, DeviceFingerprint: dev.Fingerprint, UserAgent: c.UserAgent}
	if ip := risk.ParseIP(c.IP); ip.IsValid() {
		ec.IPAddress = ip.String()
	}
	return ec
}

// history returns the user's latest events as the risk rules see them.
func (s *Service) history(ctx context.Context, pool *userpool.Pool, u storage.User) ([]risk.Event, error) {
	events, _, err := s.Events.ListAuthEvents(ctx, pool.ID, u.UsernameKey, storage.Page{Limit: historySize})
	if err != nil {
		return nil, err
	}
	out := make([]risk.Event, 0, len(events))
	for _, e := range events {
		re := risk.Event{Time: e.CreatedAt, Pass: e.Response == responsePass, IP: risk.ParseIP(e.Context.IPAddress), Device: e.Context.DeviceFingerprint}
		for _, c := range e.ChallengeResponses {
			if c.Name == challengePassword && c.Response == resultFailure {
				re.WrongPassword = true
			}
		}
		if e.Feedback != nil {
			re.Feedback = e.Feedback.Value
		}
		out = append(out, re)
	}
	return out, nil
}

// riskConfig returns the risk configuration that applies to a sign-in
// through client. An unreadable document counts as none (and is logged).
func (s *Service) riskConfig(pool *userpool.Pool, client *userpool.Client) *risk.Configuration {
	cfg, err := risk.Effective(pool.RiskConfig, client.RiskConfig)
	if err != nil {
		s.log().Warn("ignoring a risk configuration", "pool", pool.ID, "client", client.ID, "error", err.Error())
		return nil
	}
	return cfg
}

// assess runs the engine for a sign-in attempt of u.
func (s *Service) assess(ctx context.Context, pool *userpool.Pool, client *userpool.Client, u storage.User, c risk.Context, knownDevice, compromised bool) (risk.Decision, *risk.Configuration, error) {
	history, err := s.history(ctx, pool, u)
	if err != nil {
		return risk.Decision{}, nil, err
	}
	a := risk.Attempt{
		Time: s.now(), IP: risk.ParseIP(c.IP), Device: risk.Identify(c).Fingerprint,
		KnownDevice: knownDevice, Compromised: compromised,
	}
	cfg := s.riskConfig(pool, client)
	return risk.Decide(cfg, pool.Settings.AdvancedSecurityMode(), risk.EventSignIn, a, risk.Assess(a, history)), cfg, nil
}

// signInFailed records a wrong password of u as a Fail event in a protected
// pool (assessed, never acted on) and returns cause.
func (s *Service) signInFailed(ctx context.Context, pool *userpool.Pool, client *userpool.Client, u storage.User, c risk.Context, cause error) error {
	if !protected(pool) || !errors.Is(cause, errIncorrect) {
		return cause
	}
	d, _, err := s.assess(ctx, pool, client, u, c, false, false)
	if err != nil {
		s.log().Warn("assessing a failed sign-in", "pool", pool.ID, "error", err.Error())
	}
	decision := d.RiskDecision
	if decision == risk.DecisionBlock {
		decision = risk.DecisionAccountTakeover // nothing was blocked: the password was wrong
	}
	e := storage.AuthEvent{
		PoolID: pool.ID, UsernameKey: u.UsernameKey, ID: uuid.NewString(), Type: eventSignIn,
		CreatedAt: s.now(), Response: responseFail, RiskDecision: decision, RiskLevel: d.Level,
		ChallengeResponses: []storage.ChallengeResult{{Name: challengePassword, Response: resultFailure}},
		Context:            eventContext(c),
	}
	if err := s.Events.AddAuthEvent(ctx, e); err != nil && !errors.Is(err, storage.ErrNotFound) {
		s.log().Warn("recording a failed sign-in", "pool", pool.ID, "error", err.Error())
	} else if err == nil {
		s.Pools.ExportAuthEvent(ctx, e) // the pool's user-activity log, if any
	}
	return cause
}

// riskStep assesses a sign-in whose password was just verified, once: it
// records the InProgress event, blocks, notifies, and leaves the action in
// the session state for riskMFAStep and the device ordering.
func (s *Service) riskStep(ctx context.Context, sc *signIn) error {
	rs := sc.state.risk()
	if rs.Assessed {
		return nil
	}
	rs.Assessed = true
	if !protected(sc.pool) {
		sc.state.setRisk(rs)
		return nil
	}
	compromised := sc.password != "" && s.Compromised.Contains(sc.password)
	d, cfg, err := s.assess(ctx, sc.pool, sc.client, sc.user, sc.context, sc.state.device().Known, compromised)
	if err != nil {
		return err
	}
	rs.EventID = uuid.NewString()
	rs.Level, rs.Decision, rs.Action, rs.Compromised = d.Level, d.RiskDecision, d.Action, d.Compromised
	rs.Context = eventContext(sc.context)
	rs.Challenges = []storage.ChallengeResult{{Name: challengePassword, Response: resultSuccess}}
	if d.NeedsMFA() && !s.canAnswerMFA(sc) {
		if d.Action == risk.MFARequired {
			rs.Action, rs.Decision = risk.Block, risk.DecisionBlock
		} else {
			rs.Action = risk.NoAction
		}
	}
	var token string
	if d.Notify {
		if token, err = newFeedbackToken(s.rand()); err != nil {
			return err
		}
		rs.FeedbackHash = userpool.HashFeedbackToken(token)
	}
	response := responseInProgress
	if rs.Action == risk.Block {
		response = responseFail
	}
	ev := s.authEvent(sc, rs, response)
	if err := s.Events.AddAuthEvent(ctx, ev); err != nil {
		return err
	}
	s.Pools.ExportAuthEvent(ctx, ev) // the pool's user-activity log, if any
	if d.Notify {
		s.notifyRisk(ctx, sc, cfg, rs, token)
	}
	if rs.Action == risk.Block {
		if slices.Contains(d.Reasons, risk.ReasonBlockedIP) {
			return errIPBlocked
		}
		return errRiskBlocked
	}
	sc.state.setRisk(rs)
	return nil
}

// canAnswerMFA reports whether the user could answer an MFA challenge that
// threat protection asks for (see the file comment).
func (s *Service) canAnswerMFA(sc *signIn) bool {
	d := riskMFADecision(sc)
	return d.Outcome == mfa.Challenge || d.Outcome == mfa.Select
}

// riskMFADecision is the MFA decision for the user as if the pool's MFA were
// ON: the factor threat protection challenges with.
func riskMFADecision(sc *signIn) mfa.Decision {
	p := sc.pool.Settings.MFA()
	p.Mode = mfa.ModeOn
	u := mfa.UserOf(&sc.user)
	if u.HasTOTP && !slices.Contains(u.Enabled, mfa.TOTP) {
		// A verified software token counts as configured, enabled or not.
		u.Enabled = append(slices.Clone(u.Enabled), mfa.TOTP)
	}
	return mfa.Decide(p, u)
}

// riskMFAStep issues the MFA challenge threat protection asks for, when the
// user's own MFA settings asked for none.
func (s *Service) riskMFAStep(ctx context.Context, sc *signIn) (*Result, error) {
	if sc.state.done(stepMFA) || !sc.state.risk().needsMFA() {
		return nil, nil
	}
	d := riskMFADecision(sc)
	if d.Outcome == mfa.Setup {
		return nil, nil // threat protection never sends a user to set a factor up
	}
	return s.issueMFA(ctx, sc, d)
}

// isMFAChallenge reports whether name is one of the MFA challenges.
func isMFAChallenge(name ChallengeName) bool {
	switch name {
	case ChallengeSMSMFA, ChallengeEmailOTP, ChallengeSoftwareToken, ChallengeSelectMFAType, ChallengeMFASetup:
		return true
	}
	return false
}

// noteChallenge records in the session state that an MFA challenge was
// issued, and, once MFA is passed after one, the Mfa: Success result.
func noteChallenge(sc *signIn, issued ChallengeName) {
	rs := sc.state.risk()
	if rs.EventID == "" {
		return
	}
	changed := false
	if isMFAChallenge(issued) && !rs.MFAChallenged {
		rs.MFAChallenged, changed = true, true
	}
	if rs.MFAChallenged && sc.state.done(stepMFA) && !slices.ContainsFunc(rs.Challenges, func(c storage.ChallengeResult) bool {
		return c.Name == challengeMfa && c.Response == resultSuccess
	}) {
		rs.Challenges = append(rs.Challenges, storage.ChallengeResult{Name: challengeMfa, Response: resultSuccess})
		changed = true
	}
	if changed {
		sc.state.setRisk(rs)
	}
}

// answered records a wrong answer to an MFA challenge (Mfa: Failure) on the
// sign-in's event.
func (s *Service) answered(ctx context.Context, sc *signIn, challenge ChallengeName, err error) {
	if err == nil || !isMFAChallenge(challenge) {
		return
	}
	switch fault.KindOf(err) {
	case fault.CodeMismatch, fault.ExpiredCode:
	default:
		return
	}
	rs := sc.state.risk()
	if rs.EventID == "" {
		return
	}
	_, uerr := s.Events.UpdateAuthEvent(ctx, sc.pool.ID, sc.user.UsernameKey, rs.EventID, func(e *storage.AuthEvent) error {
		e.ChallengeResponses = append(e.ChallengeResponses, storage.ChallengeResult{Name: challengeMfa, Response: resultFailure})
		return nil
	})
	if uerr != nil && !errors.Is(uerr, storage.ErrNotFound) {
		s.log().Warn("recording a failed MFA answer", "pool", sc.pool.ID, "error", uerr.Error())
	}
}

// signInPassed marks the sign-in's event Pass with every challenge result
// and returns its ID for the tokens' event_id ("" when none is recorded).
func (s *Service) signInPassed(ctx context.Context, sc *signIn) (string, error) {
	noteChallenge(sc, "")
	rs := sc.state.risk()
	if rs.EventID == "" {
		return "", nil
	}
	_, err := s.Events.UpdateAuthEvent(ctx, sc.pool.ID, sc.user.UsernameKey, rs.EventID, func(e *storage.AuthEvent) error {
		e.Response = responsePass
		// The stored results (with any failures, in order), then the
		// successes recorded since.
		for _, c := range rs.Challenges {
			if !slices.Contains(e.ChallengeResponses, c) {
				e.ChallengeResponses = append(e.ChallengeResponses, c)
			}
		}
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return rs.EventID, nil // the user went away meanwhile; the tokens still name the event
	}
	return rs.EventID, err
}

// authEvent builds the stored event of a sign-in from its risk state.
func (s *Service) authEvent(sc *signIn, rs riskState, response string) storage.AuthEvent {
	return storage.AuthEvent{
		PoolID: sc.pool.ID, UsernameKey: sc.user.UsernameKey, ID: rs.EventID, Type: eventSignIn,
		CreatedAt: s.now(), Response: response, RiskDecision: rs.Decision, RiskLevel: rs.Level,
		CompromisedCredentials: rs.Compromised, ChallengeResponses: slices.Clone(rs.Challenges),
		Context: rs.Context, FeedbackTokenHash: rs.FeedbackHash,
	}
}

// newFeedbackToken returns a FeedbackToken: 32 random bytes, base64url.
func newFeedbackToken(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// FeedbackURLScheme starts the links {one-click-link-valid} and
// {one-click-link-invalid} become. userpoold serves no feedback page: the
// link is a URL whose query holds what UpdateAuthEventFeedback takes
// (user_pool_id, username, event_id, feedback_token, feedback_value), for an
// app to pass on.
const FeedbackURLScheme = "userpoold-feedback:"

func feedbackURL(poolID, username, eventID, token, value string) string {
	q := url.Values{"user_pool_id": {poolID}, "username": {username}, "event_id": {eventID}, "feedback_token": {token}, "feedback_value": {value}}
	return FeedbackURLScheme + "?" + q.Encode()
}

// notifyRisk emails the user about a risky sign-in. Failures are logged:
// a notification never fails the sign-in.
func (s *Service) notifyRisk(ctx context.Context, sc *signIn, cfg *risk.Configuration, rs riskState, token string) {
	to, ok := userpool.GetAttribute(sc.user.Attributes, "email")
	if !ok || to == "" || s.Pools.Sender == nil {
		return
	}
	subject, body := delivery.DefaultRiskNotificationSubject, delivery.DefaultRiskNotificationMessage
	tmpl, from, replyTo := cfg.Template(rs.Action)
	if tmpl != nil {
		if tmpl.Subject != "" {
			subject = tmpl.Subject
		}
		switch {
		case tmpl.TextBody != "":
			body = tmpl.TextBody
		case tmpl.HtmlBody != "":
			body = tmpl.HtmlBody
		}
	}
	n := risk.Notification{
		Username: sc.user.Username, Time: s.now(), DeviceName: rs.Context.DeviceName, IP: rs.Context.IPAddress,
		City: rs.Context.City, Country: rs.Context.Country,
		LinkValid:   feedbackURL(sc.pool.ID, sc.user.Username, rs.EventID, token, risk.FeedbackValid),
		LinkInvalid: feedbackURL(sc.pool.ID, sc.user.Username, rs.EventID, token, risk.FeedbackInvalid),
	}
	// A pool's CustomEmailSender receives the notice instead
	// (CustomEmailSender_AccountTakeOverNotification).
	sent, err := s.Pools.SendTakeOverNotice(ctx, sc.pool, sc.user, userpool.TakeOverNotice{
		EventID: rs.EventID, Action: rs.Action, IP: n.IP, City: n.City, Country: n.Country, DeviceName: n.DeviceName,
		LinkValid: n.LinkValid, LinkInvalid: n.LinkInvalid, FeedbackToken: token, LoginTime: n.Time,
	})
	if sent || err != nil {
		if err != nil {
			s.log().Warn("risk notification not delivered", "pool", sc.pool.ID, "error", err.Error())
		}
		return
	}
	err = s.Pools.Sender.Send(ctx, delivery.Message{
		PoolID: sc.pool.ID, Username: sc.user.Username, Channel: delivery.ChannelEmail, Destination: to,
		Purpose: delivery.PurposeRiskNotification, Code: token,
		Subject: subject, Body: risk.Render(body, n), From: from, ReplyTo: replyTo,
	})
	if err != nil {
		s.log().Warn("risk notification not delivered", "pool", sc.pool.ID, "error", err.Error())
	}
}
