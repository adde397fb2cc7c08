package conformance

import (
	"maps"
	"testing"

	"github.com/userpoold/userpoold/internal/storage"
)

func testProvisionedLimits(t *testing.T, s storage.Store) {
	ctx := t.Context()
	got, err := s.ProvisionedLimits(ctx)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("a new store has provisioned limits: %v", got)
	}
	must(t, s.SetProvisionedLimit(ctx, "UserAuthentication", 240))
	must(t, s.SetProvisionedLimit(ctx, "UserCreation", 100))
	must(t, s.SetProvisionedLimit(ctx, "UserAuthentication", 360)) // replaces
	got, err = s.ProvisionedLimits(ctx)
	must(t, err)
	if want := map[string]int{"UserAuthentication": 360, "UserCreation": 100}; !maps.Equal(got, want) {
		t.Errorf("ProvisionedLimits = %v, want %v", got, want)
	}
}

func fullLogDelivery(poolID string) storage.LogDelivery {
	return storage.LogDelivery{PoolID: poolID, Configurations: []storage.LogConfiguration{
		{EventSource: "userNotification", LogLevel: "ERROR", CloudWatchLogGroupARN: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/x",
			S3BucketARN: "arn:aws:s3:::bucket", FirehoseStreamARN: "arn:aws:firehose:us-east-1:123456789012:deliverystream/s"},
		// Storage keeps what it is given; one destination each is
		// package activitylog's rule.
		{EventSource: "userAuthEvents", LogLevel: "INFO", S3BucketARN: "arn:aws:s3:::activity",
			CloudWatchLogGroupARN: "arn:aws:logs:us-east-1:123456789012:log-group:g", FirehoseStreamARN: "arn:aws:firehose:us-east-1:123456789012:deliverystream/t"},
	}}
}

func testLogDelivery(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	_, err := s.GetLogDelivery(ctx, "p1")
	wantIs(t, "GetLogDelivery before any", err, storage.ErrNotFound)
	wantIs(t, "PutLogDelivery in a missing pool", s.PutLogDelivery(ctx, fullLogDelivery("nope")), storage.ErrNotFound)
	must(t, s.PutLogDelivery(ctx, fullLogDelivery("p1")))
	got, err := s.GetLogDelivery(ctx, "p1")
	must(t, err)
	same(t, "GetLogDelivery", fullLogDelivery("p1"), got)
	// Replacing with an empty list clears it.
	must(t, s.PutLogDelivery(ctx, storage.LogDelivery{PoolID: "p1"}))
	got, err = s.GetLogDelivery(ctx, "p1")
	must(t, err)
	same(t, "GetLogDelivery after clearing", storage.LogDelivery{PoolID: "p1"}, got)
	must(t, s.PutLogDelivery(ctx, fullLogDelivery("p2")))
	must(t, s.DeletePool(ctx, "p2"))
	_, err = s.GetLogDelivery(ctx, "p2")
	wantIs(t, "GetLogDelivery after DeletePool", err, storage.ErrNotFound)
}
