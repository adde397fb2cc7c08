package apiserver

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/userpool"
)

// The stored pool and client documents have two readers: this package reads
// them as the wire types (poolDoc, clientDoc) to render Describe*, and
// package userpool reads and writes them (Settings, ClientSettings). The
// tests below fill every member of the wire shape, pass the document
// through the domain type and back, and fail when anything is lost or
// changed: a member the domain type does not know, spells differently,
// types differently, or makes present or absent where the wire did not.
// The same goes for the requests converted into domain values (recode).

// fillMode says how fill sets members.
type fillMode int

const (
	// filled: every member set to a distinctive non-zero value, every
	// list with one element.
	filled fillMode = iota
	// zeroed: every member present with its zero value (false, 0, ""),
	// every list with one zeroed element, so that absent and zero cannot
	// be confused.
	zeroed
	// hollow: every struct member present, every other member left out, so
	// that members the wire leaves out stay out.
	hollow
	// emptyLists: as hollow, but every list and map present and empty.
	emptyLists
)

var fillModes = []fillMode{filled, zeroed, hollow, emptyLists}

func (m fillMode) String() string { return [...]string{"filled", "zeroed", "hollow", "emptyLists"}[m] }

// fill sets the members of the struct v points to, except the top-level
// members named in skip.
func fill(v reflect.Value, mode fillMode, skip ...string) {
	s := v.Elem()
	for i := range s.NumField() {
		f := s.Type().Field(i)
		if !f.IsExported() || slices.Contains(skip, f.Name) {
			continue
		}
		if f.Anonymous {
			fill(s.Field(i).Addr(), mode, skip...)
			continue
		}
		switch k := f.Type.Kind(); {
		case mode == hollow && !isStructPointer(f.Type),
			mode == emptyLists && !isStructPointer(f.Type) && k != reflect.Slice && k != reflect.Map:
			continue
		}
		setValue(s.Field(i), mode)
	}
}

func isStructPointer(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct
}

// setValue gives a member of any kind the value mode calls for.
func setValue(f reflect.Value, mode fillMode) {
	switch f.Kind() {
	case reflect.Pointer:
		p := reflect.New(f.Type().Elem())
		if p.Elem().Kind() == reflect.Struct {
			if ts, ok := p.Interface().(*cognitoidp.Timestamp); ok {
				if mode == filled {
					ts.Time = wireEpochTime
				}
			} else {
				fill(p, mode)
			}
		} else {
			setValue(p.Elem(), mode)
		}
		f.Set(p)
	case reflect.String:
		if mode == filled {
			f.SetString("value-of-" + f.Type().Name())
		}
	case reflect.Bool:
		f.SetBool(mode == filled)
	case reflect.Int32, reflect.Int64, reflect.Int:
		if mode == filled {
			f.SetInt(7)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(f.Type(), 0, 1)
		if mode == filled || mode == zeroed {
			e := reflect.New(f.Type().Elem()).Elem()
			setValue(e, mode)
			s = reflect.Append(s, e)
		}
		f.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(f.Type())
		if mode == filled {
			k, e := reflect.New(f.Type().Key()).Elem(), reflect.New(f.Type().Elem()).Elem()
			setValue(k, mode)
			setValue(e, mode)
			m.SetMapIndex(k, e)
		}
		f.Set(m)
	case reflect.Struct:
		fill(f.Addr(), mode)
	}
}

// through encodes wire, decodes it into a new D, encodes that, and decodes
// the result into a new value of wire's type, which it returns.
func through[D any](t *testing.T, wire any) any {
	t.Helper()
	b, err := json.Marshal(wire)
	if err != nil {
		t.Fatal(err)
	}
	d := new(D)
	if err := json.Unmarshal(b, d); err != nil {
		t.Fatalf("decoding into %T: %v", d, err)
	}
	b, err = json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	back := reflect.New(reflect.TypeOf(wire).Elem())
	if err := json.Unmarshal(b, back.Interface()); err != nil {
		t.Fatalf("decoding back into %T: %v", back.Interface(), err)
	}
	return back.Interface()
}

// agree checks that wire, filled in every mode except the members named in
// skip, survives a trip through the domain type D unchanged.
func agree[D any](t *testing.T, newWire func() any, skip ...string) {
	t.Helper()
	for _, mode := range fillModes {
		wire := newWire()
		fill(reflect.ValueOf(wire), mode, skip...)
		if got := through[D](t, wire); !reflect.DeepEqual(got, wire) {
			want, _ := json.Marshal(wire)
			have, _ := json.Marshal(got)
			t.Errorf("%s %T through %T:\n got %s\nwant %s", mode, wire, new(D), have, want)
		}
	}
}

// wireEpochTime is a fixed time for the Timestamp members.
var wireEpochTime = time.Date(2030, 9, 3, 8, 7, 5, 0, time.UTC)

// poolRecordMembers are the UserPoolType members that the pool's record
// holds, or that AWS computes, rather than the stored document.
var poolRecordMembers = []string{"Id", "Name", "Arn", "CreationDate", "LastModifiedDate", "EstimatedNumberOfUsers",
	"UserPoolTags", "Status", "SmsConfigurationFailure", "EmailConfigurationFailure", "Domain", "CustomDomain"}

// clientRecordMembers are the UserPoolClientType members the client's
// record holds.
var clientRecordMembers = []string{"UserPoolId", "ClientName", "ClientId", "ClientSecret", "LastModifiedDate", "CreationDate"}

// TestPoolDocumentReaders decodes a fully populated pool document through
// userpool.Settings. (The elements of SchemaAttributes are always stored
// complete, as BuildSchema writes them, so no fill leaves a member of one
// out.)
func TestPoolDocumentReaders(t *testing.T) {
	agree[userpool.Settings](t, func() any { return new(poolDoc) }, poolRecordMembers...)
}

func TestClientDocumentReaders(t *testing.T) {
	agree[userpool.ClientSettings](t, func() any { return new(clientDoc) }, clientRecordMembers...)
}

// TestRequestConversions checks that the requests this package recodes
// into domain values lose no member the domain acts on.
func TestRequestConversions(t *testing.T) {
	agree[userpool.Settings](t, func() any { return new(cognitoidp.CreateUserPoolInput) }, "PoolName", "UserPoolTags", "Schema")
	agree[userpool.Settings](t, func() any { return new(cognitoidp.UpdateUserPoolInput) }, "UserPoolId", "PoolName", "UserPoolTags")
	agree[userpool.ClientSettings](t, func() any { return new(cognitoidp.CreateUserPoolClientInput) },
		"UserPoolId", "ClientName", "GenerateSecret", "ClientSecret")
	agree[userpool.ClientSettings](t, func() any { return new(cognitoidp.UpdateUserPoolClientInput) }, "UserPoolId", "ClientId", "ClientName")
	agree[userpool.MFAConfig](t, func() any { return new(cognitoidp.SetUserPoolMfaConfigInput) }, "UserPoolId")
	agree[userpool.MFAConfig](t, func() any { return new(cognitoidp.GetUserPoolMfaConfigOutput) })
	agree[struct{ CustomAttributes []userpool.SchemaAttribute }](t, func() any { return new(cognitoidp.AddCustomAttributesInput) }, "UserPoolId")
	agree[struct{ Schema []userpool.SchemaAttribute }](t, func() any {
		return new(struct {
			Schema []cognitoidp.SchemaAttributeType
		})
	})
}
