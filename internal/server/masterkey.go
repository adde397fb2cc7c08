package server

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/seal"
)

// loadMasterKey returns the master key: cfg.MasterKey, else the contents of
// cfg.MasterKeyFile, else <DataDir>/master.key, generated (mode 0600) when
// it does not exist.
func loadMasterKey(cfg config.Config) ([]byte, error) { return readMasterKey(cfg, true) }

// ReadMasterKey returns cfg's master key like the server reads it, but
// never generates one: for the subcommands that open an existing store.
func ReadMasterKey(cfg config.Config) ([]byte, error) { return readMasterKey(cfg, false) }

func readMasterKey(cfg config.Config, mayGenerate bool) ([]byte, error) {
	if cfg.MasterKey != "" {
		return parseKey(cfg.MasterKey)
	}
	path := cfg.MasterKeyFile
	generate := false
	if path == "" {
		path = filepath.Join(cfg.DataDir, "master.key")
		generate = mayGenerate
	}
	b, err := os.ReadFile(path)
	if err == nil {
		return parseKey(strings.TrimSpace(string(b)))
	}
	if !errors.Is(err, os.ErrNotExist) || !generate {
		return nil, fmt.Errorf("reading master key: %w", err)
	}
	key := make([]byte, seal.KeySize)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadMasterKey(cfg) // another process won the race
	}
	if err != nil {
		return nil, fmt.Errorf("writing master key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

func parseKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == seal.KeySize {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == seal.KeySize {
		return b, nil
	}
	return nil, fmt.Errorf("master key must be %d bytes, hex or base64 encoded", seal.KeySize)
}
