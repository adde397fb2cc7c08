package seal

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	master := bytes.Repeat([]byte{7}, KeySize)
	a, err := New(master, "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(master, "b", nil)
	other, _ := New(bytes.Repeat([]byte{8}, KeySize), "a", nil)

	ct, err := a.Seal([]byte("secret"), []byte("row1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("secret")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	pt, err := a.Open(ct, []byte("row1"))
	if err != nil || string(pt) != "secret" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	for name, tc := range map[string]struct {
		box *Box
		ad  string
		ct  []byte
	}{
		"wrong associated data": {a, "row2", ct},
		"wrong purpose":         {b, "row1", ct},
		"wrong master":          {other, "row1", ct},
		"truncated":             {a, "row1", ct[:10]},
		"flipped bit":           {a, "row1", append(append([]byte{}, ct[:len(ct)-1]...), ct[len(ct)-1]^1)},
	} {
		if _, err := tc.box.Open(tc.ct, []byte(tc.ad)); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: Open err = %v, want ErrOpen", name, err)
		}
	}
	if _, err := New(master[:5], "a", nil); err == nil {
		t.Error("New accepted a short key")
	}
}
