package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/password"
	"github.com/userpoold/userpoold/internal/srp"
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
	// Keys makes the signing keys of new pools.
	Keys Keys
	// Sender delivers codes and messages.
	Sender  Sender
	Hashing password.Params
	Region  string
	Account string
	Now     func() time.Time
	Rand    io.Reader
	Log     *slog.Logger

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

// DefaultHashWait is how long a password hash waits for memory by default
// (Service.HashWait).
const DefaultHashWait = 3 * time.Second

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

// LoadPool returns the pool with the given ID.
func (s *Service) LoadPool(ctx context.Context, id string) (*Pool, error) {
	p, err := s.Pools.GetPool(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, PoolNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	st, err := s.decoded.pool(p)
	if err != nil {
		return nil, err
	}
	return &Pool{Pool: p, Settings: st}, nil
}

// LoadClient returns the app client with the given ID. If poolID is not
// empty the client must belong to that pool.
func (s *Service) LoadClient(ctx context.Context, poolID, clientID string) (*Client, error) {
	c, err := s.Clients.GetClient(ctx, clientID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && poolID != "" && c.PoolID != poolID) {
		return nil, ClientNotFound(clientID)
	}
	if err != nil {
		return nil, err
	}
	cs, err := s.decoded.client(c)
	if err != nil {
		return nil, err
	}
	return &Client{Client: c, Settings: cs}, nil
}

// CheckSecretHash verifies SECRET_HASH = Base64(HMAC-SHA256(secret,
// username+clientID)) for clients that have a secret; clients without one
// ignore it.
func (c *Client) CheckSecretHash(username, secretHash string) error {
	if c.Secret == "" {
		return nil
	}
	if secretHash == "" {
		return fault.Errorf(fault.NotAuthorized, "Client %s is configured with secret but SECRET_HASH was not received", c.ID)
	}
	mac := hmac.New(sha256.New, []byte(c.Secret))
	mac.Write([]byte(username + c.ID))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(want), []byte(secretHash)) != 1 {
		return fault.Errorf(fault.NotAuthorized, "Unable to verify secret hash for client %s", c.ID)
	}
	return nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// FindUser resolves name, which may be the username, the sub, or a value of
// an attribute the pool lets users sign in with (a username attribute, or a
// verified alias), to a user. It returns ErrUserNotFound when nothing
// matches.
func (s *Service) FindUser(ctx context.Context, p *Pool, name string) (storage.User, error) {
	if name == "" {
		return storage.User{}, ErrUserNotFound
	}
	u, err := s.Users.GetUser(ctx, p.ID, p.Settings.UsernameKey(name))
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, err
	}
	if uuidRE.MatchString(strings.ToLower(name)) {
		u, err := s.Users.GetUserBySub(ctx, p.ID, strings.ToLower(name))
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return storage.User{}, err
		}
	}
	for _, attr := range []string{"email", "phone_number", "preferred_username"} {
		if !p.Settings.IsAlias(attr) {
			continue
		}
		users, err := s.Users.FindUsersByAttribute(ctx, p.ID, attr, name)
		if err != nil {
			return storage.User{}, err
		}
		for _, cand := range users {
			v, _ := GetAttribute(cand.Attributes, attr)
			if p.Settings.CaseSensitive() && attr != "email" && v != name {
				continue
			}
			if p.Settings.IsUsernameAttribute(attr) || isVerifiedAlias(cand, attr) {
				return cand, nil
			}
		}
	}
	return storage.User{}, ErrUserNotFound
}

// LoadUser loads the user a token or a sign-in session names: by internal
// username and sub. A user deleted and re-created under the same name is
// another user: ErrUserNotFound, like a missing one.
func (s *Service) LoadUser(ctx context.Context, p *Pool, username, sub string) (storage.User, error) {
	u, err := s.Users.GetUser(ctx, p.ID, p.Settings.UsernameKey(username))
	if errors.Is(err, storage.ErrNotFound) || (err == nil && u.Sub != sub) {
		return storage.User{}, ErrUserNotFound
	}
	return u, err
}

// isVerifiedAlias reports whether attr of u can be used to sign in as an
// alias: email and phone_number only once verified; preferred_username
// always.
func isVerifiedAlias(u storage.User, attr string) bool {
	switch attr {
	case "email":
		v, _ := GetAttribute(u.Attributes, "email_verified")
		return v == "true"
	case "phone_number":
		v, _ := GetAttribute(u.Attributes, "phone_number_verified")
		return v == "true"
	}
	return true
}

