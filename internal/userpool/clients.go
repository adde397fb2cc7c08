package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file is the lifecycle of app clients: creation with Cognito's
// defaults and rules, updates, deletion and listing.

// App client faults.
var (
	// errTokenValidity: a token lifetime outside Cognito's ranges.
	// UNCONFIRMED wording.
	errTokenValidity = fault.New(fault.InvalidParameter, "Invalid range for token validity.")
	// errMixedFlows: UNCONFIRMED wording.
	errMixedFlows = fault.New(fault.InvalidParameter, "ExplicitAuthFlows can't mix legacy flows and ALLOW_ flows.")
	// errPropagateNeedsSecret: "You can only activate
	// EnablePropagateAdditionalUserContextData in an app client that has a
	// client secret" (API reference). UNCONFIRMED wording.
	errPropagateNeedsSecret = fault.New(fault.InvalidParameter, "EnablePropagateAdditionalUserContextData can only be activated for an app client with a client secret.")
)

// Token lifetime ranges of app clients.
const (
	minAccessTTL  = 5 * time.Minute
	maxAccessTTL  = 24 * time.Hour
	minRefreshTTL = time.Hour
	maxRefreshTTL = 3650 * 24 * time.Hour
)

// ClientInput is a CreateUserPoolClient request.
type ClientInput struct {
	// ID is a fixed client ID (bootstrap files declare one); "" makes a new
	// random one, as CreateUserPoolClient always does. Client IDs are
	// unique across pools (CheckClientID gives the form).
	ID   string
	Name string
	// Settings are the requested settings; every setting they leave out
	// gets Cognito's default.
	Settings ClientSettings
	// Secret is the ClientSecret the request gives; "" for none.
	Secret string
	// GenerateSecret asks for a new secret when Secret is "".
	GenerateSecret bool
}

// ClientUpdate is an UpdateUserPoolClient request.
type ClientUpdate struct {
	// Name replaces the client's when not nil.
	Name *string
	// Settings replace the client's: every setting they leave out returns
	// to its default, as in Cognito.
	Settings ClientSettings
}

// clientDefaults fills Cognito's defaults into st.
func clientDefaults(st *ClientSettings) {
	if st.RefreshTokenValidity == nil || *st.RefreshTokenValidity == 0 {
		st.RefreshTokenValidity = ptr(int32(30))
	}
	if st.TokenValidityUnits == nil {
		st.TokenValidityUnits = &TokenValidityUnits{}
	}
	if st.AllowedOAuthFlowsUserPoolClient == nil {
		st.AllowedOAuthFlowsUserPoolClient = ptr(false)
	}
	if st.EnableTokenRevocation == nil {
		st.EnableTokenRevocation = ptr(true)
	}
	if st.EnablePropagateAdditionalUserContextData == nil {
		st.EnablePropagateAdditionalUserContextData = ptr(false)
	}
	if st.AuthSessionValidity == nil {
		st.AuthSessionValidity = ptr(int32(3))
	}
}

// checkClientRules applies the rules the model cannot express to a
// client's settings in pool p; verb ("creating" or "updating") words the
// attribute errors.
func checkClientRules(p *Pool, st *ClientSettings, verb string) error {
	for _, c := range []struct {
		got, min, max time.Duration
	}{
		{st.AccessTTL(), minAccessTTL, maxAccessTTL},
		{st.IDTTL(), minAccessTTL, maxAccessTTL},
		{st.RefreshTTL(), minRefreshTTL, maxRefreshTTL},
	} {
		if c.got < c.min || c.got > c.max {
			return errTokenValidity
		}
	}
	var legacy, allow bool
	for _, f := range st.ExplicitAuthFlows {
		if f.IsLegacy() {
			legacy = true
		} else {
			allow = true
		}
		if f == AllowUserAuth {
			if err := p.Settings.Tier().Require(FeatureChoiceBasedAuth); err != nil {
				return err
			}
		}
	}
	if legacy && allow {
		return errMixedFlows
	}
	for _, a := range st.ReadAttributes {
		if p.Settings.Attribute(a) == nil {
			return fault.Errorf(fault.InvalidParameter, "Invalid read attributes specified while %s a client", verb)
		}
	}
	for _, a := range st.WriteAttributes {
		def := p.Settings.Attribute(a)
		if def == nil || !def.Mutable {
			return fault.Errorf(fault.InvalidParameter, "Invalid write attributes specified while %s a client", verb)
		}
	}
	return nil
}

// clientConfig loads pool poolID, gives requested the defaults, checks the
// rules (verb words their errors) and returns the pool, the settings and
// the document to store.
func (s *Service) clientConfig(ctx context.Context, poolID string, requested ClientSettings, verb string) (*Pool, *ClientSettings, json.RawMessage, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return nil, nil, nil, err
	}
	st := requested
	clientDefaults(&st)
	if err := checkClientRules(p, &st, verb); err != nil {
		return nil, nil, nil, err
	}
	cfg, err := json.Marshal(&st)
	if err != nil {
		return nil, nil, nil, err
	}
	return p, &st, cfg, nil
}

// oauthScopes returns the custom scopes pool p defines, for checkOAuth
// (nil when there is no OAuthRules to check them).
func (s *Service) oauthScopes(ctx context.Context, p *Pool) ([]string, error) {
	if s.OAuth == nil {
		return nil, nil
	}
	return s.CustomScopes(ctx, p.ID)
}

