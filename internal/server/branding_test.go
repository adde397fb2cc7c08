package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/hostedui/hosteduitest"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// onePixelPNG is a 1×1 PNG.
var onePixelPNG = []byte{
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
	0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
	0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
	0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
}

const logoSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32"><rect width="32" height="32" rx="6" fill="#7c3aed"/></svg>`

// pageStyle returns the branding style element's CSS of a page ("" when
// it has none) and the logo's src.
func pageStyle(p hosteduitest.Page) (css, logo string) {
	for _, s := range hosteduitest.Elements(p.Doc, "style") {
		css += hosteduitest.Text(s)
	}
	for _, img := range hosteduitest.Elements(p.Doc, "img") {
		if c, _ := hosteduitest.Attr(img, "class"); c == "logo-customizable" {
			logo, _ = hosteduitest.Attr(img, "src")
		}
	}
	return css, logo
}

// TestUICustomization sets classic branding for the pool and a client
// through the SDK and finds it on the classic login page.
func TestUICustomization(t *testing.T) {
	env := servertest.New(t)
	bare := env.CreatePool(nil)
	_, err := env.Client.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: aws.String(bare), CSS: aws.String(".banner-customizable{padding:0}")})
	if servertest.ErrorCode(err) != "InvalidParameterException" || !strings.Contains(servertest.ErrorMessage(err), "domain") {
		t.Errorf("SetUICustomization without a domain: %v", err)
	}

	e := newOAuthEnv(t, nil)
	pool := aws.String(e.pool)
	other := e.webClient(nil)
	get := func(client *string) *types.UICustomizationType {
		t.Helper()
		out, err := e.Client.GetUICustomization(ctx, &cip.GetUICustomizationInput{UserPoolId: pool, ClientId: client})
		if err != nil {
			t.Fatalf("GetUICustomization: %v", err)
		}
		return out.UICustomization
	}
	if u := get(aws.String(e.client)); u.ClientId != nil || u.CSS != nil {
		t.Errorf("GetUICustomization with nothing set = %+v", u)
	}

	// Refused: CSS outside the customizable classes, markup, an image that
	// is not one, an unknown client. Nothing is stored.
	for _, c := range []struct {
		name string
		in   *cip.SetUICustomizationInput
		code string
	}{
		{"unknown class", &cip.SetUICustomizationInput{UserPoolId: pool, CSS: aws.String("body{display:none}")}, "InvalidParameterException"},
		{"style end tag", &cip.SetUICustomizationInput{UserPoolId: pool, CSS: aws.String(".label-customizable{color:red}</style><script>alert(1)</script>")}, "InvalidParameterException"},
		{"url()", &cip.SetUICustomizationInput{UserPoolId: pool, CSS: aws.String(".logo-customizable{background:url(https://evil.example/x)}")}, "InvalidParameterException"},
		{"not an image", &cip.SetUICustomizationInput{UserPoolId: pool, ImageFile: []byte("hello, not an image")}, "InvalidParameterException"},
		{"image over 100 KB", &cip.SetUICustomizationInput{UserPoolId: pool, ImageFile: append(append([]byte{}, onePixelPNG...), make([]byte, 100<<10)...)}, "InvalidParameterException"},
		{"unknown client", &cip.SetUICustomizationInput{UserPoolId: pool, ClientId: aws.String("nope"), CSS: aws.String("")}, "ResourceNotFoundException"},
	} {
		if _, err := e.Client.SetUICustomization(ctx, c.in); servertest.ErrorCode(err) != c.code {
			t.Errorf("SetUICustomization, %s: %v, want %s", c.name, err, c.code)
		}
	}
	if u := get(nil); u.CSS != nil {
		t.Fatalf("a refused SetUICustomization stored %+v", u)
	}

	// The pool's default applies to every client until a client has its own.
	poolCSS := ".submitButton-customizable{background-color:#c2410c}"
	set, err := e.Client.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: pool, ClientId: aws.String("ALL"), CSS: aws.String(poolCSS), ImageFile: onePixelPNG})
	if err != nil || aws.ToString(set.UICustomization.ClientId) != "ALL" || aws.ToString(set.UICustomization.CSS) != poolCSS || set.UICustomization.CreationDate == nil || aws.ToString(set.UICustomization.CSSVersion) == "" {
		t.Fatalf("SetUICustomization ALL: %v %+v", err, set)
	}
	if u := get(aws.String(e.client)); aws.ToString(u.ClientId) != "ALL" || aws.ToString(u.CSS) != poolCSS {
		t.Errorf("GetUICustomization of a client without its own = %+v", u)
	}
	// The logo is served at its ImageUrl, as the caller's image and
	// nothing that could run on this origin.
	logoURL := aws.ToString(set.UICustomization.ImageUrl)
	if !strings.HasPrefix(logoURL, e.URL+"/") {
		t.Fatalf("ImageUrl = %q", logoURL)
	}
	resp, err := http.Get(logoURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(body, onePixelPNG) ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET ImageUrl = %d %v, %d bytes", resp.StatusCode, resp.Header, len(body))
	}
	for _, bad := range []string{
		strings.Replace(logoURL, "/ALL/", "/"+e.client+"/", 1),              // a client without its own logo
		logoURL[:strings.LastIndex(logoURL, "/")] + "/1",                    // an old version
		strings.Replace(logoURL, "/"+e.pool+"/", "/us-east-1_nopenope/", 1), // an unknown pool
	} {
		if resp, err := http.Get(bad); err != nil || resp.StatusCode != 404 {
			t.Errorf("GET %s = %v %v, want 404", bad, resp.StatusCode, err)
		} else {
			resp.Body.Close()
		}
	}
	clientCSS := ".banner-customizable{background-color:#1e293b}\n.label-customizable{font-weight:700}"
	if _, err := e.Client.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: pool, ClientId: aws.String(e.client), CSS: aws.String(clientCSS)}); err != nil {
		t.Fatal(err)
	}
	if u := get(aws.String(e.client)); aws.ToString(u.ClientId) != e.client || aws.ToString(u.CSS) != clientCSS || u.ImageUrl != nil {
		t.Errorf("GetUICustomization of a client with its own = %+v", u)
	}
	if u := get(other.ClientId); aws.ToString(u.ClientId) != "ALL" {
		t.Errorf("GetUICustomization of another client = %+v", u)
	}

	// The classic pages show them.
	b := e.browser()
	css, logo := pageStyle(e.loginPage(b, e.authorizeURL("s")))
	if !strings.Contains(css, ".banner-customizable{background-color:#1e293b}") || strings.Contains(css, "#c2410c") || logo != "" {
		t.Errorf("the client's login page: css %q, logo %q", css, logo)
	}
	conf := e.conf
	conf.ClientID = aws.ToString(other.ClientId)
	css, logo = pageStyle(e.loginPage(b, conf.AuthCodeURL("s")))
	if !strings.Contains(css, poolCSS) || !strings.HasPrefix(logo, "data:image/png;base64,") {
		t.Errorf("another client's login page: css %q, logo %.40q", css, logo)
	}
	// Deleting the client deletes its customization; the pool's stays.
	if _, err := e.Client.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: pool, ClientId: aws.String(e.client)}); err != nil {
		t.Fatal(err)
	}
	if u := get(other.ClientId); aws.ToString(u.CSS) != poolCSS {
		t.Errorf("the pool's customization after a client was deleted = %+v", u)
	}
}

