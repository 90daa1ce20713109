package node

import (
	"math/rand/v2"
	"sort"
)

// Defaults of the hash-max-listpack-entries and hash-max-listpack-value
// parameters: a hash stays compact ("listpack") while it has at most this
// many fields and no field or value longer than this many bytes.
const (
	hashMaxListpackEntries = 512
	hashMaxListpackValue   = 64
)

// hashPair is one field of a hash.
type hashPair struct {
	field, value string
}

// hashEntry is one field of a hashtable-encoded hash; seq orders the
// entries for HSCAN and never changes while the field lives.
type hashEntry struct {
	hashPair
	seq  uint64
	dead bool
}

// hash is the hash type. Small hashes are a flat slice of pairs in
// insertion order ("listpack"); beyond the thresholds they become a map
// from field to position in an append-only entry log ("hashtable"), and
// never go back, as in Redis.
//
// HSCAN cursor scheme for the hashtable form: every field gets a sequence
// number when it is inserted, entries stay ordered by it (deletions leave
// tombstones that compaction removes without reordering), and a cursor is
// the sequence number to resume from. A field present for the whole scan
// is therefore returned exactly once.
type hash struct {
	pairs []hashPair // listpack form

	table   map[string]int // hashtable form: field -> index in ents
	ents    []hashEntry
	nextSeq uint64
	dead    int
	lim     *Config // encoding thresholds: the server's live configuration
}

func newHash(lim *Config) *hash { return &hash{lim: lim} }

func (h *hash) isTable() bool { return h.table != nil }

func (h *hash) encoding() string {
	if h.isTable() {
		return "hashtable"
	}
	return "listpack"
}

func (h *hash) length() int {
	if h.isTable() {
		return len(h.table)
	}
	return len(h.pairs)
}

func (h *hash) clone() collection {
	c := &hash{nextSeq: h.nextSeq, lim: h.lim}
	if !h.isTable() {
		c.pairs = append([]hashPair(nil), h.pairs...)
		return c
	}
	c.table = make(map[string]int, len(h.table))
	for _, e := range h.ents {
		if !e.dead {
			c.table[e.field] = len(c.ents)
			c.ents = append(c.ents, e)
		}
	}
	return c
}

func (h *hash) memUsage() int64 {
	size := int64(64)
	h.each(func(f, v string) bool {
		size += int64(len(f) + len(v) + 32)
		return true
	})
	if h.isTable() {
		size += int64(len(h.table)) * 48
	}
	return size
}

// get returns the value of field.
func (h *hash) get(field string) (string, bool) {
	if h.isTable() {
		i, ok := h.table[field]
		if !ok {
			return "", false
		}
		return h.ents[i].value, true
	}
	for _, p := range h.pairs {
		if p.field == field {
			return p.value, true
		}
	}
	return "", false
}

// convertFor switches to the hashtable form when one of the given fields
// or values is too long for the listpack form (Redis's
// hashTypeTryConversion, run on the arguments before any write).
func (h *hash) convertFor(args [][]byte) {
	if h.isTable() {
		return
	}
	for _, a := range args {
		if len(a) > h.lim.HashMaxListpackValue {
			h.convert()
			return
		}
	}
}

// set stores field=value and reports whether the field is new. It converts
// to the hashtable form when the listpack form would get too many fields
// or a field or value too long.
func (h *hash) set(field, value string) bool {
	if !h.isTable() && (len(field) > h.lim.HashMaxListpackValue || len(value) > h.lim.HashMaxListpackValue) {
		h.convert()
	}
	if h.isTable() {
		if i, ok := h.table[field]; ok {
			h.ents[i].value = value
			return false
		}
		h.nextSeq++
		h.table[field] = len(h.ents)
		h.ents = append(h.ents, hashEntry{hashPair: hashPair{field, value}, seq: h.nextSeq})
		return true
	}
	for i := range h.pairs {
		if h.pairs[i].field == field {
			h.pairs[i].value = value
			return false
		}
	}
	h.pairs = append(h.pairs, hashPair{field, value})
	if len(h.pairs) > h.lim.HashMaxListpackEntries {
		h.convert()
	}
	return true
}

// setBytes is set taking the field as bytes: updating an existing field
// does not copy the field name.
func (h *hash) setBytes(field []byte, value string) bool {
	if !h.isTable() && len(field) <= h.lim.HashMaxListpackValue && len(value) <= h.lim.HashMaxListpackValue {
		for i := range h.pairs {
			if h.pairs[i].field == string(field) {
				h.pairs[i].value = value
				return false
			}
		}
	} else if i, ok := h.table[string(field)]; ok && h.isTable() {
		h.ents[i].value = value
		return false
	}
	return h.set(string(field), value)
}

// convert switches to the hashtable form.
func (h *hash) convert() {
	h.table = make(map[string]int, len(h.pairs)+1)
	h.ents = make([]hashEntry, 0, len(h.pairs)+1)
	for _, p := range h.pairs {
		h.nextSeq++
		h.table[p.field] = len(h.ents)
		h.ents = append(h.ents, hashEntry{hashPair: p, seq: h.nextSeq})
	}
	h.pairs = nil
}

// del removes field and reports whether it was present.
func (h *hash) del(field string) bool {
	if !h.isTable() {
		for i, p := range h.pairs {
			if p.field == field {
				h.pairs = append(h.pairs[:i], h.pairs[i+1:]...)
				return true
			}
		}
		return false
	}
	i, ok := h.table[field]
	if !ok {
		return false
	}
	delete(h.table, field)
	h.ents[i] = hashEntry{seq: h.ents[i].seq, dead: true}
	h.dead++
	if h.dead > 16 && h.dead > len(h.ents)/2 {
		h.compact()
	}
	return true
}

// compact drops tombstones, keeping the sequence order.
func (h *hash) compact() {
	w := 0
	for _, e := range h.ents {
		if e.dead {
			continue
		}
		h.table[e.field] = w
		h.ents[w] = e
		w++
	}
	clear(h.ents[w:])
	h.ents = h.ents[:w]
	h.dead = 0
}

// each calls fn for every field in order until fn returns false.
func (h *hash) each(fn func(field, value string) bool) {
	if !h.isTable() {
		for _, p := range h.pairs {
			if !fn(p.field, p.value) {
				return
			}
		}
		return
	}
	for _, e := range h.ents {
		if !e.dead && !fn(e.field, e.value) {
			return
		}
	}
}

// random returns a uniformly chosen field of a non-empty hash.
func (h *hash) random() hashPair {
	if !h.isTable() {
		return h.pairs[rand.IntN(len(h.pairs))]
	}
	for {
		e := h.ents[rand.IntN(len(h.ents))]
		if !e.dead {
			return e.hashPair
		}
	}
}

// all returns every pair in order.
func (h *hash) all() []hashPair {
	out := make([]hashPair, 0, h.length())
	h.each(func(f, v string) bool {
		out = append(out, hashPair{f, v})
		return true
	})
	return out
}

// scan returns up to about count pairs starting at cursor and the cursor to
// continue from (0 when done). A listpack hash is returned whole.
func (h *hash) scan(cursor uint64, count int, fn func(field, value string)) uint64 {
	if !h.isTable() {
		for _, p := range h.pairs {
			fn(p.field, p.value)
		}
		return 0
	}
	i := sort.Search(len(h.ents), func(i int) bool { return h.ents[i].seq >= cursor })
	for visited := 0; i < len(h.ents); i++ {
		e := h.ents[i]
		if visited >= count {
			return e.seq
		}
		visited++
		if !e.dead {
			fn(e.field, e.value)
		}
	}
	return 0
}
