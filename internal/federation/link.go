package federation

import (
	"time"

	"github.com/userpoold/userpoold/internal/fault"
)

// This file owns the linking rules of AdminLinkProviderForUser and
// AdminDisableProviderForUser (spec §14.5) as pure decisions: phase 2
// loads the users and links they name, calls these, and persists the
// result.

// SubjectAttribute is the ProviderAttributeName that names an IdP user by
// its identifier (sub, id, user_id or NameID), or a native user by
// username.
const SubjectAttribute = "Cognito_Subject"

// MaxLinks is the number of identities that may be linked to one user.
const MaxLinks = 5

// UserRef is ProviderUserIdentifierType.
type UserRef struct {
	ProviderName   string
	AttributeName  string
	AttributeValue string
}

// Link is a persisted link: an IdP identity (ProviderName and, for OIDC
// and SAML, any mapped attribute, Cognito_Subject otherwise) that signs
// in as an existing user.
type Link struct {
	PoolID         string
	ProviderName   string
	AttributeName  string
	AttributeValue string
	// Username is the destination user's username.
	Username string
	Created  time.Time
}

// Matches reports whether an identity signing in through provider p is
// the link's source: by Cognito_Subject and the identity's UserID, or by
// the pool attribute the link names and the value the provider's mapping
// gives it.
func (l Link) Matches(p Provider, id Identity) bool {
	if l.ProviderName != p.Name {
		return false
	}
	if l.AttributeName == SubjectAttribute {
		return l.AttributeValue == id.UserID
	}
	claim, ok := p.AttributeMapping[l.AttributeName]
	if !ok {
		return false
	}
	v, ok := id.Claim(claim)
	return ok && v == l.AttributeValue
}

// LinkInput is what deciding an AdminLinkProviderForUser needs.
type LinkInput struct {
	PoolID      string
	Destination UserRef
	Source      UserRef
	// Providers are the pool's identity providers.
	Providers []Provider
	// DestinationExists says the destination user (Destination's
	// AttributeValue as username) exists; DestinationLinks is how many
	// links it already has.
	DestinationExists bool
	DestinationLinks  int
	// SourceSignedUp says the source identity already has its own pool
	// user (<ProviderName>_<value> exists).
	SourceSignedUp bool
	// SourceLinkedTo is the username the source is already linked to, ""
	// if none.
	SourceLinkedTo string
	CaseSensitive  bool
	Now            time.Time
}

// LinkResult is what phase 2 persists for a successful link: the link,
// and the entry to append to the destination user's identities attribute.
type LinkResult struct {
	Link  Link
	Entry IdentityEntry
}

