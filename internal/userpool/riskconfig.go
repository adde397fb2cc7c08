package userpool

import (
	"context"
	"encoding/json"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/risk"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file holds threat protection's configuration (spec §8):
// SetRiskConfiguration and DescribeRiskConfiguration, per pool and per app
// client. Package risk is the engine that reads it; sign-in applies it
// (authflow/risk.go).

// ErrAddOnNotEnabled answers the threat-protection operations in a pool
// whose AdvancedSecurityMode is OFF (UserPoolAddOnNotEnabledException;
// wording UNCONFIRMED).
var ErrAddOnNotEnabled = fault.New(fault.UserPoolAddOnNotEnabled, "Advanced security features are not enabled for this user pool.")

// errIPRange answers a BlockedIPRangeList or SkippedIPRangeList entry that
// is neither a CIDR block nor an address. Wording UNCONFIRMED.
func errIPRange(v string) error {
	return fault.Errorf(fault.InvalidParameter, "Invalid IP address range given: %s", v)
}

// RiskConfig is a risk configuration as SetRiskConfiguration gives it:
// RiskConfigurationType's three configuration members, under the wire
// names, kept as given (package risk reads them).
type RiskConfig struct {
	CompromisedCredentialsRiskConfiguration json.RawMessage `json:"CompromisedCredentialsRiskConfiguration,omitzero"`
	AccountTakeoverRiskConfiguration        json.RawMessage `json:"AccountTakeoverRiskConfiguration,omitzero"`
	RiskExceptionConfiguration              json.RawMessage `json:"RiskExceptionConfiguration,omitzero"`
}

// storedRisk is the document storage.Pool.RiskConfig and
// storage.Client.RiskConfig hold: the configuration and when it was set
// (LastModifiedDate, Unix seconds to the millisecond).
type storedRisk struct {
	RiskConfig
	LastModifiedDate float64 `json:"LastModifiedDate"`
}

// riskPool loads a pool whose threat protection is on and, when clientID is
// set, one of its app clients.
func (s *Service) riskPool(ctx context.Context, poolID, clientID string) (*Pool, *Client, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return nil, nil, err
	}
	var c *Client
	if clientID != "" {
		if c, err = s.LoadClient(ctx, p.ID, clientID); err != nil {
			return nil, nil, err
		}
	}
	if !p.Settings.ThreatProtection() {
		return nil, nil, ErrAddOnNotEnabled
	}
	return p, c, nil
}

// SetRiskConfiguration replaces the risk configuration of a pool, or of one
// of its app clients when clientID is set (which then overrides the pool's
// as a whole), and returns the document stored. A configuration with no
// member resets it: the pool to no actions, the client to the pool's (nil
// is returned). The pool must have threat protection on.
func (s *Service) SetRiskConfiguration(ctx context.Context, poolID, clientID string, cfg RiskConfig) (json.RawMessage, error) {
	p, c, err := s.riskPool(ctx, poolID, clientID)
	if err != nil {
		return nil, err
	}
	if len(cfg.RiskExceptionConfiguration) > 0 {
		var ex risk.Exceptions
		if err := json.Unmarshal(cfg.RiskExceptionConfiguration, &ex); err != nil {
			return nil, err
		}
		for _, list := range [][]string{ex.BlockedIPRangeList, ex.SkippedIPRangeList} {
			for _, r := range list {
				if _, err := risk.ParseRange(r); err != nil {
					return nil, errIPRange(r)
				}
			}
		}
	}
	var doc json.RawMessage
	if cfg.CompromisedCredentialsRiskConfiguration != nil || cfg.AccountTakeoverRiskConfiguration != nil || cfg.RiskExceptionConfiguration != nil {
		at := float64(s.now().UnixMilli()) / 1000
		if doc, err = json.Marshal(storedRisk{RiskConfig: cfg, LastModifiedDate: at}); err != nil {
			return nil, err
		}
	}
	if c != nil {
		_, err = s.Clients.UpdateClient(ctx, c.ID, func(sc *storage.Client) error {
			sc.RiskConfig = doc
			return nil
		})
	} else {
		_, err = s.Pools.UpdatePool(ctx, p.ID, func(sp *storage.Pool) error {
			sp.RiskConfig = doc
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// RiskConfiguration returns the stored risk configuration document of a
// pool, or the one that applies to one of its app clients when clientID is
// set: the client's own, else the pool's (DescribeRiskConfiguration). nil
// means none. The pool must have threat protection on.
func (s *Service) RiskConfiguration(ctx context.Context, poolID, clientID string) (json.RawMessage, error) {
	p, c, err := s.riskPool(ctx, poolID, clientID)
	if err != nil {
		return nil, err
	}
	if c != nil && len(c.RiskConfig) > 0 {
		return c.RiskConfig, nil
	}
	return p.RiskConfig, nil
}
