package node

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"sort"
	"unsafe"
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
//
// A hash embeds the object of its key, so both are one 64-byte
// allocation (newHashObject): after the object come one pointer, to the
// listpack's bytes or to the hashtable form, and the listpack's length
// and capacity as 32-bit counts (a listpack stays under lpMaxSize, as
// Redis's do). The pair count is not kept: it is counted when needed, as
// Redis does for long listpacks. The encoding thresholds come from the
// caller's configuration.
type hash struct {
	o     object         // the key's object (unused in a COPY's clone)
	p     unsafe.Pointer // listpack bytes, or the *hashTable when lpCap is tableForm
	lpLen uint32
	lpCap uint32
}

const (
	// tableForm in lpCap marks the hashtable form.
	tableForm = math.MaxUint32
	// lpMaxSize is the largest listpack: a write that would make it
	// larger converts the hash first (Redis's LISTPACK_MAX_SAFETY_SIZE).
	lpMaxSize = 1 << 30
)

// newHashObject returns an object holding an empty hash, both in one
// allocation.
func newHashObject() *object {
	h := &hash{o: object{typ: typeHash}}
	h.o.val = h
	return &h.o
}

// listpack returns the listpack form's bytes (nil for an empty or
// hashtable-form hash).
func (h *hash) listpack() []byte {
	if h.p == nil || h.lpCap == tableForm {
		return nil
	}
	return unsafe.Slice((*byte)(h.p), h.lpCap)[:h.lpLen]
}

// setListpack makes lp the listpack form; lp is at most lpMaxSize bytes.
func (h *hash) setListpack(lp []byte) {
	h.p, h.lpLen, h.lpCap = unsafe.Pointer(unsafe.SliceData(lp)), uint32(len(lp)), uint32(cap(lp))
}

// table returns the hashtable form, nil while the hash is a listpack.
func (h *hash) table() *hashTable {
	if h.lpCap != tableForm {
		return nil
	}
	return (*hashTable)(h.p)
}

func (h *hash) setTable(t *hashTable) { h.p, h.lpLen, h.lpCap = unsafe.Pointer(t), 0, tableForm }

// hashTable is the hashtable form of a hash.
type hashTable struct {
	table   map[string]int // field -> index in ents
	ents    []hashEntry
	nextSeq uint64
	dead    int
}

func (h *hash) isTable() bool { return h.lpCap == tableForm }

func (h *hash) encoding() string {
	if h.isTable() {
		return "hashtable"
	}
	return "listpack"
}

func (h *hash) length() int {
	if t := h.table(); t != nil {
		return len(t.table)
	}
	return lpCount(h.listpack())
}

// lpCount returns the number of pairs in lp.
func lpCount(lp []byte) int {
	n := 0
	for off := 0; off < len(lp); n++ {
		_, next := lpString(lp, off)
		_, off = lpString(lp, next)
	}
	return n
}

func (h *hash) clone() collection {
	c := &hash{}
	t := h.table()
	if t == nil {
		c.setListpack(append([]byte(nil), h.listpack()...))
		return c
	}
	ct := &hashTable{table: make(map[string]int, len(t.table)), nextSeq: t.nextSeq}
	for _, e := range t.ents {
		if !e.dead {
			ct.table[e.field] = len(ct.ents)
			ct.ents = append(ct.ents, e)
		}
	}
	c.setTable(ct)
	return c
}

