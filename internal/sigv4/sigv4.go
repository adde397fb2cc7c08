package sigv4

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// MaxSkew is how far the signing time (X-Amz-Date) may be from the server's
// clock, either way: AWS's five minutes.
const MaxSkew = 5 * time.Minute

const (
	algorithm  = "AWS4-HMAC-SHA256"
	terminator = "aws4_request"
	timeFormat = "20060102T150405Z"
	dateFormat = "20060102"
)

// Error is a signature verification failure. Every one is answered with
// HTTP 400, as AWS's JSON services answer them (Cognito answers an unknown
// access key "400 Bad Request", and InvalidSignatureException "Signature
// expired" arrives with status 400).
type Error struct {
	Code    string `json:"-"`
	Message string `json:"message"`
}

func (e *Error) Error() string        { return e.Code + ": " + e.Message }
func (e *Error) ErrorCode() string    { return e.Code }
func (e *Error) ErrorMessage() string { return e.Message }
func (e *Error) HTTPStatusCode() int  { return http.StatusBadRequest }

// The error codes Verify returns.
const (
	CodeMissing      = "MissingAuthenticationTokenException"
	CodeIncomplete   = "IncompleteSignatureException"
	CodeInvalid      = "InvalidSignatureException"
	CodeUnrecognized = "UnrecognizedClientException"
)

// Messages. Where no source is named, the wording is AWS's as its JSON
// services (DynamoDB, Kinesis, Cognito) answer it; the order of the checks in
// Verify is theirs too (recorded in mhart/dynalite's index.js from real
// answers).
const (
	// A real Cognito answer to an unsigned admin call (aws-sdk-net-extensions-
	// cognito#95). UNCONFIRMED: DynamoDB words it "Request is missing
	// Authentication Token".
	msgMissing      = "Missing Authentication Token"
	msgUnknownKey   = "The security token included in the request is invalid."
	msgBadSignature = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	// Real answers of AWS's JSON services (aws-sdk-php#2469, DynamoDB).
	msgHostUnsigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
)

var (
	errMissing      = &Error{CodeMissing, msgMissing}
	errUnknownKey   = &Error{CodeUnrecognized, msgUnknownKey}
	errBadSignature = &Error{CodeInvalid, msgBadSignature}
)

// mustSign returns the error for a header that must be among SignedHeaders
// but is not. AWS itself requires only Host; the other names follow its
// wording for Host. UNCONFIRMED: the exact text AWS would use for them.
func mustSign(header string) *Error {
	return &Error{CodeInvalid, "'" + header + "' must be a 'SignedHeader' in the AWS Authorization."}
}

// Verifier checks SigV4 signatures for one service in one region.
type Verifier struct {
	// Service is the signing name, e.g. "cognito-idp".
	Service string
	// Region is the server's region; the credential scope must name it. An
	// empty Region accepts any region.
	Region string
	// Secrets maps access key IDs to secret access keys. When AnyKey is
	// true, an unknown key is accepted and the signature is not checked (the
	// loopback-only development mode); the rest of the request is checked as
	// usual.
	Secrets map[string]string
	AnyKey  bool
	// Now is the clock signing times are judged by; nil means time.Now.
	Now func() time.Time
}

// Credentials is what a verified request was signed with.
type Credentials struct {
	AccessKeyID string
	Region      string
}

