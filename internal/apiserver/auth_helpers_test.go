package apiserver_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/srp/srptest"
	"github.com/userpoold/userpoold/internal/storage"
)

// authEnv is a server with one pool and one app client for sign-in tests.
type authEnv struct {
	*servertest.Env
	t      testing.TB
	pool   string
	client *types.UserPoolClientType
	// autoSecretHash makes the sign-in helpers add SECRET_HASH for the
	// env's client when it has a secret.
	autoSecretHash bool
}

// allFlows are the flows the default test client allows.
var allFlows = []types.ExplicitAuthFlowsType{
	types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth,
	types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth, types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth,
}

// testEpoch is where the tests' clock starts: a fixed instant near now (the
// JWT library and SigV4 read the wall clock for some checks).
func testEpoch() time.Time { return time.Now().UTC().Truncate(time.Second) }

// newAuthEnv starts a server with a frozen clock, a pool made from pool (nil
// for defaults) and a client made from client (nil: every flow, no secret).
func newAuthEnv(t testing.TB, pool *cip.CreateUserPoolInput, client *cip.CreateUserPoolClientInput, opts ...servertest.Option) *authEnv {
	t.Helper()
	env := servertest.New(t, opts...)
	env.Clock.Set(testEpoch())
	e := &authEnv{Env: env, t: t}
	e.pool = env.CreatePool(pool)
	if client == nil {
		client = &cip.CreateUserPoolClientInput{ExplicitAuthFlows: allFlows}
	}
	e.client = env.CreateClient(e.pool, client)
	return e
}

func (e *authEnv) clientID() string { return aws.ToString(e.client.ClientId) }

// newClient adds another app client to the pool.
func (e *authEnv) newClient(in *cip.CreateUserPoolClientInput) *types.UserPoolClientType {
	e.t.Helper()
	if in == nil {
		in = &cip.CreateUserPoolClientInput{ExplicitAuthFlows: allFlows}
	}
	return e.CreateClient(e.pool, in)
}

// userOpt adjusts a user before it is stored.
type userOpt func(*storage.User)

func withStatus(s storage.UserStatus) userOpt { return func(u *storage.User) { u.Status = s } }
func disabled() userOpt                       { return func(u *storage.User) { u.Enabled = false } }
func withAttrs(kv ...string) userOpt {
	return func(u *storage.User) {
		for i := 0; i+1 < len(kv); i += 2 {
			u.Attributes = append(u.Attributes, storage.Attribute{Name: kv[i], Value: kv[i+1]})
		}
	}
}

// createUser stores a CONFIRMED, enabled user with password pw directly in
// the store (the way AdminCreateUser + AdminSetUserPassword would leave it).
func (e *authEnv) createUser(username, pw string, opts ...userOpt) storage.User {
	e.t.Helper()
	p, err := e.Server.Pools.LoadPool(ctx, e.pool)
	if err != nil {
		e.t.Fatal(err)
	}
	now := e.Clock.Now()
	u := storage.User{
		PoolID: e.pool, Username: username, UsernameKey: p.Settings.UsernameKey(username),
		Sub: uuid.NewString(), Status: "CONFIRMED", Enabled: true, CreatedAt: now, UpdatedAt: now,
	}
	for _, o := range opts {
		o(&u)
	}
	if pw != "" {
		if err := e.Server.Pools.SetPassword(p, &u, pw); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := e.Store.CreateUser(ctx, u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *authEnv) updateUser(username string, fn func(*storage.User)) {
	e.t.Helper()
	if _, err := e.Store.UpdateUser(ctx, e.pool, username, func(u *storage.User) error { fn(u); return nil }); err != nil {
		e.t.Fatal(err)
	}
}

// passwordAuth signs in with USER_PASSWORD_AUTH.
func (e *authEnv) passwordAuth(clientID, username, pw string, extra ...string) (*cip.InitiateAuthOutput, error) {
	params := map[string]string{"USERNAME": username, "PASSWORD": pw}
	for i := 0; i+1 < len(extra); i += 2 {
		params[extra[i]] = extra[i+1]
	}
	if clientID == e.clientID() {
		e.withSecretHash(username, params)
	}
	return e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(clientID), AuthParameters: params,
	})
}

// signIn signs in with USER_PASSWORD_AUTH and fails the test unless tokens
// come back.
func (e *authEnv) signIn(username, pw string) *types.AuthenticationResultType {
	e.t.Helper()
	out, err := e.passwordAuth(e.clientID(), username, pw)
	if err != nil {
		e.t.Fatalf("sign-in as %s: %v", username, err)
	}
	if out.AuthenticationResult == nil {
		e.t.Fatalf("sign-in as %s: challenge %s instead of tokens", username, out.ChallengeName)
	}
	return out.AuthenticationResult
}