// DecideLink applies AdminLinkProviderForUser's rules. Errors are
// *fault.Error values: InvalidParameter for a native SourceUser ("Invalid
// SourceUser: Cognito users with a username/password may not be passed in
// as a SourceUser, only as a DestinationUser", AWS's wording, boto3#4163)
// and for a source that already signed up ("Merging is not currently
// supported, provide a SourceUser that has not been signed up in order to
// link", AWS's wording, aws-sdk-net#1000); UserNotFound for a missing
// destination; LimitExceeded beyond MaxLinks; AliasExists for a source
// linked to another user. The messages not quoted are UNCONFIRMED.
func DecideLink(in LinkInput) (LinkResult, error) {
	src, dst := in.Source, in.Destination
	if src.ProviderName == ProviderCognito {
		return LinkResult{}, fault.New(fault.InvalidParameter, "Invalid SourceUser: Cognito users with a username/password may not be passed in as a SourceUser, only as a DestinationUser")
	}
	if dst.ProviderName != ProviderCognito {
		return LinkResult{}, fault.New(fault.InvalidParameter, "Invalid DestinationUser: DestinationUser must be a Cognito user.")
	}
	if dst.AttributeValue == "" {
		return LinkResult{}, fault.New(fault.InvalidParameter, "Invalid DestinationUser: ProviderAttributeValue is required.")
	}
	var provider Provider
	found := false
	for _, p := range in.Providers {
		if p.Name == src.ProviderName {
			provider, found = p, true
		}
	}
	if !found {
		return LinkResult{}, fault.Errorf(fault.InvalidParameter, "Invalid SourceUser: provider %s does not exist for this user pool.", src.ProviderName)
	}
	if src.AttributeValue == "" || src.AttributeName == "" {
		return LinkResult{}, fault.New(fault.InvalidParameter, "Invalid SourceUser: ProviderAttributeName and ProviderAttributeValue are required.")
	}
	if src.AttributeName != SubjectAttribute {
		// Social providers link by subject only; OIDC and SAML by any
		// attribute their mapping fills.
		if provider.Type.Social() {
			return LinkResult{}, fault.Errorf(fault.InvalidParameter, "Invalid SourceUser: ProviderAttributeName must be %s for %s.", SubjectAttribute, provider.Type)
		}
		if _, mapped := provider.AttributeMapping[src.AttributeName]; !mapped {
			return LinkResult{}, fault.Errorf(fault.InvalidParameter, "Invalid SourceUser: %s is not mapped for provider %s.", src.AttributeName, provider.Name)
		}
	}
	if !in.DestinationExists {
		return LinkResult{}, fault.New(fault.UserNotFound, "User does not exist.")
	}
	if in.SourceSignedUp {
		return LinkResult{}, fault.New(fault.InvalidParameter, "Merging is not currently supported, provide a SourceUser that has not been signed up in order to link")
	}
	if in.SourceLinkedTo != "" && in.SourceLinkedTo != dst.AttributeValue {
		return LinkResult{}, fault.New(fault.AliasExists, "The source user is already linked to another user.")
	}
	if in.SourceLinkedTo == "" && in.DestinationLinks >= MaxLinks {
		return LinkResult{}, fault.Errorf(fault.LimitExceeded, "A user can be linked to at most %d identities.", MaxLinks)
	}
	l := Link{PoolID: in.PoolID, ProviderName: provider.Name, AttributeName: src.AttributeName,
		AttributeValue: src.AttributeValue, Username: dst.AttributeValue, Created: in.Now}
	e := IdentityEntry{UserID: src.AttributeValue, ProviderName: provider.Name, ProviderType: provider.Type,
		Primary: false, DateCreated: in.Now}
	return LinkResult{Link: l, Entry: e}, nil
}

// DisableAction is what AdminDisableProviderForUser does.
type DisableAction int

// Disable actions.
const (
	// DisableNative stops a native user's password sign-in
	// (ProviderName Cognito, Cognito_Subject, the username).
	DisableNative DisableAction = iota + 1
	// RemoveLink removes the link the reference names (by the attribute
	// it was made with, or, once the identity has signed in, by
	// Cognito_Subject and the IdP identifier) and the destination's
	// identities entry for it.
	RemoveLink
)

// DecideDisable checks an AdminDisableProviderForUser reference: Cognito
// with Cognito_Subject disables a native user; a pool provider's name
// removes a link. ProviderName must name a pool IdP (InvalidParameter,
// UNCONFIRMED wording); whether the link or user exists is phase 2's to
// answer (UserNotFound).
func DecideDisable(u UserRef, providers []Provider) (DisableAction, error) {
	if u.AttributeValue == "" {
		return 0, fault.New(fault.InvalidParameter, "Invalid User: ProviderAttributeValue is required.")
	}
	if u.ProviderName == ProviderCognito {
		if u.AttributeName != SubjectAttribute {
			return 0, fault.Errorf(fault.InvalidParameter, "Invalid User: ProviderAttributeName must be %s for Cognito users.", SubjectAttribute)
		}
		return DisableNative, nil
	}
	for _, p := range providers {
		if p.Name == u.ProviderName {
			if p.Type.Social() && u.AttributeName != SubjectAttribute {
				return 0, fault.Errorf(fault.InvalidParameter, "Invalid User: ProviderAttributeName must be %s for %s.", SubjectAttribute, p.Type)
			}
			return RemoveLink, nil
		}
	}
	return 0, fault.Errorf(fault.InvalidParameter, "Invalid User: provider %s does not exist for this user pool.", u.ProviderName)
}

// FindLink returns the link of links that an identity signing in through
// p matches (Link.Matches), if any: the sign-in then goes to its
// destination user instead of <ProviderName>_<id>.
func FindLink(links []Link, p Provider, id Identity) (Link, bool) {
	for _, l := range links {
		if l.Matches(p, id) {
			return l, true
		}
	}
	return Link{}, false
}
