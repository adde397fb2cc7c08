package password

import (
	"container/list"
	"context"
	"runtime"
	"sync"
)

// Limiter bounds the memory that concurrent argon2id computations use. Every
// Hash or Verify needs Params.MemoryKiB of memory for its whole run (9 MiB
// with DefaultParams), so that without a bound a burst of sign-ins, or of
// requests for unknown users (whose dummy hash costs the same), can take a
// server's memory. A computation takes its memory from the budget with
// Acquire and gives it back with the returned release function; callers
// that find the budget spent wait their turn, first come first served.
//
// A Limiter is safe for concurrent use. The zero value is not usable; use
// NewLimiter.
type Limiter struct {
	mu      sync.Mutex
	budget  int64 // KiB
	used    int64 // KiB
	slots   int   // computations at once; 0: as many as the budget holds
	running int
	waiters list.List
}

type waiter struct {
	need  int64
	ready chan struct{} // closed once the memory is granted
}

// NewLimiter returns a Limiter for budgetKiB of memory (at least 1).
func NewLimiter(budgetKiB int64) *Limiter {
	return &Limiter{budget: max(budgetKiB, 1)}
}

// NewSlotLimiter returns a Limiter for budgetKiB of memory that also runs
// at most slots computations at once (at least 1). More computations than
// cores finish no sooner, only hold more memory: with a budget sized for
// two large hashes (BudgetKiB), slots keep four small ones from running
// together on two cores.
func NewSlotLimiter(budgetKiB int64, slots int) *Limiter {
	return &Limiter{budget: max(budgetKiB, 1), slots: max(slots, 1)}
}

// DefaultSlots is the number of computations a server runs at once:
// max(2, GOMAXPROCS), the count BudgetKiB is sized for.
func DefaultSlots() int { return max(2, runtime.GOMAXPROCS(0)) }

// fits reports whether a computation of need KiB may start now. l.mu must
// be held.
func (l *Limiter) fits(need int64) bool {
	return l.used+need <= l.budget && (l.slots == 0 || l.running < l.slots)
}

// DefaultBudgetKiB is the memory budget a server uses unless configured
// otherwise: enough for DefaultSlots computations at once with
// DefaultParams or OWASP19M, whichever needs more (38 MiB on one or two
// cores, 152 MiB on eight; see BudgetKiB). More concurrent hashes than cores
// would not finish sooner, only use more memory.
func DefaultBudgetKiB() int64 { return BudgetKiB(DefaultParams) }

// BudgetKiB is the budget for DefaultSlots computations at once of
// p or of OWASP19M, whichever needs more memory: what a server hashing with
// p uses unless configured otherwise. Verifying needs the memory of the
// stored hash's own parameters, and a server holds hashes of OWASP19M, the
// default before OWASP9M, and imported argon2id hashes of up to its cost
// (package imported): with a budget of two 9 MiB hashes, each of those
// would take the whole budget and run alone.
func BudgetKiB(p Params) int64 {
	return int64(DefaultSlots()) * int64(max(p.MemoryKiB, OWASP19M.MemoryKiB))
}

// Acquire waits until memKiB of the budget is free, takes it, and returns the
// function that gives it back (call it exactly once). A computation that
// needs more than the whole budget takes the whole budget, so it runs alone.
// If ctx ends first, Acquire returns its error (context.Cause) and takes
// nothing.
func (l *Limiter) Acquire(ctx context.Context, memKiB uint32) (release func(), err error) {
	need := min(max(int64(memKiB), 1), l.budget)
	l.mu.Lock()
	if l.waiters.Len() == 0 && l.fits(need) {
		l.used += need
		l.running++
		l.mu.Unlock()
		return l.releaser(need), nil
	}
	w := &waiter{need: need, ready: make(chan struct{})}
	elem := l.waiters.PushBack(w)
	l.mu.Unlock()

	select {
	case <-w.ready:
		return l.releaser(need), nil
	case <-ctx.Done():
		l.mu.Lock()
		select {
		case <-w.ready:
			// Granted while we gave up: hand it back.
			l.used -= need
			l.running--
		default:
			l.waiters.Remove(elem)
		}
		l.grant()
		l.mu.Unlock()
		return nil, context.Cause(ctx)
	}
}

func (l *Limiter) releaser(need int64) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.used -= need
			l.running--
			l.grant()
			l.mu.Unlock()
		})
	}
}

// grant wakes the waiters at the front of the queue whose memory is free.
// l.mu must be held.
func (l *Limiter) grant() {
	for {
		front := l.waiters.Front()
		if front == nil {
			return
		}
		w := front.Value.(*waiter)
		if !l.fits(w.need) {
			return
		}
		l.used += w.need
		l.running++
		l.waiters.Remove(front)
		close(w.ready)
	}
}

// MemoryKiB returns the memory in KiB that Verify(encoded, ...) needs: the m
// parameter of the PHC string, or 0 for a malformed one (which Verify
// rejects without computing anything).
func MemoryKiB(encoded string) uint32 {
	p, _, _, err := decode(encoded)
	if err != nil {
		return 0
	}
	return p.MemoryKiB
}
