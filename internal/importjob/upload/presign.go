package upload

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// PathPrefix is where upload URLs live on the server (§10.6):
// <PathPrefix><account>/<poolId>/<jobId>.
const PathPrefix = "/_cognito/user-import/"

// DefaultExpires is AWS's X-Amz-Expires for import URLs: 899 seconds, just
// under 15 minutes.
const DefaultExpires = 899 * time.Second

// SSEHeader and SSEValue are the signed header every upload must carry, as
// AWS's documentation tells users to send it.
const (
	SSEHeader = "X-Amz-Server-Side-Encryption"
	SSEValue  = "aws:kms"
)

const (
	algorithm     = "AWS4-HMAC-SHA256"
	service       = "s3"
	signedHeaders = "host;x-amz-server-side-encryption"
	timeFormat    = "20060102T150405Z"
	maxExpires    = 604800 // seconds; S3's limit for SigV4 query authentication
	// maxSkew is how far in the future a signing time may be before the
	// URL is "not valid yet". UNCONFIRMED: S3's tolerance.
	maxSkew = 15 * time.Minute
)

// Key names one upload.
type Key struct {
	Account string
	PoolID  string
	JobID   string
}

var (
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	poolRE    = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	jobRE     = regexp.MustCompile(`^import-[0-9a-zA-Z-]+$`)
)

// Valid reports whether k's parts have the forms of an account ID, a
// UserPoolIdType and a UserImportJobIdType, so that a Key is always safe
// as a path.
func (k Key) Valid() bool {
	return accountRE.MatchString(k.Account) && len(k.PoolID) <= 55 && poolRE.MatchString(k.PoolID) &&
		len(k.JobID) <= 55 && jobRE.MatchString(k.JobID)
}

// Path returns the URL path of k's upload.
func (k Key) Path() string { return PathPrefix + k.Account + "/" + k.PoolID + "/" + k.JobID }

