package authflow

import (
	"context"

	"github.com/userpoold/userpoold/internal/userpool"
)

// This file is sign-in after sign-up (spec cognito-user-auth.md §4.1,
// §4.3, §13.4): ConfirmSignUp answers a Session, and InitiateAuth USER_AUTH
// with that Session (Amplify's autoSignIn) signs the user in with the
// confirmation code as the first factor, without asking for one.
//
// UNCONFIRMED (§13.4): that AWS returns the session when the request sent
// none (Amplify relies on it), that PREFERRED_CHALLENGE is not needed, and
// what follows for a user who must do MFA. This server issues the session
// to clients that allow USER_AUTH, needs no PREFERRED_CHALLENGE, and
// treats the code as a passwordless first factor: no MFA follows it,
// except that a user who must do MFA (pool MFA ON, or a factor enabled)
// goes on to the MFA step (MFA_SETUP for a new user), so the session never
// skips MFA a password sign-in would ask for.

// challengeSignedUp is the internal challenge of a ConfirmSignUp session:
// no answer matches it, only InitiateAuth USER_AUTH opens it.
const challengeSignedUp ChallengeName = "userpoold:CONFIRMED_SIGN_UP"

// SignUpSession returns the Session ConfirmSignUp answers for the user
// username has just confirmed through client, or "" when the client does
// not allow USER_AUTH (the only flow that takes it). The session is
// single-use and lives as long as the client's other sign-in sessions.
func (s *Service) SignUpSession(ctx context.Context, pool *userpool.Pool, client *userpool.Client, username string) (string, error) {
	if !client.Settings.AllowsFlow(userpool.AllowUserAuth) {
		return "", nil
	}
	u, err := s.Pools.FindUser(ctx, pool, username)
	if err != nil {
		return "", err
	}
	sc := &signIn{pool: pool, client: client, user: u,
		state: sessionState{Username: u.Username, Sub: u.Sub, Flow: FlowUser, Challenge: challengeSignedUp}}
	return s.newSession(ctx, sc)
}

// signUpSignIn is USER_AUTH with a ConfirmSignUp Session: the session must
// be one of this pool and client, unspent and unexpired, and name the user
// USERNAME finds; the first factor then counts as proven.
func (s *Service) signUpSignIn(ctx context.Context, pool *userpool.Pool, client *userpool.Client, in Initiate) (*Result, error) {
	sc, err := s.openSession(ctx, pool, client, in.Session)
	if err != nil {
		return nil, err
	}
	if sc.state.Challenge != challengeSignedUp || sc.state.Flow != FlowUser {
		s.release(ctx, sc)
		return nil, errSessionInvalid
	}
	u, err := s.Pools.FindUser(ctx, pool, in.Params["USERNAME"])
	if err != nil || u.Sub != sc.state.Sub {
		sc.compared()
		return nil, errSessionInvalid
	}
	if err := userpool.CheckSignIn(u); err != nil {
		return nil, err
	}
	sc.user, sc.admin, sc.metadata, sc.context = u, in.Admin, in.Metadata, in.Context
	if err := s.preAuthentication(ctx, sc, u); err != nil { // triggers.go
		return nil, err
	}
	sc.state.Challenge = ""
	sc.state.DeviceKey = in.Params["DEVICE_KEY"]
	sc.state.pass(stepFirstFactor)
	if mfaBound(pool, &u) {
		return s.advance(ctx, sc)
	}
	return s.passMFA(ctx, sc)
}
