package passkey_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/passkey"
	"github.com/userpoold/userpoold/internal/passkey/passkeytest"
)

func TestOriginAllowed(t *testing.T) {
	extra := []string{"android:apk-key-hash:Ab3_x", "http://test.internal:8080"}
	for _, tc := range []struct {
		rpID, origin string
		want         bool
	}{
		{"localhost", "http://localhost:5173", true},
		{"localhost", "http://localhost", true},
		{"localhost", "https://localhost:8443", true},
		{"localhost", "http://LOCALHOST:3000", true},
		{"localhost", "http://localhost:5173/", true},
		{"localhost", "http://127.0.0.1:5173", false},
		{"localhost", "http://app.localhost:5173", false},
		{"localhost", "http://localhost.example.com", false},
		{"localhost", "ws://localhost:5173", false},
		{"localhost", "http://localhost:5173/path", false},
		{"localhost", "http://localhost:abc", false},
		{"localhost", "http://user@localhost:5173", false},
		{"auth.example.com", "https://auth.example.com", true},
		{"auth.example.com", "https://auth.example.com:8443", true},
		{"auth.example.com", "https://app.auth.example.com", true},
		{"Auth.Example.com", "https://AUTH.example.com", true},
		{"auth.example.com", "http://auth.example.com", false},
		{"auth.example.com", "https://example.com", false},
		{"auth.example.com", "https://evilauth.example.com", false},
		{"auth.example.com", "https://auth.example.com.evil.net", false},
		{"auth.example.com", "https://auth.example.com?x=1", false},
		{"auth.example.com", "http://localhost:5173", false},
		{"auth.example.com", "android:apk-key-hash:Ab3_x", true},
		{"auth.example.com", "android:apk-key-hash:other", false},
		{"auth.example.com", "http://test.internal:8080", true},
		{"auth.example.com", "http://test.internal:8081", false},
		{"", "https://anything", false},
		{"auth.example.com", "", false},
	} {
		if got := passkey.OriginAllowed(tc.rpID, tc.origin, extra); got != tc.want {
			t.Errorf("OriginAllowed(%q, %q) = %v, want %v", tc.rpID, tc.origin, got, tc.want)
		}
	}
}

// TestExtraOriginRegistersAndSignsIn: an origin admitted only by the
// server's extra origins works for both ceremonies (go-webauthn is told
// the origin the rule accepted), an opaque one included.
func TestExtraOriginRegistersAndSignsIn(t *testing.T) {
	for _, origin := range []string{"android:apk-key-hash:Ab3_x", "http://test.internal:8080"} {
		c := fakeclock.New(t0)
		rp := &passkey.RelyingParty{ID: "auth.example.com", UserVerification: passkey.UVPreferred, Now: c.Now,
			ExtraOrigins: []string{"android:apk-key-hash:Ab3_x", "http://test.internal:8080"}}
		a := &passkeytest.Authenticator{}
		cred, err := register(t, rp, a, nil, passkeytest.WithOrigin(origin))
		if err != nil {
			t.Fatalf("%s: register: %v", origin, err)
		}
		if _, _, err := signIn(t, rp, a, []passkey.Credential{cred}, false, passkeytest.WithOrigin(origin)); err != nil {
			t.Fatalf("%s: sign in: %v", origin, err)
		}
	}
}

