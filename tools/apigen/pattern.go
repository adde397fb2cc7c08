package main

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// The model's patterns are Java regular expressions (java.util.regex), applied by AWS with
// Matcher.matches(): the whole value must match. goPattern translates one into an RE2 pattern
// for Go's regexp with the same meaning, anchored as ^(?:...)$.
//
// What differs between the two dialects, and how it is handled:
//
//   - \s: Java's is [ \t\n\x0B\f\r]; RE2's lacks \x0B (vertical tab). \s is spelled out.
//   - \S: likewise, spelled out as a negated class. Only a bare [\S] class can hold it, because
//     RE2 cannot subtract inside a class; anything else is rejected.
//   - '.': Java's excludes the line terminators \n \r \u0085 \u2028 \u2029 (unless (?s)); RE2's
//     excludes only \n. It is spelled out outside (?s).
//   - $: with matches() Java needs the whole input consumed, so $ can only match at the very
//     end, as RE2's $ does without (?m).
//   - \w, \d, \p{L} and the other Unicode categories, \xHH, [a-z] ranges: same meaning.
//   - Look-around: RE2 has none. The one pattern that uses it (S3BucketType's (?<!\.)) is
//     rewritten by hand in handTranslated; any other look-around is an error.
//   - A '[' inside a class is a nested class (union) in Java and a literal in RE2; '&&' is
//     intersection in Java. Both are rejected.
//
// Anything goPattern does not recognise makes generation fail loudly.

// handTranslated maps a Java pattern RE2 cannot express to an equivalent RE2 pattern.
var handTranslated = map[string]string{
	// S3BucketType: letters, digits, '.', '-', '_', not ending in '.'. Java:
	//   ^[0-9A-Za-z\.\-_]*(?<!\.)$
	// The negative look-behind only forbids a final '.', so: empty, or any run of the allowed
	// characters whose last character is an allowed character other than '.'.
	`^[0-9A-Za-z\.\-_]*(?<!\.)$`: `^(?:[0-9A-Za-z\.\-_]*[0-9A-Za-z\-_])?$`,
}

const (
	javaSpaceClassBody = `\t\n\x0B\f\r\x20`
	javaDotClass       = `[^\n\r\x{85}\x{2028}\x{2029}]`
)

// goPattern returns the anchored RE2 equivalent of the Java pattern p.
func goPattern(p string) (string, error) {
	body, ok := handTranslated[p]
	if !ok {
		var err error
		body, err = translateJava(p)
		if err != nil {
			return "", fmt.Errorf("pattern %q: %w", p, err)
		}
	}
	full := "^(?:" + body + ")$"
	if _, err := regexp.Compile(full); err != nil {
		return "", fmt.Errorf("pattern %q: translated to %q, which Go cannot compile: %w", p, full, err)
	}
	return full, nil
}