func (h *hash) memUsage() int64 {
	t := h.table()
	if t == nil {
		return int64(unsafe.Sizeof(hash{})) + int64(h.lpCap)
	}
	size := int64(96)
	h.each(func(f, v string) bool {
		size += int64(len(f) + len(v) + 32)
		return true
	})
	return size + int64(len(t.table))*48
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
	if need := lpPairLen(field, value); cap(lp)-len(lp) < need {
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

// lpPairLen is the listpack size of one field/value pair.
func lpPairLen(field, value []byte) int {
	return uvarintLen(len(field)) + len(field) + uvarintLen(len(value)) + len(value)
}

// reserve gives an empty listpack hash room for the given field/value
// pairs in one allocation (HSET of a new key), instead of one per pair.
func (h *hash) reserve(args [][]byte) {
	if h.isTable() || h.lpLen != 0 {
		return
	}
	need := 0
	for i := 0; i+1 < len(args); i += 2 {
		need += lpPairLen(args[i], args[i+1])
	}
	h.setListpack(make([]byte, 0, need))
}

// lpFind returns the bounds of field's pair in the listpack and its value.
// When the field is absent, n is the number of pairs.
func (h *hash) lpFind(field []byte) (start, end int, value []byte, n int, ok bool) {
	lp := h.listpack()
	for off := 0; off < len(lp); n++ {
		f, next := lpString(lp, off)
		v, after := lpString(lp, next)
		if string(f) == string(field) {
			return off, after, v, n, true
		}
		off = after
	}
	return 0, 0, nil, n, false
}

// lpEach calls fn with every pair of the listpack, as views into it, until
// fn returns false.
func (h *hash) lpEach(fn func(field, value []byte) bool) {
	lp := h.listpack()
	for off := 0; off < len(lp); {
		f, next := lpString(lp, off)
		v, after := lpString(lp, next)
		if !fn(f, v) {
			return
		}
		off = after
	}
}

// get returns the value of field.
func (h *hash) get(field string) (string, bool) {
	if t := h.table(); t != nil {
		i, ok := t.table[field]
		if !ok {
			return "", false
		}
		return t.ents[i].value, true
	}
	if _, _, v, _, ok := h.lpFind([]byte(field)); ok {
		return string(v), true
	}
	return "", false
}

// getBytes returns the value of field without copying it: a read-only
// view, valid until the hash changes.
func (h *hash) getBytes(field []byte) ([]byte, bool) {
	if t := h.table(); t != nil {
		i, ok := t.table[string(field)]
		if !ok {
			return nil, false
		}
		v := t.ents[i].value
		return unsafe.Slice(unsafe.StringData(v), len(v)), true
	}
	_, _, v, _, ok := h.lpFind(field)
	return v, ok
}

// convertFor switches to the hashtable form when one of the given fields
// or values is too long for the listpack form, or all of them would make
// it larger than lpMaxSize (Redis's hashTypeTryConversion, run on the
// arguments before any write).
func (h *hash) convertFor(lim *Config, args [][]byte) {
	if h.isTable() {
		return
	}
	sum := int(h.lpLen)
	for _, a := range args {
		if len(a) > lim.HashMaxListpackValue {
			h.convert()
			return
		}
		sum += len(a)
	}
	if sum > lpMaxSize {
		h.convert()
	}
}

// set stores field=value and reports whether the field is new. It converts
// to the hashtable form when the listpack form would get too many fields
// (lim.HashMaxListpackEntries) or a field or value too long
// (lim.HashMaxListpackValue).
func (h *hash) set(lim *Config, field, value string) bool {
	return h.setBytes(lim, []byte(field), []byte(value))
}

// setBytes is set taking field and value as bytes, which it copies: the
// listpack form stores them without making strings first.
func (h *hash) setBytes(lim *Config, field, value []byte) bool {
	if !h.isTable() && (len(field) > lim.HashMaxListpackValue || len(value) > lim.HashMaxListpackValue ||
		int(h.lpLen)+lpPairLen(field, value) > lpMaxSize) {
		h.convert()
	}
	if t := h.table(); t != nil {
		if i, ok := t.table[string(field)]; ok {
			t.ents[i].value = string(value)
			return false
		}
		t.nextSeq++
		f := string(field)
		t.table[f] = len(t.ents)
		t.ents = append(t.ents, hashEntry{hashPair: hashPair{f, string(value)}, seq: t.nextSeq})
		return true
	}
	start, end, v, n, ok := h.lpFind(field)
	if ok {
		if len(v) == len(value) {
			copy(v, value) // same size: overwrite in place
			return false
		}
		lp := h.listpack()
		rest := append([]byte(nil), lp[end:]...)
		lp = lpAppendPair(lp[:start], field, value)
		h.setListpack(append(lp, rest...))
		return false
	}
	h.setListpack(lpAppendPair(h.listpack(), field, value))
	if n+1 > lim.HashMaxListpackEntries {
		h.convert()
	}
	return true
}

// convert switches to the hashtable form.
func (h *hash) convert() {
	n := lpCount(h.listpack())
	t := &hashTable{table: make(map[string]int, n+1), ents: make([]hashEntry, 0, n+1)}
	h.lpEach(func(f, v []byte) bool {
		t.nextSeq++
		t.table[string(f)] = len(t.ents)
		t.ents = append(t.ents, hashEntry{hashPair: hashPair{string(f), string(v)}, seq: t.nextSeq})
		return true
	})
	h.setTable(t)
}

// del removes field and reports whether it was present.
func (h *hash) del(field string) bool {
	t := h.table()
	if t == nil {
		start, end, _, _, ok := h.lpFind([]byte(field))
		if !ok {
			return false
		}
		lp := h.listpack()
		h.setListpack(append(lp[:start], lp[end:]...))
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
	t := h.table()
	if t == nil {
		h.lpEach(func(f, v []byte) bool { return fn(string(f), string(v)) })
		return
	}
	for _, e := range t.ents {
		if !e.dead && !fn(e.field, e.value) {
			return
		}
	}
}

// random returns a uniformly chosen field of a non-empty hash.
func (h *hash) random() hashPair {
	t := h.table()
	if t == nil {
		i := rand.IntN(lpCount(h.listpack()))
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
		e := t.ents[rand.IntN(len(t.ents))]
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
	t := h.table()
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
