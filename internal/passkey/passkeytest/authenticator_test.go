package passkeytest_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/userpoold/userpoold/internal/passkey/passkeytest"
)

// These tests check the software authenticator against code we did not
// write: go-webauthn's protocol-level verification, called directly (not
// through package passkey), and the byte layouts of the W3C test vectors.
// Package passkey's own tests then use this authenticator; so a mistake
// shared by the authenticator and package passkey would have to be shared
// by go-webauthn and the W3C's vectors too.

const (
	rpID   = "localhost"
	origin = "http://localhost:5173"
)

var b64 = base64.RawURLEncoding

// options builds Cognito-shaped creation and request options by hand
// (not with package passkey), so this file depends on nothing of ours
// beyond the authenticator.
func creationOptions(challenge []byte, uv string) []byte {
	o := map[string]any{
		"authenticatorSelection": map[string]any{"requireResidentKey": true, "residentKey": "required", "userVerification": uv},
		"challenge":              b64.EncodeToString(challenge),
		"excludeCredentials":     []any{},
		"pubKeyCredParams":       []any{map[string]any{"alg": -7, "type": "public-key"}, map[string]any{"alg": -257, "type": "public-key"}, map[string]any{"alg": -8, "type": "public-key"}},
		"rp":                     map[string]any{"id": rpID, "name": rpID},
		"timeout":                60000,
		"user":                   map[string]any{"displayName": "alice", "id": b64.EncodeToString([]byte("sub-1")), "name": "alice"},
	}
	b, _ := json.Marshal(o)
	return b
}

func requestOptions(challenge []byte, id []byte, uv string) []byte {
	b, _ := json.Marshal(map[string]any{
		"challenge": b64.EncodeToString(challenge), "timeout": 180000, "rpId": rpID,
		"allowCredentials": []any{map[string]any{"type": "public-key", "id": b64.EncodeToString(id), "transports": []string{}}},
		"userVerification": uv,
	})
	return b
}

