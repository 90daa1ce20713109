package main

import "testing"

func TestGCPercentFor(t *testing.T) {
	tests := []struct {
		live uint64
		want int
	}{
		{0, gcMaxPercent},
		{1 << 20, gcMaxPercent},
		{4 << 20, gcMaxPercent},
		{8 << 20, 100},
		{16 << 20, 50},
		{160 << 20, gcMinPercent},
		{8 << 30, gcMinPercent},
	}
	for _, tc := range tests {
		if got := gcPercentFor(tc.live); got != tc.want {
			t.Errorf("gcPercentFor(%d) = %d, want %d", tc.live, got, tc.want)
		}
	}
}
