package hostile

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/srp"
)

// User enumeration (issue 15, gap 2): with PreventUserExistenceErrors
// ENABLED every operation that hides existence must answer a real user
// and a name that matches nobody alike, in type and message, over a whole
// sequence of attempts: a real user starts answering "Password attempts
// exceeded" (or LimitExceededException) after a few, so must an unknown
// name. Each subtest sends the same sequence for the real user and for an
// unknown name (in several spellings: case variants must not reset a
// lockout either) and compares the answers one by one.

// hiddenEnv is a server with a case-insensitive pool that has email as an
// alias (auto-verified), an app client hiding user existence that allows
// every password flow and USER_AUTH, and a confirmed user "alice" with a
// verified email and a permanent password.
type hiddenEnv struct {
	*userEnv
}

const (
	realEmail    = "alice@example.com"
	wrongPass    = "Wrong-Horse-9"
	unknownName  = "mallory"
	unknownEmail = "mallory@example.com"
)

func newHiddenEnv(t testing.TB, opts ...servertest.Option) *hiddenEnv {
	t.Helper()
	e := &userEnv{Env: servertest.New(t, opts...), username: "alice", password: "Correct-Horse-9"}
	e.pool = e.CreatePool(&cip.CreateUserPoolInput{
		AliasAttributes:        []types.AliasAttributeType{types.AliasAttributeTypeEmail},
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		UsernameConfiguration:  &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)},
		Policies:               &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword}}},
	})
	e.client = aws.ToString(e.CreateClient(e.pool, &cip.CreateUserPoolClientInput{
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{
			types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth,
			types.ExplicitAuthFlowsTypeAllowUserAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
	}).ClientId)
	e.addUser(t, e.pool, e.username)
	if _, err := e.Client.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(e.pool), Username: aws.String(e.username),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(realEmail)}, {Name: aws.String("email_verified"), Value: aws.String("true")}},
	}); err != nil {
		t.Fatal(err)
	}
	return &hiddenEnv{e}
}

// outcome is what an attacker sees of an answer: the status, the error
// type and message (or "ok").
func outcome(a answer) string {
	if a.Type == "" {
		return fmt.Sprintf("%d ok", a.Status)
	}
	return fmt.Sprintf("%d %s: %s", a.Status, a.Type, a.Message)
}

// same fails t unless the two sequences of outcomes are equal, and
// requires the last outcome of real to be last (the limit was reached).
func same(t *testing.T, real, unknown []string, last string) {
	t.Helper()
	if !slices.Equal(real, unknown) {
		t.Fatalf("real and unknown users answered differently:\nreal    %q\nunknown %q", real, unknown)
	}
	if got := real[len(real)-1]; got != last {
		t.Fatalf("last answer %q, want %q (all: %q)", got, last, real)
	}
}

// spell returns the i-th spelling of name: as given, upper-cased,
// capitalised.
func spell(name string, i int) string {
	switch i % 3 {
	case 1:
		return strings.ToUpper(name)
	case 2:
		return strings.ToUpper(name[:1]) + name[1:]
	}
	return name
}

// srpA returns a valid SRP_A: g^a mod N for a random a.
func srpA(t *testing.T) string {
	t.Helper()
	N, _ := new(big.Int).SetString(srp.NHex, 16)
	a, err := rand.Int(rand.Reader, N)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(new(big.Int).Exp(big.NewInt(srp.G), a, N).Bytes())
}

const (
	incorrect = "400 NotAuthorizedException: Incorrect username or password."
	exceeded  = "400 NotAuthorizedException: Password attempts exceeded"
	codeLimit = "400 LimitExceededException: Attempt limit exceeded, please try after some time."
	mismatch  = "400 CodeMismatchException: Invalid verification code provided, please try again."
)

