package conformance

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// ---------------------------------------------------------------------------
// User import jobs

func testImportJobRoundTrip(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	for _, j := range []storage.ImportJob{
		fullImportJob("p1", "import-full", at(20)),
		{PoolID: "p1", JobID: "import-min", Status: "Created", CreatedAt: at(21)},
	} {
		must(t, s.CreateImportJob(ctx, j))
		got, err := s.GetImportJob(ctx, j.PoolID, j.JobID)
		must(t, err)
		same(t, "GetImportJob "+j.JobID, j, got)
	}
}

func testImportJobErrors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	must(t, s.CreateImportJob(ctx, fullImportJob("p1", "import-a", at(1))))
	wantIs(t, "CreateImportJob duplicate", s.CreateImportJob(ctx, fullImportJob("p1", "import-a", at(2))), storage.ErrExists)
	// The same ID in another pool is another job.
	must(t, s.CreateImportJob(ctx, fullImportJob("p2", "import-a", at(2))))
	wantIs(t, "CreateImportJob in a missing pool", s.CreateImportJob(ctx, fullImportJob("nope", "import-b", at(1))), storage.ErrNotFound)
	_, err := s.GetImportJob(ctx, "p1", "import-nope")
	wantIs(t, "GetImportJob missing", err, storage.ErrNotFound)
	_, err = s.UpdateImportJob(ctx, "p1", "import-nope", func(*storage.ImportJob) error { return nil })
	wantIs(t, "UpdateImportJob missing", err, storage.ErrNotFound)
	_, err = s.UpdateImportJob(ctx, "p1", "import-a", func(*storage.ImportJob) error { return errSentinel })
	wantIs(t, "UpdateImportJob fn error", err, errSentinel)
	for field, change := range map[string]func(*storage.ImportJob){
		"PoolID":    func(j *storage.ImportJob) { j.PoolID = "p2" },
		"JobID":     func(j *storage.ImportJob) { j.JobID = "import-z" },
		"CreatedAt": func(j *storage.ImportJob) { j.CreatedAt = at(9) },
	} {
		if _, err := s.UpdateImportJob(ctx, "p1", "import-a", func(j *storage.ImportJob) error { change(j); j.Status = "Failed"; return nil }); err == nil {
			t.Errorf("UpdateImportJob changing %s succeeded", field)
		}
	}
	got, err := s.GetImportJob(ctx, "p1", "import-a")
	must(t, err)
	same(t, "job after refused updates", fullImportJob("p1", "import-a", at(1)), got)
	_, err = s.OpenImportFile(ctx, "p1", "import-a")
	wantIs(t, "OpenImportFile without upload", err, storage.ErrNotFound)
	_, err = s.OpenImportFile(ctx, "p1", "import-nope")
	wantIs(t, "OpenImportFile of a missing job", err, storage.ErrNotFound)
	wantIs(t, "PutImportFile of a missing job", s.PutImportFile(ctx, "p1", "import-nope", strings.NewReader("x"), nil), storage.ErrNotFound)
	has, err := s.HasImportFile(ctx, "p1", "import-a")
	must(t, err)
	if has {
		t.Error("HasImportFile before any upload = true")
	}
	must(t, s.DeleteImportFile(ctx, "p1", "import-a"))
	must(t, s.DeleteImportFile(ctx, "p1", "import-nope"))
}

func testImportJobUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	must(t, s.CreateImportJob(ctx, storage.ImportJob{PoolID: "p1", JobID: "import-a", Status: "Created", CreatedAt: at(1)}))
	want := fullImportJob("p1", "import-a", at(1))
	got, err := s.UpdateImportJob(ctx, "p1", "import-a", func(j *storage.ImportJob) error {
		*j = fullImportJob("p1", "import-a", at(1))
		return nil
	})
	must(t, err)
	same(t, "UpdateImportJob result", want, got)
	got, err = s.GetImportJob(ctx, "p1", "import-a")
	must(t, err)
	same(t, "GetImportJob after update", want, got)
	// Clearing fields clears them.
	want = storage.ImportJob{PoolID: "p1", JobID: "import-a", Status: "Stopped", CreatedAt: at(1)}
	_, err = s.UpdateImportJob(ctx, "p1", "import-a", func(j *storage.ImportJob) error {
		*j = storage.ImportJob{PoolID: "p1", JobID: "import-a", Status: "Stopped", CreatedAt: at(1)}
		return nil
	})
	must(t, err)
	got, err = s.GetImportJob(ctx, "p1", "import-a")
	must(t, err)
	same(t, "GetImportJob after clearing", want, got)
	// The status copy follows the record.
	jobs, err := s.ListImportJobsByStatus(ctx, "Stopped")
	must(t, err)
	if len(jobs) != 1 || jobs[0].JobID != "import-a" {
		t.Errorf("ListImportJobsByStatus(Stopped) = %v", jobs)
	}
}

