package risk

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/netip"
	"strings"
)

// Context is what a sign-in request says about where it comes from, already
// reduced from UserContextData / ContextData and the HTTP request.
type Context struct {
	// IP is the client address as given; ParseIP reads it.
	IP string
	// EncodedData is UserContextData.EncodedData or ContextData.EncodedData.
	EncodedData string
	// UserAgent is the User-Agent header of ContextData.HttpHeaders or of the
	// request.
	UserAgent string
}

// Device is what the engine and the auth event know about a client device.
type Device struct {
	// Fingerprint identifies the device for the new-device rule; "" when
	// nothing identifies it.
	Fingerprint string
	// Name is a short description for EventContextData.DeviceName
	// ("Chrome, Windows", "aws-sdk-go-v2", ...); "" when unknown.
	Name string
	// Timezone is the ClientTimezone the context-data library reported.
	Timezone string
}

// ParseIP reads an IP address as UserContextData.IpAddress or a
// RemoteAddr ("host:port", "[v6]:port") give it; the zero Addr when it is
// neither.
func ParseIP(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if s == "" {
		return netip.Addr{}
	}
	if ip, err := netip.ParseAddr(s); err == nil {
		return ip.Unmap().WithZone("")
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if ip, err := netip.ParseAddr(host); err == nil {
			return ip.Unmap().WithZone("")
		}
	}
	return netip.Addr{}
}

// Identify derives the device of a request (see the package documentation):
// from the DeviceId or DeviceFingerprint inside EncodedData, else a digest of
// EncodedData, else a digest of the User-Agent.
func Identify(c Context) Device {
	var d Device
	ua := c.UserAgent
	if c.EncodedData != "" {
		fields := decodeContextData(c.EncodedData)
		switch {
		case fields["DeviceId"] != "":
			d.Fingerprint = "id:" + fields["DeviceId"]
		case fields["DeviceFingerprint"] != "":
			d.Fingerprint = "fp:" + fields["DeviceFingerprint"]
		default:
			d.Fingerprint = "ed:" + digest(c.EncodedData)
		}
		d.Timezone = fields["ClientTimezone"]
		d.Name = fields["DeviceName"]
		if fields["UserAgent"] != "" {
			ua = fields["UserAgent"]
		}
	} else if ua != "" {
		d.Fingerprint = "ua:" + digest(ua)
	}
	if d.Name == "" {
		d.Name = DeviceName(ua)
	}
	return d
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// decodeContextData reads the string members of the contextData object in
// EncodedData: base64 (standard or URL alphabet, padded or not) of a JSON
// object that holds either the members themselves, a "contextData" object,
// or a "payload" string with that JSON inside (the form of Cognito's
// context-data collection library). Anything else gives an empty map.
func decodeContextData(encoded string) map[string]string {
	out := map[string]string{}
	var raw []byte
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(strings.TrimSpace(encoded)); err == nil {
			raw = b
			break
		}
	}
	if raw == nil {
		return out
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil {
		return out
	}
	if p, ok := top["payload"]; ok {
		var s string
		if json.Unmarshal(p, &s) == nil {
			var inner map[string]json.RawMessage
			if json.Unmarshal([]byte(s), &inner) == nil {
				top = inner
			}
		}
	}
	obj := top
	if cd, ok := top["contextData"]; ok {
		var m map[string]json.RawMessage
		if json.Unmarshal(cd, &m) == nil {
			obj = m
		}
	}
	for k, v := range obj {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		}
	}
	return out
}

// DeviceName describes a User-Agent briefly: "<browser>, <OS>" for browser
// agents, else the first product token without its version (for example
// "aws-sdk-go-v2"); "" for an empty agent.
func DeviceName(ua string) string {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return ""
	}
	browser := ""
	switch {
	case strings.Contains(ua, "Edg/"):
		browser = "Edge"
	case strings.Contains(ua, "Firefox/"):
		browser = "Firefox"
	case strings.Contains(ua, "Chrome/"):
		browser = "Chrome"
	case strings.Contains(ua, "Safari/"):
		browser = "Safari"
	}
	os := ""
	switch {
	case strings.Contains(ua, "Android"):
		os = "Android"
	case strings.Contains(ua, "iPhone"), strings.Contains(ua, "iPad"):
		os = "iOS"
	case strings.Contains(ua, "Windows"):
		os = "Windows"
	case strings.Contains(ua, "Mac OS X"), strings.Contains(ua, "Macintosh"):
		os = "Mac OS X"
	case strings.Contains(ua, "Linux"):
		os = "Linux"
	}
	if browser != "" {
		if os == "" {
			return browser
		}
		return browser + ", " + os
	}
	first, _, _ := strings.Cut(ua, " ")
	name, _, _ := strings.Cut(first, "/")
	return name
}
