package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file converts the pool operations between the wire and
// userpool.Service (userpool/pools.go holds the defaults and rules):
// CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool,
// ListUserPools, AddCustomAttributes, the tag operations and
// Set/GetUserPoolMfaConfig.

// poolDoc is the stored pool document (storage.Pool.Config) as the wire
// types read it: the pool's settings in the UserPoolType shape (identity,
// dates, counts and tags come from the record instead), plus the MFA factor
// blocks SetUserPoolMfaConfig manages, which UserPoolType does not carry.
// userpool.Settings reads and writes the same document;
// TestPoolDocumentReaders checks that the two agree.
type poolDoc struct {
	cognitoidp.UserPoolType
	SmsMfaConfiguration           *cognitoidp.SmsMfaConfigType           `json:"SmsMfaConfiguration,omitzero"`
	SoftwareTokenMfaConfiguration *cognitoidp.SoftwareTokenMfaConfigType `json:"SoftwareTokenMfaConfiguration,omitzero"`
	EmailMfaConfiguration         *cognitoidp.EmailMfaConfigType         `json:"EmailMfaConfiguration,omitzero"`
	WebAuthnConfiguration         *cognitoidp.WebAuthnConfigurationType  `json:"WebAuthnConfiguration,omitzero"`
}

func decodePoolDoc(p storage.Pool) (*poolDoc, error) {
	d := new(poolDoc)
	if len(p.Config) > 0 {
		if err := json.Unmarshal(p.Config, d); err != nil {
			return nil, fmt.Errorf("pool %s: unreadable configuration: %w", p.ID, err)
		}
	}
	return d, nil
}

// recode converts between two shapes with the same JSON member names.
func recode(src, dst any) error {
	b, err := json.Marshal(src)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst)
}

// CreateUserPool creates a pool with AWS's defaults filled in.
func (s *Server) CreateUserPool(ctx context.Context, in *cognitoidp.CreateUserPoolInput) (*cognitoidp.CreateUserPoolOutput, error) {
	req := userpool.PoolInput{Name: str(in.PoolName), Tags: in.UserPoolTags}
	if err := recode(in, &req.Settings); err != nil {
		return nil, err
	}
	if err := recode(in.Schema, &req.Schema); err != nil {
		return nil, err
	}
	p, err := s.Pools.CreatePool(ctx, req)
	if err != nil {
		return nil, err
	}
	out, err := s.describePool(p, 0)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.CreateUserPoolOutput{UserPool: out}, nil
}

// describePool renders a pool as UserPoolType.
func (s *Server) describePool(p *userpool.Pool, users int64) (*cognitoidp.UserPoolType, error) {
	d, err := decodePoolDoc(p.Pool)
	if err != nil {
		return nil, err
	}
	u := d.UserPoolType
	u.Id = cognitoidp.String(p.ID)
	u.Name = cognitoidp.String(p.Name)
	u.Arn = cognitoidp.String(s.Pools.PoolArn(p))
	u.CreationDate = cognitoidp.Time(p.CreatedAt)
	u.LastModifiedDate = cognitoidp.Time(p.UpdatedAt)
	u.EstimatedNumberOfUsers = cognitoidp.Int32(int32(min(users, 1<<31-1)))
	if len(p.Tags) > 0 {
		u.UserPoolTags = maps.Clone(p.Tags)
	}
	return &u, nil
}

