package node

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
)

// HyperLogLog values in Redis's serialized format, so that a value written
// by Redis reads back here and the other way round, byte for byte.
//
// A value is a string: a 16-byte header, then the registers.
//
//	+------+---+-----+----------+
//	| HYLL | E | N/U | Cardin.  |
//	+------+---+-----+----------+
//
// "HYLL" is the magic, E the encoding (0 dense, 1 sparse), N/U three unused
// bytes and Cardin. the cached cardinality, 64 bits little endian; the most
// significant bit of its last byte set means the cache is invalid.
//
// Dense: 16384 registers of 6 bits, register 0 in the low bits of the first
// byte. Sparse: a run-length code of opcodes,
//
//	ZERO  00xxxxxx           xxxxxx+1 registers at 0 (1..64)
//	XZERO 01xxxxxx yyyyyyyy  xxxxxxyyyyyyyy+1 registers at 0 (1..16384)
//	VAL   1vvvvvxx           xx+1 registers at vvvvv+1 (1..32, 1..4)
//
// An element is hashed with MurmurHash64A (seed 0xadc83b19): the low 14
// bits pick the register, and the register takes the length of the run of
// zeros in the remaining bits plus one, if larger. The sparse form turns
// dense when a register needs a value above 32 or the string would grow
// beyond hll-sparse-max-bytes.
const (
	hllP          = 14
	hllQ          = 64 - hllP
	hllRegisters  = 1 << hllP
	hllPMask      = hllRegisters - 1
	hllBits       = 6
	hllRegMax     = 1<<hllBits - 1
	hllHdrSize    = 16
	hllDenseSize  = hllHdrSize + (hllRegisters*hllBits+7)/8
	hllEncDense   = 0
	hllEncSparse  = 1
	hllMaxEnc     = 1
	hllHashSeed   = 0xadc83b19
	hllAlphaInf   = 0.721347520444481703680 // 0.5/ln(2)
	hllValMaxVal  = 32
	hllValMaxLen  = 4
	hllZeroMaxLen = 64
	hllXZeroMax   = 16384
	// hllSparseMaxBytes is the default of hll-sparse-max-bytes.
	hllSparseMaxBytes = 3000
)

// hllMagic starts every HyperLogLog value.
const hllMagic = "HYLL"

// Sparse opcode tests and fields.
func hllIsZero(b byte) bool  { return b&0xc0 == 0 }
func hllIsXZero(b byte) bool { return b&0xc0 == 0x40 }
func hllIsVal(b byte) bool   { return b&0x80 != 0 }
func hllZeroLen(b byte) int  { return int(b&0x3f) + 1 }
func hllValLen(b byte) int   { return int(b&0x3) + 1 }
func hllValVal(b byte) int   { return int(b>>2&0x1f) + 1 }
func hllXZeroLen(b0, b1 byte) int {
	return int(b0&0x3f)<<8 | int(b1) + 1
}
func hllVal(val, n int) byte { return byte((val-1)<<2|(n-1)) | 0x80 }

