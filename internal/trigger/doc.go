// Package trigger owns userpoold's Lambda triggers: which trigger a pool
// configures (Config), the event each trigger source sends (built from plain
// domain values, shaped so that github.com/aws/aws-lambda-go/events decodes
// it without loss), how the event reaches a function (the Lambda Invoke API
// through aws-sdk-go-v2, or a per-trigger HTTP webhook), how the answer is
// validated into a typed result, and how failures become the Cognito
// exceptions of ../shared/spec/cognito-triggers-import.md §3.2.
//
// Service is the entry point for the domain packages: one method per
// trigger, taking domain values and returning typed results or *fault.Error
// values (UserLambdaValidation, UnexpectedLambda, InvalidLambdaResponse).
// userpool and authflow call it through small interfaces they declare.
// Which triggers receive an operation's ClientMetadata is one table
// (clientmetadata.go), not a rule scattered over callers.
//
// Custom SMS and email senders receive the code encrypted as an AWS
// Encryption SDK message under the pool's KMS key (CodeEncrypter; see the
// esdk sub-package), or in plain text when no KMS endpoint is configured.
//
// Sub-packages: esdk (the Encryption SDK message format and a KMS keyring),
// awscreds (the credential chain with the dummy fallback for local
// endpoints), lambdatest (an in-process Lambda Invoke endpoint running handlers written
// against aws-lambda-go's types) and kmstest (an in-process KMS endpoint).
//
// The package may import the standard library, internal/fault,
// internal/delivery (placeholders and the Template type), awscreds, the AWS
// SDK for Go v2 (lambda) and prometheus; net/http only as a client.
// It must not import internal/cognitoidp, internal/apiserver, userpool,
// authflow or storage: callers hand it plain values.
package trigger
