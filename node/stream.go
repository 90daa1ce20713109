package node

import (
	"encoding/binary"
	"math"
	"slices"
	"sort"
	"strconv"
)

// Defaults of stream-node-max-entries and stream-node-max-bytes: a block
// of a stream holds at most this many entries (live or deleted) and about
// this many bytes, as a Redis stream's listpack nodes do. Keeping the same
// node boundaries makes approximate trimming ("MAXLEN ~", "MINID ~"),
// which only ever drops whole nodes, remove what Redis removes.
const (
	streamNodeMaxEntries = 100
	streamNodeMaxBytes   = 4096
	// streamListpackMaxSize caps a block and the total size of one entry's
	// fields and values (Redis's STREAM_LISTPACK_MAX_SIZE).
	streamListpackMaxSize = 1 << 30
)

// streamPairsLen is the total length of an entry's fields and values.
func streamPairsLen(args [][]byte) int {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	return n
}

// streamID is an entry ID, ms-seq.
type streamID struct{ ms, seq uint64 }

var maxStreamID = streamID{math.MaxUint64, math.MaxUint64}

func (a streamID) cmp(b streamID) int {
	switch {
	case a.ms < b.ms:
		return -1
	case a.ms > b.ms:
		return 1
	case a.seq < b.seq:
		return -1
	case a.seq > b.seq:
		return 1
	}
	return 0
}

func (a streamID) isZero() bool { return a.ms == 0 && a.seq == 0 }

// incr returns the next ID; ok is false (and the ID 0-0) after the last
// possible one, as Redis's streamIncrID.
func (a streamID) incr() (streamID, bool) {
	switch {
	case a.seq < math.MaxUint64:
		return streamID{a.ms, a.seq + 1}, true
	case a.ms < math.MaxUint64:
		return streamID{a.ms + 1, 0}, true
	}
	return streamID{}, false
}

// decr returns the previous ID; ok is false (and the ID the maximum)
// before 0-0, as Redis's streamDecrID.
func (a streamID) decr() (streamID, bool) {
	switch {
	case a.seq > 0:
		return streamID{a.ms, a.seq - 1}, true
	case a.ms > 0:
		return streamID{a.ms - 1, math.MaxUint64}, true
	}
	return maxStreamID, false
}

func (a streamID) appendTo(b []byte) []byte {
	b = strconv.AppendUint(b, a.ms, 10)
	b = append(b, '-')
	return strconv.AppendUint(b, a.seq, 10)
}

func (a streamID) String() string { return string(a.appendTo(nil)) }

// streamEntry is one entry. Its field/value pairs live back to back in
// one byte slice, each string as a uvarint length and its bytes, so an
// entry costs one allocation. A deleted entry keeps its ID (the block's
// boundaries depend on it, as a Redis listpack keeps deleted entries
// flagged) and drops its data.
type streamEntry struct {
	id      streamID
	data    []byte
	deleted bool
}

// pairs calls fn with each field and value of e.
func (e *streamEntry) pairs(fn func(f, v []byte)) {
	for off := 0; off < len(e.data); {
		f, next := streamString(e.data, off)
		v, next2 := streamString(e.data, next)
		fn(f, v)
		off = next2
	}
}

// npairs is the number of field/value pairs of e.
func (e *streamEntry) npairs() int {
	n := 0
	for off := 0; off < len(e.data); n++ {
		_, next := streamString(e.data, off)
		_, off = streamString(e.data, next)
	}
	return n
}

func streamString(b []byte, off int) ([]byte, int) {
	n, w := binary.Uvarint(b[off:])
	off += w
	return b[off : off+int(n)], off + int(n)
}

// encodeStreamPairs packs field/value arguments into one entry's data.
func encodeStreamPairs(args [][]byte) []byte {
	size := 0
	for _, a := range args {
		size += uvarintLen(len(a)) + len(a)
	}
	b := make([]byte, 0, size)
	for _, a := range args {
		b = binary.AppendUvarint(b, uint64(len(a)))
		b = append(b, a...)
	}
	return b
}