// Verify checks r's Authorization header against body, the request body
// exactly as received. It returns the credentials on success and an *Error
// otherwise. Besides the signature it requires what the SDKs always sign:
//
//   - host and x-amz-date among SignedHeaders;
//   - x-amz-target among them whenever the request carries X-Amz-Target
//     (the operation name of an AWS JSON call), so that a captured request
//     cannot be replayed as another operation;
//   - x-amz-content-sha256 among them whenever the request carries it, and
//     then equal to the hash of body (UNSIGNED-PAYLOAD is refused); the
//     canonical request always covers the hash of body itself;
//   - a credential scope of the server's region, the Service and the
//     aws4_request terminator, dated the day of X-Amz-Date;
//   - an X-Amz-Date within MaxSkew of Now.
//
// Query-string (presigned) authentication and the Date header are not
// supported: a request must carry Authorization and X-Amz-Date.
func (v *Verifier) Verify(r *http.Request, body []byte) (Credentials, error) {
	authz := r.Header.Get("Authorization")
	if !strings.HasPrefix(strings.TrimSpace(authz), "AWS4-") {
		// AWS answers a missing or non-SigV4 Authorization alike.
		return Credentials{}, errMissing
	}
	amzDate := r.Header.Get("X-Amz-Date")
	a, perr := parseAuthorization(authz, amzDate != "")
	if perr != nil {
		return Credentials{}, perr
	}
	signed, err := time.Parse(timeFormat, amzDate)
	if err != nil {
		return Credentials{}, &Error{CodeIncomplete, fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", amzDate)}
	}
	if err := v.checkSkew(signed); err != nil {
		return Credentials{}, err
	}
	if err := checkSignedHeaders(r, a.signedHeaders); err != nil {
		return Credentials{}, err
	}
	if a.algorithm != algorithm {
		return Credentials{}, &Error{CodeIncomplete, fmt.Sprintf("Unsupported AWS 'algorithm': '%s' (only %s for now). ", a.algorithm, algorithm)}
	}
	scope := strings.Split(strings.TrimRight(a.credential, "/"), "/")
	if len(scope) != 5 {
		return Credentials{}, &Error{CodeIncomplete, fmt.Sprintf("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", a.credential)}
	}
	accessKey, date, region, service, term := scope[0], scope[1], scope[2], scope[3], scope[4]
	if msg := v.scopeProblems(date, region, service, term, signed, amzDate); msg != "" {
		return Credentials{}, &Error{CodeInvalid, msg}
	}

	creds := Credentials{AccessKeyID: accessKey, Region: region}
	secret, known := v.Secrets[accessKey]
	if !known {
		if v.AnyKey && accessKey != "" {
			return creds, nil
		}
		return Credentials{}, errUnknownKey
	}
	if err := verifySignature(r, body, a, accessKey, secret, region, service, signed); err != nil {
		return Credentials{}, err
	}
	return creds, nil
}

// checkSkew refuses a signing time more than MaxSkew from Now, with AWS's
// messages, e.g. "Signature expired: 20160610T180547Z is now earlier than
// 20160610T180612Z (20160610T181112Z - 5 min.)" and "Signature not yet
// current: 20181120T211543Z is still later than 20181120T211529Z
// (20181120T211029Z + 5 min.)" (real answers).
func (v *Verifier) checkSkew(signed time.Time) *Error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	now = now.UTC().Truncate(time.Second)
	minutes := int(MaxSkew / time.Minute)
	switch {
	case signed.Before(now.Add(-MaxSkew)):
		return &Error{CodeInvalid, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d min.)",
			signed.Format(timeFormat), now.Add(-MaxSkew).Format(timeFormat), now.Format(timeFormat), minutes)}
	case signed.After(now.Add(MaxSkew)):
		return &Error{CodeInvalid, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %d min.)",
			signed.Format(timeFormat), now.Add(MaxSkew).Format(timeFormat), now.Format(timeFormat), minutes)}
	}
	return nil
}

// checkSignedHeaders requires the headers every SDK signs (see Verify).
func checkSignedHeaders(r *http.Request, signedHeaders []string) *Error {
	has := func(name string) bool {
		return slices.ContainsFunc(signedHeaders, func(h string) bool { return strings.EqualFold(h, name) })
	}
	switch {
	case !has("host"):
		return &Error{CodeInvalid, msgHostUnsigned}
	case !has("x-amz-date"):
		return mustSign("X-Amz-Date")
	case len(r.Header.Values("X-Amz-Target")) > 0 && !has("x-amz-target"):
		return mustSign("X-Amz-Target")
	case len(r.Header.Values("X-Amz-Content-Sha256")) > 0 && !has("x-amz-content-sha256"):
		return mustSign("X-Amz-Content-Sha256")
	}
	return nil
}

