package passkey_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/passkey"
	"github.com/userpoold/userpoold/internal/passkey/passkeytest"
)

var jsonB64 = base64.RawURLEncoding

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signIn runs one WEB_AUTHN round against rp: options, the
// authenticator's answer, Take, FinishAssertion. It returns the answer too.
func signIn(t *testing.T, rp *passkey.RelyingParty, a *passkeytest.Authenticator, creds []passkey.Credential, requireUV bool, mods ...passkeytest.Mod) (passkey.Assertion, []byte, error) {
	t.Helper()
	opts, stored, err := rp.BeginAssertion(alice, creds, requireUV)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Get([]byte(opts.String()), localOrigin, mods...)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := stored.Take(rp.Now())
	if err != nil {
		t.Fatal(err)
	}
	got, err := rp.FinishAssertion(ch, alice, creds, resp)
	return got, resp, err
}

func TestSignInTwiceWithCounter(t *testing.T) {
	c := fakeclock.New(t0)
	rp := localRP(c)
	a := &passkeytest.Authenticator{}
	cred, err := register(t, rp, a, nil)
	if err != nil {
		t.Fatal(err)
	}
	creds := []passkey.Credential{cred}
	for i := uint32(1); i <= 2; i++ {
		c.Advance(time.Minute)
		got, _, err := signIn(t, rp, a, creds, false)
		if err != nil {
			t.Fatalf("sign-in %d: %v", i, err)
		}
		if got.SignCount != i || !got.UserVerified || !bytes.Equal(got.CredentialID, cred.ID) || !got.At.Equal(c.Now()) {
			t.Fatalf("assertion %d: %+v", i, got)
		}
		if creds[0], err = creds[0].Apply(got); err != nil {
			t.Fatal(err)
		}
		if creds[0].SignCount != i || !creds[0].LastUsedAt.Equal(c.Now()) {
			t.Fatalf("stored after %d: %+v", i, creds[0])
		}
		// Applying the same assertion again (a concurrent twin) fails.
		if _, err := creds[0].Apply(got); !errors.Is(err, passkey.ErrAssertionFailed) {
			t.Fatalf("second Apply: %v", err)
		}
	}
}

func TestReplayedAssertionIsRefused(t *testing.T) {
	c := fakeclock.New(t0)
	rp := localRP(c)
	a := &passkeytest.Authenticator{}
	cred, _ := register(t, rp, a, nil)
	creds := []passkey.Credential{cred}
	opts, stored, _ := rp.BeginAssertion(alice, creds, false)
	resp, _ := a.Get([]byte(opts.String()), localOrigin)
	ch, _ := stored.Take(c.Now())
	got, err := rp.FinishAssertion(ch, alice, creds, resp)
	if err != nil {
		t.Fatal(err)
	}
	creds[0], _ = creds[0].Apply(got)
	// The session's copy is spent: the same answer cannot be taken again.
	if _, err := stored.Take(c.Now()); !errors.Is(err, passkey.ErrChallengeSpent) {
		t.Errorf("replay through the session: %v", err)
	}
	// Even with the old challenge in hand, the counter has moved on.
	if _, err := rp.FinishAssertion(ch, alice, creds, resp); !errors.Is(err, passkey.ErrAssertionFailed) {
		t.Errorf("replay with the counter: %v", err)
	}
	// And the answer is bound to its challenge: a new session refuses it.
	_, fresh, _ := rp.BeginAssertion(alice, creds, false)
	ch2, _ := fresh.Take(c.Now())
	if _, err := rp.FinishAssertion(ch2, alice, creds, resp); !errors.Is(err, passkey.ErrAssertionFailed) {
		t.Errorf("replay into a new session: %v", err)
	}
}

func TestSyncedPasskeyWithoutCounter(t *testing.T) {
	c := fakeclock.New(t0)
	rp := localRP(c)
	a := &passkeytest.Authenticator{ZeroCounter: true, BackupEligible: true}
	cred, _ := register(t, rp, a, nil)
	creds := []passkey.Credential{cred}
	for range 2 {
		got, _, err := signIn(t, rp, a, creds, false)
		if err != nil {
			t.Fatal(err)
		}
		if creds[0], err = creds[0].Apply(got); err != nil || creds[0].SignCount != 0 || !creds[0].BackupState {
			t.Fatalf("apply: %+v %v", creds[0], err)
		}
	}
}

