// Package awsjson is the AWS JSON 1.1 protocol runtime: it accepts
// `POST /` requests carrying `X-Amz-Target: <prefix>.<Operation>`, reads the
// JSON body (bounded in size), dispatches to an Endpoint, and writes either the
// JSON result or AWS's error envelope:
//
//	HTTP 400 (5xx for faults)
//	Content-Type: application/x-amz-json-1.1
//	x-amzn-RequestId: <uuid>
//	x-amzn-ErrorType: <Code>:
//	x-amzn-ErrorMessage: <message>
//
//	{"__type":"<Code>","message":"<message>", ...other error members}
//
// It owns the cross-origin (CORS) policy of the endpoint (cors.go): web pages
// may call and read the operations the caller's Browser predicate allows,
// with the headers Cognito sends; a preflight for a signed call, and every
// other operation, gets no Access-Control-Allow-* header. It rejects bodies
// over the size limit, that are not one JSON object, or that are not valid
// UTF-8, and recovers panics into an internal error. It imports only the standard
// library and knows nothing about Cognito: operations, authorization and the
// names of the internal error are supplied by the caller. Only this package
// writes to the ResponseWriter of an API request.
package awsjson
