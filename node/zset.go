package node

import (
	"math"
	"strconv"
	"strings"

	"github.com/slotcache/slotcache/protocol/resp"
)

// Defaults of zset-max-listpack-entries and zset-max-listpack-value: up to
// this many members, none longer than this, a sorted set reports the
// "listpack" encoding.
const (
	zsetMaxListpackEntries = 128
	zsetMaxListpackValue   = 64
)

// zset is the value of a sorted set key: a skiplist with spans ordered by
// (score, member) for ranks and ranges, a map from member to its node for
// O(1) scores, and a slice of the nodes in no particular order for random
// picks and scan cursors. small records whether Redis would still keep the
// set as a listpack; the structure is the same either way.
type zset struct {
	sl    *skiplist
	dict  map[string]*slNode
	nodes []*slNode
	small bool
}

func newZset(small bool) *zset {
	return &zset{sl: newSkiplist(), dict: make(map[string]*slNode), small: small}
}

func (z *zset) encoding() string {
	if z.small {
		return "listpack"
	}
	return "skiplist"
}

func (z *zset) length() int { return len(z.nodes) }

func (z *zset) clone() collection {
	c := newZset(z.small)
	for x := z.sl.head.level[0].next; x != nil; x = x.level[0].next {
		c.insert(x.score, x.member)
	}
	return c
}

func (z *zset) memUsage() int64 {
	n := int64(96)
	for _, x := range z.nodes {
		n += int64(len(x.member)) + 64 + int64(16*len(x.level))
	}
	return n
}

// score returns the score of member.
func (z *zset) score(member []byte) (float64, bool) {
	x, ok := z.dict[string(member)]
	if !ok {
		return 0, false
	}
	return x.score, true
}

// listpackScore returns score as a listpack stores it: the text "-0" reads
// back as the integer 0.
func (z *zset) listpackScore(score float64) float64 {
	if z.small && score == 0 {
		return 0
	}
	return score
}

// insert adds a member that is not present yet.
func (z *zset) insert(score float64, member string) {
	score = z.listpackScore(score)
	x := z.sl.insert(score, member)
	x.pos = len(z.nodes)
	z.nodes = append(z.nodes, x)
	z.dict[member] = x
	if z.small && (len(z.nodes) > zsetMaxListpackEntries || len(member) > zsetMaxListpackValue) {
		z.small = false
	}
}

// update changes the score of an existing member.
func (z *zset) update(x *slNode, score float64) {
	score = z.listpackScore(score)
	if x.score == score {
		return
	}
	// The node stays where it is when the order is unchanged.
	if (x.back == nil || slBefore(x.back, score, x.member)) &&
		(x.level[0].next == nil || !slNotAfter(x.level[0].next, score, x.member)) {
		x.score = score
		return
	}
	pos := x.pos
	z.sl.remove(x.score, x.member)
	n := z.sl.insert(score, x.member)
	n.pos = pos
	z.nodes[pos] = n
	z.dict[x.member] = n
}

// set adds member with score or updates its score; it reports whether the
// member is new.
func (z *zset) set(score float64, member []byte) bool {
	if x, ok := z.dict[string(member)]; ok {
		z.update(x, score)
		return false
	}
	z.insert(score, string(member))
	return true
}

// remove deletes member and reports whether it was present.
func (z *zset) remove(member string) bool {
	x, ok := z.dict[member]
	if !ok {
		return false
	}
	z.sl.remove(x.score, x.member)
	delete(z.dict, member)
	last := len(z.nodes) - 1
	if x.pos != last {
		z.nodes[x.pos] = z.nodes[last]
		z.nodes[x.pos].pos = x.pos
	}
	z.nodes[last] = nil
	z.nodes = z.nodes[:last]
	return true
}

// rank returns the 0-based rank of member (from the highest when rev).
func (z *zset) rank(member []byte, rev bool) (int, bool) {
	x, ok := z.dict[string(member)]
	if !ok {
		return 0, false
	}
	r := z.sl.rank(x.score, x.member) - 1
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

// scoreSpan returns the first and last nodes inside r, nil if none.
func (z *zset) scoreSpan(r scoreRange) (first, last *slNode) {
	if r.empty() {
		return nil, nil
	}
	first = z.sl.firstWhere(func(n *slNode) bool { return !r.aboveMin(n.score) })
	if first == nil || !r.belowMax(first.score) {
		return nil, nil
	}
	last = z.sl.lastWhere(func(n *slNode) bool { return r.belowMax(n.score) })
	return first, last
}

// lexSpan returns the first and last nodes inside r, nil if none. As in
// Redis, it assumes all members have the same score.
func (z *zset) lexSpan(r lexRange) (first, last *slNode) {
	if r.empty() {
		return nil, nil
	}
	if z.small {
		// Redis scans a listpack from its ends.
		for first = z.sl.head.level[0].next; first != nil && !r.aboveMin(first.member); first = first.level[0].next {
		}
		for last = z.sl.tail; last != nil && !r.belowMax(last.member); last = last.back {
		}
	} else {
		first = z.sl.firstWhere(func(n *slNode) bool { return !r.aboveMin(n.member) })
		last = z.sl.lastWhere(func(n *slNode) bool { return r.belowMax(n.member) })
	}
	if first == nil || last == nil || !r.belowMax(first.member) || !r.aboveMin(last.member) {
		return nil, nil
	}
	return first, last
}

// countSpan returns the number of nodes from first to last inclusive.
func (z *zset) countSpan(first, last *slNode) int {
	if first == nil {
		return 0
	}
	return z.sl.rankOf(last) - z.sl.rankOf(first) + 1
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

// collect returns the nodes sp selects, in reply order.
func (z *zset) collect(sp *rangeSpec) []*slNode {
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
		out := make([]*slNode, 0, end-start+1)
		if sp.rev {
			for x := z.sl.byRank(int(n - start)); x != nil && len(out) < int(end-start+1); x = x.back {
				out = append(out, x)
			}
			return out
		}
		for x := z.sl.byRank(int(start + 1)); x != nil && len(out) < int(end-start+1); x = x.level[0].next {
			out = append(out, x)
		}
		return out
	}
	if sp.offset < 0 {
		return nil
	}
	var first, last *slNode
	var inside func(x *slNode) bool
	if sp.kind == byScore {
		first, last = z.scoreSpan(sp.scores)
		inside = func(x *slNode) bool { return sp.scores.aboveMin(x.score) && sp.scores.belowMax(x.score) }
	} else {
		// As in Redis, only the far end is checked while walking.
		first, last = z.lexSpan(sp.lex)
		inside = func(x *slNode) bool { return sp.lex.belowMax(x.member) }
		if sp.rev {
			inside = func(x *slNode) bool { return sp.lex.aboveMin(x.member) }
		}
	}
	if first == nil {
		return nil
	}
	x, step := first, func(x *slNode) *slNode { return x.level[0].next }
	if sp.rev {
		x, step = last, func(x *slNode) *slNode { return x.back }
	}
	for off := sp.offset; x != nil && off > 0; off-- {
		x = step(x)
	}
	var out []*slNode
	for ; x != nil && inside(x) && (sp.limit < 0 || int64(len(out)) < sp.limit); x = step(x) {
		out = append(out, x)
	}
	return out
}

// removeNodes deletes the given nodes.
func (z *zset) removeNodes(nodes []*slNode) {
	for _, x := range nodes {
		z.remove(x.member)
	}
}

// formatScore formats a score as Redis prints doubles.
func formatScore(f float64) []byte { return resp.FormatFloat(nil, f) }
