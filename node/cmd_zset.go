package node

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Sorted set reply texts.
const (
	msgNaNScore        = "ERR resulting score is not a number (NaN)"
	msgXXNX            = "ERR XX and NX options at the same time are not compatible"
	msgGTLTNX          = "ERR GT, LT, and/or NX options at the same time are not compatible"
	msgIncrPair        = "ERR INCR option supports a single increment-element pair"
	msgMinMaxFloat     = "ERR min or max is not a float"
	msgMinMaxLex       = "ERR min or max not valid string range item"
	msgLimitRankOnly   = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	msgWithscoresBylex = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	msgWeightNotFloat  = "ERR weight value is not a float"
)

func zcmd(name string, arity int, flags cmdFlag, first, last int, acl, summary, since string, fn handler) *command {
	step := 1
	if first == 0 {
		step = 0
	}
	return &command{name: name, arity: arity, flags: flags, firstKey: first, lastKey: last, step: step, acl: acl, group: "sorted_set", summary: summary, since: since, fn: fn}
}

// zsetCommands: the sorted set type.
func zsetCommands() []*command {
	const (
		rf  = "@read @sortedset @fast"
		rs  = "@read @sortedset @slow"
		wf  = "@write @sortedset @fast"
		ws  = "@write @sortedset @slow"
		ro  = flagReadonly
		rof = flagReadonly | flagFast
	)
	return []*command{
		zcmd("zadd", -4, flagWrite|flagDenyOOM|flagFast, 1, 1, wf, "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.", "1.2.0", cmdZadd),
		zcmd("zincrby", 4, flagWrite|flagDenyOOM|flagFast, 1, 1, wf, "Increments the score of a member in a sorted set.", "1.2.0", cmdZincrby),
		zcmd("zrem", -3, flagWrite|flagFast, 1, 1, wf, "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.", "1.2.0", cmdZrem),
		zcmd("zcard", 2, rof, 1, 1, rf, "Returns the number of members in a sorted set.", "1.2.0", cmdZcard),
		zcmd("zscore", 3, rof, 1, 1, rf, "Returns the score of a member in a sorted set.", "1.2.0", cmdZscore),
		zcmd("zmscore", -3, rof, 1, 1, rf, "Returns the score of one or more members in a sorted set.", "6.2.0", cmdZmscore),
		zcmd("zrank", 3, rof, 1, 1, rf, "Returns the index of a member in a sorted set ordered by ascending scores.", "2.0.0", cmdZrank),
		zcmd("zrevrank", 3, rof, 1, 1, rf, "Returns the index of a member in a sorted set ordered by descending scores.", "2.0.0", cmdZrevrank),
		zcmd("zrange", -4, ro, 1, 1, rs, "Returns members in a sorted set within a range of indexes.", "1.2.0", cmdZrange),
		zcmd("zrangestore", -5, flagWrite|flagDenyOOM, 1, 2, ws, "Stores a range of members from sorted set in a key.", "6.2.0", cmdZrangestore),
		zcmd("zrevrange", -4, ro, 1, 1, rs, "Returns members in a sorted set within a range of indexes in reverse order.", "1.2.0", cmdZrevrange),
		zcmd("zrangebyscore", -4, ro, 1, 1, rs, "Returns members in a sorted set within a range of scores.", "1.0.5", cmdZrangebyscore),
		zcmd("zrevrangebyscore", -4, ro, 1, 1, rs, "Returns members in a sorted set within a range of scores in reverse order.", "2.2.0", cmdZrevrangebyscore),
		zcmd("zrangebylex", -4, ro, 1, 1, rs, "Returns members in a sorted set within a lexicographical range.", "2.8.9", cmdZrangebylex),
		zcmd("zrevrangebylex", -4, ro, 1, 1, rs, "Returns members in a sorted set within a lexicographical range in reverse order.", "2.8.9", cmdZrevrangebylex),
		zcmd("zcount", 4, rof, 1, 1, rf, "Returns the count of members in a sorted set that have scores within a range.", "2.0.0", cmdZcount),
		zcmd("zlexcount", 4, rof, 1, 1, rf, "Returns the number of members in a sorted set within a lexicographical range.", "2.8.9", cmdZlexcount),
		zcmd("zremrangebyrank", 4, flagWrite, 1, 1, ws, "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.", "2.0.0", cmdZremrangebyrank),
		zcmd("zremrangebyscore", 4, flagWrite, 1, 1, ws, "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.", "1.2.0", cmdZremrangebyscore),
		zcmd("zremrangebylex", 4, flagWrite, 1, 1, ws, "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.", "2.8.9", cmdZremrangebylex),
		zcmd("zpopmin", -2, flagWrite|flagFast, 1, 1, wf, "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", "5.0.0", cmdZpopmin),
		zcmd("zpopmax", -2, flagWrite|flagFast, 1, 1, wf, "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", "5.0.0", cmdZpopmax),
		zcmd("zunionstore", -4, flagWrite|flagDenyOOM, 1, 1, ws, "Stores the union of multiple sorted sets in a key.", "2.0.0", cmdZunionstore),
		zcmd("zinterstore", -4, flagWrite|flagDenyOOM, 1, 1, ws, "Stores the intersect of multiple sorted sets in a key.", "2.0.0", cmdZinterstore),
		zcmd("zdiffstore", -4, flagWrite|flagDenyOOM, 1, 1, ws, "Stores the difference of multiple sorted sets in a key.", "6.2.0", cmdZdiffstore),
		zcmd("zunion", -3, ro, 0, 0, rs, "Returns the union of multiple sorted sets.", "6.2.0", cmdZunion),
		zcmd("zinter", -3, ro, 0, 0, rs, "Returns the intersect of multiple sorted sets.", "6.2.0", cmdZinter),
		zcmd("zdiff", -3, ro, 0, 0, rs, "Returns the difference between multiple sorted sets.", "6.2.0", cmdZdiff),
		zcmd("zintercard", -3, ro, 0, 0, rs, "Returns the number of members of the intersect of multiple sorted sets.", "7.0.0", cmdZintercard),
		zcmd("zrandmember", -2, ro, 1, 1, rs, "Returns one or more random members from a sorted set.", "6.2.0", cmdZrandmember),
		zcmd("zscan", -3, ro, 1, 1, rs, "Iterates over members and scores of a sorted set.", "2.8.0", cmdZscan),
	}
}

