package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/userpoold/userpoold/internal/awsjson"
	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/quota"
	"github.com/userpoold/userpoold/internal/storage"
)

// provisionedLimits is apiserver.ProvisionedLimits over storage: the
// rates UpdateProvisionedLimit sets are stored for the deployment and, with
// --enforce-quotas, applied to this node's limiter at once (other nodes
// read them at their next start: each node meters on its own, see package
// quota).
type provisionedLimits struct {
	store   storage.ProvisionedLimitStore
	limiter *quota.Limiter // nil when quotas are not enforced
}

// Get returns the category's limit: the stored rate, or its default.
func (p provisionedLimits) Get(ctx context.Context, class quota.LimitClass, attrs map[string]string) (quota.Limit, error) {
	d, err := quota.Resolve(class, attrs)
	if err != nil {
		return quota.Limit{}, err
	}
	stored, err := p.store.ProvisionedLimits(ctx)
	if err != nil {
		return quota.Limit{}, err
	}
	return d.Current(stored[string(d.Category)]), nil
}

// Update checks and stores a new rate for an adjustable category.
func (p provisionedLimits) Update(ctx context.Context, class quota.LimitClass, attrs map[string]string, requested int) (quota.Limit, error) {
	d, err := quota.Resolve(class, attrs)
	if err != nil {
		return quota.Limit{}, err
	}
	l, err := d.Provision(requested, quota.DefaultMaxMultiplier)
	if err != nil {
		return quota.Limit{}, err
	}
	if err := p.store.SetProvisionedLimit(ctx, string(l.Category), l.Provisioned); err != nil {
		return quota.Limit{}, err
	}
	if p.limiter != nil {
		p.limiter.SetRate(l.Category, l.Provisioned)
	}
	return l, nil
}

// newLimiter returns the limiter of --enforce-quotas (nil when off), with
// the stored provisioned rates, on the server's clock.
func newLimiter(ctx context.Context, enforce bool, store storage.ProvisionedLimitStore, now func() time.Time, log *slog.Logger) (*quota.Limiter, error) {
	if !enforce {
		return nil, nil
	}
	l := quota.NewLimiter(quota.Options{Now: now, Scope: quota.ScopeAccount})
	stored, err := store.ProvisionedLimits(ctx)
	if err != nil {
		return nil, err
	}
	for c, rps := range stored {
		l.SetRate(quota.Category(c), rps)
	}
	log.Info("request quotas enforced: calls beyond Cognito's per-category rates answer TooManyRequestsException")
	return l, nil
}

// throttled meters each call of op before e runs it: a call beyond its
// category's rate answers TooManyRequestsException "Rate exceeded", as
// Cognito does, and changes nothing.
func throttled(l *quota.Limiter, op string, e awsjson.Endpoint) awsjson.Endpoint {
	return func(ctx context.Context, body []byte) (any, error) {
		var target struct{ UserPoolId string }
		_ = json.Unmarshal(body, &target) // a bad body is the endpoint's to refuse
		if err := l.Allow(op, target.UserPoolId); err != nil {
			return nil, cognitoidp.NewTooManyRequestsException(quota.MsgRateExceeded)
		}
		return e(ctx, body)
	}
}
