package main

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// exported returns name with its first letter upper-cased: the Go field name of a member.
func exported(name string) string {
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[n:]
}

// lowerFirst returns name with its first letter lower-cased: the member path AWS prints in
// validation messages (UserPoolId → userPoolId, SMSMfaSettings → sMSMfaSettings).
func lowerFirst(name string) string {
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToLower(r)) + name[n:]
}

var identRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// enumNameOverrides maps "<EnumShape>/<value>" to the constant suffix aws-sdk-go-v2 uses where
// it differs from enumValueSuffix. The SDK derives names from the Smithy model's enum member
// names, which the botocore model does not carry (Smithy calls "DateTime" DATETIME).
var enumNameOverrides = map[string]string{
	"AttributeDataType/DateTime": "Datetime",
}

// serverChecked lists the string shapes whose pattern and maximum length the generated
// Validate must not apply, because AWS accepts values the model's constraint refuses; the
// server checks them itself, with AWS's own wording. DomainType: CreateUserPoolDomain and
// the other domain operations take a custom domain's fully qualified name (auth.example.com)
// in the same member, although the pattern allows no dots and 63 characters; a bad prefix
// gets "The domain name contains an invalid character..." rather than a validation error
// (spec cognito-oauth2-hosted-ui.md §2.2; userpool/domains.go checks both forms).
var serverChecked = []string{"DomainType"}

// relaxServerChecked drops the pattern and maximum length of the serverChecked shapes the
// model has.
func relaxServerChecked(m *Model) error {
	for _, name := range serverChecked {
		s, ok := m.Shapes[name]
		if !ok {
			continue
		}
		if s.Type != "string" {
			return fmt.Errorf("serverChecked: %s is not a string shape of the model", name)
		}
		s.Pattern, s.Max = nil, nil
	}
	return nil
}

// enumValueSuffix turns an enum value into the CamelCase suffix of its Go constant, the way
// aws-sdk-go-v2 names them: words are split at characters that are not letters or digits; a
// word written in one case (USER, phone) becomes Title case (User, Phone); a mixed-case word
// (userNotification, InProgress) keeps its inner capitals and gets an upper-case first letter.
// It returns "" when the value has no letters or digits.
func enumValueSuffix(value string) string {
	words := strings.FieldsFunc(value, func(r rune) bool {
		return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)))
	})
	var b strings.Builder
	for _, w := range words {
		if strings.ToUpper(w) == w || strings.ToLower(w) == w {
			w = strings.ToLower(w)
		}
		b.WriteString(exported(w))
	}
	return b.String()
}

var (
	blockTagRE  = regexp.MustCompile(`(?i)</?(p|li|ul|ol|br|div|note|important|dl|dt|dd|h\d)\b[^>]*>`)
	anyTagRE    = regexp.MustCompile(`<[^>]*>`)
	spaceRE     = regexp.MustCompile(`\s+`)
	abbrevAtEnd = []string{"e.g.", "i.e.", "etc.", "vs.", "approx.", "Inc.", "Ltd."}
)

// maxDocLen bounds a generated doc comment; longer first sentences are cut at a word.
const maxDocLen = 240

// firstSentence returns the first sentence of model documentation (HTML), as plain text on one
// line. It returns "" for empty documentation.
func firstSentence(doc string) string {
	s := blockTagRE.ReplaceAllString(doc, " ")
	s = anyTagRE.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	s = strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
	for i := 0; i < len(s); i++ {
		if s[i] != '.' && s[i] != '?' && s[i] != '!' {
			continue
		}
		if i+1 < len(s) && s[i+1] != ' ' {
			continue
		}
		if s[i] == '.' && endsWithAbbrev(s[:i+1]) {
			continue
		}
		// A sentence ends at a stop followed by a space and a capital letter, a digit, a quote
		// or an opening bracket; "e.g. the" is not an end.
		if i+2 < len(s) {
			r, _ := utf8.DecodeRuneInString(s[i+2:])
			if !(unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune("\"'(`[", r)) {
				continue
			}
		}
		s = s[:i+1]
		break
	}
	if len(s) > maxDocLen {
		cut := strings.LastIndexByte(s[:maxDocLen], ' ')
		if cut <= 0 {
			cut = maxDocLen
		}
		for !utf8.ValidString(s[:cut]) {
			cut--
		}
		s = strings.TrimRight(s[:cut], " ,;:") + "..."
	}
	return s
}

func endsWithAbbrev(s string) bool {
	for _, a := range abbrevAtEnd {
		if strings.HasSuffix(s, " "+a) || s == a || strings.HasSuffix(s, "("+a) {
			return true
		}
	}
	return false
}

// comment formats text as // comment lines (text is a single line; it is wrapped at ~100
// columns).
func comment(b *strings.Builder, indent, text string) {
	const width = 100
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			b.WriteString(indent + "// " + line + "\n")
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		b.WriteString(indent + "// " + line + "\n")
	}
}
