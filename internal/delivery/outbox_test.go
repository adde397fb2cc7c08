package delivery

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// stepClock returns a clock that starts at start and advances by step on
// every call.
func stepClock(start time.Time, step time.Duration) func() time.Time {
	next := start
	return func() time.Time {
		now := next
		next = next.Add(step)
		return now
	}
}

func TestOutboxRoundTrip(t *testing.T) {
	ctx := context.Background()
	store := &memStore{}
	d, err := New(Config{Outbox: true}, store, WithClock(stepClock(t0, time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	if d.Outbox() == nil {
		t.Fatal("Outbox() = nil with the outbox on")
	}
	sends := []Message{
		{PoolID: "us-east-1_A", Username: "alice", Channel: ChannelEmail, Destination: "alice@example.com", Purpose: PurposeSignUp, Code: "111111"},
		{PoolID: "us-east-1_A", Username: "bob", Channel: ChannelSMS, Destination: "+12345550008", Purpose: PurposeMFA, Code: "222222"},
		{PoolID: "us-east-1_A", Username: "alice", Channel: ChannelEmail, Destination: "alice@example.com", Purpose: PurposeForgotPassword, Code: "333333", Subject: "Reset", Body: "Code: 333333"},
		{PoolID: "us-east-1_B", Username: "alice", Channel: ChannelSMS, Destination: "+15555550100", Purpose: PurposeInvitation, Code: "Tmp#Pass1"},
	}
	for _, m := range sends {
		if err := d.Send(ctx, m); err != nil {
			t.Fatalf("Send(%s): %v", m.Purpose, err)
		}
	}

	got, err := d.Outbox().List(ctx, "us-east-1_A", "alice")
	if err != nil {
		t.Fatal(err)
	}
	want := []storage.Message{
		{ID: 1, PoolID: "us-east-1_A", Username: "alice", Channel: "EMAIL", Destination: "alice@example.com", Purpose: "SIGN_UP", Code: "111111",
			Subject: "Your verification code", Body: "Your verification code is 111111. ", SentAt: t0, ExpiresAt: t0.Add(24 * time.Hour)},
		{ID: 3, PoolID: "us-east-1_A", Username: "alice", Channel: "EMAIL", Destination: "alice@example.com", Purpose: "FORGOT_PASSWORD", Code: "333333",
			Subject: "Reset", Body: "Code: 333333", SentAt: t0.Add(2 * time.Second), ExpiresAt: t0.Add(2*time.Second + time.Hour)},
	}
	if len(got) != len(want) {
		t.Fatalf("List = %d messages, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !got[i].SentAt.Equal(want[i].SentAt) {
			t.Errorf("message %d SentAt = %v, want %v", i, got[i].SentAt, want[i].SentAt)
		}
		if !got[i].ExpiresAt.Equal(want[i].ExpiresAt) {
			t.Errorf("message %d ExpiresAt = %v, want %v (the life of what it carries)", i, got[i].ExpiresAt, want[i].ExpiresAt)
		}
		got[i].SentAt, want[i].SentAt = time.Time{}, time.Time{}
		got[i].ExpiresAt, want[i].ExpiresAt = time.Time{}, time.Time{}
		if got[i] != want[i] {
			t.Errorf("message %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	all, err := d.Outbox().List(ctx, "us-east-1_A", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Errorf("List(pool A, all) = %d messages, want 3", len(all))
	}
	sms, _ := d.Outbox().List(ctx, "us-east-1_A", "bob")
	if len(sms) != 1 || sms[0].Body != "Your authentication code is 222222. " || sms[0].Subject != "" {
		t.Errorf("bob's SMS = %+v", sms)
	}
	inv, _ := d.Outbox().List(ctx, "us-east-1_B", "alice")
	if len(inv) != 1 || inv[0].Body != "Your username is alice and temporary password is Tmp#Pass1. " {
		t.Errorf("pool B invitation = %+v", inv)
	}
}

func TestOutboxViewJSON(t *testing.T) {
	msgs := []storage.Message{
		{ID: 7, PoolID: "us-east-1_A", Username: "alice", Channel: "EMAIL", Destination: "alice@example.com",
			Purpose: "SIGN_UP", Code: "111111", Subject: "Your verification code", Body: "Your verification code is 111111. ",
			SentAt: time.Date(2026, 3, 4, 6, 6, 7, 500, time.FixedZone("CET", 3600))},
		{ID: 8, PoolID: "us-east-1_A", Username: "alice", Channel: "SMS", Destination: "+12345550008",
			Purpose: "MFA", Code: "222222", Body: "Your authentication code is 222222. ", SentAt: t0.Add(time.Minute)},
	}
	got, err := MarshalOutbox(msgs)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Messages":[` +
		`{"SentAt":"2026-03-04T05:06:07Z","UserPoolId":"us-east-1_A","Username":"alice","Channel":"EMAIL","Destination":"alice@example.com","Purpose":"SIGN_UP","Code":"111111","Body":"Your verification code is 111111. "},` +
		`{"SentAt":"2026-03-04T05:07:07Z","UserPoolId":"us-east-1_A","Username":"alice","Channel":"SMS","Destination":"+12345550008","Purpose":"MFA","Code":"222222","Body":"Your authentication code is 222222. "}` +
		`]}`
	if string(got) != want {
		t.Errorf("MarshalOutbox =\n%s\nwant\n%s", got, want)
	}

	// Through json.Marshal of the view, with the same result.
	viaView, err := json.Marshal(NewOutboxView(msgs))
	if err != nil || string(viaView) != want {
		t.Errorf("json.Marshal(NewOutboxView) = %s, %v", viaView, err)
	}
}

func TestOutboxViewEmpty(t *testing.T) {
	for name, v := range map[string]any{
		"NewOutboxView(nil)": NewOutboxView(nil),
		"zero OutboxView":    OutboxView{},
		"zero *OutboxView":   &OutboxView{},
	} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != `{"Messages":[]}` {
			t.Errorf("%s marshals as %s", name, b)
		}
	}
}

func TestOutboxDisabled(t *testing.T) {
	d, err := New(Config{SMSWebhook: &WebhookConfig{URL: "http://127.0.0.1:1/sms"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Outbox() != nil {
		t.Error("Outbox() != nil with the outbox off")
	}
}
