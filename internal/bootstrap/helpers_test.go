package bootstrap_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/userpoold/userpoold/internal/bootstrap"
	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server"
	"github.com/userpoold/userpoold/internal/server/servertest"
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

// wantProblem checks that err is a *bootstrap.Error found before writing
// with a problem at line and field whose message contains message.
func wantProblem(t *testing.T, err error, line int, field, message string) {
	t.Helper()
	var be *bootstrap.Error
	if !errors.As(err, &be) || be.Applied {
		t.Fatalf("Apply = %v", err)
	}
	for _, p := range be.Problems {
		if p.Line == line && p.Field == field && strings.Contains(p.Message, message) {
			return
		}
	}
	t.Errorf("want line %d field %q message %q; got\n%v", line, field, message, be)
}

// poolCount is how many pools env's server has.
func poolCount(env *servertest.Env) int {
	out, _ := env.Client.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	if out == nil {
		return -1
	}
	return len(out.UserPools)
}
