// Package sigv4 verifies AWS Signature Version 4 on requests to the
// IAM-authorized (admin) operations.
//
// It never computes a signature by hand: it rebuilds the request the client
// signed (the signed headers only, the hash of the body received, the
// signing time) and asks aws-sdk-go-v2's signer to sign it with the secret
// configured for the access key, then compares the two signatures in
// constant time.
//
// Beyond the signature it requires what every SDK signs, so that a signed
// request cannot be turned into another one: host, x-amz-date and (on an
// AWS JSON call) x-amz-target among the signed headers, a credential scope
// naming the server's region and service, and a signing time within AWS's
// five minutes of the server's clock.
//
// Errors are returned as *Error values carrying the AWS error code
// (MissingAuthenticationTokenException, IncompleteSignatureException,
// UnrecognizedClientException, InvalidSignatureException), AWS's message and
// HTTP status 400; they satisfy awsjson.APIError without importing it. The
// checks run in the order AWS runs them, so that the first failure reported
// is the one AWS would report.
//
// It imports the standard library and aws-sdk-go-v2's signer.
package sigv4
