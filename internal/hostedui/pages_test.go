package hostedui

import (
	"bytes"
	"encoding/base64"
	"github.com/userpoold/userpoold/internal/hostedui/hosteduitest"
	"html/template"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/userpoold/userpoold/internal/fault"
)

// node helpers over golang.org/x/net/html.

// The HTML helpers of the scripted browser.
var (
	attr     = hosteduitest.Attr
	walk     = hosteduitest.Walk
	elements = hosteduitest.Elements
	text     = hosteduitest.Text
)

func render(t *testing.T, p Page) (string, *html.Node) {
	t.Helper()
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Render(&buf, p); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return buf.String(), doc
}

// TestEveryPageIsAccessibleAndProtected renders every sample and checks
// what every page owes: a language, a title, one heading, a label for
// every visible input, unique ids, and _csrf in every form.
func TestEveryPageIsAccessibleAndProtected(t *testing.T) {
	samples, err := Samples()
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]bool{}
	for _, s := range samples {
		t.Run(s.Name, func(t *testing.T) {
			_, doc := render(t, s.Page)
			htmlEl := elements(doc, "html")[0]
			if lang, _ := attr(htmlEl, "lang"); lang != "en" {
				t.Errorf("lang %q", lang)
			}
			if titles := elements(doc, "title"); len(titles) != 1 || text(titles[0]) == "" {
				t.Error("no title")
			}
			if h1 := elements(doc, "h1"); len(h1) != 1 || text(h1[0]) == "" {
				t.Errorf("%d h1", len(h1))
			}
			if len(elements(doc, "script")) != 0 {
				t.Error("a page has a script")
			}
			ids := map[string]bool{}
			labels := map[string]bool{}
			walk(doc, func(n *html.Node) {
				if n.Type != html.ElementNode {
					return
				}
				if id, ok := attr(n, "id"); ok {
					if ids[id] {
						t.Errorf("duplicate id %q", id)
					}
					ids[id] = true
				}
				if n.Data == "label" {
					if f, ok := attr(n, "for"); ok {
						labels[f] = true
					}
				}
				if c, ok := attr(n, "class"); ok {
					for _, cl := range strings.Fields(c) {
						classes[cl] = true
					}
				}
			})
			for _, in := range elements(doc, "input") {
				typ, _ := attr(in, "type")
				name, _ := attr(in, "name")
				if typ == "hidden" {
					continue
				}
				id, _ := attr(in, "id")
				inLabel := in.Parent != nil && in.Parent.Data == "label"
				if !inLabel && (id == "" || !labels[id]) {
					t.Errorf("input %q has no label", name)
				}
				if typ != "radio" {
					if _, ok := attr(in, "autocomplete"); !ok {
						t.Errorf("input %q has no autocomplete", name)
					}
				}
			}
			csrf := s.Page.frame().CSRF
			for _, form := range elements(doc, "form") {
				if m, _ := attr(form, "method"); m != "post" {
					t.Errorf("form method %q", m)
				}
				found := false
				for _, in := range elements(form, "input") {
					if n, _ := attr(in, "name"); n == "_csrf" {
						v, _ := attr(in, "value")
						found = v == csrf && v != ""
					}
				}
				if !found {
					t.Error("form without the _csrf field")
				}
			}
		})
	}
	for _, c := range CustomizableClasses {
		// The password-check classes style AWS's live (scripted) password
		// check, which these script-free pages do not have.
		if strings.HasPrefix(c, "passwordCheck-") {
			continue
		}
		if base, _, _ := strings.Cut(c, ":"); !classes[base] {
			t.Errorf("no page carries the customizable class %s", base)
		}
	}
}

