package node

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

type slEntry struct {
	score  float64
	member string
}

func cmpEntry(a, b slEntry) int {
	if c := cmp.Compare(a.score, b.score); c != 0 {
		return c
	}
	return strings.Compare(a.member, b.member)
}

// checkAgainstModel verifies order, ranks and, for skiplists, back links,
// positions and byRank of z against a sorted slice.
func checkAgainstModel(t *testing.T, z *zset, model []slEntry, seed uint64, step int) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Fatalf("seed %d step %d (%s): %s", seed, step, z.encoding(), fmt.Sprintf(format, args...))
	}
	if z.length() != len(model) {
		fail("length %d, want %d", z.length(), len(model))
	}
	i := 0
	z.each(func(e zent) {
		if e.score != model[i].score || e.member != model[i].member {
			fail("element %d = %v, want %v", i, e, model[i])
		}
		if r, ok := z.rank([]byte(e.member), false); !ok || r != i {
			fail("rank(%s) = %d, want %d", e.member, r, i)
		}
		i++
	})
	if z.small() {
		return
	}
	if z.big.sl.length != len(model) || len(z.big.nodes) != len(model) {
		fail("skiplist length %d, nodes %d", z.big.sl.length, len(z.big.nodes))
	}
	i = 0
	var prev *slNode
	for x := z.big.sl.head.lvl(0).next; x != nil; x = x.lvl(0).next {
		if x.back != prev {
			fail("bad back link at %d", i)
		}
		if z.big.nodes[x.pos] != x {
			fail("bad position of %s", x.member)
		}
		if z.node(x.member) != x {
			fail("index does not find %s", x.member)
		}
		if n := z.big.sl.byRank(i + 1); n != x {
			fail("byRank(%d) wrong", i+1)
		}
		prev = x
		i++
	}
	if z.big.sl.tail != prev {
		fail("bad tail")
	}
	used := 0
	for _, p := range z.big.index.slots {
		if p != 0 {
			used++
		}
	}
	if used != len(model) || 4*used > 3*len(z.big.index.slots) {
		fail("index holds %d entries in %d slots, want %d", used, len(z.big.index.slots), len(model))
	}
}

func TestSkiplistAgainstModel(t *testing.T) {
	for _, tc := range []struct {
		seed    uint64
		members int
		small   bool
	}{{1, 300, false}, {2, 300, false}, {3, 300, true}, {42, 100, true}} {
		seed := tc.seed
		r := rand.New(rand.NewPCG(seed, 0))
		z := newZset(tc.small)
		var model []slEntry
		for step := 0; step < 3000; step++ {
			m := fmt.Sprintf("m%d", r.IntN(tc.members))
			score := float64(r.IntN(50))
			i := slices.IndexFunc(model, func(e slEntry) bool { return e.member == m })
			switch r.IntN(3) {
			case 0, 1:
				z.set(testLimits(), score, []byte(m))
				if i >= 0 {
					model = slices.Delete(model, i, i+1)
				}
				e := slEntry{score, m}
				j, _ := slices.BinarySearchFunc(model, e, cmpEntry)
				model = slices.Insert(model, j, e)
			case 2:
				if got := z.remove(m); got != (i >= 0) {
					t.Fatalf("seed %d step %d: remove(%s) = %v", seed, step, m, got)
				}
				if i >= 0 {
					model = slices.Delete(model, i, i+1)
				}
			}
			if step%100 == 0 || step > 2900 {
				checkAgainstModel(t, z, model, seed, step)
			}
		}
		// Score ranges against the model.
		for k := 0; k < 200; k++ {
			sr := scoreRange{min: float64(r.IntN(60) - 5), max: float64(r.IntN(60) - 5), minEx: r.IntN(2) == 0, maxEx: r.IntN(2) == 0}
			var want []string
			for _, e := range model {
				if sr.aboveMin(e.score) && sr.belowMax(e.score) {
					want = append(want, e.member)
				}
			}
			var got []string
			for _, e := range z.collect(&rangeSpec{kind: byScore, scores: sr, limit: -1}) {
				got = append(got, e.member)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d range %+v: got %v want %v", seed, sr, got, want)
			}
			if n := z.countSpan(z.scoreSpan(sr)); n != len(want) {
				t.Fatalf("seed %d count %+v: %d want %d", seed, sr, n, len(want))
			}
		}
	}
}

