package userpool_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/seal"
	"github.com/userpoold/userpoold/internal/storage"
	sqlstore "github.com/userpoold/userpoold/internal/storage/sql"
	"github.com/userpoold/userpoold/internal/userpool"
)

// keyMaker makes fake signing keys for new pools, or fails.
type keyMaker struct {
	err error
	// duplicate gives both keys one KID, which the store refuses.
	duplicate bool
}

func (k keyMaker) NewKeys(poolID string) ([]storage.SigningKey, error) {
	if k.err != nil {
		return nil, k.err
	}
	id := storage.SigningKey{PoolID: poolID, KID: "id-" + poolID, Use: "id", PrivateKey: []byte("id key")}
	access := storage.SigningKey{PoolID: poolID, KID: "access-" + poolID, Use: "access", PrivateKey: []byte("access key")}
	if k.duplicate {
		access.KID = id.KID
	}
	return []storage.SigningKey{id, access}, nil
}

func newPoolService(t *testing.T, keys userpool.Keys) (*userpool.Service, storage.Store) {
	t.Helper()
	box, _ := seal.New(bytes.Repeat([]byte{1}, seal.KeySize), "storage", nil)
	db, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "db"), box, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := fakeclock.New(time.Date(2030, 9, 3, 8, 7, 5, 0, time.UTC))
	return &userpool.Service{Pools: db, Clients: db, Users: db, Groups: db, Devices: db, Events: db, Keys: keys, Region: "us-east-1", Account: "000000000000", Now: clock.Now}, db
}

func poolCount(t *testing.T, db storage.Store) int {
	t.Helper()
	pools, _, err := db.ListPools(context.Background(), storage.Page{Limit: 60})
	if err != nil {
		t.Fatal(err)
	}
	return len(pools)
}

