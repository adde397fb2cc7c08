package password

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
	"unicode/utf8"
)

// Policy is a user pool's password policy (Cognito's PasswordPolicyType).
type Policy struct {
	// MinimumLength is the least number of characters (Unicode code points)
	// a password must have. Cognito accepts 6 to 99.
	MinimumLength    int
	RequireUppercase bool // at least one of A–Z
	RequireLowercase bool // at least one of a–z
	RequireNumbers   bool // at least one of 0–9
	RequireSymbols   bool // at least one of Symbols, or an inner space
	// TemporaryPasswordValidityDays is how many days a temporary password set
	// by an administrator stays usable (0 to 365; Cognito's default is 7).
	TemporaryPasswordValidityDays int
	// PasswordHistorySize is how many previous passwords a user may not reuse
	// (0 to 24; 0 means no history check). Enforcing it is the caller's job;
	// see PasswordHistoryPolicyViolationException.
	PasswordHistorySize int
}

// DefaultPolicy is the policy Cognito gives a pool created without one:
// at least 8 characters with an uppercase letter, a lowercase letter, a
// number and a symbol; temporary passwords valid for 7 days; no history.
var DefaultPolicy = Policy{
	MinimumLength:                 8,
	RequireUppercase:              true,
	RequireLowercase:              true,
	RequireNumbers:                true,
	RequireSymbols:                true,
	TemporaryPasswordValidityDays: 7,
}

// Symbols are the characters Cognito counts as symbols ("special
// characters"), from the Developer Guide page "Password policies"
// (user-pool-settings-policies): ^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~ ` = + -
// In addition a space that is neither the first nor the last character
// counts as a symbol ("Non-leading, non-trailing space characters").
const Symbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-"

// The reasons Cognito gives after the message prefix. They are copied
// verbatim from InvalidPasswordException messages seen from AWS (botocore
// tracebacks and application code quoting them).
const (
	ReasonTooShort    = "Password not long enough"
	ReasonNoLowercase = "Password must have lowercase characters"
	ReasonNoUppercase = "Password must have uppercase characters"
	ReasonNoNumber    = "Password must have numeric characters"
	ReasonNoSymbol    = "Password must have symbol characters"
)

// Message prefixes. Cognito words the start of InvalidPasswordException's
// message differently depending on the operation; see PrefixFor.
const (
	// PrefixDidNotConform is SignUp's wording (confirmed: botocore
	// "when calling the SignUp operation: Password did not conform with
	// policy: Password must have symbol characters"). ChangePassword also
	// appears with it in application code (probable).
	PrefixDidNotConform = "Password did not conform with policy"
	// PrefixDidNotConformPassword is AdminCreateUser's wording (confirmed:
	// botocore "when calling the AdminCreateUser operation: Password did not
	// conform with password policy: Password must have numeric characters",
	// data-dot-all/dataall#690).
	PrefixDidNotConformPassword = "Password did not conform with password policy"
	// PrefixDoesNotConform is the wording of ConfirmForgotPassword and of the
	// NEW_PASSWORD_REQUIRED answer to RespondToAuthChallenge (seen in client
	// test fixtures and Amplify's documented completeNewPassword error).
	PrefixDoesNotConform = "Password does not conform to policy"
)

// PrefixFor returns the InvalidPasswordException message prefix Cognito uses
// for the named operation (the X-Amz-Target operation name). Unknown
// operations get SignUp's wording.
func PrefixFor(operation string) string {
	switch operation {
	case "AdminCreateUser":
		return PrefixDidNotConformPassword
	case "AdminSetUserPassword":
		// UNCONFIRMED: no capture found; assumed to share AdminCreateUser's
		// administrative wording.
		return PrefixDidNotConformPassword
	case "ConfirmForgotPassword", "RespondToAuthChallenge", "AdminRespondToAuthChallenge":
		return PrefixDoesNotConform
	default: // SignUp, ChangePassword (probable), anything else
		return PrefixDidNotConform
	}
}

// ErrPolicy matches (with errors.Is) every error Policy.Check returns.
var ErrPolicy = errors.New("password: does not conform to policy")

// PolicyError says why a password was refused. Its Error method returns
// Cognito's InvalidPasswordException message, for example
// "Password did not conform with policy: Password not long enough".
// It never contains the password.
type PolicyError struct {
	// Prefix is the operation-specific wording before the colon; empty means
	// PrefixDidNotConform.
	Prefix string
	// Reason is one of the Reason constants.
	Reason string
}

