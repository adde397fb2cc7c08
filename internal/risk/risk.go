package risk

import (
	"net/netip"
	"slices"
	"time"
)

// Risk levels (RiskLevelType).
const (
	Low    = "Low"
	Medium = "Medium"
	High   = "High"
)

// Account-takeover actions (AccountTakeoverEventActionType) and the
// compromised-credentials actions (CompromisedCredentialsEventActionType,
// BLOCK or NO_ACTION).
const (
	NoAction        = "NO_ACTION"
	MFAIfConfigured = "MFA_IF_CONFIGURED"
	MFARequired     = "MFA_REQUIRED"
	Block           = "BLOCK"
)

// Risk decisions (RiskDecisionType).
const (
	DecisionNoRisk          = "NoRisk"
	DecisionAccountTakeover = "AccountTakeover"
	DecisionBlock           = "Block"
)

// Advanced security modes (AdvancedSecurityModeType).
const (
	ModeOff      = "OFF"
	ModeAudit    = "AUDIT"
	ModeEnforced = "ENFORCED"
)

// Event types of a compromised-credentials EventFilter (EventFilterType).
const (
	EventSignIn         = "SIGN_IN"
	EventPasswordChange = "PASSWORD_CHANGE"
	EventSignUp         = "SIGN_UP"
)

// Feedback values (FeedbackValueType).
const (
	FeedbackValid   = "Valid"
	FeedbackInvalid = "Invalid"
)

// Thresholds of the velocity rule.
const (
	// VelocityWindow is how far back failed attempts count.
	VelocityWindow = 15 * time.Minute
	// MediumFailures and HighFailures are the failure counts in the window
	// that make an attempt Medium and High.
	MediumFailures = 3
	HighFailures   = 5
)

// Reasons name the signals that set a level or an action.
const (
	ReasonDistrusted  = "distrusted-context" // an Invalid-feedback event shares the device or the IP prefix
	ReasonVelocity    = "failed-attempts"    // failures in the velocity window
	ReasonNewDevice   = "new-device"
	ReasonNewLocation = "new-location"
	ReasonBlockedIP   = "blocked-ip"
	ReasonSkippedIP   = "skipped-ip"
	ReasonCompromised = "compromised-credentials"
)

// Attempt is the sign-in being assessed.
type Attempt struct {
	Time time.Time
	// IP is the client's address; the zero Addr when unknown.
	IP netip.Addr
	// Device is the device fingerprint (see Fingerprint); "" when unknown.
	Device string
	// KnownDevice is set when the user presented the key of a device they
	// confirmed: the device is familiar whatever its fingerprint.
	KnownDevice bool
	// Compromised is set when the password was checked against the
	// compromised-password list and found on it.
	Compromised bool
}

// Event is one earlier sign-in of the user, as the rules see it.
type Event struct {
	Time time.Time
	// Pass is set for a completed sign-in (EventResponse Pass).
	Pass bool
	// WrongPassword is set for an attempt that failed at the password.
	WrongPassword bool
	IP            netip.Addr
	Device        string
	// Feedback is Valid, Invalid or "".
	Feedback string
}

// Assessment is what Assess found.
type Assessment struct {
	Level       string   // Low, Medium or High
	Reasons     []string // the signals behind Level, in rule order
	Failures    int      // failed attempts in the velocity window
	Compromised bool
}

// Prefix returns the network an address is judged by for "new location":
// its /24 for IPv4 (and IPv4-mapped IPv6), its /48 for IPv6. The zero Addr
// gives the zero Prefix.
func Prefix(ip netip.Addr) netip.Prefix {
	if !ip.IsValid() {
		return netip.Prefix{}
	}
	ip = ip.Unmap()
	bits := 48
	if ip.Is4() {
		bits = 24
	}
	p, _ := ip.Prefix(bits)
	return p
}

func samePrefix(a, b netip.Addr) bool {
	return a.IsValid() && b.IsValid() && Prefix(a) == Prefix(b)
}

