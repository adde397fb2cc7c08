package sigv4

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// TestAWSVector checks the verifier against the get-vanilla case of AWS's
// published SigV4 test suite, so the test does not only agree with itself.
func TestAWSVector(t *testing.T) {
	v := &Verifier{
		Service: "service",
		Region:  "us-east-1",
		Secrets: map[string]string{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
		Now:     func() time.Time { return time.Date(2015, 8, 30, 12, 40, 0, 0, time.UTC) },
	}
	r := httptest.NewRequest("GET", "http://example.amazonaws.com/", nil)
	r.Host = "example.amazonaws.com"
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	good := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	r.Header.Set("Authorization", good)
	if _, err := v.Verify(r, nil); err != nil {
		t.Fatalf("published vector rejected: %v", err)
	}
	r.Header.Set("Authorization", strings.Replace(good, "5fa00f", "5fa00e", 1))
	if _, err := v.Verify(r, nil); code(err) != "InvalidSignatureException" {
		t.Fatalf("tampered signature: %v", err)
	}
}

func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// TestSDKClient drives the verifier with the real aws-sdk-go-v2 Cognito
// client, which signs admin operations.
func TestSDKClient(t *testing.T) {
	var got []string
	now := time.Now()
	v := &Verifier{Service: "cognito-idp", Secrets: map[string]string{"AKID1": "secret1"}, Now: func() time.Time { return now }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, err := v.Verify(r, body)
		if err != nil {
			got = append(got, code(err))
			w.Header().Set("x-amzn-ErrorType", code(err)+":")
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"`+code(err)+`","message":"x"}`)
			return
		}
		got = append(got, "ok")
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"UserPools":[]}`)
	}))
	defer srv.Close()

	call := func(akid, secret string) {
		c := cip.New(cip.Options{
			Region:           "eu-west-1",
			BaseEndpoint:     aws.String(srv.URL),
			Credentials:      credentials.NewStaticCredentialsProvider(akid, secret, ""),
			RetryMaxAttempts: 1,
		})
		c.ListUserPools(context.Background(), &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)})
	}
	call("AKID1", "secret1")
	call("AKID1", "wrong")
	call("AKID2", "secret1")
	want := []string{"ok", "InvalidSignatureException", "UnrecognizedClientException"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("results = %v, want %v", got, want)
	}
}