// PasswordPolicy returns the pool's password policy.
func (p *Pool) PasswordPolicy() password.Policy {
	pol := password.DefaultPolicy
	if p.Settings.Policies != nil && p.Settings.Policies.PasswordPolicy != nil {
		pp := p.Settings.Policies.PasswordPolicy
		pol = password.Policy{
			RequireUppercase: flag(pp.RequireUppercase),
			RequireLowercase: flag(pp.RequireLowercase),
			RequireNumbers:   flag(pp.RequireNumbers),
			RequireSymbols:   flag(pp.RequireSymbols),
			MinimumLength:    8,
		}
		if pp.MinimumLength != nil {
			pol.MinimumLength = int(*pp.MinimumLength)
		}
		if pp.TemporaryPasswordValidityDays != nil {
			pol.TemporaryPasswordValidityDays = int(*pp.TemporaryPasswordValidityDays)
		}
		if pp.PasswordHistorySize != nil {
			pol.PasswordHistorySize = int(*pp.PasswordHistorySize)
		}
	}
	return pol
}

// CheckPasswordPolicy returns an InvalidPassword fault worded for operation
// when pw does not satisfy the pool's policy.
func (p *Pool) CheckPasswordPolicy(operation, pw string) error {
	if err := p.PasswordPolicy().CheckFor(operation, pw); err != nil {
		return fault.New(fault.InvalidPassword, err.Error())
	}
	return nil
}

// NewPassword is a password ready to store for one user: the argon2id hash
// and the SRP salt and verifier. Computing it is slow, so callers compute it
// before Store.UpdateUser and Apply it inside the update function (which may
// run more than once).
type NewPassword struct {
	hash           string
	salt, verifier []byte
	at             time.Time
}

// HashPassword prepares pw as the password of the user whose internal
// username is username (Cognito's SRP uses USER_ID_FOR_SRP). It waits for
// its share of the hashing budget at most HashWait, then fails with
// ErrTooManyRequests.
func (s *Service) HashPassword(p *Pool, username, pw string) (NewPassword, error) {
	release, err := s.acquireHash(context.Background(), s.Hashing.MemoryKiB)
	if err != nil {
		return NewPassword{}, err
	}
	defer release()
	return s.hashPassword(p, username, pw)
}

// hashPassword is HashPassword for a caller that holds the hashing budget.
func (s *Service) hashPassword(p *Pool, username, pw string) (NewPassword, error) {
	h, err := password.Hash(s.rand(), pw, s.Hashing)
	if err != nil {
		return NewPassword{}, err
	}
	salt, verifier, err := srp.NewVerifier(s.rand(), srp.PoolName(p.ID), username, pw)
	if err != nil {
		return NewPassword{}, err
	}
	return NewPassword{hash: h, salt: salt, verifier: verifier, at: s.now()}, nil
}

// Apply stores the password on u.
func (np NewPassword) Apply(u *storage.User) {
	u.Secrets.PasswordHash = np.hash
	u.Secrets.SRPSalt = np.salt
	u.Secrets.SRPVerifier = np.verifier
	u.PasswordChangedAt = np.at
}

// SetPassword hashes pw and stores it on u (HashPassword, then Apply). Use it
// for users not yet stored; inside Store.UpdateUser apply a NewPassword
// computed beforehand instead.
func (s *Service) SetPassword(p *Pool, u *storage.User, pw string) error {
	np, err := s.HashPassword(p, u.Username, pw)
	if err != nil {
		return err
	}
	np.Apply(u)
	return nil
}

// hashLimit returns the limiter of argon2id computations.
func (s *Service) hashLimit() *password.Limiter {
	s.hashLimitOnce.Do(func() {
		if s.HashLimit == nil {
			s.HashLimit = password.NewLimiter(password.DefaultBudgetKiB())
		}
	})
	return s.HashLimit
}

// errHashWait is the cause of a context that waited HashWait for memory.
var errHashWait = errors.New("userpool: hashing budget spent")

// acquireHash takes memKiB of the hashing budget for one argon2id
// computation, waiting at most HashWait (ErrTooManyRequests) or until ctx
// ends. Call release when the computation is done.
func (s *Service) acquireHash(ctx context.Context, memKiB uint32) (release func(), err error) {
	wait := s.HashWait
	if wait <= 0 {
		wait = DefaultHashWait
	}
	ctx, cancel := context.WithTimeoutCause(ctx, wait, errHashWait)
	defer cancel()
	release, err = s.hashLimit().Acquire(ctx, memKiB)
	if errors.Is(err, errHashWait) {
		return nil, ErrTooManyRequests
	}
	return release, err
}