// streamBlock is a run of consecutive entries: the counterpart of one
// listpack node of a Redis stream. Its first entry is the master entry,
// whose fields later entries may share, and bytes tracks the size the
// listpack would have, so that blocks split where Redis's nodes do.
type streamBlock struct {
	ents     []streamEntry
	live     int      // entries not deleted
	bytes    int      // listpack bytes, without the live and deleted counters
	masterID streamID // the first entry's ID, base of the ID deltas
	master   []byte   // the master entry's field names, packed like entry data
}

func (b *streamBlock) lastID() streamID { return b.ents[len(b.ents)-1].id }

// lpBytes is the size of the block's listpack in Redis.
func (b *streamBlock) lpBytes() int {
	return b.bytes + lpIntSize(int64(b.live)) + lpIntSize(int64(len(b.ents)-b.live))
}

// lpIntSize is the size of an integer element of a listpack (encoding and
// back length).
func lpIntSize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 2
	case v >= -4096 && v <= 4095:
		return 3
	case v >= -32768 && v <= 32767:
		return 4
	case v >= -8388608 && v <= 8388607:
		return 5
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 6
	}
	return 10
}

// lpStringSize is the size of a string element of a listpack: an integer
// when it reads as one, as Redis stores it.
func lpStringSize(p []byte) int {
	if v, ok := parseInt(p); ok {
		return lpIntSize(v)
	}
	n := len(p)
	switch {
	case n < 64:
		n++
	case n < 4096:
		n += 2
	default:
		n += 5
	}
	switch {
	case n <= 127:
		return n + 1
	case n < 16383:
		return n + 2
	case n < 2097151:
		return n + 3
	case n < 268435455:
		return n + 4
	}
	return n + 5
}

// sameFields reports whether the field names of args are the master's.
func (b *streamBlock) sameFields(args [][]byte) bool {
	off := 0
	for i := 0; i < len(args); i += 2 {
		if off >= len(b.master) {
			return false
		}
		var f []byte
		f, off = streamString(b.master, off)
		if string(f) != string(args[i]) {
			return false
		}
	}
	return off == len(b.master)
}

// entryBytes is the listpack size of an entry of these pairs with this ID
// in b (after its master entry).
func (b *streamBlock) entryBytes(id streamID, args [][]byte) int {
	n := lpIntSize(0) + lpIntSize(int64(id.ms-b.masterID.ms)) + lpIntSize(int64(id.seq-b.masterID.seq))
	same := b.sameFields(args)
	count := int64(len(args)/2 + 3)
	if !same {
		n += lpIntSize(int64(len(args) / 2))
		count += int64(len(args)/2 + 1)
	}
	for i := 0; i < len(args); i += 2 {
		if !same {
			n += lpStringSize(args[i])
		}
		n += lpStringSize(args[i+1])
	}
	return n + lpIntSize(count)
}

// stream is the stream type: ordered blocks of entries, found by binary
// search on their IDs, appended at the end, plus the consumer groups.
type stream struct {
	blocks       []*streamBlock
	nent         int64    // live entries
	lastID       streamID // last ID ever generated
	firstID      streamID // first live entry, 0-0 when empty
	maxDeleted   streamID // the largest ID ever deleted
	entriesAdded int64    // entries ever added
	groups       map[string]*streamGroup
}

func newStreamObject() *object {
	return &object{typ: typeStream, val: &stream{}}
}

func (s *stream) encoding() string { return "stream" }

// length reports the number of entries. Unlike other collections an empty
// stream is kept (it still has its last ID and its groups): no stream
// command deletes its key.
func (s *stream) length() int { return int(s.nent) }