func TestErrors(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	v := &Verifier{Service: "cognito-idp", Region: "us-east-1", Secrets: map[string]string{"AKID": "s"}, Now: func() time.Time { return now }}
	body := []byte(`{}`)
	type req struct {
		at                    time.Time
		akid, secret, service string
		region                string
		// unsigned headers are set after signing, so they are not among
		// SignedHeaders.
		unsigned map[string]string
		// authz, when set, replaces the Authorization header.
		authz func(string) string
		// drop removes headers after signing.
		drop []string
	}
	build := func(q req) *http.Request {
		if q.akid == "" {
			q.akid = "AKID"
		}
		if q.secret == "" {
			q.secret = "s"
		}
		if q.service == "" {
			q.service = "cognito-idp"
		}
		if q.region == "" {
			q.region = "us-east-1"
		}
		if q.at.IsZero() {
			q.at = now
		}
		r := httptest.NewRequest("POST", "http://localhost:9229/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		if _, ok := q.unsigned["X-Amz-Target"]; !ok {
			r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.ListUserPools")
		}
		v4signer().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: q.akid, SecretAccessKey: q.secret}, r, sha(body), q.service, q.region, q.at)
		for k, val := range q.unsigned {
			r.Header.Set(k, val)
		}
		for _, k := range q.drop {
			r.Header.Del(k)
		}
		if q.authz != nil {
			r.Header.Set("Authorization", q.authz(r.Header.Get("Authorization")))
		}
		return r
	}
	replace := func(old, new string) func(string) string {
		return func(s string) string { return strings.Replace(s, old, new, 1) }
	}
	const badSig = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	tests := []struct {
		name     string
		req      req
		any      bool
		wantCode string
		wantMsg  string // exact; "" with a code means not checked
	}{
		{name: "good", req: req{}},
		{name: "missing", req: req{drop: []string{"Authorization"}}, wantCode: "MissingAuthenticationTokenException", wantMsg: "Missing Authentication Token"},
		{name: "not sigv4", req: req{authz: func(string) string { return "Bearer abc" }}, wantCode: "MissingAuthenticationTokenException", wantMsg: "Missing Authentication Token"},
		{name: "every part missing", req: req{drop: []string{"X-Amz-Date"}, authz: func(string) string { return "AWS4-HMAC-SHA256 Foo=bar" }},
			wantCode: "IncompleteSignatureException",
			wantMsg:  "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Foo=bar"},
		{name: "no signature", req: req{authz: func(s string) string { return s[:strings.Index(s, ", Signature=")] }},
			wantCode: "IncompleteSignatureException"},
		{name: "bad date", req: req{unsigned: map[string]string{"X-Amz-Date": "2026-01-02T03:04:05Z"}}, wantCode: "IncompleteSignatureException",
			wantMsg: "Date must be in ISO-8601 'basic format'. Got '2026-01-02T03:04:05Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "expired", req: req{at: now.Add(-5*time.Minute - time.Second)}, wantCode: "InvalidSignatureException",
			wantMsg: "Signature expired: 20260102T025904Z is now earlier than 20260102T025905Z (20260102T030405Z - 5 min.)"},
		{name: "five minutes old is fine", req: req{at: now.Add(-5 * time.Minute)}},
		{name: "five minutes ahead is fine", req: req{at: now.Add(5 * time.Minute)}},
		{name: "future", req: req{at: now.Add(6 * time.Minute)}, wantCode: "InvalidSignatureException",
			wantMsg: "Signature not yet current: 20260102T031005Z is still later than 20260102T030905Z (20260102T030405Z + 5 min.)"},
		{name: "expired even with an unknown key in any-key mode", req: req{akid: "NOPE", at: now.Add(-time.Hour)}, any: true, wantCode: "InvalidSignatureException"},
		{name: "host not signed", req: req{authz: replace("SignedHeaders=content-length;content-type;host;", "SignedHeaders=content-length;content-type;")},
			wantCode: "InvalidSignatureException", wantMsg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "date not signed", req: req{authz: replace(";x-amz-date;", ";")},
			wantCode: "InvalidSignatureException", wantMsg: "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "operation not signed", req: req{unsigned: map[string]string{"X-Amz-Target": "AWSCognitoIdentityProviderService.AdminDeleteUser"}},
			wantCode: "InvalidSignatureException", wantMsg: "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "operation not signed, any-key mode", req: req{akid: "NOPE", unsigned: map[string]string{"X-Amz-Target": "AWSCognitoIdentityProviderService.AdminDeleteUser"}}, any: true,
			wantCode: "InvalidSignatureException", wantMsg: "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "content hash not signed", req: req{unsigned: map[string]string{"X-Amz-Content-Sha256": sha(body)}},
			wantCode: "InvalidSignatureException", wantMsg: "'X-Amz-Content-Sha256' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "algorithm", req: req{authz: replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")}, wantCode: "IncompleteSignatureException",
			wantMsg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "},
		{name: "short credential", req: req{authz: replace("/us-east-1/cognito-idp/", "/us-east-1/")}, wantCode: "IncompleteSignatureException",
			wantMsg: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID/20260102/us-east-1/aws4_request'"},
		{name: "wrong region", req: req{region: "eu-west-1"}, wantCode: "InvalidSignatureException",
			wantMsg: "Credential should be scoped to a valid region, not 'eu-west-1'. "},
		{name: "wrong service", req: req{service: "s3"}, wantCode: "InvalidSignatureException",
			wantMsg: "Credential should be scoped to correct service: 'cognito-idp'. "},
		{name: "wrong region and service, any-key mode", req: req{akid: "NOPE", region: "eu-west-1", service: "s3"}, any: true, wantCode: "InvalidSignatureException",
			wantMsg: "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped to correct service: 'cognito-idp'. "},
		{name: "wrong terminator", req: req{authz: replace("/aws4_request", "/aws5_request")}, wantCode: "InvalidSignatureException",
			wantMsg: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "},
		{name: "scope date", req: req{authz: replace("/20260102/", "/20260101/")}, wantCode: "InvalidSignatureException",
			wantMsg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260101' != '20260102', from '20260102T030405Z'."},
		{name: "unknown key", req: req{akid: "NOPE"}, wantCode: "UnrecognizedClientException", wantMsg: "The security token included in the request is invalid."},
		{name: "unknown key, any-key mode", req: req{akid: "NOPE"}, any: true},
		{name: "wrong secret", req: req{secret: "t"}, wantCode: "InvalidSignatureException", wantMsg: badSig},
		{name: "wrong secret still checked in any-key mode", req: req{secret: "t"}, any: true, wantCode: "InvalidSignatureException", wantMsg: badSig},
	}
	tampered := build(req{})
	tampered.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.DeleteUserPool")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v.AnyKey = tc.any
			_, err := v.Verify(build(tc.req), body)
			if code(err) != tc.wantCode {
				t.Fatalf("err = %v, want %q", err, tc.wantCode)
			}
			if tc.wantMsg != "" && err.(*Error).Message != tc.wantMsg {
				t.Errorf("message = %q\nwant      %q", err.(*Error).Message, tc.wantMsg)
			}
			if err != nil && err.(*Error).HTTPStatusCode() != 400 {
				t.Errorf("status %d", err.(*Error).HTTPStatusCode())
			}
		})
	}
	v.AnyKey = false
	if _, err := v.Verify(tampered, body); code(err) != "InvalidSignatureException" {
		t.Errorf("tampered signed header: %v", err)
	}
	// A changed body fails too.
	if _, err := v.Verify(build(req{}), []byte(`{"x":1}`)); code(err) != "InvalidSignatureException" {
		t.Errorf("changed body: %v", err)
	}
}

