package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/userpoold/userpoold/internal/passkey"
	"github.com/userpoold/userpoold/internal/passkey/passkeytest"
)

// TestAPIWithSoftwareAuthenticator drives the API the browser test uses
// with the software authenticator, so the server is known good before a
// browser is involved: registration, two sign-ins with counters, a replay.
func TestAPIWithSoftwareAuthenticator(t *testing.T) {
	s := newServer(passkey.RelyingParty{ID: "localhost", UserVerification: passkey.UVPreferred})
	mux := http.NewServeMux()
	s.routes(mux)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	const origin = "http://localhost:4321"

	post := func(path string, body any, wantStatus int) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		resp, err := http.Post(ts.URL+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != wantStatus {
			t.Fatalf("%s: status %d, want %d: %v", path, resp.StatusCode, wantStatus, out)
		}
		return out
	}

	a := &passkeytest.Authenticator{}
	begin := post("/api/register/begin", map[string]any{"username": "alice"}, 200)
	opts, _ := json.Marshal(begin["options"])
	reg, _, err := a.Create(opts, origin)
	if err != nil {
		t.Fatal(err)
	}
	cred := post("/api/register/finish", map[string]any{"username": "alice", "credential": json.RawMessage(reg)}, 200)
	if cred["friendlyCredentialName"] != "Platform passkey" || cred["attestationFormat"] != "none" {
		t.Errorf("credential %v", cred)
	}
	// The registration challenge is spent.
	if e := post("/api/register/finish", map[string]any{"username": "alice", "credential": json.RawMessage(reg)}, 400); e["kind"] != "WebAuthnChallengeNotFound" {
		t.Errorf("second finish: %v", e)
	}

	var last []byte
	var lastSession string
	for i := 1; i <= 2; i++ {
		lb := post("/api/login/begin", map[string]any{"username": "alice"}, 200)
		resp, err := a.Get([]byte(lb["options"].(string)), origin)
		if err != nil {
			t.Fatal(err)
		}
		done := post("/api/login/finish", map[string]any{"username": "alice", "session": lb["session"], "credential": string(resp)}, 200)
		if done["signCount"] != float64(i) {
			t.Errorf("sign-in %d: %v", i, done)
		}
		last, lastSession = resp, lb["session"].(string)
	}
	if e := post("/api/login/finish", map[string]any{"username": "alice", "session": lastSession, "credential": string(last)}, 400); e["kind"] != "NotAuthorized" {
		t.Errorf("replay: %v", e)
	}
}
