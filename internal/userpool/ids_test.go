package userpool

import (
	"strings"
	"testing"
)

func TestFixedIDs(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"us-east-1_LocalDev1", true},
		{"us-east-1_a", true},
		{"us-east-1_" + strings.Repeat("a", 45), true},
		{"us-east-1_" + strings.Repeat("a", 46), false}, // 56 characters
		{"eu-west-1_LocalDev1", false},
		{"us-east-1_", false},
		{"us-east-1_Local-Dev", false},
		{"us-east-1LocalDev1", false},
		{"", false},
	} {
		if err := CheckPoolID("us-east-1", tc.id); (err == nil) != tc.ok {
			t.Errorf("CheckPoolID(%q) = %v", tc.id, err)
		}
	}
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"localdevweb0000000000000001", true},
		{"My_Client+1", true},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"web-client", false},
		{"", false},
	} {
		if err := CheckClientID(tc.id); (err == nil) != tc.ok {
			t.Errorf("CheckClientID(%q) = %v", tc.id, err)
		}
	}
}
