package cognitoidp

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestOmitZero(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"empty output", &SetUserMFAPreferenceOutput{}, `{}`},
		{"nil map omitted", &InitiateAuthOutput{Session: String("s")}, `{"Session":"s"}`},
		{"empty map kept", &InitiateAuthOutput{ChallengeName: new(ChallengeNameTypeSmsMfa), ChallengeParameters: map[string]string{}},
			`{"ChallengeName":"SMS_MFA","ChallengeParameters":{}}`},
		{"empty list kept", &ListUsersOutput{Users: []UserType{}}, `{"Users":[]}`},
		{"false and zero kept", &SMSMfaSettingsType{Enabled: Bool(false), PreferredMfa: Bool(true)}, `{"Enabled":false,"PreferredMfa":true}`},
		{"nested struct", &AdminGetUserOutput{Username: String("alice"), UserCreateDate: Time(time.UnixMilli(1682955829578)), Enabled: Bool(true)},
			`{"Username":"alice","UserCreateDate":1.682955829578E9,"Enabled":true}`},
		{"exception has its members only", NewNotAuthorizedException("Incorrect username or password."), `{"message":"Incorrect username or password."}`},
		{"reasonCode", &InvalidParameterException{Message: String("m"), ReasonCode: String("r")}, `{"message":"m","reasonCode":"r"}`},
		{"blob is base64", &AssetType{Bytes: []byte{1, 2, 3}}, `{"Bytes":"AQID"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.v)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if string(b) != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, b, tt.want)
		}
	}
}

func TestDecodeInput(t *testing.T) {
	var in AdminSetUserMFAPreferenceInput
	body := `{"UserPoolId":"us-east-1_Example1","Username":"alice","SMSMfaSettings":{"Enabled":true},"Unknown":1}`
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	if ToValue(in.UserPoolId) != "us-east-1_Example1" || ToValue(in.SMSMfaSettings.Enabled) != true || in.SMSMfaSettings.PreferredMfa != nil {
		t.Errorf("decoded %+v", in)
	}
	if ToValue(in.SoftwareTokenMfaSettings) != (SoftwareTokenMfaSettingsType{}) || ToValue[int32](nil) != 0 {
		t.Error("ToValue of nil is not the zero value")
	}
}

func TestTimestampMarshal(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.UnixMilli(1548108509537), "1.548108509537E9"},
		{time.UnixMilli(1682955829578), "1.682955829578E9"},
		{time.Unix(1548108509, 0), "1.548108509E9"},
		{time.Unix(1759334400, 0), "1.7593344E9"},
		{time.Unix(1e9, 0), "1.0E9"},
		{time.Unix(1548108509, 537999999), "1.548108509537E9"}, // millisecond precision
		{time.Unix(0, 0), "0.0"},
		{time.Unix(100, 5e8), "100.5"},
		{time.Unix(-100, 0), "-100.0"},
	}
	for _, tt := range tests {
		b, err := json.Marshal(Timestamp{tt.t})
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, want %s", tt.t, b, tt.want)
		}
		var back Timestamp
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if !back.Equal(tt.t.Truncate(time.Millisecond)) && tt.t.UnixMilli() >= 0 {
			t.Errorf("round trip of %v gave %v", tt.t, back.Time)
		}
	}
}

func TestTimestampUnmarshal(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"1548108509.537", time.UnixMilli(1548108509537)},
		{"1.548108509537E9", time.UnixMilli(1548108509537)},
		{"1.548108509537e+09", time.UnixMilli(1548108509537)},
		{"1548108509", time.Unix(1548108509, 0)},
		{"1548108509.123456789", time.Unix(1548108509, 123456789)},
		{"0", time.Unix(0, 0)},
		{"0.000", time.Unix(0, 0)},
		{"-1.5", time.Unix(-2, 5e8)},
		{"15481085095e-1", time.Unix(1548108509, 5e8)},
		{"1e-20", time.Unix(0, 0)},
	}
	for _, tt := range tests {
		var got Timestamp
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Errorf("Unmarshal(%s): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("Unmarshal(%s) = %v, want %v", tt.in, got.Time, tt.want)
		}
	}
	for _, bad := range []string{`"2019-01-21T22:08:29Z"`, `"1548108509"`, `true`, `{}`, `1e300`, `-1e300`} {
		var got Timestamp
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", bad, got.Time)
		}
	}
	// null leaves a pointer nil.
	var out AdminGetUserOutput
	if err := json.Unmarshal([]byte(`{"UserCreateDate":null,"UserLastModifiedDate":1.5E9}`), &out); err != nil {
		t.Fatal(err)
	}
	if out.UserCreateDate != nil || !out.UserLastModifiedDate.Equal(time.Unix(15e8, 0)) {
		t.Errorf("decoded %+v", out)
	}
}

// unsignedOps is the list in spec/cognito-mfa-behavior.md §10.2.
var unsignedOps = []string{
	"AssociateSoftwareToken", "ChangePassword", "CompleteWebAuthnRegistration", "ConfirmDevice",
	"ConfirmForgotPassword", "ConfirmSignUp", "DeleteUser", "DeleteUserAttributes", "DeleteWebAuthnCredential",
	"ForgetDevice", "ForgotPassword", "GetDevice", "GetTokensFromRefreshToken", "GetUser",
	"GetUserAttributeVerificationCode", "GetUserAuthFactors", "GlobalSignOut", "InitiateAuth", "ListDevices",
	"ListWebAuthnCredentials", "ResendConfirmationCode", "RespondToAuthChallenge", "RevokeToken",
	"SetUserMFAPreference", "SetUserSettings", "SignUp", "StartWebAuthnRegistration", "UpdateAuthEventFeedback",
	"UpdateDeviceStatus", "UpdateUserAttributes", "VerifySoftwareToken", "VerifyUserAttribute",
}

func TestDispatchTable(t *testing.T) {
	if len(OperationsByName) != 129 {
		t.Errorf("%d operations, want 129", len(OperationsByName))
	}
	var unsigned []string
	ctx := context.Background()
	for name, op := range OperationsByName {
		if op.Name != name {
			t.Errorf("OperationsByName[%q].Name = %q", name, op.Name)
		}
		if op.Unsigned {
			unsigned = append(unsigned, name)
		}
		if len(op.Errors) == 0 || !slices.Contains(op.Errors, "InvalidParameterException") {
			t.Errorf("%s: Errors %v lacks InvalidParameterException", name, op.Errors)
		}
		out, err := op.Invoke(ctx, Unimplemented{}, op.NewInput())
		var unsup *UnsupportedOperationException
		if out != nil || !errors.As(err, &unsup) {
			t.Errorf("%s: Invoke(Unimplemented) = %v, %v; want nil, *UnsupportedOperationException", name, out, err)
			continue
		}
		if want := "userpoold does not implement " + name + " yet"; unsup.ErrorMessage() != want {
			t.Errorf("%s: message %q, want %q", name, unsup.ErrorMessage(), want)
		}
	}
	slices.Sort(unsigned)
	if !slices.Equal(unsigned, unsignedOps) {
		t.Errorf("unsigned operations:\n got %v\nwant %v", unsigned, unsignedOps)
	}
	if op, ok := Lookup("SetUserMFAPreference"); !ok || !op.Unsigned || op.Name != "SetUserMFAPreference" {
		t.Errorf("Lookup(SetUserMFAPreference) = %+v, %v", op, ok)
	}
	if op, _ := Lookup("AdminSetUserMFAPreference"); op.Unsigned || slices.Contains(op.Errors, "ForbiddenException") {
		t.Errorf("AdminSetUserMFAPreference: %+v", op)
	}
	want := []string{"ResourceNotFoundException", "InvalidParameterException", "NotAuthorizedException",
		"PasswordResetRequiredException", "UserNotFoundException", "UserNotConfirmedException",
		"OperationNotEnabledException", "InternalErrorException", "ForbiddenException"}
	if op, _ := Lookup("SetUserMFAPreference"); !slices.Equal(op.Errors, want) {
		t.Errorf("SetUserMFAPreference errors %v, want %v", op.Errors, want)
	}
	if _, ok := Lookup("NoSuchOperation"); ok {
		t.Error("Lookup(NoSuchOperation) found something")
	}
}

// mfaServer implements one operation and inherits the rest.
type mfaServer struct {
	Unimplemented
	got *SetUserMFAPreferenceInput
}

func (s *mfaServer) SetUserMFAPreference(_ context.Context, in *SetUserMFAPreferenceInput) (*SetUserMFAPreferenceOutput, error) {
	s.got = in
	return nil, nil // a nil output becomes an empty one
}

func TestInvoke(t *testing.T) {
	ctx := context.Background()
	srv := &mfaServer{}
	op, _ := Lookup("SetUserMFAPreference")
	in := op.NewInput()
	if err := json.Unmarshal([]byte(`{"AccessToken":"tok","SoftwareTokenMfaSettings":{"Enabled":true,"PreferredMfa":true}}`), in); err != nil {
		t.Fatal(err)
	}
	out, err := op.Invoke(ctx, srv, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out.(*SetUserMFAPreferenceOutput); !ok || out.(*SetUserMFAPreferenceOutput) == nil {
		t.Errorf("output %#v, want non-nil *SetUserMFAPreferenceOutput", out)
	}
	if b, _ := json.Marshal(out); string(b) != "{}" {
		t.Errorf("output JSON %s, want {}", b)
	}
	if srv.got != in || ToValue(srv.got.AccessToken) != "tok" {
		t.Errorf("method got %+v", srv.got)
	}
	// Other operations still answer UnsupportedOperationException.
	other, _ := Lookup("GetUser")
	if _, err := other.Invoke(ctx, srv, other.NewInput()); err == nil || !strings.Contains(err.Error(), "GetUser") {
		t.Errorf("GetUser: %v", err)
	}
	// A wrong input type is an error, not a panic.
	if _, err := op.Invoke(ctx, srv, other.NewInput()); err == nil {
		t.Error("Invoke with the wrong input type succeeded")
	}
}

func TestExceptions(t *testing.T) {
	var err error = NewNotAuthorizedException("Incorrect username or password.")
	var apiErr APIError
	if !errors.As(err, &apiErr) {
		t.Fatal("NotAuthorizedException is not an APIError")
	}
	if apiErr.ErrorCode() != "NotAuthorizedException" || apiErr.ErrorMessage() != "Incorrect username or password." ||
		apiErr.HTTPStatusCode() != 400 || err.Error() != "NotAuthorizedException: Incorrect username or password." {
		t.Errorf("got %q %q %d %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), apiErr.HTTPStatusCode(), err.Error())
	}
	for _, e := range []APIError{NewInternalErrorException("x"), NewInternalServerException("x")} {
		if e.HTTPStatusCode() != 500 {
			t.Errorf("%s: status %d, want 500", e.ErrorCode(), e.HTTPStatusCode())
		}
	}
	for _, e := range []APIError{NewTooManyRequestsException("x"), NewUserNotFoundException("x"), NewForbiddenException("x")} {
		if e.HTTPStatusCode() != 400 {
			t.Errorf("%s: status %d, want 400", e.ErrorCode(), e.HTTPStatusCode())
		}
	}
	var empty InvalidParameterException
	if empty.ErrorMessage() != "" || empty.Error() != "InvalidParameterException: " {
		t.Errorf("empty exception: %q", empty.Error())
	}
}

func TestEnums(t *testing.T) {
	got := AuthFlowType("").Values()
	if len(got) != 8 || got[0] != AuthFlowTypeUserSrpAuth || AuthFlowTypeUserSrpAuth != "USER_SRP_AUTH" {
		t.Errorf("AuthFlowType values %v", got)
	}
	if AttributeDataTypeDatetime != "DateTime" || OAuthFlowTypeClientCredentials != "client_credentials" ||
		ChallengeNameTypeSoftwareTokenMfa != "SOFTWARE_TOKEN_MFA" || CustomSMSSenderLambdaVersionTypeV10 != "V1_0" {
		t.Error("enum constant names differ from aws-sdk-go-v2's")
	}
}
