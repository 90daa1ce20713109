package node

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/slotcache/slotcache/protocol/resp"
)

// Defaults of zset-max-listpack-entries and zset-max-listpack-value: up to
// this many members, none longer than this, a sorted set reports the
// "listpack" encoding.
const (
	zsetMaxListpackEntries = 128
	zsetMaxListpackValue   = 64
)

// zent is one element of a sorted set as commands see it.
type zent struct {
	member string
	score  float64
}

// zentCmp orders elements by score, then member, as Redis does.
func zentCmp(a zent, score float64, member string) int {
	switch {
	case a.score < score:
		return -1
	case a.score > score:
		return 1
	}
	return strings.Compare(a.member, member)
}

// zset is the value of a sorted set key, in one of two encodings.
//
// "listpack" (small): lp holds the elements sorted by (score, member); a
// member lookup is a linear scan, as in Redis, which is cheap at up to
// zsetMaxListpackEntries elements.
//
// "skiplist": a skiplist with spans ordered by (score, member) for ranks
// and ranges, a slice of the nodes in no particular order for random picks
// and scan cursors, and an index from member to position in that slice for
// O(1) scores.
//
// A sorted set embeds the object of its key (obj), and the skiplist form
// lives behind one pointer, so that a small sorted set and its object are
// one 80-byte allocation. The encoding thresholds come from the caller's
// configuration.
type zset struct {
	o   object   // the key's object, once obj has been called
	lp  []zent   // listpack form
	big *zsetBig // skiplist form; nil while listpack
}

// zsetBig is the skiplist form of a sorted set.
type zsetBig struct {
	sl    *skiplist
	index zindex
	nodes []*slNode
}

func newZset(small bool) *zset {
	if small {
		return &zset{}
	}
	return &zset{big: &zsetBig{sl: newSkiplist()}}
}

// small reports whether the set is in the listpack form.
func (z *zset) small() bool { return z.big == nil }

// obj returns the object holding z, embedded in it.
func (z *zset) obj() *object {
	z.o.typ, z.o.val = typeZSet, z
	return &z.o
}

// node returns the skiplist node of member, or nil.
func (z *zset) node(member string) *slNode {
	if i := z.big.index.find(z.big.nodes, member); i >= 0 {
		return z.big.nodes[i]
	}
	return nil
}

func (z *zset) encoding() string {
	if z.small() {
		return "listpack"
	}
	return "skiplist"
}

func (z *zset) length() int {
	if z.small() {
		return len(z.lp)
	}
	return len(z.big.nodes)
}

func (z *zset) clone() collection {
	if z.small() {
		return &zset{lp: slices.Clone(z.lp)}
	}
	c := newZset(false)
	z.each(func(e zent) { c.insert(nil, e.score, e.member) })
	return c
}

func (z *zset) memUsage() int64 {
	n := int64(96)
	if z.small() {
		for _, e := range z.lp {
			n += int64(len(e.member)) + 11
		}
		return n
	}
	for _, x := range z.big.nodes {
		n += int64(len(x.member)) + 64 + int64(16*x.n)
	}
	return n + 8*int64(cap(z.big.nodes)+len(z.big.index.slots))
}

// each calls fn for every element in order.
func (z *zset) each(fn func(e zent)) {
	if z.small() {
		for _, e := range z.lp {
			fn(e)
		}
		return
	}
	for x := z.big.sl.head.lvl(0).next; x != nil; x = x.lvl(0).next {
		fn(zent{x.member, x.score})
	}
}

// at returns the element at position i of an order that is stable while
// the set is unchanged (sorted for listpacks, arbitrary for skiplists).
func (z *zset) at(i int) zent {
	if z.small() {
		return z.lp[i]
	}
	return zent{z.big.nodes[i].member, z.big.nodes[i].score}
}

// lpIndex returns the position of member in the listpack, or -1.
func (z *zset) lpIndex(member string) int {
	for i := range z.lp {
		if z.lp[i].member == member {
			return i
		}
	}
	return -1
}

// get returns the score of member.
func (z *zset) get(member string) (float64, bool) {
	if z.small() {
		if i := z.lpIndex(member); i >= 0 {
			return z.lp[i].score, true
		}
		return 0, false
	}
	x := z.node(member)
	if x == nil {
		return 0, false
	}
	return x.score, true
}

// score is get for a member given as bytes.
func (z *zset) score(member []byte) (float64, bool) { return z.get(strView(member)) }