// verifyMemory is the memory checking pw against u costs: that of u's
// stored hash, or of the dummy hash when u has none.
func (s *Service) verifyMemory(u storage.User) uint32 {
	if m := password.MemoryKiB(u.Secrets.PasswordHash); m > 0 {
		return m
	}
	return s.Hashing.MemoryKiB
}

// CheckPassword reports whether pw is u's password. It costs the same
// whether or not u has a password. It waits for its share of the hashing
// budget at most HashWait, then fails with ErrTooManyRequests; the caller
// must then not count a failed attempt.
func (s *Service) CheckPassword(ctx context.Context, u storage.User, pw string) (bool, error) {
	release, err := s.acquireHash(ctx, s.verifyMemory(u))
	if err != nil {
		return false, err
	}
	defer release()
	return s.verifyPassword(u, pw), nil
}

// verifyPassword is CheckPassword for a caller that holds the budget.
func (s *Service) verifyPassword(u storage.User, pw string) bool {
	if u.Secrets.PasswordHash == "" {
		s.dummyHash(pw)
		return false
	}
	ok, err := password.Verify(u.Secrets.PasswordHash, pw)
	return err == nil && ok
}

// dummyHash spends the time a password check costs, so that a missing user
// or password cannot be told apart by timing.
func (s *Service) dummyHash(pw string) {
	password.Hash(s.rand(), pw, s.Hashing)
}

// CheckDummyPassword is CheckPassword for a user that does not exist: it
// costs the same and fails with ErrTooManyRequests the same way.
func (s *Service) CheckDummyPassword(ctx context.Context, pw string) error {
	_, err := s.CheckPassword(ctx, storage.User{}, pw)
	return err
}

// Code purposes stored on users.
const (
	CodeSignUp         = "SIGN_UP"
	CodeForgotPassword = "FORGOT_PASSWORD"
	codeVerifyPrefix   = "VERIFY:"
)

// CodeVerify is the purpose of an attribute verification code for attr. A
// code of this purpose is bound to the value it was sent to: it verifies
// that value only (see VerifyAttribute and DropStaleVerificationCodes).
func CodeVerify(attr string) string { return codeVerifyPrefix + attr }

// Code lifetimes and limits. The limits count per user and purpose within a
// CodeWindow that starts with the first code of the purpose: a code issued
// again inside the window replaces the earlier one but inherits its count
// of wrong answers, so that asking for a new code never buys new guesses;
// and at most MaxCodeIssues codes are sent (also against flooding a
// mailbox or phone). A successful use of a code ends its window. Cognito
// does not publish its limits (amazon-cognito-identity-js#548: more than
// five ForgotPassword requests answer LimitExceededException).
const (
	SignUpCodeTTL         = 24 * time.Hour
	ForgotPasswordCodeTTL = time.Hour
	VerifyCodeTTL         = 24 * time.Hour
	// MaxCodeAttempts is how many wrong answers the codes of one purpose
	// take within a window; then they are dead.
	MaxCodeAttempts = 5
	// MaxCodeIssues is how many codes of one purpose a window allows.
	MaxCodeIssues = 5
	// CodeWindow is how long the limits above count.
	CodeWindow = time.Hour
)

// ErrCodeIssueLimit is the answer of ForgotPassword, ResendConfirmationCode
// and GetUserAttributeVerificationCode once the user's codes of that
// purpose hit a limit of the window (MaxCodeIssues codes sent, or
// MaxCodeAttempts wrong answers): LimitExceededException "Attempt limit
// exceeded, please try after some time." (ForgotPassword:
// amazon-cognito-identity-js#548 for the exception, aws-amplify/amplify-js#8013
// and #13225 for the message; UNCONFIRMED for the other operations).
var ErrCodeIssueLimit = fault.New(fault.LimitExceeded, "Attempt limit exceeded, please try after some time.")

// NewCode returns a 6-digit numeric code.
func (s *Service) NewCode() (string, error) { return randomString(s.rand(), "0123456789", 6) }

