package slots

import (
	"math"
	"net"
	"slices"
)

// Range is the inclusive slot range Start..End served by Group.
type Range struct {
	Start, End int
	Group      GroupID
}

// Evenly splits the 16384 slots among groups in the order given, the way
// redis-cli --cluster create does: with three groups, 0-5460, 5461-10922 and
// 10923-16383. It returns nil when groups is empty.
func Evenly(groups []GroupID) []Range {
	n := len(groups)
	if n == 0 {
		return nil
	}
	per := float64(NumSlots) / float64(n)
	rs := make([]Range, 0, n)
	first, cursor := 0, 0.0
	for i, g := range groups {
		last := int(math.Round(cursor + per - 1))
		if last > NumSlots-1 || i == n-1 {
			last = NumSlots - 1
		}
		if last < first {
			last = first
		}
		if first > NumSlots-1 {
			break
		}
		rs = append(rs, Range{Start: first, End: last, Group: g})
		first = last + 1
		cursor += per
	}
	return rs
}

// hostOf returns the host part of a host:port address (the whole address when
// it has no port).
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// PlaceReplicas chooses up to n replicas for each group from spares. It deals
// the spares round by round over the groups in ascending id order, so groups
// get equal shares, and for each pick prefers, in order: a spare on another
// host than the group's master, a spare on a host the group does not use yet,
// and then the earliest spare in the list. masters maps each group to its
// master's record (its Addr gives the host).
func PlaceReplicas(masters map[GroupID]Node, spares []Node, n int) map[GroupID][]NodeID {
	ids := make([]GroupID, 0, len(masters))
	for g := range masters {
		ids = append(ids, g)
	}
	slices.Sort(ids)
	out := make(map[GroupID][]NodeID, len(ids))
	used := make(map[GroupID]map[string]bool, len(ids))
	for _, g := range ids {
		used[g] = map[string]bool{hostOf(masters[g].Addr): true}
	}
	free := slices.Clone(spares)
	for round := 0; round < n && len(free) > 0; round++ {
		for _, g := range ids {
			if len(free) == 0 {
				break
			}
			master := hostOf(masters[g].Addr)
			best, bestScore := -1, -1
			for i, s := range free {
				h := hostOf(s.Addr)
				score := 0
				if h != master {
					score += 2
				}
				if !used[g][h] {
					score++
				}
				if score > bestScore {
					best, bestScore = i, score
				}
			}
			s := free[best]
			free = slices.Delete(free, best, best+1)
			out[g] = append(out[g], s.ID)
			used[g][hostOf(s.Addr)] = true
		}
	}
	return out
}