// TestCreatePoolIsAtomic: a pool and its signing keys are created together
// or not at all.
func TestCreatePoolIsAtomic(t *testing.T) {
	ctx := context.Background()
	svc, db := newPoolService(t, keyMaker{})
	p, err := svc.CreatePool(ctx, userpool.PoolInput{Name: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	if keys, err := db.ListSigningKeys(ctx, p.ID); err != nil || len(keys) != 2 {
		t.Fatalf("a new pool has %d keys (%v), want 2", len(keys), err)
	}

	for name, keys := range map[string]keyMaker{
		"key generation fails":    {err: errors.New("no entropy")},
		"the store refuses a key": {duplicate: true},
	} {
		svc, db := newPoolService(t, keys)
		if _, err := svc.CreatePool(ctx, userpool.PoolInput{Name: "doomed"}); err == nil {
			t.Fatalf("%s: CreatePool succeeded", name)
		}
		if n := poolCount(t, db); n != 0 {
			t.Errorf("%s: %d pools left behind", name, n)
		}
	}
}

func TestCreatePoolDefaultsAndRules(t *testing.T) {
	ctx := context.Background()
	svc, _ := newPoolService(t, keyMaker{})
	p, err := svc.CreatePool(ctx, userpool.PoolInput{Name: "defaults"})
	if err != nil {
		t.Fatal(err)
	}
	st := p.Settings
	if st.MFAMode() != mfa.ModeOff || st.Tier() != userpool.TierEssentials || str(st.DeletionProtection) != "INACTIVE" ||
		*st.Policies.PasswordPolicy.MinimumLength != 8 || st.Attribute("email") == nil || p.CreatedAt.IsZero() {
		t.Errorf("defaults: %+v", st)
	}

	on := mfa.ModeOn
	for _, tc := range []struct {
		name string
		in   userpool.Settings
		kind fault.Kind
	}{
		{"alias and username attributes", userpool.Settings{AliasAttributes: []string{"email"}, UsernameAttributes: []string{"email"}}, fault.InvalidParameter},
		{"MFA on without a factor", userpool.Settings{MfaConfiguration: &on}, fault.InvalidParameter},
		{"threat protection below PLUS", userpool.Settings{UserPoolAddOns: &userpool.UserPoolAddOns{AdvancedSecurityMode: ptr("AUDIT")}}, fault.FeatureUnavailableInTier},
	} {
		if _, err := svc.CreatePool(ctx, userpool.PoolInput{Name: "bad", Settings: tc.in}); fault.KindOf(err) != tc.kind {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.kind)
		}
	}
}

func TestUpdatePoolResetsOmittedSettings(t *testing.T) {
	ctx := context.Background()
	svc, _ := newPoolService(t, keyMaker{})
	p, err := svc.CreatePool(ctx, userpool.PoolInput{Name: "p", Settings: userpool.Settings{
		AliasAttributes:        []string{"email"},
		AutoVerifiedAttributes: []string{"email"},
		DeletionProtection:     ptr("ACTIVE"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetMFAConfig(ctx, p.ID, userpool.MFAConfig{
		MfaConfiguration: ptr(mfa.ModeOptional), SoftwareTokenMfaConfiguration: &userpool.SoftwareTokenMfaConfig{Enabled: ptr(true)},
	}); err != nil {
		t.Fatal(err)
	}
	if err := svc.UpdatePool(ctx, p.ID, userpool.PoolUpdate{Name: ptr("renamed"), Settings: userpool.Settings{MfaConfiguration: ptr(mfa.ModeOptional)}}); err != nil {
		t.Fatal(err)
	}
	p, err = svc.LoadPool(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	st := p.Settings
	switch {
	case p.Name != "renamed":
		t.Errorf("name %q", p.Name)
	case len(st.AutoVerifiedAttributes) != 0 || str(st.DeletionProtection) != "INACTIVE":
		t.Errorf("omitted settings kept: %v %v", st.AutoVerifiedAttributes, str(st.DeletionProtection))
	case len(st.AliasAttributes) != 1:
		t.Errorf("alias attributes changed: %v", st.AliasAttributes)
	case !st.TOTPEnabled():
		t.Errorf("the MFA factors are SetMFAConfig's, UpdatePool kept them: %+v", st.SoftwareTokenMfaConfiguration)
	}
	if err := svc.DeletePool(ctx, "us-east-1_Nope12345"); fault.KindOf(err) != fault.ResourceNotFound {
		t.Errorf("DeletePool of a missing pool: %v", err)
	}
}

func TestCreateClientRules(t *testing.T) {
	ctx := context.Background()
	svc, _ := newPoolService(t, keyMaker{})
	p, err := svc.CreatePool(ctx, userpool.PoolInput{Name: "p"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateClient(ctx, p.ID, userpool.ClientInput{Name: "app", GenerateSecret: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ID) != 26 || len(c.Secret) != 51 || c.Settings.SessionValidity() != 3*time.Minute || c.Settings.RefreshTTL() != 30*24*time.Hour {
		t.Errorf("client %+v, settings %+v", c.Client, c.Settings)
	}
	for _, tc := range []struct {
		name string
		in   userpool.ClientInput
	}{
		{"access token under 5 minutes", userpool.ClientInput{Settings: userpool.ClientSettings{
			AccessTokenValidity: ptr(int32(4)), TokenValidityUnits: &userpool.TokenValidityUnits{AccessToken: ptr("minutes")}}}},
		{"legacy and ALLOW_ flows", userpool.ClientInput{Settings: userpool.ClientSettings{
			ExplicitAuthFlows: []userpool.ExplicitAuthFlow{userpool.LegacyUserPasswordAuth, userpool.AllowUserSRPAuth}}}},
		{"an unknown read attribute", userpool.ClientInput{Settings: userpool.ClientSettings{ReadAttributes: []string{"custom:nope"}}}},
		{"propagating context data without a secret", userpool.ClientInput{Settings: userpool.ClientSettings{EnablePropagateAdditionalUserContextData: ptr(true)}}},
	} {
		if _, err := svc.CreateClient(ctx, p.ID, tc.in); fault.KindOf(err) != fault.InvalidParameter {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
