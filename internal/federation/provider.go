package federation

import (
	"maps"
	"slices"
	"time"
)

// Type is an identity provider's ProviderType (IdentityProviderTypeType).
type Type string

// Provider types.
const (
	TypeSAML     Type = "SAML"
	TypeOIDC     Type = "OIDC"
	TypeGoogle   Type = "Google"
	TypeFacebook Type = "Facebook"
	TypeAmazon   Type = "LoginWithAmazon"
	TypeApple    Type = "SignInWithApple"
)

// Types lists every provider type, in the model's order.
var Types = []Type{TypeSAML, TypeFacebook, TypeGoogle, TypeAmazon, TypeApple, TypeOIDC}

// Social reports whether t is one of the social types, whose provider
// name must equal the type and whose endpoints are fixed.
func (t Type) Social() bool {
	return t == TypeGoogle || t == TypeFacebook || t == TypeAmazon || t == TypeApple
}

// OAuth reports whether t signs in through OAuth 2.0 (every type but SAML).
func (t Type) OAuth() bool { return t != TypeSAML && t.valid() }

func (t Type) valid() bool { return slices.Contains(Types, t) }

// ProviderCognito is the ProviderName that names the pool's own users in
// AdminLinkProviderForUser and AdminDisableProviderForUser.
const ProviderCognito = "Cognito"

// ProviderDetails keys (spec §14.2). The lower-case ones belong to the
// OAuth types, the capitalised ones to SAML.
const (
	KeyClientID                = "client_id"
	KeyClientSecret            = "client_secret"
	KeyAuthorizeScopes         = "authorize_scopes"
	KeyAttributesRequestMethod = "attributes_request_method"
	KeyOIDCIssuer              = "oidc_issuer"
	KeyAuthorizeURL            = "authorize_url"
	KeyTokenURL                = "token_url"
	KeyAttributesURL           = "attributes_url"
	KeyJWKSURI                 = "jwks_uri"
	KeyAttributesAddAttributes = "attributes_url_add_attributes"
	KeyTokenRequestMethod      = "token_request_method"
	KeyAPIVersion              = "api_version"
	KeyTeamID                  = "team_id"
	KeyKeyID                   = "key_id"
	KeyPrivateKey              = "private_key"

	KeyMetadataURL                 = "MetadataURL"
	KeyMetadataFile                = "MetadataFile"
	KeyIDPInit                     = "IDPInit"
	KeyIDPSignout                  = "IDPSignout"
	KeyEncryptedResponses          = "EncryptedResponses"
	KeyRequestSigningAlgorithm     = "RequestSigningAlgorithm"
	KeyActiveEncryptionCertificate = "ActiveEncryptionCertificate"
	KeySSORedirectBindingURI       = "SSORedirectBindingURI"
	KeySLORedirectBindingURI       = "SLORedirectBindingURI"
)

// Provider is one identity provider of a pool: the record phase 2 stores
// and the value every other function of this package takes. It is built
// by Configurer.Create and Configurer.Update, never by hand.
type Provider struct {
	PoolID string
	Name   string
	Type   Type
	// Details is ProviderDetails exactly as DescribeIdentityProvider
	// returns it: the keys the caller gave plus those Cognito adds (the
	// fixed social endpoints, the discovered OIDC endpoints,
	// attributes_url_add_attributes, the SAML binding URIs). It holds
	// client_secret, which Describe echoes as AWS does; the store must
	// seal the record at rest.
	Details map[string]string
	// Private holds what Describe never returns: Sign in with Apple's
	// private_key. The store must seal it at rest.
	Private map[string]string
	// Metadata is a SAML provider's IdP metadata document: MetadataFile,
	// or what MetadataURL answered when the provider was configured.
	Metadata string
	// AttributeMapping maps pool attributes (and "username") to IdP
	// claims, as DescribeIdentityProvider returns it.
	AttributeMapping map[string]string
	// Identifiers is IdpIdentifiers, in the caller's order.
	Identifiers []string
	Created     time.Time
	Modified    time.Time
}

// Clone returns a deep copy of p.
func (p Provider) Clone() Provider {
	p.Details = maps.Clone(p.Details)
	p.Private = maps.Clone(p.Private)
	p.AttributeMapping = maps.Clone(p.AttributeMapping)
	p.Identifiers = slices.Clone(p.Identifiers)
	return p
}

// HasIdentifier reports whether id is one of the provider's IdpIdentifiers
// (exact match).
func (p Provider) HasIdentifier(id string) bool { return slices.Contains(p.Identifiers, id) }

// flag reads a "true"/"false" detail.
func (p Provider) flag(key string) bool { return p.Details[key] == "true" }

// IDPInit reports whether a SAML provider accepts IdP-initiated sign-in.
func (p Provider) IDPInit() bool { return p.Type == TypeSAML && p.flag(KeyIDPInit) }

// IDPSignout reports whether a SAML provider takes part in sign-out.
func (p Provider) IDPSignout() bool { return p.Type == TypeSAML && p.flag(KeyIDPSignout) }

// EncryptedResponses reports whether a SAML provider encrypts its
// assertions to the pool.
func (p Provider) EncryptedResponses() bool {
	return p.Type == TypeSAML && p.flag(KeyEncryptedResponses)
}

// SignsRequests reports whether AuthnRequests to a SAML provider are
// signed (RequestSigningAlgorithm rsa-sha256).
func (p Provider) SignsRequests() bool {
	return p.Type == TypeSAML && p.Details[KeyRequestSigningAlgorithm] == "rsa-sha256"
}

// Summary is a provider as ListIdentityProviders shows it.
type Summary struct {
	Name     string
	Type     Type
	Created  time.Time
	Modified time.Time
}

// Summarize returns the ListIdentityProviders entry of p.
func (p Provider) Summarize() Summary {
	return Summary{Name: p.Name, Type: p.Type, Created: p.Created, Modified: p.Modified}
}

// Find returns the provider of providers that an authorize request's
// identity_provider (name, exact match) or idp_identifier (identifier)
// names; ok is false when none does. Exactly one of name and identifier
// is expected to be non-empty.
func Find(providers []Provider, name, identifier string) (Provider, bool) {
	for _, p := range providers {
		if name != "" && p.Name == name || identifier != "" && p.HasIdentifier(identifier) {
			return p, true
		}
	}
	return Provider{}, false
}
