package apiserver_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/storage"
)

const (
	pw1 = "Passw0rd!one"
	pw2 = "Passw0rd!two"
)

func TestPasswordSignInTokens(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	u := e.createUser("alice", pw1, withAttrs("email", "alice@example.com", "email_verified", "true", "name", "Alice", "custom:tier", "gold"))
	if err := e.Store.CreateGroup(ctx, storage.Group{PoolID: e.pool, Name: "admins", RoleArn: "arn:aws:iam::000000000000:role/admin", Precedence: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CreateGroup(ctx, storage.Group{PoolID: e.pool, Name: "beta"}); err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"beta", "admins"} {
		if err := e.Store.AddUserToGroup(ctx, e.pool, g, "alice"); err != nil {
			t.Fatal(err)
		}
	}

	start := e.Clock.Now()
	out, err := e.passwordAuth(e.clientID(), "alice", pw1)
	if err != nil {
		t.Fatal(err)
	}
	if out.ChallengeName != "" || out.Session != nil || out.ChallengeParameters == nil || len(out.ChallengeParameters) != 0 {
		t.Errorf("challenge %q, session %v, parameters %v; want none and an empty map", out.ChallengeName, out.Session, out.ChallengeParameters)
	}
	r := out.AuthenticationResult
	if aws.ToString(r.TokenType) != "Bearer" || r.ExpiresIn != 3600 || r.RefreshToken == nil || r.NewDeviceMetadata != nil {
		t.Errorf("AuthenticationResult = %+v", r)
	}

	access, akid := e.verifyJWT(aws.ToString(r.AccessToken))
	id, ikid := e.verifyJWT(aws.ToString(r.IdToken))
	if akid == ikid {
		t.Error("ID and access tokens signed by the same key")
	}
	for name, want := range map[string]string{
		"sub": u.Sub, "client_id": e.clientID(), "token_use": "access", "scope": "aws.cognito.signin.user.admin", "username": "alice",
	} {
		if got := claimString(access, name); got != want {
			t.Errorf("access %s = %q, want %q", name, got, want)
		}
	}
	if _, ok := access["aud"]; ok {
		t.Error("access token has aud")
	}
	if got := fmt.Sprint(access["cognito:groups"]); got != "[admins beta]" {
		t.Errorf("access cognito:groups = %s", got)
	}
	if claimInt(access, "auth_time") != start.Unix() || claimInt(access, "iat") != start.Unix() || claimInt(access, "exp") != start.Add(time.Hour).Unix() {
		t.Errorf("access times auth_time %d iat %d exp %d, start %d", claimInt(access, "auth_time"), claimInt(access, "iat"), claimInt(access, "exp"), start.Unix())
	}
	origin := claimString(access, "origin_jti")
	if got := originTime(t, origin); got.UnixMilli() != start.UnixMilli() {
		t.Errorf("origin_jti time %v, want the sign-in time %v", got, start)
	}
	if claimString(access, "jti") == "" || claimString(access, "jti") == origin || claimString(access, "event_id") == "" {
		t.Errorf("jti %q, origin_jti %q, event_id %q", claimString(access, "jti"), origin, claimString(access, "event_id"))
	}

	for name, want := range map[string]any{
		"sub": u.Sub, "aud": e.clientID(), "token_use": "id", "cognito:username": "alice", "email": "alice@example.com",
		"email_verified": true, "name": "Alice", "custom:tier": "gold", "origin_jti": origin,
		"cognito:preferred_role": "arn:aws:iam::000000000000:role/admin", "event_id": claimString(access, "event_id"),
	} {
		if got := id[name]; got != want {
			t.Errorf("id %s = %#v, want %#v", name, got, want)
		}
	}
	if claimString(id, "jti") == claimString(access, "jti") {
		t.Error("ID and access token share a jti")
	}

	// The admin flows and the legacy name give the same result.
	for _, flow := range []types.AuthFlowType{types.AuthFlowTypeAdminUserPasswordAuth, types.AuthFlowTypeAdminNoSrpAuth} {
		out, err := e.Client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
			UserPoolId: aws.String(e.pool), ClientId: e.client.ClientId, AuthFlow: flow,
			AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": pw1},
		})
		if err != nil || out.AuthenticationResult == nil {
			t.Fatalf("%s: %v", flow, err)
		}
		c, _ := e.verifyJWT(aws.ToString(out.AuthenticationResult.AccessToken))
		if claimString(c, "origin_jti") == origin {
			t.Errorf("%s: a new sign-in reuses origin_jti", flow)
		}
	}
}

func TestSuccessHasEmptyChallengeParameters(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	e.createUser("bob", pw1)
	status, body := e.rawCall("InitiateAuth", map[string]any{
		"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": e.clientID(),
		"AuthParameters": map[string]string{"USERNAME": "bob", "PASSWORD": pw1},
	})
	if status != 200 || string(body["ChallengeParameters"]) != "{}" {
		t.Fatalf("status %d, ChallengeParameters %s", status, body["ChallengeParameters"])
	}
	if _, ok := body["Session"]; ok {
		t.Error("Session present on success")
	}
	if _, ok := body["ChallengeName"]; ok {
		t.Error("ChallengeName present on success")
	}
}

func TestReadAttributesRestrictIDToken(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	e.createUser("carol", pw1, withAttrs("email", "carol@example.com", "email_verified", "true", "name", "Carol"))
	c := e.newClient(&cip.CreateUserPoolClientInput{ExplicitAuthFlows: allFlows, ReadAttributes: []string{"email", "email_verified"}})
	out, err := e.passwordAuth(aws.ToString(c.ClientId), "carol", pw1)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := e.verifyJWT(aws.ToString(out.AuthenticationResult.IdToken))
	if id["email"] != "carol@example.com" || id["email_verified"] != true {
		t.Errorf("readable attributes missing: %v", id)
	}
	if _, ok := id["name"]; ok {
		t.Error("name is not readable by the client but is in the ID token")
	}
	if claimString(id, "aud") != aws.ToString(c.ClientId) || claimString(id, "cognito:username") != "carol" {
		t.Errorf("aud %q, cognito:username %q", claimString(id, "aud"), claimString(id, "cognito:username"))
	}
}

