package oauth

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const testChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

func authorizeQuery(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return q
}

func TestParseAuthorizeOutcomes(t *testing.T) {
	ok := []string{"client_id", "publicclient", "redirect_uri", "https://app.example.com/cb", "response_type", "code", "state", "xyz"}
	with := func(extra ...string) []string { return append(slices.Clone(ok), extra...) }
	without := func(name string) []string {
		var out []string
		for i := 0; i < len(ok); i += 2 {
			if ok[i] != name {
				out = append(out, ok[i], ok[i+1])
			}
		}
		return out
	}
	tests := []struct {
		name string
		q    []string
		// page is the error shown as a page (no redirect); location the
		// redirect of a redirectable error.
		page     Code
		location string
	}{
		{"missing client_id", without("client_id"), CodeInvalidRequest, ""},
		{"unknown client", []string{"client_id", "nope", "redirect_uri", "https://app.example.com/cb", "response_type", "code"}, CodeInvalidRequest, ""},
		{"client of another pool", []string{"client_id", "foreignclient", "redirect_uri", "https://app.example.com/cb", "response_type", "code"}, CodeInvalidRequest, ""},
		{"missing redirect_uri", without("redirect_uri"), CodeInvalidRequest, ""},
		{"unregistered redirect_uri", []string{"client_id", "publicclient", "redirect_uri", "https://evil.example.com/cb", "response_type", "code"}, CodeRedirectMismatch, ""},
		{"near-miss redirect_uri", []string{"client_id", "publicclient", "redirect_uri", "https://app.example.com/cb/", "response_type", "code"}, CodeRedirectMismatch, ""},
		{"duplicated redirect_uri", with("redirect_uri", "https://app.example.com/cb"), CodeRedirectMismatch, ""},
		{"missing response_type", without("response_type"), "", "https://app.example.com/cb?error=invalid_request&state=xyz"},
		{"unknown response_type", append(without("response_type"), "response_type", "id_token"), "", "https://app.example.com/cb?error=invalid_request&state=xyz"},
		{"flow not allowed", []string{"client_id", "secretclient", "redirect_uri", "https://app.example.com/cb", "response_type", "token"}, "", "https://app.example.com/cb?error=unauthorized_client"},
		{"oauth disabled", []string{"client_id", "nooauthclient", "redirect_uri", "https://app.example.com/cb", "response_type", "code"}, "", "https://app.example.com/cb?error=unauthorized_client"},
		{"plain PKCE", with("code_challenge", testChallenge, "code_challenge_method", "plain"), "", "https://app.example.com/cb?error=invalid_request&state=xyz"},
		{"PKCE method without challenge", with("code_challenge_method", "S256"), "", "https://app.example.com/cb?error=invalid_request&state=xyz"},
		{"PKCE challenge without method", with("code_challenge", testChallenge), "", "https://app.example.com/cb?error=invalid_request&state=xyz"},
		{"PKCE short challenge", with("code_challenge", "abc", "code_challenge_method", "S256"), "", "https://app.example.com/cb?error=invalid_request&state=xyz"},
		{"scope not allowed", with("scope", "openid https://api.example.com/write"), "", "https://app.example.com/cb?error=invalid_scope&state=xyz"},
		{"unsupported identity provider", with("identity_provider", "Facebook"), "", "https://app.example.com/cb?error=invalid_request&state=xyz"},
		{"both idp parameters", with("identity_provider", "COGNITO", "idp_identifier", "example.com"), "", "https://app.example.com/cb?error=invalid_request&state=xyz"},
		{"unknown prompt", with("prompt", "always"), "", "https://app.example.com/cb?error=invalid_request&state=xyz"},
		{"prompt none with another", with("prompt", "none login"), "", "https://app.example.com/cb?error=invalid_request&state=xyz"},
		{"duplicated state", with("state", "again"), "", "https://app.example.com/cb?error=invalid_request&state=xyz"},
		{"duplicated scope", with("scope", "openid", "scope", "email"), "", "https://app.example.com/cb?error=invalid_request&state=xyz"},
		{"registered query kept", []string{"client_id", "publicclient", "redirect_uri", "http://localhost:3000/cb?x=1"}, "", "http://localhost:3000/cb?x=1&error=invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, aerr, err := ParseAuthorize(context.Background(), testPool, authorizeQuery(tc.q...), fakeClients(testClients), definedScopes)
			if err != nil {
				t.Fatal(err)
			}
			if aerr == nil {
				t.Fatalf("accepted: %+v", req)
			}
			if tc.page != "" {
				if aerr.Location() != "" || aerr.Code != tc.page {
					t.Fatalf("got %s → %q, want page %s", aerr.Code, aerr.Location(), tc.page)
				}
				return
			}
			if got := aerr.Location(); got != tc.location {
				t.Fatalf("Location %q, want %q", got, tc.location)
			}
		})
	}
}

