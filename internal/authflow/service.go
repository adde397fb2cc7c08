package authflow

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/risk"
	"github.com/userpoold/userpoold/internal/seal"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/token"
	"github.com/userpoold/userpoold/internal/userpool"
)

// Lockout policy (Developer Guide, "Amazon Cognito lockout behavior for
// failed sign-in attempts"): after LockoutThreshold failures the user is
// locked for 2^(n-LockoutThreshold) seconds after the n-th failure, at most
// LockoutMax; the count starts over after LockoutReset without failures, or
// when a sign-in completes (lockout.go). The schedule is userpool's.
const (
	LockoutThreshold = userpool.LockoutThreshold // 5
	LockoutMax       = userpool.LockoutMax       // 15 minutes
	LockoutReset     = userpool.LockoutReset     // 15 minutes
)

// MaxSessionAttempts is how many wrong answers a session takes before it is
// dead. Cognito does not publish its limit (spec §7.6 suggests at least 3).
const MaxSessionAttempts = 5

// TimestampSkew is how far the SRP TIMESTAMP may be from the server clock.
// Cognito's tolerance is UNCONFIRMED (spec §14.11).
const TimestampSkew = 5 * time.Minute

// Service runs sign-in. Build it as a struct literal with every field it
// needs (server.New does); it is safe for concurrent use.
type Service struct {
	// Users, Sessions, Events and Revocations are the stores sign-in
	// writes: lockout counts and password changes, sign-in sessions (and
	// the one-time markers of spent SECRET_BLOCKs and rotated refresh
	// tokens), auth events, revoked token families.
	Users       storage.UserStore
	Sessions    storage.SessionStore
	Events      storage.AuthEventStore
	Revocations storage.RevocationStore
	// Pools loads pools, clients, users, devices and groups, checks
	// passwords and sends codes.
	Pools *userpool.Service
	// MFA runs the software-token checks and preference changes of MFA
	// setup inside sign-in.
	MFA *mfa.Service
	// Tokens mints and opens the tokens a sign-in ends with.
	Tokens Issuer
	// Triggers runs the pool's Lambda triggers of sign-in (triggers.go);
	// nil runs none.
	Triggers Triggers
	// Scopes shapes the tokens of OAuth grants (oauth.go); only the OAuth
	// endpoints, and the refresh of their tokens, need it.
	Scopes ScopeRules
	// Secret is a 32-byte key (the server's master key will do: the keys
	// actually used are derived from it for purposes of their own). It seals
	// SECRET_BLOCK and derives the decoy salts of unknown users, so every
	// node of a deployment must share it.
	Secret []byte
	// Compromised is the compromised-password list of threat protection
	// (risk.go); nil detects nothing.
	Compromised *risk.PasswordList
	Now         func() time.Time
	// ClientNow, when set, judges the times clients stamp with their own
	// clocks (the SRP TIMESTAMP) instead of Now: the server sets it to the
	// real time while its test clock may be moved (--test-clock), as
	// signatures are judged.
	ClientNow func() time.Time
	Rand      io.Reader
	Log       *slog.Logger

	keysOnce sync.Once
	keysErr  error
	blocks   *seal.Box // SECRET_BLOCK
	decoy    []byte    // HMAC key for decoy salts
	fakeV    []byte    // decoy SRP verifier, computed once
	fakeErr  error
	fakeOne  sync.Once
}

// Issuer mints and opens the tokens of sign-in; *token.Issuer implements
// it.
type Issuer interface {
	SignAccess(ctx context.Context, c token.AccessClaims) (string, error)
	SignID(ctx context.Context, c token.IDClaims) (string, error)
	VerifyAccess(ctx context.Context, tok string) (token.AccessClaims, error)
	SealRefresh(c token.RefreshClaims) (string, error)
	OpenRefresh(tok string) (token.RefreshClaims, error)
}

