package apiserver

import (
	"context"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/quota"
)

// ProvisionedLimits reads and sets the request rates of the API categories
// (package quota); the server implements it over storage.
type ProvisionedLimits interface {
	Get(ctx context.Context, class quota.LimitClass, attributes map[string]string) (quota.Limit, error)
	Update(ctx context.Context, class quota.LimitClass, attributes map[string]string, requested int) (quota.Limit, error)
}

// GetProvisionedLimit returns a category's provisioned and free rates.
func (s *Server) GetProvisionedLimit(ctx context.Context, in *cognitoidp.GetProvisionedLimitInput) (*cognitoidp.GetProvisionedLimitOutput, error) {
	if s.Limits == nil {
		return s.Unimplemented.GetProvisionedLimit(ctx, in)
	}
	class, attrs := limitDefinition(in.LimitDefinition)
	l, err := s.Limits.Get(ctx, class, attrs)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.GetProvisionedLimitOutput{Limit: limitType(l)}, nil
}

// UpdateProvisionedLimit raises a category's rate.
func (s *Server) UpdateProvisionedLimit(ctx context.Context, in *cognitoidp.UpdateProvisionedLimitInput) (*cognitoidp.UpdateProvisionedLimitOutput, error) {
	if s.Limits == nil {
		return s.Unimplemented.UpdateProvisionedLimit(ctx, in)
	}
	class, attrs := limitDefinition(in.LimitDefinition)
	l, err := s.Limits.Update(ctx, class, attrs, int(cognitoidp.ToValue(in.RequestedLimitValue)))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.UpdateProvisionedLimitOutput{Limit: limitType(l)}, nil
}

func limitDefinition(d *cognitoidp.LimitDefinitionType) (quota.LimitClass, map[string]string) {
	if d == nil {
		return "", nil
	}
	var class quota.LimitClass
	if d.LimitClass != nil {
		class = quota.LimitClass(*d.LimitClass)
	}
	return class, d.Attributes
}

// limitType renders a Limit as LimitType.
func limitType(l quota.Limit) *cognitoidp.LimitType {
	class := cognitoidp.LimitClass(quota.APICategory)
	return &cognitoidp.LimitType{
		LimitDefinition:       &cognitoidp.LimitDefinitionType{LimitClass: &class, Attributes: map[string]string{quota.CategoryAttribute: string(l.Category)}},
		ProvisionedLimitValue: ptr(int32(l.Provisioned)),
		FreeLimitValue:        ptr(int32(l.Free)),
	}
}
