package esdk

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"slices"
)

// Suite is an algorithm suite ID.
type Suite uint16

// The suites this package handles.
const (
	// SuiteP384 is AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384, the
	// suite Cognito uses.
	SuiteP384 Suite = 0x0378
	// SuiteHKDFSHA256 is AES_256_GCM_IV12_TAG16_HKDF_SHA256 (no signature).
	SuiteHKDFSHA256 Suite = 0x0178
)

// Format constants.
const (
	formatVersion1   = 0x01
	typeCustomerAE   = 0x80
	contentFramed    = 0x02
	ivLength         = 12
	tagLength        = 16
	keyLength        = 32
	messageIDLength  = 16
	finalFrameMarker = 0xFFFFFFFF
	// FrameLength is the frame size the SDKs use by default.
	FrameLength = 4096

	// PublicKeyContextKey carries the signing key in the encryption context.
	PublicKeyContextKey = "aws-crypto-public-key"
	// ProviderKMS is the provider ID of KMS encrypted data keys.
	ProviderKMS = "aws-kms"

	aadFrame      = "AWSKMSEncryptionClient Frame"
	aadFinalFrame = "AWSKMSEncryptionClient Final Frame"
	aadSingle     = "AWSKMSEncryptionClient Single Block"

	// p384SignatureLength is the DER signature length the Java and Python
	// SDKs always produce for P-384 (they re-sign until they get it).
	p384SignatureLength = 103
)

// EncryptedDataKey is one encrypted data key of a message header.
type EncryptedDataKey struct {
	ProviderID   string
	ProviderInfo string // for KMS: the key ARN
	Ciphertext   []byte
}

// Keyring supplies and recovers data keys.
type Keyring interface {
	// GenerateDataKey returns a new data key of size bytes and its
	// encrypted form, bound to the encryption context ec.
	GenerateDataKey(ctx context.Context, ec map[string]string, size int) ([]byte, EncryptedDataKey, error)
	// DecryptDataKey recovers the data key of one of edks, bound to ec.
	DecryptDataKey(ctx context.Context, edks []EncryptedDataKey, ec map[string]string) ([]byte, error)
}

// Options tune Encrypt.
type Options struct {
	// Rand supplies the message ID, IVs are derived; nil is crypto/rand.
	Rand io.Reader
	// FrameLength is the frame size; 0 means FrameLength.
	FrameLength int
}

func (s Suite) hash() func() hash.Hash {
	if s == SuiteP384 {
		return sha512.New384
	}
	return sha256.New
}

func (s Suite) signed() bool { return s == SuiteP384 }