func TestClientTokenLifetimes(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	e.createUser("dan", pw1)
	c := e.newClient(&cip.CreateUserPoolClientInput{
		ExplicitAuthFlows: allFlows, AccessTokenValidity: aws.Int32(10), IdTokenValidity: aws.Int32(2),
		TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes, IdToken: types.TimeUnitsTypeHours},
	})
	out, err := e.passwordAuth(aws.ToString(c.ClientId), "dan", pw1)
	if err != nil {
		t.Fatal(err)
	}
	r := out.AuthenticationResult
	if r.ExpiresIn != 600 {
		t.Errorf("ExpiresIn = %d, want 600", r.ExpiresIn)
	}
	a, _ := e.verifyJWT(aws.ToString(r.AccessToken))
	i, _ := e.verifyJWT(aws.ToString(r.IdToken))
	if claimInt(a, "exp")-claimInt(a, "iat") != 600 || claimInt(i, "exp")-claimInt(i, "iat") != 7200 {
		t.Errorf("lifetimes: access %d s, id %d s", claimInt(a, "exp")-claimInt(a, "iat"), claimInt(i, "exp")-claimInt(i, "iat"))
	}
}

func TestSignInErrors(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	e.createUser("erin", pw1)
	e.createUser("unconfirmed", pw1, withStatus("UNCONFIRMED"))
	e.createUser("off", pw1, disabled())
	e.createUser("reset", pw1, withStatus("RESET_REQUIRED"))
	hidden := e.newClient(&cip.CreateUserPoolClientInput{ExplicitAuthFlows: allFlows, PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled})
	srpOnly := e.newClient(&cip.CreateUserPoolClientInput{ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth}})
	passwordOnly := e.newClient(&cip.CreateUserPoolClientInput{ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth}})
	defaults := e.newClient(&cip.CreateUserPoolClientInput{})

	tests := []struct {
		name, client, user, password string
		code, message                string
	}{
		{"unknown user", e.clientID(), "nobody", pw1, "UserNotFoundException", "User does not exist."},
		{"unknown user hidden", aws.ToString(hidden.ClientId), "nobody", pw1, "NotAuthorizedException", "Incorrect username or password."},
		{"wrong password", e.clientID(), "erin", pw2, "NotAuthorizedException", "Incorrect username or password."},
		{"wrong password hidden", aws.ToString(hidden.ClientId), "erin", pw2, "NotAuthorizedException", "Incorrect username or password."},
		{"unconfirmed, right password", e.clientID(), "unconfirmed", pw1, "UserNotConfirmedException", "User is not confirmed."},
		{"unconfirmed, wrong password", e.clientID(), "unconfirmed", pw2, "UserNotConfirmedException", "User is not confirmed."},
		{"disabled", e.clientID(), "off", pw1, "NotAuthorizedException", "User is disabled."},
		{"reset required", e.clientID(), "reset", pw1, "PasswordResetRequiredException", "Password reset required for the user"},
		{"flow not enabled", aws.ToString(srpOnly.ClientId), "erin", pw1, "InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client"},
		{"flow not enabled by default", aws.ToString(defaults.ClientId), "erin", pw1, "InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client"},
		{"missing PASSWORD", e.clientID(), "erin", "", "InvalidParameterException", "Missing required parameter PASSWORD"},
		{"missing USERNAME", e.clientID(), "", pw1, "InvalidParameterException", "Missing required parameter USERNAME"},
		{"unknown client", "abcdefghijklmnopqrstuvwxyz", "erin", pw1, "ResourceNotFoundException", "User pool client abcdefghijklmnopqrstuvwxyz does not exist."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			params := map[string]string{}
			if tc.user != "" {
				params["USERNAME"] = tc.user
			}
			if tc.password != "" {
				params["PASSWORD"] = tc.password
			}
			_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
				AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(tc.client), AuthParameters: params,
			})
			wantErr(t, err, tc.code, tc.message)
		})
	}

	t.Run("admin flow not enabled", func(t *testing.T) {
		_, err := e.Client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
			UserPoolId: aws.String(e.pool), ClientId: passwordOnly.ClientId, AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "erin", "PASSWORD": pw1},
		})
		wantErr(t, err, "InvalidParameterException", "Auth flow not enabled for this client")
		_, err = e.Client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
			UserPoolId: aws.String(e.pool), ClientId: passwordOnly.ClientId, AuthFlow: types.AuthFlowTypeAdminNoSrpAuth,
			AuthParameters: map[string]string{"USERNAME": "erin", "PASSWORD": pw1},
		})
		wantErr(t, err, "InvalidParameterException", "Auth flow not enabled for this client")
	})
	t.Run("srp flow not enabled", func(t *testing.T) {
		_, _, err := e.srpStart(aws.ToString(passwordOnly.ClientId), "erin")
		wantErr(t, err, "InvalidParameterException", "USER_SRP_AUTH flow not enabled for this client")
	})
	t.Run("refresh flow not enabled", func(t *testing.T) {
		_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: passwordOnly.ClientId,
			AuthParameters: map[string]string{"REFRESH_TOKEN": "x"},
		})
		wantErr(t, err, "InvalidParameterException", "REFRESH_TOKEN_AUTH flow not enabled for this client")
	})
	t.Run("admin flow on InitiateAuth", func(t *testing.T) {
		_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, ClientId: e.client.ClientId,
			AuthParameters: map[string]string{"USERNAME": "erin", "PASSWORD": pw1},
		})
		wantErr(t, err, "InvalidParameterException", "Initiate Auth method not supported")
	})
	t.Run("admin client of another pool", func(t *testing.T) {
		other := e.CreatePool(nil)
		_, err := e.Client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
			UserPoolId: aws.String(other), ClientId: e.client.ClientId, AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "erin", "PASSWORD": pw1},
		})
		wantErr(t, err, "ResourceNotFoundException", "User pool client "+e.clientID()+" does not exist.")
	})
}

func TestLegacyExplicitAuthFlows(t *testing.T) {
	// The AWS-verified moto test signs in with USER_PASSWORD_AUTH on a
	// client whose ExplicitAuthFlows is the legacy ["USER_PASSWORD_AUTH"].
	e := newAuthEnv(t, nil, &cip.CreateUserPoolClientInput{ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"USER_PASSWORD_AUTH"}})
	e.createUser("fay", pw1)
	e.signIn("fay", pw1)
	out, err := e.srpSignIn("fay", pw1)
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("legacy clients allow SRP: %v", err)
	}
}

