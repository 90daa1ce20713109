package node

import (
	"math/rand/v2"
	"unsafe"
)

// Skiplist parameters, as in Redis: up to 32 levels, each level 1/4 as
// populated as the one below.
const (
	skiplistMaxLevel = 32
	skiplistP        = 0.25
)

// slNode is one element of a skiplist. lvl(i).span counts the elements
// lvl(i).next skips over, which makes ranks O(log n).
//
// Level 0 is stored in the node; the higher levels, which only about a
// quarter of the nodes have, live in one extra array that up points to.
// A node is 64 bytes and most nodes are a single allocation.
type slNode struct {
	member string
	score  float64
	back   *slNode
	l0     slLevel
	up     *slLevel // levels 1..n-1: the first element of a []slLevel
	pos    int32    // position in the owning zset's scan slice
	n      int32    // number of levels
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

// newSlNode returns a node with lvl levels.
func newSlNode(score float64, member string, lvl int) *slNode {
	x := &slNode{member: member, score: score, n: int32(lvl)}
	if lvl > 1 {
		up := make([]slLevel, lvl-1)
		x.up = &up[0]
	}
	return x
}

// lvl returns level i of the node (i < n).
func (x *slNode) lvl(i int) *slLevel {
	if i == 0 {
		return &x.l0
	}
	return (*slLevel)(unsafe.Add(unsafe.Pointer(x.up), uintptr(i-1)*unsafe.Sizeof(slLevel{})))
}

func newSkiplist() *skiplist {
	return &skiplist{head: newSlNode(0, "", skiplistMaxLevel), level: 1}
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
		for x.lvl(i).next != nil && slBefore(x.lvl(i).next, score, member) {
			rank[i] += x.lvl(i).span
			x = x.lvl(i).next
		}
		update[i] = x
	}
	lvl := randomLevel()
	if lvl > sl.level {
		for i := sl.level; i < lvl; i++ {
			rank[i] = 0
			update[i] = sl.head
			update[i].lvl(i).span = sl.length
		}
		sl.level = lvl
	}
	x = newSlNode(score, member, lvl)
	for i := 0; i < lvl; i++ {
		x.lvl(i).next = update[i].lvl(i).next
		update[i].lvl(i).next = x
		x.lvl(i).span = update[i].lvl(i).span - (rank[0] - rank[i])
		update[i].lvl(i).span = rank[0] - rank[i] + 1
	}
	for i := lvl; i < sl.level; i++ {
		update[i].lvl(i).span++
	}
	if update[0] != sl.head {
		x.back = update[0]
	}
	if x.lvl(0).next != nil {
		x.lvl(0).next.back = x
	} else {
		sl.tail = x
	}
	sl.length++
	return x
}

// unlink removes x given the update vector of its predecessors.
func (sl *skiplist) unlink(x *slNode, update *[skiplistMaxLevel]*slNode) {
	for i := 0; i < sl.level; i++ {
		if update[i].lvl(i).next == x {
			update[i].lvl(i).span += x.lvl(i).span - 1
			update[i].lvl(i).next = x.lvl(i).next
		} else {
			update[i].lvl(i).span--
		}
	}
	if x.lvl(0).next != nil {
		x.lvl(0).next.back = x.back
	} else {
		sl.tail = x.back
	}
	for sl.level > 1 && sl.head.lvl(sl.level-1).next == nil {
		sl.level--
	}
	sl.length--
}

// remove deletes the element (score, member) and reports whether it existed.
func (sl *skiplist) remove(score float64, member string) bool {
	var update [skiplistMaxLevel]*slNode
	x := sl.head
	for i := sl.level - 1; i >= 0; i-- {
		for x.lvl(i).next != nil && slBefore(x.lvl(i).next, score, member) {
			x = x.lvl(i).next
		}
		update[i] = x
	}
	x = x.lvl(0).next
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
		for x.lvl(i).next != nil && slNotAfter(x.lvl(i).next, score, member) {
			r += x.lvl(i).span
			x = x.lvl(i).next
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
		for x.lvl(i).next != nil && t+x.lvl(i).span <= r {
			t += x.lvl(i).span
			x = x.lvl(i).next
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
		for x.lvl(i).next != nil && below(x.lvl(i).next) {
			x = x.lvl(i).next
		}
	}
	return x.lvl(0).next
}

// lastWhere returns the last element for which notAbove(n) holds; it must
// hold for a prefix of the list ("the element is not above the range").
func (sl *skiplist) lastWhere(notAbove func(n *slNode) bool) *slNode {
	x := sl.head
	for i := sl.level - 1; i >= 0; i-- {
		for x.lvl(i).next != nil && notAbove(x.lvl(i).next) {
			x = x.lvl(i).next
		}
	}
	if x == sl.head {
		return nil
	}
	return x
}

// rankOf returns the 1-based rank of node n, which must be in the list.
func (sl *skiplist) rankOf(n *slNode) int { return sl.rank(n.score, n.member) }