func TestResolveRPIDAndEnabled(t *testing.T) {
	for _, tc := range []struct {
		configured, custom, prefix, want string
	}{
		{"Auth.Example.com", "login.example.com", "p.auth.us-east-1.amazoncognito.com", "auth.example.com"},
		{"", "login.example.com", "p.auth.us-east-1.amazoncognito.com", "login.example.com"},
		{"", "", "p.auth.us-east-1.amazoncognito.com", "p.auth.us-east-1.amazoncognito.com"},
	} {
		if got, err := passkey.ResolveRPID(tc.configured, tc.custom, tc.prefix); err != nil || got != tc.want {
			t.Errorf("ResolveRPID(%q,%q,%q) = %q, %v", tc.configured, tc.custom, tc.prefix, got, err)
		}
	}
	if _, err := passkey.ResolveRPID("", " ", ""); !errors.Is(err, passkey.ErrConfigurationMissing) {
		t.Errorf("no RP ID: %v", err)
	}
	noRP := &passkey.RelyingParty{}
	if _, _, err := noRP.BeginRegistration(alice, nil, clientID); !errors.Is(err, passkey.ErrConfigurationMissing) {
		t.Errorf("registration without an RP ID: %v", err)
	}
	if _, _, err := noRP.BeginAssertion(alice, []passkey.Credential{{ID: []byte{1}}}, false); !errors.Is(err, passkey.ErrConfigurationMissing) {
		t.Errorf("sign-in without an RP ID: %v", err)
	}
	if err := passkey.CheckEnabled([]string{"PASSWORD", "WEB_AUTHN"}, ""); err != nil {
		t.Error(err)
	}
	if err := passkey.CheckEnabled([]string{"PASSWORD"}, passkey.MultiFactorWithUserVerification); err != nil {
		t.Error(err)
	}
	if err := passkey.CheckEnabled([]string{"PASSWORD", "EMAIL_OTP"}, passkey.SingleFactor); !errors.Is(err, passkey.ErrNotEnabled) {
		t.Errorf("passkeys off: %v", err)
	}
	if passkey.ParseUserVerification("") != passkey.UVPreferred || passkey.ParseUserVerification("required") != passkey.UVRequired {
		t.Error("ParseUserVerification")
	}
}

func TestPageAndRemove(t *testing.T) {
	var creds []passkey.Credential
	for i := range 5 {
		// Added out of creation order: the list is by CreatedAt.
		creds = append(creds, passkey.Credential{ID: []byte{byte(10 - i)}, CreatedAt: t0.Add(time.Duration(5-i) * time.Minute)})
	}
	var seen []string
	token := ""
	for pages := 0; ; pages++ {
		page, next, err := passkey.Page(creds, token, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			seen = append(seen, c.CredentialID())
		}
		if next == "" {
			if pages != 2 {
				t.Errorf("%d pages, want 3", pages+1)
			}
			break
		}
		token = next
	}
	// IDs 6..10 were created newest-first; ordered by CreatedAt: 6,7,8,9,10.
	if got := strings.Join(seen, ","); got != "Bg,Bw,CA,CQ,Cg" {
		t.Errorf("order %s", got)
	}
	if page, next, _ := passkey.Page(creds, "", 0); len(page) != 5 || next != "" {
		t.Errorf("default page: %d, %q", len(page), next)
	}
	if _, _, err := passkey.Page(creds, "AAAA", 2); !errors.Is(err, passkey.ErrBadNextToken) {
		t.Errorf("foreign token: %v", err)
	}
	if _, _, err := passkey.Page(creds, "!!", 2); !errors.Is(err, passkey.ErrBadNextToken) {
		t.Errorf("bad token: %v", err)
	}
	left, err := passkey.RemoveCredential(creds, "CA")
	if err != nil || len(left) != 4 || len(creds) != 5 {
		t.Fatalf("remove: %d left (%v), original %d", len(left), err, len(creds))
	}
	if _, err := passkey.RemoveCredential(left, "CA"); !errors.Is(err, passkey.ErrCredentialNotFound) {
		t.Errorf("remove twice: %v", err)
	}
	if _, err := passkey.RemoveCredential(left, "%%"); !errors.Is(err, passkey.ErrCredentialNotFound) {
		t.Errorf("remove garbage: %v", err)
	}
}

// TestImports keeps the package a domain package (design.md "Layout"): it
// imports no HTTP server code, wire types, storage or the packages above it.
// (go-webauthn itself imports net/http for helpers this package does not
// call; only direct imports are checked.)
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		switch {
		case imp == "net/http",
			strings.Contains(imp, "/internal/") && !strings.HasSuffix(imp, "/internal/fault"):
			t.Errorf("internal/passkey imports %s", imp)
		}
	}
}
