package esdk

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/userpoold/userpoold/internal/trigger/awscreds"
)

// KMSAPI is the part of the KMS client a KMSKeyring uses.
type KMSAPI interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, opts ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// KMSKeyring gets data keys from KMS under KeyID, as the Encryption SDK's
// KMS keyring does: GenerateDataKey with the message's encryption context,
// one encrypted data key with provider "aws-kms" and the key ARN KMS
// returned as provider info; Decrypt with the same context.
type KMSKeyring struct {
	Client KMSAPI
	// KeyID is the pool's KMSKeyID (a key ARN; an alias ARN works too).
	KeyID string
}

// GenerateDataKey implements Keyring.
func (k KMSKeyring) GenerateDataKey(ctx context.Context, ec map[string]string, size int) ([]byte, EncryptedDataKey, error) {
	out, err := k.Client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(k.KeyID), NumberOfBytes: aws.Int32(int32(size)), EncryptionContext: ec,
	}, regionOf(k.KeyID))
	if err != nil {
		return nil, EncryptedDataKey{}, err
	}
	if len(out.Plaintext) != size || len(out.CiphertextBlob) == 0 || aws.ToString(out.KeyId) == "" {
		return nil, EncryptedDataKey{}, errors.New("esdk: KMS GenerateDataKey answered an unusable key")
	}
	return out.Plaintext, EncryptedDataKey{ProviderID: ProviderKMS, ProviderInfo: aws.ToString(out.KeyId), Ciphertext: out.CiphertextBlob}, nil
}

// DecryptDataKey implements Keyring: the first "aws-kms" key KMS decrypts.
func (k KMSKeyring) DecryptDataKey(ctx context.Context, edks []EncryptedDataKey, ec map[string]string) ([]byte, error) {
	var errs []error
	for _, edk := range edks {
		if edk.ProviderID != ProviderKMS {
			continue
		}
		out, err := k.Client.Decrypt(ctx, &kms.DecryptInput{
			KeyId: aws.String(edk.ProviderInfo), CiphertextBlob: edk.Ciphertext, EncryptionContext: ec,
		}, regionOf(edk.ProviderInfo))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if aws.ToString(out.KeyId) != edk.ProviderInfo {
			errs = append(errs, errors.New("esdk: KMS decrypted with another key than the one named"))
			continue
		}
		return out.Plaintext, nil
	}
	if len(errs) == 0 {
		return nil, errors.New("esdk: no aws-kms encrypted data key")
	}
	return nil, errors.Join(errs...)
}

// regionOf sets the call's region from a key ARN
// (arn:aws:kms:<region>:<account>:key/<id>); other identifiers keep the
// client's region.
func regionOf(keyID string) func(*kms.Options) {
	return func(o *kms.Options) {
		if parts := strings.Split(keyID, ":"); len(parts) >= 6 && parts[0] == "arn" && parts[3] != "" {
			o.Region = parts[3]
		}
	}
}

// KMSConfig configures the KMS client of a KMSEncrypter.
type KMSConfig struct {
	// Endpoint is the KMS API base URL, e.g. http://localhost:4566
	// (LocalStack) or http://localhost:8080 (local-kms). Required: without
	// it userpoold runs the documented plain-text mode and builds no
	// encrypter.
	Endpoint string
	// Region is used for keys that are not ARNs; "" means us-east-1.
	Region string
	// Credentials sign requests; nil means the standard chain (without the
	// instance metadata service) falling back to static dummy credentials,
	// which local KMS emulators accept.
	Credentials aws.CredentialsProvider
	// HTTPClient sends requests; nil means a default client.
	HTTPClient *http.Client
}

// NewKMSClient builds a KMS client for cfg. It makes no network call.
func NewKMSClient(ctx context.Context, cfg KMSConfig) (*kms.Client, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("esdk: KMS endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	creds := cfg.Credentials
	if creds == nil {
		if creds, err = awscreds.Chain(ctx, true); err != nil {
			return nil, fmt.Errorf("esdk: %w", err)
		}
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	return kms.New(kms.Options{
		BaseEndpoint: aws.String(cfg.Endpoint), Region: region, HTTPClient: httpClient,
		Credentials: aws.NewCredentialsCache(creds),
	}), nil
}

// PoolContextKey is the encryption-context key Cognito binds sender codes
// to: {"userpool-id": <pool ID>} (spec §6.8).
const PoolContextKey = "userpool-id"

// KMSEncrypter encrypts custom-sender codes as Cognito does; it implements
// trigger.CodeEncrypter.
type KMSEncrypter struct {
	Client KMSAPI
}

// EncryptCode returns the base64 Encryption SDK message of code under keyID
// with the context {"userpool-id": poolID}.
func (e KMSEncrypter) EncryptCode(ctx context.Context, poolID, keyID, code string) (string, error) {
	msg, err := Encrypt(ctx, KMSKeyring{Client: e.Client, KeyID: keyID}, []byte(code), map[string]string{PoolContextKey: poolID}, Options{})
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(msg), nil
}

// DecryptCode reverses EncryptCode: what a sender function does, for tests
// and tools. It checks that the message is bound to poolID.
func (e KMSEncrypter) DecryptCode(ctx context.Context, poolID, encoded string) (string, error) {
	msg, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return "", fmt.Errorf("esdk: code is not base64: %w", err)
	}
	m, err := Decrypt(ctx, KMSKeyring{Client: e.Client}, msg)
	if err != nil {
		return "", err
	}
	if m.EncryptionContext[PoolContextKey] != poolID {
		return "", fmt.Errorf("esdk: code is bound to pool %q, not %q", m.EncryptionContext[PoolContextKey], poolID)
	}
	return string(m.Plaintext), nil
}