func TestSecretHash(t *testing.T) {
	e := newAuthEnv(t, &cip.CreateUserPoolInput{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypeEmail}},
		&cip.CreateUserPoolClientInput{ExplicitAuthFlows: allFlows, GenerateSecret: true})
	e.createUser("gus", pw1, withAttrs("email", "gus@example.com", "email_verified", "true"))
	id, secret := e.clientID(), aws.ToString(e.client.ClientSecret)

	_, err := e.passwordAuth(id, "gus", pw1)
	wantErr(t, err, "NotAuthorizedException", "Client "+id+" is configured with secret but SECRET_HASH was not received")
	_, err = e.passwordAuth(id, "gus", pw1, "SECRET_HASH", secretHash(secret, "someone", id))
	wantErr(t, err, "NotAuthorizedException", "Unable to verify secret hash for client "+id)
	if _, err := e.passwordAuth(id, "gus", pw1, "SECRET_HASH", secretHash(secret, "gus", id)); err != nil {
		t.Fatal(err)
	}
	// Signing in with an alias: the hash is over the name as typed.
	out, err := e.passwordAuth(id, "gus@example.com", pw1, "SECRET_HASH", secretHash(secret, "gus@example.com", id))
	if err != nil {
		t.Fatal(err)
	}
	// Refreshing needs the hash over the internal username.
	rt := aws.ToString(out.AuthenticationResult.RefreshToken)
	refresh := func(hash string) error {
		_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: aws.String(id),
			AuthParameters: map[string]string{"REFRESH_TOKEN": rt, "SECRET_HASH": hash},
		})
		return err
	}
	wantErr(t, refresh(secretHash(secret, "gus@example.com", id)), "NotAuthorizedException", "Unable to verify secret hash for client "+id)
	if err := refresh(secretHash(secret, "gus", id)); err != nil {
		t.Fatal(err)
	}

	// SRP: the InitiateAuth hash is over the name typed, the answer's over
	// USER_ID_FOR_SRP.
	c, start, err := e.srpStart(id, "gus@example.com", "SECRET_HASH", secretHash(secret, "gus@example.com", id))
	if err != nil {
		t.Fatal(err)
	}
	if start.ChallengeParameters["USER_ID_FOR_SRP"] != "gus" || start.ChallengeParameters["USERNAME"] != "gus" {
		t.Fatalf("challenge parameters %v", start.ChallengeParameters)
	}
	_, err = e.srpAnswer(id, c, start.ChallengeParameters, pw1, "SECRET_HASH", secretHash(secret, "gus@example.com", id))
	wantErr(t, err, "NotAuthorizedException", "Unable to verify secret hash for client "+id)
	done, err := e.srpAnswer(id, c, start.ChallengeParameters, pw1, "SECRET_HASH", secretHash(secret, "gus", id))
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("SRP with secret: %v", err)
	}
}

func TestSRPSignIn(t *testing.T) {
	e := newAuthEnv(t, &cip.CreateUserPoolInput{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypeEmail}}, nil)
	u := e.createUser("hana", pw1, withAttrs("email", "hana@example.com", "email_verified", "true"))

	for _, name := range []string{"hana", "hana@example.com", u.Sub} {
		t.Run("as "+name, func(t *testing.T) {
			c, out, err := e.srpStart(e.clientID(), name)
			if err != nil {
				t.Fatal(err)
			}
			p := out.ChallengeParameters
			if out.ChallengeName != types.ChallengeNameTypePasswordVerifier || out.Session != nil {
				t.Fatalf("challenge %q with session %v; want PASSWORD_VERIFIER without a session", out.ChallengeName, out.Session)
			}
			if len(p["SALT"]) != 32 || p["USERNAME"] != "hana" || p["USER_ID_FOR_SRP"] != "hana" || p["SRP_B"] == "" {
				t.Fatalf("parameters %v", p)
			}
			if !isStdBase64(p["SECRET_BLOCK"]) {
				t.Fatalf("SECRET_BLOCK %q is not padded standard base64", p["SECRET_BLOCK"])
			}
			done, err := e.srpAnswer(e.clientID(), c, p, pw1)
			if err != nil {
				t.Fatal(err)
			}
			if done.AuthenticationResult == nil || done.ChallengeParameters == nil || len(done.ChallengeParameters) != 0 {
				t.Fatalf("answer = %+v", done)
			}
			a, _ := e.verifyJWT(aws.ToString(done.AuthenticationResult.AccessToken))
			if claimString(a, "username") != "hana" || claimString(a, "sub") != u.Sub {
				t.Errorf("claims %v", a)
			}
		})
	}

	t.Run("pycognito SALT reading", func(t *testing.T) {
		c, out, err := e.srpStart(e.clientID(), "hana")
		if err != nil {
			t.Fatal(err)
		}
		c.SaltAsString = true
		if _, err := e.srpAnswer(e.clientID(), c, out.ChallengeParameters, pw1); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("admin", func(t *testing.T) {
		c, err := newSRPClient(e.pool)
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.Client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
			UserPoolId: aws.String(e.pool), ClientId: e.client.ClientId, AuthFlow: types.AuthFlowTypeUserSrpAuth,
			AuthParameters: map[string]string{"USERNAME": "hana", "SRP_A": c.SRPA()},
		})
		if err != nil || out.ChallengeName != types.ChallengeNameTypePasswordVerifier || out.Session != nil {
			t.Fatalf("AdminInitiateAuth USER_SRP_AUTH: %v %+v", err, out)
		}
		resp, err := c.PasswordVerifierResponses(out.ChallengeParameters, pw1, e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		done, err := e.Client.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{
			UserPoolId: aws.String(e.pool), ClientId: e.client.ClientId, ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp,
		})
		if err != nil || done.AuthenticationResult == nil {
			t.Fatalf("AdminRespondToAuthChallenge: %v", err)
		}
	})

	t.Run("stateless", func(t *testing.T) {
		// Another server sharing the database and master key would answer
		// too; here: the answer needs nothing but the SECRET_BLOCK, even
		// after the sessions table is swept.
		c, out, err := e.srpStart(e.clientID(), "hana")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Store.DeleteExpiredSessions(ctx, e.Clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.srpAnswer(e.clientID(), c, out.ChallengeParameters, pw1); err != nil {
			t.Fatal(err)
		}
	})
}

func isStdBase64(s string) bool {
	if len(s)%4 != 0 || s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '=') {
			return false
		}
	}
	return true
}

