package localca

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// File names in the data directory.
const (
	CertFile = "ca.pem"
	KeyFile  = "ca-key.pem"
)

// Lifetimes. Leaves stay under the 398 days browsers accept and are
// re-issued when less than leafRenew of their life is left.
const (
	caLifetime   = 10 * 365 * 24 * time.Hour
	leafLifetime = 365 * 24 * time.Hour
	leafRenew    = 30 * 24 * time.Hour
	backdate     = time.Hour // tolerate clocks slightly behind
)

// maxCachedLeaves bounds the per-SNI cache (custom domains are limited to
// a handful per account in AWS; this is generous).
const maxCachedLeaves = 1024

// Options tune LoadOrCreate; the zero value is fine.
type Options struct {
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Rand supplies key material and serial numbers; nil means crypto/rand.
	Rand io.Reader
}

// CA is a loaded local certificate authority. It is safe for concurrent
// use.
type CA struct {
	cert    *x509.Certificate
	certPEM []byte
	key     crypto.Signer
	now     func() time.Time
	rand    io.Reader

	mu     sync.Mutex
	leaves map[string]*tls.Certificate // by cache key
}

// LoadOrCreate loads the CA from dir, or generates one there when ca.pem or
// ca-key.pem is missing. It refuses a key file that group or others may
// read or write.
func LoadOrCreate(dir string, opts Options) (*CA, error) {
	ca := &CA{now: opts.Now, rand: opts.Rand, leaves: map[string]*tls.Certificate{}}
	if ca.now == nil {
		ca.now = time.Now
	}
	if ca.rand == nil {
		ca.rand = rand.Reader
	}
	certPath, keyPath := filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile)
	_, certErr := os.Stat(certPath)
	_, keyErr := os.Stat(keyPath)
	if errors.Is(certErr, os.ErrNotExist) || errors.Is(keyErr, os.ErrNotExist) {
		if err := ca.generate(dir, certPath, keyPath); err != nil {
			return nil, err
		}
		return ca, nil
	}
	if err := ca.load(certPath, keyPath); err != nil {
		return nil, err
	}
	return ca, nil
}

func (ca *CA) generate(dir, certPath, keyPath string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("localca: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), ca.rand)
	if err != nil {
		return fmt.Errorf("localca: generating key: %w", err)
	}
	serial, err := ca.serial()
	if err != nil {
		return err
	}
	skid, err := keyID(key.Public())
	if err != nil {
		return err
	}
	now := ca.now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			Organization: []string{"userpoold development CA"},
			// A per-install name, so trust stores never confuse two CAs.
			CommonName: "userpoold local CA " + hex.EncodeToString(skid[:4]),
		},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SubjectKeyId:          skid,
	}
	der, err := x509.CreateCertificate(ca.rand, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return fmt.Errorf("localca: creating CA certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("localca: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := writeFileAtomic(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	if err := writeFileAtomic(certPath, certPEM, 0o644); err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("localca: %w", err)
	}
	ca.cert, ca.certPEM, ca.key = cert, certPEM, key
	return nil
}

// writeFileAtomic writes data to a temporary file with mode perm in the
// same directory and renames it over path.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("localca: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return fmt.Errorf("localca: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("localca: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("localca: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("localca: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("localca: %w", err)
	}
	return nil
}

