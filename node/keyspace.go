package node

import (
	"math/rand/v2"

	"github.com/slotcache/slotcache/slots"
)

// Object types, as TYPE reports them.
const (
	typeString uint8 = iota + 1
	typeList
	typeHash
	typeSet
	typeZSet
	typeStream
	typeMemcached // a memcached item (memcache_item.go)
)

// String encodings (OBJECT ENCODING).
const (
	encAuto uint8 = iota // int / embstr chosen from the value
	encRaw               // modified in place (APPEND, SETRANGE): "raw"
	// encEmbstr marks a string Redis created without trying the integer
	// encoding (INCRBYFLOAT results): "embstr" while short enough.
	encEmbstr
	// encUnshared marks a string copied by COPY: it encodes like encAuto,
	// but is never a shared integer (OBJECT REFCOUNT 1).
	encUnshared
)

// object is one value in the keyspace. Strings keep their bytes in str;
// collections keep their data structure in val. The expiry lives in the
// slot's expires map, flagged by hasTTL, as Redis keeps a separate dict.
type object struct {
	str    []byte
	val    any
	lru    uint32 // access clock in seconds (OBJECT IDLETIME)
	typ    uint8
	enc    uint8
	freq   uint8 // LFU counter (OBJECT FREQ)
	hasTTL bool
}

// slotDict holds the keys of one hash slot of one database.
type slotDict struct {
	keys    map[string]*object
	expires map[string]int64 // unix ms
}

// db is one logical database, its keys organised by slot so that slot
// migration and per-slot counts never scan the whole keyspace.
type db struct {
	id      int
	slots   [slots.NumSlots]*slotDict
	nkeys   int
	nexpire int
	// avgTTL is a running estimate of the average TTL of volatile keys (ms).
	avgTTL int64
	// expireCursor is where the active expiry cycle resumes.
	expireCursor int
	// watched maps a key to the clients that WATCH it (may be nil).
	watched map[string][]*client
	// blocking maps a key to the clients blocked on it, first come first.
	blocking map[string][]*client
	// ready is the server's list of keys written while clients were
	// blocked on them (served after the current command).
	ready *[]readyKey
	// clock is the server's command clock (unix ms, fixed for a command;
	// 0 before the first command), which stamps access times without a
	// clock read per key.
	clock *int64
}

func newDB(id int, ready *[]readyKey) *db { return &db{id: id, ready: ready} }

// lruNow is the access clock of the running command.
func (d *db) lruNow() uint32 {
	if d.clock != nil && *d.clock != 0 {
		return lruClock(*d.clock)
	}
	return lruNow()
}

func (d *db) dict(key []byte) *slotDict { return d.slots[slots.KeySlot(key)] }

// lookup returns the live object for key, deleting it first if it has
// expired (lazy expiry). now is unix ms.
func (d *db) lookup(key []byte, now int64) *object {
	sd := d.dict(key)
	if sd == nil {
		return nil
	}
	o := sd.keys[string(key)]
	if o == nil {
		return nil
	}
	if o.hasTTL {
		if at, ok := sd.expires[string(key)]; ok && at <= now {
			d.removeFrom(sd, string(key), o)
			d.signalModified(key)
			return nil
		}
	}
	o.lru = lruClock(now)
	return o
}

// set stores o at key. The key's TTL is cleared unless keepTTL is true.
func (d *db) set(key []byte, o *object, keepTTL bool) {
	s := slots.KeySlot(key)
	sd := d.slots[s]
	if sd == nil {
		sd = &slotDict{keys: make(map[string]*object, 4)}
		d.slots[s] = sd
	}
	o.lru = d.lruNow()
	old, found := sd.keys[string(key)]
	if found {
		if old.hasTTL {
			if keepTTL {
				o.hasTTL = true
			} else {
				delete(sd.expires, string(key))
				d.nexpire--
			}
		}
		sd.keys[string(key)] = o
	} else {
		o.hasTTL = false
		sd.keys[string(key)] = o
		d.nkeys++
	}
	d.signalModified(key)
}

// setString sets key to a string holding a copy of v, like set with
// newStringValue, and returns the key's object. An existing string whose
// buffer fits v takes the bytes in place (a string's buffer is its own, as
// APPEND, SETRANGE and INCR, which write in place too, assume): overwriting
// a key then leaves no garbage behind, which on a write-heavy load with a
// fixed keyspace (MSET over existing keys) was most of the collector's
// work. A buffer more than twice the size v needs is not kept.
func (d *db) setString(key, v []byte, keepTTL bool) *object {
	if sd := d.slots[slots.KeySlot(key)]; sd != nil {
		old := sd.keys[string(key)]
		if old != nil && old.typ == typeString && old.val == nil &&
			len(v) <= cap(old.str) && cap(old.str) <= max(48, 2*len(v)) {
			old.str = old.str[:copy(old.str[:cap(old.str)], v)]
			old.enc, old.freq = encAuto, 0 // as a new string's
			old.lru = d.lruNow()
			if old.hasTTL && !keepTTL {
				delete(sd.expires, string(key))
				d.nexpire--
				old.hasTTL = false
			}
			d.signalModified(key)
			return old
		}
	}
	o := newStringValue(v)
	d.set(key, o, keepTTL)
	return o
}

