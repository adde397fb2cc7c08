// Package seal encrypts secrets at rest. A Box holds one master key and
// derives a purpose-specific AES-256-GCM key from it with HKDF-SHA256, so
// that ciphertexts of one purpose never open under another.
//
// It implements storage.Sealer and imports only the standard library.
package seal