// getZset looks key up as a sorted set (see getSet).
func (c *client) getZset(key []byte) (z *zset, ok bool) {
	o, ok := c.getTyped(key, typeZSet)
	if !ok || o == nil {
		return nil, ok
	}
	return o.val.(*zset), true
}

// readZset is getZset for read-only commands: it also counts the lookup.
func (c *client) readZset(key []byte) (z *zset, ok bool) {
	z, ok = c.getZset(key)
	c.countLookup(!ok || z != nil)
	return z, ok
}

// parseScore parses a ZADD/ZINCRBY score as Redis's getDoubleFromObject:
// no spaces, no NaN, no overflow.
func parseScore(b []byte) (float64, bool) {
	if len(b) == 0 || isSpaceByte(b[0]) {
		return 0, false
	}
	f, ok := strtod(b)
	if !ok || (math.IsInf(f, 0) && !looksInfinite(b)) || (f == 0 && underflows(b)) {
		return 0, false
	}
	return f, true
}

// underflows reports whether b, which parsed as zero, has a non-zero
// mantissa: strtod then reports a range error that Redis refuses.
func underflows(b []byte) bool {
	s := strings.ToLower(string(b))
	hex := strings.Contains(s, "0x")
	if hex {
		s = s[strings.Index(s, "0x")+2:]
	}
	for _, c := range s {
		switch {
		case c == 'p' || (!hex && c == 'e'):
			return false
		case c >= '1' && c <= '9', hex && c >= 'a' && c <= 'f':
			return true
		}
	}
	return false
}

