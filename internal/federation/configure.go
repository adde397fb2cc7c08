package federation

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"

	"github.com/userpoold/userpoold/internal/fault"
)

// This file owns the configuration of identity providers: the rules of
// CreateIdentityProvider and UpdateIdentityProvider beyond the model's own
// validation (spec §14.1, §14.2), and what Cognito adds to ProviderDetails.

// MaxProviders is the number of identity providers a pool may have
// (spec §16).
const MaxProviders = 300

// Attribute is what configuration and sign-in need of one attribute of
// the pool's schema.
type Attribute struct {
	Name      string // sub, email, custom:tier, ...
	Required  bool
	Mutable   bool
	MaxLength int // 0 for no limit below 2048
}

// Pool is what configuration needs of the pool a provider belongs to.
type Pool struct {
	ID         string
	Attributes []Attribute
}

func (p Pool) attribute(name string) (Attribute, bool) {
	for _, a := range p.Attributes {
		if a.Name == name {
			return a, true
		}
	}
	return Attribute{}, false
}

// Input is a CreateIdentityProvider request after the model's validation.
type Input struct {
	Name             string
	Type             Type
	Details          map[string]string
	AttributeMapping map[string]string
	Identifiers      []string
}

// Update is an UpdateIdentityProvider request: nil members keep what the
// provider has. Details replaces the given details as a whole
// (UNCONFIRMED: whether AWS merges them).
type Update struct {
	Details          map[string]string
	AttributeMapping map[string]string
	Identifiers      []string
}

// Configurer validates provider configurations and completes them: it
// discovers OIDC endpoints and fetches SAML metadata, as Cognito does when
// a provider is created or updated.
type Configurer struct {
	Config Config
	// HTTP reaches OIDC discovery documents and SAML metadata URLs;
	// http.DefaultClient when nil.
	HTTP *http.Client
	Now  func() time.Time
}

func (c *Configurer) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Configurer) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func invalid(format string, args ...any) error {
	return fault.Errorf(fault.InvalidParameter, format, args...)
}

// providerNamePattern is ProviderNameTypeV2's pattern, anchored.
var providerNamePattern = regexp.MustCompile(`^[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+$`)

// ValidateName checks a new provider's name against its type: social
// providers must be named after their type ("Provider X cannot be of type
// Google.", AWS's wording, aws-cli#3179), other providers may not take a
// social type's name or Cognito's (UNCONFIRMED wording, by analogy), and
// every name must match ProviderNameTypeV2.
func ValidateName(name string, t Type) error {
	if !t.valid() {
		return invalid("Provider type %s is not supported.", t) // UNCONFIRMED wording
	}
	if t.Social() {
		if name != string(t) {
			return invalid("Provider %s cannot be of type %s.", name, t)
		}
		return nil
	}
	for _, s := range Types {
		if s.Social() && strings.EqualFold(name, string(s)) {
			return invalid("Provider %s cannot be of type %s.", name, t)
		}
	}
	if strings.EqualFold(name, ProviderCognito) {
		return invalid("Provider %s cannot be of type %s.", name, t)
	}
	if !providerNamePattern.MatchString(name) {
		// The model's wording for a pattern failure.
		return invalid("1 validation error detected: Value '%s' at 'providerName' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", name, `[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+`)
	}
	return nil
}

// Create validates a new provider of pool (existing are the pool's other
// providers) and returns the record to store, with the details Cognito
// adds. Errors are *fault.Error: InvalidParameter, DuplicateProvider
// (a name or identifier taken) or LimitExceeded.
func (c *Configurer) Create(ctx context.Context, pool Pool, in Input, existing []Provider) (Provider, error) {
	if err := ValidateName(in.Name, in.Type); err != nil {
		return Provider{}, err
	}
	for _, p := range existing {
		if p.Name == in.Name {
			// UNCONFIRMED wording (two emulators agree on it).
			return Provider{}, fault.Errorf(fault.DuplicateProvider, "A provider with the name %s already exists in this user pool.", in.Name)
		}
	}
	if len(existing) >= MaxProviders {
		return Provider{}, fault.Errorf(fault.LimitExceeded, "The maximum number of identity providers for the user pool has been reached.") // UNCONFIRMED wording
	}
	p := Provider{PoolID: pool.ID, Name: in.Name, Type: in.Type}
	if err := c.apply(ctx, pool, &p, in.Details, in.AttributeMapping, in.Identifiers, existing); err != nil {
		return Provider{}, err
	}
	p.Created = c.now()
	p.Modified = p.Created
	return p, nil
}

