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
func signGet(req *http.Request) {
	sum := sha256.Sum256(nil)
	v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey},
		req, hex.EncodeToString(sum[:]), "cognito-idp", Region, time.Now())
}
