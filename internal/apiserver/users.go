package apiserver

import (
	"context"
	"slices"

	"github.com/userpoold/userpoold/internal/authflow"
	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file holds the user lifecycle operations: sign-up and confirmation,
// admin creation, reading, listing, deleting, enabling and disabling users.
// users_attributes.go and users_passwords.go hold the rest of the user
// management API; the rules live in userpool.

// toAttrs converts wire attributes to storage attributes.
func toAttrs(in []cognitoidp.AttributeType) []storage.Attribute {
	out := make([]storage.Attribute, 0, len(in))
	for _, a := range in {
		out = append(out, storage.Attribute{Name: str(a.Name), Value: str(a.Value)})
	}
	return out
}

// validationData is toAttrs for ValidationData, which stays nil when the
// request has none (the PreSignUp event then carries null).
func validationData(in []cognitoidp.AttributeType) []storage.Attribute {
	if in == nil {
		return nil
	}
	return toAttrs(in)
}

// wireAttrs returns u's attributes as Cognito lists them: sub first, then
// the others in the order they were set. keep, when not nil, selects the
// attributes to include.
func wireAttrs(u storage.User, keep func(string) bool) []cognitoidp.AttributeType {
	out := []cognitoidp.AttributeType{}
	add := func(name, value string) {
		if keep == nil || keep(name) {
			out = append(out, cognitoidp.AttributeType{Name: cognitoidp.String(name), Value: cognitoidp.String(value)})
		}
	}
	add("sub", u.Sub)
	for _, a := range u.Attributes {
		if a.Name != "sub" {
			add(a.Name, a.Value)
		}
	}
	return out
}

// mfaOptions returns the legacy MFAOptions of u: only for users who turned
// on SMS MFA through (Admin)SetUserSettings (spec §4.1).
func mfaOptions(u storage.User) []cognitoidp.MFAOptionType {
	if !u.MFA.LegacySMS {
		return nil
	}
	return []cognitoidp.MFAOptionType{{DeliveryMedium: ptr(cognitoidp.DeliveryMediumTypeSms), AttributeName: cognitoidp.String("phone_number")}}
}

// mfaSettings returns UserMFASettingList and PreferredMfaSetting of u, both
// nil (and so omitted, spec §4.1) when the user has none; the same view
// GetUserAuthFactors gives (mfa.Settings).
func mfaSettings(u storage.User) ([]string, *string) {
	factors, preferred := mfa.Settings(u.MFA)
	var list []string
	for _, f := range factors {
		list = append(list, string(f))
	}
	var pref *string
	if preferred != "" {
		pref = cognitoidp.String(string(preferred))
	}
	return list, pref
}

// userType renders u as UserType (ListUsers, AdminCreateUser, ...). keep
// selects attributes as for wireAttrs.
func userType(u storage.User, keep func(string) bool) cognitoidp.UserType {
	return cognitoidp.UserType{
		Username:             cognitoidp.String(u.Username),
		Attributes:           wireAttrs(u, keep),
		UserCreateDate:       cognitoidp.Time(u.CreatedAt),
		UserLastModifiedDate: cognitoidp.Time(u.UpdatedAt),
		Enabled:              cognitoidp.Bool(u.Enabled),
		UserStatus:           ptr(cognitoidp.UserStatusType(u.Status)),
		MFAOptions:           mfaOptions(u),
	}
}

// codeDelivery renders where a code went.
func codeDelivery(d userpool.CodeDelivery) *cognitoidp.CodeDeliveryDetailsType {
	return &cognitoidp.CodeDeliveryDetailsType{
		Destination:    cognitoidp.String(d.Destination),
		DeliveryMedium: ptr(cognitoidp.DeliveryMediumType(d.DeliveryMedium)),
		AttributeName:  cognitoidp.String(d.AttributeName),
	}
}

// SignUp registers a user through an app client.
func (s *Server) SignUp(ctx context.Context, in *cognitoidp.SignUpInput) (*cognitoidp.SignUpOutput, error) {
	p, c, err := s.Pools.ClientPool(ctx, str(in.ClientId))
	if err != nil {
		return nil, err
	}
	res, err := s.Pools.SignUp(ctx, p, c, userpool.SignUpInput{
		Username: str(in.Username), Password: str(in.Password), SecretHash: str(in.SecretHash),
		Attributes: toAttrs(in.UserAttributes), ValidationData: validationData(in.ValidationData),
	})
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.SignUpOutput{UserConfirmed: cognitoidp.Bool(res.Confirmed), UserSub: cognitoidp.String(res.User.Sub)}
	if res.Delivery != nil {
		out.CodeDeliveryDetails = codeDelivery(*res.Delivery)
	}
	return out, nil
}

// ConfirmSignUp confirms a user with the code sent at sign-up.
func (s *Server) ConfirmSignUp(ctx context.Context, in *cognitoidp.ConfirmSignUpInput) (*cognitoidp.ConfirmSignUpOutput, error) {
	p, c, err := s.Pools.ClientPool(ctx, str(in.ClientId))
	if err != nil {
		return nil, err
	}
	err = s.Pools.ConfirmSignUp(ctx, p, c, str(in.Username), str(in.SecretHash), str(in.ConfirmationCode), cognitoidp.ToValue(in.ForceAliasCreation))
	if err != nil {
		return nil, err
	}
	// The Session that signs the user in with USER_AUTH (Amplify's
	// autoSignIn); none when the client does not allow USER_AUTH.
	session, err := s.Auth.SignUpSession(ctx, p, c, str(in.Username))
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.ConfirmSignUpOutput{}
	if session != "" {
		out.Session = cognitoidp.String(session)
	}
	return out, nil
}

// ResendConfirmationCode sends a new sign-up confirmation code.
func (s *Server) ResendConfirmationCode(ctx context.Context, in *cognitoidp.ResendConfirmationCodeInput) (*cognitoidp.ResendConfirmationCodeOutput, error) {
	p, c, err := s.Pools.ClientPool(ctx, str(in.ClientId))
	if err != nil {
		return nil, err
	}
	d, err := s.Pools.ResendConfirmationCode(ctx, p, c, str(in.Username), str(in.SecretHash))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.ResendConfirmationCodeOutput{CodeDeliveryDetails: codeDelivery(d)}, nil
}

// AdminCreateUser creates a user with a temporary password and sends the
// invitation (or resends it, with MessageAction RESEND).
func (s *Server) AdminCreateUser(ctx context.Context, in *cognitoidp.AdminCreateUserInput) (*cognitoidp.AdminCreateUserOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	req := userpool.AdminCreateUserInput{
		Username: str(in.Username), Attributes: toAttrs(in.UserAttributes), TemporaryPassword: str(in.TemporaryPassword),
		ForceAliasCreation: cognitoidp.ToValue(in.ForceAliasCreation),
		ValidationData:     validationData(in.ValidationData),
	}
	if in.MessageAction != nil {
		req.MessageAction = string(*in.MessageAction)
	}
	for _, m := range in.DesiredDeliveryMediums {
		req.DeliveryMediums = append(req.DeliveryMediums, string(m))
	}
	u, err := s.Pools.AdminCreateUser(ctx, p, req)
	if err != nil {
		return nil, err
	}
	ut := userType(u, nil)
	return &cognitoidp.AdminCreateUserOutput{User: &ut}, nil
}

// AdminConfirmSignUp confirms a user without a code.
func (s *Server) AdminConfirmSignUp(ctx context.Context, in *cognitoidp.AdminConfirmSignUpInput) (*cognitoidp.AdminConfirmSignUpOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	if err := s.Pools.AdminConfirmSignUp(ctx, p, str(in.Username)); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminConfirmSignUpOutput{}, nil
}

// GetUser returns the signed-in user: the attributes the token's app client
// may read, and the MFA settings per spec §4.1.
func (s *Server) GetUser(ctx context.Context, in *cognitoidp.GetUserInput) (*cognitoidp.GetUserOutput, error) {
	who, c, err := s.Auth.AuthorizeClient(ctx, str(in.AccessToken))
	if err != nil {
		return nil, err
	}
	u := who.User
	list, pref := mfaSettings(u)
	return &cognitoidp.GetUserOutput{
		Username:            cognitoidp.String(u.Username),
		UserAttributes:      wireAttrs(u, c.CanRead),
		MFAOptions:          mfaOptions(u),
		PreferredMfaSetting: pref,
		UserMFASettingList:  list,
	}, nil
}

// AdminGetUser returns a user with status, dates and MFA settings.
func (s *Server) AdminGetUser(ctx context.Context, in *cognitoidp.AdminGetUserInput) (*cognitoidp.AdminGetUserOutput, error) {
	_, u, err := s.Pools.PoolUser(ctx, str(in.UserPoolId), str(in.Username))
	if err != nil {
		return nil, err
	}
	list, pref := mfaSettings(u)
	return &cognitoidp.AdminGetUserOutput{
		Username:             cognitoidp.String(u.Username),
		UserAttributes:       wireAttrs(u, nil),
		UserCreateDate:       cognitoidp.Time(u.CreatedAt),
		UserLastModifiedDate: cognitoidp.Time(u.UpdatedAt),
		Enabled:              cognitoidp.Bool(u.Enabled),
		UserStatus:           ptr(cognitoidp.UserStatusType(u.Status)),
		MFAOptions:           mfaOptions(u),
		PreferredMfaSetting:  pref,
		UserMFASettingList:   list,
	}, nil
}

// DeleteUser deletes the signed-in user.
func (s *Server) DeleteUser(ctx context.Context, in *cognitoidp.DeleteUserInput) (*cognitoidp.DeleteUserOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	if err := s.Pools.DeleteUser(ctx, who.Pool, who.User); err != nil {
		return nil, err
	}
	return &cognitoidp.DeleteUserOutput{}, nil
}

// AdminDeleteUser deletes a user.
func (s *Server) AdminDeleteUser(ctx context.Context, in *cognitoidp.AdminDeleteUserInput) (*cognitoidp.AdminDeleteUserOutput, error) {
	p, u, err := s.Pools.PoolUser(ctx, str(in.UserPoolId), str(in.Username))
	if err != nil {
		return nil, err
	}
	if err := s.Pools.DeleteUser(ctx, p, u); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminDeleteUserOutput{}, nil
}

// AdminDisableUser disables a user and revokes their tokens.
func (s *Server) AdminDisableUser(ctx context.Context, in *cognitoidp.AdminDisableUserInput) (*cognitoidp.AdminDisableUserOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	if err := s.Pools.SetUserEnabled(ctx, p, str(in.Username), false); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminDisableUserOutput{}, nil
}

// AdminEnableUser enables a user.
func (s *Server) AdminEnableUser(ctx context.Context, in *cognitoidp.AdminEnableUserInput) (*cognitoidp.AdminEnableUserOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	if err := s.Pools.SetUserEnabled(ctx, p, str(in.Username), true); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminEnableUserOutput{}, nil
}

// errAttributesToGet answers AttributesToGet naming an attribute that is not
// in the schema, or a non-searchable attribute some listed user lacks (the
// API Reference: "Amazon Cognito returns an error if not all users in the
// results have set a value for the attribute you request"). The wording is
// from a real answer to such a request
// (aws-samples/sample-collaborative-ai-dlc#52); its trigger there is
// UNCONFIRMED.
var errAttributesToGet = fault.New(fault.InvalidParameter, "Input fails to satisfy the constraints.")

// ListUsers lists the pool's users, optionally filtered on one attribute.
func (s *Server) ListUsers(ctx context.Context, in *cognitoidp.ListUsersInput) (*cognitoidp.ListUsersOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	f, err := userpool.ParseFilter(str(in.Filter))
	if err != nil {
		return nil, err
	}
	var keep func(string) bool
	if in.AttributesToGet != nil {
		for _, a := range in.AttributesToGet {
			if p.Settings.Attribute(a) == nil {
				return nil, errAttributesToGet
			}
		}
		keep = func(name string) bool { return slices.Contains(in.AttributesToGet, name) }
	}
	users, next, err := s.Pools.ListUsers(ctx, p, userpool.ListUsersQuery{
		Filter: f, Limit: int(cognitoidp.ToValue(in.Limit)), PaginationToken: str(in.PaginationToken),
	})
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.ListUsersOutput{Users: []cognitoidp.UserType{}}
	for _, u := range users {
		for _, a := range in.AttributesToGet {
			if _, ok := userpool.GetAttribute(u.Attributes, a); !ok && !userpool.Searchable(a) {
				return nil, errAttributesToGet
			}
		}
		out.Users = append(out.Users, userType(u, keep))
	}
	if next != "" {
		out.PaginationToken = cognitoidp.String(next)
	}
	return out, nil
}
