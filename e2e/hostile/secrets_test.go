package hostile

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// Secrets at rest: an attacker with a copy of the database (not the master
// key) searches it for the secrets of a user who went through every step:
// the password, the temporary password of an invitation, the confirmation
// and reset codes in the outbox, the TOTP secret, the refresh token, an
// access token. None may be there, in any common encoding; the email
// address (stored in clear) must be, or the search proves nothing. The
// outbox still shows the codes through the API.
func TestSecretsAtRest(t *testing.T) {
	if strings.HasPrefix(os.Getenv("USERPOOLD_TEST_DB"), "postgres") {
		t.Skip("reads the SQLite files of the data directory; on PostgreSQL the storage/sql tests dump the tables (TestSecretsSealedPostgres)")
	}
	var dataDir string
	env := servertest.New(t, func(c *config.Config) { dataDir = c.DataDir })
	env.Clock.Set(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC))
	const (
		email     = "secret-owner@example.com"
		password  = "Pass-Marker-7d1f"
		temporary = "Temp-Marker-9c2e"
	)
	pool := env.CreatePool(&cip.CreateUserPoolInput{
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
	})
	if _, err := env.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(pool),
		MfaConfiguration: types.UserPoolMfaTypeOptional, SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	client := env.CreateClient(pool, nil).ClientId

	// Sign-up and its code, read back through the outbox.
	if _, err := env.Anonymous.SignUp(ctx, &cip.SignUpInput{ClientId: client, Username: aws.String("owner"), Password: aws.String(password),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}}}); err != nil {
		t.Fatal(err)
	}
	signUpCode := env.LastCode(pool, "owner")
	if _, err := env.Anonymous.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: client, Username: aws.String("owner"), ConfirmationCode: aws.String(signUpCode)}); err != nil {
		t.Fatal(err)
	}
	// A reset code that stays pending.
	if _, err := env.Anonymous.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: client, Username: aws.String("owner")}); err != nil {
		t.Fatal(err)
	}
	resetCode := env.LastCode(pool, "owner")
	// An invitation with a temporary password.
	if _, err := env.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("invited"),
		TemporaryPassword: aws.String(temporary), DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("invited@example.com")}}}); err != nil {
		t.Fatal(err)
	}
	if m := env.Outbox(pool, "invited"); len(m) != 1 || m[0].Code != temporary {
		t.Fatalf("the outbox should show the invitation's temporary password: %+v", m)
	}
	// Tokens and a TOTP secret.
	auth, err := env.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: client, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "owner", "PASSWORD": password}})
	if err != nil || auth.AuthenticationResult == nil {
		t.Fatalf("sign-in: %v", err)
	}
	access := aws.ToString(auth.AuthenticationResult.AccessToken)
	assoc, err := env.Anonymous.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String(access)})
	if err != nil {
		t.Fatal(err)
	}
	e := &userEnv{Env: env}
	totpSecret := aws.ToString(assoc.SecretCode)
	if _, err := env.Anonymous.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: aws.String(access), UserCode: aws.String(e.code(t, totpSecret, 0))}); err != nil {
		t.Fatal(err)
	}
	rawTOTP, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(totpSecret)
	if err != nil {
		t.Fatalf("TOTP secret %q: %v", totpSecret, err)
	}

	var dump []byte
	files, _ := filepath.Glob(filepath.Join(dataDir, "*"))
	for _, f := range files {
		if filepath.Base(f) == "master.key" {
			continue // the attacker of this test has the database, not the key
		}
		b, err := os.ReadFile(f)
		if err == nil {
			dump = append(dump, b...)
		}
	}
	if !bytes.Contains(dump, []byte(email)) {
		t.Fatalf("the email address is not in %v: the search proves nothing", files)
	}
	secrets := map[string][]byte{
		"password": []byte(password), "temporary password": []byte(temporary),
		"sign-up code in its message": []byte("code is " + signUpCode), "reset code in its message": []byte("code is " + resetCode),
		"TOTP secret (base32)": []byte(totpSecret), "TOTP secret (raw)": rawTOTP,
		"refresh token": []byte(aws.ToString(auth.AuthenticationResult.RefreshToken)),
		"access token":  []byte(access),
	}
	for name, s := range secrets {
		for _, enc := range [][]byte{s, []byte(hex.EncodeToString(s)), []byte(base64.StdEncoding.EncodeToString(s)), []byte(base64.RawURLEncoding.EncodeToString(s))} {
			if bytes.Contains(dump, enc) {
				t.Errorf("the %s is in the data directory (as %.40q...)", name, enc)
			}
		}
	}
	// Codes are six digits: a bare six-digit string is found by chance in a
	// database of binary pages, so the code is searched with the words of
	// its message (above) and as the outbox stored it before sealing.
	for _, c := range []string{signUpCode, resetCode} {
		if bytes.Contains(dump, []byte(`"code":"`+c+`"`)) {
			t.Errorf("code %s is stored in clear in the outbox", c)
		}
	}
}