// Signer mints and verifies upload URLs with one key pair of the server's
// own. The key never leaves the server; it is not one of the admin access
// keys.
type Signer struct {
	// BaseURL is the server's public URL (scheme and host, as clients reach
	// it), e.g. "http://127.0.0.1:9229". The Host a client sends must be
	// its host: it is signed.
	BaseURL string
	// AccessKeyID and Secret sign the URLs. AccessKeyID appears in them.
	AccessKeyID string
	Secret      string
	// Region is the server's region, signed into the credential scope.
	Region string
	// Expires is X-Amz-Expires; 0 means DefaultExpires.
	Expires time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (s *Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

var v4Signer = v4.NewSigner(func(o *v4.SignerOptions) {
	o.DisableURIPathEscaping = true // S3 signs the path as sent
})

// URL returns the pre-signed URL for k, valid from now for Expires:
//
//	<BaseURL>/_cognito/user-import/<account>/<poolId>/<jobId>?X-Amz-Algorithm=AWS4-HMAC-SHA256
//	  &X-Amz-Credential=...&X-Amz-Date=...&X-Amz-Expires=899
//	  &X-Amz-SignedHeaders=host%3Bx-amz-server-side-encryption&X-Amz-Signature=...
func (s *Signer) URL(k Key) (string, error) {
	if !k.Valid() {
		return "", errors.New("upload: invalid account, pool or job ID")
	}
	base, err := url.Parse(strings.TrimRight(s.BaseURL, "/"))
	if err != nil || base.Host == "" || (base.Scheme != "http" && base.Scheme != "https") {
		return "", fmt.Errorf("upload: BaseURL %q is not an http(s) URL", s.BaseURL)
	}
	expires := s.Expires
	if expires <= 0 {
		expires = DefaultExpires
	}
	q := url.Values{"X-Amz-Expires": {strconv.FormatInt(int64(expires/time.Second), 10)}}
	return s.presign(context.Background(), http.MethodPut, base.Scheme, base.Host, k.Path(), q, SSEValue, s.now())
}

// presign signs a PUT-like request the way URL does and returns the URL.
func (s *Signer) presign(ctx context.Context, method, scheme, host, path string, q url.Values, sse string, at time.Time) (string, error) {
	req, err := http.NewRequestWithContext(ctx, method, scheme+"://"+host+path+"?"+q.Encode(), nil)
	if err != nil {
		return "", err
	}
	req.Host = host
	if sse != "" {
		req.Header.Set(SSEHeader, sse)
	}
	creds := aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.Secret}
	signed, _, err := v4Signer.PresignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", service, s.Region, at)
	return signed, err
}

// verify checks r's query-string signature and returns the upload it is
// for, or the S3 error to answer. Checks run in S3's order: the
// authentication parameters, the credential, the time window, the
// signature.
func (s *Signer) verify(r *http.Request) (Key, *Error) {
	q := r.URL.Query()
	for _, p := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"} {
		if q.Get(p) == "" {
			return Key{}, errMissingAuth
		}
	}
	if q.Get("X-Amz-Algorithm") != algorithm {
		return Key{}, queryError(`X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`)
	}
	signedAt, err := time.Parse(timeFormat, q.Get("X-Amz-Date"))
	if err != nil {
		return Key{}, queryError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
	}
	expires, err := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
	switch {
	case err != nil:
		return Key{}, queryError("X-Amz-Expires should be a number")
	case expires < 0:
		return Key{}, queryError("X-Amz-Expires must be non-negative")
	case expires > maxExpires:
		return Key{}, queryError("X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	cred := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(cred) != 5 || cred[4] != "aws4_request" {
		return Key{}, queryError(`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)
	}
	if cred[2] != s.Region {
		return Key{}, queryError(fmt.Sprintf("Error parsing the X-Amz-Credential parameter; the region '%s' is wrong; expecting '%s'", cred[2], s.Region))
	}
	if cred[3] != service {
		return Key{}, queryError(fmt.Sprintf("Error parsing the X-Amz-Credential parameter; incorrect service \"%s\". This endpoint belongs to \"s3\".", cred[3]))
	}
	if cred[1] != signedAt.Format("20060102") {
		return Key{}, queryError(fmt.Sprintf("Error parsing the X-Amz-Credential parameter; incorrect date format \"%s\". This date in the credential must be in the format \"yyyyMMdd\".", cred[1]))
	}
	if subtle.ConstantTimeCompare([]byte(cred[0]), []byte(s.AccessKeyID)) != 1 {
		return Key{}, errUnknownKey(cred[0])
	}
	now := s.now()
	if signedAt.Sub(now) > maxSkew {
		return Key{}, errNotYetValid
	}
	if end := signedAt.Add(time.Duration(expires) * time.Second); now.After(end) {
		return Key{}, errExpired(expires, end, now)
	}

	// The signature: rebuild the request the URL was minted for.
	provided := q.Get("X-Amz-Signature")
	mismatch := errSignature(s.AccessKeyID, provided)
	if !strings.EqualFold(q.Get("X-Amz-SignedHeaders"), signedHeaders) {
		return Key{}, mismatch
	}
	sse := r.Header.Values(SSEHeader)
	if len(sse) != 1 {
		return Key{}, mismatch
	}
	rest := url.Values{}
	for name, vals := range q {
		switch name {
		case "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature":
		default:
			rest[name] = vals
		}
	}
	want, err := s.presign(r.Context(), r.Method, "http", r.Host, r.URL.EscapedPath(), rest, sse[0], signedAt)
	if err != nil {
		return Key{}, mismatch
	}
	wu, err := url.Parse(want)
	if err != nil || subtle.ConstantTimeCompare([]byte(wu.Query().Get("X-Amz-Signature")), []byte(provided)) != 1 {
		return Key{}, mismatch
	}
	// A valid signature for a path we would never sign: refuse all the same.
	k, ok := keyOf(r.URL.Path)
	if !ok {
		return Key{}, errAccessDenied
	}
	return k, nil
}

// keyOf parses an upload path.
func keyOf(path string) (Key, bool) {
	rest, ok := strings.CutPrefix(path, PathPrefix)
	if !ok {
		return Key{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		return Key{}, false
	}
	k := Key{Account: parts[0], PoolID: parts[1], JobID: parts[2]}
	return k, k.Valid()
}
