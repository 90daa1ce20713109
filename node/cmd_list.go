package node

import (
	"bytes"
	"math"
)

// Reply texts of the list commands.
const (
	msgIndexOutOfRange  = "ERR index out of range"
	msgRankZero         = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	msgCountNegative    = "ERR COUNT can't be negative"
	msgMaxlenNegative   = "ERR MAXLEN can't be negative"
	msgNumkeysPositive  = "ERR numkeys should be greater than 0"
	msgCountPositive    = "ERR count should be greater than 0"
	listACLWriteFast    = "@write @list @fast"
	listACLWriteSlow    = "@write @list @slow"
	listACLReadSlow     = "@read @list @slow"
	listGroup           = "list"
	listSinceLMove      = "6.2.0"
	listSinceLMPop      = "7.0.0"
	listSinceOriginal   = "1.0.0"
	listSinceXVariants  = "2.2.0"
	listSinceLInsertPos = "2.2.0"
)

// listCommands: the list type.
func listCommands() []*command {
	wf := flagWrite | flagDenyOOM | flagFast
	return []*command{
		{name: "lpush", arity: -3, flags: wf, firstKey: 1, lastKey: 1, step: 1, acl: listACLWriteFast, group: listGroup, summary: "Prepend one or multiple elements to a list", since: listSinceOriginal, fn: cmdLPush},
		{name: "rpush", arity: -3, flags: wf, firstKey: 1, lastKey: 1, step: 1, acl: listACLWriteFast, group: listGroup, summary: "Append one or multiple elements to a list", since: listSinceOriginal, fn: cmdRPush},
		{name: "lpushx", arity: -3, flags: wf, firstKey: 1, lastKey: 1, step: 1, acl: listACLWriteFast, group: listGroup, summary: "Prepend an element to a list, only if the list exists", since: listSinceXVariants, fn: cmdLPushX},
		{name: "rpushx", arity: -3, flags: wf, firstKey: 1, lastKey: 1, step: 1, acl: listACLWriteFast, group: listGroup, summary: "Append an element to a list, only if the list exists", since: listSinceXVariants, fn: cmdRPushX},
		{name: "lpop", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: listACLWriteFast, group: listGroup, summary: "Remove and get the first elements in a list", since: listSinceOriginal, fn: cmdLPop},
		{name: "rpop", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: listACLWriteFast, group: listGroup, summary: "Remove and get the last elements in a list", since: listSinceOriginal, fn: cmdRPop},
		{name: "llen", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: "@read @list @fast", group: listGroup, summary: "Get the length of a list", since: listSinceOriginal, fn: cmdLLen},
		{name: "lrange", arity: 4, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: listACLReadSlow, group: listGroup, summary: "Get a range of elements from a list", since: listSinceOriginal, fn: cmdLRange},
		{name: "lindex", arity: 3, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: listACLReadSlow, group: listGroup, summary: "Get an element from a list by its index", since: listSinceOriginal, fn: cmdLIndex},
		{name: "lset", arity: 4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, acl: listACLWriteSlow, group: listGroup, summary: "Set the value of an element in a list by its index", since: listSinceOriginal, fn: cmdLSet},
		{name: "lrem", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, acl: listACLWriteSlow, group: listGroup, summary: "Remove elements from a list", since: listSinceOriginal, fn: cmdLRem},
		{name: "ltrim", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, acl: listACLWriteSlow, group: listGroup, summary: "Trim a list to the specified range", since: listSinceOriginal, fn: cmdLTrim},
		{name: "linsert", arity: 5, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, acl: listACLWriteSlow, group: listGroup, summary: "Insert an element before or after another element in a list", since: listSinceLInsertPos, fn: cmdLInsert},
		{name: "lpos", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: listACLReadSlow, group: listGroup, summary: "Return the index of matching elements on a list", since: "6.0.6", fn: cmdLPos},
		{name: "rpoplpush", arity: 3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, step: 1, acl: listACLWriteSlow, group: listGroup, summary: "Remove the last element in a list, prepend it to another list and return it", since: "1.2.0", fn: cmdRPopLPush},
		{name: "lmove", arity: 5, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, step: 1, acl: listACLWriteSlow, group: listGroup, summary: "Pop an element from a list, push it to another list and return it", since: listSinceLMove, fn: cmdLMove},
		// LMPOP has movable keys: COMMAND reports 0 0 0 as Redis does.
		{name: "lmpop", arity: -4, flags: flagWrite, acl: listACLWriteSlow, group: listGroup, summary: "Pop elements from a list", since: listSinceLMPop, fn: cmdLMPop},
	}
}

