package userpool

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// SchemaAttribute is one attribute of a pool's schema (SchemaAttributeType).
type SchemaAttribute struct {
	Name                       string                      `json:"Name"`
	AttributeDataType          string                      `json:"AttributeDataType"`
	DeveloperOnlyAttribute     bool                        `json:"DeveloperOnlyAttribute"`
	Mutable                    bool                        `json:"Mutable"`
	Required                   bool                        `json:"Required"`
	NumberAttributeConstraints *NumberAttributeConstraints `json:"NumberAttributeConstraints,omitempty"`
	StringAttributeConstraints *StringAttributeConstraints `json:"StringAttributeConstraints,omitempty"`
}

// NumberAttributeConstraints bound a Number attribute; values are decimal
// strings, as on the wire.
type NumberAttributeConstraints struct {
	MinValue *string `json:"MinValue,omitempty"`
	MaxValue *string `json:"MaxValue,omitempty"`
}

// StringAttributeConstraints bound a String attribute's length.
type StringAttributeConstraints struct {
	MinLength *string `json:"MinLength,omitempty"`
	MaxLength *string `json:"MaxLength,omitempty"`
}

func sp(s string) *string { return &s }

func stdString(name, min, max string, required, mutable bool) SchemaAttribute {
	return SchemaAttribute{Name: name, AttributeDataType: "String", Mutable: mutable, Required: required,
		StringAttributeConstraints: &StringAttributeConstraints{MinLength: sp(min), MaxLength: sp(max)}}
}

// StandardSchema returns the standard attributes every pool has, in
// Cognito's order, as DescribeUserPool lists them for a pool created with
// defaults (aws-cli example create-user-pool.rst).
func StandardSchema() []SchemaAttribute {
	s := []SchemaAttribute{stdString("sub", "1", "2048", true, false)}
	for _, n := range []string{"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
		"profile", "picture", "website", "email"} {
		s = append(s, stdString(n, "0", "2048", false, true))
	}
	s = append(s, SchemaAttribute{Name: "email_verified", AttributeDataType: "Boolean", Mutable: true})
	s = append(s, stdString("gender", "0", "2048", false, true))
	s = append(s, stdString("birthdate", "10", "10", false, true))
	s = append(s, stdString("zoneinfo", "0", "2048", false, true))
	s = append(s, stdString("locale", "0", "2048", false, true))
	s = append(s, stdString("phone_number", "0", "2048", false, true))
	s = append(s, SchemaAttribute{Name: "phone_number_verified", AttributeDataType: "Boolean", Mutable: true})
	s = append(s, stdString("address", "0", "2048", false, true))
	s = append(s, SchemaAttribute{Name: "updated_at", AttributeDataType: "Number", Mutable: true,
		NumberAttributeConstraints: &NumberAttributeConstraints{MinValue: sp("0")}})
	return s
}

// IsStandardAttribute reports whether name is one of the standard
// attributes.
func IsStandardAttribute(name string) bool {
	for _, a := range StandardSchema() {
		if a.Name == name {
			return true
		}
	}
	return false
}

// BuildSchema merges the Schema of a CreateUserPool request into the standard
// schema: entries naming a standard attribute override its Required, Mutable
// and constraints; other entries become custom attributes ("custom:" prefix,
// "dev:custom:" for developer-only ones).
func BuildSchema(requested []SchemaAttribute) ([]SchemaAttribute, error) {
	schema := StandardSchema()
	index := map[string]int{}
	for i, a := range schema {
		index[a.Name] = i
	}
	for _, r := range requested {
		if i, ok := index[r.Name]; ok {
			std := &schema[i]
			if r.AttributeDataType != "" && r.AttributeDataType != std.AttributeDataType {
				return nil, fault.Errorf(fault.InvalidParameter, "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.")
			}
			if r.Name == "sub" {
				continue
			}
			std.Required = r.Required
			std.Mutable = r.Mutable
			if r.StringAttributeConstraints != nil && std.AttributeDataType == "String" {
				std.StringAttributeConstraints = r.StringAttributeConstraints
			}
			if r.NumberAttributeConstraints != nil && std.AttributeDataType == "Number" {
				std.NumberAttributeConstraints = r.NumberAttributeConstraints
			}
			continue
		}
		c, err := customAttribute(r)
		if err != nil {
			return nil, err
		}
		if _, dup := index[c.Name]; dup {
			return nil, fault.Errorf(fault.InvalidParameter, "Duplicate attribute name %s.", c.Name)
		}
		index[c.Name] = len(schema)
		schema = append(schema, c)
	}
	return schema, nil
}

