package node

import (
	"bytes"
	"fmt"
)

// Reply texts of the HyperLogLog commands, as Redis 7.0 sends them.
const (
	msgHLLNotValid   = "WRONGTYPE Key is not a valid HyperLogLog string value."
	msgHLLCorrupted  = "INVALIDOBJ Corrupted HLL object detected"
	msgHLLNoKey      = "ERR The specified key does not exist"
	msgHLLNotSparse  = "ERR HLL encoding is not sparse"
	msgHLLUnknownSub = "ERR Unknown PFDEBUG subcommand '%s'"
)

// hllCommands: the HyperLogLog commands (hll.go holds the format).
func hllCommands() []*command {
	return selfSignalling([]*command{
		{name: "pfadd", arity: -2, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: "@write @hyperloglog @fast", group: "hyperloglog", summary: "Adds the specified elements to the specified HyperLogLog.", since: "2.8.9", fn: cmdPFAdd},
		{name: "pfcount", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: -1, step: 1, acl: "@read @hyperloglog @slow", group: "hyperloglog", summary: "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", since: "2.8.9", fn: cmdPFCount},
		{name: "pfmerge", arity: -2, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, step: 1, acl: "@write @hyperloglog @slow", group: "hyperloglog", summary: "Merge N different HyperLogLogs into a single one.", since: "2.8.9", fn: cmdPFMerge},
		{name: "pfdebug", arity: 3, flags: flagWrite | flagDenyOOM | flagAdmin, firstKey: 2, lastKey: 2, step: 1, acl: "@write @hyperloglog @admin @slow @dangerous", group: "hyperloglog", summary: "Internal commands for debugging HyperLogLog values", since: "2.8.9", fn: cmdPFDebug},
		{name: "pfselftest", arity: 1, flags: flagAdmin, acl: "@hyperloglog @admin @slow @dangerous", group: "hyperloglog", summary: "An internal command for testing HyperLogLog values", since: "2.8.9", fn: cmdPFSelfTest},
	})
}

// getHLL looks key up as a HyperLogLog: it replies WRONGTYPE (for another
// type, or a string that is not a valid HyperLogLog) and returns ok=false;
// o is nil when the key is absent. read counts the lookup as Redis's
// lookupKeyRead does.
func (c *client) getHLL(key []byte, read bool) (o *object, ok bool) {
	o, ok = c.getString(key)
	if read {
		c.countLookup(o != nil || !ok)
	}
	if !ok || o == nil {
		return o, ok
	}
	if !hllIsValid(o.str) {
		c.w.Error(msgHLLNotValid)
		return nil, false
	}
	return o, true
}

// hllSparseMax is the hll-sparse-max-bytes setting.
func (c *client) hllSparseMax() int64 { return c.srv.cfg.HllSparseMaxBytes }

// hllStore gives o the value s, which a command changed (Redis unshares
// the string first: it is "raw" from then on).
func hllStore(o *object, s []byte) {
	o.str = s
	o.enc = encRaw
}

func cmdPFAdd(c *client, args [][]byte) {
	key := args[1]
	o, ok := c.getHLL(key, false)
	if !ok {
		return
	}
	updated := int64(0)
	if o == nil {
		o = &object{typ: typeString, enc: encRaw, str: hllNew()}
		c.db.set(key, o, false)
		updated++
	}
	s := o.str
	sparseMax := c.hllSparseMax()
	for _, ele := range args[2:] {
		var r int
		s, r = hllAdd(s, ele, sparseMax)
		if r < 0 {
			hllStore(o, s)
			c.w.Error(msgHLLCorrupted)
			return
		}
		updated += int64(r)
	}
	hllStore(o, s)
	if updated > 0 {
		hllInvalidate(o.str)
		c.db.signalModified(key)
		c.srv.dirty += updated
		c.w.Int(1)
		return
	}
	c.w.Int(0)
}

