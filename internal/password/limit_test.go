package password

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLimiterBoundsMemory(t *testing.T) {
	l := NewLimiter(4 * 1024)
	var running, peak atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			release, err := l.Acquire(context.Background(), 1024)
			if err != nil {
				t.Error(err)
				return
			}
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			release()
			release() // a second call is harmless
		})
	}
	wg.Wait()
	if p := peak.Load(); p < 1 || p > 4 {
		t.Fatalf("peak concurrency %d with room for 4", p)
	}
	if l.used != 0 || l.waiters.Len() != 0 {
		t.Fatalf("after all released: used %d, %d waiting", l.used, l.waiters.Len())
	}
}

func TestLimiterTimeoutAndOversize(t *testing.T) {
	l := NewLimiter(100)
	// More than the budget runs alone.
	release, err := l.Acquire(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	busy := errors.New("busy")
	ctx, cancel := context.WithTimeoutCause(context.Background(), 20*time.Millisecond, busy)
	defer cancel()
	if _, err := l.Acquire(ctx, 1); !errors.Is(err, busy) {
		t.Fatalf("Acquire on a full budget = %v, want the context's cause", err)
	}
	if l.waiters.Len() != 0 {
		t.Fatal("a waiter that gave up stays queued")
	}
	// A waiter is served once memory is released, in order.
	got := make(chan int, 2)
	for i := range 2 {
		go func() {
			r, err := l.Acquire(context.Background(), 60)
			if err != nil {
				t.Error(err)
				return
			}
			got <- i
			time.Sleep(5 * time.Millisecond)
			r()
		}()
		time.Sleep(5 * time.Millisecond) // queue them in order
	}
	release()
	if a, b := <-got, <-got; a != 0 || b != 1 {
		t.Fatalf("served %d then %d, want 0 then 1", a, b)
	}
}

func TestMemoryKiB(t *testing.T) {
	h, err := Hash(nil, "pw", FastParams)
	if err != nil {
		t.Fatal(err)
	}
	if m := MemoryKiB(h); m != FastParams.MemoryKiB {
		t.Fatalf("MemoryKiB = %d, want %d", m, FastParams.MemoryKiB)
	}
	if m := MemoryKiB("$bcrypt$x"); m != 0 {
		t.Fatalf("MemoryKiB(malformed) = %d", m)
	}
}

// TestBudgetHoldsTwoLegacyChecks: with any preset, the default budget lets
// two checks of OWASP19M hashes (the earlier default, and the cost imported
// argon2id hashes may have) run at once.
func TestBudgetHoldsTwoLegacyChecks(t *testing.T) {
	for name, p := range Presets {
		l := NewLimiter(BudgetKiB(p))
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		r1, err1 := l.Acquire(ctx, OWASP19M.MemoryKiB)
		r2, err2 := l.Acquire(ctx, OWASP19M.MemoryKiB)
		cancel()
		if err1 != nil || err2 != nil {
			t.Errorf("%s: two OWASP19M checks at once: %v, %v", name, err1, err2)
		}
		for _, r := range []func(){r1, r2} {
			if r != nil {
				r()
			}
		}
	}
}

// TestSlotLimiter: with room in the budget for four computations, a slot
// limiter of two runs two; the third starts when one ends.
func TestSlotLimiter(t *testing.T) {
	l := NewSlotLimiter(4*1024, 2)
	ctx := context.Background()
	r1, _ := l.Acquire(ctx, 1024)
	r2, _ := l.Acquire(ctx, 1024)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	if _, err := l.Acquire(short, 1024); err == nil {
		t.Fatal("a third computation started with two slots")
	}
	cancel()
	got := make(chan func(), 1)
	go func() { r, _ := l.Acquire(ctx, 1024); got <- r }()
	select {
	case <-got:
		t.Fatal("the third computation started before a slot was free")
	case <-time.After(20 * time.Millisecond):
	}
	r1()
	select {
	case r3 := <-got:
		r3()
	case <-time.After(time.Second):
		t.Fatal("the third computation did not start when a slot was freed")
	}
	r2()
	if l.running != 0 || l.used != 0 {
		t.Fatalf("after all released: running %d, used %d", l.running, l.used)
	}
}
