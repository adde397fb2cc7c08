package oauth

import (
	"strings"
	"testing"

	"github.com/userpoold/userpoold/internal/fault"
)

func TestValidateCallbackURL(t *testing.T) {
	tests := []struct {
		url string
		msg string // "" for valid; else a substring of the message
	}{
		{"https://app.example.com/cb", ""},
		{"https://app.example.com:8443/cb?x=1", ""},
		{"http://localhost", ""},
		{"http://localhost:3000/callback", ""},
		{"http://127.0.0.1:8080/cb", ""},
		{"http://[::1]:5173/", ""},
		{"myapp://callback", ""},
		{"com.example.app:/oauth2redirect", ""},
		{"http://localhost.com/", "http://localhost.com/ cannot use the HTTP protocol."},
		{"http://example.com/cb", "cannot use the HTTP protocol."},
		{"http://192.168.1.50:5001/cb", "cannot use the HTTP protocol."},
		{"HTTP://example.com/", "cannot use the HTTP protocol."},
		{"https://app.example.com/cb#frag", "fragment"},
		{"/relative/path", "not a valid absolute URL"},
		{"https:///nohost", "not a valid absolute URL"},
		{"", "Invalid URL"},
		{"https://x.example.com/" + strings.Repeat("a", 1024), "Invalid URL"},
	}
	for _, tc := range tests {
		err := ValidateCallbackURL(tc.url)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%q: unexpected %v", tc.url, err)
			}
			continue
		}
		if fault.KindOf(err) != fault.InvalidParameter || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: got %v, want InvalidParameter containing %q", tc.url, err, tc.msg)
		}
	}
}

func TestMatchURLIsExact(t *testing.T) {
	reg := []string{"https://app.example.com/cb", "http://localhost:3000/cb?x=1"}
	for _, got := range []string{
		"https://app.example.com/cb/", "https://APP.example.com/cb", "https://app.example.com:443/cb",
		"https://app.example.com/cb?evil=1", "https://app.example.com/cb#x", "http://localhost:3000/cb?x=1&y=2",
		"https://app.example.com/c", "", "https://app.example.com/cb@evil.example",
	} {
		if MatchURL(reg, got) {
			t.Errorf("MatchURL accepted %q", got)
		}
	}
	for _, got := range reg {
		if !MatchURL(reg, got) {
			t.Errorf("MatchURL refused %q", got)
		}
	}
}

func TestValidateClientConfig(t *testing.T) {
	defined := []string{"orders/read"}
	base := Client{OAuthEnabled: true, Flows: []Flow{FlowCode}, Scopes: []string{"openid"}, CallbackURLs: []string{"https://a.example/cb"}}
	tests := []struct {
		name string
		edit func(*Client)
		kind fault.Kind
		msg  string
	}{
		{"valid", func(*Client) {}, "", ""},
		{"oauth disabled needs nothing", func(c *Client) { *c = Client{} }, "", ""},
		{"http callback", func(c *Client) { c.CallbackURLs = []string{"http://a.example/cb"} }, fault.InvalidParameter, "cannot use the HTTP protocol."},
		{"http logout url", func(c *Client) { c.LogoutURLs = []string{"http://a.example/bye"} }, fault.InvalidParameter, "cannot use the HTTP protocol."},
		{"default redirect not a callback", func(c *Client) { c.DefaultRedirectURI = "https://b.example/cb" }, fault.InvalidParameter, "DefaultRedirectURI"},
		{"unknown custom scope", func(c *Client) { c.Scopes = []string{"openid", "orders/write"} }, fault.ScopeDoesNotExist, "orders/write"},
		{"known custom scope", func(c *Client) { c.Scopes = []string{"openid", "orders/read"} }, "", ""},
		{"client_credentials with code", func(c *Client) { c.Flows = []Flow{FlowCode, FlowClientCredentials}; c.Secrets = []string{"s"} }, fault.InvalidOAuthFlow, "client_credentials"},
		{"no callback for code", func(c *Client) { c.CallbackURLs = nil }, fault.InvalidOAuthFlow, "CallbackUrls can not be empty when code flow or implicit flow is selected"},
		{"no flows", func(c *Client) { c.Flows = nil }, fault.InvalidOAuthFlow, "AllowedOAuthFlows"},
		{"client_credentials without secret", func(c *Client) { c.Flows = []Flow{FlowClientCredentials}; c.Scopes = []string{"orders/read"} }, fault.InvalidOAuthFlow, "secret"},
		{"no scopes", func(c *Client) { c.Scopes = nil }, fault.InvalidOAuthFlow, "AllowedOAuthScopes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.edit(&c)
			err := ValidateClientConfig(c, defined)
			if fault.KindOf(err) != tc.kind || (err != nil && !strings.Contains(err.Error(), tc.msg)) {
				t.Fatalf("got %v, want %s %q", err, tc.kind, tc.msg)
			}
		})
	}
}

func TestPKCE(t *testing.T) {
	// RFC 7636 Appendix B.
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if got := S256(verifier); got != challenge {
		t.Fatalf("S256 = %q", got)
	}
	if !VerifyPKCE(challenge, verifier) {
		t.Fatal("RFC 7636 verifier refused")
	}
	for _, v := range []string{"", verifier[:42], verifier + "x", strings.Repeat("a", 129), strings.Replace(verifier, "-", "+", 1)} {
		if VerifyPKCE(challenge, v) {
			t.Errorf("VerifyPKCE accepted %q", v)
		}
	}
	// A plain challenge (the verifier itself) never matches under S256.
	if VerifyPKCE(verifier, verifier) {
		t.Error("plain PKCE accepted")
	}
}

func TestCheckSecretSeveralValid(t *testing.T) {
	c := testClients["secretclient"]
	for s, want := range map[string]bool{"oldsecret": true, "newsecret": true, "": false, "oldsecre": false, "newsecretx": false} {
		if got := c.CheckSecret(s); got != want {
			t.Errorf("CheckSecret(%q) = %v", s, got)
		}
	}
	if (Client{}).CheckSecret("") {
		t.Error("a client without secrets accepted an empty secret")
	}
}
