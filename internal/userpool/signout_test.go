package userpool

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/userpoold/userpoold/internal/storage"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestOriginJTI(t *testing.T) {
	jti, err := NewOriginJTI(epoch.Add(123*time.Millisecond), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.MustParse(jti)
	if id.Version() != 7 || id.Variant() != uuid.RFC4122 {
		t.Fatalf("%s: version %d variant %v", jti, id.Version(), id.Variant())
	}
	sec, nsec := id.Time().UnixTime()
	if got := time.Unix(sec, nsec).UTC(); !got.Equal(epoch.Add(123 * time.Millisecond)) {
		t.Fatalf("time %v", got)
	}
	u := storage.User{}
	if SignedOut(u, jti) {
		t.Error("signed out without a sign-out")
	}
	u.TokensRevokedAt = epoch.Add(124 * time.Millisecond)
	if !SignedOut(u, jti) || !SignedOut(u, uuid.NewString()) {
		t.Error("a family from before the sign-out (or without a time) survives it")
	}
	u.TokensRevokedAt = epoch.Add(123 * time.Millisecond)
	if SignedOut(u, jti) {
		t.Error("revokedAt is exclusive")
	}
}
