package node

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Set and scan reply texts.
const (
	msgNumkeysTooMany = "ERR Number of keys can't be greater than number of args"
	msgLimitNegative  = "ERR LIMIT can't be negative"
	msgCountRange     = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	msgValueRange     = "ERR value is out of range"
)

// maxRandomRepeat bounds the reply of SRANDMEMBER and ZRANDMEMBER with a
// negative count (members may repeat, so the reply is not bounded by the
// set's size). Redis has no such bound and would build the reply until the
// output buffer limit closes the connection; a bigger count is refused with
// msgValueRange instead.
const maxRandomRepeat = 1 << 22

// setCommands: the set type.
func setCommands() []*command {
	return []*command{
		{name: "sadd", arity: -3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: "@write @set @fast", group: "set", summary: "Adds one or more members to a set. Creates the key if it doesn't exist.", since: "1.0.0", fn: cmdSadd},
		{name: "srem", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: "@write @set @fast", group: "set", summary: "Removes one or more members from a set. Deletes the set if the last member was removed.", since: "1.0.0", fn: cmdSrem},
		{name: "smembers", arity: 2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: "@read @set @slow", group: "set", summary: "Returns all members of a set.", since: "1.0.0", fn: cmdSmembers},
		{name: "sismember", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: "@read @set @fast", group: "set", summary: "Determines whether a member belongs to a set.", since: "1.0.0", fn: cmdSismember},
		{name: "smismember", arity: -3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: "@read @set @fast", group: "set", summary: "Determines whether multiple members belong to a set.", since: "6.2.0", fn: cmdSmismember},
		{name: "scard", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: "@read @set @fast", group: "set", summary: "Returns the number of members in a set.", since: "1.0.0", fn: cmdScard},
		{name: "spop", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: "@write @set @fast", group: "set", summary: "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.", since: "1.0.0", fn: cmdSpop},
		{name: "srandmember", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: "@read @set @slow", group: "set", summary: "Get one or multiple random members from a set", since: "1.0.0", fn: cmdSrandmember},
		{name: "smove", arity: 4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 2, step: 1, acl: "@write @set @fast", group: "set", summary: "Moves a member from one set to another.", since: "1.0.0", fn: cmdSmove},
		{name: "sdiff", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: -1, step: 1, acl: "@read @set @slow", group: "set", summary: "Returns the difference of multiple sets.", since: "1.0.0", fn: cmdSdiff},
		{name: "sinter", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: -1, step: 1, acl: "@read @set @slow", group: "set", summary: "Returns the intersect of multiple sets.", since: "1.0.0", fn: cmdSinter},
		{name: "sunion", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: -1, step: 1, acl: "@read @set @slow", group: "set", summary: "Returns the union of multiple sets.", since: "1.0.0", fn: cmdSunion},
		{name: "sdiffstore", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, step: 1, acl: "@write @set @slow", group: "set", summary: "Stores the difference of multiple sets in a key.", since: "1.0.0", fn: cmdSdiffstore},
		{name: "sinterstore", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, step: 1, acl: "@write @set @slow", group: "set", summary: "Stores the intersect of multiple sets in a key.", since: "1.0.0", fn: cmdSinterstore},
		{name: "sunionstore", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, step: 1, acl: "@write @set @slow", group: "set", summary: "Stores the union of multiple sets in a key.", since: "1.0.0", fn: cmdSunionstore},
		{name: "sintercard", arity: -3, flags: flagReadonly, acl: "@read @set @slow", group: "set", summary: "Returns the number of members of the intersect of multiple sets.", since: "7.0.0", fn: cmdSintercard},
		{name: "sscan", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: "@read @set @slow", group: "set", summary: "Iterates over members of a set.", since: "2.8.0", fn: cmdSscan},
	}
}

// getSet looks key up as a set; s is nil when the key is absent and ok is
// false when WRONGTYPE was replied.
func (c *client) getSet(key []byte) (s *set, ok bool) {
	o, ok := c.getTyped(key, typeSet)
	if !ok || o == nil {
		return nil, ok
	}
	return o.val.(*set), true
}

// countLookup records a read lookup in the keyspace hit/miss statistics, as
// Redis's lookupKeyRead does (a key of the wrong type counts as a hit).
func (c *client) countLookup(found bool) {
	if found {
		c.srv.stats.keyspaceHits++
	} else {
		c.srv.stats.keyspaceMisses++
	}
}

// readSet is getSet for read-only commands: it also counts the lookup.
func (c *client) readSet(key []byte) (s *set, ok bool) {
	s, ok = c.getSet(key)
	c.countLookup(!ok || s != nil)
	return s, ok
}

// removeIfEmpty deletes key when its collection became empty.
func (c *client) removeIfEmpty(key []byte, coll collection) {
	if coll.length() == 0 {
		c.db.remove(key, c.now)
	}
}

