package layers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The public package userpooldtest (the test server other modules import)
// wraps the internal packages and exposes none of their types; nothing in
// userpoold imports it.

const public = "github.com/userpoold/userpoold/userpooldtest"

// publicAllowed are the internal packages userpooldtest may import: the
// wiring, its configuration, the bootstrap format, the test clock and the
// SDK transport fix.
var publicAllowed = map[string]bool{
	module + "sdkhttp":   true,
	module + "server":    true,
	module + "config":    true,
	module + "bootstrap": true,
	module + "fakeclock": true,
}

// The cognito-local converter reads files and writes YAML; it knows
// nothing of userpoold.
func init() {
	forbidden["cognitolocal"] = []string{"net/http", module + "storage", module + "userpool", module + "bootstrap", module + "server", module + "cognitoidp"}
}

func TestPublicPackageImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		pkg, imports := f[0], f[1:]
		for _, imp := range imports {
			if pkg != public && imp == public {
				t.Errorf("%s imports userpooldtest, which only other modules' tests may use", pkg)
			}
			if pkg == public && strings.HasPrefix(imp, module) && !publicAllowed[imp] {
				t.Errorf("userpooldtest imports %s; it may import only %v", imp, keys(publicAllowed))
			}
		}
	}
}

// TestPublicAPIHasNoInternalTypes type-checks userpooldtest's exported
// surface (from the compiler's export data) and fails on any exported
// function, method, field, variable or constant whose type names a type of
// an internal package: another module could not name it.
func TestPublicAPIHasNoInternalTypes(t *testing.T) {
	out, err := exec.Command("go", "list", "-export", "-deps", "-json=ImportPath,Export", public).Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	exports := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct{ ImportPath, Export string }
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		exports[p.ImportPath] = p.Export
	}
	imp := importer.ForCompiler(token.NewFileSet(), "gc", func(path string) (io.ReadCloser, error) {
		return os.Open(exports[path])
	})
	pkg, err := imp.Import(public)
	if err != nil {
		t.Fatalf("importing userpooldtest: %v", err)
	}
	n := 0
	for _, name := range pkg.Scope().Names() {
		obj := pkg.Scope().Lookup(name)
		if !obj.Exported() {
			continue
		}
		n++
		seen := map[types.Type]bool{}
		if tn, ok := obj.(*types.TypeName); ok {
			named, _ := tn.Type().(*types.Named)
			if named != nil {
				for i := range named.NumMethods() {
					if m := named.Method(i); m.Exported() {
						checkType(t, name+"."+m.Name(), m.Type(), seen)
					}
				}
			}
			checkType(t, name, tn.Type().Underlying(), seen)
			continue
		}
		checkType(t, name, obj.Type(), seen)
	}
	if n < 5 {
		t.Fatalf("only %d exported names found in userpooldtest; the check is not looking at it", n)
	}
}

// checkType reports an internal named type reachable from typ through
// exported parts.
func checkType(t *testing.T, where string, typ types.Type, seen map[types.Type]bool) {
	if seen[typ] {
		return
	}
	seen[typ] = true
	switch x := typ.(type) {
	case *types.Named:
		if p := x.Obj().Pkg(); p != nil && strings.Contains(p.Path(), "/internal/") && strings.HasPrefix(p.Path(), "github.com/userpoold/") {
			t.Errorf("userpooldtest.%s exposes %s.%s", where, p.Path(), x.Obj().Name())
		}
	case *types.Pointer:
		checkType(t, where, x.Elem(), seen)
	case *types.Slice:
		checkType(t, where, x.Elem(), seen)
	case *types.Array:
		checkType(t, where, x.Elem(), seen)
	case *types.Map:
		checkType(t, where, x.Key(), seen)
		checkType(t, where, x.Elem(), seen)
	case *types.Chan:
		checkType(t, where, x.Elem(), seen)
	case *types.Signature:
		for i := range x.Params().Len() {
			checkType(t, where, x.Params().At(i).Type(), seen)
		}
		for i := range x.Results().Len() {
			checkType(t, where, x.Results().At(i).Type(), seen)
		}
	case *types.Struct:
		for i := range x.NumFields() {
			if f := x.Field(i); f.Exported() {
				checkType(t, where+"."+f.Name(), f.Type(), seen)
			}
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, strings.TrimPrefix(k, module))
	}
	return out
}