func translateJava(p string) (string, error) {
	var out strings.Builder
	dotAll := false
	if strings.HasPrefix(p, "(?s)") {
		dotAll = true
		out.WriteString("(?s)")
		p = p[len("(?s)"):]
	}
	inClass := false
	classStart := 0 // index in p just after the class's '[' (and '^')
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			if i+1 >= len(p) {
				return "", fmt.Errorf("trailing backslash")
			}
			e := p[i+1]
			switch e {
			case 's':
				if inClass {
					out.WriteString(javaSpaceClassBody)
				} else {
					out.WriteString("[" + javaSpaceClassBody + "]")
				}
				i++
			case 'S':
				if inClass {
					// Only the whole class [\S] can be written in RE2: [^ \t\n\x0B\f\r].
					if i != classStart || i+2 >= len(p) || p[i+2] != ']' || p[classStart-1] != '[' {
						return "", fmt.Errorf(`\S inside a larger character class is not supported`)
					}
					out.WriteString("^" + javaSpaceClassBody)
				} else {
					out.WriteString("[^" + javaSpaceClassBody + "]")
				}
				i++
			case 'p', 'P':
				end := strings.IndexByte(p[i:], '}')
				if i+2 >= len(p) || p[i+2] != '{' || end < 0 {
					return "", fmt.Errorf(`malformed \%c`, e)
				}
				out.WriteString(p[i : i+end+1])
				i += end
			case 'x':
				if i+3 >= len(p) {
					return "", fmt.Errorf(`malformed \x escape`)
				}
				out.WriteString(p[i : i+4])
				i += 3
			case 'w', 'W', 'd', 'D', 't', 'n', 'r', 'f':
				out.WriteString(p[i : i+2])
				i++
			default:
				if isASCIIPunct(e) {
					out.WriteString(p[i : i+2])
					i++
					continue
				}
				return "", fmt.Errorf(`unsupported escape \%c`, e)
			}
		case inClass:
			switch {
			case c == ']' && i > classStart:
				inClass = false
			case c == '[':
				return "", fmt.Errorf("nested character class (union) is not supported")
			case c == '&' && i+1 < len(p) && p[i+1] == '&':
				return "", fmt.Errorf("character class intersection is not supported")
			}
			out.WriteByte(c)
		case c == '[':
			inClass = true
			out.WriteByte(c)
			if i+1 < len(p) && p[i+1] == '^' {
				out.WriteByte('^')
				i++
			}
			classStart = i + 1
		case c == '.':
			if dotAll {
				out.WriteByte('.')
			} else {
				out.WriteString(javaDotClass)
			}
		case c == '(':
			if i+1 < len(p) && p[i+1] == '?' {
				if i+2 < len(p) && p[i+2] == ':' {
					out.WriteString("(?:")
					i += 2
					continue
				}
				return "", fmt.Errorf("group construct %q is not supported", p[i:min(len(p), i+4)])
			}
			out.WriteByte(c)
		case (c == '+' || c == '*' || c == '?' || c == '}') && i+1 < len(p) && p[i+1] == '+':
			return "", fmt.Errorf("possessive quantifier is not supported")
		default:
			out.WriteByte(c)
		}
	}
	if inClass {
		return "", fmt.Errorf("unterminated character class")
	}
	return out.String(), nil
}

func isASCIIPunct(c byte) bool {
	return c < 0x80 && strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) >= 0
}

// asciiRun reports whether the anchored RE2 pattern re matches exactly the strings made
// of one class of ASCII characters, repeated at least min times (0 for *, 1 for +): the
// shape of most of the model's token, name and ID patterns. For those the generated code
// checks each byte against a 128-bit set instead of running the regexp engine, which on
// an access token of a thousand bytes is most of the validation's cost. lo and hi are the
// set's bits for the bytes 0–63 and 64–127.
func asciiRun(re string) (lo, hi uint64, min int, ok bool) {
	parsed, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return 0, 0, 0, false
	}
	s := parsed.Simplify()
	if s.Op != syntax.OpConcat || len(s.Sub) != 3 || s.Sub[0].Op != syntax.OpBeginText || s.Sub[2].Op != syntax.OpEndText {
		return 0, 0, 0, false
	}
	rep := s.Sub[1]
	if rep.Op == syntax.OpCapture {
		rep = rep.Sub[0]
	}
	switch rep.Op {
	case syntax.OpPlus:
		min = 1
	case syntax.OpStar:
		min = 0
	default:
		return 0, 0, 0, false
	}
	class := rep.Sub[0]
	if class.Op == syntax.OpLiteral && len(class.Rune) == 1 && class.Flags&syntax.FoldCase == 0 {
		class = &syntax.Regexp{Op: syntax.OpCharClass, Rune: []rune{class.Rune[0], class.Rune[0]}}
	}
	if class.Op != syntax.OpCharClass {
		return 0, 0, 0, false
	}
	for i := 0; i+1 < len(class.Rune); i += 2 {
		from, to := class.Rune[i], class.Rune[i+1]
		if from < 0 || to > 0x7f {
			return 0, 0, 0, false
		}
		for c := from; c <= to; c++ {
			if c < 64 {
				lo |= 1 << c
			} else {
				hi |= 1 << (c - 64)
			}
		}
	}
	return lo, hi, min, true
}
