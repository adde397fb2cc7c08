package hostile

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// TestApplyAndClockEndpoints attacks POST /_userpoold/apply (which creates
// pools and users) and POST /_userpoold/clock (which moves every time rule
// of a --test-clock server): both are authorized like admin operations,
// with the body under the signature, and a web page cannot reach them.
func TestApplyAndClockEndpoints(t *testing.T) {
	env := servertest.New(t, func(c *config.Config) { c.TestClock = true })
	seed := []byte("pools:\n  - {id: us-east-1_Hostile1, name: hostile}\n")
	advance := []byte(`{"advance":"720h"}`)
	apply := func(body []byte) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, env.URL+"/_userpoold/apply", bytes.NewReader(body))
		return r
	}
	clock := func(body []byte) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, env.URL+"/_userpoold/clock", bytes.NewReader(body))
		return r
	}
	for name, req := range map[string]func([]byte) *http.Request{"apply": apply, "clock": clock} {
		body := seed
		if name == "clock" {
			body = advance
		}
		t.Run(name, func(t *testing.T) {
			do(t, req(body)).want(t, 403, "MissingAuthenticationTokenException", "Missing Authentication Token")
			do(t, signer{secret: "guessed"}.sign(t, req(body), body)).want(t, 403, "InvalidSignatureException", msgBadSignature)
			do(t, signer{at: time.Now().Add(-10 * time.Minute)}.sign(t, req(body), body)).want(t, 403, "InvalidSignatureException", "")
			// A signed body swapped for another: the body is signed.
			swapped := signer{}.sign(t, req([]byte("{}")), []byte("{}"))
			tampered := req(body)
			tampered.Header = swapped.Header
			do(t, tampered).want(t, 403, "InvalidSignatureException", msgBadSignature)
			// A web page's preflight finds nothing.
			r, _ := http.NewRequest(http.MethodOptions, req(nil).URL.String(), nil)
			r.Header.Set("Origin", "https://evil.example")
			r.Header.Set("Access-Control-Request-Method", "POST")
			if a := do(t, r); a.Status != 405 || len(corsHeaders(a.Header)) != 0 {
				t.Errorf("preflight: %d %v", a.Status, corsHeaders(a.Header))
			}
		})
	}
	// Nothing of the attacks took effect.
	if _, err := env.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("us-east-1_Hostile1")}); servertest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Errorf("an attack created the pool: %v", err)
	}
	if now := env.Server.Clock.Now(); time.Since(now).Abs() > time.Minute {
		t.Errorf("an attack moved the clock to %v", now)
	}
	// The controls.
	do(t, signer{}.sign(t, apply(seed), seed)).want(t, 200, "", "")
	do(t, signer{}.sign(t, clock(advance), advance)).want(t, 200, "", "")
}
