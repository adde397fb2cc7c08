package apiserver

import (
	"context"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// groupType renders a stored group as GroupType.
func groupType(g storage.Group) cognitoidp.GroupType {
	out := cognitoidp.GroupType{
		GroupName:        cognitoidp.String(g.Name),
		UserPoolId:       cognitoidp.String(g.PoolID),
		CreationDate:     cognitoidp.Time(g.CreatedAt),
		LastModifiedDate: cognitoidp.Time(g.UpdatedAt),
	}
	if g.Description != "" {
		out.Description = cognitoidp.String(g.Description)
	}
	if g.RoleArn != "" {
		out.RoleArn = cognitoidp.String(g.RoleArn)
	}
	if g.Precedence != nil {
		out.Precedence = cognitoidp.Int32(*g.Precedence)
	}
	return out
}

func groupTypes(gs []storage.Group) []cognitoidp.GroupType {
	out := make([]cognitoidp.GroupType, 0, len(gs))
	for _, g := range gs {
		out = append(out, groupType(g))
	}
	return out
}

func nextToken(next string) *string {
	if next == "" {
		return nil
	}
	return cognitoidp.String(next)
}

// CreateGroup creates a group.
func (s *Server) CreateGroup(ctx context.Context, in *cognitoidp.CreateGroupInput) (*cognitoidp.CreateGroupOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	g, err := s.Pools.CreateGroup(ctx, p, str(in.GroupName), userpool.GroupChange{
		Description: in.Description, RoleArn: in.RoleArn, Precedence: in.Precedence,
	})
	if err != nil {
		return nil, err
	}
	gt := groupType(g)
	return &cognitoidp.CreateGroupOutput{Group: &gt}, nil
}

// GetGroup returns a group.
func (s *Server) GetGroup(ctx context.Context, in *cognitoidp.GetGroupInput) (*cognitoidp.GetGroupOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	g, err := s.Pools.GetGroup(ctx, p, str(in.GroupName))
	if err != nil {
		return nil, err
	}
	gt := groupType(g)
	return &cognitoidp.GetGroupOutput{Group: &gt}, nil
}

// UpdateGroup changes a group's description, role and precedence.
func (s *Server) UpdateGroup(ctx context.Context, in *cognitoidp.UpdateGroupInput) (*cognitoidp.UpdateGroupOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	g, err := s.Pools.UpdateGroup(ctx, p, str(in.GroupName), userpool.GroupChange{
		Description: in.Description, RoleArn: in.RoleArn, Precedence: in.Precedence,
	})
	if err != nil {
		return nil, err
	}
	gt := groupType(g)
	return &cognitoidp.UpdateGroupOutput{Group: &gt}, nil
}

// DeleteGroup deletes a group and its memberships.
func (s *Server) DeleteGroup(ctx context.Context, in *cognitoidp.DeleteGroupInput) (*cognitoidp.DeleteGroupOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	if err := s.Pools.DeleteGroup(ctx, p, str(in.GroupName)); err != nil {
		return nil, err
	}
	return &cognitoidp.DeleteGroupOutput{}, nil
}

// ListGroups lists a pool's groups.
func (s *Server) ListGroups(ctx context.Context, in *cognitoidp.ListGroupsInput) (*cognitoidp.ListGroupsOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	gs, next, err := s.Pools.ListGroups(ctx, p, cognitoidp.ToValue(in.Limit), str(in.NextToken))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.ListGroupsOutput{Groups: groupTypes(gs), NextToken: nextToken(next)}, nil
}

// AdminAddUserToGroup adds a user to a group.
func (s *Server) AdminAddUserToGroup(ctx context.Context, in *cognitoidp.AdminAddUserToGroupInput) (*cognitoidp.AdminAddUserToGroupOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	if err := s.Pools.AddUserToGroup(ctx, p, str(in.Username), str(in.GroupName)); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminAddUserToGroupOutput{}, nil
}

// AdminRemoveUserFromGroup removes a user from a group.
func (s *Server) AdminRemoveUserFromGroup(ctx context.Context, in *cognitoidp.AdminRemoveUserFromGroupInput) (*cognitoidp.AdminRemoveUserFromGroupOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	if err := s.Pools.RemoveUserFromGroup(ctx, p, str(in.Username), str(in.GroupName)); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminRemoveUserFromGroupOutput{}, nil
}

// AdminListGroupsForUser lists the groups a user belongs to.
func (s *Server) AdminListGroupsForUser(ctx context.Context, in *cognitoidp.AdminListGroupsForUserInput) (*cognitoidp.AdminListGroupsForUserOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	gs, next, err := s.Pools.ListGroupsForUser(ctx, p, str(in.Username), cognitoidp.ToValue(in.Limit), str(in.NextToken))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.AdminListGroupsForUserOutput{Groups: groupTypes(gs), NextToken: nextToken(next)}, nil
}

// ListUsersInGroup lists a group's members.
func (s *Server) ListUsersInGroup(ctx context.Context, in *cognitoidp.ListUsersInGroupInput) (*cognitoidp.ListUsersInGroupOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	users, next, err := s.Pools.ListUsersInGroup(ctx, p, str(in.GroupName), cognitoidp.ToValue(in.Limit), str(in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.ListUsersInGroupOutput{Users: []cognitoidp.UserType{}, NextToken: nextToken(next)}
	for _, u := range users {
		out.Users = append(out.Users, userType(u, nil))
	}
	return out, nil
}
