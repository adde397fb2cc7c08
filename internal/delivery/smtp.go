package delivery

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLSMode is how the SMTP sink secures its connection.
type TLSMode string

// TLS modes. The zero value means TLSStartTLS.
const (
	// TLSNone sends in clear text. Credentials are then only sent with a
	// challenge-response mechanism (SCRAM, CRAM-MD5), never PLAIN or LOGIN.
	TLSNone TLSMode = "none"
	// TLSStartTLS upgrades the connection with STARTTLS and fails when the
	// server does not offer it.
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit connects with TLS from the first byte (SMTPS, port 465).
	TLSImplicit TLSMode = "tls"
)

// Default SMTP settings.
const (
	DefaultSMTPTimeout = 10 * time.Second
)

// SMTPConfig configures the SMTP sink for EMAIL messages.
type SMTPConfig struct {
	Host string
	// Port is the TCP port; 0 means 25 for TLSNone, 587 for TLSStartTLS and
	// 465 for TLSImplicit.
	Port int
	// Username and Password authenticate with SMTP AUTH; an empty Username
	// means no AUTH. The mechanism is negotiated (SCRAM-SHA-256 preferred;
	// PLAIN and LOGIN only over TLS).
	Username string
	Password string // secret
	// From is the default sender ("Name <addr>" or "addr"). Message.From
	// overrides it.
	From string
	// ReplyTo is the default Reply-To; empty means none. Message.ReplyTo
	// overrides it.
	ReplyTo string
	TLS     TLSMode
	// Timeout bounds the connection and every SMTP command; 0 means
	// DefaultSMTPTimeout.
	Timeout time.Duration
	// TLSConfig is an optional TLS configuration (for example a private CA
	// pool). Nil means the system roots with ServerName set to Host.
	TLSConfig *tls.Config
	// HELO is the name sent in EHLO; empty means the local host name.
	HELO string
}

type smtpSender struct {
	cfg SMTPConfig
}

func newSMTPSender(cfg SMTPConfig) (*smtpSender, error) {
	var errs []error
	if cfg.Host == "" {
		errs = append(errs, errors.New("delivery: smtp: host is required"))
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		errs = append(errs, fmt.Errorf("delivery: smtp: port %d out of range", cfg.Port))
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Port == 0 {
		switch cfg.TLS {
		case TLSNone:
			cfg.Port = 25
		case TLSImplicit:
			cfg.Port = 465
		default:
			cfg.Port = 587
		}
	}
	switch cfg.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		errs = append(errs, fmt.Errorf("delivery: smtp: unknown TLS mode %q (want none, starttls or tls)", cfg.TLS))
	}
	if cfg.From == "" {
		errs = append(errs, errors.New("delivery: smtp: from address is required"))
	} else if _, err := mail.ParseAddress(cfg.From); err != nil {
		errs = append(errs, fmt.Errorf("delivery: smtp: from address %q: %v", cfg.From, err))
	}
	if cfg.ReplyTo != "" {
		if _, err := mail.ParseAddress(cfg.ReplyTo); err != nil {
			errs = append(errs, fmt.Errorf("delivery: smtp: reply-to address %q: %v", cfg.ReplyTo, err))
		}
	}
	if cfg.Timeout < 0 {
		errs = append(errs, errors.New("delivery: smtp: timeout must not be negative"))
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	if cfg.Password != "" && cfg.Username == "" {
		errs = append(errs, errors.New("delivery: smtp: password given without username"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &smtpSender{cfg: cfg}, nil
}

func (s *smtpSender) name() string { return "smtp" }

func (s *smtpSender) client() (*gomail.Client, error) {
	cfg := s.cfg
	tlsConfig := cfg.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		tlsConfig = tlsConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = cfg.Host
	}
	opts := []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(cfg.Timeout),
		gomail.WithTLSConfig(tlsConfig),
	}
	switch cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if cfg.Username != "" {
		opts = append(opts,
			gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username),
			gomail.WithPassword(cfg.Password))
	}
	if cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(cfg.HELO))
	}
	return gomail.NewClient(cfg.Host, opts...)
}

// htmlTag detects bodies written in HTML (Cognito allows HTML in email
// templates).
var htmlTag = regexp.MustCompile(`(?i)<(?:/?[a-z][a-z0-9]*)(?:\s[^>]*)?/?>`)

func (s *smtpSender) send(ctx context.Context, m Message, sentAt time.Time) error {
	if m.Channel != ChannelEmail {
		return fmt.Errorf("smtp cannot send %s", m.Channel)
	}
	from := s.cfg.From
	if m.From != "" {
		from = m.From
	}
	replyTo := s.cfg.ReplyTo
	if m.ReplyTo != "" {
		replyTo = m.ReplyTo
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(from); err != nil {
		return fmt.Errorf("from address: %w", err)
	}
	if err := msg.To(m.Destination); err != nil {
		return fmt.Errorf("destination address: %w", err)
	}
	if replyTo != "" {
		if err := msg.ReplyTo(replyTo); err != nil {
			return fmt.Errorf("reply-to address: %w", err)
		}
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(sentAt)
	msg.SetMessageID()
	msg.SetUserAgent("userpoold")
	if htmlTag.MatchString(m.Body) {
		msg.SetBodyString(gomail.TypeTextHTML, m.Body)
	} else {
		msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	}

	c, err := s.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	return c.DialAndSendWithContext(ctx, msg)
}

// EmailConfiguration is the part of a pool's EmailConfigurationType that
// decides the sender of its emails. Its JSON member names are Cognito's, so
// it can be decoded from the pool's configuration document.
type EmailConfiguration struct {
	SourceArn           string `json:"SourceArn,omitempty"` // ignored: no SES here
	ReplyToEmailAddress string `json:"ReplyToEmailAddress,omitempty"`
	EmailSendingAccount string `json:"EmailSendingAccount,omitempty"` // COGNITO_DEFAULT or DEVELOPER
	From                string `json:"From,omitempty"`
	ConfigurationSet    string `json:"ConfigurationSet,omitempty"` // ignored
}

// Sender returns the From and ReplyTo to set on a Message for a pool with
// this configuration. From is the pool's From only when EmailSendingAccount
// is DEVELOPER (Cognito's own sender cannot be changed otherwise); ""
// means the SMTP sink's default. ReplyTo is ReplyToEmailAddress.
func (c EmailConfiguration) Sender() (from, replyTo string) {
	if c.EmailSendingAccount == "DEVELOPER" {
		from = c.From
	}
	return from, c.ReplyToEmailAddress
}
