package apiserver

import (
	"context"

	"github.com/userpoold/userpoold/internal/authflow"
	"github.com/userpoold/userpoold/internal/awsjson"
	"github.com/userpoold/userpoold/internal/cognitoidp"
)

// This file implements sign-in, sessions and tokens on top of package
// authflow: InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge,
// AdminRespondToAuthChallenge, GetTokensFromRefreshToken, RevokeToken,
// GlobalSignOut and AdminUserGlobalSignOut.

// authenticationResult renders tokens as AuthenticationResultType.
func authenticationResult(t *authflow.Tokens) *cognitoidp.AuthenticationResultType {
	if t == nil {
		return nil
	}
	r := &cognitoidp.AuthenticationResultType{
		AccessToken: cognitoidp.String(t.AccessToken),
		ExpiresIn:   cognitoidp.Int32(t.ExpiresIn),
		TokenType:   cognitoidp.String("Bearer"),
		IdToken:     cognitoidp.String(t.IDToken),
	}
	if t.RefreshToken != "" {
		r.RefreshToken = cognitoidp.String(t.RefreshToken)
	}
	if d := t.NewDevice; d != nil {
		r.NewDeviceMetadata = &cognitoidp.NewDeviceMetadataType{
			DeviceKey:      cognitoidp.String(d.DeviceKey),
			DeviceGroupKey: cognitoidp.String(d.DeviceGroupKey),
		}
	}
	return r
}

// authReply is the members every sign-in response shares. On success
// ChallengeParameters is an empty map, which is sent as {} (spec §7.1).
type authReply struct {
	name      *cognitoidp.ChallengeNameType
	session   *string
	params    map[string]string
	result    *cognitoidp.AuthenticationResultType
	available []cognitoidp.ChallengeNameType // InitiateAuth only
}

func reply(r *authflow.Result) authReply {
	out := authReply{params: r.Parameters, result: authenticationResult(r.Tokens)}
	if out.params == nil {
		out.params = map[string]string{}
	}
	if r.Challenge != "" {
		n := cognitoidp.ChallengeNameType(r.Challenge)
		out.name = &n
	}
	if r.Session != "" {
		out.session = cognitoidp.String(r.Session)
	}
	for _, c := range r.Available {
		out.available = append(out.available, cognitoidp.ChallengeNameType(c))
	}
	return out
}

// InitiateAuth starts a sign-in for an app client (unsigned).
func (s *Server) InitiateAuth(ctx context.Context, in *cognitoidp.InitiateAuthInput) (*cognitoidp.InitiateAuthOutput, error) {
	r, err := s.Auth.InitiateAuth(ctx, authflow.Initiate{
		ClientID: str(in.ClientId),
		Flow:     authflow.Flow(cognitoidp.ToValue(in.AuthFlow)),
		Params:   in.AuthParameters,
		Metadata: in.ClientMetadata,
		Context:  s.userContext(ctx, str(in.ClientId), in.UserContextData),
		Session:  str(in.Session),
	})
	if err != nil {
		return nil, err
	}
	o := reply(r)
	return &cognitoidp.InitiateAuthOutput{ChallengeName: o.name, Session: o.session, ChallengeParameters: o.params, AuthenticationResult: o.result,
		AvailableChallenges: o.available}, nil
}

// AdminInitiateAuth starts a sign-in as an administrator (SigV4).
func (s *Server) AdminInitiateAuth(ctx context.Context, in *cognitoidp.AdminInitiateAuthInput) (*cognitoidp.AdminInitiateAuthOutput, error) {
	r, err := s.Auth.InitiateAuth(ctx, authflow.Initiate{
		Admin:    true,
		PoolID:   str(in.UserPoolId),
		ClientID: str(in.ClientId),
		Flow:     authflow.Flow(cognitoidp.ToValue(in.AuthFlow)),
		Params:   in.AuthParameters,
		Metadata: in.ClientMetadata,
		Context:  adminContext(ctx, in.ContextData),
		Session:  str(in.Session),
	})
	if err != nil {
		return nil, err
	}
	o := reply(r)
	return &cognitoidp.AdminInitiateAuthOutput{ChallengeName: o.name, Session: o.session, ChallengeParameters: o.params, AuthenticationResult: o.result,
		AvailableChallenges: o.available}, nil
}

