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
	v := &Verifier{Service: "cognito-idp", Secrets: map[string]string{"AKID": "s"}, Now: func() time.Time { return now }}
	sign := func(t time.Time, akid, secret, service string) *http.Request {
		body := []byte(`{}`)
		r := httptest.NewRequest("POST", "http://localhost:9229/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.ListUserPools")
		s := v4signer()
		s.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, r, sha(body), service, "us-east-1", t)
		return r
	}
	tests := []struct {
		name string
		req  *http.Request
		any  bool
		want string
	}{
		{"good", sign(now, "AKID", "s", "cognito-idp"), false, ""},
		{"missing", httptest.NewRequest("POST", "/", nil), false, "MissingAuthenticationTokenException"},
		{"unknown key", sign(now, "NOPE", "s", "cognito-idp"), false, "UnrecognizedClientException"},
		{"unknown key, any-key mode", sign(now, "NOPE", "s", "cognito-idp"), true, ""},
		{"wrong secret", sign(now, "AKID", "t", "cognito-idp"), false, "InvalidSignatureException"},
		{"wrong secret still checked in any-key mode", sign(now, "AKID", "t", "cognito-idp"), true, "InvalidSignatureException"},
		{"expired", sign(now.Add(-20*time.Minute), "AKID", "s", "cognito-idp"), false, "InvalidSignatureException"},
		{"future", sign(now.Add(20*time.Minute), "AKID", "s", "cognito-idp"), false, "InvalidSignatureException"},
		{"wrong service", sign(now, "AKID", "s", "s3"), false, "InvalidSignatureException"},
	}
	garbage := httptest.NewRequest("POST", "/", nil)
	garbage.Header.Set("Authorization", "Bearer abc")
	tests = append(tests, struct {
		name string
		req  *http.Request
		any  bool
		want string
	}{"not sigv4", garbage, false, "IncompleteSignatureException"})
	tampered := sign(now, "AKID", "s", "cognito-idp")
	tampered.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.DeleteUserPool")
	tests = append(tests, struct {
		name string
		req  *http.Request
		any  bool
		want string
	}{"tampered signed header", tampered, false, "InvalidSignatureException"})

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v.AnyKey = tc.any
			_, err := v.Verify(tc.req, []byte(`{}`))
			if code(err) != tc.want {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	// A changed body fails too.
	r := sign(now, "AKID", "s", "cognito-idp")
	v.AnyKey = false
	if _, err := v.Verify(r, []byte(`{"x":1}`)); code(err) != "InvalidSignatureException" {
		t.Errorf("changed body: %v", err)
	}
}

// TestBodySwap checks that a captured signed request cannot be replayed with
// another body, even when it claims the original body's hash.
func TestBodySwap(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	v := &Verifier{Service: "cognito-idp", Secrets: map[string]string{"AKID": "s"}, Now: func() time.Time { return now }}
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
