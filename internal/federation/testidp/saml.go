package testidp

import (
	"bytes"
	"compress/flate"
	"crypto/tls"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// SAML names.
const (
	nsProtocol        = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion       = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsMetadata        = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsDSig            = "http://www.w3.org/2000/09/xmldsig#"
	bindingRedirect   = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
	bindingPost       = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
	nameIDPersistent  = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	statusSuccess     = "urn:oasis:names:tc:SAML:2.0:status:Success"
	cmBearer          = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	attrFormatBasic   = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
	classPasswordTLS  = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
	samlTimeFormat    = "2006-01-02T15:04:05.000Z"
	assertionValidity = 5 * time.Minute
)

func samlTime(t time.Time) string { return t.UTC().Format(samlTimeFormat) }

// samlMetadata serves the IdP metadata: entity ID, the signing
// certificate, and SSO by HTTP-Redirect and HTTP-POST.
func (s *Server) samlMetadata(w http.ResponseWriter, name string) {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	ed := doc.CreateElement("md:EntityDescriptor")
	ed.CreateAttr("xmlns:md", nsMetadata)
	ed.CreateAttr("xmlns:ds", nsDSig)
	ed.CreateAttr("entityID", s.SAMLEntityID(name))
	idp := ed.CreateElement("md:IDPSSODescriptor")
	idp.CreateAttr("WantAuthnRequestsSigned", "false")
	idp.CreateAttr("protocolSupportEnumeration", nsProtocol)
	kd := idp.CreateElement("md:KeyDescriptor")
	kd.CreateAttr("use", "signing")
	kd.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").SetText(base64.StdEncoding.EncodeToString(s.cert.Raw))
	idp.CreateElement("md:NameIDFormat").SetText(nameIDPersistent)
	for _, b := range []string{bindingRedirect, bindingPost} {
		sso := idp.CreateElement("md:SingleSignOnService")
		sso.CreateAttr("Binding", b)
		sso.CreateAttr("Location", s.Issuer(name)+"/saml/sso")
	}
	doc.Indent(2)
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	doc.WriteTo(w)
}

// authnRequest is what the IdP reads of an AuthnRequest.
type authnRequest struct {
	ID     string `xml:"ID,attr"`
	ACS    string `xml:"AssertionConsumerServiceURL,attr"`
	Issuer string `xml:"Issuer"`
}

// decodeRedirect reads an HTTP-Redirect binding SAMLRequest: base64 of
// DEFLATE of the XML.
func decodeRedirect(v string) (authnRequest, error) {
	var ar authnRequest
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return ar, err
	}
	x, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(raw)), 1<<20))
	if err != nil {
		return ar, err
	}
	if err := xml.Unmarshal(x, &ar); err != nil {
		return ar, err
	}
	if ar.ID == "" || ar.ACS == "" || ar.Issuer == "" {
		return ar, fmt.Errorf("AuthnRequest without ID, AssertionConsumerServiceURL or Issuer")
	}
	return ar, nil
}

// samlSSO serves SP-initiated SSO: GET with the HTTP-Redirect binding
// (the page, or auto-approval), POST from the page.
func (s *Server) samlSSO(w http.ResponseWriter, r *http.Request, name string) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "testidp: bad form", http.StatusBadRequest)
		return
	}
	ar, err := decodeRedirect(r.Form.Get("SAMLRequest"))
	if err != nil {
		http.Error(w, "testidp: bad SAMLRequest: "+err.Error(), http.StatusBadRequest)
		return
	}
	relay := r.Form.Get("RelayState")
	q := url.Values{"SAMLRequest": {r.Form.Get("SAMLRequest")}, "RelayState": {relay}}
	u, ok := s.pick(w, r, "Sign in to "+name+" (SAML)", s.Issuer(name)+"/saml/sso", q)
	if !ok {
		return
	}
	s.postResponse(w, name, ar.ACS, ar.Issuer, ar.ID, relay, u)
}

// samlInit serves IdP-initiated SSO: acs (the SP's assertion consumer
// URL) and audience (its entity ID) are required, RelayState is passed
// on, and the user is picked as for SP-initiated SSO.
func (s *Server) samlInit(w http.ResponseWriter, r *http.Request, name string) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "testidp: bad form", http.StatusBadRequest)
		return
	}
	acs, audience, relay := r.Form.Get("acs"), r.Form.Get("audience"), r.Form.Get("RelayState")
	if acs == "" || audience == "" {
		http.Error(w, "testidp: acs and audience are required", http.StatusBadRequest)
		return
	}
	q := url.Values{"acs": {acs}, "audience": {audience}, "RelayState": {relay}}
	u, ok := s.pick(w, r, "Sign in to "+name+" (SAML, IdP-initiated)", s.Issuer(name)+"/saml/init", q)
	if !ok {
		return
	}
	s.postResponse(w, name, acs, audience, "", relay, u)
}

