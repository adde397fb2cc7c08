package main

// Fixed (model-independent) Go source that apigen copies into the generated package.

const supportRuntime = `
// Timestamp is a point in time as the AWS JSON 1.1 protocol sends it: a JSON number of seconds
// since the Unix epoch. It marshals with millisecond precision in the form AWS's Java services
// write (Java's Double.toString), e.g. 1.682955829578E9 — see the sample response of
// AdminGetUser in the Amazon Cognito API Reference — and unmarshals any JSON number.
type Timestamp struct{ time.Time }

// Time returns a pointer to a Timestamp holding t.
func Time(t time.Time) *Timestamp { return &Timestamp{Time: t} }

// MarshalJSON writes t as epoch seconds with millisecond precision.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return appendJavaDouble(nil, float64(t.UnixMilli())/1000), nil
}

// UnmarshalJSON reads a JSON number of epoch seconds (fraction and exponent allowed) exactly,
// to the nanosecond. JSON null leaves t unchanged.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	sec, nsec, err := parseEpochSeconds(s)
	if err != nil {
		return err
	}
	t.Time = time.Unix(sec, nsec).UTC()
	return nil
}

// appendJavaDouble appends f the way Java's Double.toString writes it: the shortest decimal
// that reads back as f, plain for 1e-3 <= |f| < 1e7 ("1234.5", "100.0"), otherwise in
// computerized scientific notation ("1.682955829578E9", "1.0E9").
func appendJavaDouble(b []byte, f float64) []byte {
	if f == 0 {
		return append(b, "0.0"...)
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		b = append(b, s...)
		if !strings.Contains(s, ".") {
			b = append(b, ".0"...)
		}
		return b
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // e.g. 1.682955829578e+09, 1e+09
	mant, exp, _ := strings.Cut(s, "e")
	b = append(b, mant...)
	if !strings.Contains(mant, ".") {
		b = append(b, ".0"...)
	}
	b = append(b, 'E')
	e, _ := strconv.Atoi(exp)
	return strconv.AppendInt(b, int64(e), 10)
}

// maxEpochSeconds bounds accepted timestamps (about the year 318857), far beyond any real
// value, so that exponents cannot make parsing expensive.
const maxEpochSeconds = 1e13

// parseEpochSeconds parses a JSON number of seconds exactly into seconds and nanoseconds
// (digits beyond the nanosecond are dropped).
func parseEpochSeconds(s string) (sec, nsec int64, err error) {
	bad := func() (int64, int64, error) {
		return 0, 0, fmt.Errorf("cognitoidp: timestamp must be a JSON number of seconds since the epoch, got %.40q", s)
	}
	f, perr := strconv.ParseFloat(s, 64)
	if perr != nil || s == "" || !(s[0] == '-' || ('0' <= s[0] && s[0] <= '9')) || strings.ContainsAny(s, "_xXpP") {
		return bad()
	}
	if math.IsNaN(f) || math.Abs(f) > maxEpochSeconds {
		return bad()
	}
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil {
			return bad()
		}
		exp = e
	}
	intPart, fracPart, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(intPart+fracPart, "0")
	point := len(intPart) + exp - (len(intPart) + len(fracPart) - len(digits)) // decimal point position within digits
	if digits == "" {
		return 0, 0, nil
	}
	// |value| <= maxEpochSeconds, so point <= 14; far negative points are just tiny values.
	if point < -10 {
		point = -10
	}
	var whole, frac string
	switch {
	case point <= 0:
		whole, frac = "0", strings.Repeat("0", -point)+digits
	case point >= len(digits):
		whole, frac = digits+strings.Repeat("0", point-len(digits)), ""
	default:
		whole, frac = digits[:point], digits[point:]
	}
	frac = (frac + "000000000")[:9]
	sec, err = strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return bad()
	}
	nsec, _ = strconv.ParseInt(frac, 10, 64)
	if neg {
		sec = -sec
		if nsec > 0 {
			sec--
			nsec = 1e9 - nsec
		}
	}
	return sec, nsec, nil
}

// String returns a pointer to v.
func String(v string) *string { return &v }

// Bool returns a pointer to v.
func Bool(v bool) *bool { return &v }

// Int32 returns a pointer to v.
func Int32(v int32) *int32 { return &v }

// Int64 returns a pointer to v.
func Int64(v int64) *int64 { return &v }

// ToValue returns *p, or the zero value of T when p is nil.
func ToValue[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
`

const errorsRuntime = `
// APIError is implemented by every modeled exception. The AWS JSON 1.1 error body is the
// exception's JSON encoding plus "__type": ErrorCode().
type APIError interface {
	error
	// ErrorCode is the exception's shape name, e.g. "NotAuthorizedException".
	ErrorCode() string
	// ErrorMessage is the human-readable message ("" when unset).
	ErrorMessage() string
	// HTTPStatusCode is 500 for server faults, 400 otherwise.
	HTTPStatusCode() int
}
`

