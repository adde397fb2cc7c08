package delivery

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	gomail "github.com/wneessen/go-mail"
)

// captured is one message received by the test SMTP server.
type captured struct {
	from string
	to   []string
	data []byte
	user string // authenticated user, "" without AUTH
	tls  bool
}

// smtpServer is an in-process SMTP server that records what it receives.
type smtpServer struct {
	mu       sync.Mutex
	msgs     []captured
	user     string // when set, AUTH PLAIN with user/pass is required
	pass     string
	srv      *gosmtp.Server
	host     string
	port     int
	certPool *x509.CertPool
}

type smtpBackend struct{ s *smtpServer }

func (b smtpBackend) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &smtpSession{s: b.s, tls: isTLS, conn: c}, nil
}

type smtpSession struct {
	s    *smtpServer
	conn *gosmtp.Conn
	tls  bool
	user string
	cur  captured
}

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if ss.s.user == "" || username != ss.s.user || password != ss.s.pass {
			return errors.New("invalid credentials")
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if ss.s.user != "" && ss.user == "" {
		return gosmtp.ErrAuthRequired
	}
	ss.cur = captured{from: from}
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if strings.HasPrefix(to, "reject") {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user: " + to}
	}
	ss.cur.to = append(ss.cur.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.cur.data = b
	ss.cur.user = ss.user
	_, ss.cur.tls = ss.conn.TLSConnectionState()
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, ss.cur)
	ss.s.mu.Unlock()
	return nil
}

func (ss *smtpSession) Reset()        { ss.cur = captured{} }
func (ss *smtpSession) Logout() error { return nil }

// startSMTP starts a server in mode: TLSNone (plain), TLSStartTLS (offers
// STARTTLS) or TLSImplicit (TLS from the first byte).
func startSMTP(t *testing.T, mode TLSMode, user, pass string) *smtpServer {
	t.Helper()
	s := &smtpServer{user: user, pass: pass}
	s.srv = gosmtp.NewServer(smtpBackend{s})
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout = 5 * time.Second
	s.srv.WriteTimeout = 5 * time.Second

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if mode != TLSNone {
		cert, pool := selfSignedCert(t)
		s.certPool = pool
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
		s.srv.TLSConfig = cfg
		if mode == TLSImplicit {
			l = tls.NewListener(l, cfg)
		}
	}
	addr := l.Addr().(*net.TCPAddr)
	s.host, s.port = "127.0.0.1", addr.Port
	go func() { _ = s.srv.Serve(l) }()
	t.Cleanup(func() { s.srv.Close() })
	return s
}

func (s *smtpServer) received() []captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]captured(nil), s.msgs...)
}

func selfSignedCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "userpoold test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// parsed is a received message taken apart.
type parsed struct {
	header      mail.Header
	subject     string
	contentType string
	body        string
}

func parseMail(t *testing.T, data []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, data)
	}
	raw, err := io.ReadAll(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	body := string(raw)
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		body = string(b)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	ct, _, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	return parsed{header: m.Header, subject: subject, contentType: ct, body: body}
}

