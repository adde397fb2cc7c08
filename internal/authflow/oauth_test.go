package authflow

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/token"
	"github.com/userpoold/userpoold/internal/userpool"
)

// testScopes is a ScopeRules for the tests: openid gives an ID token, and
// the email scope reveals only email and email_verified.
type testScopes struct{}

func (testScopes) Claims(scopes []string) (bool, func(string) bool) {
	email := slices.Contains(scopes, "email")
	return slices.Contains(scopes, "openid"), func(n string) bool {
		return !email || n == "email" || n == "email_verified"
	}
}

// oauthClient is a client that allows no API password flow, only refresh.
const oauthClientConfig = `{"ExplicitAuthFlows":["ALLOW_REFRESH_TOKEN_AUTH","ALLOW_USER_SRP_AUTH"],"AllowedOAuthFlowsUserPoolClient":true}`

func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *fixture) hosted(name, password string) (*Result, error) {
	return f.svc.InitiateAuth(ctx, Initiate{ClientID: clientID, Flow: FlowHostedPassword, Params: map[string]string{"USERNAME": name, "PASSWORD": password}})
}

func TestHostedSignIn(t *testing.T) {
	f := newFixture(t, "", oauthClientConfig)
	f.svc.Scopes = testScopes{}
	u := f.addUser("alice", userpool.StatusConfirmed)

	// The API flow is not enabled for the client; the hosted flow is.
	if _, err := f.password("alice", pw); fault.KindOf(err) != fault.InvalidParameter {
		t.Fatalf("USER_PASSWORD_AUTH = %v, want InvalidParameter (flow not enabled)", err)
	}
	res, err := f.hosted("alice", pw)
	if err != nil {
		t.Fatal(err)
	}
	if res.Tokens != nil || res.SignedIn == nil || res.SignedIn.Sub != u.Sub || res.SignedIn.Username != "alice" || !res.SignedIn.AuthTime.Equal(epoch) {
		t.Fatalf("hosted sign-in = %+v", res)
	}
	// The same lockout as the API: a wrong password counts.
	if _, err := f.hosted("alice", "wrong"); err != errIncorrect {
		t.Fatalf("wrong password = %v", err)
	}
	got, _ := f.store.GetUser(ctx, poolID, "alice")
	if got.Lockout.Failures != 1 {
		t.Errorf("failures after a wrong hosted password = %d", got.Lockout.Failures)
	}
	// Admin requests cannot use it.
	if _, err := f.svc.InitiateAuth(ctx, Initiate{Admin: true, PoolID: poolID, ClientID: clientID, Flow: FlowHostedPassword,
		Params: map[string]string{"USERNAME": "alice", "PASSWORD": pw}}); err != errMethodNotSupported {
		t.Errorf("admin hosted flow = %v", err)
	}
}

func TestHostedSessionsStayHosted(t *testing.T) {
	f := newFixture(t, "", "")
	f.addUser("bob", userpool.StatusForceChangePassword)
	newPassword := map[string]string{"USERNAME": "bob", "NEW_PASSWORD": "N3w-passw0rd!"}

	hosted, err := f.hosted("bob", pw)
	if err != nil || hosted.Challenge != ChallengeNewPassword {
		t.Fatalf("hosted = %+v, %v", hosted, err)
	}
	api, err := f.password("bob", pw)
	if err != nil || api.Challenge != ChallengeNewPassword {
		t.Fatalf("api = %+v, %v", api, err)
	}
	// Each kind of session answers only its own kind of response.
	if _, err := f.svc.RespondToAuthChallenge(ctx, Respond{ClientID: clientID, Challenge: ChallengeNewPassword, Session: hosted.Session, Responses: newPassword}); err != errSessionInvalid {
		t.Errorf("API answer to a hosted session = %v", err)
	}
	if _, err := f.svc.RespondToAuthChallenge(ctx, Respond{Hosted: true, ClientID: clientID, Challenge: ChallengeNewPassword, Session: api.Session, Responses: newPassword}); err != errSessionInvalid {
		t.Errorf("hosted answer to an API session = %v", err)
	}
	// The hosted answer ends in a signed-in user, not tokens.
	res, err := f.svc.RespondToAuthChallenge(ctx, Respond{Hosted: true, ClientID: clientID, Challenge: ChallengeNewPassword, Session: hosted.Session, Responses: newPassword})
	if err != nil || res.SignedIn == nil || res.Tokens != nil {
		t.Fatalf("hosted answer = %+v, %v", res, err)
	}
}

