package bootstrap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file reads yaml.v3 nodes: mappings with known keys, scalars of a
// kind, and blocks handed to the request shapes through JSON, keeping each
// value's line for the problems found in it.

// mapping walks a mapping node, reporting duplicate and unknown keys.
type mapping struct {
	node   *yaml.Node
	field  string
	values map[string]*yaml.Node
	keys   map[string]*yaml.Node
}

// readMapping reads n as a mapping with the keys allowed; ok is false (and a
// problem recorded) when n is not a mapping.
func readMapping(ps *problems, n *yaml.Node, field string, allowed ...string) (*mapping, bool) {
	m := &mapping{node: n, field: field, values: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	if n.Kind != yaml.MappingNode {
		ps.add(n, field, "must be a mapping (key: value)")
		return m, false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		switch {
		case k.Kind != yaml.ScalarNode:
			ps.add(k, field, "a key must be a plain name")
			continue
		case m.values[name] != nil:
			ps.add(k, join(field, name), "is given twice")
			continue
		}
		known := false
		for _, a := range allowed {
			if a == name {
				known = true
			}
		}
		if !known {
			ps.add(k, join(field, name), "is not a known key (want one of %s)", strings.Join(allowed, ", "))
			continue
		}
		m.values[name] = v
		m.keys[name] = k
	}
	return m, true
}

func join(field, name string) string {
	if field == "" {
		return name
	}
	return field + "." + name
}

// str reads key as a string scalar; "" when absent.
func (m *mapping) str(ps *problems, key string) (string, *yaml.Node) {
	n := m.values[key]
	if n == nil {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		ps.add(n, join(m.field, key), "must be a string")
		return "", n
	}
	return n.Value, n
}

// boolean reads key as true or false; nil when absent.
func (m *mapping) boolean(ps *problems, key string) *bool {
	n := m.values[key]
	if n == nil {
		return nil
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		ps.add(n, join(m.field, key), "must be true or false")
		return nil
	}
	return &b
}

// integer reads key as a 32-bit integer; nil when absent.
func (m *mapping) integer(ps *problems, key string) *int32 {
	n := m.values[key]
	if n == nil {
		return nil
	}
	v, err := strconv.ParseInt(n.Value, 10, 32)
	if n.Kind != yaml.ScalarNode || err != nil {
		ps.add(n, join(m.field, key), "must be a whole number")
		return nil
	}
	i := int32(v)
	return &i
}

// list returns key's items (nil when absent), reporting a value that is
// not a sequence.
func (m *mapping) list(ps *problems, key string) []*yaml.Node {
	n := m.values[key]
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		ps.add(n, join(m.field, key), "must be a list")
		return nil
	}
	return n.Content
}

// strings reads key as a list of strings.
func (m *mapping) strings(ps *problems, key string) ([]string, []*yaml.Node) {
	var out []string
	items := m.list(ps, key)
	for i, n := range items {
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			ps.add(n, fmt.Sprintf("%s[%d]", join(m.field, key), i), "must be a string")
			continue
		}
		out = append(out, n.Value)
	}
	return out, items
}

// decodeShape reads a block of the API's request members (n) into shape,
// a pointer to a request struct, rejecting unknown members and values of
// the wrong type, each reported at its line. Members in forbidden are
// refused (they are given elsewhere in the file).
func decodeShape(ps *problems, n *yaml.Node, field string, shape any, forbidden ...string) bool {
	if n.Kind != yaml.MappingNode {
		ps.add(n, field, "must be a mapping of request members")
		return false
	}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		for _, f := range forbidden {
			if n.Content[i].Value == f {
				ps.add(n.Content[i], join(field, f), "is given by the entry itself, not in %s", field)
				ok = false
			}
		}
	}
	var v any
	if err := n.Decode(&v); err != nil {
		ps.add(n, field, "%v", err)
		return false
	}
	b, err := json.Marshal(jsonable(v))
	if err != nil {
		ps.add(n, field, "%v", err)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(shape); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			at := find(n, strings.Split(te.Field, "."), false)
			ps.add(at, join(field, te.Field), "must be %s", kindName(te.Type.String()))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
			at := findKey(n, name)
			ps.add(at, join(field, name), "is not a member of this request")
		default:
			ps.add(n, field, "%v", err)
		}
		return false
	}
	return ok
}

// jsonable turns what yaml.v3 decodes into values encoding/json takes
// (maps with string keys).
func jsonable(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = jsonable(e)
		}
		return t
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[fmt.Sprint(k)] = jsonable(e)
		}
		return out
	case []any:
		for i, e := range t {
			t[i] = jsonable(e)
		}
		return t
	default:
		return v
	}
}

func kindName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["), strings.Contains(goType, "."):
		return "a mapping"
	case strings.Contains(goType, "int"), strings.Contains(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	default:
		return "a " + goType
	}
}

// findKey returns the key node name in mapping n (n itself if absent).
func findKey(n *yaml.Node, name string) *yaml.Node {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				return n.Content[i]
			}
		}
	}
	return n
}

// find follows path (mapping keys and list indexes) from n and returns the
// deepest node reached. With aws set, path is a validation message's member
// path: keys in camel case ("policies.passwordPolicy"), list elements as
// "<1-based index>.member".
func find(n *yaml.Node, path []string, aws bool) *yaml.Node {
	cur := n
	for i := 0; i < len(path); i++ {
		p := path[i]
		switch cur.Kind {
		case yaml.MappingNode:
			next := (*yaml.Node)(nil)
			for j := 0; j+1 < len(cur.Content); j += 2 {
				k := cur.Content[j].Value
				if k == p || (aws && strings.EqualFold(k, p)) {
					next = cur.Content[j+1]
					if next.Kind == yaml.ScalarNode {
						next = cur.Content[j] // point at the key line of a scalar
						if i == len(path)-1 {
							return cur.Content[j+1]
						}
					}
					break
				}
			}
			if next == nil {
				return cur
			}
			cur = next
		case yaml.SequenceNode:
			idx, err := strconv.Atoi(p)
			if aws {
				idx--
				if i+1 < len(path) && path[i+1] == "member" {
					i++
				}
			}
			if err != nil || idx < 0 || idx >= len(cur.Content) {
				return cur
			}
			cur = cur.Content[idx]
		default:
			return cur
		}
	}
	return cur
}

// validation reports the violations of a generated Validate's message,
// each at the line of the member it names inside block n.
func validation(ps *problems, n *yaml.Node, field string, err error, rename func(string) string) {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, " detected: "); ok {
		msg = rest
	}
	// Violations are joined by "; " and each starts with "Value ".
	parts := splitViolations(msg)
	for _, v := range parts {
		path := ""
		if i := strings.Index(v, "' failed to satisfy constraint"); i >= 0 {
			if j := strings.LastIndex(v[:i], "'"); j >= 0 {
				path = v[j+1 : i]
			}
		}
		at := n
		name := field
		segs := strings.Split(path, ".")
		if rename != nil {
			segs[0] = rename(segs[0])
		}
		if path != "" && segs[0] != "" {
			at = find(n, segs, true)
			name = join(field, strings.Join(segs, "."))
		}
		ps.add(at, name, "%s", v)
	}
}

func splitViolations(msg string) []string {
	var out []string
	for {
		i := strings.Index(msg, "; Value ")
		if i < 0 {
			return append(out, msg)
		}
		out = append(out, msg[:i])
		msg = msg[i+2:]
	}
}
