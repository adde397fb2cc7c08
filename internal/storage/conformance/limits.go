package conformance

import (
	"maps"
	"testing"

	"github.com/userpoold/userpoold/internal/storage"
)

func testProvisionedLimits(t *testing.T, s storage.Store) {
	ctx := t.Context()
	got, err := s.ProvisionedLimits(ctx)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("a new store has provisioned limits: %v", got)
	}
	must(t, s.SetProvisionedLimit(ctx, "UserAuthentication", 240))
	must(t, s.SetProvisionedLimit(ctx, "UserCreation", 100))
	must(t, s.SetProvisionedLimit(ctx, "UserAuthentication", 360)) // replaces
	got, err = s.ProvisionedLimits(ctx)
	must(t, err)
	if want := map[string]int{"UserAuthentication": 360, "UserCreation": 100}; !maps.Equal(got, want) {
		t.Errorf("ProvisionedLimits = %v, want %v", got, want)
	}
}