// looksInfinite reports whether b spells infinity rather than overflowing.
func looksInfinite(b []byte) bool {
	s := strings.ToLower(strings.TrimLeft(string(b), "+-"))
	return s == "inf" || s == "infinity"
}

func cmdZadd(c *client, args [][]byte) { zaddGeneric(c, args, false) }

func cmdZincrby(c *client, args [][]byte) { zaddGeneric(c, args, true) }

func zaddGeneric(c *client, args [][]byte, incr bool) {
	var nx, xx, gt, lt, ch bool
	i := 2
	for zadd := !incr; zadd && i < len(args); {
		switch strings.ToLower(string(args[i])) {
		case "nx":
			nx = true
		case "xx":
			xx = true
		case "gt":
			gt = true
		case "lt":
			lt = true
		case "ch":
			ch = true
		case "incr":
			incr = true
		default:
			goto parsed
		}
		i++
	}
parsed:
	rest := args[i:]
	if len(rest) == 0 || len(rest)%2 != 0 {
		c.w.Error(msgSyntax)
		return
	}
	n := len(rest) / 2
	switch {
	case nx && xx:
		c.w.Error(msgXXNX)
		return
	case (gt && nx) || (lt && nx) || (gt && lt):
		c.w.Error(msgGTLTNX)
		return
	case incr && n > 1:
		c.w.Error(msgIncrPair)
		return
	}
	scores := make([]float64, n)
	for j := range scores {
		f, ok := parseScore(rest[2*j])
		if !ok {
			c.w.Error(msgNotFloat)
			return
		}
		scores[j] = f
	}
	z, ok := c.getZset(args[1])
	if !ok {
		return
	}
	var added, updated, processed int
	var score float64
	if z == nil && !xx {
		z = newZset(len(rest[1]) <= c.srv.cfg.ZsetMaxListpackValue)
		c.db.set(args[1], z.obj(), false)
	}
	for j := 0; z != nil && j < n; j++ {
		score = scores[j]
		m := rest[2*j+1]
		if cur, ok := z.score(m); ok {
			if nx {
				continue
			}
			if incr {
				score += cur
				if isNaN(score) {
					c.w.Error(msgNaNScore)
					goto done
				}
			}
			if (lt && score >= cur) || (gt && score <= cur) {
				continue
			}
			processed++
			if score != cur {
				z.set(&c.srv.cfg, score, m)
				updated++
			}
			continue
		}
		if xx {
			continue
		}
		z.insert(&c.srv.cfg, score, string(m))
		added++
		processed++
	}
	if incr {
		if processed > 0 {
			c.w.Double(score)
		} else {
			c.w.Null()
		}
	} else if ch {
		c.w.Int(int64(added + updated))
	} else {
		c.w.Int(int64(added))
	}
done:
	if z != nil && z.length() == 0 {
		c.db.remove(args[1], c.now)
	}
	if added+updated > 0 {
		c.db.signalModified(args[1])
		c.srv.dirty += int64(added + updated)
	}
}

func cmdZrem(c *client, args [][]byte) {
	z, ok := c.getZset(args[1])
	if !ok {
		return
	}
	removed := 0
	for _, m := range args[2:] {
		if z != nil && z.remove(string(m)) {
			removed++
		}
	}
	if removed > 0 {
		c.db.signalModified(args[1])
		c.removeIfEmpty(args[1], z)
		c.srv.dirty += int64(removed)
	}
	c.w.Int(int64(removed))
}

