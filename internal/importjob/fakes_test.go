package importjob

import (
	"bytes"
	"context"
	"errors"
	"hash/fnv"
	"io"
	"sync"
	"time"
)

// memStore is a JobStore over a map, with the storage package's contract.
type memStore struct {
	mu   sync.Mutex
	jobs map[string]Job
	// onUpdate, when set, sees every job written.
	onUpdate func(Job)
}

var errNotFound = errors.New("not found")

func newMemStore(jobs ...Job) *memStore {
	s := &memStore{jobs: map[string]Job{}}
	for _, j := range jobs {
		s.jobs[j.PoolID+"/"+j.JobID] = j
	}
	return s
}

func (s *memStore) UpdateImportJob(_ context.Context, poolID, jobID string, fn func(Job) (Job, error)) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[poolID+"/"+jobID]
	if !ok {
		return Job{}, errNotFound
	}
	n, err := fn(j)
	if err != nil {
		return j, err
	}
	s.jobs[poolID+"/"+jobID] = n
	if s.onUpdate != nil {
		s.onUpdate(n)
	}
	return n, nil
}

func (s *memStore) get(poolID, jobID string) Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs[poolID+"/"+jobID]
}

// memUsers is a UserCreator keeping each user's origin (job, line).
type memUsers struct {
	mu      sync.Mutex
	users   map[string]ImportedUser
	calls   int
	deleted bool
	// fail, when set, decides a call's error first.
	fail func(u ImportedUser) error
}

func newMemUsers() *memUsers { return &memUsers{users: map[string]ImportedUser{}} }

func (m *memUsers) CreateImportedUser(ctx context.Context, u ImportedUser) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.deleted {
		return ErrPoolDeleted
	}
	if m.fail != nil {
		if err := m.fail(u); err != nil {
			return err
		}
	}
	if old, ok := m.users[u.Username]; ok {
		if old.JobID == u.JobID && old.Line == u.Line {
			return ErrAlreadyImported
		}
		return ErrUserExists
	}
	m.users[u.Username] = u
	return nil
}

// memFiles holds uploads in memory.
type memFiles struct {
	mu      sync.Mutex
	files   map[string][]byte
	opens   int
	deletes int
}

func newMemFiles() *memFiles { return &memFiles{files: map[string][]byte{}} }

func (f *memFiles) put(poolID, jobID, content string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[poolID+"/"+jobID] = []byte(content)
}

func (f *memFiles) Open(_ context.Context, poolID, jobID string) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.files[poolID+"/"+jobID]
	if !ok {
		return nil, ErrNoFile
	}
	f.opens++
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (f *memFiles) Delete(_ context.Context, poolID, jobID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deletes++
	delete(f.files, poolID+"/"+jobID)
	return nil
}

func (f *memFiles) has(poolID, jobID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.files[poolID+"/"+jobID]
	return ok
}

// memLog collects log lines.
type memLog struct {
	mu     sync.Mutex
	group  string
	stream string
	lines  []string
	// onWrite, when set, runs for every batch.
	onWrite func([]LogLine) error
}

func (l *memLog) WriteImportLog(_ context.Context, group, stream string, lines []LogLine) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.group, l.stream = group, stream
	if l.onWrite != nil {
		if err := l.onWrite(lines); err != nil {
			return err
		}
	}
	for _, ln := range lines {
		l.lines = append(l.lines, ln.String())
	}
	return nil
}

// countingUsers is a UserCreator for big files: it keeps a 64-bit hash of
// each username instead of the user, so its memory stays small.
type countingUsers struct {
	mu    sync.Mutex
	seen  map[uint64]struct{}
	attrs int
}

func (c *countingUsers) CreateImportedUser(_ context.Context, u ImportedUser) error {
	h := fnv.New64a()
	h.Write([]byte(u.Username))
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[h.Sum64()]; ok {
		return ErrUserExists
	}
	c.seen[h.Sum64()] = struct{}{}
	c.attrs += len(u.Attributes)
	return nil
}

// discardLog counts lines without keeping them.
type discardLog struct {
	mu    sync.Mutex
	n     int
	hooks func()
}

func (d *discardLog) WriteImportLog(_ context.Context, _, _ string, lines []LogLine) error {
	d.mu.Lock()
	d.n += len(lines)
	d.mu.Unlock()
	if d.hooks != nil {
		d.hooks()
	}
	return nil
}

type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
