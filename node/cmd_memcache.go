package node

import (
	"strconv"

	"github.com/slotcache/slotcache/protocol/memcache"
)

// memcacheCommands are the internal commands behind the memcached
// protocol (see protocol/memcache for their shapes). The memcached
// listeners of the node and of the proxy translate each request into one
// of them, so items live in the keyspace with every other key.
func memcacheCommands() []*command {
	const (
		rf  = flagReadonly | flagFast
		wf  = flagWrite | flagFast
		wdf = flagWrite | flagDenyOOM | flagFast
	)
	return []*command{
		{name: "mcget", arity: -2, flags: rf, firstKey: 1, lastKey: -1, step: 1, acl: "@read @fast", group: "generic", summary: "memcached get/gets: the items at the keys", since: "7.0.0", fn: cmdMCGet},
		{name: "mcgat", arity: -3, flags: wf, firstKey: 2, lastKey: -1, step: 1, acl: "@write @fast", group: "generic", summary: "memcached gat/gats: the items at the keys, with a new expiry", since: "7.0.0", fn: cmdMCGat},
		{name: "mcstore", arity: -7, flags: wdf, firstKey: 1, lastKey: 1, step: 1, acl: "@write @fast", group: "generic", summary: "memcached set/add/replace/append/prepend/cas", since: "7.0.0", fn: cmdMCStore},
		{name: "mctouch", arity: 3, flags: wf, firstKey: 1, lastKey: 1, step: 1, acl: "@write @fast", group: "generic", summary: "memcached touch", since: "7.0.0", fn: cmdMCTouch},
		{name: "mcdelete", arity: -2, flags: wf, firstKey: 1, lastKey: 1, step: 1, acl: "@write @fast", group: "generic", summary: "memcached delete and md", since: "7.0.0", fn: cmdMCDelete},
		{name: "mcincr", arity: -4, flags: wdf, firstKey: 1, lastKey: 1, step: 1, acl: "@write @fast", group: "generic", summary: "memcached incr/decr and ma", since: "7.0.0", fn: cmdMCIncr},
		{name: "mcmg", arity: -2, flags: wf, firstKey: 1, lastKey: 1, step: 1, acl: "@write @fast", group: "generic", summary: "memcached meta get (mg)", since: "7.0.0", fn: cmdMCMg},
		{name: "mcme", arity: 2, flags: rf, firstKey: 1, lastKey: 1, step: 1, acl: "@read @fast", group: "generic", summary: "memcached meta debug (me)", since: "7.0.0", fn: cmdMCMe},
		{name: "mcflush", arity: -1, flags: flagWrite, acl: "@write @slow @dangerous", group: "generic", summary: "memcached flush_all", since: "7.0.0", fn: cmdMCFlush},
		{name: "mcstats", arity: -1, flags: flagReadonly, acl: "@read @slow", group: "generic", summary: "memcached stats", since: "7.0.0", fn: cmdMCStats},
	}
}

const msgMCSyntax = "ERR syntax error"

// mcUint parses an unsigned decimal argument; it replies with an error when
// it is not one.
func (c *client) mcUint(b []byte) (uint64, bool) {
	n, ok := parseUint64(b)
	if !ok {
		c.w.Error(msgNotInteger)
	}
	return n, ok
}

// writeItem writes the [value, flags, cas] triple of a get hit.
func (c *client) writeItem(it *mcItem) {
	c.w.Array(3)
	c.w.Bulk(it.value)
	c.w.Int(int64(it.flags))
	c.w.Int(int64(it.cas))
}

func cmdMCGet(c *client, args [][]byte) {
	st := &c.srv.mc.st
	c.w.Array(len(args) - 1)
	for _, key := range args[1:] {
		st.getCmds++
		_, it := c.mcLookup(key)
		if it == nil {
			st.getMisses++
			c.srv.stats.keyspaceMisses++
			c.w.NullArray()
			continue
		}
		st.getHits++
		c.srv.stats.keyspaceHits++
		c.mcBump(it)
		c.writeItem(it)
	}
}

func cmdMCGat(c *client, args [][]byte) {
	exptime, ok := c.parseIntArg(args[1])
	if !ok {
		return
	}
	st := &c.srv.mc.st
	c.w.Array(len(args) - 2)
	for _, key := range args[2:] {
		st.touchCmds++
		o, it := c.mcLookup(key)
		if it == nil {
			st.touchMisses++
			c.w.NullArray()
			continue
		}
		st.touchHits++
		c.mcBump(it)
		c.writeItem(it)
		c.mcSetExpire(key, o, exptime)
	}
}