// Encrypt returns an Encryption SDK message of plaintext under suite
// SuiteP384 with the encryption context ec plus the signing key.
func Encrypt(ctx context.Context, kr Keyring, plaintext []byte, ec map[string]string, o Options) ([]byte, error) {
	random := o.Rand
	if random == nil {
		random = rand.Reader
	}
	frameLen := o.FrameLength
	if frameLen <= 0 {
		frameLen = FrameLength
	}
	if _, ok := ec[PublicKeyContextKey]; ok {
		return nil, fmt.Errorf("esdk: the encryption context may not set %s", PublicKeyContextKey)
	}
	suite := SuiteP384
	signer, err := ecdsa.GenerateKey(elliptic.P384(), random)
	if err != nil {
		return nil, err
	}
	pub, err := compressP384(&signer.PublicKey)
	if err != nil {
		return nil, err
	}
	full := maps.Clone(ec)
	if full == nil {
		full = map[string]string{}
	}
	full[PublicKeyContextKey] = base64.StdEncoding.EncodeToString(pub)

	dataKey, edk, err := kr.GenerateDataKey(ctx, full, keyLength)
	if err != nil {
		return nil, fmt.Errorf("esdk: generate data key: %w", err)
	}
	messageID := make([]byte, messageIDLength)
	if _, err := io.ReadFull(random, messageID); err != nil {
		return nil, err
	}
	gcm, err := messageCipher(suite, dataKey, messageID)
	if err != nil {
		return nil, err
	}

	var msg bytes.Buffer
	msg.WriteByte(formatVersion1)
	msg.WriteByte(typeCustomerAE)
	binary.Write(&msg, binary.BigEndian, uint16(suite))
	msg.Write(messageID)
	aad, err := serializeContext(full)
	if err != nil {
		return nil, err
	}
	msg.Write(aad)
	binary.Write(&msg, binary.BigEndian, uint16(1))
	for _, field := range [][]byte{[]byte(edk.ProviderID), []byte(edk.ProviderInfo), edk.Ciphertext} {
		if len(field) > 0xFFFF {
			return nil, errors.New("esdk: encrypted data key field too long")
		}
		binary.Write(&msg, binary.BigEndian, uint16(len(field)))
		msg.Write(field)
	}
	msg.WriteByte(contentFramed)
	msg.Write([]byte{0, 0, 0, 0})
	msg.WriteByte(ivLength)
	binary.Write(&msg, binary.BigEndian, uint32(frameLen))
	// Header authentication: GCM over nothing with the header as AAD and
	// an all-zero IV (format version 1).
	headerIV := make([]byte, ivLength)
	tag := gcm.Seal(nil, headerIV, nil, msg.Bytes())
	msg.Write(headerIV)
	msg.Write(tag)

	seq := uint32(1)
	rest := plaintext
	for len(rest) > frameLen {
		iv := frameIV(seq)
		msg.Write(binary.BigEndian.AppendUint32(nil, seq))
		msg.Write(iv)
		msg.Write(gcm.Seal(nil, iv, rest[:frameLen], bodyAAD(messageID, aadFrame, seq, frameLen)))
		rest = rest[frameLen:]
		seq++
	}
	iv := frameIV(seq)
	binary.Write(&msg, binary.BigEndian, uint32(finalFrameMarker))
	binary.Write(&msg, binary.BigEndian, seq)
	msg.Write(iv)
	binary.Write(&msg, binary.BigEndian, uint32(len(rest)))
	msg.Write(gcm.Seal(nil, iv, rest, bodyAAD(messageID, aadFinalFrame, seq, len(rest))))

	digest := sha512.Sum384(msg.Bytes())
	var sig []byte
	for len(sig) != p384SignatureLength {
		if sig, err = ecdsa.SignASN1(random, signer, digest[:]); err != nil {
			return nil, err
		}
	}
	binary.Write(&msg, binary.BigEndian, uint16(len(sig)))
	msg.Write(sig)
	return msg.Bytes(), nil
}

// Message is a decrypted message.
type Message struct {
	Suite             Suite
	EncryptionContext map[string]string
	EncryptedDataKeys []EncryptedDataKey
	Plaintext         []byte
}

