package authflow

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/token"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file is what the OAuth 2.0 endpoints of a pool domain need of
// sign-in (package oauth reaches it through the server's adapters): the
// tokens of the authorization code, implicit, refresh and client
// credentials grants, the check that a signed-in user (a `cognito` session
// cookie, an authorization code) may still get tokens, the userInfo
// endpoint's view of an access token, and revocation by an authenticated
// client. The rules are those of the API's sign-in: the same user checks,
// the same token issue path (tokens.go), the same refresh.

// ScopeRules decide what the scopes of an OAuth grant put in its tokens:
// whether they give an ID token (openid) and which user attributes it may
// carry. Package oauth owns these rules; server.New fills Service.Scopes
// with an adapter over it.
type ScopeRules interface {
	Claims(scopes []string) (idToken bool, attribute func(name string) bool)
}

// errNoScopeRules is a wiring mistake: an OAuth grant on a Service built
// without Scopes.
var errNoScopeRules = errors.New("authflow: Service.Scopes is not set; OAuth grants need it")

// shape returns the oauthShape of a grant of scopes.
func (s *Service) shape(scopes []string, nonce string, atHash bool) (*oauthShape, error) {
	if s.Scopes == nil {
		return nil, errNoScopeRules
	}
	idToken, attribute := s.Scopes.Claims(scopes)
	return &oauthShape{scope: strings.Join(scopes, " "), idToken: idToken, attribute: attribute, nonce: nonce, atHash: atHash}, nil
}

// Grant asks for the tokens of a user who authenticated on a pool domain:
// an authorization code being exchanged, or an implicit grant.
type Grant struct {
	PoolID   string
	ClientID string
	// Username (the internal username), Sub and AuthTime are the signed-in
	// user (Result.SignedIn, the session cookie, the code).
	Username string
	Sub      string
	AuthTime time.Time
	// Scopes are the granted scopes, in the order of the "scope" claim.
	Scopes []string
	// Nonce is the authorize request's nonce, copied into the ID token.
	Nonce string
	// Refresh asks for a refresh token (the code flow; never implicit).
	Refresh bool
}

// errSignedOut answers a grant for a session or code that began before the
// user's last global sign-out: the user must sign in again. It never
// reaches a client as such (the token endpoint answers invalid_grant, the
// session cookie is ignored); the wording is ours.
var errSignedOut = fault.New(fault.NotAuthorized, "User has signed out.")

// signedInUser loads the user of a hosted sign-in (username and sub) and
// checks that they may still get tokens without signing in again: they
// exist, are enabled, confirmed and not required to reset their password
// (userpool.CheckSignIn), and have not signed out globally since authTime.
func (s *Service) signedInUser(ctx context.Context, pool *userpool.Pool, username, sub string, authTime time.Time) (storage.User, error) {
	u, err := s.Pools.LoadUser(ctx, pool, username, sub)
	if err != nil {
		return storage.User{}, err
	}
	if err := userpool.CheckSignIn(u); err != nil {
		return storage.User{}, err
	}
	if !u.TokensRevokedAt.IsZero() && !authTime.After(u.TokensRevokedAt) {
		return storage.User{}, errSignedOut
	}
	return u, nil
}

// CheckSignedIn reports (nil) whether the user of a hosted sign-in in pool
// poolID may still get tokens without a password: what the single sign-on
// cookie is checked with. The errors are those of GrantTokens.
func (s *Service) CheckSignedIn(ctx context.Context, poolID, username, sub string, authTime time.Time) error {
	pool, err := s.Pools.LoadPool(ctx, poolID)
	if err != nil {
		return err
	}
	_, err = s.signedInUser(ctx, pool, username, sub, authTime)
	return err
}

// GrantTokens mints the tokens of an authorization code or implicit grant:
// a new token family whose auth_time is the sign-in's, an access token
// with the granted scopes, an ID token when openid was granted (with the
// nonce, at_hash and the attributes the scopes reveal), and a refresh
// token carrying the scopes when g.Refresh. The user is checked again
// (signedInUser): a user disabled or signed out since the sign-in gets
// NotAuthorized, a deleted one UserNotFound.
func (s *Service) GrantTokens(ctx context.Context, g Grant) (*Tokens, error) {
	pool, client, err := s.Pools.PoolClient(ctx, g.PoolID, g.ClientID)
	if err != nil {
		return nil, err
	}
	u, err := s.signedInUser(ctx, pool, g.Username, g.Sub, g.AuthTime)
	if err != nil {
		return nil, err
	}
	shape, err := s.shape(g.Scopes, g.Nonce, true)
	if err != nil {
		return nil, err
	}
	return s.issue(ctx, pool, client, u, issueOptions{authTime: g.AuthTime, noRefresh: !g.Refresh, oauth: shape,
		source: trigger.TokenGenerationHostedAuth, call: trigger.Call{Operation: trigger.OpHostedUI, ClientID: client.ID}})
}

