package server_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// Get/SetLogDeliveryConfiguration through the SDK: the rules of the
// configuration, storage, and a message that cannot be delivered exported
// to the configured log group's file as Cognito's USER_NOTIFICATION record.
func TestLogDelivery(t *testing.T) {
	var dataDir string
	e := servertest.New(t, func(c *config.Config) {
		dataDir = c.DataDir
		// SMS goes to a webhook nobody listens on: every SMS fails.
		c.Delivery.SMSWebhook = &config.Webhook{URL: "http://127.0.0.1:1/sms"}
	})
	ctx := context.Background()
	pool := e.CreatePool(&cip.CreateUserPoolInput{UserPoolTier: types.UserPoolTierTypeEssentials})
	got, err := e.Client.GetLogDeliveryConfiguration(ctx, &cip.GetLogDeliveryConfigurationInput{UserPoolId: aws.String(pool)})
	if err != nil || aws.ToString(got.LogDeliveryConfiguration.UserPoolId) != pool || len(got.LogDeliveryConfiguration.LogConfigurations) != 0 {
		t.Fatalf("GetLogDeliveryConfiguration of a new pool: %+v %v", got, err)
	}
	const group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/cognito/notifications"
	notifications := types.LogConfigurationType{EventSource: types.EventSourceNameUserNotification, LogLevel: types.LogLevelError,
		CloudWatchLogsConfiguration: &types.CloudWatchLogsConfigurationType{LogGroupArn: aws.String(group)}}
	for _, bad := range []struct {
		name string
		lc   types.LogConfigurationType
		want string
	}{
		{"wrong level", types.LogConfigurationType{EventSource: types.EventSourceNameUserNotification, LogLevel: types.LogLevelInfo,
			CloudWatchLogsConfiguration: notifications.CloudWatchLogsConfiguration}, "InvalidParameterException"},
		{"notifications to S3", types.LogConfigurationType{EventSource: types.EventSourceNameUserNotification, LogLevel: types.LogLevelError,
			S3Configuration: &types.S3ConfigurationType{BucketArn: aws.String("arn:aws:s3:::logs")}}, "InvalidParameterException"},
		{"activity below Plus", types.LogConfigurationType{EventSource: "userAuthEvents", LogLevel: types.LogLevelInfo,
			S3Configuration: &types.S3ConfigurationType{BucketArn: aws.String("arn:aws:s3:::logs")}}, "FeatureUnavailableInTierException"},
	} {
		_, err := e.Client.SetLogDeliveryConfiguration(ctx, &cip.SetLogDeliveryConfigurationInput{UserPoolId: aws.String(pool), LogConfigurations: []types.LogConfigurationType{bad.lc}})
		if servertest.ErrorCode(err) != bad.want {
			t.Errorf("%s: %v, want %s", bad.name, err, bad.want)
		}
	}
	set, err := e.Client.SetLogDeliveryConfiguration(ctx, &cip.SetLogDeliveryConfigurationInput{UserPoolId: aws.String(pool), LogConfigurations: []types.LogConfigurationType{notifications}})
	if err != nil || len(set.LogDeliveryConfiguration.LogConfigurations) != 1 {
		t.Fatalf("SetLogDeliveryConfiguration: %+v %v", set, err)
	}
	got, err = e.Client.GetLogDeliveryConfiguration(ctx, &cip.GetLogDeliveryConfigurationInput{UserPoolId: aws.String(pool)})
	if err != nil {
		t.Fatal(err)
	}
	if lcs := got.LogDeliveryConfiguration.LogConfigurations; len(lcs) != 1 || lcs[0].EventSource != types.EventSourceNameUserNotification ||
		lcs[0].LogLevel != types.LogLevelError || aws.ToString(lcs[0].CloudWatchLogsConfiguration.LogGroupArn) != group || lcs[0].S3Configuration != nil {
		t.Fatalf("GetLogDeliveryConfiguration after Set: %+v", lcs)
	}

	// An invitation by SMS that cannot be delivered.
	at := time.Date(2026, 12, 5, 1, 2, 3, 0, time.UTC)
	e.Clock.Set(at)
	_, err = e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("sms-user"),
		UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String("+15555550100")}}})
	if servertest.ErrorCode(err) != "CodeDeliveryFailureException" {
		t.Fatalf("AdminCreateUser with a failing SMS sink: %v", err)
	}
	file := filepath.Join(dataDir, "activity-logs", "logs", url.PathEscape("/aws/vendedlogs/cognito/notifications")+".jsonl")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no exported record: %v", err)
	}
	var rec struct {
		EventTimestamp, EventSource, LogLevel string
		Message                               struct{ Details string }
		LogSourceID                           struct{ UserPoolID string } `json:"logSourceId"`
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.EventSource != "USER_NOTIFICATION" || rec.LogLevel != "ERROR" || rec.LogSourceID.UserPoolID != pool ||
		rec.Message.Details != "SMS message failed to send." || rec.EventTimestamp != strconv.FormatInt(at.UnixMilli(), 10) {
		t.Fatalf("exported record: %s", lines[len(lines)-1])
	}
	if strings.Contains(string(b), "5555550100") {
		t.Errorf("the record holds the phone number: %s", b)
	}
	// Clearing the configuration stops the export.
	if _, err := e.Client.SetLogDeliveryConfiguration(ctx, &cip.SetLogDeliveryConfigurationInput{UserPoolId: aws.String(pool), LogConfigurations: []types.LogConfigurationType{}}); err != nil {
		t.Fatal(err)
	}
	e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("sms-user-2"),
		UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String("+15555550101")}}})
	if b2, _ := os.ReadFile(file); len(b2) != len(b) {
		t.Errorf("a record was exported after the configuration was cleared")
	}
}

