package storage

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"
)

// Sentinel errors. Backends wrap them with context; test with errors.Is.
var (
	// ErrNotFound means the addressed record does not exist.
	ErrNotFound = errors.New("storage: not found")
	// ErrExists means a record with the same primary or unique key exists.
	ErrExists = errors.New("storage: already exists")
	// ErrBadCursor means a Page.After cursor was not one the store returned.
	ErrBadCursor = errors.New("storage: invalid page cursor")
)

// Store is everything userpoold persists. Implementations must be safe for
// concurrent use by many goroutines and by several processes that share one
// database.
type Store interface {
	PoolStore
	ClientStore
	UserStore
	GroupStore
	DeviceStore
	SessionStore
	KeyStore
	RevocationStore
	MessageStore
	AuthEventStore
	DomainStore
	ResourceServerStore
	ImportJobStore
	ProvisionedLimitStore
	LogDeliveryStore
	FederationStore
	BrandingStore

	// Ping reports whether the database is reachable.
	Ping(ctx context.Context) error
	// Close releases the database. Calls in flight may fail afterwards.
	Close() error
}

// Sealer encrypts the secret fields of records before they reach the
// database, and decrypts them when they are read back. The associated data
// binds a ciphertext to its record (for example "user/<pool>/<username>") so
// that a sealed value copied onto another row fails to open.
type Sealer interface {
	Seal(plaintext, associatedData []byte) ([]byte, error)
	Open(ciphertext, associatedData []byte) ([]byte, error)
}

// Page asks for one page of a listing. After is the opaque cursor a previous
// page returned as Next ("" for the first page); Limit is at least 1.
type Page struct {
	After string
	Limit int
}

// ---------------------------------------------------------------------------
// Pools and app clients

// Pool is a user pool.
type Pool struct {
	ID        string // e.g. us-east-1_AbC123xyZ; immutable
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
	// Config is the pool's settings as a JSON document whose member names are
	// the Cognito wire names (UserPoolType). Storage treats it as opaque.
	Config json.RawMessage
	// RiskConfig is the pool-level risk configuration document
	// (RiskConfigurationType), or nil when none is set.
	RiskConfig json.RawMessage
	Tags       map[string]string
}

// PoolStore persists user pools. Deleting a pool deletes everything in it:
// clients, users, groups, devices, sessions, keys, messages and events.
type PoolStore interface {
	// CreatePool stores p and, in the same transaction, its first signing
	// keys: when it fails, neither the pool nor any key was stored.
	CreatePool(ctx context.Context, p Pool, keys ...SigningKey) error
	GetPool(ctx context.Context, id string) (Pool, error)
	UpdatePool(ctx context.Context, id string, fn func(*Pool) error) (Pool, error)
	DeletePool(ctx context.Context, id string) error
	// ListPools returns pools ordered by ID.
	ListPools(ctx context.Context, page Page) (pools []Pool, next string, err error)
}

// Client is an app client of a pool. Client IDs are unique across pools.
type Client struct {
	PoolID string
	ID     string // 26 lowercase alphanumerics; immutable
	Name   string
	Secret string // secret; "" when the client has none
	// Secrets are every secret of a client whose secrets were rotated
	// (Add/DeleteUserPoolClientSecret), oldest first; nil means Secret is
	// the only one, made with the client. userpool keeps Secret equal to
	// Secrets[0].Value. Sealed at rest with Secret.
	Secrets   []ClientSecret
	CreatedAt time.Time
	UpdatedAt time.Time
	// Config is the client's settings as a JSON document with the Cognito wire
	// member names (UserPoolClientType). Storage treats it as opaque.
	Config json.RawMessage
	// RiskConfig is the client-level risk configuration document, or nil.
	RiskConfig json.RawMessage
}

// ClientSecret is one secret of an app client (ClientSecretDescriptorType).
type ClientSecret struct {
	ID        string // <clientId>--<creation time>; unique within the client
	Value     string
	CreatedAt time.Time
}

// ClientStore persists app clients.
type ClientStore interface {
	CreateClient(ctx context.Context, c Client) error
	// GetClient finds a client by its ID alone (InitiateAuth names no pool).
	GetClient(ctx context.Context, clientID string) (Client, error)
	UpdateClient(ctx context.Context, clientID string, fn func(*Client) error) (Client, error)
	DeleteClient(ctx context.Context, clientID string) error
	// ListClients returns the pool's clients ordered by ID.
	ListClients(ctx context.Context, poolID string, page Page) (clients []Client, next string, err error)
}