func TestAssertionRefusals(t *testing.T) {
	for _, tc := range []struct {
		name      string
		auth      *passkeytest.Authenticator
		rpUV      passkey.UserVerification
		requireUV bool
		mods      []passkeytest.Mod
		edit      func(creds []passkey.Credential, ch *passkey.Challenge, resp *[]byte)
		wantErr   *fault.Error
	}{
		{name: "wrong origin", mods: []passkeytest.Mod{passkeytest.WithOrigin("https://localhost.evil.example")}, wantErr: passkey.ErrAssertionFailed},
		{name: "rpIdHash of another RP", mods: []passkeytest.Mod{passkeytest.WithRPID("example.com")}, wantErr: passkey.ErrAssertionFailed},
		{name: "another challenge", mods: []passkeytest.Mod{passkeytest.WithChallenge(jsonB64.EncodeToString(make([]byte, 16)))}, wantErr: passkey.ErrAssertionFailed},
		{name: "clientData type create", mods: []passkeytest.Mod{passkeytest.WithType("webauthn.create")}, wantErr: passkey.ErrAssertionFailed},
		{name: "no user presence", mods: []passkeytest.Mod{passkeytest.WithFlags(passkeytest.FlagUV)}, wantErr: passkey.ErrAssertionFailed},
		{name: "pool requires UV, none", auth: &passkeytest.Authenticator{NoUserVerification: true}, rpUV: passkey.UVRequired, wantErr: passkey.ErrAssertionFailed},
		{name: "passkey MFA requires UV, none", auth: &passkeytest.Authenticator{NoUserVerification: true}, requireUV: true, wantErr: passkey.ErrAssertionFailed},
		{name: "counter rolled back", mods: []passkeytest.Mod{passkeytest.WithCounter(0)}, edit: func(creds []passkey.Credential, _ *passkey.Challenge, _ *[]byte) {
			creds[0].SignCount = 5
		}, wantErr: passkey.ErrAssertionFailed},
		{name: "user handle of another user", mods: []passkeytest.Mod{passkeytest.WithUserHandle([]byte("other-sub"))}, wantErr: passkey.ErrAssertionFailed},
		{name: "backup eligibility changed", mods: []passkeytest.Mod{passkeytest.WithFlags(passkeytest.FlagUP | passkeytest.FlagUV | passkeytest.FlagBE)}, wantErr: passkey.ErrAssertionFailed},
		{name: "corrupt signature", mods: []passkeytest.Mod{passkeytest.WithTamper(func(m map[string]any) {
			r := m["response"].(map[string]any)
			sig, _ := jsonB64.DecodeString(r["signature"].(string))
			sig[len(sig)-1] ^= 0x01
			r["signature"] = jsonB64.EncodeToString(sig)
		})}, wantErr: passkey.ErrAssertionFailed},
		{name: "credential of another user", edit: func(creds []passkey.Credential, _ *passkey.Challenge, _ *[]byte) {
			creds[0].ID = []byte("not this one")
		}, wantErr: passkey.ErrAssertionFailed},
		{name: "stored key is another key", edit: func(creds []passkey.Credential, _ *passkey.Challenge, _ *[]byte) {
			k, _ := passkeytest.COSEKey(mustKey(t).Public())
			creds[0].PublicKey = k
		}, wantErr: passkey.ErrAssertionFailed},
		{name: "expired challenge", edit: func(_ []passkey.Credential, ch *passkey.Challenge, _ *[]byte) {
			ch.Expires = t0
		}, wantErr: passkey.ErrChallengeSpent},
		{name: "registration challenge", edit: func(_ []passkey.Credential, ch *passkey.Challenge, _ *[]byte) {
			ch.Ceremony = passkey.Create
		}, wantErr: passkey.ErrChallengeSpent},
		{name: "not JSON", edit: func(_ []passkey.Credential, _ *passkey.Challenge, resp *[]byte) {
			*resp = []byte("{not json")
		}, wantErr: passkey.ErrAssertionNotJSON},
		{name: "JSON but no credential", edit: func(_ []passkey.Credential, _ *passkey.Challenge, resp *[]byte) {
			*resp = []byte(`{"id":"x"}`)
		}, wantErr: passkey.ErrAssertionFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fakeclock.New(t0)
			rp := localRP(c)
			a := tc.auth
			if a == nil {
				a = &passkeytest.Authenticator{}
			}
			cred, err := register(t, rp, a, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.rpUV != "" {
				rp.UserVerification = tc.rpUV
			}
			creds := []passkey.Credential{cred}
			opts, stored, _ := rp.BeginAssertion(alice, creds, tc.requireUV)
			resp, err := a.Get([]byte(opts.String()), localOrigin, tc.mods...)
			if err != nil {
				t.Fatal(err)
			}
			ch, _ := stored.Take(c.Now())
			if tc.edit != nil {
				tc.edit(creds, &ch, &resp)
			}
			_, err = rp.FinishAssertion(ch, alice, creds, resp)
			wantKind(t, err, tc.wantErr)
		})
	}
}

