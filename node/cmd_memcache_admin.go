package node

import (
	"os"
	"strconv"

	"github.com/slotcache/slotcache/protocol/memcache"
)

// cmdMCMe: MCME key, memcached's me (item debug line).
func cmdMCMe(c *client, args [][]byte) {
	key := args[1]
	o, it := c.mcLookup(key)
	if it == nil {
		c.w.NullArray()
		return
	}
	exp := int64(-1)
	if at := c.db.expireAt(key, o); at >= 0 {
		exp = -max(0, (at-c.now+999)/1000)
	}
	fetch := "no"
	if it.fetched {
		fetch = "yes"
	}
	total := mcTotal(len(key), it)
	b := []byte("exp=")
	b = strconv.AppendInt(b, exp, 10)
	b = append(b, " la="...)
	b = strconv.AppendInt(b, c.now/1000-it.atime, 10)
	b = append(b, " cas="...)
	b = strconv.AppendUint(b, it.cas, 10)
	b = append(b, " fetch="+fetch+" cls="...)
	b = strconv.AppendInt(b, int64(mcSlabClass(total)), 10)
	b = append(b, " size="...)
	b = strconv.AppendInt(b, int64(total), 10)
	c.w.Array(2)
	c.w.Int(b2i(it.binaryKey))
	c.w.Bulk(b)
}

// cmdMCFlush: MCFLUSH [delay], memcached's flush_all. Items flushed at
// once are deleted now; a delayed flush invalidates lazily.
func cmdMCFlush(c *client, args [][]byte) {
	if len(args) > 2 {
		c.w.Error(msgMCSyntax)
		return
	}
	var delay int64
	if len(args) == 2 {
		var ok bool
		if delay, ok = c.parseIntArg(args[1]); !ok {
			return
		}
	}
	s := c.srv
	s.mc.st.flushCmds++
	nowSec := c.now / 1000
	oldest := nowSec
	if delay > 0 {
		at, _ := mcExpireAt(delay, c.now)
		oldest = at / 1000
	}
	s.mc.flushAt = oldest - 1
	if s.mc.flushAt <= nowSec {
		s.mc.flushCAS = s.mc.nextCAS()
		var dead []string
		c.db.forEach(c.now, func(k string, o *object) bool {
			if o.typ == typeMemcached && s.mc.flushed(o.val.(*mcItem), nowSec) {
				dead = append(dead, k)
			}
			return true
		})
		for _, k := range dead {
			c.db.remove([]byte(k), c.now)
		}
		s.dirty += int64(len(dead))
	}
	c.w.OK()
}

// cmdMCStats: MCSTATS [group] as flat name/value pairs.
func cmdMCStats(c *client, args [][]byte) {
	s := c.srv
	group := ""
	if len(args) > 1 {
		group = string(args[1])
	}
	var kv []string
	add := func(name string, v int64) { kv = append(kv, name, strconv.FormatInt(v, 10)) }
	switch group {
	case "":
		st := &s.mc.st
		var items, bytes int64
		nowSec := c.now / 1000
		c.db.forEach(c.now, func(k string, o *object) bool {
			if o.typ == typeMemcached && !s.mc.flushed(o.val.(*mcItem), nowSec) {
				items++
				bytes += int64(mcTotal(len(k), o.val.(*mcItem)))
			}
			return true
		})
		add("pid", int64(os.Getpid()))
		add("uptime", nowSec-s.start.Unix())
		add("time", nowSec)
		kv = append(kv, "version", memcache.Version)
		add("pointer_size", 64)
		add("max_connections", int64(s.cfg.MaxClients))
		add("curr_connections", s.mc.conns)
		add("total_connections", s.mc.connsTot)
		add("rejected_connections", s.stats.rejectedConns)
		add("cmd_get", st.getCmds)
		add("cmd_set", st.setCmds)
		add("cmd_flush", st.flushCmds)
		add("cmd_touch", st.touchCmds)
		add("cmd_meta", st.metaCmds)
		add("get_hits", st.getHits)
		add("get_misses", st.getMisses)
		add("get_flushed", st.flushed)
		add("delete_misses", st.deleteMisses)
		add("delete_hits", st.deleteHits)
		add("incr_misses", st.incrMisses)
		add("incr_hits", st.incrHits)
		add("decr_misses", st.decrMisses)
		add("decr_hits", st.decrHits)
		add("cas_misses", st.casMisses)
		add("cas_hits", st.casHits)
		add("cas_badval", st.casBadval)
		add("touch_hits", st.touchHits)
		add("touch_misses", st.touchMisses)
		add("store_too_large", st.storeTooLarge)
		add("store_no_memory", 0)
		add("bytes_read", s.netInput.Load())
		add("bytes_written", s.netOutput.Load())
		add("limit_maxbytes", s.cfg.MaxMemory)
		add("threads", 1)
		add("bytes", bytes)
		add("curr_items", items)
		add("total_items", st.totalItems)
		add("evictions", s.stats.evictedKeys)
		add("expired_keys", s.stats.expiredKeys)
	case "settings":
		add("maxbytes", s.cfg.MaxMemory)
		add("maxconns", int64(s.cfg.MaxClients))
		add("tcpport", int64(s.cfg.MemcachePort))
		add("udpport", 0)
		add("evictions", b2i(s.cfg.MaxMemoryPolicy != "noeviction"))
		add("cas_enabled", 1)
		add("item_size_max", s.cfg.MemcacheItemSizeMax)
		add("idle_timeout", int64(s.cfg.Timeout.Seconds()))
	case "reset":
		s.mc.st = mcStats{}
		c.w.Simple("RESET")
		return
	case "items", "slabs", "sizes", "conns":
	default:
		c.w.Error("ERROR")
		return
	}
	c.w.Array(len(kv))
	for _, v := range kv {
		c.w.BulkString(v)
	}
}
