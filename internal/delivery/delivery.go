package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// Channels a message can travel on. The values are Cognito's
// DeliveryMediumType wire names.
const (
	ChannelSMS   = "SMS"
	ChannelEmail = "EMAIL"
)

// Purposes of a message. They appear in the outbox and in webhook payloads.
const (
	// PurposeSignUp is the confirmation code sent by SignUp.
	PurposeSignUp = "SIGN_UP"
	// PurposeResendCode is the confirmation code sent by ResendConfirmationCode.
	PurposeResendCode = "RESEND_CODE"
	// PurposeVerifyAttribute is the code sent by (Admin)UpdateUserAttributes
	// and GetUserAttributeVerificationCode.
	PurposeVerifyAttribute = "VERIFY_ATTRIBUTE"
	// PurposeForgotPassword is the code sent by ForgotPassword and
	// AdminResetUserPassword.
	PurposeForgotPassword = "FORGOT_PASSWORD"
	// PurposeInvitation is the welcome message with the temporary password of
	// a user created by AdminCreateUser.
	PurposeInvitation = "INVITATION"
	// PurposeMFA is an SMS_MFA, SMS_OTP or EMAIL_OTP sign-in code.
	PurposeMFA = "MFA"
	// PurposeRiskNotification is a threat-protection notification email.
	PurposeRiskNotification = "RISK_NOTIFICATION"
)

// DefaultLifetime is how long the outbox keeps a message of purpose whose
// Message.Lifetime is 0: the life of what it carries (userpool's code
// lifetimes: a day for confirmation and verification codes, an hour for
// reset codes; a sign-in session's longest life, 15 minutes, for MFA
// codes; a week, the default TemporaryPasswordValidityDays, for an
// invitation), and a day for anything else.
func DefaultLifetime(purpose string) time.Duration {
	switch purpose {
	case PurposeForgotPassword:
		return time.Hour
	case PurposeMFA:
		return 15 * time.Minute
	case PurposeInvitation:
		return 7 * 24 * time.Hour
	}
	return 24 * time.Hour
}

var (
	// ErrNoSink means no configured sink accepts the message: the outbox is
	// off and no SMTP server or webhook serves its channel. The API layer
	// decides what to answer.
	ErrNoSink = errors.New("delivery: no sink for message")
	// ErrInvalidMessage means the message has no valid Channel or no
	// Destination.
	ErrInvalidMessage = errors.New("delivery: invalid message")
)

// Message is one message to deliver.
type Message struct {
	PoolID   string
	Username string // the user's internal username
	Channel  string // ChannelSMS or ChannelEmail
	// Destination is the phone number (E.164) or email address.
	Destination string
	Purpose     string // one of the Purpose constants
	// Code is the code or temporary password the Body carries. It is stored
	// in the outbox and sent to webhooks; it is never logged.
	Code string
	// Subject is the email subject; ignored for SMS. Empty means the default
	// subject of the purpose (DefaultTemplate).
	Subject string
	// Body is the rendered message (see Render). Empty means the default
	// message of the purpose, rendered with Code and Username.
	Body string
	// From and ReplyTo override the SMTP sender for this message (from the
	// pool's EmailConfiguration); empty means the SMTPConfig default. EMAIL
	// only.
	From    string
	ReplyTo string
	// Lifetime is how long what the message carries stays usable, and so
	// how long the outbox keeps it; 0 means DefaultLifetime(Purpose).
	Lifetime time.Duration
}

// Config selects the sinks of a Dispatcher. EMAIL messages go to
// EmailWebhook if set, else to SMTP if set; SMS messages go to SMSWebhook if
// set. When Outbox is true every message is also recorded in the outbox,
// whatever other sink it goes to.
type Config struct {
	Outbox       bool
	SMTP         *SMTPConfig
	SMSWebhook   *WebhookConfig
	EmailWebhook *WebhookConfig
}

// Option configures a Dispatcher.
type Option func(*Dispatcher)

// WithClock sets the clock that stamps SentAt. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(d *Dispatcher) { d.now = now }
}

// WithLogger sets the logger. The default discards everything. Only the
// purpose, channel, pool and sink of a message are ever logged.
func WithLogger(l *slog.Logger) Option {
	return func(d *Dispatcher) { d.log = l }
}

// WithHTTPClient sets the HTTP client webhooks are posted with. Its
// Transport is used; per-attempt timeouts come from WebhookConfig.Timeout.
// The default is a client with http.DefaultTransport.
func WithHTTPClient(c *http.Client) Option {
	return func(d *Dispatcher) { d.httpClient = c }
}

// sink is one external destination of messages.
type sink interface {
	send(ctx context.Context, m Message, sentAt time.Time) error
	name() string
}

// Dispatcher routes messages to the configured sinks. It is safe for
// concurrent use.
type Dispatcher struct {
	now        func() time.Time
	log        *slog.Logger
	httpClient *http.Client

	outbox *Outbox // nil when the outbox is off
	email  sink    // nil when no sink serves EMAIL
	sms    sink    // nil when no sink serves SMS
}

