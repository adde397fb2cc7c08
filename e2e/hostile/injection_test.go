package hostile

import (
	"encoding/json"
	"fmt"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Injection: ListUsers filters written to break out of their value or to
// smuggle SQL wildcards and operators, and email addresses written to
// smuggle mail headers or markup. Every filter either answers exactly the
// users whose attribute is the literal value, or InvalidParameterException;
// never a 500, never more users.
func TestInjection(t *testing.T) {
	e := newUserEnv(t)
	for _, u := range []struct{ name, email, given string }{
		{"bob", "bob@example.org", "O'Brien"},
		{"carol", "carol%@example.com", "100%_sure"},
	} {
		if _, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
			UserPoolId: aws.String(e.pool), Username: aws.String(u.name), MessageAction: types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(u.email)}, {Name: aws.String("given_name"), Value: aws.String(u.given)}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(filter string) answer {
		return adminCall(t, e.Env, "ListUsers", jsonBody(t, map[string]string{"UserPoolId": e.pool, "Filter": filter}), signer{})
	}
	names := func(t *testing.T, a answer) []string {
		t.Helper()
		if a.Status != 200 {
			t.Fatalf("%d %s: %s", a.Status, a.Type, a.Message)
		}
		var out struct{ Users []struct{ Username string } }
		if err := json.Unmarshal(a.Body, &out); err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, u := range out.Users {
			n = append(n, u.Username)
		}
		sort.Strings(n)
		return n
	}
	t.Run("filters", func(t *testing.T) {
		for _, tc := range []struct {
			filter string
			want   []string // nil: none
		}{
			{`email ^= "%"`, nil}, // a LIKE wildcard is a character
			{`email ^= "_"`, nil}, // so is _
			{`email ^= "carol%"`, []string{"carol"}},
			{`email ^= "carol_"`, nil},
			{`given_name ^= "100%_"`, []string{"carol"}},
			{`email = "*"`, nil},
			{`email = "' OR '1'='1"`, nil},
			{`email = "bob@example.org' --"`, nil},
			{`email = "bob@example.org\" OR \"1\"=\"1"`, nil}, // the quotes are the value's
			{`given_name = "O'Brien"`, []string{"bob"}},
			{`email = "\\"`, nil},
			{`username ^= ""`, []string{"alice", "bob", "carol"}},
		} {
			if got := names(t, list(tc.filter)); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("%s: %v, want %v", tc.filter, got, tc.want)
			}
		}
		for _, f := range []string{
			`email = "a" OR username = "alice"`, `email = "a"; DROP TABLE users`, `email = ("a")`,
			`email IN ("a")`, `email ~= "a"`, "email = \"a\"\n--", `email = "a" email = "b"`,
		} {
			list(f).want(t, 400, "InvalidParameterException", "Error while parsing filter.")
		}
		list(`custom:role = "admin"`).want(t, 400, "InvalidParameterException", "")
		// A NUL never reaches the parser: the body is refused.
		list("email = \"bob@example.org\u0000\"").want(t, 400, "SerializationException", "")
	})

	t.Run("emails", func(t *testing.T) {
		// Header injection: a CR, LF, other control character or white space
		// in an address is refused (a NUL is refused with the body, TestWire)
		// before anything is stored or sent.
		for i, addr := range []string{
			"mallory@example.com\rBcc:victim@example.com", "mallory@example.com\nBcc:victim@example.com",
			"mallory@example.com\r\nSubject:x", "mallory@example.com\x01", "mallory@example.com\tx", "mallory@example.com\u2028",
		} {
			a := anonCall(t, e.Env, "SignUp", jsonBody(t, map[string]any{
				"ClientId": e.client, "Username": fmt.Sprint("inj", i), "Password": e.password,
				"UserAttributes": []map[string]string{{"Name": "email", "Value": addr}},
			}))
			a.want(t, 400, "InvalidParameterException", "")
			if a.Header.Get("x-amzn-ErrorMessage") != "" && len(a.Header.Get("x-amzn-ErrorMessage")) != len([]rune(a.Header.Get("x-amzn-ErrorMessage"))) {
				t.Errorf("%q: non-ASCII in the error header", addr)
			}
		}
		// Markup in an address is data: stored and answered verbatim, JSON-
		// escaped, never interpreted.
		markup := `<script>alert(1)</script>@example.com`
		a := anonCall(t, e.Env, "SignUp", jsonBody(t, map[string]any{
			"ClientId": e.client, "Username": "markup", "Password": e.password,
			"UserAttributes": []map[string]string{{"Name": "email", "Value": markup}},
		}))
		a.want(t, 200, "", "")
		got := adminCall(t, e.Env, "AdminGetUser", jsonBody(t, map[string]string{"UserPoolId": e.pool, "Username": "markup"}), signer{})
		var u struct {
			UserAttributes []struct{ Name, Value string }
		}
		if err := json.Unmarshal(got.Body, &u); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, at := range u.UserAttributes {
			found = found || (at.Name == "email" && at.Value == markup)
		}
		if !found {
			t.Errorf("the address did not come back verbatim: %s", got.Body)
		}
		if ct := got.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
			t.Errorf("Content-Type %q: a browser could sniff the answer as HTML", ct)
		}
	})
}
