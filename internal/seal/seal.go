package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// KeySize is the length of a master key in bytes.
const KeySize = 32

// version prefixes every ciphertext so the format can change later.
const version byte = 1

// ErrOpen is returned when a ciphertext fails authentication: wrong key,
// wrong associated data, or corruption. It never says which.
var ErrOpen = errors.New("seal: message authentication failed")

// Box seals and opens values with a key derived from a master key for one
// purpose. A Box is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
	rand io.Reader
}

// New returns a Box for purpose, keyed by HKDF-SHA256(master, info=purpose).
// master must be KeySize bytes. rand supplies nonces; nil means crypto/rand.
func New(master []byte, purpose string, rnd io.Reader) (*Box, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("seal: master key must be %d bytes, got %d", KeySize, len(master))
	}
	key, err := hkdf.Key(sha256.New, master, nil, "userpoold/"+purpose, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	return &Box{aead: aead, rand: rnd}, nil
}

// Seal encrypts plaintext, binding it to associatedData. The result is
// version || nonce || ciphertext-with-tag.
func (b *Box) Seal(plaintext, associatedData []byte) ([]byte, error) {
	ns := b.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+b.aead.Overhead())
	out[0] = version
	if _, err := io.ReadFull(b.rand, out[1:]); err != nil {
		return nil, fmt.Errorf("seal: reading nonce: %w", err)
	}
	return b.aead.Seal(out, out[1:1+ns], plaintext, associatedData), nil
}

// Open decrypts a value produced by Seal with the same purpose and
// associatedData. It returns ErrOpen if authentication fails.
func (b *Box) Open(ciphertext, associatedData []byte) ([]byte, error) {
	ns := b.aead.NonceSize()
	if len(ciphertext) < 1+ns+b.aead.Overhead() || ciphertext[0] != version {
		return nil, ErrOpen
	}
	pt, err := b.aead.Open(nil, ciphertext[1:1+ns], ciphertext[1+ns:], associatedData)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
