package server_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// TestSecureCookiesBehindProxy: behind a TLS-terminating proxy (an https
// --public-url) the proxy's X-Forwarded-Proto: https makes the hosted
// pages' cookies Secure; without an https public URL the header is
// ignored.
func TestSecureCookiesBehindProxy(t *testing.T) {
	for _, c := range []struct {
		name      string
		publicURL string
		proto     string
		want      bool
	}{
		{"https public URL, proxy says https", "https://auth.example.test", "https", true},
		{"https public URL, no header", "https://auth.example.test", "", false},
		{"https public URL, proxy says http", "https://auth.example.test", "http", false},
		{"no public URL, header ignored", "", "https", false},
		{"http public URL, header ignored", "http://auth.example.test", "https", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := servertest.New(t, func(cfg *config.Config) { cfg.PublicURL = c.publicURL })
			pool := env.CreatePool(nil)
			if _, err := env.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(pool), Domain: aws.String(domainPrefix)}); err != nil {
				t.Fatal(err)
			}
			client := env.CreateClient(pool, &cip.CreateUserPoolClientInput{
				AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode},
				AllowedOAuthScopes: []string{"openid"}, CallbackURLs: []string{callbackURL}, SupportedIdentityProviders: []string{"COGNITO"},
			})
			req, _ := http.NewRequest("GET", env.URL+"/_domain/"+domainPrefix+"/login?response_type=code&client_id="+aws.ToString(client.ClientId)+"&redirect_uri="+callbackURL, nil)
			if c.proto != "" {
				req.Header.Set("X-Forwarded-Proto", c.proto)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var xsrf *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == "XSRF-TOKEN" {
					xsrf = ck
				}
			}
			if resp.StatusCode != 200 || xsrf == nil {
				t.Fatalf("login page = %d, XSRF-TOKEN %v", resp.StatusCode, xsrf)
			}
			if xsrf.Secure != c.want || !xsrf.HttpOnly {
				t.Errorf("XSRF-TOKEN Secure = %v, want %v (%+v)", xsrf.Secure, c.want, xsrf)
			}
		})
	}
}
