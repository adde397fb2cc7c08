// Package servertest runs a complete userpoold behind httptest for tests that
// drive it the way users do: with the aws-sdk-go-v2 Cognito client over HTTP.
//
// The server gets its own SQLite database in a temporary directory (or the
// database named by USERPOOLD_TEST_DB, e.g. a PostgreSQL DSN), fast password
// hashing, the outbox delivery sink and a settable clock (a fakeclock.Clock
// that reads the real time until a test sets it). Signatures are checked
// against one admin key pair, which the returned client uses.
package servertest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/sdkhttp"
	"github.com/userpoold/userpoold/internal/server"
	"github.com/userpoold/userpoold/internal/storage"
)

// Admin credentials the test server accepts.
const (
	AccessKeyID     = "AKIDUSERPOOLDTEST"
	SecretAccessKey = "userpoold-test-secret"
	Region          = "us-east-1"
)

// Env is a running test server.
type Env struct {
	URL    string
	Server *server.Server
	Store  storage.Store
	Clock  *fakeclock.Clock
	// Client is an SDK client with the admin credentials.
	Client *cip.Client
	// Anonymous is an SDK client without credentials, as apps use for the
	// unsigned (token, session and client-ID authorized) operations.
	Anonymous *cip.Client
	t         testing.TB
}

// Option adjusts the configuration before the server starts.
type Option func(*config.Config)

// New starts a server for the test; it is stopped when the test ends.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	if dsn := os.Getenv("USERPOOLD_TEST_DB"); strings.HasPrefix(dsn, "postgres") {
		cfg.DB = isolatedPostgres(t, dsn)
	}
	cfg.PasswordHashing = "fast"
	cfg.AdminKeys = []config.AccessKey{{ID: AccessKeyID, Secret: SecretAccessKey}}
	cfg.Addr = "127.0.0.1:0"
	for _, o := range opts {
		o(&cfg)
	}
	clock := &fakeclock.Clock{}
	// Listen first, so that the server knows the URL it is reached at.
	hs := httptest.NewUnstartedServer(nil)
	srv, err := server.New(context.Background(), cfg, server.Options{Now: clock.Now, BaseURL: "http://" + hs.Listener.Addr().String()})
	if err != nil {
		hs.Close()
		t.Fatalf("servertest: starting server: %v", err)
	}
	hs.Config.Handler = srv.Handler
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	e := &Env{URL: hs.URL, Server: srv, Store: srv.Store, Clock: clock, t: t}
	e.Client = e.NewClient(credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""))
	e.Anonymous = e.NewClient(aws.AnonymousCredentials{})
	return e
}

// NewClient returns an SDK client for the server with the given credentials.
func (e *Env) NewClient(creds aws.CredentialsProvider) *cip.Client {
	return cip.New(cip.Options{
		Region:           Region,
		BaseEndpoint:     aws.String(e.URL),
		Credentials:      creds,
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.Client(nil),
	})
}

// CreatePool creates a pool (PoolName defaults to "test") and returns its ID.
func (e *Env) CreatePool(in *cip.CreateUserPoolInput) string {
	e.t.Helper()
	if in == nil {
		in = &cip.CreateUserPoolInput{}
	}
	if in.PoolName == nil {
		in.PoolName = aws.String("test")
	}
	out, err := e.Client.CreateUserPool(context.Background(), in)
	if err != nil {
		e.t.Fatalf("CreateUserPool: %v", err)
	}
	return aws.ToString(out.UserPool.Id)
}

// CreateClient creates an app client in pool. With no input, the client
// allows password, SRP and refresh-token sign-in and has no secret.
func (e *Env) CreateClient(pool string, in *cip.CreateUserPoolClientInput) *types.UserPoolClientType {
	e.t.Helper()
	if in == nil {
		in = &cip.CreateUserPoolClientInput{ExplicitAuthFlows: []types.ExplicitAuthFlowsType{
			types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth, types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth,
		}}
	}
	in.UserPoolId = aws.String(pool)
	if in.ClientName == nil {
		in.ClientName = aws.String("app")
	}
	out, err := e.Client.CreateUserPoolClient(context.Background(), in)
	if err != nil {
		e.t.Fatalf("CreateUserPoolClient: %v", err)
	}
	return out.UserPoolClient
}

// Message is one outbox entry.
type Message struct {
	SentAt, UserPoolId, Username, Channel, Destination, Purpose, Code, Body string
}

// Outbox returns the messages sent to a user (oldest first), read over HTTP
// like a test suite would.
func (e *Env) Outbox(pool, username string) []Message {
	e.t.Helper()
	u := e.URL + "/_userpoold/outbox?" + url.Values{"userPoolId": {pool}, "username": {username}}.Encode()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	signGet(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("outbox: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("outbox: %s", resp.Status)
	}
	var v struct{ Messages []Message }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		e.t.Fatalf("outbox: %v", err)
	}
	return v.Messages
}

// LastCode returns the code of the newest outbox message to a user, failing
// the test when there is none.
func (e *Env) LastCode(pool, username string) string {
	e.t.Helper()
	m := e.Outbox(pool, username)
	if len(m) == 0 {
		e.t.Fatalf("no outbox message for %s", username)
	}
	return m[len(m)-1].Code
}

// ErrorCode returns the AWS error code of an SDK error, or "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var ae interface{ ErrorCode() string }
	if errorsAs(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprintf("non-API error: %v", err)
}

// ErrorMessage returns the message of an SDK API error.
func ErrorMessage(err error) string {
	var ae interface{ ErrorMessage() string }
	if errorsAs(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// SecretHash is the SECRET_HASH a client with a secret sends:
// Base64(HMAC-SHA256(secret, username+clientID)).
func SecretHash(secret, username, clientID string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
