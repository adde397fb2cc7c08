package activitylog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
)

const (
	logGroup = "arn:aws:logs:us-west-2:123456789012:log-group:example-user-pool-exported"
	bucket   = "arn:aws:s3:::amzn-s3-demo-logging-bucket"
	stream   = "arn:aws:firehose:us-west-2:123456789012:deliverystream/example-user-pool-activity-exported"
)

func notification(arn string) LogConfiguration {
	return LogConfiguration{Source: UserNotification, Level: LevelError, Destination: Destination{CloudWatchLogGroupARN: arn}}
}

func TestValidate(t *testing.T) {
	authTo := func(d Destination) LogConfiguration {
		return LogConfiguration{Source: UserAuthEvents, Level: LevelInfo, Destination: d}
	}
	cases := []struct {
		name string
		cfgs []LogConfiguration
		plan Plan
		want fault.Kind // "" means valid
	}{
		// The Developer Guide's example requests.
		{"notifications to a log group", []LogConfiguration{notification(logGroup)}, PlanLite, ""},
		{"activity to Firehose", []LogConfiguration{authTo(Destination{FirehoseStreamARN: stream})}, PlanPlus, ""},
		{"activity to S3", []LogConfiguration{authTo(Destination{S3BucketARN: bucket})}, PlanPlus, ""},
		{"activity to a log group", []LogConfiguration{authTo(Destination{CloudWatchLogGroupARN: logGroup + ":*"})}, PlanPlus, ""},
		{"both", []LogConfiguration{notification(logGroup), authTo(Destination{S3BucketARN: bucket})}, PlanPlus, ""},
		{"none (export off)", nil, PlanLite, ""},
		{"vended log group", []LogConfiguration{notification("arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/pool")}, PlanEssentials, ""},

		{"three", []LogConfiguration{notification(logGroup), authTo(Destination{S3BucketARN: bucket}), notification(logGroup)}, PlanPlus, fault.InvalidParameter},
		{"same source twice", []LogConfiguration{notification(logGroup), notification(logGroup)}, PlanPlus, fault.InvalidParameter},
		{"notifications at INFO", []LogConfiguration{{Source: UserNotification, Level: LevelInfo, Destination: Destination{CloudWatchLogGroupARN: logGroup}}}, PlanPlus, fault.InvalidParameter},
		{"notifications to S3", []LogConfiguration{{Source: UserNotification, Level: LevelError, Destination: Destination{S3BucketARN: bucket}}}, PlanPlus, fault.InvalidParameter},
		{"notifications to two", []LogConfiguration{{Source: UserNotification, Level: LevelError, Destination: Destination{CloudWatchLogGroupARN: logGroup, FirehoseStreamARN: stream}}}, PlanPlus, fault.InvalidParameter},
		{"notifications nowhere", []LogConfiguration{{Source: UserNotification, Level: LevelError}}, PlanPlus, fault.InvalidParameter},
		{"activity at ERROR", []LogConfiguration{{Source: UserAuthEvents, Level: LevelError, Destination: Destination{S3BucketARN: bucket}}}, PlanPlus, fault.InvalidParameter},
		{"activity to two", []LogConfiguration{authTo(Destination{S3BucketARN: bucket, FirehoseStreamARN: stream})}, PlanPlus, fault.InvalidParameter},
		{"activity nowhere", []LogConfiguration{authTo(Destination{})}, PlanPlus, fault.InvalidParameter},
		{"activity on Essentials", []LogConfiguration{authTo(Destination{S3BucketARN: bucket})}, PlanEssentials, fault.FeatureUnavailableInTier},
		{"unknown source", []LogConfiguration{{Source: "userEvents", Level: LevelInfo, Destination: Destination{S3BucketARN: bucket}}}, PlanPlus, fault.InvalidParameter},
		{"log group ARN of another service", []LogConfiguration{notification("arn:aws:sns:us-west-2:123456789012:topic")}, PlanPlus, fault.InvalidParameter},
		{"bucket ARN is a log group", []LogConfiguration{authTo(Destination{S3BucketARN: logGroup})}, PlanPlus, fault.InvalidParameter},
		{"stream ARN is a bucket", []LogConfiguration{authTo(Destination{FirehoseStreamARN: bucket})}, PlanPlus, fault.InvalidParameter},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Configuration{PoolID: "us-west-2_EXAMPLE", LogConfigurations: tc.cfgs}.Validate(tc.plan)
			if got := fault.KindOf(err); got != tc.want || (tc.want != "" && err == nil) {
				t.Fatalf("Validate = %v, want kind %q", err, tc.want)
			}
		})
	}
}

