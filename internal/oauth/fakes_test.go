package oauth

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
)

// Fixtures shared by the tests: one pool with a public code client, a
// confidential code client with two valid secrets, a client_credentials
// client, and a client of another pool.

const (
	testPool  = "us-east-1_TestPool1"
	otherPool = "us-east-1_OtherPool"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

var testClients = map[string]Client{
	"publicclient": {
		PoolID: testPool, ID: "publicclient", OAuthEnabled: true,
		Flows:             []Flow{FlowCode, FlowImplicit},
		Scopes:            []string{"phone", "openid", "profile", "email", "aws.cognito.signin.user.admin", "https://api.example.com/read", "https://api.example.com/gone"},
		CallbackURLs:      []string{"https://app.example.com/cb", "http://localhost:3000/cb?x=1"},
		LogoutURLs:        []string{"https://app.example.com/bye"},
		IdentityProviders: []string{"COGNITO"},
		RevocationEnabled: true,
		AccessTTL:         time.Hour,
	},
	"secretclient": {
		PoolID: testPool, ID: "secretclient", Secrets: []string{"oldsecret", "newsecret"}, OAuthEnabled: true,
		Flows:             []Flow{FlowCode},
		Scopes:            []string{"openid", "email"},
		CallbackURLs:      []string{"https://app.example.com/cb"},
		IdentityProviders: []string{"COGNITO", "Google"},
		RevocationEnabled: true,
		AccessTTL:         time.Hour,
	},
	"machineclient": {
		PoolID: testPool, ID: "machineclient", Secrets: []string{"machinesecret"}, OAuthEnabled: true,
		Flows:  []Flow{FlowClientCredentials},
		Scopes: []string{"https://api.example.com/read", "https://api.example.com/write"},
	},
	"nooauthclient": {
		PoolID: testPool, ID: "nooauthclient", Secrets: []string{"s3cret"},
		Flows:        []Flow{FlowClientCredentials},
		Scopes:       []string{"https://api.example.com/read"},
		CallbackURLs: []string{"https://app.example.com/cb"},
	},
	"norevoke": {
		PoolID: testPool, ID: "norevoke", OAuthEnabled: true, Flows: []Flow{FlowCode},
		Scopes: []string{"openid"}, CallbackURLs: []string{"https://app.example.com/cb"},
	},
	"foreignclient": {
		PoolID: otherPool, ID: "foreignclient", OAuthEnabled: true, Flows: []Flow{FlowCode},
		Scopes: []string{"openid"}, CallbackURLs: []string{"https://app.example.com/cb"},
	},
}

type fakeClients map[string]Client

func (f fakeClients) OAuthClient(_ context.Context, id string) (Client, bool, error) {
	if id == "boom" {
		return Client{}, false, errors.New("store down")
	}
	c, ok := f[id]
	return c, ok, nil
}

// definedScopes: "https://api.example.com/gone" was deleted from its
// resource server.
var definedScopes = ScopeCatalogFunc(func(context.Context, string) ([]string, error) {
	return []string{"https://api.example.com/read", "https://api.example.com/write"}, nil
})

// fakeGrants mints recognisable strings and records what it was asked.
type fakeGrants struct {
	user    []UserGrant
	refresh []string
	client  [][]string
	fail    error
}

func (g *fakeGrants) UserTokens(_ context.Context, ug UserGrant) (Tokens, error) {
	if g.fail != nil {
		return Tokens{}, g.fail
	}
	g.user = append(g.user, ug)
	t := Tokens{AccessToken: "access-for-" + ug.Subject.Username, ExpiresIn: int(ug.Client.AccessTTL / time.Second)}
	if ClaimsFor(ug).IDToken {
		t.IDToken = "id-for-" + ug.Subject.Username
	}
	if ug.Refresh {
		t.RefreshToken = "refresh-for-" + ug.Subject.Username
	}
	return t, nil
}

func (g *fakeGrants) RefreshTokens(_ context.Context, c Client, rt string) (Tokens, error) {
	if rt == "revoked" {
		return Tokens{}, fault.New(fault.NotAuthorized, "Refresh Token has been revoked")
	}
	g.refresh = append(g.refresh, rt)
	return Tokens{AccessToken: "refreshed-access", IDToken: "refreshed-id", ExpiresIn: 3600}, nil
}

func (g *fakeGrants) ClientTokens(_ context.Context, c Client, scopes []string) (Tokens, error) {
	g.client = append(g.client, scopes)
	return Tokens{AccessToken: "cc-" + strings.Join(scopes, ","), ExpiresIn: 3600}, nil
}

type fakeProfiles map[string]Profile

func (f fakeProfiles) UserInfo(_ context.Context, tok string) (Profile, error) {
	switch tok {
	case "expired":
		return Profile{}, fault.New(fault.NotAuthorized, "Access Token has expired")
	case "garbage":
		return Profile{}, ErrInvalidToken
	case "boom":
		return Profile{}, errors.New("store down")
	}
	p, ok := f[tok]
	if !ok {
		return Profile{}, ErrInvalidToken
	}
	return p, nil
}

type fakeRevoker struct{ revoked []string }

func (f *fakeRevoker) RevokeRefresh(_ context.Context, c Client, tok string) error {
	switch {
	case tok == "not-a-token":
		return fault.New(fault.UnsupportedTokenType, "Unsupported token type. Only refresh tokens can be revoked.")
	case strings.HasPrefix(tok, "other-client"):
		return fault.New(fault.Unauthorized, "The refresh token was not issued to this client.")
	}
	if !slices.Contains(f.revoked, tok) {
		f.revoked = append(f.revoked, tok)
	}
	return nil
}

var errUserDisabledForTest = fault.New(fault.NotAuthorized, "User is disabled.")
