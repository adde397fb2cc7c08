package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

func limitOf(t *testing.T, out map[string]any) (provisioned, free float64) {
	t.Helper()
	l, _ := out["Limit"].(map[string]any)
	def, _ := l["LimitDefinition"].(map[string]any)
	if def["LimitClass"] != "API_CATEGORY" {
		t.Fatalf("LimitType without its definition: %v", out)
	}
	p, _ := l["ProvisionedLimitValue"].(float64)
	f, _ := l["FreeLimitValue"].(float64)
	return p, f
}

// With --enforce-quotas, calls beyond a category's rate answer
// TooManyRequestsException "Rate exceeded" (and the SDK's retryer treats
// it as throttling); the bucket refills with the server's clock; a rate
// raised by UpdateProvisionedLimit is stored and enforced.
func TestEnforceQuotas(t *testing.T) {
	e := servertest.New(t, func(c *config.Config) { c.EnforceQuotas = true })
	ctx := context.Background()
	e.Clock.Set(time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
	pool := e.CreatePool(nil)
	// UserPoolRead: 15 requests per second.
	describe := func() error {
		_, err := e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool)})
		return err
	}
	for i := range 15 {
		if err := describe(); err != nil {
			t.Fatalf("call %d within the rate: %v", i+1, err)
		}
	}
	err := describe()
	if servertest.ErrorCode(err) != "TooManyRequestsException" || servertest.ErrorMessage(err) != "Rate exceeded" {
		t.Fatalf("16th call in a second: %v", err)
	}
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) != aws.TrueTernary {
		t.Errorf("the SDK does not see %v as throttling", err)
	}
	e.Clock.Advance(200 * time.Millisecond) // 3 tokens back
	for i := range 3 {
		if err := describe(); err != nil {
			t.Fatalf("call %d after 200 ms: %v", i+1, err)
		}
	}
	if err := describe(); servertest.ErrorCode(err) != "TooManyRequestsException" {
		t.Fatalf("4th call after 200 ms: %v", err)
	}
	// Another category has its own bucket: UserCreation.
	if _, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("u")}); err != nil {
		t.Fatalf("AdminCreateUser while UserPoolRead is spent: %v", err)
	}

	// Provisioned limits: UserRead (AdminGetUser) 120 by default, raised
	// to 130.
	def := map[string]any{"LimitClass": "API_CATEGORY", "Attributes": map[string]string{"Category": "UserRead"}}
	code, out := rawCall(t, e, "GetProvisionedLimit", map[string]any{"LimitDefinition": def})
	if p, f := limitOf(t, out); code != 200 || p != 120 || f != 120 {
		t.Fatalf("GetProvisionedLimit: %d %v", code, out)
	}
	e.Clock.Advance(2 * time.Second) // LimitManagement's 1 RPS
	code, out = rawCall(t, e, "UpdateProvisionedLimit", map[string]any{"LimitDefinition": def, "RequestedLimitValue": 130})
	if p, f := limitOf(t, out); code != 200 || p != 130 || f != 120 {
		t.Fatalf("UpdateProvisionedLimit: %d %v", code, out)
	}
	for _, bad := range []struct {
		def       map[string]any
		requested int
		want      string
	}{
		{def, 100, "InvalidParameterException"},      // below the default
		{def, 1201, "ServiceQuotaExceededException"}, // above the maximum
		{map[string]any{"LimitClass": "API_CATEGORY", "Attributes": map[string]string{"Category": "UserUpdate"}}, 50, "InvalidParameterException"}, // not adjustable
		{map[string]any{"LimitClass": "API_CATEGORY", "Attributes": map[string]string{"Category": "Nope"}}, 50, "InvalidParameterException"},
	} {
		e.Clock.Advance(2 * time.Second)
		code, out := rawCall(t, e, "UpdateProvisionedLimit", map[string]any{"LimitDefinition": bad.def, "RequestedLimitValue": bad.requested})
		if code != 400 || out["__type"] != bad.want {
			t.Errorf("UpdateProvisionedLimit %v %d: %d %v, want %s", bad.def, bad.requested, code, out, bad.want)
		}
	}
	e.Clock.Advance(2 * time.Second)
	if code, out := rawCall(t, e, "GetProvisionedLimit", map[string]any{"LimitDefinition": def}); code != 200 {
		t.Fatalf("GetProvisionedLimit: %v", out)
	} else if p, _ := limitOf(t, out); p != 130 {
		t.Fatalf("the refused updates changed the limit: %v", out)
	}
	getUser := func() error {
		_, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String("u")})
		return err
	}
	e.Clock.Advance(2 * time.Second)
	for i := range 130 {
		if err := getUser(); err != nil {
			t.Fatalf("AdminGetUser %d of the provisioned 130: %v", i+1, err)
		}
	}
	if err := getUser(); servertest.ErrorCode(err) != "TooManyRequestsException" {
		t.Fatalf("AdminGetUser beyond the provisioned rate: %v", err)
	}
}

// Without --enforce-quotas nothing is throttled, and the provisioned
// limits are still stored.
func TestQuotasOffByDefault(t *testing.T) {
	e := servertest.New(t)
	ctx := context.Background()
	e.Clock.Set(time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
	pool := e.CreatePool(nil)
	for i := range 40 {
		if _, err := e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool)}); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	def := map[string]any{"LimitClass": "API_CATEGORY", "Attributes": map[string]string{"Category": "UserAuthentication"}}
	if code, out := rawCall(t, e, "UpdateProvisionedLimit", map[string]any{"LimitDefinition": def, "RequestedLimitValue": 200}); code != 200 {
		t.Fatalf("UpdateProvisionedLimit: %v", out)
	}
	if _, out := rawCall(t, e, "GetProvisionedLimit", map[string]any{"LimitDefinition": def}); out["Limit"].(map[string]any)["ProvisionedLimitValue"] != float64(200) {
		t.Fatalf("GetProvisionedLimit after the update: %v", out)
	}
}
