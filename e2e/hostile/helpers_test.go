package hostile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/server/servertest"
)

var ctx = context.Background()

const targetPrefix = "AWSCognitoIdentityProviderService."

// answer is a server's response, with the AWS error envelope decoded.
type answer struct {
	Status  int
	Header  http.Header
	Body    []byte
	Type    string // __type, "" on success
	Message string
}

// want fails t unless a is the error typ with exactly message msg (msg ""
// accepts any message) and HTTP status.
func (a answer) want(t testing.TB, status int, typ, msg string) {
	t.Helper()
	if a.Status != status || a.Type != typ || (msg != "" && a.Message != msg) {
		t.Fatalf("got %d %s %.300q\nwant %d %s %.300q", a.Status, a.Type, a.Message, status, typ, msg)
	}
	if typ != "" && a.Header.Get("x-amzn-ErrorType") != typ+":" && a.Header.Get("Content-Type") == "application/x-amz-json-1.1" {
		t.Errorf("x-amzn-ErrorType = %q", a.Header.Get("x-amzn-ErrorType"))
	}
}

// do sends req and reads the answer.
func do(t testing.TB, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return readAnswer(t, resp)
}

// readAnswer reads resp (live or recorded) into an answer.
func readAnswer(t testing.TB, resp *http.Response) answer {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{Status: resp.StatusCode, Header: resp.Header, Body: body}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil {
		a.Type, a.Message = e.Type, e.Message
	}
	return a
}

// apiRequest builds an AWS JSON call of operation op (X-Amz-Target set, not
// signed).
func apiRequest(t testing.TB, env *servertest.Env, op string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.URL+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if op != "" {
		req.Header.Set("X-Amz-Target", targetPrefix+op)
	}
	return req
}

// signer describes how a request is signed; the zero value signs like the
// SDKs with the test server's admin key, now.
type signer struct {
	akid, secret, region, service string
	at                            time.Time
}

func (s signer) sign(t testing.TB, req *http.Request, body []byte) *http.Request {
	t.Helper()
	if s.akid == "" {
		s.akid = servertest.AccessKeyID
	}
	if s.secret == "" {
		s.secret = servertest.SecretAccessKey
	}
	if s.region == "" {
		s.region = servertest.Region
	}
	if s.service == "" {
		s.service = "cognito-idp"
	}
	if s.at.IsZero() {
		s.at = time.Now()
	}
	sum := sha256.Sum256(body)
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: s.akid, SecretAccessKey: s.secret},
		req, hex.EncodeToString(sum[:]), s.service, s.region, s.at)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// adminCall sends operation op with body, signed by s.
func adminCall(t testing.TB, env *servertest.Env, op string, body string, s signer) answer {
	t.Helper()
	return do(t, s.sign(t, apiRequest(t, env, op, []byte(body)), []byte(body)))
}

// anonCall sends operation op with body, unsigned, as apps call the
// user-facing operations.
func anonCall(t testing.TB, env *servertest.Env, op string, body string) answer {
	t.Helper()
	return do(t, apiRequest(t, env, op, []byte(body)))
}

// jsonBody marshals v.
func jsonBody(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// userEnv is a server with a pool, an app client without a secret, and a
// confirmed user with a permanent password.
type userEnv struct {
	*servertest.Env
	pool, client, username, password string
}

func newUserEnv(t testing.TB) *userEnv {
	t.Helper()
	env := servertest.New(t)
	e := &userEnv{Env: env, username: "alice", password: "Correct-Horse-9"}
	e.pool = env.CreatePool(nil)
	e.client = aws.ToString(env.CreateClient(e.pool, nil).ClientId)
	e.addUser(t, e.pool, e.username)
	return e
}

// addUser creates a confirmed user with e's password in pool.
func (e *userEnv) addUser(t testing.TB, pool, username string) {
	t.Helper()
	if _, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(pool), Username: aws.String(username), MessageAction: types.MessageActionTypeSuppress,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(pool), Username: aws.String(username), Password: aws.String(e.password), Permanent: true,
	}); err != nil {
		t.Fatal(err)
	}
}

// signIn signs username in to clientID with USER_PASSWORD_AUTH.
func (e *userEnv) signIn(t *testing.T, clientID, username string) *types.AuthenticationResultType {
	t.Helper()
	out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": e.password},
	})
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("sign-in: %v", err)
	}
	return out.AuthenticationResult
}

// getUser calls GetUser with token over raw HTTP.
func getUser(t *testing.T, env *servertest.Env, token string) answer {
	t.Helper()
	return anonCall(t, env, "GetUser", jsonBody(t, map[string]string{"AccessToken": token}))
}

// corsHeaders returns the Access-Control-* headers of h.
func corsHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			out[k] = h.Get(k)
		}
	}
	return out
}