// cmdMCStore: MCSTORE key mode flags exptime cas value [STALE], with
// memcached's do_store_item rules.
func cmdMCStore(c *client, args [][]byte) {
	s := c.srv
	key, mode := args[1], string(args[2])
	flags64, ok1 := parseUint64(args[3])
	exptime, ok2 := parseInt(args[4])
	cas, ok3 := parseUint64(args[5])
	value := args[6]
	var stale, binaryKey bool
	for _, a := range args[7:] {
		switch string(a) {
		case "STALE":
			stale = true
		case "BINARYKEY":
			binaryKey = true
		default:
			ok1 = false
		}
	}
	if !ok1 || !ok2 || !ok3 || flags64 > 1<<32-1 {
		c.w.Error(msgMCSyntax)
		return
	}
	switch mode {
	case "set", "add", "replace", "append", "prepend", "cas":
	default:
		c.w.Error(msgMCSyntax)
		return
	}
	flags := uint32(flags64)
	if !s.mcItemSizeOK(len(key), flags, len(value)) {
		s.mc.st.storeTooLarge++
		if _, it := c.mcLookup(key); it != nil && mode == "set" {
			c.db.remove(key, c.now)
			s.dirty++
		}
		c.w.Error(memcache.ErrTooLarge)
		return
	}
	s.mc.st.setCmds++
	at, expired := mcExpireAt(exptime, c.now)
	o, old := c.mcLookup(key)
	status := "NOT_STORED"
	var newCAS uint64
	store := func(it *mcItem, at int64, expired bool) {
		newCAS = c.mcStore(key, it, at, expired)
		status = "STORED"
	}
	fresh := func() *mcItem {
		it := newMCItem(append([]byte(nil), value...), flags)
		it.binaryKey = binaryKey
		return it
	}
	if old != nil {
		switch mode {
		case "add":
			c.mcUpdate(old)
		case "cas":
			switch {
			case cas != 0 && cas == old.cas:
				s.mc.st.casHits++
				store(fresh(), at, expired)
			case stale && cas != 0 && cas < old.cas:
				s.mc.st.casHits++
				it := fresh()
				it.stale, it.tokenSent = true, old.tokenSent
				oldAt := c.db.expireAt(key, o)
				store(it, max(oldAt, 0), false)
			default:
				s.mc.st.casBadval++
				status = "EXISTS"
			}
		case "append", "prepend":
			if cas != 0 && cas != old.cas {
				status = "EXISTS"
				break
			}
			if !s.mcItemSizeOK(len(key), old.flags, len(old.value)+len(value)) {
				break
			}
			nv := make([]byte, 0, len(old.value)+len(value))
			if mode == "append" {
				nv = append(append(nv, old.value...), value...)
			} else {
				nv = append(append(nv, value...), old.value...)
			}
			oldAt := c.db.expireAt(key, o)
			// memcached builds a new item that keeps the flags and expiry,
			// not the base64-key mark.
			store(newMCItem(nv, old.flags), max(oldAt, 0), false)
		default: // set, replace
			store(fresh(), at, expired)
		}
	} else {
		switch mode {
		case "add", "set":
			store(fresh(), at, expired)
		case "cas":
			s.mc.st.casMisses++
			status = "NOT_FOUND"
		}
	}
	c.w.Array(2)
	c.w.Simple(status)
	c.w.Int(int64(newCAS))
}

func cmdMCTouch(c *client, args [][]byte) {
	exptime, ok := c.parseIntArg(args[2])
	if !ok {
		return
	}
	st := &c.srv.mc.st
	st.touchCmds++
	o, it := c.mcLookup(args[1])
	if it == nil {
		st.touchMisses++
		c.w.Simple("NF")
		return
	}
	st.touchHits++
	c.mcBump(it)
	c.mcSetExpire(args[1], o, exptime)
	c.w.Simple("HD")
}

// mcOptions are the trailing options of MCDELETE, MCINCR and MCMG.
type mcOptions struct {
	hasCas, stale, hasTTL, vivify, recache, noBump, value bool
	newItem                                               bool
	cas, initial                                          uint64
	ttl, vivifyTTL, recacheTTL                            int64
}

