package main

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// GC headroom policy for a cache process. Go's default (GOGC=100) lets the
// heap grow to twice the live data before collecting, which doubles the
// memory a large keyspace needs. tuneGC instead allows a fixed headroom
// (gcHeadroom bytes) over the live heap, but never less than gcMinPercent
// percent, and never more than Go's default: small heaps collect no more
// often than usual (cheap for throughput) and large heaps stay close to
// their live size (cheap for memory), at the price of more frequent
// collections of a large heap.
const (
	gcHeadroom   = 8 << 20
	gcMinPercent = 10
	gcMaxPercent = 100
)

// gcPercentFor returns the GOGC value for a live heap of live bytes.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return gcMaxPercent
	}
	p := int(gcHeadroom * 100 / live)
	return min(max(p, gcMinPercent), gcMaxPercent)
}

// gcCycle is a heap object whose finalizer runs once per GC cycle; it
// re-arms itself, so the GC percent is re-tuned after every collection,
// from the live heap that collection measured.
type gcCycle struct {
	ctx    context.Context
	sample []metrics.Sample
	last   int
}

// tuneGC starts re-tuning the GC percent after every collection until ctx
// ends. An explicit GOGC environment variable disables it.
func tuneGC(ctx context.Context) {
	if os.Getenv("GOGC") != "" {
		return
	}
	c := &gcCycle{ctx: ctx, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}, last: -1}
	c.tune()
	runtime.SetFinalizer(c, (*gcCycle).onGC)
}

func (c *gcCycle) onGC() {
	if c.ctx.Err() != nil {
		return
	}
	c.tune()
	runtime.SetFinalizer(c, (*gcCycle).onGC)
}

func (c *gcCycle) tune() {
	metrics.Read(c.sample)
	if c.sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	p := gcPercentFor(c.sample[0].Value.Uint64())
	if p != c.last {
		debug.SetGCPercent(p)
		c.last = p
	}
}
