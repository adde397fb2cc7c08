package federation_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/federation"
)

var fixed = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func google() map[string]string {
	return map[string]string{"client_id": "1.apps.googleusercontent.com", "client_secret": "s", "authorize_scopes": "email profile openid"}
}

// TestCreateRules: the validation of CreateIdentityProvider, with AWS's
// messages where they are known.
func TestCreateRules(t *testing.T) {
	existing := []federation.Provider{{Name: "Taken", Type: federation.TypeOIDC, Identifiers: []string{"corp.example.com"}}}
	cases := []struct {
		name string
		in   federation.Input
		kind fault.Kind
		msg  string
	}{
		{"social named otherwise", federation.Input{Name: "NameOfGP", Type: federation.TypeGoogle, Details: google()},
			fault.InvalidParameter, "Provider NameOfGP cannot be of type Google."},
		{"OIDC named Google", federation.Input{Name: "Google", Type: federation.TypeOIDC, Details: google()},
			fault.InvalidParameter, "Provider Google cannot be of type OIDC."},
		{"Cognito", federation.Input{Name: "cognito", Type: federation.TypeSAML},
			fault.InvalidParameter, "Provider cognito cannot be of type SAML."},
		{"pattern", federation.Input{Name: "a_b_c", Type: federation.TypeSAML},
			fault.InvalidParameter, "1 validation error detected: Value 'a_b_c' at 'providerName'"},
		{"duplicate", federation.Input{Name: "Taken", Type: federation.TypeSAML},
			fault.DuplicateProvider, "A provider with the name Taken already exists in this user pool."},
		{"SAML without metadata", federation.Input{Name: "Okta", Type: federation.TypeSAML, Details: map[string]string{"IDPInit": "true"}},
			fault.InvalidParameter, "At least one of the MetadataURL or MetadataFile should be provided."},
		{"SAML flag", federation.Input{Name: "Okta", Type: federation.TypeSAML, Details: map[string]string{"MetadataFile": "x", "IDPInit": "yes"}},
			fault.InvalidParameter, "IDPInit must be true or false."},
		{"SAML bad metadata", federation.Input{Name: "Okta", Type: federation.TypeSAML, Details: map[string]string{"MetadataFile": "<x/>"}},
			fault.InvalidParameter, "Invalid SAML metadata"},
		{"social missing key", federation.Input{Name: "Google", Type: federation.TypeGoogle, Details: map[string]string{"client_id": "x", "authorize_scopes": "openid"}},
			fault.InvalidParameter, "client_secret is required for Google provider."},
		{"social unknown key", federation.Input{Name: "Google", Type: federation.TypeGoogle, Details: map[string]string{"client_id": "x", "client_secret": "y", "authorize_scopes": "openid", "colour": "red"}},
			fault.InvalidParameter, "Invalid ProviderDetails for Google provider: unsupported keys [colour]"},
		{"apple key", federation.Input{Name: "SignInWithApple", Type: federation.TypeApple, Details: map[string]string{"client_id": "x", "team_id": "t", "key_id": "k", "private_key": "nope", "authorize_scopes": "email"}},
			fault.InvalidParameter, "Invalid private_key for SignInWithApple provider."},
		{"OIDC method", federation.Input{Name: "Corp", Type: federation.TypeOIDC, Details: map[string]string{"client_id": "x", "client_secret": "y", "authorize_scopes": "openid", "attributes_request_method": "PUT", "oidc_issuer": "https://a.example.com"}},
			fault.InvalidParameter, "attributes_request_method must be GET or POST."},
		{"OIDC without openid", federation.Input{Name: "Corp", Type: federation.TypeOIDC, Details: map[string]string{"client_id": "x", "client_secret": "y", "authorize_scopes": "email", "attributes_request_method": "GET", "oidc_issuer": "https://a.example.com"}},
			fault.InvalidParameter, "authorize_scopes must include openid"},
		{"OIDC http issuer", federation.Input{Name: "Corp", Type: federation.TypeOIDC, Details: map[string]string{"client_id": "x", "client_secret": "y", "authorize_scopes": "openid", "attributes_request_method": "GET", "oidc_issuer": "http://idp.example.com"}},
			fault.InvalidParameter, "Invalid oidc_issuer http://idp.example.com"},
		{"OIDC trailing slash", federation.Input{Name: "Corp", Type: federation.TypeOIDC, Details: map[string]string{"client_id": "x", "client_secret": "y", "authorize_scopes": "openid", "attributes_request_method": "GET", "oidc_issuer": "https://idp.example.com/"}},
			fault.InvalidParameter, "Invalid oidc_issuer https://idp.example.com/"},
		{"mapping", federation.Input{Name: "Google", Type: federation.TypeGoogle, Details: google(), AttributeMapping: map[string]string{"custom:nope": "x", "sub": "sub", "custom:fixed": "y", "email": "email"}},
			fault.InvalidParameter, "AttributeMapping contains invalid mapping: [custom:fixed, custom:nope, sub]"},
		{"SAML maps username", federation.Input{Name: "Okta", Type: federation.TypeSAML, Details: map[string]string{"MetadataFile": "<x/>"}, AttributeMapping: map[string]string{"username": "x"}},
			fault.InvalidParameter, "Invalid SAML metadata"},
		{"identifier taken", federation.Input{Name: "Google", Type: federation.TypeGoogle, Details: google(), Identifiers: []string{"corp.example.com"}},
			fault.DuplicateProvider, "Identifier corp.example.com is already used by provider Taken."},
		{"identifier twice", federation.Input{Name: "Google", Type: federation.TypeGoogle, Details: google(), Identifiers: []string{"a", "a"}},
			fault.InvalidParameter, "Duplicate IdpIdentifier a."},
	}
	c := &federation.Configurer{Now: func() time.Time { return fixed }}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Create(ctx, testPool, tc.in, existing)
			if fault.KindOf(err) != tc.kind {
				t.Fatalf("error %v, want %s", err, tc.kind)
			}
			var fe *fault.Error
			if !asFault(err, &fe) || !strings.HasPrefix(fe.Message, tc.msg) {
				t.Fatalf("message %q, want %q", err, tc.msg)
			}
		})
	}
	many := make([]federation.Provider, federation.MaxProviders)
	for i := range many {
		many[i].Name = "p" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	if _, err := c.Create(ctx, testPool, federation.Input{Name: "Google", Type: federation.TypeGoogle, Details: google()}, many); fault.KindOf(err) != fault.LimitExceeded {
		t.Fatalf("301st provider: %v", err)
	}
}