func TestSRPFailures(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	e.createUser("ivan", pw1)
	e.createUser("pending", pw1, withStatus("UNCONFIRMED"))
	e.createUser("off", pw1, disabled())
	incorrect := func(t *testing.T, err error) {
		t.Helper()
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	}

	t.Run("wrong password", func(t *testing.T) {
		c, out, err := e.srpStart(e.clientID(), "ivan")
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.srpAnswer(e.clientID(), c, out.ChallengeParameters, pw2)
		incorrect(t, err)
	})
	t.Run("zero-padded day", func(t *testing.T) {
		// The 5th of a month: Cognito refuses "Sep 05".
		e.Clock.Set(time.Date(2031, 9, 5, 8, 7, 5, 0, time.UTC))
		defer e.Clock.Set(testEpoch())
		c, out, err := e.srpStart(e.clientID(), "ivan")
		if err != nil {
			t.Fatal(err)
		}
		ts := srp.FormatTimestamp(e.Clock.Now())
		padded := strings.Replace(ts, " 5 ", " 05 ", 1)
		sig, err := c.Signature("ivan", pw1, out.ChallengeParameters["SRP_B"], out.ChallengeParameters["SALT"], out.ChallengeParameters["SECRET_BLOCK"], padded)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId: e.client.ClientId, ChallengeName: types.ChallengeNameTypePasswordVerifier,
			ChallengeResponses: map[string]string{"USERNAME": "ivan", "PASSWORD_CLAIM_SECRET_BLOCK": out.ChallengeParameters["SECRET_BLOCK"], "TIMESTAMP": padded, "PASSWORD_CLAIM_SIGNATURE": sig},
		})
		incorrect(t, err)
	})
	t.Run("timestamp far from the clock", func(t *testing.T) {
		c, out, err := e.srpStart(e.clientID(), "ivan")
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.PasswordVerifierResponses(out.ChallengeParameters, pw1, e.Clock.Now().Add(-10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId: e.client.ClientId, ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp,
		})
		incorrect(t, err)
		// A couple of minutes of skew is fine.
		resp, _ = c.PasswordVerifierResponses(out.ChallengeParameters, pw1, e.Clock.Now().Add(2*time.Minute))
		if _, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId: e.client.ClientId, ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp,
		}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("garbage or foreign SECRET_BLOCK", func(t *testing.T) {
		c, out, err := e.srpStart(e.clientID(), "ivan")
		if err != nil {
			t.Fatal(err)
		}
		good, _ := c.PasswordVerifierResponses(out.ChallengeParameters, pw1, e.Clock.Now())
		for _, block := range []string{"not base64!", "AAAA", out.ChallengeParameters["SECRET_BLOCK"][:len(out.ChallengeParameters["SECRET_BLOCK"])-8] + "AAAAAAA="} {
			resp := maps(good, "PASSWORD_CLAIM_SECRET_BLOCK", block)
			_, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
				ClientId: e.client.ClientId, ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp,
			})
			incorrect(t, err)
		}
		// A block issued for another client of the pool does not open.
		other := e.newClient(nil)
		_, err = e.srpAnswer(aws.ToString(other.ClientId), c, out.ChallengeParameters, pw1)
		incorrect(t, err)
	})
	t.Run("USERNAME of someone else", func(t *testing.T) {
		e.createUser("judy", pw1)
		c, out, err := e.srpStart(e.clientID(), "ivan")
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.srpAnswer(e.clientID(), c, out.ChallengeParameters, pw1, "USERNAME", "judy")
		incorrect(t, err)
	})
	t.Run("expired challenge", func(t *testing.T) {
		c, out, err := e.srpStart(e.clientID(), "ivan")
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(3*time.Minute + time.Second)
		defer e.Clock.Set(testEpoch())
		_, err = e.srpAnswer(e.clientID(), c, out.ChallengeParameters, pw1)
		incorrect(t, err)
	})
	t.Run("password changed meanwhile", func(t *testing.T) {
		e.createUser("kim", pw1)
		c, out, err := e.srpStart(e.clientID(), "kim")
		if err != nil {
			t.Fatal(err)
		}
		p, _ := e.Server.Pools.LoadPool(ctx, e.pool)
		e.updateUser("kim", func(u *storage.User) { e.Server.Pools.SetPassword(p, u, pw2) })
		_, err = e.srpAnswer(e.clientID(), c, out.ChallengeParameters, pw1)
		incorrect(t, err)
	})
	t.Run("missing parameters", func(t *testing.T) {
		_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: e.client.ClientId, AuthParameters: map[string]string{"USERNAME": "ivan"},
		})
		wantErr(t, err, "InvalidParameterException", "Missing required parameter SRP_A")
		for _, drop := range []string{"USERNAME", "PASSWORD_CLAIM_SECRET_BLOCK", "TIMESTAMP", "PASSWORD_CLAIM_SIGNATURE"} {
			c, out, err := e.srpStart(e.clientID(), "ivan")
			if err != nil {
				t.Fatal(err)
			}
			resp, _ := c.PasswordVerifierResponses(out.ChallengeParameters, pw1, e.Clock.Now())
			delete(resp, drop)
			_, err = e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
				ClientId: e.client.ClientId, ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp,
			})
			wantErr(t, err, "InvalidParameterException", "Missing required parameter "+drop)
		}
	})
	t.Run("invalid SRP_A", func(t *testing.T) {
		for _, a := range []string{"0", "zz", srp.NHex} {
			_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
				AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: e.client.ClientId, AuthParameters: map[string]string{"USERNAME": "ivan", "SRP_A": a},
			})
			wantErr(t, err, "InvalidParameterException", "Invalid SRP_A value.")
		}
	})
	t.Run("user states at InitiateAuth", func(t *testing.T) {
		_, _, err := e.srpStart(e.clientID(), "nobody")
		wantErr(t, err, "UserNotFoundException", "User does not exist.")
		_, _, err = e.srpStart(e.clientID(), "pending")
		wantErr(t, err, "UserNotConfirmedException", "User is not confirmed.")
		_, _, err = e.srpStart(e.clientID(), "off")
		wantErr(t, err, "NotAuthorizedException", "User is disabled.")
	})
	t.Run("unknown user hidden", func(t *testing.T) {
		hidden := e.newClient(&cip.CreateUserPoolClientInput{ExplicitAuthFlows: allFlows, PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled})
		hid := aws.ToString(hidden.ClientId)
		c, out, err := e.srpStart(hid, "nobody")
		if err != nil {
			t.Fatal(err)
		}
		p := out.ChallengeParameters
		if out.ChallengeName != types.ChallengeNameTypePasswordVerifier || len(p["SALT"]) != 32 || p["USER_ID_FOR_SRP"] != "nobody" || p["SRP_B"] == "" {
			t.Fatalf("decoy challenge %v", p)
		}
		_, again, err := e.srpStart(hid, "nobody")
		if err != nil || again.ChallengeParameters["SALT"] != p["SALT"] {
			t.Errorf("decoy SALT changes between attempts: %q, %q", p["SALT"], again.ChallengeParameters["SALT"])
		}
		_, err = e.srpAnswer(hid, c, p, pw1)
		incorrect(t, err)
		// A real user's challenge looks the same.
		_, real, err := e.srpStart(hid, "ivan")
		if err != nil || len(real.ChallengeParameters["SALT"]) != 32 {
			t.Fatal(err)
		}
	})
}

