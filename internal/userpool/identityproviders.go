package userpool

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/federation"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file owns the lifecycle of a pool's identity providers
// (Create/Describe/Update/Delete/ListIdentityProviders,
// GetIdentityProviderByIdentifier) and of its SAML key pair
// (GetSigningCertificate). What a valid provider is, and what Cognito adds
// to its details, is package federation's (federation.Configurer); this
// file loads the pool and its other providers, calls it, and stores the
// result in Service.Federation.

// federationConfigurer returns the configurer of providers.
func (s *Service) federationConfigurer() *federation.Configurer {
	if s.Configurer != nil {
		return s.Configurer
	}
	return &federation.Configurer{Now: s.Now}
}

// FederationPool is what package federation needs of pool p: its ID and
// schema.
func FederationPool(p *Pool) federation.Pool {
	fp := federation.Pool{ID: p.ID}
	for _, a := range p.Settings.SchemaAttributes {
		max := 0
		if c := a.StringAttributeConstraints; c != nil && c.MaxLength != nil {
			max, _ = strconv.Atoi(*c.MaxLength)
		}
		fp.Attributes = append(fp.Attributes, federation.Attribute{Name: a.Name, Required: a.Required, Mutable: a.Mutable, MaxLength: max})
	}
	return fp
}

func providerFromStore(p storage.IdentityProvider) federation.Provider {
	return federation.Provider{
		PoolID: p.PoolID, Name: p.Name, Type: federation.Type(p.Type), Details: p.Details, Private: p.Private,
		Metadata: p.Metadata, AttributeMapping: p.AttributeMapping, Identifiers: p.Identifiers,
		Created: p.CreatedAt, Modified: p.UpdatedAt,
	}
}

func providerToStore(p federation.Provider) storage.IdentityProvider {
	return storage.IdentityProvider{
		PoolID: p.PoolID, Name: p.Name, Type: string(p.Type), Details: p.Details, Private: p.Private,
		Metadata: p.Metadata, AttributeMapping: p.AttributeMapping, Identifiers: p.Identifiers,
		CreatedAt: p.Created, UpdatedAt: p.Modified,
	}
}

// providerNotFound answers a provider name the pool does not have
// (UNCONFIRMED wording).
func providerNotFound(name string) error {
	return fault.Errorf(fault.ResourceNotFound, "Identity provider %s does not exist.", name)
}

// IdentityProviders returns every identity provider of pool poolID, in
// name order, as stored (with secrets: for the sign-in flows, never for
// an answer).
func (s *Service) IdentityProviders(ctx context.Context, poolID string) ([]federation.Provider, error) {
	stored, err := s.Federation.ListIdentityProviders(ctx, poolID)
	if err != nil {
		return nil, err
	}
	out := make([]federation.Provider, len(stored))
	for i, p := range stored {
		out[i] = providerFromStore(p)
	}
	return out, nil
}

// IdentityProvider returns provider name of pool poolID as stored.
func (s *Service) IdentityProvider(ctx context.Context, poolID, name string) (federation.Provider, error) {
	p, err := s.Federation.GetIdentityProvider(ctx, poolID, name)
	if errors.Is(err, storage.ErrNotFound) {
		return federation.Provider{}, providerNotFound(name)
	}
	if err != nil {
		return federation.Provider{}, err
	}
	return providerFromStore(p), nil
}

// described is a provider as Describe answers it: a SAML provider with
// EncryptedResponses shows the pool's certificate.
func (s *Service) described(ctx context.Context, p federation.Provider) (federation.Provider, error) {
	if !p.EncryptedResponses() {
		return federation.WithEncryptionCertificate(p, ""), nil
	}
	k, err := s.SAMLKey(ctx, p.PoolID)
	if err != nil {
		return federation.Provider{}, err
	}
	return federation.WithEncryptionCertificate(p, k.CertificateBase64()), nil
}