// byteAt returns s[i], or 0 past the end: Redis's strings end in a NUL
// byte, which a truncated XZERO opcode at the end of a value reads.
func byteAt(s []byte, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// hllIsValid reports whether s is a HyperLogLog value as Redis checks it:
// magic, a known encoding, and the exact length when dense.
func hllIsValid(s []byte) bool {
	if len(s) < hllHdrSize || string(s[:4]) != hllMagic || s[4] > hllMaxEnc {
		return false
	}
	return s[4] != hllEncDense || len(s) == hllDenseSize
}

// hllNew returns an empty sparse value: one XZERO opcode for all registers.
func hllNew() []byte {
	s := make([]byte, hllHdrSize+2, 32)
	copy(s, hllMagic)
	s[4] = hllEncSparse
	s[hllHdrSize] = 0x40 | byte((hllXZeroMax-1)>>8)
	s[hllHdrSize+1] = byte((hllXZeroMax - 1) & 0xff)
	return s
}

// hllCached returns the cached cardinality and whether it is valid.
func hllCached(s []byte) (uint64, bool) {
	if s[15]&0x80 != 0 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(s[8:16]), true
}

// hllSetCache stores card as the cached cardinality (valid).
func hllSetCache(s []byte, card uint64) { binary.LittleEndian.PutUint64(s[8:16], card) }

// hllInvalidate marks the cached cardinality invalid.
func hllInvalidate(s []byte) { s[15] |= 0x80 }

// murmurHash64A is Austin Appleby's MurmurHash64A as Redis uses it (input
// read little endian).
func murmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ uint64(len(key))*m
	for len(key) >= 8 {
		k := binary.LittleEndian.Uint64(key)
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		key = key[8:]
	}
	if n := len(key); n > 0 {
		for i := n - 1; i >= 0; i-- {
			h ^= uint64(key[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPatLen returns the register an element goes to and the value it
// proposes: the number of trailing zeros after the index bits, plus one.
func hllPatLen(ele []byte) (index int, count int) {
	h := murmurHash64A(ele, hllHashSeed)
	index = int(h & hllPMask)
	h >>= hllP
	h |= 1 << hllQ
	return index, bits.TrailingZeros64(h) + 1
}

// denseGet returns register i of dense registers regs.
func denseGet(regs []byte, i int) int {
	at := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	b0 := uint(regs[at])
	b1 := uint(byteAt(regs, at+1))
	return int((b0>>fb | b1<<(8-fb)) & hllRegMax)
}

// denseSetReg sets register i of regs to v.
func denseSetReg(regs []byte, i, v int) {
	at := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	uv := uint(v)
	regs[at] &^= byte(hllRegMax << fb)
	regs[at] |= byte(uv << fb)
	if at+1 < len(regs) {
		regs[at+1] &^= byte(hllRegMax >> (8 - fb))
		regs[at+1] |= byte(uv >> (8 - fb))
	}
}

// denseSet raises register i to count; it reports whether it changed.
func denseSet(regs []byte, i, count int) bool {
	if count > denseGet(regs, i) {
		denseSetReg(regs, i, count)
		return true
	}
	return false
}

// hllAdd adds an element to the valid value s. It returns the value (s
// itself or a new slice: a sparse value may grow or turn dense) and 1 when
// a register changed, 0 when none did, -1 when the value is corrupted.
func hllAdd(s, ele []byte, sparseMax int64) ([]byte, int) {
	index, count := hllPatLen(ele)
	return hllSet(s, index, count, sparseMax)
}

// hllSet raises register index to count, as hllAdd.
func hllSet(s []byte, index, count int, sparseMax int64) ([]byte, int) {
	switch s[4] {
	case hllEncDense:
		if denseSet(s[hllHdrSize:], index, count) {
			return s, 1
		}
		return s, 0
	case hllEncSparse:
		return hllSparseSet(s, index, count, sparseMax)
	}
	return s, -1
}

// hllSparseSet is Redis's hllSparseSet: it finds the opcode covering the
// register, splits it into at most three, then merges equal neighbouring
// VAL opcodes, producing exactly the bytes Redis produces.
func hllSparseSet(s []byte, index, count int, sparseMax int64) ([]byte, int) {
	if count > hllValMaxVal {
		return hllPromote(s, index, count)
	}
	// Step 1: find the opcode covering index.
	end := len(s)
	p, prev := hllHdrSize, -1
	first, span := 0, 0
	for p < end {
		oplen := 1
		switch b := s[p]; {
		case hllIsZero(b):
			span = hllZeroLen(b)
		case hllIsVal(b):
			span = hllValLen(b)
		default:
			span = hllXZeroLen(b, byteAt(s, p+1))
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return s, -1
	}
	b := s[p]
	isZero, isXZero, isVal := hllIsZero(b), hllIsXZero(b), hllIsVal(b)
	runlen := span

	// Step 2: the trivial updates in place, else the split sequence.
	if isVal {
		if hllValVal(b) >= count {
			return s, 0
		}
		if runlen == 1 {
			s[p] = hllVal(count, 1)
			return hllSparseMerge(s, prev), 1
		}
	}
	if isZero && runlen == 1 {
		s[p] = hllVal(count, 1)
		return hllSparseMerge(s, prev), 1
	}
	var seq [5]byte
	n := 0
	last := first + span - 1
	zeros := func(l int) {
		if l > hllZeroMaxLen {
			seq[n] = 0x40 | byte((l-1)>>8)
			seq[n+1] = byte((l - 1) & 0xff)
			n += 2
		} else {
			seq[n] = byte(l - 1)
			n++
		}
	}
	if isZero || isXZero {
		if index != first {
			zeros(index - first)
		}
		seq[n] = hllVal(count, 1)
		n++
		if index != last {
			zeros(last - index)
		}
	} else {
		cur := hllValVal(b)
		if index != first {
			seq[n] = hllVal(cur, index-first)
			n++
		}
		seq[n] = hllVal(count, 1)
		n++
		if index != last {
			seq[n] = hllVal(cur, last-index)
			n++
		}
	}

	// Step 3: put the sequence in place of the opcode.
	oldlen := 1
	if isXZero {
		oldlen = 2
	}
	delta := n - oldlen
	if delta > 0 && int64(end+delta) > sparseMax {
		return hllPromote(s, index, count)
	}
	if p+oldlen <= end {
		if delta > 0 {
			s = append(s, seq[:delta]...) // room; overwritten below
		}
		copy(s[p+n:], s[p+oldlen:end])
		s = s[:end+delta]
		copy(s[p:], seq[:n])
	} else {
		// A truncated XZERO at the very end: Redis writes the sequence
		// over the string's terminator, then cuts it to the new length.
		s = append(s[:p], seq[:n]...)[:end+delta]
	}
	return hllSparseMerge(s, prev), 1
}

// hllSparseMerge is step 4 of hllSparseSet: from the opcode before the
// updated one, it merges adjacent VAL opcodes of equal value while their
// lengths fit, scanning at most five opcodes, and invalidates the cache.
func hllSparseMerge(s []byte, prev int) []byte {
	p := prev
	if p < 0 {
		p = hllHdrSize
	}
	for scan := 5; p < len(s) && scan > 0; {
		scan--
		b := s[p]
		if hllIsXZero(b) {
			p += 2
			continue
		}
		if hllIsZero(b) {
			p++
			continue
		}
		if p+1 < len(s) && hllIsVal(s[p+1]) {
			v1, v2 := hllValVal(b), hllValVal(s[p+1])
			if v1 == v2 {
				if l := hllValLen(b) + hllValLen(s[p+1]); l <= hllValMaxLen {
					s[p+1] = hllVal(v1, l)
					s = append(s[:p], s[p+1:]...)
					continue
				}
			}
		}
		p++
	}
	hllInvalidate(s)
	return s
}

// hllPromote turns a sparse value dense and sets the register there.
func hllPromote(s []byte, index, count int) ([]byte, int) {
	d, ok := hllSparseToDense(s)
	if !ok {
		return s, -1
	}
	denseSet(d[hllHdrSize:], index, count)
	return d, 1
}

// hllSparseToDense returns the dense form of s (s itself when dense), or
// ok=false when the sparse code does not describe exactly 16384 registers.
// The header (cached cardinality and unused bytes included) is kept.
func hllSparseToDense(s []byte) (d []byte, ok bool) {
	if s[4] == hllEncDense {
		return s, true
	}
	d = make([]byte, hllDenseSize)
	copy(d, s[:hllHdrSize])
	d[4] = hllEncDense
	regs := d[hllHdrSize:]
	idx := 0
	for p := hllHdrSize; p < len(s); {
		b := s[p]
		switch {
		case hllIsZero(b):
			idx += hllZeroLen(b)
			p++
		case hllIsXZero(b):
			idx += hllXZeroLen(b, byteAt(s, p+1))
			p += 2
		default:
			n, v := hllValLen(b), hllValVal(b)
			if idx+n > hllRegisters {
				return nil, false
			}
			for range n {
				denseSetReg(regs, idx, v)
				idx++
			}
			p++
		}
	}
	if idx != hllRegisters {
		return nil, false
	}
	return d, true
}

// hllHisto counts the registers of a valid value by value; ok is false
// when a sparse value does not cover exactly 16384 registers.
func hllHisto(s []byte, h *[64]int) (ok bool) {
	if s[4] == hllEncDense {
		// Four registers in every three bytes, counted in four separate
		// histograms: registers mostly hold the same few values, and
		// increments of one counter in a row would wait on each other.
		var h4 [4][64]int32
		regs := s[hllHdrSize:]
		for i := 0; i+2 < len(regs); i += 3 {
			b0, b1, b2 := regs[i], regs[i+1], regs[i+2]
			h4[0][b0&63]++
			h4[1][(b0>>6|b1<<2)&63]++
			h4[2][(b1>>4|b2<<4)&63]++
			h4[3][b2>>2]++
		}
		for v := range h {
			h[v] += int(h4[0][v] + h4[1][v] + h4[2][v] + h4[3][v])
		}
		return true
	}
	idx := 0
	for p := hllHdrSize; p < len(s); {
		b := s[p]
		switch {
		case hllIsZero(b):
			n := hllZeroLen(b)
			idx += n
			h[0] += n
			p++
		case hllIsXZero(b):
			n := hllXZeroLen(b, byteAt(s, p+1))
			idx += n
			h[0] += n
			p += 2
		default:
			n := hllValLen(b)
			idx += n
			h[hllValVal(b)] += n
			p++
		}
	}
	return idx == hllRegisters
}

// hllTau and hllSigma are the correction functions of Ertl's improved
// estimator ("New cardinality estimation algorithms for HyperLogLog
// sketches", arXiv:1702.01284), computed as Redis computes them.
func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y := 1.0
	z := 1 - x
	for {
		x = math.Sqrt(x)
		zp := z
		y *= 0.5
		d := 1 - x
		z -= float64(d*d) * y
		if zp == z {
			break
		}
	}
	return z / 3
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y := 1.0
	z := x
	for {
		x *= x
		zp := z
		z += float64(x * y)
		y += y
		if zp == z {
			break
		}
	}
	return z
}

// hllEstimate is the cardinality estimate for a register histogram.
func hllEstimate(h *[64]int) uint64 {
	const m = float64(hllRegisters)
	z := m * hllTau((m-float64(h[hllQ+1]))/m)
	for j := hllQ; j >= 1; j-- {
		z += float64(h[j])
		z *= 0.5
	}
	z += m * hllSigma(float64(h[0])/m)
	e := math.Round(float64(hllAlphaInf*m*m) / z)
	return uint64(e)
}

// hllCount computes the cardinality of a valid value from its registers;
// ok is false when the value is corrupted.
func hllCount(s []byte) (card uint64, ok bool) {
	var h [64]int
	if !hllHisto(s, &h) {
		return 0, false
	}
	return hllEstimate(&h), true
}

// hllMerge raises regs[i] to register i of the valid value s for every i;
// it reports false when s is corrupted (regs may be partly updated).
func hllMerge(regs *[hllRegisters]uint8, s []byte) bool {
	if s[4] == hllEncDense {
		dregs := s[hllHdrSize:]
		for i, j := 0, 0; i+2 < len(dregs); i, j = i+3, j+4 {
			b0, b1, b2 := dregs[i], dregs[i+1], dregs[i+2]
			regs[j] = max(regs[j], b0&63)
			regs[j+1] = max(regs[j+1], (b0>>6|b1<<2)&63)
			regs[j+2] = max(regs[j+2], (b1>>4|b2<<4)&63)
			regs[j+3] = max(regs[j+3], b2>>2)
		}
		return true
	}
	i := 0
	for p := hllHdrSize; p < len(s); {
		b := s[p]
		switch {
		case hllIsZero(b):
			i += hllZeroLen(b)
			p++
		case hllIsXZero(b):
			i += hllXZeroLen(b, byteAt(s, p+1))
			p += 2
		default:
			n, v := hllValLen(b), uint8(hllValVal(b))
			if i+n > hllRegisters {
				return false
			}
			for range n {
				if v > regs[i] {
					regs[i] = v
				}
				i++
			}
			p++
		}
	}
	return i == hllRegisters
}

// hllCountRegisters is the cardinality of plain registers (one byte each).
func hllCountRegisters(regs *[hllRegisters]uint8) uint64 {
	var h4 [4][64]int32
	for i := 0; i < len(regs); i += 4 {
		h4[0][regs[i]&63]++
		h4[1][regs[i+1]&63]++
		h4[2][regs[i+2]&63]++
		h4[3][regs[i+3]&63]++
	}
	var h [64]int
	for v := range h {
		h[v] = int(h4[0][v] + h4[1][v] + h4[2][v] + h4[3][v])
	}
	return hllEstimate(&h)
}

// hllDecode renders a sparse value's opcodes as PFDEBUG DECODE does:
// "z:<len>", "Z:<len>" and "v:<value>,<len>" separated by spaces.
func hllDecode(s []byte) []byte {
	var out []byte
	for p := hllHdrSize; p < len(s); {
		b := s[p]
		switch {
		case hllIsZero(b):
			out = append(out, "z:"...)
			out = strconv.AppendInt(out, int64(hllZeroLen(b)), 10)
			p++
		case hllIsXZero(b):
			out = append(out, "Z:"...)
			out = strconv.AppendInt(out, int64(hllXZeroLen(b, byteAt(s, p+1))), 10)
			p += 2
		default:
			out = append(out, "v:"...)
			out = strconv.AppendInt(out, int64(hllValVal(b)), 10)
			out = append(out, ',')
			out = strconv.AppendInt(out, int64(hllValLen(b)), 10)
			p++
		}
		out = append(out, ' ')
	}
	if len(out) > 0 {
		out = out[:len(out)-1]
	}
	return out
}

// hllSelfTest checks the register packing and the estimator; it returns
// an empty string or what failed.
func hllSelfTest() string {
	regs := make([]byte, hllDenseSize-hllHdrSize)
	for i := range hllRegisters {
		denseSetReg(regs, i, (i*7+3)&hllRegMax)
	}
	for i := range hllRegisters {
		if got := denseGet(regs, i); got != (i*7+3)&hllRegMax {
			return "TESTFAILED Register error at " + strconv.Itoa(i)
		}
	}
	s := hllNew()
	var ele [8]byte
	for i := uint64(1); i <= 10000; i++ {
		binary.LittleEndian.PutUint64(ele[:], i)
		var r int
		if s, r = hllAdd(s, ele[:], hllSparseMaxBytes); r < 0 {
			return "TESTFAILED corrupted HLL while adding"
		}
		if i == 100 || i == 10000 {
			card, ok := hllCount(s)
			rel := math.Abs(float64(card)-float64(i)) / float64(i)
			if !ok || rel > 0.05 {
				return "TESTFAILED estimate " + strconv.FormatUint(card, 10) + " for " + strconv.FormatUint(i, 10)
			}
		}
	}
	return ""
}
