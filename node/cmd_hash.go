package node

import (
	"bytes"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
)

// Reply texts of the hash commands.
const (
	msgHashNotInteger  = "ERR hash value is not an integer"
	msgHashNotFloat    = "ERR hash value is not a float"
	msgNaNOrInfinity   = "ERR value is NaN or Infinity"
	msgIncrNaNOrInf    = "ERR increment would produce NaN or Infinity"
	msgValueOutOfRange = "ERR value is out of range"
	msgHRandCountRange = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	hashACLWriteFast   = "@write @hash @fast"
	hashACLReadFast    = "@read @hash @fast"
	hashACLReadSlow    = "@read @hash @slow"
	hashGroup          = "hash"
	hashSinceOriginal  = "2.0.0"
)

// hashCommands: the hash type.
func hashCommands() []*command {
	wf := flagWrite | flagDenyOOM | flagFast
	rf := flagReadonly | flagFast
	return []*command{
		{name: "hset", arity: -4, flags: wf, firstKey: 1, lastKey: 1, step: 1, acl: hashACLWriteFast, group: hashGroup, summary: "Set the string value of a hash field", since: hashSinceOriginal, fn: cmdHSet},
		{name: "hsetnx", arity: 4, flags: wf, firstKey: 1, lastKey: 1, step: 1, acl: hashACLWriteFast, group: hashGroup, summary: "Set the value of a hash field, only if the field does not exist", since: hashSinceOriginal, fn: cmdHSetNX},
		{name: "hmset", arity: -4, flags: wf, firstKey: 1, lastKey: 1, step: 1, acl: hashACLWriteFast, group: hashGroup, summary: "Set multiple hash fields to multiple values", since: hashSinceOriginal, fn: cmdHMSet},
		{name: "hget", arity: 3, flags: rf, firstKey: 1, lastKey: 1, step: 1, acl: hashACLReadFast, group: hashGroup, summary: "Get the value of a hash field", since: hashSinceOriginal, fn: cmdHGet},
		{name: "hmget", arity: -3, flags: rf, firstKey: 1, lastKey: 1, step: 1, acl: hashACLReadFast, group: hashGroup, summary: "Get the values of all the given hash fields", since: hashSinceOriginal, fn: cmdHMGet},
		{name: "hdel", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: hashACLWriteFast, group: hashGroup, summary: "Delete one or more hash fields", since: hashSinceOriginal, fn: cmdHDel},
		{name: "hexists", arity: 3, flags: rf, firstKey: 1, lastKey: 1, step: 1, acl: hashACLReadFast, group: hashGroup, summary: "Determine if a hash field exists", since: hashSinceOriginal, fn: cmdHExists},
		{name: "hlen", arity: 2, flags: rf, firstKey: 1, lastKey: 1, step: 1, acl: hashACLReadFast, group: hashGroup, summary: "Get the number of fields in a hash", since: hashSinceOriginal, fn: cmdHLen},
		{name: "hstrlen", arity: 3, flags: rf, firstKey: 1, lastKey: 1, step: 1, acl: hashACLReadFast, group: hashGroup, summary: "Get the length of the value of a hash field", since: "3.2.0", fn: cmdHStrLen},
		{name: "hkeys", arity: 2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: hashACLReadSlow, group: hashGroup, summary: "Get all the fields in a hash", since: hashSinceOriginal, fn: cmdHKeys},
		{name: "hvals", arity: 2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: hashACLReadSlow, group: hashGroup, summary: "Get all the values in a hash", since: hashSinceOriginal, fn: cmdHVals},
		{name: "hgetall", arity: 2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: hashACLReadSlow, group: hashGroup, summary: "Get all the fields and values in a hash", since: hashSinceOriginal, fn: cmdHGetAll},
		{name: "hincrby", arity: 4, flags: wf, firstKey: 1, lastKey: 1, step: 1, acl: hashACLWriteFast, group: hashGroup, summary: "Increment the integer value of a hash field by the given number", since: hashSinceOriginal, fn: cmdHIncrBy},
		{name: "hincrbyfloat", arity: 4, flags: wf, firstKey: 1, lastKey: 1, step: 1, acl: hashACLWriteFast, group: hashGroup, summary: "Increment the float value of a hash field by the given amount", since: "2.6.0", fn: cmdHIncrByFloat},
		{name: "hrandfield", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: hashACLReadSlow, group: hashGroup, summary: "Get one or multiple random fields from a hash", since: "6.2.0", fn: cmdHRandField},
		{name: "hscan", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: hashACLReadSlow, group: hashGroup, summary: "Incrementally iterate hash fields and associated values", since: "2.8.0", fn: cmdHScan},
	}
}

// getHash looks key up as a hash (see getTyped).
func (c *client) getHash(key []byte) (*hash, bool) {
	o, ok := c.getTyped(key, typeHash)
	if !ok || o == nil {
		return nil, ok
	}
	return o.val.(*hash), true
}