// On the Plus plan with threat protection, sign-in events go to the
// pool's user-activity log (here an S3 bucket's file).
func TestLogDeliveryUserActivity(t *testing.T) {
	var dataDir string
	e := servertest.New(t, func(c *config.Config) { dataDir = c.DataDir })
	ctx := context.Background()
	pool := e.CreatePool(&cip.CreateUserPoolInput{UserPoolTier: types.UserPoolTierTypePlus,
		UserPoolAddOns: &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeAudit}})
	client := aws.ToString(e.CreateClient(pool, nil).ClientId)
	if _, err := e.Client.SetLogDeliveryConfiguration(ctx, &cip.SetLogDeliveryConfigurationInput{UserPoolId: aws.String(pool), LogConfigurations: []types.LogConfigurationType{{
		EventSource: "userAuthEvents", LogLevel: types.LogLevelInfo, S3Configuration: &types.S3ConfigurationType{BucketArn: aws.String("arn:aws:s3:::activity-logs")},
	}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("u"), MessageAction: types.MessageActionTypeSuppress}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(pool), Username: aws.String("u"), Password: aws.String("Corr3ct-horse!"), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"Wr0ng-horse!", "Corr3ct-horse!"} {
		e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(client),
			AuthParameters: map[string]string{"USERNAME": "u", "PASSWORD": pw}})
	}
	b, err := os.ReadFile(filepath.Join(dataDir, "activity-logs", "s3", "activity-logs.jsonl"))
	if err != nil {
		t.Fatalf("no user-activity record: %v", err)
	}
	text := string(b)
	if !strings.Contains(text, `"eventSource":"USER_AUTH_EVENTS"`) || !strings.Contains(text, `"EventType":"SignIn"`) ||
		!strings.Contains(text, `"EventResponse":"Fail"`) || !strings.Contains(text, `"logLevel":"INFO"`) {
		t.Fatalf("user-activity records:\n%s", text)
	}
	if strings.Contains(text, "horse") {
		t.Fatalf("a password in the records:\n%s", text)
	}
}