func TestGoWebAuthnVerifiesRegistrationsAndAssertions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		alg       int64
		format    string
		backup    bool
		uv        string
		wantFlags byte
	}{
		{"ES256 none", passkeytest.ES256, "none", false, "required", 0x45},
		{"ES256 packed self", passkeytest.ES256, "packed", false, "preferred", 0x45},
		{"ES256 none synced", passkeytest.ES256, "none", true, "preferred", 0x5d},
		{"RS256 packed self", passkeytest.RS256, "packed", false, "preferred", 0x45},
		{"EdDSA none", passkeytest.EdDSA, "none", false, "preferred", 0x45},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &passkeytest.Authenticator{Algorithm: tc.alg, Format: tc.format, BackupEligible: tc.backup, Transports: []string{"internal", "hybrid"}}
			challenge := bytes.Repeat([]byte{7}, 16)
			resp, cred, err := a.Create(creationOptions(challenge, tc.uv), origin)
			if err != nil {
				t.Fatal(err)
			}
			pcc, err := protocol.ParseCredentialCreationResponseBytes(resp)
			if err != nil {
				t.Fatalf("go-webauthn cannot parse the registration: %v", err)
			}
			if got := pcc.Response.AttestationObject.AuthData.Flags; byte(got) != tc.wantFlags {
				t.Errorf("flags %#x, want %#x", byte(got), tc.wantFlags)
			}
			params := []protocol.CredentialParameter{{Type: "public-key", Algorithm: webauthncose.COSEAlgorithmIdentifier(tc.alg)}}
			hash, err := pcc.Verify(b64.EncodeToString(challenge), rpID, []string{origin}, nil, nil, protocol.TopOriginExplicitVerificationMode,
				false, tc.uv == "required", true, nil, params, protocol.AttestationPolicy{}, protocol.SignaturePolicy{ECDSAEncoding: protocol.ECDSASignatureEncodingDER})
			if err != nil {
				t.Fatalf("go-webauthn refuses the registration: %v (%s)", err, devInfo(err))
			}
			made, err := webauthn.NewCredential(hash, pcc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(made.ID, cred.ID) || made.AttestationFormat != tc.format {
				t.Errorf("credential id/format %x %q", made.ID, made.AttestationFormat)
			}
			if got := pcc.Response.Transports; len(got) != 2 || got[0] != "internal" || got[1] != "hybrid" {
				t.Errorf("transports %v", got)
			}
			// go-webauthn names self attestation by its FIDO metadata type.
			if tc.format == "packed" && made.AttestationType != "basic_surrogate" {
				t.Errorf("attestation type %q, want basic_surrogate (self)", made.AttestationType)
			}
			// The COSE key go-webauthn decoded is the authenticator's key.
			if tc.alg == passkeytest.ES256 {
				pub, err := webauthncose.ParsePublicKey(made.PublicKey)
				if err != nil {
					t.Fatal(err)
				}
				k := pub.(webauthncose.EC2PublicKeyData)
				ec, err := k.ToECDSA()
				if err != nil {
					t.Fatal(err)
				}
				if !ec.Equal(cred.Signer.Public()) {
					t.Error("COSE key is not the credential's key")
				}
			}

			for i := 1; i <= 2; i++ {
				ch := bytes.Repeat([]byte{byte(i)}, 16)
				assertion, err := a.Get(requestOptions(ch, cred.ID, tc.uv), origin)
				if err != nil {
					t.Fatal(err)
				}
				par, err := protocol.ParseCredentialRequestResponseBytes(assertion)
				if err != nil {
					t.Fatalf("go-webauthn cannot parse the assertion: %v", err)
				}
				if err := par.Verify(b64.EncodeToString(ch), rpID, "", []string{origin}, nil, nil, protocol.TopOriginExplicitVerificationMode,
					false, tc.uv == "required", true, made.PublicKey, protocol.SignaturePolicy{ECDSAEncoding: protocol.ECDSASignatureEncodingDER}); err != nil {
					t.Fatalf("go-webauthn refuses assertion %d: %v (%s)", i, err, devInfo(err))
				}
				if par.Response.AuthenticatorData.Counter != uint32(i) {
					t.Errorf("counter %d, want %d", par.Response.AuthenticatorData.Counter, i)
				}
				if string(par.Response.UserHandle) != "sub-1" {
					t.Errorf("userHandle %q", par.Response.UserHandle)
				}
				// The signature is really checked: a changed challenge fails.
				if err := par.Verify(b64.EncodeToString(bytes.Repeat([]byte{9}, 16)), rpID, "", []string{origin}, nil, nil, protocol.TopOriginExplicitVerificationMode,
					false, false, true, made.PublicKey, protocol.SignaturePolicy{}); err == nil {
					t.Error("go-webauthn accepted an assertion for another challenge")
				}
			}
		})
	}
}

// TestCorruptSignatureIsRefused: go-webauthn notices a signature the
// authenticator did not make, so the acceptance above means something.
func TestCorruptSignatureIsRefused(t *testing.T) {
	a := &passkeytest.Authenticator{}
	ch := bytes.Repeat([]byte{1}, 16)
	_, cred, err := a.Create(creationOptions(ch, "preferred"), origin)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := passkeytest.COSEKey(cred.Signer.Public())
	resp, err := a.Get(requestOptions(ch, cred.ID, "preferred"), origin, passkeytest.WithTamper(func(m map[string]any) {
		r := m["response"].(map[string]any)
		sig, _ := b64.DecodeString(r["signature"].(string))
		sig[len(sig)-1] ^= 1
		r["signature"] = b64.EncodeToString(sig)
	}))
	if err != nil {
		t.Fatal(err)
	}
	par, err := protocol.ParseCredentialRequestResponseBytes(resp)
	if err != nil {
		t.Fatal(err)
	}
	if err := par.Verify(b64.EncodeToString(ch), rpID, "", []string{origin}, nil, nil, protocol.TopOriginExplicitVerificationMode,
		false, false, true, key, protocol.SignaturePolicy{}); err == nil {
		t.Fatal("a corrupted signature verified")
	}
}

