package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
)

// Tokens are a grant's tokens, as the token endpoint and the implicit
// redirect hand them out.
type Tokens struct {
	AccessToken  string
	IDToken      string // "" when openid was not granted
	RefreshToken string // "" for implicit, client_credentials and refresh without rotation
	ExpiresIn    int    // access token lifetime in seconds
}

// GrantSource says which endpoint a user grant comes from; it is the
// PreTokenGeneration trigger's source (TokenGeneration_HostedAuth for both,
// once triggers land).
type GrantSource string

// Grant sources.
const (
	SourceAuthorizationCode GrantSource = "authorization_code"
	SourceImplicit          GrantSource = "implicit"
)

// UserGrant asks for the tokens of a user who signed in on the domain.
type UserGrant struct {
	Source  GrantSource
	Client  Client
	Subject Subject
	Scopes  []string
	Nonce   string
	// Refresh is true when a refresh token is wanted (code flow only).
	Refresh bool
}

// Grants mints tokens; the server implements it over authflow, where the
// sign-in rules live (the user still exists, is enabled and confirmed, is
// not in RESET_REQUIRED; the refresh token is not revoked; the tokens get
// the pool's groups and the client's readable attributes).
//
// Errors: an *Error is answered as it is; a *fault.Error of kind
// NotAuthorized, UserNotFound, UserNotConfirmed, PasswordResetRequired or
// RefreshTokenReuse becomes invalid_grant; anything else is server_error.
type Grants interface {
	// UserTokens mints ID (when Claims(g).IDToken), access and optionally
	// refresh tokens for a code or implicit grant. The refresh token must
	// carry the scopes, so that refreshing keeps them (spec §19.9).
	UserTokens(ctx context.Context, g UserGrant) (Tokens, error)
	// RefreshTokens answers grant_type=refresh_token for client (already
	// authenticated): new access and ID tokens with the refresh token's
	// scopes, and a new refresh token only when the client rotates them.
	RefreshTokens(ctx context.Context, client Client, refreshToken string) (Tokens, error)
	// ClientTokens answers grant_type=client_credentials: an access token
	// with no user claims, sub = client_id (UNCONFIRMED), and only scopes.
	ClientTokens(ctx context.Context, client Client, scopes []string) (Tokens, error)
}

// Claims are the OAuth-specific inputs of a token issuer for a user grant
// (spec §7), on top of what an API sign-in's tokens carry:
//   - the access token's "scope" is Scope (never the API's default), it has
//     "version":2 and no "aud" (token.AccessClaims already does both);
//   - an ID token is issued only when IDToken (openid granted); it carries
//     Nonce when the authorize request sent one, at_hash (AtHash of the
//     access token) in the code and implicit flows, and only the
//     attributes ReadableAttribute allows among those the client may read.
type Claims struct {
	Scope   string
	IDToken bool
	Nonce   string
	// Attribute reports whether an attribute the client can read goes in
	// the ID token (and userInfo) under the granted scopes.
	Attribute func(name string) bool
}

// ClaimsFor returns the claims inputs of a user grant.
func ClaimsFor(g UserGrant) Claims {
	return Claims{
		Scope:     JoinScopes(g.Scopes),
		IDToken:   HasScope(g.Scopes, ScopeOpenID),
		Nonce:     g.Nonce,
		Attribute: AttributeFilter(g.Scopes),
	}
}

// ScopeClaims says what a grant of scopes puts in its ID token: whether
// there is one (openid granted) and which user attributes it may carry
// (AttributeFilter). The token issuer (authflow, through the server's
// adapter) asks it, so the scope rules stay in this package.
func ScopeClaims(scopes []string) (idToken bool, attribute func(name string) bool) {
	return HasScope(scopes, ScopeOpenID), AttributeFilter(scopes)
}