func (s *stream) memUsage() int64 {
	n := int64(128)
	for _, b := range s.blocks {
		n += 48 + int64(cap(b.ents))*48
		for i := range b.ents {
			n += int64(cap(b.ents[i].data))
		}
	}
	for name, g := range s.groups {
		n += 96 + int64(len(name)) + int64(len(g.pel))*56
		for cname, c := range g.consumers {
			n += 64 + int64(len(cname)) + int64(len(c.pel))*8
		}
	}
	return n
}

func (s *stream) clone() collection {
	c := *s
	c.blocks = make([]*streamBlock, len(s.blocks))
	for i, b := range s.blocks {
		nb := &streamBlock{ents: make([]streamEntry, len(b.ents), cap(b.ents)), live: b.live, bytes: b.bytes, masterID: b.masterID, master: b.master}
		for j, e := range b.ents {
			nb.ents[j] = streamEntry{id: e.id, deleted: e.deleted, data: append([]byte(nil), e.data...)}
		}
		c.blocks[i] = nb
	}
	if s.groups != nil {
		c.groups = make(map[string]*streamGroup, len(s.groups))
		for name, g := range s.groups {
			c.groups[name] = g.clone()
		}
	}
	return &c
}

// appendEntry adds an entry with the given ID (greater than lastID); a new
// block starts when the last one has maxEntries entries or would reach
// maxBytes (0: no bound).
func (s *stream) appendEntry(id streamID, args [][]byte, maxEntries, maxBytes int) {
	if maxBytes <= 0 || maxBytes > streamListpackMaxSize {
		maxBytes = streamListpackMaxSize
	}
	var b *streamBlock
	if n := len(s.blocks); n > 0 {
		b = s.blocks[n-1]
		if b.lpBytes()+streamPairsLen(args) >= maxBytes || (maxEntries > 0 && len(b.ents) >= maxEntries) {
			b = nil
		}
	}
	if b == nil {
		b = &streamBlock{ents: make([]streamEntry, 0, 8), masterID: id}
		// Header and end byte, then the master entry: live and deleted
		// counters (counted by lpBytes), the fields, a zero terminator.
		b.bytes = 7 + lpIntSize(int64(len(args)/2)) + lpIntSize(0)
		fields := make([][]byte, 0, len(args)/2)
		for i := 0; i < len(args); i += 2 {
			b.bytes += lpStringSize(args[i])
			fields = append(fields, args[i])
		}
		b.master = encodeStreamPairs(fields)
		s.blocks = append(s.blocks, b)
	}
	b.bytes += b.entryBytes(id, args)
	if len(b.ents) == cap(b.ents) && cap(b.ents) < maxEntries && maxEntries <= 1024 {
		// Small streams stay small; a block that fills up gets its final
		// size at once instead of doubling through it.
		ents := make([]streamEntry, len(b.ents), maxEntries)
		copy(ents, b.ents)
		b.ents = ents
	}
	b.ents = append(b.ents, streamEntry{id: id, data: encodeStreamPairs(args)})
	b.live++
	s.nent++
	s.entriesAdded++
	s.lastID = id
	if s.nent == 1 {
		s.firstID = id
	}
}

// seek returns the position of the first entry (live or deleted) with an
// ID >= id: block index and entry index; bi == len(s.blocks) at the end.
func (s *stream) seek(id streamID) (bi, ei int) {
	bi = sort.Search(len(s.blocks), func(i int) bool { return s.blocks[i].lastID().cmp(id) >= 0 })
	if bi == len(s.blocks) {
		return bi, 0
	}
	ents := s.blocks[bi].ents
	ei = sort.Search(len(ents), func(i int) bool { return ents[i].id.cmp(id) >= 0 })
	return bi, ei
}

// find returns the live entry with this ID, or nil.
func (s *stream) find(id streamID) *streamEntry {
	bi, ei := s.seek(id)
	if bi == len(s.blocks) {
		return nil
	}
	e := &s.blocks[bi].ents[ei]
	if e.id != id || e.deleted {
		return nil
	}
	return e
}

