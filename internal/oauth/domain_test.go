package oauth

import (
	"strings"
	"testing"

	"github.com/userpoold/userpoold/internal/fault"
)

func TestValidatePrefix(t *testing.T) {
	tests := []struct {
		prefix, msg string
	}{
		{"myapp", ""},
		{"my-app-2", ""},
		{"a", ""},
		{strings.Repeat("a", 63), ""},
		{strings.Repeat("a", 64), "invalid character"},
		{"MyApp", "invalid character"},
		{"-app", "invalid character"},
		{"app-", "invalid character"},
		{"my.app", "invalid character"},
		{"", "invalid character"},
		{"mycognito", "Domain cannot contain reserved word: cognito"},
		{"aws-login", "Domain cannot contain reserved word: aws"},
		{"amazonfan", "Domain cannot contain reserved word: amazon"},
	}
	for _, tc := range tests {
		err := ValidatePrefix(tc.prefix)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.prefix, err)
			}
		} else if fault.KindOf(err) != fault.InvalidParameter || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: got %v, want %q", tc.prefix, err, tc.msg)
		}
	}
}

func TestValidateCustomDomain(t *testing.T) {
	for d, ok := range map[string]bool{
		"auth.example.com": true, "login.my-company.co.uk": true, "com": false, "Auth.example.com": false,
		"auth..example.com": false, "x.auth.us-east-1.amazoncognito.com": false, "auth.example.com.": false, "-a.example.com": false,
	} {
		if err := ValidateCustomDomain(d); (err == nil) != ok {
			t.Errorf("ValidateCustomDomain(%q) = %v", d, err)
		}
	}
}

func TestParseHost(t *testing.T) {
	tests := []struct {
		host       string
		name       string
		custom, ok bool
	}{
		{"myapp.auth.us-east-1.amazoncognito.com", "myapp", false, true},
		{"MyApp.Auth.US-EAST-1.amazoncognito.com:9230", "myapp", false, true},
		{"myapp.auth.us-east-1.amazoncognito.com.", "myapp", false, true},
		{"myapp.auth.eu-west-1.amazoncognito.com", "myapp.auth.eu-west-1.amazoncognito.com", true, true},
		{"auth.example.com:443", "auth.example.com", true, true},
		{"bad_.auth.us-east-1.amazoncognito.com", "", false, false},
		{"127.0.0.1:9229", "", false, false},
		{"[::1]:9229", "", false, false},
		{"", "", false, false},
	}
	for _, tc := range tests {
		name, custom, ok := ParseHost(tc.host, "us-east-1")
		if name != tc.name || custom != tc.custom || ok != tc.ok {
			t.Errorf("ParseHost(%q) = %q, %v, %v", tc.host, name, custom, ok)
		}
	}
}

func TestSplitDomainPath(t *testing.T) {
	tests := []struct {
		path, name, rest string
		ok               bool
	}{
		{"/_domain/myprefix/oauth2/token", "myprefix", "/oauth2/token", true},
		{"/_domain/Auth.Example.com/login", "auth.example.com", "/login", true},
		{"/_domain/myprefix", "myprefix", "/", true},
		{"/_domain/", "", "", false},
		{"/oauth2/token", "", "", false},
	}
	for _, tc := range tests {
		name, rest, ok := SplitDomainPath(tc.path)
		if name != tc.name || rest != tc.rest || ok != tc.ok {
			t.Errorf("SplitDomainPath(%q) = %q, %q, %v", tc.path, name, rest, ok)
		}
	}
}

func TestParseBaseURL(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:9229":          "http://127.0.0.1:9229",
		"https://auth.example.com/":      "https://auth.example.com",
		"https://proxy.example.com/idp/": "https://proxy.example.com/idp",
		"ftp://x":                        "",
		"127.0.0.1:9229":                 "",
		"https://x.example.com/?a=1":     "",
		"https://u:p@x.example.com":      "",
	} {
		got, err := ParseBaseURL(raw)
		if (want == "") != (err != nil) || got != want {
			t.Errorf("ParseBaseURL(%q) = %q, %v", raw, got, err)
		}
	}
}

func TestDiscovery(t *testing.T) {
	const base = "https://127.0.0.1:9230"
	ep := EndpointsAt(DomainBaseURL(base, "myprefix"))
	got := string(Discovery(base, testPool, "", &ep))
	want := `{"authorization_endpoint":"https://127.0.0.1:9230/_domain/myprefix/oauth2/authorize",` +
		`"end_session_endpoint":"https://127.0.0.1:9230/_domain/myprefix/logout",` +
		`"id_token_signing_alg_values_supported":["RS256"],` +
		`"issuer":"https://127.0.0.1:9230/us-east-1_TestPool1",` +
		`"jwks_uri":"https://127.0.0.1:9230/us-east-1_TestPool1/.well-known/jwks.json",` +
		`"response_types_supported":["code","token"],` +
		`"revocation_endpoint":"https://127.0.0.1:9230/_domain/myprefix/oauth2/revoke",` +
		`"scopes_supported":["openid","email","phone","profile"],"subject_types_supported":["public"],` +
		`"token_endpoint":"https://127.0.0.1:9230/_domain/myprefix/oauth2/token",` +
		`"token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post"],` +
		`"userinfo_endpoint":"https://127.0.0.1:9230/_domain/myprefix/oauth2/userInfo"}`
	if got != want {
		t.Fatalf("Discovery:\n got %s\nwant %s", got, want)
	}
	// The issuer, the discovery URL's prefix and the token iss (IssuerURL)
	// are one string.
	if d := DiscoveryURL(base, testPool); !strings.HasPrefix(d, IssuerURL(base, testPool)+"/") {
		t.Fatalf("DiscoveryURL %q is not under the issuer", d)
	}
	noDomain := string(Discovery(base, testPool, "", nil))
	for _, absent := range []string{"authorization_endpoint", "token_endpoint", "userinfo_endpoint", "end_session_endpoint", "revocation_endpoint"} {
		if strings.Contains(noDomain, absent) {
			t.Errorf("a pool without a domain advertises %s", absent)
		}
	}
	if host := EndpointsAt(HostDomainBaseURL("https", PrefixHost("myprefix", "us-east-1"), "443")); host.Token != "https://myprefix.auth.us-east-1.amazoncognito.com/oauth2/token" {
		t.Errorf("host-form token endpoint %q", host.Token)
	}
	if host := HostDomainBaseURL("https", "auth.example.com", "9230"); host != "https://auth.example.com:9230" {
		t.Errorf("host-form base %q", host)
	}
}