func TestGrantTokens(t *testing.T) {
	f := newFixture(t, "", oauthClientConfig)
	f.svc.Scopes = testScopes{}
	u := f.addUser("carol", userpool.StatusConfirmed)
	_, err := f.store.UpdateUser(ctx, poolID, "carol", func(x *storage.User) error {
		x.Attributes = []storage.Attribute{{Name: "email", Value: "c@example.com"}, {Name: "email_verified", Value: "true"}, {Name: "name", Value: "Carol"}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	signedIn := epoch.Add(-time.Minute)
	grant := Grant{PoolID: poolID, ClientID: clientID, Username: "carol", Sub: u.Sub, AuthTime: signedIn,
		Scopes: []string{"openid", "email", "https://api.example.com/read"}, Nonce: "n-0S6", Refresh: true}
	tk, err := f.svc.GrantTokens(ctx, grant)
	if err != nil {
		t.Fatal(err)
	}
	access, id := claimsOf(t, tk.AccessToken), claimsOf(t, tk.IDToken)
	if access["scope"] != "openid email https://api.example.com/read" || access["username"] != "carol" || access["auth_time"] != float64(signedIn.Unix()) {
		t.Errorf("access token = %v", access)
	}
	if id["nonce"] != "n-0S6" || id["at_hash"] != token.AtHash(tk.AccessToken) || id["email"] != "c@example.com" || id["email_verified"] != true {
		t.Errorf("ID token = %v", id)
	}
	if _, ok := id["name"]; ok {
		t.Errorf("the email scope revealed name: %v", id)
	}
	if tk.RefreshToken == "" {
		t.Fatal("no refresh token for a code grant")
	}

	// The refresh token keeps the scopes wherever it is refreshed.
	for name, refresh := range map[string]func() (*Tokens, error){
		"REFRESH_TOKEN_AUTH": func() (*Tokens, error) {
			r, err := f.svc.InitiateAuth(ctx, Initiate{ClientID: clientID, Flow: FlowRefreshTokenAuth, Params: map[string]string{"REFRESH_TOKEN": tk.RefreshToken}})
			if err != nil {
				return nil, err
			}
			return r.Tokens, nil
		},
		"GetTokensFromRefreshToken": func() (*Tokens, error) {
			r, err := f.svc.GetTokensFromRefreshToken(ctx, Refresh{ClientID: clientID, RefreshToken: tk.RefreshToken})
			if err != nil {
				return nil, err
			}
			return r.Tokens, nil
		},
		"token endpoint": func() (*Tokens, error) { return f.svc.RefreshGrant(ctx, clientID, tk.RefreshToken) },
	} {
		rt, err := refresh()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		a, i := claimsOf(t, rt.AccessToken), claimsOf(t, rt.IDToken)
		if a["scope"] != access["scope"] || a["origin_jti"] != access["origin_jti"] || i["email"] != "c@example.com" || i["name"] != nil || i["nonce"] != nil {
			t.Errorf("%s: access %v, id %v", name, a, i)
		}
	}

	// Without openid there is no ID token; implicit grants have no refresh
	// token.
	grant.Scopes, grant.Refresh = []string{"https://api.example.com/read"}, false
	tk, err = f.svc.GrantTokens(ctx, grant)
	if err != nil || tk.IDToken != "" || tk.RefreshToken != "" || claimsOf(t, tk.AccessToken)["scope"] != "https://api.example.com/read" {
		t.Fatalf("grant without openid = %+v, %v", tk, err)
	}

	// A user who signed out globally since the sign-in, or was disabled,
	// gets no tokens from it.
	if err := f.svc.CheckSignedIn(ctx, poolID, "carol", u.Sub, signedIn); err != nil {
		t.Fatalf("CheckSignedIn = %v", err)
	}
	if err := f.svc.GlobalSignOut(ctx, poolID, "carol"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GrantTokens(ctx, grant); err != errSignedOut {
		t.Errorf("grant after a global sign-out = %v", err)
	}
	if err := f.svc.CheckSignedIn(ctx, poolID, "carol", u.Sub, signedIn); err != errSignedOut {
		t.Errorf("CheckSignedIn after a global sign-out = %v", err)
	}
	f.clock.Advance(time.Second)
	grant.AuthTime = f.clock.Now()
	if _, err := f.svc.GrantTokens(ctx, grant); err != nil {
		t.Errorf("grant of a sign-in after the sign-out = %v", err)
	}
	if err := f.svc.Pools.SetUserEnabled(ctx, f.pool, "carol", false); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.CheckSignedIn(ctx, poolID, "carol", u.Sub, grant.AuthTime); fault.KindOf(err) != fault.NotAuthorized {
		t.Errorf("CheckSignedIn of a disabled user = %v", err)
	}
	if err := f.svc.CheckSignedIn(ctx, poolID, "carol", "another-sub", grant.AuthTime); fault.KindOf(err) != fault.UserNotFound {
		t.Errorf("CheckSignedIn of another sub = %v", err)
	}
}

func TestClientCredentialsAndUserInfo(t *testing.T) {
	f := newFixture(t, "", oauthClientConfig)
	f.svc.Scopes = testScopes{}
	tk, err := f.svc.ClientCredentialsTokens(ctx, clientID, []string{"https://api.example.com/read"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := claimsOf(t, tk.AccessToken)
	if c["sub"] != clientID || c["client_id"] != clientID || c["scope"] != "https://api.example.com/read" || c["username"] != nil || tk.IDToken != "" || tk.ExpiresIn != 3600 {
		t.Errorf("client_credentials token = %v (%+v)", c, tk)
	}
	// It names no user: userInfo and the API refuse it.
	if _, _, err := f.svc.UserInfo(ctx, tk.AccessToken); fault.KindOf(err) == "" {
		t.Errorf("UserInfo of a client_credentials token = %v", err)
	}
	if _, err := f.svc.Authorize(ctx, tk.AccessToken, AnyStatus); err != errAccessTokenScope {
		t.Errorf("Authorize of a client_credentials token = %v", err)
	}

	// A user's OAuth token without the admin scope serves userInfo, not
	// the API.
	u := f.addUser("dave", userpool.StatusConfirmed)
	tk, err = f.svc.GrantTokens(ctx, Grant{PoolID: poolID, ClientID: clientID, Username: "dave", Sub: u.Sub, AuthTime: epoch, Scopes: []string{"openid"}, Refresh: true})
	if err != nil {
		t.Fatal(err)
	}
	who, client, err := f.svc.UserInfo(ctx, tk.AccessToken)
	if err != nil || who.User.Sub != u.Sub || client.ID != clientID {
		t.Fatalf("UserInfo = %+v, %v", who, err)
	}
	if _, err := f.svc.Authorize(ctx, tk.AccessToken, AnyStatus); err != errAccessTokenScope {
		t.Errorf("Authorize of a token without the admin scope = %v", err)
	}
	// Revoking the refresh token revokes the access token.
	if err := f.svc.RevokeRefresh(ctx, clientID, tk.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.UserInfo(ctx, tk.AccessToken); err != errRevokedAccessToken {
		t.Errorf("UserInfo after revocation = %v", err)
	}
	if err := f.svc.RevokeRefresh(ctx, clientID, "not-a-token"); err != errNotRefreshToken {
		t.Errorf("RevokeRefresh of garbage = %v", err)
	}
}