func cmdSadd(c *client, args [][]byte) {
	s, ok := c.getSet(args[1])
	if !ok {
		return
	}
	if s == nil {
		s = newSet()
		c.db.set(args[1], s.obj(), false)
	}
	added := 0
	for _, m := range args[2:] {
		if s.add(&c.srv.cfg, m) {
			added++
		}
	}
	if added > 0 {
		c.db.signalModified(args[1])
		c.srv.dirty += int64(added)
	}
	c.w.Int(int64(added))
}

func cmdSrem(c *client, args [][]byte) {
	s, ok := c.getSet(args[1])
	if !ok {
		return
	}
	if s == nil {
		c.w.Int(0)
		return
	}
	removed := 0
	for _, m := range args[2:] {
		if s.remove(m) {
			removed++
			if s.length() == 0 {
				break
			}
		}
	}
	if removed > 0 {
		c.db.signalModified(args[1])
		c.removeIfEmpty(args[1], s)
		c.srv.dirty += int64(removed)
	}
	c.w.Int(int64(removed))
}

func cmdSmembers(c *client, args [][]byte) {
	s, ok := c.readSet(args[1])
	if !ok {
		return
	}
	if s == nil {
		c.w.Set(0)
		return
	}
	c.w.Set(s.length())
	for i := 0; i < s.length(); i++ {
		c.w.BulkString(s.at(i))
	}
}

func cmdSismember(c *client, args [][]byte) {
	s, ok := c.readSet(args[1])
	if !ok {
		return
	}
	c.w.Int(b2i(s != nil && s.has(args[2])))
}

func cmdSmismember(c *client, args [][]byte) {
	s, ok := c.readSet(args[1])
	if !ok {
		return
	}
	c.w.Array(len(args) - 2)
	for _, m := range args[2:] {
		c.w.Int(b2i(s != nil && s.has(m)))
	}
}

func cmdScard(c *client, args [][]byte) {
	s, ok := c.readSet(args[1])
	if !ok {
		return
	}
	if s == nil {
		c.w.Int(0)
		return
	}
	c.w.Int(int64(s.length()))
}

func b2i(v bool) int64 {
	if v {
		return 1
	}
	return 0
}

func cmdSpop(c *client, args [][]byte) {
	if len(args) > 3 {
		c.w.Error(msgSyntax)
		return
	}
	count := int64(-1)
	if len(args) == 3 {
		n, ok := parseInt(args[2])
		if !ok || n < 0 {
			c.w.Error(msgNotNegative)
			return
		}
		count = n
	}
	s, ok := c.getSet(args[1])
	if !ok {
		return
	}
	if count == 0 {
		c.w.Set(0)
		return
	}
	if s == nil {
		if count < 0 {
			c.w.Null()
		} else {
			c.w.Set(0)
		}
		return
	}
	if count < 0 {
		m := s.pop()
		c.db.signalModified(args[1])
		c.removeIfEmpty(args[1], s)
		c.srv.dirty++
		c.w.BulkString(m)
		return
	}
	var out []string
	if count >= int64(s.length()) {
		out = s.list()
		c.db.remove(args[1], c.now)
	} else {
		out = make([]string, count)
		for i := range out {
			out[i] = s.pop()
		}
		c.db.signalModified(args[1])
	}
	c.srv.dirty += int64(len(out))
	c.w.Set(len(out))
	for _, m := range out {
		c.w.BulkString(m)
	}
}

