package upload

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/importjob"
)

var (
	t0  = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	key = Key{Account: "123456789012", PoolID: "us-east-1_AbCdEf123", JobID: "import-mAgUtd8PMm"}
)

type testServer struct {
	srv    *httptest.Server
	signer *Signer
	store  *DirStore
	h      *Handler
	now    time.Time
	mu     sync.Mutex
}

func (ts *testServer) clock() time.Time {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.now
}

func (ts *testServer) setClock(t time.Time) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.now = t
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	ts := &testServer{now: t0}
	ts.store = &DirStore{Dir: t.TempDir()}
	ts.signer = &Signer{AccessKeyID: "AKIAUSERPOOLDIMPORT", Secret: "import-upload-secret", Region: "us-east-1", Now: ts.clock}
	ts.h = &Handler{Signer: ts.signer, Store: ts.store}
	mux := http.NewServeMux()
	mux.Handle(PathPrefix, ts.h)
	ts.srv = httptest.NewServer(mux)
	t.Cleanup(ts.srv.Close)
	ts.signer.BaseURL = ts.srv.URL
	return ts
}

func (ts *testServer) url(t *testing.T, k Key) string {
	t.Helper()
	u, err := ts.signer.URL(k)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func put(t *testing.T, target string, body []byte, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

var sse = map[string]string{"x-amz-server-side-encryption": "aws:kms"}

func TestURLShape(t *testing.T) {
	ts := newTestServer(t)
	raw := ts.url(t, key)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/_cognito/user-import/123456789012/us-east-1_AbCdEf123/import-mAgUtd8PMm" || u.Host != strings.TrimPrefix(ts.srv.URL, "http://") {
		t.Errorf("path %s host %s", u.Path, u.Host)
	}
	q := u.Query()
	want := map[string]string{
		"X-Amz-Algorithm":     "AWS4-HMAC-SHA256",
		"X-Amz-Credential":    "AKIAUSERPOOLDIMPORT/20260304/us-east-1/s3/aws4_request",
		"X-Amz-Date":          "20260304T050607Z",
		"X-Amz-Expires":       "899",
		"X-Amz-SignedHeaders": "host;x-amz-server-side-encryption",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if len(q.Get("X-Amz-Signature")) != 64 || len(q) != 6 {
		t.Errorf("query %v", q)
	}
	if !strings.Contains(u.RawQuery, "X-Amz-SignedHeaders=host%3Bx-amz-server-side-encryption") {
		t.Errorf("raw query %s", u.RawQuery)
	}
	if _, err := ts.signer.URL(Key{Account: "1", PoolID: "p", JobID: "j"}); err == nil {
		t.Error("invalid key signed")
	}
	bad := *ts.signer
	bad.BaseURL = "ftp://x"
	if _, err := bad.URL(key); err == nil {
		t.Error("non-http base URL accepted")
	}
}

func TestUploadWithGoClient(t *testing.T) {
	ts := newTestServer(t)
	target := ts.url(t, key)
	csv := []byte("cognito:username,email\nalice,alice@example.com\n")
	resp, body := put(t, target, csv, sse)
	if resp.StatusCode != 200 || len(body) != 0 {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
	sum := md5.Sum(csv)
	if resp.Header.Get("ETag") != `"`+hex.EncodeToString(sum[:])+`"` || resp.Header.Get("x-amz-server-side-encryption") != "aws:kms" || resp.Header.Get("x-amz-request-id") == "" {
		t.Errorf("headers %v", resp.Header)
	}
	got := readUpload(t, ts.store, key)
	if !bytes.Equal(got, csv) {
		t.Fatalf("stored %q", got)
	}
	// The last upload wins, within the URL's lifetime.
	ts.setClock(t0.Add(DefaultExpires))
	second := []byte("cognito:username\nbob\n")
	if resp, _ := put(t, target, second, sse); resp.StatusCode != 200 {
		t.Fatalf("second upload %d", resp.StatusCode)
	}
	if got := readUpload(t, ts.store, key); !bytes.Equal(got, second) {
		t.Fatalf("stored %q", got)
	}
}

func readUpload(t *testing.T, s *DirStore, k Key) []byte {
	t.Helper()
	f, err := s.Open(context.Background(), k.PoolID, k.JobID)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	return b
}

// The command of AWS's documentation, with the curl on this machine.
func TestUploadWithCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl")
	}
	ts := newTestServer(t)
	ts.signer.Now = nil // curl runs in real time
	target := ts.url(t, key)
	dir := t.TempDir()
	file := filepath.Join(dir, "users.csv")
	csv := "cognito:username,email\n" + strings.Repeat("alice,alice@example.com\n", 50000) // over 1 MB: curl sends Expect: 100-continue
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (code string, headers string, body string) {
		hdr, out := filepath.Join(dir, "h"), filepath.Join(dir, "b")
		cmd := exec.Command(curl, append([]string{"-sS", "-D", hdr, "-o", out, "-w", "%{http_code}"}, args...)...)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("curl: %v %s", err, b)
		}
		h, _ := os.ReadFile(hdr)
		o, _ := os.ReadFile(out)
		return string(b), string(h), string(o)
	}
	code, headers, _ := run("-T", file, target, "-H", "x-amz-server-side-encryption: aws:kms")
	sum := md5.Sum([]byte(csv))
	if code != "200" || !strings.Contains(strings.ToLower(headers), `etag: "`+hex.EncodeToString(sum[:])+`"`) {
		t.Fatalf("curl upload: %s\n%s", code, headers)
	}
	if got := readUpload(t, ts.store, key); string(got) != csv {
		t.Fatalf("stored %d bytes, want %d", len(got), len(csv))
	}
	// Without the header the URL was signed with.
	code, _, body := run("-T", file, target)
	if code != "403" || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") {
		t.Fatalf("curl without the header: %s %s", code, body)
	}
}