// settingsDoc is a managed login settings document for the SDK.
func settingsDoc(t *testing.T, js string) document.Interface {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatal(err)
	}
	return document.NewLazyDocument(v)
}

func unmarshalDoc(t *testing.T, d document.Interface) map[string]any {
	t.Helper()
	var v map[string]any
	if d == nil {
		return nil
	}
	if err := d.UnmarshalSmithyDocument(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestManagedLoginBranding runs the branding style operations and finds
// the style's colours and logo on the pages of a managed login (version 2)
// domain, and not on the classic one.
func TestManagedLoginBranding(t *testing.T) {
	e := newOAuthEnv(t, nil)
	pool := aws.String(e.pool)
	if _, err := e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: pool, Domain: aws.String("auth.example.com"),
		ManagedLoginVersion: aws.Int32(2), CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String("arn:aws:acm:us-east-1:123456789012:certificate/abc")}}); err != nil {
		t.Fatal(err)
	}
	settings := `{"components":{"primaryButton":{"lightMode":{"defaults":{"backgroundColor":"7c3aedff"}}},"pageBackground":{"lightMode":{"color":"f5f3ffff"}}}}`
	for _, c := range []struct {
		name string
		in   *cip.CreateManagedLoginBrandingInput
		code string
	}{
		{"defaults and settings", &cip.CreateManagedLoginBrandingInput{UserPoolId: pool, ClientId: aws.String(e.client), UseCognitoProvidedValues: true, Settings: settingsDoc(t, settings)}, "InvalidParameterException"},
		{"unknown client", &cip.CreateManagedLoginBrandingInput{UserPoolId: pool, ClientId: aws.String("nope"), UseCognitoProvidedValues: true}, "ResourceNotFoundException"},
		{"two assets of one kind", &cip.CreateManagedLoginBrandingInput{UserPoolId: pool, ClientId: aws.String(e.client), Assets: []types.AssetType{
			{Category: types.AssetCategoryTypeFormLogo, ColorMode: types.ColorSchemeModeTypeLight, Extension: types.AssetExtensionTypeSvg, Bytes: []byte(logoSVG)},
			{Category: types.AssetCategoryTypeFormLogo, ColorMode: types.ColorSchemeModeTypeLight, Extension: types.AssetExtensionTypePng, Bytes: onePixelPNG}}}, "InvalidParameterException"},
	} {
		if _, err := e.Client.CreateManagedLoginBranding(ctx, c.in); servertest.ErrorCode(err) != c.code {
			t.Errorf("CreateManagedLoginBranding, %s: %v, want %s", c.name, err, c.code)
		}
	}
	if _, err := e.Client.DescribeManagedLoginBrandingByClient(ctx, &cip.DescribeManagedLoginBrandingByClientInput{UserPoolId: pool, ClientId: aws.String(e.client)}); servertest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Fatalf("a refused create stored a style: %v", err)
	}

	created, err := e.Client.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: pool, ClientId: aws.String(e.client), Settings: settingsDoc(t, settings),
		Assets: []types.AssetType{{Category: types.AssetCategoryTypeFormLogo, ColorMode: types.ColorSchemeModeTypeLight, Extension: types.AssetExtensionTypeSvg, Bytes: []byte(logoSVG)}}})
	if err != nil {
		t.Fatalf("CreateManagedLoginBranding: %v", err)
	}
	m := created.ManagedLoginBranding
	id := aws.ToString(m.ManagedLoginBrandingId)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) || m.UseCognitoProvidedValues || len(m.Assets) != 1 || m.CreationDate == nil {
		t.Fatalf("created style = %+v", m)
	}
	_, err = e.Client.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: pool, ClientId: aws.String(e.client), UseCognitoProvidedValues: true})
	if servertest.ErrorCode(err) != "ManagedLoginBrandingExistsException" {
		t.Errorf("a second style for the client: %v", err)
	}

	// Describe: what was set, or merged over Cognito's defaults.
	d, err := e.Client.DescribeManagedLoginBranding(ctx, &cip.DescribeManagedLoginBrandingInput{UserPoolId: pool, ManagedLoginBrandingId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if got := unmarshalDoc(t, d.ManagedLoginBranding.Settings); got["categories"] != nil || got["components"] == nil {
		t.Errorf("settings as set = %v", got)
	}
	byClient, err := e.Client.DescribeManagedLoginBrandingByClient(ctx, &cip.DescribeManagedLoginBrandingByClientInput{UserPoolId: pool, ClientId: aws.String(e.client), ReturnMergedResources: true})
	if err != nil || aws.ToString(byClient.ManagedLoginBranding.ManagedLoginBrandingId) != id {
		t.Fatalf("DescribeManagedLoginBrandingByClient: %v", err)
	}
	merged, _ := json.Marshal(unmarshalDoc(t, byClient.ManagedLoginBranding.Settings))
	if !strings.Contains(string(merged), `"colorSchemeMode":"LIGHT"`) || !strings.Contains(string(merged), `"backgroundColor":"7c3aedff"`) || !strings.Contains(string(merged), `"textColor":"ffffffff"`) {
		t.Errorf("merged settings = %s", merged)
	}

	// Update keeps what it is not given.
	up, err := e.Client.UpdateManagedLoginBranding(ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: pool, ManagedLoginBrandingId: aws.String(id),
		Settings: settingsDoc(t, `{"components":{"pageText":{"lightMode":{"bodyColor":"2e1065ff"}}}}`)})
	if err != nil {
		t.Fatalf("UpdateManagedLoginBranding: %v", err)
	}
	updated, _ := json.Marshal(unmarshalDoc(t, up.ManagedLoginBranding.Settings))
	if !strings.Contains(string(updated), `"2e1065ff"`) || !strings.Contains(string(updated), `"7c3aedff"`) || len(up.ManagedLoginBranding.Assets) != 1 {
		t.Errorf("updated style = %s, %d assets", updated, len(up.ManagedLoginBranding.Assets))
	}

	// The managed login domain shows the style; the classic one does not.
	b := e.browser()
	managedURL := strings.Replace(e.authorizeURL("s"), "/_domain/"+domainPrefix+"/", "/_domain/auth.example.com/", 1)
	css, logo := pageStyle(e.loginPage(b, managedURL))
	if !strings.Contains(css, "--accent:#7c3aed") || !strings.Contains(css, "--bg:#f5f3ff") || !strings.Contains(css, "--ink:#2e1065") || !strings.HasPrefix(logo, "data:image/svg+xml;base64,") {
		t.Errorf("managed login page: css %q, logo %.40q", css, logo)
	}
	if css, logo := pageStyle(e.loginPage(b, e.authorizeURL("s"))); strings.Contains(css, "7c3aed") || logo != "" {
		t.Errorf("classic login page shows the managed style: css %q, logo %q", css, logo)
	}

	// Back to Cognito's values, then deleted.
	up, err = e.Client.UpdateManagedLoginBranding(ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: pool, ManagedLoginBrandingId: aws.String(id), UseCognitoProvidedValues: true})
	if err != nil || !up.ManagedLoginBranding.UseCognitoProvidedValues || up.ManagedLoginBranding.Settings != nil || len(up.ManagedLoginBranding.Assets) != 0 {
		t.Errorf("reset to the defaults: %v %+v", err, up)
	}
	if _, err := e.Client.DeleteManagedLoginBranding(ctx, &cip.DeleteManagedLoginBrandingInput{UserPoolId: pool, ManagedLoginBrandingId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Describe":     second(e.Client.DescribeManagedLoginBranding(ctx, &cip.DescribeManagedLoginBrandingInput{UserPoolId: pool, ManagedLoginBrandingId: aws.String(id)})),
		"Update":       second(e.Client.UpdateManagedLoginBranding(ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: pool, ManagedLoginBrandingId: aws.String(id), UseCognitoProvidedValues: true})),
		"Delete":       second(e.Client.DeleteManagedLoginBranding(ctx, &cip.DeleteManagedLoginBrandingInput{UserPoolId: pool, ManagedLoginBrandingId: aws.String(id)})),
		"Describe bad": second(e.Client.DescribeManagedLoginBranding(ctx, &cip.DescribeManagedLoginBrandingInput{UserPoolId: pool, ManagedLoginBrandingId: aws.String("not-a-uuid")})),
	} {
		want := "ResourceNotFoundException"
		if name == "Describe bad" {
			want = "InvalidParameterException"
		}
		if servertest.ErrorCode(err) != want {
			t.Errorf("%s of a deleted style: %v, want %s", name, err, want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// TestTerms runs the terms operations and finds the links, escaped, on the
// managed login sign-up page.
func TestTerms(t *testing.T) {
	e := newOAuthEnv(t, nil)
	pool := aws.String(e.pool)
	if _, err := e.Client.UpdateUserPoolDomain(ctx, &cip.UpdateUserPoolDomainInput{UserPoolId: pool, Domain: aws.String(domainPrefix), ManagedLoginVersion: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	create := func(name string, links map[string]string) (*types.TermsType, error) {
		out, err := e.Client.CreateTerms(ctx, &cip.CreateTermsInput{UserPoolId: pool, ClientId: aws.String(e.client), TermsName: aws.String(name),
			TermsSource: types.TermsSourceTypeLink, Enforcement: types.TermsEnforcementTypeNone, Links: links})
		if err != nil {
			return nil, err
		}
		return out.Terms, nil
	}
	tricky := `https://example.com/terms?a=1&b="<x>"`
	tou, err := create("terms-of-use", map[string]string{"cognito:default": tricky})
	if err != nil || aws.ToString(tou.TermsName) != "terms-of-use" || tou.Links["cognito:default"] != tricky || tou.CreationDate == nil {
		t.Fatalf("CreateTerms: %v %+v", err, tou)
	}
	pp, err := create("privacy-policy", map[string]string{"cognito:default": "https://example.com/privacy", "cognito:english": "https://example.com/en/privacy"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		terms string
		links map[string]string
		code  string
	}{
		{"a second terms of use", "terms-of-use", map[string]string{"cognito:default": "https://example.com/t2"}, "TermsExistsException"},
		{"a javascript: link", "privacy-policy", map[string]string{"cognito:default": "javascript:alert(1)"}, "InvalidParameterException"},
		{"an unknown language", "privacy-policy", map[string]string{"cognito:klingon": "https://example.com/x"}, "InvalidParameterException"},
		{"a bad name", "cookies", map[string]string{"cognito:default": "https://example.com/x"}, "InvalidParameterException"},
	} {
		if _, err := create(c.terms, c.links); servertest.ErrorCode(err) != c.code {
			t.Errorf("CreateTerms, %s: %v, want %s", c.name, err, c.code)
		}
	}
	list, err := e.Client.ListTerms(ctx, &cip.ListTermsInput{UserPoolId: pool, MaxResults: aws.Int32(1)})
	if err != nil || len(list.Terms) != 1 || list.NextToken == nil {
		t.Fatalf("ListTerms page 1: %v %+v", err, list)
	}
	list2, err := e.Client.ListTerms(ctx, &cip.ListTermsInput{UserPoolId: pool, MaxResults: aws.Int32(1), NextToken: list.NextToken})
	if err != nil || len(list2.Terms) != 1 || list2.NextToken != nil || aws.ToString(list2.Terms[0].TermsId) == aws.ToString(list.Terms[0].TermsId) {
		t.Fatalf("ListTerms page 2: %v %+v", err, list2)
	}

	// The sign-up page of the managed login domain links to both, in
	// English where there is an English link, escaped.
	b := e.browser()
	login := e.loginPage(b, e.authorizeURL("s"))
	signup := b.Get(login.URL[:strings.Index(login.URL, "/login?")] + "/signup?" + login.URL[strings.Index(login.URL, "?")+1:])
	var hrefs []string
	for _, a := range hosteduitest.Elements(signup.Doc, "a") {
		if h, _ := hosteduitest.Attr(a, "href"); strings.HasPrefix(h, "https://example.com/") {
			hrefs = append(hrefs, h+" "+hosteduitest.Text(a))
		}
	}
	// html/template percent-encodes what a URL must not carry.
	if strings.Join(hrefs, "|") != "https://example.com/terms?a=1&b=%22%3cx%3e%22 Terms of use|https://example.com/en/privacy Privacy policy" {
		t.Errorf("sign-up page links = %q", hrefs)
	}
	if strings.Contains(signup.Body, `"<x>"`) || !strings.Contains(signup.Body, "a=1&amp;b=") {
		t.Errorf("the terms link is not escaped in the page")
	}

	// Update and describe.
	if _, err := e.Client.UpdateTerms(ctx, &cip.UpdateTermsInput{UserPoolId: pool, TermsId: pp.TermsId, Links: map[string]string{"cognito:default": "https://example.com/privacy-v2"}}); err != nil {
		t.Fatal(err)
	}
	d, err := e.Client.DescribeTerms(ctx, &cip.DescribeTermsInput{UserPoolId: pool, TermsId: pp.TermsId})
	if err != nil || aws.ToString(d.Terms.TermsName) != "privacy-policy" || len(d.Terms.Links) != 1 || d.Terms.Links["cognito:default"] != "https://example.com/privacy-v2" {
		t.Errorf("DescribeTerms after update: %v %+v", err, d)
	}
	_, err = e.Client.UpdateTerms(ctx, &cip.UpdateTermsInput{UserPoolId: pool, TermsId: pp.TermsId, TermsName: aws.String("terms-of-use")})
	if servertest.ErrorCode(err) != "TermsExistsException" {
		t.Errorf("renaming to a name the client has: %v", err)
	}

	// The classic domain shows no terms.
	if _, err := e.Client.UpdateUserPoolDomain(ctx, &cip.UpdateUserPoolDomainInput{UserPoolId: pool, Domain: aws.String(domainPrefix), ManagedLoginVersion: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(e.frozen().Add(30 * time.Second)) // past the domain cache
	classic := b.Get(signup.URL)
	if strings.Contains(classic.Body, "example.com/terms") {
		t.Errorf("the classic sign-up page shows terms")
	}

	// Delete.
	if _, err := e.Client.DeleteTerms(ctx, &cip.DeleteTermsInput{UserPoolId: pool, TermsId: tou.TermsId}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.DescribeTerms(ctx, &cip.DescribeTermsInput{UserPoolId: pool, TermsId: tou.TermsId}); servertest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Errorf("DescribeTerms after delete: %v", err)
	}
	if _, err := e.Client.DeleteTerms(ctx, &cip.DeleteTermsInput{UserPoolId: pool, TermsId: tou.TermsId}); servertest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Errorf("DeleteTerms twice: %v", err)
	}
}