// TestOperationSplice is the attack of issue 15: a signer that left
// X-Amz-Target out of SignedHeaders produced a request that, captured, could
// be replayed as any other operation. Such a request is now refused, even
// unchanged, so a splice has nothing to start from.
func TestOperationSplice(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	v := &Verifier{Service: "cognito-idp", Region: "us-east-1", Secrets: map[string]string{"AKID": "s"}, Now: func() time.Time { return now }}
	body := []byte(`{"UserPoolId":"us-east-1_A","Username":"alice"}`)
	r := httptest.NewRequest("POST", "http://localhost:9229/", bytes.NewReader(body))
	v4signer().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "s"}, r, sha(body), "cognito-idp", "us-east-1", now)
	if !strings.Contains(r.Header.Get("Authorization"), "SignedHeaders=content-length;host;x-amz-date,") {
		t.Fatalf("signed %q", r.Header.Get("Authorization"))
	}
	for _, op := range []string{"AdminGetUser", "AdminDeleteUser"} {
		r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
		_, err := v.Verify(r, body)
		if code(err) != "InvalidSignatureException" || !strings.Contains(err.Error(), "'X-Amz-Target' must be a 'SignedHeader'") {
			t.Errorf("%s with an unsigned target: %v", op, err)
		}
	}
	// The same request is fine where no operation is named by a header (the
	// /_userpoold endpoints).
	r.Header.Del("X-Amz-Target")
	if _, err := v.Verify(r, body); err != nil {
		t.Errorf("no target: %v", err)
	}
}

// TestBodySwap checks that a captured signed request cannot be replayed with
// another body, even when it claims the original body's hash.
func TestBodySwap(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	v := &Verifier{Service: "cognito-idp", Region: "us-east-1", Secrets: map[string]string{"AKID": "s"}, Now: func() time.Time { return now }}
	orig := []byte(`{"UserPoolId":"us-east-1_A","Username":"alice"}`)
	r := httptest.NewRequest("POST", "http://localhost:9229/", bytes.NewReader(orig))
	r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminCreateUser")
	r.Header.Set("X-Amz-Content-Sha256", sha(orig))
	v4signer().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "s"}, r, sha(orig), "cognito-idp", "us-east-1", now)
	if _, err := v.Verify(r, orig); err != nil {
		t.Fatalf("original request: %v", err)
	}
	evil := []byte(`{"UserPoolId":"us-east-1_A","Username":"evil1"}`)
	if _, err := v.Verify(r, evil); code(err) != "InvalidSignatureException" {
		t.Errorf("swapped body with the original hash header: %v", err)
	}
	r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if _, err := v.Verify(r, evil); code(err) != "InvalidSignatureException" {
		t.Errorf("swapped body with UNSIGNED-PAYLOAD: %v", err)
	}
}
