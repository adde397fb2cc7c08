package authflow

import (
	"context"
	"errors"
	"time"

	"github.com/userpoold/userpoold/internal/risk"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/userpool"
)

// passwordAuth runs USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH,
// ADMIN_NO_SRP_AUTH (spec §7.2) and FlowHostedPassword: USERNAME and
// PASSWORD in AuthParameters, SECRET_HASH for clients with a secret
// (computed over the name as typed; not for the hosted flow), DEVICE_KEY
// optional.
func (s *Service) passwordAuth(ctx context.Context, pool *userpool.Pool, client *userpool.Client, in Initiate) (*Result, error) {
	username, pw := in.Params["USERNAME"], in.Params["PASSWORD"]
	if username == "" {
		return nil, missing("USERNAME")
	}
	if pw == "" {
		return nil, missing("PASSWORD")
	}
	if in.Flow != FlowHostedPassword {
		if err := client.CheckSecretHash(username, in.Params["SECRET_HASH"]); err != nil {
			return nil, err
		}
	}
	sc := &signIn{pool: pool, client: client, admin: in.Admin, metadata: in.Metadata, context: in.Context, password: pw}
	sc.state = sessionState{Flow: in.Flow}
	// Count the attempt before the (slow) check, atomically, so that a burst
	// of concurrent guesses gets no more checks than the lockout allows; the
	// check uses the hash as stored then. A sign-in by username reads the
	// user only there; an alias or a sub is resolved first.
	u, r, err := s.lookupReserve(ctx, pool, username)
	if notFound(err) && migrates(in.Flow) {
		// A name that is nobody may be a user the UserMigration trigger
		// brings in (spec §6.6): created, the user signs in as any other.
		_, migrated, merr := s.Pools.Migrate(ctx, pool, client, trigger.UserMigrationAuthentication, username, pw)
		if merr != nil {
			return nil, merr
		}
		if migrated {
			u, r, err = s.lookupReserve(ctx, pool, username)
		}
	}
	if notFound(err) {
		if err := s.preAuthenticationUnknown(ctx, sc, username); err != nil {
			return nil, err
		}
		return nil, s.unknownPassword(ctx, pool, client, username, pw)
	}
	if err != nil {
		return nil, err
	}
	// PreAuthentication runs before the password is checked; a rejection
	// is no wrong password, so the attempt is given back.
	if err := s.preAuthentication(ctx, sc, u); err != nil {
		if rerr := s.refund(ctx, pool.ID, &u, r); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	if u, err = s.checkReserved(ctx, pool, client, u, r, pw, in.Context); err != nil {
		return nil, err
	}
	sc.user = u
	sc.state = sessionState{Username: u.Username, Sub: u.Sub, Flow: in.Flow, DeviceKey: in.Params["DEVICE_KEY"]}
	return s.passwordVerified(ctx, sc)
}

// notFound reports a lookup that found nobody.
func notFound(err error) bool {
	return errors.Is(err, userpool.ErrUserNotFound) || errors.Is(err, storage.ErrNotFound)
}

// migrates reports whether a password sign-in of flow may run the
// UserMigration trigger: USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH
// (ADMIN_NO_SRP_AUTH is its old name), where the password is typed; never
// SRP, USER_AUTH, the hosted pages or passwordless sign-in (spec §4, §6.6).
func migrates(flow Flow) bool {
	return flow == FlowUserPassword || flow == FlowAdminUserPassword || flow == FlowAdminNoSRP
}

// lookupReserve finds the user a password sign-in names (username, alias
// or sub) and reserves a lockout attempt for them (reserve), checking that
// they may sign in (userpool.CheckSignIn).
func (s *Service) lookupReserve(ctx context.Context, pool *userpool.Pool, username string) (storage.User, reservation, error) {
	u, r, err := s.reserve(ctx, pool.ID, pool.Settings.UsernameKey(username), userpool.CheckSignIn)
	if errors.Is(err, storage.ErrNotFound) {
		var found storage.User
		if found, err = s.Pools.FindUser(ctx, pool, username); err == nil {
			u, r, err = s.reserve(ctx, pool.ID, found.UsernameKey, func(cur storage.User) error {
				if cur.Sub != found.Sub {
					return storage.ErrNotFound // deleted and re-created meanwhile
				}
				return userpool.CheckSignIn(cur)
			})
		}
	}
	return u, r, err
}

// checkReserved checks pw against u, for whom reserve counted an attempt
// (r): a wrong password stays counted (and is recorded for threat
// protection), a right one is refunded; a check the server was too busy to
// make does not count. It returns u as refund left it.
func (s *Service) checkReserved(ctx context.Context, pool *userpool.Pool, client *userpool.Client, u storage.User, r reservation, pw string, c risk.Context) (storage.User, error) {
	ok, err := s.Pools.CheckPassword(ctx, u, pw)
	if err != nil {
		if rerr := s.refund(ctx, pool.ID, &u, r); rerr != nil {
			return u, rerr
		}
		return u, err
	}
	if !ok {
		return u, s.signInFailed(ctx, pool, client, u, c, errIncorrect)
	}
	err = s.refund(ctx, pool.ID, &u, r)
	return u, err
}

// passwordVerified is the common continuation of a verified password or SRP
// proof: the temporary-password expiry check, then advance.
func (s *Service) passwordVerified(ctx context.Context, sc *signIn) (*Result, error) {
	if sc.user.Status == userpool.StatusForceChangePassword && tempPasswordExpired(sc.pool, sc.user, s.now()) {
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

// unknownPassword answers a password sign-in as a name that matches no
// user. When the client hides user existence the attempt is counted
// against the name's own lockout first (userpool.UnknownSignInFailure), so
// that an unknown name, like a real user, answers "Password attempts
// exceeded" from the same failure on, without a password check. The check
// costs what a real one costs (TooManyRequestsException when the hashing
// budget is spent, as for a real user).
func (s *Service) unknownPassword(ctx context.Context, pool *userpool.Pool, client *userpool.Client, name, pw string) error {
	hide := client.Settings.HidesUserExistence()
	if hide {
		locked, err := s.Pools.UnknownSignInFailure(ctx, pool, name)
		if err != nil {
			return err
		}
		if locked {
			return errAttemptsExceeded
		}
	}
	if err := s.Pools.CheckDummyPassword(ctx, pw); err != nil {
		return err
	}
	if hide {
		return errIncorrect
	}
	return userpool.ErrUserNotFound
}
