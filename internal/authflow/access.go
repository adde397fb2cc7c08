package authflow

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/token"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file is what an access token authorizes: the operations a signed-in
// user calls with one (GetUser, ChangePassword, the MFA and device
// operations, ...) and, in time, the OAuth userInfo endpoint.

// Access-token faults (spec §3.4).
var (
	errInvalidAccessToken = fault.New(fault.NotAuthorized, "Invalid Access Token")
	errExpiredAccessToken = fault.New(fault.NotAuthorized, "Access Token has expired")
	errRevokedAccessToken = fault.New(fault.NotAuthorized, "Access Token has been revoked")
	errAccessTokenScope   = fault.New(fault.NotAuthorized, "Access Token does not have required scopes")
)

// Caller is the user an access token authorizes.
type Caller struct {
	Pool   *userpool.Pool
	User   storage.User
	Claims token.AccessClaims
}

// StatusCheck says which user states an access-token operation refuses.
type StatusCheck int

const (
	// AnyStatus refuses only disabled users.
	AnyStatus StatusCheck = iota
	// ActiveUser also refuses users who must reset their password or are
	// not confirmed (userpool.CheckActive; the checks Cognito applies to
	// most token operations).
	ActiveUser
)

// Authorize checks an access token (signature, expiry, token_use, scope,
// revocation, the user's global sign-out) and loads the pool and user it
// names, refusing a disabled user and, with ActiveUser, one CheckActive
// refuses.
func (s *Service) Authorize(ctx context.Context, accessToken string, check StatusCheck) (*Caller, error) {
	return s.authorize(ctx, accessToken, check, true)
}

// authorize is Authorize; adminScope says whether the token must carry
// aws.cognito.signin.user.admin (every API operation; not userInfo).
func (s *Service) authorize(ctx context.Context, accessToken string, check StatusCheck, adminScope bool) (*Caller, error) {
	claims, err := s.Tokens.VerifyAccess(ctx, accessToken)
	switch {
	case errors.Is(err, token.ErrExpired):
		return nil, errExpiredAccessToken
	case errors.Is(err, token.ErrRevoked):
		return nil, errRevokedAccessToken
	case err != nil:
		return nil, errInvalidAccessToken
	}
	if adminScope && !slices.Contains(strings.Fields(claims.Scope), token.DefaultScope) {
		return nil, errAccessTokenScope
	}
	pool, err := s.Pools.LoadPool(ctx, claims.PoolID)
	if err != nil {
		if fault.KindOf(err) == fault.ResourceNotFound {
			return nil, errInvalidAccessToken
		}
		return nil, err
	}
	u, err := s.tokenUser(ctx, pool, claims.Username, claims.Sub, claims.OriginJTI, errRevokedAccessToken)
	if err != nil {
		return nil, err
	}
	if check == ActiveUser {
		if err := userpool.CheckActive(u); err != nil {
			return nil, err
		}
	}
	return &Caller{Pool: pool, User: u, Claims: claims}, nil
}

// tokenUser loads the user a token of the family originJTI names
// (username and sub), refusing with revoked a user who signed out globally
// since the family began, and a disabled user.
func (s *Service) tokenUser(ctx context.Context, pool *userpool.Pool, username, sub, originJTI string, revoked error) (storage.User, error) {
	u, err := s.Pools.LoadUser(ctx, pool, username, sub)
	if err != nil {
		return storage.User{}, err
	}
	if userpool.SignedOut(u, originJTI) {
		return storage.User{}, revoked
	}
	if !u.Enabled {
		return storage.User{}, userpool.ErrUserDisabled
	}
	return u, nil
}

// AuthorizeClient is Authorize (ActiveUser) that also loads the app client
// the token was issued to, whose attribute permissions apply to the
// operation. A token whose client is gone is invalid.
func (s *Service) AuthorizeClient(ctx context.Context, accessToken string) (*Caller, *userpool.Client, error) {
	return s.authorizeClient(ctx, accessToken, ActiveUser, true)
}

// authorizeClient is authorize, then the client the token was issued to.
func (s *Service) authorizeClient(ctx context.Context, accessToken string, check StatusCheck, adminScope bool) (*Caller, *userpool.Client, error) {
	who, err := s.authorize(ctx, accessToken, check, adminScope)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.Pools.LoadClient(ctx, who.Pool.ID, who.Claims.ClientID)
	if fault.KindOf(err) == fault.ResourceNotFound {
		return nil, nil, errInvalidAccessToken
	}
	if err != nil {
		return nil, nil, err
	}
	return who, c, nil
}