// walk calls fn with the live entries of [start, end], ascending or
// descending, until fn returns false.
func (s *stream) walk(start, end streamID, rev bool, fn func(e *streamEntry) bool) {
	if start.cmp(end) > 0 {
		return
	}
	if !rev {
		bi, ei := s.seek(start)
		for ; bi < len(s.blocks); bi, ei = bi+1, 0 {
			ents := s.blocks[bi].ents
			for ; ei < len(ents); ei++ {
				e := &ents[ei]
				if e.id.cmp(end) > 0 {
					return
				}
				if !e.deleted && !fn(e) {
					return
				}
			}
		}
		return
	}
	bi, ei := s.seek(end)
	if bi == len(s.blocks) || s.blocks[bi].ents[ei].id != end {
		// Start from the entry just before.
		if ei--; ei < 0 || bi == len(s.blocks) {
			if bi--; bi < 0 {
				return
			}
			ei = len(s.blocks[bi].ents) - 1
		}
	}
	for ; bi >= 0; bi-- {
		ents := s.blocks[bi].ents
		if ei < 0 {
			ei = len(ents) - 1
		}
		for ; ei >= 0; ei-- {
			e := &ents[ei]
			if e.id.cmp(start) < 0 {
				return
			}
			if !e.deleted && !fn(e) {
				return
			}
		}
	}
}

// edge returns the first (or last) live entry's ID; ok is false when the
// stream is empty.
func (s *stream) edge(last bool) (id streamID, ok bool) {
	s.walk(streamID{}, maxStreamID, last, func(e *streamEntry) bool {
		id, ok = e.id, true
		return false
	})
	return id, ok
}

// lastValidID is the ID of the last live entry (Redis's streamLastValidID).
func (s *stream) lastValidID() streamID {
	id, _ := s.edge(true)
	return id
}

// deleteEntry marks the entry with this ID deleted; a block left without
// live entries is removed. It reports whether an entry was deleted.
func (s *stream) deleteEntry(id streamID) bool {
	bi, ei := s.seek(id)
	if bi == len(s.blocks) {
		return false
	}
	b := s.blocks[bi]
	e := &b.ents[ei]
	if e.id != id || e.deleted {
		return false
	}
	e.deleted, e.data = true, nil
	b.live--
	s.nent--
	if b.live == 0 {
		s.blocks = slices.Delete(s.blocks, bi, bi+1)
	}
	return true
}

// updateFirstID recomputes firstID after deletions.
func (s *stream) updateFirstID() {
	s.firstID, _ = s.edge(false)
}

// trimArgs is a parsed MAXLEN/MINID trimming request.
type trimArgs struct {
	strategy int // trimNone, trimMaxLen, trimMinID
	approx   bool
	maxLen   int64
	minID    streamID
	limit    int64 // 0: no limit
}

const (
	trimNone = iota
	trimMaxLen
	trimMinID
)

// trim removes entries from the head as Redis's streamTrim does: whole
// blocks first, and, unless approximate, entries inside the first block
// that must stay. It returns the number of entries removed.
func (s *stream) trim(a *trimArgs) int64 {
	if a.strategy == trimNone {
		return 0
	}
	var deleted int64
	for len(s.blocks) > 0 {
		if a.strategy == trimMaxLen && s.nent <= a.maxLen {
			break
		}
		b := s.blocks[0]
		entries := int64(b.live)
		if a.limit != 0 && deleted+entries > a.limit {
			break
		}
		var removeNode bool
		if a.strategy == trimMaxLen {
			removeNode = s.nent-entries >= a.maxLen
		} else {
			removeNode = b.lastID().cmp(a.minID) < 0
		}
		if removeNode {
			s.blocks[0] = nil // no hold on the block from the array's head
			s.blocks = s.blocks[1:]
			s.nent -= entries
			deleted += entries
			continue
		}
		if a.approx {
			break
		}
		for i := range b.ents {
			e := &b.ents[i]
			var stop bool
			if a.strategy == trimMaxLen {
				stop = s.nent <= a.maxLen
			} else {
				stop = e.id.cmp(a.minID) >= 0
			}
			if stop {
				break
			}
			if !e.deleted {
				e.deleted, e.data = true, nil
				b.live--
				s.nent--
				deleted++
			}
		}
		break
	}
	if len(s.blocks) == 0 {
		s.blocks = nil
	}
	s.updateFirstID()
	return deleted
}

