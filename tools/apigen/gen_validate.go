package main

import (
	"fmt"
	"strconv"
	"strings"
)

// validateFile generates validate.go: the validation runtime, one rule variable per
// constrained shape, a Validate method per operation input and a validate method per
// structure that has something to check.
func (g *generator) validateFile() (string, error) {
	rules := map[string]bool{} // shape names whose rule variable is used
	var methods strings.Builder

	for _, opName := range sortedKeys(g.m.Operations) {
		inShape := g.m.Operations[opName].Input.Shape
		typeName := g.typeNames[inShape]
		fmt.Fprintf(&methods, "\n// Validate checks the input against the model's constraints (required members, lengths,\n"+
			"// patterns, enums, ranges) and returns nil or an *InvalidParameterException.\n"+
			"func (in *%s) Validate() error {\n", typeName)
		if g.needsCheck[inShape] {
			fmt.Fprintf(&methods, "\tif in == nil {\n\t\tin = &%s{}\n\t}\n", typeName)
			methods.WriteString("\tvar v validator\n\tin.validate(&v, \"\", false)\n\treturn v.err()\n}\n")
		} else {
			methods.WriteString("\treturn nil\n}\n")
		}
	}

	for _, name := range sortedByType(g) {
		s := g.m.Shapes[name]
		fmt.Fprintf(&methods, "\nfunc (s *%s) validate(v *validator, prefix string, sens bool) {\n", g.typeNames[name])
		for _, mem := range s.Members {
			if err := g.memberCheck(&methods, s, mem, rules); err != nil {
				return "", fmt.Errorf("shape %s member %s: %w", name, mem.Name, err)
			}
		}
		methods.WriteString("}\n")
	}

	var b strings.Builder
	b.WriteString(fileStart("encoding/json", "reflect", "regexp", "slices", "strconv", "strings", "unicode/utf8"))
	b.WriteString(validateRuntime)

	// Regular expressions, one per distinct pattern used, compiled once.
	usedPatterns := map[string]string{} // Java pattern → variable
	for _, name := range sortedKeys(rules) {
		if p := g.m.Shapes[name].Pattern; p != nil {
			if _, ok := usedPatterns[*p]; !ok {
				usedPatterns[*p] = "re" + name
			}
		}
	}
	if len(usedPatterns) > 0 {
		b.WriteString("\n// Anchored RE2 translations of the model's (Java) patterns; see tools/apigen/pattern.go.\nvar (\n")
		vars := map[string]string{}
		for p, v := range usedPatterns {
			vars[v] = p
		}
		for _, v := range sortedKeys(vars) {
			p := vars[v]
			fmt.Fprintf(&b, "\t%s = regexp.MustCompile(%s)\n", v, goString(g.goPatterns[p]))
		}
		b.WriteString(")\n")
		b.WriteString("\n// The patterns that are one run of ASCII characters, as byte sets (see asciiRun in\n// tools/apigen/pattern.go).\nvar (\n")
		for _, v := range sortedKeys(vars) {
			if lo, hi, min, ok := asciiRun(g.goPatterns[vars[v]]); ok {
				fmt.Fprintf(&b, "\tset%s = &asciiSet{lo: %#x, hi: %#x, min: %d}\n", strings.TrimPrefix(v, "re"), lo, hi, min)
			}
		}
		b.WriteString(")\n")
	}

	b.WriteString("\n// Constraints of the model's shapes.\nvar (\n")
	for _, name := range sortedKeys(rules) {
		s := g.m.Shapes[name]
		switch s.Type {
		case "string":
			var parts []string
			if l := lengthLiteral(s); l != "" {
				parts = append(parts, "length: "+l)
			}
			if s.Pattern != nil {
				re := usedPatterns[*s.Pattern]
				parts = append(parts, "pattern: "+goString(*s.Pattern), "re: "+re)
				if _, _, _, ok := asciiRun(g.goPatterns[*s.Pattern]); ok {
					parts = append(parts, "set: set"+strings.TrimPrefix(re, "re"))
				}
			}
			if s.Enum != nil {
				quoted := make([]string, len(s.Enum))
				for i, e := range s.Enum {
					quoted[i] = strconv.Quote(e)
				}
				parts = append(parts, "enum: []string{"+strings.Join(quoted, ", ")+"}")
			}
			fmt.Fprintf(&b, "\trule%s = &stringRule{%s}\n", name, strings.Join(parts, ", "))
		case "integer", "long":
			fmt.Fprintf(&b, "\trule%s = &numberRule{%s}\n", name, boundsFields(s))
		default: // list, map, blob
			fmt.Fprintf(&b, "\trule%s = &lengthRule{%s}\n", name, boundsFields(s))
		}
	}
	b.WriteString(")\n")
	b.WriteString(methods.String())
	return b.String(), nil
}

// sortedByType returns the structures that need a validate method, sorted by Go type name.
func sortedByType(g *generator) []string {
	byType := map[string]string{}
	for name := range g.needsCheck {
		byType[g.typeNames[name]] = name
	}
	var out []string
	for _, t := range sortedKeys(byType) {
		out = append(out, byType[t])
	}
	return out
}

func boundsFields(s *Shape) string {
	var parts []string
	if s.Min != nil {
		parts = append(parts, fmt.Sprintf("min: %d, hasMin: true", *s.Min))
	}
	if s.Max != nil {
		parts = append(parts, fmt.Sprintf("max: %d, hasMax: true", *s.Max))
	}
	return strings.Join(parts, ", ")
}

