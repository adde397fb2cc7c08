package upload

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/userpoold/userpoold/internal/importjob"
)

// Store receives uploads. Put reads r to its end and keeps what it read as
// k's file, replacing any earlier one (the last upload wins), or keeps
// nothing if r returns an error, which Put then returns. It returns an
// error wrapping ErrNoSuchUpload when k names no job that takes uploads.
type Store interface {
	Put(ctx context.Context, k Key, r io.Reader) error
}

// ErrNoSuchUpload is what Store.Put wraps for a job that does not exist or
// no longer takes uploads; Handler answers 403 AccessDenied.
var ErrNoSuchUpload = errors.New("upload: no such import job")

// Handler answers PUTs to pre-signed upload URLs (mount it at PathPrefix).
type Handler struct {
	Signer *Signer
	Store  Store
	// MaxBytes caps an upload; 0 means importjob.MaxFileBytes (100 MB).
	MaxBytes int64
	// Log records store failures (never the file); nil means slog.Default.
	Log *slog.Logger
}

func (h *Handler) maxBytes() int64 {
	if h.MaxBytes > 0 {
		return h.MaxBytes
	}
	return importjob.MaxFileBytes
}

// ServeHTTP verifies the URL's signature and expiry, requires a
// Content-Length within MaxBytes, and streams the body into the Store,
// computing its MD5 on the way. It answers 200 with the body's MD5 as ETag
// (S3's ETag of a single PUT) and the encryption header echoed, or an S3
// error.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID, hostID := ids()
	k, serr := h.Signer.verify(r)
	if serr != nil {
		h.fail(w, serr, requestID, hostID)
		return
	}
	if r.ContentLength < 0 || len(r.TransferEncoding) > 0 {
		h.fail(w, errMissingLength, requestID, hostID)
		return
	}
	if max := h.maxBytes(); r.ContentLength > max {
		h.fail(w, errTooLarge(r.ContentLength, max), requestID, hostID)
		return
	}
	body := &countingReader{r: r.Body, h: md5.New(), limit: r.ContentLength}
	err := h.Store.Put(r.Context(), k, body)
	switch {
	case errors.Is(err, ErrNoSuchUpload):
		h.fail(w, errAccessDenied, requestID, hostID)
		return
	case err != nil && (body.short || errors.Is(err, io.ErrUnexpectedEOF)):
		h.fail(w, errIncompleteBody, requestID, hostID)
		return
	case err != nil:
		h.log().ErrorContext(r.Context(), "import upload failed", "pool", k.PoolID, "job", k.JobID, "err", err)
		h.fail(w, errInternal, requestID, hostID)
		return
	}
	hd := w.Header()
	hd.Set("x-amz-request-id", requestID)
	hd.Set("x-amz-id-2", hostID)
	hd.Set("ETag", `"`+hex.EncodeToString(body.h.Sum(nil))+`"`)
	hd.Set("x-amz-server-side-encryption", SSEValue)
	hd.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

func (h *Handler) fail(w http.ResponseWriter, e *Error, requestID, hostID string) {
	body := e.body(requestID, hostID)
	hd := w.Header()
	hd.Set("Content-Type", "application/xml")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	hd.Set("x-amz-request-id", requestID)
	hd.Set("x-amz-id-2", hostID)
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// ids returns an S3-looking request ID (16 upper-case hex characters) and
// host ID (base64).
func ids() (string, string) {
	var b [56]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:8])), base64.StdEncoding.EncodeToString(b[8:])
}

// countingReader hashes what it reads and reports a body shorter than its
// Content-Length as io.ErrUnexpectedEOF (the server's own check also fails
// such a read).
type countingReader struct {
	r     io.Reader
	h     hash.Hash
	n     int64
	limit int64
	short bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n >= c.limit {
		return 0, io.EOF
	}
	if int64(len(p)) > c.limit-c.n {
		p = p[:c.limit-c.n]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.h.Write(p[:n])
	if err == io.EOF && c.n < c.limit {
		c.short = true
		return n, io.ErrUnexpectedEOF
	}
	if err != nil && err != io.EOF {
		c.short = true
		return n, fmt.Errorf("reading the upload: %w", err)
	}
	return n, err
}
