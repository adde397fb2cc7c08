package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/importjob/upload"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userimport"
	"github.com/userpoold/userpoold/internal/userpool"
)

// buildImports wires CSV user import jobs: the service of the six
// operations and the background runs (userimport), and the handler of the
// pre-signed upload URLs, served on the server's own listener under
// upload.PathPrefix and minted from base (the public URL), so that
//
//	curl -T users.csv '<PreSignedUrl>' -H 'x-amz-server-side-encryption: aws:kms'
//
// works as AWS documents it. The URLs are signed with a key pair derived
// from the master key: every node of a shared database accepts the URLs
// any of them minted. Job logs go to <DataDir>/import-logs/<poolId>/<jobId>.log
// and the server log.
func buildImports(cfg config.Config, store storage.Store, pools *userpool.Service, master []byte, base string, now func() time.Time, log *slog.Logger) (*userimport.Service, *upload.Handler) {
	mac := hmac.New(sha256.New, master)
	mac.Write([]byte("userpoold import upload URL signing key"))
	sum := mac.Sum(nil)
	signer := &upload.Signer{
		BaseURL:     base,
		AccessKeyID: "AKIAUSERPOOLD" + base32.StdEncoding.EncodeToString(sum[:5]),
		Secret:      hex.EncodeToString(sum[5:]),
		Region:      cfg.Region,
		Now:         now,
	}
	svc := &userimport.Service{
		Store:   store,
		Pools:   pools,
		Signer:  signer,
		Account: cfg.AccountID,
		Log:     &userimport.LogSink{Dir: filepath.Join(cfg.DataDir, "import-logs"), Logger: log, Now: now},
		Worker:  workerName(),
		Now:     now,
		Logger:  log,
	}
	return svc, &upload.Handler{Signer: signer, Store: svc.UploadStore(), Log: log}
}

// workerName names this process in the leases of the import jobs it runs:
// the host, the process and a random part, unique among the nodes of a
// database.
func workerName() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%x", host, os.Getpid(), b)
}
