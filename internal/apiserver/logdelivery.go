package apiserver

import (
	"context"

	"github.com/userpoold/userpoold/internal/activitylog"
	"github.com/userpoold/userpoold/internal/cognitoidp"
)

// GetLogDeliveryConfiguration returns where a pool exports its logs.
func (s *Server) GetLogDeliveryConfiguration(ctx context.Context, in *cognitoidp.GetLogDeliveryConfigurationInput) (*cognitoidp.GetLogDeliveryConfigurationOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	cfg, err := s.Pools.LogDeliveryConfiguration(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.GetLogDeliveryConfigurationOutput{LogDeliveryConfiguration: logDeliveryType(cfg)}, nil
}

// SetLogDeliveryConfiguration sets where a pool exports its logs.
func (s *Server) SetLogDeliveryConfiguration(ctx context.Context, in *cognitoidp.SetLogDeliveryConfigurationInput) (*cognitoidp.SetLogDeliveryConfigurationOutput, error) {
	p, err := s.Pools.LoadPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	cfg := activitylog.Configuration{PoolID: p.ID}
	for _, lc := range in.LogConfigurations {
		c := activitylog.LogConfiguration{}
		if lc.EventSource != nil {
			c.Source = activitylog.Source(*lc.EventSource)
		}
		if lc.LogLevel != nil {
			c.Level = activitylog.Level(*lc.LogLevel)
		}
		if lc.CloudWatchLogsConfiguration != nil {
			c.Destination.CloudWatchLogGroupARN = str(lc.CloudWatchLogsConfiguration.LogGroupArn)
		}
		if lc.S3Configuration != nil {
			c.Destination.S3BucketARN = str(lc.S3Configuration.BucketArn)
		}
		if lc.FirehoseConfiguration != nil {
			c.Destination.FirehoseStreamARN = str(lc.FirehoseConfiguration.StreamArn)
		}
		cfg.LogConfigurations = append(cfg.LogConfigurations, c)
	}
	cfg, err = s.Pools.SetLogDeliveryConfiguration(ctx, p, cfg)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.SetLogDeliveryConfigurationOutput{LogDeliveryConfiguration: logDeliveryType(cfg)}, nil
}

// logDeliveryType renders a configuration as LogDeliveryConfigurationType.
func logDeliveryType(cfg activitylog.Configuration) *cognitoidp.LogDeliveryConfigurationType {
	out := &cognitoidp.LogDeliveryConfigurationType{UserPoolId: ptr(cfg.PoolID), LogConfigurations: []cognitoidp.LogConfigurationType{}}
	for _, lc := range cfg.LogConfigurations {
		src, lvl := cognitoidp.EventSourceName(lc.Source), cognitoidp.LogLevel(lc.Level)
		t := cognitoidp.LogConfigurationType{EventSource: &src, LogLevel: &lvl}
		if a := lc.Destination.CloudWatchLogGroupARN; a != "" {
			t.CloudWatchLogsConfiguration = &cognitoidp.CloudWatchLogsConfigurationType{LogGroupArn: ptr(a)}
		}
		if a := lc.Destination.S3BucketARN; a != "" {
			t.S3Configuration = &cognitoidp.S3ConfigurationType{BucketArn: ptr(a)}
		}
		if a := lc.Destination.FirehoseStreamARN; a != "" {
			t.FirehoseConfiguration = &cognitoidp.FirehoseConfigurationType{StreamArn: ptr(a)}
		}
		out.LogConfigurations = append(out.LogConfigurations, t)
	}
	return out
}
