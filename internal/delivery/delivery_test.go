package delivery

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSink records what it is asked to send.
type fakeSink struct {
	label string
	err   error
	mu    sync.Mutex
	got   []Message
}

func (f *fakeSink) name() string { return f.label }

func (f *fakeSink) send(ctx context.Context, m Message, sentAt time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, m)
	return f.err
}

func (f *fakeSink) count() int {
	if f == nil {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

func TestNewRouting(t *testing.T) {
	smtpCfg := &SMTPConfig{Host: "mail.example.com", From: "no-reply@example.com"}
	emailHook := &WebhookConfig{URL: "https://hooks.example.com/email"}
	smsHook := &WebhookConfig{URL: "https://hooks.example.com/sms"}
	tests := []struct {
		name       string
		cfg        Config
		wantEmail  string // sink name, "" for none
		wantSMS    string
		sendsEmail bool
		sendsSMS   bool
	}{
		{"nothing", Config{}, "", "", false, false},
		{"outbox only", Config{Outbox: true}, "", "", true, true},
		{"smtp", Config{SMTP: smtpCfg}, "smtp", "", true, false},
		{"email webhook beats smtp", Config{SMTP: smtpCfg, EmailWebhook: emailHook}, "email webhook", "", true, false},
		{"sms webhook", Config{SMSWebhook: smsHook}, "", "sms webhook", false, true},
		{"everything", Config{Outbox: true, SMTP: smtpCfg, SMSWebhook: smsHook, EmailWebhook: emailHook}, "email webhook", "sms webhook", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := New(tt.cfg, &memStore{})
			if err != nil {
				t.Fatal(err)
			}
			if got := sinkName(d.email); got != tt.wantEmail {
				t.Errorf("EMAIL sink = %q, want %q", got, tt.wantEmail)
			}
			if got := sinkName(d.sms); got != tt.wantSMS {
				t.Errorf("SMS sink = %q, want %q", got, tt.wantSMS)
			}
			if got := d.Sends(ChannelEmail); got != tt.sendsEmail {
				t.Errorf("Sends(EMAIL) = %v, want %v", got, tt.sendsEmail)
			}
			if got := d.Sends(ChannelSMS); got != tt.sendsSMS {
				t.Errorf("Sends(SMS) = %v, want %v", got, tt.sendsSMS)
			}
		})
	}
}

func sinkName(s sink) string {
	if s == nil {
		return ""
	}
	return s.name()
}

func TestSendRouting(t *testing.T) {
	email := Message{PoolID: "p", Username: "u", Channel: ChannelEmail, Destination: "u@example.com", Purpose: PurposeSignUp, Code: "123456"}
	sms := Message{PoolID: "p", Username: "u", Channel: ChannelSMS, Destination: "+12345550008", Purpose: PurposeMFA, Code: "654321"}
	tests := []struct {
		name                     string
		outbox, emailOn, smsOn   bool
		msg                      Message
		wantErr                  error
		wantOutbox, wantE, wantS int
	}{
		{"email to email sink and outbox", true, true, true, email, nil, 1, 1, 0},
		{"sms to sms sink and outbox", true, true, true, sms, nil, 1, 0, 1},
		{"email to email sink only", false, true, false, email, nil, 0, 1, 0},
		{"email with outbox only", true, false, false, email, nil, 1, 0, 0},
		{"sms with outbox only", true, false, false, sms, nil, 1, 0, 0},
		{"email without sink", false, false, true, email, ErrNoSink, 0, 0, 0},
		{"sms without sink", false, true, false, sms, ErrNoSink, 0, 0, 0},
		{"nothing at all", false, false, false, sms, ErrNoSink, 0, 0, 0},
		{"bad channel", true, true, true, Message{Channel: "PIGEON", Destination: "x"}, ErrInvalidMessage, 0, 0, 0},
		{"empty channel", true, true, true, Message{Destination: "x"}, ErrInvalidMessage, 0, 0, 0},
		{"no destination", true, true, true, Message{Channel: ChannelSMS}, ErrInvalidMessage, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &memStore{}
			d := &Dispatcher{now: func() time.Time { return t0 }, log: slog.New(slog.DiscardHandler)}
			var e, s *fakeSink
			if tt.outbox {
				d.outbox = NewOutbox(store)
			}
			if tt.emailOn {
				e = &fakeSink{label: "email"}
				d.email = e
			}
			if tt.smsOn {
				s = &fakeSink{label: "sms"}
				d.sms = s
			}
			err := d.Send(context.Background(), tt.msg)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Send error = %v, want %v", err, tt.wantErr)
			}
			if got := len(store.msgs); got != tt.wantOutbox {
				t.Errorf("outbox got %d messages, want %d", got, tt.wantOutbox)
			}
			if got := e.count(); got != tt.wantE {
				t.Errorf("email sink got %d messages, want %d", got, tt.wantE)
			}
			if got := s.count(); got != tt.wantS {
				t.Errorf("sms sink got %d messages, want %d", got, tt.wantS)
			}
		})
	}
}

