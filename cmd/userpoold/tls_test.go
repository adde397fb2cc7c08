package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestTLSListenerAndCA starts the server with --tls-addr, trusts what
// "userpoold ca" prints, and checks that the HTTPS listener serves the same
// API under a certificate for localhost, 127.0.0.1, every prefix domain and
// each registered custom domain, and that the base URL (hence the issuer
// and the discovery document) is the HTTPS one.
func TestTLSListenerAndCA(t *testing.T) {
	bin := buildBinary(t)
	addr, tlsAddr, data := freeAddr(t), freeAddr(t), t.TempDir()
	start(t, bin, addr, "--data", data, "--tls-addr", tlsAddr)

	var pem, errOut bytes.Buffer
	if code := run([]string{"ca", "--data", data}, func(string) string { return "" }, &pem, &errOut); code != 0 {
		t.Fatalf("ca exit %d: %s", code, errOut.String())
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem.Bytes()) {
		t.Fatalf("ca printed no certificate:\n%s", pem.String())
	}
	// A client that dials the TLS listener whatever the URL's host, and
	// checks the certificate against the CA for that host (SNI).
	httpsClient := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, tlsAddr)
		},
	}}
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := httpsClient.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, port, _ := net.SplitHostPort(tlsAddr)
	for _, host := range []string{"localhost", "127.0.0.1", "myapp.auth.us-east-1.amazoncognito.com"} {
		if code, _ := get("https://" + net.JoinHostPort(host, port) + "/health"); code != 200 {
			t.Errorf("https://%s /health = %d", host, code)
		}
	}

	ctx := context.Background()
	c := client(addr)
	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("tls")})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(pool.UserPool.Id)
	_, err = c.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(id), Domain: aws.String("auth.tls.example.com"),
		CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String("arn:aws:acm:us-east-1:123456789012:certificate/x")}})
	if err != nil {
		t.Fatal(err)
	}
	// The custom domain gets a certificate of its own and is served by its
	// pages (here the error page of an authorize request without a
	// client); an unregistered name gets the base certificate, which does
	// not cover it.
	if code, body := get("https://auth.tls.example.com:" + port + "/oauth2/authorize"); code != 400 || !strings.Contains(body, "client_id") {
		t.Errorf("custom domain /oauth2/authorize = %d %s", code, body)
	}
	if _, err := httpsClient.Get("https://unregistered.example.com:" + port + "/health"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an unregistered name was served a valid certificate: %v", err)
	}

	// Over TLS the hosted pages' cookies are Secure.
	web, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(id), ClientName: aws.String("web"),
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthScopes: []string{"openid"}, CallbackURLs: []string{"http://localhost:3000/cb"}, SupportedIdentityProviders: []string{"COGNITO"}})
	if err != nil {
		t.Fatal(err)
	}
	noRedirect := *httpsClient
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.Get("https://auth.tls.example.com:" + port + "/oauth2/authorize?client_id=" + aws.ToString(web.UserPoolClient.ClientId) +
		"&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb")
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
	if resp.StatusCode != http.StatusFound || xsrf == nil || !xsrf.Secure || !xsrf.HttpOnly || xsrf.Path != "/" {
		t.Errorf("authorize over TLS = %d, XSRF-TOKEN %+v", resp.StatusCode, xsrf)
	}

	code, body := get("https://127.0.0.1:" + port + "/" + id + "/.well-known/openid-configuration")
	var doc map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &doc) != nil {
		t.Fatalf("discovery = %d %s", code, body)
	}
	base := "https://" + net.JoinHostPort("127.0.0.1", port)
	if doc["issuer"] != base+"/"+id || doc["token_endpoint"] != base+"/_domain/auth.tls.example.com/oauth2/token" {
		t.Errorf("discovery over TLS = %s", body)
	}
	// The plain listener answers with the same document: one base URL.
	resp, err = http.Get("http://" + addr + "/" + id + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(plain) != body {
		t.Errorf("the plain listener's discovery differs:\n%s\n%s", plain, body)
	}
}

// TestPublicURL: behind a proxy, --public-url names the base every
// advertised URL is under (the issuer of "local" tokens included), whatever
// address the server listens on.
func TestPublicURL(t *testing.T) {
	bin := buildBinary(t)
	addr := freeAddr(t)
	start(t, bin, addr, "--data", t.TempDir(), "--public-url", "https://auth.example.test/idp/")
	ctx := context.Background()
	c := client(addr)
	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("proxied")})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(pool.UserPool.Id)
	if _, err := c.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(id), Domain: aws.String("proxied")}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/" + id + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	json.NewDecoder(resp.Body).Decode(&doc)
	base := "https://auth.example.test/idp"
	if doc["issuer"] != base+"/"+id || doc["jwks_uri"] != base+"/"+id+"/.well-known/jwks.json" || doc["authorization_endpoint"] != base+"/_domain/proxied/oauth2/authorize" {
		t.Errorf("discovery behind a proxy = %v", doc)
	}
}
