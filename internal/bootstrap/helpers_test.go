package bootstrap_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"testing"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server"
)

// secretHashOf is the SECRET_HASH of username for a client with a secret.
func secretHashOf(clientID, secret, username string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startServer builds a server from cfg (and closes it), returning New's
// error.
func startServer(cfg config.Config) (*server.Server, error) {
	s, err := server.New(ctx, cfg, server.Options{})
	if err == nil {
		s.Close()
	}
	return s, err
}
