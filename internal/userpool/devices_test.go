package userpool_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/password"
	"github.com/userpoold/userpoold/internal/seal"
	"github.com/userpoold/userpoold/internal/storage"
	sqlstore "github.com/userpoold/userpoold/internal/storage/sql"
	"github.com/userpoold/userpoold/internal/userpool"
)

func TestNewDevicePrunesUnconfirmed(t *testing.T) {
	ctx := context.Background()
	box, _ := seal.New(bytes.Repeat([]byte{1}, seal.KeySize), "storage", nil)
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "db"), box, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	svc := &userpool.Service{Pools: db, Clients: db, Users: db, Groups: db, Devices: db, Events: db, Hashing: password.FastParams, Region: "us-east-1", Now: func() time.Time { return now }}
	pool := storage.Pool{ID: "us-east-1_Prune1234", Name: "p", CreatedAt: now, UpdatedAt: now}
	if err := db.CreatePool(ctx, pool); err != nil {
		t.Fatal(err)
	}
	u := storage.User{PoolID: pool.ID, Username: "u", UsernameKey: "u", Sub: "0b6c1e2a-1d1f-4f3c-9a44-0d7a2c1f5e11", Status: "CONFIRMED", Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	p := &userpool.Pool{Pool: pool, Settings: &userpool.Settings{}}

	// A confirmed device is never pruned.
	confirmed, err := svc.NewDevice(ctx, p, u, "")
	if err != nil {
		t.Fatal(err)
	}
	db.UpdateDevice(ctx, pool.ID, confirmed.Key, func(d *storage.Device) error { d.Confirmed = true; return nil })

	// Fifteen sign-ins that never confirm their device, one minute apart.
	var last storage.Device
	for range 15 {
		now = now.Add(time.Minute)
		if last, err = svc.NewDevice(ctx, p, u, ""); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (confirmedN, pending int) {
		devices, _, err := db.ListDevices(ctx, pool.ID, u.UsernameKey, storage.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range devices {
			if d.Confirmed {
				confirmedN++
			} else {
				pending++
			}
		}
		return
	}
	if c, n := count(); c != 1 || n != 10 {
		t.Errorf("after 15 sign-ins: %d confirmed, %d unconfirmed; want 1 and 10", c, n)
	}
	// A day later only the newest unconfirmed device survives the next one.
	now = now.Add(25 * time.Hour)
	if _, err := svc.NewDevice(ctx, p, u, ""); err != nil {
		t.Fatal(err)
	}
	if c, n := count(); c != 1 || n != 1 {
		t.Errorf("a day later: %d confirmed, %d unconfirmed; want 1 and 1", c, n)
	}
	if _, err := db.GetDevice(ctx, pool.ID, last.Key); err == nil {
		t.Error("an expired unconfirmed device survived")
	}
}