func asFault(err error, fe **fault.Error) bool {
	e, ok := err.(*fault.Error)
	*fe = e
	return ok
}

// TestDescribeSocial: what Cognito adds to a social provider's details,
// the default username mapping, and that a Describe output given back to
// Update is valid input.
func TestDescribeSocial(t *testing.T) {
	c := &federation.Configurer{Now: func() time.Time { return fixed }}
	p, err := c.Create(ctx, testPool, federation.Input{Name: "Google", Type: federation.TypeGoogle, Details: google(),
		AttributeMapping: map[string]string{"email": "email"}, Identifiers: nil}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"attributes_url": "https://people.googleapis.com/v1/people/me?personFields=", "attributes_url_add_attributes": "true",
		"authorize_scopes": "email profile openid", "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
		"client_id": "1.apps.googleusercontent.com", "client_secret": "s", "oidc_issuer": "https://accounts.google.com",
		"token_request_method": "POST", "token_url": "https://www.googleapis.com/oauth2/v4/token",
	}
	if len(p.Details) != len(want) {
		t.Fatalf("details %v", p.Details)
	}
	for k, v := range want {
		if p.Details[k] != v {
			t.Errorf("%s = %q, want %q", k, p.Details[k], v)
		}
	}
	if p.AttributeMapping["username"] != "sub" || p.AttributeMapping["email"] != "email" || p.Identifiers == nil || !p.Created.Equal(fixed) {
		t.Fatalf("%+v", p)
	}
	later := fixed.Add(time.Hour)
	c.Now = func() time.Time { return later }
	d := p.Details
	d["client_secret"] = "rotated"
	q, err := c.Update(ctx, testPool, p, federation.Update{Details: d, Identifiers: []string{"gmail.com"}}, []federation.Provider{p})
	if err != nil {
		t.Fatal(err)
	}
	if q.Details["client_secret"] != "rotated" || q.Identifiers[0] != "gmail.com" || !q.Created.Equal(fixed) || !q.Modified.Equal(later) || q.AttributeMapping["email"] != "email" {
		t.Fatalf("%+v", q)
	}
	fb, err := c.Create(ctx, testPool, federation.Input{Name: "Facebook", Type: federation.TypeFacebook,
		Details: map[string]string{"client_id": "1", "client_secret": "s", "authorize_scopes": "public_profile, email"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fb.Details["api_version"] != "v17.0" || fb.Details["token_url"] != "https://graph.facebook.com/v17.0/oauth/access_token" ||
		fb.Details["token_request_method"] != "GET" || fb.AttributeMapping["username"] != "id" {
		t.Fatalf("%v %v", fb.Details, fb.AttributeMapping)
	}
}

// TestDescribeOIDCExplicit: an OIDC provider whose issuer publishes no
// discovery document is accepted with the four explicit endpoints, and
// refused without them.
func TestDescribeOIDCExplicit(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	c := &federation.Configurer{Now: func() time.Time { return fixed }}
	d := map[string]string{"client_id": "x", "client_secret": "y", "authorize_scopes": "openid", "attributes_request_method": "POST", "oidc_issuer": srv.URL}
	_, err := c.Create(ctx, testPool, federation.Input{Name: "Corp", Type: federation.TypeOIDC, Details: d}, nil)
	if fault.KindOf(err) != fault.InvalidParameter || !strings.Contains(err.Error(), "Unable to contact well-known endpoint") {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"authorize_url": srv.URL + "/a", "token_url": srv.URL + "/t", "attributes_url": srv.URL + "/u", "jwks_uri": srv.URL + "/j"} {
		d[k] = v
	}
	p, err := c.Create(ctx, testPool, federation.Input{Name: "Corp", Type: federation.TypeOIDC, Details: d}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Details["attributes_url_add_attributes"] != "false" || p.Details["token_url"] != srv.URL+"/t" || p.AttributeMapping["username"] != "sub" {
		t.Fatalf("%v", p.Details)
	}
	d["jwks_uri"] = "http://idp.example.com/jwks"
	if _, err := c.Create(ctx, testPool, federation.Input{Name: "Corp", Type: federation.TypeOIDC, Details: d}, nil); fault.KindOf(err) != fault.InvalidParameter {
		t.Fatalf("plain http endpoint off loopback: %v", err)
	}
	c.Config.AllowHTTP = true
	if _, err := c.Create(ctx, testPool, federation.Input{Name: "Corp", Type: federation.TypeOIDC, Details: d}, nil); err != nil {
		t.Fatalf("AllowHTTP: %v", err)
	}
}

// TestSAMLMetadataRules: the metadata must describe an IdP with a
// redirect SSO endpoint and a signing certificate valid now.
func TestSAMLMetadataRules(t *testing.T) {
	idp, _ := builtin(t)
	resp, err := http.Get(idp.Issuer("x") + "/saml/metadata")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	doc := string(raw)
	if _, err := federation.ParseMetadata([]byte(doc), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := federation.ParseMetadata([]byte(doc), time.Now().Add(11*365*24*time.Hour)); err == nil || !strings.Contains(err.Error(), "no signing certificate valid now") {
		t.Fatalf("expired certificate: %v", err)
	}
	noRedirect := strings.ReplaceAll(doc, "HTTP-Redirect", "HTTP-Artifact")
	if _, err := federation.ParseMetadata([]byte(noRedirect), time.Now()); err == nil {
		t.Fatal("metadata without a redirect SSO endpoint accepted")
	}
	c := &federation.Configurer{}
	p, err := c.Create(ctx, testPool, federation.Input{Name: "File", Type: federation.TypeSAML, Details: map[string]string{"MetadataFile": doc, "EncryptedResponses": "true"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Details["SSORedirectBindingURI"] != idp.Issuer("x")+"/saml/sso" || p.Details["MetadataFile"] != doc || p.Metadata != doc || !p.EncryptedResponses() {
		t.Fatalf("%v", p.Details)
	}
	if _, ok := p.AttributeMapping["username"]; ok {
		t.Fatal("SAML maps no username by default")
	}
	with := federation.WithEncryptionCertificate(p, "MIIB...")
	if with.Details["ActiveEncryptionCertificate"] != "MIIB..." || p.Details["ActiveEncryptionCertificate"] != "" {
		t.Fatal("WithEncryptionCertificate")
	}
}

// TestFind: identity_provider by name, idp_identifier by identifier.
func TestFind(t *testing.T) {
	ps := []federation.Provider{{Name: "Okta", Identifiers: []string{"example.com"}}, {Name: "Google"}}
	if p, ok := federation.Find(ps, "", "example.com"); !ok || p.Name != "Okta" {
		t.Fatal("by identifier")
	}
	if p, ok := federation.Find(ps, "Google", ""); !ok || p.Name != "Google" {
		t.Fatal("by name")
	}
	if _, ok := federation.Find(ps, "okta", ""); ok {
		t.Fatal("names match exactly")
	}
}

// TestConfigValidate: the override setting.
func TestConfigValidate(t *testing.T) {
	for _, bad := range []federation.Config{
		{Social: map[federation.Type]string{federation.TypeOIDC: "http://127.0.0.1/_idp/x"}},
		{Social: map[federation.Type]string{federation.TypeGoogle: "127.0.0.1/_idp/x"}},
		{Social: map[federation.Type]string{federation.TypeGoogle: "http://127.0.0.1/_idp/x?y=1"}},
	} {
		if bad.Validate() == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	ep := federation.Config{Social: map[federation.Type]string{federation.TypeAmazon: "http://127.0.0.1:9229/_idp/amazon/"}}.Endpoints(federation.Provider{Type: federation.TypeAmazon})
	if ep.Authorize != "http://127.0.0.1:9229/_idp/amazon/authorize" || ep.Attributes != "http://127.0.0.1:9229/_idp/amazon/user/profile" {
		t.Fatalf("%+v", ep)
	}
}
