package userpooldtest_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/userpoold/userpoold/userpooldtest"
)

const mfaSeed = `
pools:
  - id: us-east-1_Mfa1
    name: mfa
    settings: {UsernameAttributes: [email]}
    mfa: {MfaConfiguration: "ON", SoftwareTokenMfaConfiguration: {Enabled: true}}
    clients:
      - {id: mfaclient00000000000000001, name: app, settings: {ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]}}
    users:
      - username: erin@example.com
        password: Correct-horse-6
        attributes: {email_verified: "true"}
        mfa: {totp_secret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP, enabled: [SOFTWARE_TOKEN_MFA], preferred: SOFTWARE_TOKEN_MFA}
`

// TestSeededTOTPFollowsTheClock signs in with a declared TOTP secret: a code
// computed for the server's (moved) clock is accepted, one computed for the
// real time is not.
func TestSeededTOTPFollowsTheClock(t *testing.T) {
	srv := userpooldtest.NewServer(t, userpooldtest.WithSeed(mfaSeed))
	client := cip.NewFromConfig(srv.AWSConfig())
	ctx := context.Background()
	srv.Clock().Set(time.Date(2031, 6, 1, 12, 0, 0, 0, time.UTC))
	signIn := func() *cip.InitiateAuthOutput {
		out, err := client.InitiateAuth(ctx, &cip.InitiateAuthInput{
			ClientId: aws.String("mfaclient00000000000000001"), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "erin@example.com", "PASSWORD": "Correct-horse-6"},
		})
		if err != nil {
			t.Fatalf("InitiateAuth: %v", err)
		}
		if out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
			t.Fatalf("challenge = %q, want SOFTWARE_TOKEN_MFA", out.ChallengeName)
		}
		return out
	}
	answer := func(out *cip.InitiateAuthOutput, at time.Time) error {
		code, err := totp.GenerateCodeCustom("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId: aws.String("mfaclient00000000000000001"), ChallengeName: out.ChallengeName, Session: out.Session,
			ChallengeResponses: map[string]string{"USERNAME": out.ChallengeParameters["USER_ID_FOR_SRP"], "SOFTWARE_TOKEN_MFA_CODE": code},
		})
		return err
	}
	if err := answer(signIn(), time.Now()); err == nil {
		t.Fatal("a code for the real time was accepted while the server's clock is in 2031")
	}
	if err := answer(signIn(), srv.Clock().Now()); err != nil {
		t.Fatalf("a code for the server's time: %v", err)
	}
}

// TestMessagesByAnyName reads the outbox by username, email and sub, and a
// whole pool's.
func TestMessagesByAnyName(t *testing.T) {
	srv := userpooldtest.NewServer(t, userpooldtest.WithSeed(mfaSeed))
	client := cip.NewFromConfig(srv.AWSConfig())
	ctx := context.Background()
	if got := srv.Messages(t, "us-east-1_Mfa1", "erin@example.com"); len(got) != 0 {
		t.Fatalf("messages before any was sent: %+v", got)
	}
	for range 2 {
		if _, err := client.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{
			UserPoolId: aws.String("us-east-1_Mfa1"), Username: aws.String("erin@example.com"),
		}); err != nil {
			t.Fatalf("AdminResetUserPassword: %v", err)
		}
	}
	u, err := client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("us-east-1_Mfa1"), Username: aws.String("erin@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	var sub string
	for _, a := range u.UserAttributes {
		if aws.ToString(a.Name) == "sub" {
			sub = aws.ToString(a.Value)
		}
	}
	last := srv.LastMessage(t, "us-east-1_Mfa1", "erin@example.com")
	if last.Purpose != "FORGOT_PASSWORD" || last.Channel != "EMAIL" || last.Destination != "erin@example.com" || len(last.Code) != 6 || !strings.Contains(last.Body, last.Code) {
		t.Fatalf("last message = %+v", last)
	}
	first := srv.Messages(t, "us-east-1_Mfa1", "erin@example.com")[0]
	if first.Code == last.Code && first.SentAt.Equal(last.SentAt) {
		t.Fatalf("the two messages look alike: %+v", first)
	}
	for _, name := range []string{sub, aws.ToString(u.Username), ""} {
		if got := srv.Messages(t, "us-east-1_Mfa1", name); len(got) != 2 || got[1].Code != last.Code {
			t.Errorf("Messages(%q) = %+v, want the two messages", name, got)
		}
	}
}

// TestSeedProblemFailsTheTest: a seed that breaks a rule fails the test,
// naming the line and field, and so does a missing seed file.
func TestSeedProblemFailsTheTest(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  userpooldtest.Option
		want string
	}{
		{"policy", userpooldtest.WithSeed("pools:\n  - name: p\n    users:\n      - {username: u, password: short}\n"),
			"WithSeed:4:33: pools[0].users[0].password: InvalidPasswordException"},
		{"file", userpooldtest.WithSeedFile(filepath.Join(t.TempDir(), "missing.yaml")), "no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ft := &fatalT{TB: t}
			func() {
				defer func() {
					if r := recover(); r != nil && r != errFatal {
						panic(r)
					}
				}()
				userpooldtest.NewServer(ft, c.opt)
			}()
			if !strings.Contains(ft.msg, c.want) {
				t.Fatalf("failure = %q, want it to contain %q", ft.msg, c.want)
			}
		})
	}
}

// TestStoppedWhenTheTestEnds: after the test's cleanups the server no longer
// answers.
func TestStoppedWhenTheTestEnds(t *testing.T) {
	var url string
	t.Run("inner", func(t *testing.T) {
		srv := userpooldtest.NewServer(t)
		url = srv.URL
		resp, err := http.Get(url + "/health")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("/health: %v %v", resp, err)
		}
		resp.Body.Close()
	})
	if _, err := http.Get(url + "/health"); err == nil {
		t.Fatal("the server still answers after its test ended")
	}
}

var errFatal = fmt.Errorf("fatal")

// fatalT records a fatal failure instead of failing the test.
type fatalT struct {
	testing.TB
	msg string
}

func (t *fatalT) Fatalf(format string, args ...any) {
	t.msg = fmt.Sprintf(format, args...)
	panic(errFatal)
}