// Decrypt reads and authenticates a format-version-1 message (framed or
// single-block) of SuiteP384 or SuiteHKDFSHA256 and returns its plaintext.
func Decrypt(ctx context.Context, kr Keyring, message []byte) (*Message, error) {
	r := &reader{b: message}
	if v := r.u8(); v != formatVersion1 {
		return nil, fmt.Errorf("esdk: message format version %#x is not supported", v)
	}
	if t := r.u8(); t != typeCustomerAE {
		return nil, fmt.Errorf("esdk: message type %#x", t)
	}
	suite := Suite(r.u16())
	if suite != SuiteP384 && suite != SuiteHKDFSHA256 {
		return nil, fmt.Errorf("esdk: algorithm suite %#04x is not supported", uint16(suite))
	}
	messageID := r.bytes(messageIDLength)
	ec, err := parseContext(r.bytes(int(r.u16())))
	if err != nil {
		return nil, err
	}
	m := &Message{Suite: suite, EncryptionContext: ec}
	for n := r.u16(); n > 0 && r.err == nil; n-- {
		m.EncryptedDataKeys = append(m.EncryptedDataKeys, EncryptedDataKey{
			ProviderID: string(r.bytes(int(r.u16()))), ProviderInfo: string(r.bytes(int(r.u16()))), Ciphertext: r.bytes(int(r.u16())),
		})
	}
	contentType := r.u8()
	r.bytes(4)
	if l := r.u8(); l != ivLength && r.err == nil {
		return nil, fmt.Errorf("esdk: IV length %d", l)
	}
	frameLen := int(r.u32())
	header := message[:r.off]
	headerIV, headerTag := r.bytes(ivLength), r.bytes(tagLength)
	if r.err != nil {
		return nil, r.err
	}
	dataKey, err := kr.DecryptDataKey(ctx, m.EncryptedDataKeys, ec)
	if err != nil {
		return nil, fmt.Errorf("esdk: decrypt data key: %w", err)
	}
	gcm, err := messageCipher(suite, dataKey, messageID)
	if err != nil {
		return nil, err
	}
	if _, err := gcm.Open(nil, headerIV, headerTag, header); err != nil {
		return nil, errors.New("esdk: header authentication failed")
	}
	switch contentType {
	case contentFramed:
		for seq := uint32(1); ; seq++ {
			final := r.u32() == finalFrameMarker
			if final {
				if s := r.u32(); s != seq {
					return nil, fmt.Errorf("esdk: final frame sequence %d, want %d", s, seq)
				}
			} else if r.err == nil && binary.BigEndian.Uint32(r.b[r.off-4:]) != seq {
				return nil, fmt.Errorf("esdk: frame sequence out of order")
			}
			iv := r.bytes(ivLength)
			n, label := frameLen, aadFrame
			if final {
				n, label = int(r.u32()), aadFinalFrame
			}
			if n > frameLen || r.err != nil {
				return nil, errors.New("esdk: malformed frame")
			}
			ct := r.bytes(n + tagLength)
			if r.err != nil {
				return nil, r.err
			}
			pt, err := gcm.Open(nil, iv, ct, bodyAAD(messageID, label, seq, n))
			if err != nil {
				return nil, fmt.Errorf("esdk: frame %d authentication failed", seq)
			}
			m.Plaintext = append(m.Plaintext, pt...)
			if final {
				break
			}
		}
	case 0x01:
		iv := r.bytes(ivLength)
		n := r.u64()
		if r.err != nil || n > uint64(len(message)) {
			return nil, errors.New("esdk: malformed body")
		}
		ct := r.bytes(int(n) + tagLength)
		if r.err != nil {
			return nil, r.err
		}
		pt, err := gcm.Open(nil, iv, ct, bodyAAD(messageID, aadSingle, 1, int(n)))
		if err != nil {
			return nil, errors.New("esdk: body authentication failed")
		}
		m.Plaintext = pt
	default:
		return nil, fmt.Errorf("esdk: content type %#x", contentType)
	}
	if suite.signed() {
		signed := message[:r.off]
		sig := r.bytes(int(r.u16()))
		if r.err != nil {
			return nil, r.err
		}
		pub, err := publicKeyFromContext(ec)
		if err != nil {
			return nil, err
		}
		digest := sha512.Sum384(signed)
		if !ecdsa.VerifyASN1(pub, digest[:], sig) {
			return nil, errors.New("esdk: signature verification failed")
		}
	}
	if r.off != len(message) {
		return nil, errors.New("esdk: trailing bytes after the message")
	}
	return m, nil
}

