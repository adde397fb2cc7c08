package federation_test

import (
	"crypto/rand"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/federation"
)

// TestStates: a sealed flow opens only unaltered, under the same master
// key, before it expires.
func TestStates(t *testing.T) {
	now := fixed
	st, err := federation.NewStates(master, func() time.Time { return now }, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := federation.Flow{ID: "x", PoolID: "p", Provider: "Google", Authorize: url.Values{"client_id": {"c"}}, Expires: now.Add(federation.FlowTTL).Unix()}
	sealed, err := st.Seal(f)
	if err != nil {
		t.Fatal(err)
	}
	back, err := st.Open(sealed)
	if err != nil || back.Provider != "Google" || back.Authorize.Get("client_id") != "c" {
		t.Fatal(back, err)
	}
	other, _ := federation.NewStates([]byte(strings.Repeat("k", 32)), func() time.Time { return now }, rand.Reader)
	tampered := []byte(sealed)
	tampered[len(tampered)/2] ^= 1
	for name, s := range map[string]string{"tampered": string(tampered), "empty": "", "junk": "%%%", "huge": strings.Repeat("A", 20000)} {
		if _, err := st.Open(s); err == nil {
			t.Errorf("%s opened", name)
		}
	}
	if _, err := other.Open(sealed); err == nil {
		t.Error("opened under another master key")
	}
	now = now.Add(federation.FlowTTL)
	if _, err := st.Open(sealed); err == nil {
		t.Error("an expired flow opened")
	}
}

func TestMemoryReplayCache(t *testing.T) {
	now := fixed
	c := &federation.MemoryReplayCache{Now: func() time.Time { return now }}
	if err := c.Consume(ctx, "a", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := c.Consume(ctx, "a", now.Add(time.Minute)); !errors.Is(err, federation.ErrReplayed) {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if err := c.Consume(ctx, "a", now.Add(time.Minute)); err != nil {
		t.Fatal("an expired key is forgotten:", err)
	}
}