func (ca *CA) load(certPath, keyPath string) error {
	info, err := os.Stat(keyPath)
	if err != nil {
		return fmt.Errorf("localca: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("localca: %s has mode %v; it must be readable by its owner only (chmod 600)", keyPath, info.Mode().Perm())
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return fmt.Errorf("localca: %w", err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return fmt.Errorf("localca: %w", err)
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || cb.Type != "CERTIFICATE" || kb == nil || kb.Type != "PRIVATE KEY" {
		return fmt.Errorf("localca: %s or %s is not PEM of the expected type", certPath, keyPath)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return fmt.Errorf("localca: %s: %w", certPath, err)
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return fmt.Errorf("localca: %s: %w", keyPath, err)
	}
	key, ok := k.(crypto.Signer)
	if !ok || !publicKeysEqual(key.Public(), cert.PublicKey) {
		return fmt.Errorf("localca: %s does not hold the key of %s", keyPath, certPath)
	}
	if !cert.IsCA {
		return fmt.Errorf("localca: %s is not a CA certificate", certPath)
	}
	ca.cert, ca.certPEM, ca.key = cert, certPEM, key
	return nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

// keyID is the RFC 5280 §4.2.1.2 method (1) key identifier.
func keyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("localca: %w", err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("localca: %w", err)
	}
	sum := sha1.Sum(spki.PublicKey.Bytes)
	return sum[:], nil
}

func (ca *CA) serial() (*big.Int, error) {
	n, err := rand.Int(ca.rand, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("localca: serial: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

// Certificate returns the CA certificate.
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// CertificatePEM returns the CA certificate as PEM, what a developer adds
// to a trust store (NODE_EXTRA_CA_CERTS, the OS or browser store).
func (ca *CA) CertificatePEM() []byte { return bytes.Clone(ca.certPEM) }

// Pool returns a certificate pool holding only the CA, for clients that
// should trust nothing else.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// BaseNames are the SANs of the base leaf: localhost, 127.0.0.1, ::1 and
// the prefix-domain wildcard of region.
func BaseNames(region string) []string {
	return []string{"localhost", "127.0.0.1", "::1", "*.auth." + strings.ToLower(region) + ".amazoncognito.com"}
}

// Issue returns a leaf certificate (ECDSA P-256, server authentication)
// for names, which may be DNS names (wildcards included) or IP addresses.
// The chain holds the leaf and the CA.
func (ca *CA) Issue(names []string) (*tls.Certificate, error) {
	if len(names) == 0 {
		return nil, errors.New("localca: Issue needs at least one name")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), ca.rand)
	if err != nil {
		return nil, fmt.Errorf("localca: %w", err)
	}
	serial, err := ca.serial()
	if err != nil {
		return nil, err
	}
	now := ca.now()
	tmpl := &x509.Certificate{
		SerialNumber:   serial,
		Subject:        pkix.Name{Organization: []string{"userpoold development certificate"}, CommonName: names[0]},
		NotBefore:      now.Add(-backdate),
		NotAfter:       now.Add(leafLifetime),
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		AuthorityKeyId: ca.cert.SubjectKeyId,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	if tmpl.NotAfter.After(ca.cert.NotAfter) {
		tmpl.NotAfter = ca.cert.NotAfter
	}
	der, err := x509.CreateCertificate(ca.rand, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return nil, fmt.Errorf("localca: issuing: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("localca: %w", err)
	}
	return &tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// cached returns the leaf cached under cacheKey, issuing it for names when
// it is missing or close to expiry.
func (ca *CA) cached(cacheKey string, names []string) (*tls.Certificate, error) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if c, ok := ca.leaves[cacheKey]; ok && ca.now().Add(leafRenew).Before(c.Leaf.NotAfter) {
		return c, nil
	}
	c, err := ca.Issue(names)
	if err != nil {
		return nil, err
	}
	if len(ca.leaves) >= maxCachedLeaves {
		clear(ca.leaves)
	}
	ca.leaves[cacheKey] = c
	return c, nil
}

// CustomDomains tells whether a name is a registered custom domain (any
// pool's), so the CA issues certificates only for those. The server backs it
// with the domain store (a cached lookup: it runs during TLS handshakes).
type CustomDomains func(name string) bool

// TLSConfig returns a server configuration for the TLS listener: the
// base leaf for connections without SNI, by IP, to localhost or to any
// prefix domain of region; a leaf of its own for each registered custom
// domain, issued on first use and cached. Leave its Certificates empty:
// Go's TLS server prefers them to GetCertificate when there is no SNI.
func (ca *CA) TLSConfig(region string, custom CustomDomains) *tls.Config {
	base := BaseNames(region)
	suffix := ".auth." + strings.ToLower(region) + ".amazoncognito.com"
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			name := strings.TrimSuffix(strings.ToLower(hello.ServerName), ".")
			if name != "" && name != "localhost" && !strings.HasSuffix(name, suffix) && custom != nil && custom(name) {
				return ca.cached("custom:"+name, []string{name})
			}
			return ca.cached("base", base)
		},
	}
}

// WriteCA writes the PEM of the CA in dir to w, generating the CA first if
// dir has none: what `userpoold ca` prints for a developer to trust (for
// example NODE_EXTRA_CA_CERTS=<file>, or the system or browser trust
// store).
func WriteCA(w io.Writer, dir string) error {
	ca, err := LoadOrCreate(dir, Options{})
	if err != nil {
		return err
	}
	_, err = w.Write(ca.CertificatePEM())
	return err
}
