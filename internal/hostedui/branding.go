package hostedui

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/userpoold/userpoold/internal/fault"
)

// Branding is how a pool or client dresses its pages: a name shown when
// there is no logo, a logo (data: URI), the classic UI customization CSS
// (SetUICustomization, checked by CheckCSS), and the colours of managed
// login branding (Theme). The zero value is the default look.
type Branding struct {
	Name    string
	LogoURL template.URL // only from LogoDataURI
	CSS     template.CSS // only from BrandingCSS
}

// MaxLogoBytes is the classic logo size limit (100 KB, Developer Guide).
const MaxLogoBytes = 100 << 10

// LogoDataURI returns the data: URI of a logo image: PNG or JPEG (classic
// ImageFile), or SVG, ICO or WEBP (managed login assets), recognised by
// content (SVG by its root element), at most MaxLogoBytes. Anything else is
// an error, so the page never embeds bytes of an unknown type.
func LogoDataURI(img []byte) (template.URL, error) {
	if len(img) == 0 || len(img) > MaxLogoBytes {
		return "", fmt.Errorf("hostedui: logo must be 1 to %d bytes", MaxLogoBytes)
	}
	ct := http.DetectContentType(img)
	switch ct {
	case "image/png", "image/jpeg", "image/webp", "image/x-icon", "image/vnd.microsoft.icon":
	default:
		head := strings.ToLower(string(img[:min(len(img), 512)]))
		if !strings.Contains(head, "<svg") {
			return "", fmt.Errorf("hostedui: logo is %s, not an image", ct)
		}
		// An SVG in <img> runs no script and loads nothing.
		ct = "image/svg+xml"
	}
	return template.URL("data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(img)), nil
}

// CustomizableClasses are the CSS classes SetUICustomization may style
// (Developer Guide, "Customizing hosted UI (classic) branding"); the pages
// carry every one of them.
var CustomizableClasses = []string{
	"background-customizable", "banner-customizable", "errorMessage-customizable",
	"idpButton-customizable", "idpButton-customizable:hover", "idpDescription-customizable",
	"inputField-customizable", "inputField-customizable:focus", "label-customizable",
	"legalText-customizable", "logo-customizable", "passwordCheck-notValid-customizable",
	"passwordCheck-valid-customizable", "redirect-customizable",
	"submitButton-customizable", "submitButton-customizable:hover", "textDescription-customizable",
}

// cssRule is one "selector { declarations }" of customization CSS.
var cssRule = regexp.MustCompile(`^\s*\.([A-Za-z-]+(?::[a-z-]+)?)\s*\{([^{}]*)\}`)

// forbiddenCSS are what AWS refuses in customization CSS (@import,
// @supports, @page, @media, JavaScript), plus what could leave the style
// element or fetch anything: "<" (a </style> end tag), backslash escapes
// (which could spell either), url( and expression(. Refusing "<" is
// stricter than AWS, which lets values "contain HTML".
var forbiddenCSS = []string{"@", "<", "\\", "url(", "expression(", "javascript:"}

// CheckCSS validates SetUICustomization's CSS: rules whose selectors are
// each one of CustomizableClasses, with no forbidden construct. Comments
// are allowed. Failures are InvalidParameterException (wording
// UNCONFIRMED). SetUICustomization calls it; BrandingCSS calls it again
// before anything reaches a page.
func CheckCSS(css string) error {
	lower := strings.ToLower(css)
	for _, bad := range forbiddenCSS {
		if strings.Contains(lower, bad) {
			return fault.Errorf(fault.InvalidParameter, "CSS must not contain %q.", bad)
		}
	}
	rest := stripComments(css)
	for strings.TrimSpace(rest) != "" {
		m := cssRule.FindStringSubmatch(rest)
		if m == nil {
			return fault.New(fault.InvalidParameter, "CSS must be a list of rules for the customizable classes.")
		}
		if !slices.Contains(CustomizableClasses, m[1]) {
			return fault.Errorf(fault.InvalidParameter, "CSS class %s is not customizable.", m[1])
		}
		rest = rest[len(m[0]):]
	}
	return nil
}

// stripComments removes /* ... */ comments; an unterminated one swallows
// the rest.
func stripComments(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "/*")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := strings.Index(s[i+2:], "*/")
		if j < 0 {
			return b.String()
		}
		s = s[i+2+j+2:]
	}
}

// Theme is the part of managed login branding (Settings) that the pages
// apply: colours as #rrggbb.
type Theme struct {
	Accent     string // buttons and links
	Background string // the page behind the card
	Ink        string // text
}

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// BrandingCSS combines a theme and classic customization CSS into the CSS
// the pages embed. Invalid colours are an error, and so is CSS that
// CheckCSS refuses, so nothing unchecked reaches a style element.
func BrandingCSS(theme Theme, classic string) (template.CSS, error) {
	var b strings.Builder
	vars := [][2]string{{"--accent", theme.Accent}, {"--bg", theme.Background}, {"--ink", theme.Ink}}
	var decl []string
	for _, v := range vars {
		if v[1] == "" {
			continue
		}
		if !hexColor.MatchString(v[1]) {
			return "", fmt.Errorf("hostedui: colour %q is not #rrggbb", v[1])
		}
		decl = append(decl, v[0]+":"+v[1])
	}
	if len(decl) > 0 {
		b.WriteString(":root{" + strings.Join(decl, ";") + "}\n")
	}
	if classic != "" {
		if err := CheckCSS(classic); err != nil {
			return "", err
		}
		b.WriteString(classic)
	}
	return template.CSS(b.String()), nil
}

