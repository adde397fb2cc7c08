package srp

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrInvalidTimestamp reports a TIMESTAMP that is not in Cognito's format.
var ErrInvalidTimestamp = errors.New("srp: invalid timestamp")

var (
	weekdayNames = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	monthNames   = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// FormatTimestamp formats t in UTC the way the SRP TIMESTAMP is written:
// "EEE MMM d HH:mm:ss UTC yyyy" with English abbreviations, the day of the
// month not zero-padded, the time fields zero-padded and the year in plain
// decimal, e.g. "Tue Sep 3 08:07:05 UTC 2024". This is the output of
// amazon-cognito-identity-js DateHelper.getNowString and pycognito's
// get_cognito_formatted_timestamp.
func FormatTimestamp(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%s %s %d %02d:%02d:%02d UTC %d",
		weekdayNames[t.Weekday()], monthNames[t.Month()-1], t.Day(),
		t.Hour(), t.Minute(), t.Second(), t.Year())
}

// ParseTimestamp parses a TIMESTAMP written as FormatTimestamp writes it and
// returns the instant in UTC. It is strict: single spaces, case-sensitive
// English names, a day without leading zero ("Sep 05" is rejected), two-digit
// time fields in range, the literal zone "UTC", a year from 1 to 9999 without
// leading zeros, a real calendar date, and a weekday that matches the date.
// Anything else gives ErrInvalidTimestamp. (Cognito is known to reject a
// zero-padded day and a wrong weekday; the other rules are ours, and every
// client we know writes only what FormatTimestamp writes.)
func ParseTimestamp(s string) (time.Time, error) {
	f := strings.Split(s, " ")
	if len(f) != 6 || f[4] != "UTC" {
		return time.Time{}, ErrInvalidTimestamp
	}
	wd := index(weekdayNames[:], f[0])
	mon := index(monthNames[:], f[1])
	day, okDay := plainInt(f[2], 2)
	year, okYear := plainInt(f[5], 4)
	clock := f[3]
	if wd < 0 || mon < 0 || !okDay || !okYear || day < 1 || year < 1 ||
		len(clock) != 8 || clock[2] != ':' || clock[5] != ':' {
		return time.Time{}, ErrInvalidTimestamp
	}
	hh, ok1 := twoDigits(clock[0:2])
	mm, ok2 := twoDigits(clock[3:5])
	ss, ok3 := twoDigits(clock[6:8])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, ErrInvalidTimestamp
	}
	t := time.Date(year, time.Month(mon+1), day, hh, mm, ss, 0, time.UTC)
	if t.Day() != day || t.Month() != time.Month(mon+1) || int(t.Weekday()) != wd {
		return time.Time{}, ErrInvalidTimestamp // day out of range for month, or wrong weekday
	}
	return t, nil
}

func index(names []string, s string) int {
	for i, n := range names {
		if n == s {
			return i
		}
	}
	return -1
}

// plainInt parses 1 to maxLen ASCII digits without a leading zero.
func plainInt(s string, maxLen int) (int, bool) {
	if len(s) == 0 || len(s) > maxLen || s[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// twoDigits parses exactly two ASCII digits.
func twoDigits(s string) (int, bool) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}
