package node

import (
	"math"
	"math/big"
	"strconv"
)

// Reply texts of the string commands, as Redis 7.0 sends them.
const (
	msgOffsetRange     = "ERR offset is out of range"
	msgDecrOverflow    = "ERR decrement would overflow"
	msgIncrFloatNaNInf = "ERR increment would produce NaN or Infinity"
	msgLCSNotString    = "ERR The specified keys must contain string values"
	msgLCSIdxLen       = "ERR If you want both the length and indexes, please just use IDX."
	msgLCSTooLong      = "ERR String too long for LCS"
	msgLCSMemory       = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
)

// stringCommands: the string type.
func stringCommands() []*command {
	const (
		wd  = flagWrite | flagDenyOOM
		wdf = flagWrite | flagDenyOOM | flagFast
		rf  = flagReadonly | flagFast
	)
	return []*command{
		{name: "get", arity: 2, flags: rf, firstKey: 1, lastKey: 1, step: 1, acl: "@read @string @fast", group: "string", summary: "Get the value of a key", since: "1.0.0", fn: cmdGet},
		{name: "set", arity: -3, flags: wd, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @slow", group: "string", summary: "Set the string value of a key", since: "1.0.0", fn: cmdSet},
		{name: "getset", arity: 3, flags: wdf, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @fast", group: "string", summary: "Set the string value of a key and return its old value", since: "1.0.0", fn: cmdGetSet},
		{name: "getdel", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @fast", group: "string", summary: "Get the value of a key and delete the key", since: "6.2.0", fn: cmdGetDel},
		{name: "getex", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @fast", group: "string", summary: "Get the value of a key and optionally set its expiration", since: "6.2.0", fn: cmdGetEx},
		{name: "setnx", arity: 3, flags: wdf, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @fast", group: "string", summary: "Set the value of a key, only if the key does not exist", since: "1.0.0", fn: cmdSetNX},
		{name: "setex", arity: 4, flags: wd, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @slow", group: "string", summary: "Set the value and expiration of a key", since: "2.0.0", fn: cmdSetEx},
		{name: "psetex", arity: 4, flags: wd, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @slow", group: "string", summary: "Set the value and expiration in milliseconds of a key", since: "2.6.0", fn: cmdPSetEx},
		{name: "mset", arity: -3, flags: wd, firstKey: 1, lastKey: -1, step: 2, acl: "@write @string @slow", group: "string", summary: "Set multiple keys to multiple values", since: "1.0.1", fn: cmdMSet},
		{name: "msetnx", arity: -3, flags: wd, firstKey: 1, lastKey: -1, step: 2, acl: "@write @string @slow", group: "string", summary: "Set multiple keys to multiple values, only if none of the keys exist", since: "1.0.1", fn: cmdMSetNX},
		{name: "mget", arity: -2, flags: rf, firstKey: 1, lastKey: -1, step: 1, acl: "@read @string @fast", group: "string", summary: "Get the values of all the given keys", since: "1.0.0", fn: cmdMGet},
		{name: "append", arity: 3, flags: wdf, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @fast", group: "string", summary: "Append a value to a key", since: "2.0.0", fn: cmdAppend},
		{name: "strlen", arity: 2, flags: rf, firstKey: 1, lastKey: 1, step: 1, acl: "@read @string @fast", group: "string", summary: "Get the length of the value stored in a key", since: "2.2.0", fn: cmdStrlen},
		{name: "incr", arity: 2, flags: wdf, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @fast", group: "string", summary: "Increment the integer value of a key by one", since: "1.0.0", fn: cmdIncr},
		{name: "decr", arity: 2, flags: wdf, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @fast", group: "string", summary: "Decrement the integer value of a key by one", since: "1.0.0", fn: cmdDecr},
		{name: "incrby", arity: 3, flags: wdf, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @fast", group: "string", summary: "Increment the integer value of a key by the given amount", since: "1.0.0", fn: cmdIncrBy},
		{name: "decrby", arity: 3, flags: wdf, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @fast", group: "string", summary: "Decrement the integer value of a key by the given number", since: "1.0.0", fn: cmdDecrBy},
		{name: "incrbyfloat", arity: 3, flags: wdf, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @fast", group: "string", summary: "Increment the float value of a key by the given amount", since: "2.6.0", fn: cmdIncrByFloat},
		{name: "getrange", arity: 4, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: "@read @string @slow", group: "string", summary: "Get a substring of the string stored at a key", since: "2.4.0", fn: cmdGetRange},
		{name: "substr", arity: 4, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: "@read @string @slow", group: "string", summary: "Get a substring of the string stored at a key", since: "1.0.0", fn: cmdGetRange},
		{name: "lcs", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 2, step: 1, acl: "@read @string @slow", group: "string", summary: "Find longest common substring", since: "7.0.0", fn: cmdLCS},
		{name: "setrange", arity: 4, flags: wd, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @slow", group: "string", summary: "Overwrite part of a string at key starting at the specified offset", since: "2.2.0", fn: cmdSetRange},
	}
}

// Small strings share one allocation with their object, as Redis's embstr
// does: the object and its bytes are allocated together. The sizes follow
// the allocator's size classes (object 48 bytes: 64, 80 and 96 in all).
type (
	smallStr16 struct {
		o   object
		buf [16]byte
	}
	smallStr32 struct {
		o   object
		buf [32]byte
	}
	smallStr48 struct {
		o   object
		buf [48]byte
	}
)

// newStringValue returns a string object holding a copy of v in as few
// allocations as possible.
func newStringValue(v []byte) *object {
	switch {
	case len(v) <= 16:
		s := &smallStr16{o: object{typ: typeString}}
		s.o.str = s.buf[:copy(s.buf[:], v)]
		return &s.o
	case len(v) <= 32:
		s := &smallStr32{o: object{typ: typeString}}
		s.o.str = s.buf[:copy(s.buf[:], v)]
		return &s.o
	case len(v) <= 48:
		s := &smallStr48{o: object{typ: typeString}}
		s.o.str = s.buf[:copy(s.buf[:], v)]
		return &s.o
	}
	return newString(v)
}

// getString looks key up as a string (see getTyped).
func (c *client) getString(key []byte) (o *object, ok bool) {
	return c.getTyped(key, typeString)
}

// readString is a read lookup: like getString, and it counts a keyspace
// hit or miss as Redis's lookupKeyRead does.
func (c *client) readString(key []byte) (o *object, ok bool) {
	o, ok = c.getString(key)
	c.countLookup(o != nil || !ok)
	return o, ok
}

// replyGet sends the value of key, or nil; it reports false after a
// WRONGTYPE error (Redis's getGenericCommand).
func (c *client) replyGet(key []byte) (o *object, ok bool) {
	o, ok = c.readString(key)
	if !ok {
		return nil, false
	}
	if o == nil {
		c.w.Null()
	} else {
		c.w.Bulk(o.str)
	}
	return o, true
}

func cmdGet(c *client, args [][]byte) {
	c.replyGet(args[1])
}

// Option bits of SET and GETEX.
const (
	setNX = 1 << iota
	setXX
	setGet
	setKeepTTL
	setPersist
	setEX
	setPX
	setEXAT
	setPXAT

	setAnyExpire = setEX | setPX | setEXAT | setPXAT
)

// isOpt reports whether a equals the upper-case option name, ignoring case.
func isOpt(a []byte, name string) bool {
	if len(a) != len(name) {
		return false
	}
	for i := range len(a) {
		ch := a[i]
		if ch >= 'a' && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		if ch != name[i] {
			return false
		}
	}
	return true
}

// parseSetOptions parses the options of SET (isSet) or GETEX starting at
// args[from], with Redis's conflict rules. It returns the flags and the
// expire argument (nil when none), or ok=false after a syntax error reply.
func (c *client) parseSetOptions(args [][]byte, from int, isSet bool) (flags int, expire []byte, ok bool) {
	for j := from; j < len(args); j++ {
		a := args[j]
		hasNext := j+1 < len(args)
		switch {
		case isSet && isOpt(a, "NX") && flags&setXX == 0:
			flags |= setNX
		case isSet && isOpt(a, "XX") && flags&setNX == 0:
			flags |= setXX
		case isSet && isOpt(a, "GET"):
			flags |= setGet
		case isSet && isOpt(a, "KEEPTTL") && flags&(setPersist|setAnyExpire) == 0:
			flags |= setKeepTTL
		case !isSet && isOpt(a, "PERSIST") && flags&(setKeepTTL|setAnyExpire) == 0:
			flags |= setPersist
		case isOpt(a, "EX") && hasNext && flags&(setKeepTTL|setPersist|setAnyExpire&^setEX) == 0:
			flags |= setEX
			expire = args[j+1]
			j++
		case isOpt(a, "PX") && hasNext && flags&(setKeepTTL|setPersist|setAnyExpire&^setPX) == 0:
			flags |= setPX
			expire = args[j+1]
			j++
		case isOpt(a, "EXAT") && hasNext && flags&(setKeepTTL|setPersist|setAnyExpire&^setEXAT) == 0:
			flags |= setEXAT
			expire = args[j+1]
			j++
		case isOpt(a, "PXAT") && hasNext && flags&(setKeepTTL|setPersist|setAnyExpire&^setPXAT) == 0:
			flags |= setPXAT
			expire = args[j+1]
			j++
		default:
			c.w.Error(msgSyntax)
			return 0, nil, false
		}
	}
	return flags, expire, true
}

// expireMillis converts an expire argument to an absolute unix time in ms,
// with Redis's checks; it replies with the error and returns ok=false when
// the value is invalid. cmd names the command in the error text.
func (c *client) expireMillis(arg []byte, flags int, cmd string) (int64, bool) {
	ms, ok := parseInt(arg)
	if !ok {
		c.w.Error(msgNotInteger)
		return 0, false
	}
	seconds := flags&(setEX|setEXAT) != 0
	if ms <= 0 || (seconds && ms > math.MaxInt64/1000) {
		c.w.Error(invalidExpire(cmd))
		return 0, false
	}
	if seconds {
		ms *= 1000
	}
	if flags&(setEX|setPX) != 0 {
		ms += c.now // wraps to negative on overflow, as in Redis
	}
	if ms <= 0 {
		c.w.Error(invalidExpire(cmd))
		return 0, false
	}
	return ms, true
}

func invalidExpire(cmd string) string {
	return "ERR invalid expire time in '" + cmd + "' command"
}

func cmdSet(c *client, args [][]byte) {
	if len(args) == 3 {
		// Plain SET: the hot path.
		c.db.setString(args[1], args[2], false)
		c.srv.dirty++
		c.w.OK()
		return
	}
	flags, expire, ok := c.parseSetOptions(args, 3, true)
	if !ok {
		return
	}
	c.setGeneric(args[1], args[2], flags, expire, "set", false)
}

// setGeneric is Redis's setGenericCommand. With intReply the reply is 1/0
// (SETNX) instead of OK/nil.
func (c *client) setGeneric(key, val []byte, flags int, expire []byte, cmd string, intReply bool) {
	var at int64
	if expire != nil {
		var ok bool
		if at, ok = c.expireMillis(expire, flags, cmd); !ok {
			return
		}
	}
	if flags&setGet != 0 {
		if _, ok := c.replyGet(key); !ok {
			return
		}
	}
	found := c.db.lookup(key, c.now) != nil
	if (flags&setNX != 0 && found) || (flags&setXX != 0 && !found) {
		switch {
		case flags&setGet != 0:
		case intReply:
			c.w.Int(0)
		default:
			c.w.Null()
		}
		return
	}
	o := c.db.setString(key, val, flags&setKeepTTL != 0)
	c.srv.dirty++
	if expire != nil {
		c.db.setExpire(key, o, at)
	}
	switch {
	case flags&setGet != 0:
	case intReply:
		c.w.Int(1)
	default:
		c.w.OK()
	}
}

func cmdSetNX(c *client, args [][]byte) {
	c.setGeneric(args[1], args[2], setNX, nil, "setnx", true)
}

func cmdSetEx(c *client, args [][]byte) {
	c.setGeneric(args[1], args[3], setEX, args[2], "setex", false)
}

func cmdPSetEx(c *client, args [][]byte) {
	c.setGeneric(args[1], args[3], setPX, args[2], "psetex", false)
}

func cmdGetSet(c *client, args [][]byte) {
	if _, ok := c.replyGet(args[1]); !ok {
		return
	}
	c.db.setString(args[1], args[2], false)
	c.srv.dirty++
}

func cmdGetDel(c *client, args [][]byte) {
	o, ok := c.replyGet(args[1])
	if !ok || o == nil {
		return
	}
	c.db.remove(args[1], c.now)
	c.srv.dirty++
}

func cmdGetEx(c *client, args [][]byte) {
	flags, expire, ok := c.parseSetOptions(args, 2, false)
	if !ok {
		return
	}
	key := args[1]
	o, ok := c.readString(key)
	if !ok {
		return
	}
	if o == nil {
		c.w.Null()
		return
	}
	var at int64
	if expire != nil {
		if at, ok = c.expireMillis(expire, flags, "getex"); !ok {
			return
		}
	}
	c.w.Bulk(o.str)
	switch {
	case flags&(setEXAT|setPXAT) != 0 && at <= c.now:
		c.db.remove(key, c.now)
		c.srv.dirty++
	case expire != nil:
		c.db.setExpire(key, o, at)
		c.srv.dirty++
	case flags&setPersist != 0:
		if c.db.persist(key, o) {
			c.srv.dirty++
		}
	}
}

func cmdMSet(c *client, args [][]byte) {
	if len(args)%2 == 0 {
		c.w.Error(errWrongArity("mset"))
		return
	}
	for i := 1; i < len(args); i += 2 {
		c.db.setString(args[i], args[i+1], false)
	}
	c.srv.dirty += int64(len(args) / 2)
	c.w.OK()
}

func cmdMSetNX(c *client, args [][]byte) {
	if len(args)%2 == 0 {
		c.w.Error(errWrongArity("msetnx"))
		return
	}
	for i := 1; i < len(args); i += 2 {
		if c.db.lookup(args[i], c.now) != nil {
			c.w.Int(0)
			return
		}
	}
	for i := 1; i < len(args); i += 2 {
		c.db.setString(args[i], args[i+1], false)
	}
	c.srv.dirty += int64(len(args) / 2)
	c.w.Int(1)
}

func cmdMGet(c *client, args [][]byte) {
	c.w.Array(len(args) - 1)
	for _, k := range args[1:] {
		o := c.db.lookup(k, c.now)
		if o == nil {
			c.srv.stats.keyspaceMisses++
			c.w.Null()
			continue
		}
		c.srv.stats.keyspaceHits++
		if o.typ != typeString {
			c.w.Null()
			continue
		}
		c.w.Bulk(o.str)
	}
}

// checkStringLength is Redis's checkStringLength: the size a string would
// reach must fit proto-max-bulk-len. It replies the error when it does not.
func (c *client) checkStringLength(size, add int64) bool {
	total := int64(uint64(size) + uint64(add))
	if total > c.srv.cfg.ProtoMaxBulkLen || total < size || total < add {
		c.w.Error(msgStringTooLong)
		return false
	}
	return true
}

func cmdAppend(c *client, args [][]byte) {
	key, val := args[1], args[2]
	o, ok := c.getString(key)
	if !ok {
		return
	}
	if o == nil {
		c.db.setString(key, val, false)
		c.srv.dirty++
		c.w.Int(int64(len(val)))
		return
	}
	if !c.checkStringLength(int64(len(o.str)), int64(len(val))) {
		return
	}
	o.str = append(o.str, val...)
	o.enc = encRaw
	c.db.signalModified(key)
	c.srv.dirty++
	c.w.Int(int64(len(o.str)))
}

func cmdStrlen(c *client, args [][]byte) {
	o, ok := c.readString(args[1])
	if !ok {
		return
	}
	if o == nil {
		c.w.Int(0)
		return
	}
	c.w.Int(int64(len(o.str)))
}

func cmdIncr(c *client, args [][]byte) { c.incrDecr(args[1], 1) }
func cmdDecr(c *client, args [][]byte) { c.incrDecr(args[1], -1) }

func cmdIncrBy(c *client, args [][]byte) {
	n, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	c.incrDecr(args[1], n)
}

func cmdDecrBy(c *client, args [][]byte) {
	n, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	if n == math.MinInt64 {
		c.w.Error(msgDecrOverflow)
		return
	}
	c.incrDecr(args[1], -n)
}

// incrDecr adds incr to the integer at key (Redis's incrDecrCommand).
func (c *client) incrDecr(key []byte, incr int64) {
	o, ok := c.getString(key)
	if !ok {
		return
	}
	var v int64
	if o != nil {
		if v, ok = parseInt(o.str); !ok {
			c.w.Error(msgNotInteger)
			return
		}
	}
	if (incr < 0 && v < 0 && incr < math.MinInt64-v) || (incr > 0 && v > 0 && incr > math.MaxInt64-v) {
		c.w.Error(msgOverflow)
		return
	}
	v += incr
	if o == nil {
		o = &object{typ: typeString, str: strconv.AppendInt(nil, v, 10)}
		c.db.set(key, o, false)
	} else {
		o.str = strconv.AppendInt(o.str[:0], v, 10)
		o.enc = encAuto
		c.db.signalModified(key)
	}
	c.srv.dirty++
	c.w.Int(v)
}

func cmdIncrByFloat(c *client, args [][]byte) {
	key := args[1]
	o, ok := c.getString(key)
	if !ok {
		return
	}
	v := new(big.Float).SetPrec(longDoublePrec)
	if o != nil {
		if v, ok = parseLongDouble(o.str); !ok {
			c.w.Error(msgNotFloat)
			return
		}
	}
	incr, ok := parseLongDouble(args[2])
	if !ok {
		c.w.Error(msgNotFloat)
		return
	}
	if v.IsInf() || incr.IsInf() {
		c.w.Error(msgIncrFloatNaNInf)
		return
	}
	v.Add(v, incr)
	if exp := v.MantExp(nil); exp > longDoubleMaxExp {
		c.w.Error(msgIncrFloatNaNInf)
		return
	}
	s := formatLongDouble(v)
	if o == nil {
		o = &object{typ: typeString, enc: encEmbstr, str: s}
		c.db.set(key, o, false)
	} else {
		o.str = s
		o.enc = encEmbstr
		c.db.signalModified(key)
	}
	c.srv.dirty++
	c.w.Bulk(s)
}

func cmdGetRange(c *client, args [][]byte) {
	start, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	end, ok := parseInt(args[3])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	o, ok := c.readString(args[1])
	if !ok {
		return
	}
	if o == nil {
		c.w.BulkString("")
		return
	}
	n := int64(len(o.str))
	if start < 0 && end < 0 && start > end {
		c.w.BulkString("")
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.w.BulkString("")
		return
	}
	c.w.Bulk(o.str[start : end+1])
}

func cmdSetRange(c *client, args [][]byte) {
	key, val := args[1], args[3]
	off, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	if off < 0 {
		c.w.Error(msgOffsetRange)
		return
	}
	o, ok := c.getString(key)
	if !ok {
		return
	}
	if o == nil {
		if len(val) == 0 {
			c.w.Int(0)
			return
		}
		if !c.checkStringLength(off, int64(len(val))) {
			return
		}
		o = &object{typ: typeString, enc: encRaw, str: make([]byte, int(off)+len(val))}
		copy(o.str[off:], val)
		c.db.set(key, o, false)
		c.srv.dirty++
		c.w.Int(int64(len(o.str)))
		return
	}
	if len(val) == 0 {
		c.w.Int(int64(len(o.str)))
		return
	}
	if !c.checkStringLength(off, int64(len(val))) {
		return
	}
	if need := int(off) + len(val); need > len(o.str) {
		if need <= cap(o.str) {
			old := len(o.str)
			o.str = o.str[:need]
			clear(o.str[old:])
		} else {
			o.str = append(o.str, make([]byte, need-len(o.str))...)
		}
	}
	copy(o.str[off:], val)
	o.enc = encRaw
	c.db.signalModified(key)
	c.srv.dirty++
	c.w.Int(int64(len(o.str)))
}

// Long double emulation for INCRBYFLOAT: Redis computes in the x87 80-bit
// format (64-bit mantissa, 15-bit exponent) and prints with "%.17Lf".
const (
	longDoublePrec   = 64
	longDoubleMaxExp = 16384  // |x| >= 2^16384 overflows to inf
	longDoubleMinExp = -16444 // below the smallest denormal: underflow to 0
	maxLongDoubleLen = 5 * 1024
)

// parseLongDouble parses b the way Redis's string2ld does with strtold:
// the whole string must be a number, no surrounding spaces, no NaN, no
// overflow or underflow to zero.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= maxLongDoubleLen || isSpaceByte(b[0]) {
		return nil, false
	}
	f := new(big.Float).SetPrec(longDoublePrec).SetMode(big.ToNearestEven)
	body := b
	neg := false
	if body[0] == '+' || body[0] == '-' {
		neg = body[0] == '-'
		body = body[1:]
	}
	if isOpt(body, "INF") || isOpt(body, "INFINITY") {
		return f.SetInf(neg), true
	}
	base := 10
	if isHexFloat(body) {
		base = 0
	} else if !isDecFloat(body) {
		return nil, false
	}
	if _, _, err := f.Parse(string(b), base); err != nil {
		return nil, false
	}
	switch {
	case f.IsInf():
		return nil, false // exponent beyond big.Float's range: ERANGE
	case f.Sign() == 0:
		if nonZeroMantissa(body, base == 0) {
			return nil, false // underflow to zero: ERANGE
		}
	default:
		exp := f.MantExp(nil)
		if exp > longDoubleMaxExp || exp < longDoubleMinExp {
			return nil, false
		}
	}
	return f, true
}

// nonZeroMantissa reports whether the mantissa of a syntactically valid
// number (before its exponent) has a non-zero digit.
func nonZeroMantissa(b []byte, hex bool) bool {
	if hex {
		b = b[2:]
	}
	for _, ch := range b {
		switch {
		case ch >= '1' && ch <= '9':
			return true
		case hex && ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')):
			return true
		case ch == 'e' || ch == 'E' || ch == 'p' || ch == 'P':
			return false
		}
	}
	return false
}

// isDecFloat checks the decimal syntax strtold consumes entirely:
// digits [. digits] or . digits, then an optional exponent.
func isDecFloat(b []byte) bool { return isFloatSyntax(b, isDecDigit, 'e') }

// isHexFloat checks the hexadecimal syntax strtold consumes entirely:
// 0x hexdigits [. hexdigits] [p [sign] digits].
func isHexFloat(b []byte) bool {
	if len(b) < 3 || b[0] != '0' || (b[1] != 'x' && b[1] != 'X') {
		return false
	}
	return isFloatSyntax(b[2:], isHexDigit, 'p')
}

// isFloatSyntax checks mantissa digits with an optional point (at least one
// digit in all), then an optional exponent introduced by exp (either case)
// with an optional sign and decimal digits, and nothing after.
func isFloatSyntax(b []byte, digit func(byte) bool, exp byte) bool {
	i, digits := 0, 0
	for i < len(b) && digit(b[i]) {
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && digit(b[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(b) && (b[i] == exp || b[i] == exp-('a'-'A')) {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		for i < len(b) && isDecDigit(b[i]) {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(b)
}

func isDecDigit(ch byte) bool { return ch >= '0' && ch <= '9' }

func isHexDigit(ch byte) bool {
	return isDecDigit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')
}

// formatLongDouble prints f as Redis's ld2string in LD_STR_HUMAN mode:
// "%.17Lf" without trailing zeroes, and "-0" as "0".
func formatLongDouble(f *big.Float) []byte {
	s := f.Append(nil, 'f', 17)
	for len(s) > 0 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	if string(s) == "-0" {
		s = s[:1]
		s[0] = '0'
	}
	return s
}

// lcsMatch is one matched range of LCS IDX.
type lcsMatch struct{ aStart, aEnd, bStart, bEnd int }

func cmdLCS(c *client, args [][]byte) {
	var a, b []byte
	for i, key := range args[1:3] {
		o := c.db.lookup(key, c.now)
		if o == nil {
			c.srv.stats.keyspaceMisses++
			continue
		}
		c.srv.stats.keyspaceHits++
		if o.typ != typeString {
			c.w.Error(msgLCSNotString)
			return
		}
		if i == 0 {
			a = o.str
		} else {
			b = o.str
		}
	}
	var getIdx, getLen, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(args); j++ {
		switch opt := args[j]; {
		case isOpt(opt, "IDX"):
			getIdx = true
		case isOpt(opt, "LEN"):
			getLen = true
		case isOpt(opt, "WITHMATCHLEN"):
			withMatchLen = true
		case isOpt(opt, "MINMATCHLEN") && j+1 < len(args):
			n, ok := parseInt(args[j+1])
			if !ok {
				c.w.Error(msgNotInteger)
				return
			}
			minMatchLen = max(n, 0)
			j++
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	if getIdx && getLen {
		c.w.Error(msgLCSIdxLen)
		return
	}
	if int64(len(a)) >= math.MaxUint32-1 || int64(len(b)) >= math.MaxUint32-1 {
		c.w.Error(msgLCSTooLong)
		return
	}
	alen, blen := len(a), len(b)
	if uint64(alen+1)*uint64(blen+1)*4 > uint64(c.srv.cfg.ProtoMaxBulkLen) {
		c.w.Error(msgLCSMemory)
		return
	}
	// table[i*(blen+1)+j] is the LCS length of a[:i] and b[:j].
	w := blen + 1
	table := make([]uint32, (alen+1)*w)
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			if a[i-1] == b[j-1] {
				table[i*w+j] = table[(i-1)*w+j-1] + 1
			} else {
				table[i*w+j] = max(table[(i-1)*w+j], table[i*w+j-1])
			}
		}
	}
	total := table[alen*w+blen]
	if getLen {
		c.w.Int(int64(total))
		return
	}
	// Walk back from the end, building the string and the ranges exactly
	// as Redis does (ranges are reported from the end of the strings).
	result := make([]byte, total)
	idx := int(total)
	var matches []lcsMatch
	unset := alen
	aStart, aEnd, bStart, bEnd := unset, 0, 0, 0
	for i, j := alen, blen; i > 0 && j > 0; {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if aStart == unset {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if table[(i-1)*w+j] > table[i*w+j-1] {
				i--
			} else {
				j--
			}
			if aStart != unset {
				emit = true
			}
		}
		if emit {
			if getIdx && (minMatchLen == 0 || int64(aEnd-aStart+1) >= minMatchLen) {
				matches = append(matches, lcsMatch{aStart, aEnd, bStart, bEnd})
			}
			aStart = unset
		}
	}
	if !getIdx {
		c.w.Bulk(result)
		return
	}
	c.w.Map(2)
	c.w.BulkString("matches")
	c.w.Array(len(matches))
	for _, m := range matches {
		if withMatchLen {
			c.w.Array(3)
		} else {
			c.w.Array(2)
		}
		c.w.Array(2)
		c.w.Int(int64(m.aStart))
		c.w.Int(int64(m.aEnd))
		c.w.Array(2)
		c.w.Int(int64(m.bStart))
		c.w.Int(int64(m.bEnd))
		if withMatchLen {
			c.w.Int(int64(m.aEnd - m.aStart + 1))
		}
	}
	c.w.BulkString("len")
	c.w.Int(int64(total))
}
