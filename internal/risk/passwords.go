package risk

import (
	"bufio"
	"crypto/sha256"
	"io"
	"strings"
)

// DefaultCompromisedPasswords is the built-in compromised-password list,
// used when the server is not configured with a list of its own
// (config.Config.CompromisedPasswordsFile). It is deliberately tiny: common
// passwords that still satisfy Cognito's default password policy (8
// characters, upper and lower case, digit, symbol), so that tests can sign in
// with a "breached" password. Production deployments should configure a real
// list.
var DefaultCompromisedPasswords = []string{
	"Password1!",
	"Password123!",
	"P@ssw0rd123",
	"Qwerty123!",
	"Welcome1!",
	"Welcome123!",
	"Letmein123!",
	"Admin123!",
	"Iloveyou1!",
	"Abc12345!",
}

// PasswordList is a set of compromised passwords. It keeps SHA-256 digests,
// not the passwords. The zero value is an empty list; a nil *PasswordList
// contains nothing.
type PasswordList struct {
	digests map[[32]byte]struct{}
}

// NewPasswordList returns a list of the given passwords.
func NewPasswordList(passwords []string) *PasswordList {
	l := &PasswordList{digests: make(map[[32]byte]struct{}, len(passwords))}
	for _, p := range passwords {
		l.digests[sha256.Sum256([]byte(p))] = struct{}{}
	}
	return l
}

// ReadPasswordList reads a list with one password per line. Lines are taken
// as they are but for a trailing "\r"; empty lines are skipped.
func ReadPasswordList(r io.Reader) (*PasswordList, error) {
	var pws []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line != "" {
			pws = append(pws, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return NewPasswordList(pws), nil
}

// Contains reports whether pw is on the list.
func (l *PasswordList) Contains(pw string) bool {
	if l == nil || pw == "" {
		return false
	}
	_, ok := l.digests[sha256.Sum256([]byte(pw))]
	return ok
}

// Len returns the number of distinct passwords on the list.
func (l *PasswordList) Len() int {
	if l == nil {
		return 0
	}
	return len(l.digests)
}
