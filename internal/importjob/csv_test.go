package importjob

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/userpoold/userpoold/internal/password/imported"
)

// The Developer Guide's GetCSVHeader sample (§7.2).
func TestHeader(t *testing.T) {
	want := []string{"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
		"website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
		"phone_number_verified", "address", "updated_at", "cognito:mfa_enabled", "cognito:username"}
	if got := Header(Pool{}); !slices.Equal(got, want) {
		t.Fatalf("Header = %v", got)
	}
	got := Header(Pool{CustomAttributes: []string{"custom:tenant", "custom:plan"}})
	if got[19] != "custom:tenant" || got[20] != "custom:plan" || got[21] != "cognito:mfa_enabled" || got[22] != "cognito:username" || len(got) != 23 {
		t.Fatalf("custom attributes go between updated_at and cognito:mfa_enabled: %v", got)
	}
}

func readAll(t *testing.T, file string) (*Reader, []Record, error) {
	t.Helper()
	rd, err := NewReader(strings.NewReader(file))
	if err != nil {
		return nil, nil, err
	}
	var recs []Record
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return rd, recs, nil
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
}

func TestReaderDialect(t *testing.T) {
	file := "a, b ,c\r\n" +
		"1,2,3\r\n" +
		"  x  ,\"quoted\", y\\,z \n" +
		"\n" +
		"   \n" +
		"1,2\n" +
		"1,2,3,4\n" +
		"\\,,a\\b,end\\" // no final newline; a backslash not before a comma stays
	rd, recs, err := readAll(t, file)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rd.Header(), []string{"a", "b", "c"}) {
		t.Fatalf("header %q", rd.Header())
	}
	want := []Record{
		{Line: 2, Fields: []string{"1", "2", "3"}},
		{Line: 3, Fields: []string{"x", `"quoted"`, "y,z"}},
		{Line: 6, Problem: ReasonColumns},
		{Line: 7, Problem: ReasonColumns},
		{Line: 8, Fields: []string{",", `a\b`, `end\`}},
	}
	if len(recs) != len(want) {
		t.Fatalf("records %+v", recs)
	}
	for i := range want {
		if recs[i].Line != want[i].Line || recs[i].Problem != want[i].Problem || !slices.Equal(recs[i].Fields, want[i].Fields) {
			t.Errorf("record %d = %+v, want %+v", i, recs[i], want[i])
		}
	}
}

func TestReaderRowProblems(t *testing.T) {
	long := strings.Repeat("é", MaxRowChars) // 16,000 characters, 32,000 bytes: fine
	tooLong := strings.Repeat("x", MaxRowChars+1)
	huge := strings.Repeat("y", 5*maxLineBytes) // longer than the read buffer
	file := "a\n" + long + "\n" + tooLong + "\n" + "bad\xff\n" + huge + "\n" + "after\n"
	_, recs, err := readAll(t, file)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line    int64
		problem Reason
	}{{2, ""}, {3, ReasonTooLong}, {4, ReasonEncoding}, {5, ReasonTooLong}, {6, ""}}
	if len(recs) != len(want) {
		t.Fatalf("%d records", len(recs))
	}
	for i, w := range want {
		if recs[i].Line != w.line || recs[i].Problem != w.problem {
			t.Errorf("record %d: line %d problem %q; want %d %q", i, recs[i].Line, recs[i].Problem, w.line, w.problem)
		}
	}
	if recs[4].Fields[0] != "after" {
		t.Errorf("the row after a huge one: %q", recs[4].Fields)
	}
}

func TestReaderFileErrors(t *testing.T) {
	for name, file := range map[string]string{
		"empty":            "",
		"blank lines only": "\n  \n",
		"BOM":              "\xef\xbb\xbfcognito:username\n",
		"header not UTF-8": "a\xff\n",
		"repeated column":  "a,b,a\n",
		"empty column":     "a,,b\n",
		"header too long":  strings.Repeat("x", maxLineBytes+1) + "\n",
	} {
		if _, err := NewReader(strings.NewReader(file)); !isFileError(err) {
			t.Errorf("%s: %v", name, err)
		}
	}
	rd, recs, err := readAll(t, "\n\na,b") // leading blank lines, header at line 3, no rows
	if err != nil || len(recs) != 0 || !slices.Equal(rd.Header(), []string{"a", "b"}) {
		t.Errorf("header after blank lines: %v %v", recs, err)
	}
}

func isFileError(err error) bool {
	var fe *FileError
	return errors.As(err, &fe) && fe.Message != ""
}

var testPool = Pool{
	ID: "us-east-1_Pool", Name: "pool",
	CustomAttributes: []string{"custom:tenant"},
	Required:         []string{"given_name"},
	AutoVerified:     []string{"email", "phone_number"},
	MFA:              MFAOptional,
}

// row builds a record for testPool's header from column values.
func row(line int64, values map[string]string) Record {
	h := Header(testPool)
	fields := make([]string, len(h))
	for i, n := range h {
		fields[i] = values[n]
	}
	return Record{Line: line, Fields: fields}
}

func TestNewColumns(t *testing.T) {
	h := Header(testPool)
	if _, err := NewColumns(h, testPool, ""); err != nil {
		t.Fatal(err)
	}
	shuffled := slices.Clone(h)
	slices.Reverse(shuffled)
	if _, err := NewColumns(shuffled, testPool, ""); err != nil {
		t.Errorf("column order matters: %v", err)
	}
	withHash := append(slices.Clone(h), ColumnPasswordHash)
	if _, err := NewColumns(withHash, testPool, imported.BCRYPT); err != nil {
		t.Error(err)
	}
	for name, tc := range map[string]struct {
		header []string
		alg    imported.Algorithm
		msg    string
	}{
		"missing column":         {h[1:], "", MsgUnparsable},
		"unknown column":         {append(slices.Clone(h), "custom:other"), "", MsgUnparsable},
		"hash column, no alg":    {withHash, "", MsgUnparsable},
		"alg, no hash column":    {h, imported.SCRYPT, MsgNoPasswordHash},
		"developer guide header": {Header(Pool{}), "", MsgUnparsable}, // lacks custom:tenant
	} {
		_, err := NewColumns(tc.header, testPool, tc.alg)
		var fe *FileError
		if !errors.As(err, &fe) || fe.Message != tc.msg {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestUserRules(t *testing.T) {
	ok := map[string]string{"cognito:username": "alice", "given_name": "Alice", "email": "alice@example.com", "email_verified": "TRUE"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range ok {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cols, err := NewColumns(Header(testPool), testPool, "")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		values map[string]string
		pool   *Pool
		want   Reason
	}{
		{"valid", ok, nil, ""},
		{"lower-case true", with("email_verified", "true"), nil, ""},
		{"phone verified only", with("email", "", "email_verified", "", "phone_number", "+12065550100", "phone_number_verified", "True"), nil, ""},
		{"no username", with("cognito:username", ""), nil, ReasonUsername},
		{"username with space", with("cognito:username", "al ice"), nil, ReasonUsername},
		{"username with tab", with("cognito:username", "al\tice"), nil, ReasonUsername},
		{"username too long", with("cognito:username", strings.Repeat("a", 129)), nil, ReasonUsername},
		{"username with control character", with("cognito:username", "a\x01b"), nil, ReasonUsername},
		{"unicode username", with("cognito:username", "Ålice_ü@例"), nil, ""},
		{"nothing verified", with("email_verified", "FALSE"), nil, ReasonNotVerified},
		{"verified blank", with("email_verified", ""), nil, ReasonNotVerified},
		{"bad boolean", with("email_verified", "yes"), nil, reasonInvalid("email_verified")},
		{"verified without email", with("email", ""), nil, reasonVerifiedWithout("email")},
		{"phone verified without phone", with("phone_number_verified", "TRUE"), nil, reasonVerifiedWithout("phone_number")},
		{"bad email", with("email", "alice.example.com"), nil, reasonInvalid("email")},
		{"bad phone", with("phone_number", "206-555-0100"), nil, reasonInvalid("phone_number")},
		{"birthdate", with("birthdate", "02/01/1985"), nil, ""},
		{"ISO birthdate", with("birthdate", "1985-02-01"), nil, reasonInvalid("birthdate")},
		{"impossible birthdate", with("birthdate", "13/01/1985"), nil, reasonInvalid("birthdate")},
		{"updated_at", with("updated_at", "1471453471"), nil, ""},
		{"updated_at not a number", with("updated_at", "2016-08-17"), nil, reasonInvalid("updated_at")},
		{"required missing", with("given_name", ""), nil, reasonRequired("given_name")},
		{"mfa bad value", with("cognito:mfa_enabled", "1"), nil, ReasonMFA},
		{"mfa on pool, false", with("cognito:mfa_enabled", "FALSE"), &Pool{MFA: MFAOn}, ReasonMFA},
		{"mfa on pool, blank", ok, &Pool{MFA: MFAOn}, ""},
		{"mfa off pool, true", with("cognito:mfa_enabled", "TRUE"), &Pool{MFA: MFAOff}, ReasonMFA},
		{"mfa off pool, false", with("cognito:mfa_enabled", "false"), &Pool{MFA: MFAOff}, ""},
		{"only phone auto-verified, email verified", ok, &Pool{AutoVerified: []string{"phone_number"}}, ReasonNotVerified},
		{"row problem", nil, nil, ReasonColumns},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := cols
			if tc.pool != nil {
				p := testPool
				if tc.pool.MFA != "" {
					p.MFA = tc.pool.MFA
				}
				if tc.pool.AutoVerified != nil {
					p.AutoVerified = tc.pool.AutoVerified
				}
				c, _ = NewColumns(Header(p), p, "")
			}
			rec := row(7, tc.values)
			if tc.values == nil {
				rec = Record{Line: 7, Problem: ReasonColumns}
			}
			u, reason := c.User("import-j", rec)
			if reason != tc.want {
				t.Fatalf("reason %q, want %q", reason, tc.want)
			}
			if reason == "" && (u.Line != 7 || u.JobID != "import-j" || u.PoolID != testPool.ID) {
				t.Errorf("user %+v", u)
			}
		})
	}
}

func TestUserResult(t *testing.T) {
	cols, _ := NewColumns(Header(testPool), testPool, "")
	u, reason := cols.User("import-j", row(2, map[string]string{
		"cognito:username": "bob", "given_name": "Bob", "email": "bob@example.com", "email_verified": "TRUE",
		"phone_number": "+12065550100", "phone_number_verified": "FALSE", "custom:tenant": "acme", "cognito:mfa_enabled": "TRUE",
	}))
	if reason != "" {
		t.Fatal(reason)
	}
	want := []Attribute{{"given_name", "Bob"}, {"email", "bob@example.com"}, {"email_verified", "true"},
		{"phone_number", "+12065550100"}, {"phone_number_verified", "false"}, {"custom:tenant", "acme"}}
	if !slices.Equal(u.Attributes, want) || u.Username != "bob" || !u.MFAEnabled || u.Status != StatusResetRequired || u.PasswordHash.Algorithm() != "" {
		t.Fatalf("user %+v", u)
	}
	// Blank MFA takes the pool's: true on ON pools only.
	for mfa, want := range map[MFAConfiguration]bool{MFAOn: true, MFAOff: false, MFAOptional: false} {
		p := testPool
		p.MFA = mfa
		c, _ := NewColumns(Header(p), p, "")
		u, _ := c.User("j", row(2, map[string]string{"cognito:username": "c", "given_name": "C", "email": "c@example.com", "email_verified": "true"}))
		if u.MFAEnabled != want {
			t.Errorf("blank mfa on %s pool = %v", mfa, u.MFAEnabled)
		}
	}
	// Passwordless pools import users with the matching verified attribute CONFIRMED.
	p := testPool
	p.EmailOTP = true
	c, _ := NewColumns(Header(p), p, "")
	if u, _ := c.User("j", row(2, map[string]string{"cognito:username": "d", "given_name": "D", "email": "d@example.com", "email_verified": "true"})); u.Status != StatusConfirmed {
		t.Errorf("email OTP pool: %s", u.Status)
	}
	p.EmailOTP, p.SMSOTP = false, true
	c, _ = NewColumns(Header(p), p, "")
	if u, _ := c.User("j", row(2, map[string]string{"cognito:username": "d", "given_name": "D", "email": "d@example.com", "email_verified": "true"})); u.Status != StatusResetRequired {
		t.Errorf("SMS OTP pool, email verified: %s", u.Status)
	}
}

func TestUserPasswordHash(t *testing.T) {
	h := append(Header(testPool), ColumnPasswordHash)
	cols, err := NewColumns(h, testPool, imported.BCRYPT)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(hash string) Record {
		r := row(4, map[string]string{"cognito:username": "e", "given_name": "E", "email": "e@example.com", "email_verified": "TRUE"})
		r.Fields = append(r.Fields, hash)
		return r
	}
	u, reason := cols.User("j", mk("$2b$04$abcdefghijklmnopqrstuu/sQkVxtzhwd/iY5z1598SyxKfUv9Ayq"))
	if reason != "" || u.Status != StatusConfirmed || !u.PasswordHash.Verify("Correct horse 1!") {
		t.Fatalf("with hash: %q %+v", reason, u)
	}
	for _, a := range u.Attributes {
		if a.Name == ColumnPasswordHash {
			t.Fatal("the hash became an attribute")
		}
	}
	if u, reason := cols.User("j", mk("")); reason != "" || u.Status != StatusResetRequired {
		t.Fatalf("blank hash: %q %s", reason, u.Status)
	}
	if _, reason := cols.User("j", mk("$2b$13$abcdefghijklmnopqrstuu/sQkVxtzhwd/iY5z1598SyxKfUv9Ayq")); reason != ReasonPasswordHash {
		t.Fatalf("cost 13: %q", reason)
	}
	if _, reason := cols.User("j", mk("$argon2id$v=19$m=64,t=1,p=1$AQIDBAUGBwgJCgsMDQ4PEA$TuftVlzhV+0RB8DL4mqRXw")); reason != ReasonPasswordHash {
		t.Fatalf("a hash of another algorithm: %q", reason)
	}
}
