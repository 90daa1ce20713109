package node

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"unsafe"
)

// TestIntsetAgainstModel inserts and removes integers of every width in a
// seeded random order and compares the intset with a sorted slice after
// every step.
func TestIntsetAgainstModel(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		r := rand.New(rand.NewPCG(seed, 0))
		pick := func() int64 {
			switch r.IntN(4) {
			case 0:
				return int64(r.IntN(200) - 100)
			case 1:
				return int64(r.IntN(1<<20) - 1<<19)
			case 2:
				return []int64{math.MinInt64, math.MaxInt64, math.MinInt32, math.MaxInt32, math.MinInt16,
					math.MaxInt16, math.MinInt16 - 1, math.MaxInt16 + 1, math.MinInt32 - 1, math.MaxInt32 + 1}[r.IntN(10)]
			}
			return int64(r.Uint64())
		}
		var is intset
		var model []int64
		for step := range 2000 {
			v := pick()
			i, found := is.search(v)
			j, want := slices.BinarySearch(model, v)
			if found != want || (found && i != j) {
				t.Fatalf("seed %d step %d: search(%d) = %d %v, model %d %v", seed, step, v, i, found, j, want)
			}
			if r.IntN(3) > 0 {
				if !found {
					is = is.insert(i, v)
					model = slices.Insert(model, j, v)
				}
			} else if found {
				is = is.remove(i)
				model = slices.Delete(model, j, j+1)
			}
			if is.len() != len(model) {
				t.Fatalf("seed %d step %d: len %d, model %d", seed, step, is.len(), len(model))
			}
			for k, m := range model {
				if got := is.get(k); got != m {
					t.Fatalf("seed %d step %d: member %d = %d, model %d", seed, step, k, got, m)
				}
				if w := intWidth(m); w > is.width() {
					t.Fatalf("seed %d step %d: width %d holds %d", seed, step, is.width(), m)
				}
			}
		}
	}
}

// TestIntsetWidth checks that small members take 2 bytes and that the
// width grows, and never shrinks, as Redis's does.
func TestIntsetWidth(t *testing.T) {
	var is intset
	for v := range int64(100) {
		is = is.insert(is.len(), v)
	}
	if is.width() != 2 || len(is) != 2+2*100 {
		t.Fatalf("100 small integers: width %d, %d bytes", is.width(), len(is))
	}
	is = is.insert(0, -1<<40)
	if is.width() != 8 || is.get(0) != -1<<40 || is.get(1) != 0 || is.get(100) != 99 {
		t.Fatalf("after a wide member: width %d, first %d", is.width(), is.get(0))
	}
	is = is.remove(0)
	if is.width() != 8 || is.len() != 100 {
		t.Fatalf("after removing it: width %d, len %d", is.width(), is.len())
	}
}

// BenchmarkIntsetHas looks up members of a 500-member intset (SISMEMBER).
func BenchmarkIntsetHas(b *testing.B) {
	s, lim := newSet(), testLimits()
	members := make([][]byte, 500)
	for i := range members {
		members[i] = []byte(strconv.Itoa(i * 7))
		s.add(lim, members[i])
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if !s.has(members[i%len(members)]) {
			b.Fatal("missing member")
		}
		i++
	}
}

// BenchmarkIntsetAddRemove adds and removes a member in the middle of a
// 500-member intset (SADD, SREM).
func BenchmarkIntsetAddRemove(b *testing.B) {
	s, lim := newSet(), testLimits()
	for i := range 500 {
		s.add(lim, []byte(strconv.Itoa(i*7)))
	}
	m := []byte("1751")
	b.ReportAllocs()
	for b.Loop() {
		s.add(lim, m)
		s.remove(m)
	}
}

// TestSetObjectSize pins a set and its object to the Go allocator's 80-byte
// size class.
func TestSetObjectSize(t *testing.T) {
	if n := unsafe.Sizeof(set{}); n > 80 {
		t.Fatalf("set is %d bytes, want <= 80", n)
	}
}