// AtHash is the at_hash claim of an ID token issued with accessToken
// (OIDC Core §3.1.3.6, RS256): unpadded base64url of the left half of the
// SHA-256 of the token's ASCII octets.
func AtHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// profileAttributes are the attributes the profile scope covers (spec §8),
// besides every custom attribute.
var profileAttributes = map[string]bool{
	"name": true, "family_name": true, "given_name": true, "middle_name": true,
	"nickname": true, "preferred_username": true, "profile": true, "picture": true,
	"website": true, "gender": true, "birthdate": true, "zoneinfo": true,
	"locale": true, "updated_at": true,
}

// AttributeFilter returns which user attributes the granted scopes reveal
// (spec §8): none without openid; every attribute (the client can read)
// with openid and no other attribute scope; otherwise the union of profile
// (the profile attributes and custom ones), email (email, email_verified)
// and phone (phone_number, phone_number_verified). sub is always revealed.
// aws.cognito.signin.user.admin and custom scopes have no effect.
func AttributeFilter(scopes []string) func(name string) bool {
	if !HasScope(scopes, ScopeOpenID) {
		return func(name string) bool { return name == "sub" }
	}
	email, phone, profile := HasScope(scopes, ScopeEmail), HasScope(scopes, ScopePhone), HasScope(scopes, ScopeProfile)
	if !email && !phone && !profile {
		return func(string) bool { return true }
	}
	return func(name string) bool {
		switch {
		case name == "sub":
			return true
		case name == "email" || name == "email_verified":
			return email
		case name == "phone_number" || name == "phone_number_verified":
			return phone
		case profileAttributes[name] || strings.HasPrefix(name, "custom:"):
			return profile
		}
		return false
	}
}

// grantError turns an error from Grants into the OAuth answer, and reports
// whether it is a server failure (to be logged).
func grantError(err error) (*Error, bool) {
	if e := AsError(err); e != nil {
		return e, false
	}
	switch fault.KindOf(err) {
	case fault.NotAuthorized, fault.UserNotFound, fault.UserNotConfirmed, fault.PasswordResetRequired, fault.RefreshTokenReuse:
		return errorOf(CodeInvalidGrant, ""), false
	}
	return &Error{Code: CodeServerError, Status: 500}, true
}

// Authorizer completes authorize requests for users who have
// authenticated: it issues and stores a code, or mints implicit tokens.
type Authorizer struct {
	Codes  CodeStore
	Grants Grants
	Now    func() time.Time
	Rand   io.Reader
}

func (a *Authorizer) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Complete finishes req for sub and returns the Location to redirect the
// browser to: the client's redirect URI with a code, or with implicit
// tokens in the fragment. A failure of Grants that is the user's (a
// disabled user, say) is redirected as the error it maps to; a store
// failure is returned as an error.
func (a *Authorizer) Complete(ctx context.Context, req *AuthorizeRequest, sub Subject) (string, error) {
	switch req.ResponseType {
	case ResponseCode:
		code, err := NewCode(a.Rand)
		if err != nil {
			return "", err
		}
		err = a.Codes.PutCode(ctx, CodeKey(code), AuthCode{
			PoolID:        req.Client.PoolID,
			ClientID:      req.Client.ID,
			RedirectURI:   req.RedirectURI,
			CodeChallenge: req.CodeChallenge,
			Nonce:         req.Nonce,
			Scopes:        req.Scopes,
			Username:      sub.Username,
			Sub:           sub.Sub,
			AuthTime:      sub.AuthTime,
			ExpiresAt:     a.now().Add(CodeTTL),
		})
		if err != nil {
			return "", err
		}
		return req.CodeRedirect(code), nil
	case ResponseToken:
		t, err := a.Grants.UserTokens(ctx, UserGrant{
			Source: SourceImplicit, Client: req.Client, Subject: sub, Scopes: req.Scopes, Nonce: req.Nonce,
		})
		if err != nil {
			e, internal := grantError(err)
			if internal {
				return "", err
			}
			return req.Error(e.Code, e.Description).Location(), nil
		}
		return req.ImplicitRedirect(t), nil
	}
	return "", errors.New("oauth: Complete on a request without a response type")
}
