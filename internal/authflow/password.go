package authflow

import (
	"context"
	"errors"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// passwordAuth runs USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH and
// ADMIN_NO_SRP_AUTH (spec §7.2): USERNAME and PASSWORD in AuthParameters,
// SECRET_HASH for clients with a secret (computed over the name as typed),
// DEVICE_KEY optional.
func (s *Service) passwordAuth(ctx context.Context, pool *userpool.Pool, client *userpool.Client, in Initiate) (*Result, error) {
	username, pw := in.Params["USERNAME"], in.Params["PASSWORD"]
	if username == "" {
		return nil, missing("USERNAME")
	}
	if pw == "" {
		return nil, missing("PASSWORD")
	}
	if err := client.CheckSecretHash(username, in.Params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	u, err := s.Pools.FindUser(ctx, pool, username)
	if errors.Is(err, userpool.ErrUserNotFound) {
		s.Pools.DummyPasswordCheck(pw) // same cost as a real check
		if client.Settings.HidesUserExistence() {
			return nil, errIncorrect
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if err := checkStatus(u); err != nil {
		return nil, err
	}
	if err := s.checkLock(u); err != nil {
		return nil, err
	}
	if !s.Pools.VerifyPassword(u, pw) {
		return nil, s.signInFailed(ctx, pool, client, u, in.Context, s.recordFailure(ctx, pool.ID, u))
	}
	if err := s.recordSuccess(ctx, pool.ID, &u); err != nil {
		return nil, err
	}
	sc := &signIn{pool: pool, client: client, user: u, admin: in.Admin, metadata: in.Metadata, context: in.Context, password: pw}
	sc.state = sessionState{Username: u.Username, Sub: u.Sub, Flow: in.Flow, DeviceKey: in.Params["DEVICE_KEY"]}
	return s.passwordVerified(ctx, sc)
}

// passwordVerified is the common continuation of a verified password or SRP
// proof: the temporary-password expiry check, then advance.
func (s *Service) passwordVerified(ctx context.Context, sc *signIn) (*Result, error) {
	if sc.user.Status == "FORCE_CHANGE_PASSWORD" && tempPasswordExpired(sc.pool, sc.user, s.now()) {
		return nil, errTempPasswordExpired
	}
	sc.state.pass(stepPassword)
	return s.advance(ctx, sc)
}

// tempPasswordExpired reports whether a FORCE_CHANGE_PASSWORD user's
// temporary password outlived the pool's TemporaryPasswordValidityDays.
func tempPasswordExpired(pool *userpool.Pool, u storage.User, now time.Time) bool {
	set := u.PasswordChangedAt
	if set.IsZero() {
		set = u.CreatedAt
	}
	return !now.Before(set.Add(pool.Settings.TemporaryPasswordValidity()))
}
