package slots

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// GroupID names a replication group (one master and its replicas). Zero means
// "no group": an unassigned slot, or a node that belongs to no group.
type GroupID uint32

// NodeID is a member's identity: 40 lower-case hex characters, as in Redis
// Cluster's node ids.
type NodeID string

// Role is what a member does in the cluster.
type Role uint8

// The roles a member can have.
const (
	RoleNone    Role = iota // joined, not yet placed
	RoleMaster              // serves the slots of its group
	RoleReplica             // copies its group's master
	RoleProxy               // routes client traffic, holds no data
	numRoles
)

var roleNames = [...]string{"none", "master", "replica", "proxy"}

// String returns the role's lower-case name.
func (r Role) String() string {
	if r < numRoles {
		return roleNames[r]
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

// Group is one replication group as the map records it. ConfigEpoch is the
// epoch of the group's last configuration change (creation, failover, slot
// claim); between two records of the same group the higher one wins.
type Group struct {
	ID          GroupID
	Master      NodeID // empty while the group has no master
	Replicas    []NodeID
	ConfigEpoch uint64
}

// Node is one member as the map records it. Version orders two records of the
// same node: the member raises it whenever it changes its own record.
type Node struct {
	ID        NodeID
	Addr      string // RESP host:port
	AdminAddr string // admin HTTP host:port
	Group     GroupID
	Role      Role
	Version   uint64
}

// Slot is the state of one hash slot. Epoch is the config epoch of the claim
// that gave the slot to Group; between two claims the higher epoch wins.
// MigratingTo is the group the slot is being moved to, or 0.
type Slot struct {
	Group       GroupID
	MigratingTo GroupID
	Epoch       uint64
}

// Map is the cluster's slot map: which group serves each slot, the groups and
// their members, and the cluster's current epoch. A Map is immutable; build a
// changed copy with a Builder. The zero Map is an empty, valid map.
type Map struct {
	currentEpoch uint64
	slots        [NumSlots]Slot
	groups       map[GroupID]*Group
	nodes        map[NodeID]*Node
}

// Errors returned by Validate, the builder and the wire decoder.
var (
	ErrInvalid = errors.New("slots: invalid map")
	ErrBadSlot = errors.New("slots: slot out of range")
	ErrNoGroup = errors.New("slots: unknown group")
	ErrStale   = errors.New("slots: stale epoch")
)

// CurrentEpoch returns the highest epoch the cluster has used.
func (m *Map) CurrentEpoch() uint64 { return m.currentEpoch }

// Lookup returns the group that serves slot, or 0 when the slot is unassigned
// or out of range.
func (m *Map) Lookup(slot int) GroupID {
	if uint(slot) >= NumSlots {
		return 0
	}
	return m.slots[slot].Group
}

// SlotState returns the full state of slot (zero when out of range).
func (m *Map) SlotState(slot int) Slot {
	if uint(slot) >= NumSlots {
		return Slot{}
	}
	return m.slots[slot]
}

// MigratingTo returns the group slot is moving to, or 0.
func (m *Map) MigratingTo(slot int) GroupID {
	if uint(slot) >= NumSlots {
		return 0
	}
	return m.slots[slot].MigratingTo
}

// GroupOf returns the group that serves key, or 0.
func (m *Map) GroupOf(key []byte) GroupID {
	return m.slots[KeySlot(key)].Group
}

// Owner returns the master of the group that serves slot. ok is false when the
// slot is unassigned or its group has no known master.
func (m *Map) Owner(slot int) (n Node, ok bool) {
	g := m.Lookup(slot)
	if g == 0 {
		return Node{}, false
	}
	gr := m.groups[g]
	if gr == nil || gr.Master == "" {
		return Node{}, false
	}
	p := m.nodes[gr.Master]
	if p == nil {
		return Node{}, false
	}
	return *p, true
}

// Group returns a copy of group id's record.
func (m *Map) Group(id GroupID) (Group, bool) {
	g := m.groups[id]
	if g == nil {
		return Group{}, false
	}
	c := *g
	c.Replicas = slices.Clone(g.Replicas)
	return c, true
}

// Node returns node id's record.
func (m *Map) Node(id NodeID) (Node, bool) {
	n := m.nodes[id]
	if n == nil {
		return Node{}, false
	}
	return *n, true
}

// Groups returns the group ids in ascending order.
func (m *Map) Groups() []GroupID {
	ids := make([]GroupID, 0, len(m.groups))
	for id := range m.groups {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Nodes returns the node ids in ascending order.
func (m *Map) Nodes() []NodeID {
	ids := make([]NodeID, 0, len(m.nodes))
	for id := range m.nodes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// SlotsOf returns the slot ranges served by group g, in ascending order.
func (m *Map) SlotsOf(g GroupID) []Range {
	var rs []Range
	for s := 0; s < NumSlots; s++ {
		if m.slots[s].Group != g {
			continue
		}
		if n := len(rs); n > 0 && rs[n-1].End == s-1 {
			rs[n-1].End = s
		} else {
			rs = append(rs, Range{Start: s, End: s, Group: g})
		}
	}
	return rs
}

// Ranges returns every assigned slot as ranges of consecutive slots served
// by the same group, in slot order (migration state is not considered).
func (m *Map) Ranges() []Range {
	var rs []Range
	for s := 0; s < NumSlots; s++ {
		g := m.slots[s].Group
		if g == 0 {
			continue
		}
		if n := len(rs); n > 0 && rs[n-1].End == s-1 && rs[n-1].Group == g {
			rs[n-1].End = s
		} else {
			rs = append(rs, Range{Start: s, End: s, Group: g})
		}
	}
	return rs
}

// Covered reports whether every slot is served by a group.
func (m *Map) Covered() bool {
	for s := range m.slots {
		if m.slots[s].Group == 0 {
			return false
		}
	}
	return true
}

// Equal reports whether m and o hold the same state.
func (m *Map) Equal(o *Map) bool {
	if m.currentEpoch != o.currentEpoch || m.slots != o.slots ||
		len(m.groups) != len(o.groups) || len(m.nodes) != len(o.nodes) {
		return false
	}
	for id, g := range m.groups {
		h := o.groups[id]
		if h == nil || compareGroup(g, h) != 0 {
			return false
		}
	}
	for id, n := range m.nodes {
		p := o.nodes[id]
		if p == nil || *n != *p {
			return false
		}
	}
	return true
}

// Validate checks the map's invariants: every slot served by a known group
// with a claim epoch not above its group's config epoch, migrations towards
// another known group, groups naming known nodes at most once, nodes naming
// known groups, and no epoch above the current epoch. Maps built by Merge
// from valid maps are always valid.
func (m *Map) Validate() error {
	for s := range m.slots {
		st := &m.slots[s]
		if st.Group == 0 {
			if st.MigratingTo != 0 || st.Epoch != 0 {
				return fmt.Errorf("%w: slot %d unassigned but has state", ErrInvalid, s)
			}
			continue
		}
		g := m.groups[st.Group]
		if g == nil {
			return fmt.Errorf("%w: slot %d: group %d: %w", ErrInvalid, s, st.Group, ErrNoGroup)
		}
		if st.Epoch > g.ConfigEpoch {
			return fmt.Errorf("%w: slot %d claim epoch %d above group %d epoch %d", ErrInvalid, s, st.Epoch, g.ID, g.ConfigEpoch)
		}
		if st.MigratingTo != 0 {
			if st.MigratingTo == st.Group {
				return fmt.Errorf("%w: slot %d migrating to its own group", ErrInvalid, s)
			}
			if m.groups[st.MigratingTo] == nil {
				return fmt.Errorf("%w: slot %d migrating: group %d: %w", ErrInvalid, s, st.MigratingTo, ErrNoGroup)
			}
		}
	}
	for id, g := range m.groups {
		if id == 0 || g.ID != id {
			return fmt.Errorf("%w: bad group id %d", ErrInvalid, id)
		}
		if g.ConfigEpoch > m.currentEpoch {
			return fmt.Errorf("%w: group %d epoch %d above current epoch %d", ErrInvalid, id, g.ConfigEpoch, m.currentEpoch)
		}
		if err := m.validateMembers(g); err != nil {
			return err
		}
	}
	for id, n := range m.nodes {
		if n.ID != id || !validNodeID(id) {
			return fmt.Errorf("%w: bad node id %q", ErrInvalid, id)
		}
		if n.Role >= numRoles {
			return fmt.Errorf("%w: node %s: bad role %d", ErrInvalid, id, n.Role)
		}
		if n.Group != 0 && m.groups[n.Group] == nil {
			return fmt.Errorf("%w: node %s: group %d: %w", ErrInvalid, id, n.Group, ErrNoGroup)
		}
	}
	return nil
}

func (m *Map) validateMembers(g *Group) error {
	seen := make(map[NodeID]bool, len(g.Replicas)+1)
	check := func(id NodeID) error {
		if seen[id] {
			return fmt.Errorf("%w: group %d lists node %s twice", ErrInvalid, g.ID, id)
		}
		seen[id] = true
		if m.nodes[id] == nil {
			return fmt.Errorf("%w: group %d names unknown node %s", ErrInvalid, g.ID, id)
		}
		return nil
	}
	if g.Master != "" {
		if err := check(g.Master); err != nil {
			return err
		}
	}
	for _, r := range g.Replicas {
		if err := check(r); err != nil {
			return err
		}
	}
	return nil
}

// validNodeID reports whether id is 40 lower-case hex characters.
func validNodeID(id NodeID) bool {
	if len(id) != 40 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Merge returns the map that combines a and b. The rule is deterministic and
// order-free (commutative, associative, idempotent), so every member converges
// on the same map whatever order gossip delivers states in:
//   - per slot, the claim with the higher epoch wins; ties go to the greater
//     group id, then the greater migration target;
//   - per group, the record with the higher ConfigEpoch wins; ties go to the
//     greater master id, then the greater replica list;
//   - per node, the record with the higher Version wins; ties go to the
//     greater record, field by field;
//   - the current epoch is the maximum of both.
//
// Either argument may be nil.
func Merge(a, b *Map) *Map {
	if a == nil {
		a = &Map{}
	}
	if b == nil {
		b = &Map{}
	}
	m := &Map{
		currentEpoch: max(a.currentEpoch, b.currentEpoch),
		groups:       make(map[GroupID]*Group, max(len(a.groups), len(b.groups))),
		nodes:        make(map[NodeID]*Node, max(len(a.nodes), len(b.nodes))),
	}
	for s := range m.slots {
		x, y := a.slots[s], b.slots[s]
		if compareSlot(x, y) >= 0 {
			m.slots[s] = x
		} else {
			m.slots[s] = y
		}
	}
	for _, src := range [2]*Map{a, b} {
		for id, g := range src.groups {
			if cur := m.groups[id]; cur == nil || compareGroup(g, cur) > 0 {
				m.groups[id] = g
			}
		}
		for id, n := range src.nodes {
			if cur := m.nodes[id]; cur == nil || compareNode(n, cur) > 0 {
				m.nodes[id] = n
			}
		}
	}
	return m
}

// compareSlot runs for every slot of a merge, so it stops at the first
// difference.
func compareSlot(x, y Slot) int {
	if c := cmp.Compare(x.Epoch, y.Epoch); c != 0 {
		return c
	}
	if c := cmp.Compare(x.Group, y.Group); c != 0 {
		return c
	}
	return cmp.Compare(x.MigratingTo, y.MigratingTo)
}

func compareGroup(x, y *Group) int {
	return cmp.Or(cmp.Compare(x.ConfigEpoch, y.ConfigEpoch), cmp.Compare(x.Master, y.Master),
		slices.Compare(x.Replicas, y.Replicas), cmp.Compare(x.ID, y.ID))
}

func compareNode(x, y *Node) int {
	return cmp.Or(cmp.Compare(x.Version, y.Version), cmp.Compare(x.Group, y.Group), cmp.Compare(x.Role, y.Role),
		cmp.Compare(x.Addr, y.Addr), cmp.Compare(x.AdminAddr, y.AdminAddr), cmp.Compare(x.ID, y.ID))
}

// sortedGroups returns the group records ordered by id.
func (m *Map) sortedGroups() []*Group {
	gs := slices.AppendSeq(make([]*Group, 0, len(m.groups)), maps.Values(m.groups))
	slices.SortFunc(gs, func(x, y *Group) int { return cmp.Compare(x.ID, y.ID) })
	return gs
}

// sortedNodes returns the node records ordered by id.
func (m *Map) sortedNodes() []*Node {
	ns := slices.AppendSeq(make([]*Node, 0, len(m.nodes)), maps.Values(m.nodes))
	slices.SortFunc(ns, func(x, y *Node) int { return cmp.Compare(x.ID, y.ID) })
	return ns
}
