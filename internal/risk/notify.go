package risk

import (
	"strings"
	"time"
)

// Notification is what a risk notification email says about a sign-in.
type Notification struct {
	Username   string
	Time       time.Time
	DeviceName string
	City       string
	Country    string
	IP         string
	// LinkValid and LinkInvalid are what {one-click-link-valid} and
	// {one-click-link-invalid} become.
	LinkValid   string
	LinkInvalid string
}

// Placeholders of Cognito's notification templates (NotifyEmailType; the
// aws-cli describe-risk-configuration example uses all but {username} and
// {ip-address}).
const (
	PlaceholderUsername    = "{username}"
	PlaceholderLoginTime   = "{login-time}"
	PlaceholderDeviceName  = "{device-name}"
	PlaceholderCity        = "{city}"
	PlaceholderCountry     = "{country}"
	PlaceholderIPAddress   = "{ip-address}"
	PlaceholderLinkValid   = "{one-click-link-valid}"
	PlaceholderLinkInvalid = "{one-click-link-invalid}"
)

// Render fills the placeholders of template with n in one pass. Unknown
// values render as "Unknown" (city, country, device) or "" (links).
func Render(template string, n Notification) string {
	unknown := func(s string) string {
		if s == "" {
			return "Unknown"
		}
		return s
	}
	return strings.NewReplacer(
		PlaceholderUsername, n.Username,
		PlaceholderLoginTime, n.Time.UTC().Format("January 2, 2006 15:04:05 UTC"),
		PlaceholderDeviceName, unknown(n.DeviceName),
		PlaceholderCity, unknown(n.City),
		PlaceholderCountry, unknown(n.Country),
		PlaceholderIPAddress, unknown(n.IP),
		PlaceholderLinkValid, n.LinkValid,
		PlaceholderLinkInvalid, n.LinkInvalid,
	).Replace(template)
}