const validateRuntime = `
// validator collects constraint violations in the order they are found.
type validator struct {
	msgs []string
}

// fail records one violation. value is the offending value (nil for a missing member); hide
// leaves a present value out of the message, as AWS does for sensitive members
// ("Value at 'password' failed to satisfy constraint: ...").
func (v *validator) fail(path string, value any, hide bool, constraint string) {
	var b strings.Builder
	switch {
	case value == nil:
		b.WriteString("Value null at '")
	case hide:
		b.WriteString("Value at '")
	default:
		b.WriteString("Value '")
		b.WriteString(javaString(reflect.ValueOf(value)))
		b.WriteString("' at '")
	}
	b.WriteString(path)
	b.WriteString("' failed to satisfy constraint: ")
	b.WriteString(constraint)
	v.msgs = append(v.msgs, b.String())
}

// null records a missing required member.
func (v *validator) null(prefix, name string) {
	v.fail(join(prefix, name), nil, false, "Member must not be null")
}

// err returns nil or the InvalidParameterException AWS sends for serialization-level
// validation errors: "1 validation error detected: X" or "N validation errors detected: X; Y".
func (v *validator) err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return NewInvalidParameterException("1 validation error detected: " + v.msgs[0])
	default:
		return NewInvalidParameterException(strconv.Itoa(len(v.msgs)) + " validation errors detected: " + strings.Join(v.msgs, "; "))
	}
}

// join returns the path of member name inside prefix (members are joined with '.').
func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// elemPath returns the path of the i'th (0-based) element of list member name:
// "userAttributes.1.member".
func elemPath(prefix, name string, i int) string {
	return join(prefix, name) + "." + strconv.Itoa(i+1) + ".member"
}

// entryPath returns the path of the value at key of map member name: "name.key".
func entryPath(prefix, name, key string) string {
	return join(prefix, name) + "." + key
}

// lengthRule bounds a string's length in Unicode code points, or a list's, map's or blob's
// size.
type lengthRule struct {
	min, max       int64
	hasMin, hasMax bool
}

func (r *lengthRule) violations(n int64, dst []string) []string {
	if r.hasMax && n > r.max {
		dst = append(dst, "Member must have length less than or equal to "+strconv.FormatInt(r.max, 10))
	}
	if r.hasMin && n < r.min {
		dst = append(dst, "Member must have length greater than or equal to "+strconv.FormatInt(r.min, 10))
	}
	return dst
}

func (r *lengthRule) describe(dst []string) []string {
	if r.hasMax {
		dst = append(dst, "Member must have length less than or equal to "+strconv.FormatInt(r.max, 10))
	}
	if r.hasMin {
		dst = append(dst, "Member must have length greater than or equal to "+strconv.FormatInt(r.min, 10))
	}
	return dst
}

// stringRule holds the constraints of a string shape.
type stringRule struct {
	length  lengthRule
	pattern string         // the model's (Java) pattern, as AWS prints it
	re      *regexp.Regexp // its anchored RE2 translation
	set     *asciiSet      // when not nil, what re matches, checked without the regexp engine
	enum    []string       // allowed values, model order
}

// asciiSet is a pattern that matches the strings of at least min bytes, each in a set of
// ASCII characters (bits lo for 0–63, hi for 64–127): [A-Za-z0-9-_=.]+ and its kind.
type asciiSet struct {
	lo, hi uint64
	min    int
}

// matches reports whether s is at least min bytes of the set.
func (a *asciiSet) matches(s string) bool {
	if len(s) < a.min {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 64:
			if a.lo&(1<<c) == 0 {
				return false
			}
		case c < 128:
			if a.hi&(1<<(c-64)) == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// matchPattern reports whether s satisfies the rule's pattern.
func (r *stringRule) matchPattern(s string) bool {
	if r.set != nil {
		return r.set.matches(s)
	}
	return r.re.MatchString(s)
}

// violations returns the failed constraints of s (nil when s is valid): length, then pattern,
// then enum.
func (r *stringRule) violations(s string) []string {
	var out []string
	if r.length.hasMin || r.length.hasMax {
		out = r.length.violations(int64(utf8.RuneCountInString(s)), out)
	}
	if r.re != nil && !r.matchPattern(s) {
		out = append(out, "Member must satisfy regular expression pattern: "+r.pattern)
	}
	if r.enum != nil && !slices.Contains(r.enum, s) {
		out = append(out, "Member must satisfy enum value set: ["+strings.Join(r.enum, ", ")+"]")
	}
	return out
}

// describe lists every constraint of the rule, as AWS does for list elements and map keys and
// values: "[Member must have length less than or equal to 128, Member must ...]".
func (r *stringRule) describe() string {
	var out []string
	out = r.length.describe(out)
	if r.re != nil {
		out = append(out, "Member must satisfy regular expression pattern: "+r.pattern)
	}
	if r.enum != nil {
		out = append(out, "Member must satisfy enum value set: ["+strings.Join(r.enum, ", ")+"]")
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// numberRule bounds an integer or long value.
type numberRule struct {
	min, max       int64
	hasMin, hasMax bool
}

func checkString[T ~string](v *validator, prefix, name string, s T, r *stringRule, hide bool) {
	for _, c := range r.violations(string(s)) {
		v.fail(join(prefix, name), string(s), hide, c)
	}
}

func checkNumber[T ~int32 | ~int64](v *validator, prefix, name string, n T, r *numberRule, hide bool) {
	if r.hasMax && int64(n) > r.max {
		v.fail(join(prefix, name), int64(n), hide, "Member must have value less than or equal to "+strconv.FormatInt(r.max, 10))
	}
	if r.hasMin && int64(n) < r.min {
		v.fail(join(prefix, name), int64(n), hide, "Member must have value greater than or equal to "+strconv.FormatInt(r.min, 10))
	}
}

// checkLength checks the size of a list, map or blob value.
func checkLength(v *validator, prefix, name string, n int, value any, r *lengthRule, hide bool) {
	for _, c := range r.violations(int64(n), nil) {
		v.fail(join(prefix, name), value, hide, c)
	}
}

// checkStringList reports a list with any invalid element once, listing the element shape's
// constraints: "Value '[a, b]' at 'x' failed to satisfy constraint: Member must satisfy
// constraint: [Member must ...]".
func checkStringList[T ~string](v *validator, prefix, name string, list []T, r *stringRule, hide bool) {
	for _, s := range list {
		if r.violations(string(s)) != nil {
			v.fail(join(prefix, name), list, hide, "Member must satisfy constraint: "+r.describe())
			return
		}
	}
}

// checkMapKeys reports a map with any invalid key once: "Map keys must satisfy constraint:
// [...]".
func checkMapKeys[V any](v *validator, prefix, name string, m map[string]V, r *stringRule, hide bool) {
	for k := range m {
		if r.violations(k) != nil {
			v.fail(join(prefix, name), m, hide, "Map keys must satisfy constraint: "+r.describe())
			return
		}
	}
}

// checkMapValues reports a map with any invalid string value once: "Map value must satisfy
// constraint: [...]".
func checkMapValues[T ~string](v *validator, prefix, name string, m map[string]T, r *stringRule, hide bool) {
	for _, s := range m {
		if r.violations(string(s)) != nil {
			v.fail(join(prefix, name), m, hide, "Map value must satisfy constraint: "+r.describe())
			return
		}
	}
}

// sortedMapKeys returns the keys of m in order, so that validation messages are deterministic.
func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// isNullDocument reports whether a document member is missing (absent or JSON null).
func isNullDocument(d json.RawMessage) bool {
	return len(d) == 0 || string(d) == "null"
}

// javaString renders a value the way AWS's Java validation messages print it: strings as
// they are, numbers in decimal, lists as [a, b], maps as {k=v, k2=v2} (keys sorted),
// structures as their JSON encoding and blobs as Java prints a ByteBuffer.
func javaString(rv reflect.Value) string {
	switch rv.Kind() {
	case reflect.Invalid:
		return "null"
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return "null"
		}
		return javaString(rv.Elem())
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			// UNCONFIRMED: what AWS prints for a blob; this is what Java's ByteBuffer.toString gives.
			n := strconv.Itoa(rv.Len())
			return "java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]"
		}
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = javaString(rv.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Map:
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k.String() + "=" + javaString(rv.MapIndex(k))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	default:
		if rv.CanInterface() {
			if b, err := json.Marshal(rv.Interface()); err == nil {
				return string(b)
			}
		}
		return rv.Type().String()
	}
}
`

