package userpool

import (
	"context"
	"errors"
	"slices"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/federation"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/trigger"
)

// This file owns what a federated sign-in does to the pool (spec §14.4):
// the <ProviderName>_<id> user with status EXTERNAL_PROVIDER, created on
// the first sign-in (after PreSignUp_ExternalProvider, before
// PostConfirmation_ConfirmSignUp) with the identities
// attribute; the provider's attribute mapping applied at every sign-in;
// the automatic <poolId>_<ProviderName> group; and a linked identity
// (AdminLinkProviderForUser) signing in as its destination user. The
// profile rules themselves are federation.ProfileFor's.

// StatusExternalProvider is the status of users made by federation.
const StatusExternalProvider storage.UserStatus = federation.UserStatusExternal

// attributeValues returns u's attributes as a map.
func attributeValues(u storage.User) map[string]string {
	m := make(map[string]string, len(u.Attributes))
	for _, a := range u.Attributes {
		m[a.Name] = a.Value
	}
	return m
}

// setMapped writes attrs (sorted by name, for a stable order) onto list.
func setMapped(list []storage.Attribute, attrs map[string]string) []storage.Attribute {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		list = SetAttributes(list, storage.Attribute{Name: n, Value: attrs[n]})
	}
	return list
}

// providerLinks returns the links of provider p's identities in pool
// poolID as federation links.
func (s *Service) providerLinks(ctx context.Context, poolID, provider string) ([]federation.Link, error) {
	stored, err := s.Federation.ListProviderLinks(ctx, poolID, provider)
	if err != nil {
		return nil, err
	}
	out := make([]federation.Link, len(stored))
	for i, l := range stored {
		out[i] = federation.Link{PoolID: l.PoolID, ProviderName: l.ProviderName, AttributeName: l.AttributeName,
			AttributeValue: l.AttributeValue, Username: l.UsernameKey, Created: l.CreatedAt}
	}
	return out, nil
}

// FederatedSignIn makes or updates the user that identity id of provider
// p signs in as, through app client c (whose WriteAttributes bound the
// mapping; nil for none), and returns it. Failures the browser is to see
// are *federation.Error values (a required attribute missing, a value too
// long, a trigger refusing); the user's status and enabled flag are
// checked by the grant that follows.
//
// Triggers (spec §4, federated row): the first sign-in runs
// PreSignUp_ExternalProvider before the user is written and
// PostConfirmation_ConfirmSignUp after; a later one PreAuthentication
// before the mapping is written and PostAuthentication after (a failing
// post trigger refuses the sign-in but keeps what was written).
// TokenGeneration_HostedAuth is the grant's (authflow.GrantTokens).
func (s *Service) FederatedSignIn(ctx context.Context, pool *Pool, c *Client, p federation.Provider, id federation.Identity) (storage.User, error) {
	in := federation.ProfileInput{Pool: FederationPool(pool), Provider: p, CaseSensitive: pool.Settings.CaseSensitive()}
	if c != nil && len(c.Settings.WriteAttributes) > 0 {
		ws := c.Settings.WriteAttributes
		in.Writable = func(name string) bool { return slices.Contains(ws, name) }
	}
	links, err := s.providerLinks(ctx, pool.ID, p.Name)
	if err != nil {
		return storage.User{}, err
	}
	key := pool.Settings.UsernameKey(federation.Username(p.Name, id.UserID, in.CaseSensitive))
	link, linked := federation.FindLink(links, p, id)
	if linked {
		key = link.Username
	}
	for attempt := 0; ; attempt++ {
		u, err := s.Users.GetUser(ctx, pool.ID, key)
		if err == nil {
			in.Existing = attributeValues(u)
			prof, err := federation.ProfileFor(id, in)
			if err != nil {
				return storage.User{}, err
			}
			t := s.triggers(ctx, pool)
			if t != nil {
				// A later sign-in is an authentication (spec §4, federated
				// row): PreAuthentication before anything is written.
				if err := t.PreAuthentication(ctx, pool.TriggerPool(), triggerCall(ctx, c), trigger.PreAuthenticationInput{
					Username: u.Username, Attributes: EventAttributes(u),
				}); err != nil {
					return storage.User{}, federatedTriggerError(err)
				}
			}
			u, err = s.Users.UpdateUser(ctx, pool.ID, key, func(u *storage.User) error {
				u.Attributes = setMapped(u.Attributes, prof.Attributes)
				u.UpdatedAt = s.now()
				return nil
			})
			if err != nil {
				return storage.User{}, err
			}
			if !linked {
				// UNCONFIRMED: whether a linked native user joins the group.
				if err := s.joinProviderGroup(ctx, pool.ID, prof.Group, key); err != nil {
					return storage.User{}, err
				}
			}
			if t != nil {
				// The mapping is committed; a failing PostAuthentication
				// refuses the sign-in but does not undo it (spec §3.2).
				if err := t.PostAuthentication(ctx, pool.TriggerPool(), triggerCall(ctx, c), trigger.PostAuthenticationInput{
					Username: u.Username, Attributes: EventAttributes(u),
				}); err != nil {
					return storage.User{}, federatedTriggerError(err)
				}
			}
			return u, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return storage.User{}, err
		}
		u, err = s.createFederatedUser(ctx, pool, c, p, id, in)
		if errors.Is(err, storage.ErrExists) && attempt == 0 {
			continue // a concurrent first sign-in made it: update it instead
		}
		return u, err
	}
}

