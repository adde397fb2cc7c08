package mfa_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/mfa"
)

// RFC 6238 Appendix B, SHA-1 rows, reduced to 6 digits (the last six of the
// 8-digit values: HOTP truncation takes the value modulo 10^digits).
func TestCodeRFC6238(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	} {
		if got := mfa.Code(secret, time.Unix(tc.unix, 0)); got != tc.want {
			t.Errorf("Code(T=%d) = %s, want %s", tc.unix, got, tc.want)
		}
	}
}

func TestSecretEncoding(t *testing.T) {
	s, err := mfa.NewSecret(bytes.NewReader(bytes.Repeat([]byte{0xA5}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	code := mfa.EncodeSecret(s)
	if len(code) != 52 || strings.ContainsAny(code, "=abcdefghijklmnopqrstuvwxyz01") {
		t.Errorf("SecretCode %q: want 52 chars of unpadded upper-case base32", code)
	}
	for _, in := range []string{code, strings.ToLower(code), code + "====", " " + code[:4] + " " + code[4:] + " "} {
		b, err := mfa.DecodeSecret(in)
		if err != nil || !bytes.Equal(b, s) {
			t.Errorf("DecodeSecret(%q) = %x, %v", in, b, err)
		}
	}
	if _, err := mfa.NewSecret(bytes.NewReader(make([]byte, 5))); err == nil {
		t.Error("NewSecret with a short reader succeeded")
	}
}

func TestURI(t *testing.T) {
	secret := []byte("12345678901234567890")
	u, err := mfa.URI("Example", "alice", secret)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "otpauth://totp/Example:alice?") || !strings.Contains(u, "secret="+mfa.EncodeSecret(secret)) {
		t.Errorf("URI = %s", u)
	}
}

func TestMatchTOTPWindowAndReplay(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1_700_000_015, 0) // mid-step
	cur := mfa.Step(now)
	at := func(d int64) string { return mfa.CodeAt(secret, cur+d) }

	for _, tc := range []struct {
		name     string
		code     string
		last     int64
		wantStep int64
		wantErr  error
	}{
		{"current step", at(0), 0, cur, nil},
		{"previous step (skew -1)", at(-1), 0, cur - 1, nil},
		{"next step (skew +1)", at(1), 0, cur + 1, nil},
		{"two steps back", at(-2), 0, 0, mfa.ErrMismatch},
		{"two steps ahead", at(2), 0, 0, mfa.ErrMismatch},
		{"garbage", "12345", 0, 0, mfa.ErrMismatch},
		{"letters", "abcdef", 0, 0, mfa.ErrMismatch},
		{"same step again", at(0), cur, 0, mfa.ErrReplay},
		{"earlier step after a later one", at(-1), cur, 0, mfa.ErrReplay},
		{"later step after an earlier one", at(1), cur, cur + 1, nil},
		{"current after previous", at(0), cur - 1, cur, nil},
	} {
		step, err := mfa.MatchTOTP(secret, tc.code, now, tc.last)
		if !errors.Is(err, tc.wantErr) || (err == nil && step != tc.wantStep) {
			t.Errorf("%s: MatchTOTP = %d, %v; want %d, %v", tc.name, step, err, tc.wantStep, tc.wantErr)
		}
	}
	if _, err := mfa.MatchTOTP(nil, at(0), now, 0); !errors.Is(err, mfa.ErrMismatch) {
		t.Errorf("empty secret: %v", err)
	}
}

func TestNewCode(t *testing.T) {
	seen := map[byte]int{}
	for range 200 {
		c, err := mfa.NewCode(rand.Reader)
		if err != nil || len(c) != 6 || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("NewCode = %q, %v", c, err)
		}
		for i := range c {
			seen[c[i]]++
		}
	}
	if len(seen) != 10 {
		t.Errorf("digits seen: %v", seen)
	}
	// Bytes >= 250 are skipped.
	c, _ := mfa.NewCode(bytes.NewReader([]byte{255, 250, 1, 2, 3, 4, 5, 249}))
	if c != "123459" {
		t.Errorf("NewCode with rejections = %q", c)
	}
	if _, err := mfa.NewCode(bytes.NewReader([]byte{1, 2})); err == nil {
		t.Error("short reader")
	}
	if !mfa.CheckCode("123456", "123456") || mfa.CheckCode("123456", "123457") || mfa.CheckCode("", "") {
		t.Error("CheckCode")
	}
}