func TestParseAuthorizeSuccess(t *testing.T) {
	q := authorizeQuery("client_id", "publicclient", "redirect_uri", "https://app.example.com/cb", "response_type", "code",
		"state", "a b&c=d", "scope", "openid email", "nonce", "n-0S6", "code_challenge", testChallenge,
		"code_challenge_method", "S256", "identity_provider", "COGNITO", "prompt", "LOGIN", "lang", "fr", "login_hint", "jane")
	req, aerr, err := ParseAuthorize(context.Background(), testPool, q, fakeClients(testClients), definedScopes)
	if err != nil || aerr != nil {
		t.Fatal(err, aerr)
	}
	if req.ResponseType != ResponseCode || req.CodeChallenge != testChallenge || req.Nonce != "n-0S6" || req.Lang != "fr" ||
		req.LoginHint != "jane" || !req.HasPrompt(PromptLogin) || !slices.Equal(req.Scopes, []string{"openid", "email"}) {
		t.Fatalf("request %+v", req)
	}
	if got, want := req.CodeRedirect("981cd9fb-618c-4282-9255-3a1bdd7f5f75"), "https://app.example.com/cb?code=981cd9fb-618c-4282-9255-3a1bdd7f5f75&state=a+b%26c%3Dd"; got != want {
		t.Errorf("CodeRedirect %q, want %q", got, want)
	}
	// state survives the round trip unchanged.
	u, _ := url.Parse(req.CodeRedirect("c"))
	if u.Query().Get("state") != "a b&c=d" {
		t.Errorf("state came back as %q", u.Query().Get("state"))
	}

	// Implicit: PKCE parameters are ignored, tokens go in the fragment.
	q = authorizeQuery("client_id", "publicclient", "redirect_uri", "https://app.example.com/cb", "response_type", "token",
		"scope", "openid", "code_challenge", "x", "code_challenge_method", "plain")
	req, aerr, err = ParseAuthorize(context.Background(), testPool, q, fakeClients(testClients), definedScopes)
	if err != nil || aerr != nil {
		t.Fatal(err, aerr)
	}
	if got, want := req.ImplicitRedirect(Tokens{IDToken: "i", AccessToken: "a", ExpiresIn: 3600}), "https://app.example.com/cb#id_token=i&access_token=a&token_type=bearer&expires_in=3600"; got != want {
		t.Errorf("ImplicitRedirect %q, want %q", got, want)
	}
	// A store failure is an error, not an outcome.
	if _, _, err := ParseAuthorize(context.Background(), testPool, authorizeQuery("client_id", "boom"), fakeClients(testClients), definedScopes); err == nil {
		t.Error("store failure not reported")
	}
}