// TestW3CVectors verifies the W3C WebAuthn Level 3 §16.2 (none) and §16.3
// (packed self attestation) test vectors through this package: data no
// code of ours produced. The vectors' clientDataJSON carry extra members
// and their RP is example.org.
func TestW3CVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/w3c-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Vectors map[string]struct {
			Registration struct {
				AttestationObject, ClientDataJSON, CredentialID, Challenge string
			}
			Authentication struct {
				AuthenticatorData, ClientDataJSON, Signature, Challenge string
			}
		}
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	unhex := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for name, v := range f.Vectors {
		t.Run(name, func(t *testing.T) {
			c := fakeclock.New(t0)
			rp := &passkey.RelyingParty{ID: "example.org", UserVerification: passkey.UVPreferred, Now: c.Now}
			// The vectors have no user handle; any user will do.
			user := passkey.User{Sub: "w3c", Username: "w3c"}
			attObj := unhex(v.Registration.AttestationObject)
			var obj struct {
				AuthData []byte `cbor:"authData"`
			}
			if err := cbor.Unmarshal(attObj, &obj); err != nil {
				t.Fatal(err)
			}
			id := jsonB64.EncodeToString(unhex(v.Registration.CredentialID))
			regJSON, _ := json.Marshal(map[string]any{
				"id": id, "rawId": id, "type": "public-key", "clientExtensionResults": map[string]any{},
				"response": map[string]any{
					"clientDataJSON":     jsonB64.EncodeToString(unhex(v.Registration.ClientDataJSON)),
					"attestationObject":  jsonB64.EncodeToString(attObj),
					"authenticatorData":  jsonB64.EncodeToString(obj.AuthData),
					"transports":         []string{},
					"publicKeyAlgorithm": -7,
				},
			})
			ch := passkey.Challenge{Ceremony: passkey.Create, Value: unhex(v.Registration.Challenge), UserHandle: user.Handle(),
				RPID: "example.org", UserVerification: passkey.UVPreferred, ClientID: clientID, Expires: t0.Add(time.Minute)}
			cred, err := rp.FinishRegistration(ch, user, nil, clientID, regJSON)
			if err != nil {
				t.Fatalf("registration: %v", err)
			}
			assertJSON, _ := json.Marshal(map[string]any{
				"id": id, "rawId": id, "type": "public-key", "clientExtensionResults": map[string]any{},
				"response": map[string]any{
					"clientDataJSON":    jsonB64.EncodeToString(unhex(v.Authentication.ClientDataJSON)),
					"authenticatorData": jsonB64.EncodeToString(unhex(v.Authentication.AuthenticatorData)),
					"signature":         jsonB64.EncodeToString(unhex(v.Authentication.Signature)),
				},
			})
			get := passkey.Challenge{Ceremony: passkey.Get, Value: unhex(v.Authentication.Challenge), UserHandle: user.Handle(),
				RPID: "example.org", UserVerification: passkey.UVPreferred, Expires: t0.Add(time.Minute)}
			if _, err := rp.FinishAssertion(get, user, []passkey.Credential{cred}, assertJSON); err != nil {
				t.Fatalf("assertion: %v", err)
			}
			// A different challenge must fail: the check is real.
			get.Value = bytes.Repeat([]byte{1}, len(get.Value))
			if _, err := rp.FinishAssertion(get, user, []passkey.Credential{cred}, assertJSON); !errors.Is(err, passkey.ErrAssertionFailed) {
				t.Fatalf("assertion for another challenge: %v", err)
			}
		})
	}
}