func TestSendFillsDefaults(t *testing.T) {
	tests := []struct {
		name        string
		msg         Message
		wantSubject string
		wantBody    string
	}{
		{"email sign-up", Message{Channel: ChannelEmail, Purpose: PurposeSignUp, Code: "1"},
			"Your verification code", "Your verification code is 1. "},
		{"sms sign-up has no subject", Message{Channel: ChannelSMS, Purpose: PurposeSignUp, Code: "1"},
			"", "Your verification code is 1. "},
		{"email invitation", Message{Channel: ChannelEmail, Purpose: PurposeInvitation, Code: "P@ss", Username: "alice"},
			"Your temporary password", "Your username is alice and temporary password is P@ss. "},
		{"email mfa", Message{Channel: ChannelEmail, Purpose: PurposeMFA, Code: "9"},
			"Your authentication code", "Your authentication code is 9. "},
		{"given body and subject kept", Message{Channel: ChannelEmail, Purpose: PurposeMFA, Code: "9", Subject: "S", Body: "B 9"},
			"S", "B 9"},
		{"given body, default subject", Message{Channel: ChannelEmail, Purpose: PurposeForgotPassword, Code: "9", Body: "B 9"},
			"Your verification code", "B 9"},
		{"given subject, default body", Message{Channel: ChannelEmail, Purpose: PurposeForgotPassword, Code: "9", Subject: "S"},
			"S", "Your password reset code is 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSink{label: "f"}
			d := &Dispatcher{now: time.Now, log: slog.New(slog.DiscardHandler), email: f, sms: f}
			tt.msg.Destination = "dest"
			if err := d.Send(context.Background(), tt.msg); err != nil {
				t.Fatal(err)
			}
			got := f.got[0]
			if got.Subject != tt.wantSubject || got.Body != tt.wantBody {
				t.Errorf("sent subject %q body %q, want %q / %q", got.Subject, got.Body, tt.wantSubject, tt.wantBody)
			}
		})
	}
}

func TestSendOutboxKeepsMessageWhenSinkFails(t *testing.T) {
	store := &memStore{}
	f := &fakeSink{label: "sms webhook", err: errors.New("status 503")}
	d := &Dispatcher{now: func() time.Time { return t0 }, log: slog.New(slog.DiscardHandler), outbox: NewOutbox(store), sms: f}
	err := d.Send(context.Background(), Message{PoolID: "p", Username: "u", Channel: ChannelSMS, Destination: "+12345550008", Purpose: PurposeMFA, Code: "424242"})
	if err == nil || !strings.Contains(err.Error(), "sms webhook") || !strings.Contains(err.Error(), "MFA") {
		t.Fatalf("Send error = %v, want the sink's failure", err)
	}
	if len(store.msgs) != 1 || store.msgs[0].Code != "424242" {
		t.Errorf("outbox = %+v, want the message recorded", store.msgs)
	}
}

func TestSendStillSendsWhenOutboxFails(t *testing.T) {
	store := &memStore{err: errors.New("database is down")}
	f := &fakeSink{label: "smtp"}
	d := &Dispatcher{now: func() time.Time { return t0 }, log: slog.New(slog.DiscardHandler), outbox: NewOutbox(store), email: f}
	err := d.Send(context.Background(), Message{PoolID: "p", Channel: ChannelEmail, Destination: "a@b.c", Purpose: PurposeSignUp, Code: "1"})
	if err == nil || !strings.Contains(err.Error(), "database is down") {
		t.Fatalf("Send error = %v, want the outbox failure", err)
	}
	if f.count() != 1 {
		t.Error("the email was not sent although only the outbox failed")
	}
}

