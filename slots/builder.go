package slots

import (
	"fmt"
	"maps"
	"slices"
)

// Builder makes a changed copy of a Map. Every change that must win over the
// base map raises an epoch: the first change to a group in a builder takes a
// new current epoch as the group's config epoch, and slot claims carry it, so
// Merge of the result with the base keeps the change. The first error is
// kept and returned by Build; later calls do nothing.
type Builder struct {
	m      Map
	bumped map[GroupID]bool
	err    error
}

// NewBuilder returns a builder that starts from base (nil: an empty map).
func NewBuilder(base *Map) *Builder {
	b := &Builder{bumped: make(map[GroupID]bool)}
	if base != nil {
		b.m.currentEpoch = base.currentEpoch
		b.m.slots = base.slots
		b.m.groups = maps.Clone(base.groups)
		b.m.nodes = maps.Clone(base.nodes)
	}
	if b.m.groups == nil {
		b.m.groups = make(map[GroupID]*Group)
	}
	if b.m.nodes == nil {
		b.m.nodes = make(map[NodeID]*Node)
	}
	return b
}

func (b *Builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// bump gives group g a new config epoch, once per builder.
func (b *Builder) bump(g GroupID) {
	if b.bumped[g] {
		return
	}
	b.bumped[g] = true
	b.m.currentEpoch++
	old := b.m.groups[g]
	ng := &Group{ID: g}
	if old != nil {
		*ng = *old
		ng.Replicas = slices.Clone(old.Replicas)
	}
	ng.ConfigEpoch = b.m.currentEpoch
	b.m.groups[g] = ng
}

// SetEpoch raises the current epoch to at least e (it never lowers it).
func (b *Builder) SetEpoch(e uint64) *Builder {
	b.m.currentEpoch = max(b.m.currentEpoch, e)
	return b
}

// SetNode records n. When the map already holds the node with the same or a
// higher Version, the new record gets the next version so that it wins.
func (b *Builder) SetNode(n Node) *Builder {
	if b.err != nil {
		return b
	}
	if !validNodeID(n.ID) {
		b.fail(fmt.Errorf("%w: bad node id %q", ErrInvalid, n.ID))
		return b
	}
	if old := b.m.nodes[n.ID]; old != nil && n.Version <= old.Version {
		n.Version = old.Version + 1
	}
	b.m.nodes[n.ID] = &n
	return b
}

// SetGroup records group id with its master and replicas, under a new
// config epoch.
func (b *Builder) SetGroup(id GroupID, master NodeID, replicas ...NodeID) *Builder {
	if b.err != nil {
		return b
	}
	if id == 0 {
		b.fail(fmt.Errorf("%w: group id 0", ErrInvalid))
		return b
	}
	b.bump(id)
	g := b.m.groups[id]
	g.Master = master
	g.Replicas = slices.Clone(replicas)
	return b
}

// Assign gives slots start..end (inclusive) to group g and clears any
// migration on them. g must already be in the map or the builder.
func (b *Builder) Assign(start, end int, g GroupID) *Builder {
	return b.claim(start, end, g, 0)
}

// Migrate marks slots start..end, served by their current group, as moving to
// group to. Assign the slots to to when the move is done.
func (b *Builder) Migrate(start, end int, to GroupID) *Builder {
	if b.err != nil || !b.checkRange(start, end) {
		return b
	}
	for s := start; s <= end; s++ {
		g := b.m.slots[s].Group
		if g == 0 {
			b.fail(fmt.Errorf("%w: slot %d is unassigned, cannot migrate", ErrInvalid, s))
			return b
		}
		b.claim(s, s, g, to)
	}
	return b
}

func (b *Builder) checkRange(start, end int) bool {
	if start < 0 || end >= NumSlots || start > end {
		b.fail(fmt.Errorf("%w: %d-%d", ErrBadSlot, start, end))
		return false
	}
	return true
}

func (b *Builder) claim(start, end int, g, to GroupID) *Builder {
	if b.err != nil || !b.checkRange(start, end) {
		return b
	}
	if b.m.groups[g] == nil || g == 0 {
		b.fail(fmt.Errorf("%w: %d", ErrNoGroup, g))
		return b
	}
	if to != 0 && (b.m.groups[to] == nil || to == g) {
		b.fail(fmt.Errorf("%w: migration target %d", ErrNoGroup, to))
		return b
	}
	b.bump(g)
	st := Slot{Group: g, MigratingTo: to, Epoch: b.m.groups[g].ConfigEpoch}
	for s := start; s <= end; s++ {
		b.m.slots[s] = st
	}
	return b
}

// Build returns the new map, or the first error met while building, or the
// map's Validate error.
func (b *Builder) Build() (*Map, error) {
	if b.err != nil {
		return nil, b.err
	}
	m := &Map{currentEpoch: b.m.currentEpoch, slots: b.m.slots,
		groups: maps.Clone(b.m.groups), nodes: maps.Clone(b.m.nodes)}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}
