package delivery

import "testing"

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+12345550008", "+*******0008"}, // spec §7.4, real 2017 capture
		{"+447700900123", "+********0123"},
		{"+15555550100", "+*******0100"},
		{"12345", "*2345"},
		{"+1234", "+1234"},
		{"123", "123"},
		{"", ""},
		{"+1 (555) 555-0100", "+* (***) ***-0100"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"user@example.com", "u***@e***.com"}, // spec §7.4 form
		{"mary@hotmail.co.uk", "m***@h***.uk"},
		{"m@h", "m***@h***"}, // no TLD: the "m***@h***" form
		{"a.b+c@sub.example.org", "a***@s***.org"},
		{"Émile@école.fr", "É***@é***.fr"},
		{"odd@trailingdot.", "o***@t***"},
		{"@example.com", "***@e***.com"},
		{"noat", "n***"},
		{"", "***"},
		{"quoted\"@\"local@example.com", "q***@e***.com"},
	}
	for _, tt := range tests {
		if got := MaskEmail(tt.in); got != tt.want {
			t.Errorf("MaskEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskDestination(t *testing.T) {
	if got := MaskDestination(ChannelSMS, "+12345550008"); got != "+*******0008" {
		t.Errorf("SMS: %q", got)
	}
	if got := MaskDestination(ChannelEmail, "user@example.com"); got != "u***@e***.com" {
		t.Errorf("EMAIL: %q", got)
	}
}
