package oauth

import (
	"slices"
	"testing"
)

func TestResolveUserScopes(t *testing.T) {
	pub := testClients["publicclient"]
	defined, _ := definedScopes(nil, testPool)
	tests := []struct {
		name    string
		req     ScopeRequest
		want    []string
		errCode Code
	}{
		{"omitted means every allowed scope still defined", ScopeRequest{}, []string{"phone", "openid", "profile", "email", "aws.cognito.signin.user.admin", "https://api.example.com/read"}, ""},
		{"empty parameter as omitted", ScopeRequest{Present: true, Raw: "  "}, []string{"phone", "openid", "profile", "email", "aws.cognito.signin.user.admin", "https://api.example.com/read"}, ""},
		{"client order, not request order", ScopeRequest{Present: true, Raw: "email openid phone"}, []string{"phone", "openid", "email"}, ""},
		{"duplicates collapse", ScopeRequest{Present: true, Raw: "openid openid"}, []string{"openid"}, ""},
		{"custom scope", ScopeRequest{Present: true, Raw: "openid https://api.example.com/read"}, []string{"openid", "https://api.example.com/read"}, ""},
		{"deleted custom scope dropped silently", ScopeRequest{Present: true, Raw: "openid https://api.example.com/gone"}, []string{"openid"}, ""},
		{"scope the client lacks", ScopeRequest{Present: true, Raw: "openid https://api.example.com/write"}, nil, CodeInvalidScope},
		{"unknown reserved-looking scope", ScopeRequest{Present: true, Raw: "address"}, nil, CodeInvalidScope},
		{"malformed token", ScopeRequest{Present: true, Raw: "open\"id"}, nil, CodeInvalidScope},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveUserScopes(tc.req, pub, defined)
			if tc.errCode != "" {
				if err == nil || err.Code != tc.errCode {
					t.Fatalf("got %v, %v; want error %s", got, err, tc.errCode)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestResolveClientCredentialsScopes(t *testing.T) {
	m := testClients["machineclient"]
	defined, _ := definedScopes(nil, testPool)
	tests := []struct {
		name    string
		req     ScopeRequest
		want    []string
		errCode Code
	}{
		{"omitted means all custom scopes", ScopeRequest{}, []string{"https://api.example.com/read", "https://api.example.com/write"}, ""},
		{"one scope", ScopeRequest{Present: true, Raw: "https://api.example.com/write"}, []string{"https://api.example.com/write"}, ""},
		{"reserved scope", ScopeRequest{Present: true, Raw: "openid"}, nil, CodeInvalidScope},
		{"scope not allowed", ScopeRequest{Present: true, Raw: "https://api.example.com/admin"}, nil, CodeInvalidScope},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveClientCredentialsScopes(tc.req, m, defined)
			if tc.errCode != "" {
				if err == nil || err.Code != tc.errCode {
					t.Fatalf("got %v, %v; want error %s", got, err, tc.errCode)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	// Every custom scope of the client deleted: nothing to grant.
	if _, err := ResolveClientCredentialsScopes(ScopeRequest{}, m, nil); err == nil || err.Code != CodeInvalidScope {
		t.Fatalf("no defined scope: got %v, want invalid_scope", err)
	}
}

func TestSplitCustomScope(t *testing.T) {
	tests := []struct {
		in           string
		server, name string
		ok           bool
	}{
		{"https://myphotosapi.example.com/photos.read", "https://myphotosapi.example.com", "photos.read", true},
		{"orders/read", "orders", "read", true},
		{"openid", "", "", false},
		{"noslash", "", "", false},
		{"trailing/", "", "", false},
		{"/leading", "", "", false},
	}
	for _, tc := range tests {
		s, n, ok := SplitCustomScope(tc.in)
		if s != tc.server || n != tc.name || ok != tc.ok {
			t.Errorf("SplitCustomScope(%q) = %q, %q, %v", tc.in, s, n, ok)
		}
	}
}

func TestAttributeFilter(t *testing.T) {
	names := []string{"sub", "email", "email_verified", "phone_number", "phone_number_verified", "name", "custom:tier", "address"}
	tests := []struct {
		scopes []string
		want   []string
	}{
		{[]string{"email"}, []string{"sub"}},
		{[]string{"openid"}, names},
		{[]string{"openid", "aws.cognito.signin.user.admin"}, names},
		{[]string{"openid", "email"}, []string{"sub", "email", "email_verified"}},
		{[]string{"openid", "phone"}, []string{"sub", "phone_number", "phone_number_verified"}},
		{[]string{"openid", "profile"}, []string{"sub", "name", "custom:tier"}},
	}
	for _, tc := range tests {
		f := AttributeFilter(tc.scopes)
		var got []string
		for _, n := range names {
			if f(n) {
				got = append(got, n)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("AttributeFilter(%q) reveals %q, want %q", tc.scopes, got, tc.want)
		}
	}
}

func TestAtHash(t *testing.T) {
	// OIDC Core A.3's example: the access token below has
	// at_hash "77QmUPtjPfzWtF2AnpK9RQ".
	const tok = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
	if got := AtHash(tok); got != "77QmUPtjPfzWtF2AnpK9RQ" {
		t.Fatalf("AtHash = %q", got)
	}
}
