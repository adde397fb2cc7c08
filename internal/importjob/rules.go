package importjob

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/userpoold/userpoold/internal/password/imported"
)

// Reason is the text of a log line after "Line Number N - ". It never
// contains user data.
type Reason string

// Reasons. The first three are AWS's (§7.4; ReasonNotVerified as real logs
// word it, aws-solutions/cognito-user-profiles-export-reference-architecture#58).
// UNCONFIRMED: the wording of every other; AWS documents the failures
// ("The user data doesn't match the schema", "internal error") but not
// their lines.
const (
	ReasonSucceeded   Reason = "The import succeeded."
	ReasonExists      Reason = "The user already exists."
	ReasonNotVerified Reason = "The User Record does not set any of the auto verified attributes to verified. (Example: email_verified to true)."

	ReasonTooLong      Reason = "The User Record is longer than 16000 characters."
	ReasonEncoding     Reason = "The User Record is not valid UTF-8."
	ReasonColumns      Reason = "The User Record does not have one value for each column of the header."
	ReasonUsername     Reason = "The User Record has no valid cognito:username."
	ReasonMFA          Reason = "The User Record sets cognito:mfa_enabled to a value the user pool's MFA configuration does not allow."
	ReasonPasswordHash Reason = "The User Record has a password_hash that is malformed or outside the bounds of the job's password hashing algorithm."
	ReasonSchema       Reason = "The User Record does not match the schema of the user pool."
	ReasonInternal     Reason = "The user could not be imported because of an internal error."
)

// reasonInvalid is the reason for a bad value of attribute name.
func reasonInvalid(name string) Reason {
	return Reason("The User Record has an invalid value for attribute " + name + ".")
}

// reasonRequired is the reason for a required attribute without a value.
func reasonRequired(name string) Reason {
	return Reason("The User Record does not set the required attribute " + name + ".")
}

// reasonVerifiedWithout is the reason for name_verified true without name.
func reasonVerifiedWithout(name string) Reason {
	return Reason("The User Record sets " + name + "_verified to true without a value for " + name + ".")
}

// UserStatus is the status an imported user is created in.
type UserStatus string

// The statuses of imported users (§7.4).
const (
	StatusResetRequired UserStatus = "RESET_REQUIRED"
	StatusConfirmed     UserStatus = "CONFIRMED"
)

// Attribute is one user attribute of an imported user.
type Attribute struct {
	Name  string
	Value string
}

// ImportedUser is the user one row asks for.
type ImportedUser struct {
	PoolID string
	JobID  string
	// Line is the row's line in the file; with JobID it identifies the row,
	// for ErrAlreadyImported.
	Line     int64
	Username string
	// Attributes holds every standard and custom attribute the row gives a
	// value, in header order; booleans are "true" or "false".
	Attributes []Attribute
	// MFAEnabled is cognito:mfa_enabled, a blank resolved by the pool's MFA
	// configuration (true only for ON). UNCONFIRMED: what it turns on in
	// the user; SMS MFA (the legacy MFAOptions) is the most plausible.
	MFAEnabled bool
	// Status is CONFIRMED when the row imports a password hash, or the
	// pool offers passwordless sign-in by a verified email or phone number
	// the row has; else RESET_REQUIRED.
	Status UserStatus
	// PasswordHash is the imported hash (the zero Hash when none). Store it
	// sealed, e.g. as PasswordHash.Stored().
	PasswordHash imported.Hash
}

// Columns maps a file's header onto a pool: it checks the header once and
// then turns rows into ImportedUsers.
type Columns struct {
	pool   Pool
	alg    imported.Algorithm
	index  map[string]int
	header []string
}

// NewColumns checks a file's header for pool p and a job hashing with alg
// ("" for none): every column of Header(p) must be present, in any order
// ("All columns in the header must be present"), and password_hash exactly
// when the job has an algorithm. Anything else fails the job (*FileError).
//
// UNCONFIRMED: AWS's handling of a column the pool does not have, and of
// password_hash in a job without an algorithm; refusing the file is the
// safe reading of "Amazon Cognito is unable to parse the .csv file".
func NewColumns(header []string, p Pool, alg imported.Algorithm) (*Columns, error) {
	c := &Columns{pool: p, alg: alg, index: make(map[string]int, len(header)), header: header}
	for i, name := range header {
		c.index[name] = i
	}
	want := Header(p)
	if alg != "" {
		want = append(want, ColumnPasswordHash)
		if _, ok := c.index[ColumnPasswordHash]; !ok {
			return nil, &FileError{Message: MsgNoPasswordHash, Detail: "the job has a password hashing algorithm and the header no password_hash column"}
		}
	}
	for _, name := range want {
		if _, ok := c.index[name]; !ok {
			return nil, fileError("the header lacks the column " + name)
		}
	}
	if len(header) != len(want) {
		for _, name := range header {
			if !slices.Contains(want, name) {
				return nil, fileError("the header has a column the user pool does not have")
			}
		}
	}
	return c, nil
}

func (c *Columns) value(rec Record, name string) string {
	if i, ok := c.index[name]; ok {
		return rec.Fields[i]
	}
	return ""
}

// validUsername checks UsernameType: 1 to 128 characters of the classes
// [\p{L}\p{M}\p{S}\p{N}\p{P}], and, for import, no space or tab (which
// those classes exclude anyway).
func validUsername(u string) bool {
	if u == "" || utf8.RuneCountInString(u) > 128 {
		return false
	}
	for _, r := range u {
		if !unicode.In(r, unicode.L, unicode.M, unicode.S, unicode.N, unicode.P) {
			return false
		}
	}
	return true
}