func lengthLiteral(s *Shape) string {
	if s.Min == nil && s.Max == nil {
		return ""
	}
	return "lengthRule{" + boundsFields(s) + "}"
}

// goString returns a Go string literal for s, raw when possible.
func goString(s string) string {
	if !strings.ContainsAny(s, "`\r\n") {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// scalarHasRule reports whether a scalar shape carries a constraint.
func scalarHasRule(s *Shape) bool {
	return s.Min != nil || s.Max != nil || s.Pattern != nil || s.Enum != nil
}

// memberCheck writes the checks of one structure member, in the order AWS reports them:
// missing, then length/size, pattern, enum, range, then what is inside.
func (g *generator) memberCheck(b *strings.Builder, owner *Shape, mem Member, rules map[string]bool) error {
	t := g.m.Shapes[mem.Shape]
	req := owner.IsRequired(mem.Name)
	f := "s." + exported(mem.Name)
	path := strconv.Quote(lowerFirst(mem.Name))
	hide := "sens"
	if g.containsSensitive(mem.Shape, map[string]bool{}) {
		hide = "true"
	}
	null := fmt.Sprintf("v.null(prefix, %s)", path)

	// present is the code run when the member is present ("" if nothing to check).
	var present string
	isNil := f + " == nil"
	switch t.Type {
	case "structure":
		if t.Document {
			isNil = "isNullDocument(" + f + ")"
			break
		}
		if g.needsCheck[mem.Shape] {
			present = fmt.Sprintf("%s.validate(v, join(prefix, %s), %s)", f, path, sensArg(t))
		}
	case "string":
		if scalarHasRule(t) {
			rules[mem.Shape] = true
			present = fmt.Sprintf("checkString(v, prefix, %s, *%s, rule%s, %s)", path, f, mem.Shape, hide)
		}
	case "integer", "long":
		if scalarHasRule(t) {
			rules[mem.Shape] = true
			present = fmt.Sprintf("checkNumber(v, prefix, %s, *%s, rule%s, %s)", path, f, mem.Shape, hide)
		}
	case "blob":
		if scalarHasRule(t) {
			rules[mem.Shape] = true
			present = fmt.Sprintf("checkLength(v, prefix, %s, len(%s), %s, rule%s, %s)", path, f, f, mem.Shape, hide)
		}
	case "boolean", "timestamp", "float", "double":
	case "list":
		var lines []string
		if t.Min != nil || t.Max != nil {
			rules[mem.Shape] = true
			lines = append(lines, fmt.Sprintf("checkLength(v, prefix, %s, len(%s), %s, rule%s, %s)", path, f, f, mem.Shape, hide))
		}
		el := g.m.Shapes[t.Member.Shape]
		switch {
		case el.Type == "structure" && g.needsCheck[t.Member.Shape]:
			elSens := "sens"
			if t.Sensitive || el.Sensitive {
				elSens = "true"
			}
			lines = append(lines, fmt.Sprintf("for i := range %s {\n%s[i].validate(v, elemPath(prefix, %s, i), %s)\n}", f, f, path, elSens))
		case el.Type == "string" && scalarHasRule(el):
			rules[t.Member.Shape] = true
			lines = append(lines, fmt.Sprintf("checkStringList(v, prefix, %s, %s, rule%s, %s)", path, f, t.Member.Shape, hide))
		case g.shapeHasChecks(t.Member.Shape):
			return fmt.Errorf("list of %s elements with constraints is not supported", el.Type)
		}
		present = strings.Join(lines, "\n")
	case "map":
		var lines []string
		if t.Min != nil || t.Max != nil {
			rules[mem.Shape] = true
			lines = append(lines, fmt.Sprintf("checkLength(v, prefix, %s, len(%s), %s, rule%s, %s)", path, f, f, mem.Shape, hide))
		}
		if k := g.m.Shapes[t.Key.Shape]; scalarHasRule(k) {
			if k.Enum != nil {
				return fmt.Errorf("map keys of enum type are not supported")
			}
			rules[t.Key.Shape] = true
			lines = append(lines, fmt.Sprintf("checkMapKeys(v, prefix, %s, %s, rule%s, %s)", path, f, t.Key.Shape, hide))
		}
		val := g.m.Shapes[t.Value.Shape]
		switch {
		case val.Type == "structure" && g.needsCheck[t.Value.Shape]:
			valSens := "sens"
			if t.Sensitive || val.Sensitive {
				valSens = "true"
			}
			lines = append(lines, fmt.Sprintf("for _, k := range sortedMapKeys(%s) {\nx := %s[k]\nx.validate(v, entryPath(prefix, %s, k), %s)\n}", f, f, path, valSens))
		case val.Type == "string" && scalarHasRule(val):
			rules[t.Value.Shape] = true
			lines = append(lines, fmt.Sprintf("checkMapValues(v, prefix, %s, %s, rule%s, %s)", path, f, t.Value.Shape, hide))
		case g.shapeHasChecks(t.Value.Shape):
			return fmt.Errorf("map of %s values with constraints is not supported", val.Type)
		}
		present = strings.Join(lines, "\n")
	default:
		return fmt.Errorf("unsupported member type %s", t.Type)
	}

	switch {
	case req && present != "":
		fmt.Fprintf(b, "if %s {\n%s\n} else {\n%s\n}\n", isNil, null, present)
	case req:
		fmt.Fprintf(b, "if %s {\n%s\n}\n", isNil, null)
	case present != "":
		fmt.Fprintf(b, "if %s != nil {\n%s\n}\n", f, present)
	}
	return nil
}

func sensArg(t *Shape) string {
	if t.Sensitive {
		return "true"
	}
	return "sens"
}