// s3Error decodes an S3 error body.
type s3Error struct {
	Code, Message, RequestId, HostId string
	Expires, ServerTime              string
	XAmzExpires                      string `xml:"X-Amz-Expires"`
	ProposedSize, MaxSizeAllowed     string
	AWSAccessKeyId                   string
	SignatureProvided                string
}

func decodeError(t *testing.T, resp *http.Response, body []byte) s3Error {
	t.Helper()
	if resp.Header.Get("Content-Type") != "application/xml" {
		t.Fatalf("content type %q, body %s", resp.Header.Get("Content-Type"), body)
	}
	if !bytes.HasPrefix(body, []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>")) {
		t.Fatalf("body %s", body)
	}
	var e s3Error
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	if e.RequestId == "" || e.HostId == "" || e.RequestId != resp.Header.Get("x-amz-request-id") {
		t.Errorf("ids %+v", e)
	}
	return e
}

func withQuery(t *testing.T, raw string, edit func(q url.Values)) string {
	t.Helper()
	u, _ := url.Parse(raw)
	q := u.Query()
	edit(q)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestUploadErrors(t *testing.T) {
	const mismatch = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	cases := []struct {
		name    string
		clock   time.Duration // from minting
		target  func(t *testing.T, ts *testServer, u string) string
		header  map[string]string
		method  string
		status  int
		code    string
		message string
	}{
		{"missing signature", 0, func(t *testing.T, _ *testServer, u string) string {
			return withQuery(t, u, func(q url.Values) { q.Del("X-Amz-Signature") })
		}, sse, "", 403, "AccessDenied", "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."},
		{"expired", DefaultExpires + time.Second, nil, sse, "", 403, "AccessDenied", "Request has expired"},
		{"not valid yet", -time.Hour, nil, sse, "", 403, "AccessDenied", "Request is not valid yet"},
		{"tampered signature", 0, func(t *testing.T, _ *testServer, u string) string {
			return withQuery(t, u, func(q url.Values) {
				s := []byte(q.Get("X-Amz-Signature"))
				s[0] ^= 1
				q.Set("X-Amz-Signature", string(s))
			})
		}, sse, "", 403, "SignatureDoesNotMatch", mismatch},
		{"longer expiry", 0, func(t *testing.T, _ *testServer, u string) string {
			return withQuery(t, u, func(q url.Values) { q.Set("X-Amz-Expires", "3600") })
		}, sse, "", 403, "SignatureDoesNotMatch", mismatch},
		{"another job's path", 0, func(t *testing.T, _ *testServer, u string) string {
			return strings.Replace(u, "import-mAgUtd8PMm", "import-other12345", 1)
		}, sse, "", 403, "SignatureDoesNotMatch", mismatch},
		{"no encryption header", 0, nil, nil, "", 403, "SignatureDoesNotMatch", mismatch},
		{"AES256 encryption", 0, nil, map[string]string{"x-amz-server-side-encryption": "AES256"}, "", 403, "SignatureDoesNotMatch", mismatch},
		{"GET", 0, nil, sse, http.MethodGet, 403, "SignatureDoesNotMatch", mismatch},
		{"other signed headers", 0, func(t *testing.T, _ *testServer, u string) string {
			return withQuery(t, u, func(q url.Values) { q.Set("X-Amz-SignedHeaders", "host") })
		}, sse, "", 403, "SignatureDoesNotMatch", mismatch},
		{"extra query parameter", 0, func(t *testing.T, _ *testServer, u string) string {
			return withQuery(t, u, func(q url.Values) { q.Set("x-id", "PutObject") })
		}, sse, "", 403, "SignatureDoesNotMatch", mismatch},
		{"other access key", 0, func(t *testing.T, _ *testServer, u string) string {
			return withQuery(t, u, func(q url.Values) {
				q.Set("X-Amz-Credential", strings.Replace(q.Get("X-Amz-Credential"), "AKIAUSERPOOLDIMPORT", "AKIAOTHER", 1))
			})
		}, sse, "", 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."},
		{"other region", 0, func(t *testing.T, _ *testServer, u string) string {
			return withQuery(t, u, func(q url.Values) {
				q.Set("X-Amz-Credential", strings.Replace(q.Get("X-Amz-Credential"), "us-east-1", "eu-west-1", 1))
			})
		}, sse, "", 400, "AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; expecting 'us-east-1'"},
		{"malformed credential", 0, func(t *testing.T, _ *testServer, u string) string {
			return withQuery(t, u, func(q url.Values) { q.Set("X-Amz-Credential", "AKIAUSERPOOLDIMPORT/20260304/us-east-1/s3") })
		}, sse, "", 400, "AuthorizationQueryParametersError", `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`},
		{"expires over a week", 0, func(t *testing.T, _ *testServer, u string) string {
			return withQuery(t, u, func(q url.Values) { q.Set("X-Amz-Expires", "604801") })
		}, sse, "", 400, "AuthorizationQueryParametersError", "X-Amz-Expires must be less than a week (in seconds) that is 604800"},
		{"expires not a number", 0, func(t *testing.T, _ *testServer, u string) string {
			return withQuery(t, u, func(q url.Values) { q.Set("X-Amz-Expires", "soon") })
		}, sse, "", 400, "AuthorizationQueryParametersError", "X-Amz-Expires should be a number"},
		{"algorithm", 0, func(t *testing.T, _ *testServer, u string) string {
			return withQuery(t, u, func(q url.Values) { q.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA1") })
		}, sse, "", 400, "AuthorizationQueryParametersError", `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`},
		{"date", 0, func(t *testing.T, _ *testServer, u string) string {
			return withQuery(t, u, func(q url.Values) { q.Set("X-Amz-Date", "2026-03-04T05:06:07Z") })
		}, sse, "", 400, "AuthorizationQueryParametersError", `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			target := ts.url(t, key)
			if tc.target != nil {
				target = tc.target(t, ts, target)
			}
			ts.setClock(t0.Add(tc.clock))
			method := tc.method
			if method == "" {
				method = http.MethodPut
			}
			req, _ := http.NewRequest(method, target, strings.NewReader("cognito:username\nx\n"))
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, body := do(t, req)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			e := decodeError(t, resp, body)
			if e.Code != tc.code || e.Message != tc.message {
				t.Fatalf("error %s %q, want %s %q", e.Code, e.Message, tc.code, tc.message)
			}
			if tc.name == "expired" && (e.XAmzExpires != "899" || e.Expires != "2026-03-04T05:21:06Z" || e.ServerTime != "2026-03-04T05:21:07Z") {
				t.Errorf("expiry details %+v", e)
			}
			if tc.code == "SignatureDoesNotMatch" && (e.AWSAccessKeyId != "AKIAUSERPOOLDIMPORT" || e.SignatureProvided == "") {
				t.Errorf("signature details %+v", e)
			}
			if ts.store.Exists(key.PoolID, key.JobID) {
				t.Error("a refused upload was stored")
			}
		})
	}
}

// The Host is signed: a URL used through another host name fails.
func TestHostIsSigned(t *testing.T) {
	ts := newTestServer(t)
	target := ts.url(t, key)
	req, _ := http.NewRequest(http.MethodPut, target, strings.NewReader("x"))
	req.Host = "localhost.example:1234"
	req.Header.Set("x-amz-server-side-encryption", "aws:kms")
	resp, body := do(t, req)
	if e := decodeError(t, resp, body); resp.StatusCode != 403 || e.Code != "SignatureDoesNotMatch" {
		t.Fatalf("%d %s", resp.StatusCode, e.Code)
	}
}

func TestSizeAndLength(t *testing.T) {
	ts := newTestServer(t)
	ts.h.MaxBytes = 10
	target := ts.url(t, key)
	resp, body := put(t, target, []byte("01234567890"), sse)
	e := decodeError(t, resp, body)
	if resp.StatusCode != 400 || e.Code != "EntityTooLarge" || e.Message != "Your proposed upload exceeds the maximum allowed size" || e.ProposedSize != "11" || e.MaxSizeAllowed != "10" {
		t.Fatalf("%d %+v", resp.StatusCode, e)
	}
	if resp, _ := put(t, target, []byte("0123456789"), sse); resp.StatusCode != 200 {
		t.Fatalf("upload at the cap: %d", resp.StatusCode)
	}
	// A chunked upload has no Content-Length.
	pr, pw := io.Pipe()
	go func() { pw.Write([]byte("abc")); pw.Close() }()
	req, _ := http.NewRequest(http.MethodPut, target, pr)
	req.Header.Set("x-amz-server-side-encryption", "aws:kms")
	resp, body = do(t, req)
	if e := decodeError(t, resp, body); resp.StatusCode != 411 || e.Code != "MissingContentLength" || e.Message != "You must provide the Content-Length HTTP header." {
		t.Fatalf("%d %+v", resp.StatusCode, e)
	}
	if ts.h.maxBytes() != 10 || (&Handler{}).maxBytes() != 100<<20 {
		t.Error("MaxBytes default is not 100 MB")
	}
}

func TestStoreRefusal(t *testing.T) {
	ts := newTestServer(t)
	ts.store.Accept = func(_ context.Context, k Key) error {
		return fmt.Errorf("job %s has started: %w", k.JobID, ErrNoSuchUpload)
	}
	resp, body := put(t, ts.url(t, key), []byte("x"), sse)
	if e := decodeError(t, resp, body); resp.StatusCode != 403 || e.Code != "AccessDenied" || e.Message != "Access Denied" {
		t.Fatalf("%d %+v", resp.StatusCode, e)
	}
	ts.store.Accept = func(context.Context, Key) error { return errors.New("disk full") }
	resp, body = put(t, ts.url(t, key), []byte("x"), sse)
	if e := decodeError(t, resp, body); resp.StatusCode != 500 || e.Code != "InternalError" {
		t.Fatalf("%d %+v", resp.StatusCode, e)
	}
}

// zeros is a body of n bytes that takes no memory.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), z.n)
	clear(p[:k])
	z.n -= k
	return int(k), nil
}

// peakStore wraps a DirStore and samples the heap as the body streams in.
type peakStore struct {
	*DirStore
	peak uint64
}

func (p *peakStore) Put(ctx context.Context, k Key, r io.Reader) error {
	return p.DirStore.Put(ctx, k, &sampling{r: r, p: p})
}

type sampling struct {
	r    io.Reader
	p    *peakStore
	read int64
	next int64
}

func (s *sampling) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	if s.read += int64(n); s.read >= s.next {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s.p.peak = max(s.p.peak, ms.HeapAlloc)
		s.next += 4 << 20
	}
	return n, err
}

// A 100 MB upload streams to disk: the heap does not grow with it.
func TestUploadStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MB upload")
	}
	ts := newTestServer(t)
	ps := &peakStore{DirStore: ts.store}
	ts.h.Store = ps
	const size = 100 << 20
	req, _ := http.NewRequest(http.MethodPut, ts.url(t, key), &zeros{n: size})
	req.ContentLength = size
	req.Header.Set("x-amz-server-side-encryption", "aws:kms")
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	resp, body := do(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if grew := int64(ps.peak) - int64(base); grew > 16<<20 {
		t.Fatalf("heap grew by %d MiB for a 100 MiB upload", grew>>20)
	}
	fi, err := os.Stat(filepath.Join(ts.store.Dir, key.PoolID, key.JobID+".csv"))
	if err != nil || fi.Size() != size || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file %v %v", fi, err)
	}
}

func TestDirStore(t *testing.T) {
	d := &DirStore{Dir: t.TempDir()}
	ctx := context.Background()
	if _, err := d.Open(ctx, key.PoolID, key.JobID); !errors.Is(err, importjob.ErrNoFile) {
		t.Fatalf("Open before upload: %v", err)
	}
	if err := d.Put(ctx, key, strings.NewReader("first")); err != nil {
		t.Fatal(err)
	}
	// A failing upload keeps the previous file and leaves no temporary file.
	err := d.Put(ctx, key, io.MultiReader(strings.NewReader("partial"), errReader{}))
	if err == nil {
		t.Fatal("a failed read was stored")
	}
	if got := readUpload(t, d, key); string(got) != "first" {
		t.Fatalf("after a failed upload: %q", got)
	}
	entries, _ := os.ReadDir(filepath.Join(d.Dir, key.PoolID))
	if len(entries) != 1 {
		t.Fatalf("files left: %v", entries)
	}
	if !d.Exists(key.PoolID, key.JobID) || d.Delete(ctx, key.PoolID, key.JobID) != nil || d.Exists(key.PoolID, key.JobID) {
		t.Fatal("Exists/Delete")
	}
	if err := d.Delete(ctx, key.PoolID, key.JobID); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	for _, bad := range []Key{{Account: "123456789012", PoolID: "../etc", JobID: key.JobID}, {Account: "123456789012", PoolID: key.PoolID, JobID: "import-../x"}} {
		if err := d.Put(ctx, bad, strings.NewReader("x")); !errors.Is(err, ErrNoSuchUpload) {
			t.Errorf("Put(%v) = %v", bad, err)
		}
		if _, err := d.Open(ctx, bad.PoolID, bad.JobID); !errors.Is(err, importjob.ErrNoFile) {
			t.Errorf("Open(%v) = %v", bad, err)
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestKeyOf(t *testing.T) {
	if k, ok := keyOf(key.Path()); !ok || k != key {
		t.Fatalf("keyOf(Path) = %v %v", k, ok)
	}
	for _, p := range []string{"/", PathPrefix, PathPrefix + "123456789012/us-east-1_A/import-a/x", PathPrefix + "12345/us-east-1_A/import-a", "/other/123456789012/us-east-1_A/import-a"} {
		if _, ok := keyOf(p); ok {
			t.Errorf("keyOf(%q) ok", p)
		}
	}
}

// recorder is a UserCreator and LogSink for the end-to-end test.
type recorder struct {
	mu    sync.Mutex
	users []importjob.ImportedUser
	lines []string
}

func (r *recorder) CreateImportedUser(_ context.Context, u importjob.ImportedUser) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users = append(r.users, u)
	return nil
}

func (r *recorder) WriteImportLog(_ context.Context, _, _ string, lines []importjob.LogLine) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range lines {
		r.lines = append(r.lines, l.String())
	}
	return nil
}

type oneJob struct {
	mu  sync.Mutex
	job importjob.Job
}

func (o *oneJob) UpdateImportJob(_ context.Context, _, _ string, fn func(importjob.Job) (importjob.Job, error)) (importjob.Job, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	j, err := fn(o.job)
	if err != nil {
		return o.job, err
	}
	o.job = j
	return j, nil
}

// Create a job, upload its file to the pre-signed URL, start and run it:
// the path a user of the API takes, without the API.
func TestUploadThenRun(t *testing.T) {
	ts := newTestServer(t)
	pool := importjob.Pool{ID: key.PoolID, Name: "pool", AutoVerified: []string{"email"}, MFA: importjob.MFAOff}
	job, err := importjob.NewJob(importjob.NewJobParams{PoolID: pool.ID, JobName: "e2e", CloudWatchLogsRoleARN: "arn:aws:iam::123456789012:role/import"}, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	k := Key{Account: "123456789012", PoolID: pool.ID, JobID: job.JobID}
	job.PreSignedURL = ts.url(t, k)

	csv := strings.Join(importjob.Header(pool), ",") + "\n" +
		",Jane,Roe,,,,,,,jane@example.com,TRUE,,01/01/1985,,,+12345550199,TRUE,100 Main Street,,FALSE,Jane\n" +
		",John,Doe,,,,,,,john@example.com,FALSE,,02/01/1985,,,+12345550100,TRUE,123 Any Street,,FALSE,John\n"
	if resp, body := put(t, job.PreSignedURL, []byte(csv), sse); resp.StatusCode != 200 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	if err := importjob.CheckStart(pool, ts.store.Exists(pool.ID, job.JobID), 0); err != nil {
		t.Fatal(err)
	}
	if err := job.Apply(importjob.EventStart, t0, ""); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	store := &oneJob{job: job}
	r := &importjob.Runner{Store: store, Users: rec, Files: ts.store, Log: rec, Now: func() time.Time { return t0 }, Worker: "node-1"}
	done, err := r.Run(context.Background(), pool, job.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != importjob.Succeeded || done.ImportedUsers != 1 || done.FailedUsers != 1 {
		t.Fatalf("job %+v", done)
	}
	if len(rec.users) != 1 || rec.users[0].Username != "Jane" || rec.users[0].Status != importjob.StatusResetRequired {
		t.Fatalf("users %+v", rec.users)
	}
	want := []string{"[SUCCEEDED] Line Number 2 - The import succeeded.", "[FAILED] Line Number 3 - The User Record does not set any of the auto verified attributes to verified. (Example: email_verified to true)."}
	if strings.Join(rec.lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("log %q", rec.lines)
	}
	if ts.store.Exists(pool.ID, job.JobID) {
		t.Error("the file outlived the job")
	}
}
