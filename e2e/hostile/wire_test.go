package hostile

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

const (
	msgNotJSON    = "The request body is not a valid JSON object."
	msgNotUTF8    = "The request body is not valid UTF-8."
	msgNUL        = "The request body contains the character U+0000, which is not accepted."
	msgBodyLimit  = "Request body exceeds the limit of 1048576 bytes."
	maxErrorHdr   = 1024
	defaultMaxLen = 1 << 20
)

// TestWire sends what no SDK sends: oversized, malformed and hostile
// bodies. Each is answered with one AWS error envelope and nothing reaches
// an operation that it should not.
func TestWire(t *testing.T) {
	e := newUserEnv(t)
	initiate := func(user, password string) string {
		return jsonBody(t, map[string]any{"ClientId": e.client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": map[string]string{"USERNAME": user, "PASSWORD": password}})
	}

	t.Run("oversized, declared", func(t *testing.T) {
		body := `{"ClientId":"` + strings.Repeat("x", defaultMaxLen) + `"}`
		anonCall(t, e.Env, "InitiateAuth", body).want(t, 413, "SerializationException", msgBodyLimit)
	})
	t.Run("oversized, chunked", func(t *testing.T) {
		body := `{"ClientId":"` + strings.Repeat("x", defaultMaxLen) + `"}`
		r := apiRequest(t, e.Env, "InitiateAuth", nil)
		r.Body = io.NopCloser(strings.NewReader(body)) // no length: sent chunked
		r.ContentLength = -1
		do(t, r).want(t, 413, "SerializationException", msgBodyLimit)
	})
	for name, body := range map[string]string{
		"truncated JSON":   `{"ClientId":`,
		"a JSON array":     `[]`,
		"a JSON string":    `"InitiateAuth"`,
		"two objects":      `{}{}`,
		"a form":           `ClientId=x&AuthFlow=USER_PASSWORD_AUTH`,
		"nesting too deep": `{"a":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
	} {
		t.Run(name, func(t *testing.T) {
			anonCall(t, e.Env, "InitiateAuth", body).want(t, 400, "SerializationException", msgNotJSON)
		})
	}
	t.Run("deep nesting in an unknown member", func(t *testing.T) {
		body := `{"Deep":` + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + `}`
		anonCall(t, e.Env, "GetUser", body).want(t, 400, "InvalidParameterException",
			"1 validation error detected: Value null at 'accessToken' failed to satisfy constraint: Member must not be null")
	})
	t.Run("invalid UTF-8", func(t *testing.T) {
		// encoding/json would read both names as "al\uFFFDce".
		for _, user := range []string{"al\xffce", "al\xfece"} {
			body := strings.Replace(initiate("USER", e.password), "USER", user, 1)
			anonCall(t, e.Env, "InitiateAuth", body).want(t, 400, "SerializationException", msgNotUTF8)
		}
	})
	t.Run("content type is not checked", func(t *testing.T) {
		// Clients send application/x-amz-json-1.1 or application/json; the
		// body decides. A browser's simple request could carry text/plain,
		// but no X-Amz-Target (see TestBrowsers).
		r := apiRequest(t, e.Env, "InitiateAuth", []byte(initiate("alice", "wrong")))
		r.Header.Set("Content-Type", "text/plain")
		do(t, r).want(t, 400, "NotAuthorizedException", "Incorrect username or password.")
	})
	t.Run("GET", func(t *testing.T) {
		r := apiRequest(t, e.Env, "InitiateAuth", nil)
		r.Method = http.MethodGet
		do(t, r).want(t, 400, "UnknownOperationException", "Only POST requests are supported at this path.")
	})
	t.Run("huge string", func(t *testing.T) {
		group := strings.Repeat("a", 100_000)
		a := adminCall(t, e.Env, "CreateGroup", jsonBody(t, map[string]string{"UserPoolId": e.pool, "GroupName": group}), signer{})
		a.want(t, 400, "InvalidParameterException",
			"1 validation error detected: Value '"+group+"' at 'groupName' failed to satisfy constraint: Member must have length less than or equal to 128")
		if h := a.Header.Get("x-amzn-ErrorMessage"); len(h) != maxErrorHdr || !strings.HasSuffix(h, "...") {
			t.Errorf("x-amzn-ErrorMessage is %d bytes", len(h))
		}
	})
	t.Run("huge sensitive string", func(t *testing.T) {
		password := strings.Repeat("S3cret!", 20_000)
		a := anonCall(t, e.Env, "SignUp", jsonBody(t, map[string]string{"ClientId": e.client, "Username": "mallory", "Password": password}))
		a.want(t, 400, "InvalidParameterException",
			"1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 256")
		if bytes.Contains(a.Body, []byte("S3cret!")) || strings.Contains(a.Header.Get("x-amzn-ErrorMessage"), "S3cret!") {
			t.Error("the password was echoed")
		}
	})
	t.Run("NUL", func(t *testing.T) {
		// PostgreSQL text cannot hold U+0000; the protocol layer refuses it
		// for every operation, so no database sees one.
		anonCall(t, e.Env, "InitiateAuth", initiate("ali\x00ce", e.password)).want(t, 400, "SerializationException", msgNUL)
		adminCall(t, e.Env, "AdminUpdateUserAttributes", jsonBody(t, map[string]any{"UserPoolId": e.pool, "Username": "alice",
			"UserAttributes": []map[string]string{{"Name": "name", "Value": "a\x00b"}}}), signer{}).want(t, 400, "SerializationException", msgNUL)
	})
	t.Run("control characters", func(t *testing.T) {
		anonCall(t, e.Env, "InitiateAuth", initiate("ali\x01ce\r\nX-Injected: 1", e.password)).want(t, 400, "UserNotFoundException", "User does not exist.")
		// A message that quotes the value: the header carries it without
		// the control characters, so nothing is injected.
		a := adminCall(t, e.Env, "CreateGroup", jsonBody(t, map[string]string{"UserPoolId": e.pool, "GroupName": "g\x01\r\nX-Injected: 1"}), signer{})
		a.want(t, 400, "InvalidParameterException", "1 validation error detected: Value 'g\x01\r\nX-Injected: 1' at 'groupName' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+")
		if h := a.Header.Get("x-amzn-ErrorMessage"); a.Header.Get("X-Injected") != "" || strings.ContainsAny(h, "\x01\r\n") || !strings.Contains(h, "'g???X-Injected: 1'") {
			t.Errorf("header %q", h)
		}
	})
	// The control: the same user signs in.
	anonCall(t, e.Env, "InitiateAuth", initiate("alice", e.password)).want(t, 200, "", "")
}
