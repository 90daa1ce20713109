package node

import "bytes"

// blockingZsetCommands: ZMPOP and the blocking pops BZPOPMIN, BZPOPMAX, BZMPOP.
func blockingZsetCommands() []*command {
	f := flagWrite | flagNoscript | flagBlocking | flagFast
	return []*command{
		{name: "bzpopmin", arity: -3, flags: f, firstKey: 1, lastKey: -2, step: 1, acl: "@write @sortedset @fast @blocking", group: "sorted_set", summary: "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", since: "5.0.0", fn: cmdBZPopMin},
		{name: "bzpopmax", arity: -3, flags: f, firstKey: 1, lastKey: -2, step: 1, acl: "@write @sortedset @fast @blocking", group: "sorted_set", summary: "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.", since: "5.0.0", fn: cmdBZPopMax},
		// ZMPOP and BZMPOP have movable keys: COMMAND reports 0 0 0 as Redis does.
		{name: "zmpop", arity: -4, flags: flagWrite, acl: "@write @sortedset @slow", group: "sorted_set", summary: "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.", since: "7.0.0", fn: cmdZMPop},
		{name: "bzmpop", arity: -5, flags: flagWrite | flagBlocking, acl: "@write @sortedset @slow @blocking", group: "sorted_set", summary: "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", since: "7.0.0", fn: cmdBZMPop},
	}
}

// popZset removes up to count members from one end of z at key. It signals
// the change itself: ZMPOP and BZMPOP have movable keys, which the generic
// signalling after a command does not see.
func (c *client) popZset(key []byte, z *zset, fromMax bool, count int64) []zent {
	nodes := z.collect(&rangeSpec{kind: byRank, rev: fromMax, start: 0, end: count - 1, limit: -1})
	z.removeAll(nodes)
	c.db.signalModified(key)
	c.removeIfEmpty(key, z)
	c.srv.dirty += int64(len(nodes))
	return nodes
}

func cmdBZPopMin(c *client, args [][]byte) { bzpopGeneric(c, args, false) }
func cmdBZPopMax(c *client, args [][]byte) { bzpopGeneric(c, args, true) }

// bzpopGeneric implements BZPOPMIN and BZPOPMAX: the reply is key, member,
// score.
func bzpopGeneric(c *client, args [][]byte, fromMax bool) {
	timeout, ok := parseBlockTimeout(c, args[len(args)-1])
	if !ok {
		return
	}
	serve := func(c *client, keys [][]byte, check bool) bool {
		key, o, ok := c.firstNonEmpty(keys, typeZSet, check)
		if !ok {
			return true
		}
		if o == nil {
			return false
		}
		e := c.popZset(key, o.val.(*zset), fromMax, 1)[0]
		c.w.Array(3)
		c.w.Bulk(key)
		c.w.BulkString(e.member)
		c.w.Double(e.score)
		return true
	}
	c.serveOrBlock(args[1:len(args)-1], timeout, serve)
}

// mpopArgs is a parsed LMPOP/BLMPOP/ZMPOP/BZMPOP tail:
// numkeys key... side [COUNT n].
type mpopArgs struct {
	keys  [][]byte
	side  bool // the end to pop from is the second of the two side words
	count int64
}

// parseMPop parses args (numkeys first), the side being one of the words
// first and second (LEFT|RIGHT, MIN|MAX); it replies on error.
func parseMPop(c *client, args [][]byte, first, second string) (mpopArgs, bool) {
	var a mpopArgs
	numkeys, ok := parseInt(args[0])
	if !ok || numkeys < 1 {
		c.w.Error(msgNumkeysPositive)
		return a, false
	}
	if numkeys > int64(len(args)) || 1+int(numkeys) >= len(args) {
		c.w.Error(msgSyntax)
		return a, false
	}
	where := 1 + int(numkeys)
	a.keys = args[1:where]
	switch {
	case bytes.EqualFold(args[where], []byte(first)):
	case bytes.EqualFold(args[where], []byte(second)):
		a.side = true
	default:
		c.w.Error(msgSyntax)
		return a, false
	}
	a.count = -1
	for j := where + 1; j < len(args); j++ {
		if a.count == -1 && bytes.EqualFold(args[j], []byte("count")) && j < len(args)-1 {
			j++
			n, ok := parseInt(args[j])
			if !ok || n < 1 {
				c.w.Error(msgCountPositive)
				return a, false
			}
			a.count = n
			continue
		}
		c.w.Error(msgSyntax)
		return a, false
	}
	if a.count == -1 {
		a.count = 1
	}
	return a, true
}

// zmpopServe pops from the first non-empty sorted set of a.keys (from the
// maximum when a.side is set) and writes key, [[member, score], ...]; it
// reports false when all are empty.
func (c *client) zmpopServe(a mpopArgs, check bool) bool {
	key, o, ok := c.firstNonEmpty(a.keys, typeZSet, check)
	if !ok {
		return true
	}
	if o == nil {
		return false
	}
	nodes := c.popZset(key, o.val.(*zset), a.side, a.count)
	c.w.Array(2)
	c.w.Bulk(key)
	c.w.Array(len(nodes))
	for _, e := range nodes {
		c.w.Array(2)
		c.w.BulkString(e.member)
		c.w.Double(e.score)
	}
	return true
}

func cmdZMPop(c *client, args [][]byte) {
	a, ok := parseMPop(c, args[1:], "min", "max")
	if !ok {
		return
	}
	if !c.zmpopServe(a, true) {
		c.w.NullArray()
	}
}

func cmdBZMPop(c *client, args [][]byte) {
	timeout, ok := parseBlockTimeout(c, args[1])
	if !ok {
		return
	}
	a, ok := parseMPop(c, args[2:], "min", "max")
	if !ok {
		return
	}
	c.serveOrBlock(a.keys, timeout, func(c *client, keys [][]byte, check bool) bool {
		return c.zmpopServe(mpopArgs{keys, a.side, a.count}, check)
	})
}
