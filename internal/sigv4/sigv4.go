package sigv4

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// MaxSkew is how far the signing time may be from the server's clock.
const MaxSkew = 15 * time.Minute

const (
	algorithm  = "AWS4-HMAC-SHA256"
	timeFormat = "20060102T150405Z"
)

// Error is a signature verification failure.
type Error struct {
	Code    string `json:"-"`
	Message string `json:"message"`
}

func (e *Error) Error() string        { return e.Code + ": " + e.Message }
func (e *Error) ErrorCode() string    { return e.Code }
func (e *Error) ErrorMessage() string { return e.Message }
func (e *Error) HTTPStatusCode() int  { return http.StatusBadRequest }

var (
	errMissing      = &Error{"MissingAuthenticationTokenException", "Missing Authentication Token"}
	errUnknownKey   = &Error{"UnrecognizedClientException", "The security token included in the request is invalid."}
	errBadSignature = &Error{"InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
)

func incomplete(msg string) *Error { return &Error{"IncompleteSignatureException", msg} }

// Verifier checks SigV4 signatures for one service.
type Verifier struct {
	// Service is the signing name, e.g. "cognito-idp".
	Service string
	// Secrets maps access key IDs to secret access keys. When AnyKey is
	// true, an unknown key is accepted and the signature is not checked (the
	// loopback-only development mode).
	Secrets map[string]string
	AnyKey  bool
	Now     func() time.Time
}

// Credentials is what a verified request was signed with.
type Credentials struct {
	AccessKeyID string
	Region      string
}

// Verify checks r's Authorization header against body. It returns the
// credentials on success and an *Error otherwise.
func (v *Verifier) Verify(r *http.Request, body []byte) (Credentials, error) {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return Credentials{}, errMissing
	}
	a, perr := parseAuthorization(authz)
	if perr != nil {
		return Credentials{}, perr
	}
	if a.service != v.Service {
		return Credentials{}, &Error{"InvalidSignatureException", fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", v.Service)}
	}
	amzDate := r.Header.Get("X-Amz-Date")
	signed, err := time.Parse(timeFormat, amzDate)
	if err != nil {
		return Credentials{}, incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + authz[:min(len(authz), 64)])
	}
	if signed.Format("20060102") != a.date {
		return Credentials{}, &Error{"InvalidSignatureException", fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.date, signed.Format("20060102"), amzDate)}
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if d := now.Sub(signed); d > MaxSkew || d < -MaxSkew {
		return Credentials{}, &Error{"InvalidSignatureException", fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			amzDate, now.UTC().Add(-MaxSkew).Format(timeFormat), now.UTC().Format(timeFormat))}
	}
	creds := Credentials{AccessKeyID: a.accessKey, Region: a.region}
	secret, known := v.Secrets[a.accessKey]
	if !known {
		if v.AnyKey {
			return creds, nil
		}
		return Credentials{}, errUnknownKey
	}

	// Rebuild exactly what the client signed.
	u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	if u.Path == "" {
		u.Path = "/"
	}
	req, err := http.NewRequestWithContext(context.Background(), r.Method, u.String(), nil)
	if err != nil {
		return Credentials{}, errBadSignature
	}
	req.Host = r.Host
	req.ContentLength = 0
	var sessionToken string
	for _, h := range a.signedHeaders {
		switch h {
		case "host":
		case "content-length":
			n, _ := strconv.ParseInt(r.Header.Get("Content-Length"), 10, 64)
			if n == 0 {
				n = r.ContentLength
			}
			req.ContentLength = n
		case "x-amz-date":
		case "x-amz-security-token":
			sessionToken = r.Header.Get("X-Amz-Security-Token")
		default:
			vals := r.Header.Values(h)
			if len(vals) == 0 {
				return Credentials{}, errBadSignature
			}
			for _, val := range vals {
				req.Header.Add(h, val)
			}
		}
	}
	// The signature covers the hash of the body actually received. A client
	// may also send that hash in X-Amz-Content-Sha256; it must then match,
	// and an unsigned payload is refused: otherwise a captured request could
	// be replayed with another body.
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if claimed := r.Header.Get("X-Amz-Content-Sha256"); claimed != "" && !strings.EqualFold(claimed, payloadHash) {
		return Credentials{}, errBadSignature
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = false })
	err = signer.SignHTTP(context.Background(), aws.Credentials{
		AccessKeyID: a.accessKey, SecretAccessKey: secret, SessionToken: sessionToken,
	}, req, payloadHash, a.service, a.region, signed)
	if err != nil {
		return Credentials{}, errBadSignature
	}
	want, perr := parseAuthorization(req.Header.Get("Authorization"))
	if perr != nil {
		return Credentials{}, errBadSignature
	}
	if strings.Join(want.signedHeaders, ";") != strings.Join(a.signedHeaders, ";") {
		// The client signed a header the SDK signer never signs (or the
		// other way round); the signatures cannot agree.
		return Credentials{}, errBadSignature
	}
	if subtle.ConstantTimeCompare([]byte(want.signature), []byte(a.signature)) != 1 {
		return Credentials{}, errBadSignature
	}
	return creds, nil
}

type authorization struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
}

// parseAuthorization parses
// "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=a;b, Signature=hex".
func parseAuthorization(h string) (authorization, *Error) {
	var a authorization
	alg, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || alg != algorithm {
		return a, incomplete("Authorization header requires '" + algorithm + "' algorithm.")
	}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "Credential":
			f := strings.Split(val, "/")
			if len(f) != 5 || f[4] != "aws4_request" || f[0] == "" {
				return a, incomplete("Authorization header requires a well-formed 'Credential' parameter.")
			}
			a.accessKey, a.date, a.region, a.service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			a.signedHeaders = strings.Split(val, ";")
		case "Signature":
			a.signature = val
		}
	}
	switch {
	case a.accessKey == "":
		return a, incomplete("Authorization header requires 'Credential' parameter.")
	case len(a.signedHeaders) == 0:
		return a, incomplete("Authorization header requires 'SignedHeaders' parameter.")
	case a.signature == "":
		return a, incomplete("Authorization header requires 'Signature' parameter.")
	}
	return a, nil
}
