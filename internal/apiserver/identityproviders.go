package apiserver

import (
	"context"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/federation"
)

// This file converts the identity provider operations between the wire
// and userpool.Service (userpool/identityproviders.go holds the rules,
// package federation what a valid provider is):
// Create/Describe/Update/Delete/ListIdentityProviders,
// GetIdentityProviderByIdentifier and GetSigningCertificate.

// identityProvider renders a provider as IdentityProviderType. Maps and
// the identifier list are always present, empty when unset (UNCONFIRMED).
func identityProvider(p federation.Provider) *cognitoidp.IdentityProviderType {
	t := cognitoidp.IdentityProviderTypeType(p.Type)
	out := &cognitoidp.IdentityProviderType{
		UserPoolId:       cognitoidp.String(p.PoolID),
		ProviderName:     cognitoidp.String(p.Name),
		ProviderType:     &t,
		ProviderDetails:  p.Details,
		AttributeMapping: p.AttributeMapping,
		IdpIdentifiers:   p.Identifiers,
		LastModifiedDate: cognitoidp.Time(p.Modified),
		CreationDate:     cognitoidp.Time(p.Created),
	}
	if out.ProviderDetails == nil {
		out.ProviderDetails = map[string]string{}
	}
	if out.AttributeMapping == nil {
		out.AttributeMapping = map[string]string{}
	}
	if out.IdpIdentifiers == nil {
		out.IdpIdentifiers = []string{}
	}
	return out
}

// CreateIdentityProvider adds an identity provider to a pool.
func (s *Server) CreateIdentityProvider(ctx context.Context, in *cognitoidp.CreateIdentityProviderInput) (*cognitoidp.CreateIdentityProviderOutput, error) {
	req := federation.Input{
		Name: str(in.ProviderName), Details: in.ProviderDetails,
		AttributeMapping: in.AttributeMapping, Identifiers: in.IdpIdentifiers,
	}
	if in.ProviderType != nil {
		req.Type = federation.Type(*in.ProviderType)
	}
	p, err := s.Pools.CreateIdentityProvider(ctx, str(in.UserPoolId), req)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.CreateIdentityProviderOutput{IdentityProvider: identityProvider(p)}, nil
}

// DescribeIdentityProvider returns a provider by name.
func (s *Server) DescribeIdentityProvider(ctx context.Context, in *cognitoidp.DescribeIdentityProviderInput) (*cognitoidp.DescribeIdentityProviderOutput, error) {
	p, err := s.Pools.DescribeIdentityProvider(ctx, str(in.UserPoolId), str(in.ProviderName))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.DescribeIdentityProviderOutput{IdentityProvider: identityProvider(p)}, nil
}

// UpdateIdentityProvider changes a provider's details, mapping or
// identifiers (members left out keep their values).
func (s *Server) UpdateIdentityProvider(ctx context.Context, in *cognitoidp.UpdateIdentityProviderInput) (*cognitoidp.UpdateIdentityProviderOutput, error) {
	p, err := s.Pools.UpdateIdentityProvider(ctx, str(in.UserPoolId), str(in.ProviderName), federation.Update{
		Details: in.ProviderDetails, AttributeMapping: in.AttributeMapping, Identifiers: in.IdpIdentifiers,
	})
	if err != nil {
		return nil, err
	}
	return &cognitoidp.UpdateIdentityProviderOutput{IdentityProvider: identityProvider(p)}, nil
}

// DeleteIdentityProvider removes a provider.
func (s *Server) DeleteIdentityProvider(ctx context.Context, in *cognitoidp.DeleteIdentityProviderInput) (*cognitoidp.DeleteIdentityProviderOutput, error) {
	if err := s.Pools.DeleteIdentityProvider(ctx, str(in.UserPoolId), str(in.ProviderName)); err != nil {
		return nil, err
	}
	return &cognitoidp.DeleteIdentityProviderOutput{}, nil
}

// ListIdentityProviders lists a pool's providers.
func (s *Server) ListIdentityProviders(ctx context.Context, in *cognitoidp.ListIdentityProvidersInput) (*cognitoidp.ListIdentityProvidersOutput, error) {
	list, next, err := s.Pools.ListIdentityProviders(ctx, str(in.UserPoolId), cognitoidp.ToValue(in.MaxResults), str(in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.ListIdentityProvidersOutput{Providers: []cognitoidp.ProviderDescription{}, NextToken: nextToken(next)}
	for _, p := range list {
		t := cognitoidp.IdentityProviderTypeType(p.Type)
		out.Providers = append(out.Providers, cognitoidp.ProviderDescription{
			ProviderName: cognitoidp.String(p.Name), ProviderType: &t,
			LastModifiedDate: cognitoidp.Time(p.Modified), CreationDate: cognitoidp.Time(p.Created),
		})
	}
	return out, nil
}

// GetIdentityProviderByIdentifier returns the provider owning an IdP
// identifier.
func (s *Server) GetIdentityProviderByIdentifier(ctx context.Context, in *cognitoidp.GetIdentityProviderByIdentifierInput) (*cognitoidp.GetIdentityProviderByIdentifierOutput, error) {
	p, err := s.Pools.GetIdentityProviderByIdentifier(ctx, str(in.UserPoolId), str(in.IdpIdentifier))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.GetIdentityProviderByIdentifierOutput{IdentityProvider: identityProvider(p)}, nil
}

// GetSigningCertificate returns the pool's SAML signing certificate.
func (s *Server) GetSigningCertificate(ctx context.Context, in *cognitoidp.GetSigningCertificateInput) (*cognitoidp.GetSigningCertificateOutput, error) {
	cert, err := s.Pools.GetSigningCertificate(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.GetSigningCertificateOutput{Certificate: cognitoidp.String(cert)}, nil
}

// userRef turns a ProviderUserIdentifierType into a federation.UserRef.
func userRef(u *cognitoidp.ProviderUserIdentifierType) federation.UserRef {
	if u == nil {
		return federation.UserRef{}
	}
	return federation.UserRef{ProviderName: str(u.ProviderName), AttributeName: str(u.ProviderAttributeName), AttributeValue: str(u.ProviderAttributeValue)}
}

// AdminLinkProviderForUser links an identity provider's user to a user
// of the pool.
func (s *Server) AdminLinkProviderForUser(ctx context.Context, in *cognitoidp.AdminLinkProviderForUserInput) (*cognitoidp.AdminLinkProviderForUserOutput, error) {
	if err := s.Pools.AdminLinkProviderForUser(ctx, str(in.UserPoolId), userRef(in.DestinationUser), userRef(in.SourceUser)); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminLinkProviderForUserOutput{}, nil
}

// AdminDisableProviderForUser stops an identity from signing in.
func (s *Server) AdminDisableProviderForUser(ctx context.Context, in *cognitoidp.AdminDisableProviderForUserInput) (*cognitoidp.AdminDisableProviderForUserOutput, error) {
	if err := s.Pools.AdminDisableProviderForUser(ctx, str(in.UserPoolId), userRef(in.User)); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminDisableProviderForUserOutput{}, nil
}
