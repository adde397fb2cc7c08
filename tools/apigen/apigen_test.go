package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

const (
	modelPath = "../../api/cognito-idp-2016-04-18.json"
	pkgDir    = "../../internal/cognitoidp"
)

func readModel(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGeneratedCodeIsCurrent fails when internal/cognitoidp differs from what the generator
// produces from api/: someone edited generated code, changed the generator or the model
// without regenerating, or left a file behind.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	files, err := generate(readModel(t))
	if err != nil {
		t.Fatal(err)
	}
	const fix = "run: go generate ./internal/cognitoidp"
	for _, name := range sortedKeys(files) {
		have, err := os.ReadFile(filepath.Join(pkgDir, name))
		if err != nil {
			t.Errorf("%s: %v (%s)", name, err, fix)
			continue
		}
		if !bytes.Equal(have, files[name]) {
			t.Errorf("internal/cognitoidp/%s is stale (%s); first difference: %s", name, fix, firstDiff(have, files[name]))
		}
	}
	onDisk, err := generatedFiles(pkgDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range onDisk {
		if _, ok := files[name]; !ok {
			t.Errorf("internal/cognitoidp/%s looks generated but the generator no longer writes it (%s)", name, fix)
		}
	}
}

func firstDiff(have, want []byte) string {
	h, w := strings.Split(string(have), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(h) || i < len(w); i++ {
		var hl, wl string
		if i < len(h) {
			hl = h[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if hl != wl {
			return "line " + itoa(i+1) + ": committed " + quoteShort(hl) + ", generated " + quoteShort(wl)
		}
	}
	return "(none)"
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func quoteShort(s string) string {
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func TestGenerateIsDeterministic(t *testing.T) {
	model := readModel(t)
	a, err := generate(model)
	if err != nil {
		t.Fatal(err)
	}
	b, err := generate(model)
	if err != nil {
		t.Fatal(err)
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	want := []string{"doc.go", "enums.go", "errors.go", "operations.go", "shapes.go", "support.go", "validate.go"}
	if got := sortedKeys(a); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files %v, want %v", got, want)
	}
	for name, src := range a {
		if !bytes.HasPrefix(src, []byte(generatedMarker)) || !regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`).Match(src) {
			t.Errorf("%s lacks the generated-code header", name)
		}
	}
}

// TestEveryModelPatternCompiles checks every pattern of the model, including those only
// outputs use, translates to an RE2 pattern Go compiles.
func TestEveryModelPatternCompiles(t *testing.T) {
	m, err := loadModel(readModel(t))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range sortedKeys(m.Shapes) {
		s := m.Shapes[name]
		if s.Pattern == nil {
			continue
		}
		n++
		re, err := goPattern(*s.Pattern)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, err := regexp.Compile(re); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n < 50 {
		t.Errorf("only %d patterns found; the model has 58", n)
	}
}

func TestGoPattern(t *testing.T) {
	tests := []struct {
		java    string
		matches []string
		rejects []string
	}{
		{
			java:    `^[0-9A-Za-z\.\-_]*(?<!\.)$`, // S3BucketType, hand-translated
			matches: []string{"", "bucket", "my.bucket-1_x", "a", "a.b"},
			rejects: []string{".", "bucket.", "a..", "bucket/x", "bucket.\n"},
		},
		{
			java:    `[\S]+`,
			matches: []string{"abc", "p@ss!", "é"},
			rejects: []string{"", "a b", "a\tb", "a\vb", "a\fb", "x\n"},
		},
		{
			java:    `[\w\s+=,.@-]+`,
			matches: []string{"my app", "a\vb", "a=b,c.d@e-f+g"},
			rejects: []string{"", "a/b", "é"},
		},
		{
			java:    `.*\{####\}.*`,
			matches: []string{"{####}", "Your code is {####}."},
			rejects: []string{"{###}", "a\n{####}", "a\r{####}", "a\u0085{####}", "{####}\u2029"},
		},
		{
			java:    `(?s).*`,
			matches: []string{"", "a\nb\r\u2028"},
		},
		{
			java:    `[A-Za-z0-9-_=.]+`,
			matches: []string{"eyJ.abc-_=", "-"},
			rejects: []string{"a b", "a+b"},
		},
		{
			java:    `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`,
			matches: []string{"alice", "ünïcödé", "a@b.c"},
			rejects: []string{"", "a b", "a\u00a0b"},
		},
		{
			java:    `^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`,
			matches: []string{"a", "my-domain"},
			rejects: []string{"-a", "a-", "A"},
		},
	}
	for _, tt := range tests {
		p, err := goPattern(tt.java)
		if err != nil {
			t.Errorf("goPattern(%q): %v", tt.java, err)
			continue
		}
		re := regexp.MustCompile(p)
		for _, s := range tt.matches {
			if !re.MatchString(s) {
				t.Errorf("%q (as %q) should match %q", tt.java, p, s)
			}
		}
		for _, s := range tt.rejects {
			if re.MatchString(s) {
				t.Errorf("%q (as %q) should not match %q", tt.java, p, s)
			}
		}
	}
	for _, bad := range []string{`(?=a)b`, `(?<!x)y`, `(?<name>a)`, `[a[bc]]`, `[a-z&&[^e]]`, `a*+`, `[\Sa]`, `[^\S]`, `\Qa\E`, `a\z`, `[abc`} {
		if p, err := goPattern(bad); err == nil {
			t.Errorf("goPattern(%q) = %q, want an error", bad, p)
		}
	}
}

func TestEnumValueSuffix(t *testing.T) {
	tests := map[string]string{
		"USER_SRP_AUTH":       "UserSrpAuth",
		"phone_number":        "PhoneNumber",
		"client_credentials":  "ClientCredentials",
		"V1_0":                "V10",
		"userNotification":    "UserNotification",
		"InProgress":          "InProgress",
		"SignInWithApple":     "SignInWithApple",
		"required":            "Required",
		"TLS_V1_2_2021":       "TlsV122021",
		"cognito:default-x.y": "CognitoDefaultXY",
		"***":                 "",
	}
	for in, want := range tests {
		if got := enumValueSuffix(in); got != want {
			t.Errorf("enumValueSuffix(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNames(t *testing.T) {
	if got := lowerFirst("SMSMfaSettings"); got != "sMSMfaSettings" {
		t.Errorf("lowerFirst = %q", got)
	}
	if got := lowerFirst("UserPoolId"); got != "userPoolId" {
		t.Errorf("lowerFirst = %q", got)
	}
	if got := exported("reasonCode"); got != "ReasonCode" {
		t.Errorf("exported = %q", got)
	}
}

func TestFirstSentence(t *testing.T) {
	tests := map[string]string{
		"":                         "",
		"<p>The user pool ID.</p>": "The user pool ID.",
		"<p>Sets the <code>A</code> value. More text.</p>":                "Sets the A value.",
		"<p>Use a key, for example, <i>e.g.</i> the name. Then more.</p>": "Use a key, for example, e.g. the name.",
		"<p>First.</p><p>Second.</p>":                                     "First.",
		"<p>Version 1.2 is out. Next.</p>":                                "Version 1.2 is out.",
		"<p>A &lt;b&gt; &amp; c</p>":                                      "A <b> & c",
		"<p>No stop at all</p>":                                           "No stop at all",
	}
	for in, want := range tests {
		if got := firstSentence(in); got != want {
			t.Errorf("firstSentence(%q) = %q, want %q", in, got, want)
		}
	}
	long := "<p>" + strings.Repeat("word ", 100) + "end.</p>"
	if got := firstSentence(long); len(got) > maxDocLen+3 || !strings.HasSuffix(got, "...") {
		t.Errorf("long sentence not shortened: %q", got)
	}
}

// TestModelErrors checks the generator refuses what it cannot generate faithfully.
func TestModelErrors(t *testing.T) {
	base := func() map[string]any {
		return map[string]any{
			"version":  "2.0",
			"metadata": map[string]any{"apiVersion": "2016-04-18", "endpointPrefix": "cognito-idp", "targetPrefix": "X"},
			"operations": map[string]any{
				"Op": map[string]any{"name": "Op", "input": map[string]any{"shape": "OpRequest"}, "errors": []any{}},
			},
			"shapes": map[string]any{
				"OpRequest": map[string]any{"type": "structure", "members": map[string]any{
					"Name": map[string]any{"shape": "NameType"},
				}},
				"NameType":                      map[string]any{"type": "string", "pattern": "[a-z]+"},
				"InvalidParameterException":     map[string]any{"type": "structure", "members": map[string]any{"message": map[string]any{"shape": "NameType"}}, "exception": true},
				"UnsupportedOperationException": map[string]any{"type": "structure", "members": map[string]any{"message": map[string]any{"shape": "NameType"}}, "exception": true},
			},
		}
	}
	encode := func(m map[string]any) []byte {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if _, err := generate(encode(base())); err != nil {
		t.Fatalf("minimal model: %v", err)
	}
	tests := map[string]func(m map[string]any){
		"unknown shape key": func(m map[string]any) {
			m["shapes"].(map[string]any)["NameType"].(map[string]any)["newTrait"] = 1
		},
		"untranslatable pattern": func(m map[string]any) {
			m["shapes"].(map[string]any)["NameType"].(map[string]any)["pattern"] = "(?=a)[a-z]+"
		},
		"dangling reference": func(m map[string]any) {
			m["shapes"].(map[string]any)["OpRequest"].(map[string]any)["members"] = map[string]any{"X": map[string]any{"shape": "Nope"}}
		},
		"identifier collision": func(m map[string]any) {
			m["shapes"].(map[string]any)["OpInput"] = map[string]any{"type": "structure", "members": map[string]any{}}
		},
		"reserved identifier": func(m map[string]any) {
			m["shapes"].(map[string]any)["Timestamp"] = map[string]any{"type": "structure", "members": map[string]any{}}
		},
	}
	for name, mutate := range tests {
		m := base()
		mutate(m)
		if _, err := generate(encode(m)); err == nil {
			t.Errorf("%s: generate succeeded, want an error", name)
		}
	}
}

func TestRunRemovesOnlyStaleGeneratedFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("old.go", generatedMarker+" from an earlier version. DO NOT EDIT.\n\npackage cognitoidp\n")
	write("generate.go", "package cognitoidp\n")
	write("shapes.go", "stale content")
	if err := run(modelPath, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "old.go")); !os.IsNotExist(err) {
		t.Errorf("old.go not removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "generate.go")); err != nil {
		t.Errorf("generate.go: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "shapes.go")); !bytes.HasPrefix(b, []byte(generatedMarker)) {
		t.Error("shapes.go not rewritten")
	}
}

// TestASCIIRunMatchesRegexp checks that every pattern the generated code checks as an
// ASCII byte set (asciiRun) accepts exactly the strings its regexp accepts: every single
// byte and rune, the empty string, and random strings over the set and near it.
func TestASCIIRunMatchesRegexp(t *testing.T) {
	m, err := loadModel(readModel(t))
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune{'a', 'Z', '0', '9', '-', '_', '=', '.', '+', '/', ' ', '\t', '\n', 0, 0x7f, 'é', '€', 0x80, utf8.RuneError}
	for c := rune(0); c < 128; c++ {
		alphabet = append(alphabet, c)
	}
	n := 0
	for _, name := range sortedKeys(m.Shapes) {
		s := m.Shapes[name]
		if s.Pattern == nil {
			continue
		}
		goRE, err := goPattern(*s.Pattern)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi, min, ok := asciiRun(goRE)
		if !ok {
			continue
		}
		n++
		re := regexp.MustCompile(goRE)
		set := func(s string) bool {
			if len(s) < min {
				return false
			}
			for i := 0; i < len(s); i++ {
				c := s[i]
				if c >= 128 || (c < 64 && lo&(1<<c) == 0) || (c >= 64 && hi&(1<<(c-64)) == 0) {
					return false
				}
			}
			return true
		}
		check := func(s string) {
			if set(s) != re.MatchString(s) {
				t.Errorf("%s (%s): set says %v, regexp %v for %q", name, goRE, set(s), re.MatchString(s), s)
			}
		}
		check("")
		for b := 0; b < 256; b++ {
			check(string([]byte{byte(b)}))
			check("a" + string([]byte{byte(b)}) + "0")
		}
		for _, r := range alphabet {
			check(string(r))
		}
		for range 2000 {
			var sb strings.Builder
			for range rnd.IntN(12) {
				sb.WriteRune(alphabet[rnd.IntN(len(alphabet))])
			}
			check(sb.String())
		}
	}
	if n < 5 {
		t.Errorf("only %d patterns are ASCII runs; TokenModelType and ClientIdType at least should be", n)
	}
}