// checkOAuth checks a client's OAuth members (OAuthRules.CheckClient) and
// that every SupportedIdentityProviders name exists in pool p. It is pure,
// so that it can run inside an update.
func (s *Service) checkOAuth(p *Pool, st *ClientSettings, hasSecret bool, customScopes, providers []string) error {
	for _, name := range st.SupportedIdentityProviders {
		if !identityProviderExists(name, providers) {
			// AWS's wording (lgallard/terraform-aws-cognito-user-pool#71).
			return fault.Errorf(fault.InvalidParameter, "The provider %s does not exist for User Pool %s", name, p.ID)
		}
	}
	if s.OAuth == nil {
		return nil
	}
	return s.OAuth.CheckClient(OAuthClient{
		HasSecret:          hasSecret,
		Enabled:            flag(st.AllowedOAuthFlowsUserPoolClient),
		Flows:              st.AllowedOAuthFlows,
		Scopes:             st.AllowedOAuthScopes,
		CallbackURLs:       st.CallbackURLs,
		LogoutURLs:         st.LogoutURLs,
		DefaultRedirectURI: str(st.DefaultRedirectURI),
		IdentityProviders:  st.SupportedIdentityProviders,
	}, customScopes)
}

// ProviderCognito is the SupportedIdentityProviders name of the pool's own
// users: the login page's username and password form.
const ProviderCognito = "COGNITO"

// identityProviderExists reports whether an app client may name provider
// in SupportedIdentityProviders: COGNITO always, and the names of the
// pool's identity providers (exact match).
func identityProviderExists(provider string, providers []string) bool {
	return provider == ProviderCognito || slices.Contains(providers, provider)
}

// CreateClient creates an app client of pool poolID.
func (s *Service) CreateClient(ctx context.Context, poolID string, in ClientInput) (*Client, error) {
	p, st, cfg, err := s.clientConfig(ctx, poolID, in.Settings, "creating")
	if err != nil {
		return nil, err
	}
	id := in.ID
	if id == "" {
		if id, err = NewClientID(s.rand()); err != nil {
			return nil, err
		}
	} else if err := CheckClientID(id); err != nil {
		return nil, err
	}
	secret := in.Secret
	if secret == "" && in.GenerateSecret {
		if secret, err = NewClientSecret(s.rand()); err != nil {
			return nil, err
		}
	}
	if secret == "" && st.PropagatesUserContext() {
		return nil, errPropagateNeedsSecret
	}
	scopes, err := s.oauthScopes(ctx, p)
	if err != nil {
		return nil, err
	}
	providers, err := s.providerNames(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if err := s.checkOAuth(p, st, secret != "", scopes, providers); err != nil {
		return nil, err
	}
	now := s.now()
	c := storage.Client{PoolID: p.ID, ID: id, Name: in.Name, Secret: secret, CreatedAt: now, UpdatedAt: now, Config: cfg}
	if err := s.Clients.CreateClient(ctx, c); err != nil {
		if errors.Is(err, storage.ErrExists) {
			return nil, fault.Wrap(fault.InvalidParameter, "An app client with the ID "+id+" already exists.", err)
		}
		return nil, err
	}
	return &Client{Client: c, Settings: st}, nil
}

// UpdateClient replaces an app client's settings (see ClientUpdate).
func (s *Service) UpdateClient(ctx context.Context, poolID, clientID string, in ClientUpdate) (*Client, error) {
	p, st, cfg, err := s.clientConfig(ctx, poolID, in.Settings, "updating")
	if err != nil {
		return nil, err
	}
	scopes, err := s.oauthScopes(ctx, p)
	if err != nil {
		return nil, err
	}
	providers, err := s.providerNames(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	c, err := s.Clients.UpdateClient(ctx, clientID, func(c *storage.Client) error {
		if c.PoolID != p.ID {
			return ClientNotFound(c.ID)
		}
		if c.Secret == "" && st.PropagatesUserContext() {
			return errPropagateNeedsSecret
		}
		if err := s.checkOAuth(p, st, c.Secret != "", scopes, providers); err != nil {
			return err
		}
		c.Config = cfg
		if in.Name != nil {
			c.Name = *in.Name
		}
		c.UpdatedAt = s.now()
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ClientNotFound(clientID)
	}
	if err != nil {
		return nil, err
	}
	return &Client{Client: c, Settings: st}, nil
}

// DeleteClient deletes an app client of pool poolID.
func (s *Service) DeleteClient(ctx context.Context, poolID, clientID string) error {
	_, c, err := s.PoolClient(ctx, poolID, clientID)
	if err != nil {
		return err
	}
	if err := s.Clients.DeleteClient(ctx, c.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}

// ListClients returns one page of a pool's app clients in ID order (limit
// 1–60; 0 means 60) and the token of the next page ("" on the last).
func (s *Service) ListClients(ctx context.Context, poolID string, limit int32, next string) ([]storage.Client, string, error) {
	if _, err := s.LoadPool(ctx, poolID); err != nil {
		return nil, "", err
	}
	return s.Clients.ListClients(ctx, poolID, storage.Page{After: next, Limit: pageLimit(limit)})
}