// maps returns a copy of m with k set to v.
func maps(m map[string]string, k, v string) map[string]string {
	out := map[string]string{}
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

func TestLockout(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	e.createUser("lena", pw1)
	fail := func(msg string) {
		t.Helper()
		_, err := e.passwordAuth(e.clientID(), "lena", pw2)
		wantErr(t, err, "NotAuthorizedException", msg)
	}
	for range 5 {
		fail("Incorrect username or password.")
	}
	// Locked for 1 s: even the right password is refused, and attempts
	// during the lockout do not count.
	_, err := e.passwordAuth(e.clientID(), "lena", pw1)
	wantErr(t, err, "NotAuthorizedException", "Password attempts exceeded")
	fail("Password attempts exceeded")
	// SRP proofs are locked out too.
	if _, err := e.srpSignIn("lena", pw1); servertest.ErrorMessage(err) != "Password attempts exceeded" {
		t.Fatalf("SRP during lockout: %v", err)
	}
	e.Clock.Advance(time.Second)
	fail("Incorrect username or password.") // 6th failure: 2 s
	e.Clock.Advance(1999 * time.Millisecond)
	fail("Password attempts exceeded")
	e.Clock.Advance(time.Millisecond)
	fail("Incorrect username or password.") // 7th: 4 s
	u, _ := e.Store.GetUser(ctx, e.pool, "lena")
	if u.Lockout.Failures != 7 || u.Lockout.LockedUntil.Sub(e.Clock.Now()) != 4*time.Second {
		t.Fatalf("lockout = %+v", u.Lockout)
	}
	// The lock grows to about 15 minutes at most.
	for range 12 {
		e.Clock.Advance(15 * time.Minute)
		e.updateUser("lena", func(u *storage.User) { u.Lockout.LastFailure = e.Clock.Now() }) // keep the streak alive
		fail("Incorrect username or password.")
	}
	u, _ = e.Store.GetUser(ctx, e.pool, "lena")
	if d := u.Lockout.LockedUntil.Sub(e.Clock.Now()); d != 15*time.Minute {
		t.Fatalf("lockout duration %v, want 15m", d)
	}
	// After the lock ends, a success resets the count.
	e.Clock.Advance(15 * time.Minute)
	e.signIn("lena", pw1)
	u, _ = e.Store.GetUser(ctx, e.pool, "lena")
	if u.Lockout != (storage.Lockout{}) {
		t.Fatalf("lockout after success = %+v", u.Lockout)
	}
	// 15 minutes without failures also start over.
	for range 4 {
		fail("Incorrect username or password.")
	}
	e.Clock.Advance(15 * time.Minute)
	fail("Incorrect username or password.")
	u, _ = e.Store.GetUser(ctx, e.pool, "lena")
	if u.Lockout.Failures != 1 || !u.Lockout.LockedUntil.IsZero() {
		t.Fatalf("lockout after a quiet 15 minutes = %+v", u.Lockout)
	}
	// A successful sign-in without earlier failures does not write the user.
	e.signIn("lena", pw1)
	before, _ := e.Store.GetUser(ctx, e.pool, "lena")
	e.Clock.Advance(time.Minute)
	e.signIn("lena", pw1)
	after, _ := e.Store.GetUser(ctx, e.pool, "lena")
	if !after.UpdatedAt.Equal(before.UpdatedAt) || after.Lockout != before.Lockout {
		t.Errorf("a plain sign-in changed the user: %+v -> %+v", before.Lockout, after.Lockout)
	}
}

func TestNewPasswordRequired(t *testing.T) {
	e := newAuthEnv(t, &cip.CreateUserPoolInput{Schema: []types.SchemaAttributeType{
		{Name: aws.String("name"), Required: aws.Bool(true), Mutable: aws.Bool(true)},
	}}, nil)
	e.createUser("mia", "Temp0rary!", withStatus("FORCE_CHANGE_PASSWORD"), withAttrs("email", "mia@example.com", "email_verified", "true"))

	start := func() *cip.InitiateAuthOutput {
		t.Helper()
		out, err := e.passwordAuth(e.clientID(), "mia", "Temp0rary!")
		if err != nil {
			t.Fatal(err)
		}
		if out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || out.AuthenticationResult != nil {
			t.Fatalf("got %+v, want NEW_PASSWORD_REQUIRED", out)
		}
		return out
	}
	out := start()
	p := out.ChallengeParameters
	if p["USER_ID_FOR_SRP"] != "mia" || p["requiredAttributes"] != `["userAttributes.name"]` ||
		p["userAttributes"] != `{"email":"mia@example.com","email_verified":"true"}` {
		t.Fatalf("parameters %v", p)
	}
	if s := aws.ToString(out.Session); len(s) < 20 || len(s) > 2048 {
		t.Fatalf("session %q", s)
	}
	answer := func(session string, r map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
		return e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId: e.client.ClientId, ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: aws.String(session), ChallengeResponses: r,
		})
	}
	session := aws.ToString(out.Session)

	// Wrong answers do not spend the session.
	_, err := answer(session, map[string]string{"USERNAME": "mia", "NEW_PASSWORD": "short", "userAttributes.name": "Mia"})
	wantErr(t, err, "InvalidPasswordException", "Password does not conform to policy: Password not long enough")
	_, err = answer(session, map[string]string{"USERNAME": "mia", "NEW_PASSWORD": pw1})
	wantErr(t, err, "InvalidParameterException", "Invalid attributes given, name is missing")
	_, err = answer(session, map[string]string{"USERNAME": "mia", "userAttributes.name": "Mia"})
	wantErr(t, err, "InvalidParameterException", "Missing required parameter NEW_PASSWORD")
	_, err = answer(session, map[string]string{"NEW_PASSWORD": pw1, "userAttributes.name": "Mia"})
	wantErr(t, err, "InvalidParameterException", "Missing required parameter USERNAME")
	_, err = e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: e.client.ClientId, ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
		ChallengeResponses: map[string]string{"USERNAME": "mia", "NEW_PASSWORD": pw1, "userAttributes.name": "Mia"},
	})
	wantErr(t, err, "InvalidParameterException", "Missing required parameter Session")

	done, err := answer(session, map[string]string{"USERNAME": "mia", "NEW_PASSWORD": pw1, "userAttributes.name": "Mia"})
	if err != nil {
		t.Fatal(err)
	}
	if done.AuthenticationResult == nil || done.Session != nil || len(done.ChallengeParameters) != 0 || done.ChallengeParameters == nil {
		t.Fatalf("answer = %+v", done)
	}
	id, _ := e.verifyJWT(aws.ToString(done.AuthenticationResult.IdToken))
	if id["name"] != "Mia" {
		t.Errorf("id token name = %v", id["name"])
	}
	_, err = answer(session, map[string]string{"USERNAME": "mia", "NEW_PASSWORD": pw2, "userAttributes.name": "Mia"})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session can only be used once.")

	u, _ := e.Store.GetUser(ctx, e.pool, "mia")
	if u.Status != "CONFIRMED" {
		t.Errorf("status %s", u.Status)
	}
	e.signIn("mia", pw1)
	_, err = e.passwordAuth(e.clientID(), "mia", "Temp0rary!")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	if out, err := e.srpSignIn("mia", pw1); err != nil || out.AuthenticationResult == nil {
		t.Fatalf("SRP with the new password: %v", err)
	}
}

