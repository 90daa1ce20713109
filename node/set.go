package node

import (
	"math/rand/v2"
	"slices"
	"strconv"
)

// setMaxIntsetEntries is Redis's set-max-intset-entries default: a set of
// integers stays "intset" encoded up to this many members.
const setMaxIntsetEntries = 512

// set is the value of a set key. While every member is an integer and there
// are at most setMaxIntsetEntries of them it is "intset" encoded: ints holds
// the members sorted ascending (see intset) and index is nil. Otherwise it is "hashtable"
// encoded: members holds them in no particular order and index maps each
// member to its position in members, which gives O(1) random picks and a
// scan cursor that survives deletions; both live behind one pointer (tab).
//
// A set embeds the object of its key (obj), so that a small set and its
// object are one 80-byte allocation. The intset limit comes from the
// caller's configuration.
type set struct {
	o    object // the key's object, once obj has been called
	ints intset
	tab  *setTable // hashtable form; nil while intset
}

// setTable is the hashtable form of a set.
type setTable struct {
	members []string
	index   map[string]int
}

func newSet() *set { return &set{} }

// obj returns the object holding s, embedded in it.
func (s *set) obj() *object {
	s.o.typ, s.o.val = typeSet, s
	return &s.o
}

func (s *set) isIntset() bool { return s.tab == nil }

func (s *set) encoding() string {
	if s.isIntset() {
		return "intset"
	}
	return "hashtable"
}

func (s *set) length() int {
	if s.isIntset() {
		return s.ints.len()
	}
	return len(s.tab.members)
}

func (s *set) clone() collection {
	c := &set{ints: slices.Clone(s.ints)}
	if t := s.tab; t != nil {
		c.tab = &setTable{members: slices.Clone(t.members), index: make(map[string]int, len(t.index))}
		for k, v := range t.index {
			c.tab.index[k] = v
		}
	}
	return c
}

func (s *set) memUsage() int64 {
	if s.isIntset() {
		return int64(16 + cap(s.ints))
	}
	n := int64(64)
	for _, m := range s.tab.members {
		n += int64(len(m)) + 48
	}
	return n
}

// convert switches an intset to the hashtable encoding.
func (s *set) convert() {
	n := s.ints.len()
	t := &setTable{members: make([]string, 0, n+1), index: make(map[string]int, n+1)}
	for i := range n {
		m := strconv.FormatInt(s.ints.get(i), 10)
		t.index[m] = len(t.members)
		t.members = append(t.members, m)
	}
	s.ints, s.tab = nil, t
}

// add inserts m and reports whether it was new. An intset converts when
// it would get more than lim.SetMaxIntsetEntries members.
func (s *set) add(lim *Config, m []byte) bool {
	if s.isIntset() {
		if v, ok := parseInt(m); ok {
			i, found := s.ints.search(v)
			if found {
				return false
			}
			if s.ints.len() < lim.SetMaxIntsetEntries {
				s.ints = s.ints.insert(i, v)
				return true
			}
		}
		s.convert()
	}
	t := s.tab
	if _, ok := t.index[string(m)]; ok {
		return false
	}
	k := string(m)
	t.index[k] = len(t.members)
	t.members = append(t.members, k)
	return true
}

// has reports whether m is a member.
func (s *set) has(m []byte) bool {
	if s.isIntset() {
		v, ok := parseInt(m)
		if !ok {
			return false
		}
		_, found := s.ints.search(v)
		return found
	}
	_, ok := s.tab.index[string(m)]
	return ok
}

// remove deletes m and reports whether it was present.
func (s *set) remove(m []byte) bool {
	if s.isIntset() {
		v, ok := parseInt(m)
		if !ok {
			return false
		}
		i, found := s.ints.search(v)
		if found {
			s.ints = s.ints.remove(i)
		}
		return found
	}
	i, ok := s.tab.index[string(m)]
	if !ok {
		return false
	}
	s.removeAt(i)
	return true
}

// removeAt deletes the hashtable member at position i.
func (s *set) removeAt(i int) {
	t := s.tab
	last := len(t.members) - 1
	delete(t.index, t.members[i])
	if i != last {
		t.members[i] = t.members[last]
		t.index[t.members[i]] = i
	}
	t.members[last] = ""
	t.members = t.members[:last]
}

// at returns the i-th member in encoding order.
func (s *set) at(i int) string {
	if s.isIntset() {
		return strconv.FormatInt(s.ints.get(i), 10)
	}
	return s.tab.members[i]
}

// list returns every member in encoding order (ascending for intsets).
func (s *set) list() []string {
	out := make([]string, s.length())
	for i := range out {
		out[i] = s.at(i)
	}
	return out
}

// random returns a random member; the set must not be empty.
func (s *set) random() string { return s.at(rand.IntN(s.length())) }

// pop removes and returns a random member; the set must not be empty.
func (s *set) pop() string {
	i := rand.IntN(s.length())
	m := s.at(i)
	if s.isIntset() {
		s.ints = s.ints.remove(i)
	} else {
		s.removeAt(i)
	}
	return m
}