// Update applies an UpdateIdentityProvider request to old and returns the
// record to store; old is not changed.
func (c *Configurer) Update(ctx context.Context, pool Pool, old Provider, u Update, existing []Provider) (Provider, error) {
	p := old.Clone()
	details, mapping, ids := u.Details, u.AttributeMapping, u.Identifiers
	if details == nil {
		details = old.input()
	}
	if mapping == nil {
		mapping = old.AttributeMapping
	}
	if ids == nil {
		ids = old.Identifiers
	}
	others := slices.DeleteFunc(slices.Clone(existing), func(q Provider) bool { return q.Name == old.Name })
	if err := c.apply(ctx, pool, &p, details, mapping, ids, others); err != nil {
		return Provider{}, err
	}
	p.Modified = c.now()
	return p, nil
}

// input returns the details p was configured with (what the caller gave,
// with the private key back), for an update that does not replace them.
func (p Provider) input() map[string]string {
	in := maps.Clone(p.Details)
	for _, k := range addedKeys(p.Type) {
		delete(in, k)
	}
	for k, v := range p.Private {
		in[k] = v
	}
	if p.Type == TypeSAML && in[KeyMetadataURL] != "" {
		delete(in, KeyMetadataFile)
	}
	return in
}

// addedKeys are the ProviderDetails keys Cognito sets itself for type t:
// read-only, dropped from input before validation.
func addedKeys(t Type) []string {
	switch t {
	case TypeOIDC:
		return []string{KeyAttributesAddAttributes}
	case TypeSAML:
		return []string{KeyActiveEncryptionCertificate, KeySSORedirectBindingURI, KeySLORedirectBindingURI}
	}
	return []string{KeyAttributesURL, KeyAttributesAddAttributes, KeyAuthorizeURL, KeyOIDCIssuer, KeyTokenRequestMethod, KeyTokenURL}
}

func (c *Configurer) apply(ctx context.Context, pool Pool, p *Provider, details, mapping map[string]string, ids []string, others []Provider) error {
	in := maps.Clone(details)
	if in == nil {
		in = map[string]string{}
	}
	for _, k := range addedKeys(p.Type) {
		delete(in, k) // read-only; a Describe output given back is valid input
	}
	var err error
	switch p.Type {
	case TypeOIDC:
		err = c.oidcDetails(ctx, p, in)
	case TypeSAML:
		err = c.samlDetails(ctx, p, in)
	default:
		err = socialDetailsOf(p, in)
	}
	if err != nil {
		return err
	}
	m, err := validateMapping(pool, p.Type, mapping)
	if err != nil {
		return err
	}
	p.AttributeMapping = m
	if err := validateIdentifiers(ids, others); err != nil {
		return err
	}
	p.Identifiers = slices.Clone(ids)
	if p.Identifiers == nil {
		p.Identifiers = []string{}
	}
	return nil
}