func newSMTPDispatcher(t *testing.T, cfg SMTPConfig) (*Dispatcher, *memStore) {
	t.Helper()
	store := &memStore{}
	d, err := New(Config{Outbox: true, SMTP: &cfg}, store, WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	return d, store
}

var emailMsg = Message{
	PoolID: "us-east-1_Pool", Username: "alice", Channel: ChannelEmail, Destination: "alice@example.com",
	Purpose: PurposeSignUp, Code: "314159",
}

func TestSMTPPlain(t *testing.T) {
	s := startSMTP(t, TLSNone, "", "")
	d, store := newSMTPDispatcher(t, SMTPConfig{Host: s.host, Port: s.port, TLS: TLSNone, From: "Example App <no-reply@example.com>"})

	if err := d.Send(context.Background(), emailMsg); err != nil {
		t.Fatal(err)
	}
	got := s.received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	c := got[0]
	if c.from != "no-reply@example.com" || len(c.to) != 1 || c.to[0] != "alice@example.com" {
		t.Errorf("envelope from %q to %q", c.from, c.to)
	}
	if c.tls || c.user != "" {
		t.Errorf("tls=%v user=%q, want a plain unauthenticated session", c.tls, c.user)
	}
	p := parseMail(t, c.data)
	if from := p.header.Get("From"); !strings.Contains(from, "no-reply@example.com") || !strings.Contains(from, "Example App") {
		t.Errorf("From = %q", from)
	}
	if to := p.header.Get("To"); !strings.Contains(to, "alice@example.com") {
		t.Errorf("To = %q", to)
	}
	if p.subject != "Your verification code" {
		t.Errorf("Subject = %q", p.subject)
	}
	if rt := p.header.Get("Reply-To"); rt != "" {
		t.Errorf("Reply-To = %q, want none", rt)
	}
	if p.contentType != "text/plain" {
		t.Errorf("Content-Type = %q, want text/plain", p.contentType)
	}
	if !strings.Contains(p.body, "Your verification code is 314159.") {
		t.Errorf("body = %q, want the code", p.body)
	}
	if date, err := p.header.Date(); err != nil || !date.Equal(t0) {
		t.Errorf("Date = %v (%v), want %v", date, err, t0)
	}
	if p.header.Get("Message-Id") == "" {
		t.Error("no Message-ID")
	}
	// The outbox has it too.
	if len(store.msgs) != 1 || store.msgs[0].Code != "314159" {
		t.Errorf("outbox = %+v", store.msgs)
	}
}

func TestSMTPPerMessageSenderAndHTML(t *testing.T) {
	s := startSMTP(t, TLSNone, "", "")
	d, _ := newSMTPDispatcher(t, SMTPConfig{Host: s.host, Port: s.port, TLS: TLSNone, From: "no-reply@example.com", ReplyTo: "default-reply@example.com"})

	from, replyTo := EmailConfiguration{EmailSendingAccount: "DEVELOPER", From: "Pool Sender <pool@example.org>", ReplyToEmailAddress: "help@example.org"}.Sender()
	m := emailMsg
	m.Purpose = PurposeInvitation
	m.Code = "Tmp#Pa55"
	m.Subject = "Welcome, friend"
	m.Body = Render("<p>Hello {username}, your temporary password is <b>{####}</b></p>", m.Code, m.Username)
	m.From, m.ReplyTo = from, replyTo
	if err := d.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	c := s.received()[0]
	if c.from != "pool@example.org" {
		t.Errorf("envelope from %q, want the pool's sender", c.from)
	}
	p := parseMail(t, c.data)
	if from := p.header.Get("From"); !strings.Contains(from, "pool@example.org") {
		t.Errorf("From = %q", from)
	}
	if rt := p.header.Get("Reply-To"); !strings.Contains(rt, "help@example.org") {
		t.Errorf("Reply-To = %q", rt)
	}
	if p.subject != "Welcome, friend" {
		t.Errorf("Subject = %q", p.subject)
	}
	if p.contentType != "text/html" {
		t.Errorf("Content-Type = %q, want text/html", p.contentType)
	}
	if !strings.Contains(p.body, "Hello alice, your temporary password is <b>Tmp#Pa55</b>") {
		t.Errorf("body = %q", p.body)
	}

	// Without an override the configured Reply-To applies.
	if err := d.Send(context.Background(), emailMsg); err != nil {
		t.Fatal(err)
	}
	p = parseMail(t, s.received()[1].data)
	if rt := p.header.Get("Reply-To"); !strings.Contains(rt, "default-reply@example.com") {
		t.Errorf("default Reply-To = %q", rt)
	}
}

func TestSMTPStartTLSWithAuth(t *testing.T) {
	s := startSMTP(t, TLSStartTLS, "mailer", "pa55word")
	d, _ := newSMTPDispatcher(t, SMTPConfig{
		Host: s.host, Port: s.port, TLS: TLSStartTLS, From: "no-reply@example.com",
		Username: "mailer", Password: "pa55word", TLSConfig: &tls.Config{RootCAs: s.certPool},
	})
	if err := d.Send(context.Background(), emailMsg); err != nil {
		t.Fatal(err)
	}
	c := s.received()[0]
	if !c.tls || c.user != "mailer" {
		t.Errorf("tls=%v user=%q, want STARTTLS and AUTH as mailer", c.tls, c.user)
	}
	if p := parseMail(t, c.data); !strings.Contains(p.body, "314159") {
		t.Errorf("body = %q", p.body)
	}
}

func TestSMTPStartTLSRequired(t *testing.T) {
	s := startSMTP(t, TLSNone, "", "") // offers no STARTTLS
	d, store := newSMTPDispatcher(t, SMTPConfig{Host: s.host, Port: s.port, TLS: TLSStartTLS, From: "no-reply@example.com"})
	err := d.Send(context.Background(), emailMsg)
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send = %v, want a STARTTLS failure", err)
	}
	if len(s.received()) != 0 {
		t.Error("the message went out in clear text")
	}
	if len(store.msgs) != 1 {
		t.Error("the outbox did not keep the message")
	}
}

