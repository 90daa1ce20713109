package slots

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
)

// Wire form of a Map (all integers unsigned varints unless noted):
//
//	"SCM" version(byte, 1)
//	currentEpoch
//	groupCount  { id configEpoch master:nodeRef replicaCount { nodeRef } }
//	nodeCount   { id:20 bytes  addr:string adminAddr:string group role(byte) version }
//	rangeCount  { start length-1 group migratingTo epoch }
//
// nodeRef is a byte 0 (no node) or 1 followed by the 20-byte id; string is a
// length then the bytes. Groups and nodes are sorted by id and ranges by start;
// unassigned slots are left out and consecutive slots in the same state form
// one range, so a map of a few groups encodes in about a hundred bytes.

const (
	wireVersion   = 1
	maxWireString = 255 // longest address accepted
	maxWireGroups = 1 << 16
	maxWireNodes  = 1 << 16
	nodeIDBytes   = 20
)

var wireMagic = [3]byte{'S', 'C', 'M'}

// ErrWire reports an encoded map that cannot be decoded.
var ErrWire = errors.New("slots: bad encoded map")

// Encode returns the wire form of m.
func (m *Map) Encode() []byte {
	b := make([]byte, 0, 64+len(m.groups)*32+len(m.nodes)*64)
	b = append(b, wireMagic[:]...)
	b = append(b, wireVersion)
	b = binary.AppendUvarint(b, m.currentEpoch)
	b = binary.AppendUvarint(b, uint64(len(m.groups)))
	for _, g := range m.sortedGroups() {
		b = binary.AppendUvarint(b, uint64(g.ID))
		b = binary.AppendUvarint(b, g.ConfigEpoch)
		b = appendNodeRef(b, g.Master)
		b = binary.AppendUvarint(b, uint64(len(g.Replicas)))
		for _, r := range g.Replicas {
			b = appendNodeRef(b, r)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(m.nodes)))
	for _, n := range m.sortedNodes() {
		b = appendNodeID(b, n.ID)
		b = appendString(b, n.Addr)
		b = appendString(b, n.AdminAddr)
		b = binary.AppendUvarint(b, uint64(n.Group))
		b = append(b, byte(n.Role))
		b = binary.AppendUvarint(b, n.Version)
	}
	var rs []int // start of each range
	for s := 0; s < NumSlots; s++ {
		if m.slots[s].Group != 0 && (s == 0 || m.slots[s] != m.slots[s-1]) {
			rs = append(rs, s)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(rs)))
	for _, s := range rs {
		st := m.slots[s]
		e := s
		for e+1 < NumSlots && m.slots[e+1] == st {
			e++
		}
		b = binary.AppendUvarint(b, uint64(s))
		b = binary.AppendUvarint(b, uint64(e-s))
		b = binary.AppendUvarint(b, uint64(st.Group))
		b = binary.AppendUvarint(b, uint64(st.MigratingTo))
		b = binary.AppendUvarint(b, st.Epoch)
	}
	return b
}

// appendNodeID appends the 20 bytes of a valid node id (zeros otherwise;
// Validate keeps invalid ids out of maps).
func appendNodeID(b []byte, id NodeID) []byte {
	var raw [nodeIDBytes]byte
	_, _ = hex.Decode(raw[:], []byte(id))
	return append(b, raw[:]...)
}

func appendNodeRef(b []byte, id NodeID) []byte {
	if id == "" {
		return append(b, 0)
	}
	return appendNodeID(append(b, 1), id)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decoder reads the wire form; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrWire, what)
	}
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads an element count and rejects it when it is above limit or when
// the remaining input cannot hold that many elements of at least minSize
// bytes, so a forged count never drives a large allocation.
func (d *decoder) count(what string, limit, minSize int) int {
	v := d.uvarint(what)
	if d.err != nil {
		return 0
	}
	if v > uint64(limit) || v*uint64(minSize) > uint64(len(d.b)) {
		d.fail(what + " count")
		return 0
	}
	return int(v)
}

