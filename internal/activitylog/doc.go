// Package activitylog is user-pool log export, the half of
// Get/SetLogDeliveryConfiguration that outlives the API call: the rules a
// LogDeliveryConfiguration must follow (Configuration.Validate), the records
// Cognito exports — user-notification (message delivery) errors and, on
// the Plus plan, user-activity (threat protection) events — and a Writer
// that sends each record to the destination its pool configured.
//
// Locally a destination ARN (a CloudWatch Logs log group, an S3 bucket or a
// Firehose stream) names a file of JSON lines under a directory, or the
// server's slog logger stands in for all of them.
//
// Source: the Developer Guide's "Exporting logs from Amazon Cognito user
// pools" (exporting-quotas-and-usage): the rules, the record envelope
// ({"eventTimestamp","eventSource":"USER_NOTIFICATION","logLevel","message":
// {"details"},"logSourceId":{"userPoolId"}}), and the model's
// LogConfigurationType.
//
// The package imports the standard library and internal/fault only; it
// serves no HTTP. Callers must not put codes, passwords or tokens in a
// record: records are written as given.
package activitylog