// scopeProblems returns AWS's message for a credential scope that does not
// fit the server (every problem, concatenated as AWS does), or "".
func (v *Verifier) scopeProblems(date, region, service, term string, signed time.Time, amzDate string) string {
	var b strings.Builder
	if v.Region != "" && region != v.Region {
		fmt.Fprintf(&b, "Credential should be scoped to a valid region, not '%s'. ", region)
	}
	if service != v.Service {
		fmt.Fprintf(&b, "Credential should be scoped to correct service: '%s'. ", v.Service)
	}
	if term != terminator {
		fmt.Fprintf(&b, "Credential should be scoped with a valid terminator: '%s', not '%s'. ", terminator, term)
	}
	if day := signed.Format(dateFormat); date != day {
		fmt.Fprintf(&b, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", date, day, amzDate)
	}
	return b.String()
}

// verifySignature rebuilds exactly what the client signed (the signed
// headers only, the hash of the body received, the signing time), signs it
// with aws-sdk-go-v2's signer and compares the signatures in constant time.
func verifySignature(r *http.Request, body []byte, a authorization, accessKey, secret, region, service string, signed time.Time) *Error {
	u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	if u.Path == "" {
		u.Path = "/"
	}
	req, err := http.NewRequestWithContext(context.Background(), r.Method, u.String(), nil)
	if err != nil {
		return errBadSignature
	}
	req.Host = r.Host
	req.ContentLength = 0
	var sessionToken string
	for _, h := range a.signedHeaders {
		switch h {
		case "host", "x-amz-date":
		case "content-length":
			n, _ := strconv.ParseInt(r.Header.Get("Content-Length"), 10, 64)
			if n == 0 {
				n = r.ContentLength
			}
			req.ContentLength = n
		case "x-amz-security-token":
			sessionToken = r.Header.Get("X-Amz-Security-Token")
		default:
			vals := r.Header.Values(h)
			if len(vals) == 0 {
				return errBadSignature
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
		return errBadSignature
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = false })
	err = signer.SignHTTP(context.Background(), aws.Credentials{
		AccessKeyID: accessKey, SecretAccessKey: secret, SessionToken: sessionToken,
	}, req, payloadHash, service, region, signed)
	if err != nil {
		return errBadSignature
	}
	want, perr := parseAuthorization(req.Header.Get("Authorization"), true)
	if perr != nil {
		return errBadSignature
	}
	if strings.Join(want.signedHeaders, ";") != strings.Join(a.signedHeaders, ";") {
		// The client signed a header the SDK signer never signs (or the
		// other way round); the signatures cannot agree.
		return errBadSignature
	}
	if subtle.ConstantTimeCompare([]byte(want.signature), []byte(a.signature)) != 1 {
		return errBadSignature
	}
	return nil
}

// authorization is a parsed Authorization header.
type authorization struct {
	algorithm     string
	credential    string // keyid/date/region/service/terminator, as sent
	signedHeaders []string
	signature     string
}

// parseAuthorization parses
// "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=a;b, Signature=hex".
// Parameters may be separated by commas, spaces or both. It checks only
// that the parameters are present (and, with hasDate false, reports the
// missing X-Amz-Date alongside), with AWS's message listing every missing
// part followed by the header itself; their contents are checked by Verify.
func parseAuthorization(h string, hasDate bool) (authorization, *Error) {
	var a authorization
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	a.algorithm = alg
	var haveCred, haveSigned, haveSig bool
	for _, part := range strings.FieldsFunc(rest, func(c rune) bool { return c == ',' || c == ' ' }) {
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		switch k {
		case "Credential":
			a.credential, haveCred = val, val != ""
		case "SignedHeaders":
			// An empty list is a list: the Host check reports it.
			a.signedHeaders, haveSigned = nil, true
			if val != "" {
				a.signedHeaders = strings.Split(val, ";")
			}
		case "Signature":
			a.signature, haveSig = val, val != ""
		}
	}
	var msg strings.Builder
	for _, p := range []struct {
		name string
		ok   bool
	}{{"Credential", haveCred}, {"Signature", haveSig}, {"SignedHeaders", haveSigned}} {
		if !p.ok {
			msg.WriteString("Authorization header requires '" + p.name + "' parameter. ")
		}
	}
	if !hasDate {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		msg.WriteString("Authorization=" + h)
		return a, &Error{CodeIncomplete, msg.String()}
	}
	return a, nil
}
