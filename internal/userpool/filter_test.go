package userpool

import (
	"testing"

	"github.com/userpoold/userpoold/internal/fault"
)

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in      string
		want    Filter
		wantErr string
	}{
		{in: ``, want: Filter{}},
		{in: `   `, want: Filter{}},
		{in: `email = "a@example.com"`, want: Filter{Attribute: "email", Value: "a@example.com"}},
		{in: `email="a@example.com"`, want: Filter{Attribute: "email", Value: "a@example.com"}},
		{in: `  family_name   ^=   "Red"  `, want: Filter{Attribute: "family_name", Value: "Red", Prefix: true}},
		{in: `name^="Jo"`, want: Filter{Attribute: "name", Value: "Jo", Prefix: true}},
		{in: `name = "say \"hi\""`, want: Filter{Attribute: "name", Value: `say "hi"`}},
		{in: `name = "back\\slash"`, want: Filter{Attribute: "name", Value: `back\slash`}},
		{in: `name = "a\nb"`, want: Filter{Attribute: "name", Value: `a\nb`}},
		{in: `name = ""`, want: Filter{Attribute: "name", Value: ""}},
		{in: `cognito:user_status = "UNCONFIRMED"`, want: Filter{Attribute: "cognito:user_status", Value: "UNCONFIRMED"}},
		{in: `status = "Enabled"`, want: Filter{Attribute: "status", Value: "Enabled"}},
		{in: `sub = "0b4c"`, want: Filter{Attribute: "sub", Value: "0b4c"}},
		{in: `username ^= "al"`, want: Filter{Attribute: "username", Value: "al", Prefix: true}},
		{in: `phone_number = "+15550100"`, want: Filter{Attribute: "phone_number", Value: "+15550100"}},
		{in: `preferred_username = "x"`, want: Filter{Attribute: "preferred_username", Value: "x"}},
		{in: `given_name = "x"`, want: Filter{Attribute: "given_name", Value: "x"}},

		{in: `foo`, wantErr: "Error while parsing filter."},
		{in: `email`, wantErr: "Error while parsing filter."},
		{in: `email = a@example.com`, wantErr: "Error while parsing filter."},
		{in: `email = "unterminated`, wantErr: "Error while parsing filter."},
		{in: `email = "a" extra`, wantErr: "Error while parsing filter."},
		{in: `email == "a"`, wantErr: "Error while parsing filter."},
		{in: `email != "a"`, wantErr: "Error while parsing filter."},
		{in: `= "a"`, wantErr: "Error while parsing filter."},
		{in: `"email" = "a"`, wantErr: "Error while parsing filter."},
		{in: `email = "a\"`, wantErr: "Error while parsing filter."},
		{in: `custom:tenant = "a"`, wantErr: "Invalid search attribute: custom:tenant"},
		{in: `locale ^= "en"`, wantErr: "Invalid search attribute: locale"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFilter(tt.in)
			if tt.wantErr != "" {
				var f *fault.Error
				if err == nil || !errorsAs(err, &f) || f.Kind != fault.InvalidParameter || f.Message != tt.wantErr {
					t.Fatalf("ParseFilter(%q) = %+v, %v; want InvalidParameter %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseFilter(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestFilterFold(t *testing.T) {
	f := false
	insensitive := &Settings{UsernameConfiguration: &UsernameConfiguration{CaseSensitive: &f}}
	sensitive := &Settings{}
	tests := []struct {
		attr            string
		sensitive, fold bool
	}{
		{"username", false, true},
		{"email", false, true},
		{"preferred_username", false, true},
		{"cognito:user_status", true, true},
		{"status", false, false},
		{"sub", false, false},
		{"phone_number", false, false},
		{"name", false, false},
	}
	for _, tt := range tests {
		fl := Filter{Attribute: tt.attr}
		if got := fl.fold(sensitive); got != tt.sensitive {
			t.Errorf("%s in a case-sensitive pool: fold = %v", tt.attr, got)
		}
		if got := fl.fold(insensitive); got != tt.fold {
			t.Errorf("%s in a case-insensitive pool: fold = %v", tt.attr, got)
		}
	}
}
