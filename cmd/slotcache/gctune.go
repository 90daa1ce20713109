package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// GC headroom policy for a cache process. Go's default (GOGC=100) lets the
// heap grow to twice the live data before collecting, which doubles the
// memory a large keyspace needs. tuneGC instead allows a fixed headroom
// (gcHeadroom bytes) over the live heap, but never less than gcMinPercent
// percent: small heaps still collect rarely (cheap for throughput) and large
// heaps stay close to their live size (cheap for memory).
const (
	gcHeadroom   = 32 << 20
	gcMinPercent = 20
	gcMaxPercent = 400
)

// gcPercentFor returns the GOGC value for a live heap of live bytes.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return gcMaxPercent
	}
	p := int(gcHeadroom * 100 / live)
	return min(max(p, gcMinPercent), gcMaxPercent)
}

// tuneGC adjusts the GC percent once a second until ctx ends. An explicit
// GOGC environment variable disables it.
func tuneGC(ctx context.Context) {
	if os.Getenv("GOGC") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	current := -1
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			p := gcPercentFor(sample[0].Value.Uint64())
			// avoid churn: change only on a real difference
			if current < 0 || p*10 < current*9 || p*10 > current*11 {
				debug.SetGCPercent(p)
				current = p
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
