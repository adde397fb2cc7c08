package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/srp/srptest"
)

// TestPostgresWithoutSharedIssuerExits2 checks the multi-node default: on
// PostgreSQL the server refuses to start, with status 2 and a message
// saying what to set, until every node is given one issuer and one master
// key (or is declared the only node).
func TestPostgresWithoutSharedIssuerExits2(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"--db", "postgres://u@db.invalid/userpoold"}, func(string) string { return "" }, &stdout, &stderr)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, stderr.String())
	}
	for _, want := range []string{"--issuer", "--master-key-file", "--single-node"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not mention %s:\n%s", want, stderr.String())
		}
	}
}

// TestTwoNodesOnePostgres runs two userpoold processes on one PostgreSQL,
// started as the README's two-node setup says (one issuer URL, one master
// key file, the same admin keys), and moves a sign-in, an MFA challenge
// and a revocation between them: an SRP sign-in started on node A is
// answered on node B; a SOFTWARE_TOKEN_MFA challenge issued by A is
// answered on B; tokens revoked on one node are refused by the other
// (within the per-node cache's one second).
func TestTwoNodesOnePostgres(t *testing.T) {
	dsn := os.Getenv("USERPOOLD_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("set USERPOOLD_TEST_POSTGRES to a PostgreSQL DSN")
	}
	bin := buildBinary(t)
	db := freshSchema(t, dsn)
	secrets := t.TempDir()
	keyFile := filepath.Join(secrets, "master.key")
	key := make([]byte, 32)
	rand.Read(key)
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const issuer = "https://auth.example.test"
	const adminID, adminSecret = "AKIDTWONODES", "two-nodes-secret"
	shared := []string{"--db", db, "--issuer", issuer, "--master-key-file", keyFile, "--admin-keys", adminID + ":" + adminSecret}
	addrA, addrB := freeAddr(t), freeAddr(t)
	start(t, bin, addrA, append([]string{"--data", t.TempDir()}, shared...)...)
	start(t, bin, addrB, append([]string{"--data", t.TempDir()}, shared...)...)
	ctx := context.Background()
	node := func(addr string) (admin, anon *cip.Client) {
		mk := func(creds aws.CredentialsProvider) *cip.Client {
			return cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), RetryMaxAttempts: 1, Credentials: creds})
		}
		return mk(credentials.NewStaticCredentialsProvider(adminID, adminSecret, "")), mk(aws.AnonymousCredentials{})
	}
	adminA, a := node(addrA)
	adminB, b := node(addrB)

	pool, err := adminA.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("two-nodes")})
	if err != nil {
		t.Fatal(err)
	}
	poolID := aws.ToString(pool.UserPool.Id)
	if _, err := adminB.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(poolID), MfaConfiguration: types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	cl, err := adminB.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(poolID), ClientName: aws.String("app"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})
	if err != nil {
		t.Fatal(err)
	}
	clientID := cl.UserPoolClient.ClientId
	const pw = "Passw0rd!"
	for _, name := range []string{"alice", "bob"} {
		if _, err := adminA.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String(name), MessageAction: types.MessageActionTypeSuppress}); err != nil {
			t.Fatal(err)
		}
		if _, err := adminB.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(poolID), Username: aws.String(name), Password: aws.String(pw), Permanent: true}); err != nil {
			t.Fatal(err)
		}
	}

	// Both nodes publish the same keys and name the same issuer.
	jwksA, jwksB := httpBody(t, "http://"+addrA+"/"+poolID+"/.well-known/jwks.json"), httpBody(t, "http://"+addrB+"/"+poolID+"/.well-known/jwks.json")
	if jwksA != jwksB {
		t.Errorf("the nodes publish different JWKS:\n%s\n%s", jwksA, jwksB)
	}
	for _, addr := range []string{addrA, addrB} {
		var doc struct{ Issuer string }
		json.Unmarshal([]byte(httpBody(t, "http://"+addr+"/"+poolID+"/.well-known/openid-configuration")), &doc)
		if doc.Issuer != issuer+"/"+poolID {
			t.Errorf("node %s names issuer %q", addr, doc.Issuer)
		}
	}

	// A sign-in moved between nodes: SRP started on A, answered on B.
	c, err := srptest.NewClient(rand.Reader, srp.PoolName(poolID))
	if err != nil {
		t.Fatal(err)
	}
	start, err := a.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: clientID,
		AuthParameters: map[string]string{"USERNAME": "alice", "SRP_A": c.SRPA()}})
	if err != nil {
		t.Fatal(err)
	}
	answer, err := c.PasswordVerifierResponses(start.ChallengeParameters, pw, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	signedIn, err := b.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: clientID, ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: answer})
	if err != nil {
		t.Fatalf("PASSWORD_VERIFIER of A's sign-in answered on B: %v", err)
	}
	alice := signedIn.AuthenticationResult
	if iss := jwtIssuer(t, aws.ToString(alice.IdToken)); iss != issuer+"/"+poolID {
		t.Errorf("ID token iss = %q", iss)
	}
	for name, node := range map[string]*cip.Client{"A": a, "B": b} {
		if _, err := node.GetUser(ctx, &cip.GetUserInput{AccessToken: alice.AccessToken}); err != nil {
			t.Errorf("node %s refuses B's access token: %v", name, err)
		}
	}

	// An MFA challenge moved between nodes. Bob sets up TOTP across the
	// nodes, then A issues SOFTWARE_TOKEN_MFA and B takes the code.
	bobLogin, err := b.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: clientID,
		AuthParameters: map[string]string{"USERNAME": "bob", "PASSWORD": pw}})
	if err != nil {
		t.Fatal(err)
	}
	bobToken := bobLogin.AuthenticationResult.AccessToken
	assoc, err := a.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: bobToken})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := mfa.DecodeSecret(aws.ToString(assoc.SecretCode))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: bobToken, UserCode: aws.String(mfa.Code(secret, time.Now()))}); err != nil {
		t.Fatalf("VerifySoftwareToken on B of a secret associated on A: %v", err)
	}
	if _, err := a.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: bobToken,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}); err != nil {
		t.Fatal(err)
	}
	challenge, err := a.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: clientID,
		AuthParameters: map[string]string{"USERNAME": "bob", "PASSWORD": pw}})
	if err != nil || challenge.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("sign-in on A: %+v %v", challenge, err)
	}
	// The next step's code: the one verifying the secret is spent.
	mfaDone, err := b.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: clientID, ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa,
		Session: challenge.Session, ChallengeResponses: map[string]string{"USERNAME": "bob", "SOFTWARE_TOKEN_MFA_CODE": mfa.Code(secret, time.Now().Add(mfa.Period))}})
	if err != nil {
		t.Fatalf("A's SOFTWARE_TOKEN_MFA session answered on B: %v", err)
	}
	bob := mfaDone.AuthenticationResult
	// The session is spent on every node.
	if _, err := a.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: clientID, ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa,
		Session: challenge.Session, ChallengeResponses: map[string]string{"USERNAME": "bob", "SOFTWARE_TOKEN_MFA_CODE": mfa.Code(secret, time.Now().Add(mfa.Period))}}); apiCode(err) != "NotAuthorizedException" {
		t.Errorf("the session answered on B, again on A: %v", err)
	}

	// A revocation moved between nodes: alice's refresh token (issued by B)
	// is revoked on A; B refuses both the refresh token and the access
	// token of its family.
	if _, err := a.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: clientID,
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(alice.RefreshToken)}}); err != nil {
		t.Fatalf("refresh on A of B's refresh token: %v", err)
	}
	if _, err := a.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: clientID, Token: alice.RefreshToken}); err != nil {
		t.Fatal(err)
	}
	// B may answer from its cache for up to a second (storage/cache's
	// bound: B checked this family at GetUser above).
	revokedOnB := func() (refreshErr, accessErr error) {
		_, refreshErr = b.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: clientID,
			AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(alice.RefreshToken)}})
		_, accessErr = b.GetUser(ctx, &cip.GetUserInput{AccessToken: alice.AccessToken})
		return refreshErr, accessErr
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		refreshErr, accessErr := revokedOnB()
		if apiMessage(refreshErr) == "Refresh Token has been revoked" && apiMessage(accessErr) == "Access Token has been revoked" {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("B 5s after RevokeToken on A: refresh %v, access token %v", refreshErr, accessErr)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Global sign-out on B ends bob's session (issued by B) on A.
	if _, err := a.GetUser(ctx, &cip.GetUserInput{AccessToken: bob.AccessToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: bob.AccessToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetUser(ctx, &cip.GetUserInput{AccessToken: bob.AccessToken}); apiCode(err) != "NotAuthorizedException" {
		t.Errorf("bob's access token on A after GlobalSignOut on B: %v", err)
	}
	if _, err := a.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: clientID,
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(bob.RefreshToken)}}); apiCode(err) != "NotAuthorizedException" {
		t.Errorf("bob's refresh token on A after GlobalSignOut on B: %v", err)
	}

	// Keys rotated on A: A signs with them at once and B publishes them
	// then (a relying party may fetch the JWKS from either node); tokens
	// of either node verify on the other.
	var out, errOut bytes.Buffer
	env := func(k string) string {
		return map[string]string{"AWS_ACCESS_KEY_ID": adminID, "AWS_SECRET_ACCESS_KEY": adminSecret}[k]
	}
	if code := run([]string{"rotate-keys", "--endpoint", "http://" + addrA, "--pool", poolID}, env, &out, &errOut); code != 0 {
		t.Fatalf("rotate-keys on A: exit %d %s", code, errOut.String())
	}
	// B's published set may be up to a second old (token.jwksMaxAge).
	for deadline := time.Now().Add(5 * time.Second); ; {
		jwksB := httpBody(t, "http://"+addrB+"/"+poolID+"/.well-known/jwks.json")
		if strings.TrimSpace(jwksB) == strings.TrimSpace(out.String()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B's JWKS 5s after the rotation on A:\n%s\nwant\n%s", jwksB, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, from := range []struct {
		name         string
		signer, peer *cip.Client
	}{{"A", a, b}, {"B", b, a}} {
		tok, err := from.signer.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: clientID,
			AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": pw}})
		if err != nil {
			t.Fatal(err)
		}
		access := aws.ToString(tok.AuthenticationResult.AccessToken)
		if kid := jwtKID(t, access); !strings.Contains(out.String(), kid) || (from.name == "A" && strings.Contains(jwksA, kid)) {
			t.Errorf("node %s signs with kid %s (rotated on A: %v)", from.name, kid, !strings.Contains(jwksA, kid))
		}
		if _, err := from.peer.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(access)}); err != nil {
			t.Errorf("a token signed on %s after the rotation, on the other node: %v", from.name, err)
		}
	}
}

func httpBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s", url, resp.StatusCode, b.String())
	}
	return b.String()
}

// jwtPart decodes part i (0 header, 1 payload) of a JWT into v.
func jwtPart(t *testing.T, tok string, i int, v any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func jwtIssuer(t *testing.T, tok string) string {
	var c struct{ Iss string }
	jwtPart(t, tok, 1, &c)
	return c.Iss
}

func jwtKID(t *testing.T, tok string) string {
	var h struct{ Kid string }
	jwtPart(t, tok, 0, &h)
	return h.Kid
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}
