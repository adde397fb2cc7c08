package apiserver_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/srp/srptest"
	"github.com/userpoold/userpoold/internal/storage"
)

const devPassword = "Passw0rd!"

var deviceKeyRE = regexp.MustCompile(`^us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// Device tracking modes (spec §7.5).
var (
	optInSuppress   = &types.DeviceConfigurationType{ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true}
	alwaysSuppress  = &types.DeviceConfigurationType{ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: false}
	optInNoSuppress = &types.DeviceConfigurationType{ChallengeRequiredOnNewDevice: false, DeviceOnlyRememberedOnUserPrompt: true}
)

// devEnv is a server whose pool tracks devices as configured.
type devEnv struct {
	*authEnv
}

func newDevEnv(t *testing.T, dc *types.DeviceConfigurationType, mfaCfg *cip.SetUserPoolMfaConfigInput) *devEnv {
	t.Helper()
	e := &devEnv{newAuthEnv(t, &cip.CreateUserPoolInput{DeviceConfiguration: dc}, nil)}
	if mfaCfg != nil {
		in := *mfaCfg
		in.UserPoolId = aws.String(e.pool)
		if _, err := e.Client.SetUserPoolMfaConfig(ctx, &in); err != nil {
			t.Fatalf("SetUserPoolMfaConfig: %v", err)
		}
	}
	return e
}

// device is what a client keeps about a confirmed device.
type device struct {
	key, group string
	secret     srptest.DeviceSecret
}

// login signs in with USER_PASSWORD_AUTH, with DEVICE_KEY when key is set.
func (e *devEnv) login(username, key string) (*cip.InitiateAuthOutput, error) {
	extra := []string{}
	if key != "" {
		extra = append(extra, "DEVICE_KEY", key)
	}
	return e.passwordAuth(e.clientID(), username, devPassword, extra...)
}

func (e *devEnv) mustLogin(username, key string, want types.ChallengeNameType) *cip.InitiateAuthOutput {
	e.t.Helper()
	out, err := e.login(username, key)
	if err != nil {
		e.t.Fatalf("InitiateAuth %s: %v", username, err)
	}
	if out.ChallengeName != want {
		e.t.Fatalf("InitiateAuth %s: challenge %q, want %q", username, out.ChallengeName, want)
	}
	return out
}

func (e *devEnv) respond(name types.ChallengeNameType, session *string, r map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
	return e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(e.clientID()), ChallengeName: name, Session: session, ChallengeResponses: e.withSecretHash(r["USERNAME"], r),
	})
}

// confirm confirms the device of a NewDeviceMetadata with a fresh device
// secret, as the client libraries do after a sign-in.
func (e *devEnv) confirm(res *types.AuthenticationResultType, name string) (device, bool) {
	e.t.Helper()
	if res == nil || res.NewDeviceMetadata == nil {
		e.t.Fatal("no NewDeviceMetadata")
	}
	d := device{key: aws.ToString(res.NewDeviceMetadata.DeviceKey), group: aws.ToString(res.NewDeviceMetadata.DeviceGroupKey)}
	var err error
	if d.secret, err = srptest.GenerateHashDevice(rand.Reader, d.group, d.key); err != nil {
		e.t.Fatal(err)
	}
	in := &cip.ConfirmDeviceInput{
		AccessToken: res.AccessToken, DeviceKey: aws.String(d.key),
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{PasswordVerifier: aws.String(d.secret.Verifier), Salt: aws.String(d.secret.Salt)},
	}
	if name != "" {
		in.DeviceName = aws.String(name)
	}
	out, err := e.Anonymous.ConfirmDevice(ctx, in)
	if err != nil {
		e.t.Fatalf("ConfirmDevice: %v", err)
	}
	return d, out.UserConfirmationNecessary
}

// deviceAuth answers DEVICE_SRP_AUTH (session) and DEVICE_PASSWORD_VERIFIER
// for d with the device password pw, as getDeviceResponse does.
func (e *devEnv) deviceAuth(session *string, username string, d device, pw string) (*cip.RespondToAuthChallengeOutput, error) {
	e.t.Helper()
	c, err := srptest.NewClient(rand.Reader, d.group)
	if err != nil {
		e.t.Fatal(err)
	}
	out, err := e.respond(types.ChallengeNameTypeDeviceSrpAuth, session, map[string]string{"USERNAME": username, "DEVICE_KEY": d.key, "SRP_A": c.SRPA()})
	if err != nil {
		return nil, err
	}
	if out.ChallengeName != types.ChallengeNameTypeDevicePasswordVerifier || out.Session == nil {
		e.t.Fatalf("DEVICE_SRP_AUTH answer: %s", out.ChallengeName)
	}
	p := out.ChallengeParameters
	for _, k := range []string{"SALT", "SRP_B", "SECRET_BLOCK", "USERNAME"} {
		if p[k] == "" {
			e.t.Fatalf("DEVICE_PASSWORD_VERIFIER lacks %s: %v", k, p)
		}
	}
	if p["USERNAME"] != username {
		e.t.Errorf("DEVICE_PASSWORD_VERIFIER USERNAME = %q", p["USERNAME"])
	}
	r, err := c.DeviceVerifierResponses(p, username, d.key, pw, e.Clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return e.respond(types.ChallengeNameTypeDevicePasswordVerifier, out.Session, r)
}

// tokens checks a final answer and returns its result.
func (e *devEnv) tokens(out *cip.RespondToAuthChallengeOutput, err error) *types.AuthenticationResultType {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("RespondToAuthChallenge: %v", err)
	}
	if out.AuthenticationResult == nil || out.ChallengeName != "" || len(out.ChallengeParameters) != 0 {
		e.t.Fatalf("want tokens, got %s %v", out.ChallengeName, out.ChallengeParameters)
	}
	return out.AuthenticationResult
}

func (e *devEnv) deviceKeyClaim(res *types.AuthenticationResultType) string {
	e.t.Helper()
	claims, _ := e.verifyJWT(aws.ToString(res.AccessToken))
	return claimString(claims, "device_key")
}

// refresh runs REFRESH_TOKEN_AUTH with DEVICE_KEY when key is set.
func (e *devEnv) refresh(token *string, key string) (*cip.InitiateAuthOutput, error) {
	params := map[string]string{"REFRESH_TOKEN": aws.ToString(token)}
	if key != "" {
		params["DEVICE_KEY"] = key
	}
	return e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: aws.String(e.clientID()), AuthParameters: params})
}

// enableTOTP gives a user a verified, enabled and preferred software token.
func (e *devEnv) enableTOTP(username string) []byte {
	e.t.Helper()
	secret := make([]byte, 20)
	rand.Read(secret)
	e.updateUser(username, func(u *storage.User) {
		u.Secrets.TOTPSecret = secret
		u.MFA = storage.UserMFA{Enabled: []mfa.Factor{mfa.TOTP}, Preferred: mfa.TOTP, TOTPVerifiedAt: e.Clock.Now()}
	})
	return secret
}

// totp answers SOFTWARE_TOKEN_MFA with the current code (moving the clock to
// the next step first, so that codes are never replays).
func (e *devEnv) totp(session *string, username string, secret []byte) (*cip.RespondToAuthChallengeOutput, error) {
	e.Clock.Advance(30 * time.Second)
	return e.respond(types.ChallengeNameTypeSoftwareTokenMfa, session, map[string]string{"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": mfa.Code(secret, e.Clock.Now())})
}

func attrMap(as []types.AttributeType) map[string]string {
	m := map[string]string{}
	for _, a := range as {
		m[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	return m
}

func TestDeviceLifecycle(t *testing.T) {
	e := newDevEnv(t, optInSuppress, nil)
	e.createUser("dora", devPassword)

	// A sign-in without a device key: tokens and a new, unconfirmed device.
	first := e.mustLogin("dora", "", "")
	res := first.AuthenticationResult
	md := res.NewDeviceMetadata
	if md == nil || !deviceKeyRE.MatchString(aws.ToString(md.DeviceKey)) || len(aws.ToString(md.DeviceGroupKey)) < 2 {
		t.Fatalf("NewDeviceMetadata = %+v", md)
	}
	if k := e.deviceKeyClaim(res); k != "" {
		t.Errorf("a new device is in the access token before it is confirmed: %q", k)
	}
	key := aws.ToString(md.DeviceKey)
	tok := res.AccessToken
	list, err := e.Anonymous.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: tok})
	if err != nil || len(list.Devices) != 0 {
		t.Fatalf("an unconfirmed device is listed: %+v %v", list, err)
	}
	_, err = e.Anonymous.GetDevice(ctx, &cip.GetDeviceInput{AccessToken: tok, DeviceKey: aws.String(key)})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	// Its refresh token is bound to the device, which must be confirmed first.
	_, err = e.refresh(res.RefreshToken, key)
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")

	// ConfirmDevice: the pool asks the user before remembering.
	e.Clock.Advance(time.Second)
	d, necessary := e.confirm(res, "Dora's laptop")
	if !necessary {
		t.Error("UserConfirmationNecessary = false with DeviceOnlyRememberedOnUserPrompt")
	}
	_, err = e.Anonymous.ConfirmDevice(ctx, &cip.ConfirmDeviceInput{AccessToken: tok, DeviceKey: aws.String(key),
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{PasswordVerifier: aws.String(d.secret.Verifier), Salt: aws.String(d.secret.Salt)}})
	wantErr(t, err, "DeviceKeyExistsException", "Device key already exists.")

	got, err := e.Anonymous.GetDevice(ctx, &cip.GetDeviceInput{AccessToken: tok, DeviceKey: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	attrs := attrMap(got.Device.DeviceAttributes)
	want := map[string]string{
		"device_status": "valid", "device_name": "Dora's laptop", "dev:device_remembered_status": "not_remembered",
		"dev:device_sdk": "aws-sdk", "last_ip_used": "127.0.0.1", "dev:device_owner": "dora." + e.pool,
		"dev:device_arn": "arn:aws:cognito-idp:us-east-1:000000000000:owner/dora." + e.pool + "/device/" + key,
	}
	for k, v := range want {
		if attrs[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, attrs[k], v)
		}
	}
	if n := aws.ToString(got.Device.DeviceAttributes[0].Name); n != "device_status" {
		t.Errorf("first attribute %s", n)
	}
	dev := got.Device
	if dev.DeviceCreateDate == nil || dev.DeviceLastModifiedDate == nil || dev.DeviceLastAuthenticatedDate == nil ||
		!dev.DeviceLastModifiedDate.After(*dev.DeviceCreateDate) {
		t.Errorf("dates: %v %v %v", dev.DeviceCreateDate, dev.DeviceLastModifiedDate, dev.DeviceLastAuthenticatedDate)
	}
	list, err = e.Anonymous.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: tok})
	if err != nil || len(list.Devices) != 1 || aws.ToString(list.Devices[0].DeviceKey) != key || list.PaginationToken != nil {
		t.Fatalf("ListDevices = %+v %v", list, err)
	}
	// Confirmed: its refresh token works, with the device key only.
	r, err := e.refresh(res.RefreshToken, key)
	if err != nil {
		t.Fatalf("refresh with the device key: %v", err)
	}
	if k := e.deviceKeyClaim(r.AuthenticationResult); k != key {
		t.Errorf("refreshed access token device_key = %q", k)
	}
	_, err = e.refresh(res.RefreshToken, "")
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")
	_, err = e.Anonymous.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(e.clientID()), RefreshToken: res.RefreshToken, DeviceKey: aws.String(key)})
	if err != nil {
		t.Errorf("GetTokensFromRefreshToken with the device key: %v", err)
	}

	// Remember it; sign in again with it: device SRP, no new device.
	if _, err := e.Anonymous.UpdateDeviceStatus(ctx, &cip.UpdateDeviceStatusInput{AccessToken: tok, DeviceKey: aws.String(key),
		DeviceRememberedStatus: types.DeviceRememberedStatusTypeRemembered}); err != nil {
		t.Fatal(err)
	}
	adm, err := e.Client.AdminGetDevice(ctx, &cip.AdminGetDeviceInput{UserPoolId: aws.String(e.pool), Username: aws.String("dora"), DeviceKey: aws.String(key)})
	if err != nil || attrMap(adm.Device.DeviceAttributes)["dev:device_remembered_status"] != "remembered" {
		t.Fatalf("AdminGetDevice: %+v %v", adm, err)
	}
	e.Clock.Advance(time.Minute)
	again := e.mustLogin("dora", key, types.ChallengeNameTypeDeviceSrpAuth)
	if again.Session == nil || again.ChallengeParameters["USERNAME"] != "dora" {
		t.Fatalf("DEVICE_SRP_AUTH: %+v", again)
	}
	res2 := e.tokens(e.deviceAuth(again.Session, "dora", d, d.secret.Password))
	if res2.NewDeviceMetadata != nil {
		t.Error("NewDeviceMetadata for a known device")
	}
	if k := e.deviceKeyClaim(res2); k != key {
		t.Errorf("access token device_key = %q, want %q", k, key)
	}
	adm, _ = e.Client.AdminGetDevice(ctx, &cip.AdminGetDeviceInput{UserPoolId: aws.String(e.pool), Username: aws.String("dora"), DeviceKey: aws.String(key)})
	if !adm.Device.DeviceLastAuthenticatedDate.Equal(e.Clock.Now().Truncate(time.Second)) {
		t.Errorf("DeviceLastAuthenticatedDate = %v, want %v", adm.Device.DeviceLastAuthenticatedDate, e.Clock.Now())
	}

	// Admin operations.
	al, err := e.Client.AdminListDevices(ctx, &cip.AdminListDevicesInput{UserPoolId: aws.String(e.pool), Username: aws.String("dora")})
	if err != nil || len(al.Devices) != 1 {
		t.Fatalf("AdminListDevices: %+v %v", al, err)
	}
	if _, err := e.Client.AdminUpdateDeviceStatus(ctx, &cip.AdminUpdateDeviceStatusInput{UserPoolId: aws.String(e.pool), Username: aws.String("dora"),
		DeviceKey: aws.String(key), DeviceRememberedStatus: types.DeviceRememberedStatusTypeNotRemembered}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Client.AdminGetDevice(ctx, &cip.AdminGetDeviceInput{UserPoolId: aws.String(e.pool), Username: aws.String("nobody"), DeviceKey: aws.String(key)})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
	_, err = e.Client.AdminForgetDevice(ctx, &cip.AdminForgetDeviceInput{UserPoolId: aws.String(e.pool), Username: aws.String("dora"), DeviceKey: aws.String("us-east-1_00000000-0000-4000-8000-000000000000")})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")

	// Forget it: gone, its refresh tokens die, and signing in with it fails
	// the way clients retry on.
	if _, err := e.Anonymous.ForgetDevice(ctx, &cip.ForgetDeviceInput{AccessToken: res2.AccessToken, DeviceKey: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
	list, err = e.Anonymous.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: tok})
	if err != nil || len(list.Devices) != 0 {
		t.Fatalf("after ForgetDevice: %+v %v", list, err)
	}
	_, err = e.refresh(res2.RefreshToken, key)
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")
	_, err = e.login("dora", key)
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	_, err = e.Anonymous.ForgetDevice(ctx, &cip.ForgetDeviceInput{AccessToken: tok, DeviceKey: aws.String(key)})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	_, err = e.Anonymous.UpdateDeviceStatus(ctx, &cip.UpdateDeviceStatusInput{AccessToken: tok, DeviceKey: aws.String(key), DeviceRememberedStatus: types.DeviceRememberedStatusTypeRemembered})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	if out := e.mustLogin("dora", "", ""); out.AuthenticationResult.NewDeviceMetadata == nil {
		t.Error("no NewDeviceMetadata after the device was forgotten")
	}
}

func TestConfirmDevice(t *testing.T) {
	e := newDevEnv(t, alwaysSuppress, nil)
	e.createUser("al", devPassword)
	e.createUser("bo", devPassword)
	al := e.mustLogin("al", "", "").AuthenticationResult
	bo := e.mustLogin("bo", "", "").AuthenticationResult
	cfg := func(s srptest.DeviceSecret) *types.DeviceSecretVerifierConfigType {
		return &types.DeviceSecretVerifierConfigType{PasswordVerifier: aws.String(s.Verifier), Salt: aws.String(s.Salt)}
	}
	sec, _ := srptest.GenerateHashDevice(rand.Reader, "g", "k")
	for name, in := range map[string]*cip.ConfirmDeviceInput{
		"unknown key":   {AccessToken: al.AccessToken, DeviceKey: aws.String("us-east-1_00000000-0000-4000-8000-000000000000"), DeviceSecretVerifierConfig: cfg(sec)},
		"another's key": {AccessToken: al.AccessToken, DeviceKey: bo.NewDeviceMetadata.DeviceKey, DeviceSecretVerifierConfig: cfg(sec)},
	} {
		_, err := e.Anonymous.ConfirmDevice(ctx, in)
		if servertest.ErrorCode(err) != "InvalidParameterException" || servertest.ErrorMessage(err) != "Invalid device key given." {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, c := range map[string]*types.DeviceSecretVerifierConfigType{
		"no config":        nil,
		"no verifier":      {Salt: aws.String(sec.Salt)},
		"verifier not b64": {PasswordVerifier: aws.String("***"), Salt: aws.String(sec.Salt)},
		"salt not b64":     {PasswordVerifier: aws.String(sec.Verifier), Salt: aws.String("***")},
		"zero verifier":    {PasswordVerifier: aws.String(base64.StdEncoding.EncodeToString([]byte{0})), Salt: aws.String(sec.Salt)},
	} {
		_, err := e.Anonymous.ConfirmDevice(ctx, &cip.ConfirmDeviceInput{AccessToken: al.AccessToken, DeviceKey: al.NewDeviceMetadata.DeviceKey, DeviceSecretVerifierConfig: c})
		if servertest.ErrorCode(err) != "InvalidParameterException" || servertest.ErrorMessage(err) != "Invalid device secret verifier config given." {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err := e.Anonymous.ConfirmDevice(ctx, &cip.ConfirmDeviceInput{AccessToken: aws.String("garbage"), DeviceKey: al.NewDeviceMetadata.DeviceKey, DeviceSecretVerifierConfig: cfg(sec)})
	wantErr(t, err, "NotAuthorizedException", "Invalid Access Token")

	// "Always" remembers at once.
	d, necessary := e.confirm(al, "")
	if necessary {
		t.Error("UserConfirmationNecessary = true without DeviceOnlyRememberedOnUserPrompt")
	}
	got, err := e.Client.AdminGetDevice(ctx, &cip.AdminGetDeviceInput{UserPoolId: aws.String(e.pool), Username: aws.String("al"), DeviceKey: aws.String(d.key)})
	if err != nil {
		t.Fatal(err)
	}
	attrs := attrMap(got.Device.DeviceAttributes)
	if attrs["dev:device_remembered_status"] != "remembered" {
		t.Errorf("remembered status %q", attrs["dev:device_remembered_status"])
	}
	if _, named := attrs["device_name"]; named {
		t.Error("device_name without a DeviceName")
	}
	// Another user cannot see it.
	_, err = e.Anonymous.GetDevice(ctx, &cip.GetDeviceInput{AccessToken: bo.AccessToken, DeviceKey: aws.String(d.key)})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	_, err = e.Client.AdminGetDevice(ctx, &cip.AdminGetDeviceInput{UserPoolId: aws.String(e.pool), Username: aws.String("bo"), DeviceKey: aws.String(d.key)})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
}

func TestListDevicesPaginates(t *testing.T) {
	e := newDevEnv(t, optInSuppress, nil)
	e.createUser("pat", devPassword)
	var tok *string
	keys := map[string]bool{}
	for range 3 {
		res := e.mustLogin("pat", "", "").AuthenticationResult
		d, _ := e.confirm(res, "")
		keys[d.key] = true
		tok = res.AccessToken
	}
	e.mustLogin("pat", "", "") // one more, unconfirmed: never listed
	p1, err := e.Anonymous.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: tok, Limit: aws.Int32(2)})
	if err != nil || len(p1.Devices) != 2 || p1.PaginationToken == nil {
		t.Fatalf("page 1: %+v %v", p1, err)
	}
	p2, err := e.Anonymous.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: tok, Limit: aws.Int32(2), PaginationToken: p1.PaginationToken})
	if err != nil || len(p2.Devices) != 1 {
		t.Fatalf("page 2: %+v %v", p2, err)
	}
	seen := map[string]bool{}
	for _, d := range append(p1.Devices, p2.Devices...) {
		seen[aws.ToString(d.DeviceKey)] = true
	}
	if len(seen) != 3 {
		t.Errorf("listed %v, want %v", seen, keys)
	}
	for k := range keys {
		if !seen[k] {
			t.Errorf("%s not listed", k)
		}
	}
	all, err := e.Client.AdminListDevices(ctx, &cip.AdminListDevicesInput{UserPoolId: aws.String(e.pool), Username: aws.String("pat"), Limit: aws.Int32(0)})
	if err != nil || len(all.Devices) != 3 || all.PaginationToken != nil {
		t.Fatalf("AdminListDevices, Limit 0: %d devices, token %v, %v", len(all.Devices), all.PaginationToken, err)
	}
}

// TestRememberedDeviceSkipsMFA: the rules of spec §7.5 point 4 as
// authflow/devices.go orders them.
func TestRememberedDeviceSkipsMFA(t *testing.T) {
	e := newDevEnv(t, optInSuppress, &cip.SetUserPoolMfaConfigInput{
		MfaConfiguration: types.UserPoolMfaTypeOptional, SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	})
	e.createUser("tim", devPassword)
	secret := e.enableTOTP("tim")

	// New device: TOTP, then tokens with NewDeviceMetadata.
	out := e.mustLogin("tim", "", types.ChallengeNameTypeSoftwareTokenMfa)
	res := e.tokens(e.totp(out.Session, "tim", secret))
	d, necessary := e.confirm(res, "phone")
	if !necessary {
		t.Fatal("opt-in pool")
	}

	// Confirmed but not remembered: MFA first, then the device authenticates.
	out = e.mustLogin("tim", d.key, types.ChallengeNameTypeSoftwareTokenMfa)
	next, err := e.totp(out.Session, "tim", secret)
	if err != nil || next.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth || next.Session == nil {
		t.Fatalf("after TOTP: %+v %v", next, err)
	}
	res = e.tokens(e.deviceAuth(next.Session, "tim", d, d.secret.Password))
	if res.NewDeviceMetadata != nil || e.deviceKeyClaim(res) != d.key {
		t.Errorf("tokens after device auth: metadata %v, device_key %q", res.NewDeviceMetadata, e.deviceKeyClaim(res))
	}

	// Remembered: device SRP instead of TOTP, by password and by SRP.
	if _, err := e.Anonymous.UpdateDeviceStatus(ctx, &cip.UpdateDeviceStatusInput{AccessToken: res.AccessToken, DeviceKey: aws.String(d.key),
		DeviceRememberedStatus: types.DeviceRememberedStatusTypeRemembered}); err != nil {
		t.Fatal(err)
	}
	out = e.mustLogin("tim", d.key, types.ChallengeNameTypeDeviceSrpAuth)
	e.tokens(e.deviceAuth(out.Session, "tim", d, d.secret.Password))

	c, start, err := e.srpStart(e.clientID(), "tim")
	if err != nil {
		t.Fatal(err)
	}
	pv, err := e.srpAnswer(e.clientID(), c, start.ChallengeParameters, devPassword, "DEVICE_KEY", d.key)
	if err != nil || pv.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
		t.Fatalf("SRP with a remembered device: %+v %v", pv, err)
	}
	res = e.tokens(e.deviceAuth(pv.Session, "tim", d, d.secret.Password))
	if e.deviceKeyClaim(res) != d.key {
		t.Error("no device_key after SRP + device SRP")
	}

	// A new device still answers TOTP.
	e.mustLogin("tim", "", types.ChallengeNameTypeSoftwareTokenMfa)

	// Not remembered any more: MFA again, then device SRP.
	if _, err := e.Client.AdminUpdateDeviceStatus(ctx, &cip.AdminUpdateDeviceStatusInput{UserPoolId: aws.String(e.pool), Username: aws.String("tim"),
		DeviceKey: aws.String(d.key), DeviceRememberedStatus: types.DeviceRememberedStatusTypeNotRemembered}); err != nil {
		t.Fatal(err)
	}
	e.mustLogin("tim", d.key, types.ChallengeNameTypeSoftwareTokenMfa)

	// Forgotten: the key fails, and without it the user answers MFA again.
	if _, err := e.Client.AdminForgetDevice(ctx, &cip.AdminForgetDeviceInput{UserPoolId: aws.String(e.pool), Username: aws.String("tim"), DeviceKey: aws.String(d.key)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.login("tim", d.key)
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	out = e.mustLogin("tim", "", types.ChallengeNameTypeSoftwareTokenMfa)
	if res := e.tokens(e.totp(out.Session, "tim", secret)); res.NewDeviceMetadata == nil {
		t.Error("no NewDeviceMetadata after MFA on a new device")
	}
}

// TestRememberedDeviceWithoutSuppression: ChallengeRequiredOnNewDevice
// false keeps MFA for remembered devices; the device authenticates after it.
func TestRememberedDeviceWithoutSuppression(t *testing.T) {
	e := newDevEnv(t, optInNoSuppress, &cip.SetUserPoolMfaConfigInput{
		MfaConfiguration: types.UserPoolMfaTypeOptional, SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	})
	e.createUser("ned", devPassword)
	secret := e.enableTOTP("ned")
	out := e.mustLogin("ned", "", types.ChallengeNameTypeSoftwareTokenMfa)
	res := e.tokens(e.totp(out.Session, "ned", secret))
	d, _ := e.confirm(res, "")
	if _, err := e.Anonymous.UpdateDeviceStatus(ctx, &cip.UpdateDeviceStatusInput{AccessToken: res.AccessToken, DeviceKey: aws.String(d.key),
		DeviceRememberedStatus: types.DeviceRememberedStatusTypeRemembered}); err != nil {
		t.Fatal(err)
	}
	out = e.mustLogin("ned", d.key, types.ChallengeNameTypeSoftwareTokenMfa)
	next, err := e.totp(out.Session, "ned", secret)
	if err != nil || next.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
		t.Fatalf("after TOTP: %+v %v", next, err)
	}
	e.tokens(e.deviceAuth(next.Session, "ned", d, d.secret.Password))

	// Without MFA for the user, a known device still authenticates.
	e.updateUser("ned", func(u *storage.User) { u.MFA = storage.UserMFA{} })
	out = e.mustLogin("ned", d.key, types.ChallengeNameTypeDeviceSrpAuth)
	e.tokens(e.deviceAuth(out.Session, "ned", d, d.secret.Password))
}

func TestDeviceSignInErrors(t *testing.T) {
	e := newDevEnv(t, alwaysSuppress, nil)
	e.createUser("eve", devPassword)
	e.createUser("fay", devPassword)
	d, _ := e.confirm(e.mustLogin("eve", "", "").AuthenticationResult, "")
	other, _ := e.confirm(e.mustLogin("fay", "", "").AuthenticationResult, "")

	// Unknown, another user's, never confirmed: "Device does not exist.".
	unconfirmed := e.mustLogin("eve", "", "").AuthenticationResult.NewDeviceMetadata.DeviceKey
	for name, key := range map[string]string{"unknown": "us-east-1_00000000-0000-4000-8000-000000000000", "another user's": other.key, "unconfirmed": aws.ToString(unconfirmed)} {
		_, err := e.login("eve", key)
		if servertest.ErrorCode(err) != "ResourceNotFoundException" || servertest.ErrorMessage(err) != "Device does not exist." {
			t.Errorf("%s device key: %v", name, err)
		}
	}
	// A wrong password is still a wrong password.
	_, err := e.passwordAuth(e.clientID(), "eve", "Wrong0ne!", "DEVICE_KEY", "us-east-1_00000000-0000-4000-8000-000000000000")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")

	// A wrong device password fails like a wrong password, and the session
	// can be answered again.
	out := e.mustLogin("eve", d.key, types.ChallengeNameTypeDeviceSrpAuth)
	c, _ := srptest.NewClient(rand.Reader, d.group)
	dpv, err := e.respond(types.ChallengeNameTypeDeviceSrpAuth, out.Session, map[string]string{"USERNAME": "eve", "DEVICE_KEY": d.key, "SRP_A": c.SRPA()})
	if err != nil {
		t.Fatal(err)
	}
	bad, _ := c.DeviceVerifierResponses(dpv.ChallengeParameters, "eve", d.key, "not-the-device-password", e.Clock.Now())
	_, err = e.respond(types.ChallengeNameTypeDevicePasswordVerifier, dpv.Session, bad)
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	stale := map[string]string{}
	for k, v := range bad {
		stale[k] = v
	}
	stale["PASSWORD_CLAIM_SECRET_BLOCK"] = base64.StdEncoding.EncodeToString([]byte("another block"))
	_, err = e.respond(types.ChallengeNameTypeDevicePasswordVerifier, dpv.Session, stale)
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	good, _ := c.DeviceVerifierResponses(dpv.ChallengeParameters, "eve", d.key, d.secret.Password, e.Clock.Now())
	e.tokens(e.respond(types.ChallengeNameTypeDevicePasswordVerifier, dpv.Session, good))
	_, err = e.respond(types.ChallengeNameTypeDevicePasswordVerifier, dpv.Session, good)
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session can only be used once.")

	// DEVICE_SRP_AUTH answers.
	out = e.mustLogin("eve", d.key, types.ChallengeNameTypeDeviceSrpAuth)
	_, err = e.respond(types.ChallengeNameTypeDeviceSrpAuth, out.Session, map[string]string{"USERNAME": "eve", "SRP_A": c.SRPA()})
	wantErr(t, err, "InvalidParameterException", "Missing required parameter DEVICE_KEY")
	_, err = e.respond(types.ChallengeNameTypeDeviceSrpAuth, out.Session, map[string]string{"USERNAME": "eve", "DEVICE_KEY": d.key})
	wantErr(t, err, "InvalidParameterException", "Missing required parameter SRP_A")
	_, err = e.respond(types.ChallengeNameTypeDeviceSrpAuth, out.Session, map[string]string{"USERNAME": "eve", "DEVICE_KEY": other.key, "SRP_A": c.SRPA()})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	_, err = e.respond(types.ChallengeNameTypeDeviceSrpAuth, nil, map[string]string{"USERNAME": "eve", "DEVICE_KEY": d.key, "SRP_A": c.SRPA()})
	wantErr(t, err, "InvalidParameterException", "Missing required parameter Session")

	// Forgotten between the two steps.
	dpv, err = e.respond(types.ChallengeNameTypeDeviceSrpAuth, out.Session, map[string]string{"USERNAME": "eve", "DEVICE_KEY": d.key, "SRP_A": c.SRPA()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.AdminForgetDevice(ctx, &cip.AdminForgetDeviceInput{UserPoolId: aws.String(e.pool), Username: aws.String("eve"), DeviceKey: aws.String(d.key)}); err != nil {
		t.Fatal(err)
	}
	good, _ = c.DeviceVerifierResponses(dpv.ChallengeParameters, "eve", d.key, d.secret.Password, e.Clock.Now())
	_, err = e.respond(types.ChallengeNameTypeDevicePasswordVerifier, dpv.Session, good)
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
}

// TestSRPDeviceKeyRetry replays amazon-cognito-identity-js: DEVICE_KEY sent
// with InitiateAuth and PASSWORD_VERIFIER; on "Device does not exist." it
// answers PASSWORD_VERIFIER again with the same SECRET_BLOCK and DEVICE_KEY
// null.
func TestSRPDeviceKeyRetry(t *testing.T) {
	e := newDevEnv(t, optInSuppress, nil)
	e.createUser("ida", devPassword)
	stale := "us-east-1_00000000-0000-4000-8000-000000000000"
	c, start, err := e.srpStart(e.clientID(), "ida", "DEVICE_KEY", stale)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.srpAnswer(e.clientID(), c, start.ChallengeParameters, devPassword, "DEVICE_KEY", stale)
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")

	resp, err := c.PasswordVerifierResponses(start.ChallengeParameters, devPassword, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"ClientId": e.clientID(), "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": map[string]any{
		"USERNAME": resp["USERNAME"], "PASSWORD_CLAIM_SECRET_BLOCK": resp["PASSWORD_CLAIM_SECRET_BLOCK"],
		"TIMESTAMP": resp["TIMESTAMP"], "PASSWORD_CLAIM_SIGNATURE": resp["PASSWORD_CLAIM_SIGNATURE"], "DEVICE_KEY": nil,
	}}
	status, out := e.rawCall("RespondToAuthChallenge", body)
	if status != 200 {
		t.Fatalf("retry with DEVICE_KEY null: %d %s", status, out["message"])
	}
	var result struct{ NewDeviceMetadata *struct{ DeviceKey string } }
	if err := json.Unmarshal(out["AuthenticationResult"], &result); err != nil || result.NewDeviceMetadata == nil {
		t.Fatalf("retry: no tokens with NewDeviceMetadata: %s", out["AuthenticationResult"])
	}
	// The DEVICE_KEY of InitiateAuth alone is used when the answer has none.
	c, start, _ = e.srpStart(e.clientID(), "ida", "DEVICE_KEY", stale)
	_, err = e.srpAnswer(e.clientID(), c, start.ChallengeParameters, devPassword)
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
}

// TestAdminFlowDevices: admin sign-ins "don't support device tracking"
// (DG23 admin authentication flow).
func TestAdminFlowDevices(t *testing.T) {
	e := newDevEnv(t, optInSuppress, nil)
	e.createUser("ann", devPassword)
	d, _ := e.confirm(e.mustLogin("ann", "", "").AuthenticationResult, "")
	admin := func(key string) *cip.AdminInitiateAuthOutput {
		params := map[string]string{"USERNAME": "ann", "PASSWORD": devPassword}
		if key != "" {
			params["DEVICE_KEY"] = key
		}
		out, err := e.Client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(e.pool), ClientId: aws.String(e.clientID()),
			AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: params})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := admin("")
	if out.AuthenticationResult == nil || out.AuthenticationResult.NewDeviceMetadata != nil {
		t.Fatalf("admin sign-in: %+v", out)
	}
	if out = admin(d.key); out.AuthenticationResult == nil || e.deviceKeyClaim(out.AuthenticationResult) != "" {
		t.Fatalf("admin sign-in with a device key: %+v", out)
	}
	_, err := e.refresh(out.AuthenticationResult.RefreshToken, d.key)
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")
	_, err = e.refresh(out.AuthenticationResult.RefreshToken, "")
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")
}

// TestNoDeviceTracking: without DeviceConfiguration there is no device.
func TestNoDeviceTracking(t *testing.T) {
	e := newDevEnv(t, nil, nil)
	e.createUser("nia", devPassword)
	out := e.mustLogin("nia", "us-east-1_00000000-0000-4000-8000-000000000000", "")
	if out.AuthenticationResult.NewDeviceMetadata != nil {
		t.Error("NewDeviceMetadata without device tracking")
	}
	if _, err := e.refresh(out.AuthenticationResult.RefreshToken, ""); err != nil {
		t.Errorf("refresh without device tracking: %v", err)
	}
	srpOut, err := e.srpSignIn("nia", devPassword)
	if err != nil || srpOut.AuthenticationResult == nil || srpOut.AuthenticationResult.NewDeviceMetadata != nil {
		t.Errorf("SRP sign-in: %+v %v", srpOut, err)
	}
}
