package hostile

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/userpoold/userpoold/internal/server/servertest"
)

const msgBadSignature = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// TestAdminSignature attacks the signature of admin operations. Each row
// is one request an attacker can make without the admin secret; the user it
// targets survives them all.
func TestAdminSignature(t *testing.T) {
	e := newUserEnv(t)
	getAlice := jsonBody(t, map[string]string{"UserPoolId": e.pool, "Username": "alice"})

	// The control: the real SDK signer, and a request signed by hand with
	// the admin key, are served.
	if _, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("alice")}); err != nil {
		t.Fatalf("SDK admin call: %v", err)
	}
	adminCall(t, e.Env, "AdminGetUser", getAlice, signer{}).want(t, 200, "", "")
	adminCall(t, e.Env, "AdminGetUser", getAlice, signer{at: time.Now().Add(-4*time.Minute - 50*time.Second)}).want(t, 200, "", "")

	tests := []struct {
		name    string
		req     func(t *testing.T) *http.Request
		typ     string
		message string
	}{
		{"unsigned", func(t *testing.T) *http.Request {
			return apiRequest(t, e.Env, "AdminDeleteUser", []byte(getAlice))
		}, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"a bearer token instead of a signature", func(t *testing.T) *http.Request {
			r := apiRequest(t, e.Env, "AdminDeleteUser", []byte(getAlice))
			r.Header.Set("Authorization", "Bearer "+aws.ToString(e.signIn(t, e.client, "alice").AccessToken))
			return r
		}, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"incomplete Authorization", func(t *testing.T) *http.Request {
			r := apiRequest(t, e.Env, "AdminDeleteUser", []byte(getAlice))
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 SignedHeaders=host")
			return r
		}, "IncompleteSignatureException", "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 SignedHeaders=host"},
		{"unknown access key", func(t *testing.T) *http.Request {
			return signer{akid: "AKIDATTACKER"}.sign(t, apiRequest(t, e.Env, "AdminDeleteUser", []byte(getAlice)), []byte(getAlice))
		}, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"wrong secret", func(t *testing.T) *http.Request {
			return signer{secret: "guessed"}.sign(t, apiRequest(t, e.Env, "AdminDeleteUser", []byte(getAlice)), []byte(getAlice))
		}, "InvalidSignatureException", msgBadSignature},
		{"tampered body", func(t *testing.T) *http.Request {
			other := jsonBody(t, map[string]string{"UserPoolId": e.pool, "Username": "bob"})
			r := apiRequest(t, e.Env, "AdminDeleteUser", []byte(getAlice))
			signed := signer{}.sign(t, apiRequest(t, e.Env, "AdminDeleteUser", []byte(other)), []byte(other))
			r.Header = signed.Header
			return r
		}, "InvalidSignatureException", msgBadSignature},
		{"UNSIGNED-PAYLOAD", func(t *testing.T) *http.Request {
			r := apiRequest(t, e.Env, "AdminDeleteUser", []byte(getAlice))
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: servertest.AccessKeyID, SecretAccessKey: servertest.SecretAccessKey},
				r, "UNSIGNED-PAYLOAD", "cognito-idp", servertest.Region, time.Now())
			return r
		}, "InvalidSignatureException", msgBadSignature},
		{"operation splice, target signed", func(t *testing.T) *http.Request {
			r := signer{}.sign(t, apiRequest(t, e.Env, "AdminGetUser", []byte(getAlice)), []byte(getAlice))
			r.Header.Set("X-Amz-Target", targetPrefix+"AdminDeleteUser")
			return r
		}, "InvalidSignatureException", msgBadSignature},
		{"operation splice, target left out of the signature", func(t *testing.T) *http.Request {
			// A signer that signs only host and x-amz-date (as curl --aws-sigv4
			// and hand-written signers do): the captured request names
			// AdminGetUser, the replay AdminDeleteUser.
			r := signer{}.sign(t, apiRequest(t, e.Env, "", []byte(getAlice)), []byte(getAlice))
			r.Header.Set("X-Amz-Target", targetPrefix+"AdminDeleteUser")
			return r
		}, "InvalidSignatureException", "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."},
		{"host left out of the signature", func(t *testing.T) *http.Request {
			r := signer{}.sign(t, apiRequest(t, e.Env, "AdminDeleteUser", []byte(getAlice)), []byte(getAlice))
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";host;", ";", 1))
			return r
		}, "InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{"another region", func(t *testing.T) *http.Request {
			return signer{region: "eu-west-1"}.sign(t, apiRequest(t, e.Env, "AdminDeleteUser", []byte(getAlice)), []byte(getAlice))
		}, "InvalidSignatureException", "Credential should be scoped to a valid region, not 'eu-west-1'. "},
		{"another service", func(t *testing.T) *http.Request {
			return signer{service: "cognito-identity"}.sign(t, apiRequest(t, e.Env, "AdminDeleteUser", []byte(getAlice)), []byte(getAlice))
		}, "InvalidSignatureException", "Credential should be scoped to correct service: 'cognito-idp'. "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			do(t, tc.req(t)).want(t, 400, tc.typ, tc.message)
		})
	}

	// The clock: AWS's five minutes either way. The messages name the
	// server's time, so only their fixed parts are compared.
	stale := time.Now().Add(-6 * time.Minute).UTC()
	a := adminCall(t, e.Env, "AdminDeleteUser", getAlice, signer{at: stale})
	a.want(t, 400, "InvalidSignatureException", "")
	if !strings.HasPrefix(a.Message, "Signature expired: "+stale.Format("20060102T150405Z")+" is now earlier than ") || !strings.HasSuffix(a.Message, " - 5 min.)") {
		t.Errorf("stale: %q", a.Message)
	}
	future := time.Now().Add(6 * time.Minute).UTC()
	a = adminCall(t, e.Env, "AdminDeleteUser", getAlice, signer{at: future})
	a.want(t, 400, "InvalidSignatureException", "")
	if !strings.HasPrefix(a.Message, "Signature not yet current: "+future.Format("20060102T150405Z")+" is still later than ") || !strings.HasSuffix(a.Message, " + 5 min.)") {
		t.Errorf("future: %q", a.Message)
	}

	if _, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("alice")}); err != nil {
		t.Fatalf("the target of the attacks is gone: %v", err)
	}
}