func TestUserExistence(t *testing.T) {
	// The lockout: the 5th wrong password locks for a second, so with the
	// clock held still the 6th attempt is refused.
	t.Run("InitiateAuth USER_PASSWORD_AUTH", func(t *testing.T) {
		e := newHiddenEnv(t)
		e.Clock.Set(time.Now())
		seq := func(name string) (out []string) {
			for i := range 7 {
				out = append(out, outcome(anonCall(t, e.Env, "InitiateAuth", jsonBody(t, map[string]any{
					"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": e.client,
					"AuthParameters": map[string]string{"USERNAME": spell(name, i), "PASSWORD": wrongPass},
				}))))
			}
			return out
		}
		real, unknown := seq(e.username), seq(unknownName)
		same(t, real, unknown, exceeded)
		if real[4] != incorrect || real[5] != exceeded {
			t.Fatalf("the lockout must start after the 5th failure: %q", real)
		}
		// By email: the alias of a real user, an unknown address.
		same(t, seq(realEmail)[6:], seq(unknownEmail)[6:], exceeded)
		// The lock ends, for both, when a real one does.
		e.Clock.Advance(2 * time.Second)
		same(t, seq(e.username)[:1], seq(unknownName)[:1], incorrect)
	})

	t.Run("InitiateAuth USER_SRP_AUTH and PASSWORD_VERIFIER", func(t *testing.T) {
		e := newHiddenEnv(t)
		e.Clock.Set(time.Now())
		type shown struct{ user, salt string }
		start := func(name string) (shown, map[string]string) {
			a := anonCall(t, e.Env, "InitiateAuth", jsonBody(t, map[string]any{
				"AuthFlow": "USER_SRP_AUTH", "ClientId": e.client,
				"AuthParameters": map[string]string{"USERNAME": name, "SRP_A": srpA(t)},
			}))
			var out struct {
				ChallengeName       string
				ChallengeParameters map[string]string
			}
			if err := json.Unmarshal(a.Body, &out); err != nil || out.ChallengeName != "PASSWORD_VERIFIER" {
				t.Fatalf("%s: %s", name, a.Body)
			}
			p := out.ChallengeParameters
			return shown{p["USER_ID_FOR_SRP"], p["SALT"]}, p
		}
		// USER_ID_FOR_SRP and SALT follow the lookup's normalisation: every
		// spelling that finds a real user gets one answer, and so does
		// every spelling of an unknown name.
		for _, names := range [][]string{
			{"alice", "ALICE", "Alice"}, {"mallory", "MALLORY", "Mallory"},
			{realEmail, "ALICE@EXAMPLE.COM"}, {unknownEmail, "Mallory@Example.Com"},
		} {
			first, _ := start(names[0])
			for _, n := range names[1:] {
				if got, _ := start(n); got != first {
					t.Errorf("%s answered %+v, %s answered %+v", names[0], first, n, got)
				}
			}
			if isEmail := names[0] == realEmail || names[0] == unknownEmail; isEmail && first.user == names[0] {
				t.Errorf("%s: USER_ID_FOR_SRP is the address typed; a real user's is its internal username", names[0])
			}
		}
		if got, _ := start("mallory"); got.user != "mallory" {
			t.Errorf("unknown USER_ID_FOR_SRP %q, want the name as a real user's is shown", got.user)
		}
		seq := func(name string) (out []string) {
			for i := range 7 {
				_, p := start(spell(name, i))
				out = append(out, outcome(anonCall(t, e.Env, "RespondToAuthChallenge", jsonBody(t, map[string]any{
					"ChallengeName": "PASSWORD_VERIFIER", "ClientId": e.client,
					"ChallengeResponses": map[string]string{
						"USERNAME": p["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
						"TIMESTAMP": srp.FormatTimestamp(time.Now()), "PASSWORD_CLAIM_SIGNATURE": base64.StdEncoding.EncodeToString(make([]byte, 32)),
					},
				}))))
			}
			return out
		}
		same(t, seq(e.username), seq(unknownName), exceeded)
	})

	t.Run("InitiateAuth USER_AUTH and SELECT_CHALLENGE", func(t *testing.T) {
		e := newHiddenEnv(t)
		e.Clock.Set(time.Now())
		seq := func(name string) (out []string) {
			for i := range 7 {
				a := anonCall(t, e.Env, "InitiateAuth", jsonBody(t, map[string]any{
					"AuthFlow": "USER_AUTH", "ClientId": e.client, "AuthParameters": map[string]string{"USERNAME": spell(name, i)},
				}))
				var ch struct {
					ChallengeName       string
					Session             string
					AvailableChallenges []string
				}
				if err := json.Unmarshal(a.Body, &ch); err != nil || ch.ChallengeName != "SELECT_CHALLENGE" {
					t.Fatalf("%s: %s", name, a.Body)
				}
				out = append(out, fmt.Sprint(ch.AvailableChallenges))
				out = append(out, outcome(anonCall(t, e.Env, "RespondToAuthChallenge", jsonBody(t, map[string]any{
					"ChallengeName": "SELECT_CHALLENGE", "ClientId": e.client, "Session": ch.Session,
					"ChallengeResponses": map[string]string{"USERNAME": spell(name, i), "ANSWER": "PASSWORD", "PASSWORD": wrongPass},
				}))))
			}
			return out
		}
		same(t, seq(e.username), seq(unknownName), exceeded)
		// The password in the first request (PREFERRED_CHALLENGE PASSWORD).
		pref := func(name string) string {
			return outcome(anonCall(t, e.Env, "InitiateAuth", jsonBody(t, map[string]any{
				"AuthFlow": "USER_AUTH", "ClientId": e.client,
				"AuthParameters": map[string]string{"USERNAME": name, "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": wrongPass},
			})))
		}
		same(t, []string{pref(e.username)}, []string{pref(unknownName)}, exceeded)
	})

	t.Run("ForgotPassword", func(t *testing.T) {
		e := newHiddenEnv(t)
		seq := func(name string) (out []string) {
			for i := range 7 {
				a := anonCall(t, e.Env, "ForgotPassword", jsonBody(t, map[string]any{"ClientId": e.client, "Username": spell(name, i)}))
				var d struct{ CodeDeliveryDetails map[string]string }
				_ = json.Unmarshal(a.Body, &d)
				out = append(out, outcome(a)+" "+d.CodeDeliveryDetails["DeliveryMedium"]+" "+d.CodeDeliveryDetails["AttributeName"])
			}
			return out
		}
		same(t, seq(e.username), seq(unknownName), codeLimit+"  ")
	})

	t.Run("ConfirmForgotPassword", func(t *testing.T) {
		e := newHiddenEnv(t)
		// Without a code requested, with a password the policy refuses:
		// the code is checked first, for both.
		confirm := func(name, pw string) string {
			return outcome(anonCall(t, e.Env, "ConfirmForgotPassword", jsonBody(t, map[string]any{
				"ClientId": e.client, "Username": name, "ConfirmationCode": "000000", "Password": pw,
			})))
		}
		same(t, []string{confirm(e.username, "weak")}, []string{confirm(unknownName, "weak")}, mismatch)
		seq := func(name string) (out []string) {
			out = append(out, outcome(anonCall(t, e.Env, "ForgotPassword", jsonBody(t, map[string]any{"ClientId": e.client, "Username": name}))))
			for i := range 6 {
				pw := "weak"
				if i%2 == 1 {
					pw = "Another-Horse-7"
				}
				out = append(out, confirm(spell(name, i), pw))
			}
			return out
		}
		real, unknown := seq(e.username), seq(unknownName)
		same(t, real, unknown, codeLimit)
		if real[5] != mismatch {
			t.Fatalf("five wrong codes are CodeMismatchException: %q", real)
		}
	})

	t.Run("SignUp ConfirmSignUp ResendConfirmationCode", func(t *testing.T) {
		e := newHiddenEnv(t)
		// A real user waiting for confirmation, and a name nobody signed up.
		if a := anonCall(t, e.Env, "SignUp", jsonBody(t, map[string]any{
			"ClientId": e.client, "Username": "bob", "Password": e.password,
			"UserAttributes": []map[string]string{{"Name": "email", "Value": "bob@example.com"}},
		})); a.Status != 200 {
			t.Fatalf("SignUp: %s", a.Body)
		}
		resend := func(name string) (out []string) {
			for i := range 6 {
				a := anonCall(t, e.Env, "ResendConfirmationCode", jsonBody(t, map[string]any{"ClientId": e.client, "Username": spell(name, i)}))
				var d struct{ CodeDeliveryDetails map[string]string }
				_ = json.Unmarshal(a.Body, &d)
				out = append(out, outcome(a)+" "+d.CodeDeliveryDetails["DeliveryMedium"])
			}
			return out
		}
		same(t, resend("bob"), resend(unknownName), codeLimit+" ")
		confirm := func(name string) (out []string) {
			for i := range 7 {
				out = append(out, outcome(anonCall(t, e.Env, "ConfirmSignUp", jsonBody(t, map[string]any{
					"ClientId": e.client, "Username": spell(name, i), "ConfirmationCode": "000000",
				}))))
			}
			return out
		}
		real, unknown := confirm("bob"), confirm(unknownName)
		same(t, real, unknown, codeLimit)
		if real[0] != mismatch {
			t.Fatalf("a wrong code is CodeMismatchException: %q", real)
		}
	})
}
