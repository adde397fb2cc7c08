package lambdatest

import "github.com/aws/aws-lambda-go/events"

// CustomSenderEvent is a CustomSMSSender or CustomEmailSender event.
// aws-lambda-go has no type for these (its PR #419 is open), so Go authors
// write their own; this one mirrors @types/aws-lambda's
// CustomSMSSenderTriggerEvent and CustomEmailSenderTriggerEvent.
type CustomSenderEvent struct {
	events.CognitoEventUserPoolsHeader
	Request  CustomSenderRequest `json:"request"`
	Response struct{}            `json:"response"`
}

// CustomSenderRequest is the request of a custom sender event. Code is the
// AWS Encryption SDK message (base64) or, in userpoold's plain-text mode,
// the code itself; nil when the message has no code.
type CustomSenderRequest struct {
	Type           string            `json:"type"`
	Code           *string           `json:"code"`
	UserAttributes map[string]string `json:"userAttributes"`
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
}
