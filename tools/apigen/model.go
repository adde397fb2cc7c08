package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// Model is the part of a botocore service model (service-2.json) that apigen reads.
// Decoding is strict: a key apigen does not know makes loading fail, so a model update that
// brings a new constraint trait cannot be silently ignored.
type Model struct {
	Version       string                `json:"version"`
	Metadata      Metadata              `json:"metadata"`
	Operations    map[string]*Operation `json:"operations"`
	Shapes        map[string]*Shape     `json:"shapes"`
	Documentation string                `json:"documentation"`
}

// Metadata is the model's service metadata.
type Metadata struct {
	APIVersion       string   `json:"apiVersion"`
	EndpointPrefix   string   `json:"endpointPrefix"`
	JSONVersion      string   `json:"jsonVersion"`
	Protocol         string   `json:"protocol"`
	Protocols        []string `json:"protocols"`
	ServiceFullName  string   `json:"serviceFullName"`
	ServiceID        string   `json:"serviceId"`
	SignatureVersion string   `json:"signatureVersion"`
	TargetPrefix     string   `json:"targetPrefix"`
	UID              string   `json:"uid"`
	Auth             []string `json:"auth"`
}

// Operation is one API operation.
type Operation struct {
	Name          string          `json:"name"`
	HTTP          json.RawMessage `json:"http"`
	Input         *ShapeRef       `json:"input"`
	Output        *ShapeRef       `json:"output"`
	Errors        []ShapeRef      `json:"errors"`
	Documentation string          `json:"documentation"`
	Auth          []string        `json:"auth"`
	AuthType      string          `json:"authtype"`
}

// Unsigned reports whether SDKs call the operation without SigV4.
func (op *Operation) Unsigned() bool {
	if op.AuthType == "none" {
		return true
	}
	for _, a := range op.Auth {
		if a == "smithy.api#noAuth" {
			return true
		}
	}
	return false
}

// ShapeRef is a reference to a shape: an operation's input or output, a structure member, a
// list member, a map key or value.
type ShapeRef struct {
	Shape             string `json:"shape"`
	Documentation     string `json:"documentation"`
	Box               bool   `json:"box"`
	Deprecated        bool   `json:"deprecated"`
	DeprecatedMessage string `json:"deprecatedMessage"`
}

// Shape is one model shape.
type Shape struct {
	Type          string    `json:"type"`
	Members       Members   `json:"members"`
	Required      []string  `json:"required"`
	Member        *ShapeRef `json:"member"`
	Key           *ShapeRef `json:"key"`
	Value         *ShapeRef `json:"value"`
	Min           *int64    `json:"min"`
	Max           *int64    `json:"max"`
	Pattern       *string   `json:"pattern"`
	Enum          []string  `json:"enum"`
	Exception     bool      `json:"exception"`
	Fault         bool      `json:"fault"`
	Sensitive     bool      `json:"sensitive"`
	Document      bool      `json:"document"`
	Documentation string    `json:"documentation"`

	name string // the shape's model name, set by loadModel
}

// IsRequired reports whether the structure member name is required.
func (s *Shape) IsRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// Member is a structure member, in model declaration order.
type Member struct {
	Name string
	ShapeRef
}

// Members keeps structure members in declaration order, which encoding/json's maps would lose.
type Members []Member

// UnmarshalJSON decodes a JSON object of member name → ShapeRef keeping key order.
func (ms *Members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("members: want object, got %v", tok)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name := tok.(string)
		if seen[name] {
			return fmt.Errorf("members: duplicate member %q", name)
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		var ref ShapeRef
		if err := strictUnmarshal(raw, &ref); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*ms = append(*ms, Member{Name: name, ShapeRef: ref})
	}
	_, err = dec.Token()
	return err
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after JSON value")
	}
	return nil
}

// loadModel decodes and checks a model.
func loadModel(b []byte) (*Model, error) {
	var m Model
	if err := strictUnmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decoding model: %w", err)
	}
	for name, s := range m.Shapes {
		s.name = name
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

// check verifies that every reference resolves and that the model uses only constructs apigen
// knows how to generate.
func (m *Model) check() error {
	ref := func(where string, r *ShapeRef) error {
		if r == nil {
			return fmt.Errorf("%s: missing shape reference", where)
		}
		if _, ok := m.Shapes[r.Shape]; !ok {
			return fmt.Errorf("%s: unknown shape %q", where, r.Shape)
		}
		return nil
	}
	for _, name := range sortedKeys(m.Operations) {
		op := m.Operations[name]
		if op.Name != name {
			return fmt.Errorf("operation %s: name field is %q", name, op.Name)
		}
		if err := ref("operation "+name+" input", op.Input); err != nil {
			return err
		}
		if op.Output != nil {
			if err := ref("operation "+name+" output", op.Output); err != nil {
				return err
			}
		}
		for i := range op.Errors {
			if err := ref("operation "+name+" error", &op.Errors[i]); err != nil {
				return err
			}
			if !m.Shapes[op.Errors[i].Shape].Exception {
				return fmt.Errorf("operation %s: error %s is not an exception shape", name, op.Errors[i].Shape)
			}
		}
	}
	for _, name := range sortedKeys(m.Shapes) {
		s := m.Shapes[name]
		where := "shape " + name
		switch s.Type {
		case "structure":
			for _, r := range s.Required {
				found := false
				for _, mem := range s.Members {
					found = found || mem.Name == r
				}
				if !found {
					return fmt.Errorf("%s: required member %q is not a member", where, r)
				}
			}
			for i := range s.Members {
				if err := ref(where+" member "+s.Members[i].Name, &s.Members[i].ShapeRef); err != nil {
					return err
				}
			}
		case "list":
			if err := ref(where+" member", s.Member); err != nil {
				return err
			}
		case "map":
			if err := ref(where+" key", s.Key); err != nil {
				return err
			}
			if err := ref(where+" value", s.Value); err != nil {
				return err
			}
			if k := m.Shapes[s.Key.Shape]; k.Type != "string" {
				return fmt.Errorf("%s: map key type %s is not supported", where, k.Type)
			}
		case "string", "boolean", "integer", "long", "timestamp", "blob", "float", "double":
		default:
			return fmt.Errorf("%s: unsupported shape type %q", where, s.Type)
		}
		if s.Pattern != nil && s.Type != "string" {
			return fmt.Errorf("%s: pattern on a %s shape", where, s.Type)
		}
		if s.Enum != nil && s.Type != "string" {
			return fmt.Errorf("%s: enum on a %s shape", where, s.Type)
		}
		if (s.Min != nil || s.Max != nil) && s.Type == "structure" {
			return fmt.Errorf("%s: min/max on a structure", where)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
