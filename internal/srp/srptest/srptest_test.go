package srptest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"testing"

	"github.com/userpoold/userpoold/internal/srp"
)

// vectors is the part of ../testdata/vectors.json (from amazon-cognito-identity-js)
// the client side needs.
type vectors struct {
	Password []struct {
		ID, PoolName, UserIDForSrp, Password, Salt, SrpB, A, SrpA, U, X, S, Key, SecretBlock, Timestamp, Signature string
		ChallengeResponses                                                                                         map[string]string
	}
	Device []struct {
		ID, UserIDForSrp, DeviceKey, DeviceGroupKey, DevicePassword, Salt, SrpB, A, SrpA, Key, SecretBlock, Timestamp, Signature string
		ConfirmDevice                                                                                                            struct {
			DeviceSecretVerifierConfig struct{ Salt, PasswordVerifier string }
		}
		ChallengeResponses map[string]string
	}
}

func load(t *testing.T) vectors {
	raw, err := os.ReadFile("../testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Password) == 0 || len(v.Device) == 0 {
		t.Fatal("no vectors")
	}
	return v
}

func unhex(t *testing.T, h string) []byte {
	if len(h)%2 == 1 {
		h = "0" + h
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestClientMatchesLibrary(t *testing.T) {
	for _, tv := range load(t).Password {
		t.Run(tv.ID, func(t *testing.T) {
			c, err := NewClientWithA(unhex(t, tv.A), tv.PoolName)
			if err != nil {
				t.Fatal(err)
			}
			if c.SRPA() != tv.SrpA {
				t.Fatalf("SRP_A = %s, want %s", c.SRPA(), tv.SrpA)
			}
			key, u, x, S, err := c.Key(tv.UserIDForSrp, tv.Password, tv.SrpB, tv.Salt)
			if err != nil {
				t.Fatal(err)
			}
			if u.Text(16) != tv.U || x.Text(16) != tv.X || S.Text(16) != tv.S || hex.EncodeToString(key) != tv.Key {
				t.Fatalf("intermediates differ: u %v x %v S %v key %v", u.Text(16) == tv.U, x.Text(16) == tv.X, S.Text(16) == tv.S, hex.EncodeToString(key) == tv.Key)
			}
			at, err := srp.ParseTimestamp(tv.Timestamp)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.PasswordVerifierResponses(map[string]string{
				"SALT": tv.Salt, "SRP_B": tv.SrpB, "SECRET_BLOCK": tv.SecretBlock, "USER_ID_FOR_SRP": tv.UserIDForSrp, "USERNAME": tv.UserIDForSrp,
			}, tv.Password, at)
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tv.ChallengeResponses {
				if resp[k] != want {
					t.Errorf("%s = %q, library sent %q", k, resp[k], want)
				}
			}
			if len(resp) != len(tv.ChallengeResponses) {
				t.Errorf("responses %v, library sent %v", resp, tv.ChallengeResponses)
			}
		})
	}
}

func TestDeviceClientMatchesLibrary(t *testing.T) {
	for _, tv := range load(t).Device {
		t.Run(tv.ID, func(t *testing.T) {
			cfg := tv.ConfirmDevice.DeviceSecretVerifierConfig
			salt, _ := base64.StdEncoding.DecodeString(cfg.Salt)
			ds := HashDevice(tv.DevicePassword, salt, tv.DeviceGroupKey, tv.DeviceKey)
			if ds.Salt != cfg.Salt || ds.Verifier != cfg.PasswordVerifier {
				t.Fatalf("HashDevice = %s / %.20s…, library sent %s / %.20s…", ds.Salt, ds.Verifier, cfg.Salt, cfg.PasswordVerifier)
			}
			c, err := NewClientWithA(unhex(t, tv.A), tv.DeviceGroupKey)
			if err != nil {
				t.Fatal(err)
			}
			if c.SRPA() != tv.SrpA {
				t.Fatal("device SRP_A differs")
			}
			at, _ := srp.ParseTimestamp(tv.Timestamp)
			resp, err := c.DeviceVerifierResponses(map[string]string{"SALT": tv.Salt, "SRP_B": tv.SrpB, "SECRET_BLOCK": tv.SecretBlock},
				tv.UserIDForSrp, tv.DeviceKey, tv.DevicePassword, at)
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tv.ChallengeResponses {
				if resp[k] != want {
					t.Errorf("%s = %q, library sent %q", k, resp[k], want)
				}
			}
			if len(resp) != len(tv.ChallengeResponses) {
				t.Errorf("responses %v, library sent %v", resp, tv.ChallengeResponses)
			}
		})
	}
}

func TestPadHex(t *testing.T) {
	for in, want := range map[int64]string{0: "00", 20: "14", 56: "38", 236: "00ec", 200: "00c8", 0xabc: "0abc", 0x8000: "008000"} {
		if got := PadHex(big.NewInt(in)); got != want {
			t.Errorf("PadHex(%d) = %s, want %s", in, got, want)
		}
	}
}

func TestGenerateHashDeviceShape(t *testing.T) {
	src := make([]byte, 56)
	for i := range src {
		src[i] = byte(0x80 + i)
	}
	ds, err := GenerateHashDevice(bytes.NewReader(src), "-wt2ha1Zd", "us-east-1_fec070d2-fa88-424a-8ec8-b26d7198eb23")
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := base64.StdEncoding.DecodeString(ds.Password)
	salt, _ := base64.StdEncoding.DecodeString(ds.Salt)
	if len(pw) != 40 || len(salt) != 17 || salt[0] != 0 || hex.EncodeToString(salt[1:]) != hex.EncodeToString(src[40:]) {
		t.Fatalf("password %x salt %x", pw, salt)
	}
}