// ManagedLoginVersion2 is the domain version of managed login; any other
// serves the classic pages.
const ManagedLoginVersion2 = 2

// For returns the site as a domain of branding version version shows it:
// under managed login (2) the managed branding and the terms, otherwise
// the classic UI customization and no terms.
func (s Site) For(version int) Site {
	if version == ManagedLoginVersion2 {
		s.Branding = s.ManagedBranding
	} else {
		s.Terms = nil
	}
	return s
}

// ThemeFromSettings reads the colours the pages apply from a managed login
// branding settings document: the primary button's background (Accent),
// the page background (Background) and the page's body text (Ink), light
// mode, written as RRGGBBAA hex as the branding editor writes them (the
// alpha is dropped). Members that are missing or not colours are left
// empty. UNCONFIRMED: the member paths of AWS's settings document.
func ThemeFromSettings(settings []byte) Theme {
	var doc struct {
		Components struct {
			PrimaryButton struct {
				LightMode struct {
					Defaults struct {
						BackgroundColor string `json:"backgroundColor"`
					} `json:"defaults"`
				} `json:"lightMode"`
			} `json:"primaryButton"`
			PageBackground struct {
				LightMode struct {
					Color string `json:"color"`
				} `json:"lightMode"`
			} `json:"pageBackground"`
			PageText struct {
				LightMode struct {
					BodyColor string `json:"bodyColor"`
				} `json:"lightMode"`
			} `json:"pageText"`
		} `json:"components"`
	}
	if len(settings) == 0 || json.Unmarshal(settings, &doc) != nil {
		return Theme{}
	}
	c := doc.Components
	return Theme{
		Accent:     settingsColor(c.PrimaryButton.LightMode.Defaults.BackgroundColor),
		Background: settingsColor(c.PageBackground.LightMode.Color),
		Ink:        settingsColor(c.PageText.LightMode.BodyColor),
	}
}

var settingsHex = regexp.MustCompile(`^#?([0-9a-fA-F]{6})(?:[0-9a-fA-F]{2})?$`)

// settingsColor turns "rrggbb[aa]" (with or without "#") into "#rrggbb";
// anything else into "".
func settingsColor(s string) string {
	m := settingsHex.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return "#" + strings.ToLower(m[1])
}

// PasswordRules is a pool's password policy, as the pages describe it.
type PasswordRules struct {
	MinLength                             int
	Lowercase, Uppercase, Numbers, Symbol bool
}

// Hints lists the rules as the sign-up and reset pages show them.
func (r PasswordRules) Hints() []string {
	var out []string
	if r.MinLength > 0 {
		out = append(out, fmt.Sprintf("At least %d characters", r.MinLength))
	}
	if r.Lowercase {
		out = append(out, "A lowercase letter")
	}
	if r.Uppercase {
		out = append(out, "An uppercase letter")
	}
	if r.Numbers {
		out = append(out, "A number")
	}
	if r.Symbol {
		out = append(out, "A special character")
	}
	return out
}

// standardFields are the labels, input types and autocomplete tokens of
// the standard attributes.
var standardFields = map[string][3]string{
	"email":              {"Email", "email", "email"},
	"phone_number":       {"Phone number", "tel", "tel"},
	"name":               {"Name", "text", "name"},
	"given_name":         {"Given name", "text", "given-name"},
	"family_name":        {"Family name", "text", "family-name"},
	"middle_name":        {"Middle name", "text", "additional-name"},
	"nickname":           {"Nickname", "text", "nickname"},
	"preferred_username": {"Preferred username", "text", "username"},
	"address":            {"Address", "text", "street-address"},
	"birthdate":          {"Birthdate", "date", "bday"},
	"gender":             {"Gender", "text", "sex"},
	"locale":             {"Locale", "text", "language"},
	"zoneinfo":           {"Time zone", "text", ""},
	"picture":            {"Picture URL", "url", "photo"},
	"profile":            {"Profile URL", "url", "url"},
	"website":            {"Website", "url", "url"},
	"updated_at":         {"Updated at", "number", ""},
}

// AttributeField returns the input of attribute name (a standard attribute
// or custom:<x>) with value.
func AttributeField(name, value string, required bool) Field {
	f := Field{Name: name, Value: value, Required: required, Type: "text"}
	if s, ok := standardFields[name]; ok {
		f.Label, f.Type, f.Autocomplete = s[0], s[1], s[2]
		return f
	}
	label := strings.TrimPrefix(name, "custom:")
	label = strings.ReplaceAll(label, "_", " ")
	if label != "" {
		label = strings.ToUpper(label[:1]) + label[1:]
	}
	f.Label = label
	return f
}
