package userpool

import (
	"strings"
	"testing"

	"github.com/userpoold/userpoold/internal/fault"
)

// FuzzParseFilter: ParseFilter never panics, answers only
// InvalidParameterException, accepts only searchable attributes, and what
// it accepts prints back (attribute, operator, the value quoted with \" and
// \\) to a filter that parses to the same Filter. Seed corpus:
// testdata/fuzz/FuzzParseFilter.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`email = "a@example.com"`, `name ^= "say \"hi\""`, `cognito:user_status="UNCONFIRMED"`, `sub = ""`, `email = "\\"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFilter(s)
		if err != nil {
			if fault.KindOf(err) != fault.InvalidParameter {
				t.Fatalf("%q: %v is not InvalidParameterException", s, err)
			}
			return
		}
		if got == (Filter{}) {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("%q parsed as the empty filter", s)
			}
			return
		}
		if !Searchable(got.Attribute) {
			t.Fatalf("%q: accepted unsearchable attribute %q", s, got.Attribute)
		}
		op := "="
		if got.Prefix {
			op = "^="
		}
		quoted := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(got.Value)
		again, err := ParseFilter(got.Attribute + " " + op + ` "` + quoted + `"`)
		if err != nil || again != got {
			t.Fatalf("%q parsed as %+v, printed back as %+v, %v", s, got, again, err)
		}
	})
}