// getList looks key up as a list (see getTyped).
func (c *client) getList(key []byte) (*list, bool) {
	o, ok := c.getTyped(key, typeList)
	if !ok || o == nil {
		return nil, ok
	}
	return o.val.(*list), true
}

// getListRead is getList for read commands: it counts keyspace hits and
// misses as Redis's lookupKeyRead does.
func (c *client) getListRead(key []byte) (*list, bool) {
	l, ok := c.getList(key)
	c.countLookup(l != nil || !ok)
	return l, ok
}

// newListObject wraps l in a keyspace object.
func newListObject(l *list) *object { return &object{typ: typeList, val: l} }

func cmdLPush(c *client, args [][]byte)  { pushGeneric(c, args, true, false) }
func cmdRPush(c *client, args [][]byte)  { pushGeneric(c, args, false, false) }
func cmdLPushX(c *client, args [][]byte) { pushGeneric(c, args, true, true) }
func cmdRPushX(c *client, args [][]byte) { pushGeneric(c, args, false, true) }

func pushGeneric(c *client, args [][]byte, left, onlyExisting bool) {
	l, ok := c.getList(args[1])
	if !ok {
		return
	}
	if l == nil {
		if onlyExisting {
			c.w.Int(0)
			return
		}
		l = newList()
		c.db.set(args[1], newListObject(l), false)
	} else {
		c.db.signalModified(args[1])
	}
	for _, e := range args[2:] {
		l.push(left, append([]byte(nil), e...))
	}
	c.srv.dirty += int64(len(args) - 2)
	c.w.Int(int64(l.n))
}

func cmdLPop(c *client, args [][]byte) { popGeneric(c, args, true) }
func cmdRPop(c *client, args [][]byte) { popGeneric(c, args, false) }

func popGeneric(c *client, args [][]byte, left bool) {
	if len(args) > 3 {
		c.w.Error(errWrongArity(string(bytes.ToLower(args[0]))))
		return
	}
	hasCount := len(args) == 3
	var count int64
	if hasCount {
		n, ok := parseInt(args[2])
		if !ok || n < 0 {
			c.w.Error(msgNotNegative)
			return
		}
		count = n
	}
	l, ok := c.getList(args[1])
	if !ok {
		return
	}
	if l == nil {
		if hasCount {
			c.w.NullArray()
		} else {
			c.w.Null()
		}
		return
	}
	if hasCount && count == 0 {
		c.w.Array(0)
		return
	}
	if !hasCount {
		c.w.Bulk(l.pop(left))
	} else {
		n := min(count, int64(l.n))
		c.w.Array(int(n))
		for i := int64(0); i < n; i++ {
			c.w.Bulk(l.pop(left))
		}
	}
	c.srv.dirty++
	c.db.signalModified(args[1])
	c.removeIfEmpty(args[1], l)
}

func cmdLLen(c *client, args [][]byte) {
	l, ok := c.getListRead(args[1])
	if !ok {
		return
	}
	if l == nil {
		c.w.Int(0)
		return
	}
	c.w.Int(int64(l.n))
}

// parseIntArg parses an integer argument, replying with the error on failure.
func (c *client) parseIntArg(b []byte) (int64, bool) {
	n, ok := parseInt(b)
	if !ok {
		c.w.Error(msgNotInteger)
	}
	return n, ok
}

// clampRange converts Redis start/stop indexes (negative from the end) to
// a clamped inclusive range; empty is true when nothing is selected.
func clampRange(start, stop int64, n int) (int, int, bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= ln {
		return 0, 0, true
	}
	if stop >= ln {
		stop = ln - 1
	}
	return int(start), int(stop), false
}