func TestSendNeverLogsSecrets(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := &memStore{}
	d, err := New(Config{Outbox: true}, store, WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	ok := Message{PoolID: "pool-1", Username: "alice", Channel: ChannelEmail, Destination: "alice@example.com", Purpose: PurposeInvitation, Code: "S3cr3t!Tmp"}
	if err := d.Send(context.Background(), ok); err != nil {
		t.Fatal(err)
	}
	d.sms = &fakeSink{label: "sms webhook", err: errors.New("status 500")}
	bad := Message{PoolID: "pool-1", Username: "alice", Channel: ChannelSMS, Destination: "+12345550008", Purpose: PurposeMFA, Code: "987654", Body: "code 987654"}
	if err := d.Send(context.Background(), bad); err == nil {
		t.Fatal("want an error")
	} else if strings.Contains(err.Error(), "987654") {
		t.Errorf("error %q contains the code", err)
	}
	logs := buf.String()
	for _, secret := range []string{"S3cr3t!Tmp", "987654", "alice@example.com", "+12345550008"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{"purpose=INVITATION", "channel=EMAIL", "pool=pool-1", "purpose=MFA", "sink=\"sms webhook\""} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := New(Config{
		Outbox:       true,
		SMTP:         &SMTPConfig{TLS: "ssl", Port: 70000, From: "not an address"},
		SMSWebhook:   &WebhookConfig{URL: "ftp://example.com/x", MaxAttempts: 11},
		EmailWebhook: &WebhookConfig{URL: "https:///nohost", Timeout: -time.Second},
	}, nil)
	if err == nil {
		t.Fatal("New accepted a broken config")
	}
	for _, want := range []string{
		"no message store",
		"smtp: host is required",
		"smtp: port 70000",
		`unknown TLS mode "ssl"`,
		"smtp: from address",
		"sms webhook: URL scheme",
		"sms webhook: max attempts",
		"email webhook: URL has no host",
		"email webhook: timeout",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestNewHidesWebhookURLQuery(t *testing.T) {
	_, err := New(Config{SMSWebhook: &WebhookConfig{URL: "https://hooks.example.com/x?token=hunter2", MaxAttempts: -1}}, nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error = %v", err)
	}
}

func TestEmailConfigurationSender(t *testing.T) {
	tests := []struct {
		cfg               EmailConfiguration
		wantFrom, wantRep string
	}{
		{EmailConfiguration{}, "", ""},
		{EmailConfiguration{EmailSendingAccount: "COGNITO_DEFAULT", From: "x@example.com", ReplyToEmailAddress: "r@example.com"}, "", "r@example.com"},
		{EmailConfiguration{EmailSendingAccount: "DEVELOPER", From: "App <app@example.com>", SourceArn: "arn:aws:ses:us-east-1:123456789012:identity/example.com"}, "App <app@example.com>", ""},
	}
	for _, tt := range tests {
		from, rep := tt.cfg.Sender()
		if from != tt.wantFrom || rep != tt.wantRep {
			t.Errorf("%+v.Sender() = %q, %q; want %q, %q", tt.cfg, from, rep, tt.wantFrom, tt.wantRep)
		}
	}
}

func TestScrub(t *testing.T) {
	base := errors.New("550 rejected bob@example.com (code 123456)")
	m := Message{Channel: ChannelEmail, Destination: "bob@example.com", Code: "123456"}
	got := scrub(base, m)
	if want := "550 rejected b***@e***.com (code [code])"; got.Error() != want {
		t.Errorf("scrub = %q, want %q", got, want)
	}
	if !errors.Is(got, base) {
		t.Error("scrub broke the error chain")
	}
	if scrub(nil, m) != nil {
		t.Error("scrub(nil) != nil")
	}
	clean := errors.New("status 500")
	if scrub(clean, m) != clean {
		t.Error("scrub wrapped an error it did not change")
	}
	short := errors.New("status 500")
	if got := scrub(short, Message{Code: "5"}); got.Error() != "status 500" {
		t.Errorf("a short code mangled the text: %q", got)
	}
}
