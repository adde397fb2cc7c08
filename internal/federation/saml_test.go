package federation_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/userpoold/userpoold/internal/federation"
)

// crewIdP is crewjam/saml's identity provider, an upstream we did not
// write, serving one user.
type crewIdP struct {
	idp *saml.IdentityProvider
	srv *httptest.Server
	// spMetadata is what the IdP knows of our SP (tests may alter it).
	spMetadata *saml.EntityDescriptor
	nameID     string
}

func (c *crewIdP) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	if c.spMetadata == nil || c.spMetadata.EntityID != id {
		return nil, os.ErrNotExist
	}
	return c.spMetadata, nil
}

func (c *crewIdP) GetSession(_ http.ResponseWriter, _ *http.Request, _ *saml.IdpAuthnRequest) *saml.Session {
	return &saml.Session{
		ID: "sess-1", CreateTime: time.Now(), ExpireTime: time.Now().Add(time.Hour), Index: "1",
		NameID: c.nameID, NameIDFormat: string(saml.PersistentNameIDFormat), UserEmail: c.nameID + "@example.com",
		CustomAttributes: []saml.Attribute{
			{Name: "email", NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic", Values: []saml.AttributeValue{{Type: "xs:string", Value: c.nameID + "@example.com"}}},
			{Name: "groups", NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic", Values: []saml.AttributeValue{{Type: "xs:string", Value: "admins"}, {Type: "xs:string", Value: "dev"}}},
		},
	}
}

func selfSigned(t *testing.T, cn string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return key, cert
}

func newCrewIdP(t *testing.T) *crewIdP {
	t.Helper()
	key, cert := selfSigned(t, "crew idp")
	c := &crewIdP{nameID: "carol"}
	mux := http.NewServeMux()
	c.srv = httptest.NewServer(mux)
	t.Cleanup(c.srv.Close)
	mdURL, _ := url.Parse(c.srv.URL + "/metadata")
	ssoURL, _ := url.Parse(c.srv.URL + "/sso")
	c.idp = &saml.IdentityProvider{
		Key: key, Certificate: cert,
		MetadataURL: *mdURL, SSOURL: *ssoURL,
		ServiceProviderProvider: c, SessionProvider: c,
	}
	mux.Handle("/", c.idp.Handler())
	return c
}

// samlRig is our SP and a crewjam IdP that trusts it.
type samlRig struct {
	*rig
	crew *crewIdP
	key  federation.PoolKey
	p    federation.Provider
}

const domainBase = "https://auth.example.com"

func newSAMLRig(t *testing.T, idpInit bool) *samlRig {
	t.Helper()
	r := newRig(t, federation.Config{}, time.Now())
	key, err := federation.NewPoolKey(testPool.ID, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	crew := newCrewIdP(t)
	md, err := r.sp.Metadata(testPool.ID, key, domainBase, false)
	if err != nil {
		t.Fatal(err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	crew.spMetadata = &ed
	flag := "false"
	if idpInit {
		flag = "true"
	}
	p, err := r.conf.Create(ctx, testPool, federation.Input{Name: "Crew", Type: federation.TypeSAML,
		Details:          map[string]string{"MetadataURL": crew.srv.URL + "/metadata", "IDPInit": flag},
		AttributeMapping: map[string]string{"email": "email", "custom:tier": "groups"},
		Identifiers:      []string{"crew.example.com"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &samlRig{rig: r, crew: crew, key: key, p: p}
}

var formField = regexp.MustCompile(`name="(SAMLResponse|RelayState)"[^>]*value="([^"]*)"`)

// postedForm reads the auto-posting form an IdP answers with.
func postedForm(t *testing.T, body []byte) url.Values {
	t.Helper()
	f := url.Values{}
	for _, m := range formField.FindAllSubmatch(body, -1) {
		f.Set(string(m[1]), html.UnescapeString(string(m[2])))
	}
	if f.Get("SAMLResponse") == "" {
		t.Fatalf("no SAMLResponse in %s", body)
	}
	return f
}

// spLogin runs an SP-initiated sign-in up to the IdP's posted form.
func (s *samlRig) spLogin(t *testing.T) (federation.Start, url.Values) {
	t.Helper()
	st, err := s.sp.Begin(ctx, s.p, s.key, begin())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noFollow().Get(st.Location)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("IdP SSO: %s %s", resp.Status, body)
	}
	return st, postedForm(t, body)
}

func (s *samlRig) finish(t *testing.T, st federation.Start, form url.Values) (federation.Identity, error) {
	t.Helper()
	rs, err := s.sp.ParseRelayState(form.Get("RelayState"))
	if err != nil {
		t.Fatal(err)
	}
	if rs.Flow == nil {
		t.Fatal("RelayState is not our flow")
	}
	return s.sp.Finish(ctx, s.p, s.key, *rs.Flow, form, st.Cookie)
}

// TestSPAgainstCrewjamIdP: crewjam's IdP accepts our metadata and
// AuthnRequest, and our SP accepts its signed assertion.
func TestSPAgainstCrewjamIdP(t *testing.T) {
	s := newSAMLRig(t, false)
	if s.p.Details["SSORedirectBindingURI"] != s.crew.srv.URL+"/sso" || s.p.Metadata == "" {
		t.Fatalf("details %v", s.p.Details)
	}
	st, form := s.spLogin(t)
	id, err := s.finish(t, st, form)
	if err != nil {
		t.Fatalf("%v (%v)", err, errorsUnwrap(err))
	}
	if id.UserID != "carol" || id.Issuer != s.crew.srv.URL+"/metadata" || id.ProviderType != federation.TypeSAML {
		t.Fatalf("identity %+v", id)
	}
	prof, err := federation.ProfileFor(id, federation.ProfileInput{Pool: testPool, Provider: s.p, CaseSensitive: false})
	if err != nil {
		t.Fatal(err)
	}
	if prof.Username != "crew_carol" || prof.Attributes["email"] != "carol@example.com" || prof.Attributes["email_verified"] != "false" ||
		prof.Attributes["custom:tier"] != "[admins, dev]" {
		t.Fatalf("profile %+v", prof)
	}
	entry := federation.EntryFor(id, time.UnixMilli(1555128389392))
	if got := federation.IdentitiesJSON([]federation.IdentityEntry{entry}); got != `[{"userId":"carol","providerName":"Crew","providerType":"SAML","issuer":"`+s.crew.srv.URL+`/metadata","primary":"true","dateCreated":"1555128389392"}]` {
		t.Fatal(got)
	}
	// The flow is spent: the same answer again ends on the error page.
	_, err = s.finish(t, st, form)
	wantError(t, err, "invalid_request", federation.MsgSomethingWrong)
}

func errorsUnwrap(err error) error {
	if e := federation.AsError(err); e != nil {
		return e.Unwrap()
	}
	return nil
}

// TestSPRefusals: answers crewjam's IdP made, refused by our SP with
// Cognito's descriptions.
func TestSPRefusals(t *testing.T) {
	t.Run("signature", func(t *testing.T) {
		s := newSAMLRig(t, false)
		st, form := s.spLogin(t)
		raw, _ := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
		if !bytes.Contains(raw, []byte(">carol<")) {
			t.Fatalf("no NameID to tamper with in %s", raw)
		}
		form.Set("SAMLResponse", base64.StdEncoding.EncodeToString(bytes.ReplaceAll(raw, []byte(">carol<"), []byte(">admin<"))))
		_, err := s.finish(t, st, form)
		wantError(t, err, "server_error", federation.MsgSAMLSignature)
	})
	t.Run("signed by another key", func(t *testing.T) {
		s := newSAMLRig(t, false)
		s.crew.idp.Key, s.crew.idp.Certificate = selfSigned(t, "impostor")
		st, form := s.spLogin(t)
		_, err := s.finish(t, st, form)
		wantError(t, err, "server_error", federation.MsgSAMLSignature)
	})
	t.Run("expired", func(t *testing.T) {
		s := newSAMLRig(t, false)
		st, form := s.spLogin(t)
		// Three minutes on: the flow (five minutes) still holds, the
		// assertion (issued at most 90 seconds ago, crewjam's
		// MaxIssueDelay) does not.
		s.now = s.now.Add(3 * time.Minute)
		_, err := s.finish(t, st, form)
		wantError(t, err, "server_error", federation.MsgSAMLExpired)
	})
	t.Run("audience", func(t *testing.T) {
		s := newSAMLRig(t, false)
		// The IdP believes our ACS belongs to another pool.
		other := *s.crew.spMetadata
		other.EntityID = federation.EntityID("us-east-1_OtherPool")
		s.crew.spMetadata = &other
		st, err := s.sp.Begin(ctx, s.p, s.key, begin())
		if err != nil {
			t.Fatal(err)
		}
		// Our AuthnRequest names our pool, which the IdP does not know:
		// answer IdP-initiated for the other pool to our ACS instead.
		w := httptest.NewRecorder()
		s.crew.idp.ServeIDPInitiated(w, httptest.NewRequest("GET", "/", nil), other.EntityID, "x")
		form := postedForm(t, w.Body.Bytes())
		f, _ := s.states.Open(mustRelay(t, s, st))
		_, err = s.sp.Finish(ctx, s.p, s.key, f, form, st.Cookie)
		wantError(t, err, "server_error", federation.MsgSAMLRequestID)
		s.p.Details["IDPInit"] = "true"
		_, err = s.sp.FinishIDPInit(ctx, s.p, s.key, domainBase, form)
		wantError(t, err, "server_error", federation.MsgSAMLAudience)
	})
	t.Run("recipient", func(t *testing.T) {
		s := newSAMLRig(t, true)
		w := httptest.NewRecorder()
		s.crew.idp.ServeIDPInitiated(w, httptest.NewRequest("GET", "/", nil), federation.EntityID(testPool.ID), "x")
		form := postedForm(t, w.Body.Bytes())
		// Posted to another domain of the server than the one it was
		// issued for.
		_, err := s.sp.FinishIDPInit(ctx, s.p, s.key, "https://elsewhere.example.com", form)
		wantError(t, err, "server_error", federation.MsgSAMLRecipient)
	})
}

func mustRelay(t *testing.T, s *samlRig, st federation.Start) string {
	t.Helper()
	u, _ := url.Parse(st.Location)
	return u.Query().Get("RelayState")
}

// TestSPIDPInitiated: an unsolicited response from crewjam's IdP with the
// authorize parameters in RelayState is accepted once, and only when the
// provider allows IdP-initiated sign-in.
func TestSPIDPInitiated(t *testing.T) {
	relay := "identity_provider=Crew&client_id=app&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code&scope=openid+email"
	unsolicited := func(s *samlRig) url.Values {
		w := httptest.NewRecorder()
		s.crew.idp.ServeIDPInitiated(w, httptest.NewRequest("GET", "/", nil), federation.EntityID(testPool.ID), relay)
		return postedForm(t, w.Body.Bytes())
	}
	s := newSAMLRig(t, true)
	form := unsolicited(s)
	rs, err := s.sp.ParseRelayState(form.Get("RelayState"))
	if err != nil || rs.Flow != nil || rs.Authorize.Get("client_id") != "app" || rs.Authorize.Get("identity_provider") != "Crew" {
		t.Fatalf("%+v %v", rs, err)
	}
	iss, err := federation.ResponseIssuer(form.Get("SAMLResponse"))
	if err != nil || iss != s.crew.srv.URL+"/metadata" {
		t.Fatalf("issuer %q %v", iss, err)
	}
	id, err := s.sp.FinishIDPInit(ctx, s.p, s.key, domainBase, form)
	if err != nil {
		t.Fatalf("%v (%v)", err, errorsUnwrap(err))
	}
	if id.UserID != "carol" {
		t.Fatalf("%+v", id)
	}
	// Replayed: the assertion ID is spent.
	_, err = s.sp.FinishIDPInit(ctx, s.p, s.key, domainBase, form)
	wantError(t, err, "server_error", federation.MsgSAMLReplay)

	// A provider without IDPInit refuses it.
	s2 := newSAMLRig(t, false)
	_, err = s2.sp.FinishIDPInit(ctx, s2.p, s2.key, domainBase, unsolicited(s2))
	wantError(t, err, "invalid_request", federation.MsgSAMLIDPInit)

	// An SP-initiated answer cannot be passed off as IdP-initiated.
	st, spForm := s.spLogin(t)
	_ = st
	_, err = s.sp.FinishIDPInit(ctx, s.p, s.key, domainBase, spForm)
	wantError(t, err, "server_error", federation.MsgSAMLRequestID)

	for _, bad := range []string{"", "client_id=app", "%zz", "client_id=app&redirect_uri=x&response_type=code&identity_provider=a&idp_identifier=b"} {
		_, err := s.sp.ParseRelayState(bad)
		if e := wantError(t, err, "invalid_request", federation.MsgBadRelayState); !e.Page {
			t.Fatalf("%q: want a page", bad)
		}
	}
}

// TestSPMetadata: the pool's SP metadata has Cognito's entity ID, ACS and
// certificate.
func TestSPMetadata(t *testing.T) {
	r := newRig(t, federation.Config{}, time.Now())
	key, err := federation.NewPoolKey(testPool.ID, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	md, err := r.sp.Metadata(testPool.ID, key, domainBase, false)
	if err != nil {
		t.Fatal(err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	if ed.EntityID != "urn:amazon:cognito:sp:"+testPool.ID || len(ed.SPSSODescriptors) != 1 {
		t.Fatalf("%s", md)
	}
	d := ed.SPSSODescriptors[0]
	if len(d.AssertionConsumerServices) != 1 || d.AssertionConsumerServices[0].Location != domainBase+"/saml2/idpresponse" ||
		d.AssertionConsumerServices[0].Binding != saml.HTTPPostBinding || d.WantAssertionsSigned == nil || !*d.WantAssertionsSigned {
		t.Fatalf("%s", md)
	}
	if !strings.Contains(strings.Join(strings.Fields(string(md)), ""), key.CertificateBase64()) {
		t.Fatalf("the pool certificate is not in the metadata: %s", md)
	}
	certPEM, keyPEM, err := key.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := federation.ParsePoolKey(certPEM, keyPEM)
	if err != nil || back.CertificateBase64() != key.CertificateBase64() || !back.Key.Equal(key.Key) {
		t.Fatal("pool key round trip", err)
	}
	if key.Cert.NotAfter.Sub(key.Cert.NotBefore) < 3650*24*time.Hour {
		t.Fatal("the certificate must be valid ten years")
	}
}

// TestSPEncryptedResponses: with the encryption key in our metadata,
// crewjam's IdP encrypts the assertion to the pool's certificate, and our
// SP decrypts it.
func TestSPEncryptedResponses(t *testing.T) {
	s := newSAMLRig(t, false)
	md, err := s.sp.Metadata(testPool.ID, s.key, domainBase, true)
	if err != nil {
		t.Fatal(err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	s.crew.spMetadata = &ed
	st, form := s.spLogin(t)
	raw, _ := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
	if !bytes.Contains(raw, []byte("EncryptedAssertion")) || bytes.Contains(raw, []byte(">carol<")) {
		t.Fatal("the IdP did not encrypt the assertion")
	}
	id, err := s.finish(t, st, form)
	if err != nil || id.UserID != "carol" {
		t.Fatal(id, err, errorsUnwrap(err))
	}
}
