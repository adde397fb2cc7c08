package localca

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestCreateAndReload(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ca, err := LoadOrCreate(dir, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info.Mode(), err)
	}
	block, _ := pem.Decode(ca.CertificatePEM())
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatal("CertificatePEM is not a PEM certificate")
	}
	cert := ca.Certificate()
	if !cert.IsCA || !cert.MaxPathLenZero || cert.NotAfter.Sub(t0) < 9*365*24*time.Hour || !strings.HasPrefix(cert.Subject.CommonName, "userpoold local CA ") {
		t.Fatalf("CA certificate %+v", cert.Subject)
	}
	if bytes.Contains(ca.CertificatePEM(), []byte("PRIVATE")) {
		t.Fatal("CertificatePEM leaks the key")
	}
	again, err := LoadOrCreate(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.CertificatePEM(), ca.CertificatePEM()) {
		t.Fatal("reload generated a new CA")
	}
	// A key readable by others is refused.
	if err := os.Chmod(filepath.Join(dir, KeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(dir, Options{}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("open key accepted: %v", err)
	}
	// A key that is not the certificate's is refused.
	os.Chmod(filepath.Join(dir, KeyFile), 0o600)
	otherDir := t.TempDir()
	if _, err := LoadOrCreate(otherDir, Options{}); err != nil {
		t.Fatal(err)
	}
	keyPEM, _ := os.ReadFile(filepath.Join(otherDir, KeyFile))
	os.WriteFile(filepath.Join(dir, KeyFile), keyPEM, 0o600)
	if _, err := LoadOrCreate(dir, Options{}); err == nil || !strings.Contains(err.Error(), "does not hold the key") {
		t.Fatalf("mismatched key accepted: %v", err)
	}
}

// TestTLSClientTrustingOnlyTheCA connects to a TLS server using the CA's
// configuration by each SAN, with a client that trusts only the CA.
func TestTLSClientTrustingOnlyTheCA(t *testing.T) {
	ca, err := LoadOrCreate(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	registered := map[string]bool{"auth.example.com": true}
	custom := func(name string) bool { mu.Lock(); defer mu.Unlock(); return registered[name] }

	port := serveTLS(t, "127.0.0.1:0", ca.TLSConfig("us-east-1", custom))

	dial := func(serverName string) error {
		conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", port), &tls.Config{RootCAs: ca.Pool(), ServerName: serverName})
		if err != nil {
			return err
		}
		return conn.Close()
	}
	for _, name := range []string{"localhost", "127.0.0.1", "myprefix.auth.us-east-1.amazoncognito.com", "other-app.auth.us-east-1.amazoncognito.com", "auth.example.com"} {
		if err := dial(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A custom domain registered while the server runs.
	if err := dial("login.example.org"); err == nil {
		t.Fatal("unregistered name verified")
	}
	mu.Lock()
	registered["login.example.org"] = true
	mu.Unlock()
	if err := dial("login.example.org"); err != nil {
		t.Fatalf("custom domain added at run time: %v", err)
	}
	for _, bad := range []string{"evil.example.com", "myprefix.auth.eu-west-1.amazoncognito.com", "a.b.auth.us-east-1.amazoncognito.com"} {
		if err := dial(bad); err == nil {
			t.Errorf("%s verified", bad)
		}
	}
	// ::1, where the machine has IPv6 loopback.
	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		ln.Close()
		port6 := serveTLS(t, "[::1]:0", ca.TLSConfig("us-east-1", nil))
		conn, err := tls.Dial("tcp", net.JoinHostPort("::1", port6), &tls.Config{RootCAs: ca.Pool(), ServerName: "::1"})
		if err != nil {
			t.Errorf("::1: %v", err)
		} else {
			conn.Close()
		}
	} else {
		t.Log("no IPv6 loopback; ::1 checked through the leaf's SANs only")
	}
	// An HTTP client that trusts only the CA.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	resp, err := client.Get("https://localhost:" + port + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestBaseLeaf(t *testing.T) {
	now := t0
	ca, err := LoadOrCreate(t.TempDir(), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	cfg := ca.TLSConfig("eu-west-1", nil)
	c, err := cfg.GetCertificate(&tls.ClientHelloInfo{})
	if err != nil {
		t.Fatal(err)
	}
	leaf := c.Leaf
	if strings.Join(leaf.DNSNames, ",") != "localhost,*.auth.eu-west-1.amazoncognito.com" || len(leaf.IPAddresses) != 2 ||
		!leaf.IPAddresses[0].Equal(net.ParseIP("127.0.0.1")) || !leaf.IPAddresses[1].Equal(net.ParseIP("::1")) {
		t.Fatalf("SANs %v %v", leaf.DNSNames, leaf.IPAddresses)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "::1", CurrentTime: t0}); err != nil {
		t.Fatalf("::1: %v", err)
	}
	if leaf.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth || leaf.NotAfter.Sub(t0) > 398*24*time.Hour {
		t.Fatalf("leaf usage or lifetime: %v %v", leaf.ExtKeyUsage, leaf.NotAfter)
	}
	// Cached, then renewed near expiry.
	again, _ := cfg.GetCertificate(&tls.ClientHelloInfo{ServerName: "localhost"})
	if again != c {
		t.Fatal("base leaf not cached")
	}
	now = leaf.NotAfter.Add(-leafRenew + time.Hour)
	renewed, _ := cfg.GetCertificate(&tls.ClientHelloInfo{ServerName: "localhost"})
	if renewed == c || !renewed.Leaf.NotAfter.After(leaf.NotAfter) {
		t.Fatal("leaf not renewed near expiry")
	}
}

// serveTLS serves "ok" over TLS with cfg on addr until the test ends and
// returns the port. (httptest.Server would add a certificate of its own,
// which Go's TLS server prefers to GetCertificate when there is no SNI.)
func serveTLS(t *testing.T, addr string, cfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:  http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }),
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go srv.Serve(tls.NewListener(ln, cfg))
	t.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func TestWriteCA(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := WriteCA(&out, dir); err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, CertFile))
	if err != nil || !bytes.Equal(out.Bytes(), onDisk) {
		t.Fatalf("printed CA differs from %s: %v", CertFile, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(out.Bytes()) {
		t.Fatal("printed PEM does not load into a pool")
	}
}