// The record of a message-delivery error is the Developer Guide's example,
// field for field and in its order.
func TestNotificationRecordFormat(t *testing.T) {
	rec := NotificationRecord("us-east-1_EXAMPLE", time.UnixMilli(1687297330677), "String")
	got, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"eventTimestamp":"1687297330677","eventSource":"USER_NOTIFICATION","logLevel":"ERROR","message":{"details":"String"},"logSourceId":{"userPoolId":"us-east-1_EXAMPLE"}}`
	if string(got) != want {
		t.Fatalf("record\n got %s\nwant %s", got, want)
	}
}

func TestAuthEventRecordFormat(t *testing.T) {
	rec := AuthEventRecord("us-west-2_EXAMPLE", time.UnixMilli(1719510599139), AuthEvent{
		EventID: "a1b2c3d4-5678-90ab-cdef-EXAMPLE22222", EventType: "SignIn", CreationDate: 1719510599.139,
		EventResponse: "Pass", EventRisk: &EventRisk{RiskDecision: "NoRisk"},
		ChallengeResponses: []ChallengeResponse{{"Password", "Success"}},
		EventContextData:   &EventContextData{IPAddress: "192.0.2.1", DeviceName: "Chrome 126, Windows 10", Timezone: "-07:00", City: "null", Country: "United States"},
	})
	got, _ := json.Marshal(rec)
	want := `{"eventTimestamp":"1719510599139","eventSource":"USER_AUTH_EVENTS","logLevel":"INFO","message":{"EventId":"a1b2c3d4-5678-90ab-cdef-EXAMPLE22222","EventType":"SignIn","CreationDate":1719510599.139,"EventResponse":"Pass","EventRisk":{"RiskDecision":"NoRisk","CompromisedCredentialsDetected":false},"ChallengeResponses":[{"ChallengeName":"Password","ChallengeResponse":"Success"}],"EventContextData":{"IpAddress":"192.0.2.1","DeviceName":"Chrome 126, Windows 10","Timezone":"-07:00","City":"null","Country":"United States"}},"logSourceId":{"userPoolId":"us-west-2_EXAMPLE"}}`
	if string(got) != want {
		t.Fatalf("record\n got %s\nwant %s", got, want)
	}
	empty, _ := json.Marshal(AuthEventRecord("p", time.UnixMilli(0), AuthEvent{}))
	if !strings.Contains(string(empty), `"ChallengeResponses":[]`) {
		t.Errorf("no ChallengeResponses is not []: %s", empty)
	}
}

type configs map[string]Configuration

func (c configs) LogDeliveryConfiguration(_ context.Context, poolID string) (Configuration, error) {
	if poolID == "broken" {
		return Configuration{}, errors.New("store down")
	}
	return c[poolID], nil
}

func TestWriterToDir(t *testing.T) {
	dir := &Dir{Path: t.TempDir()}
	now := time.UnixMilli(1700000000123)
	w := &Writer{
		Configs: configs{
			"p1": {PoolID: "p1", LogConfigurations: []LogConfiguration{
				notification("arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/p1"),
				{Source: UserAuthEvents, Level: LevelInfo, Destination: Destination{S3BucketARN: bucket}},
			}},
			"p2": {PoolID: "p2", LogConfigurations: []LogConfiguration{notification(logGroup)}},
		},
		Output: dir,
		Now:    func() time.Time { return now },
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := w.Notification(ctx, "p1", "SMS message failed to send."); !ok || err != nil {
				t.Errorf("Notification = %v, %v", ok, err)
			}
		}()
	}
	wg.Wait()
	if ok, err := w.AuthEvent(ctx, "p1", AuthEvent{EventType: "SignIn", EventResponse: "Pass"}); !ok || err != nil {
		t.Fatalf("AuthEvent = %v, %v", ok, err)
	}
	// p2 exports no activity; p3 nothing at all.
	if ok, err := w.AuthEvent(ctx, "p2", AuthEvent{}); ok || err != nil {
		t.Fatalf("AuthEvent on p2 = %v, %v", ok, err)
	}
	if ok, err := w.Notification(ctx, "p3", "x"); ok || err != nil {
		t.Fatalf("Notification on p3 = %v, %v", ok, err)
	}
	if _, err := w.Notification(ctx, "broken", "x"); err == nil {
		t.Fatal("a configuration error was swallowed")
	}

	file := filepath.Join(dir.Path, "logs", "%2Faws%2Fvendedlogs%2Fp1.jsonl")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 20 {
		t.Fatalf("%d lines, want 20", len(lines))
	}
	for _, l := range lines {
		if l != `{"eventTimestamp":"1700000000123","eventSource":"USER_NOTIFICATION","logLevel":"ERROR","message":{"details":"SMS message failed to send."},"logSourceId":{"userPoolId":"p1"}}` {
			t.Fatalf("line %s", l)
		}
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, %v", fi.Mode(), err)
	}
	s3, err := os.ReadFile(filepath.Join(dir.Path, "s3", "amzn-s3-demo-logging-bucket.jsonl"))
	if err != nil || !strings.Contains(string(s3), `"eventSource":"USER_AUTH_EVENTS"`) {
		t.Fatalf("s3 file: %s, %v", s3, err)
	}
}

func TestDirFile(t *testing.T) {
	d := &Dir{Path: "/x"}
	for arn, want := range map[string]string{
		logGroup:        "/x/logs/example-user-pool-exported.jsonl",
		logGroup + ":*": "/x/logs/example-user-pool-exported.jsonl",
		bucket:          "/x/s3/amzn-s3-demo-logging-bucket.jsonl",
		stream:          "/x/firehose/example-user-pool-activity-exported.jsonl",
		"arn:aws:logs:us-east-1:123456789012:log-group:..": "/x/logs/...jsonl",
	} {
		if got, err := d.File(arn); err != nil || got != want {
			t.Errorf("File(%s) = %s, %v; want %s", arn, got, err, want)
		}
	}
	for _, bad := range []string{"", "arn:aws:sns:us-east-1:123456789012:topic", "not-an-arn", "arn:aws:logs:us-east-1:123456789012:log-group:"} {
		if got, err := d.File(bad); err == nil {
			t.Errorf("File(%q) = %s", bad, got)
		}
	}
}

func TestSlog(t *testing.T) {
	var buf bytes.Buffer
	w := &Writer{
		Configs: configs{"p": {PoolID: "p", LogConfigurations: []LogConfiguration{notification(logGroup)}}},
		Output:  Slog{Logger: slog.New(slog.NewJSONHandler(&buf, nil))},
		Now:     func() time.Time { return time.UnixMilli(5) },
	}
	if ok, err := w.Notification(context.Background(), "p", "Email message failed to send."); !ok || err != nil {
		t.Fatal(ok, err)
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	rec, _ := line["record"].(map[string]any)
	if line["level"] != "ERROR" || line["destination"] != logGroup || rec["eventSource"] != "USER_NOTIFICATION" || rec["eventTimestamp"] != "5" {
		t.Fatalf("slog line %s", buf.String())
	}
}