func TestDefaultRedirectURI(t *testing.T) {
	clients := fakeClients{"c": {PoolID: testPool, ID: "c", OAuthEnabled: true, Flows: []Flow{FlowCode}, Scopes: []string{"openid"},
		CallbackURLs: []string{"https://a.example/cb", "https://b.example/cb"}, DefaultRedirectURI: "https://b.example/cb"}}
	req, aerr, err := ParseAuthorize(context.Background(), testPool, authorizeQuery("client_id", "c", "response_type", "code"), clients, definedScopes)
	if err != nil || aerr != nil || req.RedirectURI != "https://b.example/cb" {
		t.Fatalf("%+v %v %v", req, aerr, err)
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name    string
		q       []string
		session bool
		version int
		want    Next
	}{
		{"no session", nil, false, 1, NextLogin},
		{"session", nil, true, 1, NextComplete},
		{"prompt login ignored on classic", []string{"prompt", "login"}, true, 1, NextComplete},
		{"prompt login on managed login", []string{"prompt", "login"}, true, 2, NextLogin},
		{"prompt none without session", []string{"prompt", "none"}, false, 2, NextLoginRequired},
		{"prompt none with session", []string{"prompt", "none"}, true, 2, NextComplete},
		{"prompt none ignored on classic", []string{"prompt", "none"}, false, 1, NextLogin},
		{"federated", []string{"identity_provider", "Google"}, true, 1, NextFederate},
		{"COGNITO is the login page", []string{"identity_provider", "COGNITO"}, false, 1, NextLogin},
		{"idp_identifier", []string{"idp_identifier", "example.com"}, false, 1, NextFederate},
	}
	for _, tc := range tests {
		q := authorizeQuery(append([]string{"client_id", "secretclient", "redirect_uri", "https://app.example.com/cb", "response_type", "code"}, tc.q...)...)
		req, aerr, err := ParseAuthorize(context.Background(), testPool, q, fakeClients(testClients), definedScopes)
		if err != nil || aerr != nil {
			t.Fatalf("%s: %v %v", tc.name, err, aerr)
		}
		if got := Decide(req, tc.session, tc.version); got != tc.want {
			t.Errorf("%s: Decide = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseLogout(t *testing.T) {
	tests := []struct {
		name     string
		q        []string
		location string
		login    bool
		page     string
	}{
		{"shape 1", []string{"client_id", "publicclient", "logout_uri", "https://app.example.com/bye"}, "https://app.example.com/bye", false, ""},
		{"unregistered logout_uri", []string{"client_id", "publicclient", "logout_uri", "https://evil.example.com/"}, "", false, "Required String parameter 'redirect_uri' is not present"},
		{"shape 2", []string{"client_id", "publicclient", "redirect_uri", "https://app.example.com/cb", "response_type", "code"}, "", true, ""},
		{"shape 2 bad redirect", []string{"client_id", "publicclient", "redirect_uri", "https://evil.example.com/cb", "response_type", "code"}, "", false, "redirect_mismatch"},
		{"shape 2 bad response_type", []string{"client_id", "publicclient", "redirect_uri", "https://app.example.com/cb"}, "https://app.example.com/cb?error=invalid_request", false, ""},
		{"no client", []string{"logout_uri", "https://app.example.com/bye"}, "", false, "client_id"},
		{"client of another pool", []string{"client_id", "foreignclient", "logout_uri", "https://app.example.com/bye"}, "", false, "does not exist"},
		{"OIDC parameters ignored", []string{"client_id", "publicclient", "post_logout_redirect_uri", "https://app.example.com/bye", "id_token_hint", "x"}, "", false, "redirect_uri"},
	}
	for _, tc := range tests {
		out, err := ParseLogout(context.Background(), testPool, authorizeQuery(tc.q...), fakeClients(testClients), definedScopes)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case out.Location != tc.location:
			t.Errorf("%s: Location %q, want %q", tc.name, out.Location, tc.location)
		case (out.Login != nil) != tc.login:
			t.Errorf("%s: Login %+v", tc.name, out.Login)
		case tc.page == "" && out.Page != nil, tc.page != "" && (out.Page == nil || !strings.Contains(out.Page.Description, tc.page)):
			t.Errorf("%s: Page %+v, want %q", tc.name, out.Page, tc.page)
		}
	}
}
