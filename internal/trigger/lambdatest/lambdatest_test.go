package lambdatest

import "testing"

func TestFunctionName(t *testing.T) {
	for in, want := range map[string][2]string{
		"PreSignUp":                         {"PreSignUp", ""},
		"PreSignUp:live":                    {"PreSignUp", "live"},
		"123456789012:function:PreSignUp":   {"PreSignUp", ""},
		"123456789012:function:PreSignUp:3": {"PreSignUp", "3"},
		"arn:aws:lambda:us-east-1:123456789012:function:PreSignUp":  {"PreSignUp", ""},
		"arn:aws:lambda:eu-west-1:123456789012:function:Fn:$LATEST": {"Fn", "$LATEST"},
	} {
		name, q := FunctionName(in)
		if name != want[0] || q != want[1] {
			t.Errorf("FunctionName(%q) = %q, %q; want %q, %q", in, name, q, want[0], want[1])
		}
	}
}
