package apiserver

import (
	"context"

	"github.com/userpoold/userpoold/internal/authflow"
	"github.com/userpoold/userpoold/internal/cognitoidp"
)

// This file holds the password operations of users and administrators.

// ChangePassword changes the signed-in user's password.
func (s *Server) ChangePassword(ctx context.Context, in *cognitoidp.ChangePasswordInput) (*cognitoidp.ChangePasswordOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	if err := s.Pools.ChangePassword(ctx, who.Pool, who.User, str(in.PreviousPassword), str(in.ProposedPassword)); err != nil {
		return nil, err
	}
	return &cognitoidp.ChangePasswordOutput{}, nil
}

// ForgotPassword sends a password-reset code.
func (s *Server) ForgotPassword(ctx context.Context, in *cognitoidp.ForgotPasswordInput) (*cognitoidp.ForgotPasswordOutput, error) {
	p, c, err := s.Pools.ClientPool(ctx, str(in.ClientId))
	if err != nil {
		return nil, err
	}
	d, err := s.Pools.ForgotPassword(ctx, p, c, str(in.Username), str(in.SecretHash))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.ForgotPasswordOutput{CodeDeliveryDetails: codeDelivery(d)}, nil
}

// ConfirmForgotPassword sets a new password with a reset code.
func (s *Server) ConfirmForgotPassword(ctx context.Context, in *cognitoidp.ConfirmForgotPasswordInput) (*cognitoidp.ConfirmForgotPasswordOutput, error) {
	p, c, err := s.Pools.ClientPool(ctx, str(in.ClientId))
	if err != nil {
		return nil, err
	}
	err = s.Pools.ConfirmForgotPassword(ctx, p, c, str(in.Username), str(in.SecretHash), str(in.ConfirmationCode), str(in.Password))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.ConfirmForgotPasswordOutput{}, nil
}

// AdminSetUserPassword sets a user's password, permanent or temporary.
func (s *Server) AdminSetUserPassword(ctx context.Context, in *cognitoidp.AdminSetUserPasswordInput) (*cognitoidp.AdminSetUserPasswordOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	if err := s.Pools.AdminSetUserPassword(ctx, p, str(in.Username), str(in.Password), cognitoidp.ToValue(in.Permanent)); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminSetUserPasswordOutput{}, nil
}

// AdminResetUserPassword requires a user to reset their password and sends
// them a reset code.
func (s *Server) AdminResetUserPassword(ctx context.Context, in *cognitoidp.AdminResetUserPasswordInput) (*cognitoidp.AdminResetUserPasswordOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	if err := s.Pools.AdminResetUserPassword(ctx, p, str(in.Username)); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminResetUserPasswordOutput{}, nil
}
