package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file is the lifecycle of user pool domains (spec
// cognito-oauth2-hosted-ui.md §2): a prefix domain
// (<prefix>.auth.<region>.amazoncognito.com) and a custom domain, at most
// one of each per pool, names unique in the deployment (one region). The
// protocol rules of the names are package oauth's, reached through
// OAuthRules.

// OAuthRules are the rules of the OAuth 2.0 protocol that pool and client
// configuration must obey: domain names, and the callback URLs, flows and
// scopes of app clients. Package oauth owns them; server.New fills this
// with an adapter over it. A nil OAuthRules checks nothing (package tests
// that build a Service alone).
type OAuthRules interface {
	// CheckPrefix checks a prefix domain; CheckCustomDomain a custom
	// domain's FQDN. Failures are InvalidParameterException.
	CheckPrefix(prefix string) error
	CheckCustomDomain(fqdn string) error
	// PrefixHost is the host name of prefix domain prefix in region:
	// <prefix>.auth.<region>.amazoncognito.com.
	PrefixHost(prefix, region string) string
	// CheckClient checks the OAuth members of an app client being created
	// or updated against the pool's custom scopes (every
	// "<resource server>/<scope>" it defines).
	CheckClient(c OAuthClient, customScopes []string) error
}

// OAuthClient is the OAuth part of an app client's configuration, as
// OAuthRules.CheckClient sees it.
type OAuthClient struct {
	HasSecret          bool
	Enabled            bool // AllowedOAuthFlowsUserPoolClient
	Flows              []string
	Scopes             []string
	CallbackURLs       []string
	LogoutURLs         []string
	DefaultRedirectURI string
	IdentityProviders  []string
}

// Domain faults (spec §2.2).
var (
	// errDomainTaken: AWS's wording (aws-samples/websocket-chat-application#56).
	errDomainTaken = fault.New(fault.InvalidParameter, "Domain already associated with another user pool.")
	// errPoolHasDomain: UNCONFIRMED wording (reported as "User Pool
	// already has domain configured", aws-samples/websocket-chat-application#29).
	errPoolHasDomain = fault.New(fault.InvalidParameter, "User pool already has a domain configured.")
	// errDomainKind: UNCONFIRMED wording; a domain cannot change kind.
	errDomainKind = fault.New(fault.InvalidParameter, "CustomDomainConfig can only be given for a custom domain.")
	// errManagedLoginVersion: UNCONFIRMED wording.
	errManagedLoginVersion = fault.New(fault.InvalidParameter, "ManagedLoginVersion must be 1 or 2.")
)

// domainNotFound is the error of Update and Delete for a domain that is
// not the pool's. UNCONFIRMED wording.
func domainNotFound(name string) error {
	return fault.Errorf(fault.ResourceNotFound, "Domain %s does not exist.", name)
}

// PrefixCloudFront is the CloudFront distribution DescribeUserPoolDomain
// reports for prefix domains: the one every us-east-1 prefix domain shared
// in 2017, 2022 and 2025 (spec §2.2).
const PrefixCloudFront = "d3oia8etllorh5.cloudfront.net"

// DomainInput is CreateUserPoolDomain and UpdateUserPoolDomain's request.
type DomainInput struct {
	Name string
	// Custom is set when CustomDomainConfig was given, with its
	// certificate and security policy.
	Custom         bool
	CertificateARN string
	SecurityPolicy string
	// ManagedLoginVersion is 0 when not given (1 on create, unchanged on
	// update).
	ManagedLoginVersion int
	// Routing is the RoutingType document, nil when not given.
	Routing json.RawMessage
}

// checkDomainInput applies the name and version rules.
func (s *Service) checkDomainInput(p *Pool, in DomainInput) error {
	if s.OAuth != nil {
		check := s.OAuth.CheckPrefix
		if in.Custom {
			check = s.OAuth.CheckCustomDomain
		}
		if err := check(in.Name); err != nil {
			return err
		}
	}
	switch in.ManagedLoginVersion {
	case 0, 1:
	case 2:
		if err := p.Settings.Tier().Require(FeatureManagedLogin); err != nil {
			return err
		}
	default:
		return errManagedLoginVersion
	}
	return nil
}

// CreateDomain gives pool poolID a domain.
func (s *Service) CreateDomain(ctx context.Context, poolID string, in DomainInput) (storage.Domain, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return storage.Domain{}, err
	}
	// Names are checked as given (upper case is refused) and stored lower
	// case; lookups fold case, as DNS does.
	if err := s.checkDomainInput(p, in); err != nil {
		return storage.Domain{}, err
	}
	in.Name = strings.ToLower(in.Name)
	if _, err := s.Domains.GetDomain(ctx, in.Name); err == nil {
		return storage.Domain{}, errDomainTaken
	} else if !errors.Is(err, storage.ErrNotFound) {
		return storage.Domain{}, err
	}
	now := s.now()
	d := storage.Domain{
		Name:                   in.Name,
		PoolID:                 p.ID,
		Custom:                 in.Custom,
		CertificateARN:         in.CertificateARN,
		SecurityPolicy:         in.SecurityPolicy,
		ManagedLoginVersion:    max(in.ManagedLoginVersion, 1),
		Routing:                in.Routing,
		CloudFrontDistribution: PrefixCloudFront,
		CreatedAt:              now,
		UpdatedAt:              now,
	}
	if in.Custom {
		if d.CloudFrontDistribution, err = s.newCloudFrontName(); err != nil {
			return storage.Domain{}, err
		}
	}
	err = s.Domains.CreateDomain(ctx, d)
	if errors.Is(err, storage.ErrExists) {
		// The name was taken meanwhile, or the pool has a domain of this
		// kind.
		if _, gerr := s.Domains.GetDomain(ctx, d.Name); gerr == nil {
			return storage.Domain{}, errDomainTaken
		}
		return storage.Domain{}, errPoolHasDomain
	}
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Domain{}, PoolNotFound(p.ID)
	}
	if err != nil {
		return storage.Domain{}, err
	}
	return d, nil
}

