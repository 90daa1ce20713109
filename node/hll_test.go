package node

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// hllFrom builds a value by adding elems to an empty one, as PFADD does.
func hllFrom(t testing.TB, sparseMax int64, elems ...string) []byte {
	s := hllNew()
	for _, e := range elems {
		var r int
		if s, r = hllAdd(s, []byte(e), sparseMax); r < 0 {
			t.Fatalf("hllAdd(%q) reports a corrupted value", e)
		}
	}
	hllInvalidate(s)
	return s
}

// TestHLLGolden pins values and counts taken from redis-server 7.0.15.
func TestHLLGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		elems  []string
		value  string
		decode string
		count  uint64
	}{
		{"empty", nil, "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff", "Z:16384", 0},
		{"abc", []string{"a", "b", "c"}, "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ", "", 3},
		{"six", []string{"foo", "bar", "zap", "hello", "world", ""},
			"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80J\xb5\x88Lz\x84E\x80\x90B\a\x84EA\x80C\x15\x80X\xe7",
			"Z:2742 v:3,1 Z:3195 v:2,1 Z:1409 v:5,1 Z:520 v:2,1 Z:1346 v:1,1 Z:790 v:1,1 Z:6376", 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := hllFrom(t, hllSparseMaxBytes, tc.elems...)
			if string(s) != tc.value {
				t.Fatalf("value = %q, want %q", s, tc.value)
			}
			if tc.decode != "" {
				if got := string(hllDecode(s)); got != tc.decode {
					t.Errorf("decode = %q, want %q", got, tc.decode)
				}
			}
			if n, ok := hllCount(s); !ok || n != tc.count {
				t.Errorf("count = %d, %v; want %d", n, ok, tc.count)
			}
		})
	}
	// 200 elements x1..x200 count 198 in Redis.
	var elems []string
	for i := 1; i <= 200; i++ {
		elems = append(elems, "x"+strconv.Itoa(i))
	}
	if n, _ := hllCount(hllFrom(t, hllSparseMaxBytes, elems...)); n != 198 {
		t.Errorf("count of x1..x200 = %d, want 198", n)
	}
}

// TestHLLError checks the estimate of 100,000 distinct elements, sparse
// and dense forms agreeing register for register.
func TestHLLError(t *testing.T) {
	sparse := hllNew()
	dense, _ := hllSparseToDense(hllNew())
	var ele [8]byte
	const n = 100000
	for i := range uint64(n) {
		binary.LittleEndian.PutUint64(ele[:], i*0x9e3779b97f4a7c15)
		sparse, _ = hllAdd(sparse, ele[:], hllSparseMaxBytes)
		dense, _ = hllAdd(dense, ele[:], hllSparseMaxBytes)
		if i == 999 {
			// 1000 elements: still sparse, counted within 5%.
			if sparse[4] != hllEncSparse {
				t.Fatalf("sparse value turned dense at 1000 elements (%d bytes)", len(sparse))
			}
			checkEstimate(t, sparse, 1000, 0.05)
			d, ok := hllSparseToDense(sparse)
			if !ok || !bytes.Equal(d[hllHdrSize:], dense[hllHdrSize:]) {
				t.Fatal("sparse and dense registers differ after 1000 elements")
			}
		}
	}
	if sparse[4] != hllEncDense || !bytes.Equal(sparse[hllHdrSize:], dense[hllHdrSize:]) {
		t.Fatal("after 100000 elements the promoted value differs from the dense one")
	}
	// The standard error is 0.81%: 3% is more than three of them.
	checkEstimate(t, dense, n, 0.03)
}

func checkEstimate(t *testing.T, s []byte, n int, maxErr float64) {
	t.Helper()
	got, ok := hllCount(s)
	if !ok {
		t.Fatal("value reported corrupted")
	}
	if e := math.Abs(float64(got)-float64(n)) / float64(n); e > maxErr {
		t.Errorf("estimate %d for %d elements: error %.2f%% > %.2f%%", got, n, 100*e, 100*maxErr)
	}
}

