package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// clientDoc is what storage.Client.Config holds: the client's settings in
// the UserPoolClientType shape without identity, secret and dates.
type clientDoc = cognitoidp.UserPoolClientType

func decodeClientDoc(c storage.Client) (*clientDoc, error) {
	d := new(clientDoc)
	if len(c.Config) > 0 {
		if err := json.Unmarshal(c.Config, d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func encodeClientDoc(d *clientDoc) (json.RawMessage, error) {
	c := *d
	c.UserPoolId, c.ClientId, c.ClientName, c.ClientSecret, c.CreationDate, c.LastModifiedDate = nil, nil, nil, nil, nil, nil
	return json.Marshal(c)
}

// clientSettings builds a client document from a Create or Update input (the
// members share names with UserPoolClientType), filling AWS's defaults and
// checking the rules the model cannot express.
func clientSettings(in any, pool *userpool.Pool, verb string) (*clientDoc, error) {
	d := new(clientDoc)
	if err := recode(in, d); err != nil {
		return nil, err
	}
	if d.RefreshTokenValidity == nil || *d.RefreshTokenValidity == 0 {
		d.RefreshTokenValidity = cognitoidp.Int32(30)
	}
	if d.TokenValidityUnits == nil {
		d.TokenValidityUnits = &cognitoidp.TokenValidityUnitsType{}
	}
	if d.AllowedOAuthFlowsUserPoolClient == nil {
		d.AllowedOAuthFlowsUserPoolClient = cognitoidp.Bool(false)
	}
	if d.EnableTokenRevocation == nil {
		d.EnableTokenRevocation = cognitoidp.Bool(true)
	}
	if d.EnablePropagateAdditionalUserContextData == nil {
		d.EnablePropagateAdditionalUserContextData = cognitoidp.Bool(false)
	}
	if d.AuthSessionValidity == nil {
		d.AuthSessionValidity = cognitoidp.Int32(3)
	}

	var cs userpool.ClientSettings
	if err := recode(d, &cs); err != nil {
		return nil, err
	}
	checks := []struct {
		got      time.Duration
		min, max time.Duration
	}{
		{cs.AccessTTL(), 5 * time.Minute, 24 * time.Hour},
		{cs.IDTTL(), 5 * time.Minute, 24 * time.Hour},
		{cs.RefreshTTL(), time.Hour, 3650 * 24 * time.Hour},
	}
	for _, c := range checks {
		if c.got < c.min || c.got > c.max {
			return nil, fault.New(fault.InvalidParameter, "Invalid range for token validity.") // UNCONFIRMED wording
		}
	}
	var legacy, allow bool
	for _, f := range d.ExplicitAuthFlows {
		if strings.HasPrefix(string(f), "ALLOW_") {
			allow = true
		} else {
			legacy = true
		}
		if f == cognitoidp.ExplicitAuthFlowsTypeAllowUserAuth {
			if err := pool.Settings.Tier().Require(userpool.FeatureChoiceBasedAuth); err != nil {
				return nil, err
			}
		}
	}
	if legacy && allow {
		return nil, fault.New(fault.InvalidParameter, "ExplicitAuthFlows can't mix legacy flows and ALLOW_ flows.") // UNCONFIRMED wording
	}
	for _, a := range d.ReadAttributes {
		if pool.Settings.Attribute(a) == nil {
			return nil, fault.Errorf(fault.InvalidParameter, "Invalid read attributes specified while %s a client", verb)
		}
	}
	for _, a := range d.WriteAttributes {
		def := pool.Settings.Attribute(a)
		if def == nil || !def.Mutable {
			return nil, fault.Errorf(fault.InvalidParameter, "Invalid write attributes specified while %s a client", verb)
		}
	}
	return d, nil
}

// errPropagateNeedsSecret: "You can only activate
// EnablePropagateAdditionalUserContextData in an app client that has a
// client secret" (API reference). UNCONFIRMED wording.
var errPropagateNeedsSecret = fault.New(fault.InvalidParameter, "EnablePropagateAdditionalUserContextData can only be activated for an app client with a client secret.")

// describeClient renders a stored client as UserPoolClientType.
func describeClient(c storage.Client) (*cognitoidp.UserPoolClientType, error) {
	d, err := decodeClientDoc(c)
	if err != nil {
		return nil, err
	}
	d.UserPoolId = cognitoidp.String(c.PoolID)
	d.ClientId = cognitoidp.String(c.ID)
	d.ClientName = cognitoidp.String(c.Name)
	if c.Secret != "" {
		d.ClientSecret = cognitoidp.String(c.Secret)
	}
	d.CreationDate = cognitoidp.Time(c.CreatedAt)
	d.LastModifiedDate = cognitoidp.Time(c.UpdatedAt)
	return d, nil
}

// CreateUserPoolClient creates an app client.
func (s *Server) CreateUserPoolClient(ctx context.Context, in *cognitoidp.CreateUserPoolClientInput) (*cognitoidp.CreateUserPoolClientOutput, error) {
	pool, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	d, err := clientSettings(in, pool, "creating")
	if err != nil {
		return nil, err
	}
	cfg, err := encodeClientDoc(d)
	if err != nil {
		return nil, err
	}
	id, err := userpool.NewClientID(s.Rand)
	if err != nil {
		return nil, err
	}
	var secret string
	switch {
	case in.ClientSecret != nil:
		secret = *in.ClientSecret
	case cognitoidp.ToValue(in.GenerateSecret):
		if secret, err = userpool.NewClientSecret(s.Rand); err != nil {
			return nil, err
		}
	}
	if secret == "" && cognitoidp.ToValue(d.EnablePropagateAdditionalUserContextData) {
		return nil, errPropagateNeedsSecret
	}
	now := s.now()
	c := storage.Client{PoolID: pool.ID, ID: id, Name: str(in.ClientName), Secret: secret, CreatedAt: now, UpdatedAt: now, Config: cfg}
	if err := s.Store.CreateClient(ctx, c); err != nil {
		return nil, err
	}
	out, err := describeClient(c)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.CreateUserPoolClientOutput{UserPoolClient: out}, nil
}

// loadClient returns a client of the named pool, or the errors Cognito gives
// for a missing pool or client.
func (s *Server) loadClient(ctx context.Context, poolID, clientID string) (storage.Client, error) {
	if _, err := s.loadPool(ctx, poolID); err != nil {
		return storage.Client{}, err
	}
	c, err := s.Store.GetClient(ctx, clientID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && c.PoolID != poolID) {
		return storage.Client{}, userpool.ClientNotFound(clientID)
	}
	return c, err
}

// DescribeUserPoolClient returns an app client's settings, secret included.
func (s *Server) DescribeUserPoolClient(ctx context.Context, in *cognitoidp.DescribeUserPoolClientInput) (*cognitoidp.DescribeUserPoolClientOutput, error) {
	c, err := s.loadClient(ctx, str(in.UserPoolId), str(in.ClientId))
	if err != nil {
		return nil, err
	}
	out, err := describeClient(c)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.DescribeUserPoolClientOutput{UserPoolClient: out}, nil
}

// UpdateUserPoolClient replaces an app client's settings; omitted settings
// return to their defaults, as in Cognito.
func (s *Server) UpdateUserPoolClient(ctx context.Context, in *cognitoidp.UpdateUserPoolClientInput) (*cognitoidp.UpdateUserPoolClientOutput, error) {
	pool, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	d, err := clientSettings(in, pool, "updating")
	if err != nil {
		return nil, err
	}
	cfg, err := encodeClientDoc(d)
	if err != nil {
		return nil, err
	}
	c, err := s.Store.UpdateClient(ctx, str(in.ClientId), func(c *storage.Client) error {
		if c.PoolID != pool.ID {
			return userpool.ClientNotFound(c.ID)
		}
		if c.Secret == "" && cognitoidp.ToValue(d.EnablePropagateAdditionalUserContextData) {
			return errPropagateNeedsSecret
		}
		c.Config = cfg
		if in.ClientName != nil {
			c.Name = *in.ClientName
		}
		c.UpdatedAt = s.now()
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, userpool.ClientNotFound(str(in.ClientId))
	}
	if err != nil {
		return nil, err
	}
	out, err := describeClient(c)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.UpdateUserPoolClientOutput{UserPoolClient: out}, nil
}

// DeleteUserPoolClient deletes an app client.
func (s *Server) DeleteUserPoolClient(ctx context.Context, in *cognitoidp.DeleteUserPoolClientInput) (*cognitoidp.DeleteUserPoolClientOutput, error) {
	c, err := s.loadClient(ctx, str(in.UserPoolId), str(in.ClientId))
	if err != nil {
		return nil, err
	}
	if err := s.Store.DeleteClient(ctx, c.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	return &cognitoidp.DeleteUserPoolClientOutput{}, nil
}

// ListUserPoolClients lists a pool's app clients.
func (s *Server) ListUserPoolClients(ctx context.Context, in *cognitoidp.ListUserPoolClientsInput) (*cognitoidp.ListUserPoolClientsOutput, error) {
	if _, err := s.loadPool(ctx, str(in.UserPoolId)); err != nil {
		return nil, err
	}
	limit := int(cognitoidp.ToValue(in.MaxResults))
	if limit == 0 {
		limit = 60
	}
	clients, next, err := s.Store.ListClients(ctx, str(in.UserPoolId), storage.Page{After: str(in.NextToken), Limit: limit})
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.ListUserPoolClientsOutput{UserPoolClients: []cognitoidp.UserPoolClientDescription{}}
	for _, c := range clients {
		out.UserPoolClients = append(out.UserPoolClients, cognitoidp.UserPoolClientDescription{
			ClientId: cognitoidp.String(c.ID), UserPoolId: cognitoidp.String(c.PoolID), ClientName: cognitoidp.String(c.Name),
		})
	}
	if next != "" {
		out.NextToken = cognitoidp.String(next)
	}
	return out, nil
}
