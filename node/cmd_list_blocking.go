package node

import (
	"bytes"
	"time"
)

// blockingListCommands: BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP.
func blockingListCommands() []*command {
	f := flagWrite | flagNoscript | flagBlocking
	return []*command{
		{name: "blpop", arity: -3, flags: f, firstKey: 1, lastKey: -2, step: 1, acl: "@write @list @slow @blocking", group: "list", summary: "Remove and get the first element in a list, or block until one is available", since: "2.0.0", fn: cmdBLPop},
		{name: "brpop", arity: -3, flags: f, firstKey: 1, lastKey: -2, step: 1, acl: "@write @list @slow @blocking", group: "list", summary: "Remove and get the last element in a list, or block until one is available", since: "2.0.0", fn: cmdBRPop},
		{name: "brpoplpush", arity: 4, flags: f | flagDenyOOM, firstKey: 1, lastKey: 2, step: 1, acl: "@write @list @slow @blocking", group: "list", summary: "Pop an element from a list, push it to another list and return it; or block until one is available", since: "2.2.0", fn: cmdBRPopLPush},
		{name: "blmove", arity: 6, flags: f | flagDenyOOM, firstKey: 1, lastKey: 2, step: 1, acl: "@write @list @slow @blocking", group: "list", summary: "Pop an element from a list, push it to another list and return it; or block until one is available", since: "6.2.0", fn: cmdBLMove},
		// BLMPOP has movable keys: COMMAND reports 0 0 0 as Redis does.
		{name: "blmpop", arity: -5, flags: flagWrite | flagBlocking, acl: "@write @list @slow @blocking", group: "list", summary: "Pop elements from a list, or block until one is available", since: "7.0.0", fn: cmdBLMPop},
	}
}

// parseBlockTimeout parses a blocking command's timeout as Redis does:
// seconds as a long double, truncated to whole milliseconds; 0 waits forever.
func parseBlockTimeout(c *client, b []byte) (time.Duration, bool) {
	d, msg := parseTimeout(b)
	if msg != "" {
		c.w.Error(msg)
		return 0, false
	}
	return d, true
}

// copyArgs copies arguments that must outlive the command (a blocked
// client's keys).
func copyArgs(args [][]byte) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = bytes.Clone(a)
	}
	return out
}

// firstNonEmpty returns the first key in keys holding a non-empty value of
// type typ, with its object. With check set it replies WRONGTYPE (ok false)
// when a key of another type comes first; without, such keys are skipped,
// as a blocked client's retry does.
func (c *client) firstNonEmpty(keys [][]byte, typ uint8, check bool) (key []byte, o *object, ok bool) {
	for _, k := range keys {
		o := c.db.lookup(k, c.now)
		if o == nil {
			continue
		}
		if o.typ != typ {
			if check {
				c.w.Error(msgWrongType)
				return nil, nil, false
			}
			continue
		}
		if o.val.(collection).length() > 0 {
			return k, o, true
		}
	}
	return nil, nil, true
}

func cmdBLPop(c *client, args [][]byte) { bpopGeneric(c, args, true) }
func cmdBRPop(c *client, args [][]byte) { bpopGeneric(c, args, false) }

// bpopGeneric implements BLPOP and BRPOP.
func bpopGeneric(c *client, args [][]byte, left bool) {
	timeout, ok := parseBlockTimeout(c, args[len(args)-1])
	if !ok {
		return
	}
	serve := func(c *client, keys [][]byte, check bool) bool {
		key, o, ok := c.firstNonEmpty(keys, typeList, check)
		if !ok {
			return true
		}
		if o == nil {
			return false
		}
		l := o.val.(*list)
		v := l.pop(left)
		c.db.signalModified(key) // the popped key only (oneKeyWriters)
		c.srv.dirty++
		c.w.Array(2)
		c.w.Bulk(key)
		c.w.Bulk(v)
		c.removeIfEmpty(key, l)
		return true
	}
	c.serveOrBlock(args[1:len(args)-1], timeout, serve)
}

func cmdBRPopLPush(c *client, args [][]byte) { bmoveGeneric(c, args[1], args[2], false, true, args[3]) }

func cmdBLMove(c *client, args [][]byte) {
	from, ok1 := parseListSide(args[3])
	to, ok2 := parseListSide(args[4])
	if !ok1 || !ok2 {
		c.w.Error(msgSyntax)
		return
	}
	bmoveGeneric(c, args[1], args[2], from, to, args[5])
}

// bmoveGeneric implements BLMOVE and BRPOPLPUSH.
func bmoveGeneric(c *client, src, dst []byte, fromLeft, toLeft bool, timeoutArg []byte) {
	timeout, ok := parseBlockTimeout(c, timeoutArg)
	if !ok {
		return
	}
	o := c.db.lookup(src, c.now)
	if o != nil {
		// a list at src: move now (moveGeneric checks the types)
		moveGeneric(c, src, dst, fromLeft, toLeft)
		return
	}
	if c.inExec {
		c.w.Null()
		return
	}
	src, dst = bytes.Clone(src), bytes.Clone(dst)
	retry := func(c *client) bool {
		o := c.db.lookup(src, c.now)
		if o == nil || o.typ != typeList {
			return false
		}
		moveGeneric(c, src, dst, fromLeft, toLeft)
		return true
	}
	// a timeout answers with a null array, as Redis does for every list
	c.block([][]byte{src}, timeout, retry)
}

// cmdBLMPop implements BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT n]
// on top of LMPOP's parsing and popping.
func cmdBLMPop(c *client, args [][]byte) {
	timeout, ok := parseBlockTimeout(c, args[1])
	if !ok {
		return
	}
	a, ok := parseMPop(c, args[2:], "right", "left")
	if !ok {
		return
	}
	c.serveOrBlock(a.keys, timeout, func(c *client, keys [][]byte, check bool) bool {
		return c.lmpopServe(mpopArgs{keys, a.side, a.count}, check)
	})
}
