package node

import "math/rand/v2"

// Skiplist parameters, as in Redis: up to 32 levels, each level 1/4 as
// populated as the one below.
const (
	skiplistMaxLevel = 32
	skiplistP        = 0.25
)

// slNode is one element of a skiplist. level[i].span counts the elements
// level[i].next skips over, which makes ranks O(log n).
type slNode struct {
	member string
	score  float64
	back   *slNode
	pos    int // position in the owning zset's scan slice
	level  []slLevel
}

type slLevel struct {
	next *slNode
	span int
}

// skiplist orders elements by (score, member), as Redis's zskiplist does.
type skiplist struct {
	head   *slNode
	tail   *slNode
	length int
	level  int
}

func newSkiplist() *skiplist {
	// The head grows its levels as the list does: most sorted sets are
	// small and never need 32.
	return &skiplist{head: &slNode{level: make([]slLevel, 1, 4)}, level: 1}
}

// slBefore reports whether node n sorts before (score, member).
func slBefore(n *slNode, score float64, member string) bool {
	return n.score < score || (n.score == score && n.member < member)
}

func randomLevel() int {
	l := 1
	for l < skiplistMaxLevel && rand.Float64() < skiplistP {
		l++
	}
	return l
}

// insert adds an element that must not already be present.
func (sl *skiplist) insert(score float64, member string) *slNode {
	var update [skiplistMaxLevel]*slNode
	var rank [skiplistMaxLevel]int
	x := sl.head
	for i := sl.level - 1; i >= 0; i-- {
		if i < sl.level-1 {
			rank[i] = rank[i+1]
		}
		for x.level[i].next != nil && slBefore(x.level[i].next, score, member) {
			rank[i] += x.level[i].span
			x = x.level[i].next
		}
		update[i] = x
	}
	lvl := randomLevel()
	for len(sl.head.level) < lvl {
		sl.head.level = append(sl.head.level, slLevel{})
	}
	if lvl > sl.level {
		for i := sl.level; i < lvl; i++ {
			rank[i] = 0
			update[i] = sl.head
			update[i].level[i].span = sl.length
		}
		sl.level = lvl
	}
	x = &slNode{member: member, score: score, level: make([]slLevel, lvl)}
	for i := 0; i < lvl; i++ {
		x.level[i].next = update[i].level[i].next
		update[i].level[i].next = x
		x.level[i].span = update[i].level[i].span - (rank[0] - rank[i])
		update[i].level[i].span = rank[0] - rank[i] + 1
	}
	for i := lvl; i < sl.level; i++ {
		update[i].level[i].span++
	}
	if update[0] != sl.head {
		x.back = update[0]
	}
	if x.level[0].next != nil {
		x.level[0].next.back = x
	} else {
		sl.tail = x
	}
	sl.length++
	return x
}

// unlink removes x given the update vector of its predecessors.
func (sl *skiplist) unlink(x *slNode, update *[skiplistMaxLevel]*slNode) {
	for i := 0; i < sl.level; i++ {
		if update[i].level[i].next == x {
			update[i].level[i].span += x.level[i].span - 1
			update[i].level[i].next = x.level[i].next
		} else {
			update[i].level[i].span--
		}
	}
	if x.level[0].next != nil {
		x.level[0].next.back = x.back
	} else {
		sl.tail = x.back
	}
	for sl.level > 1 && sl.head.level[sl.level-1].next == nil {
		sl.level--
	}
	sl.length--
}

// remove deletes the element (score, member) and reports whether it existed.
func (sl *skiplist) remove(score float64, member string) bool {
	var update [skiplistMaxLevel]*slNode
	x := sl.head
	for i := sl.level - 1; i >= 0; i-- {
		for x.level[i].next != nil && slBefore(x.level[i].next, score, member) {
			x = x.level[i].next
		}
		update[i] = x
	}
	x = x.level[0].next
	if x != nil && x.score == score && x.member == member {
		sl.unlink(x, &update)
		return true
	}
	return false
}

// rank returns the 1-based rank of (score, member), 0 if absent.
func (sl *skiplist) rank(score float64, member string) int {
	r := 0
	x := sl.head
	for i := sl.level - 1; i >= 0; i-- {
		for x.level[i].next != nil && slNotAfter(x.level[i].next, score, member) {
			r += x.level[i].span
			x = x.level[i].next
		}
		if x != sl.head && x.member == member && x.score == score {
			return r
		}
	}
	return 0
}

// slNotAfter reports whether node n sorts before or at (score, member).
func slNotAfter(n *slNode, score float64, member string) bool {
	return n.score < score || (n.score == score && n.member <= member)
}

// byRank returns the element at 1-based rank r, or nil.
func (sl *skiplist) byRank(r int) *slNode {
	if r < 1 || r > sl.length {
		return nil
	}
	t := 0
	x := sl.head
	for i := sl.level - 1; i >= 0; i-- {
		for x.level[i].next != nil && t+x.level[i].span <= r {
			t += x.level[i].span
			x = x.level[i].next
		}
		if t == r {
			return x
		}
	}
	return nil
}

// firstWhere returns the first element for which below(n) is false; below
// must hold for a prefix of the list ("the element is below the range").
func (sl *skiplist) firstWhere(below func(n *slNode) bool) *slNode {
	x := sl.head
	for i := sl.level - 1; i >= 0; i-- {
		for x.level[i].next != nil && below(x.level[i].next) {
			x = x.level[i].next
		}
	}
	return x.level[0].next
}

// lastWhere returns the last element for which notAbove(n) holds; it must
// hold for a prefix of the list ("the element is not above the range").
func (sl *skiplist) lastWhere(notAbove func(n *slNode) bool) *slNode {
	x := sl.head
	for i := sl.level - 1; i >= 0; i-- {
		for x.level[i].next != nil && notAbove(x.level[i].next) {
			x = x.level[i].next
		}
	}
	if x == sl.head {
		return nil
	}
	return x
}

// rankOf returns the 1-based rank of node n, which must be in the list.
func (sl *skiplist) rankOf(n *slNode) int { return sl.rank(n.score, n.member) }