func cmdLRange(c *client, args [][]byte) {
	start, ok := c.parseIntArg(args[2])
	if !ok {
		return
	}
	stop, ok := c.parseIntArg(args[3])
	if !ok {
		return
	}
	l, ok := c.getListRead(args[1])
	if !ok {
		return
	}
	if l == nil {
		c.w.Array(0)
		return
	}
	s, e, empty := clampRange(start, stop, l.n)
	if empty {
		c.w.Array(0)
		return
	}
	c.w.Array(e - s + 1)
	for i := s; i <= e; i++ {
		c.w.Bulk(l.at(i))
	}
}

// listIndex resolves a possibly negative index; ok is false when out of range.
func listIndex(idx int64, n int) (int, bool) {
	if idx < 0 {
		idx += int64(n)
	}
	if idx < 0 || idx >= int64(n) {
		return 0, false
	}
	return int(idx), true
}

func cmdLIndex(c *client, args [][]byte) {
	l, ok := c.getListRead(args[1])
	if !ok {
		return
	}
	if l == nil {
		c.w.Null()
		return
	}
	idx, ok := c.parseIntArg(args[2])
	if !ok {
		return
	}
	i, in := listIndex(idx, l.n)
	if !in {
		c.w.Null()
		return
	}
	c.w.Bulk(l.at(i))
}

func cmdLSet(c *client, args [][]byte) {
	l, ok := c.getList(args[1])
	if !ok {
		return
	}
	if l == nil {
		c.w.Error(msgNoSuchKey)
		return
	}
	idx, ok := c.parseIntArg(args[2])
	if !ok {
		return
	}
	i, in := listIndex(idx, l.n)
	if !in {
		c.w.Error(msgIndexOutOfRange)
		return
	}
	l.set(i, append([]byte(nil), args[3]...))
	c.db.signalModified(args[1])
	c.srv.dirty++
	c.w.OK()
}

func cmdLRem(c *client, args [][]byte) {
	count, ok := c.parseIntArg(args[2])
	if !ok {
		return
	}
	l, ok := c.getList(args[1])
	if !ok {
		return
	}
	if l == nil {
		c.w.Int(0)
		return
	}
	if count == math.MinInt64 {
		// Redis negates LONG_MIN into itself and never reaches the limit.
		count = 0
	}
	n := l.remove(count, args[3])
	if n > 0 {
		c.db.signalModified(args[1])
		c.srv.dirty += n
		c.removeIfEmpty(args[1], l)
	}
	c.w.Int(n)
}

func cmdLTrim(c *client, args [][]byte) {
	start, ok := c.parseIntArg(args[2])
	if !ok {
		return
	}
	stop, ok := c.parseIntArg(args[3])
	if !ok {
		return
	}
	l, ok := c.getList(args[1])
	if !ok {
		return
	}
	if l == nil {
		c.w.OK()
		return
	}
	s, e, empty := clampRange(start, stop, l.n)
	before := l.n
	if empty {
		l.trim(1, 0)
	} else {
		l.trim(s, e)
	}
	c.db.signalModified(args[1])
	c.srv.dirty += int64(before - l.n)
	c.removeIfEmpty(args[1], l)
	c.w.OK()
}

func cmdLInsert(c *client, args [][]byte) {
	var after bool
	switch {
	case bytes.EqualFold(args[2], []byte("after")):
		after = true
	case bytes.EqualFold(args[2], []byte("before")):
	default:
		c.w.Error(msgSyntax)
		return
	}
	l, ok := c.getList(args[1])
	if !ok {
		return
	}
	if l == nil {
		c.w.Int(0)
		return
	}
	i := l.index(args[3])
	if i < 0 {
		c.w.Int(-1)
		return
	}
	if after {
		i++
	}
	l.insert(i, append([]byte(nil), args[4]...))
	c.db.signalModified(args[1])
	c.srv.dirty++
	c.w.Int(int64(l.n))
}

