package delivery

import "testing"

func TestRender(t *testing.T) {
	tests := []struct {
		name, template, code, username, want string
	}{
		{"verification default", DefaultVerificationMessage, "123456", "alice", "Your verification code is 123456. "},
		{"invitation default", DefaultInvitationMessage, "Tmp#Pass1", "alice", "Your username is alice and temporary password is Tmp#Pass1. "},
		{"sms mfa default", DefaultSMSAuthenticationMessage, "000111", "bob", "Your authentication code is 000111. "},
		{"repeated placeholders", "{####} {####} {username}{username}", "1", "u", "1 1 uu"},
		{"no placeholders", "hello", "1", "u", "hello"},
		{"empty template", "", "1", "u", ""},
		{"username holding a placeholder is not expanded again", "Hi {username}, code {####}", "42", "{####}", "Hi {####}, code 42"},
		{"code holding a placeholder is not expanded again", "{####}/{username}", "{username}", "eve", "{username}/eve"},
		{"near misses stay", "{###} {#####} {user}", "9", "x", "{###} {#####} {user}"},
		{"html", "<p>Code: <b>{####}</b></p>", "7", "x", "<p>Code: <b>7</b></p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Render(tt.template, tt.code, tt.username); got != tt.want {
				t.Errorf("Render(%q, %q, %q) = %q, want %q", tt.template, tt.code, tt.username, got, tt.want)
			}
		})
	}
}

func TestDefaultTemplate(t *testing.T) {
	verification := Template{
		SMSMessage:   "Your verification code is {####}. ",
		EmailMessage: "Your verification code is {####}. ",
		EmailSubject: "Your verification code",
	}
	tests := []struct {
		purpose string
		want    Template
	}{
		{PurposeSignUp, verification},
		{PurposeResendCode, verification},
		{PurposeVerifyAttribute, verification},
		{"SOMETHING_ELSE", verification},
		{PurposeInvitation, Template{
			SMSMessage:   "Your username is {username} and temporary password is {####}. ",
			EmailMessage: "Your username is {username} and temporary password is {####}. ",
			EmailSubject: "Your temporary password",
		}},
		{PurposeForgotPassword, Template{
			SMSMessage:   "Your password reset code is {####}",
			EmailMessage: "Your password reset code is {####}",
			EmailSubject: "Your verification code",
		}},
		{PurposeMFA, Template{
			SMSMessage:   "Your authentication code is {####}. ",
			EmailMessage: "Your authentication code is {####}. ",
			EmailSubject: "Your authentication code",
		}},
		{PurposeRiskNotification, Template{
			SMSMessage:   DefaultRiskNotificationMessage,
			EmailMessage: DefaultRiskNotificationMessage,
			EmailSubject: DefaultRiskNotificationSubject,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.purpose, func(t *testing.T) {
			if got := DefaultTemplate(tt.purpose); got != tt.want {
				t.Errorf("DefaultTemplate(%q) = %#v, want %#v", tt.purpose, got, tt.want)
			}
		})
	}
	if got := DefaultTemplate(PurposeMFA).For(ChannelSMS); got != DefaultSMSAuthenticationMessage {
		t.Errorf("For(SMS) = %q", got)
	}
	if got := DefaultTemplate(PurposeMFA).For(ChannelEmail); got != DefaultEmailAuthenticationMessage {
		t.Errorf("For(EMAIL) = %q", got)
	}
}