// IssueCode creates a code for purpose on u (replacing any earlier one of
// the same purpose) and returns it. Within the purpose's window it fails
// with ErrCodeIssueLimit once MaxCodeIssues codes were issued or
// MaxCodeAttempts wrong answers given.
func (s *Service) IssueCode(u *storage.User, purpose string, ttl time.Duration) (string, error) {
	return s.issueCode(u, purpose, "", ttl, true)
}

// issueCode is IssueCode for a code bound to target (codeTarget of the
// value a verification code verifies, or ""). An administrator's code
// (limited false) is never refused and starts with no wrong answers, but
// counts towards the window's issues.
func (s *Service) issueCode(u *storage.User, purpose, target string, ttl time.Duration, limited bool) (string, error) {
	now := s.now()
	var prev *storage.Code
	codes := u.Secrets.Codes[:0:0]
	for _, c := range u.Secrets.Codes {
		switch {
		case c.Purpose == purpose:
			prev = &c
		case codeKept(c, now):
			codes = append(codes, c)
		}
	}
	next := storage.Code{Purpose: purpose, Target: target, ExpiresAt: now.Add(ttl), Issued: 1, WindowStart: now}
	if prev != nil && now.Before(prev.WindowStart.Add(CodeWindow)) {
		if limited && (prev.Issued >= MaxCodeIssues || prev.Attempts >= MaxCodeAttempts) {
			return "", ErrCodeIssueLimit
		}
		next.Issued, next.WindowStart = prev.Issued+1, prev.WindowStart
		if limited {
			next.Attempts = prev.Attempts
		}
	}
	code, err := s.NewCode()
	if err != nil {
		return "", err
	}
	next.Value = code
	u.Secrets.Codes = append(codes, next)
	return code, nil
}

// codeKept reports whether c is still worth storing at now: usable, or
// counting towards the limits of its window.
func codeKept(c storage.Code, now time.Time) bool {
	return (c.Value != "" && now.Before(c.ExpiresAt)) || now.Before(c.WindowStart.Add(CodeWindow))
}

// codeTarget is what a verification code for value stores in Code.Target:
// the hex SHA-256 of the value.
func codeTarget(value string) string {
	h := sha256.Sum256([]byte(value))
	return hex.EncodeToString(h[:])
}

// ConsumeCode checks value against u's code for purpose. On success the code
// is removed. A wrong value counts an attempt; after MaxCodeAttempts the code
// is dead. The caller must persist u whatever the result (the attempt count
// changes), and must do so inside the same UpdateUser so that two requests
// cannot both use one code.
func (s *Service) ConsumeCode(u *storage.User, purpose, value string) error {
	return s.consumeCode(u, purpose, "", value)
}

// consumeCode is ConsumeCode for a code bound to target: a code sent for
// another target is dead (ErrCodeExpired), whatever value is given.
func (s *Service) consumeCode(u *storage.User, purpose, target, value string) error {
	u.Secrets.Codes = slices.Clone(u.Secrets.Codes) // never write through to a caller's copy
	for i := range u.Secrets.Codes {
		c := &u.Secrets.Codes[i]
		if c.Purpose != purpose {
			continue
		}
		if c.Attempts >= MaxCodeAttempts {
			return ErrCodeAttemptsPassed
		}
		if c.Value == "" || !s.now().Before(c.ExpiresAt) {
			return ErrCodeExpired
		}
		if c.Target != target {
			// Sent to a value the code no longer verifies.
			c.Value = ""
			return ErrCodeExpired
		}
		if subtle.ConstantTimeCompare([]byte(c.Value), []byte(value)) != 1 {
			c.Attempts++
			return ErrCodeMismatch
		}
		u.Secrets.Codes = append(u.Secrets.Codes[:i:i], u.Secrets.Codes[i+1:]...)
		return nil
	}
	return ErrCodeMismatch
}

// DropStaleVerificationCodes invalidates u's attribute verification codes
// that were sent to a value other than the one they would verify now (the
// attribute's pending value, else its value): call it inside every
// Store.UpdateUser that may change email or phone_number. The codes' counts
// stay, so changing the attribute back and forth buys no new guesses or
// messages. It is pure and cheap.
func DropStaleVerificationCodes(u *storage.User) {
	cloned := false
	for i, c := range u.Secrets.Codes {
		attr, ok := strings.CutPrefix(c.Purpose, codeVerifyPrefix)
		if !ok || c.Value == "" {
			continue
		}
		if v, _ := verificationTarget(*u, attr); v != "" && codeTarget(v) == c.Target {
			continue
		}
		if !cloned {
			u.Secrets.Codes = slices.Clone(u.Secrets.Codes)
			cloned = true
		}
		u.Secrets.Codes[i].Value = ""
	}
}

