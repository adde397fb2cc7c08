package authflow

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/srp"
)

// FuzzSecretBlock feeds the SECRET_BLOCK decoders arbitrary bytes:
// unmarshalBlock never panics and what it accepts marshals back to a block
// it decodes to the same value; openBlock accepts only what sealBlock made
// for the same pool and client (a flipped byte, another pool or client is
// refused). Seed corpus: testdata/fuzz/FuzzSecretBlock.
func FuzzSecretBlock(f *testing.F) {
	good := secretBlock{expires: time.UnixMilli(1764849600000), decoy: true, username: "alice", deviceKey: "us-east-1_d",
		a: bytes.Repeat([]byte{7}, srp.Size), state: []byte("state")}
	f.Add(good.marshal(), "alice", 0)
	f.Add([]byte{blockVersion, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "", 3)
	f.Add([]byte{}, "x", 1)
	s := &Service{Secret: bytes.Repeat([]byte{1}, 32)}
	f.Fuzz(func(t *testing.T, raw []byte, username string, flip int) {
		if b, err := unmarshalBlock(raw); err == nil {
			again, err := unmarshalBlock(b.marshal())
			if err != nil || !reflect.DeepEqual(normal(again), normal(b)) {
				t.Fatalf("%x decoded as %+v, re-encoded and decoded as %+v, %v", raw, b, again, err)
			}
		}
		if _, err := s.openBlock("us-east-1_P", "client", raw); err == nil {
			t.Fatalf("openBlock accepted bytes it did not seal: %x", raw)
		}
		if len(username) > 1<<15 {
			return
		}
		b := good
		b.username = username
		sealed, err := s.sealBlock("us-east-1_P", "client", b)
		if err != nil {
			t.Fatal(err)
		}
		rawSealed := mustB64(t, sealed)
		got, err := s.openBlock("us-east-1_P", "client", rawSealed)
		if err != nil || got.username != username {
			t.Fatalf("sealed block for %q did not open: %+v, %v", username, got, err)
		}
		if _, err := s.openBlock("us-east-1_P", "other", rawSealed); err == nil {
			t.Fatal("a block opened for another client")
		}
		if len(rawSealed) > 0 {
			i := ((flip % len(rawSealed)) + len(rawSealed)) % len(rawSealed)
			rawSealed[i] ^= 1
			if _, err := s.openBlock("us-east-1_P", "client", rawSealed); err == nil {
				t.Fatalf("a block with byte %d flipped opened", i)
			}
		}
	})
}

// normal makes nil and empty byte slices of a block compare equal.
func normal(b secretBlock) secretBlock {
	if len(b.state) == 0 {
		b.state = nil
	}
	return b
}

// FuzzSessionState decodes arbitrary JSON as a session's sealed state, as
// openSession does, and reads every step's extension from it: nothing
// panics, whatever a (compromised or buggy) store hands back. Seed corpus:
// testdata/fuzz/FuzzSessionState.
func FuzzSessionState(f *testing.F) {
	var st sessionState
	st.V, st.Challenge, st.Username, st.Flow = sessionVersion, ChallengeSelectChallenge, "alice", FlowUser
	st.setUserAuth(userAuthState{Available: []ChallengeName{ChallengePassword}, Decoy: true})
	st.setMFA(mfaState{Code: "123456"})
	seed, _ := json.Marshal(st)
	f.Add(seed)
	f.Add([]byte(`{"v":1,"x":{"uauth":[],"mfa":"x","risk":null,"dev":{"known":"yes"}}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var st sessionState
		if err := json.Unmarshal(raw, &st); err != nil {
			return
		}
		_ = st.userAuth()
		_ = st.mfa()
		_ = st.risk()
		_ = st.device()
		_ = st.done(stepPassword)
		st.pass(stepPassword)
		if !st.done(stepPassword) {
			t.Fatal("pass did not record the step")
		}
		if _, err := json.Marshal(st); err != nil {
			t.Fatalf("a decoded state does not encode again: %v", err)
		}
	})
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