// createFederatedUser makes the user of a first sign-in through identity
// id (spec §14.4), after PreSignUp_ExternalProvider.
func (s *Service) createFederatedUser(ctx context.Context, pool *Pool, c *Client, p federation.Provider, id federation.Identity, in federation.ProfileInput) (storage.User, error) {
	in.Existing = nil
	prof, err := federation.ProfileFor(id, in)
	if err != nil {
		return storage.User{}, err
	}
	now := s.now()
	attrs := setMapped(nil, prof.Attributes)
	attrs = SetAttributes(attrs, storage.Attribute{Name: federation.AttrIdentities, Value: federation.IdentitiesJSON([]federation.IdentityEntry{federation.EntryFor(id, now)})})
	if s.Triggers != nil {
		res, err := s.Triggers.PreSignUp(ctx, pool.TriggerPool(), triggerCall(ctx, c), trigger.PreSignUpInput{
			Source: trigger.PreSignUpExternalProvider, Username: prof.Username, Attributes: attributeValues(storage.User{Attributes: attrs}),
		})
		if err != nil {
			return storage.User{}, federatedTriggerError(err)
		}
		if res.AutoVerifyEmail && prof.Attributes["email"] != "" {
			attrs = SetAttributes(attrs, storage.Attribute{Name: "email_verified", Value: "true"})
		}
		if res.AutoVerifyPhone && prof.Attributes["phone_number"] != "" {
			attrs = SetAttributes(attrs, storage.Attribute{Name: "phone_number_verified", Value: "true"})
		}
	}
	sub, err := NewUUID(s.rand())
	if err != nil {
		return storage.User{}, err
	}
	u := storage.User{
		PoolID: pool.ID, Username: prof.Username, UsernameKey: pool.Settings.UsernameKey(prof.Username), Sub: sub,
		Attributes: attrs, Status: StatusExternalProvider, Enabled: true, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		return storage.User{}, err
	}
	if err := s.joinProviderGroup(ctx, pool.ID, prof.Group, u.UsernameKey); err != nil {
		return storage.User{}, err
	}
	// The first sign-in confirms the new user (spec §4, federated row);
	// the user stays created when the function fails.
	if err := s.PostConfirmation(ctx, pool, c, trigger.PostConfirmationConfirmSignUp, u); err != nil {
		return storage.User{}, federatedTriggerError(err)
	}
	return u, nil
}

// federatedTriggerError is a trigger's failure during a federated sign-in
// as the browser sees it: invalid_request with the trigger's message (for
// example "PreSignUp failed with error <msg>."). UNCONFIRMED: the error
// code and description Cognito sends back to the app.
func federatedTriggerError(err error) error {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return &federation.Error{Code: federation.CodeInvalidRequest, Description: fe.Message}
	}
	return err
}

// joinProviderGroup adds a user to the provider's automatic group,
// creating the group (no role, no precedence) on first use.
func (s *Service) joinProviderGroup(ctx context.Context, poolID, group, key string) error {
	now := s.now()
	err := s.Groups.CreateGroup(ctx, storage.Group{PoolID: poolID, Name: group, CreatedAt: now, UpdatedAt: now})
	if err != nil && !errors.Is(err, storage.ErrExists) {
		return err
	}
	return s.Groups.AddUserToGroup(ctx, poolID, group, key)
}
