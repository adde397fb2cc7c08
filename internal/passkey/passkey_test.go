package passkey_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/passkey"
	"github.com/userpoold/userpoold/internal/passkey/passkeytest"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// fixedRand returns the same byte forever, for golden options.
type fixedRand byte

func (r fixedRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

const (
	localOrigin = "http://localhost:5173"
	clientID    = "client-a"
)

var alice = passkey.User{Sub: "eaad0219-2117-439f-8d46-4db20e4e0001", Username: "alice"}

func localRP(c *fakeclock.Clock) *passkey.RelyingParty {
	return &passkey.RelyingParty{ID: "localhost", UserVerification: passkey.UVPreferred, Now: c.Now}
}

func wantKind(t *testing.T, err error, want *fault.Error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

func TestCreationOptionsShape(t *testing.T) {
	c := fakeclock.New(t0)
	rp := &passkey.RelyingParty{ID: "auth.example.com", UserVerification: passkey.UVRequired, Now: c.Now, Rand: fixedRand(0xc1)}
	existing := []passkey.Credential{{ID: []byte{0xf0, 0xb2, 0xa9}}}
	opts, ch, err := rp.BeginRegistration(alice, existing, clientID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(opts)
	// The shape of AWS's sample (spec §6.1), member for member.
	want := `{"authenticatorSelection":{"requireResidentKey":true,"residentKey":"required","userVerification":"required"},` +
		`"challenge":"wcHBwcHBwcHBwcHBwcHBwQ",` +
		`"excludeCredentials":[{"id":"8LKp","type":"public-key"}],` +
		`"pubKeyCredParams":[{"alg":-7,"type":"public-key"},{"alg":-257,"type":"public-key"}],` +
		`"rp":{"id":"auth.example.com","name":"auth.example.com"},"timeout":60000,` +
		`"user":{"displayName":"alice","id":"ZWFhZDAyMTktMjExNy00MzlmLThkNDYtNGRiMjBlNGUwMDAx","name":"alice"}}`
	if string(got) != want {
		t.Errorf("options\n got %s\nwant %s", got, want)
	}
	if ch.Ceremony != passkey.Create || len(ch.Value) != passkey.ChallengeLen || ch.ClientID != clientID ||
		!ch.Expires.Equal(t0.Add(passkey.RegistrationLifetime)) || string(ch.UserHandle) != alice.Sub || ch.RPID != "auth.example.com" {
		t.Errorf("challenge state %+v", ch)
	}
	// No credentials yet: an empty list, not null.
	opts, _, _ = rp.BeginRegistration(alice, nil, clientID)
	if got, _ := json.Marshal(opts.ExcludeCredentials); string(got) != "[]" {
		t.Errorf("excludeCredentials %s", got)
	}
	// A state survives its JSON form (the caller seals and stores it).
	raw, _ := json.Marshal(ch)
	var back passkey.Challenge
	if err := json.Unmarshal(raw, &back); err != nil || !bytes.Equal(back.Value, ch.Value) || !back.Expires.Equal(ch.Expires) || back.ClientID != ch.ClientID {
		t.Errorf("state round trip %s → %+v (%v)", raw, back, err)
	}
}

func TestRequestOptionsShape(t *testing.T) {
	c := fakeclock.New(t0)
	rp := &passkey.RelyingParty{ID: "auth.example.com", UserVerification: passkey.UVPreferred, Now: c.Now, Rand: fixedRand(0xf4)}
	creds := []passkey.Credential{{ID: []byte{1, 2, 3}}, {ID: []byte{4, 5, 6}, Transports: []string{"internal"}}}
	opts, ch, err := rp.BeginAssertion(alice, creds, false)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"challenge":"9PT09PT09PT09PT09PT09A","timeout":180000,"rpId":"auth.example.com",` +
		`"allowCredentials":[{"type":"public-key","id":"AQID","transports":[]},{"type":"public-key","id":"BAUG","transports":["internal"]}],` +
		`"userVerification":"preferred"}`
	if opts.String() != want {
		t.Errorf("options\n got %s\nwant %s", opts.String(), want)
	}
	if ch.Ceremony != passkey.Get || ch.UserVerification != passkey.UVPreferred || !ch.Expires.Equal(t0.Add(passkey.AssertionLifetime)) {
		t.Errorf("state %+v", ch)
	}
	// Passkey MFA requires user verification whatever the pool says.
	opts, ch, _ = rp.BeginAssertion(alice, creds, true)
	if opts.UserVerification != passkey.UVRequired || ch.UserVerification != passkey.UVRequired {
		t.Errorf("MFA assertion asks for %q / keeps %q", opts.UserVerification, ch.UserVerification)
	}
	if _, _, err := rp.BeginAssertion(alice, nil, false); !errors.Is(err, passkey.ErrNoCredentials) {
		t.Errorf("no credentials: %v", err)
	}
}

// register runs a whole registration against rp with a and returns the
// stored credential.
func register(t testing.TB, rp *passkey.RelyingParty, a *passkeytest.Authenticator, existing []passkey.Credential, mods ...passkeytest.Mod) (passkey.Credential, error) {
	t.Helper()
	opts, ch, err := rp.BeginRegistration(alice, existing, clientID)
	if err != nil {
		return passkey.Credential{}, err
	}
	optsJSON, _ := json.Marshal(opts)
	resp, _, err := a.Create(optsJSON, localOrigin, mods...)
	if err != nil {
		t.Fatal(err)
	}
	taken, err := ch.Take(rp.Now())
	if err != nil {
		t.Fatal(err)
	}
	return rp.FinishRegistration(taken, alice, existing, clientID, resp)
}

func TestRegistration(t *testing.T) {
	for _, tc := range []struct {
		name           string
		auth           *passkeytest.Authenticator
		wantAlg        int64
		wantAttachment string
		wantName       string
		wantBackup     bool
	}{
		{"ES256 none platform", &passkeytest.Authenticator{}, passkey.AlgES256, "platform", "Platform passkey", false},
		{"ES256 packed roaming", &passkeytest.Authenticator{Format: "packed", Attachment: "cross-platform", Transports: []string{"usb", "nfc"}}, passkey.AlgES256, "cross-platform", "Roaming passkey", false},
		{"RS256 packed", &passkeytest.Authenticator{Algorithm: passkeytest.RS256, Format: "packed"}, passkey.AlgRS256, "platform", "Platform passkey", false},
		{"synced, no attachment", &passkeytest.Authenticator{BackupEligible: true, Attachment: "-", Transports: []string{}}, passkey.AlgES256, "", "Passkey", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fakeclock.New(t0)
			rp := localRP(c)
			a := tc.auth
			if a == nil {
				a = &passkeytest.Authenticator{}
			}
			a.AAGUID = [16]byte{0xfb, 0xfc, 0x30, 0x07}
			cred, err := register(t, rp, a, nil)
			if err != nil {
				t.Fatal(err)
			}
			held := a.Credentials()[0]
			if !bytes.Equal(cred.ID, held.ID) || cred.Algorithm != tc.wantAlg || cred.Attachment != tc.wantAttachment ||
				cred.FriendlyName != tc.wantName || cred.BackupEligible != tc.wantBackup || cred.BackupState != tc.wantBackup ||
				!cred.UserVerified || cred.RelyingPartyID != "localhost" || !cred.CreatedAt.Equal(t0) ||
				!bytes.Equal(cred.AAGUID, a.AAGUID[:]) || cred.SignCount != 0 || len(cred.PublicKey) == 0 {
				t.Errorf("credential %+v", cred)
			}
			wantTransports := a.Transports
			if wantTransports == nil {
				wantTransports = []string{"internal"}
			}
			if fmt.Sprint(cred.Transports) != fmt.Sprint(wantTransports) || cred.Transports == nil {
				t.Errorf("transports %#v, want %v", cred.Transports, wantTransports)
			}
			if cred.CredentialID() != passkeytest.EncodeID(held.ID) {
				t.Errorf("CredentialId %q", cred.CredentialID())
			}
		})
	}
}

func TestRegistrationRefusals(t *testing.T) {
	other := []byte("someone else's challenge")[:16]
	dropMember := func(name string) passkeytest.Mod {
		return passkeytest.WithTamper(func(m map[string]any) { delete(m["response"].(map[string]any), name) })
	}
	for _, tc := range []struct {
		name    string
		auth    *passkeytest.Authenticator
		uv      passkey.UserVerification
		mods    []passkeytest.Mod
		setup   func(c *fakeclock.Clock, rp *passkey.RelyingParty)
		finish  func(rp *passkey.RelyingParty, ch passkey.Challenge, resp []byte) (passkey.Credential, error)
		wantErr *fault.Error
	}{
		{name: "wrong origin scheme", mods: []passkeytest.Mod{passkeytest.WithOrigin("https://evil.example")}, wantErr: passkey.ErrOriginNotAllowed},
		{name: "origin with a path", mods: []passkeytest.Mod{passkeytest.WithOrigin("http://localhost:5173/app")}, wantErr: passkey.ErrOriginNotAllowed},
		{name: "127.0.0.1 is not localhost", mods: []passkeytest.Mod{passkeytest.WithOrigin("http://127.0.0.1:5173")}, wantErr: passkey.ErrOriginNotAllowed},
		{name: "rpIdHash of another RP", mods: []passkeytest.Mod{passkeytest.WithRPID("example.com")}, wantErr: passkey.ErrRelyingPartyMismatch},
		{name: "another challenge", mods: []passkeytest.Mod{passkeytest.WithChallenge(passkeytest.EncodeID(other))}, wantErr: passkey.ErrChallengeNotFound},
		{name: "clientData type get", mods: []passkeytest.Mod{passkeytest.WithType("webauthn.get")}, wantErr: passkey.ErrCredentialInvalid},
		{name: "no user presence", mods: []passkeytest.Mod{passkeytest.WithFlags(passkeytest.FlagAT | passkeytest.FlagUV)}, wantErr: passkey.ErrCredentialNotSupported},
		{name: "UV required, not performed", auth: &passkeytest.Authenticator{NoUserVerification: true}, uv: passkey.UVRequired, wantErr: passkey.ErrCredentialNotSupported},
		{name: "EdDSA is not offered", auth: &passkeytest.Authenticator{Algorithm: passkeytest.EdDSA, IgnoreAlgorithms: true}, wantErr: passkey.ErrCredentialNotSupported},
		{name: "BS without BE", mods: []passkeytest.Mod{passkeytest.WithFlags(passkeytest.FlagUP | passkeytest.FlagUV | passkeytest.FlagAT | passkeytest.FlagBS)}, wantErr: passkey.ErrCredentialInvalid},
		{name: "transports missing", mods: []passkeytest.Mod{dropMember("transports")}, wantErr: passkey.ErrCredentialInvalid},
		{name: "authenticatorData missing", mods: []passkeytest.Mod{dropMember("authenticatorData")}, wantErr: passkey.ErrCredentialInvalid},
		{name: "publicKeyAlgorithm missing", mods: []passkeytest.Mod{dropMember("publicKeyAlgorithm")}, wantErr: passkey.ErrCredentialInvalid},
		{name: "publicKeyAlgorithm contradicts the key", mods: []passkeytest.Mod{passkeytest.WithTamper(func(m map[string]any) {
			m["response"].(map[string]any)["publicKeyAlgorithm"] = -257
		})}, wantErr: passkey.ErrCredentialInvalid},
		{name: "authenticatorData contradicts the attestation", mods: []passkeytest.Mod{passkeytest.WithTamper(func(m map[string]any) {
			m["response"].(map[string]any)["authenticatorData"] = passkeytest.EncodeID([]byte("other"))
		})}, wantErr: passkey.ErrCredentialInvalid},
		{name: "id is not rawId", mods: []passkeytest.Mod{passkeytest.WithTamper(func(m map[string]any) { m["id"] = "AAAA" })}, wantErr: passkey.ErrCredentialInvalid},
		{name: "type is not public-key", mods: []passkeytest.Mod{passkeytest.WithTamper(func(m map[string]any) { m["type"] = "password" })}, wantErr: passkey.ErrCredentialInvalid},
		{name: "packed signature is not the credential's", auth: &passkeytest.Authenticator{Format: "packed"}, mods: []passkeytest.Mod{passkeytest.WithTamper(func(m map[string]any) {
			r := m["response"].(map[string]any)
			// Re-sign nothing: flip the clientDataJSON hash input instead.
			cd, _ := passkeyB64Decode(r["clientDataJSON"].(string))
			r["clientDataJSON"] = passkeytest.EncodeID(bytes.Replace(cd, []byte(`"crossOrigin":false`), []byte(`"crossOrigin":false `), 1))
		})}, wantErr: passkey.ErrCredentialNotSupported},
		{name: "expired", setup: func(c *fakeclock.Clock, _ *passkey.RelyingParty) { c.Advance(passkey.RegistrationLifetime) }, wantErr: passkey.ErrChallengeNotFound},
		{name: "another client", finish: func(rp *passkey.RelyingParty, ch passkey.Challenge, resp []byte) (passkey.Credential, error) {
			return rp.FinishRegistration(ch, alice, nil, "client-b", resp)
		}, wantErr: passkey.ErrClientMismatch},
		{name: "another user", finish: func(rp *passkey.RelyingParty, ch passkey.Challenge, resp []byte) (passkey.Credential, error) {
			return rp.FinishRegistration(ch, passkey.User{Sub: "other-sub", Username: "bob"}, nil, clientID, resp)
		}, wantErr: passkey.ErrChallengeNotFound},
		{name: "pool RP ID changed since Start", setup: func(_ *fakeclock.Clock, rp *passkey.RelyingParty) { rp.ID = "example.com" }, wantErr: passkey.ErrChallengeNotFound},
		{name: "a sign-in challenge", finish: func(rp *passkey.RelyingParty, ch passkey.Challenge, resp []byte) (passkey.Credential, error) {
			ch.Ceremony = passkey.Get
			return rp.FinishRegistration(ch, alice, nil, clientID, resp)
		}, wantErr: passkey.ErrChallengeNotFound},
		{name: "not JSON", finish: func(rp *passkey.RelyingParty, ch passkey.Challenge, _ []byte) (passkey.Credential, error) {
			return rp.FinishRegistration(ch, alice, nil, clientID, []byte("nope"))
		}, wantErr: passkey.ErrCredentialInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fakeclock.New(t0)
			rp := localRP(c)
			if tc.uv != "" {
				rp.UserVerification = tc.uv
			}
			a := tc.auth
			if a == nil {
				a = &passkeytest.Authenticator{}
			}
			opts, ch, err := rp.BeginRegistration(alice, nil, clientID)
			if err != nil {
				t.Fatal(err)
			}
			optsJSON, _ := json.Marshal(opts)
			resp, _, err := a.Create(optsJSON, localOrigin, tc.mods...)
			if err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(c, rp)
			}
			finish := tc.finish
			if finish == nil {
				finish = func(rp *passkey.RelyingParty, ch passkey.Challenge, resp []byte) (passkey.Credential, error) {
					return rp.FinishRegistration(ch, alice, nil, clientID, resp)
				}
			}
			_, err = finish(rp, ch, resp)
			wantKind(t, err, tc.wantErr)
		})
	}
}

func passkeyB64Decode(s string) ([]byte, error) {
	return jsonB64.DecodeString(s)
}

func TestRegistrationLimits(t *testing.T) {
	c := fakeclock.New(t0)
	rp := localRP(c)
	a := &passkeytest.Authenticator{}
	var creds []passkey.Credential
	for range passkey.MaxCredentials {
		cred, err := register(t, rp, a, nil) // nil: the authenticator would honour excludeCredentials
		if err != nil {
			t.Fatal(err)
		}
		if creds, err = passkey.AddCredential(creds, cred); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Second)
	}
	if _, _, err := rp.BeginRegistration(alice, creds, clientID); !errors.Is(err, passkey.ErrTooMany) {
		t.Errorf("Begin with %d passkeys: %v", len(creds), err)
	}
	// A registration started at 19 and finished at 20 is refused too.
	// (A second authenticator: the first honours excludeCredentials.)
	opts, ch, _ := rp.BeginRegistration(alice, creds[:19], clientID)
	optsJSON, _ := json.Marshal(opts)
	resp, _, err := (&passkeytest.Authenticator{}).Create(optsJSON, localOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rp.FinishRegistration(ch, alice, creds, clientID, resp); !errors.Is(err, passkey.ErrTooMany) {
		t.Errorf("Finish with %d passkeys: %v", len(creds), err)
	}
	extra, err := rp.FinishRegistration(ch, alice, creds[:19], clientID, resp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := passkey.AddCredential(creds, extra); !errors.Is(err, passkey.ErrTooMany) {
		t.Errorf("AddCredential over the cap: %v", err)
	}
	if _, err := passkey.AddCredential(creds[:5], creds[2]); !errors.Is(err, passkey.ErrAlreadyRegistered) {
		t.Errorf("AddCredential of a known ID: %v", err)
	}
	// Finish refuses an ID the user has: excludeCredentials ignored by a client.
	opts, ch, _ = rp.BeginRegistration(alice, nil, clientID)
	optsJSON, _ = json.Marshal(opts)
	resp, _, _ = a.Create(optsJSON, localOrigin)
	var dup struct{ RawID string }
	json.Unmarshal(resp, &dup)
	id, _ := jsonB64.DecodeString(dup.RawID)
	if _, err := rp.FinishRegistration(ch, alice, []passkey.Credential{{ID: id}}, clientID, resp); !errors.Is(err, passkey.ErrAlreadyRegistered) {
		t.Errorf("duplicate ID: %v", err)
	}
	// The authenticator honours excludeCredentials like a browser.
	opts, _, _ = rp.BeginRegistration(alice, []passkey.Credential{{ID: id}}, clientID)
	optsJSON, _ = json.Marshal(opts)
	if _, _, err := a.Create(optsJSON, localOrigin); err == nil || !strings.Contains(err.Error(), "InvalidStateError") {
		t.Errorf("excluded credential created: %v", err)
	}
}

func TestChallengeIsSingleUse(t *testing.T) {
	c := fakeclock.New(t0)
	rp := localRP(c)
	_, stored, _ := rp.BeginRegistration(alice, nil, clientID)
	taken, err := stored.Take(c.Now())
	if err != nil || len(taken.Value) != passkey.ChallengeLen {
		t.Fatalf("first Take: %v", err)
	}
	if _, err := stored.Take(c.Now()); !errors.Is(err, passkey.ErrChallengeNotFound) {
		t.Errorf("second Take of a registration: %v", err)
	}
	_, stored, _ = rp.BeginAssertion(alice, []passkey.Credential{{ID: []byte{1}}}, false)
	if _, err := stored.Take(c.Now().Add(passkey.AssertionLifetime)); !errors.Is(err, passkey.ErrChallengeSpent) {
		t.Errorf("Take of an expired sign-in challenge: %v", err)
	}
	if _, err := stored.Take(c.Now()); !errors.Is(err, passkey.ErrChallengeSpent) {
		t.Errorf("Take after a failed Take: %v", err)
	}
	var zero passkey.Challenge
	if _, err := zero.Take(c.Now()); err == nil {
		t.Error("Take of the zero Challenge succeeded")
	}
}
