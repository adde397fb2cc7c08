package benchkit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// ProcessCPU returns the user+system CPU time process pid has used, from
// /proc/<pid>/stat (Linux), counting its waited-for children.
func ProcessCPU(pid int) (time.Duration, error) {
	if pid == 0 {
		return 0, errors.New("no pid")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; the fields after it
	// start behind its closing parenthesis.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime, stime, cutime, cstime are fields 14–17.
	if len(f) < 15 {
		return 0, errors.New("short /proc stat")
	}
	var ticks int64
	for _, s := range f[11:15] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += v
	}
	// USER_HZ is 100 on every Linux architecture Go supports.
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// ClosedBodyEOF works around a race between aws-sdk-go-v2 and net/http.
// The SDK (smithy-go v1.28) closes a request's body as soon as the
// response headers arrive, and once closed the body's WriteTo answers
// io.EOF. net/http's write loop may at that moment still be making its
// last read of the body (the check for bytes beyond Content-Length); it
// takes the io.EOF for a write error and closes the connection under the
// response, so a response longer than the transport's 4 KiB read buffer
// (InitiateAuth with tokens of Cognito's size) fails with "use of closed
// network connection", about once in a thousand calls, on any server. Hiding
// WriteTo sends that last read through Read, which answers a clean io.EOF.
// The SDK's bodies are of a type net/http does not know as in-memory
// already, so the requests on the wire do not change.
type ClosedBodyEOF struct{ Next http.RoundTripper }

// RoundTrip hides the body's WriteTo and sends the request with Next.
func (t ClosedBodyEOF) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = struct{ io.ReadCloser }{req.Body}
	}
	return t.Next.RoundTrip(req)
}