// RefreshGrant answers grant_type=refresh_token at the token endpoint for
// client clientID, which the endpoint has authenticated: the refresh of
// the API (same family, same checks) without SECRET_HASH, keeping the
// token's scopes, and a new refresh token only when the client rotates
// them.
func (s *Service) RefreshGrant(ctx context.Context, clientID, refreshToken string) (*Tokens, error) {
	pool, client, err := s.Pools.ClientPool(ctx, clientID)
	if err != nil {
		return nil, err
	}
	res, err := s.refresh(ctx, pool, client, refreshRequest{token: refreshToken, endpoint: true})
	if err != nil {
		return nil, err
	}
	return res.Tokens, nil
}

// ClientCredentialsTokens answers grant_type=client_credentials for client
// clientID (authenticated, and allowed the flow, by the endpoint): an
// access token with no user, whose sub is the client ID (UNCONFIRMED, spec
// §7), carrying the granted custom scopes, valid for the client's access
// token lifetime.
//
// metadata is the request's aws_client_metadata, for a V3_0 pre-token
// trigger.
func (s *Service) ClientCredentialsTokens(ctx context.Context, clientID string, scopes []string, metadata map[string]string) (*Tokens, error) {
	pool, client, err := s.Pools.ClientPool(ctx, clientID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	ttl := client.Settings.AccessTTL()
	// A V3_0 pre-token trigger customises machine-to-machine tokens too
	// (TokenGeneration_ClientCredentials; trigger.Service skips V1_0 and
	// V2_0 functions). UNCONFIRMED: the event's userName (the client ID
	// here) and its empty userAttributes.
	var edit token.Edit
	if s.hasTrigger(pool, trigger.PreTokenGeneration) {
		edits, err := s.Triggers.PreTokenGeneration(ctx, pool.TriggerPool(), trigger.Call{Operation: trigger.OpOAuthToken, ClientID: client.ID, ClientMetadata: metadata},
			trigger.PreTokenInput{Source: trigger.TokenGenerationClientCredentials, Username: client.ID, Scopes: scopes})
		if err != nil {
			return nil, err
		}
		if !edits.IsZero() {
			edit = edits.ApplyAccess
		}
	}
	access, err := s.Tokens.SignAccess(ctx, token.AccessClaims{
		PoolID:    pool.ID,
		Sub:       client.ID,
		ClientID:  client.ID,
		Scope:     strings.Join(scopes, " "),
		AuthTime:  now,
		IssuedAt:  now,
		ExpiresAt: now.Add(ttl),
		Edit:      edit,
	})
	if err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: access, ExpiresIn: int32(ttl / time.Second)}, nil
}

// UserInfo is what /oauth2/userInfo answers from: the access token's
// claims, its user and the app client it was issued to (whose
// ReadAttributes limit what is shown). Unlike Authorize, the token need
// not carry aws.cognito.signin.user.admin (the endpoint asks for openid);
// it is verified alike (signature, expiry, revocation, global sign-out, a
// disabled user). A client_credentials token has no user: NotAuthorized.
func (s *Service) UserInfo(ctx context.Context, accessToken string) (*Caller, *userpool.Client, error) {
	return s.authorizeClient(ctx, accessToken, AnyStatus, false)
}

// ReadableAttributes are the user attributes client c may read (its
// ReadAttributes, or all), without sub, by name: what userInfo and the ID
// token show before the scopes filter them.
func ReadableAttributes(u storage.User, c *userpool.Client) map[string]string {
	return readableAttributes(u, c.Settings.ReadAttributes)
}

// RevokeRefresh revokes a refresh token and every token of its family for
// client clientID, which the revocation endpoint has authenticated: the
// rules of RevokeToken without the client secret check.
func (s *Service) RevokeRefresh(ctx context.Context, clientID, refreshToken string) error {
	client, err := s.Pools.LoadClient(ctx, "", clientID)
	if err != nil {
		return err
	}
	return s.revoke(ctx, client, refreshToken)
}
