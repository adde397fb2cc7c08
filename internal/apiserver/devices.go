package apiserver

import (
	"context"

	"github.com/userpoold/userpoold/internal/authflow"
	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file implements the device operations (spec §7.5): ConfirmDevice,
// GetDevice, ListDevices, UpdateDeviceStatus and ForgetDevice, authorized by
// the user's access token, and AdminGetDevice, AdminListDevices,
// AdminUpdateDeviceStatus and AdminForgetDevice (SigV4). The rules live in
// userpool/devices.go; sign-in with a device in authflow/devices.go.

// deviceType renders a device as DeviceType.
func (s *Server) deviceType(p *userpool.Pool, u storage.User, d storage.Device) cognitoidp.DeviceType {
	out := cognitoidp.DeviceType{
		DeviceKey:              cognitoidp.String(d.Key),
		DeviceAttributes:       []cognitoidp.AttributeType{},
		DeviceCreateDate:       cognitoidp.Time(d.CreatedAt),
		DeviceLastModifiedDate: cognitoidp.Time(d.UpdatedAt),
	}
	for _, a := range s.Pools.DeviceAttributes(p, u, d) {
		out.DeviceAttributes = append(out.DeviceAttributes, cognitoidp.AttributeType{Name: cognitoidp.String(a.Name), Value: cognitoidp.String(a.Value)})
	}
	if !d.LastAuthenticatedAt.IsZero() {
		out.DeviceLastAuthenticatedDate = cognitoidp.Time(d.LastAuthenticatedAt)
	}
	return out
}

func (s *Server) deviceList(p *userpool.Pool, u storage.User, ds []storage.Device) []cognitoidp.DeviceType {
	out := make([]cognitoidp.DeviceType, 0, len(ds))
	for _, d := range ds {
		out = append(out, s.deviceType(p, u, d))
	}
	return out
}

// deviceStatus is the DeviceRememberedStatus of an update; absent means
// not_remembered (UNCONFIRMED: the model makes the member optional).
func deviceStatus(v *cognitoidp.DeviceRememberedStatusType) string {
	if v == nil {
		return userpool.DeviceNotRemembered
	}
	return string(*v)
}

// ConfirmDevice stores the SRP verifier of a device a sign-in returned in
// NewDeviceMetadata and says whether the user must still be asked to
// remember it.
func (s *Server) ConfirmDevice(ctx context.Context, in *cognitoidp.ConfirmDeviceInput) (*cognitoidp.ConfirmDeviceOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	var salt, verifier string
	if c := in.DeviceSecretVerifierConfig; c != nil {
		salt, verifier = str(c.Salt), str(c.PasswordVerifier)
	}
	necessary, err := s.Pools.ConfirmDevice(ctx, who.Pool, who.User, str(in.DeviceKey), salt, verifier, str(in.DeviceName), requestIP(ctx))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.ConfirmDeviceOutput{UserConfirmationNecessary: cognitoidp.Bool(necessary)}, nil
}

// GetDevice returns one of the signed-in user's devices.
func (s *Server) GetDevice(ctx context.Context, in *cognitoidp.GetDeviceInput) (*cognitoidp.GetDeviceOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	d, err := s.Pools.UserDevice(ctx, who.Pool, who.User, str(in.DeviceKey))
	if err != nil {
		return nil, err
	}
	dt := s.deviceType(who.Pool, who.User, d)
	return &cognitoidp.GetDeviceOutput{Device: &dt}, nil
}

// ListDevices lists the signed-in user's devices.
func (s *Server) ListDevices(ctx context.Context, in *cognitoidp.ListDevicesInput) (*cognitoidp.ListDevicesOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	ds, next, err := s.Pools.ListUserDevices(ctx, who.Pool, who.User, cognitoidp.ToValue(in.Limit), str(in.PaginationToken))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.ListDevicesOutput{Devices: s.deviceList(who.Pool, who.User, ds), PaginationToken: nextToken(next)}, nil
}

// UpdateDeviceStatus remembers or stops remembering one of the signed-in
// user's devices.
func (s *Server) UpdateDeviceStatus(ctx context.Context, in *cognitoidp.UpdateDeviceStatusInput) (*cognitoidp.UpdateDeviceStatusOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	if err := s.Pools.SetDeviceStatus(ctx, who.Pool, who.User, str(in.DeviceKey), deviceStatus(in.DeviceRememberedStatus)); err != nil {
		return nil, err
	}
	return &cognitoidp.UpdateDeviceStatusOutput{}, nil
}

// ForgetDevice deletes one of the signed-in user's devices.
func (s *Server) ForgetDevice(ctx context.Context, in *cognitoidp.ForgetDeviceInput) (*cognitoidp.ForgetDeviceOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	if err := s.Pools.ForgetDevice(ctx, who.Pool, who.User, str(in.DeviceKey)); err != nil {
		return nil, err
	}
	return &cognitoidp.ForgetDeviceOutput{}, nil
}

// AdminGetDevice returns one of a user's devices.
func (s *Server) AdminGetDevice(ctx context.Context, in *cognitoidp.AdminGetDeviceInput) (*cognitoidp.AdminGetDeviceOutput, error) {
	p, u, err := s.Pools.PoolUser(ctx, str(in.UserPoolId), str(in.Username))
	if err != nil {
		return nil, err
	}
	d, err := s.Pools.UserDevice(ctx, p, u, str(in.DeviceKey))
	if err != nil {
		return nil, err
	}
	dt := s.deviceType(p, u, d)
	return &cognitoidp.AdminGetDeviceOutput{Device: &dt}, nil
}

// AdminListDevices lists a user's devices.
func (s *Server) AdminListDevices(ctx context.Context, in *cognitoidp.AdminListDevicesInput) (*cognitoidp.AdminListDevicesOutput, error) {
	p, u, err := s.Pools.PoolUser(ctx, str(in.UserPoolId), str(in.Username))
	if err != nil {
		return nil, err
	}
	ds, next, err := s.Pools.ListUserDevices(ctx, p, u, cognitoidp.ToValue(in.Limit), str(in.PaginationToken))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.AdminListDevicesOutput{Devices: s.deviceList(p, u, ds), PaginationToken: nextToken(next)}, nil
}

// AdminUpdateDeviceStatus remembers or stops remembering one of a user's
// devices.
func (s *Server) AdminUpdateDeviceStatus(ctx context.Context, in *cognitoidp.AdminUpdateDeviceStatusInput) (*cognitoidp.AdminUpdateDeviceStatusOutput, error) {
	p, u, err := s.Pools.PoolUser(ctx, str(in.UserPoolId), str(in.Username))
	if err != nil {
		return nil, err
	}
	if err := s.Pools.SetDeviceStatus(ctx, p, u, str(in.DeviceKey), deviceStatus(in.DeviceRememberedStatus)); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminUpdateDeviceStatusOutput{}, nil
}

// AdminForgetDevice deletes one of a user's devices.
func (s *Server) AdminForgetDevice(ctx context.Context, in *cognitoidp.AdminForgetDeviceInput) (*cognitoidp.AdminForgetDeviceOutput, error) {
	p, u, err := s.Pools.PoolUser(ctx, str(in.UserPoolId), str(in.Username))
	if err != nil {
		return nil, err
	}
	if err := s.Pools.ForgetDevice(ctx, p, u, str(in.DeviceKey)); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminForgetDeviceOutput{}, nil
}
