package node

import (
	"slices"
	"sort"
)

// streamNACK is a pending entry: delivered to a consumer of a group and
// not acknowledged yet.
type streamNACK struct {
	id            streamID
	consumer      *streamConsumer // nil only while XCLAIM FORCE creates it
	deliveryTime  int64           // unix ms
	deliveryCount int64
}

// pel is a pending entries list ordered by ID. New deliveries have the
// largest IDs, so inserting is usually an append.
type pel []*streamNACK

// search returns the position of the first NACK with an ID >= id.
func (p pel) search(id streamID) int {
	return sort.Search(len(p), func(i int) bool { return p[i].id.cmp(id) >= 0 })
}

func (p pel) find(id streamID) *streamNACK {
	if i := p.search(id); i < len(p) && p[i].id == id {
		return p[i]
	}
	return nil
}

func (p *pel) insert(n *streamNACK) {
	i := p.search(n.id)
	*p = append(*p, nil)
	copy((*p)[i+1:], (*p)[i:])
	(*p)[i] = n
}

func (p *pel) remove(id streamID) {
	i := p.search(id)
	if i == len(*p) || (*p)[i].id != id {
		return
	}
	if i == 0 {
		// Acknowledging the oldest entry, the usual case, costs no copy.
		(*p)[0] = nil
		*p = (*p)[1:]
		return
	}
	*p = slices.Delete(*p, i, i+1)
}

// removeSorted drops the NACKs with these IDs (ascending, distinct, all
// present) in one pass, where removing them one by one would copy the
// list's tail for each.
func (p *pel) removeSorted(ids []streamID) {
	s := *p
	out, j := s.search(ids[0]), 0
	for i := out; i < len(s); i++ {
		if j < len(ids) && s[i].id == ids[j] {
			j++
			continue
		}
		s[out] = s[i]
		out++
	}
	clear(s[out:])
	*p = s[:out]
}

// streamConsumer is a consumer of a group.
type streamConsumer struct {
	name     string
	seenTime int64 // unix ms
	pel      pel
}

// streamGroup is a consumer group.
type streamGroup struct {
	lastID      streamID
	entriesRead int64 // entriesReadInvalid when unknown
	pel         pel
	consumers   map[string]*streamConsumer
}

func (g *streamGroup) clone() *streamGroup {
	c := &streamGroup{lastID: g.lastID, entriesRead: g.entriesRead, consumers: make(map[string]*streamConsumer, len(g.consumers))}
	copies := make(map[*streamNACK]*streamNACK, len(g.pel))
	for _, n := range g.pel {
		cp := *n
		copies[n] = &cp
		c.pel = append(c.pel, &cp)
	}
	for name, cons := range g.consumers {
		cc := &streamConsumer{name: name, seenTime: cons.seenTime}
		for _, n := range cons.pel {
			cn := copies[n]
			cn.consumer = cc
			cc.pel = append(cc.pel, cn)
		}
		c.consumers[name] = cc
	}
	return c
}

// consumerFor returns the named consumer, creating it; refresh stamps its
// seen time.
func (g *streamGroup) consumerFor(name []byte, now int64, refresh bool) *streamConsumer {
	cons := g.consumers[string(name)]
	if cons == nil {
		cons = &streamConsumer{name: string(name), seenTime: now}
		g.consumers[cons.name] = cons
	} else if refresh {
		cons.seenTime = now
	}
	return cons
}

// sortedConsumers lists the consumers in name order (Redis's rax order).
func (g *streamGroup) sortedConsumers() []*streamConsumer {
	out := make([]*streamConsumer, 0, len(g.consumers))
	for _, cons := range g.consumers {
		out = append(out, cons)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// sortedGroups lists the groups of s in name order.
func (s *stream) sortedGroups() ([]string, []*streamGroup) {
	names := make([]string, 0, len(s.groups))
	for name := range s.groups {
		names = append(names, name)
	}
	sort.Strings(names)
	gs := make([]*streamGroup, len(names))
	for i, name := range names {
		gs[i] = s.groups[name]
	}
	return names, gs
}

// removeNACK drops a pending entry from the group and its consumer.
func (g *streamGroup) removeNACK(n *streamNACK) {
	g.pel.remove(n.id)
	if n.consumer != nil {
		n.consumer.pel.remove(n.id)
	}
}
