package apiserver

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"github.com/userpoold/userpoold/internal/awsjson"
	"github.com/userpoold/userpoold/internal/fault"
)

// faultKinds returns every Kind constant package fault declares, read from
// its source so that a new constant cannot be missed.
func faultKinds(t *testing.T) []fault.Kind {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../fault/fault.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []fault.Kind
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			v := spec.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Kind" {
				continue
			}
			for _, val := range v.Values {
				s, err := strconv.Unquote(val.(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				kinds = append(kinds, fault.Kind(s))
			}
		}
	}
	if len(kinds) == 0 {
		t.Fatal("no Kind constants found in internal/fault")
	}
	return kinds
}

// TestEveryKindIsMapped fails when a fault.Kind has no exception in
// errmap.go (it would reach clients as InternalErrorException) or maps to
// an exception of another name.
func TestEveryKindIsMapped(t *testing.T) {
	for _, k := range faultKinds(t) {
		ctor, ok := exceptions[k]
		if !ok {
			t.Errorf("fault.%s has no exception in errmap.go", k)
			continue
		}
		var api awsjson.APIError
		if !errors.As(ctor("m"), &api) || api.ErrorCode() != string(k)+"Exception" || api.ErrorMessage() != "m" {
			t.Errorf("fault.%s maps to %v", k, ctor("m"))
		}
		if got := mapError(fault.New(k, "m")); !errors.As(got, &api) || api.ErrorCode() != string(k)+"Exception" {
			t.Errorf("mapError(fault.%s) = %v", k, got)
		}
	}
}
