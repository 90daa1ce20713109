package node

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/slotcache/slotcache/slots"
)

// Reply texts of the generic key commands, as Redis 7.0 sends them.
const (
	msgSameObject     = "ERR source and destination objects are the same"
	msgInvalidCursor  = "ERR invalid cursor"
	msgExpireNXCombo  = "ERR NX and XX, GT or LT options at the same time are not compatible"
	msgExpireGTLT     = "ERR GT and LT options at the same time are not compatible"
	msgFirstDBIndex   = "ERR invalid first DB index"
	msgSecondDBIndex  = "ERR invalid second DB index"
	msgIntRange       = "ERR value is out of range, value must between -2147483648 and 2147483647"
	msgLFUNotSelected = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	msgLFUSelected    = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
)

// sharedRefcount is the refcount Redis reports for its shared integers.
const sharedRefcount = math.MaxInt32

// sharedIntegers is the number of small integers Redis shares (0..9999).
const sharedIntegers = 10000

var objectHelp = []string{
	"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
	"HELP",
	"    Prints this help.",
}

var memoryHelp = []string{
	"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"USAGE <key> [SAMPLES <count>]",
	"    Return memory in bytes used by <key> and its value. Nested values are",
	"    sampled up to <count> times (default: 5, 0 means sample all).",
	"HELP",
	"    Prints this help.",
}