// ---------------------------------------------------------------------------
// Users

// Attribute is one user (or device) attribute.
type Attribute struct {
	Name  string
	Value string
}

// User is a user of a pool.
type User struct {
	PoolID string
	// Username is the user's internal name as created, case preserved.
	Username string
	// UsernameKey is the lookup key: Username, lower-cased when the pool's
	// usernames are case-insensitive. Unique within the pool; immutable.
	UsernameKey string
	// Sub is the immutable UUID of the user; unique within the pool.
	Sub string
	// Attributes holds every attribute except sub, in insertion order.
	Attributes []Attribute
	// PendingAttributes holds email/phone values awaiting verification when
	// the pool keeps the original value until the new one is verified.
	PendingAttributes []Attribute
	Status            UserStatus
	Enabled           bool
	CreatedAt         time.Time
	UpdatedAt         time.Time
	// PasswordChangedAt is when the password was last set.
	PasswordChangedAt time.Time
	// TokensRevokedAt invalidates every token issued before it (GlobalSignOut).
	TokensRevokedAt time.Time
	MFA             UserMFA
	Lockout         Lockout
	// Passkeys are the user's registered WebAuthn credentials (issue 10),
	// in registration order. Nothing in them is secret (public keys and
	// credential IDs); package passkey owns their meaning and userpool the
	// rules that change the list.
	Passkeys []Passkey
	// ImportJobID and ImportLine name the import job and the line of its
	// CSV file that created the user ("" and 0 for users not imported), so
	// that a job resumed after a crash recognises the users it created.
	ImportJobID string
	ImportLine  int64
	Secrets     UserSecrets
}

// Passkey is one registered WebAuthn credential of a user: the members of
// passkey.Credential, which userpool converts to and from.
type Passkey struct {
	// ID is the raw credential ID; PublicKey the COSE_Key bytes as
	// registered, Algorithm its COSE algorithm.
	ID        []byte
	PublicKey []byte
	Algorithm int64
	// SignCount is the last signature counter accepted.
	SignCount uint32
	// AAGUID is the authenticator model (16 bytes).
	AAGUID []byte
	// Transports as the browser reported them (empty when unknown);
	// Attachment is platform, cross-platform or "".
	Transports []string
	Attachment string
	// UserVerified, BackupEligible and BackupState are the UV, BE and BS
	// flags (UV at registration, BS as of the latest assertion).
	UserVerified   bool
	BackupEligible bool
	BackupState    bool
	// AttestationFormat and AttestationType describe the registration's
	// attestation statement.
	AttestationFormat string
	AttestationType   string
	// RelyingPartyID is the RP ID the credential is scoped to.
	RelyingPartyID string
	FriendlyName   string
	CreatedAt      time.Time
	LastUsedAt     time.Time
}

// UserStatus is a user's account status (UserStatusType): UNCONFIRMED,
// CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED, ... Package userpool
// names the values and owns the transitions between them.
type UserStatus string

// MFAFactor names an MFA factor as the wire does (SMS_MFA,
// SOFTWARE_TOKEN_MFA, EMAIL_OTP, WEB_AUTHN). Package mfa names the values
// (mfa.Factor) and owns the rules.
type MFAFactor string

// UserMFA is a user's MFA state.
type UserMFA struct {
	Enabled   []MFAFactor
	Preferred MFAFactor
	// LegacySMS is the SMS MFA option set through (Admin)SetUserSettings.
	LegacySMS bool
	// TOTPFriendlyName is the FriendlyDeviceName given at verification.
	TOTPFriendlyName string
	// TOTPVerifiedAt is when the current TOTP secret was verified; zero when
	// the user has no verified software token.
	TOTPVerifiedAt time.Time
	// TOTPLastStep is the highest RFC 6238 time step accepted from the user;
	// codes of this step or earlier are replays.
	TOTPLastStep int64
}

// Lockout counts failed sign-in attempts.
type Lockout struct {
	Failures    int // consecutive failures since the last success or reset
	LastFailure time.Time
	LockedUntil time.Time
}

