package activitylog

import (
	"strconv"
	"time"
)

// Record is one exported log event, in the field order of the Developer
// Guide's example:
//
//	{"eventTimestamp":"1687297330677","eventSource":"USER_NOTIFICATION",
//	 "logLevel":"ERROR","message":{"details":"..."},
//	 "logSourceId":{"userPoolId":"us-east-1_EXAMPLE"}}
type Record struct {
	// EventTimestamp is milliseconds since the Unix epoch, as a string.
	EventTimestamp string      `json:"eventTimestamp"`
	EventSource    string      `json:"eventSource"`
	LogLevel       Level       `json:"logLevel"`
	Message        any         `json:"message"`
	LogSourceID    LogSourceID `json:"logSourceId"`
}

// LogSourceID names the pool a record comes from.
type LogSourceID struct {
	UserPoolID string `json:"userPoolId"`
}

// The eventSource values of records. USER_NOTIFICATION is the Developer
// Guide's example. UNCONFIRMED: USER_AUTH_EVENTS, by analogy (and an
// earlier model's EventSourceName enum, USER_NOTIFICATION | USER_AUTH_EVENTS).
const (
	RecordSourceUserNotification = "USER_NOTIFICATION"
	RecordSourceUserAuthEvents   = "USER_AUTH_EVENTS"
)

// NotificationMessage is the message of a user-notification record.
type NotificationMessage struct {
	// Details says what failed, e.g. which kind of message could not be
	// delivered and why. Never a code or a message body.
	Details string `json:"details"`
}

// AuthEvent is the message of a user-activity record. UNCONFIRMED: the
// exported schema; the fields are those of AuthEventType, the only shape
// the Developer Guide shows on the same page (AdminListUserAuthEvents).
type AuthEvent struct {
	EventID            string              `json:"EventId"`
	EventType          string              `json:"EventType"`     // SignIn, SignUp, ForgotPassword, PasswordChange, ResendCode
	CreationDate       float64             `json:"CreationDate"`  // epoch seconds
	EventResponse      string              `json:"EventResponse"` // Pass, Fail, InProgress
	EventRisk          *EventRisk          `json:"EventRisk,omitempty"`
	ChallengeResponses []ChallengeResponse `json:"ChallengeResponses"`
	EventContextData   *EventContextData   `json:"EventContextData,omitempty"`
}

// EventRisk is EventRiskType.
type EventRisk struct {
	RiskDecision                   string `json:"RiskDecision,omitempty"` // NoRisk, AccountTakeover, Block
	RiskLevel                      string `json:"RiskLevel,omitempty"`    // Low, Medium, High
	CompromisedCredentialsDetected bool   `json:"CompromisedCredentialsDetected"`
}

// ChallengeResponse is ChallengeResponseType.
type ChallengeResponse struct {
	ChallengeName     string `json:"ChallengeName"`     // Password, Mfa
	ChallengeResponse string `json:"ChallengeResponse"` // Success, Failure
}

// EventContextData is EventContextDataType.
type EventContextData struct {
	IPAddress  string `json:"IpAddress,omitempty"`
	DeviceName string `json:"DeviceName,omitempty"`
	Timezone   string `json:"Timezone,omitempty"`
	City       string `json:"City,omitempty"`
	Country    string `json:"Country,omitempty"`
}

// NotificationRecord returns the record of a message-delivery error.
func NotificationRecord(poolID string, at time.Time, details string) Record {
	return Record{
		EventTimestamp: millis(at),
		EventSource:    RecordSourceUserNotification,
		LogLevel:       LevelError,
		Message:        NotificationMessage{Details: details},
		LogSourceID:    LogSourceID{UserPoolID: poolID},
	}
}

// AuthEventRecord returns the record of a user-activity event.
func AuthEventRecord(poolID string, at time.Time, ev AuthEvent) Record {
	if ev.ChallengeResponses == nil {
		ev.ChallengeResponses = []ChallengeResponse{}
	}
	return Record{
		EventTimestamp: millis(at),
		EventSource:    RecordSourceUserAuthEvents,
		LogLevel:       LevelInfo,
		Message:        ev,
		LogSourceID:    LogSourceID{UserPoolID: poolID},
	}
}

func millis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
