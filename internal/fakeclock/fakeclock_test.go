package fakeclock

import (
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	t0 := time.Date(2030, 9, 3, 8, 7, 5, 0, time.UTC)
	c := New(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("Now = %v, want %v", got, t0)
	}
	c.Advance(90 * time.Second)
	if got := c.Now(); !got.Equal(t0.Add(90 * time.Second)) {
		t.Fatalf("after Advance: %v", got)
	}
	c.Set(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("after Set: %v", got)
	}
}

func TestZeroValueReadsRealTimeUntilMoved(t *testing.T) {
	var c Clock
	before := time.Now()
	if got := c.Now(); got.Before(before) {
		t.Fatalf("zero Clock reads %v, before the real time %v", got, before)
	}
	c.Advance(time.Hour)
	stopped := c.Now()
	if !stopped.After(before.Add(59 * time.Minute)) {
		t.Fatalf("Advance on a zero Clock: %v", stopped)
	}
	if again := c.Now(); !again.Equal(stopped) {
		t.Fatalf("a moved Clock must stand still: %v then %v", stopped, again)
	}
}

func TestResetReadsRealTimeAgain(t *testing.T) {
	c := New(time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC))
	c.Reset()
	before := time.Now()
	if got := c.Now(); got.Before(before) || got.Year() == 2001 {
		t.Fatalf("after Reset: %v, want the real time", got)
	}
	c.Advance(time.Minute)
	if a, b := c.Now(), c.Now(); !a.Equal(b) {
		t.Fatalf("moved after Reset, yet not standing still: %v then %v", a, b)
	}
}