// keyCommands: generic keyspace commands.
func keyCommands() []*command {
	const (
		wslow = "@keyspace @write @slow"
		wfast = "@keyspace @write @fast"
		rfast = "@keyspace @read @fast"
		rslow = "@keyspace @read @slow"
	)
	return []*command{
		{name: "del", arity: -2, flags: flagWrite, firstKey: 1, lastKey: -1, step: 1, acl: wslow, group: "generic", summary: "Deletes one or more keys.", since: "1.0.0", fn: cmdDel},
		{name: "unlink", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: -1, step: 1, acl: wfast, group: "generic", summary: "Asynchronously deletes one or more keys.", since: "4.0.0", fn: cmdDel},
		{name: "exists", arity: -2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: -1, step: 1, acl: rfast, group: "generic", summary: "Determines whether one or more keys exist.", since: "1.0.0", fn: cmdExists},
		{name: "type", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: rfast, group: "generic", summary: "Determines the type of value stored at a key.", since: "1.0.0", fn: cmdType},
		{name: "rename", arity: 3, flags: flagWrite, firstKey: 1, lastKey: 2, step: 1, acl: wslow, group: "generic", summary: "Renames a key and overwrites the destination.", since: "1.0.0", fn: cmdRename},
		{name: "renamenx", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 2, step: 1, acl: wfast, group: "generic", summary: "Renames a key only when the target key name doesn't exist.", since: "1.0.0", fn: cmdRenameNX},
		{name: "expire", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: wfast, group: "generic", summary: "Sets the expiration time of a key in seconds.", since: "1.0.0", fn: cmdExpire},
		{name: "pexpire", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: wfast, group: "generic", summary: "Sets the expiration time of a key in milliseconds.", since: "2.6.0", fn: cmdPExpire},
		{name: "expireat", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: wfast, group: "generic", summary: "Sets the expiration time of a key to a Unix timestamp.", since: "1.2.0", fn: cmdExpireAt},
		{name: "pexpireat", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: wfast, group: "generic", summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.", since: "2.6.0", fn: cmdPExpireAt},
		{name: "ttl", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: rfast, group: "generic", summary: "Returns the expiration time in seconds of a key.", since: "1.0.0", fn: cmdTTL},
		{name: "pttl", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: rfast, group: "generic", summary: "Returns the expiration time in milliseconds of a key.", since: "2.6.0", fn: cmdPTTL},
		{name: "expiretime", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: rfast, group: "generic", summary: "Returns the expiration time of a key as a Unix timestamp.", since: "7.0.0", fn: cmdExpireTime},
		{name: "pexpiretime", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: rfast, group: "generic", summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.", since: "7.0.0", fn: cmdPExpireTime},
		{name: "persist", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: wfast, group: "generic", summary: "Removes the expiration time of a key.", since: "2.2.0", fn: cmdPersist},
		{name: "keys", arity: 2, flags: flagReadonly, acl: "@keyspace @read @slow @dangerous", group: "generic", summary: "Returns all key names that match a pattern.", since: "1.0.0", fn: cmdKeys},
		{name: "scan", arity: -2, flags: flagReadonly, acl: rslow, group: "generic", summary: "Iterates over the key names in the database.", since: "2.8.0", fn: cmdScan},
		{name: "randomkey", arity: 1, flags: flagReadonly, acl: rslow, group: "generic", summary: "Returns a random key name from the database.", since: "1.0.0", fn: cmdRandomKey},
		{name: "dbsize", arity: 1, flags: flagReadonly | flagFast, acl: rfast, group: "server", summary: "Returns the number of keys in the database.", since: "1.0.0", fn: cmdDBSize},
		{name: "flushdb", arity: -1, flags: flagWrite, acl: "@keyspace @write @slow @dangerous", group: "server", summary: "Remove all keys from the current database.", since: "1.0.0", fn: cmdFlushDB},
		{name: "flushall", arity: -1, flags: flagWrite, acl: "@keyspace @write @slow @dangerous", group: "server", summary: "Removes all keys from all databases.", since: "1.0.0", fn: cmdFlushAll},
		{name: "touch", arity: -2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: -1, step: 1, acl: rfast, group: "generic", summary: "Returns the number of existing keys out of those specified after updating the time they were last accessed.", since: "3.2.1", fn: cmdTouch},
		{name: "copy", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, step: 1, acl: wslow, group: "generic", summary: "Copies the value of a key to a new key.", since: "6.2.0", fn: cmdCopy},
		{name: "move", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: wfast, group: "generic", summary: "Moves a key to another database.", since: "1.0.0", fn: cmdMove},
		{name: "swapdb", arity: 3, flags: flagWrite | flagFast, acl: "@keyspace @write @fast @dangerous", group: "server", summary: "Swaps two Redis databases.", since: "4.0.0", fn: cmdSwapDB},
		{name: "object", arity: -2, acl: "@slow", group: "generic", summary: "A container for object introspection commands.", since: "2.2.3", fn: cmdObject,
			subs: map[string]*command{
				"encoding": {name: "encoding", arity: 3, flags: flagReadonly, firstKey: 2, lastKey: 2, step: 1, acl: rslow, group: "generic", summary: "Returns the internal encoding of a Redis object.", since: "2.2.3", fn: cmdObjectEncoding},
				"freq":     {name: "freq", arity: 3, flags: flagReadonly, firstKey: 2, lastKey: 2, step: 1, acl: rslow, group: "generic", summary: "Returns the logarithmic access frequency counter of a Redis object.", since: "4.0.0", fn: cmdObjectFreq},
				"idletime": {name: "idletime", arity: 3, flags: flagReadonly, firstKey: 2, lastKey: 2, step: 1, acl: rslow, group: "generic", summary: "Returns the time since the last access to a Redis object.", since: "2.2.3", fn: cmdObjectIdletime},
				"refcount": {name: "refcount", arity: 3, flags: flagReadonly, firstKey: 2, lastKey: 2, step: 1, acl: rslow, group: "generic", summary: "Returns the reference count of a value of a key.", since: "2.2.3", fn: cmdObjectRefcount},
				"help":     {name: "help", arity: 2, flags: flagLoading | flagStale, acl: "@keyspace @slow", group: "generic", summary: "Returns helpful text about the different subcommands.", since: "6.2.0", fn: cmdObjectHelp},
			}},
		{name: "memory", arity: -2, acl: "@slow", group: "server", summary: "A container for memory diagnostics commands.", since: "4.0.0", fn: cmdMemory,
			subs: map[string]*command{
				"usage": {name: "usage", arity: -3, flags: flagReadonly, firstKey: 2, lastKey: 2, step: 1, acl: "@read @slow", group: "server", summary: "Estimates the memory usage of a key.", since: "4.0.0", fn: cmdMemoryUsage},
				"help":  {name: "help", arity: 2, flags: flagLoading | flagStale, acl: "@slow", group: "server", summary: "Returns helpful text about the different subcommands.", since: "4.0.0", fn: cmdMemoryHelp},
			}},
	}
}

// lruClock is the object access clock (seconds) for a unix ms time.
func lruClock(ms int64) uint32 { return uint32(ms / 1000) }

// lruNow is the object access clock now.
func lruNow() uint32 { return lruClock(time.Now().UnixMilli()) }

// peek looks key up (expiring it lazily) without updating its access time,
// as Redis's LOOKUP_NOTOUCH.
func (d *db) peek(key []byte, now int64) *object {
	sd := d.dict(key)
	if sd == nil {
		return nil
	}
	o := sd.keys[string(key)]
	if o == nil {
		return nil
	}
	lru := o.lru
	if d.lookup(key, now) == nil {
		return nil
	}
	o.lru = lru
	return o
}

// peekRead is peek counting a keyspace hit or miss.
func (c *client) peekRead(key []byte) *object {
	o := c.db.peek(key, c.now)
	c.countLookup(o != nil)
	return o
}

// optName is an option argument as Redis compares it (strcasecmp on a C
// string): lower case, cut at the first NUL byte.
func optName(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return strings.ToLower(string(b))
}

// subArityOK checks the arity of a subcommand and replies the error.
func (c *client) subArityOK(cmd, sub string, arity, n int) bool {
	ok := n == arity
	if arity < 0 {
		ok = n >= -arity
	}
	if !ok {
		c.w.Error(errWrongArity(cmd + "|" + sub))
	}
	return ok
}

// dbIndex parses a DB index argument (getIntFromObjectOrReply rules); it
// replies the error itself.
func (c *client) dbIndex(arg []byte) (*db, bool) {
	n, ok := parseInt(arg)
	if !ok {
		c.w.Error(msgNotInteger)
		return nil, false
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		c.w.Error(msgIntRange)
		return nil, false
	}
	if n < 0 || n >= int64(len(c.srv.dbs)) {
		c.w.Error(msgDBIndex)
		return nil, false
	}
	return c.srv.dbs[n], true
}

func cmdDel(c *client, args [][]byte) {
	var n int64
	for _, k := range args[1:] {
		if c.db.remove(k, c.now) {
			n++
		}
	}
	c.srv.dirty += n
	c.w.Int(n)
}

func cmdExists(c *client, args [][]byte) {
	var n int64
	for _, k := range args[1:] {
		if c.peekRead(k) != nil {
			n++
		}
	}
	c.w.Int(n)
}

func cmdTouch(c *client, args [][]byte) {
	var n int64
	for _, k := range args[1:] {
		hit := c.db.lookup(k, c.now) != nil
		c.countLookup(hit)
		n += b2i(hit)
	}
	c.w.Int(n)
}

func cmdType(c *client, args [][]byte) {
	o := c.peekRead(args[1])
	if o == nil {
		c.w.Simple("none")
		return
	}
	c.w.Simple(typeName(o.typ))
}

func cmdRename(c *client, args [][]byte)   { rename(c, args, false) }
func cmdRenameNX(c *client, args [][]byte) { rename(c, args, true) }

func rename(c *client, args [][]byte, nx bool) {
	src, dst := args[1], args[2]
	o := c.db.lookup(src, c.now)
	if o == nil {
		c.w.Error(msgNoSuchKey)
		return
	}
	if bytes.Equal(src, dst) {
		if nx {
			c.w.Int(0)
		} else {
			c.w.OK()
		}
		return
	}
	at := c.db.expireAt(src, o)
	if c.db.lookup(dst, c.now) != nil {
		if nx {
			c.w.Int(0)
			return
		}
		c.db.remove(dst, c.now)
	}
	c.db.remove(src, c.now)
	c.db.set(dst, o, false)
	if at >= 0 {
		c.db.setExpire(dst, o, at)
	}
	c.srv.dirty++
	if nx {
		c.w.Int(1)
	} else {
		c.w.OK()
	}
}

// Option flags of the EXPIRE family.
const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

func cmdExpire(c *client, args [][]byte)    { expireGeneric(c, args, c.now, true) }
func cmdPExpire(c *client, args [][]byte)   { expireGeneric(c, args, c.now, false) }
func cmdExpireAt(c *client, args [][]byte)  { expireGeneric(c, args, 0, true) }
func cmdPExpireAt(c *client, args [][]byte) { expireGeneric(c, args, 0, false) }

// expireGeneric implements EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT: base is
// added to the given time (0 for the absolute forms).
func expireGeneric(c *client, args [][]byte, base int64, seconds bool) {
	var flags int
	for _, a := range args[3:] {
		switch optName(a) {
		case "nx":
			flags |= expireNX
		case "xx":
			flags |= expireXX
		case "gt":
			flags |= expireGT
		case "lt":
			flags |= expireLT
		default:
			opt := a
			if i := bytes.IndexByte(opt, 0); i >= 0 {
				opt = opt[:i]
			}
			c.w.Error("ERR Unsupported option " + string(opt))
			return
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		c.w.Error(msgExpireNXCombo)
		return
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		c.w.Error(msgExpireGTLT)
		return
	}
	when, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	invalid := "ERR invalid expire time in '" + strings.ToLower(string(args[0])) + "' command"
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			c.w.Error(invalid)
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		c.w.Error(invalid)
		return
	}
	when += base
	key := args[1]
	o := c.db.lookup(key, c.now)
	if o == nil {
		c.w.Int(0)
		return
	}
	if flags != 0 {
		cur := c.db.expireAt(key, o)
		switch {
		case flags&expireNX != 0 && cur != -1,
			flags&expireXX != 0 && cur == -1,
			flags&expireGT != 0 && (cur == -1 || when <= cur),
			flags&expireLT != 0 && cur != -1 && when >= cur:
			c.w.Int(0)
			return
		}
	}
	if when <= c.now {
		c.db.remove(key, c.now)
	} else {
		c.db.setExpire(key, o, when)
	}
	c.srv.dirty++
	c.w.Int(1)
}

func cmdTTL(c *client, args [][]byte)         { ttlGeneric(c, args[1], false, false) }
func cmdPTTL(c *client, args [][]byte)        { ttlGeneric(c, args[1], true, false) }
func cmdExpireTime(c *client, args [][]byte)  { ttlGeneric(c, args[1], false, true) }
func cmdPExpireTime(c *client, args [][]byte) { ttlGeneric(c, args[1], true, true) }

// ttlGeneric replies the remaining time (or the absolute expiry when abs)
// of key: -2 when it is missing, -1 when it has no expiry.
func ttlGeneric(c *client, key []byte, ms, abs bool) {
	o := c.peekRead(key)
	if o == nil {
		c.w.Int(-2)
		return
	}
	at := c.db.expireAt(key, o)
	if at == -1 {
		c.w.Int(-1)
		return
	}
	t := at
	if !abs {
		t = at - c.now
	}
	if t < 0 {
		t = 0
	}
	if !ms {
		t = (t + 500) / 1000
	}
	c.w.Int(t)
}

func cmdPersist(c *client, args [][]byte) {
	o := c.db.lookup(args[1], c.now)
	if o == nil || !c.db.persist(args[1], o) {
		c.w.Int(0)
		return
	}
	c.srv.dirty++
	c.w.Int(1)
}

func cmdKeys(c *client, args [][]byte) {
	pat := args[1]
	all := len(pat) == 1 && pat[0] == '*'
	var keys []string
	c.db.forEach(c.now, func(k string, _ *object) bool {
		if all || globMatch(pat, []byte(k), false) {
			keys = append(keys, k)
		}
		return true
	})
	c.w.Array(len(keys))
	for _, k := range keys {
		c.w.BulkString(k)
	}
}

// parseScanCursor parses a cursor the way Redis does (strtoull: an optional
// sign, decimal digits, no overflow, no leading space).
func parseScanCursor(b []byte) (uint64, bool) {
	p := b
	neg := false
	if len(p) > 0 && (p[0] == '+' || p[0] == '-') {
		neg = p[0] == '-'
		p = p[1:]
		if len(p) == 0 {
			return 0, false
		}
	}
	var v uint64
	for _, ch := range p {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// cmdScan implements SCAN over the slot-organised keyspace. The cursor is
// the number of the next hash slot to visit. Each call returns the keys of
// whole slots, visiting slots in order until at least COUNT keys were
// collected (before MATCH and TYPE filtering, so COUNT is a hint and more
// keys may come back), and replies cursor 0 once slot 16383 was visited.
// Since every slot is visited exactly once and entirely, every key present
// for the whole iteration is returned, and exactly once; keys added or
// removed meanwhile may or may not be.
func cmdScan(c *client, args [][]byte) {
	cursor, ok := c.scanCursorArg(args[1])
	if !ok {
		return
	}
	sa, ok := parseScanOptions(c, args[2:], true)
	if !ok {
		return
	}
	var keys []string
	next := uint64(0)
	if cursor < slots.NumSlots {
		scanned := 0
		s := int(cursor)
		for ; s < slots.NumSlots && scanned < sa.count; s++ {
			c.db.forEachInSlot(s, c.now, func(k string, o *object) bool {
				scanned++
				if sa.pattern != nil && !globMatch(sa.pattern, []byte(k), false) {
					return true
				}
				if sa.typ != nil && !strings.EqualFold(string(sa.typ), typeName(o.typ)) {
					return true
				}
				keys = append(keys, k)
				return true
			})
		}
		if s < slots.NumSlots {
			next = uint64(s)
		}
	}
	c.w.Array(2)
	c.w.BulkString(strconv.FormatUint(next, 10))
	c.w.Array(len(keys))
	for _, k := range keys {
		c.w.BulkString(k)
	}
}

func cmdRandomKey(c *client, args [][]byte) {
	k, ok := c.db.randomKey(c.now)
	if !ok {
		c.w.Null()
		return
	}
	c.w.BulkString(k)
}

func cmdDBSize(c *client, args [][]byte) { c.w.Int(int64(c.db.nkeys)) }

// flushArgOK checks the optional ASYNC|SYNC argument of FLUSHDB/FLUSHALL.
func flushArgOK(args [][]byte) bool {
	if len(args) > 2 {
		return false
	}
	if len(args) == 2 {
		a := optName(args[1])
		return a == "sync" || a == "async"
	}
	return true
}

func cmdFlushDB(c *client, args [][]byte) {
	if !flushArgOK(args) {
		c.w.Error(msgSyntax)
		return
	}
	c.srv.dirty += int64(c.db.nkeys)
	c.db.flush()
	c.w.OK()
}

func cmdFlushAll(c *client, args [][]byte) {
	if !flushArgOK(args) {
		c.w.Error(msgSyntax)
		return
	}
	for _, d := range c.srv.dbs {
		c.srv.dirty += int64(d.nkeys)
		d.flush()
	}
	c.srv.dirty++
	c.w.OK()
}

// copyObject returns a deep copy of o with a fresh access time.
func copyObject(o *object) *object {
	cp := &object{typ: o.typ, enc: o.enc, freq: o.freq, lru: lruNow()}
	if o.typ == typeString && o.enc != encRaw {
		cp.enc = encUnshared
	}
	if o.str != nil {
		cp.str = append([]byte(nil), o.str...)
	}
	if col, ok := o.val.(collection); ok {
		cp.val = col.clone()
	} else {
		cp.val = o.val
	}
	return cp
}

func cmdCopy(c *client, args [][]byte) {
	dst := c.db
	replace := false
	for j := 3; j < len(args); j++ {
		opt := optName(args[j])
		switch {
		case opt == "replace":
			replace = true
		case opt == "db" && j+1 < len(args):
			d, ok := c.dbIndex(args[j+1])
			if !ok {
				return
			}
			dst = d
			j++
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	src, key := args[1], args[2]
	if dst == c.db && bytes.Equal(src, key) {
		c.w.Error(msgSameObject)
		return
	}
	o := c.db.lookup(src, c.now)
	if o == nil {
		c.srv.stats.keyspaceMisses++
		c.w.Int(0)
		return
	}
	c.srv.stats.keyspaceHits++
	at := c.db.expireAt(src, o)
	if dst.lookup(key, c.now) != nil {
		if !replace {
			c.w.Int(0)
			return
		}
		dst.remove(key, c.now)
	}
	cp := copyObject(o)
	dst.set(key, cp, false)
	if at >= 0 {
		dst.setExpire(key, cp, at)
	}
	c.srv.dirty++
	c.w.Int(1)
}

func cmdMove(c *client, args [][]byte) {
	dst, ok := c.dbIndex(args[2])
	if !ok {
		return
	}
	if dst == c.db {
		c.w.Error(msgSameObject)
		return
	}
	key := args[1]
	o := c.db.lookup(key, c.now)
	if o == nil {
		c.w.Int(0)
		return
	}
	at := c.db.expireAt(key, o)
	if dst.lookup(key, c.now) != nil {
		c.w.Int(0)
		return
	}
	c.db.remove(key, c.now)
	dst.set(key, o, false)
	if at >= 0 {
		dst.setExpire(key, o, at)
	}
	c.srv.dirty++
	c.w.Int(1)
}

func cmdSwapDB(c *client, args [][]byte) {
	a, ok := parseInt(args[1])
	if !ok || a < math.MinInt32 || a > math.MaxInt32 {
		c.w.Error(msgFirstDBIndex)
		return
	}
	b, ok := parseInt(args[2])
	if !ok || b < math.MinInt32 || b > math.MaxInt32 {
		c.w.Error(msgSecondDBIndex)
		return
	}
	n := int64(len(c.srv.dbs))
	if a < 0 || a >= n || b < 0 || b >= n {
		c.w.Error(msgDBIndex)
		return
	}
	if a != b {
		swapDBs(c.srv.dbs[a], c.srv.dbs[b])
	}
	c.srv.dirty++
	c.w.OK()
}

// swapDBs exchanges the contents of two databases. Each keeps its id and
// its WATCH table (clients stay on their db number, as in Redis); every
// watched key of both is invalidated.
func swapDBs(x, y *db) {
	for _, d := range []*db{x, y} {
		for k := range d.watched {
			d.signalModified([]byte(k))
		}
	}
	x.slots, y.slots = y.slots, x.slots
	x.nkeys, y.nkeys = y.nkeys, x.nkeys
	x.nexpire, y.nexpire = y.nexpire, x.nexpire
	x.avgTTL, y.avgTTL = y.avgTTL, x.avgTTL
	x.expireCursor, y.expireCursor = y.expireCursor, x.expireCursor
}

func cmdObject(c *client, args [][]byte) {
	c.w.Error(errUnknownSubcommand(args[1], "object"))
}

// objectLookup finds the key of an OBJECT subcommand, replying nil when it
// is missing.
func (c *client) objectLookup(args [][]byte, sub string) *object {
	if !c.subArityOK("object", sub, 3, len(args)) {
		return nil
	}
	o := c.peekRead(args[2])
	if o == nil {
		c.w.Null()
	}
	return o
}

func cmdObjectEncoding(c *client, args [][]byte) {
	if o := c.objectLookup(args, "encoding"); o != nil {
		c.w.BulkString(o.encodingName())
	}
}

// policyLFU and policyLRU report the kind of maxmemory-policy in use.
func (c *client) policyLFU() bool { return strings.HasSuffix(c.srv.cfg.MaxMemoryPolicy, "-lfu") }
func (c *client) policyLRU() bool { return strings.HasSuffix(c.srv.cfg.MaxMemoryPolicy, "-lru") }

func cmdObjectRefcount(c *client, args [][]byte) {
	o := c.objectLookup(args, "refcount")
	if o == nil {
		return
	}
	// Redis shares the objects of the integers 0..9999 unless the policy
	// needs a per-key access clock.
	shared := c.srv.cfg.MaxMemory == 0 || !(c.policyLFU() || c.policyLRU())
	if shared && o.typ == typeString && o.enc != encUnshared && o.encodingName() == "int" {
		if n, _ := parseInt(o.str); n >= 0 && n < sharedIntegers {
			c.w.Int(sharedRefcount)
			return
		}
	}
	c.w.Int(1)
}

func cmdObjectIdletime(c *client, args [][]byte) {
	o := c.objectLookup(args, "idletime")
	if o == nil {
		return
	}
	if c.policyLFU() {
		c.w.Error(msgLFUSelected)
		return
	}
	idle := int64(lruClock(c.now)) - int64(o.lru)
	if idle < 0 {
		idle = 0
	}
	c.w.Int(idle)
}

func cmdObjectFreq(c *client, args [][]byte) {
	o := c.objectLookup(args, "freq")
	if o == nil {
		return
	}
	if !c.policyLFU() {
		c.w.Error(msgLFUNotSelected)
		return
	}
	c.w.Int(int64(o.freq))
}

func cmdObjectHelp(c *client, args [][]byte) {
	if c.subArityOK("object", "help", 2, len(args)) {
		writeHelp(c, objectHelp...)
	}
}

func cmdMemory(c *client, args [][]byte) {
	c.w.Error(errUnknownSubcommand(args[1], "memory"))
}

func cmdMemoryHelp(c *client, args [][]byte) {
	if c.subArityOK("memory", "help", 2, len(args)) {
		writeHelp(c, memoryHelp...)
	}
}

func cmdMemoryUsage(c *client, args [][]byte) {
	if !c.subArityOK("memory", "usage", -3, len(args)) {
		return
	}
	for j := 3; j < len(args); j++ {
		if optName(args[j]) == "samples" && j+1 < len(args) {
			n, ok := parseInt(args[j+1])
			if !ok {
				c.w.Error(msgNotInteger)
				return
			}
			if n < 0 {
				c.w.Error(msgSyntax)
				return
			}
			j++
			continue
		}
		c.w.Error(msgSyntax)
		return
	}
	key := args[2]
	sd := c.db.dict(key)
	if sd == nil || sd.keys[string(key)] == nil {
		c.w.Null()
		return
	}
	c.w.Int(memoryUsage(key, sd.keys[string(key)]))
}

// Sizes of Redis's structures on a 64-bit build.
const (
	robjSize      = 16
	dictEntrySize = 24
)

// mallocSize rounds n up to jemalloc's size class, as zmalloc_size reports.
func mallocSize(n int) int64 {
	switch {
	case n <= 8:
		return 8
	case n <= 128:
		return int64((n + 15) &^ 15)
	}
	g := 1
	for g*2 < n {
		g *= 2
	}
	step := g / 4
	return int64((n + step - 1) / step * step)
}

// sdsSize is the allocation of an sds string of length n.
func sdsSize(n int, allowType5 bool) int64 {
	hdr := 9
	switch {
	case n < 32 && allowType5:
		hdr = 1
	case n < 1<<8:
		hdr = 3
	case n < 1<<16:
		hdr = 5
	}
	return mallocSize(hdr + n + 1)
}

// memoryUsage estimates MEMORY USAGE the way Redis computes it: the value,
// the key's sds and the dict entry.
func memoryUsage(key []byte, o *object) int64 {
	var size int64
	switch {
	case o.typ == typeString:
		switch o.encodingName() {
		case "int":
			size = robjSize
		case "embstr":
			size = mallocSize(robjSize + 3 + len(o.str) + 1)
		default:
			size = robjSize + sdsSize(len(o.str), false)
		}
	default:
		size = robjSize
		if col, ok := o.val.(collection); ok {
			size += col.memUsage()
		}
	}
	return size + sdsSize(len(key), true) + dictEntrySize
}
