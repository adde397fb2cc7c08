package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hookRecorder is a webhook receiver that answers with the next status of
// statuses (the last one repeats) and records every request.
type hookRecorder struct {
	mu       sync.Mutex
	statuses []int
	delay    time.Duration
	bodies   [][]byte
	headers  []http.Header
	calls    atomic.Int32
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(h.calls.Add(1))
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.bodies = append(h.bodies, body)
	h.headers = append(h.headers, r.Header.Clone())
	status := http.StatusNoContent
	if len(h.statuses) > 0 {
		status = h.statuses[min(n, len(h.statuses))-1]
	}
	h.mu.Unlock()
	if h.delay > 0 {
		select {
		case <-time.After(h.delay):
		case <-r.Context().Done():
			return
		}
	}
	w.WriteHeader(status)
	// An error page that echoes the payload must not leak into errors.
	_, _ = w.Write(body)
}

func newHookDispatcher(t *testing.T, cfg WebhookConfig, channel string) (*Dispatcher, *webhookSender) {
	t.Helper()
	c := Config{}
	if channel == ChannelSMS {
		c.SMSWebhook = &cfg
	} else {
		c.EmailWebhook = &cfg
	}
	d, err := New(c, nil, WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	w := d.external(channel).(*webhookSender)
	return d, w
}

var smsMsg = Message{
	PoolID: "us-east-1_Pool", Username: "alice", Channel: ChannelSMS, Destination: "+12345550008",
	Purpose: PurposeMFA, Code: "123456", Body: "Your authentication code is 123456. ",
}

func TestWebhookPayloadAndSignature(t *testing.T) {
	h := &hookRecorder{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	const secret = "s3cret-key"
	d, _ := newHookDispatcher(t, WebhookConfig{URL: srv.URL + "/sms", Secret: secret}, ChannelSMS)

	if err := d.Send(context.Background(), smsMsg); err != nil {
		t.Fatal(err)
	}
	if h.calls.Load() != 1 {
		t.Fatalf("webhook called %d times, want 1", h.calls.Load())
	}
	body, hdr := h.bodies[0], h.headers[0]
	want := `{"userPoolId":"us-east-1_Pool","username":"alice","channel":"SMS","destination":"+12345550008","purpose":"MFA","code":"123456","subject":"","body":"Your authentication code is 123456. ","sentAt":"2026-03-04T05:06:07Z"}`
	if string(body) != want {
		t.Errorf("payload =\n%s\nwant\n%s", body, want)
	}
	var p WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil || p.Code != "123456" {
		t.Errorf("payload does not decode as WebhookPayload: %+v, %v", p, err)
	}
	if ct := hdr.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	sig := hdr.Get(SignatureHeader)
	if !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Fatalf("%s = %q", SignatureHeader, sig)
	}
	if !VerifySignature(secret, body, sig) {
		t.Error("signature does not verify with the secret")
	}
	if VerifySignature("other", body, sig) {
		t.Error("signature verifies with another secret")
	}
	if VerifySignature(secret, append(body, ' '), sig) {
		t.Error("signature verifies another body")
	}
}

func TestSignKnownAnswer(t *testing.T) {
	// RFC 4231 test case 2.
	got := Sign("Jefe", []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestWebhookEmailCarriesSubject(t *testing.T) {
	h := &hookRecorder{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	d, _ := newHookDispatcher(t, WebhookConfig{URL: srv.URL}, ChannelEmail)
	err := d.Send(context.Background(), Message{PoolID: "p", Username: "bob", Channel: ChannelEmail, Destination: "bob@example.com", Purpose: PurposeSignUp, Code: "777777"})
	if err != nil {
		t.Fatal(err)
	}
	var p WebhookPayload
	if err := json.Unmarshal(h.bodies[0], &p); err != nil {
		t.Fatal(err)
	}
	if p.Channel != "EMAIL" || p.Subject != "Your verification code" || p.Body != "Your verification code is 777777. " {
		t.Errorf("payload = %+v", p)
	}
	if sig := h.headers[0].Get(SignatureHeader); sig != "" {
		t.Errorf("%s = %q without a secret, want none", SignatureHeader, sig)
	}
}

func TestWebhookRetries(t *testing.T) {
	tests := []struct {
		name      string
		statuses  []int
		attempts  int
		wantCalls int32
		wantErr   string // "" for success
	}{
		{"500 then success", []int{500, 200}, 3, 2, ""},
		{"503, 502 then success", []int{503, 502, 204}, 3, 3, ""},
		{"429 is retried", []int{429, 200}, 3, 2, ""},
		{"always 500", []int{500}, 3, 3, "status 500 (3 attempts)"},
		{"one attempt only", []int{500}, 1, 1, "status 500 (1 attempts)"},
		{"400 is not retried", []int{400, 200}, 3, 1, "status 400 (1 attempts)"},
		{"404 is not retried", []int{404}, 3, 1, "status 404"},
		{"first answer 2xx", []int{200}, 3, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &hookRecorder{statuses: tt.statuses}
			srv := httptest.NewServer(h)
			defer srv.Close()
			d, w := newHookDispatcher(t, WebhookConfig{URL: srv.URL + "/hook?token=hunter2", MaxAttempts: tt.attempts}, ChannelSMS)
			var waits []time.Duration
			w.sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }

			err := d.Send(context.Background(), smsMsg)
			if got := h.calls.Load(); got != tt.wantCalls {
				t.Errorf("webhook called %d times, want %d", got, tt.wantCalls)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Send = %v, want success", err)
				}
			} else {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Send = %v, want %q", err, tt.wantErr)
				}
				for _, secret := range []string{"123456", "hunter2", "Your authentication code"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error %q contains %q", err, secret)
					}
				}
			}
			// Backoff doubles from DefaultWebhookBackoff.
			for i, wait := range waits {
				if want := DefaultWebhookBackoff << i; wait != want {
					t.Errorf("wait %d = %v, want %v", i, wait, want)
				}
			}
			if len(waits) != int(tt.wantCalls)-1 {
				t.Errorf("waited %d times for %d calls", len(waits), tt.wantCalls)
			}
			// Every attempt posts the same signed body.
			for i := range h.bodies {
				if string(h.bodies[i]) != string(h.bodies[0]) {
					t.Errorf("attempt %d posted a different body", i+1)
				}
			}
		})
	}
}

