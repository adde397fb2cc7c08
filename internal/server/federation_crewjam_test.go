package server_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/crewjam/saml"
	"golang.org/x/oauth2"

	"github.com/userpoold/userpoold/internal/hostedui/hosteduitest"
)

// crewIdP is crewjam/saml's identity provider, an upstream we did not
// write, trusting the SP metadata the pool's domain serves.
type crewIdP struct {
	idp    *saml.IdentityProvider
	sp     *saml.EntityDescriptor
	nameID string
}

func (c *crewIdP) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	if c.sp == nil || c.sp.EntityID != id {
		return nil, os.ErrNotExist
	}
	return c.sp, nil
}

func (c *crewIdP) GetSession(_ http.ResponseWriter, _ *http.Request, _ *saml.IdpAuthnRequest) *saml.Session {
	return &saml.Session{
		ID: "sess-" + c.nameID, CreateTime: time.Now(), ExpireTime: time.Now().Add(time.Hour), Index: "1",
		NameID: c.nameID, NameIDFormat: string(saml.PersistentNameIDFormat),
		CustomAttributes: []saml.Attribute{{Name: "email", NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
			Values: []saml.AttributeValue{{Type: "xs:string", Value: c.nameID + "@crew.example"}}}},
	}
}

// postedSAML reads the SAMLResponse and RelayState of an IdP's auto-post
// form.
func postedSAML(t *testing.T, body string) (action string, form url.Values) {
	t.Helper()
	form = url.Values{}
	for _, name := range []string{"SAMLResponse", "RelayState"} {
		i := strings.Index(body, `name="`+name+`"`)
		if i < 0 {
			continue
		}
		rest := body[i:]
		j := strings.Index(rest, `value="`)
		k := strings.Index(rest[j+7:], `"`)
		form.Set(name, htmlUnescape(rest[j+7:j+7+k]))
	}
	if i := strings.Index(body, `action="`); i >= 0 {
		k := strings.Index(body[i+8:], `"`)
		action = htmlUnescape(body[i+8 : i+8+k])
	}
	if form.Get("SAMLResponse") == "" {
		t.Fatalf("no SAMLResponse in %s", body)
	}
	return action, form
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&quot;", `"`, "&#39;", "'", "&#43;", "+").Replace(s)
}

// TestFederationCrewjamIdP signs in through crewjam/saml's IdP, configured
// with the SP metadata the domain serves (/saml2/metadata), and refuses
// its answer once tampered with.
func TestFederationCrewjamIdP(t *testing.T) {
	e := newOAuthEnv(t, nil)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "crew"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)
	crew := &crewIdP{nameID: "carol"}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	md, _ := url.Parse(srv.URL + "/metadata")
	sso, _ := url.Parse(srv.URL + "/sso")
	crew.idp = &saml.IdentityProvider{Key: key, Certificate: cert, MetadataURL: *md, SSOURL: *sso, ServiceProviderProvider: crew, SessionProvider: crew}
	mux.Handle("/", crew.idp.Handler())

	// The IdP trusts what the domain publishes as the pool's SP metadata.
	resp, err := http.Get(e.domain + "/saml2/metadata")
	if err != nil {
		t.Fatal(err)
	}
	spMD, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	crew.sp = new(saml.EntityDescriptor)
	if err := xml.Unmarshal(spMD, crew.sp); err != nil || crew.sp.EntityID != "urn:amazon:cognito:sp:"+e.pool {
		t.Fatalf("SP metadata: %v %s", err, spMD)
	}
	if !strings.Contains(string(spMD), e.domain+"/saml2/idpresponse") {
		t.Errorf("SP metadata without the domain's ACS: %s", spMD)
	}

	if _, err := e.Client.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{UserPoolId: aws.String(e.pool), ProviderName: aws.String("Crew"),
		ProviderType: types.IdentityProviderTypeTypeSaml, ProviderDetails: map[string]string{"MetadataURL": srv.URL + "/metadata"},
		AttributeMapping: map[string]string{"email": "email"}}); err != nil {
		t.Fatal(err)
	}
	client := e.webClient(func(in *cip.CreateUserPoolClientInput) { in.SupportedIdentityProviders = []string{"Crew"} })
	e.conf.ClientID = aws.ToString(client.ClientId)
	const verifier = "v1-verifier-0123456789012345678901234567890123"
	answer := func(nameID string) (*hostedBrowser, string, url.Values) {
		crew.nameID = nameID
		b := e.browser()
		page := follow(t, b, e.conf.AuthCodeURL("app-state", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("identity_provider", "Crew")))
		if page.Status != http.StatusOK {
			t.Fatalf("crewjam IdP: %d %s", page.Status, page.Body)
		}
		action, form := postedSAML(t, page.Body)
		return &hostedBrowser{b}, action, form
	}

	hb, action, form := answer("carol")
	q := e.callback(hb.Post(action, form))
	tok, err := e.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	c := claims(t, tok.Extra("id_token").(string))
	if c["cognito:username"] != "Crew_carol" || c["email"] != "carol@crew.example" {
		t.Errorf("claims %v", c)
	}

	hb, action, form = answer("dan")
	raw, _ := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
	form.Set("SAMLResponse", base64.StdEncoding.EncodeToString(bytes.ReplaceAll(raw, []byte(">dan@crew.example<"), []byte(">root@crew.example<"))))
	got := hb.Post(action, form)
	loc, _ := url.Parse(got.Header.Get("Location"))
	if got.Status != http.StatusFound || loc.Query().Get("error_description") != "Invalid SAML response received: SAML Assertion signature is invalid." {
		t.Errorf("tampered answer: %d %s", got.Status, got.Header.Get("Location"))
	}
	_, err = e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("Crew_dan")})
	wantAPIError[*types.UserNotFoundException](t, "user after a tampered answer", err)
}

// hostedBrowser is a scripted browser (hosteduitest.Browser).
type hostedBrowser struct{ *hosteduitest.Browser }
