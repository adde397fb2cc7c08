package userpool

import (
	"context"

	"github.com/userpoold/userpoold/internal/storage"
)

// ChallengeAttributes is an attribute update that a user makes while
// signing in (the userAttributes.<name> of a NEW_PASSWORD_REQUIRED answer,
// or an address given in MFA_SETUP), checked by the rules of
// UpdateUserAttributes. PrepareChallengeAttributes makes one; the caller
// applies it with Apply inside its own Store.UpdateUser.
type ChallengeAttributes struct {
	st    *Settings
	attrs []storage.Attribute
	plan  updatePlan
}

// PrepareChallengeAttributes checks attrs, which user u sets through app
// client c during sign-in, as UpdateUserAttributes would:
//
//   - c must be allowed to write each attribute (Client.CanWrite: by
//     default neither developer-only attributes nor email_verified and
//     phone_number_verified), else ErrUnauthorizedWrite; a nil c is the
//     server itself (for example marking an address verified once a code
//     sent there came back), which may write anything;
//   - the values must fit the schema; an attribute u already has must be
//     mutable, while one u lacks may be given even if immutable (a
//     required attribute AdminCreateUser left unset);
//   - a new email or phone_number is unverified unless the same update
//     verifies it (which only a client allowed to write the flag, or the
//     server, can do), and stays pending when the pool keeps a verified
//     value until the new one is verified;
//   - the update may not give u a sign-in value another user holds (a
//     username attribute, a preferred_username alias, a verified email or
//     phone alias): AliasExistsException "An account with the given <attr>
//     already exists.".
//
// Required attributes are not checked: see Attributes. No verification code
// is sent (UNCONFIRMED whether Cognito sends one for attributes given in a
// challenge answer).
func (s *Service) PrepareChallengeAttributes(ctx context.Context, p *Pool, c *Client, u storage.User, attrs []storage.Attribute) (*ChallengeAttributes, error) {
	st := p.Settings
	if err := c.checkWrite(p, attrs); err != nil {
		return nil, err
	}
	var created, updated []storage.Attribute
	for _, a := range attrs {
		if _, has := GetAttribute(u.Attributes, a.Name); has {
			updated = append(updated, a)
		} else {
			created = append(created, a)
		}
	}
	if err := st.CheckAttributes(created, WriteCreate); err != nil {
		return nil, err
	}
	if err := st.CheckAttributes(updated, WriteUpdate); err != nil {
		return nil, err
	}
	plan := planUpdate(st, u, attrs)
	if err := s.checkUpdatedAliases(ctx, p, u, plan); err != nil {
		return nil, err
	}
	return &ChallengeAttributes{st: st, attrs: attrs, plan: plan}, nil
}

// Attributes returns the user's attributes once the update is applied (to
// the user PrepareChallengeAttributes was given), for the required-attribute
// check.
func (ca *ChallengeAttributes) Attributes() []storage.Attribute { return ca.plan.attrs }

// Apply applies the update to cur, the freshest record of the user: a pure
// function, for use inside Store.UpdateUser. A change made by someone else
// since PrepareChallengeAttributes is applied on top of, not undone.
// Verification codes sent for values the user no longer has die, as with
// UpdateUserAttributes.
func (ca *ChallengeAttributes) Apply(cur *storage.User) {
	pl := planUpdate(ca.st, *cur, ca.attrs)
	cur.Attributes, cur.PendingAttributes = pl.attrs, pl.pending
	DropStaleVerificationCodes(cur)
}
