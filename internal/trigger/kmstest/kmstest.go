// Package kmstest is a test double for the AWS KMS JSON API: an in-process
// HTTP server answering TrentService.GenerateDataKey and
// TrentService.Decrypt with raw AES-256 keys, so that the Encryption SDK
// code of package esdk and @aws-crypto/client-node's KMS keyring can be
// tested without LocalStack or local-kms. Encryption contexts are bound to
// ciphertexts as KMS binds them: Decrypt with another context fails with
// InvalidCiphertextException.
//
// It is for tests only.
package kmstest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Server is the endpoint.
type Server struct {
	// URL is the endpoint's base URL (the --kms-endpoint value).
	URL string

	srv   *httptest.Server
	mu    sync.Mutex
	keys  map[string][]byte // key ARN → AES-256 key
	calls []string
}

// NewServer starts an endpoint that is closed when t ends.
func NewServer(t testing.TB) *Server {
	s := &Server{keys: map[string][]byte{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// CreateKey adds a symmetric key with ARN keyARN
// (arn:aws:kms:<region>:<account>:key/<id>).
func (s *Server) CreateKey(keyARN string) {
	k := make([]byte, 32)
	rand.Read(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[keyARN] = k
}

// Calls returns the operations received so far.
func (s *Server) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

type request struct {
	KeyID             string            `json:"KeyId"`
	NumberOfBytes     int               `json:"NumberOfBytes"`
	KeySpec           string            `json:"KeySpec"`
	EncryptionContext map[string]string `json:"EncryptionContext"`
	CiphertextBlob    []byte            `json:"CiphertextBlob"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
	s.mu.Lock()
	s.calls = append(s.calls, op)
	s.mu.Unlock()
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		fail(w, "MissingAuthenticationTokenException", "request is not signed")
		return
	}
	var req request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, "SerializationException", err.Error())
		return
	}
	switch op {
	case "GenerateDataKey":
		s.generate(w, req)
	case "Decrypt":
		s.decrypt(w, req)
	default:
		fail(w, "UnknownOperationException", op+" is not served by kmstest")
	}
}

func (s *Server) key(id string) (string, []byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for arn, k := range s.keys {
		if arn == id || strings.HasSuffix(arn, ":key/"+id) {
			return arn, k, true
		}
	}
	return "", nil, false
}

func (s *Server) generate(w http.ResponseWriter, req request) {
	arn, key, ok := s.key(req.KeyID)
	if !ok {
		fail(w, "NotFoundException", "Key '"+req.KeyID+"' does not exist")
		return
	}
	n := req.NumberOfBytes
	switch {
	case req.KeySpec == "AES_256":
		n = 32
	case req.KeySpec == "AES_128":
		n = 16
	case n < 1 || n > 1024:
		fail(w, "ValidationException", "NumberOfBytes or KeySpec is required")
		return
	}
	plaintext := make([]byte, n)
	rand.Read(plaintext)
	blob := seal(arn, key, plaintext, req.EncryptionContext)
	reply(w, map[string]any{"KeyId": arn, "Plaintext": plaintext, "CiphertextBlob": blob})
}

func (s *Server) decrypt(w http.ResponseWriter, req request) {
	arn, nonceAndCT, err := split(req.CiphertextBlob)
	if err != nil {
		fail(w, "InvalidCiphertextException", "")
		return
	}
	if req.KeyID != "" && req.KeyID != arn {
		fail(w, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
		return
	}
	_, key, ok := s.key(arn)
	if !ok {
		fail(w, "NotFoundException", "Key '"+arn+"' does not exist")
		return
	}
	pt, err := open(key, nonceAndCT, req.EncryptionContext)
	if err != nil {
		fail(w, "InvalidCiphertextException", "")
		return
	}
	reply(w, map[string]any{"KeyId": arn, "Plaintext": pt, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})
}

// A ciphertext blob is len(arn) (2 bytes) || arn || nonce || GCM(plaintext).
func seal(arn string, key, plaintext []byte, ec map[string]string) []byte {
	gcm := newGCM(key)
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	blob := binary.BigEndian.AppendUint16(nil, uint16(len(arn)))
	blob = append(blob, arn...)
	blob = append(blob, nonce...)
	return gcm.Seal(blob, nonce, plaintext, contextAAD(ec))
}

func split(blob []byte) (string, []byte, error) {
	if len(blob) < 2 || len(blob) < 2+int(binary.BigEndian.Uint16(blob)) {
		return "", nil, errors.New("short blob")
	}
	n := int(binary.BigEndian.Uint16(blob))
	return string(blob[2 : 2+n]), blob[2+n:], nil
}

func open(key, nonceAndCT []byte, ec map[string]string) ([]byte, error) {
	gcm := newGCM(key)
	if len(nonceAndCT) < gcm.NonceSize() {
		return nil, errors.New("short blob")
	}
	return gcm.Open(nil, nonceAndCT[:gcm.NonceSize()], nonceAndCT[gcm.NonceSize():], contextAAD(ec))
}

func contextAAD(ec map[string]string) []byte {
	var aad []byte
	for _, k := range slices.Sorted(maps.Keys(ec)) {
		aad = binary.BigEndian.AppendUint32(aad, uint32(len(k)))
		aad = append(aad, k...)
		aad = binary.BigEndian.AppendUint32(aad, uint32(len(ec[k])))
		aad = append(aad, ec[k]...)
	}
	return aad
}

func newGCM(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return gcm
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}