// CodeDelivery says where a code went (CodeDeliveryDetailsType).
type CodeDelivery struct {
	Destination    string // masked
	DeliveryMedium string // SMS or EMAIL
	AttributeName  string // email or phone_number
}

// deliveryFor returns the channel and destination of attr on u, or ok=false.
func deliveryFor(u storage.User, attr string) (channel, dest string, ok bool) {
	v, ok := GetAttribute(u.Attributes, attr)
	if !ok || v == "" {
		return "", "", false
	}
	if attr == "phone_number" {
		return delivery.ChannelSMS, v, true
	}
	return delivery.ChannelEmail, v, true
}

// SendCode renders the pool's template for purpose, sends code to attr of u
// and returns the delivery details.
func (s *Service) SendCode(ctx context.Context, p *Pool, u storage.User, attr, purpose, code string) (CodeDelivery, error) {
	channel, dest, ok := deliveryFor(u, attr)
	if !ok {
		return CodeDelivery{}, fmt.Errorf("userpool: user has no %s", attr)
	}
	tmpl := p.template(purpose)
	body := delivery.Render(tmpl.For(channel), code, u.Username)
	subject := tmpl.EmailSubject
	m := delivery.Message{
		PoolID: p.ID, Username: u.Username, Channel: channel, Destination: dest,
		Purpose: purpose, Code: code, Subject: subject, Body: body,
	}
	m.From, m.ReplyTo = p.Settings.EmailSender()
	if err := s.Sender.Send(ctx, m); err != nil {
		if errors.Is(err, delivery.ErrNoSink) {
			return CodeDelivery{}, fault.Wrap(fault.CodeDeliveryFailure, "Unable to deliver message: no delivery sink is configured for "+channel+".", err)
		}
		s.log().Warn("code delivery failed", "pool", p.ID, "channel", channel, "purpose", purpose, "error", err.Error())
		return CodeDelivery{}, fault.Wrap(fault.CodeDeliveryFailure, "Unable to deliver message.", err)
	}
	return CodeDelivery{Destination: delivery.MaskDestination(channel, dest), DeliveryMedium: channel, AttributeName: attr}, nil
}

// template returns the pool's message template for purpose, falling back to
// Cognito's defaults member by member.
func (p *Pool) template(purpose string) delivery.Template {
	t := delivery.DefaultTemplate(purpose)
	st := p.Settings
	switch purpose {
	case delivery.PurposeSignUp, delivery.PurposeResendCode, delivery.PurposeVerifyAttribute:
		if v := st.VerificationMessageTemplate; v != nil {
			setIf(&t.SMSMessage, v.SmsMessage)
			setIf(&t.EmailMessage, v.EmailMessage)
			setIf(&t.EmailSubject, v.EmailSubject)
		}
		setIf(&t.SMSMessage, st.SmsVerificationMessage)
		setIf(&t.EmailMessage, st.EmailVerificationMessage)
		setIf(&t.EmailSubject, st.EmailVerificationSubject)
	case delivery.PurposeForgotPassword:
		// Cognito uses the verification templates for reset codes when the
		// pool customised them.
		if v := st.VerificationMessageTemplate; v != nil {
			setIf(&t.SMSMessage, v.SmsMessage)
			setIf(&t.EmailMessage, v.EmailMessage)
			setIf(&t.EmailSubject, v.EmailSubject)
		}
	case delivery.PurposeInvitation:
		if a := st.AdminCreateUserConfig; a != nil && a.InviteMessageTemplate != nil {
			setIf(&t.SMSMessage, a.InviteMessageTemplate.SMSMessage)
			setIf(&t.EmailMessage, a.InviteMessageTemplate.EmailMessage)
			setIf(&t.EmailSubject, a.InviteMessageTemplate.EmailSubject)
		}
	case delivery.PurposeMFA:
		setIf(&t.SMSMessage, st.SmsAuthenticationMessage)
		if m := st.SmsMfaConfiguration; m != nil {
			setIf(&t.SMSMessage, m.SmsAuthenticationMessage)
		}
		if m := st.EmailMfaConfiguration; m != nil {
			setIf(&t.EmailMessage, m.Message)
			setIf(&t.EmailSubject, m.Subject)
		}
	}
	return t
}

func setIf(dst *string, v *string) {
	if v != nil && *v != "" {
		*dst = *v
	}
}
