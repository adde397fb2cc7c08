// Package lambdatest is a test double for the Lambda Invoke API: an
// in-process HTTP server answering POST
// /2015-03-31/functions/<FunctionName>/invocations, where FunctionName may
// be a plain name, a name:qualifier, a partial ARN or a full ARN (as the
// real API accepts), and dispatching to handlers written against
// github.com/aws/aws-lambda-go/events types (Typed). Handlers can fail as a
// function does (an error: X-Amz-Function-Error), as the service does
// (StatusError: a non-2xx answer), hang until the caller gives up (Hang, for
// timeout tests without sleeping), or answer arbitrary bytes (Raw).
//
// The same handlers are also served as plain HTTP webhooks
// (Server.WebhookURL), the alternative transport of package trigger.
//
// It is for tests only; it imports net/http/httptest and testing.
package lambdatest