func cmdZcard(c *client, args [][]byte) {
	z, ok := c.readZset(args[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Int(0)
		return
	}
	c.w.Int(int64(z.length()))
}

func cmdZscore(c *client, args [][]byte) {
	z, ok := c.readZset(args[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Null()
		return
	}
	if s, ok := z.score(args[2]); ok {
		c.w.Double(s)
		return
	}
	c.w.Null()
}

func cmdZmscore(c *client, args [][]byte) {
	z, ok := c.readZset(args[1])
	if !ok {
		return
	}
	c.w.Array(len(args) - 2)
	for _, m := range args[2:] {
		if z != nil {
			if s, ok := z.score(m); ok {
				c.w.Double(s)
				continue
			}
		}
		c.w.Null()
	}
}

func cmdZrank(c *client, args [][]byte)    { zrankGeneric(c, args, false) }
func cmdZrevrank(c *client, args [][]byte) { zrankGeneric(c, args, true) }

func zrankGeneric(c *client, args [][]byte, rev bool) {
	z, ok := c.readZset(args[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Null()
		return
	}
	if r, ok := z.rank(args[2], rev); ok {
		c.w.Int(int64(r))
		return
	}
	c.w.Null()
}

// writeScored writes nodes as members, with their scores when withScores
// (flat in RESP2, [member, score] pairs in RESP3).
func writeScored(c *client, nodes []zent, withScores bool) {
	if !withScores {
		c.w.Array(len(nodes))
		for _, x := range nodes {
			c.w.BulkString(x.member)
		}
		return
	}
	if c.w.Proto >= 3 {
		c.w.Array(len(nodes))
		for _, x := range nodes {
			c.w.Array(2)
			c.w.BulkString(x.member)
			c.w.Double(x.score)
		}
		return
	}
	c.w.Array(2 * len(nodes))
	for _, x := range nodes {
		c.w.BulkString(x.member)
		c.w.Double(x.score)
	}
}

// storeNodes stores nodes as a new sorted set at dst (deleting dst when
// there are none) and replies with their number.
func storeNodes(c *client, dst []byte, nodes []zent) {
	if len(nodes) == 0 {
		if c.db.remove(dst, c.now) {
			c.srv.dirty++
		}
		c.w.Int(0)
		return
	}
	small := len(nodes) <= c.srv.cfg.ZsetMaxListpackEntries
	for _, x := range nodes {
		small = small && len(x.member) <= c.srv.cfg.ZsetMaxListpackValue
	}
	z := newZset(small)
	for _, x := range nodes {
		z.insert(&c.srv.cfg, x.score, x.member)
	}
	storeZset(c, dst, z)
}

// storeZset stores z, which is not empty, at dst and replies with its
// length.
func storeZset(c *client, dst []byte, z *zset) {
	c.db.set(dst, z.obj(), false)
	c.srv.dirty++
	c.w.Int(int64(z.length()))
}

// zrangeGeneric implements the ZRANGE family. args holds the command's
// arguments from the key on (for ZRANGESTORE, from the source key on); the
// kind and direction are fixed by the legacy commands, and auto is true for
// ZRANGE and ZRANGESTORE, which take BYSCORE/BYLEX/REV options.
func zrangeGeneric(c *client, dst []byte, args [][]byte, kind int, rev, auto bool) {
	sp := rangeSpec{kind: kind, rev: rev, limit: -1}
	kindSet, revSet := !auto, !auto
	limitSet := false
	for j := 3; j < len(args); j++ {
		left := len(args) - j - 1
		opt := strings.ToLower(string(args[j]))
		switch {
		case opt == "withscores" && dst == nil:
			sp.withScores = true
		case opt == "limit" && left >= 2:
			off, ok1 := parseInt(args[j+1])
			if !ok1 {
				c.w.Error(msgNotInteger)
				return
			}
			lim, ok2 := parseInt(args[j+2])
			if !ok2 {
				c.w.Error(msgNotInteger)
				return
			}
			sp.offset, sp.limit, limitSet = off, lim, true
			j += 2
		case opt == "rev" && !revSet:
			sp.rev, revSet = true, true
		case opt == "bylex" && !kindSet:
			sp.kind, kindSet = byLex, true
		case opt == "byscore" && !kindSet:
			sp.kind, kindSet = byScore, true
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	if limitSet && sp.kind == byRank {
		c.w.Error(msgLimitRankOnly)
		return
	}
	if sp.withScores && sp.kind == byLex {
		c.w.Error(msgWithscoresBylex)
		return
	}
	lo, hi := args[1], args[2]
	if sp.rev && sp.kind != byRank {
		lo, hi = hi, lo
	}
	switch sp.kind {
	case byRank:
		var ok1, ok2 bool
		sp.start, ok1 = parseInt(lo)
		sp.end, ok2 = parseInt(hi)
		if !ok1 || !ok2 {
			c.w.Error(msgNotInteger)
			return
		}
	case byScore:
		r, ok := parseScoreRange(lo, hi)
		if !ok {
			c.w.Error(msgMinMaxFloat)
			return
		}
		sp.scores = r
	case byLex:
		r, ok := parseLexRange(lo, hi)
		if !ok {
			c.w.Error(msgMinMaxLex)
			return
		}
		sp.lex = r
	}
	get := c.readZset
	if dst != nil {
		get = c.getZset
	}
	z, ok := get(args[0])
	if !ok {
		return
	}
	var nodes []zent
	if z != nil {
		nodes = z.collect(&sp)
	}
	if dst != nil {
		storeNodes(c, dst, nodes)
		return
	}
	writeScored(c, nodes, sp.withScores)
}

func cmdZrange(c *client, args [][]byte) { zrangeGeneric(c, nil, args[1:], byRank, false, true) }
func cmdZrangestore(c *client, args [][]byte) {
	zrangeGeneric(c, args[1], args[2:], byRank, false, true)
}
func cmdZrevrange(c *client, args [][]byte) { zrangeGeneric(c, nil, args[1:], byRank, true, false) }
func cmdZrangebyscore(c *client, args [][]byte) {
	zrangeGeneric(c, nil, args[1:], byScore, false, false)
}
func cmdZrevrangebyscore(c *client, args [][]byte) {
	zrangeGeneric(c, nil, args[1:], byScore, true, false)
}
func cmdZrangebylex(c *client, args [][]byte) { zrangeGeneric(c, nil, args[1:], byLex, false, false) }
func cmdZrevrangebylex(c *client, args [][]byte) {
	zrangeGeneric(c, nil, args[1:], byLex, true, false)
}

func cmdZcount(c *client, args [][]byte) {
	r, ok := parseScoreRange(args[2], args[3])
	if !ok {
		c.w.Error(msgMinMaxFloat)
		return
	}
	z, ok := c.readZset(args[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Int(0)
		return
	}
	c.w.Int(int64(z.countSpan(z.scoreSpan(r))))
}

func cmdZlexcount(c *client, args [][]byte) {
	r, ok := parseLexRange(args[2], args[3])
	if !ok {
		c.w.Error(msgMinMaxLex)
		return
	}
	z, ok := c.readZset(args[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Int(0)
		return
	}
	c.w.Int(int64(z.countSpan(z.lexSpan(r))))
}

// zremrange removes the nodes sp selects from key and replies their number.
func zremrange(c *client, key []byte, sp *rangeSpec) {
	z, ok := c.getZset(key)
	if !ok {
		return
	}
	if z == nil {
		c.w.Int(0)
		return
	}
	nodes := z.collect(sp)
	z.removeAll(nodes)
	if len(nodes) > 0 {
		c.db.signalModified(key)
		c.removeIfEmpty(key, z)
		c.srv.dirty += int64(len(nodes))
	}
	c.w.Int(int64(len(nodes)))
}

func cmdZremrangebyrank(c *client, args [][]byte) {
	start, ok1 := parseInt(args[2])
	end, ok2 := parseInt(args[3])
	if !ok1 || !ok2 {
		c.w.Error(msgNotInteger)
		return
	}
	zremrange(c, args[1], &rangeSpec{kind: byRank, start: start, end: end, limit: -1})
}

func cmdZremrangebyscore(c *client, args [][]byte) {
	r, ok := parseScoreRange(args[2], args[3])
	if !ok {
		c.w.Error(msgMinMaxFloat)
		return
	}
	zremrange(c, args[1], &rangeSpec{kind: byScore, scores: r, limit: -1})
}

func cmdZremrangebylex(c *client, args [][]byte) {
	r, ok := parseLexRange(args[2], args[3])
	if !ok {
		c.w.Error(msgMinMaxLex)
		return
	}
	zremrange(c, args[1], &rangeSpec{kind: byLex, lex: r, limit: -1})
}

func cmdZpopmin(c *client, args [][]byte) { zpop(c, args, false) }
func cmdZpopmax(c *client, args [][]byte) { zpop(c, args, true) }

func zpop(c *client, args [][]byte, fromMax bool) {
	if len(args) > 3 {
		c.w.Error(msgSyntax)
		return
	}
	count := int64(1)
	if len(args) == 3 {
		n, ok := parseInt(args[2])
		if !ok || n < 0 {
			c.w.Error(msgNotNegative)
			return
		}
		count = n
	}
	z, ok := c.getZset(args[1])
	if !ok {
		return
	}
	if z == nil || count == 0 {
		c.w.Array(0)
		return
	}
	nodes := c.popZset(args[1], z, fromMax, count)
	if len(args) == 3 {
		writeScored(c, nodes, true)
		return
	}
	c.w.Array(2)
	c.w.BulkString(nodes[0].member)
	c.w.Double(nodes[0].score)
}

// zsrc is one input of ZUNION/ZINTER/ZDIFF: a sorted set, or a set whose
// members all score 1. Both are nil for an absent key.
type zsrc struct {
	z      *zset
	s      *set
	weight float64
}

func (s *zsrc) length() int {
	switch {
	case s.z != nil:
		return s.z.length()
	case s.s != nil:
		return s.s.length()
	}
	return 0
}

// each calls fn for every member in order (score order for sorted sets).
func (s *zsrc) each(fn func(m string, score float64)) {
	switch {
	case s.z != nil:
		s.z.each(func(e zent) { fn(e.member, e.score) })
	case s.s != nil:
		for i := 0; i < s.s.length(); i++ {
			fn(s.s.at(i), 1)
		}
	}
}

func (s *zsrc) lookup(m string) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.get(m)
	case s.s != nil:
		if s.s.has([]byte(m)) {
			return 1, true
		}
	}
	return 0, false
}

// loadZsrcs looks keys up as sorted sets or sets; it replies WRONGTYPE on
// any other type.
func (c *client) loadZsrcs(keys [][]byte, read bool) ([]zsrc, bool) {
	srcs := make([]zsrc, len(keys))
	for i, k := range keys {
		srcs[i].weight = 1
		o := c.db.lookup(k, c.now)
		if read {
			c.countLookup(o != nil)
		}
		if o == nil {
			continue
		}
		switch o.typ {
		case typeZSet:
			srcs[i].z = o.val.(*zset)
		case typeSet:
			srcs[i].s = o.val.(*set)
		default:
			c.w.Error(msgWrongType)
			return nil, false
		}
	}
	return srcs, true
}

// Aggregation functions of ZUNION/ZINTER.
const (
	aggSum = iota
	aggMin
	aggMax
)

func aggregate(agg int, acc, v float64) float64 {
	switch agg {
	case aggMin:
		if v < acc {
			return v
		}
		return acc
	case aggMax:
		if v > acc {
			return v
		}
		return acc
	}
	acc += v
	if isNaN(acc) {
		return 0
	}
	return acc
}

// weighted multiplies a score by a weight, turning NaN (0 * inf) into 0.
func weighted(w, v float64) float64 {
	r := w * v
	if isNaN(r) {
		return 0
	}
	return r
}

// zsetOpGeneric implements ZUNION, ZINTER, ZDIFF and their STORE variants;
// args starts at numkeys.
func zsetOpGeneric(c *client, name string, dst []byte, args [][]byte, op setOp) {
	n, ok := parseInt(args[0])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	if n < 1 {
		c.w.Error("ERR at least 1 input key is needed for '" + name + "' command")
		return
	}
	if n > int64(len(args)-1) {
		c.w.Error(msgSyntax)
		return
	}
	srcs, ok := c.loadZsrcs(args[1:1+n], dst == nil)
	if !ok {
		return
	}
	agg, withScores := aggSum, false
	for j := 1 + int(n); j < len(args); {
		left := len(args) - j
		opt := strings.ToLower(string(args[j]))
		switch {
		case op != opDiff && opt == "weights" && left >= len(srcs)+1:
			j++
			for i := range srcs {
				w, ok := parseScore(args[j])
				if !ok {
					c.w.Error(msgWeightNotFloat)
					return
				}
				srcs[i].weight = w
				j++
			}
		case op != opDiff && opt == "aggregate" && left >= 2:
			switch strings.ToLower(string(args[j+1])) {
			case "sum":
				agg = aggSum
			case "min":
				agg = aggMin
			case "max":
				agg = aggMax
			default:
				c.w.Error(msgSyntax)
				return
			}
			j += 2
		case dst == nil && opt == "withscores":
			withScores = true
			j++
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	res := zsetCompute(op, srcs, agg, &c.srv.cfg)
	if dst != nil && res.length() > c.srv.cfg.ZsetMaxListpackEntries {
		// Too many members for a listpack: res is already the set to store.
		storeZset(c, dst, res)
		return
	}
	nodes := make([]zent, 0, res.length())
	res.each(func(e zent) { nodes = append(nodes, e) })
	if dst != nil {
		storeNodes(c, dst, nodes)
		return
	}
	writeScored(c, nodes, withScores)
}

// zsetCompute computes op over srcs.
func zsetCompute(op setOp, srcs []zsrc, agg int, lim *Config) *zset {
	res := newZset(false)
	if op == opDiff {
		rest := srcs[1:]
		srcs[0].each(func(m string, score float64) {
			for i := range rest {
				if _, ok := rest[i].lookup(m); ok {
					return
				}
			}
			res.insert(lim, score, m)
		})
		return res
	}
	order := make([]int, len(srcs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return srcs[a].length() - srcs[b].length() })
	if op == opInter {
		first := &srcs[order[0]]
		first.each(func(m string, score float64) {
			acc := weighted(first.weight, score)
			for _, i := range order[1:] {
				v, ok := srcs[i].lookup(m)
				if !ok {
					return
				}
				// Only the first score is cleared of NaN, as in Redis.
				acc = aggregate(agg, acc, srcs[i].weight*v)
			}
			res.insert(lim, acc, m)
		})
		return res
	}
	acc := map[string]float64{}
	var members []string
	for _, i := range order {
		src := &srcs[i]
		src.each(func(m string, score float64) {
			v := weighted(src.weight, score)
			if cur, ok := acc[m]; ok {
				acc[m] = aggregate(agg, cur, v)
				return
			}
			acc[m] = v
			members = append(members, m)
		})
	}
	for _, m := range members {
		res.insert(lim, acc[m], m)
	}
	return res
}

func cmdZunionstore(c *client, args [][]byte) {
	zsetOpGeneric(c, "zunionstore", args[1], args[2:], opUnion)
}
func cmdZinterstore(c *client, args [][]byte) {
	zsetOpGeneric(c, "zinterstore", args[1], args[2:], opInter)
}
func cmdZdiffstore(c *client, args [][]byte) {
	zsetOpGeneric(c, "zdiffstore", args[1], args[2:], opDiff)
}
func cmdZunion(c *client, args [][]byte) { zsetOpGeneric(c, "zunion", nil, args[1:], opUnion) }
func cmdZinter(c *client, args [][]byte) { zsetOpGeneric(c, "zinter", nil, args[1:], opInter) }
func cmdZdiff(c *client, args [][]byte)  { zsetOpGeneric(c, "zdiff", nil, args[1:], opDiff) }

func cmdZintercard(c *client, args [][]byte) {
	n, ok := parseInt(args[1])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	if n < 1 {
		c.w.Error("ERR at least 1 input key is needed for 'zintercard' command")
		return
	}
	if n > int64(len(args)-2) {
		c.w.Error(msgSyntax)
		return
	}
	srcs, ok := c.loadZsrcs(args[2:2+n], true)
	if !ok {
		return
	}
	var limit int64
	for j := 2 + int(n); j < len(args); j++ {
		if strings.EqualFold(string(args[j]), "limit") && j+1 < len(args) {
			j++
			l, ok := parseInt(args[j])
			if !ok || l < 0 {
				c.w.Error(msgLimitNegative)
				return
			}
			limit = l
			continue
		}
		c.w.Error(msgSyntax)
		return
	}
	res := zsetCompute(opInter, srcs, aggSum, &c.srv.cfg)
	count := int64(res.length())
	if limit > 0 {
		count = min(count, limit)
	}
	c.w.Int(count)
}

func cmdZrandmember(c *client, args [][]byte) {
	if len(args) == 2 {
		z, ok := c.readZset(args[1])
		if !ok {
			return
		}
		if z == nil {
			c.w.Null()
			return
		}
		c.w.BulkString(z.at(rand.IntN(z.length())).member)
		return
	}
	n, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	if n == -1<<63 {
		c.w.Error(msgCountRange)
		return
	}
	withScores := false
	if len(args) > 4 || (len(args) == 4 && !strings.EqualFold(string(args[3]), "withscores")) {
		c.w.Error(msgSyntax)
		return
	}
	if len(args) == 4 {
		withScores = true
		if n < -(1<<62) || n > 1<<62-1 {
			c.w.Error(msgValueRange)
			return
		}
	}
	z, ok := c.readZset(args[1])
	if !ok {
		return
	}
	if z == nil || n == 0 {
		c.w.Array(0)
		return
	}
	var nodes []zent
	switch {
	case n < 0:
		if -n > maxRandomRepeat {
			c.w.Error(msgValueRange)
			return
		}
		nodes = make([]zent, -n)
		for i := range nodes {
			nodes[i] = z.at(rand.IntN(z.length()))
		}
	case n >= int64(z.length()):
		z.each(func(e zent) { nodes = append(nodes, e) })
	default:
		pos := rand.Perm(z.length())[:n]
		for _, p := range pos {
			nodes = append(nodes, z.at(p))
		}
	}
	writeScored(c, nodes, withScores)
}

func cmdZscan(c *client, args [][]byte) {
	cursor, ok := c.scanCursorArg(args[2])
	if !ok {
		return
	}
	z, ok := c.readZset(args[1])
	if !ok {
		return
	}
	if z == nil {
		writeScan(c, 0, nil)
		return
	}
	sa, ok := parseScanOptions(c, args[3:], false)
	if !ok {
		return
	}
	var out []string
	add := func(e zent) {
		if sa.pattern == nil || globMatch(sa.pattern, []byte(e.member), false) {
			out = append(out, e.member, string(formatScore(e.score)))
		}
	}
	if z.small() {
		z.each(add)
		writeScan(c, 0, out)
		return
	}
	next := scanPositions(cursor, z.length(), sa.count, func(i int) { add(z.at(i)) })
	writeScan(c, next, out)
}
