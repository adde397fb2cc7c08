// Package quota is Cognito's request-rate quotas: the API operation
// categories AWS meters (UserAuthentication, UserCreation, ...), each
// category's default rate in requests per second, the operations in each
// (one table covering every operation of the model), a token-bucket Limiter
// that answers TooManyRequestsException "Rate exceeded" as AWS does, and the
// provisioned limits that GetProvisionedLimit and UpdateProvisionedLimit
// read and set.
//
// Sources: the Developer Guide's "Quotas in Amazon Cognito" (the category
// table, the 5 RPS per-pool constraint on the UserPool* categories, the
// special handling of RespondToAuthChallenge), the Service Quotas defaults
// of cognito-idp (L-026ADBA3 and siblings), and the model's LimitType,
// LimitDefinitionType and ServiceQuotaExceededException. The Guide names
// only some operations of each category in text that was available; the
// others are placed by the category's description and marked UNCONFIRMED
// in the table, so that moving one is a one-line change.
//
// The Limiter is per process: on several nodes each enforces the full rate.
// It is off unless the server is started with --enforce-quotas.
//
// The package imports the standard library and internal/fault only; its
// errors are *fault.Error values (TooManyRequests, InvalidParameter,
// ServiceQuotaExceeded).
package quota
