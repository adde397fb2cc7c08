// Package sigv4 verifies AWS Signature Version 4 on requests to the
// IAM-authorized (admin) operations.
//
// It never computes a signature by hand: it rebuilds the request the client
// signed (the signed headers only, the body hash, the signing time) and asks
// aws-sdk-go-v2's signer to sign it with the secret configured for the
// access key, then compares the two signatures in constant time.
//
// Errors are returned as *Error values carrying the AWS error code
// (MissingAuthenticationTokenException, IncompleteSignatureException,
// UnrecognizedClientException, InvalidSignatureException) and message; they
// satisfy awsjson.APIError without importing it.
package sigv4
