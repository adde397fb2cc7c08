package servertest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// signGet signs a body-less request with the test admin key.
func signGet(req *http.Request) { Sign(req, nil) }

// Sign signs req, whose body is body, with the test admin key as the SDK
// signs an operation (for tests that send requests the SDK cannot, such
// as operations newer than its model).
func Sign(req *http.Request, body []byte) {
	sum := sha256.Sum256(body)
	v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey},
		req, hex.EncodeToString(sum[:]), "cognito-idp", Region, time.Now())
}