// DescribeUserPool returns a pool's configuration.
func (s *Server) DescribeUserPool(ctx context.Context, in *cognitoidp.DescribeUserPoolInput) (*cognitoidp.DescribeUserPoolOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	n, err := s.Pools.EstimatedUsers(ctx, p)
	if err != nil {
		return nil, err
	}
	out, err := s.describePool(p, n)
	if err != nil {
		return nil, err
	}
	prefix, custom, err := s.Pools.PoolDomains(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if prefix != "" {
		out.Domain = cognitoidp.String(prefix)
	}
	if custom != "" {
		out.CustomDomain = cognitoidp.String(custom)
	}
	return &cognitoidp.DescribeUserPoolOutput{UserPool: out}, nil
}

// UpdateUserPool replaces a pool's settings; omitted settings return to
// their defaults (userpool.PoolUpdate).
func (s *Server) UpdateUserPool(ctx context.Context, in *cognitoidp.UpdateUserPoolInput) (*cognitoidp.UpdateUserPoolOutput, error) {
	req := userpool.PoolUpdate{Name: in.PoolName, Tags: in.UserPoolTags}
	if err := recode(in, &req.Settings); err != nil {
		return nil, err
	}
	if err := s.Pools.UpdatePool(ctx, str(in.UserPoolId), req); err != nil {
		return nil, err
	}
	return &cognitoidp.UpdateUserPoolOutput{}, nil
}

// DeleteUserPool deletes a pool and everything in it, unless deletion
// protection is active.
func (s *Server) DeleteUserPool(ctx context.Context, in *cognitoidp.DeleteUserPoolInput) (*cognitoidp.DeleteUserPoolOutput, error) {
	if err := s.Pools.DeletePool(ctx, str(in.UserPoolId)); err != nil {
		return nil, err
	}
	return &cognitoidp.DeleteUserPoolOutput{}, nil
}

// ListUserPools lists pools in ID order.
func (s *Server) ListUserPools(ctx context.Context, in *cognitoidp.ListUserPoolsInput) (*cognitoidp.ListUserPoolsOutput, error) {
	pools, next, err := s.Pools.ListPools(ctx, int(cognitoidp.ToValue(in.MaxResults)), str(in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.ListUserPoolsOutput{UserPools: []cognitoidp.UserPoolDescriptionType{}, NextToken: nextToken(next)}
	for _, p := range pools {
		d, err := decodePoolDoc(p.Pool)
		if err != nil {
			return nil, err
		}
		out.UserPools = append(out.UserPools, cognitoidp.UserPoolDescriptionType{
			Id: cognitoidp.String(p.ID), Name: cognitoidp.String(p.Name), LambdaConfig: d.LambdaConfig,
			LastModifiedDate: cognitoidp.Time(p.UpdatedAt), CreationDate: cognitoidp.Time(p.CreatedAt),
		})
	}
	return out, nil
}

// AddCustomAttributes adds custom attributes to a pool's schema.
func (s *Server) AddCustomAttributes(ctx context.Context, in *cognitoidp.AddCustomAttributesInput) (*cognitoidp.AddCustomAttributesOutput, error) {
	var add []userpool.SchemaAttribute
	if err := recode(in.CustomAttributes, &add); err != nil {
		return nil, err
	}
	if err := s.Pools.AddCustomAttributes(ctx, str(in.UserPoolId), add); err != nil {
		return nil, err
	}
	return &cognitoidp.AddCustomAttributesOutput{}, nil
}

// TagResource adds or replaces tags on a pool.
func (s *Server) TagResource(ctx context.Context, in *cognitoidp.TagResourceInput) (*cognitoidp.TagResourceOutput, error) {
	if err := s.Pools.TagPool(ctx, str(in.ResourceArn), in.Tags); err != nil {
		return nil, err
	}
	return &cognitoidp.TagResourceOutput{}, nil
}

// UntagResource removes tags from a pool.
func (s *Server) UntagResource(ctx context.Context, in *cognitoidp.UntagResourceInput) (*cognitoidp.UntagResourceOutput, error) {
	if err := s.Pools.UntagPool(ctx, str(in.ResourceArn), in.TagKeys); err != nil {
		return nil, err
	}
	return &cognitoidp.UntagResourceOutput{}, nil
}

// ListTagsForResource lists a pool's tags.
func (s *Server) ListTagsForResource(ctx context.Context, in *cognitoidp.ListTagsForResourceInput) (*cognitoidp.ListTagsForResourceOutput, error) {
	tags, err := s.Pools.PoolTags(ctx, str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.ListTagsForResourceOutput{Tags: tags}, nil
}

// SetUserPoolMfaConfig replaces the pool's MFA factor set.
func (s *Server) SetUserPoolMfaConfig(ctx context.Context, in *cognitoidp.SetUserPoolMfaConfigInput) (*cognitoidp.SetUserPoolMfaConfigOutput, error) {
	var req userpool.MFAConfig
	if err := recode(in, &req); err != nil {
		return nil, err
	}
	cfg, err := s.Pools.SetMFAConfig(ctx, str(in.UserPoolId), req)
	if err != nil {
		return nil, err
	}
	out := new(cognitoidp.SetUserPoolMfaConfigOutput)
	return out, recode(cfg, out)
}

// GetUserPoolMfaConfig returns the pool's MFA configuration.
func (s *Server) GetUserPoolMfaConfig(ctx context.Context, in *cognitoidp.GetUserPoolMfaConfigInput) (*cognitoidp.GetUserPoolMfaConfigOutput, error) {
	cfg, err := s.Pools.MFAConfig(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	out := new(cognitoidp.GetUserPoolMfaConfigOutput)
	return out, recode(cfg, out)
}
