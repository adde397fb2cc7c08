package hostedui

import "testing"

func TestThemeFromSettings(t *testing.T) {
	for _, c := range []struct {
		name, settings string
		want           Theme
	}{
		{"all three", `{"components":{"primaryButton":{"lightMode":{"defaults":{"backgroundColor":"7C3AEDff"}}},"pageBackground":{"lightMode":{"color":"#f5f3ff"}},"pageText":{"lightMode":{"bodyColor":"2e1065ff"}}}}`,
			Theme{Accent: "#7c3aed", Background: "#f5f3ff", Ink: "#2e1065"}},
		{"one", `{"components":{"pageBackground":{"lightMode":{"color":"000000ff"}}}}`, Theme{Background: "#000000"}},
		{"not colours", `{"components":{"primaryButton":{"lightMode":{"defaults":{"backgroundColor":"red;}body{x:y"}}},"pageText":{"lightMode":{"bodyColor":"12345"}}}}`, Theme{}},
		{"not an object", `[1,2]`, Theme{}},
		{"empty", ``, Theme{}},
		{"wrong types", `{"components":{"pageBackground":{"lightMode":{"color":7}}}}`, Theme{}},
	} {
		if got := ThemeFromSettings([]byte(c.settings)); got != c.want {
			t.Errorf("%s: ThemeFromSettings = %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestSiteFor(t *testing.T) {
	s := Site{Branding: Branding{Name: "classic"}, ManagedBranding: Branding{Name: "managed"}, Terms: []Link{{Label: "Terms of use", URL: "https://example.com/t"}}}
	for _, c := range []struct {
		version int
		name    string
		terms   int
	}{{0, "classic", 0}, {1, "classic", 0}, {2, "managed", 1}} {
		got := s.For(c.version)
		if got.Branding.Name != c.name || len(got.Terms) != c.terms {
			t.Errorf("For(%d) = %q with %d terms, want %q with %d", c.version, got.Branding.Name, len(got.Terms), c.name, c.terms)
		}
	}
}
