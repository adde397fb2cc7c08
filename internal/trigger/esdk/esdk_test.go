package esdk_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/userpoold/userpoold/internal/trigger/esdk"
	"github.com/userpoold/userpoold/internal/trigger/kmstest"
)

const (
	keyARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	poolID = "us-east-1_AbCdEf123"
)

func newKMS(t *testing.T) (*kmstest.Server, esdk.KMSEncrypter) {
	t.Helper()
	srv := kmstest.NewServer(t)
	srv.CreateKey(keyARN)
	client, err := esdk.NewKMSClient(context.Background(), esdk.KMSConfig{Endpoint: srv.URL,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")})
	if err != nil {
		t.Fatal(err)
	}
	return srv, esdk.KMSEncrypter{Client: client}
}

// TestRoundTrip encrypts codes as Cognito does and reads the message back:
// the header shows suite 0x0378, the context, one aws-kms key.
func TestRoundTrip(t *testing.T) {
	srv, enc := newKMS(t)
	ctx := context.Background()
	for _, code := range []string{"123456", "", "Temp&lt;pass", strings.Repeat("x", esdk.FrameLength), strings.Repeat("y", 2*esdk.FrameLength+17)} {
		encoded, err := enc.EncryptCode(ctx, poolID, keyARN, code)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := base64.StdEncoding.DecodeString(encoded)
		if raw[0] != 0x01 || raw[1] != 0x80 || binary.BigEndian.Uint16(raw[2:]) != 0x0378 {
			t.Fatalf("header % x", raw[:4])
		}
		m, err := esdk.Decrypt(ctx, esdk.KMSKeyring{Client: enc.Client}, raw)
		if err != nil {
			t.Fatalf("%d bytes: %v", len(code), err)
		}
		if string(m.Plaintext) != code || m.Suite != esdk.SuiteP384 || m.EncryptionContext[esdk.PoolContextKey] != poolID ||
			m.EncryptionContext[esdk.PublicKeyContextKey] == "" || len(m.EncryptionContext) != 2 {
			t.Fatalf("decrypted %+v", m)
		}
		if len(m.EncryptedDataKeys) != 1 || m.EncryptedDataKeys[0].ProviderID != "aws-kms" || m.EncryptedDataKeys[0].ProviderInfo != keyARN {
			t.Fatalf("data keys %+v", m.EncryptedDataKeys)
		}
		if got, err := enc.DecryptCode(ctx, poolID, encoded); err != nil || got != code {
			t.Fatalf("DecryptCode: %q %v", got, err)
		}
		if _, err := enc.DecryptCode(ctx, "us-east-1_Other", encoded); err == nil {
			t.Fatal("a code of another pool was accepted")
		}
	}
	if calls := srv.Calls(); calls[0] != "GenerateDataKey" || calls[1] != "Decrypt" {
		t.Errorf("KMS calls %v", calls)
	}
}

// TestTamper: every byte of the message is authenticated.
func TestTamper(t *testing.T) {
	_, enc := newKMS(t)
	ctx := context.Background()
	encoded, err := enc.EncryptCode(ctx, poolID, keyARN, "123456")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(encoded)
	kr := esdk.KMSKeyring{Client: enc.Client}
	for i := 0; i < len(raw); i += 7 {
		bad := bytes.Clone(raw)
		bad[i] ^= 0x01
		if _, err := esdk.Decrypt(ctx, kr, bad); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
	if _, err := esdk.Decrypt(ctx, kr, raw[:len(raw)-1]); err == nil {
		t.Fatal("a truncated message was accepted")
	}
	if _, err := esdk.Decrypt(ctx, kr, append(bytes.Clone(raw), 0)); err == nil {
		t.Fatal("trailing bytes were accepted")
	}
}

func TestKMSErrors(t *testing.T) {
	_, enc := newKMS(t)
	_, err := enc.EncryptCode(context.Background(), poolID, "arn:aws:kms:us-east-1:123456789012:key/missing", "1")
	var coded interface{ ErrorCode() string }
	if !errors.As(err, &coded) || coded.ErrorCode() != "NotFoundException" {
		t.Fatalf("unknown key: %v", err)
	}
	if _, err := esdk.NewKMSClient(context.Background(), esdk.KMSConfig{Endpoint: "localhost:4566"}); err == nil {
		t.Fatal("an endpoint without a scheme was accepted")
	}
}

// TestNodeDecryptsGoMessage: an unmodified sender's decryption code
// (KmsKeyringNode, REQUIRE_ENCRYPT_ALLOW_DECRYPT) reads what userpoold
// sends.
func TestNodeDecryptsGoMessage(t *testing.T) {
	srv, enc := newKMS(t)
	code := "834519"
	encoded, err := enc.EncryptCode(context.Background(), poolID, keyARN, code)
	if err != nil {
		t.Fatal(err)
	}
	res := kmstest.NodeInterop(t, "decrypt", map[string]string{"endpoint": srv.URL, "keyArn": keyARN, "message": encoded})
	ctxMap, _ := res["context"].(map[string]any)
	if res["plaintext"] != code || res["suiteId"] != float64(0x0378) || res["version"] != float64(1) || ctxMap[esdk.PoolContextKey] != poolID {
		t.Fatalf("node read %v", res)
	}
}

// TestGoDecryptsNodeMessage: Go reads a 0x0378 message @aws-crypto wrote.
func TestGoDecryptsNodeMessage(t *testing.T) {
	srv, enc := newKMS(t)
	plaintext := strings.Repeat("node→go ", 1000) // several frames
	res := kmstest.NodeInterop(t, "encrypt", map[string]any{"endpoint": srv.URL, "keyArn": keyARN, "plaintext": plaintext,
		"context": map[string]string{esdk.PoolContextKey: poolID}})
	got, err := enc.DecryptCode(context.Background(), poolID, res["message"].(string))
	if err != nil || got != plaintext {
		t.Fatalf("Go read %d bytes, %v", len(got), err)
	}
}
