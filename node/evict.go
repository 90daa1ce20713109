package node

import (
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"time"

	"github.com/slotcache/slotcache/slots"
)

const (
	// evictionSamples is how many keys each eviction step compares, as
	// Redis's maxmemory-samples default.
	evictionSamples = 5
	// maxEvictionsPerCommand bounds the work one command may trigger.
	maxEvictionsPerCommand = 1024
	// objectOverhead estimates the bytes a key costs beyond its data (map
	// slot, object header, key string header).
	objectOverhead = 96
)

// memorySampler reads the live heap measured by the last garbage
// collection, the figure maxmemory is compared with, and the number of
// completed collections. Garbage is not counted: memory freed by evictions
// only shows after the next collection, and the estimate is lowered by
// what was evicted until then.
type memorySampler struct{ sample []metrics.Sample }

func newMemorySampler() *memorySampler {
	return &memorySampler{sample: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/cycles/total:gc-cycles"},
	}}
}

// read returns the live heap and the GC cycle it was measured in.
func (m *memorySampler) read() (live int64, cycle uint64) {
	metrics.Read(m.sample)
	if m.sample[0].Value.Kind() == metrics.KindUint64 {
		live = int64(m.sample[0].Value.Uint64())
	}
	if m.sample[1].Value.Kind() == metrics.KindUint64 {
		cycle = m.sample[1].Value.Uint64()
	}
	return live, cycle
}

// sampleMemory refreshes usedMemory when a collection has completed since
// the last sample.
func (s *Server) sampleMemory() {
	live, cycle := s.mem.read()
	if cycle != s.memCycle || s.memCycle == 0 {
		s.usedMemory, s.memCycle = live, cycle
	}
}

// memoryOK is checked before a command that may grow memory (flag denyoom)
// runs while maxmemory is set. It evicts keys by maxmemory-policy until the
// estimate of used memory is under the limit, and reports false when it
// cannot (noeviction, or nothing left to evict): the command then gets the
// OOM error. The estimate is the heap figure sampled by the cron, minus
// what this cycle evicted.
func (s *Server) memoryOK() bool {
	if s.usedMemory <= s.cfg.MaxMemory {
		return true
	}
	// Over the limit on a sample that may predate frees (FLUSHALL, DEL,
	// evictions): ask for a collection, at most once a second, so the
	// next sample sees them.
	if now := time.Now(); now.Sub(s.lastForcedGC) > time.Second {
		s.lastForcedGC = now
		go runtime.GC()
	}
	if s.cfg.MaxMemoryPolicy == "noeviction" {
		return false
	}
	for i := 0; i < maxEvictionsPerCommand && s.usedMemory > s.cfg.MaxMemory; i++ {
		if !s.evictOne() {
			return false
		}
	}
	return true
}

// evictOne removes the best of a few sampled keys according to the policy.
func (s *Server) evictOne() bool {
	policy := s.cfg.MaxMemoryPolicy
	volatile := policy[:8] == "volatile"
	var (
		best      *db
		bestKey   string
		bestObj   *object
		bestScore int64
	)
	start := rand.IntN(len(s.dbs))
	for i := range s.dbs {
		d := s.dbs[(start+i)%len(s.dbs)]
		if d.nkeys == 0 || (volatile && d.nexpire == 0) {
			continue
		}
		d.sampleKeys(evictionSamples, volatile, func(key string, o *object, exp int64) {
			var score int64 // lower is evicted first
			switch policy {
			case "allkeys-lru", "volatile-lru":
				score = int64(o.lru)
			case "allkeys-lfu", "volatile-lfu":
				score = int64(o.freq)<<32 | int64(o.lru)
			case "volatile-ttl":
				score = exp
			default: // random policies: the first sample
				if bestObj != nil {
					return
				}
			}
			if bestObj == nil || score < bestScore {
				best, bestKey, bestObj, bestScore = d, key, o, score
			}
		})
		if bestObj != nil {
			break
		}
	}
	if bestObj == nil {
		return false
	}
	size := int64(len(bestKey) + len(bestObj.str) + objectOverhead)
	if c, ok := bestObj.val.(collection); ok {
		size += c.memUsage()
	}
	best.remove([]byte(bestKey), 0)
	s.usedMemory -= size
	s.stats.evictedKeys++
	s.dirty++
	return true
}

// sampleKeys calls fn with up to n keys of the database (only keys with an
// expiry when volatile), taken from the slots after a random one.
func (d *db) sampleKeys(n int, volatile bool, fn func(key string, o *object, exp int64)) {
	start := rand.IntN(slots.NumSlots)
	for i := 0; i < slots.NumSlots && n > 0; i++ {
		sd := d.slots[(start+i)%slots.NumSlots]
		if sd == nil {
			continue
		}
		if volatile {
			for k, exp := range sd.expires {
				fn(k, sd.keys[k], exp)
				if n--; n == 0 {
					return
				}
			}
			continue
		}
		for k, o := range sd.keys {
			var exp int64
			if o.hasTTL {
				exp = sd.expires[k]
			}
			fn(k, o, exp)
			if n--; n == 0 {
				return
			}
		}
	}
}