func testImportJobList(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	mk := func(pool, id, status string, created time.Time) {
		j := fullImportJob(pool, id, created)
		j.Status = status
		must(t, s.CreateImportJob(ctx, j))
	}
	mk("p1", "import-b", "Created", at(1))
	mk("p1", "import-a", "Pending", at(3))
	mk("p1", "import-c", "InProgress", at(3)) // same time: JobID descending
	mk("p1", "import-d", "Succeeded", at(2))
	mk("p2", "import-e", "Stopping", at(0))
	jobs, err := s.ListImportJobs(ctx, "p1")
	must(t, err)
	var ids []string
	for _, j := range jobs {
		ids = append(ids, j.JobID)
	}
	if want := []string{"import-c", "import-a", "import-d", "import-b"}; !slices.Equal(ids, want) {
		t.Errorf("ListImportJobs = %v, want %v", ids, want)
	}
	same(t, "listed job", func() storage.ImportJob {
		j := fullImportJob("p1", "import-d", at(2))
		j.Status = "Succeeded"
		return j
	}(), jobs[2])
	jobs, err = s.ListImportJobs(ctx, "nope")
	must(t, err)
	if len(jobs) != 0 {
		t.Errorf("ListImportJobs of a missing pool = %v", jobs)
	}
	jobs, err = s.ListImportJobsByStatus(ctx, "Pending", "InProgress", "Stopping")
	must(t, err)
	ids = nil
	for _, j := range jobs {
		ids = append(ids, j.PoolID+"/"+j.JobID)
	}
	if want := []string{"p2/import-e", "p1/import-a", "p1/import-c"}; !slices.Equal(ids, want) {
		t.Errorf("ListImportJobsByStatus = %v, want %v (oldest first)", ids, want)
	}
}

func testImportJobCascade(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	for _, p := range []string{"p1", "p2"} {
		must(t, s.CreateImportJob(ctx, fullImportJob(p, "import-a", at(1))))
		must(t, s.PutImportFile(ctx, p, "import-a", strings.NewReader("file of "+p), nil))
	}
	must(t, s.DeletePool(ctx, "p1"))
	_, err := s.GetImportJob(ctx, "p1", "import-a")
	wantIs(t, "GetImportJob after DeletePool", err, storage.ErrNotFound)
	_, err = s.OpenImportFile(ctx, "p1", "import-a")
	wantIs(t, "OpenImportFile after DeletePool", err, storage.ErrNotFound)
	mkPool(t, s, "p1")
	must(t, s.CreateImportJob(ctx, fullImportJob("p1", "import-a", at(1))))
	has, err := s.HasImportFile(ctx, "p1", "import-a")
	must(t, err)
	if has {
		t.Error("a job created again under the same IDs inherited the old file")
	}
	if got := readImportFile(t, s, "p2", "import-a"); string(got) != "file of p2" {
		t.Errorf("other pool's file = %q", got)
	}
}

func readImportFile(t *testing.T, s storage.Store, poolID, jobID string) []byte {
	t.Helper()
	f, err := s.OpenImportFile(t.Context(), poolID, jobID)
	must(t, err)
	defer f.Close()
	b, err := io.ReadAll(f)
	must(t, err)
	return b
}

// bigFile is a file of several storage parts with a short last one, its
// bytes not repeating at any power-of-two period.
func bigFile(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func testImportFilePutOpen(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	must(t, s.CreateImportJob(ctx, fullImportJob("p1", "import-a", at(1))))
	for _, size := range []int{0, 1, 1 << 20, 3<<20 + 12345} {
		want := bigFile(size)
		// A reader returning one byte at a time must still be read whole.
		must(t, s.PutImportFile(ctx, "p1", "import-a", iotest.HalfReader(bytes.NewReader(want)), nil))
		has, err := s.HasImportFile(ctx, "p1", "import-a")
		must(t, err)
		if !has {
			t.Fatalf("HasImportFile after a %d-byte upload = false", size)
		}
		if got := readImportFile(t, s, "p1", "import-a"); !bytes.Equal(got, want) {
			t.Fatalf("%d-byte file read back as %d bytes (or other bytes)", size, len(got))
		}
	}
	// A reader open on the old file fails rather than mixing two files.
	f, err := s.OpenImportFile(ctx, "p1", "import-a")
	must(t, err)
	defer f.Close()
	first := make([]byte, 10)
	_, err = io.ReadFull(f, first)
	must(t, err)
	must(t, s.PutImportFile(ctx, "p1", "import-a", strings.NewReader("new,file\n"), nil))
	if _, err := io.ReadAll(f); err == nil {
		t.Error("reading a replaced file went on without error")
	}
	if got := readImportFile(t, s, "p1", "import-a"); string(got) != "new,file\n" {
		t.Errorf("after replacing: %q", got)
	}
	must(t, s.DeleteImportFile(ctx, "p1", "import-a"))
	_, err = s.OpenImportFile(ctx, "p1", "import-a")
	wantIs(t, "OpenImportFile after DeleteImportFile", err, storage.ErrNotFound)
	// The job itself stays.
	_, err = s.GetImportJob(ctx, "p1", "import-a")
	must(t, err)
}

func testImportFileRefused(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	must(t, s.CreateImportJob(ctx, fullImportJob("p1", "import-a", at(1))))
	must(t, s.PutImportFile(ctx, "p1", "import-a", strings.NewReader("first"), nil))
	var seen storage.ImportJob
	err := s.PutImportFile(ctx, "p1", "import-a", bytes.NewReader(bigFile(2<<20)), func(j storage.ImportJob) error {
		seen = j
		return errSentinel
	})
	wantIs(t, "PutImportFile refused by accept", err, errSentinel)
	if seen.JobID != "import-a" || seen.Status != "InProgress" {
		t.Errorf("accept saw %+v", seen)
	}
	// A reader failing half-way (a client that hangs up) keeps nothing.
	broken := io.MultiReader(bytes.NewReader(bigFile(1<<20+5)), iotest.ErrReader(io.ErrUnexpectedEOF))
	if err := s.PutImportFile(ctx, "p1", "import-a", broken, nil); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("PutImportFile of a broken reader = %v, want its error", err)
	}
	if got := readImportFile(t, s, "p1", "import-a"); string(got) != "first" {
		t.Errorf("after refused uploads the file is %d bytes, want the first upload", len(got))
	}
}