const operationsRuntime = `
// Input is implemented by every operation input (*XInput).
type Input interface {
	// Validate checks the model's constraints and returns nil or an
	// *InvalidParameterException worded as AWS words it.
	Validate() error
}

// Operation describes one API operation for the dispatcher.
type Operation struct {
	// Name is the operation name, the part of X-Amz-Target after TargetPrefix + ".".
	Name string
	// Unsigned reports whether SDKs call the operation without SigV4 (the model marks it
	// smithy.api#noAuth): it is authorized by an access token, a session or an app client.
	Unsigned bool
	// Errors lists the modeled exception shape names, in model order.
	Errors []string
	// NewInput returns a new, empty *XInput to decode the request body into.
	NewInput func() Input
	// Invoke calls the operation's method on ops. in must come from NewInput. When the
	// error is nil, the result is a non-nil *XOutput (a nil output from the method is
	// replaced by an empty one).
	Invoke func(ctx context.Context, ops Operations, in Input) (any, error)
}

// Lookup returns the operation called name.
func Lookup(name string) (*Operation, bool) {
	op, ok := OperationsByName[name]
	return op, ok
}

func invoke[I, O any](ctx context.Context, name string, in Input, call func(context.Context, *I) (*O, error)) (any, error) {
	typed, ok := any(in).(*I)
	if !ok || typed == nil {
		return nil, fmt.Errorf("cognitoidp: %s: input is %T, want a non-nil %T", name, in, typed)
	}
	out, err := call(ctx, typed)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = new(O)
	}
	return out, nil
}
`