func cmdLPos(c *client, args [][]byte) {
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	for j := 3; j < len(args); j++ {
		more := j < len(args)-1
		switch {
		case bytes.EqualFold(args[j], []byte("rank")) && more:
			j++
			r, ok := parseInt(args[j])
			if !ok {
				c.w.Error(msgNotInteger)
				return
			}
			if r == 0 {
				c.w.Error(msgRankZero)
				return
			}
			rank = r
		case bytes.EqualFold(args[j], []byte("count")) && more:
			j++
			n, ok := parseInt(args[j])
			if !ok || n < 0 {
				c.w.Error(msgCountNegative)
				return
			}
			count = n
		case bytes.EqualFold(args[j], []byte("maxlen")) && more:
			j++
			n, ok := parseInt(args[j])
			if !ok || n < 0 {
				c.w.Error(msgMaxlenNegative)
				return
			}
			maxlen = n
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	fromTail := rank < 0
	// Redis negates LONG_MIN into itself: every match from the tail counts,
	// and its COUNT test overflows, so COUNT never stops the search.
	unlimited := rank == math.MinInt64
	if unlimited {
		rank = 1
	} else if rank < 0 {
		rank = -rank
	}
	l, ok := c.getListRead(args[1])
	if !ok {
		return
	}
	if l == nil {
		if count != -1 {
			c.w.Array(0)
		} else {
			c.w.Null()
		}
		return
	}
	var found []int64
	var matches int64
	for k := 0; k < l.n && (maxlen == 0 || int64(k) < maxlen); k++ {
		i := k
		if fromTail {
			i = l.n - 1 - k
		}
		if !bytes.Equal(l.at(i), args[2]) {
			continue
		}
		matches++
		if matches < rank {
			continue
		}
		found = append(found, int64(i))
		if count == -1 || (count != 0 && !unlimited && int64(len(found)) >= count) {
			break
		}
	}
	if count == -1 {
		if len(found) == 0 {
			c.w.Null()
		} else {
			c.w.Int(found[0])
		}
		return
	}
	c.w.Array(len(found))
	for _, i := range found {
		c.w.Int(i)
	}
}

func cmdRPopLPush(c *client, args [][]byte) { moveGeneric(c, args[1], args[2], false, true) }

func cmdLMove(c *client, args [][]byte) {
	from, ok1 := parseListSide(args[3])
	to, ok2 := parseListSide(args[4])
	if !ok1 || !ok2 {
		c.w.Error(msgSyntax)
		return
	}
	moveGeneric(c, args[1], args[2], from, to)
}

// parseListSide parses LEFT (true) or RIGHT (false).
func parseListSide(b []byte) (left, ok bool) {
	switch {
	case bytes.EqualFold(b, []byte("left")):
		return true, true
	case bytes.EqualFold(b, []byte("right")):
		return false, true
	}
	return false, false
}

// moveGeneric pops from src at one end and pushes onto dst at the other
// (RPOPLPUSH, LMOVE).
func moveGeneric(c *client, src, dst []byte, fromLeft, toLeft bool) {
	sl, ok := c.getList(src)
	if !ok {
		return
	}
	if sl == nil {
		c.w.Null()
		return
	}
	dl, ok := c.getList(dst)
	if !ok {
		return
	}
	v := sl.pop(fromLeft)
	if dl == nil {
		dl = newList()
		c.db.set(dst, newListObject(dl), false)
	} else {
		c.db.signalModified(dst)
	}
	dl.push(toLeft, v)
	c.db.signalModified(src)
	c.srv.dirty++
	c.removeIfEmpty(src, sl)
	c.w.Bulk(v)
}

func cmdLMPop(c *client, args [][]byte) {
	a, ok := parseMPop(c, args[1:], "right", "left")
	if !ok {
		return
	}
	if !c.lmpopServe(a, true) {
		c.w.NullArray()
	}
}

// lmpopServe pops up to a.count elements from the first non-empty list of
// a.keys (from the left when a.side is set) and writes key, [element, ...];
// it reports false when all are empty.
func (c *client) lmpopServe(a mpopArgs, check bool) bool {
	key, o, ok := c.firstNonEmpty(a.keys, typeList, check)
	if !ok {
		return true
	}
	if o == nil {
		return false
	}
	l := o.val.(*list)
	n := min(a.count, int64(l.n))
	c.w.Array(2)
	c.w.Bulk(key)
	c.w.Array(int(n))
	for i := int64(0); i < n; i++ {
		c.w.Bulk(l.pop(a.side))
	}
	c.db.signalModified(key)
	c.srv.dirty++
	c.removeIfEmpty(key, l)
	return true
}
