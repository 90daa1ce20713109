package node

import (
	"math"
	"slices"
	"unsafe"
)

// intset is the "intset" form of a set: its integers sorted ascending in
// one byte slice, each in the width of the widest member (2, 4 or 8 bytes,
// in the machine's byte order), after a header of the same width whose
// first byte is that width, as Redis's intset keeps them. A set of small
// integers costs 2 bytes a member. The width grows when a wider integer is
// added and never shrinks, as in Redis. The zero intset is empty.
//
// The members are read as a []int16, []int32 or []int64 over the bytes
// (view): the allocator aligns a byte slice whose size is a multiple of 2,
// 4 or 8 to at least that, and the header keeps the members aligned.
type intset []byte

// intWidth is the number of bytes v needs: 2, 4 or 8.
func intWidth(v int64) int {
	switch {
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 2
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 4
	}
	return 8
}

// view returns the members of a non-empty intset of width
// unsafe.Sizeof(T(0)).
func view[T int16 | int32 | int64](is intset) []T {
	var zero T
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(is))), len(is)/int(unsafe.Sizeof(zero)))[1:]
}

func (is intset) width() int {
	if len(is) == 0 {
		return 2
	}
	return int(is[0])
}

func (is intset) len() int {
	switch {
	case len(is) == 0:
		return 0
	case is[0] == 2:
		return len(is)>>1 - 1
	case is[0] == 4:
		return len(is)>>2 - 1
	}
	return len(is)>>3 - 1
}

// get returns the i-th smallest member.
func (is intset) get(i int) int64 {
	switch is[0] {
	case 2:
		return int64(view[int16](is)[i])
	case 4:
		return int64(view[int32](is)[i])
	}
	return view[int64](is)[i]
}

// put stores v as the i-th member; v fits the width.
func (is intset) put(i int, v int64) {
	switch is[0] {
	case 2:
		view[int16](is)[i] = int16(v)
	case 4:
		view[int32](is)[i] = int32(v)
	default:
		view[int64](is)[i] = v
	}
}

// search returns the position of v, or where it would be inserted, and
// whether it is present. A value outside the width cannot be present.
func (is intset) search(v int64) (int, bool) {
	if len(is) == 0 {
		return 0, false
	}
	switch w := is[0]; {
	case w == 2 && v >= math.MinInt16 && v <= math.MaxInt16:
		return slices.BinarySearch(view[int16](is), int16(v))
	case w == 4 && v >= math.MinInt32 && v <= math.MaxInt32:
		return slices.BinarySearch(view[int32](is), int32(v))
	case w == 8:
		return slices.BinarySearch(view[int64](is), v)
	case v < 0:
		return 0, false
	}
	return is.len(), false
}

// insert returns the intset with v added at position i (from search).
func (is intset) insert(i int, v int64) intset {
	n, w := is.len(), is.width()
	if nw := intWidth(v); nw > w || len(is) == 0 {
		// A new header, and every member re-encoded in the wider width.
		nw = max(nw, w)
		wider := make(intset, nw*(n+1), nw*(n+2))
		wider[0] = byte(nw)
		for j := range n {
			wider.put(j, is.get(j))
		}
		is, w = wider, nw
	}
	is = append(is, make([]byte, w)...)
	copy(is[w*(i+2):], is[w*(i+1):w*(n+1)])
	is.put(i, v)
	return is
}

// remove returns the intset without its i-th member.
func (is intset) remove(i int) intset {
	w := int(is[0])
	return append(is[:w*(i+1)], is[w*(i+2):]...)
}
