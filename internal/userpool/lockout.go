package userpool

import (
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// Lockout policy (Developer Guide, "Amazon Cognito lockout behavior for
// failed sign-in attempts"): after LockoutThreshold failures the user is
// locked for 2^(n-LockoutThreshold) seconds after the n-th failure, at most
// LockoutMax; the count starts over after LockoutReset without failures, or
// on a successful sign-in. Wrong passwords count the same whether they come
// from a sign-in or from ChangePassword's PreviousPassword, in
// storage.User.Lockout.
const (
	LockoutThreshold = 5
	LockoutMax       = 15 * time.Minute
	LockoutReset     = 15 * time.Minute
)

// ErrPasswordAttemptsExceeded is ChangePassword's answer while the user is
// locked out: LimitExceededException "Attempt limit exceeded, please try
// after some time." (the Android SDK's output quoted in
// aws-amplify/aws-sdk-android#627).
var ErrPasswordAttemptsExceeded = fault.New(fault.LimitExceeded, "Attempt limit exceeded, please try after some time.")

// LockDuration is how long the n-th consecutive failure locks the user:
// 2^(n-LockoutThreshold) seconds, at most LockoutMax.
func LockDuration(n int) time.Duration {
	if n < LockoutThreshold {
		return 0
	}
	shift := n - LockoutThreshold
	if shift >= 10 { // 1024 s > LockoutMax
		return LockoutMax
	}
	return min(time.Duration(1<<shift)*time.Second, LockoutMax)
}

// Locked reports whether u is locked out at now.
func Locked(u storage.User, now time.Time) bool {
	return now.Before(u.Lockout.LockedUntil)
}

// CountLockoutFailure counts one failed attempt in l at now: the count
// starts over after LockoutReset without failures, and from the
// LockoutThreshold-th failure on the user is locked for LockDuration. It is
// pure and cheap, for use inside Store.UpdateUser; callers check Locked
// first (attempts during a lockout are refused, not counted, so that they
// do not extend it).
func CountLockoutFailure(l *storage.Lockout, now time.Time) {
	if !l.LastFailure.IsZero() && now.Sub(l.LastFailure) >= LockoutReset {
		*l = storage.Lockout{}
	}
	l.Failures++
	l.LastFailure = now
	if d := LockDuration(l.Failures); d > 0 {
		l.LockedUntil = now.Add(d)
	}
}
