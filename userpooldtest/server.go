package userpooldtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/userpoold/userpoold/internal/bootstrap"
	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/fakeclock"
	"github.com/userpoold/userpoold/internal/sdkhttp"
	"github.com/userpoold/userpoold/internal/server"
)

// The credentials and region of every test server. Admin operations
// (AdminCreateUser, CreateUserPool, ...) must be signed with this key, as
// AWSConfig's are; user operations (SignUp, InitiateAuth, ...) need none.
const (
	AccessKeyID     = "AKIDUSERPOOLDTEST"
	SecretAccessKey = "userpooldtest-secret"
	Region          = "us-east-1"
)

// Server is a running userpoold for one test. Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the base URL of the server, http://127.0.0.1:<port>: the
	// endpoint of the cognito-idp API, and the base of the token issuer
	// (<URL>/<userPoolId>) and of its JWKS
	// (<URL>/<userPoolId>/.well-known/jwks.json).
	URL string

	clock *Clock
	http  *http.Client
}

// Option changes how NewServer starts the server.
type Option func(*options)

type options struct {
	seeds []seed
}

// seed is a bootstrap document and the name its problems are reported
// under.
type seed struct {
	name string
	data []byte
	err  error
}

// WithSeed declares pools, app clients, groups, users, domains and resource
// servers, created before
// NewServer returns, in userpoold's bootstrap format (the --seed file; the
// README's "Bootstrap" section describes it):
//
//	pools:
//	  - id: us-east-1_Test1          # a fixed pool ID
//	    name: test
//	    settings: {AutoVerifiedAttributes: [email]}   # CreateUserPool members
//	    clients:
//	      - id: testclient00000000000000001          # a fixed client ID
//	        name: app
//	        settings: {ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]}
//	    users:
//	      - {username: alice, password: Passw0rd!, attributes: {email: alice@example.com}}
//
// Every rule of the API applies to what the document declares; a problem
// fails the test, naming the line and field. Several WithSeed and
// WithSeedFile options are applied in order.
func WithSeed(yaml string) Option {
	return func(o *options) {
		o.seeds = append(o.seeds, seed{name: "WithSeed", data: []byte(yaml)})
	}
}

// WithSeedFile is WithSeed with the document read from a file (a path
// relative to the test's package directory, such as testdata/seed.yaml).
func WithSeedFile(path string) Option {
	return func(o *options) {
		b, err := os.ReadFile(path)
		o.seeds = append(o.seeds, seed{name: path, data: b, err: err})
	}
}

// NewServer starts a userpoold for t on a loopback port and stops it when
// the test and its subtests end, removing its data. It fails the test when
// the server cannot start or a declared seed has a problem.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.PasswordHashing = "fast"
	cfg.AdminKeys = []config.AccessKey{{ID: AccessKeyID, Secret: SecretAccessKey}}
	cfg.Region = Region
	cfg.TestClock = true
	cfg.Delivery.Outbox = true
	clock := new(fakeclock.Clock)

	// Listen first, so that the server knows the URL it is reached at (the
	// token issuer names it).
	hs := httptest.NewUnstartedServer(nil)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	srv, err := server.New(context.Background(), cfg, server.Options{
		BaseURL: "http://" + hs.Listener.Addr().String(),
		Clock:   clock,
		Logger:  log,
	})
	if err != nil {
		hs.Close()
		t.Fatalf("userpooldtest: starting the server: %v", err)
	}
	hs.Config.Handler = srv.Handler
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	for _, sd := range o.seeds {
		if err := applySeed(srv, sd); err != nil {
			t.Fatalf("userpooldtest: %v", err)
		}
	}
	return &Server{URL: hs.URL, clock: &Clock{c: clock}, http: sdkhttp.Client(hs.Client())}
}

// applySeed applies one declared bootstrap document.
func applySeed(srv *server.Server, sd seed) error {
	if sd.err != nil {
		return fmt.Errorf("seed: %w", sd.err)
	}
	f, err := bootstrap.Parse(sd.name, sd.data)
	if err != nil {
		return err
	}
	_, err = srv.Seed.Apply(context.Background(), f)
	return err
}

