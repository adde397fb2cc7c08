package userpool

import (
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strings"

	"github.com/userpoold/userpoold/internal/fault"
)

const (
	alnum      = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	lowerAlnum = "0123456789abcdefghijklmnopqrstuvwxyz"
)

func randomString(r io.Reader, alphabet string, n int) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	out := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range out {
		v, err := rand.Int(r, max)
		if err != nil {
			return "", fmt.Errorf("userpool: reading randomness: %w", err)
		}
		out[i] = alphabet[v.Int64()]
	}
	return string(out), nil
}

// NewPoolID returns a pool ID like "us-east-1_AbC123xyZ": the region, an
// underscore and nine alphanumerics.
func NewPoolID(r io.Reader, region string) (string, error) {
	s, err := randomString(r, alnum, 9)
	return region + "_" + s, err
}

// Fixed identifiers (PoolInput.ID, ClientInput.ID) follow the service
// model: UserPoolIdType is 1–55 characters of [\w-]+_[0-9a-zA-Z]+ and
// ClientIdType 1–128 of [\w+]+. A fixed pool ID must also start with the
// service's region, which clients read from it (amazon-cognito-identity-js
// takes the region of its endpoint from the pool ID).
var (
	poolIDSuffixRE = regexp.MustCompile(`^[0-9a-zA-Z]+$`)
	clientIDRE     = regexp.MustCompile(`^[\w+]+$`)
)

// CheckPoolID reports whether id can be a pool ID in region: the region,
// an underscore and 1 or more alphanumerics, at most 55 characters.
func CheckPoolID(region, id string) error {
	suffix, ok := strings.CutPrefix(id, region+"_")
	if !ok || len(id) > 55 || !poolIDSuffixRE.MatchString(suffix) {
		return fault.Errorf(fault.InvalidParameter, "A user pool ID must be the region %s, an underscore and letters or digits (at most 55 characters in all), like %s_LocalDev1: %q is not.", region, region, id)
	}
	return nil
}

// CheckClientID reports whether id can be an app client ID: 1 to 128
// letters, digits, underscores or plus signs.
func CheckClientID(id string) error {
	if len(id) == 0 || len(id) > 128 || !clientIDRE.MatchString(id) {
		return fault.Errorf(fault.InvalidParameter, "An app client ID must be 1 to 128 letters, digits, underscores or plus signs: %q is not.", id)
	}
	return nil
}

// NewClientID returns a 26-character app client ID of lowercase letters and
// digits, like Cognito's.
func NewClientID(r io.Reader) (string, error) { return randomString(r, lowerAlnum, 26) }

// NewClientSecret returns a 51-character client secret.
func NewClientSecret(r io.Reader) (string, error) { return randomString(r, lowerAlnum, 51) }

// NewUUID returns a random (version 4) UUID string.
func NewUUID(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("userpool: reading randomness: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}

// NewDeviceKey returns a device key "<region>_<uuid>".
func NewDeviceKey(r io.Reader, region string) (string, error) {
	u, err := NewUUID(r)
	return region + "_" + u, err
}

// NewDeviceGroupKey returns a short opaque device group key such as
// "-wt2ha1Zd".
func NewDeviceGroupKey(r io.Reader) (string, error) {
	s, err := randomString(r, alnum+"-_", 8)
	return "-" + s, err
}

// PoolArn returns the ARN of a pool.
func PoolArn(region, account, poolID string) string {
	return fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", region, account, poolID)
}
