package userpool

import (
	"context"
	"errors"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// ErrGroupNotFound is the answer for an unknown group: ResourceNotFoundException
// "Group not found." (UNCONFIRMED: moto's wording; no capture of real AWS
// output found).
var ErrGroupNotFound = fault.New(fault.ResourceNotFound, "Group not found.")

// groupExists is GroupExistsException "A group with the name <name> already
// exists." (UNCONFIRMED: moto's wording).
func groupExists(name string) error {
	return fault.Errorf(fault.GroupExists, "A group with the name %s already exists.", name)
}

// GroupChange holds the members of CreateGroup and UpdateGroup; nil leaves
// a member as it is (UpdateGroup) or unset (CreateGroup).
type GroupChange struct {
	Description *string
	RoleArn     *string
	Precedence  *int32
}

func (c GroupChange) apply(g *storage.Group) {
	if c.Description != nil {
		g.Description = *c.Description
	}
	if c.RoleArn != nil {
		g.RoleArn = *c.RoleArn
	}
	if c.Precedence != nil {
		v := *c.Precedence
		g.Precedence = &v
	}
}

// CreateGroup creates a group in the pool.
func (s *Service) CreateGroup(ctx context.Context, p *Pool, name string, c GroupChange) (storage.Group, error) {
	now := s.now()
	g := storage.Group{PoolID: p.ID, Name: name, CreatedAt: now, UpdatedAt: now}
	c.apply(&g)
	err := s.Groups.CreateGroup(ctx, g)
	switch {
	case errors.Is(err, storage.ErrExists):
		return storage.Group{}, groupExists(name)
	case errors.Is(err, storage.ErrNotFound):
		return storage.Group{}, PoolNotFound(p.ID)
	case err != nil:
		return storage.Group{}, err
	}
	return g, nil
}

// GetGroup returns a group of the pool.
func (s *Service) GetGroup(ctx context.Context, p *Pool, name string) (storage.Group, error) {
	g, err := s.Groups.GetGroup(ctx, p.ID, name)
	if errors.Is(err, storage.ErrNotFound) {
		return g, ErrGroupNotFound
	}
	return g, err
}

// UpdateGroup changes the members of a group that c sets; the others keep
// their values (UNCONFIRMED: Cognito may reset omitted members).
func (s *Service) UpdateGroup(ctx context.Context, p *Pool, name string, c GroupChange) (storage.Group, error) {
	g, err := s.Groups.UpdateGroup(ctx, p.ID, name, func(g *storage.Group) error {
		c.apply(g)
		g.UpdatedAt = s.now()
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return g, ErrGroupNotFound
	}
	return g, err
}

// DeleteGroup deletes a group and its memberships.
func (s *Service) DeleteGroup(ctx context.Context, p *Pool, name string) error {
	err := s.Groups.DeleteGroup(ctx, p.ID, name)
	if errors.Is(err, storage.ErrNotFound) {
		return ErrGroupNotFound
	}
	return err
}

// pageLimit turns a request's Limit (0 to 60) into a page size: 0 means 60.
func pageLimit(n int32) int {
	if n <= 0 || n > 60 {
		return 60
	}
	return int(n)
}

// ListGroups returns one page of the pool's groups, in name order.
func (s *Service) ListGroups(ctx context.Context, p *Pool, limit int32, next string) ([]storage.Group, string, error) {
	return s.Groups.ListGroups(ctx, p.ID, storage.Page{After: next, Limit: pageLimit(limit)})
}

// AddUserToGroup adds a user to a group (idempotent).
func (s *Service) AddUserToGroup(ctx context.Context, p *Pool, username, group string) error {
	u, err := s.FindUser(ctx, p, username)
	if err != nil {
		return err
	}
	if _, err := s.GetGroup(ctx, p, group); err != nil {
		return err
	}
	err = s.Groups.AddUserToGroup(ctx, p.ID, group, u.UsernameKey)
	if errors.Is(err, storage.ErrNotFound) {
		// The user or the group went away in between.
		if _, gerr := s.GetGroup(ctx, p, group); gerr != nil {
			return gerr
		}
		return ErrUserNotFound
	}
	return err
}

// RemoveUserFromGroup removes a user from a group (idempotent).
func (s *Service) RemoveUserFromGroup(ctx context.Context, p *Pool, username, group string) error {
	u, err := s.FindUser(ctx, p, username)
	if err != nil {
		return err
	}
	if _, err := s.GetGroup(ctx, p, group); err != nil {
		return err
	}
	err = s.Groups.RemoveUserFromGroup(ctx, p.ID, group, u.UsernameKey)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}

// ListGroupsForUser returns one page of a user's groups.
func (s *Service) ListGroupsForUser(ctx context.Context, p *Pool, username string, limit int32, next string) ([]storage.Group, string, error) {
	u, err := s.FindUser(ctx, p, username)
	if err != nil {
		return nil, "", err
	}
	return s.Groups.ListGroupsForUser(ctx, p.ID, u.UsernameKey, storage.Page{After: next, Limit: pageLimit(limit)})
}

// UserGroups returns every group u is a member of, in name order.
func (s *Service) UserGroups(ctx context.Context, p *Pool, u storage.User) ([]storage.Group, error) {
	var all []storage.Group
	page := storage.Page{Limit: 60}
	for {
		gs, next, err := s.Groups.ListGroupsForUser(ctx, p.ID, u.UsernameKey, page)
		if err != nil {
			return nil, err
		}
		all = append(all, gs...)
		if next == "" {
			return all, nil
		}
		page.After = next
	}
}

// ListUsersInGroup returns one page of a group's members.
func (s *Service) ListUsersInGroup(ctx context.Context, p *Pool, group string, limit int32, next string) ([]storage.User, string, error) {
	if _, err := s.GetGroup(ctx, p, group); err != nil {
		return nil, "", err
	}
	return s.Groups.ListUsersInGroup(ctx, p.ID, group, storage.Page{After: next, Limit: pageLimit(limit)})
}