func TestNewPasswordRequiredAfterSRPAndAdmin(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	e.createUser("nia", "Temp0rary!", withStatus("FORCE_CHANGE_PASSWORD"))
	out, err := e.srpSignIn("nia", "Temp0rary!")
	if err != nil {
		t.Fatal(err)
	}
	if out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || out.Session == nil || out.ChallengeParameters["requiredAttributes"] != "[]" {
		t.Fatalf("got %+v", out)
	}
	done, err := e.Client.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{
		UserPoolId: aws.String(e.pool), ClientId: e.client.ClientId, ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
		Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": "nia", "NEW_PASSWORD": pw1},
	})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("admin answer: %v", err)
	}

	// A temporary password expires after TemporaryPasswordValidityDays.
	e.createUser("old", "Temp0rary!", withStatus("FORCE_CHANGE_PASSWORD"))
	e.Clock.Advance(7 * 24 * time.Hour)
	_, err = e.passwordAuth(e.clientID(), "old", "Temp0rary!")
	wantErr(t, err, "NotAuthorizedException", "Temporary password has expired and must be reset by an administrator.")
	// ... but not a wrong one, which stays a wrong password.
	_, err = e.passwordAuth(e.clientID(), "old", "Wr0ng!pass")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
}

func TestSessions(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	e.createUser("olga", "Temp0rary!", withStatus("FORCE_CHANGE_PASSWORD"))
	start := func() string {
		out, err := e.passwordAuth(e.clientID(), "olga", "Temp0rary!")
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Session)
	}
	answer := func(clientID, session string) error {
		_, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId: aws.String(clientID), ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: aws.String(session),
			ChallengeResponses: map[string]string{"USERNAME": "olga", "NEW_PASSWORD": "short"},
		})
		return err
	}
	policy := "Password does not conform to policy: Password not long enough"

	s1, s2 := start(), start()
	if s1 == s2 {
		t.Fatal("two challenges share a session")
	}
	t.Run("garbage", func(t *testing.T) {
		wantErr(t, answer(e.clientID(), strings.Repeat("A", 64)), "NotAuthorizedException", "Invalid session for the user.")
		wantErr(t, answer(e.clientID(), s1[:40]), "NotAuthorizedException", "Invalid session for the user.")
	})
	t.Run("other client", func(t *testing.T) {
		other := e.newClient(nil)
		wantErr(t, answer(aws.ToString(other.ClientId), s1), "NotAuthorizedException", "Invalid session for the user.")
	})
	t.Run("wrong challenge name", func(t *testing.T) {
		_, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId: e.client.ClientId, ChallengeName: types.ChallengeNameTypeSmsMfa, Session: aws.String(s1),
			ChallengeResponses: map[string]string{"USERNAME": "olga", "SMS_MFA_CODE": "123456"},
		})
		wantErr(t, err, "NotAuthorizedException", "Invalid session for the user.")
	})
	t.Run("USERNAME of nobody", func(t *testing.T) {
		_, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId: e.client.ClientId, ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: aws.String(s1),
			ChallengeResponses: map[string]string{"USERNAME": "nobody", "NEW_PASSWORD": pw1},
		})
		wantErr(t, err, "UserNotFoundException", "User does not exist.")
	})
	t.Run("attempts are bounded", func(t *testing.T) {
		s := start()
		for range 5 {
			wantErr(t, answer(e.clientID(), s), "InvalidPasswordException", policy)
		}
		wantErr(t, answer(e.clientID(), s), "NotAuthorizedException", "Invalid session for the user.")
	})
	t.Run("expired", func(t *testing.T) {
		wantErr(t, answer(e.clientID(), s2), "InvalidPasswordException", policy)
		e.Clock.Advance(3 * time.Minute)
		wantErr(t, answer(e.clientID(), s2), "NotAuthorizedException", "Invalid session for the user, session is expired.")
	})
	t.Run("longer AuthSessionValidity", func(t *testing.T) {
		c := e.newClient(&cip.CreateUserPoolClientInput{ExplicitAuthFlows: allFlows, AuthSessionValidity: aws.Int32(15)})
		out, err := e.passwordAuth(aws.ToString(c.ClientId), "olga", "Temp0rary!")
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(14 * time.Minute)
		wantErr(t, answer(aws.ToString(c.ClientId), aws.ToString(out.Session)), "InvalidPasswordException", policy)
		e.Clock.Advance(time.Minute)
		wantErr(t, answer(aws.ToString(c.ClientId), aws.ToString(out.Session)), "NotAuthorizedException", "Invalid session for the user, session is expired.")
	})
	t.Run("concurrent answers spend once", func(t *testing.T) {
		e.createUser("pat", "Temp0rary!", withStatus("FORCE_CHANGE_PASSWORD"))
		out, err := e.passwordAuth(e.clientID(), "pat", "Temp0rary!")
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				_, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
					ClientId: e.client.ClientId, ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: out.Session,
					ChallengeResponses: map[string]string{"USERNAME": "pat", "NEW_PASSWORD": pw1},
				})
				errs <- err
			}()
		}
		var ok, used int
		for range 4 {
			err := <-errs
			switch {
			case err == nil:
				ok++
			case servertest.ErrorMessage(err) == "Invalid session for the user, session can only be used once.":
				used++
			default:
				t.Errorf("unexpected %v", err)
			}
		}
		if ok != 1 || used != 3 {
			t.Errorf("%d successes and %d reuse errors, want 1 and 3", ok, used)
		}
	})
}

