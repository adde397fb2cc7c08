package authflow

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/token"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/userpool"
)

// maxAccessTTL is the longest access or ID token lifetime a client can set;
// a revoked family must stay revoked until its last access token expired.
const maxAccessTTL = 24 * time.Hour

// issueOptions say how a set of tokens relates to the sign-in it comes from.
type issueOptions struct {
	// deviceKey is the access token's device_key; refreshDeviceKey the
	// device the refresh token is bound to ("" means deviceKey).
	deviceKey        string
	refreshDeviceKey string
	// eventID is the auth event of the sign-in ("" for a random event_id).
	eventID string
	// originJTI is the token family; "" starts a new one (a sign-in).
	originJTI string
	// authTime is when the user authenticated; zero means now.
	authTime time.Time
	// noRefresh leaves the refresh token out (a refresh without rotation).
	noRefresh bool
	// refreshExpires is the refresh token's expiry; zero means now +
	// the client's RefreshTTL.
	refreshExpires time.Time
	// oauth shapes the tokens of an OAuth grant (oauth.go); nil for the
	// tokens of an API sign-in or of its refresh.
	oauth *oauthShape
	// source is the pre-token triggerSource of these tokens and call the
	// request they are issued in; "" runs no pre-token trigger.
	source trigger.Source
	call   trigger.Call
}

// oauthShape is what sets the tokens of an OAuth grant apart (spec
// cognito-oauth2-hosted-ui.md §7): the access token's scope is the granted
// scopes; an ID token only with openid, carrying the attributes those
// scopes reveal, the authorize request's nonce and, in the code and
// implicit flows, at_hash; the refresh token keeps the scopes.
type oauthShape struct {
	scope     string
	idToken   bool
	attribute func(name string) bool
	nonce     string
	atHash    bool
}

