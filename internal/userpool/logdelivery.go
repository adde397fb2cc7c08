package userpool

import (
	"context"
	"errors"

	"github.com/userpoold/userpoold/internal/activitylog"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file is Get/SetLogDeliveryConfiguration: where a pool exports its
// user-notification (message delivery errors) and user-activity (threat
// protection events) logs. Package activitylog owns the rules and writes
// the records; Service.ActivityLog is the writer this package and authflow
// report to.

// ActivityLog exports log records to the destinations pools configured;
// *activitylog.Writer implements it. Delivery is best effort: an error is
// logged, never returned to the API caller.
type ActivityLog interface {
	Notification(ctx context.Context, poolID, details string) (bool, error)
	AuthEvent(ctx context.Context, poolID string, ev activitylog.AuthEvent) (bool, error)
}

// SetLogDeliveryConfiguration checks cfg against the pool's feature plan
// (activitylog.Configuration.Validate) and stores it, replacing the pool's
// earlier configuration; it returns what is stored.
func (s *Service) SetLogDeliveryConfiguration(ctx context.Context, p *Pool, cfg activitylog.Configuration) (activitylog.Configuration, error) {
	cfg.PoolID = p.ID
	if err := cfg.Validate(activitylog.Plan(p.Settings.Tier())); err != nil {
		return activitylog.Configuration{}, err
	}
	d := storage.LogDelivery{PoolID: p.ID}
	for _, lc := range cfg.LogConfigurations {
		d.Configurations = append(d.Configurations, storage.LogConfiguration{
			EventSource: string(lc.Source), LogLevel: string(lc.Level),
			CloudWatchLogGroupARN: lc.Destination.CloudWatchLogGroupARN, S3BucketARN: lc.Destination.S3BucketARN,
			FirehoseStreamARN: lc.Destination.FirehoseStreamARN,
		})
	}
	if err := s.LogDelivery.PutLogDelivery(ctx, d); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return activitylog.Configuration{}, PoolNotFound(p.ID)
		}
		return activitylog.Configuration{}, err
	}
	return cfg, nil
}

// LogDeliveryConfiguration returns a pool's configuration: an empty one
// when none was set (UNCONFIRMED: GetLogDeliveryConfiguration then answers
// the pool ID and no configurations rather than an error). It implements
// activitylog.Configs.
func (s *Service) LogDeliveryConfiguration(ctx context.Context, poolID string) (activitylog.Configuration, error) {
	cfg := activitylog.Configuration{PoolID: poolID}
	if s.LogDelivery == nil {
		return cfg, nil
	}
	d, err := s.LogDelivery.GetLogDelivery(ctx, poolID)
	if errors.Is(err, storage.ErrNotFound) {
		return cfg, nil
	}
	if err != nil {
		return cfg, err
	}
	for _, c := range d.Configurations {
		cfg.LogConfigurations = append(cfg.LogConfigurations, activitylog.LogConfiguration{
			Source: activitylog.Source(c.EventSource), Level: activitylog.Level(c.LogLevel),
			Destination: activitylog.Destination{CloudWatchLogGroupARN: c.CloudWatchLogGroupARN, S3BucketARN: c.S3BucketARN, FirehoseStreamARN: c.FirehoseStreamARN},
		})
	}
	return cfg, nil
}

// exportNotification reports a message that could not be delivered to the
// pool's user-notification log, if it exports one. details never holds a
// code, a message body or an address.
func (s *Service) exportNotification(ctx context.Context, poolID, details string) {
	if s.ActivityLog == nil {
		return
	}
	if _, err := s.ActivityLog.Notification(context.WithoutCancel(ctx), poolID, details); err != nil {
		s.log().Warn("exporting a user-notification log record", "pool", poolID, "error", err.Error())
	}
}

// ExportAuthEvent reports an auth event threat protection recorded to the
// pool's user-activity log, if it exports one (Plus plan).
func (s *Service) ExportAuthEvent(ctx context.Context, e storage.AuthEvent) {
	if s.ActivityLog == nil {
		return
	}
	ev := activitylog.AuthEvent{
		EventID: e.ID, EventType: e.Type, EventResponse: e.Response,
		CreationDate: float64(e.CreatedAt.UnixMilli()) / 1000,
		EventContextData: &activitylog.EventContextData{IPAddress: e.Context.IPAddress, DeviceName: e.Context.DeviceName,
			Timezone: e.Context.Timezone, City: e.Context.City, Country: e.Context.Country},
	}
	if e.RiskDecision != "" || e.RiskLevel != "" {
		ev.EventRisk = &activitylog.EventRisk{RiskDecision: e.RiskDecision, RiskLevel: e.RiskLevel, CompromisedCredentialsDetected: e.CompromisedCredentials}
	}
	for _, c := range e.ChallengeResponses {
		ev.ChallengeResponses = append(ev.ChallengeResponses, activitylog.ChallengeResponse{ChallengeName: c.Name, ChallengeResponse: c.Response})
	}
	if _, err := s.ActivityLog.AuthEvent(context.WithoutCancel(ctx), e.PoolID, ev); err != nil {
		s.log().Warn("exporting a user-activity log record", "pool", e.PoolID, "error", err.Error())
	}
}