// RespondToAuthChallenge answers a sign-in challenge (unsigned).
func (s *Server) RespondToAuthChallenge(ctx context.Context, in *cognitoidp.RespondToAuthChallengeInput) (*cognitoidp.RespondToAuthChallengeOutput, error) {
	r, err := s.Auth.RespondToAuthChallenge(ctx, authflow.Respond{
		ClientID:  str(in.ClientId),
		Challenge: authflow.ChallengeName(cognitoidp.ToValue(in.ChallengeName)),
		Session:   str(in.Session),
		Responses: in.ChallengeResponses,
		Metadata:  in.ClientMetadata,
		Context:   s.userContext(ctx, str(in.ClientId), in.UserContextData),
	})
	if err != nil {
		return nil, err
	}
	o := reply(r)
	return &cognitoidp.RespondToAuthChallengeOutput{ChallengeName: o.name, Session: o.session, ChallengeParameters: o.params, AuthenticationResult: o.result}, nil
}

// AdminRespondToAuthChallenge answers a sign-in challenge as an
// administrator (SigV4).
func (s *Server) AdminRespondToAuthChallenge(ctx context.Context, in *cognitoidp.AdminRespondToAuthChallengeInput) (*cognitoidp.AdminRespondToAuthChallengeOutput, error) {
	r, err := s.Auth.RespondToAuthChallenge(ctx, authflow.Respond{
		Admin:     true,
		PoolID:    str(in.UserPoolId),
		ClientID:  str(in.ClientId),
		Challenge: authflow.ChallengeName(cognitoidp.ToValue(in.ChallengeName)),
		Session:   str(in.Session),
		Responses: in.ChallengeResponses,
		Metadata:  in.ClientMetadata,
		Context:   adminContext(ctx, in.ContextData),
	})
	if err != nil {
		return nil, err
	}
	o := reply(r)
	return &cognitoidp.AdminRespondToAuthChallengeOutput{ChallengeName: o.name, Session: o.session, ChallengeParameters: o.params, AuthenticationResult: o.result}, nil
}

// GetTokensFromRefreshToken issues new tokens for a refresh token
// (unsigned).
func (s *Server) GetTokensFromRefreshToken(ctx context.Context, in *cognitoidp.GetTokensFromRefreshTokenInput) (*cognitoidp.GetTokensFromRefreshTokenOutput, error) {
	r, err := s.Auth.GetTokensFromRefreshToken(ctx, authflow.Refresh{
		ClientID: str(in.ClientId), ClientSecret: str(in.ClientSecret), RefreshToken: str(in.RefreshToken), DeviceKey: str(in.DeviceKey),
		Metadata: in.ClientMetadata, UserAgent: awsjson.Info(ctx).Header.Get("User-Agent"),
	})
	if err != nil {
		return nil, err
	}
	return &cognitoidp.GetTokensFromRefreshTokenOutput{AuthenticationResult: authenticationResult(r.Tokens)}, nil
}

// RevokeToken revokes a refresh token and the tokens issued from it
// (unsigned; authorized by the client ID and secret).
func (s *Server) RevokeToken(ctx context.Context, in *cognitoidp.RevokeTokenInput) (*cognitoidp.RevokeTokenOutput, error) {
	if err := s.Auth.RevokeToken(ctx, str(in.ClientId), str(in.ClientSecret), str(in.Token)); err != nil {
		return nil, err
	}
	return &cognitoidp.RevokeTokenOutput{}, nil
}

// GlobalSignOut signs the access token's user out of every session
// (unsigned; authorized by the access token).
func (s *Server) GlobalSignOut(ctx context.Context, in *cognitoidp.GlobalSignOutInput) (*cognitoidp.GlobalSignOutOutput, error) {
	c, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	if err := s.Auth.GlobalSignOut(ctx, c.Pool.ID, c.User.UsernameKey); err != nil {
		return nil, err
	}
	return &cognitoidp.GlobalSignOutOutput{}, nil
}

// AdminUserGlobalSignOut signs a user out of every session (SigV4).
func (s *Server) AdminUserGlobalSignOut(ctx context.Context, in *cognitoidp.AdminUserGlobalSignOutInput) (*cognitoidp.AdminUserGlobalSignOutOutput, error) {
	if err := s.Auth.AdminUserGlobalSignOut(ctx, str(in.UserPoolId), str(in.Username)); err != nil {
		return nil, err
	}
	return &cognitoidp.AdminUserGlobalSignOutOutput{}, nil
}
