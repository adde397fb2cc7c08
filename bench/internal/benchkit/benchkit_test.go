package benchkit

import (
	"os"
	"testing"
	"time"
)

func TestProcessCPU(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	// Burn a little CPU so the clock-tick counters move.
	deadline := time.Now().Add(50 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	cpu, err := ProcessCPU(os.Getpid())
	if err != nil || cpu <= 0 {
		t.Errorf("ProcessCPU(self) = %v, %v", cpu, err)
	}
	if _, err := ProcessCPU(0); err == nil {
		t.Error("ProcessCPU(0): no error")
	}
}
