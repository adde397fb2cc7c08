package userpool

import (
	"encoding/json"
	"testing"

	"github.com/userpoold/userpoold/internal/storage"
)

func TestDecodedCacheFollowsConfig(t *testing.T) {
	var c decodedCache
	p := storage.Pool{ID: "us-east-1_A", Config: json.RawMessage(`{"MfaConfiguration":"OFF"}`)}
	s1, err := c.pool(p)
	if err != nil || s1.MFAMode() != "OFF" {
		t.Fatalf("first load: %v %v", s1, err)
	}
	s2, _ := c.pool(p)
	if s1 != s2 {
		t.Error("same configuration decoded twice")
	}
	p.Config = json.RawMessage(`{"MfaConfiguration":"ON"}`)
	s3, _ := c.pool(p)
	if s3.MFAMode() != "ON" {
		t.Errorf("changed configuration served stale settings: %q", s3.MFAMode())
	}
	cl := storage.Client{ID: "c1", Config: json.RawMessage(`{"AuthSessionValidity":5}`)}
	cs, err := c.client(cl)
	if err != nil || *cs.AuthSessionValidity != 5 {
		t.Fatalf("client: %v %v", cs, err)
	}
	cl.Config = json.RawMessage(`{"AuthSessionValidity":7}`)
	if cs, _ := c.client(cl); *cs.AuthSessionValidity != 7 {
		t.Errorf("changed client configuration served stale settings")
	}
	if _, err := c.pool(storage.Pool{ID: "x", Config: json.RawMessage(`{`)}); err == nil {
		t.Error("bad document accepted")
	}
}
