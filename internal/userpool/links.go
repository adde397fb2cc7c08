package userpool

import (
	"context"
	"errors"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/federation"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file runs AdminLinkProviderForUser and AdminDisableProviderForUser
// (spec §14.5): it loads what federation.DecideLink and DecideDisable
// need, and persists their decisions (storage.ProviderLink, the
// destination's identities attribute).

// updateIdentities rewrites u's identities attribute with edit.
func updateIdentities(u *storage.User, edit func([]federation.IdentityEntry) []federation.IdentityEntry) error {
	cur, err := federation.ParseIdentities(attributeValues(*u)[federation.AttrIdentities])
	if err != nil {
		return err
	}
	next := edit(cur)
	if len(next) == 0 {
		u.Attributes = removeAttribute(u.Attributes, federation.AttrIdentities)
		return nil
	}
	u.Attributes = SetAttributes(u.Attributes, storage.Attribute{Name: federation.AttrIdentities, Value: federation.IdentitiesJSON(next)})
	return nil
}

func removeAttribute(list []storage.Attribute, name string) []storage.Attribute {
	out := list[:0:0]
	for _, a := range list {
		if a.Name != name {
			out = append(out, a)
		}
	}
	return out
}

// AdminLinkProviderForUser links the source identity (an identity
// provider's user, by Cognito_Subject or a mapped attribute) to the
// destination, an existing user of pool poolID: the identity then signs in
// as that user, whose identities attribute lists it. Linking the same
// pair again changes nothing.
func (s *Service) AdminLinkProviderForUser(ctx context.Context, poolID string, dst, src federation.UserRef) error {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return err
	}
	providers, err := s.IdentityProviders(ctx, p.ID)
	if err != nil {
		return err
	}
	in := federation.LinkInput{PoolID: p.ID, Destination: dst, Source: src, Providers: providers,
		CaseSensitive: p.Settings.CaseSensitive(), Now: s.now()}
	var dstUser storage.User
	if dst.ProviderName == federation.ProviderCognito && dst.AttributeValue != "" {
		dstUser, err = s.FindUser(ctx, p, dst.AttributeValue)
		switch {
		case err == nil:
			in.DestinationExists = true
			links, err := s.Federation.ListUserProviderLinks(ctx, p.ID, dstUser.UsernameKey)
			if err != nil {
				return err
			}
			in.DestinationLinks = len(links)
		case fault.KindOf(err) != fault.UserNotFound:
			return err
		}
	}
	if src.ProviderName != federation.ProviderCognito && src.AttributeValue != "" {
		if src.AttributeName == federation.SubjectAttribute {
			_, err := s.Users.GetUser(ctx, p.ID, p.Settings.UsernameKey(federation.Username(src.ProviderName, src.AttributeValue, in.CaseSensitive)))
			if err == nil {
				in.SourceSignedUp = true
			} else if !errors.Is(err, storage.ErrNotFound) {
				return err
			}
		}
		links, err := s.Federation.ListProviderLinks(ctx, p.ID, src.ProviderName)
		if err != nil {
			return err
		}
		for _, l := range links {
			if l.AttributeName == src.AttributeName && l.AttributeValue == src.AttributeValue {
				in.SourceLinkedTo = l.UsernameKey
			}
		}
	}
	if in.SourceLinkedTo != "" && in.DestinationExists && in.SourceLinkedTo == dstUser.UsernameKey {
		return nil // linked already
	}
	if in.DestinationExists {
		in.Destination.AttributeValue = dstUser.UsernameKey
	}
	res, err := federation.DecideLink(in)
	if err != nil {
		return err
	}
	err = s.Federation.CreateProviderLink(ctx, storage.ProviderLink{
		PoolID: p.ID, ProviderName: res.Link.ProviderName, AttributeName: res.Link.AttributeName,
		AttributeValue: res.Link.AttributeValue, UsernameKey: dstUser.UsernameKey, CreatedAt: res.Link.Created,
	})
	switch {
	case errors.Is(err, storage.ErrExists):
		return fault.New(fault.AliasExists, "The source user is already linked to another user.") // UNCONFIRMED wording
	case errors.Is(err, storage.ErrNotFound):
		return ErrUserNotFound
	case err != nil:
		return err
	}
	_, err = s.Users.UpdateUser(ctx, p.ID, dstUser.UsernameKey, func(u *storage.User) error {
		u.UpdatedAt = s.now()
		return updateIdentities(u, func(es []federation.IdentityEntry) []federation.IdentityEntry {
			return append(es, res.Entry)
		})
	})
	return notFound(err)
}

// AdminDisableProviderForUser stops an identity from signing in (spec
// §14.5): for ProviderName Cognito the user named by Cognito_Subject is
// disabled (UNCONFIRMED: AWS stops only its password sign-in; userpoold
// has no separate flag and disables the user); for an identity provider,
// the link the reference names is removed with the destination's
// identities entry, and, when there is none, the identity's own
// <ProviderName>_<id> user is disabled (UNCONFIRMED). A reference that
// names nothing is UserNotFound.
func (s *Service) AdminDisableProviderForUser(ctx context.Context, poolID string, ref federation.UserRef) error {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return err
	}
	providers, err := s.IdentityProviders(ctx, p.ID)
	if err != nil {
		return err
	}
	action, err := federation.DecideDisable(ref, providers)
	if err != nil {
		return err
	}
	if action == federation.DisableNative {
		return s.SetUserEnabled(ctx, p, ref.AttributeValue, false)
	}
	links, err := s.Federation.ListProviderLinks(ctx, p.ID, ref.ProviderName)
	if err != nil {
		return err
	}
	for _, l := range links {
		if l.AttributeName != ref.AttributeName || l.AttributeValue != ref.AttributeValue {
			continue
		}
		if err := s.Federation.DeleteProviderLink(ctx, p.ID, l.ProviderName, l.AttributeName, l.AttributeValue); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		_, err := s.Users.UpdateUser(ctx, p.ID, l.UsernameKey, func(u *storage.User) error {
			u.UpdatedAt = s.now()
			return updateIdentities(u, func(es []federation.IdentityEntry) []federation.IdentityEntry {
				out := es[:0:0]
				for _, e := range es {
					if !(e.ProviderName == l.ProviderName && e.UserID == l.AttributeValue) {
						out = append(out, e)
					}
				}
				return out
			})
		})
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		return nil
	}
	if ref.AttributeName == federation.SubjectAttribute {
		name := federation.Username(ref.ProviderName, ref.AttributeValue, p.Settings.CaseSensitive())
		if _, err := s.Users.GetUser(ctx, p.ID, p.Settings.UsernameKey(name)); err == nil {
			return s.SetUserEnabled(ctx, p, name, false)
		}
	}
	return ErrUserNotFound
}