// issue mints the tokens of a finished sign-in or refresh (spec §11).
func (s *Service) issue(ctx context.Context, pool *userpool.Pool, client *userpool.Client, u storage.User, o issueOptions) (*Tokens, error) {
	now := s.now()
	if o.authTime.IsZero() {
		o.authTime = now
	}
	if o.originJTI == "" {
		jti, err := userpool.NewOriginJTI(now, s.rand())
		if err != nil {
			return nil, err
		}
		o.originJTI = jti
	}
	eventID := o.eventID
	if eventID == "" {
		event, err := uuid.NewRandomFromReader(s.rand())
		if err != nil {
			return nil, err
		}
		eventID = event.String()
	}
	groups, roles, preferredRole, err := s.groups(ctx, pool, u)
	if err != nil {
		return nil, err
	}
	cs := client.Settings
	var scope string
	if o.oauth != nil {
		scope = o.oauth.scope
	}
	// PreTokenGeneration (triggers.go) sees the groups and scopes the
	// tokens would carry; its edits apply to the claims as built, before
	// they are signed (spec §6.5).
	var edits trigger.TokenEdits
	if o.source != "" && s.hasTrigger(pool, trigger.PreTokenGeneration) {
		in := trigger.PreTokenInput{Source: o.source, Username: u.Username, Attributes: eventAttributes(pool, u),
			Groups: groups, IAMRoles: roles, PreferredRole: preferredRole, Scopes: strings.Fields(cmp.Or(scope, token.DefaultScope))}
		if edits, err = s.Triggers.PreTokenGeneration(ctx, pool.TriggerPool(), o.call, in); err != nil {
			return nil, err
		}
	}
	var editAccess, editID token.Edit
	if !edits.IsZero() {
		editAccess, editID = edits.ApplyAccess, edits.ApplyID
	}
	access, err := s.Tokens.SignAccess(ctx, token.AccessClaims{
		PoolID:    pool.ID,
		Sub:       u.Sub,
		Groups:    groups,
		ClientID:  client.ID,
		OriginJTI: o.originJTI,
		EventID:   eventID,
		AuthTime:  o.authTime,
		IssuedAt:  now,
		ExpiresAt: now.Add(cs.AccessTTL()),
		Username:  u.Username,
		DeviceKey: o.deviceKey,
		Scope:     scope,
		Edit:      editAccess,
	})
	if err != nil {
		return nil, err
	}
	t := &Tokens{AccessToken: access, ExpiresIn: int32(cs.AccessTTL() / time.Second)}
	if o.oauth == nil || o.oauth.idToken {
		idc := token.IDClaims{
			PoolID:        pool.ID,
			Sub:           u.Sub,
			Groups:        groups,
			PreferredRole: preferredRole,
			Roles:         roles,
			Username:      u.Username,
			OriginJTI:     o.originJTI,
			Audience:      client.ID,
			EventID:       eventID,
			AuthTime:      o.authTime,
			IssuedAt:      now,
			ExpiresAt:     now.Add(cs.IDTTL()),
			Attributes:    readableAttributes(u, cs.ReadAttributes),
			Edit:          editID,
		}
		if o.oauth != nil {
			idc.Nonce = o.oauth.nonce
			if o.oauth.atHash {
				idc.AtHash = token.AtHash(access)
			}
			for name := range idc.Attributes {
				// identities comes with openid whatever the other scopes
				// (UNCONFIRMED: federated users' tokens always carry it).
				if o.oauth.attribute != nil && !o.oauth.attribute(name) && name != federatedIdentities {
					delete(idc.Attributes, name)
				}
			}
		}
		if t.IDToken, err = s.Tokens.SignID(ctx, idc); err != nil {
			return nil, err
		}
	}
	if !o.noRefresh {
		exp := o.refreshExpires
		if exp.IsZero() {
			exp = now.Add(cs.RefreshTTL())
		}
		refreshDevice := o.refreshDeviceKey
		if refreshDevice == "" {
			refreshDevice = o.deviceKey
		}
		t.RefreshToken, err = s.Tokens.SealRefresh(token.RefreshClaims{
			PoolID:    pool.ID,
			ClientID:  client.ID,
			Username:  u.Username,
			Sub:       u.Sub,
			OriginJTI: o.originJTI,
			DeviceKey: refreshDevice,
			Scope:     scope,
			AuthTime:  o.authTime,
			IssuedAt:  now,
			ExpiresAt: exp,
		})
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// federatedIdentities is the attribute of a federated user's identities
// (spec §14.4): read by every client (UNCONFIRMED), since Cognito's
// federated tokens carry it whatever the client's ReadAttributes.
const federatedIdentities = "identities"

// readableAttributes are the ID token's attribute claims: the user's
// attributes, restricted to the client's ReadAttributes when it lists any
// (identities always passes).
func readableAttributes(u storage.User, read []string) map[string]string {
	out := make(map[string]string, len(u.Attributes))
	for _, a := range u.Attributes {
		if a.Name == "sub" || (len(read) > 0 && !slices.Contains(read, a.Name) && a.Name != federatedIdentities) {
			continue
		}
		out[a.Name] = a.Value
	}
	return out
}

// groups returns the user's groups for cognito:groups, ordered by
// precedence (lowest first, groups without one last) and then name, the
// distinct role ARNs of those groups (cognito:roles) and the role of the
// group with the lowest precedence that has one (cognito:preferred_role).
// The ordering of cognito:groups is UNCONFIRMED.
func (s *Service) groups(ctx context.Context, pool *userpool.Pool, u storage.User) (names, roles []string, preferred string, err error) {
	all, err := s.Pools.UserGroups(ctx, pool, u)
	if err != nil {
		return nil, nil, "", err
	}
	if len(all) == 0 {
		return nil, nil, "", nil
	}
	slices.SortStableFunc(all, func(a, b storage.Group) int {
		switch {
		case a.Precedence == nil && b.Precedence == nil:
		case a.Precedence == nil:
			return 1
		case b.Precedence == nil:
			return -1
		default:
			if c := cmp.Compare(*a.Precedence, *b.Precedence); c != 0 {
				return c
			}
		}
		return strings.Compare(a.Name, b.Name)
	})
	for _, g := range all {
		names = append(names, g.Name)
		if g.RoleArn != "" && !slices.Contains(roles, g.RoleArn) {
			roles = append(roles, g.RoleArn)
			if preferred == "" {
				preferred = g.RoleArn
			}
		}
	}
	return names, roles, preferred, nil
}

// refreshRequest is a token refresh through InitiateAuth (flow set),
// GetTokensFromRefreshToken (flow empty) or the OAuth token endpoint
// (endpoint set).
type refreshRequest struct {
	flow         Flow
	token        string
	secretHash   string // InitiateAuth: SECRET_HASH
	clientSecret string // GetTokensFromRefreshToken: ClientSecret
	deviceKey    string
	// endpoint is set for grant_type=refresh_token at /oauth2/token, whose
	// client the endpoint has authenticated already (RefreshGrant).
	endpoint bool
	// admin (AdminInitiateAuth), metadata (ClientMetadata) and userAgent
	// are what the pre-token trigger's event says of the request.
	admin     bool
	metadata  map[string]string
	userAgent string
}

// Refresh is a GetTokensFromRefreshToken request.
type Refresh struct {
	ClientID, ClientSecret, RefreshToken, DeviceKey string
	// Metadata is ClientMetadata (for the pre-token trigger); UserAgent the
	// request's User-Agent (its callerContext.awsSdkVersion).
	Metadata  map[string]string
	UserAgent string
}

// GetTokensFromRefreshToken issues new tokens for a refresh token, and a new
// refresh token when the client rotates them.
func (s *Service) GetTokensFromRefreshToken(ctx context.Context, in Refresh) (*Result, error) {
	pool, client, err := s.loadClient(ctx, false, "", in.ClientID)
	if err != nil {
		return nil, err
	}
	return s.refresh(ctx, pool, client, refreshRequest{token: in.RefreshToken, clientSecret: in.ClientSecret, deviceKey: in.DeviceKey,
		metadata: in.Metadata, userAgent: in.UserAgent})
}

// rotates reports whether the client rotates refresh tokens.
func rotates(c *userpool.Client) bool { return c.Settings.RotatesRefreshTokens() }

// refresh checks a refresh token and issues new ID and access tokens in the
// same family (same origin_jti and auth_time), and no new refresh token
// unless the client rotates them (spec §7.1, §11).
func (s *Service) refresh(ctx context.Context, pool *userpool.Pool, client *userpool.Client, in refreshRequest) (*Result, error) {
	flow := in.flow
	if flow == "" {
		flow = FlowRefreshTokenAuth
	}
	// UNCONFIRMED: whether the token endpoint asks for
	// ALLOW_REFRESH_TOKEN_AUTH too; it does not here.
	if !in.endpoint && !client.Settings.AllowsFlow(userpool.AllowRefreshTokenAuth) {
		return nil, flowNotEnabled(flow)
	}
	api := in.flow == "" && !in.endpoint
	switch {
	case in.endpoint:
	case api:
		if !client.CheckSecret(in.clientSecret) {
			return nil, badClientSecret(fault.NotAuthorized, client.ID)
		}
	default:
		if in.token == "" {
			return nil, missing("REFRESH_TOKEN")
		}
		if rotates(client) {
			return nil, errRotationNeedsAPI
		}
	}
	claims, err := s.Tokens.OpenRefresh(in.token)
	switch {
	case errors.Is(err, token.ErrExpired):
		return nil, errRefreshExpired
	case errors.Is(err, token.ErrInvalid):
		return nil, errRefreshInvalid
	case err != nil:
		return nil, err
	}
	if claims.PoolID != pool.ID || claims.ClientID != client.ID {
		return nil, errRefreshInvalid
	}
	if !api && !in.endpoint && client.Secret != "" {
		// SECRET_HASH over the internal username, which is what clients
		// that signed in with an alias must use; the sub is accepted too.
		if err := client.CheckSecretHash(claims.Username, in.secretHash); err != nil {
			if client.CheckSecretHash(claims.Sub, in.secretHash) != nil {
				return nil, err
			}
		}
	}
	revoked, err := s.Revocations.TokensRevoked(ctx, pool.ID, claims.OriginJTI)
	if err != nil {
		return nil, err
	}
	if revoked {
		return nil, errRefreshRevoked
	}
	u, err := s.tokenUser(ctx, pool, claims.Username, claims.Sub, claims.OriginJTI, errRefreshRevoked)
	if err != nil {
		return nil, err
	}
	if u.Status == userpool.StatusResetRequired {
		return nil, userpool.ErrResetRequired
	}
	// Refresh tokens of a tracking pool are bound to a device (devices.go).
	deviceKey, err := s.refreshDevice(ctx, pool, u, claims.DeviceKey, in.deviceKey)
	if err != nil {
		return nil, err
	}
	rotate := (api || in.endpoint) && rotates(client)
	if rotate {
		if err := s.rotateOut(ctx, pool, client, in.token, claims); err != nil {
			return nil, err
		}
	}
	opts := issueOptions{
		deviceKey:        deviceKey,
		refreshDeviceKey: claims.DeviceKey,
		originJTI:        claims.OriginJTI,
		authTime:         claims.AuthTime,
		noRefresh:        !rotate,
		refreshExpires:   claims.ExpiresAt,
	}
	if claims.Scope != "" {
		// A token of the OAuth endpoints keeps its scopes, wherever it is
		// refreshed (spec §19.9); its ID token carries no nonce or at_hash.
		if opts.oauth, err = s.shape(strings.Fields(claims.Scope), "", false); err != nil {
			return nil, err
		}
	}
	opts.source, opts.call = refreshSource(in, api), trigger.Call{Operation: refreshOperation(in, api), ClientID: client.ID,
		SDKVersion: trigger.SDKVersion(in.userAgent), ClientMetadata: in.metadata}
	tokens, err := s.issue(ctx, pool, client, u, opts)
	if err != nil {
		return nil, err
	}
	return &Result{Tokens: tokens, Parameters: map[string]string{}}, nil
}

// refreshSource is the pre-token triggerSource of a refresh:
// RefreshTokens for InitiateAuth's REFRESH_TOKEN_AUTH and the token
// endpoint; GetTokensFromRefreshToken is listed under Authentication in the
// Developer Guide. UNCONFIRMED (spec §12.11): its source.
func refreshSource(in refreshRequest, api bool) trigger.Source {
	if api {
		return trigger.TokenGenerationAuthentication
	}
	return trigger.TokenGenerationRefreshTokens
}

// refreshOperation is the operation a refresh request is.
func refreshOperation(in refreshRequest, api bool) trigger.Operation {
	switch {
	case in.endpoint:
		return trigger.OpOAuthToken
	case api:
		return trigger.OpGetTokensFromRefreshToken
	case in.admin:
		return trigger.OpAdminInitiateAuth
	}
	return trigger.OpInitiateAuth
}

// rotationMarker is the session-store record that a refresh token was
// rotated out. Its ID is "rt:" and a digest of the token; it expires with
// the token, so the session sweeper removes it when it no longer matters.
type rotationMarker struct {
	RotatedAt int64 `json:"rotated_at"` // Unix ms
}

// rotateOut records that token is being exchanged for a new refresh token.
// The first exchange wins; later ones succeed only within the client's
// RetryGracePeriodSeconds. The rotated token keeps its family's expiry
// (UNCONFIRMED whether Cognito extends it).
func (s *Service) rotateOut(ctx context.Context, pool *userpool.Pool, client *userpool.Client, tok string, claims token.RefreshClaims) error {
	sum := sha256.Sum256([]byte(tok))
	id := "rt:" + base64.RawURLEncoding.EncodeToString(sum[:])
	now := s.now()
	state, err := json.Marshal(rotationMarker{RotatedAt: now.UnixMilli()})
	if err != nil {
		return err
	}
	err = s.Sessions.CreateSession(ctx, storage.AuthSession{ID: id, PoolID: pool.ID, ClientID: client.ID, ExpiresAt: claims.ExpiresAt, State: state})
	if err == nil {
		return nil
	}
	if !errors.Is(err, storage.ErrExists) {
		return err
	}
	prev, err := s.Sessions.GetSession(ctx, id)
	if err != nil {
		return err
	}
	var m rotationMarker
	if json.Unmarshal(prev.State, &m) != nil {
		return errRefreshReused
	}
	if now.Sub(time.UnixMilli(m.RotatedAt)) < client.Settings.RefreshGracePeriod() {
		return nil
	}
	return errRefreshReused
}

// RevokeToken revokes a refresh token and every token of its family
// (spec §11; API RevokeToken). Revoking an expired token succeeds and does
// nothing.
func (s *Service) RevokeToken(ctx context.Context, clientID, clientSecret, tok string) error {
	client, err := s.Pools.LoadClient(ctx, "", clientID)
	if err != nil {
		return err
	}
	if !client.CheckSecret(clientSecret) {
		return badClientSecret(fault.Unauthorized, client.ID)
	}
	return s.revoke(ctx, client, tok)
}

// revoke is RevokeToken for a client already authenticated.
func (s *Service) revoke(ctx context.Context, client *userpool.Client, tok string) error {
	if !client.Settings.RevocationEnabled() {
		return errRevocationDisabled
	}
	claims, err := s.Tokens.OpenRefresh(tok)
	switch {
	case errors.Is(err, token.ErrExpired):
		return nil
	case errors.Is(err, token.ErrInvalid):
		return errNotRefreshToken
	case err != nil:
		return err
	}
	if claims.ClientID != client.ID || claims.PoolID != client.PoolID {
		return errRevokeOtherClient
	}
	return s.Revocations.RevokeTokens(ctx, claims.PoolID, claims.OriginJTI, claims.ExpiresAt.Add(maxAccessTTL))
}

// GlobalSignOut ends every token family of a user that started before now:
// access tokens then fail with "Access Token has been revoked" and refresh
// tokens with "Refresh Token has been revoked". Sign-ins in the same
// millisecond count as before it.
func (s *Service) GlobalSignOut(ctx context.Context, poolID, usernameKey string) error {
	at := s.now().Truncate(time.Millisecond).Add(time.Millisecond)
	_, err := s.Users.UpdateUser(ctx, poolID, usernameKey, func(u *storage.User) error {
		if u.TokensRevokedAt.Before(at) {
			u.TokensRevokedAt = at
		}
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return userpool.ErrUserNotFound
	}
	return err
}

// AdminUserGlobalSignOut is GlobalSignOut for the user name designates
// (username, alias or sub).
func (s *Service) AdminUserGlobalSignOut(ctx context.Context, poolID, name string) error {
	pool, u, err := s.Pools.PoolUser(ctx, poolID, name)
	if err != nil {
		return err
	}
	return s.GlobalSignOut(ctx, pool.ID, u.UsernameKey)
}
