package delivery

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// SignatureHeader carries the HMAC-SHA256 of a webhook body:
// "sha256=" followed by the lower-case hex digest, keyed with
// WebhookConfig.Secret.
const SignatureHeader = "X-Userpoold-Signature"

// Default webhook settings.
const (
	DefaultWebhookTimeout     = 10 * time.Second
	DefaultWebhookMaxAttempts = 3
	DefaultWebhookBackoff     = 250 * time.Millisecond
	maxWebhookAttempts        = 10
)

// WebhookConfig configures an HTTP webhook sink.
type WebhookConfig struct {
	// URL receives one POST per message; http or https.
	URL string
	// Secret keys the SignatureHeader; empty means the header is omitted.
	Secret string // secret
	// Timeout bounds each attempt; 0 means DefaultWebhookTimeout.
	Timeout time.Duration
	// MaxAttempts is how many times a message is tried in all (1 to 10);
	// 0 means DefaultWebhookMaxAttempts. A 5xx or 429 answer, a connection
	// error or a timed-out attempt is retried; any other non-2xx answer is not.
	MaxAttempts int
	// Backoff is the wait before the second attempt, doubled before each
	// later one; 0 means DefaultWebhookBackoff.
	Backoff time.Duration
}

// WebhookPayload is the JSON body POSTed to a webhook.
type WebhookPayload struct {
	UserPoolID  string `json:"userPoolId"`
	Username    string `json:"username"`
	Channel     string `json:"channel"` // SMS or EMAIL
	Destination string `json:"destination"`
	Purpose     string `json:"purpose"`
	Code        string `json:"code"`
	Subject     string `json:"subject"`
	Body        string `json:"body"`
	SentAt      string `json:"sentAt"` // RFC 3339, UTC
}

// Sign returns the SignatureHeader value for body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature reports, in constant time, whether header is the
// SignatureHeader value of body under secret. Webhook receivers written in Go
// can use it.
func VerifySignature(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

type webhookSender struct {
	label  string
	cfg    WebhookConfig
	target string // URL without query or user info, for errors
	client *http.Client
	sleep  func(ctx context.Context, d time.Duration) error
}

func newWebhookSender(label string, cfg WebhookConfig, client *http.Client) (*webhookSender, error) {
	var errs []error
	u, err := url.Parse(cfg.URL)
	switch {
	case cfg.URL == "":
		errs = append(errs, fmt.Errorf("delivery: %s: URL is required", label))
	case err != nil:
		errs = append(errs, fmt.Errorf("delivery: %s: bad URL", label))
	case u.Scheme != "http" && u.Scheme != "https":
		errs = append(errs, fmt.Errorf("delivery: %s: URL scheme must be http or https", label))
	case u.Host == "":
		errs = append(errs, fmt.Errorf("delivery: %s: URL has no host", label))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("delivery: %s: timeout must not be negative", label))
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultWebhookTimeout
	}
	if cfg.MaxAttempts < 0 || cfg.MaxAttempts > maxWebhookAttempts {
		errs = append(errs, fmt.Errorf("delivery: %s: max attempts must be between 1 and %d", label, maxWebhookAttempts))
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultWebhookMaxAttempts
	}
	if cfg.Backoff < 0 {
		errs = append(errs, fmt.Errorf("delivery: %s: backoff must not be negative", label))
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = DefaultWebhookBackoff
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// The URL may carry a token in its query or user info: keep it out of
	// errors and logs.
	target := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	return &webhookSender{label: label, cfg: cfg, target: target, client: client, sleep: sleepCtx}, nil
}

func (w *webhookSender) name() string { return w.label }

func (w *webhookSender) send(ctx context.Context, m Message, sentAt time.Time) error {
	body, err := json.Marshal(WebhookPayload{
		UserPoolID:  m.PoolID,
		Username:    m.Username,
		Channel:     m.Channel,
		Destination: m.Destination,
		Purpose:     m.Purpose,
		Code:        m.Code,
		Subject:     m.Subject,
		Body:        m.Body,
		SentAt:      sentAt.UTC().Format(time.RFC3339),
	})
	if err != nil {
		return err
	}
	var sig string
	if w.cfg.Secret != "" {
		sig = Sign(w.cfg.Secret, body)
	}

	backoff := w.cfg.Backoff
	attempts := 0
	var last error
	for attempts < w.cfg.MaxAttempts {
		if attempts > 0 {
			if err := w.sleep(ctx, backoff); err != nil {
				return fmt.Errorf("POST %s: %w (after %d attempts, last: %v)", w.target, err, attempts, last)
			}
			backoff *= 2
		}
		attempts++
		retry, err := w.post(ctx, body, sig)
		if err == nil {
			return nil
		}
		last = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("POST %s: %w (%d attempts)", w.target, last, attempts)
}

// post makes one attempt. It reports whether a failure may be retried.
func (w *webhookSender) post(ctx context.Context, body []byte, sig string) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return false, errors.New("cannot build request")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "userpoold")
	if sig != "" {
		req.Header.Set(SignatureHeader, sig)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		// A *url.Error names the full URL, which may hold a token; keep only
		// the cause.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return true, err
	}
	// Drain a little so the connection can be reused; never keep or report
	// the body, which may echo the payload.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	err = fmt.Errorf("status %d", resp.StatusCode)
	return resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests, err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