// newCloudFrontName invents the CloudFront distribution of a custom domain:
// d + 13 lower-case alphanumerics + .cloudfront.net, the shape of real ones.
func (s *Service) newCloudFrontName() (string, error) {
	r, err := randomString(s.rand(), "abcdefghijklmnopqrstuvwxyz0123456789", 13)
	if err != nil {
		return "", err
	}
	return "d" + r + ".cloudfront.net", nil
}

// DescribeDomain returns the domain called name, and false (no error) when
// there is none: DescribeUserPoolDomain answers an unknown domain with an
// empty description (UNCONFIRMED, spec §2.2).
func (s *Service) DescribeDomain(ctx context.Context, name string) (storage.Domain, bool, error) {
	d, err := s.Domains.GetDomain(ctx, strings.ToLower(name))
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Domain{}, false, nil
	}
	if err != nil {
		return storage.Domain{}, false, err
	}
	return d, true, nil
}

// UpdateDomain changes a domain of pool poolID: its managed login version,
// its certificate (custom domains) and its routing. A domain cannot be
// renamed, nor change kind.
func (s *Service) UpdateDomain(ctx context.Context, poolID string, in DomainInput) (storage.Domain, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return storage.Domain{}, err
	}
	name := strings.ToLower(in.Name)
	cur, err := s.Domains.GetDomain(ctx, name)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && cur.PoolID != p.ID) {
		return storage.Domain{}, domainNotFound(in.Name)
	}
	if err != nil {
		return storage.Domain{}, err
	}
	if in.Custom && !cur.Custom {
		return storage.Domain{}, errDomainKind
	}
	in.Name, in.Custom = name, cur.Custom
	if err := s.checkDomainInput(p, in); err != nil {
		return storage.Domain{}, err
	}
	now := s.now()
	d, err := s.Domains.UpdateDomain(ctx, name, func(d *storage.Domain) error {
		if d.PoolID != p.ID {
			return domainNotFound(in.Name)
		}
		if in.ManagedLoginVersion != 0 {
			d.ManagedLoginVersion = in.ManagedLoginVersion
		}
		if in.CertificateARN != "" {
			d.CertificateARN = in.CertificateARN
		}
		if in.SecurityPolicy != "" {
			d.SecurityPolicy = in.SecurityPolicy
		}
		if in.Routing != nil {
			d.Routing = in.Routing
		}
		d.UpdatedAt = now
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Domain{}, domainNotFound(in.Name)
	}
	return d, err
}

// DeleteDomain removes a domain of pool poolID.
func (s *Service) DeleteDomain(ctx context.Context, poolID, name string) error {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return err
	}
	name = strings.ToLower(name)
	d, err := s.Domains.GetDomain(ctx, name)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && d.PoolID != p.ID) {
		return domainNotFound(name)
	}
	if err != nil {
		return err
	}
	if err := s.Domains.DeleteDomain(ctx, name); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}

// PoolDomains returns a pool's domains: its prefix domain and its custom
// domain, "" for a kind it does not have (DescribeUserPool's Domain and
// CustomDomain).
func (s *Service) PoolDomains(ctx context.Context, poolID string) (prefix, custom string, err error) {
	ds, err := s.Domains.ListDomains(ctx, poolID)
	if err != nil {
		return "", "", err
	}
	for _, d := range ds {
		if d.Custom {
			custom = d.Name
		} else {
			prefix = d.Name
		}
	}
	return prefix, custom, nil
}

// DomainVersion is DomainDescription's Version: when the domain last
// changed, as YYYYMMDDhhmmss in UTC (spec §2.2).
func DomainVersion(d storage.Domain) string {
	return d.UpdatedAt.UTC().Format("20060102150405")
}

// S3Bucket is DomainDescription's S3Bucket, aws-cognito-prod-<airport>-assets
// by region (spec §2.2); regions whose airport code is not known get their
// own name.
func S3Bucket(region string) string {
	airports := map[string]string{
		"us-east-1": "iad", "us-east-2": "cmh", "us-west-1": "sfo", "us-west-2": "pdx",
		"eu-west-1": "dub", "eu-west-2": "lhr", "eu-central-1": "fra", "ap-northeast-1": "nrt",
		"ap-southeast-1": "sin", "ap-southeast-2": "syd", "ap-south-1": "bom", "ca-central-1": "yul",
		"sa-east-1": "gru",
	}
	code, ok := airports[region]
	if !ok {
		code = region
	}
	return "aws-cognito-prod-" + code + "-assets"
}
