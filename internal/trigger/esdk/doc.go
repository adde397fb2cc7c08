// Package esdk writes and reads AWS Encryption SDK messages (message format
// version 1, framed content) for the custom SMS and email sender triggers:
// Cognito hands those functions the code as a base64 Encryption SDK message
// under the pool's KMS key, and unmodified sender Lambdas decrypt it with
// @aws-crypto/client-node (KmsKeyringNode, CommitmentPolicy
// REQUIRE_ENCRYPT_ALLOW_DECRYPT) or another Encryption SDK.
//
// What Cognito sends (spec cognito-triggers-import.md §6.8, from a real
// ciphertext): format version 1, type 0x80, algorithm suite 0x0378
// (AES-256-GCM, HKDF-SHA384, ECDSA P-384 signature), encryption context
// {"aws-crypto-public-key": <signing key>, "userpool-id": <pool ID>}, one
// encrypted data key with provider "aws-kms" and the key ARN as provider
// info. Encrypt writes exactly that; Decrypt reads it (and suite 0x0178) so
// tests can check codes.
//
// The format follows the public specification
// (docs.aws.amazon.com/encryption-sdk/latest/developer-guide/message-format.html
// and body-aad-reference.html) and was checked against
// @aws-crypto/client-node in both directions (see the tests).
//
// Data keys come from a Keyring; KMSKeyring asks KMS (GenerateDataKey,
// Decrypt) through aws-sdk-go-v2 at a configurable endpoint (LocalStack,
// local-kms, or AWS). KMSEncrypter is the trigger.CodeEncrypter built on it.
//
// The package imports the standard library, the AWS SDK for Go v2 (kms) and
// internal/trigger/awscreds; not internal/trigger.
package esdk
