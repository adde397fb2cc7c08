package userpool

import "github.com/userpoold/userpoold/internal/storage"

// The user statuses userpoold gives users (UserStatusType). This package
// owns the transitions: SignUp makes users UNCONFIRMED and ConfirmSignUp
// CONFIRMED; AdminCreateUser makes them FORCE_CHANGE_PASSWORD until the
// first sign-in sets a password; AdminResetUserPassword makes them
// RESET_REQUIRED until ConfirmForgotPassword.
const (
	StatusUnconfirmed         storage.UserStatus = "UNCONFIRMED"
	StatusConfirmed           storage.UserStatus = "CONFIRMED"
	StatusForceChangePassword storage.UserStatus = "FORCE_CHANGE_PASSWORD"
	StatusResetRequired       storage.UserStatus = "RESET_REQUIRED"
)

// CheckActive returns the error Cognito answers for a user whose status
// does not let them act yet: ErrUserNotConfirmed for UNCONFIRMED (even when
// the password given is wrong, spec §7.2), ErrResetRequired for
// RESET_REQUIRED; nil otherwise. It does not look at Enabled: see
// CheckSignIn.
func CheckActive(u storage.User) error {
	switch u.Status {
	case StatusUnconfirmed:
		return ErrUserNotConfirmed
	case StatusResetRequired:
		return ErrResetRequired
	}
	return nil
}

// CheckSignIn applies the checks Cognito makes before it looks at a
// password or a token's user: a disabled user (ErrUserDisabled), then
// CheckActive.
func CheckSignIn(u storage.User) error {
	if !u.Enabled {
		return ErrUserDisabled
	}
	return CheckActive(u)
}