// CreateIdentityProvider adds an identity provider to pool poolID
// (federation.Configurer.Create holds the rules).
func (s *Service) CreateIdentityProvider(ctx context.Context, poolID string, in federation.Input) (federation.Provider, error) {
	pool, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return federation.Provider{}, err
	}
	existing, err := s.IdentityProviders(ctx, pool.ID)
	if err != nil {
		return federation.Provider{}, err
	}
	p, err := s.federationConfigurer().Create(ctx, FederationPool(pool), in, existing)
	if err != nil {
		return federation.Provider{}, err
	}
	if err := s.Federation.CreateIdentityProvider(ctx, providerToStore(p)); err != nil {
		if errors.Is(err, storage.ErrExists) {
			return federation.Provider{}, fault.Wrap(fault.DuplicateProvider, "A provider with the name "+in.Name+" already exists in this user pool.", err)
		}
		return federation.Provider{}, err
	}
	return s.described(ctx, p)
}

// DescribeIdentityProvider returns provider name of pool poolID as
// DescribeIdentityProvider shows it.
func (s *Service) DescribeIdentityProvider(ctx context.Context, poolID, name string) (federation.Provider, error) {
	if _, err := s.LoadPool(ctx, poolID); err != nil {
		return federation.Provider{}, err
	}
	p, err := s.IdentityProvider(ctx, poolID, name)
	if err != nil {
		return federation.Provider{}, err
	}
	return s.described(ctx, p)
}

// UpdateIdentityProvider changes provider name of pool poolID. The
// validation (which may fetch discovery documents and metadata) runs
// before the atomic write; a provider changed meanwhile is validated
// again.
func (s *Service) UpdateIdentityProvider(ctx context.Context, poolID, name string, u federation.Update) (federation.Provider, error) {
	pool, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return federation.Provider{}, err
	}
	for attempt := 0; ; attempt++ {
		existing, err := s.IdentityProviders(ctx, pool.ID)
		if err != nil {
			return federation.Provider{}, err
		}
		i := slices.IndexFunc(existing, func(p federation.Provider) bool { return p.Name == name })
		if i < 0 {
			return federation.Provider{}, providerNotFound(name)
		}
		old := existing[i]
		p, err := s.federationConfigurer().Update(ctx, FederationPool(pool), old, u, existing)
		if err != nil {
			return federation.Provider{}, err
		}
		errChanged := errors.New("changed meanwhile")
		_, err = s.Federation.UpdateIdentityProvider(ctx, pool.ID, name, func(sp *storage.IdentityProvider) error {
			if !sp.UpdatedAt.Equal(old.Modified) {
				return errChanged
			}
			*sp = providerToStore(p)
			return nil
		})
		switch {
		case errors.Is(err, errChanged) && attempt < 3:
			continue
		case errors.Is(err, storage.ErrNotFound):
			return federation.Provider{}, providerNotFound(name)
		case err != nil:
			return federation.Provider{}, err
		}
		return s.described(ctx, p)
	}
}

// DeleteIdentityProvider removes provider name from pool poolID. App
// clients that name it keep the name (UNCONFIRMED: whether AWS refuses the
// delete or edits the clients); the login page and the authorize endpoint
// no longer offer it. Links to its identities stay, as the users do.
func (s *Service) DeleteIdentityProvider(ctx context.Context, poolID, name string) error {
	if _, err := s.LoadPool(ctx, poolID); err != nil {
		return err
	}
	err := s.Federation.DeleteIdentityProvider(ctx, poolID, name)
	if errors.Is(err, storage.ErrNotFound) {
		return providerNotFound(name)
	}
	return err
}

// MaxProvidersPage is the largest ListIdentityProviders page (the model's
// MaxResults bound).
const MaxProvidersPage = 60

