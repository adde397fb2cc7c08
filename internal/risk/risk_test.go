package risk

import (
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func ago(d time.Duration) time.Time { return now.Add(-d) }

// home is a familiar successful sign-in: device "laptop" from 198.51.100.7.
func home(d time.Duration) Event {
	return Event{Time: ago(d), Pass: true, IP: ip("198.51.100.7"), Device: "laptop"}
}

func wrong(d time.Duration) Event {
	return Event{Time: ago(d), WrongPassword: true, IP: ip("203.0.113.9"), Device: "other"}
}

func TestAssess(t *testing.T) {
	tests := []struct {
		name    string
		a       Attempt
		history []Event
		level   string
		reasons []string
	}{
		{"first sign-in ever", Attempt{IP: ip("203.0.113.1"), Device: "x"}, nil, Low, nil},
		{"familiar device and place", Attempt{IP: ip("198.51.100.99"), Device: "laptop"}, []Event{home(time.Hour)}, Low, nil},
		{"new device", Attempt{IP: ip("198.51.100.7"), Device: "phone"}, []Event{home(time.Hour)}, Medium, []string{ReasonNewDevice}},
		{"new device but a confirmed device key", Attempt{IP: ip("198.51.100.7"), Device: "phone", KnownDevice: true}, []Event{home(time.Hour)}, Low, nil},
		{"new place", Attempt{IP: ip("203.0.113.1"), Device: "laptop"}, []Event{home(time.Hour)}, Medium, []string{ReasonNewLocation}},
		{"new device and new place", Attempt{IP: ip("203.0.113.1"), Device: "phone"}, []Event{home(time.Hour)}, High, []string{ReasonNewDevice, ReasonNewLocation}},
		{"unknown device and address are not new", Attempt{}, []Event{home(time.Hour)}, Low, nil},
		{"ipv6 /48", Attempt{IP: ip("2001:db8:1:ffff::1"), Device: "laptop"}, []Event{{Time: ago(time.Hour), Pass: true, IP: ip("2001:db8:1::5"), Device: "laptop"}}, Low, nil},
		{"ipv6 other /48", Attempt{IP: ip("2001:db8:2::1"), Device: "laptop"}, []Event{{Time: ago(time.Hour), Pass: true, IP: ip("2001:db8:1::5"), Device: "laptop"}}, Medium, []string{ReasonNewLocation}},
		{"a failed attempt does not make a context familiar",
			Attempt{IP: ip("203.0.113.9"), Device: "other"}, []Event{home(2 * time.Hour), wrong(time.Hour)}, High, []string{ReasonNewDevice, ReasonNewLocation}},
		{"two failures: still low", Attempt{IP: ip("198.51.100.7"), Device: "laptop"}, []Event{home(time.Hour), wrong(time.Minute), wrong(2 * time.Minute)}, Low, nil},
		{"three failures: medium", Attempt{IP: ip("198.51.100.7"), Device: "laptop"},
			[]Event{home(time.Hour), wrong(time.Minute), wrong(2 * time.Minute), wrong(3 * time.Minute)}, Medium, []string{ReasonVelocity}},
		{"five failures: high", Attempt{IP: ip("198.51.100.7"), Device: "laptop"},
			[]Event{home(time.Hour), wrong(1 * time.Minute), wrong(2 * time.Minute), wrong(3 * time.Minute), wrong(4 * time.Minute), wrong(5 * time.Minute)}, High, []string{ReasonVelocity}},
		{"failures outside the window do not count", Attempt{IP: ip("198.51.100.7"), Device: "laptop"},
			[]Event{home(time.Hour), wrong(16 * time.Minute), wrong(17 * time.Minute), wrong(18 * time.Minute)}, Low, nil},
		{"failures with Valid feedback do not count", Attempt{IP: ip("198.51.100.7"), Device: "laptop"},
			[]Event{home(time.Hour), wrong(time.Minute), wrong(2 * time.Minute), {Time: ago(3 * time.Minute), WrongPassword: true, Feedback: FeedbackValid}}, Low, nil},
		{"events after the attempt are ignored", Attempt{Time: now, IP: ip("203.0.113.1"), Device: "phone"}, []Event{{Time: now.Add(time.Minute), Pass: true}}, Low, nil},
		{"Valid feedback makes a device and place familiar", Attempt{IP: ip("203.0.113.1"), Device: "phone"},
			[]Event{home(time.Hour), {Time: ago(30 * time.Minute), IP: ip("203.0.113.50"), Device: "phone", Feedback: FeedbackValid}}, Low, nil},
		{"Invalid feedback on the device", Attempt{IP: ip("198.51.100.7"), Device: "laptop"},
			[]Event{home(time.Hour), {Time: ago(30 * time.Minute), IP: ip("192.0.2.1"), Device: "laptop", Pass: true, Feedback: FeedbackInvalid}}, High, []string{ReasonDistrusted}},
		{"Invalid feedback on the place", Attempt{IP: ip("192.0.2.200"), Device: "laptop"},
			[]Event{home(time.Hour), {Time: ago(30 * time.Minute), IP: ip("192.0.2.1"), Device: "tablet", Feedback: FeedbackInvalid}}, High, []string{ReasonDistrusted, ReasonNewLocation}},
		{"compromised alone does not raise the level", Attempt{IP: ip("198.51.100.7"), Device: "laptop", Compromised: true}, []Event{home(time.Hour)}, Low, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.a.Time.IsZero() {
				tt.a.Time = now
			}
			got := Assess(tt.a, tt.history)
			if got.Level != tt.level || !slices.Equal(got.Reasons, tt.reasons) {
				t.Errorf("Assess = %s %v, want %s %v", got.Level, got.Reasons, tt.level, tt.reasons)
			}
			if got.Compromised != tt.a.Compromised {
				t.Errorf("Compromised = %v", got.Compromised)
			}
		})
	}
}

