package userpool

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/federation"
	"github.com/userpoold/userpoold/internal/password"
	"github.com/userpoold/userpoold/internal/storage"
)

// Sender delivers messages; *delivery.Dispatcher implements it.
type Sender interface {
	Send(ctx context.Context, m delivery.Message) error
}

// Service carries out the rules of pools, app clients, users, groups and
// devices over the stores it is given. Build it as a struct literal
// (server.New does); it is safe for concurrent use.
type Service struct {
	// The stores of what this package owns. A new pool's signing keys are
	// stored with it by Pools.CreatePool.
	Pools   storage.PoolStore
	Clients storage.ClientStore
	Users   storage.UserStore
	Groups  storage.GroupStore
	Devices storage.DeviceStore
	// Events holds the auth events threat protection records; this
	// package administers them (authevents.go).
	Events storage.AuthEventStore
	// Domains and ResourceServers hold the pools' OAuth 2.0 configuration
	// (domains.go, resourceservers.go); OAuth checks it against the
	// protocol's rules (nil checks nothing).
	Domains         storage.DomainStore
	ResourceServers storage.ResourceServerStore
	OAuth           OAuthRules
	// Federation holds the pools' identity providers, provider links and
	// SAML keys (identityproviders.go, links.go); Configurer validates
	// providers (nil: a federation.Configurer with the default
	// configuration).
	Federation storage.FederationStore
	Configurer *federation.Configurer
	// Branding holds UI customization, managed login branding and terms
	// (branding.go); Pages checks their CSS and images (nil checks
	// nothing).
	Branding storage.BrandingStore
	Pages    PageRules
	// Keys makes the signing keys of new pools.
	Keys Keys
	// LogDelivery holds the pools' log delivery configurations and
	// ActivityLog exports records to them (logdelivery.go); a nil
	// ActivityLog exports nothing.
	LogDelivery storage.LogDeliveryStore
	// ImportJobs tells whether a pool has an active import job, which
	// blocks changes of the pool (imported.go); nil checks nothing.
	ImportJobs  storage.ImportJobStore
	ActivityLog ActivityLog
	// Sender delivers codes and messages.
	Sender  Sender
	Hashing password.Params

	// Triggers runs the pools' Lambda triggers (triggers.go); nil means
	// none run, whatever a pool configures.
	Triggers Triggers

	// PasskeyOrigins are origins a passkey ceremony accepts beside the
	// rule of passkey.OriginAllowed (exact matches: native apps'
	// android:apk-key-hash:..., plain-http test hosts); see RelyingParty.
	PasskeyOrigins []string
	Region         string
	Account        string
	Now            func() time.Time
	Rand           io.Reader
	Log            *slog.Logger

	// Unknown keeps the counters (lockout, codes) of names that match no
	// user, for clients that hide user existence (unknown.go); nil counts
	// nothing. UnknownKey is the HMAC key that spreads the names over its
	// buckets (server.New derives it from the master key).
	Unknown    UnknownStore
	UnknownKey []byte

	// HashLimit bounds the memory of the argon2id computations (hashing and
	// verifying passwords) running at once; nil means a limiter with
	// password.DefaultBudgetKiB, made on first use. A request that waits
	// longer than HashWait for its share is refused with
	// TooManyRequestsException (ErrTooManyRequests).
	HashLimit *password.Limiter
	// HashWait is how long a request waits for HashLimit; 0 means
	// DefaultHashWait.
	HashWait time.Duration

	hashLimitOnce sync.Once
	decoded       decodedCache
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

// Pool is a loaded user pool with its settings decoded. Settings may be
// shared between requests: treat it as read-only.
type Pool struct {
	storage.Pool
	Settings *Settings
}

// Client is a loaded app client with its settings decoded. Settings may be
// shared between requests: treat it as read-only.
type Client struct {
	storage.Client
	Settings *ClientSettings
}

// Common faults.
var (
	ErrUserNotFound       = fault.New(fault.UserNotFound, "User does not exist.")
	ErrIncorrectPassword  = fault.New(fault.NotAuthorized, "Incorrect username or password.")
	ErrUserDisabled       = fault.New(fault.NotAuthorized, "User is disabled.")
	ErrUserNotConfirmed   = fault.New(fault.UserNotConfirmed, "User is not confirmed.")
	ErrResetRequired      = fault.New(fault.PasswordResetRequired, "Password reset required for the user")
	ErrCodeMismatch       = fault.New(fault.CodeMismatch, "Invalid verification code provided, please try again.")
	ErrCodeExpired        = fault.New(fault.ExpiredCode, "Invalid code provided, please request a code again.")
	ErrCodeAttemptsPassed = fault.New(fault.LimitExceeded, "Attempt limit exceeded, please try after some time.")
	// ErrTooManyRequests: the server's budget for password hashing is
	// spent (see Service.HashLimit). TooManyRequestsException "Too many
	// requests", as AWS SDK logs quote it for Cognito's throttling
	// (aws/aws-sdk-java#2301, mifi/cognito-backup#28).
	ErrTooManyRequests = fault.New(fault.TooManyRequests, "Too many requests")
)

// PoolNotFound is the error for an unknown pool ID.
func PoolNotFound(id string) error {
	return fault.Errorf(fault.ResourceNotFound, "User pool %s does not exist.", id)
}

// ClientNotFound is the error for an unknown app client ID.
func ClientNotFound(id string) error {
	return fault.Errorf(fault.ResourceNotFound, "User pool client %s does not exist.", id)
}