func cmdSrandmember(c *client, args [][]byte) {
	if len(args) > 3 {
		c.w.Error(msgSyntax)
		return
	}
	if len(args) == 2 {
		s, ok := c.readSet(args[1])
		if !ok {
			return
		}
		if s == nil {
			c.w.Null()
			return
		}
		c.w.BulkString(s.random())
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
	s, ok := c.readSet(args[1])
	if !ok {
		return
	}
	if s == nil || n == 0 {
		c.w.Array(0)
		return
	}
	if n < 0 {
		if -n > maxRandomRepeat {
			c.w.Error(msgValueRange)
			return
		}
		c.w.Array(int(-n))
		for i := int64(0); i < -n; i++ {
			c.w.BulkString(s.random())
		}
		return
	}
	size := s.length()
	if n >= int64(size) {
		c.w.Array(size)
		for i := 0; i < size; i++ {
			c.w.BulkString(s.at(i))
		}
		return
	}
	// Distinct members: a partial Fisher-Yates shuffle of positions.
	pos := make([]int, size)
	for i := range pos {
		pos[i] = i
	}
	c.w.Array(int(n))
	for i := 0; i < int(n); i++ {
		j := i + rand.IntN(size-i)
		pos[i], pos[j] = pos[j], pos[i]
		c.w.BulkString(s.at(pos[i]))
	}
}

func cmdSmove(c *client, args [][]byte) {
	src, ok := c.getSet(args[1])
	if !ok {
		return
	}
	if src == nil { // as Redis: a missing source wins over a wrong-type destination
		c.w.Int(0)
		return
	}
	dst, ok := c.getSet(args[2])
	if !ok {
		return
	}
	if src == dst {
		c.w.Int(b2i(src.has(args[3])))
		return
	}
	if !src.remove(args[3]) {
		c.w.Int(0)
		return
	}
	c.db.signalModified(args[1])
	c.removeIfEmpty(args[1], src)
	if dst == nil {
		dst = newSet()
		c.db.set(args[2], dst.obj(), false)
	}
	dst.add(&c.srv.cfg, args[3])
	c.db.signalModified(args[2])
	c.srv.dirty++
	c.w.Int(1)
}

// loadSets looks up every key as a set (nil for absent keys). It replies
// WRONGTYPE and returns ok=false if one holds another type.
func (c *client) loadSets(keys [][]byte, read bool) (sets []*set, ok bool) {
	sets = make([]*set, len(keys))
	for i, k := range keys {
		get := c.getSet
		if read {
			get = c.readSet
		}
		s, ok := get(k)
		if !ok {
			return nil, false
		}
		sets[i] = s
	}
	return sets, true
}

// setOp is the kind of SINTER/SUNION/SDIFF operation.
type setOp int

const (
	opUnion setOp = iota
	opInter
	opDiff
)

// computeSet builds the result of op over sets (nil entries are empty).
func computeSet(op setOp, sets []*set, lim *Config) *set {
	out := newSet()
	switch op {
	case opUnion:
		for _, s := range sets {
			if s == nil {
				continue
			}
			for i := 0; i < s.length(); i++ {
				out.add(lim, []byte(s.at(i)))
			}
		}
	case opDiff:
		if sets[0] == nil {
			return out
		}
	next:
		for i := 0; i < sets[0].length(); i++ {
			m := []byte(sets[0].at(i))
			for _, o := range sets[1:] {
				if o != nil && o.has(m) {
					continue next
				}
			}
			out.add(lim, m)
		}
	case opInter:
		for _, m := range interMembers(sets, 0) {
			out.add(lim, []byte(m))
		}
	}
	return out
}

// interMembers returns the members of the intersection of sets in the
// iteration order of the smallest set, stopping after limit members (0 means
// no limit).
func interMembers(sets []*set, limit int) []string {
	smallest := -1
	for i, s := range sets {
		if s == nil {
			return nil
		}
		if smallest < 0 || s.length() < sets[smallest].length() {
			smallest = i
		}
	}
	if smallest < 0 {
		return nil
	}
	var out []string
	small := sets[smallest]
next:
	for i := 0; i < small.length(); i++ {
		m := small.at(i)
		for j, o := range sets {
			if j != smallest && o != small && !o.has([]byte(m)) {
				continue next
			}
		}
		out = append(out, m)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

func setOpRead(c *client, keys [][]byte, op setOp) {
	sets, ok := c.loadSets(keys, true)
	if !ok {
		return
	}
	if op == opInter {
		ms := interMembers(sets, 0)
		c.w.Set(len(ms))
		for _, m := range ms {
			c.w.BulkString(m)
		}
		return
	}
	out := computeSet(op, sets, &c.srv.cfg)
	c.w.Set(out.length())
	for i := 0; i < out.length(); i++ {
		c.w.BulkString(out.at(i))
	}
}

func setOpStore(c *client, dst []byte, keys [][]byte, op setOp) {
	sets, ok := c.loadSets(keys, false)
	if !ok {
		return
	}
	out := computeSet(op, sets, &c.srv.cfg)
	if out.length() == 0 {
		if c.db.remove(dst, c.now) {
			c.srv.dirty++
		}
		c.w.Int(0)
		return
	}
	c.db.set(dst, out.obj(), false)
	c.srv.dirty++
	c.w.Int(int64(out.length()))
}

func cmdSdiff(c *client, args [][]byte)       { setOpRead(c, args[1:], opDiff) }
func cmdSinter(c *client, args [][]byte)      { setOpRead(c, args[1:], opInter) }
func cmdSunion(c *client, args [][]byte)      { setOpRead(c, args[1:], opUnion) }
func cmdSdiffstore(c *client, args [][]byte)  { setOpStore(c, args[1], args[2:], opDiff) }
func cmdSinterstore(c *client, args [][]byte) { setOpStore(c, args[1], args[2:], opInter) }
func cmdSunionstore(c *client, args [][]byte) { setOpStore(c, args[1], args[2:], opUnion) }

// parseNumkeysLimit parses "numkeys key... [LIMIT n]" (SINTERCARD and
// ZINTERCARD). It replies and returns ok=false on error.
func parseNumkeysLimit(c *client, args [][]byte) (keys [][]byte, limit int64, ok bool) {
	n, ok := parseInt(args[1])
	if !ok || n <= 0 {
		c.w.Error(msgNumkeysPositive)
		return nil, 0, false
	}
	if n > int64(len(args)-2) {
		c.w.Error(msgNumkeysTooMany)
		return nil, 0, false
	}
	keys = args[2 : 2+n]
	for j := 2 + int(n); j < len(args); j++ {
		if strings.EqualFold(string(args[j]), "limit") && j+1 < len(args) {
			j++
			l, ok := parseInt(args[j])
			if !ok || l < 0 {
				c.w.Error(msgLimitNegative)
				return nil, 0, false
			}
			limit = l
			continue
		}
		c.w.Error(msgSyntax)
		return nil, 0, false
	}
	return keys, limit, true
}

func cmdSintercard(c *client, args [][]byte) {
	keys, limit, ok := parseNumkeysLimit(c, args)
	if !ok {
		return
	}
	sets, ok := c.loadSets(keys, true)
	if !ok {
		return
	}
	c.w.Int(int64(len(interMembers(sets, int(min(limit, 1<<31))))))
}

// scanArgs are the parsed options of the SCAN family.
type scanArgs struct {
	pattern []byte // nil matches everything
	typ     []byte // SCAN only; nil for any type
	count   int
}

// scanCursorArg parses a SCAN-family cursor (see parseScanCursor); it
// replies on error.
func (c *client) scanCursorArg(b []byte) (uint64, bool) {
	v, ok := parseScanCursor(b)
	if !ok {
		c.w.Error(msgInvalidCursor)
	}
	return v, ok
}

// parseScanOptions parses the options after the cursor: MATCH and COUNT,
// and TYPE when keyspace is set (SCAN). It replies on error.
func parseScanOptions(c *client, args [][]byte, keyspace bool) (scanArgs, bool) {
	sa := scanArgs{count: 10}
	for i := 0; i < len(args); i += 2 {
		more := len(args) - i
		opt := optName(args[i])
		switch {
		case opt == "count" && more >= 2:
			n, ok := parseInt(args[i+1])
			if !ok {
				c.w.Error(msgNotInteger)
				return sa, false
			}
			if n < 1 {
				c.w.Error(msgSyntax)
				return sa, false
			}
			sa.count = int(min(n, 1<<30))
		case opt == "match" && more >= 2:
			sa.pattern = args[i+1]
			if len(sa.pattern) == 1 && sa.pattern[0] == '*' {
				sa.pattern = nil
			}
		case keyspace && opt == "type" && more >= 2:
			sa.typ = args[i+1]
		default:
			c.w.Error(msgSyntax)
			return sa, false
		}
	}
	return sa, true
}

// writeScan writes a scan reply: the next cursor, then items.
func writeScan(c *client, next uint64, items []string) {
	c.w.Array(2)
	c.w.BulkString(strconv.FormatUint(next, 10))
	c.w.Array(len(items))
	for _, it := range items {
		c.w.BulkString(it)
	}
}

func cmdSscan(c *client, args [][]byte) {
	cursor, ok := c.scanCursorArg(args[2])
	if !ok {
		return
	}
	s, ok := c.readSet(args[1])
	if !ok {
		return
	}
	if s == nil {
		writeScan(c, 0, nil)
		return
	}
	sa, ok := parseScanOptions(c, args[3:], false)
	if !ok {
		return
	}
	var out []string
	match := func(m string) bool {
		return sa.pattern == nil || globMatch(sa.pattern, []byte(m), false)
	}
	if s.isIntset() {
		for _, m := range s.list() {
			if match(m) {
				out = append(out, m)
			}
		}
		writeScan(c, 0, out)
		return
	}
	// Hashtable: visit positions downwards so that the members moved by a
	// deletion (the last one into the hole) were already visited.
	next := scanPositions(cursor, s.length(), sa.count, func(i int) {
		if m := s.tab.members[i]; match(m) {
			out = append(out, m)
		}
	})
	writeScan(c, next, out)
}

// scanPositions visits up to count positions of a collection of length n,
// downwards from the position the cursor names (cursor 0 starts at the top).
// It returns the next cursor, 0 when the scan is complete.
func scanPositions(cursor uint64, n, count int, visit func(i int)) uint64 {
	i := n - 1
	if cursor != 0 && cursor-1 < uint64(n) {
		i = int(cursor - 1)
	}
	for visited := 0; i >= 0 && visited < count; i-- {
		visit(i)
		visited++
	}
	if i < 0 {
		return 0
	}
	return uint64(i) + 1
}
