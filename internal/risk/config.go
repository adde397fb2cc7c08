package risk

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Configuration is a risk configuration document as stored in
// storage.Pool.RiskConfig and storage.Client.RiskConfig: the members of
// RiskConfigurationType that the engine acts on, under their wire names, so
// that the API layer's JSON of that shape decodes into it directly.
type Configuration struct {
	CompromisedCredentialsRiskConfiguration *CompromisedCredentials `json:"CompromisedCredentialsRiskConfiguration,omitempty"`
	AccountTakeoverRiskConfiguration        *AccountTakeover        `json:"AccountTakeoverRiskConfiguration,omitempty"`
	RiskExceptionConfiguration              *Exceptions             `json:"RiskExceptionConfiguration,omitempty"`
}

// CompromisedCredentials is CompromisedCredentialsRiskConfigurationType.
type CompromisedCredentials struct {
	// EventFilter lists SIGN_IN, PASSWORD_CHANGE and SIGN_UP; empty means
	// every event.
	EventFilter []string `json:"EventFilter,omitempty"`
	Actions     *struct {
		EventAction string `json:"EventAction"` // BLOCK or NO_ACTION
	} `json:"Actions,omitempty"`
}

// AccountTakeover is AccountTakeoverRiskConfigurationType.
type AccountTakeover struct {
	NotifyConfiguration *NotifyConfiguration `json:"NotifyConfiguration,omitempty"`
	Actions             *struct {
		LowAction    *Action `json:"LowAction,omitempty"`
		MediumAction *Action `json:"MediumAction,omitempty"`
		HighAction   *Action `json:"HighAction,omitempty"`
	} `json:"Actions,omitempty"`
}

// Action is AccountTakeoverActionType.
type Action struct {
	Notify      bool   `json:"Notify"`
	EventAction string `json:"EventAction"`
}

// NotifyConfiguration is NotifyConfigurationType.
type NotifyConfiguration struct {
	From          string       `json:"From,omitempty"`
	ReplyTo       string       `json:"ReplyTo,omitempty"`
	SourceArn     string       `json:"SourceArn,omitempty"`
	BlockEmail    *NotifyEmail `json:"BlockEmail,omitempty"`
	NoActionEmail *NotifyEmail `json:"NoActionEmail,omitempty"`
	MfaEmail      *NotifyEmail `json:"MfaEmail,omitempty"`
}

// NotifyEmail is NotifyEmailType.
type NotifyEmail struct {
	Subject  string `json:"Subject,omitempty"`
	HtmlBody string `json:"HtmlBody,omitempty"`
	TextBody string `json:"TextBody,omitempty"`
}

// Exceptions is RiskExceptionConfigurationType.
type Exceptions struct {
	BlockedIPRangeList []string `json:"BlockedIPRangeList,omitempty"`
	SkippedIPRangeList []string `json:"SkippedIPRangeList,omitempty"`
}

// ParseConfiguration decodes a stored risk configuration document; nil or
// empty gives nil (no configuration).
func ParseConfiguration(doc []byte) (*Configuration, error) {
	if len(doc) == 0 || string(doc) == "null" {
		return nil, nil
	}
	c := new(Configuration)
	if err := json.Unmarshal(doc, c); err != nil {
		return nil, fmt.Errorf("risk: unreadable risk configuration: %w", err)
	}
	return c, nil
}

// Effective returns the configuration that applies to a sign-in through a
// client: the client's own when it has one, else the pool's. (An app
// client's configuration replaces the pool's as a whole.)
func Effective(pool, client []byte) (*Configuration, error) {
	if len(client) > 0 && string(client) != "null" {
		return ParseConfiguration(client)
	}
	return ParseConfiguration(pool)
}

// action returns the account-takeover action configured for level, or nil.
func (c *Configuration) action(level string) *Action {
	at := c.AccountTakeoverRiskConfiguration
	if at == nil || at.Actions == nil {
		return nil
	}
	switch level {
	case Low:
		return at.Actions.LowAction
	case Medium:
		return at.Actions.MediumAction
	case High:
		return at.Actions.HighAction
	}
	return nil
}

// blocksCompromised reports whether compromised credentials are blocked for
// event.
func (c *Configuration) blocksCompromised(event string) bool {
	cc := c.CompromisedCredentialsRiskConfiguration
	if cc == nil || cc.Actions == nil || cc.Actions.EventAction != Block {
		return false
	}
	return len(cc.EventFilter) == 0 || slices.Contains(cc.EventFilter, event)
}

// Template returns the notification email for a final action (BlockEmail for
// BLOCK, MfaEmail for the MFA actions, NoActionEmail otherwise), and the
// sender and reply-to addresses, from the account-takeover
// NotifyConfiguration; nil when none is configured.
func (c *Configuration) Template(action string) (tmpl *NotifyEmail, from, replyTo string) {
	if c == nil || c.AccountTakeoverRiskConfiguration == nil || c.AccountTakeoverRiskConfiguration.NotifyConfiguration == nil {
		return nil, "", ""
	}
	n := c.AccountTakeoverRiskConfiguration.NotifyConfiguration
	switch action {
	case Block:
		tmpl = n.BlockEmail
	case MFAIfConfigured, MFARequired:
		tmpl = n.MfaEmail
	default:
		tmpl = n.NoActionEmail
	}
	return tmpl, n.From, n.ReplyTo
}