// The value checks of userpool, repeated here so that a bad row fails with
// the attribute's name before anything is created.
var phoneRE = regexp.MustCompile(`^\+[0-9]{4,15}$`)

func validEmail(v string) bool {
	return strings.Contains(v, "@") && !strings.ContainsAny(v, " \t\n") && len(v) >= 3
}

// parseBool reads a CSV boolean: TRUE/FALSE in any case, or blank.
func parseBool(v string) (value, set, ok bool) {
	switch strings.ToLower(v) {
	case "":
		return false, false, true
	case "true":
		return true, true, true
	case "false":
		return false, true, true
	}
	return false, false, false
}

// User turns a row into the user it asks for, or the reason it fails, by
// the rules of §7.3: a cognito:username without spaces or tabs; booleans
// TRUE/FALSE (any case) or blank; email and phone_number present when their
// *_verified is true, and well-formed; at least one auto-verified attribute
// verified (the pool's only one, if it has one); cognito:mfa_enabled
// compatible with the pool's MFA (ON: true or blank, OFF: false or blank);
// birthdate mm/dd/yyyy and updated_at epoch seconds; every required
// attribute; a password_hash, when given, parsed by the job's algorithm.
func (c *Columns) User(jobID string, rec Record) (ImportedUser, Reason) {
	if rec.Problem != "" {
		return ImportedUser{}, rec.Problem
	}
	username := c.value(rec, ColumnUsername)
	if !validUsername(username) {
		return ImportedUser{}, ReasonUsername
	}
	verified := map[string]bool{}
	for _, attr := range []string{"email", "phone_number"} {
		v, _, ok := parseBool(c.value(rec, attr+"_verified"))
		if !ok {
			return ImportedUser{}, reasonInvalid(attr + "_verified")
		}
		val := c.value(rec, attr)
		if v && val == "" {
			return ImportedUser{}, reasonVerifiedWithout(attr)
		}
		verified[attr] = v
	}
	if email := c.value(rec, "email"); email != "" && !validEmail(email) {
		return ImportedUser{}, reasonInvalid("email")
	}
	if phone := c.value(rec, "phone_number"); phone != "" && !phoneRE.MatchString(phone) {
		return ImportedUser{}, reasonInvalid("phone_number")
	}
	// At least one auto-verified attribute verified; a pool auto-verifying
	// only one needs that one.
	anyVerified := false
	for _, attr := range c.pool.AutoVerified {
		anyVerified = anyVerified || verified[attr]
	}
	if !anyVerified {
		return ImportedUser{}, ReasonNotVerified
	}
	mfa, mfaSet, ok := parseBool(c.value(rec, ColumnMFAEnabled))
	if !ok || (c.pool.MFA == MFAOn && mfaSet && !mfa) || (c.pool.MFA == MFAOff && mfa) {
		return ImportedUser{}, ReasonMFA
	}
	if !mfaSet {
		// A blank takes the pool's requirement. UNCONFIRMED: blank on an
		// OPTIONAL pool (the 2023 guide required a value) reads as false.
		mfa = c.pool.MFA == MFAOn
	}
	if b := c.value(rec, "birthdate"); b != "" {
		if _, err := time.Parse("01/02/2006", b); err != nil || len(b) != 10 {
			return ImportedUser{}, reasonInvalid("birthdate")
		}
	}
	if u := c.value(rec, "updated_at"); u != "" {
		if n, err := strconv.ParseInt(u, 10, 64); err != nil || n < 0 {
			return ImportedUser{}, reasonInvalid("updated_at")
		}
	}
	for _, name := range c.pool.Required {
		if c.value(rec, name) == "" {
			return ImportedUser{}, reasonRequired(name)
		}
	}

	user := ImportedUser{PoolID: c.pool.ID, JobID: jobID, Line: rec.Line, Username: username, MFAEnabled: mfa, Status: StatusResetRequired}
	if c.alg != "" {
		if enc := c.value(rec, ColumnPasswordHash); enc != "" {
			h, err := imported.Parse(c.alg, enc)
			if err != nil {
				return ImportedUser{}, ReasonPasswordHash
			}
			user.PasswordHash, user.Status = h, StatusConfirmed
		}
	}
	if (c.pool.EmailOTP && verified["email"]) || (c.pool.SMSOTP && verified["phone_number"]) {
		user.Status = StatusConfirmed
	}
	for i, name := range c.header {
		v := rec.Fields[i]
		if v == "" || name == ColumnUsername || name == ColumnMFAEnabled || name == ColumnPasswordHash {
			continue
		}
		if name == "email_verified" || name == "phone_number_verified" {
			v = strconv.FormatBool(verified[strings.TrimSuffix(name, "_verified")])
		}
		user.Attributes = append(user.Attributes, Attribute{Name: name, Value: v})
	}
	return user, ""
}

// Errors a UserCreator returns (wrapped or not) for a user it did not
// create.
var (
	// ErrUserExists: a user with the username exists; the row is SKIPPED.
	ErrUserExists = errors.New("importjob: the user already exists")
	// ErrAlreadyImported: the user exists because this job created it from
	// this line, before a crash made the Runner process the line again; the
	// row counts as imported.
	ErrAlreadyImported = errors.New("importjob: the user was imported from this line already")
	// ErrPoolDeleted: the pool is gone; the job fails.
	ErrPoolDeleted = errors.New("importjob: the user pool has been deleted")
)