// checkKeys refuses keys outside allowed (UNCONFIRMED wording) and missing
// required ones (UNCONFIRMED wording).
func checkKeys(t Type, in map[string]string, required, optional []string) error {
	var unknown []string
	for k := range in {
		if !slices.Contains(required, k) && !slices.Contains(optional, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return invalid("Invalid ProviderDetails for %s provider: unsupported keys %s", t, "["+strings.Join(unknown, ", ")+"]")
	}
	for _, k := range required {
		if strings.TrimSpace(in[k]) == "" {
			return invalid("%s is required for %s provider.", k, t)
		}
	}
	return nil
}

// socialDetailsOf validates the details of a social provider and adds the
// fixed endpoints. Sign in with Apple's private_key goes to Private: it is
// never described.
func socialDetailsOf(p *Provider, in map[string]string) error {
	var required, optional []string
	switch p.Type {
	case TypeGoogle, TypeAmazon:
		required = []string{KeyClientID, KeyClientSecret, KeyAuthorizeScopes}
	case TypeFacebook:
		required = []string{KeyClientID, KeyClientSecret, KeyAuthorizeScopes}
		optional = []string{KeyAPIVersion}
	case TypeApple:
		required = []string{KeyClientID, KeyTeamID, KeyKeyID, KeyPrivateKey, KeyAuthorizeScopes}
	}
	if err := checkKeys(p.Type, in, required, optional); err != nil {
		return err
	}
	version := ""
	if p.Type == TypeFacebook {
		version = in[KeyAPIVersion]
		if version == "" {
			version = facebookVersion
			in[KeyAPIVersion] = version
		}
		if !regexp.MustCompile(`^v\d+\.\d+$`).MatchString(version) {
			return invalid("Invalid api_version %s.", version) // UNCONFIRMED wording
		}
	}
	p.Private = nil
	if p.Type == TypeApple {
		if _, err := parseAppleKey(in[KeyPrivateKey]); err != nil {
			return invalid("Invalid private_key for SignInWithApple provider.") // UNCONFIRMED wording
		}
		p.Private = map[string]string{KeyPrivateKey: in[KeyPrivateKey]}
		delete(in, KeyPrivateKey)
	}
	maps.Copy(in, socialDetails(p.Type, version))
	p.Details = in
	return nil
}

// oidcKeys are an OIDC provider's input keys.
var (
	oidcRequired = []string{KeyClientID, KeyClientSecret, KeyAuthorizeScopes, KeyAttributesRequestMethod, KeyOIDCIssuer}
	oidcExplicit = []string{KeyAuthorizeURL, KeyTokenURL, KeyAttributesURL, KeyJWKSURI}
)

// discovery is the part of an OpenID Provider Configuration document the
// relying party uses.
type discovery struct {
	Issuer    string `json:"issuer"`
	Authorize string `json:"authorization_endpoint"`
	Token     string `json:"token_endpoint"`
	UserInfo  string `json:"userinfo_endpoint"`
	JWKS      string `json:"jwks_uri"`
}

// maxDocument bounds discovery documents, metadata and IdP answers.
const maxDocument = 1 << 20

// getJSON fetches a JSON document.
func getJSON(ctx context.Context, client *http.Client, rawURL string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", rawURL, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, maxDocument)).Decode(v)
}

// discover fetches issuer's discovery document and checks that it names
// the same issuer (OpenID Connect Discovery §4.3).
func discover(ctx context.Context, client *http.Client, issuer string) (discovery, error) {
	var d discovery
	if err := getJSON(ctx, client, issuer+"/.well-known/openid-configuration", &d); err != nil {
		return d, err
	}
	if d.Issuer != issuer {
		return d, fmt.Errorf("discovery document names issuer %q, not %q", d.Issuer, issuer)
	}
	return d, nil
}

// oidcDetails validates an OIDC provider's details and completes them:
// the issuer must be https (http on loopback, or anywhere with
// AllowHTTP), without a trailing slash; the endpoints not given are
// discovered at the issuer, and every endpoint must pass the same URL
// rule. AWS's rule that the issuer use port 443 or 80 is relaxed (spec
// §19.4). Describe then shows the discovered endpoints and
// attributes_url_add_attributes "false" (spec §14.2).
func (c *Configurer) oidcDetails(ctx context.Context, p *Provider, in map[string]string) error {
	if err := checkKeys(TypeOIDC, in, oidcRequired, oidcExplicit); err != nil {
		return err
	}
	if m := in[KeyAttributesRequestMethod]; m != "GET" && m != "POST" {
		return invalid("attributes_request_method must be GET or POST.") // UNCONFIRMED wording
	}
	if !slices.Contains(strings.Fields(in[KeyAuthorizeScopes]), "openid") {
		return invalid("authorize_scopes must include openid for OIDC provider.") // UNCONFIRMED wording
	}
	issuer := in[KeyOIDCIssuer]
	if strings.HasSuffix(issuer, "/") || !c.Config.allowedURL(issuer) {
		return invalid("Invalid oidc_issuer %s: it must be an https URL without a trailing slash.", issuer) // UNCONFIRMED wording
	}
	missing := false
	for _, k := range oidcExplicit {
		if in[k] == "" {
			missing = true
		}
	}
	if missing {
		d, err := discover(ctx, c.client(), issuer)
		if err != nil {
			// UNCONFIRMED wording.
			return fault.Wrap(fault.InvalidParameter, "Unable to contact well-known endpoint of the oidc_issuer "+issuer+".", err)
		}
		for k, v := range map[string]string{KeyAuthorizeURL: d.Authorize, KeyTokenURL: d.Token, KeyAttributesURL: d.UserInfo, KeyJWKSURI: d.JWKS} {
			if in[k] == "" {
				in[k] = v
			}
		}
	}
	for _, k := range oidcExplicit {
		if in[k] == "" {
			return invalid("%s is required for OIDC provider when the issuer does not publish it.", k) // UNCONFIRMED wording
		}
		if !c.Config.allowedURL(in[k]) {
			return invalid("Invalid %s %s: it must be an https URL.", k, in[k]) // UNCONFIRMED wording
		}
	}
	in[KeyAttributesAddAttributes] = "false"
	p.Details = in
	p.Private = nil
	return nil
}

// samlBool are the SAML flags, "true" or "false".
var samlBool = []string{KeyIDPInit, KeyIDPSignout, KeyEncryptedResponses}

// samlDetails validates a SAML provider's details: MetadataURL or
// MetadataFile ("At least one of the MetadataURL or MetadataFile should be
// provided.", AWS's wording, terraform-provider-aws#4815), the flags, and
// the metadata itself (an IdP with an SSO endpoint and a signing
// certificate that has not expired, spec: "must not be expired when you
// configure the SAML IdP"). Describe adds SSORedirectBindingURI and
// SLORedirectBindingURI from the metadata, and
// ActiveEncryptionCertificate when EncryptedResponses is on (added by the
// caller, who owns the pool's certificate: see WithEncryptionCertificate).
func (c *Configurer) samlDetails(ctx context.Context, p *Provider, in map[string]string) error {
	optional := append([]string{KeyMetadataURL, KeyMetadataFile, KeyRequestSigningAlgorithm}, samlBool...)
	if err := checkKeys(TypeSAML, in, nil, optional); err != nil {
		return err
	}
	if in[KeyMetadataURL] == "" && in[KeyMetadataFile] == "" {
		return invalid("At least one of the MetadataURL or MetadataFile should be provided.")
	}
	for _, k := range samlBool {
		if v, ok := in[k]; ok && v != "true" && v != "false" {
			return invalid("%s must be true or false.", k) // UNCONFIRMED wording
		}
	}
	if v, ok := in[KeyRequestSigningAlgorithm]; ok && v != "rsa-sha256" {
		return invalid("RequestSigningAlgorithm must be rsa-sha256.") // UNCONFIRMED wording
	}
	doc := []byte(in[KeyMetadataFile])
	if u := in[KeyMetadataURL]; u != "" {
		if !c.Config.allowedURL(u) {
			return invalid("Invalid MetadataURL %s: it must be an https URL.", u) // UNCONFIRMED wording
		}
		fetched, err := fetch(ctx, c.client(), u)
		if err != nil {
			// UNCONFIRMED wording.
			return fault.Wrap(fault.InvalidParameter, "Could not retrieve metadata from the MetadataURL "+u+".", err)
		}
		doc = fetched
	}
	md, err := ParseMetadata(doc, c.now())
	if err != nil {
		return fault.Wrap(fault.InvalidParameter, "Invalid SAML metadata: "+err.Error(), err) // UNCONFIRMED wording
	}
	if in[KeyMetadataURL] != "" {
		delete(in, KeyMetadataFile)
	}
	in[KeySSORedirectBindingURI] = md.SSORedirect
	if md.SLORedirect != "" {
		in[KeySLORedirectBindingURI] = md.SLORedirect
	}
	p.Details = in
	p.Private = nil
	p.Metadata = string(doc)
	return nil
}

// WithEncryptionCertificate returns p with ActiveEncryptionCertificate set
// to the pool's certificate (bare base64 DER, as GetSigningCertificate
// answers) when p is a SAML provider with EncryptedResponses on, and
// removed otherwise.
func WithEncryptionCertificate(p Provider, certBase64 string) Provider {
	p = p.Clone()
	if p.EncryptedResponses() {
		p.Details[KeyActiveEncryptionCertificate] = certBase64
	} else if p.Details != nil {
		delete(p.Details, KeyActiveEncryptionCertificate)
	}
	return p
}

// fetch GETs a document of at most maxDocument bytes.
func fetch(ctx context.Context, client *http.Client, rawURL string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", rawURL, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxDocument))
}

// Metadata is what the service provider uses of a SAML IdP's metadata.
type Metadata struct {
	Entity      *saml.EntityDescriptor
	EntityID    string
	SSORedirect string // SingleSignOnService, HTTP-Redirect binding
	SLORedirect string // SingleLogoutService, HTTP-Redirect binding ("" if none)
}

// ParseMetadata reads an IdP metadata document: it must describe an IdP
// with an HTTP-Redirect SingleSignOnService (Cognito sends the
// AuthnRequest in a GET URL, spec §14.6) and at least one signing
// certificate valid at now.
func ParseMetadata(doc []byte, now time.Time) (Metadata, error) {
	ed, err := samlsp.ParseMetadata(doc)
	if err != nil {
		return Metadata{}, fmt.Errorf("not IdP metadata: %w", err)
	}
	if len(ed.IDPSSODescriptors) == 0 {
		return Metadata{}, errors.New("no IDPSSODescriptor")
	}
	md := Metadata{Entity: ed, EntityID: ed.EntityID}
	valid := false
	for _, idp := range ed.IDPSSODescriptors {
		for _, s := range idp.SingleSignOnServices {
			if s.Binding == saml.HTTPRedirectBinding && md.SSORedirect == "" {
				md.SSORedirect = s.Location
			}
		}
		for _, s := range idp.SingleLogoutServices {
			if s.Binding == saml.HTTPRedirectBinding && md.SLORedirect == "" {
				md.SLORedirect = s.Location
			}
		}
		for _, kd := range idp.KeyDescriptors {
			if kd.Use != "" && kd.Use != "signing" {
				continue
			}
			for _, xc := range kd.KeyInfo.X509Data.X509Certificates {
				cert, err := parseCertBase64(xc.Data)
				if err == nil && !now.Before(cert.NotBefore) && now.Before(cert.NotAfter) {
					valid = true
				}
			}
		}
	}
	switch {
	case md.EntityID == "":
		return Metadata{}, errors.New("no entityID")
	case md.SSORedirect == "":
		return Metadata{}, errors.New("no SingleSignOnService with the HTTP-Redirect binding")
	case !valid:
		return Metadata{}, errors.New("no signing certificate valid now")
	}
	return md, nil
}

// parseCertBase64 parses a certificate given as base64 DER (whitespace
// allowed) or PEM.
func parseCertBase64(s string) (*x509.Certificate, error) {
	if b, _ := pem.Decode([]byte(s)); b != nil {
		return x509.ParseCertificate(b.Bytes)
	}
	der, err := decodeBase64Loose(s)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// attributeMappingKeys that are never pool attributes but may be mapped.
const mapUsername = "username"

// defaultUsernameClaim is the claim each type maps to username when the
// mapping does not say (spec §14.4: "sub maps to Username by default";
// Facebook's id and Amazon's user_id by the same rule). SAML uses the
// NameID. UNCONFIRMED: that Describe shows this default (spec §20.19).
var defaultUsernameClaim = map[Type]string{
	TypeOIDC: "sub", TypeGoogle: "sub", TypeApple: "sub", TypeFacebook: "id", TypeAmazon: "user_id",
}

// validateMapping checks an AttributeMapping: every key is "username" or
// a mutable attribute of the pool's schema (sub never is). Failures are
// "AttributeMapping contains invalid mapping: [<keys>]" (AWS's wording,
// aws-cli#9729). It returns the mapping to store, with username mapped to
// the type's default claim when the caller did not map it.
func validateMapping(pool Pool, t Type, mapping map[string]string) (map[string]string, error) {
	var bad []string
	for k := range mapping {
		if k == mapUsername && t != TypeSAML {
			continue
		}
		a, ok := pool.attribute(k)
		if !ok || !a.Mutable || k == "sub" {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return nil, invalid("AttributeMapping contains invalid mapping: [%s]", strings.Join(bad, ", "))
	}
	out := maps.Clone(mapping)
	if out == nil {
		out = map[string]string{}
	}
	if claim, ok := defaultUsernameClaim[t]; ok && out[mapUsername] == "" {
		out[mapUsername] = claim
	}
	return out, nil
}

// validateIdentifiers checks IdpIdentifiers beyond the model: no
// duplicates, and none used by another provider of the pool
// (DuplicateProvider; UNCONFIRMED wording).
func validateIdentifiers(ids []string, others []Provider) error {
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return invalid("Duplicate IdpIdentifier %s.", id) // UNCONFIRMED wording
		}
		seen[id] = true
		for _, o := range others {
			if o.HasIdentifier(id) {
				return fault.Errorf(fault.DuplicateProvider, "Identifier %s is already used by provider %s.", id, o.Name) // UNCONFIRMED wording
			}
		}
	}
	return nil
}

// userAgent is what Cognito sends to identity providers (spec §14.3).
const userAgent = "Amazon/Cognito"