func TestRefresh(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	u := e.createUser("quinn", pw1)
	first := e.signIn("quinn", pw1)
	rt := aws.ToString(first.RefreshToken)
	a0, _ := e.verifyJWT(aws.ToString(first.AccessToken))

	e.Clock.Advance(10 * time.Minute)
	for _, flow := range []types.AuthFlowType{types.AuthFlowTypeRefreshTokenAuth, types.AuthFlowTypeRefreshToken} {
		out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: flow, ClientId: e.client.ClientId, AuthParameters: map[string]string{"REFRESH_TOKEN": rt},
		})
		if err != nil {
			t.Fatalf("%s: %v", flow, err)
		}
		r := out.AuthenticationResult
		if r == nil || r.RefreshToken != nil || out.ChallengeParameters == nil || len(out.ChallengeParameters) != 0 {
			t.Fatalf("%s: %+v", flow, out)
		}
		a, _ := e.verifyJWT(aws.ToString(r.AccessToken))
		id, _ := e.verifyJWT(aws.ToString(r.IdToken))
		if claimString(a, "origin_jti") != claimString(a0, "origin_jti") || claimString(id, "origin_jti") != claimString(a0, "origin_jti") {
			t.Errorf("%s: origin_jti changed", flow)
		}
		if claimInt(a, "auth_time") != claimInt(a0, "auth_time") || claimInt(a, "iat") != e.Clock.Now().Unix() {
			t.Errorf("%s: auth_time %d (want %d), iat %d", flow, claimInt(a, "auth_time"), claimInt(a0, "auth_time"), claimInt(a, "iat"))
		}
		if claimString(a, "jti") == claimString(a0, "jti") || claimString(a, "sub") != u.Sub {
			t.Errorf("%s: jti reused or sub wrong", flow)
		}
	}
	out, err := e.Anonymous.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: e.client.ClientId, RefreshToken: aws.String(rt)})
	if err != nil || out.AuthenticationResult == nil || out.AuthenticationResult.RefreshToken != nil {
		t.Fatalf("GetTokensFromRefreshToken: %v %+v", err, out)
	}
	admin, err := e.Client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		UserPoolId: aws.String(e.pool), ClientId: e.client.ClientId, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": rt},
	})
	if err != nil || admin.AuthenticationResult == nil {
		t.Fatalf("AdminInitiateAuth REFRESH_TOKEN_AUTH: %v", err)
	}

	refresh := func(clientID, tok string) error {
		_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: aws.String(clientID), AuthParameters: map[string]string{"REFRESH_TOKEN": tok},
		})
		return err
	}
	t.Run("invalid", func(t *testing.T) {
		wantErr(t, refresh(e.clientID(), "eyJnotatoken"), "NotAuthorizedException", "Invalid Refresh Token")
		wantErr(t, refresh(e.clientID(), aws.ToString(first.AccessToken)), "NotAuthorizedException", "Invalid Refresh Token")
		_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: e.client.ClientId, AuthParameters: map[string]string{}})
		wantErr(t, err, "InvalidParameterException", "Missing required parameter REFRESH_TOKEN")
	})
	t.Run("other client", func(t *testing.T) {
		other := e.newClient(nil)
		wantErr(t, refresh(aws.ToString(other.ClientId), rt), "NotAuthorizedException", "Invalid Refresh Token")
	})
	t.Run("disabled user", func(t *testing.T) {
		e.updateUser("quinn", func(u *storage.User) { u.Enabled = false })
		defer e.updateUser("quinn", func(u *storage.User) { u.Enabled = true })
		wantErr(t, refresh(e.clientID(), rt), "NotAuthorizedException", "User is disabled.")
	})
	t.Run("deleted user", func(t *testing.T) {
		e.createUser("temp", pw1)
		tok := aws.ToString(e.signIn("temp", pw1).RefreshToken)
		if err := e.Store.DeleteUser(ctx, e.pool, "temp"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, refresh(e.clientID(), tok), "UserNotFoundException", "User does not exist.")
		// A new user under the same name is someone else.
		e.createUser("temp", pw1)
		wantErr(t, refresh(e.clientID(), tok), "UserNotFoundException", "User does not exist.")
	})
	t.Run("expired", func(t *testing.T) {
		e.Clock.Advance(30 * 24 * time.Hour)
		wantErr(t, refresh(e.clientID(), rt), "NotAuthorizedException", "Refresh Token has expired")
	})
}

func TestRefreshTokenRotation(t *testing.T) {
	e := newAuthEnv(t, nil, &cip.CreateUserPoolClientInput{ExplicitAuthFlows: allFlows,
		RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled, RetryGracePeriodSeconds: aws.Int32(10)}})
	e.createUser("rosa", pw1)
	rt := aws.ToString(e.signIn("rosa", pw1).RefreshToken)

	_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: e.client.ClientId, AuthParameters: map[string]string{"REFRESH_TOKEN": rt},
	})
	wantErr(t, err, "InvalidParameterException", "Refresh token rotation is enabled for this client. Use GetTokensFromRefreshToken.")

	get := func(tok string) (*cip.GetTokensFromRefreshTokenOutput, error) {
		return e.Anonymous.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: e.client.ClientId, RefreshToken: aws.String(tok)})
	}
	out, err := get(rt)
	if err != nil || out.AuthenticationResult.RefreshToken == nil {
		t.Fatalf("rotation: %v %+v", err, out)
	}
	rt2 := aws.ToString(out.AuthenticationResult.RefreshToken)
	// Within the grace period the old token still works (client retries).
	e.Clock.Advance(5 * time.Second)
	if _, err := get(rt); err != nil {
		t.Fatalf("retry within the grace period: %v", err)
	}
	e.Clock.Advance(6 * time.Second)
	_, err = get(rt)
	wantErr(t, err, "RefreshTokenReuseException", "Refresh token has already been used.")
	if _, err := get(rt2); err != nil {
		t.Fatalf("the rotated token: %v", err)
	}
}

