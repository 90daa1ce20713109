package node

import (
	"encoding/binary"
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

// hash is the hash type. Small hashes are a listpack: one byte slice that
// holds the fields and values back to back in insertion order, each as a
// uvarint length and its bytes, so a small hash costs one allocation and
// about two bytes of overhead per string, like Redis's listpack. Beyond the
// thresholds a hash becomes a map from field to position in an append-only
// entry log ("hashtable") and never goes back, as in Redis.
//
// HSCAN cursor scheme for the hashtable form: every field gets a sequence
// number when it is inserted, entries stay ordered by it (deletions leave
// tombstones that compaction removes without reordering), and a cursor is
// the sequence number to resume from. A field present for the whole scan
// is therefore returned exactly once.
type hash struct {
	lp  []byte     // listpack form
	n   int        // pairs in lp
	tab *hashTable // hashtable form; nil while listpack
	lim *Config    // encoding thresholds: the server's live configuration
}

// hashTable is the hashtable form of a hash.
type hashTable struct {
	table   map[string]int // field -> index in ents
	ents    []hashEntry
	nextSeq uint64
	dead    int
}

func newHash(lim *Config) *hash { return &hash{lim: lim} }

func (h *hash) isTable() bool { return h.tab != nil }

func (h *hash) encoding() string {
	if h.isTable() {
		return "hashtable"
	}
	return "listpack"
}

func (h *hash) length() int {
	if h.isTable() {
		return len(h.tab.table)
	}
	return h.n
}

func (h *hash) clone() collection {
	c := &hash{lim: h.lim}
	if !h.isTable() {
		c.lp = append([]byte(nil), h.lp...)
		c.n = h.n
		return c
	}
	c.tab = &hashTable{table: make(map[string]int, len(h.tab.table)), nextSeq: h.tab.nextSeq}
	for _, e := range h.tab.ents {
		if !e.dead {
			c.tab.table[e.field] = len(c.tab.ents)
			c.tab.ents = append(c.tab.ents, e)
		}
	}
	return c
}

func (h *hash) memUsage() int64 {
	if !h.isTable() {
		return int64(48 + cap(h.lp))
	}
	size := int64(96)
	h.each(func(f, v string) bool {
		size += int64(len(f) + len(v) + 32)
		return true
	})
	return size + int64(len(h.tab.table))*48
}

// lpString reads the string at off in lp and returns it and the offset of
// what follows.
func lpString(lp []byte, off int) ([]byte, int) {
	l, n := binary.Uvarint(lp[off:])
	start := off + n
	end := start + int(l)
	return lp[start:end], end
}

// lpAppendPair appends one field/value pair in listpack form. Like Redis's
// listpack, the slice is reallocated to the size it needs rather than
// doubled, so a small hash carries no spare capacity (beyond the
// allocator's size class).
func lpAppendPair(lp []byte, field, value []byte) []byte {
	need := 2*binary.MaxVarintLen64 + len(field) + len(value)
	if cap(lp)-len(lp) < need {
		need = uvarintLen(len(field)) + len(field) + uvarintLen(len(value)) + len(value)
		nb := make([]byte, len(lp), len(lp)+need)
		copy(nb, lp)
		lp = nb
	}
	lp = binary.AppendUvarint(lp, uint64(len(field)))
	lp = append(lp, field...)
	lp = binary.AppendUvarint(lp, uint64(len(value)))
	return append(lp, value...)
}

// uvarintLen is the encoded size of n as a uvarint.
func uvarintLen(n int) int {
	l := 1
	for ; n >= 0x80; n >>= 7 {
		l++
	}
	return l
}

// lpFind returns the bounds of field's pair in the listpack and its value.
func (h *hash) lpFind(field []byte) (start, end int, value []byte, ok bool) {
	for off := 0; off < len(h.lp); {
		f, next := lpString(h.lp, off)
		v, after := lpString(h.lp, next)
		if string(f) == string(field) {
			return off, after, v, true
		}
		off = after
	}
	return 0, 0, nil, false
}

// lpEach calls fn with every pair of the listpack, as views into it, until
// fn returns false.
func (h *hash) lpEach(fn func(field, value []byte) bool) {
	for off := 0; off < len(h.lp); {
		f, next := lpString(h.lp, off)
		v, after := lpString(h.lp, next)
		if !fn(f, v) {
			return
		}
		off = after
	}
}

// get returns the value of field.
func (h *hash) get(field string) (string, bool) {
	if h.isTable() {
		i, ok := h.tab.table[field]
		if !ok {
			return "", false
		}
		return h.tab.ents[i].value, true
	}
	if _, _, v, ok := h.lpFind([]byte(field)); ok {
		return string(v), true
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
	return h.setBytes([]byte(field), value)
}

// setBytes is set taking the field as bytes: updating an existing field
// does not copy the field name.
func (h *hash) setBytes(field []byte, value string) bool {
	if !h.isTable() && (len(field) > h.lim.HashMaxListpackValue || len(value) > h.lim.HashMaxListpackValue) {
		h.convert()
	}
	if t := h.tab; t != nil {
		if i, ok := t.table[string(field)]; ok {
			t.ents[i].value = value
			return false
		}
		t.nextSeq++
		f := string(field)
		t.table[f] = len(t.ents)
		t.ents = append(t.ents, hashEntry{hashPair: hashPair{f, value}, seq: t.nextSeq})
		return true
	}
	if start, end, v, ok := h.lpFind(field); ok {
		if len(v) == len(value) {
			copy(v, value) // same size: overwrite in place
			return false
		}
		rest := append([]byte(nil), h.lp[end:]...)
		h.lp = lpAppendPair(h.lp[:start], field, []byte(value))
		h.lp = append(h.lp, rest...)
		return false
	}
	h.lp = lpAppendPair(h.lp, field, []byte(value))
	h.n++
	if h.n > h.lim.HashMaxListpackEntries {
		h.convert()
	}
	return true
}

// convert switches to the hashtable form.
func (h *hash) convert() {
	t := &hashTable{table: make(map[string]int, h.n+1), ents: make([]hashEntry, 0, h.n+1)}
	h.lpEach(func(f, v []byte) bool {
		t.nextSeq++
		t.table[string(f)] = len(t.ents)
		t.ents = append(t.ents, hashEntry{hashPair: hashPair{string(f), string(v)}, seq: t.nextSeq})
		return true
	})
	h.tab, h.lp, h.n = t, nil, 0
}

// del removes field and reports whether it was present.
func (h *hash) del(field string) bool {
	t := h.tab
	if t == nil {
		start, end, _, ok := h.lpFind([]byte(field))
		if !ok {
			return false
		}
		h.lp = append(h.lp[:start], h.lp[end:]...)
		h.n--
		return true
	}
	i, ok := t.table[field]
	if !ok {
		return false
	}
	delete(t.table, field)
	t.ents[i] = hashEntry{seq: t.ents[i].seq, dead: true}
	t.dead++
	if t.dead > 16 && t.dead > len(t.ents)/2 {
		t.compact()
	}
	return true
}

// compact drops tombstones, keeping the sequence order.
func (t *hashTable) compact() {
	w := 0
	for _, e := range t.ents {
		if e.dead {
			continue
		}
		t.table[e.field] = w
		t.ents[w] = e
		w++
	}
	clear(t.ents[w:])
	t.ents = t.ents[:w]
	t.dead = 0
}

// each calls fn for every field in order until fn returns false.
func (h *hash) each(fn func(field, value string) bool) {
	if h.tab == nil {
		h.lpEach(func(f, v []byte) bool { return fn(string(f), string(v)) })
		return
	}
	for _, e := range h.tab.ents {
		if !e.dead && !fn(e.field, e.value) {
			return
		}
	}
}

// random returns a uniformly chosen field of a non-empty hash.
func (h *hash) random() hashPair {
	if h.tab == nil {
		i := rand.IntN(h.n)
		var p hashPair
		h.lpEach(func(f, v []byte) bool {
			if i == 0 {
				p = hashPair{string(f), string(v)}
				return false
			}
			i--
			return true
		})
		return p
	}
	for {
		e := h.tab.ents[rand.IntN(len(h.tab.ents))]
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
	t := h.tab
	if t == nil {
		h.each(func(f, v string) bool { fn(f, v); return true })
		return 0
	}
	i := sort.Search(len(t.ents), func(i int) bool { return t.ents[i].seq >= cursor })
	for visited := 0; i < len(t.ents); i++ {
		e := t.ents[i]
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