// remove deletes key and reports whether it was present (expired keys count
// as absent).
func (d *db) remove(key []byte, now int64) bool {
	o := d.lookup(key, now)
	if o == nil {
		return false
	}
	d.removeFrom(d.dict(key), string(key), o)
	d.signalModified(key)
	return true
}

func (d *db) removeFrom(sd *slotDict, key string, o *object) {
	delete(sd.keys, key)
	d.nkeys--
	if o.hasTTL {
		delete(sd.expires, key)
		d.nexpire--
	}
	if len(sd.keys) == 0 {
		// Go maps never shrink: an emptied slot gives its maps back.
		d.slots[slots.KeySlot([]byte(key))] = nil
	}
}

// expireAt returns the key's expiry (unix ms) or -1 when it has none.
// The key must exist.
func (d *db) expireAt(key []byte, o *object) int64 {
	if !o.hasTTL {
		return -1
	}
	return d.dict(key).expires[string(key)]
}

// setExpire sets the expiry of an existing key (unix ms).
func (d *db) setExpire(key []byte, o *object, at int64) {
	sd := d.dict(key)
	if sd.expires == nil {
		sd.expires = make(map[string]int64, 2)
	}
	if !o.hasTTL {
		o.hasTTL = true
		d.nexpire++
	}
	sd.expires[string(key)] = at
	d.signalModified(key)
}

// persist removes the expiry of an existing key; it reports whether it had one.
func (d *db) persist(key []byte, o *object) bool {
	if !o.hasTTL {
		return false
	}
	delete(d.dict(key).expires, string(key))
	o.hasTTL = false
	d.nexpire--
	d.signalModified(key)
	return true
}

// flush empties the database. Like Redis, it invalidates the WATCHes of
// the keys that existed, not of every watched name.
func (d *db) flush() {
	for k := range d.watched {
		if sd := d.dict([]byte(k)); sd != nil && sd.keys[k] != nil {
			d.signalModified([]byte(k))
		}
	}
	d.slots = [slots.NumSlots]*slotDict{}
	d.nkeys, d.nexpire, d.avgTTL = 0, 0, 0
}

// forEach calls fn for every live key of the database in slot order, until
// fn returns false. fn must not add or remove keys.
func (d *db) forEach(now int64, fn func(key string, o *object) bool) {
	for s := range d.slots {
		if !d.forEachInSlot(s, now, fn) {
			return
		}
	}
}

// forEachInSlot calls fn for every live key of slot s until fn returns false.
func (d *db) forEachInSlot(s int, now int64, fn func(key string, o *object) bool) bool {
	sd := d.slots[s]
	if sd == nil {
		return true
	}
	for k, o := range sd.keys {
		if o.hasTTL && sd.expires[k] <= now {
			continue
		}
		if !fn(k, o) {
			return false
		}
	}
	return true
}

// randomKey returns a random live key, or "" and false when there is none.
func (d *db) randomKey(now int64) (string, bool) {
	for tries := 0; tries < 100 && d.nkeys > 0; tries++ {
		start := rand.IntN(slots.NumSlots)
		for i := 0; i < slots.NumSlots; i++ {
			sd := d.slots[(start+i)%slots.NumSlots]
			if sd == nil || len(sd.keys) == 0 {
				continue
			}
			n := rand.IntN(len(sd.keys))
			for k := range sd.keys {
				if n > 0 {
					n--
					continue
				}
				if d.lookup([]byte(k), now) != nil {
					return k, true
				}
				break
			}
			break
		}
	}
	return "", false
}

// expireCycle deletes up to budget expired keys, walking the slots from
// where the previous cycle stopped. It returns the number of keys checked
// and deleted.
func (d *db) expireCycle(now int64, budget int) (checked, deleted int) {
	if d.nexpire == 0 {
		return 0, 0
	}
	for i := 0; i < slots.NumSlots && checked < budget; i++ {
		s := d.expireCursor
		d.expireCursor = (d.expireCursor + 1) % slots.NumSlots
		sd := d.slots[s]
		if sd == nil || len(sd.expires) == 0 {
			continue
		}
		var ttlSum, ttlN int64
		for k, at := range sd.expires {
			checked++
			if at <= now {
				d.removeFrom(sd, k, sd.keys[k])
				d.signalModified([]byte(k))
				deleted++
			} else {
				ttlSum += at - now
				ttlN++
			}
		}
		if ttlN > 0 {
			avg := ttlSum / ttlN
			if d.avgTTL == 0 {
				d.avgTTL = avg
			} else {
				d.avgTTL = (d.avgTTL/50)*49 + avg/50
			}
		}
	}
	return checked, deleted
}

// signalModified invalidates the WATCHes on key and, when clients are
// blocked on it, marks it ready to serve them (Redis's signalModifiedKey
// and signalKeyAsReady). Every write reaches it, including the pushes a
// served blocking command makes, so blocked clients are woken in chains.
func (d *db) signalModified(key []byte) {
	for _, c := range d.watched[string(key)] {
		c.dirtyCAS = true
	}
	if _, ok := d.blocking[string(key)]; ok {
		*d.ready = append(*d.ready, readyKey{d, string(key)})
	}
}