func TestRefreshWithClientSecret(t *testing.T) {
	e := newAuthEnv(t, nil, &cip.CreateUserPoolClientInput{ExplicitAuthFlows: allFlows, GenerateSecret: true})
	e.createUser("sam", pw1)
	id, secret := e.clientID(), aws.ToString(e.client.ClientSecret)
	out, err := e.passwordAuth(id, "sam", pw1, "SECRET_HASH", secretHash(secret, "sam", id))
	if err != nil {
		t.Fatal(err)
	}
	rt := out.AuthenticationResult.RefreshToken
	_, err = e.Anonymous.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(id), RefreshToken: rt})
	wantErr(t, err, "NotAuthorizedException", "Unable to verify client secret for client "+id)
	if _, err := e.Anonymous.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(id), ClientSecret: aws.String(secret), RefreshToken: rt}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Anonymous.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(id), ClientSecret: aws.String("wrongsecretwrongsecretwrong"), Token: rt})
	wantErr(t, err, "UnauthorizedException", "Unable to verify client secret for client "+id)
	if _, err := e.Anonymous.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(id), ClientSecret: aws.String(secret), Token: rt}); err != nil {
		t.Fatal(err)
	}
}

func TestRevokeToken(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	e.createUser("tom", pw1)
	first := e.signIn("tom", pw1)
	other := e.signIn("tom", pw1) // another family, unaffected
	rt := aws.ToString(first.RefreshToken)
	refreshed, err := e.Anonymous.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: e.client.ClientId, RefreshToken: aws.String(rt)})
	if err != nil {
		t.Fatal(err)
	}

	_, err = e.Anonymous.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: e.client.ClientId, Token: first.AccessToken})
	wantErr(t, err, "UnsupportedTokenTypeException", "Unsupported token type. Only refresh tokens can be revoked.")
	otherClient := e.newClient(nil)
	_, err = e.Anonymous.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: otherClient.ClientId, Token: aws.String(rt)})
	wantErr(t, err, "UnauthorizedException", "The refresh token was not issued to this client.")
	noRevocation := e.newClient(&cip.CreateUserPoolClientInput{ExplicitAuthFlows: allFlows, EnableTokenRevocation: aws.Bool(false)})
	_, err = e.Anonymous.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: noRevocation.ClientId, Token: aws.String(rt)})
	wantErr(t, err, "UnsupportedOperationException", "Token revocation is not enabled for this client.")

	if _, err := e.Anonymous.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: e.client.ClientId, Token: aws.String(rt)}); err != nil {
		t.Fatal(err)
	}
	// Revoking again is fine.
	if _, err := e.Anonymous.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: e.client.ClientId, Token: aws.String(rt)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: e.client.ClientId, AuthParameters: map[string]string{"REFRESH_TOKEN": rt},
	})
	wantErr(t, err, "NotAuthorizedException", "Refresh Token has been revoked")
	// Access tokens of the family, including ones minted by refresh, are
	// revoked too.
	for _, a := range []*string{first.AccessToken, refreshed.AuthenticationResult.AccessToken} {
		_, err = e.Anonymous.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: a})
		wantErr(t, err, "NotAuthorizedException", "Access Token has been revoked")
	}
	// The other sign-in is untouched.
	if _, err := e.Anonymous.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: e.client.ClientId, RefreshToken: other.RefreshToken}); err != nil {
		t.Fatalf("other family: %v", err)
	}
}

func TestGlobalSignOut(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	e.createUser("uma", pw1)
	a := e.signIn("uma", pw1)
	b := e.signIn("uma", pw1)
	if _, err := e.Anonymous.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: a.AccessToken}); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []*string{a.AccessToken, b.AccessToken} {
		_, err := e.Anonymous.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: tok})
		wantErr(t, err, "NotAuthorizedException", "Access Token has been revoked")
	}
	for _, rt := range []*string{a.RefreshToken, b.RefreshToken} {
		_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: types.AuthFlowTypeRefreshToken, ClientId: e.client.ClientId, AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(rt)},
		})
		wantErr(t, err, "NotAuthorizedException", "Refresh Token has been revoked")
	}
	// A later sign-in works.
	e.Clock.Advance(time.Millisecond)
	c := e.signIn("uma", pw1)
	if _, err := e.Anonymous.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: e.client.ClientId, RefreshToken: c.RefreshToken}); err != nil {
		t.Fatalf("refresh after a new sign-in: %v", err)
	}

	// AdminUserGlobalSignOut.
	if _, err := e.Client.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: aws.String(e.pool), Username: aws.String("uma")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.Anonymous.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: c.AccessToken})
	wantErr(t, err, "NotAuthorizedException", "Access Token has been revoked")
	_, err = e.Client.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: aws.String(e.pool), Username: aws.String("nobody")})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
	_, err = e.Anonymous.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: aws.String("garbage")})
	wantErr(t, err, "NotAuthorizedException", "Invalid Access Token")
	_, err = e.Anonymous.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: c.IdToken})
	wantErr(t, err, "NotAuthorizedException", "Invalid Access Token")
}

func TestSessionSweeperKeepsLiveSessions(t *testing.T) {
	e := newAuthEnv(t, nil, nil)
	e.createUser("val", "Temp0rary!", withStatus("FORCE_CHANGE_PASSWORD"))
	out, err := e.passwordAuth(e.clientID(), "val", "Temp0rary!")
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.Store.DeleteExpiredSessions(ctx, e.Clock.Now())
	if err != nil || n != 0 {
		t.Fatalf("deleted %d live sessions: %v", n, err)
	}
	e.Clock.Advance(2 * time.Hour)
	if n, _ := e.Store.DeleteExpiredSessions(ctx, e.Clock.Now().Add(-time.Hour)); n != 1 {
		t.Fatalf("deleted %d expired sessions, want 1", n)
	}
	_, err = e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: e.client.ClientId, ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": "val", "NEW_PASSWORD": pw1},
	})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user.")
}
