package userpool

import (
	"context"
	"errors"
	"slices"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file is the lifecycle of resource servers and their custom scopes
// (spec cognito-oauth2-hosted-ui.md §13). A scope deleted from its server
// stays on the clients that list it and is dropped from grants until it
// is defined again (package oauth's scope resolution does that, reading
// CustomScopes).

// MaxResourceServers is how many resource servers a pool may have
// (Developer Guide, quotas).
const MaxResourceServers = 25

// ResourceServerInput is Create/UpdateResourceServer's request. Update
// replaces the name and every scope.
type ResourceServerInput struct {
	Identifier string
	Name       string
	Scopes     []storage.ResourceServerScope
}

// resourceServerNotFound: moto's wording (UNCONFIRMED against AWS).
func resourceServerNotFound(id string) error {
	return fault.Errorf(fault.ResourceNotFound, "Resource server %s does not exist.", id)
}

// checkScopes refuses a scope name given twice (UNCONFIRMED wording); the
// model checks each name's pattern (no "/") and length.
func checkScopes(scopes []storage.ResourceServerScope) error {
	seen := map[string]bool{}
	for _, sc := range scopes {
		if seen[sc.Name] {
			return fault.Errorf(fault.InvalidParameter, "Duplicate scope name: %s", sc.Name)
		}
		seen[sc.Name] = true
	}
	return nil
}

// CreateResourceServer adds a resource server to pool poolID.
func (s *Service) CreateResourceServer(ctx context.Context, poolID string, in ResourceServerInput) (storage.ResourceServer, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return storage.ResourceServer{}, err
	}
	if err := checkScopes(in.Scopes); err != nil {
		return storage.ResourceServer{}, err
	}
	n, err := s.ResourceServers.CountResourceServers(ctx, p.ID)
	if err != nil {
		return storage.ResourceServer{}, err
	}
	if n >= MaxResourceServers {
		// UNCONFIRMED wording.
		return storage.ResourceServer{}, fault.Errorf(fault.LimitExceeded, "The user pool has reached the limit of %d resource servers.", MaxResourceServers)
	}
	now := s.now()
	r := storage.ResourceServer{PoolID: p.ID, Identifier: in.Identifier, Name: in.Name, Scopes: in.Scopes, CreatedAt: now, UpdatedAt: now}
	err = s.ResourceServers.CreateResourceServer(ctx, r)
	switch {
	case errors.Is(err, storage.ErrExists):
		// moto's wording (UNCONFIRMED against AWS).
		return storage.ResourceServer{}, fault.Errorf(fault.InvalidParameter, "%s already exists in user pool %s.", in.Identifier, p.ID)
	case errors.Is(err, storage.ErrNotFound):
		return storage.ResourceServer{}, PoolNotFound(p.ID)
	case err != nil:
		return storage.ResourceServer{}, err
	}
	return r, nil
}

// ResourceServer returns a resource server of pool poolID.
func (s *Service) ResourceServer(ctx context.Context, poolID, identifier string) (storage.ResourceServer, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return storage.ResourceServer{}, err
	}
	r, err := s.ResourceServers.GetResourceServer(ctx, p.ID, identifier)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.ResourceServer{}, resourceServerNotFound(identifier)
	}
	return r, err
}

// UpdateResourceServer replaces a resource server's name and scopes.
func (s *Service) UpdateResourceServer(ctx context.Context, poolID string, in ResourceServerInput) (storage.ResourceServer, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return storage.ResourceServer{}, err
	}
	if err := checkScopes(in.Scopes); err != nil {
		return storage.ResourceServer{}, err
	}
	r, err := s.ResourceServers.UpdateResourceServer(ctx, p.ID, in.Identifier, func(r *storage.ResourceServer) error {
		r.Name, r.Scopes, r.UpdatedAt = in.Name, slices.Clone(in.Scopes), s.now()
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return storage.ResourceServer{}, resourceServerNotFound(in.Identifier)
	}
	return r, err
}

// DeleteResourceServer removes a resource server; the clients that list
// its scopes keep them (spec §13).
func (s *Service) DeleteResourceServer(ctx context.Context, poolID, identifier string) error {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return err
	}
	err = s.ResourceServers.DeleteResourceServer(ctx, p.ID, identifier)
	if errors.Is(err, storage.ErrNotFound) {
		return resourceServerNotFound(identifier)
	}
	return err
}

// ListResourceServers returns one page of a pool's resource servers in
// identifier order (limit 1–50; 0 means 50) and the token of the next page
// ("" on the last).
func (s *Service) ListResourceServers(ctx context.Context, poolID string, limit int32, next string) ([]storage.ResourceServer, string, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = 50
	}
	return s.ResourceServers.ListResourceServers(ctx, p.ID, storage.Page{After: next, Limit: int(limit)})
}

// CustomScopes returns every custom scope pool poolID defines right now,
// as "<identifier>/<scope name>" (the names tokens and clients use).
func (s *Service) CustomScopes(ctx context.Context, poolID string) ([]string, error) {
	var out []string
	next := ""
	for {
		page, n, err := s.ResourceServers.ListResourceServers(ctx, poolID, storage.Page{After: next, Limit: MaxResourceServers})
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			for _, sc := range r.Scopes {
				out = append(out, r.Identifier+"/"+sc.Name)
			}
		}
		if n == "" {
			return out, nil
		}
		next = n
	}
}