func cmdPFCount(c *client, args [][]byte) {
	if len(args) > 2 {
		// The union of several values, none of them changed.
		var regs [hllRegisters]uint8
		for _, key := range args[1:] {
			o, ok := c.getHLL(key, true)
			if !ok {
				return
			}
			if o == nil {
				continue
			}
			if !hllMerge(&regs, o.str) {
				c.w.Error(msgHLLCorrupted)
				return
			}
		}
		c.w.Int(int64(hllCountRegisters(&regs)))
		return
	}
	key := args[1]
	o, ok := c.getHLL(key, true)
	if !ok {
		return
	}
	if o == nil {
		c.w.Int(0)
		return
	}
	o.enc = encRaw
	if card, valid := hllCached(o.str); valid {
		c.w.Int(int64(card))
		return
	}
	card, valid := hllCount(o.str)
	if !valid {
		c.w.Error(msgHLLCorrupted)
		return
	}
	// The value caches its cardinality: a change to the key, as in Redis.
	hllSetCache(o.str, card)
	c.db.signalModified(key)
	c.srv.dirty++
	c.w.Int(int64(card))
}

func cmdPFMerge(c *client, args [][]byte) {
	var regs [hllRegisters]uint8
	dense := false
	for _, key := range args[1:] {
		o, ok := c.getHLL(key, true)
		if !ok {
			return
		}
		if o == nil {
			continue
		}
		if o.str[4] == hllEncDense {
			dense = true
		}
		if !hllMerge(&regs, o.str) {
			c.w.Error(msgHLLCorrupted)
			return
		}
	}
	key := args[1]
	o := c.db.lookup(key, c.now)
	if o == nil {
		o = &object{typ: typeString, enc: encRaw, str: hllNew()}
		c.db.set(key, o, false)
	}
	o.enc = encRaw
	s := o.str
	if dense {
		d, ok := hllSparseToDense(s)
		if !ok {
			c.w.Error(msgHLLCorrupted)
			return
		}
		s = d
	}
	sparseMax := c.hllSparseMax()
	for i, v := range regs {
		if v != 0 {
			s, _ = hllSet(s, i, int(v), sparseMax)
		}
	}
	hllInvalidate(s)
	hllStore(o, s)
	c.db.signalModified(key)
	c.srv.dirty++
	c.w.OK()
}

func cmdPFDebug(c *client, args [][]byte) {
	sub, key := args[1], args[2]
	o := c.db.lookup(key, c.now)
	if o == nil {
		c.w.Error(msgHLLNoKey)
		return
	}
	if o.typ != typeString {
		c.w.Error(msgWrongType)
		return
	}
	if !hllIsValid(o.str) {
		c.w.Error(msgHLLNotValid)
		return
	}
	o.enc = encRaw
	switch {
	case isOpt(sub, "GETREG"):
		if o.str[4] == hllEncSparse && !pfDebugToDense(c, o) {
			return
		}
		regs := o.str[hllHdrSize:]
		c.w.Array(hllRegisters)
		for i := range hllRegisters {
			c.w.Int(int64(denseGet(regs, i)))
		}
	case isOpt(sub, "DECODE"):
		if o.str[4] != hllEncSparse {
			c.w.Error(msgHLLNotSparse)
			return
		}
		c.w.Bulk(hllDecode(o.str))
	case isOpt(sub, "ENCODING"):
		if o.str[4] == hllEncDense {
			c.w.Simple("dense")
		} else {
			c.w.Simple("sparse")
		}
	case isOpt(sub, "TODENSE"):
		if o.str[4] == hllEncDense {
			c.w.Int(0)
			return
		}
		if pfDebugToDense(c, o) {
			c.w.Int(1)
		}
	default:
		if i := bytes.IndexByte(sub, 0); i >= 0 {
			sub = sub[:i] // Redis prints the name as a C string
		}
		c.w.Error(fmt.Sprintf(msgHLLUnknownSub, sub))
	}
}

// pfDebugToDense turns the sparse value o dense for PFDEBUG, or replies
// the corruption error and returns false. The change of encoding counts as
// a change but does not touch the key for WATCH, as in Redis.
func pfDebugToDense(c *client, o *object) bool {
	d, ok := hllSparseToDense(o.str)
	if !ok {
		c.w.Error(msgHLLCorrupted)
		return false
	}
	hllStore(o, d)
	c.srv.dirty++
	return true
}

func cmdPFSelfTest(c *client, _ [][]byte) {
	if msg := hllSelfTest(); msg != "" {
		c.w.Error("ERR " + msg)
		return
	}
	c.w.OK()
}