// strView returns b as a string without copying it, for lookups that neither
// keep the string nor outlive b's contents (a conversion would copy b, and
// allocate when it is over 32 bytes).
func strView(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// listpackScore returns score as a listpack stores it: the text "-0" reads
// back as the integer 0.
func (z *zset) listpackScore(score float64) float64 {
	if z.small() && score == 0 {
		return 0
	}
	return score
}

// convert switches a listpack to the skiplist encoding.
func (z *zset) convert() {
	lp := z.lp
	z.lp, z.big = nil, &zsetBig{sl: newSkiplist()}
	for _, e := range lp {
		z.insert(nil, e.score, e.member)
	}
}

// insert adds a member that is not present yet.
// While the set is a listpack it converts when it would get more than
// lim.ZsetMaxListpackEntries members or one longer than
// lim.ZsetMaxListpackValue; lim is not read once it is a skiplist.
func (z *zset) insert(lim *Config, score float64, member string) {
	if z.small() {
		if len(z.lp)+1 > lim.ZsetMaxListpackEntries || len(member) > lim.ZsetMaxListpackValue {
			z.convert()
		} else {
			score = z.listpackScore(score)
			i, _ := slices.BinarySearchFunc(z.lp, zent{member, score}, func(a, b zent) int { return zentCmp(a, b.score, b.member) })
			z.lp = slices.Insert(z.lp, i, zent{member, score})
			return
		}
	}
	x := z.big.sl.insert(score, member)
	x.pos = int32(len(z.big.nodes))
	z.big.nodes = append(z.big.nodes, x)
	z.big.index.add(z.big.nodes, int(x.pos))
}

// set adds member with score or updates its score; it reports whether the
// member is new.
func (z *zset) set(lim *Config, score float64, member []byte) bool {
	if z.small() {
		i := z.lpIndex(strView(member))
		if i < 0 {
			z.insert(lim, score, string(member))
			return true
		}
		score = z.listpackScore(score)
		if z.lp[i].score != score {
			m := z.lp[i].member
			z.lp = slices.Delete(z.lp, i, i+1)
			z.insert(lim, score, m)
		}
		return false
	}
	if x := z.node(strView(member)); x != nil {
		z.update(x, score)
		return false
	}
	z.insert(lim, score, string(member))
	return true
}

// update changes the score of an existing skiplist member.
func (z *zset) update(x *slNode, score float64) {
	if x.score == score {
		return
	}
	// The node stays where it is when the order is unchanged.
	if (x.back == nil || slBefore(x.back, score, x.member)) &&
		(x.lvl(0).next == nil || !slNotAfter(x.lvl(0).next, score, x.member)) {
		x.score = score
		return
	}
	pos := x.pos
	z.big.sl.remove(x.score, x.member)
	n := z.big.sl.insert(score, x.member)
	n.pos = pos
	z.big.nodes[pos] = n // the index keeps positions: it is unchanged
}

// remove deletes member and reports whether it was present.
func (z *zset) remove(member string) bool {
	if z.small() {
		i := z.lpIndex(member)
		if i < 0 {
			return false
		}
		z.lp = slices.Delete(z.lp, i, i+1)
		return true
	}
	x := z.node(member)
	if x == nil {
		return false
	}
	z.big.sl.remove(x.score, x.member)
	z.big.index.remove(z.big.nodes, x.member, int(x.pos))
	last := len(z.big.nodes) - 1
	if int(x.pos) != last {
		m := z.big.nodes[last]
		z.big.index.move(m.member, last, int(x.pos))
		z.big.nodes[x.pos] = m
		m.pos = x.pos
	}
	z.big.nodes[last] = nil
	z.big.nodes = z.big.nodes[:last]
	if len(z.big.index.slots) > 64 && 16*len(z.big.nodes) < len(z.big.index.slots) {
		// Mostly emptied: give the index and the slice their room back.
		z.big.nodes = slices.Clip(slices.Clone(z.big.nodes))
		z.big.index.resize(z.big.nodes, len(z.big.nodes), len(z.big.index.slots)/4)
	}
	return true
}

// rank returns the 0-based rank of member (from the highest when rev).
func (z *zset) rank(member []byte, rev bool) (int, bool) {
	var r int
	if z.small() {
		r = z.lpIndex(strView(member))
		if r < 0 {
			return 0, false
		}
	} else {
		x := z.node(strView(member))
		if x == nil {
			return 0, false
		}
		r = z.big.sl.rank(x.score, x.member) - 1
	}
	if rev {
		r = z.length() - 1 - r
	}
	return r, true
}

// scoreRange is a ZRANGEBYSCORE interval; minEx/maxEx mark "(" bounds.
type scoreRange struct {
	min, max     float64
	minEx, maxEx bool
}

// parseScoreBound parses a score bound as Redis's zslParseRange does.
func parseScoreBound(b []byte) (v float64, ex bool, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		ex = true
		b = b[1:]
	}
	v, ok = strtod(b)
	return v, ex, ok
}

