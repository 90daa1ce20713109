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
// scan cursor that survives deletions.
type set struct {
	ints    intset
	members []string
	index   map[string]int
	lim     *Config // encoding thresholds: the server's live configuration
}

func newSet(lim *Config) *set { return &set{lim: lim} }

func (s *set) isIntset() bool { return s.index == nil }

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
	return len(s.members)
}

func (s *set) clone() collection {
	c := &set{ints: slices.Clone(s.ints), lim: s.lim}
	if s.index != nil {
		c.members = slices.Clone(s.members)
		c.index = make(map[string]int, len(s.index))
		for k, v := range s.index {
			c.index[k] = v
		}
	}
	return c
}

func (s *set) memUsage() int64 {
	if s.isIntset() {
		return int64(16 + cap(s.ints))
	}
	n := int64(64)
	for _, m := range s.members {
		n += int64(len(m)) + 48
	}
	return n
}

// convert switches an intset to the hashtable encoding.
func (s *set) convert() {
	n := s.ints.len()
	s.members = make([]string, 0, n+1)
	s.index = make(map[string]int, n+1)
	for i := range n {
		m := strconv.FormatInt(s.ints.get(i), 10)
		s.index[m] = len(s.members)
		s.members = append(s.members, m)
	}
	s.ints = nil
}

// add inserts m and reports whether it was new.
func (s *set) add(m []byte) bool {
	if s.isIntset() {
		if v, ok := parseInt(m); ok {
			i, found := s.ints.search(v)
			if found {
				return false
			}
			if s.ints.len() < s.lim.SetMaxIntsetEntries {
				s.ints = s.ints.insert(i, v)
				return true
			}
		}
		s.convert()
	}
	if _, ok := s.index[string(m)]; ok {
		return false
	}
	k := string(m)
	s.index[k] = len(s.members)
	s.members = append(s.members, k)
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
	_, ok := s.index[string(m)]
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
	i, ok := s.index[string(m)]
	if !ok {
		return false
	}
	s.removeAt(i)
	return true
}

// removeAt deletes the hashtable member at position i.
func (s *set) removeAt(i int) {
	last := len(s.members) - 1
	delete(s.index, s.members[i])
	if i != last {
		s.members[i] = s.members[last]
		s.index[s.members[i]] = i
	}
	s.members[last] = ""
	s.members = s.members[:last]
}

// at returns the i-th member in encoding order.
func (s *set) at(i int) string {
	if s.isIntset() {
		return strconv.FormatInt(s.ints.get(i), 10)
	}
	return s.members[i]
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
