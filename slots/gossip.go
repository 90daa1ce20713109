package slots

import (
	"sync"
	"sync/atomic"

	"github.com/hashicorp/memberlist"
)

// GossipConfig configures a Gossip.
type GossipConfig struct {
	// Initial is the map the member starts with (nil: empty).
	Initial *Map
	// Meta is this member's memberlist metadata (cut to memberlist's limit).
	Meta []byte
	// RetransmitMult sets how many times a broadcast is retransmitted, times
	// log(members). Higher spreads changes more surely at the cost of
	// bandwidth. Zero means 4.
	RetransmitMult int
	// OnChange, when set, is called with the old and new map each time the
	// map changes, in order, from the goroutine that made the change (a
	// memberlist goroutine for remote changes). It must not block for long
	// nor call Update (the merge lock is held).
	OnChange func(old, new *Map)
}

// Gossip carries the slot map in memberlist: it is the memberlist Delegate of
// a member. The current map is an immutable value behind an atomic pointer,
// so Map never blocks; changes (local or remote) are merged with the Merge
// rule, and a map that changed is broadcast to the other members. Maps too
// large for one gossip packet still spread through memberlist's push/pull
// state exchange (LocalState / MergeRemoteState).
type Gossip struct {
	meta     []byte
	onChange func(old, new *Map)
	queue    *memberlist.TransmitLimitedQueue
	list     atomic.Pointer[memberlist.Memberlist]
	cur      atomic.Pointer[Map]

	// mu serialises merges so that OnChange sees changes in order.
	mu sync.Mutex
}

var _ memberlist.Delegate = (*Gossip)(nil)

// NewGossip returns a Gossip. Set it as memberlist.Config.Delegate, create the
// memberlist, then call Bind.
func NewGossip(cfg GossipConfig) *Gossip {
	g := &Gossip{meta: cfg.Meta, onChange: cfg.OnChange}
	mult := cfg.RetransmitMult
	if mult <= 0 {
		mult = 4
	}
	g.queue = &memberlist.TransmitLimitedQueue{NumNodes: g.numNodes, RetransmitMult: mult}
	m := cfg.Initial
	if m == nil {
		m = &Map{}
	}
	g.cur.Store(m)
	return g
}

// Bind tells g the memberlist it serves, used to size retransmissions.
func (g *Gossip) Bind(ml *memberlist.Memberlist) { g.list.Store(ml) }

func (g *Gossip) numNodes() int {
	if ml := g.list.Load(); ml != nil {
		return ml.NumMembers()
	}
	return 1
}

// Map returns the current map.
func (g *Gossip) Map() *Map { return g.cur.Load() }

// Update merges m into the current map and broadcasts the result if it
// changed. It reports whether the map changed. Build m from Map() with a
// Builder so that its epochs win.
func (g *Gossip) Update(m *Map) bool { return g.merge(m) }

// merge folds m into the current map, broadcasts and notifies on change.
func (g *Gossip) merge(m *Map) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	old := g.cur.Load()
	next := Merge(old, m)
	if next.Equal(old) {
		return false
	}
	g.cur.Store(next)
	g.queue.QueueBroadcast(mapBroadcast(next.Encode()))
	if g.onChange != nil {
		g.onChange(old, next)
	}
	return true
}

// mergeEncoded decodes b and merges it; undecodable input is dropped.
func (g *Gossip) mergeEncoded(b []byte) {
	m, err := Decode(b)
	if err != nil {
		return
	}
	g.merge(m)
}

// NodeMeta implements memberlist.Delegate.
func (g *Gossip) NodeMeta(limit int) []byte {
	if len(g.meta) > limit {
		return g.meta[:limit]
	}
	return g.meta
}

// NotifyMsg implements memberlist.Delegate: a broadcast map from a member.
func (g *Gossip) NotifyMsg(b []byte) { g.mergeEncoded(b) }

// GetBroadcasts implements memberlist.Delegate.
func (g *Gossip) GetBroadcasts(overhead, limit int) [][]byte {
	return g.queue.GetBroadcasts(overhead, limit)
}

// LocalState implements memberlist.Delegate: the whole map for push/pull.
func (g *Gossip) LocalState(join bool) []byte { return g.Map().Encode() }

// MergeRemoteState implements memberlist.Delegate.
func (g *Gossip) MergeRemoteState(buf []byte, join bool) { g.mergeEncoded(buf) }

// mapBroadcast is one encoded map in the broadcast queue; a newer map
// replaces any older one still queued (they share a name).
type mapBroadcast []byte

func (b mapBroadcast) Invalidates(other memberlist.Broadcast) bool {
	_, ok := other.(mapBroadcast)
	return ok
}
func (b mapBroadcast) Name() string    { return "slots/map" }
func (b mapBroadcast) Message() []byte { return b }
func (b mapBroadcast) Finished()       {}
