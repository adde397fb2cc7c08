package apiserver_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/uuid"

	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/token"
)

// Helpers of the user-management tests (users_test.go, groups_test.go).
// Their names start with "um" so that they never collide with the helpers
// of other test files in the package.

const umPassword = "Passw0rd!"

// umEnv is a server with one pool and one app client.
type umEnv struct {
	*servertest.Env
	t      *testing.T
	pool   string
	client string
	secret string
}

// newUMEnv starts a server and creates a pool (and a client) from the
// given inputs; nil means defaults.
func newUMEnv(t *testing.T, pool *cip.CreateUserPoolInput, client *cip.CreateUserPoolClientInput) *umEnv {
	t.Helper()
	env := servertest.New(t)
	e := &umEnv{Env: env, t: t}
	e.pool = env.CreatePool(pool)
	c := env.CreateClient(e.pool, client)
	e.client = aws.ToString(c.ClientId)
	e.secret = aws.ToString(c.ClientSecret)
	return e
}

func umAttr(name, value string) types.AttributeType {
	return types.AttributeType{Name: aws.String(name), Value: aws.String(value)}
}

func umAttrs(kv ...string) []types.AttributeType {
	var out []types.AttributeType
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, umAttr(kv[i], kv[i+1]))
	}
	return out
}

func umMap(as []types.AttributeType) map[string]string {
	m := map[string]string{}
	for _, a := range as {
		m[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	return m
}

// umWantErr fails unless err is the API error code with exactly message.
func umWantErr(t *testing.T, err error, code, message string) {
	t.Helper()
	if servertest.ErrorCode(err) != code || servertest.ErrorMessage(err) != message {
		t.Fatalf("error = %v\nwant %s: %q", err, code, message)
	}
}

func umOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func umSecretHash(secret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

var umUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func (e *umEnv) signUp(username string, attrs ...types.AttributeType) *cip.SignUpOutput {
	e.t.Helper()
	in := &cip.SignUpInput{ClientId: aws.String(e.client), Username: aws.String(username), Password: aws.String(umPassword), UserAttributes: attrs}
	if e.secret != "" {
		in.SecretHash = aws.String(umSecretHash(e.secret, username, e.client))
	}
	out, err := e.Anonymous.SignUp(ctx, in)
	umOK(e.t, err)
	return out
}

// createUser creates a confirmed user with umPassword and the given
// attributes (admin-created, so verification flags may be set).
func (e *umEnv) createUser(username string, attrs ...types.AttributeType) *types.UserType {
	e.t.Helper()
	out, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(e.pool), Username: aws.String(username), UserAttributes: attrs,
		MessageAction: types.MessageActionTypeSuppress,
	})
	umOK(e.t, err)
	_, err = e.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(e.pool), Username: aws.String(username), Password: aws.String(umPassword), Permanent: true,
	})
	umOK(e.t, err)
	return out.User
}

func (e *umEnv) get(username string) *cip.AdminGetUserOutput {
	e.t.Helper()
	out, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String(username)})
	umOK(e.t, err)
	return out
}

// stored returns the user as stored.
func (e *umEnv) stored(username string) storage.User {
	e.t.Helper()
	g := e.get(username)
	u, err := e.Store.GetUserBySub(ctx, e.pool, umMap(g.UserAttributes)["sub"])
	umOK(e.t, err)
	return u
}

// token mints an access token for the user and client as a sign-in would.
func (e *umEnv) token(username, clientID string) string {
	e.t.Helper()
	u := e.stored(username)
	tok, err := e.Server.Tokens.SignAccess(ctx, token.AccessClaims{
		PoolID: e.pool, Sub: u.Sub, ClientID: clientID, Username: u.Username,
		OriginJTI: uuid.Must(uuid.NewV7()).String(), IssuedAt: e.Clock.Now(),
	})
	umOK(e.t, err)
	return tok
}

// messages returns the user's outbox (by internal username).
func (e *umEnv) messages(username string) []servertest.Message {
	e.t.Helper()
	return e.Outbox(e.pool, username)
}

// lastCode returns the newest code sent to the user with purpose.
func (e *umEnv) lastCode(username, purpose string) string {
	e.t.Helper()
	ms := e.messages(username)
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Purpose == purpose {
			return ms[i].Code
		}
	}
	e.t.Fatalf("no %s message for %s in %+v", purpose, username, ms)
	return ""
}

func (e *umEnv) listAll(filter string) []types.UserType {
	e.t.Helper()
	in := &cip.ListUsersInput{UserPoolId: aws.String(e.pool)}
	if filter != "" {
		in.Filter = aws.String(filter)
	}
	out, err := e.Client.ListUsers(ctx, in)
	umOK(e.t, err)
	return out.Users
}

func umNames(us []types.UserType) string {
	var n []string
	for _, u := range us {
		n = append(n, aws.ToString(u.Username))
	}
	return strings.Join(n, ",")
}

// umWrongCode returns a 6-digit code different from code.
func umWrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// rawBody calls op with a JSON body (signed with the admin key) and returns
// the response body as sent, for checks the SDK hides (omitted members).
func (e *umEnv) rawBody(op, body string) string {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+"/", strings.NewReader(body))
	umOK(e.t, err)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	sum := sha256.Sum256([]byte(body))
	err = v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: servertest.AccessKeyID, SecretAccessKey: servertest.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), "cognito-idp", servertest.Region, time.Now())
	umOK(e.t, err)
	resp, err := http.DefaultClient.Do(req)
	umOK(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	umOK(e.t, err)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("%s: %d %s", op, resp.StatusCode, b)
	}
	return string(b)
}
