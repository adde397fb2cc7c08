package apiserver

import (
	"context"
	"encoding/json"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file converts the OAuth 2.0 configuration operations between the
// wire and userpool.Service (userpool/domains.go and resourceservers.go
// hold the rules): Create/Describe/Update/DeleteUserPoolDomain and
// Create/Describe/Update/Delete/ListResourceServers.

// domainInput turns a domain request's members into userpool.DomainInput.
func domainInput(name *string, version *int32, custom *cognitoidp.CustomDomainConfigType, routing *cognitoidp.RoutingType) (userpool.DomainInput, error) {
	in := userpool.DomainInput{Name: str(name), ManagedLoginVersion: int(cognitoidp.ToValue(version))}
	if custom != nil {
		in.Custom = true
		in.CertificateARN = str(custom.CertificateArn)
		if custom.SecurityPolicy != nil {
			in.SecurityPolicy = string(*custom.SecurityPolicy)
		}
	}
	if routing != nil {
		b, err := json.Marshal(routing)
		if err != nil {
			return userpool.DomainInput{}, err
		}
		in.Routing = b
	}
	return in, nil
}

// domainRouting renders a stored routing document.
func domainRouting(d storage.Domain) (*cognitoidp.RoutingType, error) {
	if len(d.Routing) == 0 {
		return nil, nil
	}
	r := new(cognitoidp.RoutingType)
	if err := json.Unmarshal(d.Routing, r); err != nil {
		return nil, err
	}
	return r, nil
}

// CreateUserPoolDomain gives a pool a prefix or custom domain. The answer
// names the CloudFront distribution of a custom domain only (spec §2.2).
func (s *Server) CreateUserPoolDomain(ctx context.Context, in *cognitoidp.CreateUserPoolDomainInput) (*cognitoidp.CreateUserPoolDomainOutput, error) {
	req, err := domainInput(in.Domain, in.ManagedLoginVersion, in.CustomDomainConfig, in.Routing)
	if err != nil {
		return nil, err
	}
	d, err := s.Pools.CreateDomain(ctx, str(in.UserPoolId), req)
	if err != nil {
		return nil, err
	}
	routing, err := domainRouting(d)
	if err != nil {
		return nil, err
	}
	// UNCONFIRMED (spec §20.2): whether a prefix domain's answer is {} or
	// carries ManagedLoginVersion.
	out := &cognitoidp.CreateUserPoolDomainOutput{ManagedLoginVersion: cognitoidp.Int32(int32(d.ManagedLoginVersion)), Routing: routing}
	if d.Custom {
		out.CloudFrontDomain = cognitoidp.String(d.CloudFrontDistribution)
	}
	return out, nil
}

// DescribeUserPoolDomain describes a domain by name. An unknown domain is
// answered with an empty DomainDescription, not an error (UNCONFIRMED,
// spec §2.2: moto's "surprising behavior of the real service").
func (s *Server) DescribeUserPoolDomain(ctx context.Context, in *cognitoidp.DescribeUserPoolDomainInput) (*cognitoidp.DescribeUserPoolDomainOutput, error) {
	d, ok, err := s.Pools.DescribeDomain(ctx, str(in.Domain))
	if err != nil {
		return nil, err
	}
	if !ok {
		return &cognitoidp.DescribeUserPoolDomainOutput{DomainDescription: &cognitoidp.DomainDescriptionType{}}, nil
	}
	routing, err := domainRouting(d)
	if err != nil {
		return nil, err
	}
	status := cognitoidp.DomainStatusTypeActive
	desc := &cognitoidp.DomainDescriptionType{
		UserPoolId:             cognitoidp.String(d.PoolID),
		AWSAccountId:           cognitoidp.String(s.Pools.Account),
		Domain:                 cognitoidp.String(d.Name),
		S3Bucket:               cognitoidp.String(userpool.S3Bucket(s.Pools.Region)),
		CloudFrontDistribution: cognitoidp.String(d.CloudFrontDistribution),
		Version:                cognitoidp.String(userpool.DomainVersion(d)),
		// Served at once: a local server has no distribution to wait for.
		Status:              &status,
		ManagedLoginVersion: cognitoidp.Int32(int32(d.ManagedLoginVersion)),
		Routing:             routing,
	}
	if d.Custom {
		desc.CustomDomainConfig = &cognitoidp.CustomDomainConfigType{CertificateArn: cognitoidp.String(d.CertificateARN)}
		if d.SecurityPolicy != "" {
			p := cognitoidp.SecurityPolicyType(d.SecurityPolicy)
			desc.CustomDomainConfig.SecurityPolicy = &p
		}
	}
	return &cognitoidp.DescribeUserPoolDomainOutput{DomainDescription: desc}, nil
}

// UpdateUserPoolDomain changes a domain's managed login version,
// certificate or routing.
func (s *Server) UpdateUserPoolDomain(ctx context.Context, in *cognitoidp.UpdateUserPoolDomainInput) (*cognitoidp.UpdateUserPoolDomainOutput, error) {
	req, err := domainInput(in.Domain, in.ManagedLoginVersion, in.CustomDomainConfig, in.Routing)
	if err != nil {
		return nil, err
	}
	d, err := s.Pools.UpdateDomain(ctx, str(in.UserPoolId), req)
	if err != nil {
		return nil, err
	}
	routing, err := domainRouting(d)
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.UpdateUserPoolDomainOutput{ManagedLoginVersion: cognitoidp.Int32(int32(d.ManagedLoginVersion)), Routing: routing}
	if d.Custom {
		out.CloudFrontDomain = cognitoidp.String(d.CloudFrontDistribution)
	}
	return out, nil
}

// DeleteUserPoolDomain removes a pool's domain.
func (s *Server) DeleteUserPoolDomain(ctx context.Context, in *cognitoidp.DeleteUserPoolDomainInput) (*cognitoidp.DeleteUserPoolDomainOutput, error) {
	if err := s.Pools.DeleteDomain(ctx, str(in.UserPoolId), str(in.Domain)); err != nil {
		return nil, err
	}
	return &cognitoidp.DeleteUserPoolDomainOutput{}, nil
}

// resourceServerInput turns a request's members into userpool values.
func resourceServerInput(id, name *string, scopes []cognitoidp.ResourceServerScopeType) userpool.ResourceServerInput {
	in := userpool.ResourceServerInput{Identifier: str(id), Name: str(name)}
	for _, sc := range scopes {
		in.Scopes = append(in.Scopes, storage.ResourceServerScope{Name: str(sc.ScopeName), Description: str(sc.ScopeDescription)})
	}
	return in
}

// resourceServer renders a resource server as ResourceServerType; a server
// without scopes has no Scopes member (moto; UNCONFIRMED).
func resourceServer(r storage.ResourceServer) *cognitoidp.ResourceServerType {
	out := &cognitoidp.ResourceServerType{
		UserPoolId: cognitoidp.String(r.PoolID),
		Identifier: cognitoidp.String(r.Identifier),
		Name:       cognitoidp.String(r.Name),
	}
	for _, sc := range r.Scopes {
		out.Scopes = append(out.Scopes, cognitoidp.ResourceServerScopeType{ScopeName: cognitoidp.String(sc.Name), ScopeDescription: cognitoidp.String(sc.Description)})
	}
	return out
}

// CreateResourceServer adds a resource server and its custom scopes.
func (s *Server) CreateResourceServer(ctx context.Context, in *cognitoidp.CreateResourceServerInput) (*cognitoidp.CreateResourceServerOutput, error) {
	r, err := s.Pools.CreateResourceServer(ctx, str(in.UserPoolId), resourceServerInput(in.Identifier, in.Name, in.Scopes))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.CreateResourceServerOutput{ResourceServer: resourceServer(r)}, nil
}

// DescribeResourceServer returns a resource server.
func (s *Server) DescribeResourceServer(ctx context.Context, in *cognitoidp.DescribeResourceServerInput) (*cognitoidp.DescribeResourceServerOutput, error) {
	r, err := s.Pools.ResourceServer(ctx, str(in.UserPoolId), str(in.Identifier))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.DescribeResourceServerOutput{ResourceServer: resourceServer(r)}, nil
}

// UpdateResourceServer replaces a resource server's name and scopes.
func (s *Server) UpdateResourceServer(ctx context.Context, in *cognitoidp.UpdateResourceServerInput) (*cognitoidp.UpdateResourceServerOutput, error) {
	r, err := s.Pools.UpdateResourceServer(ctx, str(in.UserPoolId), resourceServerInput(in.Identifier, in.Name, in.Scopes))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.UpdateResourceServerOutput{ResourceServer: resourceServer(r)}, nil
}

// DeleteResourceServer removes a resource server.
func (s *Server) DeleteResourceServer(ctx context.Context, in *cognitoidp.DeleteResourceServerInput) (*cognitoidp.DeleteResourceServerOutput, error) {
	if err := s.Pools.DeleteResourceServer(ctx, str(in.UserPoolId), str(in.Identifier)); err != nil {
		return nil, err
	}
	return &cognitoidp.DeleteResourceServerOutput{}, nil
}

// ListResourceServers lists a pool's resource servers.
func (s *Server) ListResourceServers(ctx context.Context, in *cognitoidp.ListResourceServersInput) (*cognitoidp.ListResourceServersOutput, error) {
	servers, next, err := s.Pools.ListResourceServers(ctx, str(in.UserPoolId), cognitoidp.ToValue(in.MaxResults), str(in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.ListResourceServersOutput{ResourceServers: []cognitoidp.ResourceServerType{}, NextToken: nextToken(next)}
	for _, r := range servers {
		out.ResourceServers = append(out.ResourceServers, *resourceServer(r))
	}
	return out, nil
}
