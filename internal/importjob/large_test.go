package importjob

import (
	"context"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// genFile generates a CSV of n users for testPool as it is read, so that
// the file itself takes no memory. Every 1000th row has nothing verified
// (a bad row); the others are valid.
type genFile struct {
	n, i int
	buf  []byte
}

func (g *genFile) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		switch {
		case g.i == 0:
			g.buf = append(g.buf[:0], strings.Join(Header(testPool), ",")+"\n"...)
		case g.i > g.n:
			return 0, io.EOF
		default:
			g.buf = appendRow(g.buf[:0], g.i)
		}
		g.i++
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

// appendRow appends user i's line in Header(testPool) order.
func appendRow(b []byte, i int) []byte {
	id := strconv.Itoa(i)
	verified := "TRUE"
	if i%1000 == 0 {
		verified = "FALSE"
	}
	b = append(b, "User "+id+",Given"+id+",Family,,,,,,,user"+id+"@example.com,"+verified+",,02/01/1985,,en,+1206555"+id+",FALSE,123 Any Street\\, Apt 4,1471453471,tenant-7,,user"+id+"\n"...)
	return b
}

type genFiles struct{ n int }

func (g genFiles) Open(context.Context, string, string) (io.ReadCloser, error) {
	return io.NopCloser(&genFile{n: g.n}), nil
}
func (genFiles) Delete(context.Context, string, string) error { return nil }

func runGenerated(tb testing.TB, n int, sample func()) Job {
	tb.Helper()
	e := newEnv(testingT(tb), "", "")
	users := &countingUsers{seen: make(map[uint64]struct{}, n)}
	r := &Runner{Store: e.store, Users: users, Files: genFiles{n}, Log: &discardLog{hooks: sample}, Now: e.clock.now, Worker: "node-1"}
	j, err := r.Run(context.Background(), testPool, e.job.JobID)
	if err != nil {
		tb.Fatal(err)
	}
	return j
}

// testingT lets newEnv, which takes a *testing.T, serve benchmarks too.
func testingT(tb testing.TB) *testing.T {
	if t, ok := tb.(*testing.T); ok {
		return t
	}
	return &testing.T{}
}

// A 100,000-row file streams through the Runner: every row is counted, one
// bad row in a thousand fails alone, and the heap stays far below what
// holding the file's rows would take (about 100 MB for these rows).
func TestRun100kRowsStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 rows")
	}
	const n = 100000
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	sample := func() {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	}
	j := runGenerated(t, n, sample)
	if j.Status != Succeeded || j.ImportedUsers != n-n/1000 || j.FailedUsers != n/1000 || j.SkippedUsers != 0 || j.CheckpointLine != n+1 {
		t.Fatalf("job %+v", j)
	}
	const limit = 48 << 20
	if grew := peak - base; grew > limit {
		t.Fatalf("heap grew by %d MiB during the import; it must stream", grew>>20)
	}
	t.Logf("heap peak %d MiB above the start", (peak-base)>>20)
}

// BenchmarkRun100kRows times a 100,000-row import against in-memory fakes
// (the Runner's own cost: reading, checking and batching rows).
func BenchmarkRun100kRows(b *testing.B) {
	for b.Loop() {
		j := runGenerated(b, 100000, nil)
		if j.ImportedUsers != 99900 {
			b.Fatalf("job %+v", j)
		}
	}
	b.ReportMetric(float64(100000*b.N)/b.Elapsed().Seconds(), "rows/s")
}
