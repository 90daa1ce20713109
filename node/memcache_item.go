package node

import (
	"github.com/slotcache/slotcache/protocol/memcache"
)

// mcItem is a memcached item: the object of type typeMemcached. Its expiry
// is the key's ordinary expiry, so expiry, eviction, COPY, RENAME and slot
// migration treat it like any key.
type mcItem struct {
	value []byte
	cas   uint64
	flags uint32
	// atime is memcached's item time (unix seconds): set when stored and
	// refreshed on access at most once a minute (ITEM_UPDATE_INTERVAL).
	atime int64
	// fetched: read since stored (mg h). stale: invalidated by md I or a
	// stale ms. tokenSent: a recache token (W) was handed out.
	fetched, stale, tokenSent bool
	// binaryKey: stored by a meta set with a base64 key; meta replies
	// echo the key in base64.
	binaryKey bool
	obj       *object // the keyspace object holding the item
}

// mcObject allocates an item and its keyspace object together.
type mcObject struct {
	o  object
	it mcItem
}

// newMCItem returns an item (value not copied) with its object.
func newMCItem(value []byte, flags uint32) *mcItem {
	m := &mcObject{}
	m.it = mcItem{value: value, flags: flags, obj: &m.o}
	return &m.it
}

// mcItemOverhead approximates an item's header for MEMORY USAGE.
const mcItemOverhead = 64

func (it *mcItem) encoding() string { return "memcached" }
func (it *mcItem) clone() collection {
	cp := *it
	cp.value = append([]byte(nil), it.value...)
	cp.obj = nil // COPY makes its own object
	return &cp
}
func (it *mcItem) memUsage() int64 { return int64(len(it.value)) + mcItemOverhead }
func (it *mcItem) length() int     { return 1 }

// mcUpdateInterval is memcached's ITEM_UPDATE_INTERVAL in seconds.
const mcUpdateInterval = 60

// mcMaxDelta is memcached's REALTIME_MAXDELTA: exptimes up to 30 days are
// relative, larger ones are unix times.
const mcMaxDelta = 60 * 60 * 24 * 30

// mcState is the node's memcached state, guarded by the server lock.
type mcState struct {
	cas uint64 // last CAS unique handed out
	// flushCAS and flushAt record the last flush_all as memcached does:
	// items with a CAS below flushCAS, or not accessed since flushAt (unix
	// seconds) once that time has come, are gone.
	flushCAS uint64
	flushAt  int64
	conns    int64 // open memcached connections
	connsTot int64
	st       mcStats
}

// mcStats are the counters memcached's stats command reports.
type mcStats struct {
	getCmds, setCmds, flushCmds, touchCmds, metaCmds           int64
	getHits, getMisses                                         int64
	deleteHits, deleteMisses, incrHits, incrMisses             int64
	decrHits, decrMisses, casHits, casMisses, casBadval        int64
	touchHits, touchMisses, storeTooLarge, totalItems, flushed int64
}

func (m *mcState) nextCAS() uint64 {
	m.cas++
	return m.cas
}

// mcExpireAt converts a memcached exptime into a unix ms expiry: 0 for
// none, expired=true when the item is dead on arrival (negative or past).
func mcExpireAt(exptime int64, now int64) (at int64, expired bool) {
	switch {
	case exptime == 0:
		return 0, false
	case exptime < 0:
		return 0, true
	case exptime > mcMaxDelta:
		at = exptime * 1000
	default:
		at = now/1000*1000 + exptime*1000
	}
	return at, at <= now
}

// mcTTL is the remaining TTL in seconds as mg t reports it, -1 for none.
func mcTTL(d *db, key []byte, o *object, now int64) int64 {
	at := d.expireAt(key, o)
	if at < 0 {
		return -1
	}
	return max(0, (at-now+999)/1000)
}

// mcFlushed reports whether flush_all has invalidated the item.
func (m *mcState) flushed(it *mcItem, nowSec int64) bool {
	if it.cas < m.flushCAS {
		return true
	}
	return m.flushAt != 0 && m.flushAt <= nowSec && it.atime <= m.flushAt
}

// mcLookup returns the live item at key, or nil. Keys of other types are
// absent for memcached; items invalidated by flush_all are deleted here.
func (c *client) mcLookup(key []byte) (*object, *mcItem) {
	o := c.db.lookup(key, c.now)
	if o == nil || o.typ != typeMemcached {
		return nil, nil
	}
	it := o.val.(*mcItem)
	if c.srv.mc.flushed(it, c.now/1000) {
		c.db.remove(key, c.now)
		c.srv.mc.st.flushed++
		return nil, nil
	}
	return o, it
}

// mcBump records a fetch, as memcached's do_item_bump does.
func (c *client) mcBump(it *mcItem) {
	it.fetched = true
	c.mcUpdate(it)
}

// mcUpdate refreshes the access time at most once a minute, as memcached's
// do_item_update does.
func (c *client) mcUpdate(it *mcItem) {
	if now := c.now / 1000; it.atime < now-mcUpdateInterval {
		it.atime = now
	}
}

// mcStore links a new item at key with a fresh CAS and the given expiry
// (unix ms, 0 for none) and returns the CAS. An item dead on arrival still
// takes a CAS, as in memcached, but only removes the key.
func (c *client) mcStore(key []byte, it *mcItem, at int64, expired bool) uint64 {
	// it was allocated by newMCItem together with its object.
	s := c.srv
	it.cas = s.mc.nextCAS()
	it.atime = c.now / 1000
	s.mc.st.totalItems++
	s.dirty++
	if expired {
		c.db.remove(key, c.now)
		return it.cas
	}
	o := it.obj
	*o = object{typ: typeMemcached, val: it}
	c.db.set(key, o, false)
	if at > 0 {
		c.db.setExpire(key, o, at)
	}
	return it.cas
}

// mcSetExpire applies a memcached exptime to an existing item; it deletes
// the item when the time is already past and reports whether it lives.
func (c *client) mcSetExpire(key []byte, o *object, exptime int64) bool {
	at, expired := mcExpireAt(exptime, c.now)
	c.srv.dirty++
	switch {
	case expired:
		c.db.remove(key, c.now)
		return false
	case at == 0:
		c.db.persist(key, o)
	default:
		c.db.setExpire(key, o, at)
	}
	return true
}

// mcItemSizeOK applies the node's memcache-item-size-max.
func (s *Server) mcItemSizeOK(nkey int, flags uint32, vlen int) bool {
	return memcache.ItemSizeOK(nkey, flags, vlen, int(s.cfg.MemcacheItemSizeMax))
}

// mcSlabClass is the memcached slab class an item of ntotal bytes lands in
// with the default growth factor (1.25) and minimum chunk (96 bytes), for
// the me command.
func mcSlabClass(ntotal int) int {
	size, cls := 96, 1
	for ntotal > size && cls < 63 {
		size = size * 5 / 4
		if size%8 != 0 {
			size += 8 - size%8
		}
		cls++
	}
	return cls
}

// mcTotal is memcached's ITEM_ntotal for an item.
func mcTotal(nkey int, it *mcItem) int {
	n := 48 + nkey + 1 + len(it.value) + 2 + 8
	if it.flags != 0 {
		n += 4
	}
	return n
}

// parseUint64 parses an unsigned decimal argument of the internal commands
// (digits only, no overflow) without allocating.
func parseUint64(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