// getHashRead is getHash for read commands: it counts keyspace hits and
// misses as Redis's lookupKeyRead does.
func (c *client) getHashRead(key []byte) (*hash, bool) {
	h, ok := c.getHash(key)
	c.countLookup(h != nil || !ok)
	return h, ok
}

// getOrCreateHash returns the hash at key, creating an empty one.
func (c *client) getOrCreateHash(key []byte) (*hash, bool) {
	h, ok := c.getHash(key)
	if !ok {
		return nil, false
	}
	if h == nil {
		o := newHashObject()
		c.db.set(key, o, false)
		h = o.val.(*hash)
	} else {
		c.db.signalModified(key)
	}
	return h, true
}

func cmdHSet(c *client, args [][]byte) {
	if len(args)%2 != 0 {
		c.w.Error(errWrongArity("hset"))
		return
	}
	n, ok := hsetPairs(c, args)
	if ok {
		c.w.Int(n)
	}
}

func cmdHMSet(c *client, args [][]byte) {
	if len(args)%2 != 0 {
		c.w.Error(errWrongArity("hmset"))
		return
	}
	if _, ok := hsetPairs(c, args); ok {
		c.w.OK()
	}
}

// hsetPairs stores the field/value pairs of args[2:] and returns how many
// fields were new.
func hsetPairs(c *client, args [][]byte) (int64, bool) {
	h, ok := c.getOrCreateHash(args[1])
	if !ok {
		return 0, false
	}
	lim := &c.srv.cfg
	h.convertFor(lim, args[2:])
	h.reserve(args[2:])
	var created int64
	for i := 2; i < len(args); i += 2 {
		if h.setBytes(lim, args[i], args[i+1]) {
			created++
		}
	}
	c.srv.dirty += int64(len(args)-2) / 2
	return created, true
}

func cmdHSetNX(c *client, args [][]byte) {
	h, ok := c.getHash(args[1])
	if !ok {
		return
	}
	if h != nil {
		if _, exists := h.get(string(args[2])); exists {
			c.w.Int(0)
			return
		}
	}
	h, _ = c.getOrCreateHash(args[1])
	h.convertFor(&c.srv.cfg, args[2:4])
	h.setBytes(&c.srv.cfg, args[2], args[3])
	c.srv.dirty++
	c.w.Int(1)
}

func cmdHGet(c *client, args [][]byte) {
	h, ok := c.getHashRead(args[1])
	if !ok {
		return
	}
	if h == nil {
		c.w.Null()
		return
	}
	v, found := h.getBytes(args[2])
	if !found {
		c.w.Null()
		return
	}
	c.w.Bulk(v)
}

func cmdHMGet(c *client, args [][]byte) {
	h, ok := c.getHashRead(args[1])
	if !ok {
		return
	}
	c.w.Array(len(args) - 2)
	for _, f := range args[2:] {
		if h == nil {
			c.w.Null()
			continue
		}
		if v, found := h.getBytes(f); found {
			c.w.Bulk(v)
		} else {
			c.w.Null()
		}
	}
}

func cmdHDel(c *client, args [][]byte) {
	h, ok := c.getHash(args[1])
	if !ok {
		return
	}
	if h == nil {
		c.w.Int(0)
		return
	}
	var n int64
	for _, f := range args[2:] {
		if h.del(string(f)) {
			n++
			if h.length() == 0 {
				break
			}
		}
	}
	if n > 0 {
		c.db.signalModified(args[1])
		c.srv.dirty += n
		c.removeIfEmpty(args[1], h)
	}
	c.w.Int(n)
}

func cmdHExists(c *client, args [][]byte) {
	h, ok := c.getHashRead(args[1])
	if !ok {
		return
	}
	if h == nil {
		c.w.Int(0)
		return
	}
	if _, found := h.get(string(args[2])); found {
		c.w.Int(1)
	} else {
		c.w.Int(0)
	}
}

func cmdHLen(c *client, args [][]byte) {
	h, ok := c.getHashRead(args[1])
	if !ok {
		return
	}
	if h == nil {
		c.w.Int(0)
		return
	}
	c.w.Int(int64(h.length()))
}

func cmdHStrLen(c *client, args [][]byte) {
	h, ok := c.getHashRead(args[1])
	if !ok {
		return
	}
	if h == nil {
		c.w.Int(0)
		return
	}
	v, _ := h.getBytes(args[2])
	c.w.Int(int64(len(v)))
}

func cmdHKeys(c *client, args [][]byte)   { hgetallGeneric(c, args, true, false) }
func cmdHVals(c *client, args [][]byte)   { hgetallGeneric(c, args, false, true) }
func cmdHGetAll(c *client, args [][]byte) { hgetallGeneric(c, args, true, true) }