// Assess applies the rules of the package documentation to a and the user's
// history (any order; events after a.Time are ignored, events at the same
// instant count as earlier).
func Assess(a Attempt, history []Event) Assessment {
	out := Assessment{Compromised: a.Compromised}
	var (
		distrusted, knownDevice, knownPlace bool
		anyPass, anyPassWithIP              bool
	)
	for _, e := range history {
		if e.Time.After(a.Time) {
			continue
		}
		sameDevice := a.Device != "" && e.Device == a.Device
		samePlace := samePrefix(a.IP, e.IP)
		switch e.Feedback {
		case FeedbackInvalid:
			if sameDevice || samePlace {
				distrusted = true
			}
		case FeedbackValid:
			knownDevice = knownDevice || sameDevice
			knownPlace = knownPlace || samePlace
		}
		if e.Pass {
			anyPass = true
			anyPassWithIP = anyPassWithIP || e.IP.IsValid()
			knownDevice = knownDevice || sameDevice
			knownPlace = knownPlace || samePlace
		}
		if e.WrongPassword && e.Feedback != FeedbackValid && a.Time.Sub(e.Time) <= VelocityWindow {
			out.Failures++
		}
	}
	newDevice := anyPass && a.Device != "" && !a.KnownDevice && !knownDevice
	newPlace := anyPassWithIP && a.IP.IsValid() && !knownPlace

	high, medium := false, false
	if distrusted {
		high = true
		out.Reasons = append(out.Reasons, ReasonDistrusted)
	}
	if out.Failures >= MediumFailures {
		high = high || out.Failures >= HighFailures
		medium = true
		out.Reasons = append(out.Reasons, ReasonVelocity)
	}
	if newDevice {
		medium = true
		out.Reasons = append(out.Reasons, ReasonNewDevice)
	}
	if newPlace {
		medium = true
		out.Reasons = append(out.Reasons, ReasonNewLocation)
	}
	if newDevice && newPlace {
		high = true
	}
	switch {
	case high:
		out.Level = High
	case medium:
		out.Level = Medium
	default:
		out.Level = Low
	}
	return out
}

// Decision is what to do about an attempt.
type Decision struct {
	Level string // Low, Medium or High
	// Action is NO_ACTION, MFA_IF_CONFIGURED, MFA_REQUIRED or BLOCK.
	Action string
	// Notify is set when the user is to be told (ENFORCED mode and the
	// level's action has Notify).
	Notify bool
	// RiskDecision is NoRisk, AccountTakeover or Block (for the auth event).
	RiskDecision string
	Compromised  bool
	// Reasons are the assessment's reasons, plus ReasonBlockedIP,
	// ReasonCompromised or ReasonSkippedIP when those decided.
	Reasons []string
}

// Blocked reports whether the decision refuses the sign-in.
func (d Decision) Blocked() bool { return d.Action == Block }

// NeedsMFA reports whether the decision asks for an MFA challenge.
func (d Decision) NeedsMFA() bool { return d.Action == MFAIfConfigured || d.Action == MFARequired }

// Decide maps an assessment to the action of the effective configuration in
// the given mode (AUDIT or ENFORCED) for an event of type event (EventSignIn,
// ...), as the package documentation describes.
func Decide(cfg *Configuration, mode, event string, a Attempt, as Assessment) Decision {
	d := Decision{Level: as.Level, Action: NoAction, Compromised: as.Compromised, Reasons: slices.Clone(as.Reasons)}
	enforced := mode == ModeEnforced
	if cfg == nil {
		cfg = &Configuration{}
	}
	ex := cfg.RiskExceptionConfiguration
	switch {
	case ex != nil && inRanges(a.IP, ex.BlockedIPRangeList):
		d.Level = High
		d.Action = Block
		d.Reasons = append(d.Reasons, ReasonBlockedIP)
	case as.Compromised && cfg.blocksCompromised(event):
		d.Action = Block
		d.Reasons = append(d.Reasons, ReasonCompromised)
	case ex != nil && inRanges(a.IP, ex.SkippedIPRangeList):
		d.Level = Low
		d.Reasons = []string{ReasonSkippedIP}
	default:
		if act := cfg.action(d.Level); act != nil {
			d.Action = act.EventAction
			d.Notify = act.Notify
		}
	}
	switch {
	case d.Action == Block && enforced:
		d.RiskDecision = DecisionBlock
	case d.Level == Medium || d.Level == High:
		d.RiskDecision = DecisionAccountTakeover
	default:
		d.RiskDecision = DecisionNoRisk
	}
	if !enforced {
		d.Action, d.Notify = NoAction, false
	}
	return d
}

// inRanges reports whether ip is in one of ranges (CIDR blocks or single
// addresses; entries that parse as neither are ignored).
func inRanges(ip netip.Addr, ranges []string) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.Unmap()
	for _, r := range ranges {
		if p, err := ParseRange(r); err == nil && p.Contains(ip) {
			return true
		}
	}
	return false
}

// ParseRange parses one entry of BlockedIPRangeList or SkippedIPRangeList: a
// CIDR block ("192.0.2.0/24", "2001:db8::/32") or a single address.
func ParseRange(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	ip = ip.Unmap()
	return netip.PrefixFrom(ip, ip.BitLen()), nil
}