// TestClassicSignInFormContract checks the form scripted logins written
// for AWS rely on (spec §5.1).
func TestClassicSignInFormContract(t *testing.T) {
	p := &LoginPage{Frame: Frame{CSRF: "1b4e28ba-2fa1-11d2-883f-0016d3cca427", Action: "/login" + sampleQuery}, PasswordForm: true}
	_, doc := render(t, p)
	var form *html.Node
	for _, f := range elements(doc, "form") {
		if n, _ := attr(f, "name"); n == "cognitoSignInForm" {
			form = f
		}
	}
	if form == nil {
		t.Fatal("no form named cognitoSignInForm")
	}
	if a, _ := attr(form, "action"); a != "/login"+sampleQuery {
		t.Errorf("action %q", a)
	}
	want := map[string][2]string{ // name → type, id
		"_csrf":          {"hidden", ""},
		"username":       {"text", "signInFormUsername"},
		"password":       {"password", "signInFormPassword"},
		"cognitoAsfData": {"hidden", ""},
	}
	for _, in := range elements(form, "input") {
		name, _ := attr(in, "name")
		w, ok := want[name]
		if !ok {
			t.Errorf("unexpected input %q", name)
			continue
		}
		typ, _ := attr(in, "type")
		id, _ := attr(in, "id")
		if typ != w[0] || (w[1] != "" && id != w[1]) {
			t.Errorf("input %q: type %q id %q", name, typ, id)
		}
		delete(want, name)
	}
	if len(want) != 0 {
		t.Errorf("missing inputs %v", want)
	}
	buttons := elements(form, "button")
	if len(buttons) != 1 {
		t.Fatalf("%d buttons", len(buttons))
	}
	if n, _ := attr(buttons[0], "name"); n != "signInSubmitButton" {
		t.Errorf("button name %q", n)
	}
	if v, _ := attr(buttons[0], "value"); v != "Sign in" {
		t.Errorf("button value %q", v)
	}
}

func TestNothingReflectedUnescaped(t *testing.T) {
	evil := `"><script>alert(1)</script><img src=x onerror=alert(2)>`
	pages := []Page{
		&LoginPage{Frame: Frame{Error: evil, Notice: evil, Description: evil, Action: "/login?x=" + evil, CSRF: evil,
			Links: Links{SignUp: "javascript:alert(3)", ForgotPassword: evil}, Branding: Branding{Name: evil}}, Username: evil, PasswordForm: true,
			Providers: []Provider{{Name: evil, URL: "javascript:alert(4)"}}},
		&SignUpPage{Frame: Frame{Error: evil}, Username: evil, Fields: []Field{{Name: evil, Label: evil, Value: evil, Type: "text"}},
			Terms: []Link{{Label: evil, URL: "javascript:alert(5)"}}},
		&ErrorPage{Frame: Frame{Description: evil}, Code: evil, BackURL: "javascript:alert(6)"},
		&TOTPSetupPage{Secret: evil, Session: evil},
	}
	for _, p := range pages {
		out, doc := render(t, p)
		if len(elements(doc, "script")) != 0 || strings.Contains(out, "<script>") {
			t.Errorf("%s reflects markup:\n%s", p.name(), out)
		}
		walk(doc, func(n *html.Node) {
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("%s: element %s grew attribute %s", p.name(), n.Data, a.Key)
				}
				if (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(strings.ToLower(a.Val), "javascript:") {
					t.Errorf("%s: %s=%q", p.name(), a.Key, a.Val)
				}
			}
		})
		want := 0
		if _, ok := p.(*TOTPSetupPage); ok {
			want = 1 // the QR code, empty here
		}
		if imgs := elements(doc, "img"); len(imgs) != want {
			t.Errorf("%s has %d img", p.name(), len(imgs))
		}
	}
}

func TestPageHeaders(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	r.Write(rec, 400, &ErrorPage{Code: "redirect_mismatch"})
	h := rec.Header()
	if rec.Code != 400 || h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		strings.Contains(h.Get("Content-Security-Policy"), "script-src") || h.Get("Content-Type") != "text/html; charset=utf-8" || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", h)
	}
	if !strings.Contains(rec.Body.String(), "An error was encountered with the requested page.") {
		t.Error("error page lacks Cognito's heading")
	}
}