// parseMCOptions parses words from args; it replies with an error and
// returns false on a bad one.
func (c *client) parseMCOptions(args [][]byte) (o mcOptions, ok bool) {
	num := func(i int) (int64, bool) {
		if i >= len(args) {
			return 0, false
		}
		return parseInt(args[i])
	}
	for i := 0; i < len(args); i++ {
		var good bool
		switch string(args[i]) {
		case "CAS":
			i++
			if i < len(args) {
				o.cas, good = parseUint64(args[i])
				o.hasCas = true
			}
		case "STALE":
			o.stale, good = true, true
		case "TTL":
			i++
			o.ttl, good = num(i)
			o.hasTTL = true
		case "VIVIFY":
			o.vivify = true
			i++
			o.vivifyTTL, good = num(i)
		case "INITIAL":
			i++
			if i < len(args) {
				o.initial, good = parseUint64(args[i])
			}
		case "RECACHE":
			i++
			o.recacheTTL, good = num(i)
			o.recache = true
		case "NOBUMP":
			o.noBump, good = true, true
		case "NEWITEM":
			o.newItem, good = true, true
		case "VALUE":
			o.value, good = true, true
		}
		if !good {
			c.w.Error(msgMCSyntax)
			return o, false
		}
	}
	return o, true
}

// cmdMCDelete: MCDELETE key [CAS n] [STALE [TTL n]], or MCDELETE key
// TOOLARGE [KEEP] for a store the codec refused as too large.
func cmdMCDelete(c *client, args [][]byte) {
	if len(args) > 2 && string(args[2]) == "TOOLARGE" {
		c.srv.mc.st.storeTooLarge++
		if _, it := c.mcLookup(args[1]); it != nil && len(args) == 3 {
			c.db.remove(args[1], c.now)
			c.srv.dirty++
		}
		c.w.OK()
		return
	}
	opt, ok := c.parseMCOptions(args[2:])
	if !ok {
		return
	}
	s := c.srv
	key := args[1]
	o, it := c.mcLookup(key)
	switch {
	case it == nil:
		s.mc.st.deleteMisses++
		c.w.Simple("NF")
	case opt.hasCas && opt.cas != it.cas:
		s.mc.st.deleteMisses++
		c.w.Simple("EX")
	case opt.stale:
		if opt.hasTTL {
			c.mcSetExpire(key, o, opt.ttl)
		}
		it.stale, it.tokenSent = true, false
		it.cas = s.mc.nextCAS()
		s.dirty++
		c.db.signalModified(key)
		c.w.Simple("HD")
	default:
		s.mc.st.deleteHits++
		c.db.remove(key, c.now)
		s.dirty++
		c.w.Simple("HD")
	}
}

// cmdMCIncr: MCINCR key INCR|DECR delta [CAS n] [VIVIFY exptime] [INITIAL n]
// [TTL n] [NEWITEM], with memcached's do_add_delta rules: 64-bit wrap on
// incr, floor 0 on decr, the value rewritten in place (space padded) when
// it fits and no pending reply holds the item (NEWITEM says one does).
func cmdMCIncr(c *client, args [][]byte) {
	s := c.srv
	key := args[1]
	incr := string(args[2]) == "INCR"
	if !incr && string(args[2]) != "DECR" {
		c.w.Error(msgMCSyntax)
		return
	}
	delta, ok := c.mcUint(args[3])
	if !ok {
		return
	}
	opt, ok := c.parseMCOptions(args[4:])
	if !ok {
		return
	}
	o, it := c.mcLookup(key)
	created := false
	reply := func(status string, value []byte, cas uint64, ttl int64) {
		c.w.Array(5)
		c.w.Simple(status)
		c.w.Bulk(value)
		c.w.Int(int64(cas))
		c.w.Int(ttl)
		c.w.Int(b2i(created))
	}
	if it == nil {
		if !opt.vivify {
			if incr {
				s.mc.st.incrMisses++
			} else {
				s.mc.st.decrMisses++
			}
			reply("NF", nil, 0, 0)
			return
		}
		v := strconv.AppendUint(nil, opt.initial, 10)
		at, expired := mcExpireAt(opt.vivifyTTL, c.now)
		if opt.hasTTL {
			at, expired = mcExpireAt(opt.ttl, c.now)
		}
		cas := c.mcStore(key, newMCItem(v, 0), at, expired)
		created = true
		ttl := int64(-1)
		if at > 0 {
			ttl = max(0, (at-c.now+999)/1000)
		}
		reply("HD", v, cas, ttl)
		return
	}
	if len(it.value) == 0 {
		c.w.Error(memcache.ErrNonNumeric)
		return
	}
	if opt.hasCas && opt.cas != 0 && opt.cas != it.cas {
		reply("EX", nil, 0, 0)
		return
	}
	n, ok := memcache.ParseUint64(it.value)
	if !ok {
		c.w.Error(memcache.ErrNonNumeric)
		return
	}
	if incr {
		n += delta
		s.mc.st.incrHits++
	} else {
		n -= min(delta, n)
		s.mc.st.decrHits++
	}
	res := strconv.AppendUint(nil, n, 10)
	if len(res) <= len(it.value) && !opt.newItem {
		// In place, as memcached does: the length stays, padded with spaces.
		copy(it.value, res)
		for i := len(res); i < len(it.value); i++ {
			it.value[i] = ' '
		}
		c.mcUpdate(it)
	} else {
		// A longer number takes a new item: same flags and expiry, fresh
		// access state.
		*it = mcItem{value: append([]byte(nil), res...), flags: it.flags, atime: c.now / 1000, obj: it.obj}
		s.mc.st.totalItems++
	}
	it.cas = s.mc.nextCAS()
	s.dirty++
	c.db.signalModified(key)
	if opt.hasTTL && !c.mcSetExpire(key, o, opt.ttl) {
		reply("HD", res, it.cas, 0)
		return
	}
	reply("HD", res, it.cas, mcTTL(c.db, key, o, c.now))
}

