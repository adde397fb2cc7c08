package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"time"
)

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// zeroFields lists the paths of the fields of v that hold a zero value,
// looking into structs, pointers, slices (every element) and maps (every
// value). An empty slice or map, a nil pointer and a zero time count as zero.
// Paths in skip (e.g. "Message.ID") are not reported.
func zeroFields(v any, skip ...string) []string {
	var out []string
	rv := reflect.ValueOf(v)
	walkZero(rv, rv.Type().Name(), skip, &out)
	return out
}

func walkZero(v reflect.Value, path string, skip []string, out *[]string) {
	for _, s := range skip {
		if s == path {
			return
		}
	}
	switch {
	case v.Type() == timeType:
		if v.Interface().(time.Time).IsZero() {
			*out = append(*out, path)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			walkZero(v.Field(i), path+"."+v.Type().Field(i).Name, skip, out)
		}
	case reflect.Pointer:
		if v.IsNil() {
			*out = append(*out, path)
			return
		}
		walkZero(v.Elem(), path, skip, out)
	case reflect.Slice:
		if v.Len() == 0 {
			*out = append(*out, path)
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes: non-empty is enough
		}
		for i := 0; i < v.Len(); i++ {
			walkZero(v.Index(i), fmt.Sprintf("%s[%d]", path, i), skip, out)
		}
	case reflect.Map:
		if v.Len() == 0 {
			*out = append(*out, path)
			return
		}
		iter := v.MapRange()
		for iter.Next() {
			walkZero(iter.Value(), fmt.Sprintf("%s[%v]", path, iter.Key()), skip, out)
		}
	default:
		if v.IsZero() {
			*out = append(*out, path)
		}
	}
}

// diff compares what a store returned (got) with what was stored (want) and
// describes the first differences, or returns "" if they agree. The rules:
//
//   - time.Time values must be Equal (the location may differ);
//   - an empty slice or map (nil or not) must come back nil;
//   - a json.RawMessage and any other []byte must come back byte-equal;
//   - pointers must agree on nil-ness, then on what they point to;
//   - everything else must be ==.
func diff(want, got any) string {
	var out []string
	walkDiff(reflect.ValueOf(want), reflect.ValueOf(got), reflect.TypeOf(want).Name(), &out)
	if len(out) == 0 {
		return ""
	}
	var b bytes.Buffer
	for i, s := range out {
		if i == 8 {
			fmt.Fprintf(&b, "\n\t... and %d more", len(out)-i)
			break
		}
		b.WriteString("\n\t")
		b.WriteString(s)
	}
	return b.String()
}

func walkDiff(w, g reflect.Value, path string, out *[]string) {
	if w.Type() == timeType {
		wt, gt := w.Interface().(time.Time), g.Interface().(time.Time)
		if !wt.Equal(gt) {
			*out = append(*out, fmt.Sprintf("%s: want %v, got %v", path, wt.Format(time.RFC3339Nano), gt.Format(time.RFC3339Nano)))
		}
		return
	}
	switch w.Kind() {
	case reflect.Struct:
		for i := 0; i < w.NumField(); i++ {
			walkDiff(w.Field(i), g.Field(i), path+"."+w.Type().Field(i).Name, out)
		}
	case reflect.Pointer:
		switch {
		case w.IsNil() && g.IsNil():
		case w.IsNil() != g.IsNil():
			*out = append(*out, fmt.Sprintf("%s: want nil=%v, got nil=%v", path, w.IsNil(), g.IsNil()))
		default:
			walkDiff(w.Elem(), g.Elem(), path, out)
		}
	case reflect.Slice, reflect.Map:
		if w.Len() == 0 {
			if !g.IsNil() {
				*out = append(*out, fmt.Sprintf("%s: want nil (empty is returned as nil), got %#v", path, g.Interface()))
			}
			return
		}
		if w.Kind() == reflect.Slice && w.Type().Elem().Kind() == reflect.Uint8 {
			if !bytes.Equal(w.Bytes(), g.Bytes()) {
				if w.Type() == rawType {
					*out = append(*out, fmt.Sprintf("%s: want %q, got %q (must be byte-equal)", path, w.Bytes(), g.Bytes()))
				} else {
					*out = append(*out, fmt.Sprintf("%s: want %x, got %x", path, w.Bytes(), g.Bytes()))
				}
			}
			return
		}
		if w.Len() != g.Len() {
			*out = append(*out, fmt.Sprintf("%s: want %d elements, got %d: %#v", path, w.Len(), g.Len(), g.Interface()))
			return
		}
		if w.Kind() == reflect.Slice {
			for i := 0; i < w.Len(); i++ {
				walkDiff(w.Index(i), g.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
			}
			return
		}
		iter := w.MapRange()
		for iter.Next() {
			gv := g.MapIndex(iter.Key())
			if !gv.IsValid() {
				*out = append(*out, fmt.Sprintf("%s[%v]: missing", path, iter.Key()))
				continue
			}
			walkDiff(iter.Value(), gv, fmt.Sprintf("%s[%v]", path, iter.Key()), out)
		}
	default:
		if !w.Equal(g) {
			*out = append(*out, fmt.Sprintf("%s: want %#v, got %#v", path, w.Interface(), g.Interface()))
		}
	}
}