// keys derives, once, the Service's keys from Secret: the SECRET_BLOCK box
// and the decoy-salt key. It fails only for a Secret of the wrong length.
func (s *Service) keys() error {
	s.keysOnce.Do(func() {
		box, err := seal.New(s.Secret, "authflow/secret-block", s.Rand)
		if err != nil {
			s.keysErr = fmt.Errorf("authflow: %w", err)
			return
		}
		decoy, err := hkdf.Key(sha256.New, s.Secret, nil, "userpoold/authflow/decoy-salt", 32)
		if err != nil {
			s.keysErr = fmt.Errorf("authflow: %w", err)
			return
		}
		s.blocks, s.decoy = box, decoy
	})
	return s.keysErr
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Initiate is an InitiateAuth or AdminInitiateAuth request.
type Initiate struct {
	// Admin is set for AdminInitiateAuth (SigV4-authorized); PoolID is then
	// the UserPoolId the request names.
	Admin    bool
	PoolID   string
	ClientID string
	Flow     Flow
	Params   map[string]string // AuthParameters
	Metadata map[string]string // ClientMetadata
	// Context is where the request comes from (UserContextData or
	// ContextData, and the HTTP request), for threat protection.
	Context risk.Context
	// Session is the request's top-level Session: with USER_AUTH, the one
	// ConfirmSignUp answered (signupsession.go); other flows ignore it.
	Session string

	// respond is set when a RespondToAuthChallenge answer reuses an
	// InitiateAuth flow (USER_AUTH's PASSWORD_SRP): PreAuthentication ran
	// at InitiateAuth already.
	respond bool
}

// Respond is a RespondToAuthChallenge or AdminRespondToAuthChallenge
// request.
type Respond struct {
	Admin bool
	// Hosted is set when the hosted login pages answer a session of
	// FlowHostedPassword (no SECRET_HASH is asked for); such a session
	// answers nothing else, and the API answers no such session.
	Hosted    bool
	PoolID    string
	ClientID  string
	Challenge ChallengeName
	Session   string
	Responses map[string]string // ChallengeResponses
	Metadata  map[string]string
	Context   risk.Context
}

// Result is the outcome of a sign-in step: either a challenge (Challenge,
// Parameters and, for most challenges, Session) or Tokens.
type Result struct {
	Challenge  ChallengeName
	Parameters map[string]string
	Session    string
	Tokens     *Tokens
	// Available is AvailableChallenges: the first factors a USER_AUTH
	// InitiateAuth offers (SELECT_CHALLENGE, or the preferred factor's
	// challenge); nil otherwise.
	Available []ChallengeName
	// SignedIn ends a sign-in of FlowHostedPassword instead of Tokens.
	SignedIn *SignedIn
}

// SignedIn is the user a hosted sign-in authenticated: what the `cognito`
// session cookie and an authorization code stand for.
type SignedIn struct {
	Username string // the internal username
	Sub      string
	AuthTime time.Time
}

// Tokens is a successful sign-in's AuthenticationResult.
type Tokens struct {
	AccessToken  string
	IDToken      string
	RefreshToken string // "" on a refresh without rotation
	ExpiresIn    int32  // access token lifetime in seconds
	// NewDevice is set when a user sign-in without a known DEVICE_KEY ends
	// in a pool that tracks devices (devices.go).
	NewDevice *DeviceMetadata
}

// DeviceMetadata is AuthenticationResult.NewDeviceMetadata.
type DeviceMetadata struct {
	DeviceKey      string
	DeviceGroupKey string
}

// loadClient resolves the pool and client a request names. Admin requests
// name the pool; the others only the client.
func (s *Service) loadClient(ctx context.Context, admin bool, poolID, clientID string) (*userpool.Pool, *userpool.Client, error) {
	if admin {
		return s.Pools.PoolClient(ctx, poolID, clientID)
	}
	return s.Pools.ClientPool(ctx, clientID)
}

// InitiateAuth starts a sign-in.
func (s *Service) InitiateAuth(ctx context.Context, in Initiate) (*Result, error) {
	pool, client, err := s.loadClient(ctx, in.Admin, in.PoolID, in.ClientID)
	if err != nil {
		return nil, err
	}
	switch in.Flow {
	case FlowUserPassword:
		if in.Admin {
			return nil, errMethodNotSupported
		}
		if !client.Settings.AllowsFlow(userpool.AllowUserPasswordAuth) {
			return nil, flowNotEnabled(FlowUserPassword)
		}
		return s.passwordAuth(ctx, pool, client, in)
	case FlowAdminUserPassword, FlowAdminNoSRP:
		if !in.Admin {
			return nil, errMethodNotSupported
		}
		if !client.Settings.AllowsFlow(userpool.AllowAdminUserPasswordAuth) {
			return nil, errAdminFlowNotEnabled
		}
		return s.passwordAuth(ctx, pool, client, in)
	case FlowUserSRP:
		if !client.Settings.AllowsFlow(userpool.AllowUserSRPAuth) {
			return nil, flowNotEnabled(FlowUserSRP)
		}
		return s.srpAuth(ctx, pool, client, in)
	case FlowRefreshToken, FlowRefreshTokenAuth:
		return s.refresh(ctx, pool, client, refreshRequest{
			flow:       in.Flow,
			token:      in.Params["REFRESH_TOKEN"],
			secretHash: in.Params["SECRET_HASH"],
			deviceKey:  in.Params["DEVICE_KEY"],
			admin:      in.Admin,
			metadata:   in.Metadata,
			userAgent:  in.Context.UserAgent,
		})
	case FlowCustom:
		if !client.Settings.AllowsFlow(userpool.AllowCustomAuth) {
			return nil, flowNotEnabled(FlowCustom)
		}
		return s.customAuth(ctx, pool, client, in) // customauth.go
	case FlowHostedPassword:
		if in.Admin {
			return nil, errMethodNotSupported
		}
		return s.passwordAuth(ctx, pool, client, in)
	case FlowUser:
		if !client.Settings.AllowsFlow(userpool.AllowUserAuth) {
			return nil, flowNotEnabled(FlowUser)
		}
		return s.userAuth(ctx, pool, client, in)
	default:
		return nil, errMethodNotSupported
	}
}

// RespondToAuthChallenge answers the challenge a previous step returned.
func (s *Service) RespondToAuthChallenge(ctx context.Context, in Respond) (*Result, error) {
	pool, client, err := s.loadClient(ctx, in.Admin, in.PoolID, in.ClientID)
	if err != nil {
		return nil, err
	}
	if in.Challenge == ChallengePasswordVerifier {
		// Answered without a Session: the state rides in SECRET_BLOCK.
		return s.answerPasswordVerifier(ctx, pool, client, in)
	}
	if in.Session == "" {
		return nil, missing("Session")
	}
	username := in.Responses["USERNAME"]
	if username == "" {
		return nil, missing("USERNAME")
	}
	if !in.Hosted {
		if err := client.CheckSecretHash(username, in.Responses["SECRET_HASH"]); err != nil {
			return nil, err
		}
	}
	sc, err := s.openSession(ctx, pool, client, in.Session)
	if err != nil {
		return nil, err
	}
	if in.Hosted != (sc.state.Flow == FlowHostedPassword) {
		s.release(ctx, sc)
		return nil, errSessionInvalid
	}
	res, err := s.respond(ctx, sc, in, username)
	if err != nil {
		s.release(ctx, sc)
	}
	return res, err
}

// respond runs the handler of in.Challenge for the session sc holds.
func (s *Service) respond(ctx context.Context, sc *signIn, in Respond, username string) (*Result, error) {
	handler, ok := answers[in.Challenge]
	if !ok || sc.state.Challenge != in.Challenge {
		// UNCONFIRMED: Cognito's answer to a challenge name that is not the
		// one the session is waiting for.
		return nil, errSessionInvalid
	}
	if sc.state.userAuth().Decoy {
		return s.answerDecoy(ctx, sc, in) // userauth.go
	}
	sc.admin, sc.respond = in.Admin, true
	sc.metadata = in.Metadata
	sc.context = in.Context
	if sc.state.custom().NotFound {
		// CUSTOM_AUTH rounds of a name that is nobody (customauth.go).
		if sc.pool.Settings.UsernameKey(username) != sc.pool.Settings.UsernameKey(sc.state.Username) {
			return nil, errSessionInvalid
		}
		return handler(ctx, s, sc, in.Responses)
	}
	if err := s.loadSessionUser(ctx, sc, username); err != nil {
		return nil, err
	}
	res, err := handler(ctx, s, sc, in.Responses)
	s.answered(ctx, sc, in.Challenge, err)
	return res, err
}

// loadSessionUser loads the user a session names and checks that USERNAME
// (the internal username, or leniently the sub or an alias of the same
// user) designates that user (spec §7.4).
func (s *Service) loadSessionUser(ctx context.Context, sc *signIn, username string) error {
	key := sc.pool.Settings.UsernameKey(sc.state.Username)
	u, err := s.Pools.LoadUser(ctx, sc.pool, sc.state.Username, sc.state.Sub)
	if err != nil {
		return err
	}
	if sc.pool.Settings.UsernameKey(username) != key && !strings.EqualFold(username, u.Sub) {
		other, err := s.Pools.FindUser(ctx, sc.pool, username)
		if err != nil {
			return err // ErrUserNotFound for a name that is nobody (pycognito#193)
		}
		if other.Sub != u.Sub {
			return errSessionInvalid
		}
	}
	sc.user = u
	return nil
}

// signIn is one sign-in in progress: what the request named and what the
// steps so far established.
type signIn struct {
	pool   *userpool.Pool
	client *userpool.Client
	user   storage.User
	admin  bool
	// respond is set while a RespondToAuthChallenge (or Admin…) request is
	// handled: with admin and the flow it names the operation the
	// triggers see (triggers.go).
	respond  bool
	metadata map[string]string
	// custom is what the request brings to a CUSTOM_AUTH round
	// (customauth.go); nil otherwise.
	custom *customInput
	// context is where this request comes from; password is the password
	// verified by this request (password flows only), for the
	// compromised-credentials check. Neither is kept in the session.
	context  risk.Context
	password string
	// preferred is USER_AUTH's PREFERRED_CHALLENGE (InitiateAuth only).
	preferred ChallengeName
	// sessionID is the storage ID of the session being answered ("" for
	// InitiateAuth and PASSWORD_VERIFIER, and once it is spent).
	sessionID string
	// block is the SECRET_BLOCK (decoded) of a verified PASSWORD_VERIFIER
	// answer until advance spends it (spendBlock); blockExpires its expiry.
	block        []byte
	blockExpires time.Time
	// reserved is set when this request holds one of the session's
	// attempts (openSession); counted when that attempt stands (the answer
	// was compared, or wrong) rather than being released on failure.
	reserved, counted bool
	state             sessionState
}
