// Package hosteduitest is a scripted browser for tests of the hosted login
// pages: a cookie jar that does not follow redirects by itself, pages
// parsed as HTML, forms posted with their hidden fields (the _csrf token,
// the sealed flow state) and the values a test types in. It drives the
// pages the way the scripted logins written for AWS do (spec
// cognito-oauth2-hosted-ui.md §5.1). It imports only the standard library
// and golang.org/x/net/html.
package hosteduitest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Browser is one browser: its cookies and the server it talks to.
type Browser struct {
	t testing.TB
	// Base is the server's URL (scheme://host:port); paths a page links to
	// are resolved against it.
	Base   string
	Client *http.Client
}

// New returns a browser for the server at base, with an empty cookie jar.
// transport, when not nil, carries its requests (a TLS client, a
// different Host).
func New(t testing.TB, base string, transport http.RoundTripper) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{t: t, Base: strings.TrimRight(base, "/"), Client: &http.Client{
		Jar:           jar,
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Page is a response as the browser received it; Doc is set for HTML.
type Page struct {
	Status int
	Header http.Header
	Body   string
	Doc    *html.Node
	URL    string
}

// Do sends req and reads the answer.
func (b *Browser) Do(req *http.Request) Page {
	b.t.Helper()
	resp, err := b.Client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := Page{Status: resp.StatusCode, Header: resp.Header, Body: string(body), URL: req.URL.String()}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		p.Doc, _ = html.Parse(bytes.NewReader(body))
	}
	return p
}

// resolve makes u absolute against Base.
func (b *Browser) resolve(u string) string {
	if strings.HasPrefix(u, "/") {
		return b.Base + u
	}
	return u
}

// Get GETs u (absolute, or a path on Base).
func (b *Browser) Get(u string) Page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.resolve(u), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.Do(req)
}

// Follow GETs u and follows the redirects that stay on the server (a
// Location that is a path, or under Base); it returns the first answer
// that is not such a redirect: a page, or a redirect to the client.
func (b *Browser) Follow(u string) Page {
	b.t.Helper()
	for range 10 {
		p := b.Get(u)
		loc := p.Header.Get("Location")
		if p.Status != http.StatusFound || !(strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, b.Base+"/")) {
			return p
		}
		u = loc
	}
	b.t.Fatal("hosteduitest: redirect loop")
	return Page{}
}

// Submit posts the form called name (the page's first form when name is
// "") with its hidden inputs and values over them.
func (b *Browser) Submit(p Page, name string, values map[string]string) Page {
	b.t.Helper()
	form := p.Form(name)
	if form == nil {
		b.t.Fatalf("hosteduitest: no form %q in the %d page:\n%s", name, p.Status, p.Body)
	}
	data := url.Values{}
	for _, in := range Elements(form, "input") {
		if typ, _ := Attr(in, "type"); typ == "hidden" {
			n, _ := Attr(in, "name")
			v, _ := Attr(in, "value")
			data.Set(n, v)
		}
	}
	for k, v := range values {
		data.Set(k, v)
	}
	action, _ := Attr(form, "action")
	return b.Post(action, data)
}

// Post posts a form body to u (absolute, or a path on Base).
func (b *Browser) Post(u string, data url.Values) Page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.resolve(u), strings.NewReader(data.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.Do(req)
}

// Cookie returns the browser's cookie called name for u, or nil.
func (b *Browser) Cookie(u, name string) *http.Cookie {
	parsed, err := url.Parse(b.resolve(u))
	if err != nil {
		return nil
	}
	for _, c := range b.Client.Jar.Cookies(parsed) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Form returns the page's form called name (its first form when name is
// ""), or nil.
func (p Page) Form(name string) *html.Node {
	if p.Doc == nil {
		return nil
	}
	for _, f := range Elements(p.Doc, "form") {
		if n, _ := Attr(f, "name"); name == "" || n == name {
			return f
		}
	}
	return nil
}

// Input returns the value of the page's input called name ("" when none).
func (p Page) Input(name string) string {
	if p.Doc == nil {
		return ""
	}
	for _, in := range Elements(p.Doc, "input") {
		if n, _ := Attr(in, "name"); n == name {
			v, _ := Attr(in, "value")
			return v
		}
	}
	return ""
}

// Heading is the text of the page's h1.
func (p Page) Heading() string {
	if p.Doc == nil {
		return ""
	}
	if h := Elements(p.Doc, "h1"); len(h) > 0 {
		return Text(h[0])
	}
	return ""
}

// ErrorText is the text of the page's error message (the element of class
// errorMessage-customizable), "" when it shows none.
func (p Page) ErrorText() string {
	var out string
	if p.Doc != nil {
		Walk(p.Doc, func(n *html.Node) {
			if c, _ := Attr(n, "class"); strings.Contains(c, "errorMessage-customizable") {
				out = Text(n)
			}
		})
	}
	return out
}

// ByID returns the text of the element with id, "" when none.
func (p Page) ByID(id string) string {
	var out string
	if p.Doc != nil {
		Walk(p.Doc, func(n *html.Node) {
			if v, _ := Attr(n, "id"); v == id && n.Type == html.ElementNode {
				out = Text(n)
			}
		})
	}
	return out
}

// Attr returns the attribute key of n.
func Attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// Walk calls fn for n and every node under it, in document order.
func Walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		Walk(c, fn)
	}
}

// Elements returns the elements called tag under root.
func Elements(root *html.Node, tag string) []*html.Node {
	var out []*html.Node
	Walk(root, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			out = append(out, n)
		}
	})
	return out
}

// Text returns the text under n, trimmed.
func Text(n *html.Node) string {
	var b strings.Builder
	Walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return strings.TrimSpace(b.String())
}
