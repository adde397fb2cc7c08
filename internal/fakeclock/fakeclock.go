// Package fakeclock is the settable clock tests give the services in place
// of time.Now, so that code, session, token and lockout expiry can be
// tested without sleeping.
//
// It imports only the standard library.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a settable clock, safe for concurrent use. A Clock made by New
// stands still until Set or Advance moves it. The zero value reads the real
// time until Set or Advance is first called, and stands still from then
// on.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock stopped at t.
func New(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time; pass the method value (c.Now) where a
// service takes a func() time.Time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		return time.Now()
	}
	return c.now
}

// Set stops the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d (stopping it first if it was
// reading the real time).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	if c.now.IsZero() {
		c.now = time.Now()
	}
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Reset makes the clock read the real time again, as the zero value does,
// until Set or Advance next stops it.
func (c *Clock) Reset() {
	c.mu.Lock()
	c.now = time.Time{}
	c.mu.Unlock()
}