func config(t *testing.T, doc string) *Configuration {
	t.Helper()
	c, err := ParseConfiguration([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const fullConfig = `{
  "CompromisedCredentialsRiskConfiguration": {"EventFilter": ["SIGN_IN"], "Actions": {"EventAction": "BLOCK"}},
  "AccountTakeoverRiskConfiguration": {"Actions": {
    "LowAction": {"Notify": false, "EventAction": "NO_ACTION"},
    "MediumAction": {"Notify": true, "EventAction": "MFA_IF_CONFIGURED"},
    "HighAction": {"Notify": true, "EventAction": "BLOCK"}}},
  "RiskExceptionConfiguration": {"BlockedIPRangeList": ["192.0.2.0/24"], "SkippedIPRangeList": ["10.0.0.0/8", "2001:db8::1"]}
}`

func TestDecide(t *testing.T) {
	full := config(t, fullConfig)
	tests := []struct {
		name     string
		cfg      *Configuration
		mode     string
		event    string
		a        Attempt
		level    string
		action   string
		notify   bool
		decision string
		reason   string // last reason, if any
	}{
		{"low", full, ModeEnforced, EventSignIn, Attempt{}, Low, NoAction, false, DecisionNoRisk, ""},
		{"medium", full, ModeEnforced, EventSignIn, Attempt{}, Medium, MFAIfConfigured, true, DecisionAccountTakeover, ""},
		{"high blocks", full, ModeEnforced, EventSignIn, Attempt{}, High, Block, true, DecisionBlock, ""},
		{"audit records but does nothing", full, ModeAudit, EventSignIn, Attempt{}, High, NoAction, false, DecisionAccountTakeover, ""},
		{"audit low", full, ModeAudit, EventSignIn, Attempt{}, Low, NoAction, false, DecisionNoRisk, ""},
		{"blocked ip", full, ModeEnforced, EventSignIn, Attempt{IP: ip("192.0.2.44")}, Low, Block, false, DecisionBlock, ReasonBlockedIP},
		{"blocked ip in audit", full, ModeAudit, EventSignIn, Attempt{IP: ip("192.0.2.44")}, Low, NoAction, false, DecisionAccountTakeover, ReasonBlockedIP},
		{"skipped ip", full, ModeEnforced, EventSignIn, Attempt{IP: ip("10.1.2.3")}, High, NoAction, false, DecisionNoRisk, ReasonSkippedIP},
		{"skipped single ipv6", full, ModeEnforced, EventSignIn, Attempt{IP: ip("2001:db8::1")}, High, NoAction, false, DecisionNoRisk, ReasonSkippedIP},
		{"compromised blocked at sign-in", full, ModeEnforced, EventSignIn, Attempt{Compromised: true}, Low, Block, false, DecisionBlock, ReasonCompromised},
		{"compromised not filtered for sign-up", full, ModeEnforced, EventSignUp, Attempt{Compromised: true}, Low, NoAction, false, DecisionNoRisk, ""},
		{"compromised beats a skipped ip", full, ModeEnforced, EventSignIn, Attempt{IP: ip("10.0.0.1"), Compromised: true}, Low, Block, false, DecisionBlock, ReasonCompromised},
		{"no configuration", nil, ModeEnforced, EventSignIn, Attempt{Compromised: true}, High, NoAction, false, DecisionAccountTakeover, ""},
		{"an empty filter means every event", config(t, `{"CompromisedCredentialsRiskConfiguration":{"Actions":{"EventAction":"BLOCK"}}}`),
			ModeEnforced, EventPasswordChange, Attempt{Compromised: true}, Low, Block, false, DecisionBlock, ReasonCompromised},
		{"missing level action", config(t, `{"AccountTakeoverRiskConfiguration":{"Actions":{"HighAction":{"Notify":true,"EventAction":"MFA_REQUIRED"}}}}`),
			ModeEnforced, EventSignIn, Attempt{}, Medium, NoAction, false, DecisionAccountTakeover, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.cfg, tt.mode, tt.event, tt.a, Assessment{Level: tt.level, Compromised: tt.a.Compromised})
			want := tt.level
			switch tt.reason {
			case ReasonBlockedIP:
				want = High
			case ReasonSkippedIP:
				want = Low
			}
			if d.Level != want || d.Action != tt.action || d.Notify != tt.notify || d.RiskDecision != tt.decision {
				t.Errorf("Decide = level %s action %s notify %v decision %s; want %s %s %v %s",
					d.Level, d.Action, d.Notify, d.RiskDecision, want, tt.action, tt.notify, tt.decision)
			}
			last := ""
			if len(d.Reasons) > 0 {
				last = d.Reasons[len(d.Reasons)-1]
			}
			if last != tt.reason {
				t.Errorf("reasons %v, want last %q", d.Reasons, tt.reason)
			}
			if d.Blocked() != (tt.action == Block) || d.NeedsMFA() != (tt.action == MFAIfConfigured || tt.action == MFARequired) {
				t.Errorf("Blocked/NeedsMFA inconsistent with %s", d.Action)
			}
		})
	}
}

func TestEffectiveConfiguration(t *testing.T) {
	pool := []byte(`{"AccountTakeoverRiskConfiguration":{"Actions":{"LowAction":{"Notify":false,"EventAction":"BLOCK"}}}}`)
	client := []byte(`{"RiskExceptionConfiguration":{"BlockedIPRangeList":["192.0.2.1"]}}`)
	c, err := Effective(pool, nil)
	if err != nil || c == nil || c.action(Low).EventAction != Block {
		t.Fatalf("pool configuration: %+v %v", c, err)
	}
	c, err = Effective(pool, client)
	if err != nil || c.action(Low) != nil || c.RiskExceptionConfiguration == nil {
		t.Fatalf("the client's configuration replaces the pool's: %+v %v", c, err)
	}
	if c, err := Effective(nil, nil); c != nil || err != nil {
		t.Fatalf("no configuration: %+v %v", c, err)
	}
	if _, err := ParseConfiguration([]byte("{")); err == nil {
		t.Fatal("a broken document parses")
	}
}

func TestTemplate(t *testing.T) {
	c := config(t, `{"AccountTakeoverRiskConfiguration":{"NotifyConfiguration":{"From":"a@example.com","ReplyTo":"b@example.com","SourceArn":"arn:x",
	  "BlockEmail":{"Subject":"blocked"},"MfaEmail":{"Subject":"mfa"},"NoActionEmail":{"Subject":"none"}},"Actions":{}}}`)
	for action, want := range map[string]string{Block: "blocked", MFAIfConfigured: "mfa", MFARequired: "mfa", NoAction: "none"} {
		tmpl, from, reply := c.Template(action)
		if tmpl == nil || tmpl.Subject != want || from != "a@example.com" || reply != "b@example.com" {
			t.Errorf("Template(%s) = %+v %s %s", action, tmpl, from, reply)
		}
	}
	var none *Configuration
	if tmpl, _, _ := none.Template(Block); tmpl != nil {
		t.Error("nil configuration has a template")
	}
}

func TestParseRange(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.0/24":         "192.0.2.0/24",
		"192.0.2.77/24":        "192.0.2.0/24",
		"192.0.2.1":            "192.0.2.1/32",
		"2001:db8::/32":        "2001:db8::/32",
		"::ffff:192.0.2.1":     "192.0.2.1/32",
		"::ffff:192.0.2.0/120": "192.0.2.0/24",
	} {
		p, err := ParseRange(in)
		if err != nil || p.String() != want {
			t.Errorf("ParseRange(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for _, bad := range []string{"", "192.0.2", "example.com", "192.0.2.0/33"} {
		if _, err := ParseRange(bad); err == nil {
			t.Errorf("ParseRange(%q) succeeded", bad)
		}
	}
}

func TestParseIP(t *testing.T) {
	for in, want := range map[string]string{
		"198.51.100.7":        "198.51.100.7",
		" 198.51.100.7 ":      "198.51.100.7",
		"198.51.100.7:5555":   "198.51.100.7",
		"[2001:db8::1]:443":   "2001:db8::1",
		"::ffff:198.51.100.7": "198.51.100.7",
		"fe80::1%eth0":        "fe80::1",
		"":                    "invalid IP",
		"not an address":      "invalid IP",
	} {
		if got := ParseIP(in).String(); got != want {
			t.Errorf("ParseIP(%q) = %s, want %s", in, got, want)
		}
	}
	if p := Prefix(ip("198.51.100.7")); p.String() != "198.51.100.0/24" {
		t.Errorf("Prefix v4 = %s", p)
	}
	if p := Prefix(ip("2001:db8:1:2::1")); p.String() != "2001:db8:1::/48" {
		t.Errorf("Prefix v6 = %s", p)
	}
	if p := Prefix(netip.Addr{}); p.IsValid() {
		t.Errorf("Prefix of nothing = %s", p)
	}
}

// libraryEncodedData builds EncodedData the way Cognito's context-data
// collection library lays it out: base64 of {"payload": "<json>", ...}.
func libraryEncodedData(t *testing.T, contextData map[string]string, ts string) string {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{"contextData": contextData, "username": "alice", "userPoolId": "us-east-1_x", "timestamp": ts})
	env, _ := json.Marshal(map[string]string{"payload": string(payload), "signature": "sig", "version": "JS20171115"})
	return base64.StdEncoding.EncodeToString(env)
}

func TestIdentify(t *testing.T) {
	chrome := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36"
	a := libraryEncodedData(t, map[string]string{"DeviceId": "dev-1", "UserAgent": chrome, "ClientTimezone": "-05:00"}, "1")
	b := libraryEncodedData(t, map[string]string{"DeviceId": "dev-1", "UserAgent": chrome, "ClientTimezone": "-05:00"}, "2")
	c := libraryEncodedData(t, map[string]string{"DeviceFingerprint": "fp-9"}, "3")

	da, db := Identify(Context{EncodedData: a}), Identify(Context{EncodedData: b})
	if da.Fingerprint != "id:dev-1" || da.Fingerprint != db.Fingerprint {
		t.Errorf("the same DeviceId in two envelopes: %q %q", da.Fingerprint, db.Fingerprint)
	}
	if da.Name != "Chrome, Windows" || da.Timezone != "-05:00" {
		t.Errorf("name %q timezone %q", da.Name, da.Timezone)
	}
	if d := Identify(Context{EncodedData: c}); d.Fingerprint != "fp:fp-9" {
		t.Errorf("DeviceFingerprint: %q", d.Fingerprint)
	}
	plain := base64.StdEncoding.EncodeToString([]byte(`{"DeviceId":"flat"}`))
	if d := Identify(Context{EncodedData: plain}); d.Fingerprint != "id:flat" {
		t.Errorf("flat object: %q", d.Fingerprint)
	}
	o1, o2 := Identify(Context{EncodedData: "opaque-1"}), Identify(Context{EncodedData: "opaque-2"})
	if !strings.HasPrefix(o1.Fingerprint, "ed:") || o1.Fingerprint == o2.Fingerprint || o1 != Identify(Context{EncodedData: "opaque-1"}) {
		t.Errorf("opaque data: %q %q", o1.Fingerprint, o2.Fingerprint)
	}
	u := Identify(Context{UserAgent: "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.26"})
	if !strings.HasPrefix(u.Fingerprint, "ua:") || u.Name != "aws-sdk-go-v2" {
		t.Errorf("user agent only: %+v", u)
	}
	if d := Identify(Context{}); d != (Device{}) {
		t.Errorf("nothing: %+v", d)
	}
}

func TestDeviceName(t *testing.T) {
	for ua, want := range map[string]string{
		"": "",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15": "Safari, Mac OS X",
		"Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0":                                                "Firefox, Linux",
		"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Mobile Safari/537.36":              "Chrome, Android",
		"Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Safari/537.36 Edg/125.0":             "Edge, Windows",
		"aws-amplify/6.0 js":            "aws-amplify",
		"node-fetch/1.0 (+https://x.y)": "node-fetch",
	} {
		if got := DeviceName(ua); got != want {
			t.Errorf("DeviceName(%q) = %q, want %q", ua, got, want)
		}
	}
}

func TestPasswordList(t *testing.T) {
	def := NewPasswordList(DefaultCompromisedPasswords)
	if !def.Contains("Password1!") || def.Contains("password1!") || def.Contains("") {
		t.Error("default list")
	}
	if def.Contains("Passw0rd!") {
		t.Error("the tests' usual password must not be on the default list")
	}
	l, err := ReadPasswordList(strings.NewReader("hunter2\r\n\ncorrect horse\n"))
	if err != nil || l.Len() != 2 || !l.Contains("hunter2") || !l.Contains("correct horse") || l.Contains("") {
		t.Errorf("ReadPasswordList: %d %v", l.Len(), err)
	}
	var none *PasswordList
	if none.Contains("Password1!") || none.Len() != 0 {
		t.Error("nil list")
	}
}

func TestRender(t *testing.T) {
	n := Notification{Username: "alice", Time: time.Date(2026, 3, 2, 9, 5, 7, 0, time.UTC), DeviceName: "Chrome, Windows",
		IP: "203.0.113.1", LinkValid: "https://v", LinkInvalid: "https://i"}
	got := Render("{username} {login-time} {device-name} {city}, {country} {ip-address} {one-click-link-valid} {one-click-link-invalid} {####}", n)
	want := "alice March 2, 2026 09:05:07 UTC Chrome, Windows Unknown, Unknown 203.0.113.1 https://v https://i {####}"
	if got != want {
		t.Errorf("Render = %q\nwant     %q", got, want)
	}
}

// TestImports keeps the package pure: the standard library only.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		if strings.Contains(imp, ".") {
			t.Errorf("internal/risk imports %s", imp)
		}
	}
}