// messageCipher is AES-256-GCM under the message key: HKDF of the data key
// with no salt and info = suite ID || message ID (format version 1).
func messageCipher(suite Suite, dataKey, messageID []byte) (cipher.AEAD, error) {
	if len(dataKey) != keyLength {
		return nil, fmt.Errorf("esdk: data key of %d bytes, want %d", len(dataKey), keyLength)
	}
	info := binary.BigEndian.AppendUint16(nil, uint16(suite))
	info = append(info, messageID...)
	key, err := hkdf.Key(suite.hash(), dataKey, nil, string(info), keyLength)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// frameIV is the deterministic IV of frame seq: zeros, then seq.
func frameIV(seq uint32) []byte {
	iv := make([]byte, ivLength)
	binary.BigEndian.PutUint32(iv[ivLength-4:], seq)
	return iv
}

// bodyAAD is the additional data of a frame or single block.
func bodyAAD(messageID []byte, label string, seq uint32, n int) []byte {
	aad := append(slices.Clone(messageID), label...)
	aad = binary.BigEndian.AppendUint32(aad, seq)
	return binary.BigEndian.AppendUint64(aad, uint64(n))
}

// serializeContext writes the AAD length and the context, pairs sorted by
// the UTF-8 bytes of their keys; an empty context is just a zero length.
func serializeContext(ec map[string]string) ([]byte, error) {
	if len(ec) == 0 {
		return []byte{0, 0}, nil
	}
	keys := slices.Sorted(maps.Keys(ec))
	body := binary.BigEndian.AppendUint16(nil, uint16(len(keys)))
	for _, k := range keys {
		if len(k) > 0xFFFF || len(ec[k]) > 0xFFFF {
			return nil, errors.New("esdk: encryption context entry too long")
		}
		body = binary.BigEndian.AppendUint16(body, uint16(len(k)))
		body = append(body, k...)
		body = binary.BigEndian.AppendUint16(body, uint16(len(ec[k])))
		body = append(body, ec[k]...)
	}
	if len(body) > 0xFFFF {
		return nil, errors.New("esdk: encryption context too long")
	}
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(body))), body...), nil
}

func parseContext(b []byte) (map[string]string, error) {
	ec := map[string]string{}
	if len(b) == 0 {
		return ec, nil
	}
	r := &reader{b: b}
	for n := r.u16(); n > 0 && r.err == nil; n-- {
		k := string(r.bytes(int(r.u16())))
		v := string(r.bytes(int(r.u16())))
		if _, dup := ec[k]; dup {
			return nil, fmt.Errorf("esdk: duplicate encryption context key %q", k)
		}
		ec[k] = v
	}
	if r.err != nil || r.off != len(b) {
		return nil, errors.New("esdk: malformed encryption context")
	}
	return ec, nil
}

// compressP384 returns the SEC 1 compressed point of pub.
func compressP384(pub *ecdsa.PublicKey) ([]byte, error) {
	u, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	size := (len(u) - 1) / 2
	out := append([]byte{0x02 | u[len(u)-1]&1}, u[1:1+size]...)
	return out, nil
}

func publicKeyFromContext(ec map[string]string) (*ecdsa.PublicKey, error) {
	compressed, err := base64.StdEncoding.DecodeString(ec[PublicKeyContextKey])
	if err != nil || len(compressed) == 0 {
		return nil, errors.New("esdk: signed message without a usable public key in its encryption context")
	}
	curve := elliptic.P384()
	x, y := elliptic.UnmarshalCompressed(curve, compressed)
	if x == nil {
		return nil, errors.New("esdk: malformed public key")
	}
	size := (curve.Params().BitSize + 7) / 8
	u := make([]byte, 1+2*size)
	u[0] = 4
	x.FillBytes(u[1 : 1+size])
	y.FillBytes(u[1+size:])
	return ecdsa.ParseUncompressedPublicKey(curve, u)
}

// reader reads big-endian fields, remembering the first overrun.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n < 0 || r.off+n > len(r.b) {
		r.err = errors.New("esdk: message truncated")
		return nil
	}
	out := r.b[r.off : r.off+n]
	r.off += n
	return out
}

func (r *reader) u8() byte {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if b := r.bytes(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}
