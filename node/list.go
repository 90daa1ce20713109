package node

import "bytes"

// listMaxListpackSize is the default of the list-max-listpack-size
// parameter (-2: nodes of at most 8 KB). Redis 7.0 always reports lists as
// "quicklist", so the value only matters for memory estimates.
const listMaxListpackSize = -2

// listMinCap is the smallest ring capacity kept by a list.
const listMinCap = 8

// list is the list type: a ring-buffer deque of byte strings, giving O(1)
// push and pop at both ends and O(1) access by index. Pop operations are
// plain methods so that blocking pops can be built on top of them.
type list struct {
	buf  [][]byte // len(buf) is zero or a power of two
	head int      // index in buf of element 0
	n    int
}

func newList() *list { return &list{} }

// encoding is what Redis 7.0 reports for every list.
func (l *list) encoding() string { return "quicklist" }

func (l *list) length() int { return l.n }

func (l *list) clone() collection {
	c := &list{}
	c.grow(l.n)
	for i := 0; i < l.n; i++ {
		c.buf[i] = append([]byte(nil), l.at(i)...)
	}
	c.n = l.n
	return c
}

func (l *list) memUsage() int64 {
	size := int64(48 + 24*len(l.buf))
	for i := 0; i < l.n; i++ {
		size += int64(cap(l.at(i)))
	}
	return size
}

// slot maps a logical index to a position in buf.
func (l *list) slot(i int) int { return (l.head + i) & (len(l.buf) - 1) }

// at returns element i (0 <= i < n).
func (l *list) at(i int) []byte { return l.buf[l.slot(i)] }

// set replaces element i (0 <= i < n).
func (l *list) set(i int, v []byte) { l.buf[l.slot(i)] = v }

// grow makes room for at least need elements.
func (l *list) grow(need int) {
	if need <= len(l.buf) {
		return
	}
	c := listMinCap
	for c < need {
		c *= 2
	}
	l.resize(c)
}

// resize moves the elements into a new ring of capacity c (a power of two).
func (l *list) resize(c int) {
	nb := make([][]byte, c)
	for i := 0; i < l.n; i++ {
		nb[i] = l.at(i)
	}
	l.buf, l.head = nb, 0
}

// shrink gives memory back when the list uses a small part of its ring.
func (l *list) shrink() {
	if len(l.buf) > listMinCap && l.n < len(l.buf)/4 {
		c := len(l.buf) / 2
		for c > listMinCap && l.n < c/4 {
			c /= 2
		}
		l.resize(c)
	}
}

// pushLeft inserts v at the head; v is stored as is (callers copy).
func (l *list) pushLeft(v []byte) {
	l.grow(l.n + 1)
	l.head = (l.head - 1) & (len(l.buf) - 1)
	l.buf[l.head] = v
	l.n++
}

// pushRight appends v at the tail; v is stored as is (callers copy).
func (l *list) pushRight(v []byte) {
	l.grow(l.n + 1)
	l.buf[l.slot(l.n)] = v
	l.n++
}

// popLeft removes and returns the head, or nil when the list is empty.
func (l *list) popLeft() []byte {
	if l.n == 0 {
		return nil
	}
	v := l.buf[l.head]
	l.buf[l.head] = nil
	l.head = (l.head + 1) & (len(l.buf) - 1)
	l.n--
	l.shrink()
	return v
}

// popRight removes and returns the tail, or nil when the list is empty.
func (l *list) popRight() []byte {
	if l.n == 0 {
		return nil
	}
	s := l.slot(l.n - 1)
	v := l.buf[s]
	l.buf[s] = nil
	l.n--
	l.shrink()
	return v
}

// pop removes one element from the head (left) or the tail.
func (l *list) pop(left bool) []byte {
	if left {
		return l.popLeft()
	}
	return l.popRight()
}

// push adds one element at the head (left) or the tail.
func (l *list) push(left bool, v []byte) {
	if left {
		l.pushLeft(v)
	} else {
		l.pushRight(v)
	}
}

// insert puts v before element i (0 <= i <= n), shifting the shorter side.
func (l *list) insert(i int, v []byte) {
	if i <= l.n/2 {
		l.pushLeft(v)
		for j := 0; j < i; j++ {
			l.set(j, l.at(j+1))
		}
	} else {
		l.pushRight(v)
		for j := l.n - 1; j > i; j-- {
			l.set(j, l.at(j-1))
		}
	}
	l.set(i, v)
}

// trim keeps the elements start..stop inclusive (already clamped, with
// start > stop meaning none).
func (l *list) trim(start, stop int) {
	if start > stop || start >= l.n {
		start, stop = 0, -1
	}
	for i := 0; i < start; i++ {
		l.popLeft()
	}
	for l.n > stop-start+1 {
		l.popRight()
	}
}

// remove deletes up to count occurrences of v (count 0: all), from the head
// when count > 0 and from the tail when count < 0. It returns how many went.
func (l *list) remove(count int64, v []byte) int64 {
	var removed int64
	if count >= 0 {
		w := 0
		for r := 0; r < l.n; r++ {
			e := l.at(r)
			if (count == 0 || removed < count) && bytes.Equal(e, v) {
				removed++
				continue
			}
			l.set(w, e)
			w++
		}
		for i := w; i < l.n; i++ {
			l.buf[l.slot(i)] = nil
		}
		l.n = w
	} else {
		limit := -count
		w := l.n - 1
		for r := l.n - 1; r >= 0; r-- {
			e := l.at(r)
			if removed < limit && bytes.Equal(e, v) {
				removed++
				continue
			}
			l.set(w, e)
			w--
		}
		for i := 0; i <= w; i++ {
			l.buf[l.slot(i)] = nil
		}
		l.head = l.slot(w + 1)
		l.n -= int(removed)
	}
	if removed > 0 {
		l.shrink()
	}
	return removed
}

// index finds the first element equal to v, or -1.
func (l *list) index(v []byte) int {
	for i := 0; i < l.n; i++ {
		if bytes.Equal(l.at(i), v) {
			return i
		}
	}
	return -1
}
