package bootstrap

import (
	"context"
	"errors"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// copyNamed prepares the dry run: it copies into scratch's store the
// records of live that the file names — each declared pool that exists
// with all its clients, groups, domains and resource servers, and each declared user that exists with
// its group memberships — so that the dry run makes the decisions the live
// run will make. A declared client ID or domain name that another pool
// holds is a problem.
func copyNamed(ctx context.Context, live, scratch Target, f *File, ps *problems) error {
	for _, d := range f.Pools {
		p, err := findPool(ctx, live, d)
		if err != nil {
			if fault.KindOf(err) == "" {
				return err
			}
			ps.add(orNode(d.idAt, d.node), d.Field, "%s", err.Error())
			continue
		}
		// Client IDs are unique across pools: one another pool holds is
		// refused (the scratch store holds only this pool's clients).
		for _, c := range d.Clients {
			if c.Input.ID == "" {
				continue
			}
			held, err := live.Store.GetClient(ctx, c.Input.ID)
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if p == nil || held.PoolID != p.ID {
				ps.add(c.idAt, c.Field+".id", "the app client ID %s belongs to pool %s", c.Input.ID, held.PoolID)
			}
		}
		if err := checkDomainOwners(ctx, live, p, d, ps); err != nil {
			return err
		}
		if p == nil {
			continue
		}
		if err := scratch.Store.CreatePool(ctx, p.Pool); err != nil {
			return err
		}
		if err := copyPoolChildren(ctx, live, scratch, p); err != nil {
			return err
		}
		if err := copyOAuth(ctx, live, scratch, p); err != nil {
			return err
		}
		for _, u := range d.Users {
			if err := copyUser(ctx, live, scratch, p, u.Username); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyPoolChildren copies the clients and groups of p.
func copyPoolChildren(ctx context.Context, live, scratch Target, p *userpool.Pool) error {
	for next := ""; ; {
		cs, n, err := live.Store.ListClients(ctx, p.ID, storage.Page{After: next, Limit: 60})
		if err != nil {
			return err
		}
		for _, c := range cs {
			if err := scratch.Store.CreateClient(ctx, c); err != nil {
				return err
			}
		}
		if n == "" {
			break
		}
		next = n
	}
	for next := ""; ; {
		gs, n, err := live.Store.ListGroups(ctx, p.ID, storage.Page{After: next, Limit: 60})
		if err != nil {
			return err
		}
		for _, g := range gs {
			if err := scratch.Store.CreateGroup(ctx, g); err != nil {
				return err
			}
		}
		if n == "" {
			return nil
		}
		next = n
	}
}

// copyUser copies the user name resolves to in p, if any, with its group
// memberships.
func copyUser(ctx context.Context, live, scratch Target, p *userpool.Pool, name string) error {
	u, err := live.Pools.FindUser(ctx, p, name)
	if errors.Is(err, userpool.ErrUserNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := scratch.Store.CreateUser(ctx, u); errors.Is(err, storage.ErrExists) {
		return nil // two declared names for one user
	} else if err != nil {
		return err
	}
	groups, err := live.Pools.UserGroups(ctx, p, u)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if err := scratch.Store.AddUserToGroup(ctx, p.ID, g.Name, u.UsernameKey); err != nil {
			return err
		}
	}
	return nil
}
