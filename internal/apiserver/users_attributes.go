package apiserver

import (
	"context"

	"github.com/userpoold/userpoold/internal/authflow"
	"github.com/userpoold/userpoold/internal/cognitoidp"
)

// This file holds the attribute operations: updating, deleting and
// verifying user attributes.

// UpdateUserAttributes changes the signed-in user's attributes within the
// token's app client's WriteAttributes. New auto-verified email or phone
// values get a verification code.
func (s *Server) UpdateUserAttributes(ctx context.Context, in *cognitoidp.UpdateUserAttributesInput) (*cognitoidp.UpdateUserAttributesOutput, error) {
	who, c, err := s.Auth.AuthorizeClient(ctx, str(in.AccessToken))
	if err != nil {
		return nil, err
	}
	ds, err := s.Pools.UpdateAttributes(ctx, who.Pool, who.User, toAttrs(in.UserAttributes), c)
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.UpdateUserAttributesOutput{}
	for _, d := range ds {
		out.CodeDeliveryDetailsList = append(out.CodeDeliveryDetailsList, *codeDelivery(d))
	}
	return out, nil
}

// AdminUpdateUserAttributes changes a user's attributes. Setting
// email_verified or phone_number_verified to true in the same call verifies
// a new value without sending a code.
func (s *Server) AdminUpdateUserAttributes(ctx context.Context, in *cognitoidp.AdminUpdateUserAttributesInput) (*cognitoidp.AdminUpdateUserAttributesOutput, error) {
	p, u, err := s.Pools.PoolUser(ctx, str(in.UserPoolId), str(in.Username))
	if err != nil {
		return nil, err
	}
	if _, err := s.Pools.UpdateAttributes(ctx, p, u, toAttrs(in.UserAttributes), nil); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminUpdateUserAttributesOutput{}, nil
}

// DeleteUserAttributes deletes attributes of the signed-in user.
func (s *Server) DeleteUserAttributes(ctx context.Context, in *cognitoidp.DeleteUserAttributesInput) (*cognitoidp.DeleteUserAttributesOutput, error) {
	who, c, err := s.Auth.AuthorizeClient(ctx, str(in.AccessToken))
	if err != nil {
		return nil, err
	}
	if err := s.Pools.DeleteAttributes(ctx, who.Pool, who.User, in.UserAttributeNames, c); err != nil {
		return nil, err
	}
	return &cognitoidp.DeleteUserAttributesOutput{}, nil
}

// AdminDeleteUserAttributes deletes attributes of a user.
func (s *Server) AdminDeleteUserAttributes(ctx context.Context, in *cognitoidp.AdminDeleteUserAttributesInput) (*cognitoidp.AdminDeleteUserAttributesOutput, error) {
	p, u, err := s.Pools.PoolUser(ctx, str(in.UserPoolId), str(in.Username))
	if err != nil {
		return nil, err
	}
	if err := s.Pools.DeleteAttributes(ctx, p, u, in.UserAttributeNames, nil); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminDeleteUserAttributesOutput{}, nil
}

// GetUserAttributeVerificationCode sends the signed-in user a code that
// verifies their email or phone number.
func (s *Server) GetUserAttributeVerificationCode(ctx context.Context, in *cognitoidp.GetUserAttributeVerificationCodeInput) (*cognitoidp.GetUserAttributeVerificationCodeOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	d, err := s.Pools.SendVerificationCode(ctx, who.Pool, who.User, str(in.AttributeName))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.GetUserAttributeVerificationCodeOutput{CodeDeliveryDetails: codeDelivery(d)}, nil
}

// VerifyUserAttribute verifies the signed-in user's email or phone number
// with a code.
func (s *Server) VerifyUserAttribute(ctx context.Context, in *cognitoidp.VerifyUserAttributeInput) (*cognitoidp.VerifyUserAttributeOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	if err := s.Pools.VerifyAttribute(ctx, who.Pool, who.User, str(in.AttributeName), str(in.Code)); err != nil {
		return nil, err
	}
	return &cognitoidp.VerifyUserAttributeOutput{}, nil
}
