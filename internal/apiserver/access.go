package apiserver

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

// Access-token faults (spec §3.4).
var (
	errInvalidAccessToken = fault.New(fault.NotAuthorized, "Invalid Access Token")
	errExpiredAccessToken = fault.New(fault.NotAuthorized, "Access Token has expired")
	errRevokedAccessToken = fault.New(fault.NotAuthorized, "Access Token has been revoked")
	errAccessTokenScope   = fault.New(fault.NotAuthorized, "Access Token does not have required scopes")
)

// caller is the user an access token authorizes.
type caller struct {
	Pool   *userpool.Pool
	User   storage.User
	Claims token.AccessClaims
}

// statusCheck says which user states an access-token operation refuses.
type statusCheck int

const (
	// anyStatus refuses only disabled users.
	anyStatus statusCheck = iota
	// activeUser also refuses users who must reset their password or are
	// not confirmed (the checks Cognito applies to most token operations).
	activeUser
)

// authorize checks an access token (signature, expiry, token_use, scope,
// revocation) and loads the user and pool it names.
func (s *Server) authorize(ctx context.Context, accessToken string, check statusCheck) (*caller, error) {
	claims, err := s.Tokens.VerifyAccess(ctx, accessToken)
	switch {
	case errors.Is(err, token.ErrExpired):
		return nil, errExpiredAccessToken
	case errors.Is(err, token.ErrRevoked):
		return nil, errRevokedAccessToken
	case err != nil:
		return nil, errInvalidAccessToken
	}
	if !slices.Contains(strings.Fields(claims.Scope), token.DefaultScope) {
		return nil, errAccessTokenScope
	}
	pool, err := s.Pools.LoadPool(ctx, claims.PoolID)
	if err != nil {
		if fault.KindOf(err) == fault.ResourceNotFound {
			return nil, errInvalidAccessToken
		}
		return nil, err
	}
	u, err := s.Pools.TokenUser(ctx, pool, claims.Username, claims.Sub)
	if err != nil {
		return nil, err
	}
	if userpool.SignedOut(u, claims.OriginJTI) {
		return nil, errRevokedAccessToken
	}
	if !u.Enabled {
		return nil, userpool.ErrUserDisabled
	}
	if check == activeUser {
		if err := userpool.CheckActive(u); err != nil {
			return nil, err
		}
	}
	return &caller{Pool: pool, User: u, Claims: claims}, nil
}