// ListIdentityProviders returns one page of pool poolID's providers in
// name order (limit 0 means MaxProvidersPage) and the next page's token
// ("" on the last).
func (s *Service) ListIdentityProviders(ctx context.Context, poolID string, limit int32, next string) ([]federation.Summary, string, error) {
	if _, err := s.LoadPool(ctx, poolID); err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > MaxProvidersPage {
		limit = MaxProvidersPage
	}
	after := ""
	if next != "" {
		b, err := base64.RawURLEncoding.DecodeString(next)
		if err != nil || len(b) == 0 {
			return nil, "", fault.New(fault.InvalidParameter, "Invalid NextToken.") // UNCONFIRMED wording
		}
		after = string(b)
	}
	all, err := s.IdentityProviders(ctx, poolID)
	if err != nil {
		return nil, "", err
	}
	var out []federation.Summary
	for _, p := range all {
		if after != "" && p.Name <= after {
			continue
		}
		if len(out) == int(limit) {
			return out, base64.RawURLEncoding.EncodeToString([]byte(out[len(out)-1].Name)), nil
		}
		out = append(out, p.Summarize())
	}
	return out, "", nil
}

// GetIdentityProviderByIdentifier returns the provider of pool poolID
// that has identifier among its IdpIdentifiers.
func (s *Service) GetIdentityProviderByIdentifier(ctx context.Context, poolID, identifier string) (federation.Provider, error) {
	if _, err := s.LoadPool(ctx, poolID); err != nil {
		return federation.Provider{}, err
	}
	all, err := s.IdentityProviders(ctx, poolID)
	if err != nil {
		return federation.Provider{}, err
	}
	p, ok := federation.Find(all, "", identifier)
	if !ok {
		// UNCONFIRMED wording.
		return federation.Provider{}, fault.Errorf(fault.ResourceNotFound, "Identity provider with identifier %s does not exist.", identifier)
	}
	return s.described(ctx, p)
}

// SAMLKey returns pool poolID's SAML key pair, making it on first use
// (concurrent first uses agree on the one stored first).
func (s *Service) SAMLKey(ctx context.Context, poolID string) (federation.PoolKey, error) {
	for range 2 {
		k, err := s.Federation.GetSAMLKey(ctx, poolID)
		if err == nil {
			return federation.ParsePoolKey(k.Certificate, k.PrivateKey)
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return federation.PoolKey{}, err
		}
		pk, err := federation.NewPoolKey(poolID, s.now(), s.rand())
		if err != nil {
			return federation.PoolKey{}, err
		}
		certPEM, keyPEM, err := pk.Marshal()
		if err != nil {
			return federation.PoolKey{}, err
		}
		err = s.Federation.CreateSAMLKey(ctx, storage.SAMLKey{PoolID: poolID, Certificate: certPEM, PrivateKey: keyPEM, CreatedAt: s.now()})
		if err == nil {
			return pk, nil
		}
		if errors.Is(err, storage.ErrNotFound) {
			return federation.PoolKey{}, PoolNotFound(poolID)
		}
		if !errors.Is(err, storage.ErrExists) {
			return federation.PoolKey{}, err
		}
	}
	return federation.PoolKey{}, errors.New("userpool: SAML key of " + poolID + " could not be read")
}

// GetSigningCertificate returns pool poolID's SAML certificate as bare
// base64 DER (federation.PoolKey.CertificateBase64).
func (s *Service) GetSigningCertificate(ctx context.Context, poolID string) (string, error) {
	if _, err := s.LoadPool(ctx, poolID); err != nil {
		return "", err
	}
	k, err := s.SAMLKey(ctx, poolID)
	if err != nil {
		return "", err
	}
	return k.CertificateBase64(), nil
}

// providerNames returns the names of pool poolID's providers, for the
// check of SupportedIdentityProviders (nil without a federation store).
func (s *Service) providerNames(ctx context.Context, poolID string) ([]string, error) {
	if s.Federation == nil {
		return nil, nil
	}
	all, err := s.Federation.ListIdentityProviders(ctx, poolID)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(all))
	for i, p := range all {
		names[i] = p.Name
	}
	return names, nil
}