// cmdMCMg: MCMG key [TTL n | VIVIFY n | RECACHE n]... [NOBUMP] [VALUE],
// memcached's mg: TTL, VIVIFY and RECACHE act in the order given.
func cmdMCMg(c *client, args [][]byte) {
	opt, ok := c.parseMCOptions(args[2:])
	if !ok {
		return
	}
	s := c.srv
	key := args[1]
	o, it := c.mcLookup(key)
	created, won := false, false
	if it == nil && opt.vivify {
		it = newMCItem([]byte{}, 0)
		c.mcStore(key, it, 0, false)
		o = c.db.lookup(key, c.now)
		created = true
	}
	if opt.hasTTL {
		s.mc.st.touchCmds++
	} else {
		s.mc.st.getCmds++
	}
	if it == nil {
		if opt.hasTTL {
			s.mc.st.touchMisses++
		} else {
			s.mc.st.getMisses++
		}
		s.stats.keyspaceMisses++
		c.w.NullArray()
		return
	}
	if opt.hasTTL {
		s.mc.st.touchHits++
	} else {
		s.mc.st.getHits++
	}
	s.stats.keyspaceHits++
	fetched, la := it.fetched, c.now/1000-it.atime
	// at is the item's expiry as memcached holds it while the flags are
	// applied: 0 for none, 1 once set in the past.
	at := max(c.db.expireAt(key, o), 0)
	for i := 2; i < len(args); i++ {
		switch string(args[i]) {
		case "TTL", "VIVIFY":
			n, _ := parseInt(args[i+1])
			i++
			if string(args[i-1]) == "VIVIFY" && !created {
				continue
			}
			if string(args[i-1]) == "VIVIFY" {
				won = true
			}
			t, expired := mcExpireAt(n, c.now)
			at = t
			if expired {
				at = 1
			}
		case "RECACHE":
			n, _ := parseInt(args[i+1])
			i++
			rat, _ := mcExpireAt(n, c.now)
			if !it.tokenSent && !created && at != 0 && at < rat {
				won = true
			}
		}
	}
	ttl := int64(-1)
	if at != 0 {
		ttl = max(0, (at-c.now+999)/1000)
	}
	tokenSent := it.tokenSent
	if it.stale && !tokenSent {
		won = true
	}
	if won {
		it.tokenSent = true
	}
	if !opt.noBump {
		c.mcBump(it)
	}
	c.w.Array(11)
	if opt.value {
		c.w.Bulk(it.value)
	} else {
		c.w.Null()
	}
	c.w.Int(int64(len(it.value)))
	c.w.Int(int64(it.flags))
	c.w.Int(int64(it.cas))
	c.w.Int(ttl)
	c.w.Int(la)
	c.w.Int(b2i(fetched))
	c.w.Int(b2i(won))
	c.w.Int(b2i(it.stale))
	c.w.Int(b2i(tokenSent))
	c.w.Int(b2i(it.binaryKey))
	// The new expiry takes effect after the reply is built.
	if prev := max(c.db.expireAt(key, o), 0); at != prev {
		switch {
		case at == 1 || (at > 0 && at <= c.now):
			c.db.remove(key, c.now)
		case at == 0:
			c.db.persist(key, o)
		default:
			c.db.setExpire(key, o, at)
		}
		s.dirty++
	}
}