func TestHLLDenseRegisters(t *testing.T) {
	regs := make([]byte, hllDenseSize-hllHdrSize)
	r := rand.New(rand.NewPCG(1, 2))
	want := make([]int, hllRegisters)
	for range 50000 {
		i, v := r.IntN(hllRegisters), r.IntN(hllRegMax+1)
		denseSetReg(regs, i, v)
		want[i] = v
	}
	var h [64]int
	hllHisto(append(make([]byte, hllHdrSize), regs...), &h)
	var wantH [64]int
	for i, v := range want {
		if got := denseGet(regs, i); got != v {
			t.Fatalf("register %d = %d, want %d", i, got, v)
		}
		wantH[v]++
	}
	if h != wantH {
		t.Fatalf("histogram %v, want %v", h, wantH)
	}
}

func TestHLLIsValid(t *testing.T) {
	dense, _ := hllSparseToDense(hllNew())
	for _, tc := range []struct {
		name string
		s    []byte
		want bool
	}{
		{"empty sparse", hllNew(), true},
		{"dense", dense, true},
		{"short", []byte("HYLL\x01"), false},
		{"bad magic", append([]byte("HYLX"), hllNew()[4:]...), false},
		{"bad encoding", append([]byte("HYLL\x02"), hllNew()[5:]...), false},
		{"dense too short", append([]byte("HYLL\x00"), hllNew()[5:]...), false},
		{"dense too long", append(append([]byte{}, dense...), 0), false},
		{"header only", hllNew()[:hllHdrSize], true},
	} {
		if got := hllIsValid(tc.s); got != tc.want {
			t.Errorf("%s: hllIsValid = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestHLLSparseCorrupt: sparse codes that do not describe 16384 registers.
func TestHLLSparseCorrupt(t *testing.T) {
	hdr := string(hllNew()[:hllHdrSize])
	for _, tc := range []struct {
		name, body string
		count      bool // PFCOUNT works
	}{
		{"no opcodes", "", false},
		{"one short", "\x7f\xfe", false},
		{"one over", "\x7f\xff\x80", false},
		{"val overflow", "\x7f\xfe\x83", false},
		{"exact with vals", "\x7f\xfd\x80\x80", true},
		{"truncated xzero", "\x7f", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := []byte(hdr + tc.body)
			_, ok := hllCount(s)
			_, dok := hllSparseToDense(s)
			var regs [hllRegisters]uint8
			mok := hllMerge(&regs, s)
			if ok != tc.count || dok != tc.count || mok != tc.count {
				t.Errorf("count %v, todense %v, merge %v; want %v", ok, dok, mok, tc.count)
			}
		})
	}
}

// TestHLLSparseMaxBytes: a sparse value never grows beyond the limit.
func TestHLLSparseMaxBytes(t *testing.T) {
	for _, limit := range []int64{0, 18, 100, 3000} {
		s := hllNew()
		var ele [8]byte
		for i := range uint64(5000) {
			binary.LittleEndian.PutUint64(ele[:], i)
			s, _ = hllAdd(s, ele[:], limit)
			if s[4] == hllEncSparse && int64(len(s)) > max(limit, 18) {
				t.Fatalf("limit %d: sparse value of %d bytes", limit, len(s))
			}
		}
		if s[4] != hllEncDense || len(s) != hllDenseSize {
			t.Fatalf("limit %d: 5000 elements did not turn the value dense", limit)
		}
	}
}

func TestHLLSelfTest(t *testing.T) {
	if msg := hllSelfTest(); msg != "" {
		t.Fatal(msg)
	}
}

// FuzzHLL runs every HyperLogLog operation on arbitrary bytes, taken as a
// whole value or as the opcodes of a sparse one: nothing may panic, a value
// never grows beyond its limits, and the readers agree on validity.
func FuzzHLL(f *testing.F) {
	f.Add(hllNew(), []byte("a"))
	f.Add(hllFrom(f, hllSparseMaxBytes, "a", "b", "c"), []byte("zz"))
	f.Add([]byte("\x7f\xfe\x80"), []byte(""))
	f.Add([]byte("\x00\x01\x40\x05\x80\x8c\xff"), []byte("x"))
	f.Add([]byte("\x7f"), []byte("elem"))
	f.Fuzz(func(t *testing.T, data, ele []byte) {
		s := data
		if !hllIsValid(s) {
			s = append(append([]byte{}, hllNew()[:hllHdrSize]...), data...)
		}
		if !hllIsValid(s) {
			t.Fatalf("sparse value %q not valid", s)
		}
		in := append([]byte{}, s...)
		card, ok := hllCount(s)
		d, dok := hllSparseToDense(s)
		var regs [hllRegisters]uint8
		mok := hllMerge(&regs, s)
		if ok != dok || ok != mok {
			t.Fatalf("count ok %v, todense ok %v, merge ok %v", ok, dok, mok)
		}
		if ok {
			if dc, _ := hllCount(d); dc != card || hllCountRegisters(&regs) != card {
				t.Fatalf("sparse count %d, dense %d, merged %d", card, dc, hllCountRegisters(&regs))
			}
		}
		_ = hllDecode(s)
		const limit = 300
		for i := range 4 {
			e := append(append([]byte{}, ele...), byte(i))
			var r int
			s, r = hllAdd(s, e, limit)
			if len(s) > max(len(in), limit, hllDenseSize) {
				t.Fatalf("value grew to %d bytes from %d", len(s), len(in))
			}
			if r < 0 {
				return
			}
			if ok && !hllTruncated(in) {
				// A valid value stays valid and holds the element (one
				// ending in a truncated XZERO may not, as in Redis).
				idx, cnt := hllPatLen(e)
				dd, ok2 := hllSparseToDense(s)
				if !ok2 || !hllIsValid(s) {
					t.Fatalf("valid value %q corrupted by adding %q: %q", in, e, s)
				}
				if got := denseGet(dd[hllHdrSize:], idx); got < cnt {
					t.Fatalf("register %d = %d after adding a %d", idx, got, cnt)
				}
			}
		}
	})
}

// hllTruncated reports whether a sparse value ends in half an XZERO.
func hllTruncated(s []byte) bool {
	if s[4] != hllEncSparse {
		return false
	}
	p := hllHdrSize
	for p < len(s) {
		if hllIsXZero(s[p]) {
			p += 2
		} else {
			p++
		}
	}
	return p > len(s)
}

func BenchmarkHLLAddSparse(b *testing.B) {
	b.ReportAllocs()
	var ele [8]byte
	s := hllNew()
	for i := range b.N {
		if i%1000 == 0 {
			s = hllNew() // stays sparse
		}
		binary.LittleEndian.PutUint64(ele[:], uint64(i))
		s, _ = hllAdd(s, ele[:], hllSparseMaxBytes)
	}
}

func BenchmarkHLLAddDense(b *testing.B) {
	b.ReportAllocs()
	var ele [8]byte
	s, _ := hllSparseToDense(hllNew())
	for i := range b.N {
		binary.LittleEndian.PutUint64(ele[:], uint64(i))
		s, _ = hllAdd(s, ele[:], hllSparseMaxBytes)
	}
}

func benchCount(b *testing.B, n int) {
	var ele [8]byte
	s := hllNew()
	for i := range n {
		binary.LittleEndian.PutUint64(ele[:], uint64(i))
		s, _ = hllAdd(s, ele[:], hllSparseMaxBytes)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, ok := hllCount(s); !ok {
			b.Fatal("corrupted")
		}
	}
}

func BenchmarkHLLCountSparse(b *testing.B) { benchCount(b, 500) }
func BenchmarkHLLCountDense(b *testing.B)  { benchCount(b, 100000) }

func BenchmarkHLLMergeDense(b *testing.B) {
	s := hllFrom(b, 0, "a", "b", "c")
	b.ReportAllocs()
	for range b.N {
		var regs [hllRegisters]uint8
		hllMerge(&regs, s)
		hllCountRegisters(&regs)
	}
}
