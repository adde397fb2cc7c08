package server_test

import (
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/server"
	"github.com/userpoold/userpoold/internal/server/servertest"
	storecache "github.com/userpoold/userpoold/internal/storage/cache"
)

// startNode starts one node on the shared database dsn whose per-node cache
// ages by cacheNow, and returns an admin SDK client for it.
func startNode(t *testing.T, dsn string, cacheNow func() time.Time) *cip.Client {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DB = dsn
	cfg.PasswordHashing = "fast"
	cfg.MasterKey = strings.Repeat("5a", 32)
	cfg.Issuer = "https://issuer.example"
	cfg.AdminKeys = []config.AccessKey{{ID: servertest.AccessKeyID, Secret: servertest.SecretAccessKey}}
	cfg.Addr = "127.0.0.1:0"
	hs := httptest.NewUnstartedServer(nil)
	srv, err := server.New(ctx, cfg, server.Options{BaseURL: "http://" + hs.Listener.Addr().String(), CacheNow: cacheNow})
	if err != nil {
		hs.Close()
		t.Fatal(err)
	}
	hs.Config.Handler = srv.Handler
	hs.Start()
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return cip.New(cip.Options{Region: servertest.Region, BaseEndpoint: aws.String(hs.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(servertest.AccessKeyID, servertest.SecretAccessKey, ""),
		RetryMaxAttempts: 1})
}

// TestTwoNodesCacheBound runs two nodes on one PostgreSQL database and
// checks the bound package storage/cache states: what one node changes,
// the other sees at once for users (a disabled user) and within
// storecache.DefaultTTL for pools, app clients and revoked tokens. Node
// B's cache ages by a clock the test moves, so the test never sleeps.
func TestTwoNodesCacheBound(t *testing.T) {
	base := os.Getenv("USERPOOLD_TEST_POSTGRES")
	if base == "" {
		t.Skip("two-node cache test skipped: set USERPOOLD_TEST_POSTGRES to a PostgreSQL DSN, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	dsn := servertest.IsolatedPostgres(t, base)
	clock := fakeclock.New(time.Now())
	a := startNode(t, dsn, nil)
	b := startNode(t, dsn, clock.Now)
	after := func() { clock.Advance(storecache.DefaultTTL) }

	pool, err := a.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("nodes")})
	if err != nil {
		t.Fatal(err)
	}
	poolID := pool.UserPool.Id
	cl, err := a.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: poolID, ClientName: aws.String("app"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	clientID := cl.UserPoolClient.ClientId
	if _, err := a.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: poolID, Username: aws.String("ann"),
		MessageAction: types.MessageActionTypeSuppress, UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("ann@example.com")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: poolID, Username: aws.String("ann"), Password: aws.String("Passw0rd!"), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	signIn := func() *types.AuthenticationResultType {
		t.Helper()
		out, err := a.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "ann", "PASSWORD": "Passw0rd!"}})
		if err != nil {
			t.Fatal(err)
		}
		return out.AuthenticationResult
	}
	getUser := func(c *cip.Client, tok *string) error {
		_, err := c.GetUser(ctx, &cip.GetUserInput{AccessToken: tok})
		return err
	}
	wantErr := func(what string, err error, code, msg string) {
		t.Helper()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != msg {
			t.Fatalf("%s: %v, want %s %q", what, err, code, msg)
		}
	}
	tokens := signIn()
	// B reads the pool, client and revocation, and caches them.
	if err := getUser(b, tokens.AccessToken); err != nil {
		t.Fatal(err)
	}

	// A disabled user (whose tokens AdminDisableUser also revokes, through
	// the user record): no cache, every node refuses at once.
	if _, err := a.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: poolID, Username: aws.String("ann")}); err != nil {
		t.Fatal(err)
	}
	wantErr("GetUser on B right after A disabled the user", getUser(b, tokens.AccessToken), "NotAuthorizedException", "Access Token has been revoked")
	if _, err := a.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: poolID, Username: aws.String("ann")}); err != nil {
		t.Fatal(err)
	}
	tokens = signIn()
	if err := getUser(b, tokens.AccessToken); err != nil {
		t.Fatalf("GetUser on B right after A enabled the user: %v", err)
	}

	// A revoked token family: refused by A at once, by B within the bound.
	if _, err := a.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: clientID, Token: tokens.RefreshToken}); err != nil {
		t.Fatal(err)
	}
	wantErr("GetUser on A after revocation", getUser(a, tokens.AccessToken), "NotAuthorizedException", "Access Token has been revoked")
	after()
	wantErr("GetUser on B one TTL after revocation", getUser(b, tokens.AccessToken), "NotAuthorizedException", "Access Token has been revoked")

	// A changed pool setting: B describes the new one within the bound.
	tokens = signIn()
	if err := getUser(b, tokens.AccessToken); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: poolID, UserPoolTags: map[string]string{"changed": "yes"}}); err != nil {
		t.Fatal(err)
	}
	after()
	d, err := b.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: poolID})
	if err != nil || d.UserPool.UserPoolTags["changed"] != "yes" {
		t.Fatalf("DescribeUserPool on B one TTL after A's change: %v %+v", err, d)
	}

	// A deleted app client: its tokens are invalid on B within the bound.
	if _, err := a.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: poolID, ClientId: clientID}); err != nil {
		t.Fatal(err)
	}
	wantErr("GetUser on A after its client was deleted", getUser(a, tokens.AccessToken), "NotAuthorizedException", "Invalid Access Token")
	after()
	wantErr("GetUser on B one TTL after the client was deleted", getUser(b, tokens.AccessToken), "NotAuthorizedException", "Invalid Access Token")

	// A deleted pool: gone on B within the bound.
	if _, err := a.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: poolID}); err != nil {
		t.Fatal(err)
	}
	after()
	_, err = b.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: poolID})
	wantErr("DescribeUserPool on B one TTL after the pool was deleted", err, "ResourceNotFoundException", "User pool "+aws.ToString(poolID)+" does not exist.")
}
