package token

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// Edit changes the claims of a token before it is signed (pre token
// generation, in package authflow). It receives the payload as a map:
// strings, json.Number, bool, []any and map[string]any as
// encoding/json decodes them (with UseNumber), and may add, replace or
// delete members; values it sets may be anything encoding/json encodes
// (json.RawMessage included). The claims keep their order; added ones
// follow, by name.
type Edit func(claims map[string]any)

// applyEdit runs edit over a marshalled payload and marshals the result.
func applyEdit(payload []byte, edit Edit) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return nil, fmt.Errorf("token: editing claims: %w", err)
	}
	var order []string
	claims := map[string]any{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("token: editing claims: %w", err)
		}
		name, _ := t.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("token: editing claims: %w", err)
		}
		order = append(order, name)
		claims[name] = v
	}
	edit(claims)
	var added []string
	for name := range claims {
		if !slices.Contains(order, name) {
			added = append(added, name)
		}
	}
	slices.Sort(added)
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for _, name := range append(order, added...) {
		v, ok := claims[name]
		if !ok {
			continue
		}
		k, err := marshalNoEscape(name)
		if err != nil {
			return nil, err
		}
		val, err := marshalNoEscape(v)
		if err != nil {
			return nil, err
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
