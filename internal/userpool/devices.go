package userpool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file holds the device rules of user pools (spec §7.5): devices are
// created unconfirmed by a sign-in that presented no known device key
// (NewDevice), confirmed with the client's SRP verifier (ConfirmDevice),
// remembered or not, and forgotten. Only confirmed devices are shown
// (UserDevice, ListUserDevices); an unconfirmed one is a key that was handed
// out and never used.

// Remembered statuses (DeviceRememberedStatusType).
const (
	DeviceRemembered    = "remembered"
	DeviceNotRemembered = "not_remembered"
)

// DeviceSDK is the dev:device_sdk attribute of every device (aws-cli
// list-devices example: "aws-sdk").
const DeviceSDK = "aws-sdk"

// Device faults.
var (
	// ErrDeviceNotFound answers a device key that is unknown, forgotten,
	// never confirmed or another user's, at sign-in and in the device
	// operations. Amplify v6 retries a sign-in without its device key only
	// on exactly this message; amazon-cognito-identity-js looks for "device"
	// in it (spec §7.5); aws-sdk-net#1055 shows it for UpdateDeviceStatus.
	ErrDeviceNotFound = fault.New(fault.ResourceNotFound, "Device does not exist.")
	// ErrInvalidDeviceKey answers ConfirmDevice for a key that is unknown or
	// another user's (boto3#4059, aws-aspnet-cognito-identity-provider#206,
	// amplify-js#2087 quote AWS).
	ErrInvalidDeviceKey = fault.New(fault.InvalidParameter, "Invalid device key given.")
	// ErrInvalidDeviceVerifier answers ConfirmDevice without a
	// DeviceSecretVerifierConfig, or with a Salt or PasswordVerifier that is
	// not base64 of a usable value. Type and wording UNCONFIRMED.
	ErrInvalidDeviceVerifier = fault.New(fault.InvalidParameter, "Invalid device secret verifier config given.")
	// ErrDeviceKeyExists answers ConfirmDevice for a device that is already
	// confirmed. The type is in ConfirmDevice's error list; when Cognito
	// raises it and its wording are UNCONFIRMED.
	ErrDeviceKeyExists = fault.New(fault.DeviceKeyExists, "Device key already exists.")
)

// deviceAttrLastIP is the stored attribute that holds the last address a
// device signed in from.
const deviceAttrLastIP = "last_ip_used"

// NewDevice creates an unconfirmed, not remembered device for u (the
// NewDeviceMetadata of a sign-in): key "<region>_<uuid>" with the pool's
// region, a new group key, created and last authenticated now (to the
// second, as Cognito shows DeviceLastAuthenticatedDate), last used from ip
// ("" when unknown).
func (s *Service) NewDevice(ctx context.Context, p *Pool, u storage.User, ip string) (storage.Device, error) {
	region, _, ok := strings.Cut(p.ID, "_")
	if !ok || region == "" {
		region = s.Region
	}
	now := s.now()
	d := storage.Device{
		PoolID: p.ID, UsernameKey: u.UsernameKey, Remembered: DeviceNotRemembered,
		CreatedAt: now, UpdatedAt: now, LastAuthenticatedAt: now.Truncate(time.Second),
	}
	if ip != "" {
		d.Attributes = []storage.Attribute{{Name: deviceAttrLastIP, Value: ip}}
	}
	var err error
	if d.GroupKey, err = NewDeviceGroupKey(s.rand()); err != nil {
		return storage.Device{}, err
	}
	for range 3 {
		if d.Key, err = NewDeviceKey(s.rand(), region); err != nil {
			return storage.Device{}, err
		}
		err = s.Devices.CreateDevice(ctx, d)
		if errors.Is(err, storage.ErrNotFound) {
			return storage.Device{}, ErrUserNotFound
		}
		if !errors.Is(err, storage.ErrExists) {
			break
		}
	}
	if err != nil {
		return storage.Device{}, fmt.Errorf("userpool: creating a device: %w", err)
	}
	s.pruneUnconfirmedDevices(ctx, p, u, d.Key)
	return d, nil
}

// Unconfirmed devices are issued at every sign-in that names no device; the
// ones a client never confirms are pruned when the next one is issued.
const (
	// unconfirmedDeviceTTL is how long an unconfirmed device can still be
	// confirmed.
	unconfirmedDeviceTTL = 24 * time.Hour
	// maxUnconfirmedDevices is how many unconfirmed devices a user keeps.
	maxUnconfirmedDevices = 10
)

