package federation

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	dsig "github.com/russellhaering/goxmldsig"
)

// This file is the SAML 2.0 service provider a pool is towards its SAML
// identity providers (spec §14.6), built on crewjam/saml: the pool's SP
// metadata, the AuthnRequest (HTTP-Redirect binding, SP-initiated), and
// the verification of the Response at /saml2/idpresponse (HTTP-POST
// binding): signature against the IdP metadata's certificates, Issuer,
// Destination and Recipient, audience, NotBefore/NotOnOrAfter,
// InResponseTo, and replay of an assertion ID.

// EntityID is a pool's SAML service provider entity ID (spec §14.6).
func EntityID(poolID string) string { return "urn:amazon:cognito:sp:" + poolID }

// PoolKey is a pool's SAML key pair: it signs AuthnRequests (when a
// provider asks for RequestSigningAlgorithm) and decrypts encrypted
// assertions; its certificate is GetSigningCertificate's answer.
type PoolKey struct {
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
}

// signingCertValidity is the life of a pool's certificate (spec §14.6:
// "valid for 10 years").
const signingCertValidity = 10 * 365 * 24 * time.Hour

// NewPoolKey generates a pool's key pair: RSA 2048 and a self-signed
// certificate valid ten years from now, whose subject names the pool's
// entity ID (UNCONFIRMED: the subject AWS uses). AWS issues a new one
// yearly and keeps the old valid; phase 1 makes one per pool.
func NewPoolKey(poolID string, now time.Time, rnd io.Reader) (PoolKey, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	key, err := rsa.GenerateKey(rnd, 2048)
	if err != nil {
		return PoolKey{}, err
	}
	serial, err := rand.Int(rnd, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return PoolKey{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: EntityID(poolID)},
		NotBefore:    now.Add(-time.Minute).UTC(),
		NotAfter:     now.Add(signingCertValidity).UTC(),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	der, err := x509.CreateCertificate(rnd, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return PoolKey{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return PoolKey{}, err
	}
	return PoolKey{Key: key, Cert: cert}, nil
}

// CertificateBase64 is GetSigningCertificate's Certificate: the
// certificate's DER in base64, without PEM lines (UNCONFIRMED: PEM or
// bare base64, spec §20.20).
func (k PoolKey) CertificateBase64() string { return base64.StdEncoding.EncodeToString(k.Cert.Raw) }

// Marshal returns the key pair as PEM (certificate, then PKCS #8 key), for
// the store to seal.
func (k PoolKey) Marshal() (certPEM, keyPEM []byte, err error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.Key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Cert.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePoolKey reads what Marshal wrote.
func ParsePoolKey(certPEM, keyPEM []byte) (PoolKey, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return PoolKey{}, errors.New("federation: pool key: not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return PoolKey{}, err
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return PoolKey{}, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return PoolKey{}, errors.New("federation: pool key: not RSA")
	}
	return PoolKey{Key: rk, Cert: cert}, nil
}

// SP is the SAML service provider of every pool. It is safe for
// concurrent use.
type SP struct {
	States *States
	Replay ReplayCache
	Now    func() time.Time
}

func (sp *SP) now() time.Time {
	if sp.Now != nil {
		return sp.Now()
	}
	return time.Now()
}

// replayAdapter lets crewjam/saml record assertion IDs in the ReplayCache.
type replayAdapter struct {
	ctx    context.Context
	cache  ReplayCache
	poolID string
}

func (r replayAdapter) Consume(id string, expiresAt time.Time) error {
	err := r.cache.Consume(r.ctx, "saml:"+r.poolID+":"+id, expiresAt)
	if errors.Is(err, ErrReplayed) {
		return saml.ErrAssertionReplayed
	}
	return err
}

// serviceProvider is crewjam/saml's view of the pool as SP of p, with
// assertions consumed at acs.
func (sp *SP) serviceProvider(ctx context.Context, p Provider, key PoolKey, acs string) (*saml.ServiceProvider, error) {
	if p.Type != TypeSAML {
		return nil, fmt.Errorf("federation: %s is not a SAML provider", p.Name)
	}
	ed, err := samlsp.ParseMetadata([]byte(p.Metadata))
	if err != nil {
		return nil, fmt.Errorf("federation: metadata of %s: %w", p.Name, err)
	}
	acsURL, err := url.Parse(acs)
	if err != nil {
		return nil, err
	}
	s := &saml.ServiceProvider{
		EntityID:                         EntityID(p.PoolID),
		Key:                              key.Key,
		Certificate:                      key.Cert,
		AcsURL:                           *acsURL,
		IDPMetadata:                      ed,
		AuthnNameIDFormat:                saml.UnspecifiedNameIDFormat, // UNCONFIRMED: the NameIDPolicy Cognito sends
		AllowIDPInitiated:                p.IDPInit(),
		Clock:                            dsig.NewFakeClockAt(sp.now()),
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
	}
	if sp.Replay != nil {
		s.ReplayCache = replayAdapter{ctx: ctx, cache: sp.Replay, poolID: p.PoolID}
	}
	if p.SignsRequests() {
		s.SignatureMethod = dsig.RSASHA256SignatureMethod
	}
	return s, nil
}

// Metadata is the pool's SP metadata for a provider reached through the
// domain at domainBase: entity ID urn:amazon:cognito:sp:<poolId>, the
// pool's certificate for signing (and for encryption when encrypt: the
// provider's EncryptedResponses), the NameID formats Cognito lists, and
// the assertion consumer service <domainBase>/saml2/idpresponse
// (HTTP-POST binding).
func (sp *SP) Metadata(poolID string, key PoolKey, domainBase string, encrypt bool) ([]byte, error) {
	acs, err := url.Parse(domainBase + PathSAMLCallback)
	if err != nil {
		return nil, err
	}
	s := &saml.ServiceProvider{
		EntityID: EntityID(poolID), Key: key.Key, Certificate: key.Cert, AcsURL: *acs,
		Clock:                            dsig.NewFakeClockAt(sp.now()),
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
		MetadataOmitValidUntil:           true,
	}
	ed := s.Metadata()
	for i := range ed.SPSSODescriptors {
		ed.SPSSODescriptors[i].NameIDFormats = []saml.NameIDFormat{
			saml.PersistentNameIDFormat, saml.EmailAddressNameIDFormat,
			"urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName",
		}
		ed.SPSSODescriptors[i].SingleLogoutServices = nil
		var kds []saml.KeyDescriptor
		for _, kd := range ed.SPSSODescriptors[i].KeyDescriptors {
			if kd.Use == "encryption" && encrypt {
				kds = append(kds, kd)
			}
		}
		signing := saml.KeyDescriptor{Use: "signing", KeyInfo: saml.KeyInfo{X509Data: saml.X509Data{
			X509Certificates: []saml.X509Certificate{{Data: key.CertificateBase64()}}}}}
		ed.SPSSODescriptors[i].KeyDescriptors = append([]saml.KeyDescriptor{signing}, kds...)
	}
	out, err := xml.MarshalIndent(ed, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), out...), nil
}

// Begin starts an SP-initiated sign-in with SAML provider p: it seals a
// new flow (carrying the AuthnRequest ID) into the RelayState and returns
// the IdP's HTTP-Redirect SSO URL with the AuthnRequest (signed when the
// provider asks for rsa-sha256), and the StateCookie value. The
// RelayState is longer than SAML's 80 bytes, as Cognito's is.
func (sp *SP) Begin(ctx context.Context, p Provider, key PoolKey, b Begin) (Start, error) {
	acs := b.DomainBase + PathSAMLCallback
	s, err := sp.serviceProvider(ctx, p, key, acs)
	if err != nil {
		return Start{}, err
	}
	dest := s.GetSSOBindingLocation(saml.HTTPRedirectBinding)
	if dest == "" {
		return Start{}, fmt.Errorf("federation: %s has no HTTP-Redirect SSO endpoint", p.Name)
	}
	req, err := s.MakeAuthenticationRequest(dest, saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return Start{}, err
	}
	f := Flow{PoolID: b.PoolID, Provider: p.Name, Authorize: b.Authorize, CallbackURL: acs, RequestID: req.ID}
	cookie, err := sp.States.start(&f)
	if err != nil {
		return Start{}, err
	}
	relay, err := sp.States.Seal(f)
	if err != nil {
		return Start{}, err
	}
	u, err := req.Redirect(relay, s)
	if err != nil {
		return Start{}, err
	}
	return Start{Location: u.String(), Cookie: cookie}, nil
}

// RelayState is what a /saml2/idpresponse RelayState turned out to be.
type RelayState struct {
	// Flow is set for an SP-initiated sign-in (a sealed flow).
	Flow *Flow
	// Authorize is set for an IdP-initiated one: the authorize parameters
	// the IdP was configured to send (response_type, client_id,
	// redirect_uri, identity_provider or idp_identifier, scope, state).
	Authorize url.Values
}

// ParseRelayState reads a /saml2/idpresponse RelayState: a flow this
// server sealed (SP-initiated), or else the authorize query of an
// IdP-initiated sign-in, which must name the client, the redirect URI,
// the response type and the provider (spec §14.6). An unusable one is a
// Page *Error "Invalid samlResponse or relayState from identity provider"
// (AWS's wording).
func (sp *SP) ParseRelayState(relay string) (RelayState, error) {
	if f, err := sp.States.Open(relay); err == nil {
		return RelayState{Flow: &f}, nil
	}
	q, err := url.ParseQuery(relay)
	bad := &Error{Code: CodeInvalidRequest, Description: MsgBadRelayState, Page: true, cause: err}
	if err != nil || q.Get("client_id") == "" || q.Get("redirect_uri") == "" || q.Get("response_type") == "" ||
		(q.Get("identity_provider") == "") == (q.Get("idp_identifier") == "") {
		return RelayState{}, bad
	}
	return RelayState{Authorize: q}, nil
}

// maxSAMLResponse bounds a posted SAMLResponse (spec §14.6: assertions up
// to 100,000 characters; base64 and the Response around them add more).
const maxSAMLResponse = 200_000

// Finish verifies the SAMLResponse of an SP-initiated sign-in (the form
// posted to /saml2/idpresponse) against the flow that asked for it and
// returns the Identity. cookie is the browser's StateCookie value; a
// missing one is tolerated, since the cross-site POST carries no
// SameSite=Lax cookie over plain http. Failures are *Error values with
// Cognito's SAML descriptions (error=server_error, as captured).
func (sp *SP) Finish(ctx context.Context, p Provider, key PoolKey, f Flow, form url.Values, cookie string) (Identity, error) {
	if f.Provider != p.Name || f.PoolID != p.PoolID {
		return Identity{}, pageError(MsgSomethingWrong, errors.New("flow of another provider"))
	}
	if err := spend(ctx, sp.Replay, f, cookie, true); err != nil {
		return Identity{}, err
	}
	return sp.verify(ctx, p, key, f.CallbackURL, form.Get("SAMLResponse"), []string{f.RequestID})
}

// FinishIDPInit verifies the SAMLResponse of an IdP-initiated sign-in
// (RelayState.Authorize set) posted to the domain at domainBase. The
// provider must allow it (IDPInit "true"); the response must answer no
// request (no InResponseTo), and its assertion is accepted only once.
func (sp *SP) FinishIDPInit(ctx context.Context, p Provider, key PoolKey, domainBase string, form url.Values) (Identity, error) {
	if !p.IDPInit() {
		return Identity{}, failure(CodeInvalidRequest, MsgSAMLIDPInit, nil)
	}
	return sp.verify(ctx, p, key, domainBase+PathSAMLCallback, form.Get("SAMLResponse"), nil)
}

// ResponseIssuer returns the Issuer of a posted SAMLResponse without
// verifying anything, so that a handler can find the provider of an
// IdP-initiated response among the pool's SAML providers by entity ID
// when RelayState does not name it.
func ResponseIssuer(samlResponse string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(samlResponse)
	if err != nil {
		return "", err
	}
	var r struct {
		Issuer    string `xml:"Issuer"`
		Assertion struct {
			Issuer string `xml:"Issuer"`
		} `xml:"Assertion"`
	}
	if err := xml.Unmarshal(raw, &r); err != nil {
		return "", err
	}
	if r.Issuer != "" {
		return r.Issuer, nil
	}
	return r.Assertion.Issuer, nil
}

// verify checks a base64 SAMLResponse and makes the Identity.
func (sp *SP) verify(ctx context.Context, p Provider, key PoolKey, acs, samlResponse string, requestIDs []string) (Identity, error) {
	if samlResponse == "" || len(samlResponse) > maxSAMLResponse {
		return Identity{}, failure(CodeInvalidRequest, MsgBadRelayState, errors.New("no or oversized SAMLResponse"))
	}
	raw, err := base64.StdEncoding.DecodeString(samlResponse)
	if err != nil {
		return Identity{}, failure(CodeInvalidRequest, MsgBadRelayState, err)
	}
	s, err := sp.serviceProvider(ctx, p, key, acs)
	if err != nil {
		return Identity{}, err
	}
	assertion, err := s.ParseXMLResponse(raw, requestIDs, s.AcsURL)
	if err != nil {
		return Identity{}, samlFailure(err)
	}
	if assertion.Subject == nil || assertion.Subject.NameID == nil || assertion.Subject.NameID.Value == "" {
		return Identity{}, failure(CodeServerError, MsgSAMLMalformed, errors.New("no NameID"))
	}
	id := Identity{
		ProviderName: p.Name, ProviderType: TypeSAML,
		UserID: assertion.Subject.NameID.Value, Issuer: s.IDPMetadata.EntityID,
		Claims: map[string][]string{},
	}
	for _, st := range assertion.AttributeStatements {
		for _, a := range st.Attributes {
			var vals []string
			for _, v := range a.Values {
				vals = append(vals, v.Value)
			}
			id.Claims[a.Name] = append(id.Claims[a.Name], vals...)
			if a.FriendlyName != "" && a.FriendlyName != a.Name {
				id.Claims[a.FriendlyName] = append(id.Claims[a.FriendlyName], vals...)
			}
		}
	}
	id.SAMLResponse = flatten(id.Claims)
	id.SAMLResponse["NameID"] = id.UserID
	return id, nil
}

// samlFailure maps crewjam/saml's classified errors to Cognito's
// descriptions.
func samlFailure(err error) *Error {
	var bad saml.ErrBadStatus
	desc := MsgSAMLMalformed
	switch {
	case errors.Is(err, saml.ErrAssertionReplayed), errors.Is(err, ErrReplayed):
		desc = MsgSAMLReplay
	case errors.Is(err, saml.ErrInvalidSignature), errors.Is(err, saml.ErrUntrustedCertificate), errors.Is(err, saml.ErrCertificateNotValidNow):
		desc = MsgSAMLSignature
	case errors.Is(err, saml.ErrExpired), errors.Is(err, saml.ErrNotYetValid):
		desc = MsgSAMLExpired
	case errors.Is(err, saml.ErrAudienceMismatch):
		desc = MsgSAMLAudience
	case errors.Is(err, saml.ErrDestinationMismatch):
		desc = MsgSAMLRecipient
	case errors.Is(err, saml.ErrIssuerMismatch):
		desc = MsgSAMLIssuer
	case errors.Is(err, saml.ErrRequestIDMismatch):
		desc = MsgSAMLRequestID
	case errors.As(err, &bad):
		desc = MsgSAMLStatus
	}
	var ire *saml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		err = ire.PrivateErr
	}
	return failure(CodeServerError, desc, err)
}
