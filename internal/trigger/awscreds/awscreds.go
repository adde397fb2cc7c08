// Package awscreds finds the credentials userpoold signs its Lambda and KMS
// calls with: the AWS SDK's standard chain, and for local endpoints (sam
// local, LocalStack, local-kms, which accept any signature) static dummy
// credentials when the chain finds none. It imports the AWS SDK only.
package awscreds

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// The dummy credentials of local endpoints.
const (
	DummyAccessKeyID     = "userpoold"
	DummySecretAccessKey = "userpoold"
)

// Chain returns the standard credential chain (environment, shared files,
// SSO, web identity, container). For a local endpoint the EC2 instance
// metadata service is left out and the chain falls back to the dummy
// credentials; for AWS itself (local false) it is the plain chain.
func Chain(ctx context.Context, local bool) (aws.CredentialsProvider, error) {
	var opts []func(*config.LoadOptions) error
	if local {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if local {
		return fallback{primary: cfg.Credentials}, nil
	}
	return cfg.Credentials, nil
}

// fallback answers with primary's credentials, or the dummy ones when
// primary has none.
type fallback struct{ primary aws.CredentialsProvider }

func (f fallback) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if f.primary != nil {
		if c, err := f.primary.Retrieve(ctx); err == nil && c.HasKeys() {
			return c, nil
		}
	}
	return credentials.NewStaticCredentialsProvider(DummyAccessKeyID, DummySecretAccessKey, "").Retrieve(ctx)
}
