package sigv4

import (
	"crypto/sha256"
	"encoding/hex"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func v4signer() *v4.Signer { return v4.NewSigner() }

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