var customNameRE = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,20}$`)

// customAttribute validates a custom attribute definition and gives it its
// stored name.
func customAttribute(r SchemaAttribute) (SchemaAttribute, error) {
	name := strings.TrimPrefix(strings.TrimPrefix(r.Name, "dev:"), "custom:")
	if !customNameRE.MatchString(name) {
		return SchemaAttribute{}, fault.Errorf(fault.InvalidParameter, "Invalid custom attribute name %s.", r.Name)
	}
	if r.Required {
		return SchemaAttribute{}, fault.New(fault.InvalidParameter, "Required custom attributes are not supported currently.")
	}
	c := r
	c.Name = "custom:" + name
	if r.DeveloperOnlyAttribute {
		c.Name = "dev:custom:" + name
	}
	switch c.AttributeDataType {
	case "String":
		if c.StringAttributeConstraints == nil {
			c.StringAttributeConstraints = &StringAttributeConstraints{}
		}
		c.NumberAttributeConstraints = nil
	case "Number":
		if c.NumberAttributeConstraints == nil {
			c.NumberAttributeConstraints = &NumberAttributeConstraints{}
		}
		c.StringAttributeConstraints = nil
	case "DateTime", "Boolean":
		c.StringAttributeConstraints, c.NumberAttributeConstraints = nil, nil
	case "":
		c.AttributeDataType = "String"
		c.StringAttributeConstraints = &StringAttributeConstraints{}
	default:
		return SchemaAttribute{}, fault.New(fault.InvalidParameter, "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.")
	}
	return c, nil
}

// AddCustomAttributes appends custom attributes to a pool's schema, as
// AddCustomAttributes does.
func AddCustomAttributes(schema []SchemaAttribute, add []SchemaAttribute) ([]SchemaAttribute, error) {
	out := append([]SchemaAttribute(nil), schema...)
	for _, r := range add {
		c, err := customAttribute(r)
		if err != nil {
			return nil, err
		}
		for _, e := range out {
			if e.Name == c.Name {
				return nil, fault.Errorf(fault.InvalidParameter, "%s: Existing attribute already has name %s.", c.Name, c.Name)
			}
		}
		if len(out) >= 50+len(StandardSchema()) {
			return nil, fault.New(fault.LimitExceeded, "Exceeded limit of 50 custom attributes.")
		}
		out = append(out, c)
	}
	return out, nil
}

// AttributeWrite says who writes attributes, which changes the rules.
type AttributeWrite int

const (
	// WriteCreate is the initial write of SignUp or AdminCreateUser:
	// immutable attributes may be set.
	WriteCreate AttributeWrite = iota
	// WriteUpdate is any later change: immutable attributes are refused.
	WriteUpdate
)

// schemaError builds Cognito's "Attributes did not conform to the schema"
// error from one line per attribute.
func schemaError(lines []string) error {
	var b strings.Builder
	b.WriteString("Attributes did not conform to the schema: ")
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString("\n")
	}
	return fault.New(fault.InvalidParameter, b.String())
}

// CheckAttributes validates attribute values against the schema. sub can
// never be written. Unknown attributes, immutable ones on update, bad types
// and lengths are reported in one error, in request order.
func (s *Settings) CheckAttributes(attrs []storage.Attribute, mode AttributeWrite) error {
	var lines []string
	for _, a := range attrs {
		def := s.Attribute(a.Name)
		if def == nil {
			lines = append(lines, a.Name+": Attribute does not exist in the schema.")
			continue
		}
		if a.Name == "sub" {
			// UNCONFIRMED: Cognito's exact wording for writing sub.
			lines = append(lines, "sub: Attribute cannot be updated.")
			continue
		}
		if mode == WriteUpdate && !def.Mutable {
			// UNCONFIRMED wording; "Attribute cannot be updated." is what
			// Cognito reports for immutable attributes elsewhere.
			lines = append(lines, a.Name+": Attribute cannot be updated.")
			continue
		}
		if msg := checkValue(def, a.Value); msg != "" {
			lines = append(lines, a.Name+": "+msg)
		}
	}
	if len(lines) > 0 {
		return schemaError(lines)
	}
	return nil
}

// CheckRequired reports required attributes missing from attrs.
func (s *Settings) CheckRequired(attrs []storage.Attribute) error {
	have := map[string]bool{}
	for _, a := range attrs {
		if a.Value != "" {
			have[a.Name] = true
		}
	}
	var lines []string
	for _, d := range s.SchemaAttributes {
		if d.Required && d.Name != "sub" && !have[d.Name] {
			lines = append(lines, d.Name+": The attribute is required")
		}
	}
	if len(lines) > 0 {
		return schemaError(lines)
	}
	return nil
}

var phoneRE = regexp.MustCompile(`^\+[0-9]{4,15}$`)

func checkValue(def *SchemaAttribute, v string) string {
	switch def.Name {
	case "phone_number":
		if !phoneRE.MatchString(v) {
			return "Invalid phone number format."
		}
	case "email":
		// No white space and no control character (a CR or NUL would
		// reach mail headers and logs).
		if !strings.Contains(v, "@") || strings.ContainsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) || len(v) < 3 {
			return "Invalid email address format."
		}
	}
	switch def.AttributeDataType {
	case "Boolean":
		if v != "true" && v != "false" {
			return "Attribute value for " + def.Name + " must be either true or false." // UNCONFIRMED wording
		}
	case "Number":
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return "Number attribute value must be a number." // UNCONFIRMED wording
		}
		if c := def.NumberAttributeConstraints; c != nil {
			if c.MinValue != nil {
				if min, err := strconv.ParseFloat(*c.MinValue, 64); err == nil && n < min {
					return fmt.Sprintf("Number must be greater than or equal to %s.", *c.MinValue)
				}
			}
			if c.MaxValue != nil {
				if max, err := strconv.ParseFloat(*c.MaxValue, 64); err == nil && n > max {
					return fmt.Sprintf("Number must be less than or equal to %s.", *c.MaxValue)
				}
			}
		}
	case "DateTime":
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return "Invalid date format." // UNCONFIRMED wording
			}
		}
	default:
		n := utf8.RuneCountInString(v)
		max := 2048
		min := 0
		if c := def.StringAttributeConstraints; c != nil {
			if c.MaxLength != nil {
				if m, err := strconv.Atoi(*c.MaxLength); err == nil {
					max = m
				}
			}
			if c.MinLength != nil {
				if m, err := strconv.Atoi(*c.MinLength); err == nil {
					min = m
				}
			}
		}
		if n > max {
			return fmt.Sprintf("String must be no longer than %d characters", max)
		}
		if n < min {
			return fmt.Sprintf("String must be no shorter than %d characters", min)
		}
	}
	return ""
}

// GetAttribute returns the value of attribute name and whether it is set.
func GetAttribute(attrs []storage.Attribute, name string) (string, bool) {
	for _, a := range attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// SetAttributes returns attrs with every attribute of set applied: existing
// names are replaced in place, new ones appended, and an empty value deletes.
func SetAttributes(attrs []storage.Attribute, set ...storage.Attribute) []storage.Attribute {
	out := append([]storage.Attribute(nil), attrs...)
	for _, s := range set {
		found := false
		for i := range out {
			if out[i].Name == s.Name {
				out[i].Value = s.Value
				found = true
				break
			}
		}
		if !found {
			out = append(out, s)
		}
	}
	return DeleteAttributes(out, emptyNames(out)...)
}

func emptyNames(attrs []storage.Attribute) []string {
	var n []string
	for _, a := range attrs {
		if a.Value == "" {
			n = append(n, a.Name)
		}
	}
	return n
}

// DeleteAttributes returns attrs without the named attributes.
func DeleteAttributes(attrs []storage.Attribute, names ...string) []storage.Attribute {
	if len(names) == 0 {
		return attrs
	}
	drop := map[string]bool{}
	for _, n := range names {
		drop[n] = true
	}
	out := attrs[:0:0]
	for _, a := range attrs {
		if !drop[a.Name] {
			out = append(out, a)
		}
	}
	return out
}