// pruneUnconfirmedDevices deletes u's unconfirmed devices older than
// unconfirmedDeviceTTL, and the oldest beyond maxUnconfirmedDevices, except
// keep. Failures are logged: pruning is housekeeping, not part of sign-in.
func (s *Service) pruneUnconfirmedDevices(ctx context.Context, p *Pool, u storage.User, keep string) {
	var pending []storage.Device
	page := storage.Page{Limit: 100}
	for {
		devices, next, err := s.Devices.ListDevices(ctx, p.ID, u.UsernameKey, page)
		if err != nil {
			s.log().Warn("listing devices to prune", "pool", p.ID, "error", err.Error())
			return
		}
		for _, d := range devices {
			if !d.Confirmed && d.Key != keep {
				pending = append(pending, d)
			}
		}
		if next == "" {
			break
		}
		page.After = next
	}
	slices.SortFunc(pending, func(a, b storage.Device) int { return b.CreatedAt.Compare(a.CreatedAt) }) // newest first
	cutoff := s.now().Add(-unconfirmedDeviceTTL)
	for i, d := range pending {
		if i+1 < maxUnconfirmedDevices && d.CreatedAt.After(cutoff) {
			continue
		}
		if err := s.Devices.DeleteDevice(ctx, p.ID, d.Key); err != nil && !errors.Is(err, storage.ErrNotFound) {
			s.log().Warn("pruning an unconfirmed device", "pool", p.ID, "error", err.Error())
		}
	}
}

// ownDevice loads device key of u, or ErrDeviceNotFound.
func (s *Service) ownDevice(ctx context.Context, p *Pool, u storage.User, key string) (storage.Device, error) {
	d, err := s.Devices.GetDevice(ctx, p.ID, key)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && d.UsernameKey != u.UsernameKey) {
		return storage.Device{}, ErrDeviceNotFound
	}
	return d, err
}