// TestOwnAdminEndpoints attacks userpoold's own admin endpoints, which are
// authorized like admin operations and answer 403.
func TestOwnAdminEndpoints(t *testing.T) {
	e := newUserEnv(t)
	rotate := func() *http.Request {
		r, _ := http.NewRequest(http.MethodPost, e.URL+"/_userpoold/rotate-keys?userPoolId="+e.pool, nil)
		return r
	}
	outbox := func() *http.Request {
		r, _ := http.NewRequest(http.MethodGet, e.URL+"/_userpoold/outbox?userPoolId="+e.pool, nil)
		return r
	}
	do(t, rotate()).want(t, 403, "MissingAuthenticationTokenException", "Missing Authentication Token")
	do(t, signer{secret: "guessed"}.sign(t, rotate(), nil)).want(t, 403, "InvalidSignatureException", msgBadSignature)
	do(t, outbox()).want(t, 403, "MissingAuthenticationTokenException", "Missing Authentication Token")
	do(t, signer{region: "eu-west-1"}.sign(t, outbox(), nil)).want(t, 403, "InvalidSignatureException", "Credential should be scoped to a valid region, not 'eu-west-1'. ")
	do(t, signer{at: time.Now().Add(-10 * time.Minute)}.sign(t, outbox(), nil)).want(t, 403, "InvalidSignatureException", "")
	// A signed outbox read replayed as a key rotation: the method is signed.
	r := signer{}.sign(t, outbox(), nil)
	replay := rotate()
	replay.Header = r.Header
	do(t, replay).want(t, 403, "InvalidSignatureException", msgBadSignature)
	// The control.
	do(t, signer{}.sign(t, outbox(), nil)).want(t, 200, "", "")
}