func hgetallGeneric(c *client, args [][]byte, keys, vals bool) {
	h, ok := c.getHashRead(args[1])
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.length()
	}
	if keys && vals {
		c.w.Map(n)
	} else {
		c.w.Array(n)
	}
	if h == nil {
		return
	}
	h.each(func(f, v string) bool {
		if keys {
			c.w.BulkString(f)
		}
		if vals {
			c.w.BulkString(v)
		}
		return true
	})
}

func cmdHIncrBy(c *client, args [][]byte) {
	incr, ok := parseInt(args[3])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	h, ok := c.getHash(args[1])
	if !ok {
		return
	}
	var cur int64
	if h != nil {
		if v, found := h.get(string(args[2])); found {
			cur, ok = parseInt([]byte(v))
			if !ok {
				c.w.Error(msgHashNotInteger)
				return
			}
		}
	}
	if (incr < 0 && cur < 0 && incr < math.MinInt64-cur) || (incr > 0 && cur > 0 && incr > math.MaxInt64-cur) {
		c.w.Error(msgOverflow)
		return
	}
	cur += incr
	h, _ = c.getOrCreateHash(args[1])
	h.setBytes(&c.srv.cfg, args[2], strconv.AppendInt(nil, cur, 10))
	c.srv.dirty++
	c.w.Int(cur)
}

func cmdHIncrByFloat(c *client, args [][]byte) {
	incr, ok := parseLongDouble(args[3])
	if !ok {
		c.w.Error(msgNotFloat)
		return
	}
	if incr.IsInf() {
		c.w.Error(msgNaNOrInfinity)
		return
	}
	h, ok := c.getHash(args[1])
	if !ok {
		return
	}
	cur := new(big.Float).SetPrec(longDoublePrec)
	if h != nil {
		if v, found := h.get(string(args[2])); found {
			cur, ok = parseLongDouble([]byte(v))
			if !ok {
				c.w.Error(msgHashNotFloat)
				return
			}
		}
	}
	if cur.IsInf() {
		c.w.Error(msgIncrNaNOrInf)
		return
	}
	sum := new(big.Float).SetPrec(longDoublePrec).SetMode(big.ToNearestEven).Add(cur, incr)
	if sum.MantExp(nil) > longDoubleMaxExp {
		c.w.Error(msgIncrNaNOrInf)
		return
	}
	s := formatLongDouble(sum)
	h, _ = c.getOrCreateHash(args[1])
	h.setBytes(&c.srv.cfg, args[2], s)
	c.srv.dirty++
	c.w.Bulk(s)
}

func cmdHRandField(c *client, args [][]byte) {
	if len(args) == 2 {
		h, ok := c.getHashRead(args[1])
		if !ok {
			return
		}
		if h == nil {
			c.w.Null()
			return
		}
		c.w.BulkString(h.random().field)
		return
	}
	l, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	if l == math.MinInt64 {
		c.w.Error(msgHRandCountRange)
		return
	}
	withValues := false
	if len(args) > 4 || (len(args) == 4 && !bytes.EqualFold(args[3], []byte("withvalues"))) {
		c.w.Error(msgSyntax)
		return
	} else if len(args) == 4 {
		withValues = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			c.w.Error(msgValueOutOfRange)
			return
		}
	}
	h, ok := c.getHashRead(args[1])
	if !ok {
		return
	}
	if h == nil || l == 0 {
		c.w.Array(0)
		return
	}
	emit := func(p hashPair) {
		if withValues && c.w.Proto > 2 {
			c.w.Array(2)
		}
		c.w.BulkString(p.field)
		if withValues {
			c.w.BulkString(p.value)
		}
	}
	header := func(n int64) {
		if withValues && c.w.Proto == 2 {
			c.w.Array(int(n * 2))
		} else {
			c.w.Array(int(n))
		}
	}
	size := int64(h.length())
	if l < 0 || l == 1 {
		n := l
		if n < 0 {
			n = -n
		}
		header(n)
		for i := int64(0); i < n; i++ {
			emit(h.random())
		}
		return
	}
	all := h.all()
	if l >= size {
		header(size)
		for _, p := range all {
			emit(p)
		}
		return
	}
	// Partial Fisher-Yates: the first l entries become a uniform sample.
	for i := 0; i < int(l); i++ {
		j := i + rand.IntN(len(all)-i)
		all[i], all[j] = all[j], all[i]
	}
	header(l)
	for _, p := range all[:l] {
		emit(p)
	}
}

func cmdHScan(c *client, args [][]byte) {
	cursor, ok := c.scanCursorArg(args[2])
	if !ok {
		return
	}
	h, ok := c.getHashRead(args[1])
	if !ok {
		return
	}
	if h == nil {
		writeScan(c, 0, nil)
		return
	}
	sa, ok := parseScanOptions(c, args[3:], false)
	if !ok {
		return
	}
	var out []string
	next := h.scan(cursor, sa.count, func(f, v string) {
		if sa.pattern == nil || globMatch(sa.pattern, []byte(f), false) {
			out = append(out, f, v)
		}
	})
	writeScan(c, next, out)
}
