package passkey_test

import (
	"testing"

	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/passkey"
	"github.com/userpoold/userpoold/internal/passkey/passkeytest"
)

// BenchmarkFinishAssertion measures the server's cost of one passkey
// sign-in answer (parse, checks, one ES256 verification), for the
// passkey-versus-password throughput target of issue 10.
func BenchmarkFinishAssertion(b *testing.B) {
	c := fakeclock.New(t0)
	rp := localRP(c)
	a := &passkeytest.Authenticator{}
	cred, err := register(b, rp, a, nil)
	if err != nil {
		b.Fatal(err)
	}
	creds := []passkey.Credential{cred}
	opts, stored, _ := rp.BeginAssertion(alice, creds, false)
	resp, err := a.Get([]byte(opts.String()), localOrigin)
	if err != nil {
		b.Fatal(err)
	}
	ch, _ := stored.Take(c.Now())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rp.FinishAssertion(ch, alice, creds, resp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBeginAssertion measures building CREDENTIAL_REQUEST_OPTIONS.
func BenchmarkBeginAssertion(b *testing.B) {
	c := fakeclock.New(t0)
	rp := localRP(c)
	creds := []passkey.Credential{{ID: make([]byte, 32), Transports: []string{"internal"}}}
	b.ReportAllocs()
	for b.Loop() {
		opts, _, err := rp.BeginAssertion(alice, creds, false)
		if err != nil {
			b.Fatal(err)
		}
		_ = opts.String()
	}
}
