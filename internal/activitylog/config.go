package activitylog

import (
	"regexp"

	"github.com/userpoold/userpoold/internal/fault"
)

// Source is LogConfigurationType.EventSource (EventSourceName).
type Source string

// The event sources.
const (
	// UserNotification logs are errors delivering email and SMS messages.
	UserNotification Source = "userNotification"
	// UserAuthEvents logs are threat protection's user-activity events
	// (Plus feature plan).
	UserAuthEvents Source = "userAuthEvents"
)

// Level is LogConfigurationType.LogLevel.
type Level string

// The log levels.
const (
	LevelError Level = "ERROR"
	LevelInfo  Level = "INFO"
)

// Plan is a user pool's feature plan (UserPoolTierType).
type Plan string

// The feature plans.
const (
	PlanLite       Plan = "LITE"
	PlanEssentials Plan = "ESSENTIALS"
	PlanPlus       Plan = "PLUS"
)

// Destination is where one LogConfigurationType sends its logs: exactly one
// of the three ARNs is set in a valid configuration.
type Destination struct {
	CloudWatchLogGroupARN string // CloudWatchLogsConfiguration.LogGroupArn
	S3BucketARN           string // S3Configuration.BucketArn
	FirehoseStreamARN     string // FirehoseConfiguration.StreamArn
}

// ARN returns the destination's one ARN ("" when none or several are set).
func (d Destination) ARN() string {
	var arn string
	n := 0
	for _, a := range []string{d.CloudWatchLogGroupARN, d.S3BucketARN, d.FirehoseStreamARN} {
		if a != "" {
			arn = a
			n++
		}
	}
	if n != 1 {
		return ""
	}
	return arn
}

// LogConfiguration is one LogConfigurationType.
type LogConfiguration struct {
	Source      Source
	Level       Level
	Destination Destination
}

// Configuration is a pool's LogDeliveryConfigurationType: what
// SetLogDeliveryConfiguration stores and GetLogDeliveryConfiguration
// returns. An empty LogConfigurations exports nothing.
type Configuration struct {
	PoolID            string
	LogConfigurations []LogConfiguration
}

// MaxConfigurations is LogConfigurationListType's maximum.
const MaxConfigurations = 2

// Messages of Validate. UNCONFIRMED: AWS's wording of each; the rules are
// the Developer Guide's ("Message-delivery logs are of the userNotification
// type and of the ERROR errorlevel. Advanced security user activity logs
// are of the userAuthEvents type and of the INFO errorlevel", "You can't
// send user-activity logs to multiple destinations. You can't send
// user-notification logs to any destination other than CloudWatch Logs",
// user-activity export needs the Plus plan).
const (
	msgTooMany          = "LogConfigurations can have at most 2 configurations."
	msgDuplicate        = "LogConfigurations contains more than one configuration for event source %s."
	msgBadSource        = "EventSource %s is not supported."
	msgNotificationLvl  = "userNotification logs must use LogLevel ERROR."
	msgAuthEventsLvl    = "userAuthEvents logs must use LogLevel INFO."
	msgNotificationDest = "userNotification logs can only be delivered to CloudWatchLogsConfiguration."
	msgOneDestination   = "Exactly one destination must be configured for %s logs."
	msgBadLogGroup      = "LogGroupArn is not a CloudWatch Logs log group ARN."
	msgBadBucket        = "BucketArn is not an Amazon S3 bucket ARN."
	msgBadStream        = "StreamArn is not an Amazon Data Firehose stream ARN."
	msgPlusOnly         = "userAuthEvents log export is only available in the Plus feature plan."
)

var (
	logGroupARN = regexp.MustCompile(`^arn:aws[a-z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[\w#./-]{1,512}(:\*)?$`)
	bucketARN   = regexp.MustCompile(`^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	streamARN   = regexp.MustCompile(`^arn:aws[a-z-]*:firehose:[a-z0-9-]+:[0-9]{12}:deliverystream/[\w.-]{1,64}$`)
)

// Validate checks c for a pool on plan (SetLogDeliveryConfiguration): at
// most two configurations, one per event source; userNotification at ERROR
// to a CloudWatch Logs log group; userAuthEvents at INFO to exactly one of
// a log group, an S3 bucket or a Firehose stream, on the Plus plan only.
// Errors are InvalidParameter, or FeatureUnavailableInTier for
// userAuthEvents below Plus. The shape checks of the model (enums, the ARN
// pattern) are the generated Validate's.
func (c Configuration) Validate(plan Plan) error {
	if len(c.LogConfigurations) > MaxConfigurations {
		return fault.New(fault.InvalidParameter, msgTooMany)
	}
	seen := map[Source]bool{}
	for _, lc := range c.LogConfigurations {
		if seen[lc.Source] {
			return fault.Errorf(fault.InvalidParameter, msgDuplicate, lc.Source)
		}
		seen[lc.Source] = true
		if err := lc.validate(plan); err != nil {
			return err
		}
	}
	return nil
}

func (lc LogConfiguration) validate(plan Plan) error {
	d := lc.Destination
	switch lc.Source {
	case UserNotification:
		if lc.Level != LevelError {
			return fault.New(fault.InvalidParameter, msgNotificationLvl)
		}
		if d.CloudWatchLogGroupARN == "" || d.S3BucketARN != "" || d.FirehoseStreamARN != "" {
			return fault.New(fault.InvalidParameter, msgNotificationDest)
		}
	case UserAuthEvents:
		if lc.Level != LevelInfo {
			return fault.New(fault.InvalidParameter, msgAuthEventsLvl)
		}
		if d.ARN() == "" {
			return fault.Errorf(fault.InvalidParameter, msgOneDestination, lc.Source)
		}
	default:
		return fault.Errorf(fault.InvalidParameter, msgBadSource, lc.Source)
	}
	switch {
	case d.CloudWatchLogGroupARN != "" && !logGroupARN.MatchString(d.CloudWatchLogGroupARN):
		return fault.New(fault.InvalidParameter, msgBadLogGroup)
	case d.S3BucketARN != "" && !bucketARN.MatchString(d.S3BucketARN):
		return fault.New(fault.InvalidParameter, msgBadBucket)
	case d.FirehoseStreamARN != "" && !streamARN.MatchString(d.FirehoseStreamARN):
		return fault.New(fault.InvalidParameter, msgBadStream)
	}
	if lc.Source == UserAuthEvents && plan != PlanPlus {
		return fault.New(fault.FeatureUnavailableInTier, msgPlusOnly)
	}
	return nil
}

// For returns the configuration for source, if c has one.
func (c Configuration) For(source Source) (LogConfiguration, bool) {
	for _, lc := range c.LogConfigurations {
		if lc.Source == source {
			return lc, true
		}
	}
	return LogConfiguration{}, false
}
