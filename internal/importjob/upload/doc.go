// Package upload serves the pre-signed URL of a user import job
// (spec/cognito-triggers-import.md §10.6): Signer mints the URL that
// CreateUserImportJob returns, signed with SigV4 in the query string as S3
// signs it (X-Amz-Expires, host;x-amz-server-side-encryption among the
// signed headers), and Handler answers the PUT of the CSV file:
//
//	curl -T users.csv '<PreSignedUrl>' -H 'x-amz-server-side-encryption: aws:kms'
//
// works exactly as AWS's documentation shows. Handler checks the
// signature, the expiry and the size, answers errors as S3 does (XML bodies
// with S3's codes and status codes), streams the body into a Store without
// holding it in memory, and replies 200 with an ETag; the last upload wins.
//
// Like package sigv4, it never computes a signature by hand: it rebuilds
// the request the URL was minted for and asks aws-sdk-go-v2's signer to
// presign it again, then compares the signatures in constant time.
//
// It imports the standard library, aws-sdk-go-v2's signer and
// internal/importjob (for the Files interface DirStore implements).
package upload