// ConfirmDevice stores the SRP verifier of one of u's devices (base64 Salt
// and PasswordVerifier as ConfirmDevice's DeviceSecretVerifierConfig carries
// them; the store seals them) and its name, and reports whether the user
// must still choose to remember it (the pool's
// DeviceOnlyRememberedOnUserPrompt). Without that prompt the device is
// remembered at once. ip (the request's address) becomes last_ip_used only
// when the sign-in that created the device had none.
func (s *Service) ConfirmDevice(ctx context.Context, p *Pool, u storage.User, key, saltB64, verifierB64, name, ip string) (userConfirmationNecessary bool, err error) {
	d, err := s.ownDevice(ctx, p, u, key)
	if errors.Is(err, ErrDeviceNotFound) {
		return false, ErrInvalidDeviceKey
	}
	if err != nil {
		return false, err
	}
	if d.Confirmed {
		return false, ErrDeviceKeyExists
	}
	if saltB64 == "" || verifierB64 == "" {
		return false, ErrInvalidDeviceVerifier
	}
	salt, verifier, err := srp.ParseDeviceVerifier(saltB64, verifierB64)
	if err != nil {
		return false, ErrInvalidDeviceVerifier
	}
	prompt := p.Settings.DeviceOnlyRememberedOnUserPrompt()
	now := s.now()
	_, err = s.Devices.UpdateDevice(ctx, p.ID, key, func(d *storage.Device) error {
		if d.UsernameKey != u.UsernameKey {
			return ErrInvalidDeviceKey
		}
		if d.Confirmed {
			return ErrDeviceKeyExists
		}
		d.Confirmed = true
		d.Secrets = storage.DeviceSecrets{Salt: salt, Verifier: verifier}
		d.Name = name
		d.Remembered = DeviceRemembered
		if prompt {
			d.Remembered = DeviceNotRemembered
		}
		if _, known := GetAttribute(d.Attributes, deviceAttrLastIP); !known && ip != "" {
			d.Attributes = SetAttributes(d.Attributes, storage.Attribute{Name: deviceAttrLastIP, Value: ip})
		}
		d.UpdatedAt = now
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return false, ErrInvalidDeviceKey
	}
	if err != nil {
		return false, err
	}
	return prompt, nil
}

// UserDevice returns one of u's confirmed devices, or ErrDeviceNotFound.
func (s *Service) UserDevice(ctx context.Context, p *Pool, u storage.User, key string) (storage.Device, error) {
	d, err := s.ownDevice(ctx, p, u, key)
	if err != nil {
		return storage.Device{}, err
	}
	if !d.Confirmed {
		return storage.Device{}, ErrDeviceNotFound
	}
	return d, nil
}

// ListUserDevices returns one page of u's confirmed devices in key order:
// at most limit (1–60; 0 means 60) and the token of the next page ("" on
// the last one).
func (s *Service) ListUserDevices(ctx context.Context, p *Pool, u storage.User, limit int32, token string) ([]storage.Device, string, error) {
	want := pageLimit(limit)
	out := []storage.Device{}
	page := storage.Page{After: token, Limit: want}
	for {
		ds, next, err := s.Devices.ListDevices(ctx, p.ID, u.UsernameKey, page)
		if err != nil {
			return nil, "", err
		}
		for _, d := range ds {
			if d.Confirmed {
				out = append(out, d)
			}
		}
		if next == "" || len(out) >= want {
			return out, next, nil
		}
		page = storage.Page{After: next, Limit: want - len(out)}
	}
}

// SetDeviceStatus marks one of u's confirmed devices remembered or
// not_remembered.
func (s *Service) SetDeviceStatus(ctx context.Context, p *Pool, u storage.User, key, status string) error {
	if _, err := s.UserDevice(ctx, p, u, key); err != nil {
		return err
	}
	now := s.now()
	_, err := s.Devices.UpdateDevice(ctx, p.ID, key, func(d *storage.Device) error {
		if d.UsernameKey != u.UsernameKey || !d.Confirmed {
			return ErrDeviceNotFound
		}
		if d.Remembered != status {
			d.Remembered = status
			d.UpdatedAt = now
		}
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return ErrDeviceNotFound
	}
	return err
}

// ForgetDevice deletes one of u's devices: it can no longer authenticate,
// refresh tokens bound to it stop working, and the user answers MFA again
// on it.
func (s *Service) ForgetDevice(ctx context.Context, p *Pool, u storage.User, key string) error {
	if _, err := s.ownDevice(ctx, p, u, key); err != nil {
		return err
	}
	err := s.Devices.DeleteDevice(ctx, p.ID, key)
	if errors.Is(err, storage.ErrNotFound) {
		return ErrDeviceNotFound
	}
	return err
}

// DeviceUsed records a device authentication: last authenticated now (to
// the second), from ip when known.
func (s *Service) DeviceUsed(ctx context.Context, p *Pool, key, ip string) error {
	now := s.now()
	_, err := s.Devices.UpdateDevice(ctx, p.ID, key, func(d *storage.Device) error {
		d.LastAuthenticatedAt = now.Truncate(time.Second)
		if ip != "" {
			d.Attributes = SetAttributes(d.Attributes, storage.Attribute{Name: deviceAttrLastIP, Value: ip})
		}
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return ErrDeviceNotFound
	}
	return err
}

// DeviceAttributes returns a device's DeviceAttributes in the order aws-cli
// shows them: device_status (valid), device_name (when named),
// dev:device_arn, dev:device_owner ("<username>.<pool ID>"), last_ip_used
// (when known), dev:device_remembered_status and dev:device_sdk.
func (s *Service) DeviceAttributes(p *Pool, u storage.User, d storage.Device) []storage.Attribute {
	region, _, _ := strings.Cut(p.ID, "_")
	owner := u.Username + "." + p.ID
	out := []storage.Attribute{{Name: "device_status", Value: "valid"}}
	if d.Name != "" {
		out = append(out, storage.Attribute{Name: "device_name", Value: d.Name})
	}
	out = append(out,
		storage.Attribute{Name: "dev:device_arn", Value: fmt.Sprintf("arn:aws:cognito-idp:%s:%s:owner/%s/device/%s", region, s.Account, owner, d.Key)},
		storage.Attribute{Name: "dev:device_owner", Value: owner},
	)
	if ip, ok := GetAttribute(d.Attributes, deviceAttrLastIP); ok && ip != "" {
		out = append(out, storage.Attribute{Name: deviceAttrLastIP, Value: ip})
	}
	remembered := d.Remembered
	if remembered == "" {
		remembered = DeviceNotRemembered
	}
	return append(out,
		storage.Attribute{Name: "dev:device_remembered_status", Value: remembered},
		storage.Attribute{Name: "dev:device_sdk", Value: DeviceSDK},
	)
}
