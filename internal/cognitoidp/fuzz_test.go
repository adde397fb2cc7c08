package cognitoidp

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"testing"
)

// operationNames lists the dispatch table's operations in a fixed order, so
// that a fuzz input's operation index always names the same operation.
var operationNames = func() []string {
	names := make([]string, 0, len(OperationsByName))
	for name := range OperationsByName {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}()

var validationMessage = regexp.MustCompile(`^(1 validation error detected: |([2-9]|[1-9][0-9]+) validation errors detected: )Value `)

// FuzzValidate decodes arbitrary JSON into an operation's input, as the
// server does, and validates it; op picks the operation from the dispatch
// table, so that every operation's generated code is reached. Decoding may
// fail (the server answers SerializationException), but neither decoding nor
// Validate may panic, and Validate answers nil or one InvalidParameterException
// in AWS's wording, the same on every call. Seeds (one or more per
// operation): testdata/fuzz/FuzzValidate.
func FuzzValidate(f *testing.F) {
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		name := operationNames[int(op)%len(operationNames)]
		in := OperationsByName[name].NewInput()
		if err := json.Unmarshal(body, in); err != nil {
			return
		}
		err := in.Validate()
		if err == nil {
			return
		}
		var ipe *InvalidParameterException
		if !errors.As(err, &ipe) || ipe.Message == nil {
			t.Fatalf("%s: Validate returned %T %v", name, err, err)
		}
		if !validationMessage.MatchString(*ipe.Message) {
			t.Fatalf("%s: message %q is not in AWS's wording", name, *ipe.Message)
		}
		if again := in.Validate(); again == nil || again.Error() != err.Error() {
			t.Fatalf("%s: Validate is not deterministic: %v then %v", name, err, again)
		}
	})
}
