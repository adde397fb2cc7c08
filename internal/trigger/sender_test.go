package trigger_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/trigger/esdk"
	"github.com/userpoold/userpoold/internal/trigger/kmstest"
	"github.com/userpoold/userpoold/internal/trigger/lambdatest"
)

// TestCustomSenderEncrypted: with a KMS endpoint the code reaches the
// sender as a base64 Encryption SDK message under the pool's key, bound to
// the pool, which the sender decrypts.
func TestCustomSenderEncrypted(t *testing.T) {
	kmsSrv := kmstest.NewServer(t)
	p := pool(trigger.V1_0)
	kmsSrv.CreateKey(p.Config.KMSKeyID)
	client, err := esdk.NewKMSClient(context.Background(), esdk.KMSConfig{Endpoint: kmsSrv.URL, Credentials: staticCreds()})
	if err != nil {
		t.Fatal(err)
	}
	enc := esdk.KMSEncrypter{Client: client}
	e := newEnv(t, func(o *trigger.Options) { o.Encrypter = enc })
	var got string
	e.lt.Register("CustomSMSSender", lambdatest.Typed(func(ctx context.Context, ev lambdatest.CustomSenderEvent) (lambdatest.CustomSenderEvent, error) {
		code, err := enc.DecryptCode(ctx, ev.UserPoolID, *ev.Request.Code)
		got = code
		return ev, err
	}))
	err = e.svc.SendCustom(context.Background(), p, trigger.Call{Operation: trigger.OpSignUp, ClientID: "c1"},
		trigger.SenderInput{Channel: trigger.ChannelSMS, Kind: trigger.MessageSignUp, Username: "jane", Attributes: attrs, Code: "834519"})
	if err != nil || got != "834519" {
		t.Fatalf("sender decrypted %q, %v", got, err)
	}
	var ev lambdatest.CustomSenderEvent
	json.Unmarshal(e.lastPayload(t, "CustomSMSSender"), &ev)
	if *ev.Request.Code == "834519" {
		t.Fatal("the code was sent in plain text")
	}

	// A KMS failure is an invocation failure; nothing is invoked.
	e.lt.Reset()
	p.Config.KMSKeyID = "arn:aws:kms:us-east-1:123456789012:key/unknown"
	err = e.svc.SendCustom(context.Background(), p, trigger.Call{Operation: trigger.OpSignUp},
		trigger.SenderInput{Channel: trigger.ChannelSMS, Kind: trigger.MessageSignUp, Username: "jane", Code: "1"})
	wantFault(t, err, fault.UnexpectedLambda, "CustomSMSSender invocation failed due to error NotFoundException.")
	p.Config.KMSKeyID = ""
	err = e.svc.SendCustom(context.Background(), p, trigger.Call{Operation: trigger.OpSignUp},
		trigger.SenderInput{Channel: trigger.ChannelSMS, Kind: trigger.MessageSignUp, Username: "jane", Code: "1"})
	wantFault(t, err, fault.UnexpectedLambda, "CustomSMSSender invocation failed due to error KMSKeyID is not configured.")
	if n := len(e.lt.Invocations()); n != 0 {
		t.Errorf("%d invocations after encryption failures", n)
	}
}