func TestCheckCSS(t *testing.T) {
	tests := []struct {
		css string
		ok  bool
	}{
		{"", true},
		{".label-customizable{font-weight:400;}", true},
		{"/* brand */ .submitButton-customizable:hover { background-color: #0f766e }\n.logo-customizable{max-width:60%}", true},
		{".banner-customizable{padding:25px 0px 25px 0px;background-color:lightgray;}", true},
		{".evil{color:red}", false},
		{"body{color:red}", false},
		{".label-customizable:before{content:'x'}", false},
		{"@import 'x.css';", false},
		{"@media print{.label-customizable{color:red}}", false},
		{".label-customizable{color:red}</style><script>alert(1)</script>", false},
		{".label-customizable{background:url(https://tracker.example/p.gif)}", false},
		{".label-customizable{color:\\3c}", false},
		{".label-customizable{color:red", false},
		{".label-customizable, .evil{color:red}", false},
	}
	for _, tc := range tests {
		err := CheckCSS(tc.css)
		if (err == nil) != tc.ok || (err != nil && fault.KindOf(err) != fault.InvalidParameter) {
			t.Errorf("CheckCSS(%q) = %v", tc.css, err)
		}
	}
}

func TestBrandingCSS(t *testing.T) {
	css, err := BrandingCSS(Theme{Accent: "#0F766E"}, ".label-customizable{color:#333}")
	if err != nil || css != template.CSS(":root{--accent:#0F766E}\n.label-customizable{color:#333}") {
		t.Fatalf("%q %v", css, err)
	}
	for _, bad := range []Theme{{Accent: "red;}</style>"}, {Ink: "#12345"}, {Background: "url(x)"}} {
		if _, err := BrandingCSS(bad, ""); err == nil {
			t.Errorf("theme %+v accepted", bad)
		}
	}
	if _, err := BrandingCSS(Theme{}, ".x{}"); err == nil {
		t.Error("unchecked CSS accepted")
	}
}

func TestLogoDataURI(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	u, err := LogoDataURI(png)
	if err != nil || !strings.HasPrefix(string(u), "data:image/png;base64,") {
		t.Fatalf("%q %v", u, err)
	}
	if u, err := LogoDataURI([]byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`)); err != nil || !strings.HasPrefix(string(u), "data:image/svg+xml;base64,") {
		t.Fatalf("svg: %q %v", u, err)
	}
	for _, bad := range [][]byte{nil, []byte("<html><script>alert(1)</script>"), bytes.Repeat([]byte{0x89}, MaxLogoBytes+1)} {
		if _, err := LogoDataURI(bad); err == nil {
			t.Errorf("logo %q accepted", bad[:min(len(bad), 20)])
		}
	}
}

func TestQRCode(t *testing.T) {
	u, err := QRCodeDataURI("otpauth://totp/Example:jane?secret=JBSWY3DPEHPK3PXP&issuer=Example")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(string(u), "data:image/svg+xml;base64,"))
	if err != nil || !bytes.HasPrefix(raw, []byte("<svg ")) {
		t.Fatalf("%v %q", err, raw[:20])
	}
	// The three finder patterns: a 7x7 dark ring at three corners.
	var w matrixWriter
	q, _ := qrcodeFor("otpauth://totp/Example:jane?secret=JBSWY3DPEHPK3PXP&issuer=Example")
	q.Save(&w)
	n := len(w.bitmap)
	for _, c := range [][2]int{{0, 0}, {n - 7, 0}, {0, n - 7}} {
		for i := 0; i < 7; i++ {
			if !w.bitmap[c[1]][c[0]+i] || !w.bitmap[c[1]+6][c[0]+i] || !w.bitmap[c[1]+i][c[0]] || !w.bitmap[c[1]+i][c[0]+6] {
				t.Fatalf("no finder pattern at %v", c)
			}
		}
	}
}

func TestAttributeField(t *testing.T) {
	f := AttributeField("custom:company_name", "Acme", true)
	if f.Label != "Company name" || f.Type != "text" || f.ID() != "custom-company_name" || !f.Required {
		t.Fatalf("%+v", f)
	}
	if f := AttributeField("email", "", true); f.Type != "email" || f.Autocomplete != "email" {
		t.Fatalf("%+v", f)
	}
	if h := (PasswordRules{MinLength: 8, Numbers: true}).Hints(); !slices.Equal(h, []string{"At least 8 characters", "A number"}) {
		t.Fatalf("%q", h)
	}
}