func TestZsetEncoding(t *testing.T) {
	tests := []struct {
		name  string
		build func() *zset
		want  string
	}{
		{"small", func() *zset { z := newZset(true); z.set(testLimits(), 1, []byte("a")); return z }, "listpack"},
		{"long member", func() *zset {
			z := newZset(true)
			z.set(testLimits(), 1, []byte(strings.Repeat("x", zsetMaxListpackValue+1)))
			return z
		}, "skiplist"},
		{"129 members", func() *zset {
			z := newZset(true)
			for i := 0; i <= zsetMaxListpackEntries; i++ {
				z.set(testLimits(), float64(i), []byte(fmt.Sprint(i)))
			}
			return z
		}, "skiplist"},
		{"no conversion back", func() *zset {
			z := newZset(true)
			for i := 0; i <= zsetMaxListpackEntries; i++ {
				z.set(testLimits(), float64(i), []byte(fmt.Sprint(i)))
			}
			z.remove("1")
			z.remove("2")
			return z
		}, "skiplist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.build().encoding(); got != tt.want {
				t.Fatalf("encoding = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSetEncoding(t *testing.T) {
	tests := []struct {
		name    string
		members []string
		want    string
	}{
		{"integers", []string{"3", "1", "-2"}, "intset"},
		{"leading zero", []string{"1", "01"}, "hashtable"},
		{"string", []string{"a"}, "hashtable"},
		{"512 integers", seq(512), "intset"},
		{"513 integers", seq(513), "hashtable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, lim := newSet(), testLimits()
			for _, m := range tt.members {
				s.add(lim, []byte(m))
			}
			if got := s.encoding(); got != tt.want {
				t.Fatalf("encoding = %s, want %s", got, tt.want)
			}
			if s.length() != len(tt.members) {
				t.Fatalf("length = %d", s.length())
			}
			c := s.clone().(*set)
			c.remove([]byte(tt.members[0]))
			if !s.has([]byte(tt.members[0])) {
				t.Fatal("clone shares storage")
			}
		})
	}
}

func seq(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(i * 3)
	}
	return out
}

func BenchmarkZsetSet(b *testing.B) {
	z, lim := newZset(false), testLimits()
	members := make([][]byte, 100000)
	for i := range members {
		members[i] = []byte(fmt.Sprintf("member:%d", i))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		z.set(lim, float64(i%1000), members[i%len(members)])
		i++
	}
}

func BenchmarkZsetRange100(b *testing.B) {
	z := newZset(false)
	for i := 0; i < 100000; i++ {
		z.set(testLimits(), float64(i), []byte(fmt.Sprintf("member:%d", i)))
	}
	sp := rangeSpec{kind: byRank, start: 50000, end: 50099, limit: -1}
	b.ReportAllocs()
	for b.Loop() {
		if len(z.collect(&sp)) != 100 {
			b.Fatal("bad range")
		}
	}
}

func BenchmarkSetAdd(b *testing.B) {
	s, lim := newSet(), testLimits()
	members := make([][]byte, 100000)
	for i := range members {
		members[i] = []byte(fmt.Sprintf("member:%d", i))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.add(lim, members[i%len(members)])
		i++
	}
}

// TestZindexGrowShrink fills a skiplist-encoded set, empties most of it in
// a seeded random order and checks every lookup along the way, so that
// the index's backward-shift deletion meets long and wrapping probe runs.
func TestZindexGrowShrink(t *testing.T) {
	const seed, n = 7, 5000
	r := rand.New(rand.NewPCG(seed, 0))
	z := newZset(false)
	for i := range n {
		z.set(testLimits(), float64(i%13), []byte("m"+strconv.Itoa(i)))
	}
	grown := len(z.big.index.slots)
	live := map[string]bool{}
	for i := range n {
		live["m"+strconv.Itoa(i)] = true
	}
	order := r.Perm(n)
	for k, i := range order[:n-10] {
		m := "m" + strconv.Itoa(i)
		if !z.remove(m) {
			t.Fatalf("seed %d step %d: %s not removed", seed, k, m)
		}
		delete(live, m)
		if k%500 == 0 || k > n-40 {
			for lm := range live {
				if x := z.node(lm); x == nil || x.member != lm {
					t.Fatalf("seed %d step %d: %s not found", seed, k, lm)
				}
			}
			if z.node(m) != nil {
				t.Fatalf("seed %d step %d: removed %s still found", seed, k, m)
			}
		}
	}
	if len(z.big.index.slots) >= grown || len(z.big.index.slots) > 16*10 {
		t.Fatalf("index of %d slots for 10 members (grown to %d)", len(z.big.index.slots), grown)
	}
	var model []slEntry
	z.each(func(e zent) { model = append(model, slEntry{e.score, e.member}) })
	if len(model) != 10 {
		t.Fatalf("%d members left, want 10", len(model))
	}
	checkAgainstModel(t, z, model, seed, n)
}

// TestZsetObjectSize pins a sorted set and its object to the Go
// allocator's 80-byte size class.
func TestZsetObjectSize(t *testing.T) {
	if n := unsafe.Sizeof(zset{}); n > 80 {
		t.Fatalf("zset is %d bytes, want <= 80", n)
	}
}