// strtod parses a whole string as C's strtod would accept it (leading
// spaces allowed, overflow to infinity), rejecting NaN.
func strtod(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, true // strtod converts nothing and stops at the end
	}
	i := 0
	for i < len(b) && isSpaceByte(b[i]) {
		i++
	}
	b = b[i:]
	if len(b) == 0 {
		return 0, false
	}
	str := string(b)
	if strings.IndexByte(str, '_') >= 0 {
		return 0, false
	}
	if h := strings.TrimLeft(str, "+-"); len(h) > 2 && (h[:2] == "0x" || h[:2] == "0X") && !strings.ContainsAny(h, "pP") {
		str += "p0" // C accepts hexadecimal floats without an exponent
	}
	f, err := strconv.ParseFloat(str, 64)
	if err != nil {
		ne, ok := err.(*strconv.NumError)
		if !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	if math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

func parseScoreRange(minb, maxb []byte) (r scoreRange, ok bool) {
	var ok1, ok2 bool
	r.min, r.minEx, ok1 = parseScoreBound(minb)
	r.max, r.maxEx, ok2 = parseScoreBound(maxb)
	return r, ok1 && ok2
}

func (r *scoreRange) aboveMin(v float64) bool {
	if r.minEx {
		return v > r.min
	}
	return v >= r.min
}

func (r *scoreRange) belowMax(v float64) bool {
	if r.maxEx {
		return v < r.max
	}
	return v <= r.max
}

func (r *scoreRange) empty() bool {
	return r.min > r.max || (r.min == r.max && (r.minEx || r.maxEx))
}

// lexRange is a ZRANGEBYLEX interval. minInf means "-", maxInf means "+".
type lexRange struct {
	min, max       string
	minEx, maxEx   bool
	minInf, maxInf bool // "-" as min / "+" as max
	minTop, maxBot bool // "+" as min / "-" as max: nothing matches
}

func parseLexBound(b []byte) (s string, ex, neg, pos bool, ok bool) {
	if len(b) == 0 {
		return "", false, false, false, false
	}
	switch b[0] {
	case '+':
		if len(b) != 1 {
			return "", false, false, false, false
		}
		return "", false, false, true, true
	case '-':
		if len(b) != 1 {
			return "", false, false, false, false
		}
		return "", false, true, false, true
	case '(':
		return string(b[1:]), true, false, false, true
	case '[':
		return string(b[1:]), false, false, false, true
	}
	return "", false, false, false, false
}

func parseLexRange(minb, maxb []byte) (r lexRange, ok bool) {
	var neg, pos, ok1, ok2 bool
	r.min, r.minEx, neg, pos, ok1 = parseLexBound(minb)
	r.minInf, r.minTop = neg, pos
	r.max, r.maxEx, neg, pos, ok2 = parseLexBound(maxb)
	r.maxBot, r.maxInf = neg, pos
	return r, ok1 && ok2
}

func (r *lexRange) aboveMin(m string) bool {
	switch {
	case r.minInf:
		return true
	case r.minTop:
		return false
	case r.minEx:
		return m > r.min
	}
	return m >= r.min
}

func (r *lexRange) belowMax(m string) bool {
	switch {
	case r.maxInf:
		return true
	case r.maxBot:
		return false
	case r.maxEx:
		return m < r.max
	}
	return m <= r.max
}

func (r *lexRange) empty() bool {
	if r.minTop || r.maxBot {
		return true
	}
	if r.minInf || r.maxInf {
		return false
	}
	return r.min > r.max || (r.min == r.max && (r.minEx || r.maxEx))
}

// cursor walks a sorted set in either encoding: a listpack index or a
// skiplist node. A cursor past either end is invalid.
type cursor struct {
	z *zset
	i int
	x *slNode
}

func (c *cursor) valid() bool {
	if c.z.small() {
		return c.i >= 0 && c.i < len(c.z.lp)
	}
	return c.x != nil
}

func (c *cursor) get() zent {
	if c.z.small() {
		return c.z.lp[c.i]
	}
	return zent{c.x.member, c.x.score}
}

func (c *cursor) next() {
	if c.z.small() {
		c.i++
	} else {
		c.x = c.x.lvl(0).next
	}
}

func (c *cursor) prev() {
	if c.z.small() {
		c.i--
	} else {
		c.x = c.x.back
	}
}

// rankCursor returns a cursor at 0-based rank r.
func (z *zset) rankCursor(r int) cursor {
	if z.small() {
		return cursor{z: z, i: r}
	}
	return cursor{z: z, x: z.big.sl.byRank(r + 1)}
}

// firstLast returns cursors on the first element for which below is false
// and on the last element for which notAbove is true. below and notAbove
// must each hold for a prefix of the order.
func (z *zset) firstLast(below, notAbove func(e zent) bool) (first, last cursor) {
	if z.small() {
		i, _ := slices.BinarySearchFunc(z.lp, true, func(e zent, _ bool) int {
			if below(e) {
				return -1
			}
			return 1
		})
		j, _ := slices.BinarySearchFunc(z.lp, true, func(e zent, _ bool) int {
			if notAbove(e) {
				return -1
			}
			return 1
		})
		return cursor{z: z, i: i}, cursor{z: z, i: j - 1}
	}
	f := z.big.sl.firstWhere(func(n *slNode) bool { return below(zent{n.member, n.score}) })
	l := z.big.sl.lastWhere(func(n *slNode) bool { return notAbove(zent{n.member, n.score}) })
	return cursor{z: z, x: f}, cursor{z: z, x: l}
}

// scoreSpan returns cursors on the first and last elements inside r;
// ok is false when there are none.
func (z *zset) scoreSpan(r scoreRange) (first, last cursor, ok bool) {
	if r.empty() {
		return first, last, false
	}
	first, last = z.firstLast(func(e zent) bool { return !r.aboveMin(e.score) },
		func(e zent) bool { return r.belowMax(e.score) })
	if !first.valid() || !last.valid() || !r.belowMax(first.get().score) {
		return first, last, false
	}
	return first, last, true
}

// lexSpan returns cursors on the first and last elements inside r; ok is
// false when there are none. As in Redis, it assumes all members have the
// same score, and a listpack is scanned from its ends.
func (z *zset) lexSpan(r lexRange) (first, last cursor, ok bool) {
	if r.empty() {
		return first, last, false
	}
	if z.small() {
		first, last = cursor{z: z, i: 0}, cursor{z: z, i: len(z.lp) - 1}
		for first.valid() && !r.aboveMin(first.get().member) {
			first.next()
		}
		for last.valid() && !r.belowMax(last.get().member) {
			last.prev()
		}
	} else {
		first, last = z.firstLast(func(e zent) bool { return !r.aboveMin(e.member) },
			func(e zent) bool { return r.belowMax(e.member) })
	}
	if !first.valid() || !last.valid() || !r.belowMax(first.get().member) || !r.aboveMin(last.get().member) {
		return first, last, false
	}
	return first, last, true
}

// countSpan returns the number of elements from first to last inclusive.
func (z *zset) countSpan(first, last cursor, ok bool) int {
	if !ok {
		return 0
	}
	if z.small() {
		return max(last.i-first.i+1, 0)
	}
	return z.big.sl.rankOf(last.x) - z.big.sl.rankOf(first.x) + 1
}

// Kinds of ZRANGE.
const (
	byRank = iota
	byScore
	byLex
)

// rangeSpec is a parsed ZRANGE-family request.
type rangeSpec struct {
	kind          int
	rev           bool
	withScores    bool
	offset, limit int64 // limit < 0: no limit
	start, end    int64
	scores        scoreRange
	lex           lexRange
}

// collect returns the elements sp selects, in reply order.
func (z *zset) collect(sp *rangeSpec) []zent {
	if sp.kind == byRank {
		n := int64(z.length())
		start, end := sp.start, sp.end
		if start < 0 {
			start += n
		}
		if end < 0 {
			end += n
		}
		start = max(start, 0)
		if start > end || start >= n {
			return nil
		}
		end = min(end, n-1)
		out := make([]zent, 0, end-start+1)
		if sp.rev {
			for c := z.rankCursor(int(n - 1 - start)); c.valid() && len(out) < int(end-start+1); c.prev() {
				out = append(out, c.get())
			}
			return out
		}
		for c := z.rankCursor(int(start)); c.valid() && len(out) < int(end-start+1); c.next() {
			out = append(out, c.get())
		}
		return out
	}
	if sp.offset < 0 {
		return nil
	}
	var first, last cursor
	var ok bool
	var inside func(e zent) bool
	if sp.kind == byScore {
		first, last, ok = z.scoreSpan(sp.scores)
		inside = func(e zent) bool { return sp.scores.aboveMin(e.score) && sp.scores.belowMax(e.score) }
	} else {
		// As in Redis, only the far end is checked while walking.
		first, last, ok = z.lexSpan(sp.lex)
		inside = func(e zent) bool { return sp.lex.belowMax(e.member) }
		if sp.rev {
			inside = func(e zent) bool { return sp.lex.aboveMin(e.member) }
		}
	}
	if !ok {
		return nil
	}
	c, step := first, (*cursor).next
	if sp.rev {
		c, step = last, (*cursor).prev
	}
	for off := sp.offset; c.valid() && off > 0; off-- {
		step(&c)
	}
	var out []zent
	for ; c.valid() && inside(c.get()) && (sp.limit < 0 || int64(len(out)) < sp.limit); step(&c) {
		out = append(out, c.get())
	}
	return out
}

// removeAll deletes the given elements.
func (z *zset) removeAll(es []zent) {
	for _, e := range es {
		z.remove(e.member)
	}
}

// formatScore formats a score as Redis prints doubles.
func formatScore(f float64) []byte { return resp.FormatFloat(nil, f) }