// hasTombstones reports whether a deleted entry may lie in [start, end]
// (Redis's streamRangeHasTombstones; end nil means the maximum).
func (s *stream) hasTombstones(start streamID, end *streamID) bool {
	if s.nent == 0 || s.maxDeleted.isZero() {
		return false
	}
	if s.firstID.cmp(s.maxDeleted) > 0 {
		return false
	}
	e := maxStreamID
	if end != nil {
		e = *end
	}
	return start.cmp(s.maxDeleted) <= 0 && s.maxDeleted.cmp(e) <= 0
}

// entriesReadInvalid marks a group whose read counter is unknown.
const entriesReadInvalid = -1

// estimateDistance is Redis's streamEstimateDistanceFromFirstEverEntry:
// the logical read counter of id, or entriesReadInvalid.
func (s *stream) estimateDistance(id streamID) int64 {
	if s.entriesAdded == 0 {
		return 0
	}
	if s.nent == 0 && id.cmp(s.lastID) < 1 {
		return s.entriesAdded
	}
	cmpLast := id.cmp(s.lastID)
	if cmpLast == 0 {
		return s.entriesAdded
	} else if cmpLast > 0 {
		return entriesReadInvalid
	}
	cmpFirst := id.cmp(s.firstID)
	if s.maxDeleted.isZero() || s.maxDeleted.cmp(s.firstID) < 0 {
		if cmpFirst < 0 {
			return s.entriesAdded - s.nent
		} else if cmpFirst == 0 {
			return s.entriesAdded - s.nent + 1
		}
	}
	return entriesReadInvalid
}

// groupLag returns a group's lag, ok false when it cannot be known.
func (s *stream) groupLag(g *streamGroup) (int64, bool) {
	if s.entriesAdded == 0 {
		return 0, true
	}
	if g.entriesRead != entriesReadInvalid && !s.hasTombstones(g.lastID, nil) {
		return s.entriesAdded - g.entriesRead, true
	}
	if n := s.estimateDistance(g.lastID); n != entriesReadInvalid {
		return s.entriesAdded - n, true
	}
	return 0, false
}

// radixNodes is the node count of the radix tree Redis would keep for this
// stream's blocks, keyed by their first IDs as 16 big-endian bytes: a
// compressed node for each run shared by all keys below it, a branching
// node where they differ, a leaf per key, and the head of an empty tree.
func (s *stream) radixNodes() int {
	if len(s.blocks) == 0 {
		return 1
	}
	keys := make([][16]byte, len(s.blocks))
	for i, b := range s.blocks {
		binary.BigEndian.PutUint64(keys[i][:8], b.masterID.ms)
		binary.BigEndian.PutUint64(keys[i][8:], b.masterID.seq)
	}
	return raxCount(keys, 0)
}

// raxCount counts the nodes below depth for sorted, distinct keys that
// share their first depth bytes.
func raxCount(keys [][16]byte, depth int) int {
	if len(keys) == 1 {
		if depth == 16 {
			return 1
		}
		return 2
	}
	first, last := &keys[0], &keys[len(keys)-1]
	lcp := depth
	for lcp < 16 && first[lcp] == last[lcp] {
		lcp++
	}
	n := 1 // the branching node
	if lcp > depth {
		n++ // the compressed node of the shared run
	}
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j][lcp] == keys[i][lcp] {
			j++
		}
		n += raxCount(keys[i:j], lcp+1)
		i = j
	}
	return n
}