// AWSConfig returns an aws-sdk-go-v2 configuration for the server: its URL
// as the base endpoint, Region, and the static credentials AccessKeyID and
// SecretAccessKey, which authorize admin operations. Retries are off, so
// that a test sees each error as the server answered it. Build a client
// with cognitoidentityprovider.NewFromConfig(srv.AWSConfig()).
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:           Region,
		BaseEndpoint:     aws.String(s.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		RetryMaxAttempts: 1,
		HTTPClient:       s.http,
	}
}

// Clock returns the server's clock. Every time rule of the server reads it:
// token, code, session and device expiry, TOTP windows, lockouts. It reads
// the real time until the test sets or advances it.
func (s *Server) Clock() *Clock { return s.clock }

// Clock is a test server's clock.
type Clock struct{ c *fakeclock.Clock }

// Now returns the server's time.
func (c *Clock) Now() time.Time { return c.c.Now() }

// Set stops the server's clock at t; it stands still until moved again.
func (c *Clock) Set(t time.Time) { c.c.Set(t) }

// Advance moves the server's clock forward by d (from the real time, the
// first time) and stops it there: an hour passes for the server without
// the test waiting.
func (c *Clock) Advance(d time.Duration) { c.c.Advance(d) }

// Reset makes the server's clock read the real time again.
func (c *Clock) Reset() { c.c.Reset() }

// Message is a message the server sent: a confirmation or verification
// code, a password-reset code, an MFA or sign-in code, or an invitation
// with a temporary password. Nothing is really sent; the server keeps it.
type Message struct {
	SentAt time.Time // by the server's clock
	// Username is the user's internal username (for a pool whose users sign
	// in with their email, a UUID, not the email).
	Username    string
	Channel     string // EMAIL or SMS
	Destination string // the email address or phone number
	// Purpose says what the message is for: SIGN_UP, RESEND_CODE,
	// VERIFY_ATTRIBUTE, FORGOT_PASSWORD, INVITATION, MFA or
	// RISK_NOTIFICATION.
	Purpose string
	// Code is the code or temporary password the message carries; "" for
	// none.
	Code string
	Body string
}

// Messages returns the messages sent to a user of a pool, oldest first.
// username may be the username, an email address or phone number the user
// signs in with, or the user's sub; "" lists the messages of every user of
// the pool. A failure to read them fails the test.
func (s *Server) Messages(t testing.TB, userPoolID, username string) []Message {
	t.Helper()
	msgs, err := s.messages(userPoolID, username)
	if err != nil {
		t.Fatalf("userpooldtest: reading the outbox of %s in %s: %v", username, userPoolID, err)
	}
	return msgs
}

// LastMessage returns the newest message sent to a user of a pool (see
// Messages for the names username may be), failing the test when there is
// none. srv.LastMessage(t, pool, "alice").Code is the code a test types in.
func (s *Server) LastMessage(t testing.TB, userPoolID, username string) Message {
	t.Helper()
	msgs := s.Messages(t, userPoolID, username)
	if len(msgs) == 0 {
		t.Fatalf("userpooldtest: no message was sent to %s in %s", username, userPoolID)
	}
	return msgs[len(msgs)-1]
}

// messages reads the outbox over HTTP, signed with the admin key.
func (s *Server) messages(pool, username string) ([]Message, error) {
	u := s.URL + "/_userpoold/outbox?" + url.Values{"userPoolId": {pool}, "username": {username}}.Encode()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	empty := sha256.Sum256(nil)
	err = v4.NewSigner().SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey},
		req, hex.EncodeToString(empty[:]), "cognito-idp", Region, time.Now())
	if err != nil {
		return nil, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		json.NewDecoder(resp.Body).Decode(&e)
		return nil, errors.New(resp.Status + ": " + e.Message)
	}
	var v struct {
		Messages []struct {
			SentAt                                              time.Time
			Username, Channel, Destination, Purpose, Code, Body string
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return nil, err
	}
	out := make([]Message, 0, len(v.Messages))
	for _, m := range v.Messages {
		out = append(out, Message{SentAt: m.SentAt, Username: m.Username, Channel: m.Channel,
			Destination: m.Destination, Purpose: m.Purpose, Code: m.Code, Body: m.Body})
	}
	return out, nil
}

// testWriter sends the server's error log lines to the test's log, so
// that an internal error shows beside the test that met it.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log("userpoold: " + strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
