package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

var ctx = context.Background()

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthAndMetrics(t *testing.T) {
	env := servertest.New(t)
	if code, body := get(t, env.URL+"/health"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("/health = %d %s", code, body)
	}
	env.CreatePool(nil)
	env.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("us-east-1_Nope12345")})
	code, body := get(t, env.URL+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`userpoold_requests_total{error="",operation="CreateUserPool"} 1`,
		`userpoold_requests_total{error="ResourceNotFoundException",operation="DescribeUserPool"} 1`,
		`userpoold_request_duration_seconds_bucket{operation="CreateUserPool"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestDiscoveryDocuments(t *testing.T) {
	env := servertest.New(t)
	pool := env.CreatePool(nil)
	code, body := get(t, env.URL+"/"+pool+"/.well-known/openid-configuration")
	var doc map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &doc) != nil {
		t.Fatalf("openid-configuration = %d %s", code, body)
	}
	if doc["issuer"] != env.URL+"/"+pool || doc["jwks_uri"] != env.URL+"/"+pool+"/.well-known/jwks.json" {
		t.Errorf("discovery = %v", doc)
	}
	code, body = get(t, env.URL+"/"+pool+"/.well-known/jwks.json")
	var jwks struct {
		Keys []struct{ Kid, Kty, Alg, Use, N, E string }
	}
	if code != 200 || json.Unmarshal([]byte(body), &jwks) != nil || len(jwks.Keys) != 2 {
		t.Fatalf("jwks = %d %s", code, body)
	}
	for _, k := range jwks.Keys {
		if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" || k.E != "AQAB" || len(k.Kid) != 44 {
			t.Errorf("key = %+v", k)
		}
	}
	if code, _ := get(t, env.URL+"/us-east-1_Nope12345/.well-known/jwks.json"); code != 404 {
		t.Errorf("unknown pool JWKS = %d", code)
	}
}

// TestOutboxResolvesNames reads codes by the name a user signs in with —
// an email in an email-username pool, any case, or the sub — not only by the
// internal username they are recorded under.
func TestOutboxResolvesNames(t *testing.T) {
	env := servertest.New(t)
	pool := env.CreatePool(&cip.CreateUserPoolInput{
		UsernameAttributes:     []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
	})
	client := env.CreateClient(pool, nil)
	out, err := env.Anonymous.SignUp(ctx, &cip.SignUpInput{
		ClientId: client.ClientId, Username: aws.String("Eve@Example.com"), Password: aws.String("Passw0rd!"),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Eve@Example.com", "eve@example.com", aws.ToString(out.UserSub)} {
		m := env.Outbox(pool, name)
		if len(m) != 1 || len(m[0].Code) != 6 || m[0].Channel != "EMAIL" || m[0].Destination != "Eve@Example.com" {
			t.Errorf("outbox for %q = %+v", name, m)
		}
	}
	if m := env.Outbox(pool, "nobody@example.com"); len(m) != 0 {
		t.Errorf("outbox for an unknown name = %+v", m)
	}
}

// TestOpenAdminModeGuards checks the no-admin-keys development mode: any
// signature is accepted, but only from non-browser clients naming a
// loopback host.
func TestOpenAdminModeGuards(t *testing.T) {
	env := servertest.New(t, func(c *config.Config) { c.AdminKeys = nil })
	if _, err := env.Client.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(1)}); err != nil {
		t.Fatalf("any signature on loopback: %v", err)
	}
	send := func(host, origin string) int {
		body := `{"MaxResults":1}`
		req, _ := http.NewRequest("POST", env.URL+"/", strings.NewReader(body))
		req.Host = host
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.ListUserPools")
		req.Header.Set("X-Amz-Date", "20260101T000000Z")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send("rebind.attacker.example", ""); code != 400 {
		t.Errorf("foreign Host: %d", code)
	}
	if code := send("127.0.0.1", "https://evil.example"); code != 400 {
		t.Errorf("browser Origin: %d", code)
	}
	req, _ := http.NewRequest("GET", env.URL+"/_userpoold/outbox?userPoolId=x", nil)
	req.Host = "rebind.attacker.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("outbox under a foreign Host: %d", resp.StatusCode)
	}
}
