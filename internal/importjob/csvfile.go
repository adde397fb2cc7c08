package importjob

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// FileError is a problem with the file as a whole: the job fails with
// Message as its CompletionMessage. Detail says what was wrong, for the
// server log; neither quotes the file's content.
type FileError struct {
	Message string
	Detail  string
}

func (e *FileError) Error() string { return "importjob: " + e.Detail }

func fileError(detail string) *FileError { return &FileError{Message: MsgUnparsable, Detail: detail} }

// Record is one row of a CSV file after the header.
type Record struct {
	// Line is the row's line in the file; the header is line 1.
	// UNCONFIRMED: that AWS's "Line Number" counts the header as line 1.
	Line int64
	// Fields are the row's values, one per header column, trimmed of
	// white space, with "\," turned into ",". Nil when Problem is set.
	Fields []string
	// Problem, when not empty, is why the row cannot be read: it fails
	// with this reason and the rest of the file goes on.
	Problem Reason
}

// Reader reads the CSV dialect of the Developer Guide: UTF-8 without a byte
// order mark, the header on the first line, one user per line (LF or CRLF),
// fields separated by commas, no quoting (quotes are part of the value), a
// comma inside a value written "\,", values trimmed of leading and trailing
// white space. Lines of white space only are skipped. It holds one line in
// memory at a time.
type Reader struct {
	br     *bufio.Reader
	line   int64
	header []string
	buf    []byte
}

// maxLineBytes bounds what a line may occupy in memory: MaxRowChars
// characters of up to four bytes, and a CRLF.
const maxLineBytes = 4*MaxRowChars + 2

// NewReader reads the header of r. It returns a *FileError when the file
// has no header, starts with a byte order mark, or has a header that is not
// UTF-8, is too long, or names a column twice or not at all.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{br: bufio.NewReaderSize(r, 64<<10)}
	for {
		raw, tooLong, err := rd.readLine()
		if err == io.EOF && raw == nil {
			return nil, fileError("the file has no header")
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if rd.line == 1 && bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
			// UNCONFIRMED: AWS requires "UTF-8 format without byte order
			// mark"; what it does with one is not documented.
			return nil, fileError("the file starts with a byte order mark")
		}
		if tooLong || !utf8.Valid(raw) {
			return nil, fileError("the header is too long or not UTF-8")
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			if err == io.EOF {
				return nil, fileError("the file has no header")
			}
			continue
		}
		names := split(raw)
		seen := make(map[string]bool, len(names))
		for _, n := range names {
			if n == "" || seen[n] {
				return nil, fileError("the header has an empty or repeated column")
			}
			seen[n] = true
		}
		rd.header = names
		return rd, nil
	}
}

// Header returns the column names of the header line, in file order.
func (r *Reader) Header() []string { return r.header }

// Next returns the next row. It returns io.EOF after the last one, and any
// error reading the underlying reader.
func (r *Reader) Next() (Record, error) {
	for {
		raw, tooLong, err := r.readLine()
		if err != nil && err != io.EOF {
			return Record{}, err
		}
		if raw == nil && err == io.EOF {
			return Record{}, io.EOF
		}
		rec := Record{Line: r.line}
		switch {
		case tooLong || utf8.RuneCount(raw) > MaxRowChars:
			rec.Problem = ReasonTooLong
		case !utf8.Valid(raw):
			rec.Problem = ReasonEncoding
		case len(bytes.TrimSpace(raw)) == 0:
			if err == io.EOF {
				return Record{}, io.EOF
			}
			continue
		default:
			rec.Fields = split(raw)
			if len(rec.Fields) != len(r.header) {
				rec.Fields, rec.Problem = nil, ReasonColumns
			}
		}
		return rec, nil
	}
}

// readLine returns the next line without its line ending, and whether it
// was longer than maxLineBytes (then only its start is returned). At the
// end of the input it returns the last line, if any, with io.EOF; a nil
// line with io.EOF means there was none.
func (r *Reader) readLine() (line []byte, tooLong bool, err error) {
	r.buf = r.buf[:0]
	started := false
	for {
		chunk, rerr := r.br.ReadSlice('\n')
		if len(chunk) > 0 {
			started = true
		}
		if !tooLong {
			if len(r.buf)+len(chunk) > maxLineBytes {
				tooLong = true
				r.buf = append(r.buf, chunk[:maxLineBytes-len(r.buf)]...)
			} else {
				r.buf = append(r.buf, chunk...)
			}
		}
		switch {
		case rerr == nil:
			r.line++
			return trimEOL(r.buf), tooLong, nil
		case errors.Is(rerr, bufio.ErrBufferFull):
			continue
		case rerr == io.EOF:
			if !started {
				return nil, false, io.EOF
			}
			r.line++
			return trimEOL(r.buf), tooLong, io.EOF
		default:
			return nil, false, rerr
		}
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// split cuts a line at commas not escaped as "\,", unescapes them and trims
// each value. A comma right after a backslash is escaped, whatever precedes
// the backslash.
func split(line []byte) []string {
	s := string(line)
	fields := make([]string, 0, strings.Count(s, ",")+1)
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ',' && (i == 0 || s[i-1] != '\\') {
			fields = append(fields, unescape(s[start:i]))
			start = i + 1
		}
	}
	return append(fields, unescape(s[start:]))
}

func unescape(f string) string {
	if strings.Contains(f, `\,`) {
		f = strings.ReplaceAll(f, `\,`, ",")
	}
	return strings.TrimSpace(f)
}
