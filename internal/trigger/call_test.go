package trigger_test

import (
	"context"
	"testing"

	"github.com/userpoold/userpoold/internal/trigger"
)

func TestCallContext(t *testing.T) {
	if c := trigger.CallFrom(context.Background()); c.Operation != "" || c.ClientID != "" || c.ClientMetadata != nil {
		t.Errorf("CallFrom(empty) = %+v, want the zero Call", c)
	}
	want := trigger.Call{Operation: trigger.OpSignUp, ClientID: "c1", SDKVersion: "aws-sdk-go-1", ClientMetadata: map[string]string{"k": "v"}}
	c := trigger.CallFrom(trigger.WithCall(context.Background(), want))
	if c.Operation != want.Operation || c.ClientID != want.ClientID || c.SDKVersion != want.SDKVersion || c.ClientMetadata["k"] != "v" {
		t.Errorf("CallFrom = %+v, want %+v", c, want)
	}
}
