package server_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/userpoold/userpoold/internal/hostedui/hosteduitest"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// The OAuth tests drive a real server (servertest) the way relying parties
// and browsers do: golang.org/x/oauth2 and coreos/go-oidc as the relying
// party, hosteduitest's scripted browser on the hosted pages.

const (
	domainPrefix = "myapp"
	callbackURL  = "http://localhost:8080/cb"
	logoutURL    = "http://localhost:8080/signed-out"
	userPassword = "Passw0rd!user"
)

// oauthEnv is a pool with a prefix domain and a public code+PKCE client.
type oauthEnv struct {
	*servertest.Env
	t      testing.TB
	pool   string
	client string
	// domain is the path-form base URL of the domain.
	domain   string
	conf     oauth2.Config
	provider *oidc.Provider
}

// newOAuthEnv starts a server with a pool (poolIn may be nil), its domain
// and a web client allowed code (and implicit) flows on the reserved
// scopes; more clients can be made with webClient.
func newOAuthEnv(t testing.TB, poolIn *cip.CreateUserPoolInput, opts ...servertest.Option) *oauthEnv {
	t.Helper()
	env := servertest.New(t, opts...)
	e := &oauthEnv{Env: env, t: t}
	e.pool = env.CreatePool(poolIn)
	if _, err := env.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(e.pool), Domain: aws.String(domainPrefix)}); err != nil {
		t.Fatal(err)
	}
	e.domain = env.URL + "/_domain/" + domainPrefix
	e.client = aws.ToString(e.webClient(nil).ClientId)
	var err error
	if e.provider, err = oidc.NewProvider(ctx, env.URL+"/"+e.pool); err != nil {
		t.Fatalf("go-oidc discovery: %v", err)
	}
	e.conf = oauth2.Config{ClientID: e.client, RedirectURL: callbackURL, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}, Endpoint: e.provider.Endpoint()}
	return e
}

// webClient creates an app client for the hosted pages; in adjusts the
// default (public, code and implicit, COGNITO, the reserved scopes).
func (e *oauthEnv) webClient(adjust func(*cip.CreateUserPoolClientInput)) *types.UserPoolClientType {
	e.t.Helper()
	in := &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(e.pool), ClientName: aws.String("web"),
		AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthFlows:               []types.OAuthFlowType{types.OAuthFlowTypeCode, types.OAuthFlowTypeImplicit},
		AllowedOAuthScopes:              []string{"openid", "email", "profile", "phone", "aws.cognito.signin.user.admin"},
		CallbackURLs:                    []string{callbackURL},
		LogoutURLs:                      []string{logoutURL},
		SupportedIdentityProviders:      []string{"COGNITO"},
		ExplicitAuthFlows:               []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth},
		ReadAttributes:                  []string{"email", "email_verified", "name", "phone_number"},
	}
	if adjust != nil {
		adjust(in)
	}
	out, err := e.Client.CreateUserPoolClient(ctx, in)
	if err != nil {
		e.t.Fatalf("CreateUserPoolClient: %v", err)
	}
	return out.UserPoolClient
}

// m2mAPI is the resource server m2mClient defines, with one scope, "read".
const m2mAPI = "https://api.example.com"

// m2mClient defines the resource server m2mAPI and creates a confidential
// client_credentials client allowed its read scope; adjust changes the
// request before it is sent.
func (e *oauthEnv) m2mClient(adjust func(*cip.CreateUserPoolClientInput)) *types.UserPoolClientType {
	e.t.Helper()
	if _, err := e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String(e.pool), Identifier: aws.String(m2mAPI), Name: aws.String("API"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("r")}}}); err != nil {
		e.t.Fatal(err)
	}
	return e.webClient(func(in *cip.CreateUserPoolClientInput) {
		in.GenerateSecret = true
		in.AllowedOAuthFlows = []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}
		in.AllowedOAuthScopes = []string{m2mAPI + "/read"}
		in.CallbackURLs, in.LogoutURLs, in.SupportedIdentityProviders = nil, nil, nil
		if adjust != nil {
			adjust(in)
		}
	})
}

// addUser creates a confirmed user with userPassword and attributes
// (name, value pairs).
func (e *oauthEnv) addUser(name string, attrs ...string) {
	e.t.Helper()
	in := &cip.AdminCreateUserInput{UserPoolId: aws.String(e.pool), Username: aws.String(name), MessageAction: types.MessageActionTypeSuppress}
	for i := 0; i+1 < len(attrs); i += 2 {
		in.UserAttributes = append(in.UserAttributes, types.AttributeType{Name: aws.String(attrs[i]), Value: aws.String(attrs[i+1])})
	}
	if _, err := e.Client.AdminCreateUser(ctx, in); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(e.pool), Username: aws.String(name),
		Password: aws.String(userPassword), Permanent: true}); err != nil {
		e.t.Fatal(err)
	}
}

// browser is a new browser on the server.
func (e *oauthEnv) browser() *hosteduitest.Browser { return hosteduitest.New(e.t, e.URL, nil) }

// loginPage follows an authorize URL to the login page.
func (e *oauthEnv) loginPage(b *hosteduitest.Browser, authorize string) hosteduitest.Page {
	e.t.Helper()
	p := b.Follow(authorize)
	if p.Status != http.StatusOK || p.Form("cognitoSignInForm") == nil {
		e.t.Fatalf("no login page at %s: %d %s", authorize, p.Status, p.Body)
	}
	return p
}

// signIn posts the classic sign-in form (spec §5.1) as a scripted login
// does.
func signIn(b *hosteduitest.Browser, p hosteduitest.Page, username, password string) hosteduitest.Page {
	return b.Submit(p, "cognitoSignInForm", map[string]string{"username": username, "password": password, "cognitoAsfData": "", "signInSubmitButton": "Sign in"})
}

// callback returns the query (or, for implicit, the fragment) of a
// redirect to the client's callback, failing when p is not one.
func (e *oauthEnv) callback(p hosteduitest.Page) url.Values {
	e.t.Helper()
	loc := p.Header.Get("Location")
	if p.Status != http.StatusFound || !strings.HasPrefix(loc, callbackURL) {
		e.t.Fatalf("no redirect to the callback: %d Location %q\n%s", p.Status, loc, p.Body)
	}
	u, _ := url.Parse(loc)
	if u.Fragment != "" {
		v, _ := url.ParseQuery(u.Fragment)
		return v
	}
	return u.Query()
}

// claims decodes a JWT's payload.
func claims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// post sends a form to u with optional Basic credentials and returns the
// status, headers and body.
func post(t *testing.T, u string, form url.Values, basicID, basicSecret string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(url.QueryEscape(basicID), url.QueryEscape(basicSecret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, resp.Header, b.String()
}

// frozen sets the server's clock to a fixed time and returns it.
func (e *oauthEnv) frozen() time.Time {
	now := time.Now().UTC().Truncate(time.Second)
	e.Clock.Set(now)
	return now
}