// New builds a Dispatcher. store is required when cfg.Outbox is set. New
// reports every problem of cfg at once.
func New(cfg Config, store storage.MessageStore, opts ...Option) (*Dispatcher, error) {
	d := &Dispatcher{now: time.Now}
	for _, o := range opts {
		o(d)
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.httpClient == nil {
		d.httpClient = &http.Client{}
	}

	var errs []error
	if cfg.Outbox {
		if store == nil {
			errs = append(errs, errors.New("delivery: outbox enabled but no message store given"))
		} else {
			d.outbox = NewOutbox(store)
		}
	}
	if cfg.SMTP != nil {
		s, err := newSMTPSender(*cfg.SMTP)
		if err != nil {
			errs = append(errs, err)
		} else {
			d.email = s
		}
	}
	if cfg.EmailWebhook != nil {
		w, err := newWebhookSender("email webhook", *cfg.EmailWebhook, d.httpClient)
		if err != nil {
			errs = append(errs, err)
		} else {
			d.email = w // the webhook wins over SMTP
		}
	}
	if cfg.SMSWebhook != nil {
		w, err := newWebhookSender("sms webhook", *cfg.SMSWebhook, d.httpClient)
		if err != nil {
			errs = append(errs, err)
		} else {
			d.sms = w
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return d, nil
}

// Outbox returns the dispatcher's outbox, or nil when the outbox is off.
func (d *Dispatcher) Outbox() *Outbox { return d.outbox }

// Sends reports whether some sink accepts messages on channel (ChannelSMS or
// ChannelEmail). The API layer can use it to decide, before generating a
// code, whether a message could go anywhere.
func (d *Dispatcher) Sends(channel string) bool {
	return d.outbox != nil || d.external(channel) != nil
}

func (d *Dispatcher) external(channel string) sink {
	switch channel {
	case ChannelEmail:
		return d.email
	case ChannelSMS:
		return d.sms
	}
	return nil
}

// Send delivers m. An empty Body (and, for EMAIL, an empty Subject) is
// filled with Cognito's default for m.Purpose. The message is recorded in the
// outbox when that is on, and sent to the external sink of its channel when
// one is configured; a failure of either is returned (the other is still
// attempted). Send returns an error wrapping ErrNoSink when no sink applies,
// and one wrapping ErrInvalidMessage when m has no valid Channel or no
// Destination. Errors never contain the code or the body, and show the
// destination only masked.
func (d *Dispatcher) Send(ctx context.Context, m Message) error {
	if m.Channel != ChannelSMS && m.Channel != ChannelEmail {
		return fmt.Errorf("%w: channel %q", ErrInvalidMessage, m.Channel)
	}
	if m.Destination == "" {
		return fmt.Errorf("%w: no destination", ErrInvalidMessage)
	}
	ext := d.external(m.Channel)
	if ext == nil && d.outbox == nil {
		return fmt.Errorf("%w: %s %s", ErrNoSink, m.Purpose, m.Channel)
	}
	m = withDefaults(m)
	sentAt := d.now().UTC()

	var errs []error
	if d.outbox != nil {
		if _, err := d.outbox.record(ctx, m, sentAt); err != nil {
			errs = append(errs, fmt.Errorf("delivery: %s %s to outbox: %w", m.Purpose, m.Channel, err))
		}
	}
	if ext != nil {
		if err := ext.send(ctx, m, sentAt); err != nil {
			errs = append(errs, fmt.Errorf("delivery: %s %s via %s: %w", m.Purpose, m.Channel, ext.name(), err))
		}
	}
	sinkName := "outbox"
	if ext != nil {
		sinkName = ext.name()
	}
	if err := scrub(errors.Join(errs...), m); err != nil {
		d.log.LogAttrs(ctx, slog.LevelWarn, "message delivery failed",
			slog.String("purpose", m.Purpose), slog.String("channel", m.Channel),
			slog.String("pool", m.PoolID), slog.String("sink", sinkName),
			slog.String("error", err.Error()))
		return err
	}
	d.log.LogAttrs(ctx, slog.LevelDebug, "message delivered",
		slog.String("purpose", m.Purpose), slog.String("channel", m.Channel),
		slog.String("pool", m.PoolID), slog.String("sink", sinkName),
		slog.Bool("outbox", d.outbox != nil))
	return nil
}

// scrub masks m's destination and hides m's code wherever they appear in
// err's text (an SMTP error names the rejected recipient, for example), so
// that neither reaches a log. errors.Is and errors.As still see err's chain.
func scrub(err error, m Message) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if m.Destination != "" {
		msg = strings.ReplaceAll(msg, m.Destination, MaskDestination(m.Channel, m.Destination))
	}
	if len(m.Code) >= 4 { // shorter values would mangle unrelated text
		msg = strings.ReplaceAll(msg, m.Code, "[code]")
	}
	if msg == err.Error() {
		return err
	}
	return &scrubbedError{msg: msg, err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// withDefaults fills an empty Body and (for EMAIL) an empty Subject with the
// default template of the purpose.
func withDefaults(m Message) Message {
	if m.Body != "" && (m.Channel != ChannelEmail || m.Subject != "") {
		return m
	}
	t := DefaultTemplate(m.Purpose)
	if m.Body == "" {
		m.Body = Render(t.For(m.Channel), m.Code, m.Username)
	}
	if m.Channel == ChannelEmail && m.Subject == "" {
		m.Subject = t.EmailSubject
	}
	return m
}