func (e *PolicyError) Error() string {
	prefix := e.Prefix
	if prefix == "" {
		prefix = PrefixDidNotConform
	}
	return prefix + ": " + e.Reason
}

// Is makes errors.Is(err, ErrPolicy) true.
func (e *PolicyError) Is(target error) bool { return target == ErrPolicy }

// Check reports whether password satisfies the policy. It returns nil or a
// *PolicyError with SignUp's message wording; use CheckFor to get another
// operation's wording. Like Cognito it reports only the first failed rule,
// in this order (inferred from AWS replies to passwords failing several
// rules; the position of the length rule is UNCONFIRMED):
// length, lowercase, uppercase, numbers, symbols.
func (p Policy) Check(password string) error {
	return p.CheckFor("", password)
}

// CheckFor is Check with the message prefix Cognito uses for operation (see
// PrefixFor).
func (p Policy) CheckFor(operation, password string) error {
	reason := p.firstViolation(password)
	if reason == "" {
		return nil
	}
	return &PolicyError{Prefix: PrefixFor(operation), Reason: reason}
}

func (p Policy) firstViolation(password string) string {
	var lower, upper, number, symbol bool
	n := utf8.RuneCountInString(password)
	i := 0
	for _, r := range password {
		switch {
		case 'a' <= r && r <= 'z':
			lower = true
		case 'A' <= r && r <= 'Z':
			upper = true
		case '0' <= r && r <= '9':
			number = true
		case r == ' ':
			if i > 0 && i < n-1 {
				symbol = true
			}
		case r < utf8.RuneSelf && isSymbol(byte(r)):
			symbol = true
		}
		i++
	}
	switch {
	case n < p.MinimumLength:
		return ReasonTooShort
	case p.RequireLowercase && !lower:
		return ReasonNoLowercase
	case p.RequireUppercase && !upper:
		return ReasonNoUppercase
	case p.RequireNumbers && !number:
		return ReasonNoNumber
	case p.RequireSymbols && !symbol:
		return ReasonNoSymbol
	}
	return ""
}

func isSymbol(c byte) bool {
	for i := 0; i < len(Symbols); i++ {
		if Symbols[i] == c {
			return true
		}
	}
	return false
}

// TemporaryPasswordTTL is how long a temporary password set by an
// administrator stays usable: TemporaryPasswordValidityDays days, or
// Cognito's default of 7 days when that is zero.
func (p Policy) TemporaryPasswordTTL() time.Duration {
	days := p.TemporaryPasswordValidityDays
	if days <= 0 {
		days = DefaultPolicy.TemporaryPasswordValidityDays
	}
	return time.Duration(days) * 24 * time.Hour
}

const (
	lowers      = "abcdefghijklmnopqrstuvwxyz"
	uppers      = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits      = "0123456789"
	generateLen = 12
)

// Generate returns a random password that satisfies the policy, as Cognito
// does for AdminCreateUser without a TemporaryPassword. It has
// max(MinimumLength, 12) characters, contains every required character
// class regardless of the policy, and never contains a space. rand nil
// means crypto/rand.
func (p Policy) Generate(rnd io.Reader) (string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	n := max(p.MinimumLength, generateLen)
	all := lowers + uppers + digits + Symbols
	out := make([]byte, 0, n)
	for _, set := range []string{lowers, uppers, digits, Symbols} {
		c, err := pick(rnd, set)
		if err != nil {
			return "", err
		}
		out = append(out, c)
	}
	for len(out) < n {
		c, err := pick(rnd, all)
		if err != nil {
			return "", err
		}
		out = append(out, c)
	}
	// Fisher–Yates, so the guaranteed characters are not always first.
	for i := len(out) - 1; i > 0; i-- {
		j, err := uniform(rnd, i+1)
		if err != nil {
			return "", err
		}
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

func pick(rnd io.Reader, set string) (byte, error) {
	i, err := uniform(rnd, len(set))
	if err != nil {
		return 0, err
	}
	return set[i], nil
}

func uniform(rnd io.Reader, n int) (int, error) {
	v, err := rand.Int(rnd, big.NewInt(int64(n)))
	if err != nil {
		return 0, fmt.Errorf("password: reading random: %w", err)
	}
	return int(v.Int64()), nil
}