// UserSecrets are sealed at rest as one value.
type UserSecrets struct {
	PasswordHash string // PHC string (argon2id); "" when no password is set
	SRPSalt      []byte // 16 bytes
	SRPVerifier  []byte // big-endian g^x mod N
	TOTPSecret   []byte // verified software-token secret (raw bytes)
	// TOTPPending is an associated but not yet verified secret.
	TOTPPending []byte
	Codes       []Code
	// PasskeyChallenge is the pending StartWebAuthnRegistration challenge
	// (an opaque document of package passkey's Challenge; nil when none),
	// sealed with the other secrets so that it can be neither read nor
	// altered at rest.
	PasskeyChallenge []byte
}

// Code is a one-time code sent to the user (sign-up confirmation, attribute
// verification, forgotten password). A user has at most one Code per
// Purpose; it may outlive its use (Value "") to keep the counts of its
// window.
type Code struct {
	Purpose   string // e.g. SIGN_UP, FORGOT_PASSWORD, VERIFY:email
	Value     string // the code; "" once it can no longer be used
	ExpiresAt time.Time
	Attempts  int // wrong answers so far, in this window
	// Target binds the code to what it was sent for: for attribute
	// verification the hex SHA-256 of the value verified; else "".
	Target string
	// Issued counts the codes of this purpose issued since WindowStart,
	// this one included.
	Issued      int
	WindowStart time.Time
}

// UserQuery selects users for ListUsers.
type UserQuery struct {
	PoolID string
	// Attribute is a filterable attribute: username, email, phone_number,
	// name, given_name, family_name, preferred_username, cognito:user_status,
	// status (enabled) or sub. "" selects every user.
	Attribute string
	Value     string
	Prefix    bool // starts-with rather than equality
	Fold      bool // compare case-insensitively
	Page      Page
}

// UserStore persists users. Deleting a user deletes its devices and group
// memberships.
type UserStore interface {
	// CreateUser fails with ErrExists if UsernameKey or Sub is taken.
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, poolID, usernameKey string) (User, error)
	GetUserBySub(ctx context.Context, poolID, sub string) (User, error)
	// FindUsersByAttribute returns the users whose attribute name (email,
	// phone_number or preferred_username) equals value case-insensitively.
	FindUsersByAttribute(ctx context.Context, poolID, name, value string) ([]User, error)
	UpdateUser(ctx context.Context, poolID, usernameKey string, fn func(*User) error) (User, error)
	DeleteUser(ctx context.Context, poolID, usernameKey string) error
	// ListUsers returns matching users ordered by UsernameKey.
	ListUsers(ctx context.Context, q UserQuery) (users []User, next string, err error)
	CountUsers(ctx context.Context, poolID string) (int64, error)
}

// ---------------------------------------------------------------------------
// Groups