// srpStart sends USER_SRP_AUTH with a fresh srptest client.
func (e *authEnv) srpStart(clientID, username string, extra ...string) (*srptest.Client, *cip.InitiateAuthOutput, error) {
	e.t.Helper()
	c, err := srptest.NewClient(rand.Reader, srp.PoolName(e.pool))
	if err != nil {
		e.t.Fatal(err)
	}
	params := map[string]string{"USERNAME": username, "SRP_A": c.SRPA()}
	for i := 0; i+1 < len(extra); i += 2 {
		params[extra[i]] = extra[i+1]
	}
	if clientID == e.clientID() {
		e.withSecretHash(username, params)
	}
	out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: aws.String(clientID), AuthParameters: params,
	})
	return c, out, err
}

// srpAnswer answers PASSWORD_VERIFIER as amazon-cognito-identity-js does.
func (e *authEnv) srpAnswer(clientID string, c *srptest.Client, params map[string]string, pw string, extra ...string) (*cip.RespondToAuthChallengeOutput, error) {
	e.t.Helper()
	resp, err := c.PasswordVerifierResponses(params, pw, e.Clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		resp[extra[i]] = extra[i+1]
	}
	if _, set := resp["SECRET_HASH"]; !set && clientID == e.clientID() {
		e.withSecretHash(resp["USERNAME"], resp)
	}
	return e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(clientID), ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp,
	})
}

// srpSignIn runs the whole SRP sign-in and returns the final response.
func (e *authEnv) srpSignIn(username, pw string) (*cip.RespondToAuthChallengeOutput, error) {
	e.t.Helper()
	c, out, err := e.srpStart(e.clientID(), username)
	if err != nil {
		return nil, err
	}
	return e.srpAnswer(e.clientID(), c, out.ChallengeParameters, pw)
}

// wantErr fails the test unless err is the API error code with message.
func wantErr(t testing.TB, err error, code, message string) {
	t.Helper()
	if got := servertest.ErrorCode(err); got != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if got := servertest.ErrorMessage(err); got != message {
		t.Fatalf("%s message = %q, want %q", code, got, message)
	}
}

// withSecretHash adds SECRET_HASH for username to m when the env's client
// has a secret and the env signs requests for it (autoSecretHash), and
// returns m.
func (e *authEnv) withSecretHash(username string, m map[string]string) map[string]string {
	if s := aws.ToString(e.client.ClientSecret); s != "" && e.autoSecretHash {
		m["SECRET_HASH"] = secretHash(s, username, e.clientID())
	}
	return m
}

func secretHash(secret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// rawCall posts an unsigned AWS JSON 1.1 request and returns the status and
// the decoded body.
func (e *authEnv) rawCall(op string, body any) (int, map[string]json.RawMessage) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		e.t.Fatalf("%s: body %q: %v", op, raw, err)
	}
	return resp.StatusCode, out
}

// jwks fetches the pool's JWKS over HTTP and returns its RSA keys by kid.
func (e *authEnv) jwks() map[string]*rsa.PublicKey {
	e.t.Helper()
	resp, err := http.Get(e.URL + "/" + e.pool + "/.well-known/jwks.json")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Keys []struct{ Kid, Kty, Alg, Use, N, E string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		e.t.Fatal(err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range doc.Keys {
		if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" {
			e.t.Fatalf("unexpected JWK %+v", k)
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		eb, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil {
			e.t.Fatalf("bad JWK %s", k.Kid)
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(eb).Int64())}
	}
	return keys
}

// verifyJWT checks tok with golang-jwt against the served JWKS (RS256, the
// pool's issuer, not expired by the test clock) and returns its claims and
// the kid that signed it.
func (e *authEnv) verifyJWT(tok string) (jwt.MapClaims, string) {
	e.t.Helper()
	keys := e.jwks()
	var kid string
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, claims, func(t *jwt.Token) (any, error) {
		kid, _ = t.Header["kid"].(string)
		k, ok := keys[kid]
		if !ok {
			return nil, fmt.Errorf("unknown kid %q", kid)
		}
		return k, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(e.URL+"/"+e.pool),
		jwt.WithTimeFunc(e.Clock.Now), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		e.t.Fatalf("token does not verify: %v", err)
	}
	return claims, kid
}

// claimString returns a string claim or "".
func claimString(c jwt.MapClaims, name string) string {
	s, _ := c[name].(string)
	return s
}

// claimInt returns a numeric claim.
func claimInt(c jwt.MapClaims, name string) int64 {
	f, _ := c[name].(float64)
	return int64(f)
}

// originTime decodes a version 7 UUID's timestamp.
func originTime(t testing.TB, jti string) time.Time {
	t.Helper()
	id, err := uuid.Parse(jti)
	if err != nil || id.Version() != 7 {
		t.Fatalf("origin_jti %q is not a version 7 UUID", jti)
	}
	sec, nsec := id.Time().UnixTime()
	return time.Unix(sec, nsec)
}

// newSRPClient returns an SRP client for the pool.
func newSRPClient(pool string) (*srptest.Client, error) {
	return srptest.NewClient(rand.Reader, srp.PoolName(pool))
}