func (d *decoder) byte1(what string) byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.fail(what)
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) nodeID(what string) NodeID {
	if d.err != nil {
		return ""
	}
	if len(d.b) < nodeIDBytes {
		d.fail(what)
		return ""
	}
	id := NodeID(hex.EncodeToString(d.b[:nodeIDBytes]))
	d.b = d.b[nodeIDBytes:]
	return id
}

func (d *decoder) nodeRef(what string) NodeID {
	switch d.byte1(what) {
	case 0:
		return ""
	case 1:
		return d.nodeID(what)
	}
	d.fail(what)
	return ""
}

func (d *decoder) str(what string) string {
	n := d.uvarint(what)
	if d.err != nil {
		return ""
	}
	if n > maxWireString || n > uint64(len(d.b)) {
		d.fail(what)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) groupID(what string) GroupID {
	v := d.uvarint(what)
	if v > math.MaxUint32 {
		d.fail(what)
		return 0
	}
	return GroupID(v)
}

// Decode parses the wire form of a map and validates it. It never panics and
// allocates in proportion to len(b).
func Decode(b []byte) (*Map, error) {
	if len(b) < 4 || [3]byte(b[:3]) != wireMagic {
		return nil, fmt.Errorf("%w: no header", ErrWire)
	}
	if b[3] != wireVersion {
		return nil, fmt.Errorf("%w: version %d", ErrWire, b[3])
	}
	d := &decoder{b: b[4:]}
	m := &Map{currentEpoch: d.uvarint("current epoch")}
	ng := d.count("group", maxWireGroups, 4)
	m.groups = make(map[GroupID]*Group, ng)
	for i := 0; i < ng && d.err == nil; i++ {
		g := &Group{ID: d.groupID("group id"), ConfigEpoch: d.uvarint("group epoch"), Master: d.nodeRef("master")}
		nr := d.count("replica", maxWireNodes, 1)
		if nr > 0 {
			g.Replicas = make([]NodeID, 0, nr)
		}
		for j := 0; j < nr && d.err == nil; j++ {
			g.Replicas = append(g.Replicas, d.nodeRef("replica"))
		}
		if slicesContainsEmpty(g.Replicas) {
			d.fail("empty replica")
		}
		if _, dup := m.groups[g.ID]; dup {
			d.fail("duplicate group")
		}
		m.groups[g.ID] = g
	}
	nn := d.count("node", maxWireNodes, nodeIDBytes+5)
	m.nodes = make(map[NodeID]*Node, nn)
	for i := 0; i < nn && d.err == nil; i++ {
		n := &Node{ID: d.nodeID("node id"), Addr: d.str("addr"), AdminAddr: d.str("admin addr"),
			Group: d.groupID("node group"), Role: Role(d.byte1("role")), Version: d.uvarint("node version")}
		if _, dup := m.nodes[n.ID]; dup {
			d.fail("duplicate node")
		}
		m.nodes[n.ID] = n
	}
	d.decodeRanges(m)
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, d.err
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWire, err)
	}
	return m, nil
}

func (d *decoder) decodeRanges(m *Map) {
	nr := d.count("range", NumSlots, 5)
	next := 0 // first slot the next range may start at
	for i := 0; i < nr && d.err == nil; i++ {
		start, length := d.uvarint("range start"), d.uvarint("range length")
		st := Slot{Group: d.groupID("range group"), MigratingTo: d.groupID("range target"), Epoch: d.uvarint("range epoch")}
		if d.err != nil {
			return
		}
		if start >= NumSlots || length >= NumSlots || start < uint64(next) || start+length >= NumSlots {
			d.fail("range order")
			return
		}
		if st.Group == 0 {
			d.fail("range without group")
			return
		}
		for s := int(start); s <= int(start+length); s++ {
			m.slots[s] = st
		}
		next = int(start+length) + 1
	}
}

func slicesContainsEmpty(ids []NodeID) bool {
	for _, id := range ids {
		if id == "" {
			return true
		}
	}
	return false
}