// Group is a user group.
type Group struct {
	PoolID      string
	Name        string
	Description string
	RoleArn     string
	Precedence  *int32
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// GroupStore persists groups and memberships.
type GroupStore interface {
	CreateGroup(ctx context.Context, g Group) error
	GetGroup(ctx context.Context, poolID, name string) (Group, error)
	UpdateGroup(ctx context.Context, poolID, name string, fn func(*Group) error) (Group, error)
	// DeleteGroup also removes every membership of the group.
	DeleteGroup(ctx context.Context, poolID, name string) error
	ListGroups(ctx context.Context, poolID string, page Page) (groups []Group, next string, err error)
	// AddUserToGroup is idempotent. It returns ErrNotFound if the user or
	// group does not exist.
	AddUserToGroup(ctx context.Context, poolID, groupName, usernameKey string) error
	// RemoveUserFromGroup is idempotent.
	RemoveUserFromGroup(ctx context.Context, poolID, groupName, usernameKey string) error
	ListGroupsForUser(ctx context.Context, poolID, usernameKey string, page Page) (groups []Group, next string, err error)
	ListUsersInGroup(ctx context.Context, poolID, groupName string, page Page) (users []User, next string, err error)
}

// ---------------------------------------------------------------------------
// Devices

// Device is a device tracked for a user.
type Device struct {
	PoolID      string
	UsernameKey string
	Key         string // <region>_<uuid>; unique within the pool
	GroupKey    string
	Name        string
	// Remembered is "remembered" or "not_remembered".
	Remembered string
	// Confirmed is set once ConfirmDevice stored the SRP verifier.
	Confirmed           bool
	Attributes          []Attribute
	CreatedAt           time.Time
	UpdatedAt           time.Time
	LastAuthenticatedAt time.Time
	Secrets             DeviceSecrets
}

// DeviceSecrets are sealed at rest.
type DeviceSecrets struct {
	Salt     []byte
	Verifier []byte
}

// DeviceStore persists devices.
type DeviceStore interface {
	CreateDevice(ctx context.Context, d Device) error
	GetDevice(ctx context.Context, poolID, deviceKey string) (Device, error)
	UpdateDevice(ctx context.Context, poolID, deviceKey string, fn func(*Device) error) (Device, error)
	DeleteDevice(ctx context.Context, poolID, deviceKey string) error
	// ListDevices returns the user's devices ordered by Key.
	ListDevices(ctx context.Context, poolID, usernameKey string, page Page) (devices []Device, next string, err error)
}

// ---------------------------------------------------------------------------
// Sign-in sessions

// AuthSession is the server side of a sign-in session handed to clients
// between challenges.
type AuthSession struct {
	ID        string
	PoolID    string
	ClientID  string
	ExpiresAt time.Time
	// Used is set when the session was answered successfully; a used session
	// can never be answered again.
	Used bool
	// Attempts counts wrong answers to the current challenge.
	Attempts int
	// State is the flow's state, sealed at rest (it may hold one-time codes).
	State []byte
}

// SessionStore persists sign-in sessions.
type SessionStore interface {
	CreateSession(ctx context.Context, s AuthSession) error
	GetSession(ctx context.Context, id string) (AuthSession, error)
	UpdateSession(ctx context.Context, id string, fn func(*AuthSession) error) (AuthSession, error)
	// DeleteExpiredSessions removes sessions that expired before t and
	// returns how many it removed.
	DeleteExpiredSessions(ctx context.Context, t time.Time) (int64, error)
}

// ---------------------------------------------------------------------------
// Token signing keys and revocation

// SigningKey is an RSA key a pool signs tokens with.
type SigningKey struct {
	PoolID string
	KID    string
	// Use is "id" or "access": ID and access tokens are signed by different
	// keys, as in Cognito.
	Use        string
	PrivateKey []byte // PKCS#8 DER; secret
	CreatedAt  time.Time
	// RetiredAt is when the key stopped signing; zero while it signs. Retired
	// keys stay published so that tokens they signed still verify.
	RetiredAt time.Time
}

// KeyStore persists signing keys.
type KeyStore interface {
	AddSigningKey(ctx context.Context, k SigningKey) error
	// ListSigningKeys returns the pool's keys, oldest first.
	ListSigningKeys(ctx context.Context, poolID string) ([]SigningKey, error)
	UpdateSigningKey(ctx context.Context, poolID, kid string, fn func(*SigningKey) error) (SigningKey, error)
}

// RevocationStore remembers revoked token families.
type RevocationStore interface {
	// RevokeTokens marks every token with this origin JTI revoked until
	// expiresAt (after which the tokens are dead anyway). Idempotent.
	RevokeTokens(ctx context.Context, poolID, originJTI string, expiresAt time.Time) error
	TokensRevoked(ctx context.Context, poolID, originJTI string) (bool, error)
}

// ---------------------------------------------------------------------------
// Outbox and auth events

// Message is a message handed to the outbox delivery sink. Code, Subject
// and Body are secret (sealed at rest): the body carries the code or the
// temporary password.
type Message struct {
	ID          int64 // assigned by the store, increasing
	PoolID      string
	Username    string
	Channel     string // SMS or EMAIL
	Destination string
	Purpose     string
	Code        string // secret
	Subject     string // secret
	Body        string // secret
	SentAt      time.Time
	// ExpiresAt is when what the message carries stops being usable:
	// DeleteExpiredMessages removes it after that.
	ExpiresAt time.Time
}

// MessageStore persists the outbox.
type MessageStore interface {
	AppendMessage(ctx context.Context, m Message) (Message, error)
	// ListMessages returns the messages for a user, oldest first. An empty
	// username lists every message of the pool.
	ListMessages(ctx context.Context, poolID, username string) ([]Message, error)
	// DeleteExpiredMessages removes the messages whose ExpiresAt is before
	// t (and any stored without an expiry) and returns how many it removed.
	DeleteExpiredMessages(ctx context.Context, t time.Time) (int64, error)
}

// AuthEvent is one entry of a user's sign-in history.
type AuthEvent struct {
	PoolID      string
	UsernameKey string
	ID          string
	Type        string // SignIn, SignUp, ForgotPassword, PasswordChange, ResendCode
	CreatedAt   time.Time
	Response    string // Pass, Fail, InProgress
	// Risk
	RiskDecision           string // NoRisk, AccountTakeover, Block
	RiskLevel              string // Low, Medium, High; "" when not assessed
	CompromisedCredentials bool
	ChallengeResponses     []ChallengeResult
	Context                EventContext
	Feedback               *EventFeedback
	// FeedbackTokenHash authorizes UpdateAuthEventFeedback (hex SHA-256).
	FeedbackTokenHash string
}

// ChallengeResult records one challenge answered during a sign-in.
type ChallengeResult struct {
	Name     string // Password, Mfa
	Response string // Success, Failure
}

// EventContext is where a sign-in came from.
type EventContext struct {
	IPAddress  string
	DeviceName string
	Timezone   string
	City       string
	Country    string
	// DeviceFingerprint identifies the client device (derived from context
	// data); used by the risk engine.
	DeviceFingerprint string
	UserAgent         string
}

// EventFeedback is the user's or administrator's verdict on an event.
type EventFeedback struct {
	Value    string // Valid or Invalid
	Provider string // cognito or admin
	Date     time.Time
}

// AuthEventStore persists auth events.
type AuthEventStore interface {
	AddAuthEvent(ctx context.Context, e AuthEvent) error
	GetAuthEvent(ctx context.Context, poolID, usernameKey, id string) (AuthEvent, error)
	UpdateAuthEvent(ctx context.Context, poolID, usernameKey, id string, fn func(*AuthEvent) error) (AuthEvent, error)
	// ListAuthEvents returns a user's events, newest first.
	ListAuthEvents(ctx context.Context, poolID, usernameKey string, page Page) (events []AuthEvent, next string, err error)
}

// ---------------------------------------------------------------------------
// Domains and resource servers (the OAuth 2.0 server of a pool)

// Domain is a user pool domain: a prefix, served at
// <prefix>.auth.<region>.amazoncognito.com, or a custom domain's fully
// qualified name. A pool has at most one domain of each kind.
type Domain struct {
	// Name is the prefix or the FQDN, lower case; unique in the deployment
	// (it is one region); immutable.
	Name   string
	PoolID string
	// Custom is set for a custom domain (CreateUserPoolDomain with
	// CustomDomainConfig); immutable.
	Custom bool
	// CertificateARN and SecurityPolicy are a custom domain's
	// CustomDomainConfig.
	CertificateARN string
	SecurityPolicy string
	// ManagedLoginVersion is 1 (classic hosted UI) or 2 (managed login).
	ManagedLoginVersion int
	// Routing is the RoutingType document of a replicated pool, kept as
	// given; nil when none.
	Routing json.RawMessage
	// CloudFrontDistribution is the name DomainDescription reports.
	CloudFrontDistribution string
	CreatedAt              time.Time
	UpdatedAt              time.Time
}

// DomainStore persists domains.
type DomainStore interface {
	// CreateDomain stores d. It fails with ErrExists when the name is taken
	// or the pool already has a domain of the same kind (prefix or custom),
	// and with ErrNotFound when the pool does not exist.
	CreateDomain(ctx context.Context, d Domain) error
	// GetDomain finds a domain by name alone (a request's Host names no
	// pool).
	GetDomain(ctx context.Context, name string) (Domain, error)
	UpdateDomain(ctx context.Context, name string, fn func(*Domain) error) (Domain, error)
	DeleteDomain(ctx context.Context, name string) error
	// ListDomains returns the pool's domains ordered by name.
	ListDomains(ctx context.Context, poolID string) ([]Domain, error)
}

// ResourceServer is an OAuth 2.0 resource server of a pool and the custom
// scopes it defines ("<Identifier>/<ScopeName>" in tokens).
type ResourceServer struct {
	PoolID string
	// Identifier is unique in the pool (often a URL); immutable.
	Identifier string
	Name       string
	// Scopes are in the order they were given.
	Scopes    []ResourceServerScope
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ResourceServerScope is one custom scope of a resource server.
type ResourceServerScope struct {
	Name        string
	Description string
}

// ResourceServerStore persists resource servers.
type ResourceServerStore interface {
	// CreateResourceServer fails with ErrExists when the identifier is taken
	// in the pool and with ErrNotFound when the pool does not exist.
	CreateResourceServer(ctx context.Context, r ResourceServer) error
	GetResourceServer(ctx context.Context, poolID, identifier string) (ResourceServer, error)
	UpdateResourceServer(ctx context.Context, poolID, identifier string, fn func(*ResourceServer) error) (ResourceServer, error)
	DeleteResourceServer(ctx context.Context, poolID, identifier string) error
	// ListResourceServers returns the pool's resource servers ordered by
	// identifier (byte-wise).
	ListResourceServers(ctx context.Context, poolID string, page Page) (servers []ResourceServer, next string, err error)
	// CountResourceServers returns how many resource servers the pool has.
	CountResourceServers(ctx context.Context, poolID string) (int, error)
}

// ---------------------------------------------------------------------------
// User import jobs (CreateUserImportJob) and their uploaded CSV files

// ImportJob is a user import job: the record of package importjob's Job,
// which owns the meaning of every field and the transitions between
// statuses.
type ImportJob struct {
	PoolID string
	// JobID is "import-" and alphanumerics, unique in the pool; immutable.
	JobID   string
	JobName string
	// Status is UserImportJobStatusType (Created, Pending, InProgress,
	// Stopping, Stopped, Succeeded, Failed, Expired).
	Status                   string
	CloudWatchLogsRoleARN    string
	PasswordHashingAlgorithm string // "" when none was given
	PreSignedURL             string
	CreatedAt                time.Time // immutable; orders ListImportJobs
	StartedAt                time.Time // zero until started
	CompletedAt              time.Time // zero until ended
	CompletionMessage        string
	ImportedUsers            int64
	SkippedUsers             int64
	FailedUsers              int64
	// CheckpointLine is the last line of the file a runner finished.
	CheckpointLine int64
	// Worker holds the job while LeaseExpires is in the future.
	Worker       string
	LeaseExpires time.Time
}

// ImportJobStore persists import jobs and the CSV file uploaded for each.
// A file is sealed at rest (it may hold password hashes) and deleted with
// its job and its pool.
type ImportJobStore interface {
	// CreateImportJob fails with ErrExists when the pool has a job of that
	// ID and with ErrNotFound when the pool does not exist.
	CreateImportJob(ctx context.Context, j ImportJob) error
	GetImportJob(ctx context.Context, poolID, jobID string) (ImportJob, error)
	// UpdateImportJob changes a job atomically; PoolID, JobID and CreatedAt
	// are immutable.
	UpdateImportJob(ctx context.Context, poolID, jobID string, fn func(*ImportJob) error) (ImportJob, error)
	// ListImportJobs returns every job of the pool, newest first (CreatedAt
	// descending, then JobID descending). A pool has at most 1,000 jobs.
	ListImportJobs(ctx context.Context, poolID string) ([]ImportJob, error)
	// ListImportJobsByStatus returns the jobs of every pool whose Status is
	// one of statuses, oldest first.
	ListImportJobsByStatus(ctx context.Context, statuses ...string) ([]ImportJob, error)

	// PutImportFile reads r to its end and keeps what it read as the job's
	// file, replacing any earlier one (the last upload wins) — but only if
	// accept, given the job as it is when the file is complete, returns
	// nil; otherwise, or when reading r fails, nothing changes and that
	// error is returned. Readers never see half a file. ErrNotFound when
	// the job does not exist.
	PutImportFile(ctx context.Context, poolID, jobID string, r io.Reader, accept func(ImportJob) error) error
	// OpenImportFile returns the job's file, read lazily; ErrNotFound when
	// the job has none.
	OpenImportFile(ctx context.Context, poolID, jobID string) (io.ReadCloser, error)
	// HasImportFile reports whether a file was uploaded for the job.
	HasImportFile(ctx context.Context, poolID, jobID string) (bool, error)
	// DeleteImportFile removes the job's file; a job without one (or no
	// job) is not an error.
	DeleteImportFile(ctx context.Context, poolID, jobID string) error
}

// ---------------------------------------------------------------------------
// Federation: identity providers, links, the pool's SAML key, spent values

// IdentityProvider is an external identity provider of a pool (OIDC, SAML
// or a social type): the record package federation validates and reads
// back (federation.Provider).
type IdentityProvider struct {
	PoolID string
	// Name is ProviderName, unique in the pool (exact match); immutable.
	Name string
	Type string // SAML, OIDC, Google, Facebook, LoginWithAmazon, SignInWithApple
	// Details is ProviderDetails as Describe returns it. It holds
	// client_secret: sealed at rest.
	Details map[string]string
	// Private holds what Describe never returns (Apple's private_key):
	// sealed at rest.
	Private map[string]string
	// Metadata is a SAML provider's IdP metadata document.
	Metadata         string
	AttributeMapping map[string]string
	// Identifiers is IdpIdentifiers, in the caller's order.
	Identifiers []string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ProviderLink is an AdminLinkProviderForUser link: the identity of
// provider ProviderName whose attribute AttributeName is AttributeValue
// signs in as the user UsernameKey. The source (pool, provider, attribute,
// value) is unique; links are deleted with their user.
type ProviderLink struct {
	PoolID         string
	ProviderName   string
	AttributeName  string
	AttributeValue string
	UsernameKey    string
	CreatedAt      time.Time
}

// SAMLKey is a pool's SAML key pair: what GetSigningCertificate returns,
// what signs AuthnRequests and decrypts encrypted assertions.
type SAMLKey struct {
	PoolID      string
	Certificate []byte // PEM
	PrivateKey  []byte // PKCS#8 PEM; secret
	CreatedAt   time.Time
}

// FederationStore persists identity providers, provider links, pools'
// SAML keys and spent single-use values (federation states and SAML
// assertion IDs, shared by every node).
type FederationStore interface {
	// CreateIdentityProvider fails with ErrExists when the name is taken
	// in the pool and with ErrNotFound when the pool does not exist.
	CreateIdentityProvider(ctx context.Context, p IdentityProvider) error
	GetIdentityProvider(ctx context.Context, poolID, name string) (IdentityProvider, error)
	UpdateIdentityProvider(ctx context.Context, poolID, name string, fn func(*IdentityProvider) error) (IdentityProvider, error)
	DeleteIdentityProvider(ctx context.Context, poolID, name string) error
	// ListIdentityProviders returns every provider of the pool (at most
	// a few hundred) ordered by name (byte-wise).
	ListIdentityProviders(ctx context.Context, poolID string) ([]IdentityProvider, error)

	// CreateSAMLKey stores a pool's SAML key; ErrExists when the pool has
	// one, ErrNotFound when the pool does not exist.
	CreateSAMLKey(ctx context.Context, k SAMLKey) error
	GetSAMLKey(ctx context.Context, poolID string) (SAMLKey, error)

	// CreateProviderLink fails with ErrExists when the source is linked
	// already and with ErrNotFound when the user does not exist.
	CreateProviderLink(ctx context.Context, l ProviderLink) error
	// ListProviderLinks returns the links whose source is the provider,
	// ordered by attribute name and value.
	ListProviderLinks(ctx context.Context, poolID, providerName string) ([]ProviderLink, error)
	// ListUserProviderLinks returns the links to a user, ordered by
	// provider, attribute name and value.
	ListUserProviderLinks(ctx context.Context, poolID, usernameKey string) ([]ProviderLink, error)
	DeleteProviderLink(ctx context.Context, poolID, providerName, attributeName, attributeValue string) error

	// SpendOnce records key as spent until expiresAt, atomically: it fails
	// with ErrExists when key is recorded and has not expired at now.
	SpendOnce(ctx context.Context, key string, now, expiresAt time.Time) error
	// DeleteExpiredSpent forgets the keys that expired before t and
	// returns how many.
	DeleteExpiredSpent(ctx context.Context, t time.Time) (int64, error)
}

// ---------------------------------------------------------------------------
// Branding: UI customization, managed login branding, terms documents

// BrandingKind names a kind of branding document.
type BrandingKind string

// The kinds of branding documents.
const (
	// BrandingUI is classic UI customization (SetUICustomization): ID
	// and ClientID are the client's ID, or "ALL" for the pool's default.
	BrandingUI BrandingKind = "ui"
	// BrandingManagedLogin is a managed login branding style: ID is a
	// UUID, one per client.
	BrandingManagedLogin BrandingKind = "managed-login"
	// BrandingTerms is a terms document: ID is a UUID, one per client and
	// Name (terms-of-use or privacy-policy).
	BrandingTerms BrandingKind = "terms"
)

// Branding is one branding document of a pool. Within a pool and kind, ID
// is unique, and so is the pair (ClientID, Name).
type Branding struct {
	PoolID   string
	Kind     BrandingKind
	ID       string // immutable
	ClientID string // immutable; the client whose pages it dresses, or "ALL"
	Name     string // "" but for terms
	// Doc is the document, in userpool's encoding; storage treats it as
	// opaque and keeps it byte-equal.
	Doc       json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// BrandingStore persists branding documents. Deleting a client deletes
// the documents whose ClientID is its ID; deleting a pool, all of them.
type BrandingStore interface {
	// CreateBranding stores b; ErrExists when its ID, or its (ClientID,
	// Name), is taken in its pool and kind; ErrNotFound when the pool
	// does not exist.
	CreateBranding(ctx context.Context, b Branding) error
	GetBranding(ctx context.Context, poolID string, kind BrandingKind, id string) (Branding, error)
	// UpdateBranding changes a document atomically; ErrExists when the new
	// Name is taken by another document of the client.
	UpdateBranding(ctx context.Context, poolID string, kind BrandingKind, id string, fn func(*Branding) error) (Branding, error)
	DeleteBranding(ctx context.Context, poolID string, kind BrandingKind, id string) error
	// ListBranding returns one page of the pool's documents of a kind,
	// ordered by ID.
	ListBranding(ctx context.Context, poolID string, kind BrandingKind, page Page) (docs []Branding, next string, err error)
	// ClientBranding returns the documents of a kind of one client (or of
	// "ALL"), ordered by Name then ID.
	ClientBranding(ctx context.Context, poolID string, kind BrandingKind, clientID string) ([]Branding, error)
}

// ---------------------------------------------------------------------------
// Provisioned limits (UpdateProvisionedLimit)

// ProvisionedLimitStore persists the request rates UpdateProvisionedLimit
// provisioned, per API category (package quota names them), for the whole
// deployment (an AWS account in a Region).
type ProvisionedLimitStore interface {
	// ProvisionedLimits returns every stored rate, in requests per second,
	// by category; categories never provisioned are absent.
	ProvisionedLimits(ctx context.Context) (map[string]int, error)
	// SetProvisionedLimit stores the rate of category, replacing any.
	SetProvisionedLimit(ctx context.Context, category string, rps int) error
}

// ---------------------------------------------------------------------------
// Log delivery (SetLogDeliveryConfiguration)

// LogDelivery is a pool's LogDeliveryConfigurationType: where its
// user-notification and user-activity logs are exported (package
// activitylog owns the rules).
type LogDelivery struct {
	PoolID         string
	Configurations []LogConfiguration
}

// LogConfiguration is one LogConfigurationType: an event source, its log
// level and one destination ARN.
type LogConfiguration struct {
	EventSource           string // userNotification, userAuthEvents
	LogLevel              string // ERROR, INFO
	CloudWatchLogGroupARN string
	S3BucketARN           string
	FirehoseStreamARN     string
}

// LogDeliveryStore persists the pools' log delivery configurations; a
// pool's goes with it.
type LogDeliveryStore interface {
	// GetLogDelivery returns the pool's configuration, ErrNotFound when
	// none was set.
	GetLogDelivery(ctx context.Context, poolID string) (LogDelivery, error)
	// PutLogDelivery stores d, replacing any earlier configuration;
	// ErrNotFound when the pool does not exist.
	PutLogDelivery(ctx context.Context, d LogDelivery) error
}