// postResponse answers with a form posting a signed Response to acs.
func (s *Server) postResponse(w http.ResponseWriter, name, acs, audience, inResponseTo, relay string, u User) {
	resp, err := s.Response(name, acs, audience, inResponseTo, u)
	if err != nil {
		http.Error(w, "testidp: "+err.Error(), http.StatusInternalServerError)
		return
	}
	fields := url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(resp)}}
	if relay != "" {
		fields.Set("RelayState", relay)
	}
	renderPost(w, acs, fields)
}

// Response returns a SAML Response for u, from the provider called name,
// to the SP audience at acs, answering request inResponseTo ("" for
// IdP-initiated), whose Assertion is signed (enveloped, exclusive c14n,
// RSA-SHA256). Tests use it to make answers, good and bad.
func (s *Server) Response(name, acs, audience, inResponseTo string, u User) ([]byte, error) {
	now := s.now()
	issuer := s.SAMLEntityID(name)

	a := etree.NewElement("saml:Assertion")
	a.CreateAttr("xmlns:saml", nsAssertion)
	a.CreateAttr("xmlns:xs", "http://www.w3.org/2001/XMLSchema")
	a.CreateAttr("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
	a.CreateAttr("ID", "_"+s.random(20))
	a.CreateAttr("Version", "2.0")
	a.CreateAttr("IssueInstant", samlTime(now))
	a.CreateElement("saml:Issuer").SetText(issuer)
	subj := a.CreateElement("saml:Subject")
	nid := subj.CreateElement("saml:NameID")
	nid.CreateAttr("Format", nameIDPersistent)
	nid.SetText(u.Subject)
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", cmBearer)
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	if inResponseTo != "" {
		scd.CreateAttr("InResponseTo", inResponseTo)
	}
	scd.CreateAttr("NotOnOrAfter", samlTime(now.Add(assertionValidity)))
	scd.CreateAttr("Recipient", acs)
	cond := a.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", samlTime(now.Add(-time.Minute)))
	cond.CreateAttr("NotOnOrAfter", samlTime(now.Add(assertionValidity)))
	cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(audience)
	as := a.CreateElement("saml:AuthnStatement")
	as.CreateAttr("AuthnInstant", samlTime(now))
	as.CreateAttr("SessionIndex", "_"+s.random(12))
	as.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").SetText(classPasswordTLS)
	if len(u.Claims) > 0 {
		st := a.CreateElement("saml:AttributeStatement")
		names := make([]string, 0, len(u.Claims))
		for k := range u.Claims {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			at := st.CreateElement("saml:Attribute")
			at.CreateAttr("Name", k)
			at.CreateAttr("NameFormat", attrFormatBasic)
			for _, v := range values(u.Claims[k]) {
				av := at.CreateElement("saml:AttributeValue")
				av.CreateAttr("xsi:type", "xs:string")
				av.SetText(v)
			}
		}
	}
	signed, err := s.sign(a)
	if err != nil {
		return nil, err
	}

	doc := etree.NewDocument()
	resp := doc.CreateElement("samlp:Response")
	resp.CreateAttr("xmlns:samlp", nsProtocol)
	resp.CreateAttr("xmlns:saml", nsAssertion)
	resp.CreateAttr("ID", "_"+s.random(20))
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", samlTime(now))
	resp.CreateAttr("Destination", acs)
	if inResponseTo != "" {
		resp.CreateAttr("InResponseTo", inResponseTo)
	}
	resp.CreateElement("saml:Issuer").SetText(issuer)
	resp.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", statusSuccess)
	resp.AddChild(signed)
	return doc.WriteToBytes()
}

// values turns a claim into SAML attribute values.
func values(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case nil:
		return nil
	}
	return []string{fmt.Sprint(v)}
}

// sign signs an element with an enveloped signature placed after its
// Issuer, as the SAML schema orders it.
func (s *Server) sign(el *etree.Element) (*etree.Element, error) {
	ks := dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{s.cert.Raw}, PrivateKey: s.key})
	ctx := dsig.NewDefaultSigningContext(ks)
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return nil, err
	}
	signed, err := ctx.SignEnveloped(el)
	if err != nil {
		return nil, err
	}
	sig := signed.SelectElement("Signature")
	if sig == nil {
		return nil, fmt.Errorf("no Signature after signing")
	}
	// Rebuild the element with the Signature second, after the Issuer.
	out := etree.NewElement(signed.Tag)
	out.Space = signed.Space
	out.Attr = signed.Attr
	for i, c := range signed.Child {
		if e, ok := c.(*etree.Element); ok && e == sig {
			continue
		}
		out.AddChild(c.(*etree.Element).Copy())
		if i == 0 {
			out.AddChild(sig.Copy())
		}
	}
	return out, nil
}
