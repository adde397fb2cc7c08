package userpool

import (
	"context"
	"errors"
	"slices"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file holds the sign-in aliases: which users hold or sign in with
// a value of email, phone_number or preferred_username, and taking an
// alias over (ForceAliasCreation).

// accountExists is the error for a username-attribute value (or alias) that
// another user holds: "An account with the given email already exists."
// (Amplify UI's translation dictionaries and app code quote it for
// UsernameExistsException and AliasExistsException; the phone_number and
// preferred_username forms are UNCONFIRMED).
func accountExists(kind fault.Kind, attr string) error {
	return fault.Errorf(kind, "An account with the given %s already exists.", attr)
}

// attributeHolders returns the users other than exceptKey whose attribute
// attr equals value (email compared case-insensitively, other attributes
// case-insensitively only in case-insensitive pools).
func (s *Service) attributeHolders(ctx context.Context, p *Pool, attr, value, exceptKey string) ([]storage.User, error) {
	if value == "" {
		return nil, nil
	}
	users, err := s.Users.FindUsersByAttribute(ctx, p.ID, attr, value)
	if err != nil {
		return nil, err
	}
	var out []storage.User
	for _, u := range users {
		if u.UsernameKey == exceptKey {
			continue
		}
		v, _ := GetAttribute(u.Attributes, attr)
		if p.Settings.CaseSensitive() && attr != "email" && v != value {
			continue
		}
		out = append(out, u)
	}
	return out, nil
}

// aliasOwners returns the users other than exceptKey who can sign in with
// value as alias attr: verified holders of an email or phone alias, every
// holder of a preferred_username alias or of a username attribute. It
// returns nil when attr is not a sign-in attribute of the pool.
func (s *Service) aliasOwners(ctx context.Context, p *Pool, attr, value, exceptKey string) ([]storage.User, error) {
	if !p.Settings.IsAlias(attr) {
		return nil, nil
	}
	holders, err := s.attributeHolders(ctx, p, attr, value, exceptKey)
	if err != nil {
		return nil, err
	}
	var out []storage.User
	for _, u := range holders {
		if p.Settings.IsUsernameAttribute(attr) || isVerifiedAlias(u, attr) {
			out = append(out, u)
		}
	}
	return out, nil
}

// releaseAlias un-verifies attr on the given users, so that they can no
// longer sign in with it (ForceAliasCreation moves an alias to a new owner).
func (s *Service) releaseAlias(ctx context.Context, p *Pool, attr string, owners []storage.User) error {
	flag := verifiedFlag(attr)
	if flag == "" {
		return nil
	}
	for _, o := range owners {
		_, err := s.Users.UpdateUser(ctx, p.ID, o.UsernameKey, func(u *storage.User) error {
			u.Attributes = SetAttributes(u.Attributes, storage.Attribute{Name: flag, Value: "false"})
			u.UpdatedAt = s.now()
			return nil
		})
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
	}
	return nil
}

// checkNewAliases checks that the sign-in aliases a new user brings (a
// verified email or phone, a preferred_username) are free. With force, the
// verified email or phone aliases of other users are not an error; the
// caller releases them (see forcedAliases).
func (s *Service) checkNewAliases(ctx context.Context, p *Pool, u storage.User, force bool) error {
	if len(p.Settings.AliasAttributes) == 0 {
		return nil
	}
	for _, attr := range []string{"email", "phone_number", "preferred_username"} {
		v, ok := GetAttribute(u.Attributes, attr)
		if !ok || !p.Settings.IsAlias(attr) || (attr != "preferred_username" && !isVerifiedAlias(u, attr)) {
			continue
		}
		owners, err := s.aliasOwners(ctx, p, attr, v, u.UsernameKey)
		if err != nil {
			return err
		}
		if len(owners) > 0 && (!force || attr == "preferred_username") {
			return accountExists(fault.AliasExists, attr)
		}
	}
	return nil
}

// forcedAliases returns, per alias attribute, the other users whose
// verified email or phone alias u's verified values take over.
func (s *Service) forcedAliases(ctx context.Context, p *Pool, u storage.User) (map[string][]storage.User, error) {
	out := map[string][]storage.User{}
	for _, attr := range []string{"email", "phone_number"} {
		v, ok := GetAttribute(u.Attributes, attr)
		if !ok || !slices.Contains(p.Settings.AliasAttributes, attr) || !isVerifiedAlias(u, attr) {
			continue
		}
		owners, err := s.aliasOwners(ctx, p, attr, v, u.UsernameKey)
		if err != nil {
			return nil, err
		}
		if len(owners) > 0 {
			out[attr] = owners
		}
	}
	return out, nil
}