type w3cVector struct {
	Registration struct {
		AttestationObject, ClientDataJSON, CredentialID, Challenge string
	}
	Authentication struct {
		AuthenticatorData, ClientDataJSON, Signature, Challenge, CredentialPubKey string
	}
}

func loadVectors(t *testing.T) map[string]w3cVector {
	t.Helper()
	raw, err := os.ReadFile("../testdata/w3c-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Vectors map[string]w3cVector }
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f.Vectors
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEncodingMatchesW3CVectors rebuilds the attestation objects of the W3C
// §16.2 (none) and §16.3 (packed self) vectors from their parts with the
// authenticator's encoders (AuthData, COSEKey, CTAP2 CBOR) and compares
// bytes: our layout of authData, the COSE key and the attestation object
// must be the one the W3C's generator produced.
func TestEncodingMatchesW3CVectors(t *testing.T) {
	for name, v := range loadVectors(t) {
		t.Run(name, func(t *testing.T) {
			attObj := unhex(t, v.Registration.AttestationObject)
			var obj struct {
				Fmt      string         `cbor:"fmt"`
				AttStmt  map[string]any `cbor:"attStmt"`
				AuthData []byte         `cbor:"authData"`
			}
			if err := cbor.Unmarshal(attObj, &obj); err != nil {
				t.Fatal(err)
			}
			var ad protocol.AuthenticatorData
			if err := ad.Unmarshal(obj.AuthData); err != nil {
				t.Fatal(err)
			}
			// The key, from go-webauthn's COSE parser.
			pub, err := webauthncose.ParsePublicKey(ad.AttData.CredentialPublicKey)
			if err != nil {
				t.Fatal(err)
			}
			ec2 := pub.(webauthncose.EC2PublicKeyData)
			key := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(ec2.XCoord), Y: new(big.Int).SetBytes(ec2.YCoord)}
			cose, err := passkeytest.COSEKey(key)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(cose, ad.AttData.CredentialPublicKey) {
				t.Fatalf("COSE key\n got %x\nwant %x", cose, ad.AttData.CredentialPublicKey)
			}
			var aaguid [16]byte
			copy(aaguid[:], ad.AttData.AAGUID)
			if !bytes.Equal(ad.AttData.CredentialID, unhex(t, v.Registration.CredentialID)) {
				t.Fatal("credential ID is not the vector's")
			}
			authData := passkeytest.AuthData("example.org", byte(ad.Flags), ad.Counter,
				&passkeytest.AttestedCredential{AAGUID: aaguid, ID: ad.AttData.CredentialID, PublicKey: cose})
			if !bytes.Equal(authData, obj.AuthData) {
				t.Fatalf("authData\n got %x\nwant %x", authData, obj.AuthData)
			}
			stmt := map[string]any{}
			if obj.Fmt == "packed" {
				stmt = map[string]any{"alg": passkeytest.ES256, "sig": obj.AttStmt["sig"]}
			}
			enc, _ := cbor.CTAP2EncOptions().EncMode()
			rebuilt, err := enc.Marshal(map[string]any{"fmt": obj.Fmt, "attStmt": stmt, "authData": authData})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rebuilt, attObj) {
				t.Fatalf("attestationObject\n got %x\nwant %x", rebuilt, attObj)
			}
			// Assertion authData: rpIdHash, flags, counter and nothing else.
			want := unhex(t, v.Authentication.AuthenticatorData)
			if got := passkeytest.AuthData("example.org", want[32], 0, nil); !bytes.Equal(got, want) {
				t.Fatalf("assertion authData\n got %x\nwant %x", got, want)
			}
		})
	}
}

func devInfo(err error) string {
	if pe, ok := err.(*protocol.Error); ok {
		return pe.DevInfo
	}
	return ""
}
