package node

import "hash/maphash"

// zindexSeed seeds the member hashes of every sorted-set index; it is
// random per process, so clients cannot choose colliding members.
var zindexSeed = maphash.MakeSeed()

// zindex finds the members of a skiplist-encoded sorted set: an open
// addressing table (linear probing, power-of-two size, at most 3/4 full)
// of positions in the set's nodes slice. A slot holds the position plus
// one in its low 32 bits (0 marks a free slot) and the high 32 bits of the
// member's hash in its high bits, so a probe that meets another member
// rarely has to look at its node. A member costs about 14 bytes of index,
// against about 35 for a Go map from the member string to its node.
// Positions do not change when a score does, so only inserts, removals and
// the move of the last node in a removal touch the index.
type zindex struct {
	slots []uint64
}

func zhash(member string) uint64 { return maphash.String(zindexSeed, member) }

// zslot is the slot value of position pos for a member of hash h.
func zslot(h uint64, pos int) uint64 { return h&^0xffffffff | uint64(uint32(pos+1)) }

// find returns the position of member in nodes, or -1.
func (ix *zindex) find(nodes []*slNode, member string) int {
	if len(ix.slots) == 0 {
		return -1
	}
	mask := uint64(len(ix.slots) - 1)
	h := zhash(member)
	for i := h & mask; ; i = (i + 1) & mask {
		s := ix.slots[i]
		if s == 0 {
			return -1
		}
		if (s^h)>>32 == 0 {
			if p := int(uint32(s)) - 1; nodes[p].member == member {
				return p
			}
		}
	}
}

// add records that the member of nodes[pos] is at pos; the member must not
// be in the index yet. nodes must hold every indexed position.
func (ix *zindex) add(nodes []*slNode, pos int) {
	if 4*len(nodes) > 3*len(ix.slots) {
		ix.resize(nodes, len(nodes), max(2*len(ix.slots), 8))
		return // resize indexed every node, pos included
	}
	ix.put(nodes[pos].member, pos)
}

// put stores position pos of member in the first free slot of its probe
// sequence.
func (ix *zindex) put(member string, pos int) {
	mask := uint64(len(ix.slots) - 1)
	h := zhash(member)
	i := h & mask
	for ix.slots[i] != 0 {
		i = (i + 1) & mask
	}
	ix.slots[i] = zslot(h, pos)
}

// resize rebuilds the index for the first n nodes in size slots, a power
// of two.
func (ix *zindex) resize(nodes []*slNode, n, size int) {
	ix.slots = make([]uint64, size)
	for pos := range n {
		ix.put(nodes[pos].member, pos)
	}
}

// slot returns the index slot holding position pos, whose member is member.
func (ix *zindex) slot(member string, pos int) uint64 {
	mask := uint64(len(ix.slots) - 1)
	h := zhash(member)
	want := zslot(h, pos)
	i := h & mask
	for ix.slots[i] != want {
		i = (i + 1) & mask
	}
	return i
}

// move records that the member at position from is now at position to.
func (ix *zindex) move(member string, from, to int) {
	i := ix.slot(member, from)
	ix.slots[i] = zslot(ix.slots[i], to)
}

// remove deletes the entry of position pos (member member). The entries
// after it in its probe run shift back, so lookups never need tombstones.
// nodes must still hold every indexed position.
func (ix *zindex) remove(nodes []*slNode, member string, pos int) {
	mask := uint64(len(ix.slots) - 1)
	i := ix.slot(member, pos)
	for j := (i + 1) & mask; ix.slots[j] != 0; j = (j + 1) & mask {
		home := zhash(nodes[uint32(ix.slots[j])-1].member) & mask
		// The entry at j may move to i unless its home lies cyclically
		// in (i, j].
		if (i < j && i < home && home <= j) || (i > j && (home > i || home <= j)) {
			continue
		}
		ix.slots[i] = ix.slots[j]
		i = j
	}
	ix.slots[i] = 0
}
