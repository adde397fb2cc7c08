package delivery

import (
	"strings"
	"unicode/utf8"
)

// MaskPhone masks a phone number for CODE_DELIVERY_DESTINATION: every digit
// except the last four becomes '*', and every other character (the leading
// '+') stays. "+12345550008" becomes "+*******0008", as in a real 2017 SMS_MFA
// challenge (spec §7.4; amazon-cognito-identity-js#236). A number with four
// digits or fewer is returned unchanged.
func MaskPhone(s string) string {
	digits := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits++
		}
	}
	keep := 4
	b := []byte(s)
	for i := range b {
		if b[i] >= '0' && b[i] <= '9' {
			if digits > keep {
				b[i] = '*'
			}
			digits--
		}
	}
	return string(b)
}

// maskEmailKeepTLD says whether MaskEmail keeps the final ".tld" of the
// domain. UNCONFIRMED: spec §7.4 saw both "u***@e***.com" and "m***@h***";
// we keep the TLD. Set to false for the other form.
const maskEmailKeepTLD = true

// MaskEmail masks an email address for CODE_DELIVERY_DESTINATION: the first
// character of the local part, "***@", the first character of the domain,
// "***", and the domain's final ".tld" when it has one:
// "user@example.com" becomes "u***@e***.com". The rule is UNCONFIRMED (see
// maskEmailKeepTLD). A value without '@' becomes its first character and
// "***".
func MaskEmail(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return firstRune(s) + "***"
	}
	local, domain := s[:at], s[at+1:]
	out := firstRune(local) + "***@" + firstRune(domain) + "***"
	if maskEmailKeepTLD {
		if dot := strings.LastIndexByte(domain, '.'); dot > 0 && dot < len(domain)-1 {
			out += domain[dot:]
		}
	}
	return out
}

// MaskDestination masks dest with MaskPhone for ChannelSMS and MaskEmail for
// ChannelEmail.
func MaskDestination(channel, dest string) string {
	if channel == ChannelSMS {
		return MaskPhone(dest)
	}
	return MaskEmail(dest)
}

func firstRune(s string) string {
	if s == "" {
		return ""
	}
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}
