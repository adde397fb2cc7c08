package userpool

import (
	"errors"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

func TestCountSignInCode(t *testing.T) {
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	u := storage.User{Secrets: storage.UserSecrets{Codes: []storage.Code{{Purpose: CodeSignUp, Value: "123456", ExpiresAt: t0.Add(24 * time.Hour)}}}}
	for i := 1; i <= MaxSignInCodes; i++ {
		if err := countSignInCode(&u, t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatalf("code %d: %v", i, err)
		}
	}
	if err := countSignInCode(&u, t0.Add(time.Minute)); !errors.Is(err, ErrTooManyRequests) {
		t.Fatalf("code %d: %v, want TooManyRequests", MaxSignInCodes+1, err)
	}
	// The window starts with its first code; after it, counting starts over.
	if err := countSignInCode(&u, t0.Add(CodeWindow+time.Second)); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if len(u.Secrets.Codes) != 2 || u.Secrets.Codes[0].Purpose != CodeSignUp || u.Secrets.Codes[1].Issued != 1 || u.Secrets.Codes[1].Value != "" {
		t.Fatalf("codes %+v: the sign-up code kept, one counter without a value", u.Secrets.Codes)
	}
}
