package node

import (
	"runtime"
	"strings"
	"testing"
)

// TestSortAlphaByNoWeightCopies: SORT ... ALPHA BY compares the weights
// where they are stored, as Redis does: a list repeating one element whose
// weight is large costs no copy of the weight per element (1000 copies of
// 64 KiB would be 64 MiB).
func TestSortAlphaByNoWeightCopies(t *testing.T) {
	c := newTestClient(t)
	args := []string{"rpush", "l"}
	for range 1000 {
		args = append(args, "x")
	}
	runString(c, args...)
	runString(c, "set", "w_x", strings.Repeat("w", 64<<10))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	out := runString(c, "sort", "l", "alpha", "by", "w_*", "limit", "0", "1")
	runtime.ReadMemStats(&after)
	if out != "*1\r\n$1\r\nx\r\n" {
		t.Fatalf("SORT reply %q", out)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
		t.Fatalf("SORT ALPHA BY allocated %d bytes for 1000 elements", n)
	}
}