func TestSMTPStartTLSRejectsUnknownCertificate(t *testing.T) {
	s := startSMTP(t, TLSStartTLS, "", "")
	d, _ := newSMTPDispatcher(t, SMTPConfig{Host: s.host, Port: s.port, TLS: TLSStartTLS, From: "no-reply@example.com"})
	if err := d.Send(context.Background(), emailMsg); err == nil {
		t.Fatal("Send trusted a self-signed certificate without being told to")
	}
	if len(s.received()) != 0 {
		t.Error("message delivered over an unverified connection")
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	s := startSMTP(t, TLSImplicit, "mailer", "pa55word")
	d, _ := newSMTPDispatcher(t, SMTPConfig{
		Host: s.host, Port: s.port, TLS: TLSImplicit, From: "no-reply@example.com",
		Username: "mailer", Password: "pa55word", TLSConfig: &tls.Config{RootCAs: s.certPool},
	})
	if err := d.Send(context.Background(), emailMsg); err != nil {
		t.Fatal(err)
	}
	c := s.received()[0]
	if !c.tls || c.user != "mailer" {
		t.Errorf("tls=%v user=%q, want implicit TLS and AUTH", c.tls, c.user)
	}
}

func TestSMTPNoPlainAuthInClearText(t *testing.T) {
	s := startSMTP(t, TLSNone, "mailer", "pa55word")
	s.srv.AllowInsecureAuth = true // the server would accept it; the client must not offer it
	d, _ := newSMTPDispatcher(t, SMTPConfig{Host: s.host, Port: s.port, TLS: TLSNone, From: "no-reply@example.com", Username: "mailer", Password: "pa55word"})
	err := d.Send(context.Background(), emailMsg)
	if err == nil {
		t.Fatal("Send sent a password in clear text")
	}
	if strings.Contains(err.Error(), "pa55word") || strings.Contains(err.Error(), "314159") {
		t.Errorf("error %q leaks a secret", err)
	}
}

func TestSMTPWrongPassword(t *testing.T) {
	s := startSMTP(t, TLSStartTLS, "mailer", "pa55word")
	d, _ := newSMTPDispatcher(t, SMTPConfig{
		Host: s.host, Port: s.port, TLS: TLSStartTLS, From: "no-reply@example.com",
		Username: "mailer", Password: "wrong", TLSConfig: &tls.Config{RootCAs: s.certPool},
	})
	err := d.Send(context.Background(), emailMsg)
	if err == nil {
		t.Fatal("Send succeeded with a wrong password")
	}
	if strings.Contains(err.Error(), "314159") {
		t.Errorf("error %q contains the code", err)
	}
}

func TestSMTPTimeout(t *testing.T) {
	// A server that accepts the connection and never greets.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // held open, silent
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	d, _ := newSMTPDispatcher(t, SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone, From: "no-reply@example.com", Timeout: 100 * time.Millisecond})
	start := time.Now()
	if err := d.Send(context.Background(), emailMsg); err == nil {
		t.Fatal("Send succeeded against a silent server")
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("Send took %v; the timeout was not applied", el)
	}
}

func TestSMTPConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	d, _ := newSMTPDispatcher(t, SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone, From: "no-reply@example.com"})
	err = d.Send(context.Background(), emailMsg)
	if err == nil || !strings.Contains(err.Error(), "via smtp") {
		t.Fatalf("Send = %v, want an smtp error", err)
	}
}

func TestSMTPConfigDefaults(t *testing.T) {
	tests := []struct {
		mode     TLSMode
		wantMode TLSMode
		wantPort int
	}{
		{"", TLSStartTLS, 587},
		{TLSNone, TLSNone, 25},
		{TLSStartTLS, TLSStartTLS, 587},
		{TLSImplicit, TLSImplicit, 465},
	}
	for _, tt := range tests {
		s, err := newSMTPSender(SMTPConfig{Host: "mail.example.com", From: "a@example.com", TLS: tt.mode})
		if err != nil {
			t.Fatal(err)
		}
		if s.cfg.TLS != tt.wantMode || s.cfg.Port != tt.wantPort || s.cfg.Timeout != DefaultSMTPTimeout {
			t.Errorf("mode %q: got %q port %d timeout %v", tt.mode, s.cfg.TLS, s.cfg.Port, s.cfg.Timeout)
		}
	}
	if _, err := newSMTPSender(SMTPConfig{Host: "h", From: "a@example.com", Password: "p"}); err == nil {
		t.Error("password without username accepted")
	}
	if _, err := newSMTPSender(SMTPConfig{Host: "h", From: "a@example.com", ReplyTo: "nope"}); err == nil {
		t.Error("bad reply-to accepted")
	}
	if _, err := newSMTPSender(SMTPConfig{Host: "h", From: "a@example.com", Port: 2525}); err != nil {
		t.Errorf("explicit port rejected: %v", err)
	}
}

func TestSMTPRejectedRecipientIsMaskedInErrors(t *testing.T) {
	s := startSMTP(t, TLSNone, "", "")
	var logs bytes.Buffer
	store := &memStore{}
	d, err := New(Config{Outbox: true, SMTP: &SMTPConfig{Host: s.host, Port: s.port, TLS: TLSNone, From: "no-reply@example.com"}}, store,
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	m := emailMsg
	m.Destination = "rejected.person@example.com"
	err = d.Send(context.Background(), m)
	if err == nil {
		t.Fatal("Send succeeded for a rejected recipient")
	}
	var smtpErr *gomail.SendError
	if !errors.As(err, &smtpErr) {
		t.Errorf("errors.As(*mail.SendError) failed on %v", err)
	}
	for name, text := range map[string]string{"error": err.Error(), "logs": logs.String()} {
		if strings.Contains(text, "rejected.person@example.com") {
			t.Errorf("%s contain the destination: %s", name, text)
		}
		if !strings.Contains(text, "r***@e***.com") {
			t.Errorf("%s lack the masked destination: %s", name, text)
		}
	}
	if len(store.msgs) != 1 {
		t.Error("the outbox did not keep the message")
	}
}