func TestWebhookTimeout(t *testing.T) {
	h := &hookRecorder{delay: 2 * time.Second}
	srv := httptest.NewServer(h)
	defer srv.Close()
	d, _ := newHookDispatcher(t, WebhookConfig{URL: srv.URL, Timeout: 50 * time.Millisecond, MaxAttempts: 2, Backoff: time.Millisecond}, ChannelSMS)
	start := time.Now()
	err := d.Send(context.Background(), smsMsg)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send = %v, want a deadline error", err)
	}
	if got := h.calls.Load(); got != 2 {
		t.Errorf("webhook called %d times, want 2 (timeouts are retried)", got)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("Send took %v; the per-attempt timeout was not applied", el)
	}
	if strings.Contains(err.Error(), "123456") {
		t.Errorf("error %q contains the code", err)
	}
}

func TestWebhookConnectionErrorRetried(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	d, w := newHookDispatcher(t, WebhookConfig{URL: url + "/x?token=hunter2", MaxAttempts: 3}, ChannelSMS)
	sleeps := 0
	w.sleep = func(ctx context.Context, d time.Duration) error { sleeps++; return nil }
	err := d.Send(context.Background(), smsMsg)
	if err == nil || !strings.Contains(err.Error(), "(3 attempts)") {
		t.Fatalf("Send = %v, want a failure after 3 attempts", err)
	}
	if sleeps != 2 {
		t.Errorf("slept %d times, want 2", sleeps)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q contains the URL's token", err)
	}
}

func TestWebhookContextCancelStopsRetries(t *testing.T) {
	h := &hookRecorder{statuses: []int{500}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	d, w := newHookDispatcher(t, WebhookConfig{URL: srv.URL, MaxAttempts: 5}, ChannelSMS)
	ctx, cancel := context.WithCancel(context.Background())
	w.sleep = func(c context.Context, _ time.Duration) error { cancel(); return sleepCtx(c, time.Hour) }
	err := d.Send(ctx, smsMsg)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Send = %v, want context.Canceled", err)
	}
	if got := h.calls.Load(); got != 1 {
		t.Errorf("webhook called %d times after cancel, want 1", got)
	}
}

func TestWebhookRealBackoff(t *testing.T) {
	// The default sleeper really waits, and a small Backoff keeps it short.
	h := &hookRecorder{statuses: []int{500, 500, 200}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	d, _ := newHookDispatcher(t, WebhookConfig{URL: srv.URL, Backoff: 5 * time.Millisecond}, ChannelSMS)
	start := time.Now()
	if err := d.Send(context.Background(), smsMsg); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 15*time.Millisecond {
		t.Errorf("three attempts took %v, want at least 5ms+10ms of backoff", el)
	}
}

func TestWebhookUsesHTTPClientOption(t *testing.T) {
	var used atomic.Bool
	h := &hookRecorder{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		return http.DefaultTransport.RoundTrip(r)
	})}
	d, err := New(Config{SMSWebhook: &WebhookConfig{URL: srv.URL}}, nil, WithHTTPClient(client), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Send(context.Background(), smsMsg); err != nil {
		t.Fatal(err)
	}
	if !used.Load() {
		t.Error("the configured HTTP client was not used")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
