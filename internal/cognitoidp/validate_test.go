package cognitoidp

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// decodeInput decodes a JSON request body into the named operation's input, as the server
// does.
func decodeInput(t *testing.T, op, body string) Input {
	t.Helper()
	o, ok := Lookup(op)
	if !ok {
		t.Fatalf("no operation %s", op)
	}
	in := o.NewInput()
	if err := json.Unmarshal([]byte(body), in); err != nil {
		t.Fatalf("%s: decoding %s: %v", op, body, err)
	}
	return in
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		op   string
		body string
		want string // "" for valid input
	}{
		{
			name: "valid",
			op:   "AdminSetUserMFAPreference",
			body: `{"UserPoolId":"us-east-1_Example1","Username":"alice","SMSMfaSettings":{"Enabled":true,"PreferredMfa":false}}`,
		},
		{
			name: "valid with nested list and map",
			op:   "AdminCreateUser",
			body: `{"UserPoolId":"us-east-1_Example1","Username":"alice","UserAttributes":[{"Name":"email","Value":"a@example.com"}],"DesiredDeliveryMediums":["EMAIL"],"ClientMetadata":{"k":"v"}}`,
		},
		{
			name: "missing required member",
			op:   "SetUserMFAPreference",
			body: `{"SoftwareTokenMfaSettings":{"Enabled":true}}`,
			want: "1 validation error detected: Value null at 'accessToken' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "JSON null is missing",
			op:   "GetUser",
			body: `{"AccessToken":null}`,
			want: "1 validation error detected: Value null at 'accessToken' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "pattern",
			op:   "AdminGetUser",
			body: `{"UserPoolId":"abc","Username":"alice"}`,
			want: `1 validation error detected: Value 'abc' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+`,
		},
		{
			name: "pattern must match the whole value",
			op:   "AdminGetUser",
			body: `{"UserPoolId":"us-east-1_abc def","Username":"alice"}`,
			want: `1 validation error detected: Value 'us-east-1_abc def' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+`,
		},
		{
			name: "length too long, counted in code points",
			op:   "CreateGroup",
			body: `{"UserPoolId":"us-east-1_Example1","GroupName":"g","Description":"` + strings.Repeat("é", 2049) + `"}`,
			want: "1 validation error detected: Value '" + strings.Repeat("é", 2049) + "' at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048",
		},
		{
			name: "length in code points: 2048 two-byte characters fit",
			op:   "CreateGroup",
			body: `{"UserPoolId":"us-east-1_Example1","GroupName":"g","Description":"` + strings.Repeat("é", 2048) + `"}`,
		},
		{
			name: "one value, two constraints: length then pattern",
			op:   "AdminUpdateUserAttributes",
			body: `{"UserPoolId":"us-east-1_Example1","Username":"alice","UserAttributes":[{"Name":"email","Value":"x"},{"Name":""}]}`,
			want: "2 validation errors detected: " +
				"Value '' at 'userAttributes.2.member.name' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
				`Value '' at 'userAttributes.2.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r ]+`,
		},
		{
			name: "nested list element: required member",
			op:   "AdminUpdateUserAttributes",
			body: `{"UserPoolId":"us-east-1_Example1","Username":"alice","UserAttributes":[{"Value":"x"}]}`,
			want: "1 validation error detected: Value null at 'userAttributes.1.member.name' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "enum",
			op:   "InitiateAuth",
			body: `{"AuthFlow":"PLAIN","ClientId":"client1"}`,
			want: "1 validation error detected: Value 'PLAIN' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: " +
				"[USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]",
		},
		{
			name: "integer range",
			op:   "ListUsers",
			body: `{"UserPoolId":"us-east-1_Example1","Limit":70}`,
			want: "1 validation error detected: Value '70' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60",
		},
		{
			name: "integer range, minimum",
			op:   "ListUserPools",
			body: `{"MaxResults":0}`,
			want: "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
		},
		{
			name: "sensitive value is not echoed",
			op:   "SignUp",
			body: `{"ClientId":"client1","Username":"alice","Password":"has space"}`,
			want: `1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\S]+`,
		},
		{
			name: "sensitive null is still null",
			op:   "ConfirmForgotPassword",
			body: `{"ClientId":"client1","Username":"alice","ConfirmationCode":"123456"}`,
			want: "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "several errors, model order",
			op:   "AdminSetUserMFAPreference",
			body: `{"UserPoolId":"bad","Username":""}`,
			want: "3 validation errors detected: " +
				"Value at 'username' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
				`Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{M}\p{S}\p{N}\p{P}]+; ` +
				`Value 'bad' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+`,
		},
		{
			name: "nested structure path",
			op:   "SetUserPoolMfaConfig",
			body: `{"UserPoolId":"us-east-1_Example1","SmsMfaConfiguration":{"SmsAuthenticationMessage":"no code here"}}`,
			want: `1 validation error detected: Value 'no code here' at 'smsMfaConfiguration.smsAuthenticationMessage' failed to satisfy constraint: Member must satisfy regular expression pattern: .*\{####\}.*`,
		},
		{
			name: "list of enums reports the list once with the element constraints",
			op:   "AdminCreateUser",
			body: `{"UserPoolId":"us-east-1_Example1","Username":"alice","DesiredDeliveryMediums":["SMS","FAX","PIGEON"]}`,
			want: "1 validation error detected: Value '[SMS, FAX, PIGEON]' at 'desiredDeliveryMediums' failed to satisfy constraint: " +
				"Member must satisfy constraint: [Member must satisfy enum value set: [SMS, EMAIL]]",
		},
		{
			name: "list size",
			op:   "AddCustomAttributes",
			body: `{"UserPoolId":"us-east-1_Example1","CustomAttributes":[]}`,
			want: "1 validation error detected: Value '[]' at 'customAttributes' failed to satisfy constraint: Member must have length greater than or equal to 1",
		},
		{
			name: "sensitive map is not echoed",
			op:   "InitiateAuth",
			body: `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"client1","AuthParameters":{"PASSWORD":"` + strings.Repeat("x", 131073) + `"}}`,
			want: "1 validation error detected: Value at 'authParameters' failed to satisfy constraint: Map value must satisfy constraint: " +
				"[Member must have length less than or equal to 131072, Member must have length greater than or equal to 0]",
		},
		{
			name: "map keys",
			op:   "TagResource",
			body: `{"ResourceArn":"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Example1","Tags":{"":"v"}}`,
			want: "1 validation error detected: Value '{=v}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: " +
				"[Member must have length less than or equal to 128, Member must have length greater than or equal to 1]",
		},
		{
			name: "document member required",
			op:   "CompleteWebAuthnRegistration",
			body: `{"AccessToken":"abc","Credential":null}`,
			want: "1 validation error detected: Value null at 'credential' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "document member present",
			op:   "CompleteWebAuthnRegistration",
			body: `{"AccessToken":"abc","Credential":{"id":"x"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := decodeInput(t, tt.op, tt.body)
			err := in.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ipe *InvalidParameterException
			if !errors.As(err, &ipe) {
				t.Fatalf("Validate() = %v (%T), want *InvalidParameterException", err, err)
			}
			if got := ipe.ErrorMessage(); got != tt.want {
				t.Errorf("message:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestValidateNilInput(t *testing.T) {
	var in *GetUserInput
	err := in.Validate()
	if err == nil || !strings.Contains(err.Error(), "Value null at 'accessToken'") {
		t.Errorf("nil input: Validate() = %v, want a missing accessToken error", err)
	}
}

func TestValidateEveryEmptyInput(t *testing.T) {
	// Every operation's empty input validates without panicking; the error, if any, only
	// reports missing members.
	for name, op := range OperationsByName {
		err := op.NewInput().Validate()
		if err == nil {
			continue
		}
		msg := err.(*InvalidParameterException).ErrorMessage()
		for _, item := range strings.Split(msg[strings.Index(msg, ": ")+2:], "; ") {
			if !strings.HasPrefix(item, "Value null at '") || !strings.HasSuffix(item, "Member must not be null") {
				t.Errorf("%s: unexpected item %q", name, item)
			}
		}
	}
}

func TestPatternTranslations(t *testing.T) {
	// Java semantics the RE2 translations must keep.
	tests := []struct {
		re    string
		value string
		want  bool
	}{
		{"reConfirmationCodeType", "123456", true},
		{"reConfirmationCodeType", "12\v34", false}, // Java's \S excludes vertical tab
		{"reSmsVerificationMessageType", "Code {####}", true},
		{"reSmsVerificationMessageType", "Code\r{####}", false}, // Java's '.' excludes \r
		{"reSmsVerificationMessageType", "Code\u2028{####}", false},
		{"reSmsInviteMessageType", "line\nline", true}, // (?s)
		{"reClientNameType", "my\vapp", true},          // Java's \s includes vertical tab
		{"reUserPoolIdType", "us-east-1_abc", true},
		{"reUserPoolIdType", "us-east-1_abc\n", false}, // matches() needs the whole input
	}
	res := map[string]interface{ MatchString(string) bool }{
		"reConfirmationCodeType":       reConfirmationCodeType,
		"reSmsVerificationMessageType": reSmsVerificationMessageType,
		"reSmsInviteMessageType":       reSmsInviteMessageType,
		"reClientNameType":             reClientNameType,
		"reUserPoolIdType":             reUserPoolIdType,
	}
	for _, tt := range tests {
		if got := res[tt.re].MatchString(tt.value); got != tt.want {
			t.Errorf("%s.MatchString(%q) = %v, want %v", tt.re, tt.value, got, tt.want)
		}
	}
}
